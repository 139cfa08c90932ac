// Loads a policy pack folder as the CLI's policy host does (its entry point, from its own folder), but
// captures the pack's gRPC handlers instead of opening a socket. Each pack gets its own copy of
// @pulumi/policy, so several packs live in one process (the SDK allows one served pack per copy).
import * as fs from "fs";
import type { AnalyzerInfo, PolicyConfig, PolicyInfo as PolicyInfoMessage } from "@pulumi/pulumi/proto/analyzer_pb";
import * as path from "path";

/* eslint-disable @typescript-eslint/no-require-imports, @typescript-eslint/no-explicit-any */
const emptypb = require("google-protobuf/google/protobuf/empty_pb") as any;
const pulumiState = require("@pulumi/pulumi/runtime/state") as { getStore(): { settings: { options: Record<string, unknown> } } };
const pulumiConfig = require("@pulumi/pulumi/runtime/config") as { setAllConfig(c: Record<string, string>, secretKeys?: string[]): void };
/* eslint-enable @typescript-eslint/no-require-imports, @typescript-eslint/no-explicit-any */

/** What the engine hands a pack's process (PolicyAnalyzerOptions): the stack's config, project, stack and mode. */
export interface PackHostArgs {
    project: string;
    stack: string;
    organization?: string;
    /** Full config keys ("proj:key") to string values, as the program gets them. */
    config: Record<string, string>;
    secretKeys?: string[];
    /** True in preview. */
    dryRun: boolean;
}

/** The engine starts a pack with PULUMI_CONFIG and PULUMI_NODEJS_PROJECT/STACK/DRY_RUN set, so a pack's
 *  top-level `new pulumi.Config()` reads the stack's config; the runtime state here is the in-process equal. */
function hostRuntime(host: PackHostArgs): void {
    const options = pulumiState.getStore().settings.options;
    options.project = host.project;
    options.stack = host.stack;
    options.organization = host.organization ?? "organization";
    options.dryRun = host.dryRun;
    pulumiConfig.setAllConfig(host.config, host.secretKeys);
}

export type EnforcementLevel = "advisory" | "mandatory" | "remediate" | "disabled";

export const LEVELS: Record<number, EnforcementLevel> = { 0: "advisory", 1: "mandatory", 2: "disabled", 3: "remediate" };
export const LEVEL_CODES: Record<EnforcementLevel, number> = { advisory: 0, mandatory: 1, disabled: 2, remediate: 3 };

/** A JSON Schema (the subset policy config schemas use). */
export type JsonSchema = Record<string, unknown>;

export interface PolicyInfo {
    name: string;
    description: string;
    enforcementLevel: EnforcementLevel;
    /** The rule's config schema: properties with defaults, and required names; undefined when it takes none. */
    configSchema?: { properties: Record<string, JsonSchema>; required: string[] };
}

export interface PolicySettings {
    enforcementLevel?: EnforcementLevel;
    properties: Record<string, unknown>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Handler = (call: { request: unknown }, cb: (err: unknown, resp?: any) => void) => unknown;

export interface LoadedPack {
    dir: string;
    name: string;
    /** PulumiPolicy.yaml's version when it has one (the engine prefers it), else the package.json's. */
    version: string;
    policies: PolicyInfo[];
    /** The third argument of `new PolicyPack(...)`: settings the pack ships with. */
    initialConfig: Record<string, PolicySettings>;
    handlers: Record<string, Handler>;
}

/** A pack that cannot load: one line. */
export class PackError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "PackError";
    }
}

export function call<T>(handler: Handler, request: unknown): Promise<T> {
    return new Promise((resolve, reject) => {
        handler({ request }, (err, resp) => (err ? reject(err) : resolve(resp as T)));
    });
}

const loaded = new Map<string, LoadedPack>();

/** The version line of PulumiPolicy.yaml, if any. */
function yamlVersion(dir: string): string | undefined {
    const text = fs.readFileSync(path.join(dir, "PulumiPolicy.yaml"), "utf8");
    return /^version:\s*["']?([^"'\s#]+)/m.exec(text)?.[1];
}

/** Forgets @pulumi/policy's modules, so the next pack required gets a fresh copy with its own state. */
function forgetPolicySdk(policyDir: string): void {
    for (const key of Object.keys(require.cache)) if (key.startsWith(policyDir + path.sep)) delete require.cache[key];
}

/** Requires the pack's entry with gRPC's server stubbed; the SDK's own exits become a thrown PackError. */
function captureHandlers(abs: string): Record<string, Handler> {
    const policySdk = path.dirname(require.resolve("@pulumi/policy", { paths: [abs] }));
    const grpc = require(require.resolve("@grpc/grpc-js", { paths: [policySdk] }));
    const server = grpc.Server.prototype;
    const { addService, bindAsync } = server;
    const { exit } = process;
    const errors: string[] = [];
    const consoleError = console.error;
    let handlers: Record<string, Handler> | undefined;
    server.addService = (_service: unknown, impl: Record<string, Handler>) => (handlers = impl);
    server.bindAsync = () => undefined;
    console.error = (...args: unknown[]) => errors.push(args.map(String).join(" "));
    process.exit = ((code?: number) => {
        throw new PackError(`policy pack ${abs} stopped (exit ${code ?? 0}): ${errors.join(" ") || "no message"}`);
    }) as typeof process.exit;
    const cwd = process.cwd();
    forgetPolicySdk(policySdk);
    try {
        // The CLI runs the pack from its folder; PolicyPack reads the version from ./package.json.
        process.chdir(abs);
        require(abs);
    } catch (err) {
        if (err instanceof PackError) throw err;
        throw new PackError(`policy pack ${abs} failed to load: ${(err as Error).message.split("\n")[0]}`);
    } finally {
        process.chdir(cwd);
        server.addService = addService;
        server.bindAsync = bindAsync;
        process.exit = exit;
        console.error = consoleError;
    }
    if (!handlers) throw new PackError(`${abs} did not construct a PolicyPack`);
    return handlers;
}

function settingsOf(c: PolicyConfig): PolicySettings {
    return { enforcementLevel: LEVELS[c.getEnforcementlevel()], properties: (c.getProperties()?.toJavaScript() ?? {}) as Record<string, unknown> };
}

function policyInfo(p: PolicyInfoMessage): PolicyInfo {
    const schema = p.getConfigschema();
    return {
        name: p.getName(),
        description: p.getDescription(),
        enforcementLevel: LEVELS[p.getEnforcementlevel()],
        configSchema: schema ? { properties: (schema.getProperties()?.toJavaScript() ?? {}) as Record<string, JsonSchema>, required: schema.getRequiredList() } : undefined,
    };
}

/** Loads a policy pack folder once per process; any number of packs may be loaded. `host` is the stack the
 *  pack runs against, as the engine passes it; without it the pack sees whatever runtime state is set. */
export async function loadPolicyPack(dir: string, host?: PackHostArgs): Promise<LoadedPack> {
    const abs = path.resolve(dir);
    const cached = loaded.get(abs);
    if (cached) return cached;
    if (!fs.existsSync(path.join(abs, "PulumiPolicy.yaml"))) throw new PackError(`--policy-pack ${dir}: no PulumiPolicy.yaml in ${abs}; expected a policy pack folder`);
    if (host) hostRuntime(host);
    const handlers = captureHandlers(abs);
    const info = await call<AnalyzerInfo>(handlers.getAnalyzerInfo, new emptypb.Empty());
    const initialConfig: Record<string, PolicySettings> = {};
    info.getInitialconfigMap().forEach((c, name) => (initialConfig[name] = settingsOf(c)));
    const pack: LoadedPack = {
        dir: abs,
        name: info.getName(),
        version: yamlVersion(abs) ?? info.getVersion(),
        handlers,
        initialConfig,
        policies: info.getPoliciesList().map(policyInfo),
    };
    loaded.set(abs, pack);
    return pack;
}
