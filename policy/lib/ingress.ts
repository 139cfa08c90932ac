// Every way an AWS program can let traffic in from an address range, normalised to "openings": the
// inline `ingress` of aws.ec2.SecurityGroup and DefaultSecurityGroup, aws.ec2.SecurityGroupRule of type
// ingress, aws.vpc.SecurityGroupIngressRule, prefix-list sources resolved from the program's own
// ManagedPrefixList(Entry) resources, EKS node groups whose remoteAccess names no source groups,
// Lightsail public ports (and an instance left on Lightsail's default firewall), and Elastic
// Beanstalk environments with a key pair. Needs the whole stack, since sources live in other resources.
import { PolicyResource } from "@pulumi/policy";
import { deps, peek, Plain, plain, record, strings, UNKNOWN } from "./graph";

export interface Source {
    cidr: string;
    /** Where the range came from when not written on the entry itself, e.g. "in prefix list office". */
    note?: string;
}

export interface Opening {
    resource: PolicyResource;
    /** The resource as a person names it: "security group web". */
    subject: string;
    /** The entry as written: "ingress tcp 22", "remoteAccess without sourceSecurityGroupIds". */
    written: string;
    /** "all" for every protocol, else the lower-case protocol as written ("tcp", "6", "udp"). */
    protocol: string;
    fromPort: number;
    toPort: number;
    sources: Source[];
}

export const T = {
    securityGroup: "aws:ec2/securityGroup:SecurityGroup",
    defaultSecurityGroup: "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
    securityGroupRule: "aws:ec2/securityGroupRule:SecurityGroupRule",
    ingressRule: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    prefixList: "aws:ec2/managedPrefixList:ManagedPrefixList",
    prefixListEntry: "aws:ec2/managedPrefixListEntry:ManagedPrefixListEntry",
    nodeGroup: "aws:eks/nodeGroup:NodeGroup",
    lightsailPorts: "aws:lightsail/instancePublicPorts:InstancePublicPorts",
    lightsailInstance: "aws:lightsail/instance:Instance",
    beanstalk: "aws:elasticbeanstalk/environment:Environment",
};

const WORLD_V4 = "0.0.0.0/0";

function num(v: Plain, fallback: number): number {
    return typeof v === "number" ? v : typeof v === "string" && /^-?\d+$/.test(v) ? Number(v) : fallback;
}

/** The entry's protocol and ports as written, and their normalised form. */
function rule(protocolValue: Plain, from: Plain, to: Plain): Pick<Opening, "protocol" | "fromPort" | "toPort"> & { text: string } {
    const raw = protocolValue === UNKNOWN ? "" : String(protocolValue ?? "");
    const p = raw.toLowerCase();
    if (p === "-1" || p === "all") return { protocol: "all", fromPort: 0, toPort: 65535, text: `all traffic (protocol ${raw})` };
    const fromPort = num(from, 0);
    const toPort = num(to, fromPort);
    const ports = fromPort === toPort ? `${fromPort}` : `${fromPort}-${toPort}`;
    return { protocol: p, fromPort, toPort, text: `${/^\d+$/.test(p) ? `protocol ${raw}` : raw} ${ports}` };
}

/** Every range a prefix list holds: its inline entries and ManagedPrefixListEntry resources. */
function prefixListSources(list: PolicyResource, all: PolicyResource[]): Source[] {
    const note = `in prefix list ${list.name}`;
    const entries = plain(() => list.props.entries);
    const inline = Array.isArray(entries) ? entries.flatMap((e) => strings(record(e).cidr)) : [];
    const separate = all.filter((e) => e.type === T.prefixListEntry && deps(e, "prefixListId").some((d) => d.urn === list.urn)).flatMap((e) => strings(plain(() => e.props.cidr)));
    return [...inline, ...separate].map((cidr) => ({ cidr, note }));
}

function cidrSources(...values: Plain[]): Source[] {
    return values.flatMap(strings).map((cidr) => ({ cidr }));
}

/** Sources of an entry that names prefix lists: the program's own lists its property depends on. */
function viaPrefixLists(r: PolicyResource, property: string, named: Plain, all: PolicyResource[]): Source[] {
    const hasLists = Array.isArray(named) ? named.length > 0 : typeof named === "string" || named === UNKNOWN;
    return hasLists ? deps(r, property, T.prefixList).flatMap((l) => prefixListSources(l, all)) : [];
}

function securityGroupOpenings(r: PolicyResource, all: PolicyResource[], subject: string): Opening[] {
    const ingress = plain(() => r.props.ingress);
    return (Array.isArray(ingress) ? ingress : []).map((entry) => {
        const e = record(entry);
        const spec = rule(e.protocol, e.fromPort, e.toPort);
        // Which list an inline entry names is unknown in a preview: every list the `ingress` property uses counts.
        const sources = [...cidrSources(e.cidrBlocks, e.ipv6CidrBlocks), ...viaPrefixLists(r, "ingress", e.prefixListIds, all)];
        return { resource: r, subject, written: `ingress ${spec.text}`, ...spec, sources };
    });
}

/**
 * SSH on a Lightsail instance no InstancePublicPorts resource manages: a new instance's firewall comes with
 * default rules, SSH 22 and HTTP 80 from any IPv4 address (Lightsail user guide, "Instance firewalls").
 */
function lightsailDefault(r: PolicyResource, all: PolicyResource[]): Opening[] {
    const blueprint = String(peek(() => r.props.blueprintId) ?? "");
    if (blueprint.startsWith("windows")) return [];
    const name = peek(() => r.props.name);
    const managed = all.some((p) => p.type === T.lightsailPorts && (deps(p, "instanceName").some((d) => d.urn === r.urn) || (name !== undefined && peek(() => p.props.instanceName) === name)));
    if (managed) return [];
    return [{ resource: r, subject: `Lightsail instance ${r.name}`, written: "Lightsail's default firewall (no InstancePublicPorts for this instance)", protocol: "tcp", fromPort: 22, toPort: 22, sources: [{ cidr: WORLD_V4 }] }];
}

function lightsailPorts(r: PolicyResource): Opening[] {
    const infos = plain(() => r.props.portInfos);
    return (Array.isArray(infos) ? infos : []).map((info) => {
        const i = record(info);
        const spec = rule(i.protocol, i.fromPort, i.toPort);
        const given = [i.cidrs, i.ipv6Cidrs, i.cidrListAliases].some((v) => v === UNKNOWN || (Array.isArray(v) && v.length > 0));
        // Lightsail takes a bare address for its /32: "To allow the IP address 192.0.2.44, specify 192.0.2.44 or 192.0.2.44/32" (API, PortInfo).
        const hosts = cidrSources(i.cidrs, i.ipv6Cidrs).map(({ cidr }) => ({ cidr: cidr.includes("/") ? cidr : `${cidr}/${cidr.includes(":") ? 128 : 32}` }));
        const sources = given ? hosts : [{ cidr: WORLD_V4, note: "Lightsail's default when cidrs is empty" }];
        return { resource: r, subject: `Lightsail public ports ${r.name}`, written: `port info ${spec.text}`, ...spec, sources };
    });
}

function eksRemoteAccess(r: PolicyResource): Opening[] {
    const access = plain(() => r.props.remoteAccess);
    if (typeof access !== "object" || access === null || Array.isArray(access)) return [];
    const groups = access.sourceSecurityGroupIds;
    if (groups === UNKNOWN || (Array.isArray(groups) && groups.length > 0)) return [];
    // Only a key opens the port: "If you specify an Amazon EC2 SSH key but do not specify a source security
    // group ..., then port 22 on the worker nodes is opened to the internet (0.0.0.0/0)" (3389 on Windows
    // nodes; EKS API, RemoteAccessConfig). A key from unset config leaves remoteAccess without one.
    const key = access.ec2SshKey;
    if (key !== UNKNOWN && (typeof key !== "string" || key === "")) return [];
    const port = String(peek(() => r.props.amiType) ?? "").startsWith("WINDOWS") ? 3389 : 22;
    return [{ resource: r, subject: `EKS node group ${r.name}`, written: "remoteAccess without sourceSecurityGroupIds", protocol: "tcp", fromPort: port, toPort: port, sources: [{ cidr: WORLD_V4, note: "AWS's default" }] }];
}

/** Beanstalk opens SSH to 0.0.0.0/0 when EC2KeyName is set, unless SSHSourceRestriction says otherwise. */
function beanstalkSsh(r: PolicyResource): Opening[] {
    const settings = plain(() => r.props.settings);
    const list = (Array.isArray(settings) ? settings : []).map(record);
    const setting = (name: string) => list.find((s) => s.namespace === "aws:autoscaling:launchconfiguration" && s.name === name);
    if (!setting("EC2KeyName")) return [];
    const restriction = setting("SSHSourceRestriction")?.value;
    if (restriction === UNKNOWN) return [];
    const subject = `Elastic Beanstalk environment ${r.name}`;
    if (typeof restriction !== "string") {
        return [{ resource: r, subject, written: "EC2KeyName without SSHSourceRestriction", protocol: "tcp", fromPort: 22, toPort: 22, sources: [{ cidr: WORLD_V4, note: "Beanstalk's default" }] }];
    }
    const [protocol, from, to, source] = restriction.split(",").map((s) => s.trim());
    const spec = rule(protocol, from, to);
    return [{ resource: r, subject, written: `SSHSourceRestriction ${spec.text}`, ...spec, sources: source?.includes("/") ? [{ cidr: source }] : [] }];
}

/** The openings one resource declares (empty for types that open nothing). */
export function openingsOf(r: PolicyResource, all: PolicyResource[]): Opening[] {
    const p = (k: string) => plain(() => r.props[k]);
    switch (r.type) {
        case T.securityGroup:
            return securityGroupOpenings(r, all, `Security group ${r.name}`);
        case T.defaultSecurityGroup:
            return securityGroupOpenings(r, all, `Default security group ${r.name}`);
        case T.securityGroupRule: {
            if (p("type") !== "ingress") return [];
            const spec = rule(p("protocol"), p("fromPort"), p("toPort"));
            const sources = [...cidrSources(p("cidrBlocks"), p("ipv6CidrBlocks")), ...viaPrefixLists(r, "prefixListIds", p("prefixListIds"), all)];
            return [{ resource: r, subject: `Security group rule ${r.name}`, written: `ingress ${spec.text}`, ...spec, sources }];
        }
        case T.ingressRule: {
            const spec = rule(p("ipProtocol"), p("fromPort"), p("toPort"));
            const sources = [...cidrSources(p("cidrIpv4"), p("cidrIpv6")), ...viaPrefixLists(r, "prefixListId", p("prefixListId"), all)];
            return [{ resource: r, subject: `Security group ingress rule ${r.name}`, written: `ingress ${spec.text}`, ...spec, sources }];
        }
        case T.nodeGroup:
            return eksRemoteAccess(r);
        case T.lightsailPorts:
            return lightsailPorts(r);
        case T.lightsailInstance:
            return lightsailDefault(r, all);
        case T.beanstalk:
            return beanstalkSsh(r);
        default:
            return [];
    }
}

/** The openings into one security group: its inline `ingress` and the rules that name it in `securityGroupId`. */
export function openingsInto(group: PolicyResource, all: PolicyResource[]): Opening[] {
    const attached = (r: PolicyResource) => (r.type === T.securityGroupRule || r.type === T.ingressRule) && deps(r, "securityGroupId").some((d) => d.urn === group.urn);
    return all.filter((r) => r.urn === group.urn || attached(r)).flatMap((r) => openingsOf(r, all));
}

/** True when the opening lets TCP traffic to `port` in (all protocols included; UDP and ICMP are not TCP). */
export function admitsTcpPort(o: Pick<Opening, "protocol" | "fromPort" | "toPort">, port: number): boolean {
    if (o.protocol === "all") return true;
    if (o.protocol !== "tcp" && o.protocol !== "6") return false;
    // AWS writes "all ports" of TCP as 0-65535 or, in some tools, -1.
    if (o.fromPort === -1) return true;
    return o.fromPort <= port && port <= o.toPort;
}
