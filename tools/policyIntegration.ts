// pulumi/pulumi-policy's tests/integration through the plan CLI: each Node.js test folder copied to a
// temporary folder with this project's node_modules, each scenario run as a preview and as an update
// (the suite runs `pulumi up`, which does both) and compared with the suite's Go expectations.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { PeerScenario, PeerTest, readPeerTests } from "./peerSuites";
import { Outcome, planRun, ROOT } from "./planRun";

/** Installs an exactly pinned package of the program (e.g. @pulumi/random 4.0.0) beside it, with the registry's npm. */
function installPins(programDir: string): string[] {
    const pkg = JSON.parse(fs.readFileSync(path.join(programDir, "package.json"), "utf8")) as { dependencies?: Record<string, string> };
    const pinned: string[] = [];
    for (const [name, spec] of Object.entries(pkg.dependencies ?? {})) {
        if (!/^\d+\.\d+\.\d+$/.test(spec)) continue;
        const ours = JSON.parse(fs.readFileSync(path.join(ROOT, "node_modules", name, "package.json"), "utf8")) as { version: string };
        if (ours.version === spec) continue;
        const dest = path.join(programDir, "node_modules", name);
        fs.mkdirSync(dest, { recursive: true });
        const packed = spawnSync("npm", ["pack", `${name}@${spec}`, "--silent", "--pack-destination", dest], { encoding: "utf8" });
        if (packed.status !== 0) throw new Error(`npm pack ${name}@${spec} failed: ${packed.stderr.trim().split("\n").pop()}`);
        const tgz = path.join(dest, packed.stdout.trim().split("\n").pop()!);
        // Its own dependencies (@pulumi/pulumi) resolve to this project's, one level up, so the program and the runner share one SDK.
        spawnSync("tar", ["-xzf", tgz, "-C", dest, "--strip-components=1"]);
        fs.rmSync(tgz);
        pinned.push(`${name}@${spec}`);
    }
    return pinned;
}

function runScenario(test: PeerTest, s: PeerScenario, work: string): Outcome {
    const stack = `${test.dir}-1`;
    const args = ["--program", path.join(work, "program"), "--policy-pack", path.join(work, "policy-pack"), "--stack", stack, "--config", `scenario=${s.index}`];
    for (const [k, v] of Object.entries(test.initialConfig)) args.push("--config", `${k}=${v}`);
    for (const [k, v] of Object.entries(test.stackTags)) args.push("--stack-tag", `${k}=${v}`);
    if (s.policyPackConfig) {
        const file = path.join(work, "config", `scenario_${s.index}`, "policy-config.json");
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, JSON.stringify(s.policyPackConfig, null, 4));
        args.push("--policy-pack-config", file);
    }
    // The suite's packs check these against getProject() and getStack().
    const env = { ...process.env, PULUMI_TEST_PROJECT: test.dir, PULUMI_TEST_STACK: stack };
    const preview = planRun([...args, "--preview"], env);
    const update = planRun(args, env);
    const failed = preview.code !== 0 || update.code !== 0;
    const expectFail = s.wantErrors.length > 0 && !s.advisory;
    const seen = [...preview.violations, ...update.violations];
    const wanted = s.wantErrors.map((w) => /^\[(\w+)\] {2}(\S+)/.exec(w)).filter((m): m is RegExpExecArray => m !== null);
    const verdict = failed === expectFail && wanted.every(([, level, policy]) => seen.some((v) => v.enforcementLevel === level && v.policyName === policy));
    const text = `${preview.text}\n${update.text}`;
    const missing = s.wantErrors.filter((w) => !text.includes(w));
    if (!verdict && missing.length === 0) missing.push(`exit ${preview.code}/${update.code}, expected ${expectFail ? "a failure" : "success"}: ${(preview.text + update.text).split("\n").filter((l) => l.trim()).slice(-2).join(" | ")}`);
    return { suite: "pulumi-policy", test: test.dir, scenario: s.index, verdict, exact: verdict && missing.length === 0, missing };
}

/** Runs every runnable test of the checkout (or the one folder `only`); says which it cannot run and why. */
export function runPolicyIntegration(checkout: string, tmp: string, only: string | undefined, report: (o: Outcome, note: string) => void): { outcomes: Outcome[]; skipped: string[] } {
    const suite = path.join(checkout, "tests", "integration");
    const tests = readPeerTests(fs.readFileSync(path.join(suite, "integration_test.go"), "utf8")).filter((t) => !only || t.dir === only);
    const outcomes: Outcome[] = [];
    const skipped: string[] = [];
    for (const test of tests) {
        if (test.runtime !== "NodeJS") {
            skipped.push(`${test.dir} (${test.runtime} program)`);
            continue;
        }
        if (fs.existsSync(path.join(suite, test.dir, "testcomponent"))) {
            skipped.push(`${test.dir} (a Go component provider)`);
            continue;
        }
        const work = path.join(tmp, test.dir);
        fs.cpSync(path.join(suite, test.dir), work, { recursive: true });
        fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(work, "node_modules"));
        const pins = installPins(path.join(work, "program"));
        for (const s of test.scenarios) {
            const o = runScenario(test, s, work);
            outcomes.push(o);
            report(o, pins.join(", "));
        }
    }
    return { outcomes, skipped };
}
