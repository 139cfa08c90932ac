// The policy pack through the SDK's own launcher (cmd/run-policy-pack), started as the Pulumi CLI's
// Node.js language host starts it (pulumi-language-nodejs main.go RunPlugin; the engine's
// analyzer_plugin.go constructEnv), type checking on; then spoken to over gRPC as the engine does.
import { strict as assert } from "assert";
import * as path from "path";
import { defaultPolicyConfig, POLICY_DIR, PROJECT_DIR } from "../../plan/plan";
import { analyze } from "../../offline-engine/analyze";
import { LoadedPack, loadPolicyPack } from "../../offline-engine/packs";
import { readPolicyConfigFile, resolvePolicyConfig } from "../../offline-engine/policyConfig";
import { ProgramRun } from "../../plan/run";
import { readStackConfig } from "../../plan/stackFile";
import { planStack } from "../helpers/plan";
import { runCase } from "../policy/harness";
import { grpc, serveEngine, ServedEngine } from "./engine";
import { firstLine, launch, Launched } from "./launch";

/* eslint-disable @typescript-eslint/no-require-imports, @typescript-eslint/no-explicit-any */
const analyzerGrpc = require("@pulumi/pulumi/proto/analyzer_grpc_pb");
const emptyPb = require("google-protobuf/google/protobuf/empty_pb");
// Its package.json says "v1.21.0"; the engine reads the plugin's version as plain semver.
const POLICY_SDK_VERSION = (require("@pulumi/policy/package.json") as { version: string }).version.replace(/^v/, "");
/* eslint-enable @typescript-eslint/no-require-imports */

const RULES: [string, string][] = [
    ["ssh-restricted", "mandatory"],
    ["no-public-database", "mandatory"],
    ["imdsv2-required", "advisory"],
    ["storage-encrypted", "advisory"],
    ["s3-public-access-blocked", "advisory"],
    ["db-backup-retention", "advisory"],
    ["required-tags", "advisory"],
    ["cost-guard", "advisory"],
    ["no-plaintext-secrets", "advisory"],
    ["https-listener", "advisory"],
    ["wide-private-ingress", "advisory"],
];
const LEVELS = ["advisory", "mandatory", "disabled", "remediate"];
// Type-checking the pack on a shared 2-core machine.
const START_SECONDS = 240;

describe("the policy pack through the SDK's launcher (cmd/run-policy-pack), as the engine runs it", function () {
    this.timeout((START_SECONDS + 120) * 1000);
    let engine: ServedEngine;
    let pack: Launched;
    let client: any;
    const stack = readStackConfig(PROJECT_DIR, "prod");

    before(async () => {
        engine = await serveEngine({ project: stack.project, stack: "prod", region: stack.config["aws:region"] });
        pack = launch({
            cmd: "run-policy-pack",
            // The engine's address, then the pack's folder (last, for an analyzer); run from that folder.
            args: [engine.address, POLICY_DIR],
            cwd: POLICY_DIR,
            env: {
                // PulumiPolicy.yaml's `runtime.options.typescript: true`.
                PULUMI_NODEJS_TYPESCRIPT: "true",
                PULUMI_CONFIG: JSON.stringify(stack.config),
                PULUMI_NODEJS_ORGANIZATION: "organization",
                PULUMI_NODEJS_PROJECT: stack.project,
                PULUMI_NODEJS_STACK: "prod",
                PULUMI_NODEJS_DRY_RUN: "true",
            },
        });
        const port = await firstLine(pack, START_SECONDS);
        assert.match(port, /^\d+$/, `the pack printed ${port}`);
        client = new analyzerGrpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    });

    after(async () => {
        client?.close();
        pack?.child.kill();
        if (pack) await pack.exited;
        await engine?.close();
    });

    const rpc = <T>(method: string, req: unknown) => new Promise<T>((resolve, reject) => client[method](req, (err: unknown, resp: T) => (err ? reject(err) : resolve(resp))));

    /** The same pack as the offline plan's, with every call going over the wire to the launched process. */
    const overTheWire = (local: LoadedPack): LoadedPack => ({
        ...local,
        handlers: Object.fromEntries(["analyze", "analyzeStack", "configure", "configureStack", "remediate"].map((m) => [m, (call: { request: unknown }, cb: (err: unknown, resp?: unknown) => void) => client[m](call.request, cb)])),
    });

    it("answers GetPluginInfo with the policy SDK's version", async () => {
        const info = await rpc<any>("getPluginInfo", new emptyPb.Empty());
        assert.equal(info.getVersion(), POLICY_SDK_VERSION);
        assert.match(info.getVersion(), /^\d+\.\d+\.\d+$/);
    });

    it("answers GetAnalyzerInfo with every rule, its level and its config schema", async () => {
        const info = await rpc<any>("getAnalyzerInfo", new emptyPb.Empty());
        assert.deepEqual([info.getName(), info.getVersion()], ["webapp-guardrails", "0.1.0"]);
        const policies = info.getPoliciesList();
        assert.deepEqual(policies.map((p: any) => [p.getName(), LEVELS[p.getEnforcementlevel()]]), RULES);
        const local = await loadPolicyPack(POLICY_DIR);
        for (const p of policies) {
            const schema = p.getConfigschema()?.getProperties()?.toJavaScript() ?? {};
            assert.deepEqual(schema, local.policies.find((l) => l.name === p.getName())!.configSchema?.properties ?? {}, p.getName());
            assert.ok(p.getDescription().endsWith("."), p.getName());
        }
        const ssh = policies.find((p: any) => p.getName() === "ssh-restricted").getConfigschema().getProperties().toJavaScript();
        assert.deepEqual([ssh.minIpv4Prefix.default, ssh.minIpv6Prefix.default], [24, 48]);
    });

    /** Verdicts of the launched pack against the offline plan's, for one program run and config file. */
    async function compare(run: ProgramRun, configFile: string | undefined) {
        const local = await loadPolicyPack(POLICY_DIR);
        const config = resolvePolicyConfig(local, configFile ? readPolicyConfigFile(configFile) : {});
        // Every verdict, as the preview before an update shows them (an update would stop at the first).
        const offline = await analyze([{ pack: local, config }], run, { stopAtMandatory: false });
        const wire = await analyze([{ pack: overTheWire(local), config }], run, { stopAtMandatory: false });
        assert.deepEqual(wire, offline);
        return wire.verdicts;
    }

    for (const name of ["dev", "prod"]) {
        it(`gives the offline plan's verdicts on the ${name} stack (Configure with policy/config/${name}.json, Analyze, AnalyzeStack)`, async () => {
            const run = await planStack({}, name);
            const verdicts = await compare(run, defaultPolicyConfig(name));
            assert.deepEqual(verdicts.filter((v) => v.enforcementLevel === "mandatory"), [], `${name} is compliant`);
            // Dev (stage 1, no deploy, no domain): the host's port 80 in plain HTTP, judged by AnalyzeStack over the wire.
            const https = verdicts.filter((v) => v.policyName === "https-listener").map((v) => `${v.enforcementLevel} ${v.urn.split("::").pop()}`);
            assert.deepEqual(https, name === "dev" ? ["advisory webapp-dev-app"] : []);
        });
    }

    it("gives the offline plan's verdicts on a program that opens SSH and a database to the world", async () => {
        const run = await runCase(`
            const sg = new aws.ec2.SecurityGroup("open", { ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] }] });
            new aws.rds.Instance("db", { engine: "postgres", instanceClass: "db.t4g.micro", allocatedStorage: 20, publiclyAccessible: true, vpcSecurityGroupIds: [sg.id] });
        `);
        const verdicts = await compare(run, path.join(POLICY_DIR, "config/prod.json"));
        const mandatory = verdicts.filter((v) => v.enforcementLevel === "mandatory");
        assert.ok(mandatory.some((v) => v.policyName === "ssh-restricted" && v.urn.endsWith("::open") && v.message.includes("0.0.0.0/0")), JSON.stringify(mandatory));
        assert.ok(mandatory.some((v) => v.policyName === "no-public-database" && v.urn.endsWith("::db")), JSON.stringify(mandatory));
    });
});
