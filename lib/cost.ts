// Monthly cost of a stack from its planned resources and the price table in prices.json. Pure: the
// offline plan and the policy pack's budget check both call it.
import prices from "./prices.json";

export type Category = "compute" | "storage" | "network" | "database" | "monitoring";

export interface CostItem {
    category: Category;
    resource: string;
    description: string;
    monthlyUsd: number;
}

export interface CostEstimate {
    region: string;
    priceDate: string;
    items: CostItem[];
    /**
     * List price per month, once the free tier no longer applies; null when a resource has no price
     * (see unpriced): a total without it would look cheaper than the stack is.
     */
    monthlyUsd: number | null;
    /** What the free tier covers, itemised (amounts positive). */
    freeTier: { description: string; monthlyUsd: number }[];
    /** Null with monthlyUsd. */
    withFreeTierUsd: number | null;
    byCategory: Record<Category, number>;
    /** What has no price in the table (an instance type, say); when any, there is no total. */
    unpriced: string[];
}

export interface PricedResource {
    type: string;
    name: string;
    props: Record<string, unknown>;
}

type RegionPrices = (typeof prices.regions)["us-east-1"];
const H = prices.hoursPerMonth;
const A = prices.assumptions;
const F = prices.freeTier;

export const PRICED_REGIONS = Object.keys(prices.regions);

const round = (n: number) => Math.round(n * 100) / 100;
const num = (v: unknown, fallback = 0) => (typeof v === "number" ? v : typeof v === "string" && v !== "" && !isNaN(Number(v)) ? Number(v) : fallback);

interface Usage {
    microEc2Hours: number;
    ebsGiB: number;
    publicIpv4Hours: number;
    rdsMicroHours: number;
    rdsStorageGiB: number;
    albHours: number;
    albLcuHours: number;
    alarmMetrics: number;
    customMetrics: Set<string>;
    dashboards: number;
    logGroups: number;
}

/** Metric series outside AWS/* namespaces that the stack's alarms and dashboards read. */
function customMetricsOf(r: PricedResource, into: Set<string>): void {
    const add = (ns: unknown, name: unknown, dims: unknown) => {
        // A series is its dimension set, in any order (the engine sorts an alarm's keys, a dashboard keeps its own).
        const sorted = Object.entries((dims ?? {}) as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b));
        if (typeof ns === "string" && !ns.startsWith("AWS/") && typeof name === "string") into.add(`${ns} ${name} ${JSON.stringify(sorted)}`);
    };
    if (r.type === "aws:cloudwatch/metricAlarm:MetricAlarm") {
        for (const q of (r.props.metricQueries as { metric?: { namespace: string; metricName: string; dimensions: unknown } }[] | undefined) ?? []) {
            if (q.metric) add(q.metric.namespace, q.metric.metricName, q.metric.dimensions);
        }
    }
    if (r.type === "aws:cloudwatch/dashboard:Dashboard" && typeof r.props.dashboardBody === "string") {
        try {
            const body = JSON.parse(r.props.dashboardBody) as { widgets: { properties: { metrics?: unknown[][] } }[] };
            for (const w of body.widgets) {
                for (const m of w.properties.metrics ?? []) {
                    const parts = m.filter((x) => typeof x === "string") as string[];
                    const dims = Object.fromEntries(parts.slice(2).reduce<string[][]>((acc, x, i) => (i % 2 ? acc[acc.length - 1].push(x) : acc.push([x]), acc), []));
                    add(parts[0], parts[1], dims);
                }
            }
        } catch {
            /* an unknown body in a preview: nothing to count */
        }
    }
}

/** Estimates the stack's monthly cost in `region` (one of PRICED_REGIONS). */
export function estimateCost(resources: PricedResource[], region: string): CostEstimate {
    const p = (prices.regions as Record<string, RegionPrices>)[region];
    if (!p) throw new Error(`no prices for region ${region}; the table has ${PRICED_REGIONS.join(", ")}`);
    const items: CostItem[] = [];
    const unpriced: string[] = [];
    const u: Usage = { microEc2Hours: 0, ebsGiB: 0, publicIpv4Hours: 0, rdsMicroHours: 0, rdsStorageGiB: 0, albHours: 0, albLcuHours: 0, alarmMetrics: 0, customMetrics: new Set(), dashboards: 0, logGroups: 0 };
    const add = (category: Category, resource: string, description: string, monthlyUsd: number) => items.push({ category, resource, description, monthlyUsd: round(monthlyUsd) });
    const ec2 = (name: string, type: string, count: number, rootGiB: number, publicIp: boolean) => {
        const hourly = (p.ec2Hourly as Record<string, number>)[type];
        if (hourly === undefined) unpriced.push(`EC2 ${type}`);
        else add("compute", name, `${count} x EC2 ${type}`, count * hourly * H);
        if (F.ec2MicroTypes.includes(type)) u.microEc2Hours += count * H;
        add("storage", name, `${count} x ${rootGiB} GiB gp3 root volume`, count * rootGiB * p.ebsGp3GiBMonth);
        u.ebsGiB += count * rootGiB;
        if (publicIp) {
            add("network", name, `${count} x public IPv4 address`, count * p.publicIpv4Hourly * H);
            u.publicIpv4Hours += count * H;
        }
    };

    const launchTemplates = new Map(resources.filter((r) => r.type === "aws:ec2/launchTemplate:LaunchTemplate").map((r) => [r.name, r]));
    for (const r of resources) {
        const x = r.props;
        switch (r.type) {
            case "aws:ec2/instance:Instance":
                ec2(r.name, String(x.instanceType), 1, num((x.rootBlockDevice as Record<string, unknown> | undefined)?.volumeSize, 8), x.associatePublicIpAddress === true);
                break;
            case "aws:autoscaling/group:Group": {
                // The group runs desiredCapacity instances of its (only) launch template.
                const lt = [...launchTemplates.values()][0];
                if (!lt) break;
                const root = num(((lt.props.blockDeviceMappings as { ebs?: { volumeSize?: unknown } }[] | undefined)?.[0]?.ebs?.volumeSize), 8);
                const publicIp = ((lt.props.networkInterfaces as { associatePublicIpAddress?: unknown }[] | undefined) ?? []).some((n) => String(n.associatePublicIpAddress) === "true");
                ec2(r.name, String(lt.props.instanceType), num(x.desiredCapacity, num(x.minSize, 1)), root, publicIp);
                break;
            }
            case "aws:ebs/volume:Volume":
                add("storage", r.name, `${num(x.size)} GiB gp3 volume`, num(x.size) * p.ebsGp3GiBMonth);
                u.ebsGiB += num(x.size);
                break;
            case "aws:ec2/eip:Eip":
                add("network", r.name, "Elastic IP (public IPv4)", p.publicIpv4Hourly * H);
                u.publicIpv4Hours += H;
                break;
            case "aws:ec2/natGateway:NatGateway":
                add("network", r.name, "NAT gateway (hours only)", p.natGatewayHourly * H);
                break;
            case "aws:lb/loadBalancer:LoadBalancer":
                add("network", r.name, `Application Load Balancer + ${A.albLcu} LCU`, (p.albHourly + A.albLcu * p.albLcuHourly) * H);
                u.albHours += H;
                u.albLcuHours += A.albLcu * H;
                break;
            case "aws:rds/instance:Instance": {
                const cls = String(x.instanceClass);
                const hourly = (p.rdsHourly as Record<string, number>)[cls];
                const azs = x.multiAz === true ? 2 : 1;
                if (hourly === undefined) unpriced.push(`RDS ${cls}`);
                else add("database", r.name, `RDS PostgreSQL ${cls}${azs > 1 ? " Multi-AZ" : ""}`, azs * hourly * H);
                if (F.rdsMicroClasses.includes(cls) && azs === 1) u.rdsMicroHours += H;
                add("database", r.name, `${num(x.allocatedStorage)} GiB database storage`, azs * num(x.allocatedStorage) * p.rdsStorageGiBMonth);
                u.rdsStorageGiB += num(x.allocatedStorage);
                if (x.manageMasterUserPassword === true) add("database", r.name, "Secrets Manager secret (RDS-managed password)", p.secretsManagerSecretMonth);
                break;
            }
            case "aws:s3/bucket:Bucket":
                add("storage", r.name, `S3 Standard, ${A.backupStorageGiB} GiB of backups assumed`, A.backupStorageGiB * p.s3StandardGiBMonth);
                break;
            case "aws:cloudwatch/metricAlarm:MetricAlarm": {
                const metrics = Math.max(1, ((x.metricQueries as { metric?: unknown }[] | undefined) ?? []).filter((q) => q.metric).length);
                add("monitoring", r.name, `alarm on ${metrics} metric${metrics > 1 ? "s" : ""}`, metrics * p.cloudwatchAlarmMetricMonth);
                u.alarmMetrics += metrics;
                break;
            }
            case "aws:cloudwatch/dashboard:Dashboard":
                add("monitoring", r.name, "dashboard", p.cloudwatchDashboardMonth);
                u.dashboards += 1;
                break;
            case "aws:cloudwatch/logGroup:LogGroup":
                u.logGroups += 1;
                break;
        }
        customMetricsOf(r, u.customMetrics);
    }
    if (u.customMetrics.size > 0) add("monitoring", "custom metrics", `${u.customMetrics.size} custom metrics (agent, access log, probe, releases)`, u.customMetrics.size * p.cloudwatchCustomMetricMonth);
    if (u.logGroups > 0) add("monitoring", "logs", `log ingestion, ${A.logIngestionGiB} GiB assumed`, A.logIngestionGiB * p.cloudwatchLogsIngestGiB);

    const priced = round(items.reduce((s, i) => s + i.monthlyUsd, 0));
    const monthlyUsd = unpriced.length > 0 ? null : priced;
    const freeTier = freeTierCredits(u, resources, p).filter((c) => c.monthlyUsd > 0);
    const covered = round(freeTier.reduce((s, c) => s + c.monthlyUsd, 0));
    const byCategory = { compute: 0, storage: 0, network: 0, database: 0, monitoring: 0 } as Record<Category, number>;
    for (const i of items) byCategory[i.category] = round(byCategory[i.category] + i.monthlyUsd);
    const withFreeTierUsd = monthlyUsd === null ? null : round(Math.max(0, monthlyUsd - covered));
    return { region, priceDate: prices.date, items, monthlyUsd, freeTier, withFreeTierUsd, byCategory, unpriced };
}

function freeTierCredits(u: Usage, resources: PricedResource[], p: RegionPrices): { description: string; monthlyUsd: number }[] {
    const micro = resources.find((r) => r.type === "aws:ec2/instance:Instance" && F.ec2MicroTypes.includes(String(r.props.instanceType)))?.props.instanceType
        ?? (u.microEc2Hours > 0 ? "t3.micro" : undefined);
    const microRate = micro ? (p.ec2Hourly as Record<string, number>)[String(micro)] ?? 0 : 0;
    const rds = resources.find((r) => r.type === "aws:rds/instance:Instance" && F.rdsMicroClasses.includes(String(r.props.instanceClass)));
    const rdsRate = rds ? (p.rdsHourly as Record<string, number>)[String(rds.props.instanceClass)] ?? 0 : 0;
    const over = (n: number, limit: number) => Math.min(n, limit);
    return [
        { description: `EC2: ${F.ec2MicroHours} hours of t2/t3.micro`, monthlyUsd: round(over(u.microEc2Hours, F.ec2MicroHours) * microRate) },
        { description: `EBS: ${F.ebsGiB} GiB`, monthlyUsd: round(over(u.ebsGiB, F.ebsGiB) * p.ebsGp3GiBMonth) },
        { description: `public IPv4: ${F.publicIpv4Hours} hours`, monthlyUsd: round(over(u.publicIpv4Hours, F.publicIpv4Hours) * p.publicIpv4Hourly) },
        { description: `RDS: ${F.rdsMicroHours} hours of a micro class, ${F.rdsStorageGiB} GiB`, monthlyUsd: round(over(u.rdsMicroHours, F.rdsMicroHours) * rdsRate + over(u.rdsStorageGiB, F.rdsStorageGiB) * p.rdsStorageGiBMonth) },
        { description: `ALB: ${F.albHours} hours and ${F.albLcuHours} LCU`, monthlyUsd: round(over(u.albHours, F.albHours) * p.albHourly + over(u.albLcuHours, F.albLcuHours) * p.albLcuHourly) },
        { description: `S3: ${F.s3GiB} GiB`, monthlyUsd: resources.some((r) => r.type === "aws:s3/bucket:Bucket") ? round(over(A.backupStorageGiB, F.s3GiB) * p.s3StandardGiBMonth) : 0 },
        { description: `CloudWatch (always free): ${F.cloudwatchAlarmMetrics} alarm metrics, ${F.cloudwatchCustomMetrics} custom metrics, ${F.cloudwatchDashboards} dashboards, ${F.cloudwatchLogsGiB} GiB of logs`,
            monthlyUsd: round(over(u.alarmMetrics, F.cloudwatchAlarmMetrics) * p.cloudwatchAlarmMetricMonth + over(u.customMetrics.size, F.cloudwatchCustomMetrics) * p.cloudwatchCustomMetricMonth
                + over(u.dashboards, F.cloudwatchDashboards) * p.cloudwatchDashboardMonth + (u.logGroups > 0 ? over(A.logIngestionGiB, F.cloudwatchLogsGiB) * p.cloudwatchLogsIngestGiB : 0)) },
    ];
}
