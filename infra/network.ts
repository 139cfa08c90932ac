import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { subnetCidr } from "../lib/cidr";
import { named, Tags } from "./tags";

export interface NetworkArgs {
    cidrBlock: string;
    /** Availability zone names to spread over, e.g. from aws.getAvailabilityZonesOutput(). */
    availabilityZones: pulumi.Input<string[]>;
    /** Public subnets: one per AZ for the first `publicSubnetCount` zones. */
    publicSubnetCount: number;
    /** Two private subnets in two AZs (RDS needs two), routed nowhere outside the VPC. */
    privateSubnets: boolean;
    tags: Tags;
}

/** VPC, internet gateway, public subnets routed to it, and private subnets with no way out. */
export class Network extends pulumi.ComponentResource {
    public readonly vpcId: pulumi.Output<string>;
    public readonly cidrBlock: string;
    public readonly publicSubnetIds: pulumi.Output<string>[];
    public readonly privateSubnetIds: pulumi.Output<string>[];
    public readonly availabilityZones: pulumi.Output<string>[];

    constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("webapp:infra:Network", name, {}, opts);
        const parent = { parent: this };
        const vpcPrefix = Number(args.cidrBlock.split("/")[1]);
        // Sixteen equal subnets per VPC: public ones from index 0, private ones from index 8.
        const subnetPrefix = vpcPrefix + 4;
        const zones = pulumi.output(args.availabilityZones);
        const zone = (i: number) => zones.apply((z) => z[i % z.length]);

        const vpc = new aws.ec2.Vpc(`${name}-vpc`, {
            cidrBlock: args.cidrBlock,
            enableDnsHostnames: true,
            enableDnsSupport: true,
            tags: named(args.tags, `${name}-vpc`),
        }, parent);

        // Lock the default security group down: nothing may use it by accident.
        new aws.ec2.DefaultSecurityGroup(`${name}-default-sg`, { vpcId: vpc.id, tags: named(args.tags, `${name}-default-sg`) }, parent);

        const igw = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: named(args.tags, `${name}-igw`) }, parent);
        const publicRt = new aws.ec2.RouteTable(`${name}-public-rt`, { vpcId: vpc.id, tags: named(args.tags, `${name}-public-rt`) }, parent);
        new aws.ec2.Route(`${name}-public-default`, { routeTableId: publicRt.id, destinationCidrBlock: "0.0.0.0/0", gatewayId: igw.id }, parent);

        const subnet = (tier: "public" | "private", i: number, index: number, routeTableId: pulumi.Input<string>) => {
            const subnetName = `${name}-${tier}-${i + 1}`;
            const created = new aws.ec2.Subnet(subnetName, {
                vpcId: vpc.id,
                cidrBlock: subnetCidr(args.cidrBlock, subnetPrefix, index),
                availabilityZone: zone(i),
                // Hosts get an Elastic IP or an explicit public address; nothing gets one by accident.
                mapPublicIpOnLaunch: false,
                tags: { ...named(args.tags, subnetName), Tier: tier },
            }, parent);
            new aws.ec2.RouteTableAssociation(`${subnetName}-rta`, { subnetId: created.id, routeTableId }, parent);
            return created;
        };
        const publicSubnets = Array.from({ length: args.publicSubnetCount }, (_, i) => subnet("public", i, i, publicRt.id));
        let privateSubnets: aws.ec2.Subnet[] = [];
        if (args.privateSubnets) {
            // Their route table has no route at all beyond the VPC: nothing in them reaches the internet.
            const privateRt = new aws.ec2.RouteTable(`${name}-private-rt`, { vpcId: vpc.id, tags: named(args.tags, `${name}-private-rt`) }, parent);
            privateSubnets = [0, 1].map((i) => subnet("private", i, 8 + i, privateRt.id));
        }

        this.vpcId = vpc.id;
        this.cidrBlock = args.cidrBlock;
        this.publicSubnetIds = publicSubnets.map((s) => s.id);
        this.privateSubnetIds = privateSubnets.map((s) => s.id);
        this.availabilityZones = publicSubnets.map((s) => s.availabilityZone);
        this.registerOutputs({
            vpcId: this.vpcId,
            publicSubnetIds: this.publicSubnetIds,
            privateSubnetIds: this.privateSubnetIds,
        });
    }
}
