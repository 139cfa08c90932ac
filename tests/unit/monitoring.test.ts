// Monitoring as the program builds it, per stage, under mocks.
import { strict as assert } from "assert";
import { isSecret, PlannedResource, ProgramRun } from "../../plan/run";
import { DISK_FSTYPE } from "../../infra/monitoring/agentConfig";
import { CHATBOT_REGIONS, chatbotRegion } from "../../infra/monitoring/slack/notifier";
import { forEachStage, ofType, one, planStack } from "../helpers/plan";

type Props = Record<string, unknown>;
const props = (r: PlannedResource) => r.props as Props;
interface Query { id: string; expression?: string; returnData?: boolean; metric?: { namespace: string; metricName: string; dimensions: Record<string, string>; stat: string; period: number } }

function alarms(run: ProgramRun): Record<string, Props & { metricQueries: Query[] }> {
    return Object.fromEntries(ofType(run, "aws:cloudwatch/metricAlarm:MetricAlarm").map((a) => [a.name.replace("webapp-dev-monitoring-", ""), props(a) as Props & { metricQueries: Query[] }]));
}

/** [namespace, metric, stat, period] of each metric an alarm reads, and its expression. */
function reads(a: { metricQueries: Query[] }): { metrics: string[]; expression?: string } {
    return {
        metrics: a.metricQueries.filter((q) => q.metric).map((q) => `${q.metric!.namespace} ${q.metric!.metricName} ${q.metric!.stat} ${q.metric!.period}`),
        expression: a.metricQueries.find((q) => q.expression)?.expression,
    };
}

interface AgentConfig {
    metrics: {
        append_dimensions: Record<string, string>;
        aggregation_dimensions?: string[][];
        metrics_collected: Record<string, { measurement: string[]; resources?: string[]; drop_device?: boolean }>;
    };
}

// The dimensions the CloudWatch agent gives each plugin's metrics besides append_dimensions (the agent's
// docs, "Manually create or edit the CloudWatch agent configuration file": disk metrics carry device,
// fstype and path, and drop_device removes device; mem has none).
const PLUGIN_DIMENSIONS: Record<string, string[]> = { mem: [], disk: ["device", "fstype", "path"] };

/** Metric name to every dimension-name set the agent publishes it with, derived from its own config. */
function publishedDimensions(cfg: AgentConfig): Map<string, string[][]> {
    const out = new Map<string, string[][]>();
    for (const [plugin, p] of Object.entries(cfg.metrics.metrics_collected)) {
        const own = PLUGIN_DIMENSIONS[plugin].filter((d) => !(d === "device" && p.drop_device));
        const full = [...Object.keys(cfg.metrics.append_dimensions), ...own].sort();
        // An aggregation publishes a series per listed set that the full set contains.
        const aggregated = (cfg.metrics.aggregation_dimensions ?? []).filter((set) => set.every((d) => full.includes(d))).map((set) => [...set].sort());
        for (const m of p.measurement) out.set(m.startsWith(`${plugin}_`) ? m : `${plugin}_${m}`, [full, ...aggregated]);
    }
    return out;
}

function agentConfigOf(run: ProgramRun): AgentConfig {
    const value = props(one(run, "aws:ssm/parameter:Parameter", "-agent-config")).value;
    return JSON.parse(String(isSecret(value) ? value.value : value));
}

const KEYS: Record<string, string[]> = {
    // No backup-age alarm: without the deploy (off in these stacks) no database runs on the host (tests/unit/backups.test.ts).
    "single-host": ["cpu", "memory", "disk", "health", "errors", "status"],
    "private-db": ["cpu", "memory", "disk", "health", "errors", "status", "db-cpu", "db-storage", "db-connections"],
    alb: ["cpu", "memory", "disk", "health", "errors", "status", "db-cpu", "db-storage", "db-connections"],
    autoscaling: ["cpu", "memory", "disk", "health", "errors", "db-cpu", "db-storage", "db-connections"],
};

describe("monitoring (mocks)", () => {
    forEachStage((stage, run) => {

            it("has the stage's alarms, within the free tier's ten, all acting on the stack's topic for ALARM and OK", () => {
                const all = alarms(run());
                assert.deepEqual(Object.keys(all).sort(), [...KEYS[stage]].sort());
                assert.ok(Object.keys(all).length <= 10);
                const topic = one(run(), "aws:sns/topic:Topic");
                for (const [key, a] of Object.entries(all)) {
                    assert.deepEqual(a.alarmActions, [`arn:aws:sns:ap-northeast-2:123456789012:sns/${topic.id}`], key);
                    assert.deepEqual(a.okActions, a.alarmActions, key);
                }
            });

            it("sets each alarm's metric, statistic, threshold, period, evaluation and missing data as the users asked", () => {
                const a = alarms(run());
                const host = stage === "autoscaling" ? "AutoScalingGroupName" : "InstanceId";
                const expect = (key: string, threshold: number, comparison: string, periods: number, missing: string) => {
                    assert.deepEqual([a[key].threshold, a[key].comparisonOperator, a[key].evaluationPeriods, a[key].datapointsToAlarm, a[key].treatMissingData], [threshold, comparison, periods, periods, missing], key);
                };
                expect("cpu", 80, "GreaterThanThreshold", 1, "missing");
                assert.ok(reads(a.cpu).metrics.every((m) => m === "AWS/EC2 CPUUtilization Average 300"));
                assert.ok(a.cpu.metricQueries.filter((q) => q.metric).every((q) => host in q.metric!.dimensions));
                expect("memory", 85, "GreaterThanThreshold", 5, "missing");
                assert.ok(reads(a.memory).metrics.every((m) => m === "CWAgent mem_used_percent Average 60"));
                expect("disk", 80, "GreaterThanThreshold", 1, "missing");
                assert.ok(reads(a.disk).metrics.every((m) => m === "CWAgent disk_used_percent Maximum 300"));
                expect("health", 1, "LessThanThreshold", 2, "breaching");
                expect("errors", 5, "GreaterThanThreshold", 1, "notBreaching");
                if (stage === "single-host" || stage === "private-db") {
                    assert.deepEqual(reads(a.health), { metrics: ["WebApp/webapp-dev HealthCheck Minimum 60"], expression: undefined });
                    assert.deepEqual(reads(a.errors), { metrics: ["WebApp/webapp-dev Http5xx Sum 300", "WebApp/webapp-dev RequestCount Sum 300"], expression: "100 * FILL(e, 0) / r" });
                } else {
                    const tgs = ofType(run(), "aws:lb/targetGroup:TargetGroup").map((t) => `targetgroup/${props(t).name ?? t.name}`);
                    const healthTgs = a.health.metricQueries.filter((q) => q.metric).map((q) => q.metric!.dimensions.TargetGroup);
                    assert.equal(healthTgs.length, tgs.length);
                    assert.deepEqual(healthTgs.map((tg) => tg.split("/")[1]), ["webapp-dev-backend", "webapp-dev-frontend"]);
                    assert.equal(reads(a.health).expression, "MIN([h0,h1])");
                    assert.equal(reads(a.errors).expression, "100 * (FILL(e1, 0) + FILL(e2, 0)) / r");
                }
                if (a.status) expect("status", 1, "GreaterThanOrEqualToThreshold", 2, "breaching");
                if (a["db-cpu"]) {
                    const db = props(one(run(), "aws:rds/instance:Instance"));
                    for (const k of ["db-cpu", "db-storage", "db-connections"]) assert.equal(a[k].metricQueries[0].metric!.dimensions.DBInstanceIdentifier, db.identifier ?? "webapp-dev-db-pg", k);
                    assert.equal(a["db-storage"].threshold, 2 * 1024 ** 3);
                }
            });

            it("alarms and dashboard ask for the agent's metrics with exactly the dimensions it publishes", () => {
                const cfg = agentConfigOf(run());
                const published = publishedDimensions(cfg);
                const paths = cfg.metrics.metrics_collected.disk.resources!;
                const check = (where: string, metric: string, dims: Record<string, string>) => {
                    const sets = published.get(metric);
                    assert.ok(sets, `${where}: the agent does not publish ${metric}`);
                    const names = Object.keys(dims).sort();
                    assert.ok(sets.some((s) => JSON.stringify(s) === JSON.stringify(names)), `${where}: ${metric} {${names}} is none of ${JSON.stringify(sets)}`);
                    if (dims.path !== undefined) assert.ok(paths.includes(dims.path), `${where}: path ${dims.path}`);
                    if (dims.fstype !== undefined) assert.equal(dims.fstype, DISK_FSTYPE, where);
                };
                let asked = 0;
                for (const [key, a] of Object.entries(alarms(run()))) {
                    for (const q of a.metricQueries.filter((x) => x.metric?.namespace === "CWAgent")) {
                        check(`alarm ${key}`, q.metric!.metricName, q.metric!.dimensions);
                        asked++;
                    }
                }
                const body = JSON.parse(String(props(one(run(), "aws:cloudwatch/dashboard:Dashboard")).dashboardBody)) as { widgets: { properties: { title?: string; metrics?: unknown[][] } }[] };
                for (const w of body.widgets) {
                    for (const m of (w.properties.metrics ?? []).filter((x) => x[0] === "CWAgent")) {
                        const parts = m.filter((x): x is string => typeof x === "string");
                        const dims: Record<string, string> = {};
                        for (let i = 2; i + 1 < parts.length; i += 2) dims[parts[i]] = parts[i + 1];
                        check(`widget ${w.properties.title}`, parts[1], dims);
                        asked++;
                    }
                }
                assert.ok(asked >= 4, `${asked} agent metrics asked for`);
            });

            it("builds a dashboard whose widgets refer to this stack's resources", () => {
                const dash = props(one(run(), "aws:cloudwatch/dashboard:Dashboard"));
                const body = JSON.parse(String(dash.dashboardBody));
                const titles = body.widgets.map((w: { properties: { title?: string } }) => w.properties.title).filter(Boolean);
                for (const t of ["Service up", "CPU %", "Memory %", "Disk used %", "Response time (s)", "Error rate % (5xx)", "Traffic (requests)", ...(stage === "single-host" ? [] : ["Database backup storage (bytes)"]), "Releases", "Release history"]) assert.ok(titles.includes(t), t);
                const text = String(dash.dashboardBody);
                for (const i of ofType(run(), "aws:ec2/instance:Instance")) assert.ok(text.includes(`"InstanceId","${i.id}"`), i.id);
                if (stage === "autoscaling") assert.ok(text.includes(`"AutoScalingGroupName","${props(one(run(), "aws:autoscaling/group:Group")).name ?? ""}`) || text.includes("AutoScalingGroupName"));
                if (stage === "alb" || stage === "autoscaling") assert.match(text, /"LoadBalancer","app\/webapp-dev-lb-alb\//);
                if (stage !== "single-host") assert.ok(text.includes(`"DBInstanceIdentifier","webapp-dev-db-pg"`));
                assert.ok(text.includes("SOURCE '/webapp/webapp-dev/releases'"));
                assert.match(String(run().outputs.dashboardUrl), /^https:\/\/ap-northeast-2\.console\.aws\.amazon\.com\/cloudwatch\/home\?region=ap-northeast-2#dashboards:name=webapp-dev-monitoring$/);
            });

            it("configures the agent for memory and disk, and ships nginx, container and release logs", () => {
                const param = one(run(), "aws:ssm/parameter:Parameter", "-agent-config");
                assert.equal(props(param).name, "AmazonCloudWatch-webapp-dev");
                // The provider marks every parameter value secret; this one holds no secret.
                const value = props(param).value;
                const cfg = JSON.parse(String(isSecret(value) ? value.value : value));
                assert.deepEqual(cfg.metrics.metrics_collected.mem.measurement, ["mem_used_percent"]);
                assert.deepEqual(cfg.metrics.metrics_collected.disk.resources, stage === "single-host" ? ["/", "/var/lib/webapp/db"] : ["/"]);
                const files = cfg.logs.logs_collected.files.collect_list.map((f: { file_path: string; log_group_name: string }) => `${f.file_path} -> ${f.log_group_name}`);
                assert.deepEqual(files, ["/var/log/nginx/webapp-access.log -> /webapp/webapp-dev/nginx", "/var/lib/docker/containers/*/*-json.log -> /webapp/webapp-dev/containers", "/var/lib/webapp/releases.tsv -> /webapp/webapp-dev/releases"]);
                assert.deepEqual(ofType(run(), "aws:cloudwatch/logGroup:LogGroup").map((g) => props(g).retentionInDays), [14, 14, 14]);
                const filters = ofType(run(), "aws:cloudwatch/logMetricFilter:LogMetricFilter").map((f) => `${(props(f).metricTransformation as Props).name} ${props(f).pattern}`).sort();
                assert.deepEqual(filters, stage === "single-host" || stage === "private-db"
                    ? ["Http5xx { $.status >= 500 }", "Latency { $.request_time >= 0 }", "RequestCount { $.status > 0 }"]
                    : []);
                const userData = stage === "autoscaling" ? Buffer.from(String(props(one(run(), "aws:ec2/launchTemplate:LaunchTemplate")).userData), "base64").toString() : String(props(ofType(run(), "aws:ec2/instance:Instance")[0]).userData);
                assert.match(userData, /AGENT_CONFIG_PARAMETER=AmazonCloudWatch-webapp-dev/);
                assert.match(userData, stage === "single-host" || stage === "private-db" ? /PROBE_URLS='http:\/\/127\.0\.0\.1:80\/health http:\/\/127\.0\.0\.1:80\/'/ : /PROBE_URLS=''/);
            });
    });

    it("thresholds come from config", async () => {
        const a = alarms(await planStack({ alarmCpuPercent: "70", alarmMemoryPercent: "90", alarmErrorRatePercent: "2" }));
        assert.deepEqual([a.cpu.threshold, a.memory.threshold, a.errors.threshold], [70, 90, 2]);
    });

    it("Slack by webhook: a forwarder Lambda subscribed to the topic, the URL only in an SSM SecureString", async () => {
        const url = "https://hooks.slack.com/services/T0001/B0001/abcdefghijklmnop";
        const run = await planStack({}, "dev", { slackWebhookUrl: url });
        const param = one(run, "aws:ssm/parameter:Parameter", "-slack-webhook");
        assert.equal(props(param).type, "SecureString");
        assert.ok(isSecret(props(param).value));
        const fnResource = one(run, "aws:lambda/function:Function");
        const fn = props(fnResource);
        // Lambda blocks creating nodejs20.x functions from 2026-08-31 and updating them from 2026-09-30;
        // nodejs24.x is supported until 2028-04-30 (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html).
        assert.equal(fn.runtime, "nodejs24.x");
        // The function's log group exists first, under the name Lambda writes to, with the retention.
        const logs = one(run, "aws:cloudwatch/logGroup:LogGroup", "-forwarder-logs");
        assert.equal(props(logs).name, `/aws/lambda/${fn.name}`);
        assert.equal(props(logs).retentionInDays, 14);
        assert.ok(fnResource.dependencies.includes(logs.urn), "the function waits for its log group");
        assert.deepEqual(Object.keys((fn.environment as { variables: Props }).variables).sort(), ["DASHBOARD_URL", "SLACK_WEBHOOK_PARAMETER", "STACK"]);
        assert.ok(!JSON.stringify(fn).includes("hooks.slack.com"));
        assert.equal(props(one(run, "aws:sns/topicSubscription:TopicSubscription")).protocol, "lambda");
        assert.equal(props(one(run, "aws:lambda/permission:Permission")).principal, "sns.amazonaws.com");
    });

    it("Slack by AWS Chatbot when a workspace and channel are configured; e-mail when asked", async () => {
        const run = await planStack({ slackWorkspaceId: "T0123ABCD", slackChannelId: "C0123ABCD", alarmEmail: "ops@example.com" });
        const chatbot = props(one(run, "aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration"));
        assert.deepEqual([chatbot.slackTeamId, chatbot.slackChannelId], ["T0123ABCD", "C0123ABCD"]);
        // Chatbot's API has no endpoint in ap-northeast-2 (AWS General Reference, "AWS Chatbot endpoints and
        // quotas": us-east-2, us-west-2, eu-west-1, ap-southeast-1); the topic stays in the stack's region.
        assert.equal(chatbot.region, "ap-southeast-1");
        assert.ok(CHATBOT_REGIONS.includes(String(chatbot.region)));
        assert.deepEqual(["us-west-2", "eu-west-1", "eu-central-1", "il-central-1", "ap-northeast-1", "us-east-1", "us-west-1", "sa-east-1"].map(chatbotRegion),
            ["us-west-2", "eu-west-1", "eu-west-1", "eu-west-1", "ap-southeast-1", "us-east-2", "us-west-2", "us-east-2"]);
        assert.equal(props(one(run, "aws:sns/topic:Topic")).region, undefined);
        // The role's read access is an attachment, not the deprecated managedPolicyArns.
        const role = one(run, "aws:iam/role:Role", "-slack-chatbot");
        assert.equal(props(role).managedPolicyArns, undefined);
        const attachment = props(one(run, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "-chatbot-read"));
        assert.deepEqual([attachment.role, attachment.policyArn], [props(role).name ?? role.name, "arn:aws:iam::aws:policy/CloudWatchReadOnlyAccess"]);
        assert.equal(ofType(run, "aws:lambda/function:Function").length, 0);
        assert.deepEqual(ofType(run, "aws:sns/topicSubscription:TopicSubscription").map((s) => [props(s).protocol, props(s).endpoint]), [["email", "ops@example.com"]]);
        await assert.rejects(planStack({ slackWorkspaceId: "T0123ABCD" }), { message: "config 'slackChannelId' is missing: expected both slackWorkspaceId and slackChannelId for AWS Chatbot, or neither" });
    });

    it("monitoring=false leaves it out", async () => {
        const run = await planStack({ monitoring: "false" });
        assert.equal(ofType(run, "aws:cloudwatch/metricAlarm:MetricAlarm").length, 0);
        assert.equal(run.outputs.dashboardUrl, undefined);
    });
});
