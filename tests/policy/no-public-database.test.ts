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
/** Both subnets associated with one table holding the given inline routes. */
const routedTo = (setup: string, route: string) => net + setup + `const rt = new aws.ec2.RouteTable("private", { vpcId: vpc.id, routes: [${route}] });
new aws.ec2.RouteTableAssociation("a-rta", { subnetId: a.id, routeTableId: rt.id });
new aws.ec2.RouteTableAssociation("b-rta", { subnetId: b.id, routeTableId: rt.id });
`;
const publicA = `new aws.ec2.RouteTableAssociation("a-rta", { subnetId: a.id, routeTableId: new aws.ec2.RouteTable("public", { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }] }).id });\n`;
const FIX = "Put databases in private subnets with no route to an internet gateway.";
const placed = (what: string, group: string, why: string) => `${what} is placed by its subnet group ${group} in ${why}. ${FIX}`;
const viaPublic = (subnet: string) => `subnet ${subnet}, which uses route table public: it routes 0.0.0.0/0 to internet gateway igw`;
const KEEP = "Keep databases private and reach them from inside the VPC.";
const flagged = (what: string, why = "has publiclyAccessible set to true, so AWS gives it a public address") => `${what} ${why}. ${KEEP}`;
const PORT_FIX = "Allow database ports only from the application's security group or private ranges.";
const port = (subject: string, source: string, ports: string, entries: string) => `${subject} admits ${source}, to database ${ports} through ${entries}. ${PORT_FIX}`;
const vpcRule = (ports: string, entries: string, source = "0.0.0.0/0, the whole internet") => port("Security group ingress rule r", source, ports, entries);
const rule = (args: string) => `new aws.vpc.SecurityGroupIngressRule("r", { securityGroupId: "sg-db", ${args} });\n`;

describe("policy no-public-database", () => {
    table("no-public-database", [
        // A public flag, on every database service that has one.
        { what: "an RDS instance with publiclyAccessible", program: `new aws.rds.Instance("pub", { engine: "postgres", instanceClass: "db.t4g.micro", allocatedStorage: 20, publiclyAccessible: true });`, expect: [flagged("RDS instance pub")] },
        { what: "an Aurora cluster instance with publiclyAccessible", program: `new aws.rds.ClusterInstance("ci", { clusterIdentifier: "c", instanceClass: "db.t4g.medium", engine: "aurora-postgresql", publiclyAccessible: true });`, expect: [flagged("RDS cluster instance ci")] },
        { what: "a Redshift cluster with publiclyAccessible", program: `new aws.redshift.Cluster("dw", { clusterIdentifier: "dw", nodeType: "ra3.large", publiclyAccessible: true, masterUsername: "app", manageMasterPassword: true });`, expect: [flagged("Redshift cluster dw")] },
        { what: "a Redshift Serverless workgroup with publiclyAccessible", program: `new aws.redshiftserverless.Workgroup("wg", { namespaceName: "ns", workgroupName: "wg", publiclyAccessible: true });`, expect: [flagged("Redshift Serverless workgroup wg")] },
        { what: "a Neptune instance with publiclyAccessible", program: `new aws.neptune.ClusterInstance("graph", { clusterIdentifier: "g", instanceClass: "db.t3.medium", publiclyAccessible: true });`, expect: [flagged("Neptune instance graph")] },
        { what: "a Lightsail database with publiclyAccessible", program: `new aws.lightsail.Database("ldb", { relationalDatabaseName: "ldb", blueprintId: "postgres_16", bundleId: "micro_2_0", masterDatabaseName: "app", masterUsername: "app", masterPassword: "x", publiclyAccessible: true });`, expect: [flagged("Lightsail database ldb")] },
        { what: "a Timestream for InfluxDB instance with publiclyAccessible", program: `new aws.timestreaminfluxdb.DbInstance("influx", { name: "influx", dbInstanceType: "db.influx.medium", allocatedStorage: 20, vpcSubnetIds: ["subnet-1"], vpcSecurityGroupIds: ["sg-1"], username: "admin", password: "x", organization: "o", bucket: "b", publiclyAccessible: true });`, expect: [flagged("Timestream for InfluxDB instance influx")] },
        { what: "a DMS replication instance with publiclyAccessible", program: `new aws.dms.ReplicationInstance("dms", { replicationInstanceClass: "dms.t3.micro", replicationInstanceId: "dms", publiclyAccessible: true });`, expect: [flagged("DMS replication instance dms")] },
        // neptunegraph/graph.d.ts: "When the Graph is publicly reachable, its DNS endpoint resolves to the public IP address from the internet."
        { what: "a Neptune Analytics graph with publicConnectivity", program: `new aws.neptunegraph.Graph("g", { provisionedMemory: 16, publicConnectivity: true });`, expect: [flagged("Neptune Analytics graph g", "has publicConnectivity set to true, so AWS gives it a public address")] },
        { what: "an OpenSearch domain without vpcOptions", program: `new aws.opensearch.Domain("search", { engineVersion: "OpenSearch_2.13", clusterConfig: { instanceType: "t3.small.search" } });`, expect: [flagged("OpenSearch domain search", "has no vpcOptions, so its endpoint is on the internet")] },
        { what: "an Elasticsearch domain without vpcOptions", program: `new aws.elasticsearch.Domain("es", { elasticsearchVersion: "7.10" });`, expect: [flagged("Elasticsearch domain es", "has no vpcOptions, so its endpoint is on the internet")] },
        { what: "an OpenSearch Serverless network policy that allows public access", program: `new aws.opensearch.ServerlessSecurityPolicy("net", { name: "net", type: "network", policy: JSON.stringify([{ Rules: [{ ResourceType: "collection", Resource: ["collection/logs"] }], AllowFromPublic: true }]) });`, expect: [flagged("OpenSearch Serverless network policy net", "sets AllowFromPublic, so its collections' endpoints are on the internet")] },
        { what: "a DMS instance profile that leaves publiclyAccessible unset", program: `new aws.dms.InstanceProfile("profile", { name: "p" });`, expect: [flagged("DMS instance profile profile", "leaves publiclyAccessible unset, and AWS then gives it a public address")] },
        { what: "an MSK cluster with public broker addresses", program: `new aws.msk.Cluster("kafka", { kafkaVersion: "3.6.0", numberOfBrokerNodes: 2, brokerNodeGroupInfo: { instanceType: "kafka.t3.small", clientSubnets: ["subnet-1", "subnet-2"], securityGroups: ["sg-1"], connectivityInfo: { publicAccess: { type: "SERVICE_PROVIDED_EIPS" } } } });`, expect: [flagged("MSK cluster kafka", "has public access SERVICE_PROVIDED_EIPS, so its brokers get public addresses")] },

        // A subnet group holding a public subnet, however the route is written.
        {
            what: "a subnet whose route table routes 0.0.0.0/0 to the internet gateway (aws.ec2.Route)",
            program: net + `const rt = new aws.ec2.RouteTable("public", { vpcId: vpc.id });
new aws.ec2.Route("default", { routeTableId: rt.id, destinationCidrBlock: "0.0.0.0/0", gatewayId: igw.id });
new aws.ec2.RouteTableAssociation("a-rta", { subnetId: a.id, routeTableId: rt.id });`,
            expect: [placed("RDS instance db", "dbsubnets", viaPublic("a"))],
        },
        {
            what: "an aws.ec2.Route for IPv6 ::/0 to the gateway",
            program: net + `const rt = new aws.ec2.RouteTable("public", { vpcId: vpc.id });
new aws.ec2.Route("v6", { routeTableId: rt.id, destinationIpv6CidrBlock: "::/0", gatewayId: igw.id });
new aws.ec2.RouteTableAssociation("b-rta", { subnetId: b.id, routeTableId: rt.id });`,
            expect: [placed("RDS instance db", "dbsubnets", "subnet b, which uses route table public: it routes ::/0 to internet gateway igw")],
        },
        {
            what: "inline routes, IPv6 ::/0 to the gateway",
            program: net + `const rt = new aws.ec2.RouteTable("public", { vpcId: vpc.id, routes: [{ ipv6CidrBlock: "::/0", gatewayId: igw.id }] });
new aws.ec2.RouteTableAssociation("b-rta", { subnetId: b.id, routeTableId: rt.id });`,
            expect: [placed("RDS instance db", "dbsubnets", "subnet b, which uses route table public: it routes ::/0 to internet gateway igw")],
        },
        {
            what: "no association: a route on the VPC's main table (vpc.mainRouteTableId)",
            program: net + `new aws.ec2.Route("main-default", { routeTableId: vpc.mainRouteTableId, destinationCidrBlock: "0.0.0.0/0", gatewayId: igw.id });\n` + `new aws.ec2.RouteTableAssociation("b-rta", { subnetId: b.id, routeTableId: new aws.ec2.RouteTable("quiet", { vpcId: vpc.id }).id });`,
            expect: [placed("RDS instance db", "dbsubnets", "subnet a, which uses the main route table of VPC vpc: it routes 0.0.0.0/0 to internet gateway igw")],
        },
        {
            what: "no association: the VPC's main route table (MainRouteTableAssociation) routes to the gateway",
            program: net + `const rt = new aws.ec2.RouteTable("public", { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }] });
new aws.ec2.MainRouteTableAssociation("main-assoc", { vpcId: vpc.id, routeTableId: rt.id });
new aws.ec2.RouteTableAssociation("b-rta", { subnetId: b.id, routeTableId: new aws.ec2.RouteTable("quiet", { vpcId: vpc.id }).id });`,
            expect: [placed("RDS instance db", "dbsubnets", viaPublic("a"))],
        },
        {
            what: "no association: the VPC's DefaultRouteTable routes to the gateway",
            program: net + `new aws.ec2.DefaultRouteTable("default-rt", { defaultRouteTableId: vpc.defaultRouteTableId, routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }] });`,
            expect: ["a", "b"].map((s) => placed("RDS instance db", "dbsubnets", `subnet ${s}, which uses route table default-rt: it routes 0.0.0.0/0 to internet gateway igw`)),
        },
        {
            // VPC user guide, "Default VPCs": AWS gives a default VPC an internet gateway and a main route table sending 0.0.0.0/0 to it.
            what: "no association: a subnet of the default VPC follows its main table, which AWS routes to its internet gateway",
            program: `const dv = new aws.ec2.DefaultVpc("default");\nconst s = new aws.ec2.Subnet("db-a", { vpcId: dv.id, cidrBlock: "172.31.96.0/24" });\nconst g = new aws.rds.SubnetGroup("g", { subnetIds: [s.id, "subnet-2"] });\nnew aws.rds.Instance("db", { engine: "postgres", instanceClass: "db.t4g.micro", allocatedStorage: 20, dbSubnetGroupName: g.name });`,
            expect: [placed("RDS instance db", "g", "subnet db-a, which uses the main route table of default VPC default: it routes 0.0.0.0/0 to the internet gateway AWS created with the VPC")],
        },
        {
            what: "a subnet that maps public IPs on launch",
            program: net.replace(`availabilityZone: "us-east-1b" }`, `availabilityZone: "us-east-1b", mapPublicIpOnLaunch: true }`) + privateTable,
            expect: [placed("RDS instance db", "dbsubnets", "subnet b, which gives instances public IPs on launch")],
        },
        {
            what: "a subnet group referred to by its literal name (ordered with dependsOn)",
            program: net.replace(`new aws.rds.SubnetGroup("dbsubnets", {`, `new aws.rds.SubnetGroup("dbsubnets", { name: "app-db",`).replace(/const db = .*\n/, `new aws.rds.Instance("db", { engine: "postgres", instanceClass: "db.t4g.micro", allocatedStorage: 20, dbSubnetGroupName: "App-DB" }, { dependsOn: [group] });\n`) + publicA,
            expect: [placed("RDS instance db", "dbsubnets", viaPublic("a"))],
        },
        {
            what: "a literal subnet group name and dependsOn on an auto-named group",
            program: net.replace(/const db = .*\n/, `new aws.rds.Instance("db", { engine: "postgres", instanceClass: "db.t4g.micro", allocatedStorage: 20, dbSubnetGroupName: "dbsubnets-4b2f1c" }, { dependsOn: [group] });\n`) + publicA,
            expect: [placed("RDS instance db", "dbsubnets", viaPublic("a"))],
        },
        {
            what: "a subnet group over a default subnet",
            program: `const d = new aws.ec2.DefaultSubnet("default-a", { availabilityZone: "us-east-1a" });\nconst g = new aws.rds.SubnetGroup("g", { subnetIds: [d.id, "subnet-2"] });\nnew aws.rds.Cluster("aurora", { engine: "aurora-postgresql", dbSubnetGroupName: g.name, masterUsername: "app", manageMasterUserPassword: true });`,
            expect: [placed("RDS cluster aurora", "g", "default subnet default-a, which the default VPC routes to its internet gateway")],
        },
        {
            what: "Aurora, DocumentDB, Neptune, Redshift and DMS in public subnet groups",
            program: net.replace(/const db = .*\n/, "") + publicA + `new aws.rds.Cluster("aurora", { engine: "aurora-postgresql", dbSubnetGroupName: group.name, masterUsername: "app", manageMasterUserPassword: true });
new aws.docdb.Cluster("docs", { dbSubnetGroupName: new aws.docdb.SubnetGroup("docgroup", { subnetIds: [a.id] }).name, masterUsername: "app", manageMasterUserPassword: true });
new aws.neptune.Cluster("graph", { neptuneSubnetGroupName: new aws.neptune.SubnetGroup("graphgroup", { subnetIds: [a.id] }).name });
new aws.redshift.Cluster("dw", { clusterIdentifier: "dw", nodeType: "ra3.large", masterUsername: "app", manageMasterPassword: true, clusterSubnetGroupName: new aws.redshift.SubnetGroup("dwgroup", { subnetIds: [a.id] }).name });
new aws.dms.ReplicationInstance("dms", { replicationInstanceClass: "dms.t3.micro", replicationInstanceId: "dms", publiclyAccessible: false, replicationSubnetGroupId: new aws.dms.ReplicationSubnetGroup("dmsgroup", { replicationSubnetGroupId: "dmsgroup", replicationSubnetGroupDescription: "d", subnetIds: [a.id] }).id });`,
            expect: [
                // In the order the engine registers them: a resource built inline as an argument comes first.
                placed("Neptune cluster graph", "graphgroup", viaPublic("a")),
                placed("DMS replication instance dms", "dmsgroup", viaPublic("a")),
                placed("DocumentDB cluster docs", "docgroup", viaPublic("a")),
                placed("Redshift cluster dw", "dwgroup", viaPublic("a")),
                placed("RDS cluster aurora", "dbsubnets", viaPublic("a")),
            ],
        },

        // Database ports open to wide public ranges: one message per group and source.
        { what: "PostgreSQL open to the world on an EC2 host's group (vpc rule, protocol as written)", program: rule(`ipProtocol: "TCP", fromPort: 5432, toPort: 5432, cidrIpv4: "0.0.0.0/0"`), expect: [vpcRule("port 5432", "ingress TCP 5432")] },
        { what: "MySQL open to IPv6 in an inline rule", program: `new aws.ec2.SecurityGroup("r", { ingress: [{ protocol: "tcp", fromPort: 3306, toPort: 3306, ipv6CidrBlocks: ["::/0"] }] });`, expect: [port("Security group r", "::/0, the whole internet", "port 3306", "ingress tcp 3306")] },
        { what: "Redis in a SecurityGroupRule port range from a wide public range", program: `new aws.ec2.SecurityGroupRule("r", { type: "ingress", securityGroupId: "sg-1", protocol: "tcp", fromPort: 6000, toPort: 6500, cidrBlocks: ["198.18.0.0/15"] });`, expect: [port("Security group rule r", "198.18.0.0/15, a public range wider than /24", "ports 6379-6380", "ingress tcp 6000-6500")] },
        { what: "MongoDB's alternates, Redshift, OpenSearch, Neo4j in one group", program: `new aws.ec2.SecurityGroup("r", { ingress: [27018, 5439, 9200, 7687].map((p) => ({ protocol: "tcp", fromPort: p, toPort: p, cidrBlocks: ["0.0.0.0/0"] })) });`, expect: [port("Security group r", "0.0.0.0/0, the whole internet", "ports 5439, 7687, 9200 and 27018", "ingress tcp 27018 and ingress tcp 5439 and ingress tcp 9200 and ingress tcp 7687")] },
        { what: "every port, all protocols, from the world: one message", program: rule(`ipProtocol: "-1", cidrIpv4: "0.0.0.0/0"`), expect: [vpcRule("ports 1433-1434, 1521, 2483-2484, 3306, 5432-5433, 5439 and 19 more", "ingress all traffic (protocol -1)")] },
        { what: "a port added in the config (a custom one)", program: rule(`ipProtocol: "tcp", fromPort: 15432, toPort: 15432, cidrIpv4: "0.0.0.0/0"`), config: { "no-public-database": { ports: [15432] } }, expect: [vpcRule("port 15432", "ingress tcp 15432")] },

        // Near misses: must stay clean.
        { what: "RDS in private subnets whose route table has no routes", program: net + privateTable, expect: [] },
        { what: "private subnets routed to a NAT gateway (outbound only)", program: routedTo(`const nat = new aws.ec2.NatGateway("nat", { subnetId: "subnet-public", allocationId: "eipalloc-1" });\n`, `{ cidrBlock: "0.0.0.0/0", natGatewayId: nat.id }`), expect: [] },
        { what: "a NAT gateway written in gatewayId (AWS accepts it; still outbound only)", program: routedTo(`const nat = new aws.ec2.NatGateway("egress", { subnetId: "subnet-public", allocationId: "eipalloc-1" });\n`, `{ cidrBlock: "0.0.0.0/0", gatewayId: nat.id }`), expect: [] },
        { what: "a VPN gateway, by resource and by literal id", program: routedTo(`const vgw = new aws.ec2.VpnGateway("vpn", { vpcId: vpc.id });\n`, `{ cidrBlock: "0.0.0.0/0", gatewayId: vgw.id }, { cidrBlock: "192.168.0.0/16", gatewayId: "vgw-0123456789abcdef0" }`), expect: [] },
        { what: "a transit gateway, an egress-only gateway and a peering connection", program: routedTo(`const eigw = new aws.ec2.EgressOnlyInternetGateway("eigw", { vpcId: vpc.id });\n`, `{ cidrBlock: "0.0.0.0/0", transitGatewayId: "tgw-1" }, { ipv6CidrBlock: "::/0", egressOnlyGatewayId: eigw.id }, { cidrBlock: "10.1.0.0/16", vpcPeeringConnectionId: "pcx-1" }`), expect: [] },
        {
            what: "aws.ec2.Route resources to NAT and VPN gateways, on a table and on the VPC's main table",
            program: net + `const nat = new aws.ec2.NatGateway("nat", { subnetId: "subnet-public", allocationId: "eipalloc-1" });
const vgw = new aws.ec2.VpnGateway("vpn", { vpcId: vpc.id });
new aws.ec2.Route("main-nat", { routeTableId: vpc.mainRouteTableId, destinationCidrBlock: "0.0.0.0/0", natGatewayId: nat.id });
const rt = new aws.ec2.RouteTable("private", { vpcId: vpc.id });
new aws.ec2.Route("vpn", { routeTableId: rt.id, destinationCidrBlock: "0.0.0.0/0", gatewayId: vgw.id });
new aws.ec2.RouteTableAssociation("b-rta", { subnetId: b.id, routeTableId: rt.id });`,
            expect: [],
        },
        { what: "a literal subnet group name whose subnets are private", program: net.replace(`new aws.rds.SubnetGroup("dbsubnets", {`, `new aws.rds.SubnetGroup("dbsubnets", { name: "app-db",`).replace(/const db = .*\n/, `new aws.rds.Instance("db", { engine: "postgres", instanceClass: "db.t4g.micro", allocatedStorage: 20, dbSubnetGroupName: "app-db" }, { dependsOn: [group] });\n`) + privateTable, expect: [] },
        { what: "flags set to private: RDS, DMS, Redshift; OpenSearch in a VPC; MSK without public access", program: `new aws.rds.Instance("pub", { engine: "postgres", instanceClass: "db.t4g.micro", allocatedStorage: 20, publiclyAccessible: false });
new aws.dms.ReplicationInstance("dms", { replicationInstanceClass: "dms.t3.micro", replicationInstanceId: "dms", publiclyAccessible: false });
new aws.redshift.Cluster("dw", { clusterIdentifier: "dw", nodeType: "ra3.large", masterUsername: "app", manageMasterPassword: true });
new aws.opensearch.Domain("search", { engineVersion: "OpenSearch_2.13", vpcOptions: { subnetIds: ["subnet-1"], securityGroupIds: ["sg-1"] } });
new aws.msk.Cluster("kafka", { kafkaVersion: "3.6.0", numberOfBrokerNodes: 2, brokerNodeGroupInfo: { instanceType: "kafka.t3.small", clientSubnets: ["subnet-1", "subnet-2"], securityGroups: ["sg-1"], connectivityInfo: { publicAccess: { type: "DISABLED" } } } });`, expect: [] },
        {
            what: "publiclyAccessible false on Neptune, Redshift Serverless, Lightsail, Timestream and a DMS instance profile",
            program: `new aws.neptune.ClusterInstance("graph", { clusterIdentifier: "g", instanceClass: "db.t3.medium", publiclyAccessible: false });
new aws.redshiftserverless.Workgroup("wg", { namespaceName: "ns", workgroupName: "wg", publiclyAccessible: false });
new aws.lightsail.Database("ldb", { relationalDatabaseName: "ldb", blueprintId: "postgres_16", bundleId: "micro_2_0", masterDatabaseName: "app", masterUsername: "app", masterPassword: "x", publiclyAccessible: false });
new aws.timestreaminfluxdb.DbInstance("influx", { name: "influx", dbInstanceType: "db.influx.medium", allocatedStorage: 20, vpcSubnetIds: ["subnet-1"], vpcSecurityGroupIds: ["sg-1"], username: "admin", password: "x", organization: "o", bucket: "b", publiclyAccessible: false });
new aws.dms.InstanceProfile("profile", { name: "p", publiclyAccessible: false });`,
            expect: [],
        },
        {
            // ec2/defaultRouteTable.d.ts: "When the provider first adopts a default route table, it immediately removes all defined routes."
            what: "no association: a default VPC's subnet whose main table the program manages, routed to a NAT gateway",
            program: `const dv = new aws.ec2.DefaultVpc("default");\nconst nat = new aws.ec2.NatGateway("nat", { subnetId: "subnet-public", allocationId: "eipalloc-1" });\nnew aws.ec2.DefaultRouteTable("main", { defaultRouteTableId: dv.defaultRouteTableId, routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: nat.id }] });\nconst s = new aws.ec2.Subnet("db-a", { vpcId: dv.id, cidrBlock: "172.31.96.0/24" });\nnew aws.rds.Instance("db", { engine: "postgres", instanceClass: "db.t4g.micro", allocatedStorage: 20, dbSubnetGroupName: new aws.rds.SubnetGroup("g", { subnetIds: [s.id] }).name });`,
            expect: [],
        },
        // The provider always sends the flag, false when unset (terraform-provider-aws internal/service/dms/replication_instance.go:
        // PubliclyAccessible: aws.Bool(d.Get("publicly_accessible").(bool))), so the API's default of true never applies.
        { what: "a DMS replication instance that leaves publiclyAccessible unset", program: `new aws.dms.ReplicationInstance("dms", { replicationInstanceClass: "dms.t3.micro", replicationInstanceId: "dms" });`, expect: [] },
        { what: "a Neptune Analytics graph without public connectivity", program: `new aws.neptunegraph.Graph("g", { provisionedMemory: 16 });\nnew aws.neptunegraph.Graph("g2", { provisionedMemory: 16, publicConnectivity: false });`, expect: [] },
        { what: "no association: the VPC's DefaultRouteTable routes to a NAT gateway", program: net + `const nat = new aws.ec2.NatGateway("nat", { subnetId: "subnet-public", allocationId: "eipalloc-1" });
new aws.ec2.DefaultRouteTable("default-rt", { defaultRouteTableId: vpc.defaultRouteTableId, routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: nat.id }] });`, expect: [] },
        { what: "an OpenSearch Serverless network policy for VPC endpoints only", program: `new aws.opensearch.ServerlessSecurityPolicy("net", { name: "net", type: "network", policy: JSON.stringify([{ Rules: [{ ResourceType: "collection", Resource: ["collection/logs"] }], AllowFromPublic: false, SourceVPCEs: ["vpce-1"] }]) });`, expect: [] },
        { what: "PostgreSQL only from the app's security group", program: `const app = new aws.ec2.SecurityGroup("app", {});\n` + rule(`ipProtocol: "tcp", fromPort: 5432, toPort: 5432, referencedSecurityGroupId: app.id`), expect: [] },
        { what: "PostgreSQL from one /24 office network and an IPv6 /48", program: rule(`ipProtocol: "tcp", fromPort: 5432, toPort: 5432, cidrIpv4: "203.0.113.0/24"`) + `new aws.vpc.SecurityGroupIngressRule("r6", { securityGroupId: "sg-db", ipProtocol: "tcp", fromPort: 5432, toPort: 5432, cidrIpv6: "2001:db8:1::/48" });`, expect: [] },
        { what: "database ports from private ranges (the VPC, 10.0.0.0/8, 100.64.0.0/10, fc00::/7)", program: `new aws.ec2.SecurityGroup("r", { ingress: [{ protocol: "tcp", fromPort: 5432, toPort: 5432, cidrBlocks: ["10.0.0.0/16", "10.0.0.0/8", "100.64.0.0/10"], ipv6CidrBlocks: ["fc00::/7"] }, { protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["172.16.0.0/12"] }] });`, expect: [] },
        { what: "HTTPS from the world", program: rule(`ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv4: "0.0.0.0/0"`), expect: [] },
    ]);
});
