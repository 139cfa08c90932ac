// The program under the offline engine's monitor: real programs load (resources as inputs, data sources
// indexed), failures are reported at once with the program's line, and the engine's view of each
// registration (URNs, default providers, options, preview and update) is the engine's.
import { strict as assert } from "assert";
import * as path from "path";
import { ProgramError } from "../../offline-engine/program";
import { UNKNOWN } from "../../offline-engine/wire";
import { AWS_DEFAULT_PROVIDER } from "../helpers/cli";
import { program, run, STACK, urn } from "../helpers/engine";

const find = (r: { resources: { name: string }[] }, name: string) => r.resources.find((x) => x.name === name) as never as import("../../offline-engine/monitor").RegisteredResource;

describe("offline engine: real programs load", () => {
    const refs = program([
        'const role = new aws.iam.Role("role", { assumeRolePolicy: "{}" });',
        'new aws.iam.RolePolicyAttachment("att", { role: role, policyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess" });',
        'class Site extends pulumi.ComponentResource { constructor(n: string) { super("acme:web:Site", n); this.registerOutputs({}); } }',
        'const site = new Site("site");',
        'new aws.s3.Bucket("b", { tags: { site: site as never } });',
    ].join("\n"));

    it("sends a resource passed as an input as its id, in an update (pulumi/pulumi rpc.go, KeepResources false)", async () => {
        const r = await run(refs, "update");
        assert.equal(find(r, "att").props.role, find(r, "role").id);
        assert.match(find(r, "role").id, /^role-/);
    });

    it("sends it as an unknown id in a preview, and a component as its URN", async () => {
        const r = await run(refs, "preview");
        assert.equal(find(r, "att").props.role, UNKNOWN);
        assert.deepEqual(find(r, "b").props.tags, { site: urn("acme:web:Site", "site") });
    });

    it("answers data sources with results a program can index", async () => {
        const r = await run(program([
            "const org = aws.organizations.getOrganization();",
            'const doc = aws.iam.getPolicyDocument({ statements: [{ actions: ["s3:GetObject"], resources: ["*"], principals: [{ type: "Service", identifiers: ["ec2.amazonaws.com"] }] }] });',
            'const scp = new aws.organizations.Policy("scp", { content: doc.then((d) => d.json) });',
            'new aws.organizations.PolicyAttachment("at-root", { policyId: scp.id, targetId: org.then((o) => o.roots[0].id) });',
            "export const accounts = org.then((o) => o.accounts.map((a) => a.id));",
        ].join("\n")), "update");
        const scp = find(r, "scp");
        assert.match(String(find(r, "at-root").props.targetId), /^r-/);
        assert.deepEqual(JSON.parse(String(scp.props.content)), { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*", Principal: { Service: "ec2.amazonaws.com" } }] });
        assert.deepEqual(r.outputs.accounts, ["123456789012"]);
    });

    it("fills any other data source's result from the shape its package declares, echoing its inputs", async () => {
        const r = await run(program([
            'const cluster = aws.eks.getCluster({ name: "prod" });',
            'new aws.s3.Bucket("b", { tags: { ca: cluster.then((c) => c.certificateAuthorities[0].data), name: cluster.then((c) => c.name), arn: cluster.then((c) => c.arn) } });',
        ].join("\n")), "update");
        const tags = find(r, "b").props.tags as Record<string, string>;
        assert.equal(tags.name, "prod");
        assert.equal(typeof tags.ca, "string");
        assert.match(tags.arn, /^arn:aws:eks:us-east-1:123456789012:/);
    });

    const failures: [string, string, RegExp][] = [
        ["a throw while loading", 'new aws.s3.Bucket("b");\nthrow new Error("broke at load");', /^broke at load \(.*program\d+\.ts:4\)$/],
        ["a rejected promise nobody awaits", 'new aws.s3.Bucket("b");\nPromise.reject(new Error("floating rejection"));', /^floating rejection \(.*program\d+\.ts:4\)$/],
        ["an error inside an apply", 'const b = new aws.s3.Bucket("b");\nb.bucket.apply((x) => { throw new Error("inside apply " + typeof x); });', /^inside apply string \(.*program\d+\.ts:4\)$/],
        ["indexing a data source result that has no such entry", 'const zones = aws.getAvailabilityZones();\nnew aws.s3.Bucket("b", { bucket: zones.then((z) => (z as never as { missing: string[] }).missing[0]) });', /^error serializing property "bucket": Cannot read properties of undefined \(reading '0'\) \(.*program\d+\.ts:4\)$/],
    ];
    for (const [what, source, message] of failures) {
        it(`reports ${what} at once, with the program's line`, async () => {
            await assert.rejects(run(program(source), "update"), (err: Error) => {
                assert.ok(err instanceof ProgramError, String(err));
                assert.match(err.describe(), message);
                return true;
            });
        });
    }

    it("says which program does not exist", async () => {
        await assert.rejects(run(path.join(path.dirname(refs), "nowhere.ts")), { message: /^cannot load program '.*nowhere\.ts': no such file or folder$/ });
    });
});

describe("offline engine: registrations as the engine records them", () => {
    const nested = program([
        'class Site extends pulumi.ComponentResource { constructor(n: string, o?: pulumi.ComponentResourceOptions) { super("acme:web:Site", n, {}, o); new aws.s3.Bucket(`${n}-b`, {}, { parent: this }); } }',
        'const outer = new Site("outer");',
        'new Site("inner", { parent: outer });',
    ].join("\n"));

    it("names resources without the root stack's type, children by their parents' type chain", async () => {
        const r = await run(nested);
        // In the order the registrations arrive; compared as sets.
        assert.deepEqual(r.resources.map((x) => x.urn).sort(), [
            STACK,
            urn("acme:web:Site", "outer"),
            urn(`pulumi:providers:aws`, AWS_DEFAULT_PROVIDER),
            urn("acme:web:Site$aws:s3/bucket:Bucket", "outer-b"),
            urn("acme:web:Site$acme:web:Site", "inner"),
            urn("acme:web:Site$acme:web:Site$aws:s3/bucket:Bucket", "inner-b"),
        ].sort());
        assert.equal(r.stackUrn, STACK);
    });

    it("registers one default provider per package and version, with the stack's config for it", async () => {
        const r = await run(nested, "preview", { "aws:skipMetadataApiCheck": "true" });
        const providers = r.resources.filter((x) => x.type === "pulumi:providers:aws");
        assert.equal(providers.length, 1);
        assert.deepEqual(providers[0].props, { region: "us-east-1", skipMetadataApiCheck: "true", version: AWS_DEFAULT_PROVIDER.slice(8).replace(/_/g, ".") });
        assert.equal(providers[0].parent, "");
        for (const b of r.resources.filter((x) => x.type === "aws:s3/bucket:Bucket")) assert.equal(b.provider, `${providers[0].urn}::${UNKNOWN}`);
        assert.equal(find(r, "outer").provider, "", "components have no provider");
    });

    it("knows inputs and leaves outputs unknown in a preview, isDryRun() true", async () => {
        const r = await run(program([
            'const a = new aws.s3.Bucket("a", { bucket: "named-a" });',
            'const web = new aws.ec2.Instance("web", { ami: "ami-1", instanceType: "t3.micro" });',
            'new aws.s3.Bucket("b", { bucket: a.bucket.apply((n) => `${n}-copy`), tags: { cidr: pulumi.interpolate`${web.privateIp}/32`, arn: a.arn } });',
            "export const dryRun = pulumi.runtime.isDryRun();",
        ].join("\n")), "preview");
        const b = find(r, "b");
        assert.equal(b.props.bucket, "named-a-copy", "an input computed from another resource's known input is known");
        assert.deepEqual(b.props.tags, { cidr: UNKNOWN, arn: UNKNOWN });
        assert.equal(r.outputs.dryRun, true);
        assert.equal(find(r, "a").id, UNKNOWN);
    });

    it("gives created resources the cloud's outputs in an update, isDryRun() false", async () => {
        const r = await run(program([
            'const web = new aws.ec2.Instance("web", { ami: "ami-1", instanceType: "t3.micro" });',
            'new aws.s3.Bucket("b", { tags: { cidr: pulumi.interpolate`${web.privateIp}/32` } });',
            "export const dryRun = pulumi.runtime.isDryRun();",
        ].join("\n")), "update");
        assert.match(String((find(r, "b").props.tags as Record<string, string>).cidr), /^10\.0\.\d+\.\d+\/32$/);
        assert.equal(r.outputs.dryRun, false);
        const web = find(r, "web");
        assert.equal(web.props.privateIp, undefined, "inputs stay inputs");
        assert.match(String(web.outputs.privateIp), /^10\.0\./);
    });

    it("gives random strings and uuids a result in an update, so what is built on them keeps value and dependency", async () => {
        const r = await run(program([
            'import * as random from "@pulumi/random";',
            'const str = new random.RandomString("str", { length: 10 });',
            'new random.RandomPet("pet", { prefix: str.result });',
            'new random.RandomUuid("id");',
        ].join("\n")), "update");
        const pet = find(r, "pet");
        assert.equal(String(pet.props.prefix).length, 10);
        assert.deepEqual(pet.propertyDependencies, { prefix: [find(r, "str").urn] });
        assert.match(String(find(r, "id").outputs.result), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/);
    });

    it("records the resource options the program set", async () => {
        const r = await run(program([
            'const east = new aws.Provider("east", { region: "us-east-1" });',
            'const a = new aws.s3.Bucket("a", {}, { provider: east, protect: true });',
            'new aws.sns.Topic("b", { name: a.bucket }, { dependsOn: [east], deleteBeforeReplace: false, customTimeouts: { create: "2m", update: "90s" }, aliases: [{ name: "old-b" }, { parent: pulumi.rootStackResource, name: "older-b" }] });',
        ].join("\n")));
        const a = find(r, "a");
        assert.equal(a.provider.split("::").slice(0, -1).join("::"), urn("pulumi:providers:aws", "east"));
        assert.equal(a.options.protect, true);
        assert.equal(a.options.deleteBeforeReplace, undefined, "unset stays undefined");
        const b = find(r, "b");
        assert.equal(b.options.deleteBeforeReplace, false);
        assert.deepEqual(b.options.customTimeouts, { create: 120, update: 90, delete: undefined });
        assert.deepEqual(b.options.dependsOn, [urn("pulumi:providers:aws", "east")]);
        assert.deepEqual(b.options.aliases, [urn("aws:sns/topic:Topic", "old-b"), urn("aws:sns/topic:Topic", "older-b")]);
        assert.deepEqual(b.propertyDependencies.name, [a.urn]);
    });
});
