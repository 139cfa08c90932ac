// Starts the SDK's own launchers (node_modules/@pulumi/pulumi/cmd/...) as child processes, the way the
// Pulumi CLI's Node.js language host does (sdk/nodejs/cmd/pulumi-language-nodejs/main.go: Run for a
// program, RunPlugin for a policy pack).
import { ChildProcessWithoutNullStreams, spawn } from "child_process";
import * as path from "path";

export const ROOT = path.resolve(__dirname, "../..");
export const SDK_CMD = path.join(ROOT, "node_modules/@pulumi/pulumi/cmd");

export interface LaunchArgs {
    /** The launcher: "run" or "run-policy-pack". */
    cmd: "run" | "run-policy-pack";
    args: string[];
    cwd: string;
    /** Added to the user's environment, as the language host adds its variables to its own. */
    env: Record<string, string>;
}

export interface Launched {
    child: ChildProcessWithoutNullStreams;
    output(): { stdout: string; stderr: string };
    /** Resolves with the exit code (or the signal's name). */
    exited: Promise<number | string>;
}

/** The user's environment without our own test runner's ts-node settings. */
function userEnv(): Record<string, string> {
    return Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && !e[0].startsWith("TS_NODE_")));
}

export function launch(a: LaunchArgs): Launched {
    const child = spawn(process.execPath, [path.join(SDK_CMD, a.cmd), ...a.args], { cwd: a.cwd, env: { ...userEnv(), ...a.env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const exited = new Promise<number | string>((resolve) => child.on("exit", (code, signal) => resolve(code ?? signal ?? "unknown")));
    return { child, output: () => ({ stdout, stderr }), exited };
}

/** The first line the child prints (a pack prints its port), or why it never came. */
export function firstLine(l: Launched, seconds: number): Promise<string> {
    return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no output within ${seconds} s: ${l.output().stderr}`)), seconds * 1000);
        const check = () => {
            const out = l.output().stdout;
            if (!out.includes("\n")) return;
            clearTimeout(timer);
            resolve(out.split("\n")[0].trim());
        };
        l.child.stdout.on("data", check);
        void l.exited.then((code) => {
            clearTimeout(timer);
            reject(new Error(`exited ${code} before printing: ${l.output().stderr.trim()}`));
        });
    });
}

/** Waits for the child to exit; kills it when it takes longer than `seconds`. */
export async function exitWithin(l: Launched, seconds: number): Promise<number | string> {
    const timer = setTimeout(() => l.child.kill("SIGKILL"), seconds * 1000);
    try {
        return await l.exited;
    } finally {
        clearTimeout(timer);
    }
}
