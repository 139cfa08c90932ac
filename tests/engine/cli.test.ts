// `npm run plan -- --policy-pack DIR ... --policy-pack-config FILE ...` as a user runs it: any packs,
// several in one process, against any program, as `pulumi preview --policy-pack` takes them.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { POLICY_DIR } from "../../plan/plan";
import { plan } from "../helpers/cli";
import { pack, program, scratch } from "../helpers/engine";

describe("npm run plan -- --policy-pack (a real process)", () => {
    const OWNER = pack({
        source: `new policy.PolicyPack("owner", { policies: [
    { name: "owner-tag", description: "buckets carry the stack's owner", enforcementLevel: "advisory",
      configSchema: { properties: { key: { type: "string", default: "owner" } } },
      validateResource: (a, report) => {
          const key = a.getConfig().key;
          if (a.type === "aws:s3/bucket:Bucket" && (a.props.tags || {})[key] !== a.stackTags.get("owner")) report(a.name + " lacks " + key + "=" + a.stackTags.get("owner"));
      } },
] });`,
    });
    const PROGRAM = program('new aws.s3.Bucket("logs", { tags: { team: "ops" } });\nnew aws.ec2.SecurityGroup("ssh", { ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] }] });');

    it("runs several packs in one process, each with the config file in its position", () => {
        const config = path.join(scratch(), "owner-config.json");
        fs.writeFileSync(config, JSON.stringify({ "owner-tag": { enforcementLevel: "mandatory", key: "team" } }));
        const r = plan(["--program", PROGRAM, "--policy-pack", OWNER, "--policy-pack-config", config, "--policy-pack", POLICY_DIR, "--stack-tag", "owner=web", "--json"]);
        assert.equal(r.code, 1, r.stderr);
        const doc = JSON.parse(r.stdout);
        assert.deepEqual(doc.policyPacks.map((p: { name: string; config: string | null }) => [p.name, p.config]), [["owner", config], ["webapp-guardrails", null]]);
        const verdicts = doc.violations.map((v: { policyPack: string; policyName: string; enforcementLevel: string; urn: string }) => [v.policyPack, v.policyName, v.enforcementLevel, v.urn.split("::").pop()]);
        assert.deepEqual(verdicts.filter((v: string[]) => v[2] === "mandatory").sort(), [
            ["owner", "owner-tag", "mandatory", "logs"],
            ["webapp-guardrails", "ssh-restricted", "mandatory", "ssh"],
        ]);
        assert.match(doc.violations.find((v: { policyName: string }) => v.policyName === "owner-tag").message, /logs lacks team=web$/);
    });

    it("refuses a config that the pack's schema does not allow, in the CLI's words, one error line per problem", () => {
        const config = path.join(scratch(), "owner-bad.json");
        fs.writeFileSync(config, JSON.stringify({ "owner-tag": { key: 7 } }));
        const r = plan(["--program", PROGRAM, "--policy-pack", OWNER, "--policy-pack-config", config, "--json"]);
        assert.equal(r.code, 2);
        assert.equal(r.stdout, "");
        assert.equal(r.stderr, "error: validating policy config: owner 1.0.0  owner-tag: key: Invalid type. Expected: string, given: integer\n");
    });

    it("reports the problems of every pack together, sorted, as the engine does", () => {
        const limits = pack({ source: `new policy.PolicyPack("a-limits", { policies: [{ name: "max", description: "d", enforcementLevel: "advisory",
    configSchema: { properties: { n: { type: "integer", maximum: 3 } }, required: ["n"] }, validateStack: () => {} }] });` });
        const ownerConfig = path.join(scratch(), "owner-two.json");
        fs.writeFileSync(ownerConfig, JSON.stringify({ "owner-tag": { key: 7 } }));
        const limitsConfig = path.join(scratch(), "limits.json");
        fs.writeFileSync(limitsConfig, JSON.stringify({ max: { n: 4 } }));
        const r = plan(["--program", PROGRAM, "--policy-pack", OWNER, "--policy-pack-config", ownerConfig, "--policy-pack", limits, "--policy-pack-config", limitsConfig, "--json"]);
        assert.equal(r.code, 2);
        assert.equal(r.stderr, [
            "error: validating policy config: a-limits 1.0.0  max: n: Must be less than or equal to 3",
            "error: validating policy config: owner 1.0.0  owner-tag: key: Invalid type. Expected: string, given: integer",
            "",
        ].join("\n"));
    });
});
