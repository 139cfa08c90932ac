// The alarms of a stack, as plain data: the Monitoring component creates them, the tests check them,
// the cost estimate counts them. Thresholds default to the users' own list (seeds/000).
import { diskDimensions } from "./agentConfig";

export interface AlarmThresholds {
    cpuPercent: number;
    memoryPercent: number;
    diskPercent: number;
    errorRatePercent: number;
    dbCpuPercent: number;
    dbFreeStorageGiB: number;
    dbConnections: number;
}

export const DEFAULT_THRESHOLDS: AlarmThresholds = { cpuPercent: 80, memoryPercent: 85, diskPercent: 80, errorRatePercent: 5, dbCpuPercent: 80, dbFreeStorageGiB: 2, dbConnections: 60 };

export interface MetricRef {
    id: string;
    namespace: string;
    metricName: string;
    dimensions: Record<string, string>;
    stat: string;
    period: number;
}

export interface AlarmSpec {
    /** Short key, also the alarm's name suffix. */
    key: string;
    description: string;
    comparison: "GreaterThanThreshold" | "LessThanThreshold" | "GreaterThanOrEqualToThreshold";
    threshold: number;
    evaluationPeriods: number;
    datapointsToAlarm: number;
    treatMissingData: "missing" | "breaching" | "notBreaching" | "ignore";
    /** One metric, or several combined by `expression` (metric math). */
    metrics: MetricRef[];
    expression?: string;
}

export interface AlarmContext {
    /** Namespace of the stack's own metrics (log filters, host probe, releases). */
    namespace: string;
    /** Fixed hosts (stages 1-3) or an Auto Scaling group (stage 4). */
    instanceIds: string[];
    autoScalingGroup?: string;
    /** With the on-host database: its volume is watched too. */
    dataDiskPath?: string;
    loadBalancer?: { arnSuffix: string; targetGroupArnSuffixes: string[] };
    dbInstance?: string;
    /** With the on-host database backed up by the host: the backup-age alarm's limit, in hours. */
    backupMaxAgeHours?: number;
    thresholds: AlarmThresholds;
}

const m = (id: string, namespace: string, metricName: string, dimensions: Record<string, string>, stat: string, period: number): MetricRef => ({ id, namespace, metricName, dimensions, stat, period });

/** One metric per host (or the group), combined by `fn` when there are several. */
function perHost(c: AlarmContext, namespace: string, metric: string, stat: string, period: number, extra: Record<string, string> = {}): { metrics: MetricRef[]; expression?: string } {
    if (c.autoScalingGroup) return { metrics: [m("m0", namespace, metric, { AutoScalingGroupName: c.autoScalingGroup, ...extra }, stat, period)] };
    const metrics = c.instanceIds.map((id, i) => m(`m${i}`, namespace, metric, { InstanceId: id, ...extra }, stat, period));
    return metrics.length === 1 ? { metrics } : { metrics, expression: `MAX([${metrics.map((x) => x.id).join(",")}])` };
}

export function alarmSpecs(c: AlarmContext): AlarmSpec[] {
    const t = c.thresholds;
    const specs: AlarmSpec[] = [
        { key: "cpu", description: `CPU above ${t.cpuPercent}% for 5 minutes`, comparison: "GreaterThanThreshold", threshold: t.cpuPercent, evaluationPeriods: 1, datapointsToAlarm: 1, treatMissingData: "missing", ...perHost(c, "AWS/EC2", "CPUUtilization", "Average", 300) },
        { key: "memory", description: `Memory above ${t.memoryPercent}% for 5 minutes`, comparison: "GreaterThanThreshold", threshold: t.memoryPercent, evaluationPeriods: 5, datapointsToAlarm: 5, treatMissingData: "missing", ...perHost(c, "CWAgent", "mem_used_percent", "Average", 60) },
    ];
    const group = c.autoScalingGroup !== undefined;
    const rootDisk = perHost(c, "CWAgent", "disk_used_percent", "Maximum", 300, diskDimensions("/", group));
    if (c.dataDiskPath && !group) {
        // Root and the database volume in one alarm: the fuller one decides.
        const data = c.instanceIds.map((id, i) => m(`d${i}`, "CWAgent", "disk_used_percent", { InstanceId: id, ...diskDimensions(c.dataDiskPath!, false) }, "Maximum", 300));
        const all = [...rootDisk.metrics, ...data];
        specs.push({ key: "disk", description: `Disk (root or database volume) above ${t.diskPercent}%`, comparison: "GreaterThanThreshold", threshold: t.diskPercent, evaluationPeriods: 1, datapointsToAlarm: 1, treatMissingData: "missing", metrics: all, expression: `MAX([${all.map((x) => x.id).join(",")}])` });
    } else {
        specs.push({ key: "disk", description: `Root disk above ${t.diskPercent}%`, comparison: "GreaterThanThreshold", threshold: t.diskPercent, evaluationPeriods: 1, datapointsToAlarm: 1, treatMissingData: "missing", ...rootDisk });
    }

    if (c.loadBalancer) {
        const lb = c.loadBalancer;
        const healthy = lb.targetGroupArnSuffixes.map((tg, i) => m(`h${i}`, "AWS/ApplicationELB", "HealthyHostCount", { TargetGroup: tg, LoadBalancer: lb.arnSuffix }, "Minimum", 60));
        specs.push({
            key: "health", description: "A service has no healthy target for 2 minutes in a row", comparison: "LessThanThreshold", threshold: 1, evaluationPeriods: 2, datapointsToAlarm: 2, treatMissingData: "breaching",
            metrics: healthy, ...(healthy.length > 1 ? { expression: `MIN([${healthy.map((x) => x.id).join(",")}])` } : {}),
        });
        specs.push({
            key: "errors", description: `5xx responses above ${t.errorRatePercent}% of requests`, comparison: "GreaterThanThreshold", threshold: t.errorRatePercent, evaluationPeriods: 1, datapointsToAlarm: 1, treatMissingData: "notBreaching",
            metrics: [
                m("e1", "AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", { LoadBalancer: lb.arnSuffix }, "Sum", 300),
                m("e2", "AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", { LoadBalancer: lb.arnSuffix }, "Sum", 300),
                m("r", "AWS/ApplicationELB", "RequestCount", { LoadBalancer: lb.arnSuffix }, "Sum", 300),
            ],
            expression: "100 * (FILL(e1, 0) + FILL(e2, 0)) / r",
        });
    } else {
        // No load balancer: the host's own probe publishes HealthCheck every minute; a dead host publishes
        // nothing, and missing data counts as failing.
        specs.push({ key: "health", description: "The health check failed twice in a row (or the host stopped reporting)", comparison: "LessThanThreshold", threshold: 1, evaluationPeriods: 2, datapointsToAlarm: 2, treatMissingData: "breaching", metrics: [m("m0", c.namespace, "HealthCheck", {}, "Minimum", 60)] });
        specs.push({
            key: "errors", description: `5xx responses above ${t.errorRatePercent}% of requests (from the nginx access log)`, comparison: "GreaterThanThreshold", threshold: t.errorRatePercent, evaluationPeriods: 1, datapointsToAlarm: 1, treatMissingData: "notBreaching",
            metrics: [m("e", c.namespace, "Http5xx", {}, "Sum", 300), m("r", c.namespace, "RequestCount", {}, "Sum", 300)],
            expression: "100 * FILL(e, 0) / r",
        });
    }
    if (!c.autoScalingGroup) {
        specs.push({ key: "status", description: "EC2 status check failing (the host is unreachable)", comparison: "GreaterThanOrEqualToThreshold", threshold: 1, evaluationPeriods: 2, datapointsToAlarm: 2, treatMissingData: "breaching", ...perHost(c, "AWS/EC2", "StatusCheckFailed", "Maximum", 60) });
    }
    if (c.backupMaxAgeHours !== undefined) {
        // The host's probe publishes the age every minute from the moment backups are expected; no data
        // for an hour means the host or its probe is gone, and no backup can be vouched for.
        specs.push({
            key: "backup-age", description: `No successful database backup for more than ${c.backupMaxAgeHours} hours`, comparison: "GreaterThanThreshold", threshold: c.backupMaxAgeHours,
            evaluationPeriods: 1, datapointsToAlarm: 1, treatMissingData: "breaching", metrics: [m("m0", c.namespace, "BackupAgeHours", {}, "Maximum", 3600)],
        });
    }
    if (c.dbInstance) {
        const db = { DBInstanceIdentifier: c.dbInstance };
        specs.push(
            { key: "db-cpu", description: `Database CPU above ${t.dbCpuPercent}% for 5 minutes`, comparison: "GreaterThanThreshold", threshold: t.dbCpuPercent, evaluationPeriods: 1, datapointsToAlarm: 1, treatMissingData: "missing", metrics: [m("m0", "AWS/RDS", "CPUUtilization", db, "Average", 300)] },
            { key: "db-storage", description: `Database free storage below ${t.dbFreeStorageGiB} GiB`, comparison: "LessThanThreshold", threshold: t.dbFreeStorageGiB * 1024 ** 3, evaluationPeriods: 1, datapointsToAlarm: 1, treatMissingData: "missing", metrics: [m("m0", "AWS/RDS", "FreeStorageSpace", db, "Minimum", 300)] },
            { key: "db-connections", description: `More than ${t.dbConnections} database connections`, comparison: "GreaterThanThreshold", threshold: t.dbConnections, evaluationPeriods: 1, datapointsToAlarm: 1, treatMissingData: "missing", metrics: [m("m0", "AWS/RDS", "DatabaseConnections", db, "Maximum", 300)] },
        );
    }
    return specs;
}
