// Policy packs under the offline engine, as `pulumi preview|up --policy-pack` runs them: our own small
// packs and programs for each behaviour of the engine's analyzer host (pulumi/pulumi
// pkg/resource/deploy/step_generator.go, analyze_snapshot.go, pkg/resource/analyzer/config.go).
import { strict as assert } from "assert";
import { AWS_DEFAULT_PROVIDER } from "../helpers/cli";
import { PolicyConfigError } from "../../offline-engine/policyConfig";
import { check, detail, pack, program, run, STACK, urn } from "../helpers/engine";

/** A pack whose rules report, as JSON, what they were given. */
const SPY = pack({
    source: `
const out = (x) => JSON.stringify(x);
new policy.PolicyPack("spy", { policies: [
    { name: "resource", description: "what Analyze sends", enforcementLevel: "advisory",
      validateResource: (a, report) => report(out({ type: a.type, name: a.name, props: a.props, opts: a.opts, provider: a.provider && { urn: a.provider.urn, name: a.provider.name, props: a.provider.props },
          dryRun: require("@pulumi/pulumi").runtime.isDryRun(), where: [require("@pulumi/pulumi").getOrganization(), require("@pulumi/pulumi").getProject(), require("@pulumi/pulumi").getStack()], tags: Object.fromEntries(a.stackTags.entries()) })) },
    { name: "stack", description: "what AnalyzeStack sends", enforcementLevel: "advisory",
      validateStack: (a, report) => report(out(a.resources.map((r) => ({ urn: r.urn, props: r.props, parent: r.parent && r.parent.urn, deps: r.dependencies.map((d) => d.urn),
          propertyDependencies: Object.fromEntries(Object.entries(r.propertyDependencies).map(([k, v]) => [k, v.map((d) => d.urn)])) })))) },
] });`,
});

type Seen = { type: string; name: string; props: Record<string, unknown>; opts: Record<string, unknown>; provider?: { urn: string; name: string; props: Record<string, unknown> }; dryRun: boolean; where: string[]; tags: Record<string, string> };
type StackSeen = { urn: string; props: Record<string, unknown>; parent?: string; deps: string[]; propertyDependencies: Record<string, string[]> }[];

async function spy(source: string, mode: "preview" | "update" = "preview", stackTags?: Record<string, string>): Promise<{ resources: Seen[]; stack: StackSeen }> {
    const r = await run(program(source), mode);
    const { verdicts } = await check(r, [[SPY]], { stackTags });
    return {
        resources: verdicts.filter((v) => v.policyName === "resource").map((v) => JSON.parse(detail(v.message))),
        stack: JSON.parse(detail(verdicts.find((v) => v.policyName === "stack")!.message)),
    };
}

describe("offline engine: what analyzers receive", () => {
    it("analyzes the default provider too, and names it default_<version> with the stack's config", async () => {
        const { resources, stack } = await spy('new aws.s3.Bucket("b");');
        const provider = resources.find((x) => x.type === "pulumi:providers:aws")!;
        assert.equal(provider.name, AWS_DEFAULT_PROVIDER);
        const bucket = resources.find((x) => x.name === "b")!;
        assert.deepEqual(bucket.provider, { urn: urn("pulumi:providers:aws", AWS_DEFAULT_PROVIDER), name: AWS_DEFAULT_PROVIDER, props: provider.props });
        assert.equal(provider.props.region, "us-east-1");
        assert.deepEqual(stack.map((x) => x.urn), [STACK, urn("pulumi:providers:aws", AWS_DEFAULT_PROVIDER), urn("aws:s3/bucket:Bucket", "b")]);
    });

    it("strips internal __ properties and sends options as the engine does (timeouts in seconds, deleteBeforeReplace as set)", async () => {
        const { resources } = await spy([
            'new pulumi.CustomResource("acme:index:Thing", "t", { value: 1, __internal: "x" }, { customTimeouts: { create: "1m", delete: "2h" }, deleteBeforeReplace: false, protect: true, ignoreChanges: ["value"] });',
        ].join("\n"));
        const t = resources.find((x) => x.name === "t")!;
        assert.deepEqual(t.props, { value: 1 });
        assert.equal(t.opts.protect, true);
        assert.equal(t.opts.deleteBeforeReplace, false);
        assert.deepEqual(t.opts.ignoreChanges, ["value"]);
        assert.deepEqual(t.opts.customTimeouts, { createSeconds: 60, updateSeconds: 0, deleteSeconds: 7200 });
        assert.equal(t.provider!.name, "default", "a package with no version gets the provider named default");
    });

    it("gives an explicit provider the version of its package in its inputs, as the engine does", async () => {
        const { resources } = await spy('const east = new aws.Provider("east", { region: "us-east-1" });\nnew aws.s3.Bucket("b", {}, { provider: east });');
        const b = resources.find((x) => x.name === "b")!;
        assert.equal(b.provider!.name, "east");
        assert.equal(b.provider!.props.version, AWS_DEFAULT_PROVIDER.slice(8).replace(/_/g, "."));
    });

    it("gives a dynamic provider's default provider the whole config, keys whole, as the engine does", async () => {
        const r = await run(program('new pulumi.dynamic.Resource({ create: async () => ({ id: "x", outs: {} }) }, "d", {});'), "preview", { "proj:scenario": "1" });
        const provider = r.resources.find((x) => x.type === "pulumi:providers:pulumi-nodejs")!;
        assert.deepEqual(provider.props, { "proj:scenario": "1", "aws:region": "us-east-1" });
    });

    it("sends no aliases: the engine keeps only those that match an old resource, and an offline run has no old state", async () => {
        const { resources } = await spy('new aws.s3.Bucket("b", {}, { aliases: [{ name: "old-b" }] });');
        assert.deepEqual(resources.find((x) => x.name === "b")!.opts.aliases, []);
    });

    it("lists property dependencies only for properties that have some", async () => {
        const { stack } = await spy('const a = new aws.s3.Bucket("a", { bucket: "a-b" });\nnew aws.s3.Bucket("b", { bucket: a.bucket, forceDestroy: true });');
        const b = stack.find((x) => x.urn.endsWith("::b"))!;
        assert.deepEqual(b.propertyDependencies, { bucket: [urn("aws:s3/bucket:Bucket", "a")] });
        assert.deepEqual(b.deps, [urn("aws:s3/bucket:Bucket", "a")]);
        assert.equal(b.parent, STACK);
    });

    it("runs the pack with isDryRun() true in a preview and false in an update; AnalyzeStack sees outputs, Analyze inputs", async () => {
        const source = 'new aws.ec2.Instance("web", { ami: "ami-1", instanceType: "t3.micro" });';
        const preview = await spy(source, "preview");
        const update = await spy(source, "update");
        assert.equal(preview.resources[0].dryRun, true);
        assert.equal(update.resources[0].dryRun, false);
        assert.deepEqual(update.resources[0].where, ["organization", "proj", "test"], "the pack's runtime knows the organization, project and stack");
        const web = (s: { resources: Seen[]; stack: StackSeen }) => [s.resources.find((x) => x.name === "web")!.props, s.stack.find((x) => x.urn.endsWith("::web"))!.props];
        const [inputs, outputs] = web(update);
        assert.equal(inputs.privateIp, undefined);
        assert.match(String(outputs.privateIp), /^10\.0\./);
        assert.equal(web(preview)[1].privateIp, undefined, "a preview has no outputs yet");
    });

    it("sends the stack's tags: the CLI's pulumi:* ones, and those given", async () => {
        const { resources } = await spy('new aws.s3.Bucket("b");', "preview");
        assert.deepEqual(resources[0].tags, { "pulumi:project": "proj", "pulumi:runtime": "nodejs" });
        const tagged = await spy('new aws.s3.Bucket("b");', "preview", { owner: "team-a" });
        assert.deepEqual(tagged.resources[0].tags, { "pulumi:project": "proj", "pulumi:runtime": "nodejs", owner: "team-a" });
    });
});

describe("offline engine: verdicts as the engine reports them", () => {
    const URNS = pack({
        source: `new policy.PolicyPack("urns", { policies: [
    { name: "elsewhere", description: "names another URN", enforcementLevel: "mandatory",
      validateResource: (a, report) => { if (a.name === "b") report("b is wrong", "urn:pulumi:test::proj::aws:s3/bucket:Bucket::other"); } },
    { name: "whole", description: "a stack rule", enforcementLevel: "advisory",
      validateStack: (a, report) => { report("no urn"); report("the bucket", a.resources.find((r) => r.name === "b").urn); report("not in the stack", "urn:pulumi:test::proj::x:y:Z::nope"); } },
] });`,
    });

    it("names the analyzed resource for a resource rule, and for a stack rule the resource it names in the stack, else the stack", async () => {
        const { verdicts } = await check(await run(program('new aws.s3.Bucket("b");')), [[URNS]]);
        assert.deepEqual(verdicts.map((v) => [v.policyName, detail(v.message), v.urn]), [
            ["elsewhere", "b is wrong", urn("aws:s3/bucket:Bucket", "b")],
            ["whole", "no urn", STACK],
            ["whole", "the bucket", urn("aws:s3/bucket:Bucket", "b")],
            ["whole", "not in the stack", STACK],
        ]);
    });

    it("stops an update at the first resource with a mandatory violation, without AnalyzeStack; a preview goes on", async () => {
        const source = 'new aws.s3.Bucket("b");\nnew aws.s3.Bucket("c", {}, { dependsOn: [] });';
        const update = await check(await run(program(source), "update"), [[URNS]]);
        assert.equal(update.stoppedAt, urn("aws:s3/bucket:Bucket", "b"));
        assert.deepEqual(update.verdicts.map((v) => v.policyName), ["elsewhere"]);
        const preview = await check(await run(program(source), "preview"), [[URNS]]);
        assert.equal(preview.stoppedAt, undefined);
        assert.deepEqual(preview.verdicts.map((v) => v.policyName), ["elsewhere", "whole", "whole", "whole"]);
    });

    it("applies remediations before Analyze, in pack order; a remediate rule still violated is mandatory", async () => {
        const fix = pack({
            source: `new policy.PolicyPack("fix", { policies: [
    { name: "tag-it", description: "adds the owner tag", enforcementLevel: "remediate",
      remediateResource: (a) => (a.type === "aws:s3/bucket:Bucket" ? { ...a.props, tags: { owner: "ops" } } : undefined) },
    { name: "never", description: "cannot fix", enforcementLevel: "remediate",
      validateResource: (a, report) => { if (a.name === "b") report("still wrong"); } },
] });`,
        });
        const check2 = pack({
            source: `new policy.PolicyPack("check", { policies: [
    { name: "owner", description: "needs an owner tag", enforcementLevel: "mandatory",
      validateResource: (a, report) => { if (a.type === "aws:s3/bucket:Bucket" && !(a.props.tags && a.props.tags.owner)) report("no owner"); } },
] });`,
        });
        const result = await check(await run(program('new aws.s3.Bucket("b", { forceDestroy: true });')), [[fix], [check2]]);
        assert.deepEqual(result.remediations.map((x) => [x.policyName, x.urn, x.props]), [["tag-it", urn("aws:s3/bucket:Bucket", "b"), { forceDestroy: true, tags: { owner: "ops" } }]]);
        assert.deepEqual(result.verdicts.map((v) => [v.policyPack, v.policyName, v.enforcementLevel, detail(v.message)]), [["fix", "never", "mandatory", "still wrong"]]);
    });

    it("takes the version from PulumiPolicy.yaml over package.json's, as the engine does", async () => {
        const { loadPolicyPack } = await import("../../offline-engine/packs");
        const p = await loadPolicyPack(pack({ source: 'new policy.PolicyPack("versioned", { policies: [] });', version: "1.0.0", yamlVersion: "2.3.4" }));
        assert.equal(p.version, "2.3.4");
    });
});

describe("offline engine: the pack's process as the engine starts it", () => {
    it("gives the pack the stack's config, project, stack and mode while it loads (PULUMI_CONFIG, PULUMI_NODEJS_*)", async () => {
        const { loadPolicyPack } = await import("../../offline-engine/packs");
        const dir = pack({ source: `
const pulumi = require("@pulumi/pulumi");
const level = new pulumi.Config().require("level");
new policy.PolicyPack("hosted-" + pulumi.getProject() + "-" + pulumi.getStack() + "-" + pulumi.runtime.isDryRun(), { policies: [
    { name: "r", description: "d", enforcementLevel: level, validateResource: () => undefined },
] });` });
        const p = await loadPolicyPack(dir, { project: "proj", stack: "test", config: { "proj:level": "mandatory" }, dryRun: true });
        assert.equal(p.name, "hosted-proj-test-true");
        assert.deepEqual(p.policies.map((x) => [x.name, x.enforcementLevel]), [["r", "mandatory"]]);
    });
});

describe("offline engine: policy config as the engine resolves it", () => {
    const CONFIGURED = pack({
        source: `new policy.PolicyPack("configured", { policies: [
    { name: "limits", description: "reports its config", enforcementLevel: "advisory",
      configSchema: { properties: {
          count: { type: "integer", minimum: 1, maximum: 5, default: 2 },
          mode: { type: "string", enum: ["fast", "safe"] },
          fixed: { const: "x" },
          name: { type: "string", minLength: 2, maxLength: 4 },
          list: { type: "array", items: { type: "string" }, minItems: 1 },
          nothing: { type: "null" },
      }, required: ["mode"] },
      validateStack: (a, report) => report(JSON.stringify(a.getConfig())) },
    { name: "free", description: "takes no schema", enforcementLevel: "advisory",
      validateStack: (a, report) => report(JSON.stringify(a.getConfig())) },
] }, { limits: { enforcementLevel: "mandatory", mode: "safe" } });`,
    });

    const configOf = async (config: Record<string, unknown>) => {
        const { verdicts } = await check(await run(program('new aws.s3.Bucket("b");')), [[CONFIGURED, config]]);
        return Object.fromEntries(verdicts.map((v) => [v.policyName, { level: v.enforcementLevel, config: JSON.parse(detail(v.message)) }]));
    };

    it("merges schema defaults, the pack's initialConfig and the file; a rule without a schema takes any properties", async () => {
        assert.deepEqual(await configOf({ free: { anything: [1] } }), {
            limits: { level: "mandatory", config: { count: 2, mode: "safe" } },
            free: { level: "advisory", config: { anything: [1] } },
        });
    });

    it("sets every level with all, and passes names the pack does not know through", async () => {
        const seen = await configOf({ all: "advisory", "not-a-rule": "mandatory", limits: { count: 5, name: "abc", list: ["a"], nothing: null, fixed: "x" } });
        assert.equal(seen.limits.level, "advisory");
        assert.deepEqual(seen.limits.config, { count: 5, mode: "safe", name: "abc", list: ["a"], nothing: null, fixed: "x" });
    });

    // The CLI's words (pulumi/pulumi pkg/engine/update.go + gojsonschema), as pulumi/pulumi-policy's
    // tests/integration/config scenarios expect them: "validating policy config: <pack> <version>  <rule>: <field>: <problem>".
    const at = (problem: string) => `validating policy config: configured 1.0.0  limits: ${problem}`;
    const invalid: [string, Record<string, unknown>, string][] = [
        ["a number where an integer goes", { limits: { count: 1.5 } }, at("count: Invalid type. Expected: integer, given: number")],
        ["below the minimum", { limits: { count: 0 } }, at("count: Must be greater than or equal to 1")],
        ["above the maximum", { limits: { count: 6 } }, at("count: Must be less than or equal to 5")],
        ["a value outside the enum", { limits: { mode: "slow" } }, at(`mode: mode must be one of the following: "fast", "safe"`)],
        ["a const not met", { limits: { fixed: "y" } }, at(`fixed: fixed does not match: "x"`)],
        ["a string too short", { limits: { name: "a" } }, at("name: String length must be greater than or equal to 2")],
        ["a string too long", { limits: { name: "abcde" } }, at("name: String length must be less than or equal to 4")],
        ["too few items", { limits: { list: [] } }, at("list: Array must have at least 1 items")],
        ["a wrong item", { limits: { list: ["a", 1] } }, at("list.1: Invalid type. Expected: string, given: integer")],
        ["not null", { limits: { nothing: 0 } }, at("nothing: Invalid type. Expected: null, given: integer")],
        ["a level that does not exist", { limits: "loud" }, `parsing enforcement level for "limits": "loud" is not a valid enforcement level`],
        ["a level that is not a string", { limits: { enforcementLevel: 1 } }, `parsing enforcement level for "limits": 1 is not a valid enforcement level; must be a string`],
        ["an entry neither level nor object", { limits: 3 }, `parsing "limits": 3 is not a valid value; must be a string or object`],
    ];
    for (const [what, config, message] of invalid) {
        it(`refuses ${what}, in the CLI's words`, async () => {
            await assert.rejects(configOf(config), (err: PolicyConfigError) => {
                assert.deepEqual(err.lines, [message]);
                return true;
            });
        });
    }

    it("reports every problem, one sorted line each, as the engine does", async () => {
        await assert.rejects(configOf({ limits: { name: "abcdef", count: 1.5 } }), (err: PolicyConfigError) => {
            assert.deepEqual(err.lines, [at("count: Invalid type. Expected: integer, given: number"), at("name: String length must be less than or equal to 4")]);
            return true;
        });
    });

    it("refuses a name the pack does not know given properties but no level, as Configure does", async () => {
        await assert.rejects(configOf({ "not-a-rule": { x: 1 } }), (err: PolicyConfigError) => {
            assert.deepEqual(err.lines, [`configuring policy pack "configured" at ${JSON.stringify(CONFIGURED)}: invalid enforcement level ""`]);
            return true;
        });
    });

    it("refuses a required property missing once initialConfig is not there to give it", async () => {
        const bare = pack({ source: `new policy.PolicyPack("bare", { policies: [{ name: "r", description: "d", enforcementLevel: "advisory", configSchema: { properties: { mode: { type: "string" } }, required: ["mode"] }, validateStack: () => {} }] });` });
        await assert.rejects(check(await run(program('new aws.s3.Bucket("b");')), [[bare, {}]]), { message: "validating policy config: bare 1.0.0  r: mode is required" });
    });
});
