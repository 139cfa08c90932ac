// Runs a Pulumi program in this process the way the language host runs it in a stack, against the
// in-process EngineMonitor, as a preview or as an update. A program that fails (a throw at load, a
// rejected promise, an error inside an apply) is reported at once with its message and the program's
// own file and line.
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as path from "path";
import { CloudMocks } from "./cloud";
import { EngineMonitor, Mode, RegisteredResource } from "./monitor";
import { secret, UNKNOWN } from "./wire";

/* eslint-disable @typescript-eslint/no-require-imports */
const settings = require("@pulumi/pulumi/runtime/settings") as {
    setMockOptions(monitor: unknown, project: string, stack: string, preview: boolean, organization?: string): void;
    waitForRPCs(): Promise<void>;
};
const stackModule = require("@pulumi/pulumi/runtime/stack") as { runInPulumiStack(init: () => Promise<unknown>): Promise<Record<string, unknown> | undefined> };
/* eslint-enable @typescript-eslint/no-require-imports */

export interface ProgramRun {
    project: string;
    stack: string;
    mode: Mode;
    /** Every registration in order, default providers included, as the engine records them. */
    resources: RegisteredResource[];
    /** Stack outputs in wire form: secrets wrapped, unknown ones as UNKNOWN. */
    outputs: Record<string, unknown>;
    stackUrn: string;
    organization: string;
    /** The config the program ran with (the engine passes it to packs too). */
    config: Record<string, string>;
    secretKeys: string[];
    /** The Pulumi.yaml's runtime name and description, for the stack's tags. */
    runtime: string;
    description?: string;
}

export interface RunArgs {
    /** The program's entry module (a file, or a folder with index.ts/index.js or a package.json main). */
    program: string;
    project: string;
    stack: string;
    /** "preview" (the default) as `pulumi preview`; "update" as `pulumi up`, outputs from the mocks. */
    mode?: Mode;
    /** Full config keys ("webapp:stage", "aws:region") to string values, as the language host passes them. */
    config: Record<string, string>;
    secretKeys: string[];
    /** The cloud's answers; default: plausible AWS answers in the config's region (us-east-1 without one). */
    mocks?: pulumi.runtime.Mocks;
    /** "organization" by default, as a DIY backend names it. */
    organization?: string;
    /** From Pulumi.yaml; "nodejs" and none by default. */
    runtime?: string;
    description?: string;
}

/** A program that failed to load or run: its message is one line; `where` is the program's file:line, when known. */
export class ProgramError extends Error {
    constructor(message: string, readonly where?: string) {
        super(message);
        this.name = "ProgramError";
    }

    /** The message with the place: what a person reads. */
    describe(): string {
        return this.where && !this.message.includes(this.where) ? `${this.message} (${this.where})` : this.message;
    }
}

let running = false;
/** The running program's failure callback; errors of programs that already failed are not reported again. */
let failRun: ((err: unknown) => void) | undefined;
const reported = new WeakSet<object>();
/** A failed program's pending promises may still reject later: the handler stays installed after one. */
let lingering = false;

function onProcessError(err: unknown): void {
    if (typeof err === "object" && err !== null && reported.has(err)) return;
    failRun?.(err);
}

function listen(on: boolean): void {
    const installed = process.listeners("unhandledRejection").includes(onProcessError);
    if (on && !installed) {
        process.on("unhandledRejection", onProcessError);
        process.on("uncaughtException", onProcessError);
    } else if (!on && installed) {
        process.off("unhandledRejection", onProcessError);
        process.off("uncaughtException", onProcessError);
    }
}

/** Runs the program once against a fresh monitor; throws ProgramError when it cannot load or fails. */
export async function runProgram(args: RunArgs): Promise<ProgramRun> {
    if (running) throw new Error("runProgram: one program at a time (the Pulumi runtime is global)");
    const entry = resolveEntry(args.program);
    running = true;
    const programDir = path.dirname(entry);
    // The language host stops at the first unhandled error; so does this run, instead of waiting forever.
    const failed = new Promise<never>((_, reject) => (failRun = reject));
    failed.catch(() => undefined);
    listen(true);
    const mode = args.mode ?? "preview";
    const organization = args.organization ?? "organization";
    try {
        const monitor = new EngineMonitor({
            project: args.project, stack: args.stack, mode, config: args.config,
            mocks: args.mocks ?? new CloudMocks(args.config["aws:region"] ?? "us-east-1"),
        });
        settings.setMockOptions(monitor, args.project, args.stack, mode === "preview", organization);
        pulumi.runtime.setAllConfig(args.config, args.secretKeys);
        registerTypeScript(entry);
        forgetModules(programDir);
        let exported: Record<string, unknown> = {};
        try {
            await Promise.race([
                (async () => {
                    await stackModule.runInPulumiStack(async () => {
                        // eslint-disable-next-line @typescript-eslint/no-require-imports
                        const mod = require(entry);
                        exported = mod && mod.__esModule && mod.default !== undefined ? mod.default : mod;
                        if (typeof exported === "function") exported = await (exported as () => Promise<Record<string, unknown>>)();
                        return exported;
                    });
                    await settings.waitForRPCs();
                })(),
                failed,
            ]);
            // Let rejections raised by the last callbacks arrive before judging the run.
            await Promise.race([new Promise((resolve) => setImmediate(resolve)), failed]);
            const outputs = await Promise.race([resolveOutputs(exported ?? {}), failed]);
            const project = readProjectFile(programDir);
            return {
                project: args.project, stack: args.stack, mode, resources: monitor.resources, outputs, stackUrn: monitor.stackUrn(), organization, config: args.config, secretKeys: args.secretKeys,
                runtime: args.runtime ?? project.runtime, description: args.description ?? project.description,
            };
        } catch (err) {
            if (typeof err === "object" && err !== null) reported.add(err);
            lingering = true;
            throw programError(err, programDir);
        }
    } finally {
        failRun = undefined;
        listen(lingering);
        running = false;
    }
}

function resolveEntry(program: string): string {
    const abs = path.resolve(program);
    if (!fs.existsSync(abs)) throw new ProgramError(`cannot load program '${program}': no such file or folder`);
    try {
        // A folder is resolved as one (its index or package.json main), never as a sibling file of its name.
        return require.resolve(fs.statSync(abs).isDirectory() ? abs + path.sep : abs);
    } catch {
        throw new ProgramError(`cannot load program '${program}': expected a .ts/.js file or a folder with index.ts, index.js or a package.json main`);
    }
}

/** A TypeScript program needs a transpiler when this process has none (a compiled plan): ts-node, transpile only. */
function registerTypeScript(entry: string): void {
    if (!entry.endsWith(".ts") || require.extensions[".ts"]) return;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    (require("ts-node") as { register(opts: object): void }).register({ transpileOnly: true, compilerOptions: { module: "commonjs", target: "ES2022" } });
}

/** Drops the program's own modules from the cache so a second run in this process builds anew. */
function forgetModules(dir: string): void {
    const root = path.resolve(dir) + path.sep;
    for (const key of Object.keys(require.cache)) {
        if (key.startsWith(root) && !key.includes(`${path.sep}node_modules${path.sep}`) && !key.startsWith(__dirname + path.sep)) {
            delete require.cache[key];
        }
    }
}

/** Runtime and description from the program's Pulumi.yaml, when it has one. */
function readProjectFile(dir: string): { runtime: string; description?: string } {
    const file = ["Pulumi.yaml", "Pulumi.yml"].map((f) => path.join(dir, f)).find((f) => fs.existsSync(f));
    if (!file) return { runtime: "nodejs" };
    const text = fs.readFileSync(file, "utf8");
    const runtime = /^runtime:\s*(?:\n\s+name:\s*)?["']?([\w-]+)/m.exec(text)?.[1] ?? "nodejs";
    const description = /^description:\s*["']?(.+?)["']?\s*$/m.exec(text)?.[1];
    return { runtime, description };
}

/** One line: the innermost message, and where in the program it was raised (file:line), when the stack says. */
export function programError(err: unknown, programDir: string): ProgramError {
    // Node's "Require stack" lists our own modules: noise for the program's author.
    const message = (err instanceof Error ? err.message : String(err)).split(/\s*Require stack:/)[0].replace(/\s*\n\s*/g, " ").trim();
    const stack = err instanceof Error ? err.stack ?? "" : "";
    const root = path.resolve(programDir) + path.sep;
    // A SyntaxError's stack begins with "file:line"; others have "at ... (file:line:col)" frames.
    const re = /(\/[^\s():]+):(\d+)/g;
    for (let m = re.exec(stack); m; m = re.exec(stack)) {
        const file = m[1];
        if (file.startsWith(root) && !file.includes(`${path.sep}node_modules${path.sep}`)) return new ProgramError(message, `${path.relative(process.cwd(), file)}:${m[2]}`);
    }
    return new ProgramError(message);
}

/** Resolves exported Outputs to wire values: secrets wrapped, unknown ones UNKNOWN, as a preview shows them. */
async function resolveOutputs(exported: Record<string, unknown>): Promise<Record<string, unknown>> {
    const result: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(exported)) {
        if (value === undefined) continue;
        const out = pulumi.output(value) as pulumi.Output<unknown> & { isKnown: Promise<boolean>; isSecret: Promise<boolean> };
        if (!(await out.isKnown)) {
            result[key] = UNKNOWN;
            continue;
        }
        const [plain, isSecret] = await Promise.all([new Promise<unknown>((resolve) => out.apply((v) => resolve(v))), out.isSecret]);
        result[key] = isSecret ? secret(plain) : plain;
    }
    return result;
}
