import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { named, Tags } from "./tags";
import { hostUserData, MonitoringUserData } from "./userData";

export interface AppHostArgs {
    /** How many hosts; host i goes to subnet i modulo the subnet count. */
    count: number;
    amiId: pulumi.Input<string>;
    instanceType: string;
    subnetIds: pulumi.Input<string>[];
    /** The availability zone of each subnet, in the same order. */
    availabilityZones: pulumi.Input<string>[];
    securityGroupId: pulumi.Input<string>;
    instanceProfileName: pulumi.Input<string>;
    rootVolumeGiB: number;
    /** An encrypted EBS volume for an on-host database (0: none). Only with count 1. */
    dataVolumeGiB: number;
    /** The volume stays in AWS when it leaves the program (stage 1 to 2, destroy): its files are the database. */
    retainDataVolume: boolean;
    /**
     * Whether deleting the volume's attachment stops the host first. True while a database runs on the
     * volume (a host replacement then detaches clean files); false once the data has moved to RDS and
     * the move command has stopped that database and unmounted the volume, so letting the volume go
     * leaves the host serving: EC2 does not start a host that the provider stopped.
     */
    stopHostToDetach: boolean;
    /** A fixed public address (single host without a load balancer); otherwise a launch-time public IP. */
    elasticIp: boolean;
    keyName?: string;
    region: string;
    /** CloudWatch agent config and the health probe, set up at boot. */
    monitoring?: MonitoringUserData;
    tags: Tags;
}

/** Fixed EC2 hosts that run the app's containers behind nginx; releases reach them by remote commands. */
export class AppHost extends pulumi.ComponentResource {
    public readonly instanceIds: pulumi.Output<string>[];
    /** Public addresses: the Elastic IP, or each instance's public IP. */
    public readonly publicIps: pulumi.Output<string>[];
    public readonly privateIps: pulumi.Output<string>[];
    public readonly dataVolumeId?: pulumi.Output<string>;

    constructor(name: string, args: AppHostArgs, opts?: pulumi.ComponentResourceOptions) {
        super("webapp:infra:AppHost", name, {}, opts);
        const parent = { parent: this };
        if (args.dataVolumeGiB > 0 && args.count !== 1) throw new Error("AppHost: a data volume needs exactly one host");

        const subnet = (i: number) => args.subnetIds[i % args.subnetIds.length];
        let dataVolume: aws.ebs.Volume | undefined;
        if (args.dataVolumeGiB > 0) {
            // The volume outlives the instance: replacing the host keeps the database's files.
            dataVolume = new aws.ebs.Volume(`${name}-data`, {
                availabilityZone: args.availabilityZones[0],
                size: args.dataVolumeGiB,
                type: "gp3",
                encrypted: true,
                tags: { ...named(args.tags, `${name}-data`), Backup: "true" },
            }, { parent: this, retainOnDelete: args.retainDataVolume });
        }

        const instances = Array.from({ length: args.count }, (_, i) => {
            const hostName = args.count === 1 ? name : `${name}-${i + 1}`;
            const instance = new aws.ec2.Instance(hostName, {
                ami: args.amiId,
                instanceType: args.instanceType,
                subnetId: subnet(i),
                vpcSecurityGroupIds: [args.securityGroupId],
                iamInstanceProfile: args.instanceProfileName,
                keyName: args.keyName,
                associatePublicIpAddress: !args.elasticIp,
                // IMDSv2 only; hop limit 2 so containers on the host can reach it too.
                metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 2 },
                rootBlockDevice: { volumeType: "gp3", volumeSize: args.rootVolumeGiB, encrypted: true, deleteOnTermination: true, tags: named(args.tags, `${hostName}-root`) },
                userData: hostUserData({ region: args.region, monitoring: args.monitoring }),
                // User data runs at first boot only: an edited one on a stopped-and-started host would never
                // run. So a change replaces the host on purpose. What goes in is settled per stack (region,
                // monitoring), never per release or stage: releases and the data volume's mount arrive by the deploy.
                userDataReplaceOnChange: true,
                tags: named(args.tags, hostName),
                // A newer AMI must not replace a running host (and its containers); rebuild it on purpose.
            }, { parent: this, ignoreChanges: ["ami"] });
            return instance;
        });

        if (dataVolume) {
            // A volume attaches to one instance at a time: when the host is replaced, the old attachment
            // must go (the old host stopped first while a database runs on it, so its files are clean)
            // before the new one is made. The new host's prepare step waits for the volume meanwhile
            // (prepare-host.sh). The provider reads stopInstanceBeforeDetaching from the state when it
            // deletes, so it turns false one `pulumi up` before the attachment goes (dataMove done).
            new aws.ec2.VolumeAttachment(`${name}-data-attach`, { instanceId: instances[0].id, volumeId: dataVolume.id, deviceName: "/dev/sdf", stopInstanceBeforeDetaching: args.stopHostToDetach }, {
                parent: this,
                deleteBeforeReplace: true,
                replaceOnChanges: ["instanceId", "volumeId"],
            });
        }
        const eips = args.elasticIp
            ? instances.map((inst, i) => new aws.ec2.Eip(`${name}-eip${args.count === 1 ? "" : `-${i + 1}`}`, { domain: "vpc", instance: inst.id, tags: named(args.tags, `${name}-eip`) }, parent))
            : [];

        this.instanceIds = instances.map((inst) => inst.id);
        this.publicIps = args.elasticIp ? eips.map((e) => e.publicIp) : instances.map((inst) => inst.publicIp);
        this.privateIps = instances.map((inst) => inst.privateIp);
        this.dataVolumeId = dataVolume?.id;
        this.registerOutputs({ instanceIds: this.instanceIds, publicIps: this.publicIps, dataVolumeId: this.dataVolumeId });
    }
}
