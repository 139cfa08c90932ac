// CIDR arithmetic shared by config validation and the policy pack, so both judge "how open" alike.

export interface Cidr {
    version: 4 | 6;
    /** The network address as a bigint (host bits cleared). */
    network: bigint;
    prefix: number;
    text: string;
}

const V4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

function parseV4(text: string): Cidr | undefined {
    const m = V4.exec(text);
    if (!m) return undefined;
    const octets = m.slice(1, 5).map(Number);
    const prefix = Number(m[5]);
    if (octets.some((o) => o > 255) || prefix > 32) return undefined;
    const addr = octets.reduce((acc, o) => (acc << 8n) | BigInt(o), 0n);
    return { version: 4, network: clearHostBits(addr, prefix, 32), prefix, text };
}

function parseV6(text: string): Cidr | undefined {
    const slash = text.lastIndexOf("/");
    if (slash < 0) return undefined;
    const prefixText = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(prefixText)) return undefined;
    const prefix = Number(prefixText);
    if (prefix > 128) return undefined;
    const addrText = text.slice(0, slash);
    if (!/^[0-9a-fA-F:]+$/.test(addrText) || !addrText.includes(":")) return undefined;
    const halves = addrText.split("::");
    if (halves.length > 2) return undefined;
    const head = halves[0] ? halves[0].split(":") : [];
    const tail = halves.length === 2 && halves[1] ? halves[1].split(":") : [];
    const missing = 8 - head.length - tail.length;
    if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
    const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...tail];
    if (groups.some((g) => g.length === 0 || g.length > 4)) return undefined;
    const addr = groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
    return { version: 6, network: clearHostBits(addr, prefix, 128), prefix, text };
}

function clearHostBits(addr: bigint, prefix: number, bits: number): bigint {
    const hostBits = BigInt(bits - prefix);
    return (addr >> hostBits) << hostBits;
}

/** Parses "a.b.c.d/n" or an IPv6 "x::y/n"; undefined when malformed. */
export function parseCidr(text: string): Cidr | undefined {
    return text.includes(":") ? parseV6(text) : parseV4(text);
}

/** True when `inner` lies wholly inside `outer`. */
export function cidrContains(outer: Cidr, inner: Cidr): boolean {
    if (outer.version !== inner.version || inner.prefix < outer.prefix) return false;
    const bits = outer.version === 4 ? 32 : 128;
    return clearHostBits(inner.network, outer.prefix, bits) === outer.network;
}

/** The widest prefix each family may have before a range counts as "open" (default /24 and /64). */
export interface OpennessLimits {
    minIpv4Prefix: number;
    minIpv6Prefix: number;
}

export const DEFAULT_OPENNESS: OpennessLimits = { minIpv4Prefix: 24, minIpv6Prefix: 64 };

/** True when the range is wider than the limit for its family (0.0.0.0/0, ::/0, 0.0.0.0/1, 10.0.0.0/8...). */
export function isWiderThan(cidr: Cidr, limits: OpennessLimits = DEFAULT_OPENNESS): boolean {
    return cidr.prefix < (cidr.version === 4 ? limits.minIpv4Prefix : limits.minIpv6Prefix);
}

/** The index-th IPv4 subnet of the given prefix inside a VPC range (e.g. 10.0.0.0/16, /24, 2 -> 10.0.2.0/24). */
export function subnetCidr(vpc: string, newPrefix: number, index: number): string {
    const parsed = parseCidr(vpc);
    if (!parsed || parsed.version !== 4) throw new Error(`not an IPv4 CIDR: ${vpc}`);
    if (newPrefix < parsed.prefix) throw new Error(`/${newPrefix} is wider than ${vpc}`);
    const count = 1n << BigInt(newPrefix - parsed.prefix);
    if (BigInt(index) >= count) throw new Error(`${vpc} has no room for subnet #${index} of /${newPrefix}`);
    const addr = parsed.network + (BigInt(index) << BigInt(32 - newPrefix));
    const octets = [24n, 16n, 8n, 0n].map((s) => Number((addr >> s) & 255n));
    return `${octets.join(".")}/${newPrefix}`;
}

/**
 * Ranges nobody on the internet can come from: RFC 1918, shared address space (RFC 6598), loopback,
 * link-local, IPv6 unique-local (fc00::/7), link-local and loopback. A source inside one is private.
 */
export const PRIVATE_RANGES: readonly Cidr[] = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "fc00::/7", "fe80::/10", "::1/128"]
    .map((text) => parseCidr(text) as Cidr);

/** True when the whole range lies inside a private range (0.0.0.0/0 contains private ranges but is not one). */
export function isPrivateCidr(cidr: Cidr): boolean {
    return PRIVATE_RANGES.some((p) => cidrContains(p, cidr));
}
