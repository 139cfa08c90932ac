// The engine's side of policy analysis, as pulumi/pulumi's step generator drives analyzers: Configure and
// ConfigureStack once per pack; per registered resource, in order, Remediate with every pack (a fix
// replaces the inputs the next pack and Analyze see) and then Analyze; at the end AnalyzeStack with the
// resources' final state. The request shapes are the engine's (pkg/resource/plugin/analyzer_plugin.go).
import type { AnalyzeDiagnostic, AnalyzeResponse, Remediation as RemediationMessage, RemediateResponse } from "@pulumi/pulumi/proto/analyzer_pb";
import { RegisteredResource } from "./monitor";
import { call, EnforcementLevel, LEVEL_CODES, LEVELS, LoadedPack, PolicySettings } from "./packs";
import { ProgramRun } from "./program";
import { stripInternalKeys } from "./wire";

/* eslint-disable @typescript-eslint/no-require-imports, @typescript-eslint/no-explicit-any */
const analyzerpb = require("@pulumi/pulumi/proto/analyzer_pb") as any;
const structpb = require("google-protobuf/google/protobuf/struct_pb") as any;
/* eslint-enable @typescript-eslint/no-require-imports */

type Dict = Record<string, unknown>;

export interface Verdict {
    policyPack: string;
    policyName: string;
    enforcementLevel: EnforcementLevel;
    message: string;
    /** The analyzed resource for a resource policy; for a stack policy the resource it named, else the stack. */
    urn: string;
}

export interface Remediation {
    policyPack: string;
    policyName: string;
    urn: string;
    /** The inputs after the fix. */
    props: Dict;
}

export interface Analysis {
    verdicts: Verdict[];
    remediations: Remediation[];
    /** An update stops at the first resource with a mandatory violation; AnalyzeStack does not run then. */
    stoppedAt?: string;
}

export interface PackRun {
    pack: LoadedPack;
    /** The resolved config (resolvePolicyConfig). */
    config: Record<string, PolicySettings>;
}

export interface AnalyzeArgs {
    /** Tags set on the stack (`pulumi stack tag set`), besides pulumi:project, pulumi:runtime and pulumi:description. */
    stackTags?: Record<string, string>;
    /**
     * Stop at the first resource with a mandatory violation, as an update does (default: in update mode).
     * `pulumi up` previews first and shows every violation then; a plan of an update may want that.
     */
    stopAtMandatory?: boolean;
}

// A resource's properties go to the pack for each rule kind (Analyze, AnalyzeStack, and as every
// resource's provider): converted once per object. The messages only carry them; nothing writes to them.
const structs = { stripped: new WeakMap<Dict, any>(), whole: new WeakMap<Dict, any>() };
function props(value: Dict, strip: boolean): any {
    const cache = strip ? structs.stripped : structs.whole;
    let struct = cache.get(value);
    if (!struct) {
        struct = structpb.Struct.fromJavaScript(strip ? stripInternalKeys(value) : value);
        cache.set(value, struct);
    }
    return struct;
}

function options(r: RegisteredResource): any {
    const o = new analyzerpb.AnalyzerResourceOptions();
    o.setProtect(r.options.protect);
    o.setIgnorechangesList(r.options.ignoreChanges);
    o.setDeletebeforereplace(r.options.deleteBeforeReplace ?? false);
    o.setDeletebeforereplacedefined(r.options.deleteBeforeReplace !== undefined);
    o.setAdditionalsecretoutputsList(r.options.additionalSecretOutputs);
    // The engine sends only aliases that matched a resource of the old state; an offline run has none.
    o.setAliasesList([]);
    const t = new analyzerpb.AnalyzerResourceOptions.CustomTimeouts();
    t.setCreate(r.options.customTimeouts?.create ?? 0);
    t.setUpdate(r.options.customTimeouts?.update ?? 0);
    t.setDelete(r.options.customTimeouts?.delete ?? 0);
    o.setCustomtimeouts(t);
    o.setParent(r.parent);
    return o;
}

function level(d: AnalyzeDiagnostic): EnforcementLevel {
    // A remediate-level rule still violated after its fix is mandatory; so is a stack rule at remediate.
    const l = LEVELS[d.getEnforcementlevel()];
    return l === "remediate" ? "mandatory" : l;
}

class Session {
    private readonly byUrn: Map<string, RegisteredResource>;
    /** Inputs after remediation, by URN. */
    private readonly inputs = new Map<string, Dict>();

    constructor(private readonly run: ProgramRun) {
        this.byUrn = new Map(run.resources.map((r) => [r.urn, r]));
    }

    inputsOf(r: RegisteredResource): Dict {
        return this.inputs.get(r.urn) ?? r.props;
    }

    setInputs(r: RegisteredResource, value: Dict): void {
        this.inputs.set(r.urn, value);
    }

    /** The state AnalyzeStack sees: the outputs, with any remediated inputs applied. */
    stateOf(r: RegisteredResource): Dict {
        const fixed = this.inputs.get(r.urn);
        return fixed ? { ...r.outputs, ...fixed } : r.outputs;
    }

    /** AnalyzeRequest and AnalyzerResource share these fields; `forRemediate` keeps the internal keys. */
    describe(msg: any, r: RegisteredResource, value: Dict, forRemediate = false): any {
        msg.setUrn(r.urn);
        msg.setType(r.type);
        msg.setName(r.name);
        msg.setProperties(props(value, !forRemediate));
        msg.setOptions(options(r));
        const ref = r.provider ? this.byUrn.get(r.provider.split("::").slice(0, -1).join("::")) : undefined;
        if (ref) {
            const p = new analyzerpb.AnalyzerProviderResource();
            p.setUrn(ref.urn);
            p.setType(ref.type);
            p.setName(ref.name);
            p.setProperties(props(ref.props, true));
            msg.setProvider(p);
        }
        return msg;
    }

    stackResource(r: RegisteredResource): any {
        const a = this.describe(new analyzerpb.AnalyzerResource(), r, this.stateOf(r));
        a.setParent(r.parent);
        a.setDependenciesList(r.dependencies);
        for (const [key, urns] of Object.entries(r.propertyDependencies)) {
            // The engine leaves out properties without dependencies.
            if (urns.length === 0) continue;
            const d = new analyzerpb.AnalyzerPropertyDependencies();
            d.setUrnsList(urns);
            a.getPropertydependenciesMap().set(key, d);
        }
        return a;
    }

    stackViolationUrn(urn: string): string {
        return this.byUrn.has(urn) ? urn : this.run.stackUrn;
    }
}

async function configure(p: PackRun, run: ProgramRun, args: AnalyzeArgs): Promise<void> {
    const h = p.pack.handlers;
    const entries = Object.entries(p.config);
    if (entries.length > 0) {
        const req = new analyzerpb.ConfigureAnalyzerRequest();
        for (const [name, c] of entries) {
            const pc = new analyzerpb.PolicyConfig();
            pc.setEnforcementlevel(LEVEL_CODES[c.enforcementLevel ?? "advisory"]);
            pc.setProperties(props(c.properties, false));
            req.getPolicyconfigMap().set(name, pc);
        }
        await call(h.configure, req);
    }
    const req = new analyzerpb.AnalyzerStackConfigureRequest();
    req.setStack(run.stack);
    req.setProject(run.project);
    req.setOrganization(run.organization);
    req.setDryRun(run.mode === "preview");
    // The CLI tags every stack with its project, runtime and description; the user's tags come on top.
    const tags = {
        "pulumi:project": run.project,
        "pulumi:runtime": run.runtime,
        ...(run.description ? { "pulumi:description": run.description } : {}),
        ...args.stackTags,
    };
    for (const [k, v] of Object.entries(tags)) req.getTagsMap().set(k, v);
    for (const [k, v] of Object.entries(run.config)) req.getConfigMap().set(k, v);
    req.setConfigSecretKeysList(run.secretKeys);
    await call(h.configureStack, req);
}

/** Runs every pack over a program run as the engine would in that run's mode; returns verdicts and fixes. */
export async function analyze(packs: PackRun[], run: ProgramRun, args: AnalyzeArgs = {}): Promise<Analysis> {
    for (const p of packs) await configure(p, run, args);
    const session = new Session(run);
    const result: Analysis = { verdicts: [], remediations: [] };
    const verdict = (p: PackRun, d: AnalyzeDiagnostic, urn: string): Verdict => ({
        policyPack: p.pack.name, policyName: d.getPolicyname(), enforcementLevel: level(d), message: d.getMessage(), urn,
    });
    for (const r of run.resources) {
        // Reads are not steps the engine analyzes one by one; AnalyzeStack still sees them.
        if (r.external) continue;
        for (const p of packs) {
            const resp = await call<RemediateResponse>(p.pack.handlers.remediate, session.describe(new analyzerpb.AnalyzeRequest(), r, session.inputsOf(r), true));
            for (const fix of resp.getRemediationsList() as RemediationMessage[]) {
                if (fix.getDiagnostic()) {
                    result.verdicts.push({ policyPack: p.pack.name, policyName: fix.getPolicyname(), enforcementLevel: "advisory", message: fix.getDiagnostic(), urn: r.urn });
                    continue;
                }
                const fixed = (fix.getProperties()?.toJavaScript() ?? {}) as Dict;
                session.setInputs(r, fixed);
                result.remediations.push({ policyPack: p.pack.name, policyName: fix.getPolicyname(), urn: r.urn, props: fixed });
            }
        }
        let invalid = false;
        for (const p of packs) {
            const resp = await call<AnalyzeResponse>(p.pack.handlers.analyze, session.describe(new analyzerpb.AnalyzeRequest(), r, session.inputsOf(r)));
            for (const d of resp.getDiagnosticsList()) {
                // The engine names the analyzed resource, whatever URN the rule passed.
                const v = verdict(p, d, r.urn);
                result.verdicts.push(v);
                invalid ||= v.enforcementLevel === "mandatory" && (args.stopAtMandatory ?? run.mode === "update");
            }
        }
        if (invalid) {
            result.stoppedAt = r.urn;
            return result;
        }
    }
    const stack = new analyzerpb.AnalyzeStackRequest();
    stack.setResourcesList(run.resources.map((r) => session.stackResource(r)));
    for (const p of packs) {
        const resp = await call<AnalyzeResponse>(p.pack.handlers.analyzeStack, stack);
        for (const d of resp.getDiagnosticsList()) result.verdicts.push(verdict(p, d, session.stackViolationUrn(d.getUrn())));
    }
    return result;
}

export function mandatoryViolations(verdicts: Verdict[]): Verdict[] {
    return verdicts.filter((v) => v.enforcementLevel === "mandatory");
}
