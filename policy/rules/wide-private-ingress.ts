import { StackValidationPolicy } from "@pulumi/policy";
import { OpennessLimits } from "../../lib/cidr";
import { DATABASE_PORTS } from "../../lib/ports";
import { configOf, Fields, schemaOf } from "../lib/config";
import { findings, portsText, sentence, widePrivateAudience } from "../lib/exposure";
import { sshPorts } from "../lib/sshd";

const FIELDS: Fields = {
    minIpv4Prefix: { type: "number", default: 16, description: "Private IPv4 sources with a shorter prefix than this are reported (default 16: a VPC's own range passes, 10.0.0.0/8 does not)." },
    minIpv6Prefix: { type: "number", default: 48, description: "Private IPv6 sources with a shorter prefix than this are reported (default 48: fc00::/7 is reported)." },
};

/**
 * The advisory side of the exposure rules: private ranges never fail a build, but SSH or a database
 * open to all of 10.0.0.0/8 admits every network peered or connected by VPN, not just the VPC.
 */
export const widePrivateIngress: StackValidationPolicy = {
    name: "wide-private-ingress",
    description: "SSH and database ports are opened to private ranges no wider than the network that needs them (advice: private ranges never block).",
    configSchema: schemaOf(FIELDS),
    validateStack: (args, reportViolation) => {
        const cfg = configOf<OpennessLimits>(FIELDS, args.getConfig());
        const ssh = sshPorts(args.resources, []);
        for (const f of findings(args.resources, [...ssh, ...DATABASE_PORTS], (cidr) => widePrivateAudience(cidr, cfg))) {
            const isSsh = f.ports.map((p) => ssh.includes(p));
            const service = isSsh.every(Boolean) ? `SSH (${portsText(f.ports)})` : isSsh.some(Boolean) ? `SSH and database ${portsText(f.ports)}` : `database ${portsText(f.ports)}`;
            reportViolation(`${sentence(f, service)} Narrow the source to the VPC or subnets that need it, or to a security group.`, f.resource.urn);
        }
    },
};
