// `npm run plan` as a real process, as a user runs it.
import { spawnSync } from "child_process";
import * as path from "path";

export const ROOT = path.resolve(__dirname, "../..");

export function plan(args: string[], cwd = ROOT): { code: number | null; stdout: string; stderr: string } {
    const r = spawnSync(process.execPath, [require.resolve("ts-node/dist/bin.js"), "--transpile-only", path.join(ROOT, "plan/cli.ts"), ...args], { cwd, encoding: "utf8" });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
