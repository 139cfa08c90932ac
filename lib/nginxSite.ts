// The nginx site as it travels to a host, and what it serves in plain HTTP. The deploy (infra/deploy)
// and the user data (infra/userData.ts) write it; the policy pack reads it back from the same text,
// so both sides share the format here.
import { heredocFiles } from "./shell";

/** Where the site lands on a host (lib.sh names it too). */
export const NGINX_SITE = "/etc/nginx/conf.d/webapp.conf";

/** The prepare step's argument carrying the site, base64 so that no quoting can change it. */
export const SITE_FLAG = "--site-b64";

/** The flag's value for a site. */
export function siteArgument(site: string): string {
    return Buffer.from(site).toString("base64");
}

/** Every site a command line or a user data script hands nginx: a SITE_FLAG argument or a file written to NGINX_SITE. */
export function sitesIn(text: string): string[] {
    const flagged = [...text.matchAll(new RegExp(`${SITE_FLAG} '?([A-Za-z0-9+/]+={0,2})`, "g"))].map((m) => Buffer.from(m[1], "base64").toString("utf8"));
    const written = heredocFiles(text).filter((f) => f.target === NGINX_SITE).map((f) => f.content);
    return [...flagged, ...written];
}

interface Directive {
    name: string;
    args: string[];
    block?: Directive[];
}

type Token = { word: string } | "{" | "}" | ";";

/** nginx's tokens: words (quotes removed), braces and semicolons; `#` starts a comment at a token's start. */
function tokenize(text: string): Token[] {
    const out: Token[] = [];
    let i = 0;
    while (i < text.length) {
        const c = text[i];
        if (/\s/.test(c)) i++;
        else if (c === "#") while (i < text.length && text[i] !== "\n") i++;
        else if (c === "{" || c === "}" || c === ";") out.push(c), i++;
        else {
            let word = "";
            while (i < text.length && !/[\s{};]/.test(text[i])) {
                const q = text[i];
                if (q === "'" || q === '"') {
                    for (i++; i < text.length && text[i] !== q; i++) word += text[i] === "\\" ? text[++i] : text[i];
                    i++;
                } else {
                    word += q === "\\" ? text[++i] : q;
                    i++;
                }
            }
            out.push({ word });
        }
    }
    return out;
}

function parse(text: string): Directive[] {
    const root: Directive[] = [];
    const stack = [root];
    let words: string[] = [];
    for (const t of tokenize(text)) {
        const current = stack[stack.length - 1];
        if (typeof t === "object") words.push(t.word);
        else if (t === ";") {
            if (words.length > 0) current.push({ name: words[0], args: words.slice(1) });
            words = [];
        } else if (t === "{") {
            const d: Directive = { name: words[0] ?? "", args: words.slice(1), block: [] };
            current.push(d);
            stack.push(d.block!);
            words = [];
        } else {
            if (stack.length > 1) stack.pop();
            words = [];
        }
    }
    return root;
}

const REDIRECT_CODES = ["301", "302", "303", "307", "308"];

/** `return 301 https://...` (or `return https://...`, a 302). */
function redirectsToHttps(block: Directive[]): boolean {
    return block.some((d) => d.name === "return" && (REDIRECT_CODES.includes(d.args[0]) ? d.args[1] : d.args[0])?.startsWith("https://"));
}

/** Let's Encrypt's HTTP-01 challenge: files under /.well-known/acme-challenge/, nothing passed on. */
function acmeChallenge(location: Directive): boolean {
    const path = location.args[location.args.length - 1] ?? "";
    return path.startsWith("/.well-known/acme-challenge") && !(location.block ?? []).some((d) => d.name.endsWith("_pass"));
}

/** Everything the server answers is a redirect to HTTPS, but the ACME challenge. */
function redirectsOnly(server: Directive[]): boolean {
    if (redirectsToHttps(server)) return true;
    const locations = server.filter((d) => d.name === "location" && d.block);
    // Without `location /` a request no location matches gets the server's root: files, in plain HTTP.
    const all = locations.find((l) => l.args.length === 1 && l.args[0] === "/");
    return all !== undefined && locations.every((l) => redirectsToHttps(l.block!) || (l !== all && acmeChallenge(l)));
}

/** The TCP port of a `listen` without TLS that the network can reach (not loopback, not a socket); nginx's default is 80. */
function plainPort(args: string[]): number | undefined {
    const [address = "", ...params] = args;
    if (address.startsWith("unix:") || params.includes("ssl") || params.includes("quic")) return undefined;
    const m = /^(?:(\[[^\]]*\]|[^:]*):)?(\d+)$/.exec(address);
    const host = m ? m[1] ?? "*" : address;
    if (/^(127\.|\[::1\]$|localhost$)/.test(host)) return undefined;
    return m ? Number(m[2]) : 80;
}

/**
 * The ports on which the site answers in plain HTTP with more than a redirect to HTTPS (and Let's
 * Encrypt's challenge): its `server` blocks (at the top, as a conf.d file, or in `http`) listening without `ssl`.
 */
export function plainHttpPorts(site: string): number[] {
    const top = parse(site);
    const servers = [...top, ...top.filter((d) => d.name === "http").flatMap((d) => d.block ?? [])].filter((d) => d.name === "server" && d.block);
    const ports = new Set<number>();
    for (const { block } of servers) {
        if (redirectsOnly(block!)) continue;
        const listens = block!.filter((d) => d.name === "listen");
        for (const args of listens.length > 0 ? listens.map((d) => d.args) : [[]]) {
            const port = plainPort(args);
            if (port !== undefined) ports.add(port);
        }
    }
    return [...ports].sort((a, b) => a - b);
}
