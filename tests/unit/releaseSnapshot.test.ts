// The release's RDS snapshot (infra/deploy/scripts/lib.sh, as release.sh calls it): ids valid for any
// version tag, a wait until the instance is available, pruning to the last N. Every call goes through
// Debian's real aws CLI (WEBAPP_AWS_CLI, as on a host) to a local server that records the request;
// e2e case 8 runs release.sh itself the same way.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as path from "path";
import { debianAws, FakeAws, withAws } from "../helpers/fakeAws";
import { FakeRdsArgs, rdsResponses } from "../helpers/fakeRds";

const LIB = path.resolve(__dirname, "../../infra/deploy/scripts/lib.sh");
const STAMP = "20261123T140000Z";

/** Sources lib.sh and runs `call` (bash), with the CLI pointed at the fake. */
function lib(aws: FakeAws, call: string): Promise<{ code: number; stdout: string; stderr: string }> {
    return aws.run(`source ${LIB}; ${call}`, "", { WEBAPP_AWS_CLI: `${debianAws()} --endpoint-url ${aws.url}` });
}

function snapshotId(tag: string): string {
    const r = spawnSync("bash", ["-c", `source ${LIB}; snapshot_id "$1" "$2"`, "lib", STAMP, tag], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim();
}

/** A fake RDS; `without` lists actions it answers with an error (the CLI then fails, as when AWS refuses). */
async function withRds(args: FakeRdsArgs, body: (aws: FakeAws) => Promise<void>, without: string[] = []): Promise<void> {
    await withAws(Object.fromEntries(Object.entries(rdsResponses(args)).filter(([action]) => !without.includes(action))), body);
}

describe("release snapshots of RDS", function () {
    this.timeout(60_000);

    describe("snapshot_id: a valid RDS identifier for any version tag", () => {
        // RDS: 1-255 letters, digits or hyphens; the first a letter; no two hyphens in a row; no hyphen at the end.
        const valid = (id: string) => /^[a-z][a-z0-9-]{0,254}$/.test(id) && !id.includes("--") && !id.endsWith("-");
        const cases: [string, string][] = [
            ["v1.2.3+build", "webapp-pre-20261123t140000z-v1-2-3-build"],
            ["1.0", "webapp-pre-20261123t140000z-1-0"],
            ["release--x-", "webapp-pre-20261123t140000z-release-x"],
            ["V2_RC.1", "webapp-pre-20261123t140000z-v2-rc-1"],
            ["-.-", "webapp-pre-20261123t140000z"],
            ["", "webapp-pre-20261123t140000z"],
        ];
        for (const [tag, id] of cases) {
            it(`'${tag}' -> ${id}`, () => {
                assert.equal(snapshotId(tag), id);
                assert.ok(valid(id));
            });
        }
        it("a tag too long for RDS is cut to 255 characters, never ending in a hyphen", () => {
            for (const tag of ["a".repeat(300), "ab-".repeat(100), `${"x".repeat(227)}.y`]) {
                const id = snapshotId(tag);
                assert.ok(valid(id), id);
                assert.ok(id.length <= 255 && id.length >= 250, `${id.length}`);
            }
        });
        it("ids sort by time whatever the tag", () => {
            const ids = ["20261101T000000Z", "20261123T090000Z", "20261123T140000Z"].map((stamp, i) =>
                spawnSync("bash", ["-c", `source ${LIB}; snapshot_id "$1" "$2"`, "lib", stamp, ["zeta", "alpha", "1.0"][i]], { encoding: "utf8" }).stdout.trim());
            assert.deepEqual([...ids].sort(), ids);
        });
    });

    describe("rds_snapshot, through Debian's aws", () => {
        it("waits while the instance is backing up, then creates the snapshot", () => withRds({ instance: "webapp-dev-db-pg", statuses: ["backing-up", "available"], snapshots: [] }, async (aws) => {
            const r = await lib(aws, "rds_snapshot webapp-dev-db-pg ap-northeast-2 webapp-pre-20261123t140000z-v2 0 60");
            assert.equal(r.code, 0, r.stderr);
            assert.match(r.stderr, /waiting for database webapp-dev-db-pg to be available \(now backing-up\)/);
            assert.deepEqual(aws.actions(), ["rds:DescribeDBInstances", "rds:DescribeDBInstances", "rds:CreateDBSnapshot"]);
            assert.deepEqual(aws.requests[0].params, { Action: "DescribeDBInstances", Version: "2014-10-31", DBInstanceIdentifier: "webapp-dev-db-pg" });
            assert.deepEqual(aws.requests[2].params, { Action: "CreateDBSnapshot", Version: "2014-10-31", DBInstanceIdentifier: "webapp-dev-db-pg", DBSnapshotIdentifier: "webapp-pre-20261123t140000z-v2" });
        }));

        it("gives up after its deadline without creating anything", () => withRds({ instance: "webapp-dev-db-pg", statuses: ["modifying"], snapshots: [] }, async (aws) => {
            const r = await lib(aws, "rds_snapshot webapp-dev-db-pg ap-northeast-2 webapp-pre-20261123t140000z-v2 0 0");
            assert.equal(r.code, 1);
            assert.match(r.stderr, /database webapp-dev-db-pg is still modifying after 0s/);
            assert.deepEqual(aws.actions(), ["rds:DescribeDBInstances"]);
        }));

        it("fails when RDS refuses the snapshot", () => withRds({ instance: "webapp-dev-db-pg", statuses: ["available"], snapshots: [] }, async (aws) => {
            const r = await lib(aws, "rds_snapshot webapp-dev-db-pg ap-northeast-2 webapp-pre-20261123t140000z-v2 0 60");
            assert.notEqual(r.code, 0);
            assert.deepEqual(aws.actions(), ["rds:DescribeDBInstances", "rds:CreateDBSnapshot"]);
        }, ["rds:CreateDBSnapshot"]));
    });

    describe("rds_prune, through Debian's aws", () => {
        const ours = ["webapp-pre-20261101t000000z-v1", "webapp-pre-20261120t000000z-v2", "webapp-pre-20261122t000000z-v3", "webapp-pre-20261123t140000z-v4"];
        it("keeps the newest N release snapshots of the instance and never touches other snapshots", () => withRds({ instance: "webapp-dev-db-pg", statuses: ["available"], snapshots: ["before-upgrade", ours[2], ours[0], ours[3], ours[1], "webapp-dev-final-1"] }, async (aws) => {
            const r = await lib(aws, "rds_prune webapp-dev-db-pg ap-northeast-2 2");
            assert.equal(r.code, 0, r.stderr);
            assert.deepEqual(aws.actions(), ["rds:DescribeDBSnapshots", "rds:DeleteDBSnapshot", "rds:DeleteDBSnapshot"]);
            assert.deepEqual(aws.requests[0].params, { Action: "DescribeDBSnapshots", Version: "2014-10-31", DBInstanceIdentifier: "webapp-dev-db-pg", SnapshotType: "manual" });
            assert.deepEqual(aws.requests.slice(1).map((q) => q.params), ours.slice(0, 2).map((id) => ({ Action: "DeleteDBSnapshot", Version: "2014-10-31", DBSnapshotIdentifier: id })));
        }));

        it("with N or fewer, deletes nothing", () => withRds({ instance: "webapp-dev-db-pg", statuses: ["available"], snapshots: ours.slice(0, 2) }, async (aws) => {
            const r = await lib(aws, "rds_prune webapp-dev-db-pg ap-northeast-2 3");
            assert.equal(r.code, 0, r.stderr);
            assert.deepEqual(aws.actions(), ["rds:DescribeDBSnapshots"]);
        }));

        it("a refused listing is a warning, not a failed release", () => withRds({ instance: "webapp-dev-db-pg", statuses: ["available"], snapshots: ours }, async (aws) => {
            const r = await lib(aws, "rds_prune webapp-dev-db-pg ap-northeast-2 2");
            assert.equal(r.code, 0);
            assert.match(r.stderr, /WARNING: could not list the snapshots of webapp-dev-db-pg/);
            assert.deepEqual(aws.actions(), ["rds:DescribeDBSnapshots"]);
        }, ["rds:DescribeDBSnapshots"]));
    });
});
