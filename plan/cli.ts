// `npm run plan`: the offline preview of a stack, with no cloud account and no Pulumi CLI.
// Exit codes: 0 planned, 1 a mandatory policy is violated, 2 bad flags, unknown stack, invalid config
// or a program that throws.
import { mandatoryViolations } from "../offline-engine/analyze";
import { PolicyConfigError } from "../offline-engine/policyConfig";
import { HELP, parsePlanArgs } from "./args";
import { compare } from "./compare";
import { drawing } from "./drawing";
import { makePlan } from "./plan";
import { ProgramError } from "./run";
import { countCustom, planJson, renderCost, renderOutputs, renderTree, renderVerdicts } from "./render";

async function main(argv: string[]): Promise<number> {
    const opts = parsePlanArgs(argv);
    if (opts.help) {
        process.stdout.write(HELP + "\n");
        return 0;
    }
    if (opts.compare) return compare(opts);
    const { run, region, policy, cost } = await makePlan(opts);
    if (opts.diagram) {
        process.stdout.write(drawing(run, opts.diagram));
        return 0;
    }
    const code = policy && mandatoryViolations(policy.verdicts).length > 0 ? 1 : 0;
    if (opts.json) {
        process.stdout.write(JSON.stringify(planJson(run, policy, cost, opts.showSecrets), null, 2) + "\n");
        return code;
    }
    const out = [
        `Offline plan of ${run.project}/${run.stack} (${region}): what \`pulumi ${run.mode === "preview" ? "preview" : "up"}\` would create, ${countCustom(run)} resources`,
        "",
        renderTree(run, opts.showSecrets),
        "",
        renderOutputs(run.outputs, opts.showSecrets),
        "",
        renderCost(cost, region),
        ...(policy ? ["", renderVerdicts(policy)] : []),
    ];
    process.stdout.write(out.join("\n") + "\n");
    return code;
}

// Exit codes are set, never forced: process.exit() would cut a large --json written to a slow pipe.
let settled = false;
main(process.argv.slice(2)).then(
    (code) => {
        settled = true;
        process.exitCode = code;
    },
    (err: Error) => {
        settled = true;
        // A policy config's problems read as the CLI prints them, one "error: " line each.
        if (err instanceof PolicyConfigError) process.stderr.write(err.lines.map((l) => `error: ${l}\n`).join(""));
        else process.stderr.write(`plan: ${err instanceof ProgramError ? err.describe() : err.message}\n`);
        process.exitCode = 2;
    },
);
// A program that awaits something that never comes leaves nothing to run: say so instead of exiting 0.
process.on("beforeExit", () => {
    if (settled) return;
    settled = true;
    process.stderr.write("plan: the program never finished: it awaits a promise that nothing resolves\n");
    process.exitCode = 2;
});
