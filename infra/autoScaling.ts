import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { named, Tags } from "./tags";

export interface AutoScalingArgs {
    amiId: pulumi.Input<string>;
    instanceType: string;
    /** Subnets in at least two AZs. */
    subnetIds: pulumi.Input<string>[];
    securityGroupId: pulumi.Input<string>;
    instanceProfileArn: pulumi.Input<string>;
    rootVolumeGiB: number;
    /** Plain-text user data (no secrets): it pulls and starts the configured release. */
    userData: pulumi.Input<string>;
    targetGroupArns: pulumi.Input<string>[];
    minSize: number;
    maxSize: number;
    desiredCapacity: number;
    cpuTargetPercent: number;
    /** Instance refresh keeps at least this share of capacity healthy (100: launch new before stopping old). */
    minHealthyPercent: number;
    /** Time a new instance's boot may take beyond the usual before its app answers (stage 4's migration): added to the health check's grace. */
    bootExtraSeconds: number;
    keyName?: string;
    /** Run before the launch template changes (its new version starts the refresh): the release's start step. */
    releaseStart?: pulumi.Resource;
    tags: Tags;
}

/** A launch template and an Auto Scaling group behind the load balancer; a new release rolls out by instance refresh. */
/** The group's Name tag (the host role's grant to refresh the group names it before the group exists). */
export function groupNameTag(name: string): string {
    return `${name}-asg`;
}

export class AutoScaling extends pulumi.ComponentResource {
    public readonly groupName: pulumi.Output<string>;
    public readonly launchTemplateId: pulumi.Output<string>;
    /** The version the group runs; a new one starts an instance refresh. */
    public readonly templateVersion: pulumi.Output<number>;
    /** The group itself, for whatever must wait for its update. */
    public readonly group: aws.autoscaling.Group;

    constructor(name: string, args: AutoScalingArgs, opts?: pulumi.ComponentResourceOptions) {
        super("webapp:infra:AutoScaling", name, {}, opts);
        const parent = { parent: this };

        const template = new aws.ec2.LaunchTemplate(`${name}-lt`, {
            imageId: args.amiId,
            instanceType: args.instanceType,
            keyName: args.keyName,
            iamInstanceProfile: { arn: args.instanceProfileArn },
            metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 2 },
            blockDeviceMappings: [{
                deviceName: "/dev/xvda",
                ebs: { volumeSize: args.rootVolumeGiB, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" },
            }],
            networkInterfaces: [{ associatePublicIpAddress: "true", securityGroups: [args.securityGroupId], deleteOnTermination: "true" }],
            userData: pulumi.output(args.userData).apply((u) => Buffer.from(u).toString("base64")),
            updateDefaultVersion: true,
            tagSpecifications: ["instance", "volume"].map((resourceType) => ({ resourceType, tags: named(args.tags, `${name}-${resourceType}`) })),
            tags: named(args.tags, `${name}-lt`),
        }, { parent: this, dependsOn: args.releaseStart ? [args.releaseStart] : [] });

        const group = new aws.autoscaling.Group(`${name}-asg`, {
            vpcZoneIdentifiers: args.subnetIds,
            minSize: args.minSize,
            maxSize: args.maxSize,
            desiredCapacity: args.desiredCapacity,
            launchTemplate: { id: template.id, version: template.latestVersion.apply((v) => String(v)) },
            targetGroupArns: args.targetGroupArns,
            // The load balancer's health check decides, so an app that stops answering gets replaced.
            healthCheckType: "ELB",
            // Within the grace the group ignores a failing load balancer check (the target gets no traffic
            // until it passes): the boot, and a migration, must fit in it or the instance is replaced mid-way.
            healthCheckGracePeriod: 180 + args.bootExtraSeconds,
            defaultInstanceWarmup: 120,
            enabledMetrics: ["GroupInServiceInstances", "GroupDesiredCapacity", "GroupTotalInstances"],
            instanceRefresh: {
                strategy: "Rolling",
                preferences: {
                    minHealthyPercentage: args.minHealthyPercent,
                    // Launch the replacement before retiring the old instance: no capacity dip.
                    maxHealthyPercentage: 200,
                    instanceWarmup: "120",
                    autoRollback: true,
                    skipMatching: true,
                },
            },
            tags: Object.entries(named(args.tags, groupNameTag(name))).map(([key, value]) => ({ key, value, propagateAtLaunch: false })),
            // The CPU policy moves desired capacity; an update must not reset it.
        }, { parent: this, ignoreChanges: ["desiredCapacity"] });

        new aws.autoscaling.Policy(`${name}-cpu`, {
            autoscalingGroupName: group.name,
            policyType: "TargetTrackingScaling",
            targetTrackingConfiguration: {
                predefinedMetricSpecification: { predefinedMetricType: "ASGAverageCPUUtilization" },
                targetValue: args.cpuTargetPercent,
            },
        }, parent);

        this.groupName = group.name;
        this.launchTemplateId = template.id;
        this.templateVersion = template.latestVersion;
        this.group = group;
        this.registerOutputs({ groupName: this.groupName, launchTemplateId: this.launchTemplateId });
    }
}
