// Wall time of a command in a fresh node process, as a user would run it.
import { spawnSync } from "child_process";
import * as path from "path";

export const ROOT = path.resolve(__dirname, "..");
/** `npm run plan` without npm, as the package.json script runs it. */
export const PLAN = ["plan/launch.js", "plan/cli.ts"];

export function seconds(args: string[], okCodes = [0]): number {
    const start = process.hrtime.bigint();
    const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: "utf8" });
    const s = Number(process.hrtime.bigint() - start) / 1e9;
    if (!okCodes.includes(r.status ?? -1)) throw new Error(`${args.join(" ")} failed: ${r.stderr.trim().split("\n").pop()}`);
    return s;
}

/** The median of some figures, to 2 decimals. */
export function median(xs: number[]): number {
    return Math.round([...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] * 100) / 100;
}
