// Runs this project's real program under the offline plan's mocks, as `npm run plan` does.
import { isProviderType } from "../../offline-engine/monitor";
import { makePlan } from "../../plan/plan";
import { PlannedResource, ProgramRun } from "../../plan/run";
import { Stage, STAGES } from "../../stacks/stages";

export async function planStack(config: Record<string, string> = {}, stack = "dev", secrets: Record<string, string> = {}): Promise<ProgramRun> {
    const { run } = await makePlan({ stack, config: Object.entries(config), secrets: Object.entries(secrets), json: false, policy: false });
    // The program's own registrations: the default providers the engine adds are not the program's.
    return { ...run, resources: run.resources.filter((r) => !(isProviderType(r.type) && r.parent === "")) };
}

/**
 * Plans every stage once (in a mocha `before`) and declares `body(stage, run)` per stage; the suites
 * that look at each stage share this, so the four plans run once per suite.
 */
export function forEachStage(body: (stage: Stage, run: () => ProgramRun) => void): Record<string, ProgramRun> {
    const runs: Record<string, ProgramRun> = {};
    before(async () => {
        for (const stage of STAGES) runs[stage] = await planStack({ stage });
    });
    for (const stage of STAGES) describe(stage, () => body(stage, () => runs[stage]));
    return runs;
}

export function ofType(run: ProgramRun, type: string): PlannedResource[] {
    return run.resources.filter((r) => r.type === type);
}

export function one(run: ProgramRun, type: string, nameEnds = ""): PlannedResource {
    const found = ofType(run, type).filter((r) => r.name.endsWith(nameEnds));
    if (found.length !== 1) throw new Error(`expected one ${type} ending in '${nameEnds}', found ${found.length}`);
    return found[0];
}

/** The resource a reference (an id the mocks gave) points at. */
export function byId(run: ProgramRun, id: unknown): PlannedResource {
    const found = run.resources.find((r) => r.id === id);
    if (!found) throw new Error(`no resource with id ${String(id)}`);
    return found;
}

export const T = {
    vpc: "aws:ec2/vpc:Vpc",
    subnet: "aws:ec2/subnet:Subnet",
    routeTable: "aws:ec2/routeTable:RouteTable",
    route: "aws:ec2/route:Route",
    rta: "aws:ec2/routeTableAssociation:RouteTableAssociation",
    igw: "aws:ec2/internetGateway:InternetGateway",
    sg: "aws:ec2/securityGroup:SecurityGroup",
    ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    egress: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    instance: "aws:ec2/instance:Instance",
    volume: "aws:ebs/volume:Volume",
    eip: "aws:ec2/eip:Eip",
    rds: "aws:rds/instance:Instance",
    subnetGroup: "aws:rds/subnetGroup:SubnetGroup",
    alb: "aws:lb/loadBalancer:LoadBalancer",
    tg: "aws:lb/targetGroup:TargetGroup",
    tga: "aws:lb/targetGroupAttachment:TargetGroupAttachment",
    listener: "aws:lb/listener:Listener",
    rule: "aws:lb/listenerRule:ListenerRule",
    lt: "aws:ec2/launchTemplate:LaunchTemplate",
    asg: "aws:autoscaling/group:Group",
    asgPolicy: "aws:autoscaling/policy:Policy",
    bucket: "aws:s3/bucket:Bucket",
    pab: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    ssmParameter: "aws:ssm/parameter:Parameter",
} as const;
