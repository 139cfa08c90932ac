// Moving stage 1's database into "RDS" on a real host: the program's own move step (planned with
// stage private-db and dataMove copy), over real SSH, from the test host's PostgreSQL into a second
// PostgreSQL cluster standing in for RDS. The one thing replaced in the planned command is the target's
// address: the mocks' RDS endpoint becomes the stand-in cluster's.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import { DATA_DIR } from "../../infra/userData";
import { debianAws, FakeAws } from "../helpers/fakeAws";
import { rdsResponses } from "../helpers/fakeRds";
import { changedSteps, runStep, runSteps, settled, Step } from "./remote";
import { get, planSteps } from "./steps";
import { TARGET_PORT, TargetDb, towardTarget } from "./targetDb";
import { DB_PASSWORD, DB_PORT, TestHost } from "./testHost";

const STAGE2 = { appVersion: "v1", stage: "private-db", dataMove: "copy" };

const COUNTS = "SELECT (SELECT count(*) FROM notes) || ' ' || (SELECT count(*) FROM events)";

describe("e2e: moving stage 1's database into a second PostgreSQL standing in for RDS", function () {
    this.timeout(600_000);
    const host = new TestHost();
    const target = new TargetDb(host.dir);
    let secrets: [string, string][] = [];
    let stage1: Step[] = [];
    let move: Step;
    let moveSeconds = 0;

    before(async () => {
        await host.start();
        secrets = host.secrets();
        target.start();
    });
    after(() => {
        target.stop();
        host.stop();
    });

    /** The source as the app sees it: its rows, and whether a new session may write. */
    function sourceState(): string {
        return `${host.sql(COUNTS)} read_only=${host.sql("SHOW default_transaction_read_only")}`;
    }

    it("1. stage 1: v1 on the host's database, with rows", async () => {
        stage1 = await planSteps(secrets, { appVersion: "v1" });
        const results = await runSteps(stage1);
        assert.deepEqual(results.map((r) => r.code), stage1.map(() => 0), results.map((r) => r.stderr).join("\n"));
        // The prepare step formatted the (blank) data volume and mounted it, as on the first boot of a stage 1 host.
        assert.match(results.map((r) => r.stderr).join("\n"), /formatted the data volume \/dev\/disk\/by-id\/nvme-Amazon_Elastic_Block_Store_\S+ \(xfs\)\n.*mounted the data volume at \/var\/lib\/webapp\/db/);
        assert.equal(spawnSync("mountpoint", ["-q", DATA_DIR]).status, 0);
        host.sql("INSERT INTO notes (body) VALUES ('first'), ('second'), ('third')");
        host.sql("CREATE TABLE events (id bigint PRIMARY KEY, payload text NOT NULL)");
        host.sql("INSERT INTO events SELECT g, md5(g::text) FROM generate_series(1, 200000) g");
        assert.equal(sourceState(), "3 200000 read_only=off");
    });

    it("2. stage 2 with dataMove copy adds only the move: the release and the app's env stay on the host's database", async () => {
        const steps = await planSteps(secrets, STAGE2);
        const todo = changedSteps(stage1, steps);
        assert.deepEqual(todo.map((s) => s.name.replace("webapp-dev-deploy-app-1-", "")), ["upload-move-data", "move-data-copy"]);
        assert.ok(!todo.some((s) => s.create.includes(DB_PASSWORD) || (s.stdin ?? "").includes(DB_PASSWORD)), "no password in the move's command or stdin");
        const upload = await runStep(todo[0]);
        assert.equal(upload.code, 0, upload.stderr);
        move = towardTarget(todo[1]);
    });

    it("3. a target that is not empty: refused before the freeze, the source untouched (RDS's managed password read from Secrets Manager)", async () => {
        // Without dbPassword RDS keeps its password in Secrets Manager and the host reads it with its role:
        // the program's command line, run here against a local stand-in for that API (as case 8 of deploy.test.ts).
        const managed = towardTarget((await planSteps(secrets.filter(([k]) => k !== "dbPassword"), STAGE2)).find((s) => s.name.endsWith("-move-data-copy"))!);
        const arn = /--target-secret-arn '?([^' ]+)'? /.exec(managed.create)?.[1];
        assert.ok(arn, managed.create);
        const aws = new FakeAws({ "secretsmanager:GetSecretValue": JSON.stringify({ ARN: arn, Name: "rds!db", SecretString: JSON.stringify({ username: "app", password: DB_PASSWORD }) }) });
        await aws.start();
        host.sql("CREATE TABLE leftover (id int)", TARGET_PORT);
        const r = await aws.run(managed.create, "", { WEBAPP_AWS_CLI: `${debianAws()} --endpoint-url ${aws.url}` }).finally(() => aws.stop().then(() => target.reset()));
        assert.deepEqual(aws.requests.map((q) => [q.action, q.params.SecretId]), [["secretsmanager:GetSecretValue", arn]]);
        assert.notEqual(r.code, 0);
        assert.match(r.stderr, /ERROR: the target database app on 127\.0\.0\.1:55433 is not empty \(1 tables, views or sequences\); the move restores into an empty database only/);
        assert.equal(sourceState(), "3 200000 read_only=off");
    });

    it("4. counts that differ after the restore: fails naming the table, the source writable again and unchanged", async () => {
        // The stand-in loses every other row of notes on insert, as a broken restore would.
        target.admin(`
            CREATE FUNCTION drop_even() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.id % 2 = 0 THEN RETURN NULL; END IF; RETURN NEW; END $$;
            CREATE FUNCTION lossy() RETURNS event_trigger LANGUAGE plpgsql AS $$
            DECLARE o record;
            BEGIN
              FOR o IN SELECT * FROM pg_event_trigger_ddl_commands() WHERE command_tag = 'CREATE TABLE' AND object_identity = 'public.notes' LOOP
                EXECUTE 'CREATE TRIGGER drop_even BEFORE INSERT ON public.notes FOR EACH ROW EXECUTE FUNCTION public.drop_even()';
              END LOOP;
            END $$;
            CREATE EVENT TRIGGER lossy ON ddl_command_end EXECUTE FUNCTION lossy();`, "app");
        const r = await runStep(move).finally(() => target.reset());
        assert.notEqual(r.code, 0);
        assert.match(r.stderr, /ERROR: row counts differ between the host database and 127\.0\.0\.1:55433 \(source public\.notes 3; target public\.notes 2\)/);
        assert.match(r.stderr, /the host database takes writes again, unchanged/);
        assert.equal(sourceState(), "3 200000 read_only=off");
    });

    it("5. the move: every row in the target, counts compared, writes frozen on the source, the host serving", async () => {
        const r = await runStep(move);
        assert.equal(r.code, 0, r.stderr);
        const result = JSON.parse(r.stdout);
        assert.deepEqual([result.tables, result.rows, result.target], [2, 200003, `127.0.0.1:${TARGET_PORT}`]);
        assert.match(r.stderr, /public\.events: 200000 rows on both sides/);
        assert.equal(host.sql(COUNTS, TARGET_PORT), "3 200000");
        assert.equal(host.sql("SELECT string_agg(body, ',' ORDER BY id) FROM notes", TARGET_PORT), "first,second,third");
        assert.equal(sourceState(), "3 200000 read_only=on");
        const write = spawnSync("psql", ["-h", "127.0.0.1", "-p", String(DB_PORT), "-U", "app", "-d", "app", "-c", "INSERT INTO notes (body) VALUES ('lost')"], { env: { ...process.env, PGPASSWORD: DB_PASSWORD }, encoding: "utf8" });
        assert.match(write.stderr, /cannot execute INSERT in a read-only transaction/);
        assert.equal(get("/"), "frontend v1", "the app keeps serving while its writes are frozen");
        // The figure the README states: writes are frozen from the move's start to the switch's release.
        moveSeconds = r.seconds;
        process.stdout.write(`      move of ${result.rows} rows: ${result.seconds}s on the host from the freeze (step ${r.seconds.toFixed(2)}s over SSH)\n`);
    });

    it("6. a second run finds the move made and changes nothing", async () => {
        const r = await runStep(move);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stderr, /the data was already moved to 127\.0\.0\.1:55433; nothing to do/);
        assert.equal(JSON.parse(r.stdout).rows, 200003);
        assert.equal(host.sql(COUNTS, TARGET_PORT), "3 200000");
    });

    it("7. the switch (dataMove done with release v2): the app's env on RDS, the host database left; the write freeze printed", async () => {
        const copy = await planSteps(secrets, STAGE2);
        const todo = changedSteps(copy, await planSteps(secrets, { ...STAGE2, appVersion: "v2", dataMove: "done" }));
        assert.deepEqual(todo.map((s) => s.name.replace("webapp-dev-deploy-app-1-", "")), ["prepare", "release", "move-data-done"]);
        const prepared = await runStep(todo[0]);
        assert.equal(prepared.code, 0, prepared.stderr);
        assert.match(fs.readFileSync("/etc/webapp/app.env", "utf8"), /^DB_HOST=webapp-dev-db-pg\.\S+\.rds\.amazonaws\.com$/m);
        // The release snapshots RDS first: the program's own command line, run here against a local stand-in for RDS's API.
        const instance = /--db rds --rds-instance (\S+) /.exec(todo[1].create)?.[1];
        assert.ok(instance, todo[1].create);
        const aws = new FakeAws(rdsResponses({ instance, statuses: ["available"], snapshots: [] }));
        await aws.start();
        const releaseStarted = Date.now();
        const released = await aws.run(todo[1].create, "", { WEBAPP_AWS_CLI: `${debianAws()} --endpoint-url ${aws.url}` });
        const releaseSeconds = (Date.now() - releaseStarted) / 1000;
        await settled().finally(() => aws.stop());
        assert.equal(released.code, 0, released.stderr);
        assert.equal(get("/"), "frontend v2");
        const finished = await runStep(todo[2]);
        assert.equal(finished.code, 0, finished.stderr);
        assert.deepEqual(JSON.parse(finished.stdout), { finished: true });
        assert.match(finished.stderr, /the system PostgreSQL is not this host's deploy to stop/);
        // Unmounted with the host running, and out of fstab: the volume can go (let go) without touching the host.
        assert.match(finished.stderr, /unmounted \/var\/lib\/webapp\/db: the volume can be detached with the host running/);
        assert.notEqual(spawnSync("mountpoint", ["-q", DATA_DIR]).status, 0);
        assert.ok(!fs.readFileSync("/etc/fstab", "utf8").includes(` ${DATA_DIR} `));
        const switchSeconds = prepared.seconds + releaseSeconds;
        process.stdout.write(`      writes frozen: move ${moveSeconds.toFixed(2)}s + switch (prepare ${prepared.seconds.toFixed(2)}s, release ${releaseSeconds.toFixed(2)}s) = ${(moveSeconds + switchSeconds).toFixed(2)}s, plus Pulumi's own time between the two runs\n`);
    });
});
