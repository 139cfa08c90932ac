// `npm run plan`: the offline preview of a stack, with no cloud account and no Pulumi CLI.
// Exit codes: 0 planned, 2 bad flags, unknown stack, invalid config or a program that throws.
import { parsePlanArgs } from "./args";
import { makePlan } from "./plan";
import { countCustom, planJson, renderOutputs, renderTree } from "./render";

async function main(argv: string[]): Promise<number> {
    const opts = parsePlanArgs(argv);
    const { run, region } = await makePlan(opts);
    if (opts.json) {
        process.stdout.write(JSON.stringify(planJson(run), null, 2) + "\n");
        return 0;
    }
    const out = [
        `Offline plan of ${run.project}/${run.stack} (${region}): what \`pulumi up\` would create, ${countCustom(run)} resources`,
        "",
        renderTree(run),
        "",
        "Outputs:",
        renderOutputs(run.outputs),
    ];
    process.stdout.write(out.join("\n") + "\n");
    return 0;
}

main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: Error) => {
        process.stderr.write(`plan: ${err.message}\n`);
        process.exit(2);
    },
);
