// `npm run bench:policy`: the offline plan of each stage with the policy pack beside the same plan
// without it (--no-policy): fresh processes, the two kinds interleaved so drift hits both, median of 7.
import { STAGES } from "../stacks/stages";
import { median, PLAN, seconds } from "./time";

const RUNS = 7;
const result: Record<string, { withPack: number; withoutPack: number; addedPercent: number }> = {};
for (const stage of STAGES) {
    const plan = (extra: string[]) => seconds([...PLAN, "--config", `stage=${stage}`, "--json", ...extra]);
    const without: number[] = [];
    const withIt: number[] = [];
    for (let i = 0; i < RUNS; i++) {
        without.push(plan(["--no-policy"]));
        withIt.push(plan([]));
    }
    const withoutPack = median(without);
    const withPack = median(withIt);
    const addedPercent = Math.round(((withPack - withoutPack) / withoutPack) * 1000) / 10;
    result[stage] = { withPack, withoutPack, addedPercent };
    console.log(`${stage.padEnd(12)} with pack ${withPack.toFixed(2)} s, without ${withoutPack.toFixed(2)} s, +${addedPercent}%`);
}
console.log(JSON.stringify(result));
