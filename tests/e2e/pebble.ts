// Pebble, Let's Encrypt's test ACME server (Debian's `pebble`), on loopback for the e2e: its HTTP-01
// validations resolve names through pebble-challtestsrv's mock DNS (every name is 127.0.0.1) and fetch the
// token on the port the test names (its nginx's port 80). Validation is real: PEBBLE_VA_ALWAYS_VALID is
// never set; only the random sleeps, the nonces pebble rejects on purpose and authorization reuse are
// off, so that every order is validated again and no run depends on luck.
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as dgram from "dgram";
import * as fs from "fs";
import * as https from "https";
import * as net from "net";
import * as path from "path";
import { freePort } from "./nginxInstance";

export interface PebbleArgs {
    /** Where pebble's config, TLS key and logs go (the test's temporary directory). */
    dir: string;
    /** The port pebble's HTTP-01 validation connects to (nginx's port 80 on a host). */
    httpPort: number;
    /** The port a TLS-ALPN-01 validation would connect to (443 on a host; certbot's webroot never asks for one). */
    tlsPort: number;
}

/** A port free on loopback for UDP and TCP both (a DNS server listens on both). */
async function freeDnsPort(): Promise<number> {
    for (;;) {
        const udp = dgram.createSocket("udp4");
        await new Promise<void>((resolve) => udp.bind(0, "127.0.0.1", resolve));
        const port = udp.address().port;
        const tcp = net.createServer();
        const free = await new Promise<boolean>((resolve) => tcp.once("error", () => resolve(false)).listen(port, "127.0.0.1", () => resolve(true)));
        if (free) await new Promise((resolve) => tcp.close(resolve));
        udp.close();
        if (free) return port;
    }
}

async function waitFor(what: string, check: () => Promise<boolean>, log: string): Promise<void> {
    for (let i = 0; i < 100; i++) {
        if (await check()) return;
        await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${what} did not start: ${fs.existsSync(log) ? fs.readFileSync(log, "utf8") : "no log"}`);
}

export class Pebble {
    /** pebble's own TLS certificate (self-signed, for 127.0.0.1): the CA bundle its clients need (REQUESTS_CA_BUNDLE). */
    readonly caFile: string;
    private readonly keyFile: string;
    private readonly daemons: ChildProcess[] = [];
    private acmePort = 0;
    private managementPort = 0;

    constructor(private readonly args: PebbleArgs) {
        this.caFile = path.join(args.dir, "pebble-tls.pem");
        this.keyFile = path.join(args.dir, "pebble-tls.key");
    }

    /** The ACME directory URL (certbot's --server). */
    get directory(): string {
        return `https://127.0.0.1:${this.acmePort}/dir`;
    }

    async start(): Promise<void> {
        execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=pebble", "-addext", "subjectAltName=IP:127.0.0.1",
            "-keyout", this.keyFile, "-out", this.caFile], { stdio: "ignore" });
        const dnsPort = await freeDnsPort();
        const dnsLog = path.join(this.args.dir, "challtestsrv.log");
        // Only the mock DNS: A queries answer 127.0.0.1, AAAA none (nginx listens on IPv4 here).
        this.spawn("pebble-challtestsrv", ["-dns01", `127.0.0.1:${dnsPort}`, "-http01", "", "-https01", "", "-tlsalpn01", "",
            "-management", `127.0.0.1:${await freePort()}`, "-defaultIPv4", "127.0.0.1", "-defaultIPv6", ""], {}, dnsLog);
        await waitFor("pebble-challtestsrv", () => connects(dnsPort), dnsLog);

        this.acmePort = await freePort();
        this.managementPort = await freePort();
        const config = path.join(this.args.dir, "pebble.json");
        fs.writeFileSync(config, JSON.stringify({
            pebble: {
                listenAddress: `127.0.0.1:${this.acmePort}`, managementListenAddress: `127.0.0.1:${this.managementPort}`,
                certificate: this.caFile, privateKey: this.keyFile, httpPort: this.args.httpPort, tlsPort: this.args.tlsPort,
                ocspResponderURL: "", externalAccountBindingRequired: false,
            },
        }));
        const log = path.join(this.args.dir, "pebble.log");
        this.spawn("pebble", ["-config", config, "-dnsserver", `127.0.0.1:${dnsPort}`], { PEBBLE_VA_NOSLEEP: "1", PEBBLE_WFE_NONCEREJECT: "0", PEBBLE_AUTHZREUSE: "0" }, log);
        await waitFor("pebble", () => this.fetch(this.directory).then(() => true, () => false), log);
    }

    /** The root pebble made at start (each run makes its own): the trust anchor of what it issues. */
    root(): Promise<string> {
        return this.fetch(`https://127.0.0.1:${this.managementPort}/roots/0`);
    }

    /** The intermediate that signs pebble's certificates. */
    intermediate(): Promise<string> {
        return this.fetch(`https://127.0.0.1:${this.managementPort}/intermediates/0`);
    }

    async stop(): Promise<void> {
        await Promise.all(this.daemons.map((d) => new Promise((resolve) => {
            if (d.exitCode !== null || d.signalCode !== null) return resolve(null);
            d.once("exit", resolve).kill("SIGTERM");
        })));
    }

    private spawn(cmd: string, args: string[], env: Record<string, string>, log: string): void {
        const fd = fs.openSync(log, "w");
        // Its own environment, nothing inherited: no PEBBLE_VA_ALWAYS_VALID can slip in.
        this.daemons.push(spawn(cmd, args, { env: { PATH: process.env.PATH, ...env }, stdio: ["ignore", fd, fd] }));
        fs.closeSync(fd);
    }

    private fetch(url: string): Promise<string> {
        return new Promise((resolve, reject) => {
            https.get(url, { ca: fs.readFileSync(this.caFile) }, (res) => {
                let body = "";
                res.on("data", (d) => (body += d)).on("end", () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`${url}: HTTP ${res.statusCode}`))));
            }).on("error", reject);
        });
    }
}

function connects(port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const s = net.connect(port, "127.0.0.1", () => {
            s.destroy();
            resolve(true);
        });
        s.once("error", () => resolve(false));
    });
}
