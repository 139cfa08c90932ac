import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { named, Tags } from "../../tags";

// The regions with an AWS Chatbot API endpoint (AWS General Reference, "AWS Chatbot endpoints and
// quotas": https://docs.aws.amazon.com/general/latest/gr/chatbot.html). A channel configuration is
// global and subscribes to a topic in any region; only its API call needs one of these.
export const CHATBOT_REGIONS = ["us-east-2", "us-west-2", "eu-west-1", "ap-southeast-1"];

/** The stack's own region when Chatbot has an endpoint there, else the nearest one by continent. */
export function chatbotRegion(stackRegion: string): string {
    if (CHATBOT_REGIONS.includes(stackRegion)) return stackRegion;
    if (stackRegion.startsWith("ap-")) return "ap-southeast-1";
    if (/^(eu|af|me|il)-/.test(stackRegion)) return "eu-west-1";
    return stackRegion.startsWith("us-west-") ? "us-west-2" : "us-east-2";
}

// Lambda's Node.js runtime. nodejs20.x can no longer be created after 2026-08-31 or updated after
// 2026-09-30 (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html); nodejs24.x is
// supported until 2028-04-30.
export const FORWARDER_RUNTIME = aws.lambda.Runtime.NodeJS24dX;

export interface SlackNotifierArgs {
    topicArn: pulumi.Input<string>;
    /** The stack's region (the topic's); Chatbot's API may live elsewhere, see chatbotRegion. */
    region: string;
    /** AWS Chatbot: a Slack workspace already authorised in the Chatbot console, and a channel id. */
    chatbot?: { workspaceId: string; channelId: string };
    /** Otherwise an incoming-webhook URL, a Pulumi secret; kept in SSM, read by the forwarder. */
    webhookUrl?: pulumi.Input<string>;
    stack: string;
    dashboardUrl: pulumi.Input<string>;
    logRetentionDays: number;
    tags: Tags;
}

/** Alarm notifications from the stack's SNS topic to a Slack channel. */
export class SlackNotifier extends pulumi.ComponentResource {
    constructor(name: string, args: SlackNotifierArgs, opts?: pulumi.ComponentResourceOptions) {
        super("webapp:infra:SlackNotifier", name, {}, opts);
        const parent = { parent: this };
        if (args.chatbot) {
            const role = new aws.iam.Role(`${name}-chatbot`, {
                assumeRolePolicy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "chatbot.amazonaws.com" }, Action: "sts:AssumeRole" }] }),
                tags: named(args.tags, `${name}-chatbot`),
            }, parent);
            // An attachment, not the role's deprecated managedPolicyArns (which also takes exclusive ownership).
            new aws.iam.RolePolicyAttachment(`${name}-chatbot-read`, { role: role.name, policyArn: "arn:aws:iam::aws:policy/CloudWatchReadOnlyAccess" }, parent);
            new aws.chatbot.SlackChannelConfiguration(`${name}-channel`, {
                region: chatbotRegion(args.region),
                configurationName: name,
                slackTeamId: args.chatbot.workspaceId,
                slackChannelId: args.chatbot.channelId,
                iamRoleArn: role.arn,
                snsTopicArns: [args.topicArn],
                tags: named(args.tags, `${name}-channel`),
            }, parent);
        } else if (args.webhookUrl) {
            const parameter = new aws.ssm.Parameter(`${name}-webhook`, { type: "SecureString", value: args.webhookUrl, tags: named(args.tags, `${name}-webhook`) }, parent);
            const role = new aws.iam.Role(`${name}-forwarder`, {
                assumeRolePolicy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }] }),
                tags: named(args.tags, `${name}-forwarder`),
            }, parent);
            new aws.iam.RolePolicyAttachment(`${name}-logs`, { role: role.name, policyArn: "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole" }, parent);
            new aws.iam.RolePolicy(`${name}-read-webhook`, {
                role: role.id,
                policy: parameter.arn.apply((arn) => JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "ssm:GetParameter", Resource: arn }] })),
            }, parent);
            // The log group exists before the function, so Lambda never creates one without retention,
            // and its name is the function's fixed name (a function writes to /aws/lambda/<its name>).
            const functionName = `${name}-forwarder`;
            const logs = new aws.cloudwatch.LogGroup(`${name}-forwarder-logs`, { name: `/aws/lambda/${functionName}`, retentionInDays: args.logRetentionDays, tags: named(args.tags, `${name}-forwarder-logs`) }, parent);
            const fn = new aws.lambda.Function(`${name}-forwarder`, {
                name: functionName,
                runtime: FORWARDER_RUNTIME,
                handler: "index.handler",
                role: role.arn,
                timeout: 15,
                memorySize: 128,
                code: new pulumi.asset.AssetArchive({ "index.js": new pulumi.asset.FileAsset(path.join(__dirname, "forwarder.js")) }),
                environment: { variables: { SLACK_WEBHOOK_PARAMETER: parameter.name, STACK: args.stack, DASHBOARD_URL: args.dashboardUrl } },
                tags: named(args.tags, `${name}-forwarder`),
            }, { parent: this, dependsOn: [logs] });
            new aws.lambda.Permission(`${name}-from-sns`, { action: "lambda:InvokeFunction", function: fn.name, principal: "sns.amazonaws.com", sourceArn: args.topicArn }, parent);
            new aws.sns.TopicSubscription(`${name}-subscription`, { topic: args.topicArn, protocol: "lambda", endpoint: fn.arn }, parent);
        }
        this.registerOutputs({});
    }
}
