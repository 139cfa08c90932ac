// `npm run bench:plan`: wall time of the offline plan of every stage and of the whole unit suite,
// each in a fresh process as a user would run them. Prints figures; asserts nothing.
import { spawnSync } from "child_process";
import * as path from "path";
import { STAGES } from "../stacks/stages";

const ROOT = path.resolve(__dirname, "..");
const TS_NODE = require.resolve("ts-node/dist/bin.js");
const MOCHA = require.resolve("mocha/bin/mocha.js");

function time(args: string[]): number {
    const start = process.hrtime.bigint();
    const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: "utf8" });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (r.status !== 0) throw new Error(`${args.join(" ")} failed: ${r.stderr.trim().split("\n").pop()}`);
    return Math.round(seconds * 100) / 100;
}

const planSeconds: Record<string, number> = {};
for (const stage of STAGES) {
    planSeconds[stage] = time([TS_NODE, "--transpile-only", "plan/cli.ts", "--config", `stage=${stage}`, "--json"]);
    console.log(`plan ${stage.padEnd(12)} ${planSeconds[stage].toFixed(2)} s`);
}
const unitSuiteSeconds = time([MOCHA, "--spec", "tests/unit/**/*.test.ts"]);
console.log(`unit suite        ${unitSuiteSeconds.toFixed(2)} s`);
console.log(JSON.stringify({ planSeconds, unitSuiteSeconds }));
