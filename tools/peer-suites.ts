// `npm run peer-suites -- <pulumi-policy checkout> [--pulumi <pulumi checkout>] [--only <test>]`: runs
// Pulumi's own policy tests through the plan CLI (`--program`, `--policy-pack`, `--policy-pack-config`),
// each scenario as a preview and as an update, and compares with the tests' own expectations, read
// from their Go files: pulumi/pulumi-policy's tests/integration (Node.js scenarios) and, with --pulumi,
// pulumi/pulumi's Node.js policy conformance tests. A scenario's verdict is right when the exit status
// and the reported rules and levels are; it is exact when every expected string or field is too.
// Prints a line per scenario, a table per test and, last, one JSON line
// {"scenarios": n, "verdicts": n, "exact": n}. Nothing of the suites is copied into this project; the
// checkouts' test folders are copied to a temporary folder that uses this project's node_modules.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runConformance } from "./conformance";
import { Outcome } from "./planRun";
import { runPolicyIntegration } from "./policyIntegration";

const USAGE = "usage: npm run peer-suites -- <pulumi-policy checkout> [--pulumi <pulumi checkout>] [--only <test folder or name>]";

function report(o: Outcome, note: string): void {
    const mark = o.exact ? "exact  " : o.verdict ? "verdict" : "WRONG  ";
    process.stdout.write(`${mark}  ${o.suite} ${o.test} ${o.scenario}${note ? ` (${note})` : ""}${o.missing.length ? `\n           ${o.missing.join("\n           ")}` : ""}\n`);
}

function main(argv: string[]): number {
    const [checkout, ...rest] = argv;
    let pulumi: string | undefined;
    let only: string | undefined;
    for (let i = 0; i < rest.length; i += 2) {
        if (rest[i] === "--pulumi") pulumi = rest[i + 1];
        else if (rest[i] === "--only") only = rest[i + 1];
        else {
            process.stderr.write(`peer-suites: unknown flag ${JSON.stringify(rest[i])}; ${USAGE}\n`);
            return 2;
        }
    }
    if (!checkout || !fs.existsSync(path.join(checkout, "tests", "integration", "integration_test.go"))) {
        process.stderr.write(`peer-suites: checkout ${JSON.stringify(checkout ?? "")} is invalid: expected a pulumi/pulumi-policy checkout with tests/integration/integration_test.go; ${USAGE}\n`);
        return 2;
    }
    if (pulumi !== undefined && !fs.existsSync(path.join(pulumi, "pkg", "testing", "pulumi-test-language", "tests"))) {
        process.stderr.write(`peer-suites: --pulumi ${JSON.stringify(pulumi)} is invalid: expected a pulumi/pulumi checkout with pkg/testing/pulumi-test-language/tests\n`);
        return 2;
    }
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "peer-suites-"));
    let outcomes: Outcome[];
    let skipped: string[];
    try {
        ({ outcomes, skipped } = runPolicyIntegration(checkout, tmp, only, report));
        if (pulumi) outcomes.push(...runConformance(pulumi, tmp, only, report));
    } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
    }
    const count = (list: Outcome[], f: (o: Outcome) => boolean) => list.filter(f).length;
    process.stdout.write(`\n${"suite".padEnd(14)}${"test".padEnd(28)} scenarios  verdicts  exact\n`);
    for (const id of [...new Set(outcomes.map((o) => `${o.suite}\t${o.test}`))]) {
        const [suite, test] = id.split("\t");
        const mine = outcomes.filter((o) => o.suite === suite && o.test === test);
        process.stdout.write(`${suite.padEnd(14)}${test.padEnd(28)} ${String(mine.length).padStart(9)} ${String(count(mine, (o) => o.verdict)).padStart(9)} ${String(count(mine, (o) => o.exact)).padStart(6)}\n`);
    }
    if (skipped.length) process.stdout.write(`not runnable offline: ${skipped.join(", ")}\n`);
    process.stdout.write(JSON.stringify({ scenarios: outcomes.length, verdicts: count(outcomes, (o) => o.verdict), exact: count(outcomes, (o) => o.exact) }) + "\n");
    return 0;
}

process.exitCode = main(process.argv.slice(2));
