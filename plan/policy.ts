// The offline policy runner. It loads the real pack entry point (policy/index.ts) the way the CLI's
// policy host does, but captures the pack's gRPC handlers instead of opening a socket, then sends them
// the same protobuf requests the engine sends: Configure, ConfigureStack, one Analyze per resource and
// AnalyzeStack with parents, dependencies and property dependencies. The verdicts are the SDK's own.
import * as fs from "fs";
import * as path from "path";
import { PlannedResource, ProgramRun } from "./run";
import { UsageError } from "./stackFile";

/* eslint-disable @typescript-eslint/no-require-imports, @typescript-eslint/no-explicit-any */
const analyzerpb = require("@pulumi/pulumi/proto/analyzer_pb") as any;
const structpb = require("google-protobuf/google/protobuf/struct_pb") as any;
const UNKNOWN = (require("@pulumi/pulumi/runtime/rpc") as { unknownValue: string }).unknownValue;
/* eslint-enable @typescript-eslint/no-require-imports */

export type EnforcementLevel = "advisory" | "mandatory" | "remediate" | "disabled";

export interface Verdict {
    policyName: string;
    enforcementLevel: EnforcementLevel;
    message: string;
    urn: string;
}

export interface PolicyInfo {
    name: string;
    description: string;
    enforcementLevel: EnforcementLevel;
    /** JSON schema properties of the rule's config, with defaults. */
    configProperties: Record<string, { type?: string; default?: unknown }>;
}

type Handler = (call: { request: unknown }, cb: (err: unknown, resp?: any) => void) => unknown;

export interface LoadedPack {
    dir: string;
    name: string;
    version: string;
    policies: PolicyInfo[];
    handlers: Record<string, Handler>;
}

const LEVELS: Record<number, EnforcementLevel> = { 0: "advisory", 1: "mandatory", 2: "disabled", 3: "remediate" };
const LEVEL_CODES: Record<EnforcementLevel, number> = { advisory: 0, mandatory: 1, disabled: 2, remediate: 3 };

function call<T>(handler: Handler, request: unknown): Promise<T> {
    return new Promise((resolve, reject) => {
        handler({ request }, (err, resp) => (err ? reject(err) : resolve(resp as T)));
    });
}

const loaded = new Map<string, LoadedPack>();

/** Loads a policy pack folder once per process (the SDK serves one pack per process). */
export async function loadPolicyPack(dir: string): Promise<LoadedPack> {
    const abs = path.resolve(dir);
    const cached = loaded.get(abs);
    if (cached) return cached;
    if (loaded.size > 0) throw new UsageError(`only one policy pack per run; already loaded ${[...loaded.keys()][0]}`);
    if (!fs.existsSync(path.join(abs, "PulumiPolicy.yaml"))) throw new UsageError(`no PulumiPolicy.yaml in ${abs}: expected a policy pack folder`);

    const grpc = require(require.resolve("@grpc/grpc-js", { paths: [path.dirname(require.resolve("@pulumi/policy", { paths: [abs] }))] }));
    const server = grpc.Server.prototype;
    const { addService, bindAsync } = server;
    let handlers: Record<string, Handler> | undefined;
    server.addService = (_service: unknown, impl: Record<string, Handler>) => (handlers = impl);
    server.bindAsync = () => undefined;
    const cwd = process.cwd();
    try {
        // The CLI runs the pack from its folder; PolicyPack reads the version from ./package.json.
        process.chdir(abs);
        require(abs);
    } finally {
        process.chdir(cwd);
        server.addService = addService;
        server.bindAsync = bindAsync;
    }
    if (!handlers) throw new UsageError(`${abs} did not construct a PolicyPack`);

    const info = await call<any>(handlers.getAnalyzerInfo, new (require("google-protobuf/google/protobuf/empty_pb").Empty)());
    const pack: LoadedPack = {
        dir: abs,
        name: info.getName(),
        version: info.getVersion(),
        handlers,
        policies: info.getPoliciesList().map((p: any) => ({
            name: p.getName(),
            description: p.getDescription(),
            enforcementLevel: LEVELS[p.getEnforcementlevel()],
            configProperties: (p.getConfigschema()?.getProperties()?.toJavaScript() ?? {}) as PolicyInfo["configProperties"],
        })),
    };
    loaded.set(abs, pack);
    return pack;
}

/** A `--policy-pack-config` document: policy name (or "all") to a level or to {enforcementLevel, ...properties}. */
export type PolicyConfigFile = Record<string, unknown>;

export interface ResolvedPolicyConfig {
    enforcementLevel: EnforcementLevel;
    properties: Record<string, unknown>;
}

function isLevel(v: unknown): v is EnforcementLevel {
    return typeof v === "string" && v in LEVEL_CODES;
}

function typeOf(v: unknown): string {
    return Array.isArray(v) ? "array" : typeof v === "number" ? "number" : typeof v;
}

/** Applies a config file over the pack's defaults as the engine does; one clear line on anything off. */
export function resolvePolicyConfig(pack: LoadedPack, file: PolicyConfigFile, source = "policy config"): Record<string, ResolvedPolicyConfig> {
    const names = new Set(pack.policies.map((p) => p.name));
    for (const key of Object.keys(file)) {
        if (key !== "all" && !names.has(key)) throw new UsageError(`${source}: unknown policy '${key}'; expected one of all, ${[...names].join(", ")}`);
    }
    if (file.all !== undefined && !isLevel(file.all)) throw new UsageError(`${source}: 'all' = ${JSON.stringify(file.all)} is invalid: expected advisory, mandatory or disabled`);
    const result: Record<string, ResolvedPolicyConfig> = {};
    for (const p of pack.policies) {
        const entry = file[p.name];
        const given: Record<string, unknown> = isLevel(entry) ? { enforcementLevel: entry } : typeof entry === "object" && entry !== null ? { ...(entry as object) } : {};
        if (entry !== undefined && !isLevel(entry) && (typeof entry !== "object" || entry === null || Array.isArray(entry))) {
            throw new UsageError(`${source}: '${p.name}' = ${JSON.stringify(entry)} is invalid: expected a level or an object of settings`);
        }
        const { enforcementLevel, ...props } = given;
        if (enforcementLevel !== undefined && !isLevel(enforcementLevel)) {
            throw new UsageError(`${source}: '${p.name}.enforcementLevel' = ${JSON.stringify(enforcementLevel)} is invalid: expected advisory, mandatory or disabled`);
        }
        for (const [k, v] of Object.entries(props)) {
            const schema = p.configProperties[k];
            if (!schema) throw new UsageError(`${source}: '${p.name}.${k}' is not a setting of ${p.name}; expected one of ${Object.keys(p.configProperties).join(", ") || "(none)"}`);
            if (schema.type && typeOf(v) !== schema.type) throw new UsageError(`${source}: '${p.name}.${k}' = ${JSON.stringify(v)} is invalid: expected a ${schema.type}`);
        }
        const defaults = Object.fromEntries(Object.entries(p.configProperties).filter(([, s]) => s.default !== undefined).map(([k, s]) => [k, s.default]));
        result[p.name] = {
            enforcementLevel: (enforcementLevel as EnforcementLevel | undefined) ?? (file.all as EnforcementLevel | undefined) ?? p.enforcementLevel,
            properties: { ...defaults, ...props },
        };
    }
    return result;
}

export function readPolicyConfigFile(file: string): PolicyConfigFile {
    let doc: unknown;
    try {
        doc = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (err) {
        throw new UsageError(`cannot read policy config ${file}: ${(err as Error).message.split("\n")[0]}`);
    }
    if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw new UsageError(`${file}: expected a JSON object of policy names to settings`);
    return doc as PolicyConfigFile;
}

export interface PolicyRunOptions {
    /** A first `pulumi preview`: every property computed from another resource is still unknown. */
    preview: boolean;
    dryRun?: boolean;
}

/**
 * Props as the engine sends them. In a first preview every output of a resource not yet created is
 * unknown: a string computed from one (user data, a policy document) is unknown as a whole, and inside
 * lists and objects exactly the values that carry a dependency's id are unknown.
 */
function wireProps(r: PlannedResource, preview: boolean, idOf: Map<string, string>): Record<string, unknown> {
    if (!preview) return r.props;
    const props = { ...r.props };
    for (const [key, urns] of Object.entries(r.propertyDependencies)) {
        if (urns.length === 0 || !(key in props)) continue;
        const ids = urns.map((u) => idOf.get(u)).filter((id): id is string => !!id);
        props[key] = typeof props[key] === "string" ? UNKNOWN : unknownize(props[key], ids);
    }
    return props;
}

function unknownize(value: unknown, ids: string[]): unknown {
    if (typeof value === "string") return ids.some((id) => value.includes(id)) ? UNKNOWN : value;
    if (Array.isArray(value)) return value.map((v) => unknownize(v, ids));
    if (typeof value === "object" && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unknownize(v, ids)]));
    return value;
}

function options(r: PlannedResource): any {
    const o = new analyzerpb.AnalyzerResourceOptions();
    o.setProtect(r.protect);
    o.setIgnorechangesList(r.ignoreChanges);
    o.setDeletebeforereplace(r.deleteBeforeReplace);
    o.setDeletebeforereplacedefined(r.deleteBeforeReplace);
    o.setAdditionalsecretoutputsList(r.additionalSecretOutputs);
    o.setAliasesList([]);
    if (r.parent) o.setParent(r.parent);
    return o;
}

/** The default provider the engine would attach (programs under mocks register none). */
function provider(run: ProgramRun, r: PlannedResource, region: string): any {
    const pkg = r.type.split(":")[0];
    if (!r.custom || pkg === "pulumi") return undefined;
    const p = new analyzerpb.AnalyzerProviderResource();
    p.setType(`pulumi:providers:${pkg}`);
    p.setName(`default`);
    p.setUrn(`urn:pulumi:${run.stack}::${run.project}::pulumi:providers:${pkg}::default`);
    p.setProperties(structpb.Struct.fromJavaScript(pkg === "aws" ? { region } : {}));
    return p;
}

function readDiagnostics(resp: any, fallbackUrn: string): Verdict[] {
    return resp.getDiagnosticsList().map((d: any) => ({
        policyName: d.getPolicyname(),
        enforcementLevel: LEVELS[d.getEnforcementlevel()],
        message: d.getMessage(),
        urn: d.getUrn() || fallbackUrn,
    }));
}

/** Validates a program run with the pack and the resolved config; returns every verdict. */
export async function runPolicies(pack: LoadedPack, run: ProgramRun, config: Record<string, ResolvedPolicyConfig>, region: string, opts: PolicyRunOptions): Promise<Verdict[]> {
    const h = pack.handlers;
    const configure = new analyzerpb.ConfigureAnalyzerRequest();
    const map = configure.getPolicyconfigMap();
    for (const [name, c] of Object.entries(config)) {
        const pc = new analyzerpb.PolicyConfig();
        pc.setEnforcementlevel(LEVEL_CODES[c.enforcementLevel]);
        pc.setProperties(structpb.Struct.fromJavaScript(c.properties));
        map.set(name, pc);
    }
    await call(h.configure, configure);

    const stackReq = new analyzerpb.AnalyzerStackConfigureRequest();
    stackReq.setStack(run.stack);
    stackReq.setProject(run.project);
    stackReq.setDryRun(opts.dryRun ?? true);
    stackReq.getTagsMap().set("pulumi:project", run.project);
    stackReq.getTagsMap().set("pulumi:runtime", "nodejs");
    await call(h.configureStack, stackReq);

    const idOf = new Map(run.resources.map((r) => [r.urn, r.id]));
    // AnalyzeRequest and AnalyzerResource share these fields.
    const describe = (msg: any, r: PlannedResource) => {
        msg.setType(r.type);
        msg.setProperties(structpb.Struct.fromJavaScript(wireProps(r, opts.preview, idOf)));
        msg.setUrn(r.urn);
        msg.setName(r.name);
        msg.setOptions(options(r));
        const prov = provider(run, r, region);
        if (prov) msg.setProvider(prov);
        return msg;
    };
    const verdicts: Verdict[] = [];
    for (const r of run.resources) {
        const req = describe(new analyzerpb.AnalyzeRequest(), r);
        verdicts.push(...readDiagnostics(await call(h.analyze, req), r.urn));
    }

    const stack = new analyzerpb.AnalyzeStackRequest();
    stack.setResourcesList(run.resources.map((r) => {
        const a = describe(new analyzerpb.AnalyzerResource(), r);
        a.setParent(r.parent);
        a.setDependenciesList(r.dependencies);
        for (const [key, urns] of Object.entries(r.propertyDependencies)) {
            const d = new analyzerpb.AnalyzerPropertyDependencies();
            d.setUrnsList(urns);
            a.getPropertydependenciesMap().set(key, d);
        }
        return a;
    }));
    verdicts.push(...readDiagnostics(await call(h.analyzeStack, stack), ""));
    return verdicts;
}

export function mandatoryViolations(verdicts: Verdict[]): Verdict[] {
    return verdicts.filter((v) => v.enforcementLevel === "mandatory");
}
