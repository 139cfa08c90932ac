// `npm run plan` as a user runs it: a real process, its stdout, stderr and exit code.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { plan, ROOT } from "../helpers/cli";

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
        assert.deepEqual(Object.keys(doc), ["resources", "outputs", "policyPack", "violations", "cost"]);
        assert.deepEqual(doc.violations, []);
        const asg = doc.resources.find((x: { type: string }) => x.type === "aws:autoscaling/group:Group");
        assert.deepEqual(Object.keys(asg), ["urn", "type", "name", "parent", "props"]);
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
        const r = plan(["--program", dir, "--json"]);
        fs.rmSync(dir, { recursive: true, force: true });
        assert.equal(r.code, 2);
        assert.equal(r.stdout, "");
        assert.equal(r.stderr.trim(), "plan: boom: the program broke");
    });
});
