// Stage 1's default database for real: PostgreSQL in a container on the host (hostDbRuntime container).
// The program's steps over real SSH, as movedata.test.ts runs them: the prepare step pulls dbImage and
// starts webapp-db on the network webapp, its data on the mounted data volume; the app reaches it by
// name; a release dumps it with `exec webapp-db pg_dump`, the rollback restores with `exec -i webapp-db
// pg_restore`, the move to "RDS" copies with the image's own tools. dbImage is the test host's stand-in
// built from this machine's PostgreSQL 15: no registry here has pgvector's image, and no pgvector.
import { strict as assert } from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { DATA_DIR } from "../../infra/userData";
import { changedSteps, runStep, runSteps, Step, StepResult } from "./remote";
import { get, planSteps, psqlMigration, releaseStep as release, running } from "./steps";
import { TARGET_PORT, TargetDb, towardTarget } from "./targetDb";
import { DB_PASSWORD, PODMAN, pgHome, TestHost } from "./testHost";

/** The container's port on the host: neither the test host's system PostgreSQL (DB_PORT) nor the move's target. */
const PORT = 55434;

interface Container {
    State: { Running: boolean };
    NetworkSettings: { Networks: Record<string, unknown> };
    HostConfig: { PortBindings: Record<string, { HostIp: string; HostPort: string }[]> };
    Mounts: { Source: string; Destination: string }[];
}

function podman(...args: string[]): string {
    return execFileSync(PODMAN[0], [...PODMAN.slice(1), ...args], { encoding: "utf8" });
}

/** The database container's log (PostgreSQL logs to stderr). */
function dbLog(): string {
    const r = spawnSync(PODMAN[0], [...PODMAN.slice(1), "logs", "webapp-db"], { encoding: "utf8" });
    return r.stdout + r.stderr;
}

function inspect(name: string): Container {
    return JSON.parse(podman("inspect", name))[0];
}

const short = (s: Step) => s.name.replace("webapp-dev-deploy-app-1-", "");

describe("e2e: stage 1's database in a container on the host (hostDbRuntime container; dbImage a PostgreSQL 15 stand-in)", function () {
    this.timeout(600_000);
    const host = new TestHost();
    const target = new TargetDb(host.dir);
    let secrets: [string, string][] = [];
    let config: Record<string, string> = {};
    let image = "";
    let backupBeforeV2 = "";
    /** Every command line, log and process list the test saw. */
    const seen: string[] = [];

    before(async () => {
        await host.start();
        secrets = host.secrets();
        image = host.buildPostgresImage();
        config = { hostDbRuntime: "container", dbImage: image, dbPort: String(PORT) };
        target.start();
    });
    after(() => {
        target.stop();
        host.stop();
    });
    afterEach(() => assert.ok(!seen.some((t) => t.includes(DB_PASSWORD)), "the password is in no command line, log or process list"));

    async function plan(extra: Record<string, string>): Promise<Step[]> {
        const steps = await planSteps(secrets, { ...config, ...extra });
        seen.push(...steps.map((s) => s.create));
        return steps;
    }
    function saw(results: StepResult[]): StepResult[] {
        seen.push(...results.flatMap((r) => [r.stdout, r.stderr]));
        return results;
    }
    const run = async (step: Step) => saw([await runStep(step)])[0];

    it("1. first release: webapp-db pulled and started on the network webapp, data on the volume, port on loopback; the migration reaches it as webapp-db", async () => {
        host.buildImage("c1", { healthy: true, psql: true });
        const steps = await plan({ appVersion: "c1", migrateCommand: psqlMigration("CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL)") });
        const prepare = steps.find((s) => short(s) === "prepare")!;
        assert.match(prepare.create, / --db-runtime container --db-image 127\.0\.0\.1:5000\/webapp\/postgres:15 --run-arg --ulimit .* --pull-arg --tls-verify=false --db-port 55434 --db-data \/var\/lib\/webapp\/db /);
        const results = saw(await runSteps(steps));
        assert.deepEqual(results.map((r) => r.code), steps.map(() => 0), results.map((r) => r.stderr).join("\n"));
        const log = results.map((r) => r.stderr).join("\n");
        // Pulled with the pull arguments, started, and ready before the release's backup and migration.
        assert.match(log, /pulling 127\.0\.0\.1:5000\/webapp\/postgres:15\n.*starting the database container \(127\.0\.0\.1:5000\/webapp\/postgres:15\)\n.*the database container accepts connections\n/);

        const db = inspect("webapp-db");
        assert.equal(db.State.Running, true);
        assert.deepEqual(Object.keys(db.NetworkSettings.Networks), ["webapp"]);
        assert.deepEqual(db.HostConfig.PortBindings["5432/tcp"], [{ HostIp: "127.0.0.1", HostPort: String(PORT) }]);
        // The port is held on loopback only: what listens on it on this host.
        assert.deepEqual(execFileSync("ss", ["-Hltn", `sport = :${PORT}`], { encoding: "utf8" }).trim().split("\n").map((l) => l.split(/\s+/)[3]), [`127.0.0.1:${PORT}`]);
        // The cluster the entrypoint made is on the data volume the prepare step mounted.
        assert.ok(db.Mounts.some((m) => m.Source === DATA_DIR && m.Destination === "/var/lib/postgresql/data"), JSON.stringify(db.Mounts));
        assert.equal(spawnSync("mountpoint", ["-q", DATA_DIR]).status, 0);
        assert.equal(fs.readFileSync(path.join(DATA_DIR, "PG_VERSION"), "utf8").trim(), path.basename(pgHome()));

        // The app's containers on the same network, told DB_HOST=webapp-db; the migration created its table through it.
        const env = fs.readFileSync("/etc/webapp/app.env", "utf8");
        assert.match(env, /^DB_HOST=webapp-db$/m);
        assert.match(env, /^DB_PORT=5432$/m);
        for (const c of running()) assert.deepEqual(Object.keys(inspect(c.split(" ")[0]).NetworkSettings.Networks), ["webapp"], c);
        assert.match(log, /migrating in 127\.0\.0\.1:5000\/webapp\/backend:c1: /);
        assert.equal(host.sql("SELECT count(*) FROM notes", PORT), "0");
        assert.equal(get("/"), "frontend c1");
        const dbLines = dbLog();
        assert.match(dbLines, /PostgreSQL init process complete; ready for start up\.\n[^]*database system is ready to accept connections/);
        seen.push(dbLines, execFileSync("ps", ["-eo", "args"], { encoding: "utf8" }));
    });

    it("2. a release dumps the database first with `exec webapp-db pg_dump`: the dump on the host holds the container's rows", async () => {
        host.sql("INSERT INTO notes (body) VALUES ('written before v2')", PORT);
        const step = release(await plan({ appVersion: "v2" }));
        assert.match(step.create, / --db host-container /);
        const r = await run(step);
        assert.equal(r.code, 0, r.stderr);
        const backup = JSON.parse(r.stdout).backup as string;
        assert.match(backup, /^pre-v2-\d{8}T\d{6}Z$/);
        assert.match(r.stderr, new RegExp(`database backed up: ${backup} \\(\\d+ bytes\\)`));
        // Read back with this machine's pg_restore: the row exists only in the container's database.
        const rows = execFileSync("pg_restore", ["--data-only", "-t", "notes", "-f", "-", `/var/lib/webapp/backups/${backup}.dump`], { encoding: "utf8" });
        assert.match(rows, /\twritten before v2\n/);
        assert.equal(get("/"), "frontend v2");
        backupBeforeV2 = backup;
    });

    it("3. the one-command rollback to c1 with the database restored by `exec -i webapp-db pg_restore`: the rows from before v2", async () => {
        host.sql("INSERT INTO notes (body) VALUES ('written after v2')", PORT);
        const r = await run(release(await plan({ appVersion: "c1", dbRestore: backupBeforeV2, dbRestoreConfirm: backupBeforeV2 })));
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stderr, new RegExp(`restoring ${backupBeforeV2}`));
        assert.equal(get("/"), "frontend c1");
        assert.deepEqual(host.sql("SELECT body FROM notes ORDER BY id", PORT).split("\n"), ["written before v2"]);
        seen.push(dbLog());
    });

    it("4. the move to stage 2 (dataMove copy): psql, pg_dump and pg_restore of dbImage copy every row into the stand-in RDS, the source frozen", async () => {
        const todo = changedSteps(await plan({ appVersion: "c1" }), await plan({ appVersion: "c1", stage: "private-db", dataMove: "copy" }));
        assert.deepEqual(todo.map(short), ["upload-move-data", "move-data-copy"]);
        assert.match(todo[1].create, / copy --db-runtime container --cli 'podman --runtime runc' --db-port 55434 --db-image 127\.0\.0\.1:5000\/webapp\/postgres:15 --run-arg /);
        const upload = await run(todo[0]);
        assert.equal(upload.code, 0, upload.stderr);
        const r = await run(towardTarget(todo[1]));
        assert.equal(r.code, 0, r.stderr);
        const result = JSON.parse(r.stdout);
        assert.deepEqual([result.tables, result.rows, result.target], [1, 1, `127.0.0.1:${TARGET_PORT}`]);
        assert.match(r.stderr, /public\.notes: 1 rows on both sides/);
        assert.equal(host.sql("SELECT string_agg(body, ',' ORDER BY id) FROM notes", TARGET_PORT), "written before v2");
        assert.equal(host.sql("SHOW default_transaction_read_only", PORT), "on");
        assert.equal(get("/"), "frontend c1", "the app keeps serving while its writes are frozen");
    });

    it("5. after the switch (dataMove done): webapp-db stopped and removed, its volume unmounted", async () => {
        // The switch's own prepare and release (the app on RDS) are movedata.test.ts's case 7; here, the container's end.
        const done = (await plan({ appVersion: "c1", stage: "private-db", dataMove: "done" })).find((s) => short(s) === "move-data-done")!;
        assert.match(done.create, / done --db-runtime container --cli 'podman --runtime runc' --data-dir \/var\/lib\/webapp\/db$/);
        const r = await run(done);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stderr, /stopped the host database container/);
        assert.match(r.stderr, /unmounted \/var\/lib\/webapp\/db: the volume can be detached with the host running/);
        assert.notEqual(spawnSync(PODMAN[0], [...PODMAN.slice(1), "container", "exists", "webapp-db"]).status, 0);
        assert.notEqual(spawnSync("mountpoint", ["-q", DATA_DIR]).status, 0);
    });
});
