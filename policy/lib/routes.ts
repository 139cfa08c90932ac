// Is a subnet public? Only a route to an internet gateway makes it so (AWS's own definition); a route to
// a NAT, VPN, transit or egress-only gateway or a peering connection never does. Routes are found
// however they are written: inline in aws.ec2.RouteTable / DefaultRouteTable, as aws.ec2.Route on a
// table or on the VPC's main table (vpc.mainRouteTableId), IPv4, IPv6 or prefix-list destinations.
// Everything goes through property dependencies, so a first preview (no ids yet) sees the same.
import { PolicyResource } from "@pulumi/policy";
import { deps, dependsOn, peek, plain, record, UNKNOWN } from "./graph";

const T = {
    subnet: "aws:ec2/subnet:Subnet",
    defaultSubnet: "aws:ec2/defaultSubnet:DefaultSubnet",
    vpc: "aws:ec2/vpc:Vpc",
    defaultVpc: "aws:ec2/defaultVpc:DefaultVpc",
    rta: "aws:ec2/routeTableAssociation:RouteTableAssociation",
    defaultRouteTable: "aws:ec2/defaultRouteTable:DefaultRouteTable",
    mainAssociation: "aws:ec2/mainRouteTableAssociation:MainRouteTableAssociation",
    route: "aws:ec2/route:Route",
    igw: "aws:ec2/internetGateway:InternetGateway",
};

export const SUBNET_TYPES = [T.subnet, T.defaultSubnet];

/** Ids AWS gives other targets of `gatewayId` (a VPN gateway, "local") or that people put there by mistake. */
const NOT_IGW = /^(vgw|nat|tgw|eigw|pcx|local)/;

/**
 * Does a gatewayId point at an internet gateway? A literal says so by its prefix; a value computed
 * from another resource (unknown in a preview, a mock id in an update) does when that resource is an
 * aws.ec2.InternetGateway.
 */
function isInternetGateway(value: unknown, igwDeps: PolicyResource[]): boolean {
    if (typeof value === "string" && value.startsWith("igw-")) return true;
    if (value === undefined || value === null || value === "" || (typeof value === "string" && NOT_IGW.test(value))) return false;
    return igwDeps.length > 0;
}

function destination(r: Record<string, unknown>, v4: string, v6: string, pl: string): string {
    const d = [r[v4], r[v6], r[pl]].find((x) => typeof x === "string" && x !== "");
    return typeof d === "string" ? d : "an address range";
}

/** Why a route table (or, for a VPC, its main table) sends traffic to an internet gateway. */
function internetRoute(table: PolicyResource, all: PolicyResource[]): string | undefined {
    // AWS creates a default VPC with an internet gateway and a main table routing 0.0.0.0/0 to it (VPC user
    // guide, "Default VPCs"); routeTablesOf offers that table only while the program leaves it alone.
    if (table.type === T.defaultVpc) return "routes 0.0.0.0/0 to the internet gateway AWS created with the VPC";
    // Inline routes: the gateway dependency is recorded for the whole `routes` property.
    const inline = plain(() => table.props.routes);
    const inlineIgws = deps(table, "routes", T.igw);
    for (const route of (Array.isArray(inline) ? inline : []).map(record)) {
        const gw = route.gatewayId === UNKNOWN ? "unknown" : route.gatewayId;
        if (isInternetGateway(gw, inlineIgws)) return `routes ${destination(route, "cidrBlock", "ipv6CidrBlock", "destinationPrefixListId")} to internet gateway ${inlineIgws[0]?.name ?? String(gw)}`;
    }
    for (const route of all.filter((r) => r.type === T.route && dependsOn(r, "routeTableId", table))) {
        // A gateway computed from another resource is an internet gateway exactly when that resource is one.
        const igws = deps(route, "gatewayId", T.igw);
        const gw = peek(() => route.props.gatewayId);
        if (deps(route, "gatewayId").length > 0 ? igws.length > 0 : isInternetGateway(gw, [])) {
            const props = record(plain(() => route.props));
            return `routes ${destination(props, "destinationCidrBlock", "destinationIpv6CidrBlock", "destinationPrefixListId")} to internet gateway ${igws[0]?.name ?? String(gw)}`;
        }
    }
    return undefined;
}

/** The route tables that govern a subnet: its explicit association, else the VPC's main table. */
function routeTablesOf(subnet: PolicyResource, all: PolicyResource[]): PolicyResource[] {
    const explicit = all.filter((a) => a.type === T.rta && dependsOn(a, "subnetId", subnet)).flatMap((a) => deps(a, "routeTableId"));
    if (explicit.length > 0) return explicit;
    const vpc = deps(subnet, "vpcId", [T.vpc, T.defaultVpc])[0];
    if (!vpc) return [];
    const mains = all.filter((a) => a.type === T.mainAssociation && dependsOn(a, "vpcId", vpc)).flatMap((a) => deps(a, "routeTableId"));
    const defaults = all.filter((t) => t.type === T.defaultRouteTable && dependsOn(t, "defaultRouteTableId", vpc));
    // The VPC itself stands for its original main table: routes written on vpc.mainRouteTableId. A default
    // VPC's original table is public by itself, unless the program replaced it or manages its routes.
    if (vpc.type === T.defaultVpc && mains.length + defaults.length > 0) return [...mains, ...defaults];
    return [...mains, ...defaults, vpc];
}

function tableName(table: PolicyResource): string {
    if (table.type === T.vpc) return `the main route table of VPC ${table.name}`;
    return table.type === T.defaultVpc ? `the main route table of default VPC ${table.name}` : `route table ${table.name}`;
}

/** Why a subnet is public, or undefined when it is private. */
export function publicSubnetReason(subnet: PolicyResource, all: PolicyResource[]): string | undefined {
    if (subnet.type === T.defaultSubnet) return `default subnet ${subnet.name}, which the default VPC routes to its internet gateway`;
    if (peek(() => subnet.props.mapPublicIpOnLaunch) === true) return `subnet ${subnet.name}, which gives instances public IPs on launch`;
    for (const table of routeTablesOf(subnet, all)) {
        const why = internetRoute(table, all);
        if (why) return `subnet ${subnet.name}, which uses ${tableName(table)}: it ${why}`;
    }
    return undefined;
}
