// The generated nginx site under this machine's real nginx, in an instance of its own (own prefix, pid
// and ports: it does not touch the e2e host's nginx): every stage's site as the program carries it passes
// `nginx -t`; a WebSocket upgrade goes through and is echoed; other requests reuse one kept-alive
// connection to the app; behind the load balancer the rate limit is keyed on the client the load
// balancer names, and without one a client cannot choose its own key.
import { strict as assert } from "assert";
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import { AddressInfo, Socket } from "net";
import * as os from "os";
import * as path from "path";
import { ACME_WEBROOT, nginxSiteConfig, TLS_DIR, upstreamConfig, WEBSOCKET_IDLE_SECONDS } from "../../infra/nginx";
import { plainHttpPorts, sitesIn } from "../../lib/nginxSite";
import { PlannedResource } from "../../plan/run";
import { ServiceConfig } from "../../stacks/schema";
import { STAGES } from "../../stacks/stages";
import { planStack } from "../helpers/plan";
import { freePort, get, Nginx } from "./nginxInstance";

const KEY = { sshPrivateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nfake\n-----END OPENSSH PRIVATE KEY-----\n" };
const WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/** The site file the program hands to the hosts: the prepare step's --site-b64 (stages 1-3), the user data's heredoc (stage 4). */
function programSite(resources: PlannedResource[]): string {
    const prepare = resources.find((r) => r.type === "command:remote:Command" && r.name.endsWith("-app-1-prepare"));
    const lt = resources.find((r) => r.type === "aws:ec2/launchTemplate:LaunchTemplate");
    // Read back as the policy pack reads it (lib/nginxSite.ts), so the site it judges is the one tested here.
    const sites = sitesIn(prepare ? String(prepare.props.create) : Buffer.from(String(lt!.props.userData), "base64").toString());
    assert.equal(sites.length, 1);
    return sites[0];
}

/** The app: answers with the headers it was given; echoes WebSocket text frames after a real handshake. */
class App {
    readonly server = http.createServer((req, res) => {
        this.sockets.add(req.socket);
        res.setHeader("Content-Type", "application/json");
        res.end(JSON.stringify({ realIp: req.headers["x-real-ip"], connection: req.headers.connection ?? null, upgrade: req.headers.upgrade ?? null, proto: req.headers["x-forwarded-proto"] }));
    });
    readonly sockets = new Set<Socket>();

    constructor() {
        this.server.on("upgrade", (req, socket: Socket) => {
            const accept = crypto.createHash("sha1").update(`${req.headers["sec-websocket-key"]}${WS_GUID}`).digest("base64");
            socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
            socket.on("data", (frame: Buffer) => {
                // One short masked text frame from the client: unmask it and send it back unmasked.
                const length = frame[1] & 0x7f;
                const mask = frame.subarray(2, 6);
                const text = Buffer.from(frame.subarray(6, 6 + length).map((b, i) => b ^ mask[i % 4]));
                socket.write(Buffer.concat([Buffer.from([0x81, text.length]), text]));
            });
        });
    }

    async start(port = 0): Promise<number> {
        await new Promise<void>((resolve, reject) => this.server.once("error", reject).listen(port, "127.0.0.1", resolve));
        return (this.server.address() as AddressInfo).port;
    }
}

/** A WebSocket handshake and one masked text frame; resolves with the 101's accept header and the echo. */
function websocket(port: number, p: string, text: string): Promise<{ accepted: boolean; echo: string }> {
    const key = crypto.randomBytes(16).toString("base64");
    return new Promise((resolve, reject) => {
        const req = http.request({ host: "127.0.0.1", port, path: p, headers: { Connection: "Upgrade", Upgrade: "websocket", "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": key } });
        req.on("upgrade", (res, socket) => {
            const accepted = res.headers["sec-websocket-accept"] === crypto.createHash("sha1").update(`${key}${WS_GUID}`).digest("base64");
            const mask = crypto.randomBytes(4);
            const payload = Buffer.from(Buffer.from(text).map((b, i) => b ^ mask[i % 4]));
            socket.write(Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, payload]));
            socket.once("data", (frame: Buffer) => {
                socket.destroy();
                resolve({ accepted, echo: frame.subarray(2, 2 + (frame[1] & 0x7f)).toString() });
            });
        });
        req.on("response", (res) => reject(new Error(`no upgrade: HTTP ${res.statusCode}`)));
        req.on("error", reject);
        req.end();
    });
}

describe("e2e: the generated nginx site under the real nginx (own instance)", function () {
    this.timeout(120_000);
    const app = new App();
    let appPort = 0;
    before(async () => (appPort = await app.start()));
    after(() => app.server.close());

    it("every stage's site, as the program hands it to the hosts, passes nginx -t", async () => {
        for (const stage of STAGES) {
            const run = await planStack({ stage, services: JSON.stringify([{ name: "backend", image: "ghcr.io/acme/api", port: 8080, healthPath: "/health", routes: ["/api", "/health"], rateLimitPaths: ["/api/ai"], websocketPaths: ["/api/chat"] }, { name: "frontend", image: "ghcr.io/acme/web", port: 3000, healthPath: "/", routes: ["/"] }]) }, "dev", KEY);
            const site = programSite(run.resources);
            assert.match(site, new RegExp(`location /api/chat \\{[^}]*proxy_read_timeout ${WEBSOCKET_IDLE_SECONDS}s;`), stage);
            const behindLb = stage === "alb" || stage === "autoscaling";
            assert.equal(site.includes("set_real_ip_from 10.0.0.0/16;"), behindLb, `${stage}: only the load balancer's addresses are trusted`);
            const nginx = new Nginx();
            try {
                const t = nginx.configure(site, [upstreamConfig({ name: "backend", port: 8080 }, "blue"), upstreamConfig({ name: "frontend", port: 3000 }, "blue")]);
                assert.ok(t.ok, `${stage}: ${t.out}`);
            } finally {
                nginx.stop();
            }
        }
    });

    describe("alone (stages 1-2): WebSocket, keep-alive, a rate limit no header can dodge", () => {
        const nginx = new Nginx();
        let port = 0;
        let site = "";
        const service: ServiceConfig = { name: "api", image: "x", port: 8080, healthPath: "/health", routes: ["/"], rateLimitPaths: ["/ai"], websocketPaths: ["/chat"] };
        before(async () => {
            port = await freePort();
            site = nginxSiteConfig({ services: [service], behindLoadBalancer: false, rateLimitPerMinute: 1, upstreamDir: "/etc/nginx/webapp", httpPort: port, trustedProxies: [] });
            const t = nginx.configure(site, [`upstream webapp_api {\n    server 127.0.0.1:${appPort};\n    keepalive 16;\n}\n`]);
            assert.ok(t.ok, t.out);
            await nginx.start(port);
        });
        after(() => nginx.stop());

        it("a WebSocket upgrade passes (101, the accept key) and a frame comes back", async () => {
            const r = await websocket(port, "/chat", "hello through nginx");
            assert.deepEqual(r, { accepted: true, echo: "hello through nginx" });
        });

        it("other requests reach the app without Connection or Upgrade, over one kept-alive connection", async () => {
            app.sockets.clear();
            const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
            for (let i = 0; i < 5; i++) {
                const r = await get(port, "/page", {}, agent);
                assert.deepEqual(JSON.parse(r.body), { realIp: "127.0.0.1", connection: null, upgrade: null, proto: "http" });
            }
            agent.destroy();
            assert.equal(app.sockets.size, 1, "nginx reused its connection to the app");
            // The policy pack's judgement of this site (https-listener) names the port that served the app in plain HTTP.
            assert.deepEqual(plainHttpPorts(site), [port]);
        });

        it("X-Forwarded-For from a client is not believed: a forged header neither changes X-Real-IP nor escapes the limit", async () => {
            const codes: number[] = [];
            for (let i = 0; i < 8; i++) codes.push((await get(port, "/ai", { "X-Forwarded-For": `198.51.100.${i}` })).status);
            // burst=5 nodelay at 1 request a minute: 6 pass, the rest wait a minute.
            assert.deepEqual(codes, [200, 200, 200, 200, 200, 200, 429, 429]);
            assert.equal(JSON.parse((await get(port, "/page", { "X-Forwarded-For": "198.51.100.9" })).body).realIp, "127.0.0.1");
        });
    });

    describe("HTTPS alone (stages 1-2): 443 with the certificate tls-cert.sh puts in place, 80 redirects and answers Let's Encrypt", () => {
        const nginx = new Nginx();
        const hadTls = fs.existsSync(TLS_DIR);
        let port = 0;
        let tlsPort = 0;
        let site = "";
        before(async () => {
            port = await freePort();
            tlsPort = await freePort();
            // The script's own placeholder: what serves until Let's Encrypt's certificate arrives (a test certificate here).
            execFileSync("bash", [path.resolve(__dirname, "../../infra/deploy/scripts/tls-cert.sh"), "--domain", "app.test", "--email", "ops@example.com", "--placeholder-only"]);
            fs.mkdirSync(path.join(ACME_WEBROOT, ".well-known/acme-challenge"), { recursive: true });
            fs.writeFileSync(path.join(ACME_WEBROOT, ".well-known/acme-challenge/t0ken"), "t0ken.thumbprint");
            const service: ServiceConfig = { name: "api", image: "x", port: 8080, healthPath: "/health", routes: ["/"], rateLimitPaths: [], websocketPaths: [] };
            site = nginxSiteConfig({ services: [service], behindLoadBalancer: false, rateLimitPerMinute: 60, upstreamDir: "/etc/nginx/webapp", httpPort: port, trustedProxies: [], tls: { domain: "app.test" } });
            const t = nginx.configure(site, [`upstream webapp_api {\n    server 127.0.0.1:${appPort};\n    keepalive 16;\n}\n`], tlsPort);
            assert.ok(t.ok, t.out);
            await nginx.start(port);
        });
        after(() => {
            nginx.stop();
            fs.rmSync(path.join(ACME_WEBROOT, ".well-known/acme-challenge/t0ken"), { force: true });
            if (!hadTls) fs.rmSync(TLS_DIR, { recursive: true, force: true });
        });

        it("the program's stage 1 site with a domain, as the prepare step carries it, passes nginx -t", async () => {
            const run = await planStack({ domain: "app.example.com", acmeEmail: "ops@example.com", hostedZoneId: "Z0123456789EXAMPLE0" }, "dev", KEY);
            const site = programSite(run.resources);
            assert.match(site, /listen 443 ssl default_server;[^}]*server_name app\.example\.com;/);
            const other = new Nginx();
            try {
                const t = other.configure(site, [upstreamConfig({ name: "backend", port: 8080 }, "blue"), upstreamConfig({ name: "frontend", port: 3000 }, "blue")], tlsPort);
                assert.ok(t.ok, t.out);
            } finally {
                other.stop();
            }
        });

        it("port 80 sends every request to https, keeping the path", async () => {
            const r = await new Promise<http.IncomingMessage>((resolve, reject) => http.get({ host: "127.0.0.1", port, path: "/wiki/page?x=1", headers: { Host: "app.test" } }, resolve).on("error", reject));
            r.resume();
            assert.deepEqual([r.statusCode, r.headers.location], [301, "https://app.test/wiki/page?x=1"]);
            // And the policy pack (https-listener) finds no port of this site serving more than that in plain HTTP.
            assert.deepEqual(plainHttpPorts(site), []);
        });

        it("port 80 answers Let's Encrypt's HTTP-01 challenge from the webroot", async () => {
            assert.deepEqual(await get(port, "/.well-known/acme-challenge/t0ken", { Host: "app.test" }), { status: 200, body: "t0ken.thumbprint" });
        });

        it("443 serves the app with the certificate for the name, HSTS, and X-Forwarded-Proto https", async () => {
            const r = await new Promise<{ res: http.IncomingMessage; body: string; cn: unknown }>((resolve, reject) => {
                https.get({ host: "127.0.0.1", port: tlsPort, path: "/page", servername: "app.test", headers: { Host: "app.test" }, rejectUnauthorized: false }, (res) => {
                    let body = "";
                    const cn = (res.socket as import("tls").TLSSocket).getPeerCertificate().subject?.CN;
                    res.on("data", (d) => (body += d)).on("end", () => resolve({ res, body, cn }));
                }).on("error", reject);
            });
            assert.equal(r.res.statusCode, 200);
            assert.equal(r.cn, "app.test");
            assert.equal(r.res.headers["strict-transport-security"], "max-age=31536000");
            assert.equal(JSON.parse(r.body).proto, "https");
        });
    });

    describe("through the release switch (stages 1-3: nginx, then haproxy as release.sh configures it, then the app)", () => {
        const nginx = new Nginx();
        const switchDir = fs.mkdtempSync(path.join(os.tmpdir(), "webapp-switch-"));
        fs.chmodSync(switchDir, 0o755); // as /run/webapp-switch: nginx's workers reach the sockets in it
        const slotApp = new App();
        let haproxy: ChildProcess | undefined;
        let port = 0;
        before(async () => {
            port = await freePort();
            // A service port whose blue slot (port + 10000, lib.sh slot_port) is free for the app.
            let servicePort = 0;
            for (let p = 21000 + Math.floor(Math.random() * 1000); !servicePort; p++) {
                servicePort = await slotApp.start(p + 10000).then(() => p, () => 0);
            }
            const lib = path.resolve(__dirname, "../../infra/deploy/scripts/lib.sh");
            const config = execFileSync("bash", ["-c", `source "$1"; SWITCH_RUN="$2"; add_service "name=api,image=x,port=$3,health=/health"; switch_config blue`, "_", lib, switchDir, String(servicePort)], { encoding: "utf8" });
            assert.match(config, /timeout tunnel 3600s/);
            fs.writeFileSync(path.join(switchDir, "haproxy.cfg"), config);
            execFileSync("haproxy", ["-c", "-q", "-f", path.join(switchDir, "haproxy.cfg")]);
            haproxy = spawn("haproxy", ["-db", "-f", path.join(switchDir, "haproxy.cfg")], { stdio: "ignore" });
            const service: ServiceConfig = { name: "api", image: "x", port: servicePort, healthPath: "/health", routes: ["/"], rateLimitPaths: [], websocketPaths: ["/chat"] };
            const site = nginxSiteConfig({ services: [service], behindLoadBalancer: false, rateLimitPerMinute: 60, upstreamDir: "/etc/nginx/webapp", httpPort: port, trustedProxies: [] });
            // The upstream as lib.sh's write_upstream writes it: the switch's socket.
            const t = nginx.configure(site, [`upstream webapp_api {\n    server unix:${switchDir}/api.sock;\n    keepalive 16;\n}\n`]);
            assert.ok(t.ok, t.out);
            for (let i = 0; i < 50 && !fs.existsSync(path.join(switchDir, "api.sock")); i++) await new Promise((r) => setTimeout(r, 100));
            await nginx.start(port);
        });
        after(() => {
            nginx.stop();
            haproxy?.kill("SIGTERM");
            slotApp.server.close();
            fs.rmSync(switchDir, { recursive: true, force: true });
        });

        it("a WebSocket upgrade passes nginx and the switch, and a frame comes back", async () => {
            assert.deepEqual(await websocket(port, "/chat", "through the switch"), { accepted: true, echo: "through the switch" });
        });
    });

    describe("behind the load balancer (stages 3-4): the client the load balancer names", () => {
        const nginx = new Nginx();
        let port = 0;
        before(async () => {
            port = await freePort();
            // The load balancer is this machine here: loopback plays the VPC's CIDR.
            const service: ServiceConfig = { name: "api", image: "x", port, healthPath: "/health", routes: ["/"], rateLimitPaths: ["/ai"], websocketPaths: [] };
            const site = nginxSiteConfig({ services: [service], behindLoadBalancer: true, rateLimitPerMinute: 1, upstreamDir: "/etc/nginx/webapp", httpPort: 80, trustedProxies: ["127.0.0.0/8"] });
            const t = nginx.configure(site, [`upstream webapp_api {\n    server 127.0.0.1:${appPort};\n    keepalive 16;\n}\n`]);
            assert.ok(t.ok, t.out);
            await nginx.start(port);
        });
        after(() => nginx.stop());

        it("the app's X-Real-IP is the client from X-Forwarded-For (the last address the trusted proxies did not add)", async () => {
            const r = await get(port, "/page", { "X-Forwarded-For": "203.0.113.7" });
            assert.equal(JSON.parse(r.body).realIp, "203.0.113.7");
            const spoofed = await get(port, "/page", { "X-Forwarded-For": "198.51.100.1, 203.0.113.7" });
            assert.equal(JSON.parse(spoofed.body).realIp, "203.0.113.7", "what the client wrote before the load balancer's entry does not count");
        });

        it("each client has its own limit: one abuser does not throttle the others", async () => {
            const a: number[] = [];
            for (let i = 0; i < 7; i++) a.push((await get(port, "/ai", { "X-Forwarded-For": "203.0.113.7" })).status);
            assert.deepEqual(a, [200, 200, 200, 200, 200, 200, 429]);
            assert.equal((await get(port, "/ai", { "X-Forwarded-For": "203.0.113.8" })).status, 200);
        });

        it("WebSocket upgrades pass here too (the ALB forwards them as they come)", async () => {
            assert.deepEqual(await websocket(port, "/chat", "via the load balancer"), { accepted: true, echo: "via the load balancer" });
        });
    });
});
