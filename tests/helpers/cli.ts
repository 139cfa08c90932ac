// `npm run plan` as a real process, as a user runs it.
import { spawnSync } from "child_process";
import * as path from "path";

export const ROOT = path.resolve(__dirname, "../..");

export interface CliResult {
    code: number | null;
    stdout: string;
    stderr: string;
}

const seen = new Map<string, CliResult>();

/** Runs the plan CLI; the same arguments in the same folder give the same answer, so it runs once. */
export function plan(args: string[], cwd = ROOT): CliResult {
    const key = JSON.stringify([args, cwd]);
    const known = seen.get(key);
    if (known) return known;
    const r = spawnSync(process.execPath, [require.resolve("ts-node/dist/bin.js"), "--swc", path.join(ROOT, "plan/cli.ts"), ...args], { cwd, encoding: "utf8" });
    const result = { code: r.status, stdout: r.stdout, stderr: r.stderr };
    seen.set(key, result);
    return result;
}
