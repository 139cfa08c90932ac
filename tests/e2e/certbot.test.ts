// certbot against a real ACME server on this machine: tls-cert.sh, as the host runs it, gets the
// domain's certificate from pebble (Let's Encrypt's test server) by HTTP-01, the token fetched by pebble
// through the generated site's port 80 on an nginx of the test's own (not the host's), then links it
// where the site reads it and reloads that nginx, which serves it on 443. A second run keeps it; once
// due, the next run (the timer's) renews it and certbot's deploy hook reloads nginx. Only the ACME
// directory (--acme-server), certbot's directories (--certbot-dir) and the nginx instance (lib.sh's
// WEBAPP_NGINX) differ from a host. Not run here: Let's Encrypt itself, real DNS, the timer firing.
import { strict as assert } from "assert";
import { execFileSync, spawnSync } from "child_process";
import { X509Certificate } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as tls from "tls";
import { ACME_WEBROOT, nginxSiteConfig, TLS_DIR } from "../../infra/nginx";
import { ServiceConfig } from "../../stacks/schema";
import { freePort, Nginx } from "./nginxInstance";
import { Pebble } from "./pebble";

const SCRIPT = path.resolve(__dirname, "../../infra/deploy/scripts/tls-cert.sh");
const DOMAIN = "app.test";
const NEEDED: [string, string][] = [["certbot", "/usr/bin/certbot"], ["pebble", "/usr/bin/pebble"], ["pebble", "/usr/bin/pebble-challtestsrv"]];

/** Sets a host directory aside for the test's own; the function returned puts back what was there and removes what the test made. */
function borrow(dir: string): () => void {
    let top = dir;
    while (!fs.existsSync(path.dirname(top))) top = path.dirname(top);
    const saved = `${dir}.before-certbot-test`;
    const had = fs.existsSync(dir);
    if (had) fs.renameSync(dir, saved);
    return () => {
        fs.rmSync(had ? dir : top, { recursive: true, force: true });
        if (had) fs.renameSync(saved, dir);
    };
}

/** The certificate nginx serves for the domain on this port; the handshake must verify against `ca` for the name. */
function served(port: number, ca: string): Promise<X509Certificate> {
    return new Promise((resolve, reject) => {
        const s = tls.connect({ host: "127.0.0.1", port, servername: DOMAIN, ca, rejectUnauthorized: true }, () => {
            const cert = s.getPeerX509Certificate()!;
            s.end();
            resolve(cert);
        });
        s.once("error", reject);
    });
}

describe("e2e: tls-cert.sh and certbot against pebble, a real ACME server on loopback", function () {
    this.timeout(120_000);
    const restore: (() => void)[] = [];
    let nginx: Nginx | undefined;
    let pebble: Pebble | undefined;
    let work = "";
    let certbotDir = "";
    let live = "";
    let archive = "";
    let tlsPort = 0;
    let root = "";
    let accessLog = "";
    let accessLogStart = 0;

    function tlsCert(): { status: number | null; out: string } {
        const r = spawnSync("bash", [SCRIPT, "--domain", DOMAIN, "--email", "ops@example.com", "--acme-server", pebble!.directory, "--certbot-dir", certbotDir], {
            env: { ...process.env, ...nginx!.libEnv, REQUESTS_CA_BUNDLE: pebble!.caFile }, encoding: "utf8",
        });
        return { status: r.status, out: r.stderr + r.stdout };
    }

    /** The HTTP-01 fetches of pebble's validation that nginx's port 80 answered 200 since the test began. */
    function validations(): number {
        return fs.readFileSync(accessLog).subarray(accessLogStart).toString().split("\n").filter(Boolean).map((l) => JSON.parse(l) as { path: string; status: number; agent: string })
            .filter((r) => r.agent.includes("Pebble-VA") && r.path.startsWith("/.well-known/acme-challenge/") && r.status === 200).length;
    }

    /** The fingerprint of what nginx serves once it serves this certificate, or after 5 s (a reload takes effect when new workers are up). */
    async function servedOnceReloaded(cert: X509Certificate): Promise<string | undefined> {
        let last: string | undefined;
        for (let i = 0; i < 50 && last !== cert.fingerprint256; i++) {
            if (i > 0) await new Promise((r) => setTimeout(r, 100));
            last = (await served(tlsPort, root).catch(() => undefined))?.fingerprint256;
        }
        return last;
    }

    function workers(): string {
        return execFileSync("pgrep", ["-P", fs.readFileSync(`${nginx!.dir}/nginx.pid`, "utf8").trim()], { encoding: "utf8" });
    }

    before(async function () {
        const missing = NEEDED.filter(([, file]) => !fs.existsSync(file)).map(([pkg]) => pkg);
        if (missing.length > 0) {
            const packages = [...new Set(missing)].join(" ");
            const reason = `the Debian packages ${packages} are missing: apt-get install -y ${packages} (as root; .ci/apt-packages lists them)`;
            if (process.getuid?.() !== 0) {
                console.log(`      skipped: ${reason}`);
                this.skip();
            }
            throw new Error(reason);
        }
        work = fs.mkdtempSync(path.join(os.tmpdir(), "webapp-certbot-"));
        certbotDir = path.join(work, "certbot");
        live = path.join(certbotDir, "config/live", DOMAIN);
        archive = path.join(certbotDir, "config/archive", DOMAIN);
        restore.push(borrow(TLS_DIR), borrow(ACME_WEBROOT));
        const port = await freePort();
        tlsPort = await freePort();
        pebble = new Pebble({ dir: work, httpPort: port, tlsPort });
        await pebble.start();
        root = await pebble.root();

        // As prepare-host.sh: the placeholder first, so that nginx starts with the site; then the certificate.
        execFileSync("bash", [SCRIPT, "--domain", DOMAIN, "--email", "ops@example.com", "--placeholder-only"]);
        const service: ServiceConfig = { name: "api", image: "x", port: 8080, healthPath: "/health", routes: ["/"], rateLimitPaths: [], websocketPaths: [] };
        const site = nginxSiteConfig({ services: [service], behindLoadBalancer: false, rateLimitPerMinute: 60, upstreamDir: "/etc/nginx/webapp", httpPort: port, trustedProxies: [], tls: { domain: DOMAIN } });
        accessLog = new RegExp(`listen ${port} default_server;\\n\\s+access_log (\\S+) `).exec(site)![1];
        accessLogStart = fs.existsSync(accessLog) ? fs.statSync(accessLog).size : 0;
        nginx = new Nginx();
        const t = nginx.configure(site, ["upstream webapp_api {\n    server 127.0.0.1:8080;\n}\n"], tlsPort);
        assert.ok(t.ok, t.out);
        await nginx.start(port);
    });

    after(async () => {
        nginx?.stop();
        await pebble?.stop();
        restore.reverse().forEach((r) => r());
        if (work) fs.rmSync(work, { recursive: true, force: true });
    });

    it("1. the first run obtains pebble's certificate for the domain, the token fetched through nginx's port 80", async () => {
        const r = tlsCert();
        assert.equal(r.status, 0, r.out);
        const leaf = new X509Certificate(fs.readFileSync(path.join(live, "cert.pem")));
        const intermediate = new X509Certificate(await pebble!.intermediate());
        assert.equal(leaf.subjectAltName, `DNS:${DOMAIN}`);
        assert.ok(leaf.checkIssued(intermediate) && leaf.verify(intermediate.publicKey), `${leaf.issuer} is pebble's intermediate ${intermediate.subject}`);
        assert.ok(validations() >= 1, "pebble fetched the token from nginx");
        assert.match(r.out, new RegExp(`nginx serves Let's Encrypt's certificate of ${DOMAIN}`));
    });

    it("2. TLS_DIR links to certbot's live certificate; the reloaded nginx serves it on 443, a chain to pebble's root for the name", async () => {
        assert.equal(fs.readlinkSync(path.join(TLS_DIR, "fullchain.pem")), path.join(live, "fullchain.pem"));
        assert.equal(fs.readlinkSync(path.join(TLS_DIR, "privkey.pem")), path.join(live, "privkey.pem"));
        const leaf = new X509Certificate(fs.readFileSync(path.join(live, "cert.pem")));
        assert.equal(await servedOnceReloaded(leaf), leaf.fingerprint256, "nginx serves certbot's certificate");
    });

    it("3. a second run keeps the certificate (not yet due) and does not reload nginx", () => {
        const before = workers();
        const r = tlsCert();
        assert.equal(r.status, 0, r.out);
        assert.match(r.out, /Certificate not yet due for renewal/);
        assert.deepEqual(fs.readdirSync(archive).sort(), ["cert1.pem", "chain1.pem", "fullchain1.pem", "privkey1.pem"]);
        assert.equal(workers(), before, "nginx was not reloaded");
    });

    it("4. once due, the next run (the timer's) renews: HTTP-01 again through nginx, certbot's deploy hook reloads nginx, which serves the new certificate", async () => {
        const first = new X509Certificate(fs.readFileSync(path.join(live, "cert.pem")));
        const fetched = validations();
        // Due: certbot renews within renew_before_expiry of the end (30 days by default); pebble's certificates last 5 years.
        const renewal = path.join(certbotDir, "config/renewal", `${DOMAIN}.conf`);
        fs.writeFileSync(renewal, `renew_before_expiry = 3650 days\n${fs.readFileSync(renewal, "utf8")}`);
        const r = tlsCert();
        assert.equal(r.status, 0, r.out);
        assert.match(r.out, /Renewing an existing certificate/);
        assert.doesNotMatch(r.out, /nginx serves/, "the links stay; the deploy hook alone reloads nginx");
        const renewed = new X509Certificate(fs.readFileSync(path.join(live, "cert.pem")));
        assert.notEqual(renewed.serialNumber, first.serialNumber);
        assert.ok(fs.existsSync(path.join(archive, "cert2.pem")));
        assert.ok(validations() > fetched, "pebble validated again through nginx");
        assert.equal(await servedOnceReloaded(renewed), renewed.fingerprint256, "nginx serves the renewed certificate");
    });
});
