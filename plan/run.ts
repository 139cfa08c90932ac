// Runs a Pulumi program in-process under mocks and records every resource registration the way the
// engine receives it: type, name, parent, inputs (secrets still marked), dependencies and property
// dependencies. This record is what the plan prints and what the policy runner validates.
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { PlanMocks } from "./mocks";

// Internal runtime modules: the language host uses the same calls to run a program in a stack.
/* eslint-disable @typescript-eslint/no-require-imports */
const rpc = require("@pulumi/pulumi/runtime/rpc") as {
    specialSigKey: string;
    specialSecretSig: string;
    specialAssetSig: string;
    specialArchiveSig: string;
};
const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };
const stackModule = require("@pulumi/pulumi/runtime/stack") as { runInPulumiStack(init: () => Promise<unknown>): Promise<Record<string, unknown> | undefined> };
/* eslint-enable @typescript-eslint/no-require-imports */

export interface PlannedResource {
    urn: string;
    /** The id the mocks gave it (a real preview would not know it yet). */
    id: string;
    type: string;
    name: string;
    /** URN of the parent ("" for the stack itself). */
    parent: string;
    custom: boolean;
    /**
     * Planned inputs in the engine's wire form (what an analyzer receives): secrets and assets are
     * objects marked with Pulumi's signature key; see isSecret, maskSecrets.
     */
    props: Record<string, unknown>;
    dependencies: string[];
    propertyDependencies: Record<string, string[]>;
    provider: string;
    protect: boolean;
    deleteBeforeReplace: boolean;
    ignoreChanges: string[];
    additionalSecretOutputs: string[];
}

export interface ProgramRun {
    project: string;
    stack: string;
    resources: PlannedResource[];
    /** Stack outputs, with secrets wrapped like props. */
    outputs: Record<string, unknown>;
}

export interface RunArgs {
    /** The program's entry module (a file or a folder with index.ts / package.json main). */
    program: string;
    project: string;
    stack: string;
    region: string;
    /** Full config keys ("webapp:stage", "aws:region") to string values, as the language host passes them. */
    config: Record<string, string>;
    secretKeys: string[];
}

/** A program that failed to load or run: its message is one line. */
export class ProgramError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "ProgramError";
    }
}

export function isSecret(value: unknown): value is { value: unknown } {
    return typeof value === "object" && value !== null && (value as Record<string, unknown>)[rpc.specialSigKey] === rpc.specialSecretSig;
}

export const SECRET_MASK = "[secret]";

/** For people and JSON: secrets masked, assets and archives shown by their path. */
export function maskSecrets(value: unknown): unknown {
    const sig = (v: unknown) => (typeof v === "object" && v !== null ? (v as Record<string, unknown>)[rpc.specialSigKey] : undefined);
    if (sig(value) === rpc.specialAssetSig || sig(value) === rpc.specialArchiveSig) {
        const v = value as Record<string, unknown>;
        return { [sig(value) === rpc.specialAssetSig ? "asset" : "archive"]: v.path ?? v.uri ?? "(inline)" };
    }
    if (isSecret(value)) return SECRET_MASK;
    if (Array.isArray(value)) return value.map(maskSecrets);
    if (typeof value === "object" && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskSecrets(v)]));
    return value;
}

let running = false;
const STALL_SECONDS = 120;

/** Runs the program once under fresh mocks; throws ProgramError when it cannot load or throws. */
export async function runProgram(args: RunArgs): Promise<ProgramRun> {
    if (running) throw new Error("runProgram: one program at a time (the Pulumi runtime is global)");
    running = true;
    const failures: unknown[] = [];
    const onRejection = (reason: unknown) => failures.push(reason);
    process.on("unhandledRejection", onRejection);
    // A program that awaits something that never comes would let node exit quietly with 0; fail instead.
    let stalled: NodeJS.Timeout | undefined;
    const stall = new Promise<never>((_, reject) => {
        stalled = setTimeout(() => reject(new ProgramError(`the program did not finish within ${STALL_SECONDS} s`)), STALL_SECONDS * 1000);
    });
    try {
        await pulumi.runtime.setMocks(new PlanMocks(args.region), args.project, args.stack, true);
        pulumi.runtime.setAllConfig(args.config, args.secretKeys);
        const resources = recordRegistrations();
        const entry = resolveEntry(args.program);
        forgetModules(path.dirname(entry));
        let exported: Record<string, unknown> = {};
        try {
            await stackModule.runInPulumiStack(async () => {
                // eslint-disable-next-line @typescript-eslint/no-require-imports
                const mod = require(entry);
                exported = mod && mod.__esModule && mod.default !== undefined ? mod.default : mod;
                return exported;
            });
            await Promise.race([settings.waitForRPCs(), stall]);
        } catch (err) {
            failures.unshift(err);
        }
        // Let rejections raised by the last callbacks arrive before judging the run.
        await new Promise((resolve) => setImmediate(resolve));
        if (failures.length > 0) throw new ProgramError(oneLine(failures[0]));
        return { project: args.project, stack: args.stack, resources, outputs: await Promise.race([resolveOutputs(exported), stall]) };
    } finally {
        clearTimeout(stalled);
        process.off("unhandledRejection", onRejection);
        running = false;
    }
}

function resolveEntry(program: string): string {
    try {
        return require.resolve(path.resolve(program));
    } catch {
        throw new ProgramError(`cannot load program '${program}': expected a .ts/.js file or a folder with index.ts`);
    }
}

/** Drops the program's own modules from the cache so a second run in this process builds anew. */
function forgetModules(dir: string): void {
    const root = path.resolve(dir) + path.sep;
    for (const key of Object.keys(require.cache)) {
        if (key.startsWith(root) && !key.includes(`${path.sep}node_modules${path.sep}`) && !key.startsWith(path.join(__dirname, path.sep))) {
            delete require.cache[key];
        }
    }
}

function oneLine(err: unknown): string {
    const text = err instanceof Error ? err.message : String(err);
    // Pulumi wraps errors raised while registering; keep the innermost reason on one line.
    return text.replace(/\s*\n\s*/g, " ").trim();
}

interface RegisterRequest {
    getType(): string;
    getName(): string;
    getParent(): string;
    getCustom(): boolean;
    getObject(): { toJavaScript(): Record<string, unknown> };
    getDependenciesList(): string[];
    getPropertydependenciesMap(): { forEach(cb: (value: { getUrnsList(): string[] }, key: string) => void): void };
    getProvider(): string;
    getProtect(): boolean;
    getDeletebeforereplace(): boolean;
    getIgnorechangesList(): string[];
    getAdditionalsecretoutputsList(): string[];
}

/** Wraps the mock monitor so every registration request is recorded with its URN. */
function recordRegistrations(): PlannedResource[] {
    const resources: PlannedResource[] = [];
    const monitor = pulumi.runtime.getMonitor() as unknown as {
        registerResource(req: RegisterRequest, cb: (err: unknown, resp?: { getUrn(): string; getId(): string }) => void): void;
    };
    const original = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, cb) => {
        original(req, (err, resp) => {
            if (!err && resp) {
                const propertyDependencies: Record<string, string[]> = {};
                req.getPropertydependenciesMap().forEach((deps, key) => (propertyDependencies[key] = deps.getUrnsList()));
                resources.push({
                    urn: resp.getUrn(),
                    id: resp.getId(),
                    type: req.getType(),
                    name: req.getName(),
                    parent: req.getParent(),
                    custom: req.getCustom(),
                    props: req.getObject().toJavaScript(),
                    dependencies: req.getDependenciesList(),
                    propertyDependencies,
                    provider: req.getProvider(),
                    protect: req.getProtect(),
                    deleteBeforeReplace: req.getDeletebeforereplace(),
                    ignoreChanges: req.getIgnorechangesList(),
                    additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
                });
            }
            cb(err, resp);
        });
    };
    return resources;
}

export const UNKNOWN_OUTPUT = "(known after apply)";

/** Resolves exported Outputs to plain values, keeping secrets wrapped; unknown ones say so, as a preview does. */
async function resolveOutputs(exported: Record<string, unknown>): Promise<Record<string, unknown>> {
    const result: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(exported)) {
        if (value === undefined) continue;
        const out = pulumi.output(value) as pulumi.Output<unknown> & { isKnown: Promise<boolean>; isSecret: Promise<boolean> };
        if (!(await out.isKnown)) {
            result[key] = UNKNOWN_OUTPUT;
            continue;
        }
        const [plain, secret] = await Promise.all([new Promise<unknown>((resolve) => out.apply((v) => resolve(v))), out.isSecret]);
        result[key] = secret ? { [rpc.specialSigKey]: rpc.specialSecretSig, value: plain } : plain;
    }
    return result;
}
