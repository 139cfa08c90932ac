// lib/nginxSite.ts: the site read back from what the program sends (the builders' own output), and
// the ports where a site serves plain HTTP, for the sites the program builds and hand-written ones.
import { strict as assert } from "assert";
import { prepareCommand, ssmPrepareHostCommand, ssmRunCommand } from "../../infra/deploy/commands";
import { nginxSiteConfig, NginxSiteArgs } from "../../infra/nginx";
import { releaseUserData } from "../../infra/userData";
import { plainHttpPorts, sitesIn } from "../../lib/nginxSite";
import { DEFAULT_SERVICES } from "../../stacks/schema";

const ALONE: NginxSiteArgs = { services: DEFAULT_SERVICES, behindLoadBalancer: false, rateLimitPerMinute: 30, upstreamDir: "/etc/nginx/webapp", httpPort: 80, trustedProxies: [] };
const prepare = (site: string) => prepareCommand({ user: "ec2-user", site, services: DEFAULT_SERVICES, container: { cli: "docker", runArgs: [], pullArgs: [] }, db: { runtime: "none", image: "", port: 5432, dataDir: "" }, region: "ap-northeast-2" });

describe("the nginx site as the program sends it (lib/nginxSite.ts)", () => {
    const site = nginxSiteConfig({ ...ALONE, tls: { domain: "app.example.com" } });

    it("reads the site back from the prepare step, over SSH and inside SSM's JSON parameters", () => {
        assert.deepEqual(sitesIn(prepare(site)), [site]);
        const ssm = ssmRunCommand({ region: "ap-northeast-2", instanceId: "i-1", comment: "c", timeoutSeconds: 60, hostCommand: ssmPrepareHostCommand({ region: "ap-northeast-2", bucket: "b", hash: "h", envParameter: "p", prepare: prepare(site) }) });
        assert.deepEqual(sitesIn(ssm), [site]);
    });

    it("reads the site back from stage 4's user data, not the upstream files written beside it", () => {
        const userData = releaseUserData({ region: "ap-northeast-2", version: "v1", services: DEFAULT_SERVICES, rateLimitPerMinute: 30, vpcCidr: "10.0.0.0/16", registry: { server: "ghcr.io" }, appEnv: { parameter: "p", revision: "r" } });
        assert.deepEqual(sitesIn(userData), [nginxSiteConfig({ ...ALONE, behindLoadBalancer: true, trustedProxies: ["10.0.0.0/16"] })]);
        assert.deepEqual(sitesIn("#!/bin/bash\nsystemctl enable --now nginx\n"), []);
    });

    it("the program's sites: port 80 serves the app alone, only redirects with a domain, and behind a load balancer each service's port serves", () => {
        assert.deepEqual(plainHttpPorts(nginxSiteConfig(ALONE)), [80]);
        assert.deepEqual(plainHttpPorts(nginxSiteConfig({ ...ALONE, httpPort: 8081 })), [8081]);
        assert.deepEqual(plainHttpPorts(site), []);
        assert.deepEqual(plainHttpPorts(nginxSiteConfig({ ...ALONE, behindLoadBalancer: true, trustedProxies: ["10.0.0.0/16"] })), [3000, 8080]);
    });

    const cases: [string, string, number[]][] = [
        ["a server-level redirect to HTTPS", "server { listen 80; return 301 https://$host$request_uri; }", []],
        ["a redirect that keeps HTTP", "server { listen 80; return 301 http://example.com$request_uri; }", [80]],
        ["a redirect to HTTPS with a code nginx defaults (302)", "server { listen 80; location / { return https://example.com; } }", []],
        ["the ACME challenge beside the redirect", "server { listen 80; location /.well-known/acme-challenge/ { root /a; } location / { return 308 https://$host; } }", []],
        ["the ACME challenge and no location /: other paths get the root's files", "server { listen 80; location /.well-known/acme-challenge/ { root /a; } }", [80]],
        ["a challenge path that proxies to the app", "server { listen 80; location /.well-known/acme-challenge/ { proxy_pass http://app; } location / { return 301 https://$host; } }", [80]],
        ["TLS only", "server { listen 443 ssl; listen [::]:443 ssl; location / { proxy_pass http://app; } }", []],
        ["IPv6 and an address", "server { listen [::]:80; listen 0.0.0.0:8080 default_server; location / { proxy_pass http://app; } }", [80, 8080]],
        ["loopback and a socket only", "server { listen 127.0.0.1:8080; listen [::1]:8081; listen unix:/run/x.sock; location / { proxy_pass http://app; } }", []],
        ["no listen at all: nginx's *:80", "server { root /srv; }", [80]],
        ["inside http, with a comment and a quoted brace", "http { log_format j '{\"a\":1} # not a comment'; # a comment { \n server { listen 81; } }", [81]],
    ];
    for (const [what, text, ports] of cases) {
        it(`hand-written: ${what} -> [${ports.join(", ")}]`, () => assert.deepEqual(plainHttpPorts(text), ports));
    }
});
