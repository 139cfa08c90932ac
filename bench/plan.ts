// `npm run bench:plan`: the offline plan of every stage against Node's floor for it, the time to load
// the two SDKs it cannot do without (`node -e "require('@pulumi/pulumi'); require('@pulumi/aws')"`),
// measured in the same run, interleaved, fresh processes, median of 5; then the whole unit suite.
// Prints figures and the ratio plan/floor per stage (target <= 1.6); asserts nothing.
import { STAGES } from "../stacks/stages";
import { median, PLAN, seconds } from "./time";

const RUNS = 5;
const MOCHA = require.resolve("mocha/bin/mocha.js");
const FLOOR = ["-e", "require('@pulumi/pulumi'); require('@pulumi/aws')"];

const stages: Record<string, { planSeconds: number; floorSeconds: number; ratio: number }> = {};
for (const stage of STAGES) {
    const plan: number[] = [];
    const floor: number[] = [];
    for (let i = 0; i < RUNS; i++) {
        floor.push(seconds(FLOOR));
        plan.push(seconds([...PLAN, "--config", `stage=${stage}`, "--json"]));
    }
    const planSeconds = median(plan);
    const floorSeconds = median(floor);
    const ratio = Math.round((planSeconds / floorSeconds) * 100) / 100;
    stages[stage] = { planSeconds, floorSeconds, ratio };
    console.log(`plan ${stage.padEnd(12)} ${planSeconds.toFixed(2)} s, floor ${floorSeconds.toFixed(2)} s: ${ratio.toFixed(2)} times the floor (target <= 1.6)`);
}
// The unit, policy and engine suites as `npm run test:unit` runs them: in parallel on the machine's two cores.
const unitSuiteSeconds = Math.round(seconds([MOCHA, "--parallel", "--jobs", "2", "tests/unit/**/*.test.ts", "tests/policy/**/*.test.ts", "tests/engine/**/*.test.ts"]) * 100) / 100;
console.log(`unit suite        ${unitSuiteSeconds.toFixed(2)} s`);
console.log(JSON.stringify({ stages, unitSuiteSeconds }));
