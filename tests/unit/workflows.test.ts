// The GitHub Actions workflows: parsed and checked for jobs, triggers, permissions (least privilege,
// OIDC to AWS), the policy step; linted with action-validator; and the PR summary they post.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { GITHUB_COMMENT_LIMIT, MARKER, renderSummary, resourceChanges } from "../../plan/summary";
import { plan } from "../helpers/cli";

const ROOT = path.resolve(__dirname, "../..");
const DIR = path.join(ROOT, ".github/workflows");
type Step = { name?: string; uses?: string; run?: string; with?: Record<string, unknown>; if?: string; env?: Record<string, string> };
type Job = { permissions?: Record<string, string>; steps?: Step[]; needs?: string | string[]; environment?: string; uses?: string; with?: Record<string, string>; if?: string; "timeout-minutes"?: number; "runs-on"?: string };
type Workflow = { on: Record<string, unknown>; permissions: Record<string, string>; jobs: Record<string, Job> };
const wf = (name: string) => parse(fs.readFileSync(path.join(DIR, name), "utf8")) as Workflow;
const steps = (j: Job) => j.steps ?? [];
const validator = (file: string) => spawnSync(path.join(ROOT, "node_modules/.bin/action-validator"), [file], { encoding: "utf8" });

describe("GitHub Actions workflows", () => {
    const files = fs.readdirSync(DIR).filter((f) => f.endsWith(".yml"));

    it("pass action-validator (the workflow schema), which does reject a broken workflow", () => {
        assert.deepEqual(files.sort(), ["deploy.yml", "pull-request.yml", "pulumi-up.yml", "rollback.yml"]);
        for (const f of files) {
            const r = validator(path.join(DIR, f));
            assert.equal(r.status, 0, `${f}: ${r.stdout}${r.stderr}`);
        }
        const broken = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "wf-")), "broken.yml");
        fs.writeFileSync(broken, "name: broken\non: pull_request\njobs:\n  x:\n    steps: 3\n");
        assert.notEqual(validator(broken).status, 0);
    });

    it("grant least privilege: read-only by default, write only where a job needs it, AWS by OIDC with no stored keys", () => {
        // Where a job may write besides id-token (OIDC): the plan's comment, the rollback's commit.
        const writers: Record<string, string[]> = { "pull-request.yml:plan": ["pull-requests"], "rollback.yml:rollback": ["contents"] };
        for (const f of files) {
            const w = wf(f);
            assert.deepEqual(w.permissions, { contents: "read" }, `${f} top-level permissions`);
            const text = fs.readFileSync(path.join(DIR, f), "utf8");
            assert.ok(!/aws-access-key-id|AWS_SECRET_ACCESS_KEY|AWS_ACCESS_KEY_ID/.test(text), `${f} uses stored AWS keys`);
            for (const [name, job] of Object.entries(w.jobs)) {
                const writes = Object.entries(job.permissions ?? {}).filter(([, v]) => v === "write").map(([k]) => k);
                const usesAws = steps(job).some((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials"));
                const callsUp = job.uses === "./.github/workflows/pulumi-up.yml";
                assert.deepEqual(writes.filter((p) => p !== "id-token"), writers[`${f}:${name}`] ?? [], `${f}:${name} writes ${writes}`);
                if (writes.includes("id-token")) assert.ok(usesAws || callsUp, `${f}:${name} asks for id-token without using it`);
                if (usesAws) assert.equal(job.permissions?.["id-token"], "write", `${f}:${name} needs id-token for OIDC`);
                if (job["runs-on"]) assert.ok(job["timeout-minutes"], `${f}:${name} has no timeout`);
            }
        }
    });

    it("assume the deploy role only inside a GitHub environment (its trust admits only those), pull requests only the read-only role", () => {
        const roles: string[] = [];
        for (const f of files) {
            for (const [name, job] of Object.entries(wf(f).jobs)) {
                for (const s of steps(job).filter((x) => x.uses?.startsWith("aws-actions/configure-aws-credentials"))) {
                    const role = s.with?.["role-to-assume"];
                    roles.push(`${f}:${name}:${role}`);
                    // The OIDC token's subject is repo:<owner>/<repo>:environment:<name> only when the job has one.
                    if (role === "${{ vars.AWS_ROLE_ARN }}") assert.ok(job.environment, `${f}:${name} assumes the deploy role outside an environment`);
                    else assert.equal(job.environment, undefined, `${f}:${name}`);
                }
            }
        }
        assert.deepEqual(roles.sort(), [
            "pull-request.yml:preview:${{ vars.AWS_PREVIEW_ROLE_ARN }}",
            "pulumi-up.yml:up:${{ vars.AWS_ROLE_ARN }}",
            "rollback.yml:rollback:${{ vars.AWS_ROLE_ARN }}",
        ]);
        assert.equal(wf("pull-request.yml").jobs.preview.if, "vars.AWS_PREVIEW_ROLE_ARN != ''");
        assert.deepEqual([wf("pulumi-up.yml").jobs.up.environment, wf("rollback.yml").jobs.rollback.environment], ["${{ inputs.environment }}", "${{ inputs.stack == 'prod' && 'production' || 'dev' }}"]);
    });

    it("create a stack on its first run: every pulumi/actions command upserts", () => {
        const commands = files.flatMap((f) => Object.values(wf(f).jobs).flatMap((j) => steps(j).filter((s) => s.uses === "pulumi/actions@v6" && s.with?.command)));
        assert.deepEqual(commands.map((s) => [s.with?.command, s.with?.upsert]).sort(), [["preview", true], ["up", true]]);
    });

    it("pull request: tests, the offline plan with the pack for every stack, one comment, a failing check on a mandatory violation", () => {
        const w = wf("pull-request.yml");
        assert.deepEqual(Object.keys(w.on), ["pull_request"]);
        assert.deepEqual(Object.keys(w.jobs), ["test", "plan", "preview"]);
        assert.ok(steps(w.jobs.test).some((s) => s.run?.includes("bash .ci/run")));
        const planJob = w.jobs.plan;
        assert.deepEqual(planJob.permissions, { contents: "read", "pull-requests": "write" });
        const run = steps(planJob).map((s) => s.run ?? "").join("\n");
        assert.match(run, /for file in Pulumi\.\*\.yaml/);
        assert.match(run, /npm run --silent plan -- --stack "\$stack" --json > "out\/head\/\$stack\.json"/);
        assert.match(run, /npm run --silent pr-summary -- --head out\/head --base out\/base > out\/summary\.md/);
        assert.equal(steps(planJob).at(-1)!.run, 'test "$status" = 0');
        assert.ok(steps(planJob).some((s) => s.uses === "actions/github-script@v7" && String(s.with?.script).includes(MARKER)));
    });

    it("pull request with AWS configured: a real pulumi preview with the pack, per stack", () => {
        const job = wf("pull-request.yml").jobs.preview;
        const p = steps(job).find((s) => s.uses === "pulumi/actions@v6")!;
        assert.deepEqual([p.with?.command, p.with?.policyPacks, p.with?.policyPackConfigs], ["preview", "policy", "policy/config/${{ matrix.stack }}.json"]);
    });

    it("push to main: tests, then dev, then production behind an approval environment, Slack told the outcome", () => {
        const w = wf("deploy.yml");
        assert.deepEqual(w.on, { push: { branches: ["main"] } });
        assert.deepEqual([w.jobs["up-dev"].needs, w.jobs["up-production"].needs], ["test", "up-dev"]);
        assert.deepEqual([w.jobs["up-dev"].with, w.jobs["up-production"].with], [{ stack: "dev", environment: "dev" }, { stack: "prod", environment: "production" }]);
        const up = wf("pulumi-up.yml");
        assert.ok("workflow_call" in up.on);
        assert.equal(up.jobs.up.environment, "${{ inputs.environment }}");
        const p = steps(up.jobs.up).find((s) => s.uses === "pulumi/actions@v6")!;
        assert.deepEqual([p.with?.command, p.with?.policyPacks], ["up", "policy"]);
        const slack = steps(up.jobs.up).at(-1)!;
        assert.equal(slack.if, "always()");
        assert.match(slack.run!, /--config -/);
    });

    it("manual rollback: a dispatch with the stack, an optional version, the database restore and a confirmation", () => {
        const w = wf("rollback.yml");
        const inputs = (w.on.workflow_dispatch as { inputs: Record<string, { type: string; required?: boolean }> }).inputs;
        assert.deepEqual(Object.keys(inputs), ["stack", "version", "restore_db", "confirm"]);
        assert.deepEqual([inputs.restore_db.type, inputs.confirm.required], ["boolean", true]);
        const run = steps(w.jobs.rollback).map((s) => s.run ?? "").join("\n");
        assert.match(run, /npm run rollback -- "\$\{args\[@\]\}"/);
        assert.match(run, /args\+=\(--restore-db --confirm "\$CONFIRM"\)/);
        const names = steps(w.jobs.rollback).map((s) => s.name ?? s.uses);
        assert.equal(names[0], "Run from main, where deploys come from");
        assert.deepEqual(names.slice(-2), ["Roll back", "Keep the rolled-back version in the repository"]);
    });

    describe("manual rollback keeps the rolled-back version: its last step, run against real git repositories", () => {
        const step = steps(wf("rollback.yml").jobs.rollback).find((s) => s.name === "Keep the rolled-back version in the repository")!;
        const git = (cwd: string, ...args: string[]) => {
            const r = spawnSync("git", args, { cwd, encoding: "utf8" });
            assert.equal(r.status, 0, `git ${args.join(" ")}: ${r.stderr}`);
            return r.stdout.trim();
        };
        const stackFile = (version: string) => `config:\n  aws:region: ap-northeast-2\n  webapp:appVersion: ${version}\n`;
        let dir: string;
        let origin: string;
        let work: string;

        beforeEach(() => {
            dir = fs.mkdtempSync(path.join(os.tmpdir(), "rollback-git-"));
            origin = path.join(dir, "origin.git");
            git(dir, "init", "--quiet", "--bare", "--initial-branch=main", origin);
            const seed = path.join(dir, "seed");
            git(dir, "clone", "--quiet", origin, seed);
            fs.writeFileSync(path.join(seed, "Pulumi.prod.yaml"), stackFile("v3"));
            git(seed, "add", ".");
            git(seed, "-c", "user.name=dev", "-c", "user.email=dev@example.com", "commit", "--quiet", "-m", "release v3");
            git(seed, "push", "--quiet", "origin", "HEAD:main");
            // The job's checkout, taken before the rollback ran.
            work = path.join(dir, "work");
            git(dir, "clone", "--quiet", "--depth", "1", "--branch", "main", `file://${origin}`, work);
            // Meanwhile somebody merges something else into main.
            fs.writeFileSync(path.join(seed, "NOTES.md"), "unrelated\n");
            git(seed, "add", ".");
            git(seed, "-c", "user.name=dev", "-c", "user.email=dev@example.com", "commit", "--quiet", "-m", "unrelated change");
            git(seed, "push", "--quiet", "origin", "HEAD:main");
        });

        afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

        const runStep = () => spawnSync("bash", ["-e", "-c", step.run!], { cwd: work, encoding: "utf8", env: { ...process.env, STACK: "prod", RUN_URL: "https://github.com/o/r/actions/runs/1" } });

        it("commits the stack file the rollback wrote onto main, after what main gained meanwhile", () => {
            // What `pulumi up --config appVersion=v2` leaves in the checkout.
            fs.writeFileSync(path.join(work, "Pulumi.prod.yaml"), stackFile("v2"));
            const r = runStep();
            assert.equal(r.status, 0, r.stderr);
            const check = path.join(dir, "check");
            git(dir, "clone", "--quiet", origin, check);
            assert.equal(fs.readFileSync(path.join(check, "Pulumi.prod.yaml"), "utf8"), stackFile("v2"));
            assert.deepEqual(git(check, "log", "--format=%s", "main").split("\n"), ["Keep the rolled-back release of prod in Pulumi.prod.yaml", "unrelated change", "release v3"]);
            assert.match(git(check, "log", "-1", "--format=%b"), /^-  webapp:appVersion: v3\n\+  webapp:appVersion: v2\n\nhttps:\/\/github.com\/o\/r\/actions\/runs\/1/);
            assert.deepEqual(git(check, "show", "--name-only", "--format=", "HEAD").split("\n"), ["Pulumi.prod.yaml"]);
        });

        it("commits nothing when the file already names the running version", () => {
            const r = runStep();
            assert.equal(r.status, 0, r.stderr);
            assert.match(r.stdout, /Pulumi\.prod\.yaml already names the version that runs/);
            assert.equal(git(work, "ls-remote", "origin", "main").split("\t")[0], git(dir, "--git-dir", origin, "rev-parse", "main"));
            assert.equal(git(dir, "--git-dir", origin, "log", "-1", "--format=%s", "main"), "unrelated change");
        });
    });
});

describe("the pull request summary", () => {
    const doc = (n: number, extra: Record<string, unknown> = {}) => ({
        resources: Array.from({ length: n }, (_, i) => ({ urn: `urn:pulumi:dev::webapp::aws:s3/bucket:Bucket::b${i}`, type: "aws:s3/bucket:Bucket", name: `b${i}`, props: { i } })),
        violations: [],
        cost: { monthlyUsd: 20, withFreeTierUsd: 0, byCategory: { compute: 10, storage: 10 } },
        ...extra,
    });

    it("counts added, changed and removed resources against the base", () => {
        const head = doc(3);
        head.resources[1].props = { i: 99 };
        const base = doc(2);
        base.resources.push({ urn: "urn:gone", type: "aws:ec2/eip:Eip", name: "gone", props: { i: 0 } });
        assert.deepEqual(resourceChanges(head, base).map((c) => `${c.kind}${c.name}`), ["~b1", "+b2", "-gone"]);
    });

    it("renders verdicts, cost and its difference, and marks a blocked plan", () => {
        const head = doc(1, { violations: [{ policyName: "ssh-restricted", enforcementLevel: "mandatory", message: "SSH ...\nIngress admits TCP port 22 (SSH) from 0.0.0.0/0.", urn: "urn:pulumi:dev::webapp::aws:ec2/securityGroup:SecurityGroup::web" }], cost: { monthlyUsd: 81.05, withFreeTierUsd: 20.4, byCategory: { compute: 40 } } });
        const md = renderSummary([{ stack: "dev", head, base: doc(1) }, { stack: "prod", head: { resources: [] }, error: "config 'stage' = \"x\" is invalid" }]);
        assert.ok(md.startsWith(`${MARKER}\n## Infrastructure plan :no_entry: blocked\n`));
        assert.match(md, /\| dev \| \+0 ~0 −0 \| 1 \| 0 \| \$81\.05 \| \+\$61\.05 \|/);
        assert.match(md, /\| :no_entry: mandatory \| ssh-restricted \| web \| Ingress admits TCP port 22 \(SSH\) from 0\.0\.0\.0\/0\. \|/);
        assert.match(md, /### prod\n\nThe plan failed: `config 'stage' = "x" is invalid`/);
    });

    it("stays under GitHub's 65,536-character limit however large the plan", () => {
        const many = doc(30000, { violations: Array.from({ length: 8000 }, (_, i) => ({ policyName: "required-tags", enforcementLevel: "advisory", message: `d\nb${i} lacks the tags Project, Environment, Stage.`, urn: `urn:x::b${i}` })) });
        const md = renderSummary([{ stack: "dev", head: many }, { stack: "prod", head: many }]);
        assert.ok(md.length <= GITHUB_COMMENT_LIMIT, `${md.length}`);
        assert.match(md, /\| … \| \d+ more \|/);
        assert.match(md, /\| dev \| \+30000 ~0 −0 \| 0 \| 8000 \|/);
    });

    it("is rendered from the plans the workflow writes (npm run pr-summary)", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pr-"));
        fs.mkdirSync(path.join(dir, "head"));
        fs.mkdirSync(path.join(dir, "base"));
        fs.writeFileSync(path.join(dir, "head/dev.json"), plan(["--stack", "dev", "--config", "stage=private-db", "--json"]).stdout);
        fs.writeFileSync(path.join(dir, "base/dev.json"), plan(["--stack", "dev", "--json"]).stdout);
        fs.writeFileSync(path.join(dir, "head/prod.json"), plan(["--stack", "prod", "--json"]).stdout);
        const r = spawnSync(process.execPath, [require.resolve("ts-node/dist/bin.js"), "--swc", path.join(ROOT, "plan/summaryCli.ts"), "--head", path.join(dir, "head"), "--base", path.join(dir, "base")], { encoding: "utf8" });
        assert.equal(r.status, 0, r.stderr);
        // Dev has no deploy step: the host's port 80 in plain HTTP is its one advisory (https-listener).
        assert.match(r.stdout, /\| dev \| \+\d+ ~\d+ −\d+ \| 0 \| 1 \| \$43\.52 \| \+\$20\.26 \|/);
        assert.match(r.stdout, /\| advisory \| https-listener \| webapp-dev-app \| Instance webapp-dev-app takes port 80 from the internet/);
        assert.match(r.stdout, /\| prod \| \+\d+ ~0 −0 \| 0 \| 0 \| \$157\.47 \| new \|/);
        assert.match(r.stdout, /aws:rds\/instance:Instance \| webapp-dev-db-pg/);
        fs.rmSync(dir, { recursive: true, force: true });
    });
});
