import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { named, Tags } from "./tags";

export interface FirewallArgs {
    vpcId: pulumi.Input<string>;
    /** Ports the app's services listen on behind the load balancer (and nginx). */
    servicePorts: number[];
    /** With a load balancer, app hosts accept traffic only from it. */
    loadBalancer: boolean;
    /** A security group for RDS that admits PostgreSQL only from the app hosts. */
    rdsDatabase: boolean;
    /** Port nginx serves the web on when there is no load balancer (HTTPS stays 443). */
    httpPort: number;
    /** Office CIDRs for SSH; empty means no SSH rule at all (SSM Session Manager still works). */
    adminCidrs: string[];
    tags: Tags;
}

const POSTGRES_PORT = 5432;
const WORLD = [{ suffix: "v4", cidrIpv4: "0.0.0.0/0" }, { suffix: "v6", cidrIpv6: "::/0" }];

/** Who may talk to whom: the load balancer's, the app hosts' and the database's security groups. */
export class Firewall extends pulumi.ComponentResource {
    public readonly appSecurityGroupId: pulumi.Output<string>;
    public readonly loadBalancerSecurityGroupId?: pulumi.Output<string>;
    public readonly databaseSecurityGroupId?: pulumi.Output<string>;

    constructor(name: string, args: FirewallArgs, opts?: pulumi.ComponentResourceOptions) {
        super("webapp:infra:Firewall", name, {}, opts);
        const parent = { parent: this };
        const group = (role: string, description: string) =>
            new aws.ec2.SecurityGroup(`${name}-${role}`, { vpcId: args.vpcId, description, tags: named(args.tags, `${name}-${role}`) }, parent);
        const ingress = (rule: string, a: aws.vpc.SecurityGroupIngressRuleArgs) =>
            new aws.vpc.SecurityGroupIngressRule(`${name}-${rule}`, { ...a, tags: named(args.tags, `${name}-${rule}`) }, parent);
        const egress = (rule: string, a: aws.vpc.SecurityGroupEgressRuleArgs) =>
            new aws.vpc.SecurityGroupEgressRule(`${name}-${rule}`, { ...a, tags: named(args.tags, `${name}-${rule}`) }, parent);

        const app = group("app", "App hosts: web traffic in, anything out (image pulls, SSM, AWS APIs)");
        let lb: aws.ec2.SecurityGroup | undefined;
        if (args.loadBalancer) {
            lb = group("lb", "Load balancer: HTTP and HTTPS from the internet, service ports to the app hosts");
            for (const port of [80, 443]) {
                for (const w of WORLD) {
                    ingress(`lb-${port}-${w.suffix}`, { securityGroupId: lb.id, ipProtocol: "tcp", fromPort: port, toPort: port, cidrIpv4: w.cidrIpv4, cidrIpv6: w.cidrIpv6, description: `HTTP${port === 443 ? "S" : ""} from anywhere` });
                }
            }
            for (const port of args.servicePorts) {
                egress(`lb-to-app-${port}`, { securityGroupId: lb.id, ipProtocol: "tcp", fromPort: port, toPort: port, referencedSecurityGroupId: app.id, description: `to app hosts on ${port}` });
                ingress(`app-from-lb-${port}`, { securityGroupId: app.id, ipProtocol: "tcp", fromPort: port, toPort: port, referencedSecurityGroupId: lb.id, description: `service port ${port} from the load balancer only` });
            }
        } else {
            // One host serves the web itself through nginx; the services' own ports stay closed.
            for (const port of [args.httpPort, 443]) {
                for (const w of WORLD) {
                    ingress(`app-${port}-${w.suffix}`, { securityGroupId: app.id, ipProtocol: "tcp", fromPort: port, toPort: port, cidrIpv4: w.cidrIpv4, cidrIpv6: w.cidrIpv6, description: `HTTP${port === 443 ? "S" : ""} from anywhere to nginx` });
                }
            }
        }
        args.adminCidrs.forEach((cidr, i) => {
            const v6 = cidr.includes(":");
            ingress(`app-ssh-${i + 1}`, { securityGroupId: app.id, ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: v6 ? undefined : cidr, cidrIpv6: v6 ? cidr : undefined, description: "SSH from an admin network" });
        });
        for (const w of WORLD) {
            egress(`app-out-${w.suffix}`, { securityGroupId: app.id, ipProtocol: "-1", cidrIpv4: w.cidrIpv4, cidrIpv6: w.cidrIpv6, description: "image pulls, package updates, AWS APIs" });
        }

        let db: aws.ec2.SecurityGroup | undefined;
        if (args.rdsDatabase) {
            db = group("db", "PostgreSQL: only from the app hosts, nothing out");
            ingress("db-from-app", { securityGroupId: db.id, ipProtocol: "tcp", fromPort: POSTGRES_PORT, toPort: POSTGRES_PORT, referencedSecurityGroupId: app.id, description: "PostgreSQL from the app hosts only" });
        }

        this.appSecurityGroupId = app.id;
        this.loadBalancerSecurityGroupId = lb?.id;
        this.databaseSecurityGroupId = db?.id;
        this.registerOutputs({
            appSecurityGroupId: this.appSecurityGroupId,
            loadBalancerSecurityGroupId: this.loadBalancerSecurityGroupId,
            databaseSecurityGroupId: this.databaseSecurityGroupId,
        });
    }
}
