// Policy config: each rule declares its fields once (type, default, description); the JSON schema the
// CLI validates `--policy-pack-config` against and the defaults the rule falls back on both come from it.
import { PolicyConfigSchema } from "@pulumi/policy";

export interface Field {
    type: "number" | "boolean" | "string" | "array";
    default: unknown;
    description: string;
    items?: { type: "number" | "string" };
}

export type Fields = Record<string, Field>;

export function schemaOf(fields: Fields): PolicyConfigSchema {
    return {
        properties: Object.fromEntries(Object.entries(fields).map(([k, f]) => [k, { type: f.type, default: f.default, description: f.description, ...(f.items ? { items: f.items } : {}) }])),
    } as PolicyConfigSchema;
}

/** The rule's config: what was configured, else each field's default. */
export function configOf<T>(fields: Fields, given: Record<string, unknown>): T {
    return Object.fromEntries(Object.keys(fields).map((k) => [k, given[k] ?? fields[k].default])) as T;
}

/** Fields every exposure rule shares: how wide a public source may be and an optional allow-list. */
export const EXPOSURE_FIELDS: Fields = {
    minIpv4Prefix: { type: "number", default: 24, description: "Public IPv4 sources with a shorter prefix than this count as open (default 24: a site's /24 passes, 0.0.0.0/0 and 198.51.0.0/16 do not). Private ranges (RFC 1918, 100.64.0.0/10, link-local, loopback) never count." },
    minIpv6Prefix: { type: "number", default: 48, description: "Public IPv6 sources with a shorter prefix than this count as open (default 48: a site's /48 passes, ::/0 and 2001:db8::/32 do not). Private ranges (fc00::/7, fe80::/10, ::1) never count." },
    allowedCidrs: { type: "array", items: { type: "string" }, default: [], description: "When not empty, every public source must lie inside one of these ranges (e.g. the office /32s)." },
};
