import { strict as assert } from "assert";
import { makePlan } from "../../plan/plan";
import { table } from "./harness";

const ALB = `const alb = new aws.lb.LoadBalancer("alb", { loadBalancerType: "application", subnets: ["subnet-1", "subnet-2"] });\n`;
const listener = (name: string, args: string, module = "lb") => `new aws.${module}.Listener("${name}", { loadBalancerArn: alb.arn, ${args} });\n`;
const FORWARD = `defaultActions: [{ type: "forward", targetGroupArn: "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/t/1" }]`;
const CERT = `certificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666"`;
const ADVICE = `Add an HTTPS listener with a certificate and make this one redirect to HTTPS (defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }]).`;
const msg = (name: string, port: number) => `Listener ${name} serves plain HTTP on port ${port}. ${ADVICE}`;

// nginx on a host: the site the program hands it (a command's --site-b64, a file its user data writes)
// and who reaches the host's ports through its security groups.
const SITE_ADVICE = "Set domain and acmeEmail (pulumi config set domain app.example.com; pulumi config set acmeEmail ops@example.com): nginx then serves HTTPS on 443 with a Let's Encrypt certificate and port 80 only redirects to it.";
const DEPLOY_ADVICE = "Turn the deploy on and set domain and acmeEmail (pulumi config set deploy true; pulumi config set domain app.example.com; pulumi config set acmeEmail ops@example.com), so that nginx serves HTTPS on 443 and port 80 only redirects to it; or close port 80.";
const siteMsg = (sender: string, host: string, ports: string, reach?: string) => `The nginx site that ${sender} hands ${host} serves plain HTTP on ${ports} instead of only redirecting to HTTPS${reach ? `, and its ${reach} there` : ""}. ${SITE_ADVICE}`;
const noSiteMsg = (host: string, reach: string) => `${host} takes port 80 from the internet (its ${reach}), but this program hands its web server no site (no deploy step sends one, its user data writes none), so nothing there redirects to HTTPS: port 80 serves plain HTTP. ${DEPLOY_ADVICE}`;

const plainSite = (port = 80) => `server {\n    listen ${port} default_server;\n    location / {\n        proxy_pass http://webapp_backend;\n    }\n}\n`;
const TLS_SITE = "server {\n    listen 80 default_server;\n    location /.well-known/acme-challenge/ {\n        root /var/lib/webapp/acme;\n    }\n    location / {\n        return 301 https://$host$request_uri;\n    }\n}\n"
    + "server {\n    listen 443 ssl default_server;\n    location / {\n        proxy_pass http://webapp_backend;\n    }\n}\n";
const b64 = (text: string) => Buffer.from(text).toString("base64");
/** A quoted JS string literal of a text, for the generated programs. */
const lit = (text: string) => JSON.stringify(text);
const heredoc = (site: string) => `#!/bin/bash\ndnf install -y nginx\nmkdir -p /etc/nginx/conf.d\ncat > /etc/nginx/conf.d/webapp.conf <<'WEBAPP_EOF'\n${site}WEBAPP_EOF\nsystemctl enable --now nginx\n`;

const group = `const sg = new aws.ec2.SecurityGroup("web", { vpcId: "vpc-1" });\n`;
const open = (port: number, source = `cidrIpv4: "0.0.0.0/0"`) => `new aws.vpc.SecurityGroupIngressRule("in-${port}", { securityGroupId: sg.id, ipProtocol: "tcp", fromPort: ${port}, toPort: ${port}, ${source} });\n`;
const instance = (userData?: string) => `const host = new aws.ec2.Instance("host", { ami: "ami-1", instanceType: "t3.micro", vpcSecurityGroupIds: [sg.id]${userData ? `, userData: ${lit(userData)}` : ""} });\n`;
/** The deploy's prepare step over SSH: the site in its command line, the host in its connection and triggers. */
const remote = (site: string, name = "prepare") => `new command.remote.Command("${name}", { connection: { host: host.publicIp }, create: ${lit(`bash prepare-host.sh --site-b64 ${b64(site)} --env-stdin`)}, triggers: [host.id] });\n`;
/** Over SSM: the same host command inside AWS-RunShellScript's JSON parameters, sent from where `pulumi up` runs. */
const ssm = (site: string) => `new command.local.Command("prepare", { create: ${lit(`bash ssm-run.sh --parameters '${JSON.stringify({ commands: [`bash -c 'set -euo pipefail; bash prepare-host.sh --site-b64 ${b64(site)} --env-stdin'`] })}'`)}, triggers: [host.id] });\n`;
const WORLD = "security group web admits 0.0.0.0/0";

describe("policy https-listener", () => {
    table("https-listener", [
        { what: "an HTTP listener forwarding to a target group", program: ALB + listener("web", `port: 80, protocol: "HTTP", ${FORWARD}`), expect: [msg("web", 80)] },
        { what: "an aws.alb.Listener (the alias module) on 8080 forwarding", program: ALB + listener("alt", `port: 8080, protocol: "HTTP", ${FORWARD}`, "alb"), expect: [msg("alt", 8080)] },
        { what: "an HTTP listener with a fixed response", program: ALB + listener("web", `port: 80, protocol: "HTTP", defaultActions: [{ type: "fixed-response", fixedResponse: { contentType: "text/plain", statusCode: "404" } }]`), expect: [msg("web", 80)] },
        // ELB API, RedirectActionConfig.Protocol: "You can specify HTTP, HTTPS, or #{protocol}"; the default #{protocol} keeps HTTP.
        { what: "near miss: a redirect that keeps the protocol (only the port changes)", program: ALB + listener("web", `port: 80, protocol: "HTTP", defaultActions: [{ type: "redirect", redirect: { port: "8080", statusCode: "HTTP_301" } }]`), expect: [msg("web", 80)] },
        { what: "near miss: a redirect to HTTP", program: ALB + listener("web", `port: 80, protocol: "HTTP", defaultActions: [{ type: "redirect", redirect: { protocol: "HTTP", port: "8080", statusCode: "HTTP_302" } }]`), expect: [msg("web", 80)] },

        { what: "an HTTPS listener with a certificate", program: ALB + listener("tls", `port: 443, protocol: "HTTPS", ${CERT}, ${FORWARD}`), expect: [] },
        { what: "HTTP 80 redirecting to HTTPS 443", program: ALB + listener("web", `port: 80, protocol: "HTTP", defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }]`), expect: [] },
        { what: "near miss: a network load balancer's TCP listener (not a web listener)", program: ALB + listener("tcp", `port: 5432, protocol: "TCP", ${FORWARD}`), expect: [] },

        // nginx on a host (stages 1-2): what the program hands it, where the internet reaches it.
        { what: "a prepare step over SSH hands a host open to the world a site serving the app on 80", program: group + open(80) + open(443) + instance() + remote(plainSite()), expect: [siteMsg("remote command prepare", "instance host", "port 80", WORLD)] },
        { what: "the same over SSM: the site inside the JSON parameters of a local command", program: group + open(80) + open(80, `cidrIpv6: "::/0"`).replace("in-80", "in-80-v6") + instance() + ssm(plainSite()), expect: [siteMsg("local command prepare", "instance host", "port 80", "security group web admits 0.0.0.0/0 and ::/0")] },
        { what: "a site written by the instance's own user data, port 8080 open to the world", program: group + open(8080) + instance(heredoc(plainSite(8080))), expect: [siteMsg("the user data of instance host", "instance host", "port 8080", WORLD)] },
        {
            what: "a launch template's base64 user data with a plain site, its network interface's group open to the world",
            program: group + open(8080) + `new aws.ec2.LaunchTemplate("lt", { imageId: "ami-1", networkInterfaces: [{ securityGroups: [sg.id] }], userData: ${lit(b64(heredoc(plainSite(8080))))} });\n`,
            expect: [siteMsg("the user data of launch template lt", "launch template lt", "port 8080", WORLD)],
        },
        { what: "a site handed to a host outside the program (no reach known): its port 80 counts", program: `new command.remote.Command("prepare", { connection: { host: "203.0.113.10" }, create: ${lit(`bash prepare-host.sh --site-b64 ${b64(plainSite())}`)} });\n`, expect: [siteMsg("remote command prepare", "a host outside this program", "port 80")] },
        // No deploy step: the world reaches port 80 and nothing the program sends makes it redirect.
        { what: "port 80 open to the world on a host the program hands no site", program: group + open(80) + open(443) + instance("#!/bin/bash\ndnf install -y nginx\nsystemctl enable --now nginx\n"), expect: [noSiteMsg("Instance host", WORLD)] },

        { what: "a site that only redirects to HTTPS (and answers the ACME challenge)", program: group + open(80) + open(443) + instance() + remote(TLS_SITE), expect: [] },
        { what: "near miss: a plain site behind a load balancer (its port admits only the VPC)", program: group + open(80, `cidrIpv4: "10.0.0.0/16"`) + instance() + remote(plainSite()), expect: [] },
        {
            what: "near miss: a launch template's plain site on 8080 that only the load balancer's group reaches",
            program: group + `const lbSg = new aws.ec2.SecurityGroup("lb", { vpcId: "vpc-1" });\n` + open(8080, "referencedSecurityGroupId: lbSg.id")
                + `new aws.ec2.LaunchTemplate("lt", { imageId: "ami-1", vpcSecurityGroupIds: [sg.id], userData: ${lit(b64(heredoc(plainSite(8080))))} });\n`,
            expect: [],
        },
        { what: "near miss: a plain site on 80, but the world reaches only 443", program: group + open(443) + instance() + remote(plainSite()), expect: [] },
        { what: "near miss: no site, and the world reaches only 443", program: group + open(443) + instance(), expect: [] },
    ]);

    describe("the program's own stages (dev stack, update as `pulumi up` runs it)", () => {
        const KEY = { sshPrivateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nk\n-----END OPENSSH PRIVATE KEY-----\n" };
        const DOMAIN = { domain: "app.example.com", acmeEmail: "ops@example.com" };
        const APP = "instance webapp-dev-app";
        const REACH = "security group webapp-dev-fw-app admits 0.0.0.0/0 and ::/0";
        const PREPARE = "webapp-dev-deploy-app-1-prepare";
        const LISTENER: [string, string] = ["webapp-dev-lb-http", msg("webapp-dev-lb-http", 80)];

        async function verdicts(config: Record<string, string>, secrets: Record<string, string> = {}, preview = false): Promise<[string, string][]> {
            const { policy } = await makePlan({ stack: "dev", config: Object.entries(config), secrets: Object.entries(secrets), json: false, policy: true, preview });
            return policy!.verdicts.filter((v) => v.policyName === "https-listener").map((v) => {
                assert.equal(v.enforcementLevel, "advisory", "advisory in dev (policy/config/dev.json leaves the pack's level)");
                return [v.urn.split("::").pop()!, v.message.split("\n").slice(1).join("\n")];
            });
        }

        const cases: [string, Record<string, string>, Record<string, string>, [string, string][]][] = [
            ["single-host, deploy off: port 80 open, no site", { stage: "single-host" }, {}, [["webapp-dev-app", noSiteMsg("Instance webapp-dev-app", REACH)]]],
            ["single-host over SSH without domain", { stage: "single-host" }, KEY, [[PREPARE, siteMsg(`remote command ${PREPARE}`, APP, "port 80", REACH)]]],
            ["single-host over SSM without domain", { stage: "single-host", deploy: "true" }, {}, [[PREPARE, siteMsg(`local command ${PREPARE}`, APP, "port 80", REACH)]]],
            ["single-host over SSH with domain and acmeEmail", { stage: "single-host", ...DOMAIN }, KEY, []],
            ["single-host over SSM with domain and acmeEmail", { stage: "single-host", deploy: "true", ...DOMAIN }, {}, []],
            ["private-db over SSM without domain", { stage: "private-db", deploy: "true" }, {}, [[PREPARE, siteMsg(`local command ${PREPARE}`, APP, "port 80", REACH)]]],
            ["private-db over SSH with domain and acmeEmail", { stage: "private-db", ...DOMAIN }, KEY, []],
            // The hosts' nginx serves each service's port in plain HTTP to the load balancer only: the listener is judged.
            ["alb over SSH without domain: the listener, not the hosts' sites", { stage: "alb" }, KEY, [LISTENER]],
            ["autoscaling without domain: the listener, not the launch template's site", { stage: "autoscaling" }, {}, [LISTENER]],
        ];
        for (const [what, config, secrets, expect] of cases) {
            it(`${expect.length ? "flags" : "passes"}: ${what}`, async () => {
                assert.deepEqual(await verdicts(config, secrets), expect);
            });
        }

        it("a first preview judges stage 2's prepare step already (its command names nothing unknown yet)", async () => {
            const preview = await verdicts({ stage: "private-db" }, KEY, true);
            assert.deepEqual(preview, [[PREPARE, siteMsg(`remote command ${PREPARE}`, APP, "port 80", REACH)]]);
            assert.deepEqual(await verdicts({ stage: "private-db" }, KEY), preview);
        });
    });
});
