import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { named, Tags } from "../tags";
import { AlarmContext, alarmSpecs, AlarmThresholds } from "./alarms";
import { dashboardBody, dashboardUrl } from "./dashboard";
import { SlackNotifier } from "./slack/notifier";

export interface MonitoringArgs {
    region: string;
    namespace: string;
    instanceIds: pulumi.Input<string>[];
    autoScalingGroup?: pulumi.Input<string>;
    dataDiskPath?: string;
    loadBalancer?: { arnSuffix: pulumi.Input<string>; targetGroupArnSuffixes: pulumi.Input<string>[] };
    dbInstance?: pulumi.Input<string>;
    /** The on-host database is backed up on the host: alarm past this many hours without a successful backup. */
    backupMaxAgeHours?: number;
    thresholds: AlarmThresholds;
    releasesLogGroup: string;
    logRetentionDays: number;
    slack?: { webhookUrl?: pulumi.Input<string>; chatbot?: { workspaceId: string; channelId: string } };
    alarmEmail?: string;
    tags: Tags;
}

/** The RDS event categories of a DB instance that go to the alarm topic. */
const RDS_EVENT_CATEGORIES = ["backup", "failure"] as const;

/** One SNS topic per stack, the alarms on it, the dashboard, and the way to Slack (and e-mail). */
export class Monitoring extends pulumi.ComponentResource {
    public readonly topicArn: pulumi.Output<string>;
    public readonly dashboardUrl: pulumi.Output<string>;
    public readonly alarmNames: pulumi.Output<string>[];

    constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
        super("webapp:infra:Monitoring", name, {}, opts);
        const parent = { parent: this };
        const topic = new aws.sns.Topic(`${name}-alarms`, { tags: named(args.tags, `${name}-alarms`) }, parent);

        // Alarm specs need plain ids, so the context resolves first; the set of alarms depends only on
        // which inputs exist, which is known now.
        const ctx = pulumi.all([pulumi.all(args.instanceIds), args.autoScalingGroup, args.loadBalancer?.arnSuffix, pulumi.all(args.loadBalancer?.targetGroupArnSuffixes ?? []), args.dbInstance])
            .apply(([instanceIds, asg, lbSuffix, tgSuffixes, db]): AlarmContext => ({
                namespace: args.namespace,
                instanceIds,
                autoScalingGroup: asg,
                dataDiskPath: args.dataDiskPath,
                loadBalancer: lbSuffix ? { arnSuffix: lbSuffix, targetGroupArnSuffixes: tgSuffixes } : undefined,
                dbInstance: db,
                backupMaxAgeHours: args.backupMaxAgeHours,
                thresholds: args.thresholds,
            }));
        // The same context with placeholders for ids not known yet: it decides which alarms exist.
        const known = "(known after apply)";
        const keyContext: AlarmContext = {
            namespace: args.namespace,
            instanceIds: args.instanceIds.map(() => known),
            autoScalingGroup: args.autoScalingGroup ? known : undefined,
            dataDiskPath: args.dataDiskPath,
            loadBalancer: args.loadBalancer ? { arnSuffix: known, targetGroupArnSuffixes: args.loadBalancer.targetGroupArnSuffixes.map(() => known) } : undefined,
            dbInstance: args.dbInstance ? known : undefined,
            backupMaxAgeHours: args.backupMaxAgeHours,
            thresholds: args.thresholds,
        };
        const specs = ctx.apply((c) => alarmSpecs(c));
        this.alarmNames = alarmSpecs(keyContext).map((shape, i) => {
            const spec = specs.apply((s) => s[i]);
            const alarm = new aws.cloudwatch.MetricAlarm(`${name}-${shape.key}`, {
                alarmDescription: `${shape.description} (${name})`,
                comparisonOperator: shape.comparison,
                threshold: shape.threshold,
                evaluationPeriods: shape.evaluationPeriods,
                datapointsToAlarm: shape.datapointsToAlarm,
                treatMissingData: shape.treatMissingData,
                metricQueries: spec.apply((s) => [
                    ...s.metrics.map((q) => ({
                        id: q.id,
                        returnData: s.expression === undefined,
                        metric: { namespace: q.namespace, metricName: q.metricName, dimensions: q.dimensions, stat: q.stat, period: q.period },
                    })),
                    ...(s.expression ? [{ id: "x", expression: s.expression, label: shape.key, returnData: true }] : []),
                ]),
                alarmActions: [topic.arn],
                okActions: [topic.arn],
                tags: named(args.tags, `${name}-${shape.key}`),
            }, parent);
            return alarm.name;
        });

        const dashboard = new aws.cloudwatch.Dashboard(`${name}-dashboard`, {
            dashboardName: name,
            dashboardBody: ctx.apply((c) => dashboardBody({ ...c, region: args.region, title: `${name}: service health`, releasesLogGroup: args.releasesLogGroup })),
        }, parent);
        this.dashboardUrl = dashboard.dashboardName.apply((n) => dashboardUrl(args.region, n));

        if (args.dbInstance) {
            // RDS backs itself up: its backup events (started, finished) and failures reach the alarm topic,
            // so Slack hears them. A topic's default policy lets RDS in the same account publish (RDS User
            // Guide, "Granting permissions to publish notifications to an Amazon SNS topic").
            new aws.rds.EventSubscription(`${name}-db-events`, {
                snsTopic: topic.arn,
                sourceType: "db-instance",
                sourceIds: [args.dbInstance],
                eventCategories: [...RDS_EVENT_CATEGORIES],
                tags: named(args.tags, `${name}-db-events`),
            }, parent);
        }

        if (args.slack?.webhookUrl || args.slack?.chatbot) {
            new SlackNotifier(`${name}-slack`, { topicArn: topic.arn, region: args.region, ...args.slack, stack: name, dashboardUrl: this.dashboardUrl, logRetentionDays: args.logRetentionDays, tags: args.tags }, parent);
        }
        if (args.alarmEmail) {
            new aws.sns.TopicSubscription(`${name}-email`, { topic: topic.arn, protocol: "email", endpoint: args.alarmEmail }, parent);
        }

        this.topicArn = topic.arn;
        this.registerOutputs({ topicArn: this.topicArn, dashboardUrl: this.dashboardUrl, alarmNames: this.alarmNames });
    }
}
