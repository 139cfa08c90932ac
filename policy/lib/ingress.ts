// Every way to write an ingress rule on AWS, normalised: an inline `ingress` block of
// aws.ec2.SecurityGroup, aws.ec2.SecurityGroupRule with type "ingress", aws.vpc.SecurityGroupIngressRule.
// Only the fields that decide exposure are read, so unknown ids (a preview) never stop the check.
import { Cidr, cidrContains, isWiderThan, OpennessLimits, parseCidr } from "../../lib/cidr";

export interface Ingress {
    /** "all" for protocol -1/all, else the lower-case protocol ("tcp", "udp", "6", ...). */
    protocol: string;
    fromPort: number;
    toPort: number;
    /** IPv4 and IPv6 source ranges (security-group and prefix-list sources are not CIDRs and are not listed). */
    cidrs: string[];
}

export const SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup";
export const SECURITY_GROUP_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule";
export const INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
export const INGRESS_TYPES = [SECURITY_GROUP, SECURITY_GROUP_RULE, INGRESS_RULE];

type Props = Record<string, unknown>;

function list(value: unknown): string[] {
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

function normalise(protocol: unknown, from: unknown, to: unknown, cidrs: string[]): Ingress {
    const p = String(protocol ?? "").toLowerCase();
    const all = p === "-1" || p === "all";
    return { protocol: all ? "all" : p, fromPort: all ? 0 : Number(from ?? 0), toPort: all ? 65535 : Number(to ?? from ?? 0), cidrs };
}

/** The ingress rules a resource declares (empty for other types or egress rules). */
export function ingressesOf(type: string, props: Props): Ingress[] {
    switch (type) {
        case SECURITY_GROUP:
            return (Array.isArray(props.ingress) ? (props.ingress as Props[]) : []).map((r) =>
                normalise(r.protocol, r.fromPort, r.toPort, [...list(r.cidrBlocks), ...list(r.ipv6CidrBlocks)]));
        case SECURITY_GROUP_RULE:
            return props.type === "ingress"
                ? [normalise(props.protocol, props.fromPort, props.toPort, [...list(props.cidrBlocks), ...list(props.ipv6CidrBlocks)])]
                : [];
        case INGRESS_RULE:
            return [normalise(props.ipProtocol, props.fromPort, props.toPort, [props.cidrIpv4, props.cidrIpv6].filter((c): c is string => typeof c === "string"))];
        default:
            return [];
    }
}

/** True when the rule lets TCP traffic to `port` in (all protocols included; UDP and ICMP are not TCP). */
export function admitsTcpPort(rule: Ingress, port: number): boolean {
    if (rule.protocol === "all") return true;
    if (rule.protocol !== "tcp" && rule.protocol !== "6") return false;
    // AWS writes "all ports" of TCP as 0-65535 or, in some tools, -1.
    if (rule.fromPort === -1) return true;
    return rule.fromPort <= port && port <= rule.toPort;
}

export interface ExposurePolicy extends OpennessLimits {
    /** When not empty, every source must lie inside one of these. */
    allowedCidrs: string[];
}

/** Why a source range is too open, or undefined when it is fine. */
export function tooOpen(cidrText: string, policy: ExposurePolicy): string | undefined {
    const cidr = parseCidr(cidrText);
    if (!cidr) return `${cidrText}, which is not a valid CIDR`;
    if (isWiderThan(cidr, policy)) {
        const limit = cidr.version === 4 ? policy.minIpv4Prefix : policy.minIpv6Prefix;
        return `${cidrText}, which is wider than /${limit}`;
    }
    if (policy.allowedCidrs.length > 0) {
        const allowed = policy.allowedCidrs.map(parseCidr).filter((c): c is Cidr => c !== undefined);
        if (!allowed.some((a) => cidrContains(a, cidr))) return `${cidrText}, which is outside the allowed ranges (${policy.allowedCidrs.join(", ")})`;
    }
    return undefined;
}

/** Findings for one resource: each exposed port and the source that exposes it. */
export function exposures(type: string, props: Props, ports: number[], policy: ExposurePolicy): { port: number; cidr: string; why: string }[] {
    const found: { port: number; cidr: string; why: string }[] = [];
    for (const rule of ingressesOf(type, props)) {
        for (const port of ports.filter((p) => admitsTcpPort(rule, p))) {
            for (const cidr of rule.cidrs) {
                const why = tooOpen(cidr, policy);
                if (why) found.push({ port, cidr, why });
            }
        }
    }
    return found;
}
