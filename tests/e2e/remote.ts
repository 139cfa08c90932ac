// Runs what the program's command resources carry, exactly, over real SSH: each remote.Command's
// `create` with its `stdin`, each CopyToRemote's file to its `remotePath`, with the connection the
// resource names. Also tells which steps `pulumi up` would run again between two plans.
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { isSecret, ProgramRun } from "../../plan/run";

interface Connection {
    host: string;
    port: number;
    user: string;
    privateKey: string;
}

export interface Step {
    name: string;
    kind: "command" | "copy";
    connection: Connection;
    /** The command line (command) or the remote path (copy). */
    create: string;
    stdin?: string;
    /** The local file a copy sends. */
    source?: string;
    /** Every input, to tell whether `pulumi up` would run the step again. */
    inputs: string;
}

function unwrap(value: unknown): unknown {
    if (isSecret(value)) return unwrap(value.value);
    if (Array.isArray(value)) return value.map(unwrap);
    if (typeof value === "object" && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrap(v)]));
    return value;
}

/** The deploy steps of a plan, in the order the engine creates them (registration order). */
export function deploySteps(run: ProgramRun): Step[] {
    return run.resources
        .filter((r) => r.type === "command:remote:Command" || r.type === "command:remote:CopyToRemote")
        .map((r) => {
            const p = unwrap(r.props) as Record<string, unknown>;
            const c = p.connection as Record<string, unknown>;
            const connection = { host: String(c.host), port: Number(c.port ?? 22), user: String(c.user), privateKey: String(c.privateKey) };
            return r.type === "command:remote:Command"
                ? { name: r.name, kind: "command" as const, connection, create: String(p.create), stdin: p.stdin as string | undefined, inputs: JSON.stringify(p) }
                : { name: r.name, kind: "copy" as const, connection, create: String(p.remotePath), source: String((p.source as Record<string, unknown>).path), inputs: JSON.stringify(p) };
        });
}

/** The steps `pulumi up` runs after a config change: those whose inputs changed (none: nothing runs). */
export function changedSteps(before: Step[], after: Step[]): Step[] {
    const old = new Map(before.map((s) => [s.name, s.inputs]));
    return after.filter((s) => old.get(s.name) !== s.inputs);
}

export interface StepResult {
    code: number | null;
    stdout: string;
    stderr: string;
    /** Until the step answered. */
    seconds: number;
    /** Until the host was settled after it (runStep only): the old release drained and stopped. */
    settledSeconds?: number;
}

const keyFiles = new Map<string, string>();
function keyFile(key: string): string {
    let file = keyFiles.get(key);
    if (!file) {
        file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "webapp-key-")), "id");
        fs.writeFileSync(file, key.endsWith("\n") ? key : `${key}\n`, { mode: 0o600 });
        keyFiles.set(key, file);
    }
    return file;
}

function sshOptions(c: Connection): string[] {
    return ["-i", keyFile(c.privateKey), "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-o", "BatchMode=yes"];
}

export interface Running {
    done: Promise<StepResult>;
    /** Cuts the SSH connection, as a dropped network would. */
    kill(): void;
    /** Resolves once the step's stderr (its log) matches. */
    logged(pattern: RegExp): Promise<void>;
}

/** Starts one step over SSH (a copy goes by scp, as CopyToRemote copies files). */
export function startStep(step: Step): Running {
    const c = step.connection;
    const [cmd, args] = step.kind === "command"
        ? ["ssh", [...sshOptions(c), "-p", String(c.port), `${c.user}@${c.host}`, "--", step.create]]
        : ["scp", [...sshOptions(c), "-q", "-P", String(c.port), step.source!, `${c.user}@${c.host}:${step.create}`]];
    const started = Date.now();
    const child = spawn(cmd, args as string[], { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const logged = (pattern: RegExp) => new Promise<void>((resolve, reject) => {
        const check = () => {
            if (!pattern.test(stderr)) return false;
            resolve();
            return true;
        };
        if (check()) return;
        const onData = () => check() && child.stderr.off("data", onData);
        child.stderr.on("data", onData);
        child.on("close", () => reject(new Error(`the step ended before its log matched ${pattern}:\n${stderr}`)));
    });
    child.stdin.end(step.stdin ?? "");
    const done = new Promise<StepResult>((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr, seconds: (Date.now() - started) / 1000 })));
    return { done, kill: () => child.kill("SIGKILL"), logged };
}

/** release.sh answers once the new release is live; its old release drains and stops while it still holds this lock. */
const RELEASE_LOCK = "/var/lib/webapp/release.lock";

/** Until no release runs on the test host (it is this machine): what tests look at after a step is settled. */
export async function settled(): Promise<void> {
    for (let waited = 0; fs.existsSync(RELEASE_LOCK); waited += 50) {
        if (waited > 60_000) throw new Error(`${RELEASE_LOCK} is still held after 60 s`);
        await new Promise((r) => setTimeout(r, 50));
    }
}

/** One step, and the host settled after it. */
export async function runStep(step: Step): Promise<StepResult> {
    const started = Date.now();
    const result = await startStep(step).done;
    await settled();
    return { ...result, settledSeconds: (Date.now() - started) / 1000 };
}

/** Runs steps in order; stops at the first failure and returns every result so far. */
export async function runSteps(steps: Step[]): Promise<StepResult[]> {
    const results: StepResult[] = [];
    for (const s of steps) {
        const r = await runStep(s);
        results.push(r);
        if (r.code !== 0) break;
    }
    return results;
}
