// Runs a small Pulumi program through the offline runner, as `npm run plan -- --program` does, in both
// a first preview (ids unknown) and an update (ids known), and insists both give the same verdicts.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { POLICY_DIR } from "../../plan/plan";
import { loadPolicyPack, PolicyConfigFile, resolvePolicyConfig, runPolicies, Verdict } from "../../plan/policy";
import { ProgramRun, runProgram } from "../../plan/run";

const ROOT = path.resolve(__dirname, "../..");
let dir: string | undefined;
let counter = 0;

function programDir(): string {
    if (!dir) {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "policy-case-"));
        fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
        process.once("exit", () => fs.rmSync(dir!, { recursive: true, force: true }));
    }
    return dir;
}

export const PRELUDE = `import * as aws from "@pulumi/aws";\nimport * as command from "@pulumi/command";\n`;

export async function runCase(source: string): Promise<ProgramRun> {
    const file = path.join(programDir(), `case${++counter}.ts`);
    fs.writeFileSync(file, PRELUDE + source);
    return runProgram({ program: file, project: "case", stack: "test", region: "us-east-1", config: { "aws:region": "us-east-1" }, secretKeys: [] });
}

export async function verdictsOf(run: ProgramRun, config: PolicyConfigFile = {}, preview = true): Promise<Verdict[]> {
    const pack = await loadPolicyPack(POLICY_DIR);
    return runPolicies(pack, run, resolvePolicyConfig(pack, config), "us-east-1", { preview });
}

/** The specific part of each violation of one rule (the SDK puts the rule's description first). */
export async function violations(source: string, policyName: string, config: PolicyConfigFile = {}): Promise<string[]> {
    const run = await runCase(source);
    const pick = (vs: Verdict[]) => vs.filter((v) => v.policyName === policyName).map((v) => v.message.split("\n").slice(1).join("\n"));
    const preview = pick(await verdictsOf(run, config, true));
    const update = pick(await verdictsOf(run, config, false));
    assert.deepEqual(preview, update, "a first preview and an update must agree");
    return preview;
}

export interface Case {
    what: string;
    program: string;
    /** The exact messages expected (empty: must not be flagged). */
    expect: string[];
    config?: PolicyConfigFile;
}

/** Declares one mocha test per case. */
export function table(policyName: string, cases: Case[]): void {
    for (const c of cases) {
        it(`${c.expect.length ? "flags" : "passes"}: ${c.what}`, async () => {
            assert.deepEqual(await violations(c.program, policyName, c.config), c.expect);
        });
    }
}
