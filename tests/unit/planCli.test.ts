// `npm run plan` as a user runs it: a real process, its stdout, stderr and exit code.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { AWS_DEFAULT_PROVIDER, plan, ROOT } from "../helpers/cli";

describe("npm run plan (a real process)", () => {
    it("prints the resource tree and outputs of the dev stack by default", () => {
        const r = plan([]);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /^Offline plan of webapp\/dev \(ap-northeast-2\)/);
        assert.match(r.stdout, /webapp:infra:Network {2}webapp-dev-net/);
        assert.match(r.stdout, /aws:ec2\/instance:Instance {2}webapp-dev-app {2}instanceType=t3\.micro .*imds=v2-only/);
        assert.match(r.stdout, /Outputs:\n {4}stage: single-host\n {4}url: http:\/\/203\.0\.113\./);
    });

    it("--json prints nothing but one JSON object with resources and outputs", () => {
        const r = plan(["--stack", "prod", "--json"]);
        assert.equal(r.code, 0, r.stderr);
        const doc = JSON.parse(r.stdout);
        assert.deepEqual(Object.keys(doc), ["resources", "outputs", "policyPacks", "violations", "remediations", "cost"]);
        assert.deepEqual(doc.violations, []);
        assert.deepEqual(doc.policyPacks, [{ name: "webapp-guardrails", version: "0.1.0", config: path.join(ROOT, "policy/config/prod.json") }]);
        const asg = doc.resources.find((x: { type: string }) => x.type === "aws:autoscaling/group:Group");
        assert.deepEqual(Object.keys(asg), ["urn", "type", "name", "parent", "props", "options"]);
        assert.match(asg.urn, /^urn:pulumi:prod::webapp::/);
        assert.match(asg.parent, /webapp:infra:AutoScaling::webapp-prod-asg$/);
        assert.equal(doc.outputs.stage, "autoscaling");
    });

    it("--config overrides the stack file like pulumi config set", () => {
        const r = plan(["--config", "stage=alb", "--config", "instanceType=t3.small", "--json"]);
        assert.equal(r.code, 0, r.stderr);
        const doc = JSON.parse(r.stdout);
        assert.equal(doc.outputs.stage, "alb");
        const types = doc.resources.filter((x: { type: string }) => x.type === "aws:ec2/instance:Instance").map((x: { props: { instanceType: string } }) => x.props.instanceType);
        assert.deepEqual(types, ["t3.small", "t3.small"]);
    });

    it("masks secrets in the JSON", () => {
        const r = plan(["--config", "stage=autoscaling", "--config", "registryUsername=bot", "--secret", "registryPassword=ghp_plan_test_token", "--json"]);
        assert.equal(r.code, 0, r.stderr);
        assert.ok(!r.stdout.includes("ghp_plan_test_token"));
        assert.match(r.stdout, /"value": "\[secret\]"/);
    });

    const failures: [string, string[], RegExp][] = [
        ["an unknown flag", ["--frobnicate"], /^plan: unknown flag "--frobnicate"; usage: npm run plan -- /],
        ["a flag without its value", ["--stack"], /^plan: --stack needs a value/],
        ["a malformed --config", ["--config", "stage"], /^plan: --config "stage" is invalid: expected key=value/],
        ["an unknown stack", ["--stack", "qa"], /^plan: unknown stack 'qa': no Pulumi\.qa\.yaml in .*; expected one of dev, prod/],
        ["invalid config", ["--config", "minSize=9", "--config", "stage=autoscaling"], /^plan: config 'minSize' = "9" is invalid: expected at most maxSize \(4\)/],
        ["SSH open to the world", ["--config", 'adminCidrs=["0.0.0.0/0"]'], /^plan: config 'adminCidrs\[0\]' = "0.0.0.0\/0" is invalid/],
    ];
    for (const [what, args, message] of failures) {
        it(`exits 2 with one line on ${what}`, () => {
            const r = plan([...args, "--json"]);
            assert.equal(r.code, 2);
            assert.equal(r.stdout, "");
            assert.match(r.stderr, message);
            assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
        });
    }

    it("exits 2 with one line when a program throws", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-throws-"));
        fs.writeFileSync(path.join(dir, "index.ts"), 'import * as aws from "@pulumi/aws";\nnew aws.s3.Bucket("b");\nthrow new Error("boom: the program broke");\n');
        fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
        const r = plan(["--program", dir, "--json"], dir);
        fs.rmSync(dir, { recursive: true, force: true });
        assert.equal(r.code, 2);
        assert.equal(r.stdout, "");
        assert.equal(r.stderr, "plan: boom: the program broke (index.ts:3)\n");
    });
});

describe("npm run plan: the command line (issue 10 §4, real processes)", () => {
    let dir: string;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-cli-"));
        fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
        fs.writeFileSync(path.join(dir, "syntax.ts"), 'import * as aws from "@pulumi/aws";\nconst bucket = new aws.s3.Bucket("b", {;\n');
        fs.writeFileSync(path.join(dir, "options.ts"), [
            'import * as aws from "@pulumi/aws";',
            'const east = new aws.Provider("east", { region: "us-east-1" });',
            'const vpc = new aws.ec2.Vpc("vpc", { cidrBlock: "10.0.0.0/16" }, { protect: true, provider: east });',
            'new aws.ec2.Subnet("net", { vpcId: vpc.id, cidrBlock: "10.0.1.0/24" }, {',
            '    retainOnDelete: true, deleteBeforeReplace: false, replaceOnChanges: ["cidrBlock"], ignoreChanges: ["tags"], dependsOn: [east],',
            '    customTimeouts: { create: "5m", delete: "1h30m" }, aliases: [{ name: "old-net" }],',
            '});',
            'new aws.s3.Bucket("plain");',
        ].join("\n"));
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("--help prints the flags and exits 0", () => {
        const r = plan(["--help"]);
        assert.equal(r.code, 0, r.stderr);
        for (const flag of ["--stack", "--program", "--policy-pack DIR", "--policy-pack-config FILE", "--show-secrets", "--preview", "--json"]) assert.ok(r.stdout.includes(flag), flag);
        assert.equal(r.stderr, "");
    });

    it("--json reaches a slow reader whole through a pipe (the exit code is set, stdout drains)", () => {
        const cli = `${JSON.stringify(process.execPath)} plan/launch.js plan/cli.ts --stack prod --json`;
        const reader = `${JSON.stringify(process.execPath)} -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.stringify(JSON.parse(s).cost.monthlyUsd), s.length))'`;
        const r = spawnSync("sh", ["-c", `${cli} | (sleep 1; ${reader}); exit $?`], { cwd: ROOT, encoding: "utf8" });
        assert.equal(r.status, 0, r.stderr);
        const [usd, length] = r.stdout.trim().split(" ").map(Number);
        assert.ok(usd > 0);
        assert.ok(length > 65_536, `the document is larger than a pipe's buffer (${length} bytes)`);
    });

    it("--preview plans as a first pulumi preview: outputs of created resources unknown, inputs known", () => {
        const r = plan(["--preview", "--json"]);
        assert.equal(r.code, 0, r.stderr);
        const doc = JSON.parse(r.stdout);
        assert.equal(doc.outputs.url, "(known after apply)");
        assert.equal(doc.outputs.stage, "single-host");
        const host = doc.resources.find((x: { type: string }) => x.type === "aws:ec2/instance:Instance");
        assert.equal(host.props.instanceType, "t3.micro");
        assert.equal(host.props.subnetId, "(known after apply)");
    });

    it("--show-secrets shows secret values that are masked without it", () => {
        const args = ["--config", "stage=autoscaling", "--config", "registryUsername=bot", "--secret", "registryPassword=ghp_shown_on_request", "--json"];
        assert.ok(!plan(args).stdout.includes("ghp_shown_on_request"));
        const r = plan([...args, "--show-secrets"]);
        assert.equal(r.code, 0, r.stderr);
        assert.ok(r.stdout.includes("ghp_shown_on_request"));
    });

    it("--show-secrets shows each stage's app environment; the JSON shows what keeps the data", () => {
        for (const stage of ["single-host", "private-db", "alb", "autoscaling"]) {
            // Releases on (over SSM at stages 1-3): the env travels in a SecureString parameter, a Pulumi secret.
            const args = ["--config", `stage=${stage}`, "--config", 'appEnvironment={"LOG_LEVEL":"info"}', "--secret", 'appSecrets={"JWT_KEY":"jwt-sentinel-5"}', ...(stage === "autoscaling" ? [] : ["--config", "deployChannel=ssm"]), "--json"];
            const hidden = plan(args);
            assert.equal(hidden.code, 0, hidden.stderr);
            assert.ok(!hidden.stdout.includes("jwt-sentinel-5"), `${stage}: masked without --show-secrets`);
            const doc = JSON.parse(plan([...args, "--show-secrets"]).stdout);
            const env = String(doc.resources.find((r: { type: string; name: string }) => r.type === "aws:ssm/parameter:Parameter" && /-(deploy|app)-env$/.test(r.name)).props.value);
            for (const line of ["LOG_LEVEL=info", "JWT_KEY=jwt-sentinel-5", "DB_NAME=app", "DB_USERNAME=app"]) assert.match(env, new RegExp(`^${line}$`, "m"), `${stage}: ${line}`);
            if (stage === "single-host") {
                assert.match(env, /^DB_HOST=webapp-db\nDB_PORT=5432\n[\s\S]*^DB_PASSWORD=mock-[0-9a-f]+-password$/m);
                const volume = doc.resources.find((r: { type: string }) => r.type === "aws:ebs/volume:Volume");
                assert.equal(volume.options.retainOnDelete, true, "the database's volume outlives the stack's move to RDS");
            } else {
                // RDS's password: the host reads it into DB_PASSWORD (db-password.sh); the program never has it.
                assert.match(env, /^DB_HOST=webapp-dev-db-pg\.[0-9a-f]+\.ap-northeast-2\.rds\.amazonaws\.com$/m);
                assert.match(env, /^DB_SECRET_ARN=arn:aws:secretsmanager:/m);
                const db = doc.resources.find((r: { type: string }) => r.type === "aws:rds/instance:Instance");
                assert.ok(db.props.backupRetentionPeriod >= 1, "automated backups");
            }
        }
        // Production keeps the database past a delete: a final snapshot, and deletion protection.
        const prod = JSON.parse(plan(["--stack", "prod", "--json"]).stdout);
        const db = prod.resources.find((r: { type: string }) => r.type === "aws:rds/instance:Instance");
        assert.deepEqual([db.props.skipFinalSnapshot, db.props.deletionProtection], [false, true]);
    });

    it("--json carries each resource's options", () => {
        const r = plan(["--program", path.join(dir, "options.ts"), "--no-policy", "--json"]);
        assert.equal(r.code, 0, r.stderr);
        const doc = JSON.parse(r.stdout);
        const byName = (name: string) => doc.resources.find((x: { name: string }) => x.name === name);
        const east = "urn:pulumi:dev::program::pulumi:providers:aws::east";
        assert.deepEqual(byName("vpc").options, {
            protect: true, retainOnDelete: false, deleteBeforeReplace: null, replaceOnChanges: [], ignoreChanges: [], dependsOn: [], provider: east, customTimeouts: null, aliases: [],
        });
        assert.deepEqual(byName("net").options, {
            protect: false, retainOnDelete: true, deleteBeforeReplace: false, replaceOnChanges: ["cidrBlock"], ignoreChanges: ["tags"], dependsOn: [east],
            provider: `urn:pulumi:dev::program::pulumi:providers:aws::${AWS_DEFAULT_PROVIDER}`, customTimeouts: { create: 300, delete: 5400 },
            aliases: ["urn:pulumi:dev::program::aws:ec2/subnet:Subnet::old-net"],
        });
        assert.equal(byName("plain").options.provider, byName("net").options.provider);
    });

    const failures: [string, () => string[], RegExp][] = [
        ["a --program that does not exist", () => ["--program", path.join(dir, "nowhere")], /^plan: cannot load program '.*nowhere': no such file or folder\n$/],
        ["a program with a syntax error", () => ["--program", path.join(dir, "syntax.ts")], /^plan: Unexpected token `;`\. Expected [^\n]* \(.*syntax\.ts:2\)\n$/],
        ["more --policy-pack-config than packs", () => ["--policy-pack-config", "a.json", "--policy-pack-config", "b.json"], /^plan: --policy-pack-config given 2 times for 1 policy pack: expected one per --policy-pack, in the same order\n$/],
        ["a --policy-pack folder without PulumiPolicy.yaml", () => ["--policy-pack", dir], /^plan: --policy-pack .*: no PulumiPolicy\.yaml in .*; expected a policy pack folder\n$/],
    ];
    for (const [what, args, message] of failures) {
        it(`exits 2 with one line and no backtrace on ${what}`, () => {
            const r = plan([...args(), "--json"]);
            assert.equal(r.code, 2);
            assert.equal(r.stdout, "");
            assert.match(r.stderr, message);
        });
    }
});

describe("npm run pr-summary: the command line (real processes)", () => {
    const summary = (args: string[]) => spawnSync(process.execPath, [path.join(ROOT, "plan/launch.js"), path.join(ROOT, "plan/summaryCli.ts"), ...args], { encoding: "utf8" });

    it("--help prints the flags and exits 0", () => {
        const r = summary(["--help"]);
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stdout, /^usage: npm run --silent pr-summary -- --head DIR \[--base DIR\]\n/);
        assert.match(r.stdout, /--base DIR/);
    });

    const failures: [string, string[], RegExp][] = [
        ["no --head", ["--base", os.tmpdir()], /^pr-summary: --head is required; usage: /],
        ["--head without its folder", ["--head"], /^pr-summary: --head needs a folder; usage: /],
        ["a --head folder that does not exist", ["--head", "/nonexistent/plans"], /^pr-summary: --head "\/nonexistent\/plans" is invalid: expected a folder with the plans' <stack>\.json files\n$/],
        ["a --head folder with no plans", ["--head", fs.mkdtempSync(path.join(os.tmpdir(), "no-plans-"))], /has no <stack>\.json or <stack>\.error: expected the plans of this branch\n$/],
        ["an unknown flag", ["--heads", "x"], /^pr-summary: unknown flag "--heads"; usage: /],
    ];
    for (const [what, args, message] of failures) {
        it(`exits 2 with one line on ${what}`, () => {
            const r = summary(args);
            assert.equal(r.status, 2);
            assert.equal(r.stdout, "");
            assert.match(r.stderr, message);
            assert.equal(r.stderr.trim().split("\n").length, 1);
        });
    }
});
