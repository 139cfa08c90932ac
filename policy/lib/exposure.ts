// Who an opening lets in, and one finding per resource and source (not one per port), so a
// developer reads each mistake once, as written.
import { PolicyResource } from "@pulumi/policy";
import { Cidr, cidrContains, isPrivateCidr, isWiderThan, OpennessLimits, parseCidr } from "../../lib/cidr";
import { portRanges } from "../../lib/ports";
import { admitsTcpPort, openingsOf, Source } from "./ingress";

export interface ExposurePolicy extends OpennessLimits {
    /** When not empty, every public source must lie inside one of these. */
    allowedCidrs: string[];
}

/**
 * Who from the internet a source admits, or undefined when it is fine. Private ranges are never the
 * internet; public ones are judged by width (per family) and by the allow-list.
 */
export function publicAudience(text: string, policy: ExposurePolicy): string | undefined {
    const cidr = parseCidr(text);
    if (!cidr) return "which is not a valid CIDR";
    if (isPrivateCidr(cidr)) return undefined;
    if (cidr.prefix === 0) return "the whole internet";
    if (isWiderThan(cidr, policy)) return `a public range wider than /${cidr.version === 4 ? policy.minIpv4Prefix : policy.minIpv6Prefix}`;
    if (policy.allowedCidrs.length > 0) {
        const allowed = policy.allowedCidrs.map(parseCidr).filter((c): c is Cidr => c !== undefined);
        if (!allowed.some((a) => cidrContains(a, cidr))) return `which is outside the allowed ranges (${policy.allowedCidrs.join(", ")})`;
    }
    return undefined;
}

/** A private source wider than the limits (10.0.0.0/8 for a database in one VPC), or undefined. */
export function widePrivateAudience(text: string, limits: OpennessLimits): string | undefined {
    const cidr = parseCidr(text);
    if (!cidr || !isPrivateCidr(cidr) || !isWiderThan(cidr, limits)) return undefined;
    return `a private range wider than /${cidr.version === 4 ? limits.minIpv4Prefix : limits.minIpv6Prefix}`;
}

export interface Finding {
    resource: PolicyResource;
    /** The resource as a person names it: "Security group web". */
    subject: string;
    source: Source;
    audience: string;
    entries: string[];
    ports: number[];
}

/** Every source of every opening in the stack that admits one of `ports` and that `judge` objects to. */
export function findings(all: PolicyResource[], ports: number[], judge: (cidr: string) => string | undefined): Finding[] {
    const found = new Map<string, Finding>();
    for (const r of all) {
        for (const o of openingsOf(r, all)) {
            const admitted = ports.filter((p) => admitsTcpPort(o, p));
            if (admitted.length === 0) continue;
            for (const source of o.sources) {
                const audience = judge(source.cidr);
                if (!audience) continue;
                const key = `${r.urn}\n${source.cidr}\n${source.note ?? ""}`;
                const f = found.get(key) ?? { resource: r, subject: o.subject, source, audience, entries: [], ports: [] };
                if (!f.entries.includes(o.written)) f.entries.push(o.written);
                f.ports.push(...admitted.filter((p) => !f.ports.includes(p)));
                found.set(key, f);
            }
        }
    }
    return [...found.values()];
}

/** "22" or "ports 22 and 2222"; long lists are cut ("1433-1434, 1521, ... and 12 more"). */
export function portsText(ports: number[]): string {
    const runs = portRanges(ports);
    const single = runs.length === 1 && !runs[0].includes("-");
    const shown = runs.length > 6 ? `${runs.slice(0, 6).join(", ")} and ${runs.length - 6} more` : runs.length > 1 ? `${runs.slice(0, -1).join(", ")} and ${runs[runs.length - 1]}` : runs[0];
    return `${single ? "port" : "ports"} ${shown}`;
}

/** One sentence: who gets in, to what, through which entries as written. */
export function sentence(f: Finding, service: string): string {
    const source = f.source.note ? `${f.source.cidr} (${f.source.note})` : f.source.cidr;
    return `${f.subject} admits ${source}, ${f.audience}, to ${service} through ${f.entries.join(" and ")}.`;
}
