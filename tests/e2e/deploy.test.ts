// Releases on a real host: the exact commands of the program's remote.Command resources (taken from
// the mocked program with this host's stack config), over real SSH, in the order the engine runs them.
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { AwsError, AwsRequest, AwsResponses, debianAws, FakeAws, parameterStore } from "../helpers/fakeAws";
import { one, planStack } from "../helpers/plan";
import { rdsResponses } from "../helpers/fakeRds";
import { startLoad } from "./load";
import { changedSteps, runStep, runSteps, settled, startStep, Step } from "./remote";
import { get, history, planSteps, psqlMigration as psql, releaseStep as release, running } from "./steps";
import { DB_PASSWORD, hostConfig, HTTP_PORT, PODMAN, TestHost } from "./testHost";

/** nginx's worker processes: a reload replaces them all (and closes their idle keep-alive connections). */
function nginxWorkers(): string {
    return execFileSync("pgrep", ["-P", fs.readFileSync("/run/nginx.pid", "utf8").trim()], { encoding: "utf8" });
}

/** The host serves `version` on every service, with one container per service. */
function assertServing(version: string): void {
    assert.equal(get("/"), `frontend ${version}`);
    assert.equal(get("/api/version"), `backend ${version}`);
    const live = running();
    assert.equal(live.length, 2, `one container per service, found ${live.join(", ")}`);
    assert.ok(live.every((c) => c.endsWith(` ${version}`)), live.join(", "));
    assert.match(live.join(", "), /^webapp-backend-(blue|green) \S+, webapp-frontend-(blue|green) \S+$/, "each service's container on a slot of its own name");
}

describe("e2e: releases on a real host (sshd, podman, nginx, a registry, PostgreSQL)", function () {
    this.timeout(600_000);
    const host = new TestHost();
    let secrets: [string, string][] = [];
    let previous: Step[] = [];
    let backupBeforeV2 = "";

    before(async () => {
        await host.start();
        secrets = host.secrets();
    });
    beforeEach(() => host.slackMessages.splice(0));
    after(() => host.stop());

    it("1. first release of v1 on a fresh host", async () => {
        const steps = await planSteps(secrets, { appVersion: "v1" });
        assert.deepEqual(steps.map((s) => s.name.replace("webapp-dev-deploy-app-1-", "")), ["upload-dir", "upload-lib", "upload-prepare-host", "upload-release", "upload-db-password", "upload-backup-db", "upload-tls-cert", "prepare", "release"]);
        const results = await runSteps(steps);
        assert.deepEqual(results.map((r) => r.code), steps.map(() => 0), results.map((r) => r.stderr).join("\n"));
        assertServing("v1");
        assert.equal((fs.statSync("/etc/webapp/app.env").mode & 0o777).toString(8), "600");
        assert.match(fs.readFileSync("/etc/webapp/app.env", "utf8"), /^DB_PASSWORD=e2e-Db-pass-7f3a$/m);
        assert.deepEqual(history().map((h) => [h[1], h[2]]), [["v1", "released"]]);
        assert.equal(host.slackMessages.length, 2, host.slackMessages.join("\n"));
        assert.match(host.slackMessages[0], /^:rocket: webapp-dev: release of v1 started on \S+ \(live: nothing\)$/);
        assert.match(host.slackMessages[1], /^:white_check_mark: webapp-dev: v1 is live on \S+ after \d+s \(release; previous: none\)$/);
        assert.ok(!fs.readFileSync("/etc/webapp/app.env", "utf8").includes("secretpath"), "the Slack URL is not in the app's env");
        assert.equal((fs.statSync("/etc/webapp/deploy.env").mode & 0o777).toString(8), "600");
        previous = steps;
    });

    it("2. v1 to v2 under keep-alive load: zero failed requests, nginx never reloaded", async () => {
        host.sql("INSERT INTO notes (body) VALUES ('written before v2')");
        const steps = await planSteps(secrets, { appVersion: "v2" });
        const todo = changedSteps(previous, steps);
        assert.deepEqual(todo.map((s) => s.name), ["webapp-dev-deploy-app-1-release"], "a new version re-runs only the release");
        const workers = nginxWorkers();
        const load = startLoad(HTTP_PORT, ["/", "/api/version"]);
        const r = await runStep(todo[0]);
        const report = await load.stop();
        assert.equal(r.code, 0, r.stderr);
        assert.equal(report.failed, 0, report.errors.join("; "));
        assert.ok(report.requests >= 1000, `${report.requests} requests: the load did run`);
        assert.ok(report.bodies.has("frontend v1") && report.bodies.has("frontend v2"), [...report.bodies].join(", "));
        assert.equal(nginxWorkers(), workers, "the switch went through haproxy's runtime API, not an nginx reload");
        assertServing("v2");
        const result = JSON.parse(r.stdout);
        assert.deepEqual([result.version, result.previous, result.changed], ["v2", "v1", true]);
        assert.match(result.backup, /^pre-v2-\d{8}T\d{6}Z$/);
        assert.ok(fs.existsSync(`/var/lib/webapp/backups/${result.backup}.dump`));
        backupBeforeV2 = result.backup;
        previous = steps;
    });

    it("3. v2 to v3 fails its health check: v2 keeps serving, zero failed requests, a clear error", async () => {
        host.sql("INSERT INTO notes (body) VALUES ('written after v2')");
        const steps = await planSteps(secrets, { appVersion: "v3" });
        const load = startLoad(HTTP_PORT, ["/", "/api/version"]);
        const r = await runStep(release(steps));
        const report = await load.stop();
        assert.notEqual(r.code, 0);
        assert.match(r.stderr, /ERROR: release v3 failed: backend did not pass its health check \/health within \d+s; v2 keeps serving/);
        assert.match(r.stderr, /removed the new release's containers; the live release keeps serving/);
        assert.equal(report.failed, 0, report.errors.join("; "));
        assertServing("v2");
        assert.deepEqual(history().at(-1)!.slice(1, 3), ["v3", "failed"]);
        assert.match(host.slackMessages.at(-1)!, /^:x: webapp-dev: release v3 failed on \S+: backend did not pass its health check \/health within \d+s; v2 keeps serving$/);
    });

    it("4. one-command rollback v2 to v1 with the database restored", async () => {
        const steps = await planSteps(secrets, { appVersion: "v1", dbRestore: backupBeforeV2, dbRestoreConfirm: backupBeforeV2 });
        const r = await runStep(release(steps));
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stderr, new RegExp(`restoring ${backupBeforeV2}`));
        assert.match(r.stderr, /127\.0\.0\.1:5000\/webapp\/backend:v1 is already here/);
        assertServing("v1");
        assert.deepEqual(host.sql("SELECT body FROM notes ORDER BY id").split("\n"), ["written before v2"]);
        assert.match(host.slackMessages[0], /^:rocket: webapp-dev: rollback with database restore of v1 started on \S+ \(live: v2\)$/);
        assert.match(host.slackMessages.at(-1)!, /^:white_check_mark: webapp-dev: v1 is live on \S+ after \d+s \(rollback with database restore; previous: v2\)$/);
        previous = steps;
    });

    it("5. two releases started at once: one waits for the other, the host ends consistent", async () => {
        const steps = await planSteps(secrets, { appVersion: "v2" });
        const before = history().length;
        const [a, b] = await Promise.all([runStep(release(steps)), runStep(release(steps))]);
        assert.deepEqual([a.code, b.code], [0, 0], a.stderr + b.stderr);
        const outcomes = [JSON.parse(a.stdout).changed, JSON.parse(b.stdout).changed].sort();
        assert.deepEqual(outcomes, [false, true], "one released, the other found v2 live after waiting");
        assertServing("v2");
        assert.deepEqual(history().slice(before).map((h) => [h[1], h[2]]), [["v2", "released"]]);
        previous = steps;
    });

    it("6. SSH cut in the middle of a release: re-running converges to the wanted version", async () => {
        const steps = await planSteps(secrets, { appVersion: "v1" });
        const step = release(steps);
        const first = startStep(step);
        await first.logged(/database backed up/);
        first.kill();
        const cut = await first.done;
        assert.notEqual(cut.code, 0, "the connection was cut");
        const again = await runStep(step);
        assert.equal(again.code, 0, again.stderr);
        assertServing("v1");
        assert.ok(!fs.existsSync("/var/lib/webapp/release.lock"), "no lock is left behind");
        previous = steps;
    });

    it("7. re-running with no change does nothing", async () => {
        const steps = await planSteps(secrets, { appVersion: "v1" });
        assert.deepEqual(changedSteps(previous, steps), [], "pulumi up would run no command");
        const ids = execFileSync(PODMAN[0], [...PODMAN.slice(1), "ps", "-q", "--filter", "name=webapp-"], { encoding: "utf8" });
        const lines = history().length;
        const r = await runStep(release(steps));
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(JSON.parse(r.stdout), { version: "v1", changed: false, previous: "v2", backup: JSON.parse(r.stdout).backup });
        assert.match(JSON.parse(r.stdout).backup, /^pre-v1-/);
        assert.equal(execFileSync(PODMAN[0], [...PODMAN.slice(1), "ps", "-q", "--filter", "name=webapp-"], { encoding: "utf8" }), ids);
        assert.equal(history().length, lines);
    });

    it("8. stage 2: the release snapshots RDS once it is available and keeps the last 3, through Debian's aws", async () => {
        const step = release(await planSteps(secrets, { appVersion: "v2", stage: "private-db" }));
        const instance = /--db rds --rds-instance (\S+) --region ap-northeast-2 /.exec(step.create)?.[1];
        assert.ok(instance, step.create);
        const older = ["webapp-pre-20261101t000000z-v0-9", "webapp-pre-20261110t000000z-v1-0", "webapp-pre-20261120t000000z-v1-1"];
        const aws = new FakeAws(rdsResponses({ instance, statuses: ["backing-up", "available"], snapshots: [...older, "taken-by-hand"] }));
        await aws.start();
        try {
            // The program's own command line, run here rather than over SSH so that it reaches this fake AWS.
            const r = await aws.run(step.create, "", { WEBAPP_AWS_CLI: `${debianAws()} --endpoint-url ${aws.url}` });
            await settled();
            assert.equal(r.code, 0, r.stderr);
            const snapshot = JSON.parse(r.stdout).backup as string;
            assert.match(snapshot, /^webapp-pre-\d{8}t\d{6}z-v2$/);
            assert.deepEqual(aws.actions(), ["rds:DescribeDBInstances", "rds:DescribeDBInstances", "rds:CreateDBSnapshot", "rds:DescribeDBSnapshots", "rds:DeleteDBSnapshot"]);
            assert.deepEqual(aws.requests[2].params, { Action: "CreateDBSnapshot", Version: "2014-10-31", DBInstanceIdentifier: instance, DBSnapshotIdentifier: snapshot });
            assert.deepEqual(aws.requests[4].params, { Action: "DeleteDBSnapshot", Version: "2014-10-31", DBSnapshotIdentifier: older[0] });
            assertServing("v2");
            const [, version, outcome, , backup] = history().at(-1)!;
            assert.deepEqual([version, outcome, backup], ["v2", "released", snapshot]);
        } finally {
            await aws.stop();
        }
    });

    it("9. migrateCommand: runs once in the new image before the switch; the column is there and the new version serves", async () => {
        host.exposeDbToContainers();
        host.buildImage("m1", { healthy: true, psql: true });
        const step = release(await planSteps(secrets, { appVersion: "m1", migrateCommand: psql("ALTER TABLE notes ADD COLUMN tag text NOT NULL DEFAULT 'none'") }));
        assert.ok(step.create.includes("--migrate-service backend --migrate-command "), step.create);
        assert.ok(!step.create.includes(DB_PASSWORD), "no secret in the command");
        const load = startLoad(HTTP_PORT, ["/", "/api/version"]);
        const r = await runStep(step);
        const report = await load.stop();
        assert.equal(r.code, 0, r.stderr);
        assert.equal(report.failed, 0, report.errors.join("; "));
        const [migrating, migrated, switched] = ["migrating in 127.0.0.1:5000/webapp/backend:m1: ", "migrated", "the switch now sends traffic to m1"].map((line) => r.stderr.indexOf(line));
        assert.ok(migrating >= 0 && migrating < migrated && migrated < switched, r.stderr);
        assert.equal(host.sql("SELECT column_default FROM information_schema.columns WHERE table_name = 'notes' AND column_name = 'tag'"), "'none'::text");
        assertServing("m1");
        assert.ok(!r.stderr.includes(DB_PASSWORD), "no secret in the log");
    });

    it("10. a failing migrateCommand: the release fails with the migration's error, m1 keeps serving, zero failed requests", async () => {
        host.buildImage("m2", { healthy: true, psql: true });
        const step = release(await planSteps(secrets, { appVersion: "m2", migrateCommand: psql("ALTER TABLE no_such_table ADD COLUMN x int") }));
        const load = startLoad(HTTP_PORT, ["/", "/api/version"]);
        const r = await runStep(step);
        const report = await load.stop();
        assert.notEqual(r.code, 0);
        assert.match(r.stderr, /ERROR: {2}relation "no_such_table" does not exist/, "psql's own error is in the release's log");
        assert.match(r.stderr, /ERROR: release m2 failed: the migration \(migrateCommand\) exited \d+; m1 keeps serving/);
        assert.equal(report.failed, 0, report.errors.join("; "));
        assert.ok(report.bodies.has("frontend m1") && !report.bodies.has("frontend m2"), [...report.bodies].join(", "));
        assertServing("m1");
        assert.deepEqual(history().at(-1)!.slice(1, 3), ["m2", "failed"]);
        assert.match(host.slackMessages.at(-1)!, /^:x: webapp-dev: release m2 failed on \S+: the migration \(migrateCommand\) exited \d+; m1 keeps serving$/);
    });

    it("11. a rollback runs no migration: back to a version migrated here, or with the database restored (which forgets the migrations since)", async () => {
        const plan = (appVersion: string, migrateCommand: string, extra: Record<string, string> = {}) => planSteps(secrets, { appVersion, migrateCommand, ...extra }).then(release);
        const fails = psql("ALTER TABLE no_such_table ADD COLUMN x int");
        const column = () => host.sql("SELECT count(*) FROM information_schema.columns WHERE table_name = 'notes' AND column_name = 'tag'");
        // m2 (its migration fixed) after m1, then back to m1: m1's migration ran here, so the failing command is not run.
        const m2 = await runStep(await plan("m2", psql("CREATE TABLE IF NOT EXISTS tags (name text)")));
        assert.equal(m2.code, 0, m2.stderr);
        const back = await runStep(await plan("m1", fails));
        assert.equal(back.code, 0, back.stderr);
        assert.match(back.stderr, /no migration: m1's migration ran here on \d{4}-/);
        assertServing("m1");
        // Back to v2 with the dump taken before m1: no migration, and m1's column is gone.
        const beforeM1 = history().filter((h) => h[1] === "m1" && h[2] === "released")[0][4];
        const restored = await runStep(await plan("v2", fails, { dbRestore: beforeM1, dbRestoreConfirm: beforeM1 }));
        assert.equal(restored.code, 0, restored.stderr);
        assert.match(restored.stderr, new RegExp(`no migration: the database is restored to ${beforeM1}`));
        assert.doesNotMatch(restored.stderr, /migrating in/);
        assert.equal(column(), "0", "the dump from before m1's migration");
        assertServing("v2");
        // m1 again: the restore forgot its migration, so it runs again.
        const again = await runStep(await plan("m1", psql("ALTER TABLE notes ADD COLUMN tag text NOT NULL DEFAULT 'none'")));
        assert.equal(again.code, 0, again.stderr);
        assert.match(again.stderr, /migrating in 127\.0\.0\.1:5000\/webapp\/backend:m1: /);
        assert.equal(column(), "1");
        assertServing("m1");
    });

    describe("12. stage 4: the boot's migration (boot-migrate.sh), two instances booting one version at once", () => {
        // Stage 4's user data as the program makes it, run here: its header's migration values, the fragment,
        // then the call boot-release.sh makes. AWS is the local server, with Parameter Store's rules for a
        // create (docs: PutParameter without Overwrite fails with ParameterAlreadyExists); `docker` is this
        // machine's podman with the test host's flags; the database is the test host's PostgreSQL.
        const FRAGMENT = "infra/scripts/boot-migrate.sh";
        let shim = "";
        before(() => {
            shim = fs.mkdtempSync(path.join(os.tmpdir(), "docker-shim-"));
            const run = hostConfig();
            fs.writeFileSync(path.join(shim, "docker"), [
                "#!/bin/sh",
                "cmd=$1; shift",
                `case "$cmd" in pull) exec ${PODMAN.join(" ")} pull ${JSON.parse(run.containerPullArgs).join(" ")} "$@" ;;`,
                `  run) exec ${PODMAN.join(" ")} run ${JSON.parse(run.containerRunArgs).join(" ")} "$@" ;;`,
                `  *) exec ${PODMAN.join(" ")} "$cmd" "$@" ;; esac`,
            ].join("\n") + "\n", { mode: 0o755 });
        });
        after(() => fs.rmSync(shim, { recursive: true, force: true }));

        async function boot(version: string, migrateCommand: string, responses: AwsResponses) {
            const run = await planStack({ stage: "autoscaling", services: hostConfig().services, appVersion: version, migrateCommand }, "prod");
            const userData = Buffer.from(String(one(run, "aws:ec2/launchTemplate:LaunchTemplate").props.userData), "base64").toString();
            assert.ok(userData.includes(fs.readFileSync(FRAGMENT, "utf8")), "the fragment is the user data's");
            const header = userData.split("\n").filter((l) => /^(REGION|APP_VERSION|MIGRATE_COMMAND|MIGRATE_IMAGE|MIGRATION_PARAMETER|MIGRATE_TIMEOUT_SECONDS)=/.test(l));
            assert.equal(header.length, 6, userData.slice(0, 2000));
            const script = path.join(shim, `boot-${version}.sh`);
            fs.writeFileSync(script, `set -euo pipefail\n${header.join("\n")}\nsource ${FRAGMENT}\nmigrate_once /etc/webapp/app.env 0.2\n`);
            const aws = new FakeAws(responses);
            await aws.start();
            try {
                const both = await Promise.all([0, 1].map(() => aws.run(`PATH=${shim}:$PATH bash ${script}`)));
                return { both, actions: aws.actions(), parameter: header.find((l) => l.startsWith("MIGRATION_PARAMETER="))!.split("=")[1] };
            } finally {
                await aws.stop();
            }
        }

        it("one instance migrates, the other waits for it; both go on to start the app", async () => {
            host.buildImage("m3", { healthy: true, psql: true });
            const store = new Map<string, string>();
            // Parameter Store answers the first create TooManyUpdates ("one update at a time"), which the CLI does not retry itself.
            const responses = parameterStore(store);
            const put = responses["ssm:PutParameter"] as (r: AwsRequest, n: number) => string | AwsError;
            responses["ssm:PutParameter"] = (r, n) => (n === 1 ? new AwsError("TooManyUpdates", "There are concurrent updates for a resource that supports one update at a time.") : put(r, n));
            // Not idempotent on purpose: a second run would fail.
            const { both, actions, parameter } = await boot("m3", psql("CREATE TABLE boot_migrations (at timestamptz DEFAULT now()); INSERT INTO boot_migrations DEFAULT VALUES"), responses);
            for (const r of both) assert.equal(r.code, 0, r.stderr + r.stdout);
            const ran = both.filter((r) => r.stdout.includes("migrating in 127.0.0.1:5000/webapp/backend:m3: "));
            assert.equal(ran.length, 1, both.map((r) => r.stdout).join("\n---\n"));
            assert.match(both.find((r) => r !== ran[0])!.stdout, /no migration here: m3's is done on \S+ at \d{4}-/);
            assert.equal(host.sql("SELECT count(*) FROM boot_migrations"), "1");
            assert.equal(parameter, "/webapp-prod/migrations/m3");
            assert.match(store.get(parameter)!, /^done on \S+ at \d{4}-/);
            assert.deepEqual(actions.filter((a) => a === "ssm:PutParameter").length, 4, "two claims (one refused, one retried after TooManyUpdates), one outcome");
            for (const r of both) assert.ok(!(r.stdout + r.stderr).includes(DB_PASSWORD), "no secret in the boot log");
        });

        it("a failing migration fails both boots, and its outcome names the error", async () => {
            host.buildImage("m4", { healthy: true, psql: true });
            const store = new Map<string, string>();
            // A migration whose error output quotes the password: the outcome `pulumi up` prints has it masked.
            const { both, parameter } = await boot("m4", `echo "could not log in with password $DB_PASSWORD" >&2; ${psql("ALTER TABLE no_such_table ADD COLUMN x int")}`, parameterStore(store));
            for (const r of both) assert.notEqual(r.code, 0, r.stdout);
            const [runner, waiter] = /ERROR: the migration of m4 exited 1/.test(both[0].stderr) ? both : [both[1], both[0]];
            assert.match(runner.stderr, /ERROR: the migration of m4 exited 1/);
            assert.match(waiter.stderr, /ERROR: the migration of m4 failed: exit 1 on /, "the other instance fails with its outcome");
            assert.match(store.get(parameter)!, /^failed: exit 1 on \S+ at \d{4}-.*could not log in with password \*\*\* .*ERROR: {2}relation "no_such_table" does not exist/);
            assert.ok(!store.get(parameter)!.includes(DB_PASSWORD), "the password is masked in the outcome");
        });
    });
});
