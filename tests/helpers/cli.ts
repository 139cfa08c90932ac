// `npm run plan` as a real process, as a user runs it (the package.json script's command).
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
    const r = spawnSync(process.execPath, [path.join(ROOT, "plan/launch.js"), path.join(ROOT, "plan/cli.ts"), ...args], { cwd, encoding: "utf8" });
    const result = { code: r.status, stdout: r.stdout, stderr: r.stderr };
    seen.set(key, result);
    return result;
}

/** The name the engine gives the default AWS provider: default_<the installed @pulumi/aws version>. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const AWS_DEFAULT_PROVIDER = `default_${(require("@pulumi/aws/package.json") as { version: string }).version.replace(/\./g, "_")}`;
