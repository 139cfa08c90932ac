// Runs a small Pulumi program through the offline engine, as `npm run plan -- --program` does, in both
// a first preview (outputs unknown) and an update (outputs known), and insists both give the same verdicts.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { analyze, Verdict } from "../../offline-engine/analyze";
import { Mode } from "../../offline-engine/monitor";
import { loadPolicyPack } from "../../offline-engine/packs";
import { PolicyConfigFile, resolvePolicyConfig } from "../../offline-engine/policyConfig";
import { ProgramRun, runProgram } from "../../offline-engine/program";
import { POLICY_DIR } from "../../plan/plan";

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

/** Each case's program file, so a run can be repeated in the other mode. */
const programOf = new WeakMap<ProgramRun, string>();

function runFile(file: string, mode: Mode): Promise<ProgramRun> {
    return runProgram({ program: file, project: "case", stack: "test", mode, config: { "aws:region": "us-east-1" }, secretKeys: [] }).then((run) => {
        programOf.set(run, file);
        return run;
    });
}

/** Runs the case's program as an update (the cloud's plausible outputs known). */
export async function runCase(source: string): Promise<ProgramRun> {
    const file = path.join(programDir(), `case${++counter}.ts`);
    fs.writeFileSync(file, PRELUDE + source);
    return runFile(file, "update");
}

/** The pack's verdicts on a case: in a first preview (the program run again as one) or in the run's update. */
export async function verdictsOf(run: ProgramRun, config: PolicyConfigFile = {}, preview = true): Promise<Verdict[]> {
    const pack = await loadPolicyPack(POLICY_DIR);
    const file = programOf.get(run);
    const wanted: Mode = preview ? "preview" : "update";
    const subject = run.mode === wanted || !file ? run : await runFile(file, wanted);
    // The pack's own verdicts on every resource, as `pulumi up`'s preview shows them all.
    return (await analyze([{ pack, config: resolvePolicyConfig(pack, config) }], subject, { stopAtMandatory: false })).verdicts;
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
