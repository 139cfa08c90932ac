import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { named, Tags } from "../tags";
import { agentConfig } from "./agentConfig";

export interface MetricsAgentArgs {
    /** The stack's prefix, in the log group and parameter names. */
    stack: string;
    /** Namespace of the stack's own metrics. */
    namespace: string;
    logRetentionDays: number;
    extraDiskPaths: string[];
    autoScaling: boolean;
    /** Without a load balancer the access log is the only source of request, 5xx and latency metrics. */
    accessLogMetrics: boolean;
    tags: Tags;
}

/** What the hosts' CloudWatch agent needs: its config in SSM, the log groups, the access-log metrics. */
export class MetricsAgent extends pulumi.ComponentResource {
    /** The SSM parameter the hosts fetch the agent's config from (the agent's managed policy reads AmazonCloudWatch-*). */
    public readonly configParameterName: pulumi.Output<string>;
    public readonly logGroups: { nginx: string; containers: string; releases: string };

    constructor(name: string, args: MetricsAgentArgs, opts?: pulumi.ComponentResourceOptions) {
        super("webapp:infra:MetricsAgent", name, {}, opts);
        const parent = { parent: this };
        this.logGroups = { nginx: `/webapp/${args.stack}/nginx`, containers: `/webapp/${args.stack}/containers`, releases: `/webapp/${args.stack}/releases` };
        const groups = Object.fromEntries(Object.entries(this.logGroups).map(([key, logName]) => [key, new aws.cloudwatch.LogGroup(`${name}-${key}`, {
            name: logName,
            retentionInDays: args.logRetentionDays,
            tags: named(args.tags, `${name}-${key}`),
        }, parent)]));

        if (args.accessLogMetrics) {
            const filters: [string, string, string, string?][] = [
                ["RequestCount", "{ $.status > 0 }", "1"],
                ["Http5xx", "{ $.status >= 500 }", "1"],
                ["Latency", "{ $.request_time >= 0 }", "$.request_time", "Seconds"],
            ];
            for (const [metric, pattern, value, unit] of filters) {
                new aws.cloudwatch.LogMetricFilter(`${name}-${metric.toLowerCase()}`, {
                    logGroupName: groups.nginx.name,
                    pattern,
                    metricTransformation: { name: metric, namespace: args.namespace, value, unit, ...(value === "1" ? { defaultValue: "0" } : {}) },
                }, parent);
            }
        }

        const parameter = new aws.ssm.Parameter(`${name}-agent-config`, {
            name: `AmazonCloudWatch-${args.stack}`,
            type: "String",
            value: JSON.stringify(agentConfig({ logGroups: this.logGroups, extraDiskPaths: args.extraDiskPaths, autoScaling: args.autoScaling })),
            tags: named(args.tags, `${name}-agent-config`),
        }, parent);

        this.configParameterName = parameter.name;
        this.registerOutputs({ configParameterName: this.configParameterName, logGroups: this.logGroups });
    }
}
