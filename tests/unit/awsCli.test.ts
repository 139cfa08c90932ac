// Every AWS call the deploy makes, run by Debian's real `aws` CLI against a local server: the CLI checks
// its own parameters and builds the real request; the test asserts the action and its parameters.
// What answers is a table of minimal responses, not AWS: the README says what was not run against AWS.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { inServiceCommand, refreshStartCommand, refreshWaitCommand, releaseCommand, ssmPrepareHostCommand, ssmReleaseHostCommand, ssmRunCommand } from "../../infra/deploy/commands";
import { parseReleases, rollbackCommands } from "../../rollback/steps";
import { DEFAULT_SERVICES } from "../../stacks/schema";
import { debianAws, parameterStore, withAws, xml } from "../helpers/fakeAws";

const ROOT = path.resolve(__dirname, "../..");
const RECORD = '{"version":"v2","changed":true,"previous":"v1","backup":"","seconds":5}';
const FAST = " --poll 0";
// Command ids are UUIDs: the CLI checks their length (36) before sending.
const CMD = "0b5e5a3c-1d2e-4f60-8a9b-0c1d2e3f4a5b";
const CMD2 = "1c6f6b4d-2e3f-4071-9bac-1d2e3f4a5b6c";

describe("AWS calls, through Debian's aws CLI", function () {
    this.timeout(60_000);

    it("is Debian's aws 2.x", () => {
        const v = spawnSync(debianAws(), ["--version"], { encoding: "utf8" });
        assert.match(v.stdout + v.stderr, /^aws-cli\/2\./);
    });

    it("the local drivers are shellcheck-clean", () => {
        const r = spawnSync("shellcheck", ["-x", "infra/deploy/local/ssm-run.sh", "infra/deploy/local/refresh-release.sh"], { cwd: ROOT, encoding: "utf8" });
        assert.equal(r.status, 0, r.stdout);
    });

    describe("the SSM channel (ssm-run.sh)", () => {
        const release = ssmReleaseHostCommand(releaseCommand({
            user: "root", version: "v2", services: DEFAULT_SERVICES, container: { cli: "docker", runArgs: [], pullArgs: [] }, registry: "ghcr.io", db: "rds",
            dbPort: 5432, rdsInstance: "webapp-dev-db-pg", region: "ap-northeast-2", health: { interval: 1, timeout: 3, retries: 30 }, drainSeconds: 3, keepReleases: 3,
            lockWaitSeconds: 120, stack: "webapp-dev",
        }));
        const line = ssmRunCommand({ region: "ap-northeast-2", instanceId: "i-0abc", comment: "webapp-dev release v2 app-1", timeoutSeconds: 1800, hostCommand: release });

        it("waits for the agent, sends AWS-RunShellScript, relays stdout and stderr", async () => {
            await withAws({
                // A host created in this run: not registered yet, then online.
                "ssm:DescribeInstanceInformation": (_r, n) => JSON.stringify({ InstanceInformationList: n === 1 ? [] : [{ InstanceId: "i-0abc", PingStatus: "Online" }] }),
                "ssm:SendCommand": JSON.stringify({ Command: { CommandId: CMD, Status: "Pending" } }),
                "ssm:GetCommandInvocation": (_r, n) => JSON.stringify({ CommandId: CMD, InstanceId: "i-0abc", Status: n === 1 ? "InProgress" : "Success", StatusDetails: "Success", StandardOutputContent: `${RECORD}\n`, StandardErrorContent: "release: v2 is healthy\n" }),
            }, async (aws) => {
                const r = await aws.run(line + FAST);
                assert.equal(r.code, 0, r.stderr);
                assert.equal(r.stdout.trim(), RECORD, "the release record, as over SSH");
                assert.match(r.stderr, /release: v2 is healthy/);
                assert.deepEqual(aws.actions(), [
                    "ssm:DescribeInstanceInformation", "ssm:DescribeInstanceInformation", "ssm:SendCommand",
                    "ssm:GetCommandInvocation", "ssm:GetCommandInvocation", "ssm:GetCommandInvocation", "ssm:GetCommandInvocation",
                ]);
                assert.deepEqual(aws.requests[0].params, { Filters: [{ Key: "InstanceIds", Values: ["i-0abc"] }] });
                const send = aws.requests[2].params;
                assert.deepEqual(Object.keys(send).sort(), ["Comment", "DocumentName", "InstanceIds", "Parameters", "TimeoutSeconds"]);
                assert.equal(send.DocumentName, "AWS-RunShellScript");
                assert.deepEqual(send.InstanceIds, ["i-0abc"]);
                assert.equal(send.Comment, "webapp-dev release v2 app-1");
                assert.equal(send.TimeoutSeconds, 600);
                const params = send.Parameters as { commands: string[]; executionTimeout: string[] };
                assert.deepEqual(params.executionTimeout, ["1800"]);
                assert.equal(params.commands.length, 1);
                // What the agent's shell hands to bash -c: strict mode, then the release line unchanged.
                const inner = spawnSync("bash", ["-c", `bash() { printf '%s' "$2"; }; ${params.commands[0]}`], { encoding: "utf8" });
                assert.equal(inner.stdout, `set -euo pipefail; ${release}`);
                assert.deepEqual(aws.requests[3].params, { CommandId: CMD, InstanceId: "i-0abc" });
            });
        });

        it("fails with the host's reason when the command fails", async () => {
            await withAws({
                "ssm:DescribeInstanceInformation": JSON.stringify({ InstanceInformationList: [{ InstanceId: "i-0abc", PingStatus: "Online" }] }),
                "ssm:SendCommand": JSON.stringify({ Command: { CommandId: CMD2 } }),
                "ssm:GetCommandInvocation": JSON.stringify({ Status: "Failed", StatusDetails: "Failed", StandardOutputContent: "", StandardErrorContent: "ERROR: release v3 failed: backend did not pass its health check /health within 32s; v2 keeps serving\n" }),
            }, async (aws) => {
                const r = await aws.run(line + FAST);
                assert.equal(r.code, 1);
                assert.match(r.stderr, /ERROR: release v3 failed: backend did not pass its health check \/health within 32s; v2 keeps serving\n/);
                assert.match(r.stderr, new RegExp(`ERROR: command ${CMD2} on i-0abc ended Failed: Failed\n$`));
            });
        });
    });

    it("the host side: the scripts from the bucket, the env file from its SecureString parameter, target health", async () => {
        // Run on the host with the host's role; here the same aws CLI checks the calls, into a temporary directory.
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "webapp-deploy-"));
        const prepare = ssmPrepareHostCommand({ region: "ap-northeast-2", bucket: "webapp-dev-backup", hash: "0123abcd", envParameter: "/webapp-dev/env", prepare: "cat" });
        const inService = inServiceCommand({ region: "ap-northeast-2", targetGroupArns: ["arn:aws:elasticloadbalancing:ap-northeast-2:123456789012:targetgroup/b/1"], instanceId: "i-0abc", ports: [8080] });
        const key = "deploy/scripts/0123abcd/lib.sh";
        await withAws({
            "GET /webapp-dev-backup?list-type=2": `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>webapp-dev-backup</Name><Prefix>deploy/scripts/0123abcd/</Prefix><KeyCount>1</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated><Contents><Key>${key}</Key><LastModified>2026-11-23T10:00:00.000Z</LastModified><ETag>"e"</ETag><Size>14</Size><StorageClass>STANDARD</StorageClass></Contents></ListBucketResult>`,
            [`GET /webapp-dev-backup/${key}`]: "# lib.sh here\n",
            "ssm:GetParameter": JSON.stringify({ Parameter: { Name: "/webapp-dev/env", Type: "SecureString", Value: "DB_PASSWORD=x", Version: 3 } }),
            "elasticloadbalancing:DescribeTargetHealth": xml("DescribeTargetHealth", "<TargetHealthDescriptions><member><Target><Id>i-0abc</Id><Port>8080</Port></Target><TargetHealth><State>healthy</State></TargetHealth></member></TargetHealthDescriptions>"),
        }, async (aws) => {
            const r = await aws.run(`${prepare.replace(" /root/webapp-deploy/ ", ` ${dir}/ `)} && ${inService}`);
            assert.equal(r.code, 0, r.stderr);
            assert.equal(r.stdout, "DB_PASSWORD=x\n", "the env file reaches prepare-host.sh on stdin");
            assert.equal(fs.readFileSync(path.join(dir, "lib.sh"), "utf8"), "# lib.sh here\n", "the script landed in the upload directory");
            assert.deepEqual(aws.actions().map((a) => a.replace(/\?.*/, "?")), ["GET /webapp-dev-backup?", `GET /webapp-dev-backup/${key}`, "ssm:GetParameter", "elasticloadbalancing:DescribeTargetHealth"]);
            assert.deepEqual(Object.fromEntries(new URL(`http://x${aws.requests[0].action.slice(4)}`).searchParams), { "list-type": "2", prefix: "deploy/scripts/0123abcd/", "encoding-type": "url" });
            assert.deepEqual(aws.requests[2].params, { Name: "/webapp-dev/env", WithDecryption: true });
            assert.deepEqual(aws.requests[3].params, {
                Action: "DescribeTargetHealth", Version: "2015-12-01", TargetGroupArn: "arn:aws:elasticloadbalancing:ap-northeast-2:123456789012:targetgroup/b/1",
                "Targets.member.1.Id": "i-0abc", "Targets.member.1.Port": "8080",
            });
        });
        fs.rmSync(dir, { recursive: true, force: true });
    });

    describe("stage 4 (refresh-release.sh)", () => {
        const snapshots = (ids: [string, string | undefined][]) => xml("DescribeDBSnapshots", `<DBSnapshots>${ids.map(([id, t]) => `<DBSnapshot><DBSnapshotIdentifier>${id}</DBSnapshotIdentifier>${t ? `<SnapshotCreateTime>${t}</SnapshotCreateTime>` : ""}</DBSnapshot>`).join("")}</DBSnapshots>`);

        it("start: Slack, a snapshot once RDS is available, the release snapshots pruned to --keep", async () => {
            await withAws({
                "rds:DescribeDBInstances": xml("DescribeDBInstances", "<DBInstances><DBInstance><DBInstanceIdentifier>webapp-prod-db-pg</DBInstanceIdentifier><DBInstanceStatus>available</DBInstanceStatus></DBInstance></DBInstances>"),
                "rds:CreateDBSnapshot": (r) => xml("CreateDBSnapshot", `<DBSnapshot><DBSnapshotIdentifier>${String(r.params.DBSnapshotIdentifier)}</DBSnapshotIdentifier></DBSnapshot>`),
                "rds:DescribeDBSnapshots": snapshots([["webapp-pre-20261123t140000z-v2", undefined], ["webapp-pre-20261122t100000z-v1-2", "2026-11-22T10:00:00Z"], ["webapp-pre-20261120t100000z-v0-9", "2026-11-20T10:00:00Z"], ["webapp-pre-20261101t100000z-v0-1", "2026-11-01T10:00:00Z"], ["manual-before-upgrade", "2026-10-01T10:00:00Z"]]),
                "rds:DeleteDBSnapshot": (r) => xml("DeleteDBSnapshot", `<DBSnapshot><DBSnapshotIdentifier>${String(r.params.DBSnapshotIdentifier)}</DBSnapshotIdentifier></DBSnapshot>`),
                "POST /slack/T0/B0/secret": "ok",
            }, async (aws) => {
                const line = refreshStartCommand({ region: "ap-northeast-2", stack: "webapp-prod", version: "v2.0_rc--1-", rdsInstance: "webapp-prod-db-pg", keep: 3 });
                const r = await aws.run(line, `${aws.url}/slack/T0/B0/secret\n`);
                assert.equal(r.code, 0, r.stderr);
                const snapshot = r.stdout.trim();
                // Valid for RDS whatever the tag: letters, digits, single hyphens, no hyphen at the end; the
                // same scheme as the release snapshots of stages 1-3 (lib.sh snapshot_id).
                assert.match(snapshot, /^webapp-pre-\d{8}t\d{6}z-v2-0-rc-1$/);
                assert.deepEqual(aws.actions(), ["POST /slack/T0/B0/secret", "rds:DescribeDBInstances", "rds:CreateDBSnapshot", "rds:DescribeDBSnapshots", "rds:DeleteDBSnapshot"]);
                assert.deepEqual(JSON.parse(aws.requests[0].body), { text: ":rocket: webapp-prod: release of v2.0_rc--1- started (instance refresh)" });
                assert.equal(aws.requests[1].params.DBInstanceIdentifier, "webapp-prod-db-pg");
                assert.deepEqual(aws.requests[2].params, { Action: "CreateDBSnapshot", Version: "2014-10-31", DBInstanceIdentifier: "webapp-prod-db-pg", DBSnapshotIdentifier: snapshot });
                assert.deepEqual(aws.requests[3].params, { Action: "DescribeDBSnapshots", Version: "2014-10-31", DBInstanceIdentifier: "webapp-prod-db-pg", SnapshotType: "manual" });
                assert.deepEqual(aws.requests[4].params, { Action: "DeleteDBSnapshot", Version: "2014-10-31", DBSnapshotIdentifier: "webapp-pre-20261101t100000z-v0-1" }, "the oldest release snapshot beyond the last 3; never one of someone else's");
                assert.ok(!line.includes("slack"), "the webhook is not on the command line");
            });
        });

        const group = (healthy: number) => xml("DescribeAutoScalingGroups", `<AutoScalingGroups><member><AutoScalingGroupName>webapp-prod-asg</AutoScalingGroupName><DesiredCapacity>2</DesiredCapacity><Instances>${
            [0, 1].map((i) => `<member><InstanceId>i-${i}</InstanceId><LifecycleState>InService</LifecycleState><HealthStatus>${i < healthy ? "Healthy" : "Unhealthy"}</HealthStatus></member>`).join("")}</Instances></member></AutoScalingGroups>`);
        const refreshes = (statuses: string[], reason = "") => (_r: unknown, n: number) => xml("DescribeInstanceRefreshes",
            `<InstanceRefreshes><member><InstanceRefreshId>ir-1</InstanceRefreshId><AutoScalingGroupName>webapp-prod-asg</AutoScalingGroupName><Status>${statuses[Math.min(n, statuses.length) - 1]}</Status><StatusReason>${reason}</StatusReason></member></InstanceRefreshes>`);
        const history = JSON.stringify([{ at: "2026-11-20T10:00:00Z", version: "v1", outcome: "released", backup: "", previous: "", seconds: 300 }]);
        const wait = refreshWaitCommand({ region: "ap-northeast-2", stack: "webapp-prod", version: "v2", group: "webapp-prod-asg", historyParameter: "/webapp-prod/releases", rdsInstance: "webapp-prod-db-pg", timeoutSeconds: 1800 });
        // The newest snapshot `start` took for v2 (not v2.1's, not an older one).
        const v2Snapshots = snapshots([["webapp-pre-20261101t100000z-v2", "2026-11-01T10:00:00Z"], ["webapp-pre-20261123t140000z-v2", undefined], ["webapp-pre-20261124t100000z-v2-1", undefined]]);

        it("wait: until the refresh succeeds and the group is healthy; the history and Slack hear it; the record is printed", async () => {
            await withAws({
                "rds:DescribeDBSnapshots": v2Snapshots,
                "autoscaling:DescribeInstanceRefreshes": refreshes(["InProgress", "Successful"]),
                "autoscaling:DescribeAutoScalingGroups": (_r, n) => group(n === 1 ? 1 : 2),
                "ssm:GetParameter": JSON.stringify({ Parameter: { Name: "/webapp-prod/releases", Value: history, Version: 1 } }),
                "ssm:PutParameter": JSON.stringify({ Version: 2 }),
                "POST /slack/x": "ok",
            }, async (aws) => {
                const r = await aws.run(wait + FAST, `${aws.url}/slack/x\n`);
                assert.equal(r.code, 0, r.stderr);
                const record = JSON.parse(r.stdout);
                assert.equal(record.version, "v2");
                assert.equal(record.previous, "v1");
                assert.equal(record.backup, "webapp-pre-20261123t140000z-v2");
                assert.deepEqual(record.history.map((h: { version: string; outcome: string }) => [h.version, h.outcome]), [["v2", "released"], ["v1", "released"]]);
                assert.deepEqual(aws.actions(), [
                    "rds:DescribeDBSnapshots", "ssm:GetParameter",
                    "autoscaling:DescribeInstanceRefreshes", "autoscaling:DescribeInstanceRefreshes",
                    "autoscaling:DescribeAutoScalingGroups", "autoscaling:DescribeAutoScalingGroups",
                    "ssm:GetParameter", "ssm:PutParameter", "POST /slack/x",
                ]);
                assert.deepEqual(aws.requests[2].params, { Action: "DescribeInstanceRefreshes", Version: "2011-01-01", AutoScalingGroupName: "webapp-prod-asg", MaxRecords: "1" });
                assert.deepEqual(aws.requests[4].params, { Action: "DescribeAutoScalingGroups", Version: "2011-01-01", "AutoScalingGroupNames.member.1": "webapp-prod-asg" });
                const put = aws.requests[7].params;
                assert.deepEqual({ ...put, Value: undefined }, { Name: "/webapp-prod/releases", Type: "String", Overwrite: true, Value: undefined });
                assert.deepEqual(JSON.parse(String(put.Value)), record.history);
                assert.match(JSON.parse(aws.requests[8].body).text, /^:white_check_mark: webapp-prod: v2 is live on 2 instances after \d+s \(previous: v1\)$/);
                // What the stack exports as `releases` is this record: the rollback reads it (stage 4, prod).
                assert.deepEqual(rollbackCommands(parseReleases(JSON.stringify([r.stdout.trim()])), { stack: "prod", restoreDb: false }),
                    [["pulumi", "up", "--yes", "--stack", "prod", "--config", "appVersion=v1", "--config", `rolledBack=["v2"]`]]);
            });
        });

        it("wait: a refresh that failed and rolled back fails the update with AWS's reason, recorded as rolled-back", async () => {
            await withAws({
                "rds:DescribeDBSnapshots": v2Snapshots,
                "autoscaling:DescribeInstanceRefreshes": refreshes(["RollbackInProgress", "RollbackSuccessful"], "An instance failed the ELB health check"),
                "ssm:GetParameter": JSON.stringify({ Parameter: { Name: "/webapp-prod/releases", Value: history, Version: 1 } }),
                "ssm:PutParameter": JSON.stringify({ Version: 2 }),
                "POST /slack/x": "ok",
            }, async (aws) => {
                const r = await aws.run(wait + FAST, `${aws.url}/slack/x\n`);
                assert.equal(r.code, 1);
                const reason = "instance refresh ir-1 failed and rolled back (An instance failed the ELB health check); v1 keeps serving";
                assert.match(r.stderr, new RegExp(`ERROR: release v2 failed: ${reason.replace(/[()]/g, "\\$&")}\n$`));
                assert.equal(r.stdout, "");
                assert.deepEqual(JSON.parse(String(aws.requests.find((q) => q.action === "ssm:PutParameter")!.params.Value)).map((h: { version: string; outcome: string }) => [h.version, h.outcome]), [["v2", "rolled-back"], ["v1", "released"]]);
                assert.equal(JSON.parse(aws.requests.at(-1)!.body).text, `:x: webapp-prod: release v2 failed: ${reason}`);
            });
        });

        describe("with migrateCommand: the version's migration claim (boot-migrate.sh runs the migration)", () => {
            const MIGRATION = "/webapp-prod/migrations/v2";
            const start = (version: string) => refreshStartCommand({ region: "ap-northeast-2", stack: "webapp-prod", version, keep: 3, migration: { parameter: `/webapp-prod/migrations/${version}`, historyParameter: "/webapp-prod/releases" } });
            const store = (entries: [string, string][]) => new Map<string, string>([["/webapp-prod/releases", history], ...entries]);

            it("start: a new version's claim is left for the first instance; a failed or abandoned one is cleared", async () => {
                const cases = [[undefined, undefined], ["failed: exit 1 on ip-10-0-1-5 at 2026-12-01T10:00:00Z: ERROR: x", undefined], ["running on ip-10-0-1-5 since 2026-12-01T10:00:00Z", undefined], ["done on ip-10-0-1-5 at 2026-12-01T10:00:00Z", "done on ip-10-0-1-5 at 2026-12-01T10:00:00Z"]];
                // Each case against its own server, all at once (the CLI's start-up is most of the time).
                await Promise.all(cases.map(async ([before, after]) => {
                    const values = store(before ? [[MIGRATION, before]] : []);
                    await withAws(parameterStore(values), async (aws) => {
                        const r = await aws.run(start("v2"));
                        assert.equal(r.code, 0, r.stderr);
                        assert.equal(values.get(MIGRATION), after, String(before));
                        assert.deepEqual(aws.requests.find((q) => q.action === "ssm:DeleteParameter")?.params, before && after === undefined ? { Name: MIGRATION } : undefined);
                    });
                }));
            });

            it("start: a version released before (a rollback) is marked skipped, so no instance migrates", async () => {
                const values = store([]);
                await withAws(parameterStore(values), async (aws) => {
                    const r = await aws.run(start("v1"));
                    assert.equal(r.code, 0, r.stderr);
                    assert.equal(values.get("/webapp-prod/migrations/v1"), "skipped: v1 was released on 2026-11-20T10:00:00Z; a rollback runs no migration");
                    assert.match(r.stderr, /no migration: v1 was released on 2026-11-20T10:00:00Z/);
                    assert.deepEqual(aws.requests.find((q) => q.action === "ssm:PutParameter")!.params,
                        { Name: "/webapp-prod/migrations/v1", Type: "String", Overwrite: true, Value: values.get("/webapp-prod/migrations/v1") });
                });
            });

            it("wait: a refresh that rolled back because the migration failed says so", async () => {
                const values = store([[MIGRATION, "failed: exit 3 on ip-10-0-1-5 at 2026-12-01T10:00:00Z: ERROR:  relation \"no_such_table\" does not exist"]]);
                await withAws({
                    ...parameterStore(values),
                    "rds:DescribeDBSnapshots": v2Snapshots,
                    "autoscaling:DescribeInstanceRefreshes": refreshes(["RollbackSuccessful"], "An instance failed the ELB health check"),
                }, async (aws) => {
                    const line = refreshWaitCommand({ region: "ap-northeast-2", stack: "webapp-prod", version: "v2", group: "webapp-prod-asg", historyParameter: "/webapp-prod/releases", rdsInstance: "webapp-prod-db-pg", migrationParameter: MIGRATION, timeoutSeconds: 1800 });
                    const r = await aws.run(line + FAST);
                    assert.equal(r.code, 1);
                    assert.match(r.stderr, /ERROR: release v2 failed: instance refresh ir-1 failed and rolled back \(An instance failed the ELB health check\); the migration \(migrateCommand\) failed: exit 3 on ip-10-0-1-5 at 2026-12-01T10:00:00Z: ERROR: {2}relation "no_such_table" does not exist; v1 keeps serving\n$/);
                });
            });
        });
    });
});
