import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { named, Tags } from "../../tags";

export interface SlackNotifierArgs {
    topicArn: pulumi.Input<string>;
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
                managedPolicyArns: ["arn:aws:iam::aws:policy/CloudWatchReadOnlyAccess"],
                tags: named(args.tags, `${name}-chatbot`),
            }, parent);
            new aws.chatbot.SlackChannelConfiguration(`${name}-channel`, {
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
            const fn = new aws.lambda.Function(`${name}-forwarder`, {
                runtime: "nodejs20.x",
                handler: "index.handler",
                role: role.arn,
                timeout: 15,
                memorySize: 128,
                code: new pulumi.asset.AssetArchive({ "index.js": new pulumi.asset.FileAsset(path.join(__dirname, "forwarder.js")) }),
                environment: { variables: { SLACK_WEBHOOK_PARAMETER: parameter.name, STACK: args.stack, DASHBOARD_URL: args.dashboardUrl } },
                tags: named(args.tags, `${name}-forwarder`),
            }, parent);
            new aws.cloudwatch.LogGroup(`${name}-forwarder-logs`, { name: pulumi.interpolate`/aws/lambda/${fn.name}`, retentionInDays: args.logRetentionDays, tags: named(args.tags, `${name}-forwarder-logs`) }, parent);
            new aws.lambda.Permission(`${name}-from-sns`, { action: "lambda:InvokeFunction", function: fn.name, principal: "sns.amazonaws.com", sourceArn: args.topicArn }, parent);
            new aws.sns.TopicSubscription(`${name}-subscription`, { topic: args.topicArn, protocol: "lambda", endpoint: fn.arn }, parent);
        }
        this.registerOutputs({});
    }
}
