// pulumi/pulumi's Node.js policy conformance tests through the plan CLI: the programs of
// sdk/nodejs/cmd/pulumi-language-nodejs/testdata/published/tsc/projects/policy-*, the packs of
// testdata/policies, and the test provider's generated TypeScript SDK (testdata/providers/
// conformance-component/sdks/simple-2.0.0), transpiled here and run against the offline engine's mocks;
// each run is a preview and an update, compared with AssertPreview and Assert of the Go test.
import * as fs from "fs";
import * as path from "path";
import { ConformanceRun, ConformanceTest, ExpectedEvent, ModeExpectation, readConformanceTests } from "./conformanceTests";
import { Outcome, planRun, ROOT, RunOutput } from "./planRun";

/* eslint-disable-next-line @typescript-eslint/no-require-imports */
const ts = require("typescript") as typeof import("typescript");

const TESTDATA = path.join("sdk", "nodejs", "cmd", "pulumi-language-nodejs", "testdata");

/** A node_modules of links to this project's packages, plus the generated SDKs transpiled to JavaScript. */
function modulesWithSdk(checkout: string, tmp: string): string {
    const modules = path.join(tmp, "node_modules");
    const ours = path.join(ROOT, "node_modules");
    fs.mkdirSync(path.join(modules, "@pulumi"), { recursive: true });
    for (const entry of fs.readdirSync(ours)) if (entry !== "@pulumi") fs.symlinkSync(path.join(ours, entry), path.join(modules, entry));
    for (const entry of fs.readdirSync(path.join(ours, "@pulumi"))) fs.symlinkSync(path.join(ours, "@pulumi", entry), path.join(modules, "@pulumi", entry));
    const sdk = path.join(checkout, TESTDATA, "providers", "conformance-component", "sdks", "simple-2.0.0");
    const dest = path.join(modules, "@pulumi", "simple");
    fs.mkdirSync(dest);
    fs.copyFileSync(path.join(sdk, "package.json"), path.join(dest, "package.json"));
    for (const file of fs.readdirSync(sdk).filter((f) => f.endsWith(".ts"))) {
        const out = ts.transpileModule(fs.readFileSync(path.join(sdk, file), "utf8"), { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020 } });
        fs.writeFileSync(path.join(dest, file.replace(/\.ts$/, ".js")), out.outputText);
    }
    return modules;
}

/** The program of run `i`: the project folder, or its numbered subfolder when the runs do not share source. */
function programOf(checkout: string, test: ConformanceTest, i: number): string {
    const dir = path.join(checkout, TESTDATA, "published", "tsc", "projects", test.name);
    return !test.runsShareSource && fs.existsSync(path.join(dir, String(i))) ? path.join(dir, String(i)) : dir;
}

/** What a verdict compares: rule and level, or the rule alone when the test names no level. */
const keyOf = (withLevel: boolean) => (v: { policyName?: string; level?: string }) => (withLevel ? `${v.policyName}/${v.level}` : `${v.policyName}`);

/** Does `run` meet `want`? verdict: exit status and the rules reported; exact: every known field too. */
function compare(want: ModeExpectation, run: RunOutput, mode: string): { verdict: boolean; missing: string[] } {
    const missing: string[] = [];
    if ((run.code !== 0) !== want.fails) missing.push(`${mode}: exit ${run.code}, expected ${want.fails ? "a failure" : "success"}: ${run.stderr.trim().split("\n").pop() ?? ""}`);
    const got = run.violations.map((v) => ({ policyName: v.policyName, level: v.enforcementLevel }));
    const key = keyOf(want.violations?.every((v) => v.level !== undefined) ?? true);
    if (want.violations && JSON.stringify(want.violations.map(key).sort()) !== JSON.stringify(got.map(key).sort())) {
        missing.push(`${mode}: violations ${got.map(key).join(", ") || "none"}, expected ${want.violations.map(key).join(", ") || "none"}`);
    }
    if (want.remediations && JSON.stringify(want.remediations.map((r) => r.policyName).sort()) !== JSON.stringify(run.remediations.map((r) => r.policyName).sort())) {
        missing.push(`${mode}: remediations ${run.remediations.map((r) => r.policyName).join(", ") || "none"}, expected ${want.remediations.map((r) => r.policyName).join(", ") || "none"}`);
    }
    const verdict = missing.length === 0;
    const version = (pack: string) => run.policyPacks.find((p) => p.name === pack)?.version;
    const matches = (w: ExpectedEvent, g: { urn: string; policyName: string; policyPack: string; message?: string; enforcementLevel?: string }) =>
        (w.urn === undefined || w.urn === g.urn) && w.policyName === g.policyName && (w.policyPack === undefined || w.policyPack === g.policyPack) &&
        (w.message === undefined || w.message === g.message) && (w.level === undefined || g.enforcementLevel === undefined || w.level === g.enforcementLevel) &&
        (w.version === undefined || w.version === version(g.policyPack));
    for (const w of want.violations ?? []) if (!run.violations.some((g) => matches(w, g))) missing.push(`${mode}: no violation ${JSON.stringify(w)}`);
    for (const w of want.remediations ?? []) if (!run.remediations.some((g) => matches(w, g))) missing.push(`${mode}: no remediation ${JSON.stringify(w)}`);
    for (const text of want.errorText) if (!run.stderr.includes(text)) missing.push(`${mode}: no ${JSON.stringify(text)} in ${JSON.stringify(run.stderr.trim())}`);
    return { verdict, missing };
}

function runOne(checkout: string, test: ConformanceTest, run: ConformanceRun, work: string): Outcome {
    // Copied under the work folder, whose node_modules has the SDKs.
    const program = path.join(work, "programs", `${test.name}-${run.index}`);
    fs.cpSync(programOf(checkout, test, run.index), program, { recursive: true });
    const args = ["--program", program, "--stack", "test"];
    for (const [k, v] of Object.entries(run.config)) args.push("--config", `${k}=${v}`);
    for (const [k, v] of Object.entries(run.stackTags)) args.push("--stack-tag", `${k}=${v}`);
    for (const [pack, config] of run.packs) {
        const dir = path.join(work, "packs", pack);
        if (!fs.existsSync(dir)) fs.cpSync(path.join(checkout, TESTDATA, "policies", pack), dir, { recursive: true });
        const file = path.join(work, "config", `${test.name}-${run.index}-${pack}.json`);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        // An empty Go map ({}) reads as an empty list; the engine gets no settings from either.
        fs.writeFileSync(file, JSON.stringify(config && !Array.isArray(config) ? config : {}));
        args.push("--policy-pack", dir, "--policy-pack-config", file);
    }
    const preview = compare(run.preview, planRun([...args, "--preview"], process.env), "preview");
    const update = compare(run.update, planRun(args, process.env), "update");
    const missing = [...preview.missing, ...update.missing];
    return { suite: "pulumi", test: test.name, scenario: run.index + 1, verdict: preview.verdict && update.verdict, exact: missing.length === 0, missing };
}

/** Runs every policy conformance test of a pulumi/pulumi checkout (or the one named `only`). */
export function runConformance(checkout: string, tmp: string, only: string | undefined, report: (o: Outcome, note: string) => void): Outcome[] {
    const dir = path.join(checkout, "pkg", "testing", "pulumi-test-language", "tests");
    const work = path.join(tmp, "conformance");
    fs.mkdirSync(work, { recursive: true });
    modulesWithSdk(checkout, work);
    const outcomes: Outcome[] = [];
    for (const file of fs.readdirSync(dir).filter((f) => /^policy_.*\.go$/.test(f)).sort()) {
        for (const test of readConformanceTests(fs.readFileSync(path.join(dir, file), "utf8"))) {
            if (only && test.name !== only) continue;
            for (const run of test.runs) {
                const o = runOne(checkout, test, run, work);
                outcomes.push(o);
                report(o, "");
            }
        }
    }
    return outcomes;
}
