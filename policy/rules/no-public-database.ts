import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { DATABASE_PORTS } from "../../lib/ports";
import { configOf, EXPOSURE_FIELDS, Fields, schemaOf } from "../lib/config";
import { deps, dependsOn, peek } from "../lib/graph";
import { exposures, ExposurePolicy } from "../lib/ingress";

const FIELDS: Fields = {
    ...EXPOSURE_FIELDS,
    ports: { type: "array", items: { type: "number" }, default: DATABASE_PORTS, description: "Database ports (PostgreSQL, MySQL, SQL Server, Oracle, MongoDB, Redis, Kafka) that must never be open to the internet." },
};

interface Config extends ExposurePolicy {
    ports: number[];
}

const T = {
    rdsInstance: "aws:rds/instance:Instance",
    rdsCluster: "aws:rds/cluster:Cluster",
    clusterInstance: "aws:rds/clusterInstance:ClusterInstance",
    subnetGroup: "aws:rds/subnetGroup:SubnetGroup",
    subnet: "aws:ec2/subnet:Subnet",
    rta: "aws:ec2/routeTableAssociation:RouteTableAssociation",
    routeTable: "aws:ec2/routeTable:RouteTable",
    defaultRouteTable: "aws:ec2/defaultRouteTable:DefaultRouteTable",
    mainAssociation: "aws:ec2/mainRouteTableAssociation:MainRouteTableAssociation",
    route: "aws:ec2/route:Route",
    igw: "aws:ec2/internetGateway:InternetGateway",
};

const DEFAULT_ROUTES = ["0.0.0.0/0", "::/0"];

/** Why a route table makes its subnets public: a default route to an internet gateway. */
function internetRoute(table: PolicyResource, all: PolicyResource[]): string | undefined {
    const igwId = (v: unknown) => typeof v === "string" && v.startsWith("igw-");
    // Inline routes: the dependency on the gateway is recorded for the whole `routes` property.
    const inline = (peek(() => table.props.routes) as Record<string, unknown>[] | undefined) ?? [];
    const igwDeps = deps(table, "routes", T.igw);
    for (const r of inline) {
        const dest = [r.cidrBlock, r.ipv6CidrBlock].find((d) => DEFAULT_ROUTES.includes(String(d)));
        if (dest && (igwDeps.length > 0 || igwId(r.gatewayId))) return `routes ${dest} to internet gateway ${igwDeps[0]?.name ?? r.gatewayId}`;
    }
    for (const route of all.filter((r) => r.type === T.route && dependsOn(r, "routeTableId", table))) {
        const dest = [peek(() => route.props.destinationCidrBlock), peek(() => route.props.destinationIpv6CidrBlock)].find((d) => DEFAULT_ROUTES.includes(String(d)));
        const gw = deps(route, "gatewayId", T.igw)[0];
        if (dest && (gw || igwId(peek(() => route.props.gatewayId)))) return `routes ${dest} to internet gateway ${gw?.name ?? String(route.props.gatewayId)}`;
    }
    return undefined;
}

/** The route tables that govern a subnet: its explicit association, else the VPC's main table. */
function routeTablesOf(subnet: PolicyResource, all: PolicyResource[]): PolicyResource[] {
    const explicit = all.filter((a) => a.type === T.rta && dependsOn(a, "subnetId", subnet)).flatMap((a) => deps(a, "routeTableId"));
    if (explicit.length > 0) return explicit;
    const vpc = deps(subnet, "vpcId")[0];
    if (!vpc) return [];
    const mains = all.filter((a) => a.type === T.mainAssociation && dependsOn(a, "vpcId", vpc)).flatMap((a) => deps(a, "routeTableId"));
    const defaults = all.filter((t) => t.type === T.defaultRouteTable && dependsOn(t, "defaultRouteTableId", vpc));
    return [...mains, ...defaults];
}

/** Why a subnet is public, or undefined when it is private. */
export function publicSubnetReason(subnet: PolicyResource, all: PolicyResource[]): string | undefined {
    if (peek(() => subnet.props.mapPublicIpOnLaunch) === true) return `subnet ${subnet.name} gives instances public IPs on launch`;
    for (const table of routeTablesOf(subnet, all)) {
        const why = internetRoute(table, all);
        if (why) return `subnet ${subnet.name} uses route table ${table.name}, which ${why}`;
    }
    return undefined;
}

/** CKV_AWS_17 and more: no database is reachable from the internet, by flag, by subnet or by firewall. */
export const noPublicDatabase: StackValidationPolicy = {
    name: "no-public-database",
    description: "Databases are never reachable from the internet: not publicly accessible, not in public subnets, their ports not open to wide ranges.",
    configSchema: schemaOf(FIELDS),
    validateStack: (args, reportViolation) => {
        const cfg = configOf<Config>(FIELDS, args.getConfig());
        const all = args.resources;
        for (const r of all) {
            if ((r.type === T.rdsInstance || r.type === T.clusterInstance) && peek(() => r.props.publiclyAccessible) === true) {
                reportViolation(`${r.name} is publicly accessible; set publiclyAccessible to false and reach it from the app's security group.`, r.urn);
            }
            if (r.type === T.rdsInstance || r.type === T.rdsCluster) {
                for (const group of deps(r, "dbSubnetGroupName", T.subnetGroup)) {
                    for (const subnet of deps(group, "subnetIds", T.subnet)) {
                        const why = publicSubnetReason(subnet, all);
                        if (why) reportViolation(`${r.name} can be reached from the internet: its DB subnet group ${group.name} includes ${why}. Use private subnets with no internet gateway route.`, r.urn);
                    }
                }
            }
            const open = peek(() => exposures(r.type, r.props, cfg.ports, cfg)) ?? [];
            for (const e of open) {
                reportViolation(`${r.name} admits database port ${e.port} from ${e.why}. Allow the database port only from the app's security group.`, r.urn);
            }
        }
    },
};
