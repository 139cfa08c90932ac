import { table } from "./harness";

// A VPC with a gateway, and a subnet group over two subnets whose routing each case decides.
const net = `
const vpc = new aws.ec2.Vpc("vpc", { cidrBlock: "10.0.0.0/16" });
const igw = new aws.ec2.InternetGateway("igw", { vpcId: vpc.id });
const a = new aws.ec2.Subnet("a", { vpcId: vpc.id, cidrBlock: "10.0.1.0/24", availabilityZone: "us-east-1a" });
const b = new aws.ec2.Subnet("b", { vpcId: vpc.id, cidrBlock: "10.0.2.0/24", availabilityZone: "us-east-1b" });
const group = new aws.rds.SubnetGroup("dbsubnets", { subnetIds: [a.id, b.id] });
const db = new aws.rds.Instance("db", { engine: "postgres", instanceClass: "db.t4g.micro", allocatedStorage: 20, dbSubnetGroupName: group.name, storageEncrypted: true, backupRetentionPeriod: 7, manageMasterUserPassword: true, username: "app" });
`;
const privateTable = `const rt = new aws.ec2.RouteTable("private", { vpcId: vpc.id });
new aws.ec2.RouteTableAssociation("a-rta", { subnetId: a.id, routeTableId: rt.id });
new aws.ec2.RouteTableAssociation("b-rta", { subnetId: b.id, routeTableId: rt.id });
`;
const viaA = "db can be reached from the internet: its DB subnet group dbsubnets includes subnet a";
const fix = "Use private subnets with no internet gateway route.";
const port = (p: number, why: string, name = "r") => `${name} admits database port ${p} from ${why}. Allow the database port only from the app's security group.`;

describe("policy no-public-database", () => {
    table("no-public-database", [
        { what: "an RDS instance with publiclyAccessible", program: `new aws.rds.Instance("pub", { engine: "postgres", instanceClass: "db.t4g.micro", allocatedStorage: 20, publiclyAccessible: true });`, expect: ["pub is publicly accessible; set publiclyAccessible to false and reach it from the app's security group."] },
        { what: "an Aurora cluster instance with publiclyAccessible", program: `new aws.rds.ClusterInstance("ci", { clusterIdentifier: "c", instanceClass: "db.t4g.medium", engine: "aurora-postgresql", publiclyAccessible: true });`, expect: ["ci is publicly accessible; set publiclyAccessible to false and reach it from the app's security group."] },
        {
            what: "a subnet whose route table routes 0.0.0.0/0 to the internet gateway (aws.ec2.Route)",
            program: net + `const rt = new aws.ec2.RouteTable("public", { vpcId: vpc.id });
new aws.ec2.Route("default", { routeTableId: rt.id, destinationCidrBlock: "0.0.0.0/0", gatewayId: igw.id });
new aws.ec2.RouteTableAssociation("a-rta", { subnetId: a.id, routeTableId: rt.id });`,
            expect: [`${viaA} uses route table public, which routes 0.0.0.0/0 to internet gateway igw. ${fix}`],
        },
        {
            what: "inline routes, IPv6 ::/0 to the gateway",
            program: net + `const rt = new aws.ec2.RouteTable("public", { vpcId: vpc.id, routes: [{ ipv6CidrBlock: "::/0", gatewayId: igw.id }] });
new aws.ec2.RouteTableAssociation("b-rta", { subnetId: b.id, routeTableId: rt.id });`,
            expect: [`db can be reached from the internet: its DB subnet group dbsubnets includes subnet b uses route table public, which routes ::/0 to internet gateway igw. ${fix}`],
        },
        {
            what: "no association: the VPC's main route table (MainRouteTableAssociation) routes to the gateway",
            program: net + `const rt = new aws.ec2.RouteTable("main", { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }] });
new aws.ec2.MainRouteTableAssociation("main-assoc", { vpcId: vpc.id, routeTableId: rt.id });
new aws.ec2.RouteTableAssociation("b-rta", { subnetId: b.id, routeTableId: new aws.ec2.RouteTable("quiet", { vpcId: vpc.id }).id });`,
            expect: [`${viaA} uses route table main, which routes 0.0.0.0/0 to internet gateway igw. ${fix}`],
        },
        {
            what: "no association: the VPC's default route table routes to the gateway",
            program: net + `new aws.ec2.DefaultRouteTable("default-rt", { defaultRouteTableId: vpc.defaultRouteTableId, routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }] });`,
            expect: [`${viaA} uses route table default-rt, which routes 0.0.0.0/0 to internet gateway igw. ${fix}`, `db can be reached from the internet: its DB subnet group dbsubnets includes subnet b uses route table default-rt, which routes 0.0.0.0/0 to internet gateway igw. ${fix}`],
        },
        {
            what: "a subnet that maps public IPs on launch",
            program: net.replace(`availabilityZone: "us-east-1b" }`, `availabilityZone: "us-east-1b", mapPublicIpOnLaunch: true }`) + privateTable,
            expect: [`db can be reached from the internet: its DB subnet group dbsubnets includes subnet b gives instances public IPs on launch. ${fix}`],
        },
        {
            what: "an Aurora cluster in a public subnet group",
            program: net.replace(/const db = .*\n/, `new aws.rds.Cluster("aurora", { engine: "aurora-postgresql", dbSubnetGroupName: group.name, storageEncrypted: true, backupRetentionPeriod: 7, masterUsername: "app", manageMasterUserPassword: true });\n`)
                + `new aws.ec2.RouteTableAssociation("a-rta", { subnetId: a.id, routeTableId: new aws.ec2.RouteTable("public", { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }] }).id });`,
            expect: [`aurora can be reached from the internet: its DB subnet group dbsubnets includes subnet a uses route table public, which routes 0.0.0.0/0 to internet gateway igw. ${fix}`],
        },
        { what: "PostgreSQL open to the world on an EC2 host's group (vpc rule)", program: `new aws.vpc.SecurityGroupIngressRule("r", { securityGroupId: "sg-host", ipProtocol: "tcp", fromPort: 5432, toPort: 5432, cidrIpv4: "0.0.0.0/0" });`, expect: [port(5432, "0.0.0.0/0, which is wider than /24")] },
        { what: "MySQL open to IPv6 in an inline rule", program: `new aws.ec2.SecurityGroup("r", { ingress: [{ protocol: "tcp", fromPort: 3306, toPort: 3306, ipv6CidrBlocks: ["::/0"] }] });`, expect: [port(3306, "::/0, which is wider than /64")] },
        { what: "Redis in a wide SecurityGroupRule port range", program: `new aws.ec2.SecurityGroupRule("r", { type: "ingress", securityGroupId: "sg-1", protocol: "tcp", fromPort: 6000, toPort: 6500, cidrBlocks: ["10.0.0.0/8"] });`, expect: [port(6379, "10.0.0.0/8, which is wider than /24")] },
        { what: "every port, all protocols, from the world", program: `new aws.vpc.SecurityGroupIngressRule("r", { securityGroupId: "sg-1", ipProtocol: "-1", cidrIpv4: "0.0.0.0/0" });`, expect: [5432, 3306, 1433, 1521, 27017, 6379, 9092].map((p) => port(p, "0.0.0.0/0, which is wider than /24")) },
        { what: "a port added in the config (ArangoDB 8529)", program: `new aws.vpc.SecurityGroupIngressRule("r", { securityGroupId: "sg-1", ipProtocol: "tcp", fromPort: 8529, toPort: 8529, cidrIpv4: "0.0.0.0/0" });`, config: { "no-public-database": { ports: [8529] } }, expect: [port(8529, "0.0.0.0/0, which is wider than /24")] },

        { what: "RDS in private subnets whose route table has no routes", program: net + privateTable, expect: [] },
        {
            what: "private subnets routed to a NAT gateway (outbound only)",
            program: net + `const nat = new aws.ec2.NatGateway("nat", { subnetId: "subnet-public", allocationId: "eipalloc-1" });
const rt = new aws.ec2.RouteTable("private", { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: nat.id }] });
new aws.ec2.RouteTableAssociation("a-rta", { subnetId: a.id, routeTableId: rt.id });
new aws.ec2.RouteTableAssociation("b-rta", { subnetId: b.id, routeTableId: rt.id });`,
            expect: [],
        },
        { what: "PostgreSQL only from the app's security group", program: `const app = new aws.ec2.SecurityGroup("app", {});\nnew aws.vpc.SecurityGroupIngressRule("r", { securityGroupId: "sg-db", ipProtocol: "tcp", fromPort: 5432, toPort: 5432, referencedSecurityGroupId: app.id });`, expect: [] },
        { what: "PostgreSQL from one /24 office network", program: `new aws.vpc.SecurityGroupIngressRule("r", { securityGroupId: "sg-db", ipProtocol: "tcp", fromPort: 5432, toPort: 5432, cidrIpv4: "203.0.113.0/24" });`, expect: [] },
        { what: "HTTPS from the world", program: `new aws.vpc.SecurityGroupIngressRule("r", { securityGroupId: "sg-web", ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv4: "0.0.0.0/0" });`, expect: [] },
    ]);
});
