// The pack as the CLI loads it, our own stages under it, and `npm run plan -- --program` as a process.
import { strict as assert } from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { defaultPolicyConfig, makePlan, POLICY_DIR } from "../../plan/plan";
import { loadPolicyPack } from "../../offline-engine/packs";
import { readPolicyConfigFile, resolvePolicyConfig } from "../../offline-engine/policyConfig";
import { STAGES } from "../../stacks/stages";
import { AWS_DEFAULT_PROVIDER, plan } from "../helpers/cli";

const RULES = ["ssh-restricted", "no-public-database", "imdsv2-required", "storage-encrypted", "s3-public-access-blocked", "db-backup-retention", "required-tags", "cost-guard", "no-plaintext-secrets", "https-listener", "wide-private-ingress"];

describe("the policy pack", () => {
    it("is a valid pack folder: PulumiPolicy.yaml for nodejs/TypeScript and a versioned package.json", () => {
        const doc = parse(fs.readFileSync(path.join(POLICY_DIR, "PulumiPolicy.yaml"), "utf8"));
        assert.equal(doc.runtime.name, "nodejs");
        assert.equal(doc.runtime.options.typescript, true);
        assert.ok(doc.description.length > 20);
        assert.match(JSON.parse(fs.readFileSync(path.join(POLICY_DIR, "package.json"), "utf8")).version, /^\d+\.\d+\.\d+$/);
    });

    it("constructs the PolicyPack with its name, rules and levels (as the CLI's getAnalyzerInfo sees it)", async () => {
        const pack = await loadPolicyPack(POLICY_DIR);
        assert.equal(pack.name, "webapp-guardrails");
        assert.equal(pack.version, "0.1.0");
        assert.deepEqual(pack.policies.map((p) => p.name), RULES);
        assert.deepEqual(pack.policies.filter((p) => p.enforcementLevel === "mandatory").map((p) => p.name), ["ssh-restricted", "no-public-database"]);
        for (const p of pack.policies) assert.ok(p.description.endsWith("."), `${p.name} has a full-sentence description`);
        assert.equal(pack.policies.find((p) => p.name === "ssh-restricted")!.configSchema!.properties.minIpv4Prefix.default, 24);
    });

    it("starts its analyzer server when run as the CLI runs it (prints the port it listens on)", async function () {
        const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "index.ts"], { cwd: POLICY_DIR, env: { ...process.env, TS_NODE_PROJECT: path.join(POLICY_DIR, "tsconfig.json") } });
        const port = await new Promise<string>((resolve, reject) => {
            let out = "";
            let err = "";
            child.stdout.on("data", (d) => {
                out += d;
                if (out.includes("\n")) resolve(out.trim());
            });
            child.stderr.on("data", (d) => (err += d));
            child.on("exit", (code) => reject(new Error(`exited ${code}: ${err}`)));
        });
        child.kill();
        assert.match(port, /^\d+$/);
    });

    it("ships per-stack config files that the engine's rules accept", async () => {
        const pack = await loadPolicyPack(POLICY_DIR);
        const prodFile = readPolicyConfigFile(path.join(POLICY_DIR, "config/prod.json"));
        // The engine passes names the pack does not know through; ours must name only real rules.
        assert.deepEqual(Object.keys(prodFile).filter((k) => k !== "all" && !RULES.includes(k)), []);
        const prod = resolvePolicyConfig(pack, prodFile);
        // Advice on private ranges never blocks, not even in prod.
        assert.deepEqual(Object.values(prod).map((c) => c.enforcementLevel), RULES.map((r) => (r === "wide-private-ingress" ? "advisory" : "mandatory")));
        assert.equal(prod["db-backup-retention"].properties.requireDeletionProtection, true);
        const devFile = readPolicyConfigFile(path.join(POLICY_DIR, "config/dev.json"));
        assert.deepEqual(Object.keys(devFile).filter((k) => k !== "all" && !RULES.includes(k)), []);
        const dev = resolvePolicyConfig(pack, devFile);
        assert.equal(dev["imdsv2-required"].enforcementLevel, "advisory");
        assert.equal(dev["ssh-restricted"].enforcementLevel, "mandatory");
    });

    it("refuses config of the wrong type or level, in one line, as the engine validates it", async () => {
        const pack = await loadPolicyPack(POLICY_DIR);
        assert.throws(() => resolvePolicyConfig(pack, { "ssh-restricted": { minIpv4Prefix: "24" } }), { message: `validating policy config: ${pack.name} ${pack.version}  ssh-restricted: minIpv4Prefix: Invalid type. Expected: number, given: string` });
        assert.throws(() => resolvePolicyConfig(pack, { all: "loud" }), { message: `parsing enforcement level for "all": "loud" is not a valid enforcement level` });
    });

    for (const stack of ["dev", "prod"]) {
        for (const stage of STAGES) {
            it(`gives the expected verdicts: stage ${stage} with the ${stack} stack's config`, async () => {
                const { policy } = await makePlan({ stack, config: [["stage", stage]], secrets: [], json: false, policy: true });
                assert.deepEqual(policy!.packs.map((p) => p.configFile), [defaultPolicyConfig(stack)]);
                const lb = stage === "alb" || stage === "autoscaling";
                // No domain in dev: port 80 serves plain HTTP, from the load balancer at stages 3-4, and at stages
                // 1-2 from the host, whose nginx no deploy step configures (deploy is off in both stacks' files),
                // so only prod's load balancer passes. Dev's budget ($50) is below stages 3-4: cost-guard too.
                const expected = stack === "dev" ? (lb ? ["advisory cost-guard", "advisory https-listener"] : ["advisory https-listener"]) : lb ? [] : ["mandatory https-listener"];
                assert.deepEqual(policy!.verdicts.map((v) => `${v.enforcementLevel} ${v.policyName}`), expected);
                const https = policy!.verdicts.find((v) => v.policyName === "https-listener");
                if (https) assert.match(https.message, lb ? /\nListener webapp-dev-lb-http serves plain HTTP on port 80\./ : new RegExp(`\\nInstance webapp-${stack}-app takes port 80 from the internet`));
                if (stack === "dev" && lb) assert.match(policy!.verdicts[0].message, /over the budget of \$50\.00/);
            });
        }
    }

    for (const stage of ["single-host", "private-db", "alb"]) {
        it(`passes every rule with remote-command releases on: stage ${stage}, prod config`, async () => {
            // The prod stack's domain is served by nginx with Let's Encrypt's certificate at stages 1-2.
            const { run, policy } = await makePlan({ stack: "prod", config: [["stage", stage], ["acmeEmail", "ops@example.com"]], secrets: [["sshPrivateKey", "-----BEGIN OPENSSH PRIVATE KEY-----\nk\n-----END OPENSSH PRIVATE KEY-----\n"], ["registryPassword", "ghp_0123456789abcdefghijklmnopqrstuvwxyzAB"]], json: false, policy: true });
            assert.ok(run.resources.some((r) => r.type === "command:remote:Command"));
            assert.deepEqual(policy!.verdicts, []);
        });
    }

    it("refuses adminCidrs=0.0.0.0/0 before any resource exists", async () => {
        await assert.rejects(makePlan({ stack: "dev", config: [["adminCidrs", '["0.0.0.0/0"]']], secrets: [], json: false, policy: true }), /config 'adminCidrs\[0\]' = "0.0.0.0\/0" is invalid/);
    });
});

describe("npm run plan -- --program (another team's program, a real process)", () => {
    let dir: string;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "foreign-"));
        fs.symlinkSync(path.resolve(__dirname, "../../node_modules"), path.join(dir, "node_modules"));
        fs.writeFileSync(path.join(dir, "good.ts"), `import * as aws from "@pulumi/aws";\nnew aws.vpc.SecurityGroupIngressRule("https", { securityGroupId: "sg-1", ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv4: "0.0.0.0/0", tags: { Project: "p", Environment: "e", Stage: "s" } });\n`);
        fs.writeFileSync(path.join(dir, "bad.ts"), `import * as aws from "@pulumi/aws";\nnew aws.ec2.SecurityGroup("legacy", { ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] }] });\nnew aws.ec2.Instance("box", { ami: "ami-1", instanceType: "t3.micro" });\n`);
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("exits 0 and lists resources and no violations for a compliant program", () => {
        const r = plan(["--program", path.join(dir, "good.ts"), "--json"]);
        assert.equal(r.code, 0, r.stderr);
        const doc = JSON.parse(r.stdout);
        // The engine registers the default provider before the first resource that needs it.
        assert.deepEqual(doc.resources.map((x: { type: string; name: string }) => [x.type, x.name]), [["pulumi:pulumi:Stack", "program-dev"], ["pulumi:providers:aws", AWS_DEFAULT_PROVIDER], ["aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "https"]]);
        assert.ok(doc.resources.every((x: { urn: string }) => x.urn.startsWith("urn:pulumi:dev::program::")));
        assert.deepEqual(doc.violations, []);
    });

    it("exits 1 on a mandatory violation and lists each verdict", () => {
        const r = plan(["--program", path.join(dir, "bad.ts"), "--json"]);
        assert.equal(r.code, 1, r.stderr);
        const doc = JSON.parse(r.stdout);
        const v = doc.violations.map((x: { policyName: string; enforcementLevel: string; urn: string }) => [x.policyName, x.enforcementLevel, x.urn.split("::").pop()]);
        // Resource rules first, then the stack rules (ssh-restricted needs the whole program: prefix lists, user data).
        assert.deepEqual(v, [
            ["required-tags", "advisory", "legacy"],
            ["imdsv2-required", "advisory", "box"],
            ["storage-encrypted", "advisory", "box"],
            ["required-tags", "advisory", "box"],
            ["ssh-restricted", "mandatory", "legacy"],
        ]);
        assert.match(doc.violations.find((x: { policyName: string }) => x.policyName === "ssh-restricted").message, /Security group legacy admits 0\.0\.0\.0\/0, the whole internet, to SSH \(port 22\) through ingress tcp 22\./);
    });

    it("prints the verdicts after the resource tree for people", () => {
        const r = plan(["--program", path.join(dir, "bad.ts")]);
        assert.equal(r.code, 1);
        assert.match(r.stdout, /\nOutputs: \(none\)\n/);
        assert.match(r.stdout, /Policies: webapp-guardrails 0\.1\.0, 11 rules: 1 mandatory violation, 4 advisory\n {4}\[mandatory\] ssh-restricted {2}urn:pulumi:dev::program::aws:ec2\/securityGroup:SecurityGroup::legacy\n {8}SSH \(TCP 22[^)]*\) may only be opened/);
    });

    it("exits 2 with one line when the program cannot load", () => {
        const r = plan(["--program", path.join(dir, "missing.ts"), "--json"]);
        assert.equal(r.code, 2);
        assert.equal(r.stdout, "");
        assert.match(r.stderr, /^plan: cannot load program '.*missing\.ts': no such file or folder\n$/);
    });

    it("exits 2 with one line on a broken policy config file", () => {
        fs.writeFileSync(path.join(dir, "cfg.json"), `{"ssh-restricted": {"extraPorts": "2222"}}`);
        const r = plan(["--program", path.join(dir, "good.ts"), "--policy-config", path.join(dir, "cfg.json"), "--json"]);
        assert.equal(r.code, 2);
        assert.match(r.stderr, /^error: validating policy config: webapp-guardrails \S+  ssh-restricted: extraPorts: Invalid type\. Expected: array, given: string\n$/);
    });
});
