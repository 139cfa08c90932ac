// The resource monitor a program talks to, in-process: it plays the engine's part of a deployment.
// It names resources as the engine does, registers a default provider per package and version, marshals
// resource references as ids, and answers each registration as a preview or an update would:
// - preview: the planned state is the inputs; the id and every other output are unknown;
// - update: the cloud's answers (plausible, from the Mocks) give the id and the outputs.
// Every registration is recorded as the engine would hand it to an analyzer.
import * as pulumi from "@pulumi/pulumi";
import type { Alias } from "@pulumi/pulumi/proto/alias_pb";
import type { ReadResourceRequest, RegisterResourceOutputsRequest, RegisterResourceRequest, ResourceInvokeRequest, SupportsFeatureRequest } from "@pulumi/pulumi/proto/resource_pb";
import { createHash } from "crypto";
import { referencesToIds, UNKNOWN } from "./wire";

/* eslint-disable @typescript-eslint/no-require-imports, @typescript-eslint/no-explicit-any */
const rpc = require("@pulumi/pulumi/runtime/rpc") as {
    serializeProperties(label: string, props: unknown): Promise<Record<string, unknown>>;
    deserializeProperties(struct: unknown): Record<string, unknown>;
};
const structproto = require("google-protobuf/google/protobuf/struct_pb") as any;
const resproto = require("@pulumi/pulumi/proto/resource_pb") as any;
const provproto = require("@pulumi/pulumi/proto/provider_pb") as any;
/* eslint-enable @typescript-eslint/no-require-imports, @typescript-eslint/no-explicit-any */

type Dict = Record<string, unknown>;
type Callback = (err: Error | null, resp?: unknown) => void;

export type Mode = "preview" | "update";

export const ROOT_STACK_TYPE = "pulumi:pulumi:Stack";

/** Custom timeouts in seconds, as the engine hands them to analyzers. */
export interface CustomTimeouts {
    create?: number;
    update?: number;
    delete?: number;
}

export interface ResourceOptions {
    protect: boolean;
    retainOnDelete: boolean;
    /** Undefined when the program left it unset (the engine tells analyzers whether it was defined). */
    deleteBeforeReplace?: boolean;
    replaceOnChanges: string[];
    ignoreChanges: string[];
    additionalSecretOutputs: string[];
    /** URNs of the resources this one waits for explicitly (dependsOn), without those of its inputs. */
    dependsOn: string[];
    customTimeouts?: CustomTimeouts;
    /** The URNs this resource may have had before (computed from the program's alias specs). */
    aliases: string[];
    deletedWith: string;
}

export interface RegisteredResource {
    urn: string;
    /** The id: unknown in a preview of a new resource, the cloud's in an update. */
    id: string;
    type: string;
    name: string;
    /** URN of the parent ("" for the stack itself and default providers). */
    parent: string;
    custom: boolean;
    /** Read with `Resource.get` rather than created (the engine does not analyze reads one by one). */
    external: boolean;
    /**
     * Inputs in the engine's wire form (what Analyze receives): secrets, unknowns and assets as
     * signature-marked values, resources passed as inputs as their ids.
     */
    props: Record<string, unknown>;
    /** The state after the step: the inputs in a preview, the cloud's outputs in an update. */
    outputs: Record<string, unknown>;
    dependencies: string[];
    propertyDependencies: Record<string, string[]>;
    /** The provider reference `urn::id` ("" for providers and components). */
    provider: string;
    options: ResourceOptions;
}

export interface MonitorArgs {
    project: string;
    stack: string;
    mode: Mode;
    mocks: pulumi.runtime.Mocks;
    /** Full config keys ("aws:region") to values: a default provider takes its package's keys. */
    config: Record<string, string>;
}

/** The last segment of a type token, for URNs: `pkg:mod:Type`. */
function packageOf(type: string): string {
    return type.split(":")[0];
}

export function isProviderType(type: string): boolean {
    return type.startsWith("pulumi:providers:");
}

/** The engine's type chain of a URN (everything between project and name). */
/** `urn:pulumi:stack::project::parentType$type::name`; the root stack's type is left out, as the engine does. */
export function engineUrn(at: { stack: string; project: string }, parent: string, type: string, name: string): string {
    const parentType = parent ? qualifiedType(parent) : "";
    const chain = parentType && parentType !== ROOT_STACK_TYPE ? `${parentType}$${type}` : type;
    return `urn:pulumi:${at.stack}::${at.project}::${chain}::${name}`;
}

function qualifiedType(urn: string): string {
    return urn.split("::")[2] ?? "";
}

/** Go duration strings ("1h30m", "5m", "90s") in seconds; the engine parses them the same way. */
function durationSeconds(text: string): number | undefined {
    if (!text) return undefined;
    const units: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001 };
    let total = 0;
    const re = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
    let matched = "";
    for (let m = re.exec(text); m; m = re.exec(text)) {
        total += Number(m[1]) * units[m[2]];
        matched += m[0];
    }
    return matched === text ? total : undefined;
}

function stableId(text: string): string {
    const h = createHash("sha256").update(text).digest("hex");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export class EngineMonitor {
    readonly resources: RegisteredResource[] = [];
    private readonly byUrn = new Map<string, RegisteredResource>();
    /** Default provider references by package and version. */
    private readonly defaults = new Map<string, string>();

    constructor(private readonly args: MonitorArgs) {}

    urnOf(parent: string, type: string, name: string): string {
        return engineUrn(this.args, parent, type, name);
    }

    stackUrn(): string {
        return this.urnOf("", ROOT_STACK_TYPE, `${this.args.project}-${this.args.stack}`);
    }

    find(urn: string): RegisteredResource | undefined {
        return this.byUrn.get(urn);
    }

    private record(r: RegisteredResource): void {
        this.resources.push(r);
        this.byUrn.set(r.urn, r);
    }

    private createdId(urn: string): string {
        return this.args.mode === "preview" ? UNKNOWN : stableId(urn);
    }

    /** The engine registers one default provider per package and version, named default_<version>, config from the stack. */
    private defaultProvider(pkg: string, version: string): string {
        const key = `${pkg}@${version}`;
        const known = this.defaults.get(key);
        if (known) return known;
        const name = version ? `default_${version.replace(/[.+-]/g, "_")}` : "default";
        const urn = this.urnOf("", `pulumi:providers:${pkg}`, name);
        const props: Dict = {};
        // A dynamic provider (pulumi-nodejs, pulumi-python) gets the whole config, keys kept whole (deploy/target.go).
        const dynamic = pkg === "pulumi-nodejs" || pkg === "pulumi-python";
        for (const [k, v] of Object.entries(this.args.config)) {
            if (dynamic) props[k] = v;
            else if (k.startsWith(`${pkg}:`)) props[k.slice(pkg.length + 1)] = v;
        }
        if (version) props.version = version;
        const id = this.createdId(urn);
        this.record({
            urn, id, type: `pulumi:providers:${pkg}`, name, parent: "", custom: true, external: false, props, outputs: props,
            dependencies: [], propertyDependencies: {}, provider: "", options: emptyOptions(),
        });
        const ref = `${urn}::${id}`;
        this.defaults.set(key, ref);
        return ref;
    }

    private aliasUrns(req: RegisterResourceRequest, type: string, name: string, parent: string): string[] {
        return req.getAliasesList().map((a: Alias) => {
            const spec = a.getSpec();
            if (!spec) return a.getUrn();
            const aliasParent = spec.getNoparent() ? "" : spec.getParenturn() || parent;
            const urn = this.urnOf(aliasParent, spec.getType() || type, spec.getName() || name);
            const [, , ...rest] = urn.split("::");
            return [`urn:pulumi:${spec.getStack() || this.args.stack}`, spec.getProject() || this.args.project, ...rest].join("::");
        });
    }

    registerResource(req: RegisterResourceRequest, cb: Callback): void {
        const type = req.getType();
        const name = req.getName();
        const parent = req.getParent();
        const custom = req.getCustom();
        const urn = this.urnOf(parent, type, name);
        const pkg = packageOf(type);
        const provider = req.getProvider() || (custom && pkg !== "pulumi" && !isProviderType(type) ? this.defaultProvider(pkg, req.getVersion()) : "");
        const props = referencesToIds(req.getObject()?.toJavaScript() ?? {}) as Dict;
        // The engine writes an explicit provider's SDK version into its inputs, as it does for default ones.
        if (isProviderType(type) && req.getVersion()) props.version = req.getVersion();
        const propertyDependencies: Record<string, string[]> = {};
        req.getPropertydependenciesMap().forEach((deps, key) => (propertyDependencies[key] = deps.getUrnsList()));
        const timeouts = req.getCustomtimeouts();
        const customTimeouts = timeouts
            ? { create: durationSeconds(timeouts.getCreate()), update: durationSeconds(timeouts.getUpdate()), delete: durationSeconds(timeouts.getDelete()) }
            : undefined;
        const fromInputs = new Set(Object.values(propertyDependencies).flat());
        const record: RegisteredResource = {
            urn, id: custom ? this.createdId(urn) : "", type, name, parent, custom, external: false, props, outputs: props,
            dependencies: req.getDependenciesList(), propertyDependencies, provider,
            options: {
                protect: req.getProtect() ?? false,
                retainOnDelete: req.getRetainondelete() ?? false,
                deleteBeforeReplace: req.getDeletebeforereplacedefined() ? req.getDeletebeforereplace() : undefined,
                replaceOnChanges: req.getReplaceonchangesList(),
                ignoreChanges: req.getIgnorechangesList(),
                additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
                dependsOn: req.getDependenciesList().filter((d) => !fromInputs.has(d)),
                customTimeouts: customTimeouts && Object.values(customTimeouts).some((v) => v !== undefined) ? customTimeouts : undefined,
                aliases: this.aliasUrns(req, type, name, parent),
                deletedWith: req.getDeletedwith(),
            },
        };
        this.record(record);
        this.answer(record, req.getImportid(), cb, (urnOut, id, state) => {
            const resp = new resproto.RegisterResourceResponse();
            resp.setUrn(urnOut);
            resp.setId(id);
            resp.setObject(structproto.Struct.fromJavaScript(state));
            return resp;
        });
    }

    /** Fills the record's id and outputs as the mode says, then answers the SDK. */
    private answer(record: RegisteredResource, importId: string, cb: Callback, respond: (urn: string, id: string, state: Dict) => unknown): void {
        const settle = async () => {
            if (record.custom && !isProviderType(record.type) && (this.args.mode === "update" || record.external)) {
                const result = await this.args.mocks.newResource({
                    type: record.type, name: record.name, inputs: rpc.deserializeProperties(structproto.Struct.fromJavaScript(record.props)),
                    provider: record.provider, custom: true, id: importId || undefined,
                });
                record.id = result.id ?? record.id;
                record.outputs = referencesToIds(await rpc.serializeProperties("", result.state)) as Dict;
            }
            // A preview answers with the inputs: an empty id and every missing output make the SDK say unknown.
            const id = this.args.mode === "preview" && !record.external ? "" : record.id;
            return respond(record.urn, id, record.outputs);
        };
        settle().then((resp) => cb(null, resp), (err: Error) => cb(err));
    }

    readResource(req: ReadResourceRequest, cb: Callback): void {
        const type = req.getType();
        const parent = req.getParent();
        const urn = this.urnOf(parent, type, req.getName());
        const props = referencesToIds(req.getProperties()?.toJavaScript() ?? {}) as Dict;
        const provider = req.getProvider() || this.defaultProvider(packageOf(type), req.getVersion());
        const record: RegisteredResource = {
            urn, id: req.getId(), type, name: req.getName(), parent, custom: true, external: true, props, outputs: props,
            dependencies: req.getDependenciesList(), propertyDependencies: {}, provider, options: emptyOptions(),
        };
        this.record(record);
        this.answer(record, req.getId(), cb, (urnOut, _id, state) => {
            const resp = new resproto.ReadResourceResponse();
            resp.setUrn(urnOut);
            resp.setProperties(structproto.Struct.fromJavaScript(state));
            return resp;
        });
    }

    registerResourceOutputs(req: RegisterResourceOutputsRequest, cb: Callback): void {
        const r = this.byUrn.get(req.getUrn());
        if (r) r.outputs = referencesToIds(req.getOutputs()?.toJavaScript() ?? {}) as Dict;
        cb(null, {});
    }

    invoke(req: ResourceInvokeRequest, cb: Callback): void {
        const token = req.getTok();
        const run = async () => {
            const inputs = rpc.deserializeProperties(req.getArgs());
            let result: Dict;
            if (token === "pulumi:pulumi:getResource") {
                const r = this.byUrn.get(String(inputs.urn));
                if (!r) throw new Error(`unknown resource ${String(inputs.urn)}`);
                result = { urn: r.urn, id: r.id, state: r.outputs };
            } else {
                result = await rpc.serializeProperties("", await this.args.mocks.call({ token, inputs, provider: req.getProvider() }));
            }
            const resp = new provproto.InvokeResponse();
            resp.setReturn(structproto.Struct.fromJavaScript(result));
            return resp;
        };
        run().then((resp) => cb(null, resp), (err: Error) => cb(err));
    }

    call(_req: unknown, cb: Callback): void {
        cb(new Error("method calls on multi-language components need their provider plugin, which does not run offline"));
    }

    supportsFeature(req: SupportsFeatureRequest, cb: Callback): void {
        // The engine supports all of these; output values and transforms need a callback server we do not run.
        const id = req.getId();
        cb(null, { getHassupport: () => id !== "outputValues" && id !== "transforms" && id !== "invokeTransforms" && id !== "resourceHooks" && id !== "errorHooks" });
    }

    registerPackage(_req: unknown, cb: Callback): void {
        const resp = new resproto.RegisterPackageResponse();
        resp.setRef(stableId("package"));
        cb(null, resp);
    }
}

function emptyOptions(): ResourceOptions {
    return { protect: false, retainOnDelete: false, replaceOnChanges: [], ignoreChanges: [], additionalSecretOutputs: [], dependsOn: [], aliases: [], deletedWith: "" };
}
