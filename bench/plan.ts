// `npm run bench:plan`: wall time of the offline plan of every stage and of the whole unit suite,
// each in a fresh process as a user would run them. Prints figures; asserts nothing.
import { STAGES } from "../stacks/stages";
import { seconds, TS_NODE } from "./time";

const MOCHA = require.resolve("mocha/bin/mocha.js");

const planSeconds: Record<string, number> = {};
for (const stage of STAGES) {
    planSeconds[stage] = Math.round(seconds([TS_NODE, "--swc", "plan/cli.ts", "--config", `stage=${stage}`, "--json"]) * 100) / 100;
    console.log(`plan ${stage.padEnd(12)} ${planSeconds[stage].toFixed(2)} s`);
}
// The unit and policy suites as `npm run test:unit` runs them: in parallel on the machine's two cores.
const unitSuiteSeconds = Math.round(seconds([MOCHA, "--parallel", "--jobs", "2", "tests/unit/**/*.test.ts", "tests/policy/**/*.test.ts"]) * 100) / 100;
console.log(`unit suite        ${unitSuiteSeconds.toFixed(2)} s`);
console.log(JSON.stringify({ planSeconds, unitSuiteSeconds }));
