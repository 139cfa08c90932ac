// The team dashboard, as a pure builder of CloudWatch's dashboard body: service up/down, CPU, memory,
// disk, response time (average, p95, p99), error rate, traffic, release history, backup age, database.
import { diskDimensions } from "./agentConfig";
import { AlarmContext } from "./alarms";

export interface DashboardArgs extends AlarmContext {
    region: string;
    title: string;
    releasesLogGroup: string;
}

type Metric = (string | Record<string, unknown>)[];

function widget(title: string, metrics: Metric[], x: number, y: number, extra: Record<string, unknown> = {}): object {
    return { type: "metric", x, y, width: 8, height: 6, properties: { title, metrics, view: "timeSeries", stat: "Average", period: 300, ...extra } };
}

function hostMetric(a: DashboardArgs, namespace: string, name: string, extraDims: string[] = []): Metric[] {
    if (a.autoScalingGroup) return [[namespace, name, "AutoScalingGroupName", a.autoScalingGroup, ...extraDims]];
    return a.instanceIds.map((id) => [namespace, name, "InstanceId", id, ...extraDims]);
}

export function dashboardBody(a: DashboardArgs): string {
    const region = { region: a.region };
    const lb = a.loadBalancer;
    const up: Metric[] = lb
        ? lb.targetGroupArnSuffixes.map((tg) => ["AWS/ApplicationELB", "HealthyHostCount", "TargetGroup", tg, "LoadBalancer", lb.arnSuffix, { stat: "Minimum" }])
        : [[a.namespace, "HealthCheck", { stat: "Minimum", label: "health check (1 = up)" }]];
    const latency: Metric[] = lb
        ? ["Average", "p95", "p99"].map((s) => ["AWS/ApplicationELB", "TargetResponseTime", "LoadBalancer", lb.arnSuffix, { stat: s, label: s }])
        : ["Average", "p95", "p99"].map((s) => [a.namespace, "Latency", { stat: s, label: s }]);
    const [errors, requests]: Metric[][] = lb
        ? [[["AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "LoadBalancer", lb.arnSuffix, { id: "e", stat: "Sum", visible: false }]], [["AWS/ApplicationELB", "RequestCount", "LoadBalancer", lb.arnSuffix, { id: "r", stat: "Sum" }]]]
        : [[[a.namespace, "Http5xx", { id: "e", stat: "Sum", visible: false }]], [[a.namespace, "RequestCount", { id: "r", stat: "Sum" }]]];
    const disk = (path: string) => hostMetric(a, "CWAgent", "disk_used_percent", Object.entries(diskDimensions(path, a.autoScalingGroup !== undefined)).flat());
    const disks = [...disk("/"), ...(a.dataDiskPath ? disk(a.dataDiskPath) : [])];
    const widgets: object[] = [
        { type: "text", x: 0, y: 0, width: 24, height: 2, properties: { markdown: `# ${a.title}\nAlarms go to the stack's SNS topic (Slack). Release history and backups below.` } },
        widget("Service up", up, 0, 2, { stat: "Minimum", period: 60, yAxis: { left: { min: 0 } }, ...region }),
        widget("CPU %", hostMetric(a, "AWS/EC2", "CPUUtilization"), 8, 2, { ...region }),
        widget("Memory %", hostMetric(a, "CWAgent", "mem_used_percent"), 16, 2, { ...region }),
        widget("Disk used %", disks, 0, 8, { stat: "Maximum", ...region }),
        widget("Response time (s)", latency, 8, 8, { period: 60, ...region }),
        widget("Error rate % (5xx)", [...errors, ...requests.map((r) => [...r.slice(0, -1), { ...(r.at(-1) as object), visible: false }]), [{ expression: "100 * FILL(e, 0) / r", label: "5xx %", id: "rate" }]], 16, 8, { ...region }),
        widget("Traffic (requests)", requests, 0, 14, { stat: "Sum", ...region }),
        ...backupWidgets(a),
        widget("Releases", [[a.namespace, "Release", { stat: "Sum", label: "released" }], [a.namespace, "ReleaseFailed", { stat: "Sum", label: "failed" }]], 16, 14, { stat: "Sum", period: 3600, view: "bar", ...region }),
        {
            type: "log", x: 0, y: 20, width: 24, height: 6,
            properties: { title: "Release history", region: a.region, view: "table", query: `SOURCE '${a.releasesLogGroup}' | fields @timestamp, @message | sort @timestamp desc | limit 20` },
        },
    ];
    if (a.dbInstance) {
        const db = (name: string, stat: string) => ["AWS/RDS", name, "DBInstanceIdentifier", a.dbInstance!, { stat }];
        widgets.push(
            widget("Database CPU %", [db("CPUUtilization", "Average")], 0, 26, { ...region }),
            widget("Database free storage (bytes)", [db("FreeStorageSpace", "Minimum")], 8, 26, { ...region }),
            widget("Database connections", [db("DatabaseConnections", "Maximum")], 16, 26, { ...region }),
        );
    }
    return JSON.stringify({ widgets });
}

/**
 * Backups: on the host, the probe's BackupAgeHours against the alarm's limit; on RDS, its backup
 * storage (instance-level metrics BackupRetentionPeriodStorageUsed and SnapshotStorageUsed, RDS User
 * Guide, "Amazon CloudWatch metrics for Amazon RDS") and where the latest restorable time shows, which
 * no CloudWatch metric carries.
 */
function backupWidgets(a: DashboardArgs): object[] {
    const region = { region: a.region };
    if (a.backupMaxAgeHours !== undefined) {
        return [widget("Backup age (hours)", [[a.namespace, "BackupAgeHours", { stat: "Maximum" }]], 8, 14, {
            stat: "Maximum", annotations: { horizontal: [{ label: "alarm", value: a.backupMaxAgeHours }] }, yAxis: { left: { min: 0 } }, ...region,
        })];
    }
    if (!a.dbInstance) return [];
    const db = (name: string, label: string) => ["AWS/RDS", name, "DBInstanceIdentifier", a.dbInstance!, { stat: "Maximum", label }];
    const consoleUrl = `https://${a.region}.console.aws.amazon.com/rds/home?region=${a.region}#database:id=${a.dbInstance};is-cluster=false;tab=maintenance-and-backups`;
    return [
        widget("Database backup storage (bytes)", [db("BackupRetentionPeriodStorageUsed", "automated backups"), db("SnapshotStorageUsed", "manual snapshots")], 8, 14, { stat: "Maximum", period: 3600, ...region }),
        {
            type: "text", x: 0, y: 32, width: 24, height: 2,
            properties: { markdown: `**Latest backup of ${a.dbInstance}**: RDS backs it up daily and keeps \`dbBackupRetentionDays\`; backup events and failures go to the alarm topic. Latest restorable time: [RDS console](${consoleUrl}) or \`aws rds describe-db-instances --region ${a.region} --db-instance-identifier ${a.dbInstance} --query 'DBInstances[0].LatestRestorableTime'\`` },
        },
    ];
}

export function dashboardUrl(region: string, name: string): string {
    return `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards:name=${name}`;
}
