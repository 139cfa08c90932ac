// `npm run plan`: the offline preview of a stack, with no cloud account and no Pulumi CLI.
// Exit codes: 0 planned, 1 a mandatory policy is violated, 2 bad flags, unknown stack, invalid config
// or a program that throws.
import { parsePlanArgs } from "./args";
import { makePlan } from "./plan";
import { mandatoryViolations } from "./policy";
import { compare } from "./compare";
import { drawing } from "./drawing";
import { countCustom, planJson, renderCost, renderOutputs, renderTree, renderVerdicts } from "./render";

async function main(argv: string[]): Promise<number> {
    const opts = parsePlanArgs(argv);
    if (opts.compare) return compare(opts);
    const { run, region, policy, cost } = await makePlan(opts);
    if (opts.diagram) {
        process.stdout.write(drawing(run, opts.diagram));
        return 0;
    }
    const code = policy && mandatoryViolations(policy.verdicts).length > 0 ? 1 : 0;
    if (opts.json) {
        process.stdout.write(JSON.stringify(planJson(run, policy, cost), null, 2) + "\n");
        return code;
    }
    const out = [
        `Offline plan of ${run.project}/${run.stack} (${region}): what \`pulumi up\` would create, ${countCustom(run)} resources`,
        "",
        renderTree(run),
        "",
        renderOutputs(run.outputs),
        "",
        renderCost(cost, region),
        ...(policy ? ["", renderVerdicts(policy)] : []),
    ];
    process.stdout.write(out.join("\n") + "\n");
    return code;
}

main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: Error) => {
        process.stderr.write(`plan: ${err.message}\n`);
        process.exit(2);
    },
);
