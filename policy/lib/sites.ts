// The web hosts of a program: the nginx sites it hands each machine (in a command run for it, such as
// the deploy's prepare step, or in its user data) and who on the internet reaches which of its ports,
// so a rule can tell a site serving plain HTTP to the world from one behind a load balancer.
import { PolicyResource } from "@pulumi/policy";
import { isPrivateCidr, parseCidr } from "../../lib/cidr";
import { sitesIn } from "../../lib/nginxSite";
import { deps, plain, UNKNOWN } from "./graph";
import { admitsTcpPort, openingsInto, T } from "./ingress";
import { userDataOf } from "./userData";

/** Machines that take security groups and user data: how a person names them, and the properties naming their groups. */
const HOSTS: Record<string, { kind: string; groups: string[] }> = {
    "aws:ec2/instance:Instance": { kind: "instance", groups: ["vpcSecurityGroupIds", "securityGroups"] },
    "aws:ec2/spotInstanceRequest:SpotInstanceRequest": { kind: "spot instance request", groups: ["vpcSecurityGroupIds", "securityGroups"] },
    "aws:ec2/launchTemplate:LaunchTemplate": { kind: "launch template", groups: ["vpcSecurityGroupIds", "securityGroupNames", "networkInterfaces"] },
    "aws:ec2/launchConfiguration:LaunchConfiguration": { kind: "launch configuration", groups: ["securityGroups"] },
};

const COMMANDS: Record<string, string> = { "command:remote:Command": "remote command", "command:local:Command": "local command" };

export interface Site {
    text: string;
    /** The resource that hands it over: a command, or the host (its user data). */
    sender: PolicyResource;
    /** "remote command x", "the user data of instance y". */
    senderName: string;
}

export interface WebHost {
    /** Undefined for the sites of commands that run for no machine of the program. */
    host?: PolicyResource;
    /** "instance web". */
    name: string;
    sites: Site[];
    /** No site is known, but a command or user data that may carry one is not known yet (a first preview). */
    pending: boolean;
}

/** A command's lines: the known ones, and whether one is unknown. */
function commandLines(c: PolicyResource): { texts: string[]; unknown: boolean } {
    const values = ["create", "update"].map((k) => plain(() => c.props[k]));
    return { texts: values.filter((v): v is string => typeof v === "string"), unknown: values.includes(UNKNOWN) };
}

function runsFor(c: PolicyResource, host: PolicyResource): boolean {
    return Object.values(c.propertyDependencies).some((list) => list.some((d) => d.urn === host.urn));
}

/** Each machine of the program with the sites handed to it, and the sites of commands run for none. */
export function webHosts(all: PolicyResource[]): WebHost[] {
    const commands = all.filter((r) => COMMANDS[r.type]);
    // A command's create and update usually carry the same site: once per sender.
    const sitesOf = (senders: { sender: PolicyResource; senderName: string; texts: string[] }[]): Site[] => {
        const sites = new Map<string, Site>();
        for (const { sender, senderName, texts } of senders) {
            for (const text of texts.flatMap(sitesIn)) sites.set(`${sender.urn}\n${text}`, { text, sender, senderName });
        }
        return [...sites.values()];
    };
    const fromCommand = (c: PolicyResource) => ({ sender: c, senderName: `${COMMANDS[c.type]} ${c.name}`, texts: commandLines(c).texts });
    const hosts = all.filter((r) => HOSTS[r.type]).map((host): WebHost => {
        const name = `${HOSTS[host.type].kind} ${host.name}`;
        const userData = userDataOf(host);
        const mine = commands.filter((c) => runsFor(c, host));
        const sites = sitesOf([{ sender: host, senderName: `the user data of ${name}`, texts: userData.texts }, ...mine.map(fromCommand)]);
        return { host, name, sites, pending: sites.length === 0 && (userData.unknown || mine.some((c) => commandLines(c).unknown)) };
    });
    const hostless = commands.filter((c) => !hosts.some((h) => runsFor(c, h.host!)));
    return [...hosts, { name: "a host outside this program", sites: sitesOf(hostless.map(fromCommand)), pending: false }];
}

export interface Reach {
    /** The host's security groups that admit the internet to the ports. */
    groups: string[];
    /** The public sources they admit. */
    cidrs: string[];
    ports: number[];
}

/** Which of `ports` the internet reaches on a host, through which of its security groups, from where. */
export function publicReach(host: PolicyResource, ports: number[], all: PolicyResource[]): Reach | undefined {
    const groups = HOSTS[host.type].groups.flatMap((p) => deps(host, p, [T.securityGroup, T.defaultSecurityGroup]));
    const reach: Reach = { groups: [], cidrs: [], ports: [] };
    const add = <X>(list: X[], x: X) => list.includes(x) || list.push(x);
    for (const group of groups) {
        for (const o of openingsInto(group, all)) {
            const cidrs = o.sources.map((s) => s.cidr).filter((c) => {
                const cidr = parseCidr(c);
                return cidr !== undefined && !isPrivateCidr(cidr);
            });
            const admitted = ports.filter((p) => admitsTcpPort(o, p));
            if (cidrs.length === 0 || admitted.length === 0) continue;
            add(reach.groups, group.name);
            cidrs.forEach((c) => add(reach.cidrs, c));
            admitted.forEach((p) => add(reach.ports, p));
        }
    }
    reach.ports.sort((a, b) => a - b);
    return reach.ports.length > 0 ? reach : undefined;
}
