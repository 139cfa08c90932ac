// The engine's side of a `pulumi preview`, served over gRPC with the SDK's own protos, so the SDK's
// launchers (cmd/run, cmd/run-policy-pack) can be run here as the Pulumi CLI runs them. A
// ResourceMonitor records every registration and answers with the offline engine's cloud mocks (CloudMocks);
// an Engine collects the log and keeps the root resource. Providers, diffs and state need the real CLI
// and a cloud, which this machine has not.
import * as path from "path";
import { CloudMocks } from "../../offline-engine/cloud";
import { engineUrn } from "../../offline-engine/monitor";

/* eslint-disable @typescript-eslint/no-require-imports, @typescript-eslint/no-explicit-any */
// The SDK's own grpc-js, so its generated service definitions and messages fit.
export const grpc = require(require.resolve("@grpc/grpc-js", { paths: [path.dirname(require.resolve("@pulumi/pulumi/package.json"))] })) as typeof import("@grpc/grpc-js");
const resourceGrpc = require("@pulumi/pulumi/proto/resource_grpc_pb");
const engineGrpc = require("@pulumi/pulumi/proto/engine_grpc_pb");
const resourcePb = require("@pulumi/pulumi/proto/resource_pb");
const providerPb = require("@pulumi/pulumi/proto/provider_pb");
const enginePb = require("@pulumi/pulumi/proto/engine_pb");
const structPb = require("google-protobuf/google/protobuf/struct_pb");
const emptyPb = require("google-protobuf/google/protobuf/empty_pb");
const rpc = require("@pulumi/pulumi/runtime/rpc") as Record<string, string>;
/* eslint-enable @typescript-eslint/no-require-imports */

export interface ServeEngineArgs {
    project: string;
    stack: string;
    /** The region the mocks answer data sources with. */
    region: string;
}

export interface Registration {
    urn: string;
    type: string;
    name: string;
    /** The parent's URN ("" for the stack). */
    parent: string;
}

export interface LogEntry {
    severity: number;
    message: string;
}

export interface ServedEngine {
    /** host:port for both --monitor and --engine (one server hosts both services). */
    address: string;
    registrations: Registration[];
    logs: LogEntry[];
    close(): Promise<void>;
}

// Features whose callbacks server (transforms, hooks) this engine does not run; the program uses none.
const UNSUPPORTED = new Set(["transforms", "invokeTransforms", "resourceHooks", "errorHooks"]);

const sig = (v: unknown) => (typeof v === "object" && v !== null ? (v as Record<string, unknown>)[rpc.specialSigKey] : undefined);

/** Wire values as a provider sees them: secrets and output values unwrapped, references as their id. */
function plain(v: unknown): unknown {
    if (sig(v) === rpc.specialSecretSig || sig(v) === rpc.specialOutputValueSig) return plain((v as { value?: unknown }).value);
    if (sig(v) === rpc.specialResourceSig) return (v as { id?: string; urn: string }).id || (v as { urn: string }).urn;
    if (Array.isArray(v)) return v.map(plain);
    if (typeof v === "object" && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
    return v;
}

/** A provider's answer: the mocks' state, secret where the input was (as the engine marks it). */
function answer(wire: Record<string, unknown>, state: Record<string, unknown>): any {
    const out = Object.fromEntries(Object.entries(state).map(([k, v]) => [k, sig(wire[k]) === rpc.specialSecretSig ? { [rpc.specialSigKey]: rpc.specialSecretSig, value: v } : v]));
    return structPb.Struct.fromJavaScript(JSON.parse(JSON.stringify(out)));
}

/** A unary gRPC handler from a function of the request; a throw becomes the call's error. */
function unary<Req>(body: (req: Req) => unknown): import("@grpc/grpc-js").handleUnaryCall<Req, unknown> {
    return (call, cb) => {
        Promise.resolve()
            .then(() => body(call.request))
            .then((resp) => cb(null, resp), (err: unknown) => cb(err instanceof Error ? err : new Error(String(err))));
    };
}

export async function serveEngine(args: ServeEngineArgs): Promise<ServedEngine> {
    const mocks = new CloudMocks(args.region);
    const registrations: Registration[] = [];
    const logs: LogEntry[] = [];
    let root = "";
    const register = async (req: any, custom: boolean, importId: string) => {
        const wire = req.getObject()?.toJavaScript() ?? req.getProperties()?.toJavaScript() ?? {};
        const urn = engineUrn(args, req.getParent(), req.getType(), req.getName());
        registrations.push({ urn, type: req.getType(), name: req.getName(), parent: req.getParent() });
        // A component's outputs come from the program (RegisterResourceOutputs), not from a provider.
        if (!custom) return { urn, id: "", object: structPb.Struct.fromJavaScript({}) };
        const { id, state } = mocks.newResource({ type: req.getType(), name: req.getName(), inputs: plain(wire) as Record<string, any>, provider: req.getProvider(), custom, id: importId });
        return { urn, id: id ?? "", object: answer(wire, state) };
    };

    const server = new grpc.Server();
    server.addService(resourceGrpc.ResourceMonitorService, {
        supportsFeature: unary((req: any) => {
            const resp = new resourcePb.SupportsFeatureResponse();
            resp.setHassupport(!UNSUPPORTED.has(req.getId()));
            return resp;
        }),
        registerResource: unary(async (req: any) => {
            const r = await register(req, req.getCustom(), req.getImportid());
            const resp = new resourcePb.RegisterResourceResponse();
            resp.setUrn(r.urn);
            resp.setId(r.id);
            resp.setObject(r.object);
            return resp;
        }),
        readResource: unary(async (req: any) => {
            const r = await register(req, true, req.getId());
            const resp = new resourcePb.ReadResourceResponse();
            resp.setUrn(r.urn);
            resp.setProperties(r.object);
            return resp;
        }),
        registerResourceOutputs: unary(() => new emptyPb.Empty()),
        invoke: unary((req: any) => {
            const result = mocks.call({ token: req.getTok(), inputs: plain(req.getArgs()?.toJavaScript() ?? {}) as Record<string, any>, provider: req.getProvider() });
            const resp = new providerPb.InvokeResponse();
            resp.setReturn(structPb.Struct.fromJavaScript(JSON.parse(JSON.stringify(result))));
            return resp;
        }),
        signalAndWaitForShutdown: unary(() => new emptyPb.Empty()),
    });
    server.addService(engineGrpc.EngineService, {
        log: unary((req: any) => {
            logs.push({ severity: req.getSeverity(), message: req.getMessage() });
            return new emptyPb.Empty();
        }),
        getRootResource: unary(() => {
            const resp = new enginePb.GetRootResourceResponse();
            resp.setUrn(root);
            return resp;
        }),
        setRootResource: unary((req: any) => {
            root = req.getUrn();
            return new enginePb.SetRootResourceResponse();
        }),
    });
    const port = await new Promise<number>((resolve, reject) => server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
    return {
        address: `127.0.0.1:${port}`,
        registrations,
        logs,
        close: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
    };
}
