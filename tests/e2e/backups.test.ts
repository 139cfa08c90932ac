// The scheduled backup on a real host: the timer and service exactly as the program's prepare step
// carries them, installed where prepare-host.sh puts them and checked by systemd-analyze; there is
// no systemd as PID 1 here, so the service's ExecStart line runs as written, with the real pg_dump
// against the host's PostgreSQL and the real aws CLI copying to a local S3 stand-in. Then the probe
// turns the last-backup marker into BackupAgeHours, published through the same CLI.
import { strict as assert } from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { BACKUP_SCRIPT_PATH } from "../../infra/hostBackup";
import { makePlan } from "../../plan/plan";
import { FakeAws, withAws } from "../helpers/fakeAws";
import { runSteps } from "./remote";
import { planSteps } from "./steps";
import { DB_PORT, hostConfig, TestHost } from "./testHost";

const BACKUP_DIR = "/var/lib/webapp/backups";
const MARKER = "/var/lib/webapp/last-backup";
const SINCE = "/var/lib/webapp/backup-since";
const PROBE = path.resolve(__dirname, "../../infra/scripts/probe.sh");
const S3_OK = { "PUT /": "" };
const CLOUDWATCH_OK = { "cloudwatch:PutMetricData": `<PutMetricDataResponse><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></PutMetricDataResponse>` };

const dumps = () => fs.readdirSync(BACKUP_DIR).filter((f) => f.startsWith("scheduled-")).sort();

/** Runs a command as the postgres superuser over the test host's socket (the app's user cannot change roles). */
function asPostgres(host: TestHost, statement: string): void {
    execFileSync("runuser", ["-u", "postgres", "--", "psql", "-h", path.join(host.dir, "pgdata"), "-p", String(DB_PORT), "-U", "postgres", "-v", "ON_ERROR_STOP=1", "-qc", statement]);
}

describe("e2e: the scheduled database backup on a real host (systemd units, pg_dump, aws CLI)", function () {
    this.timeout(600_000);
    const host = new TestHost();
    const units = fs.mkdtempSync(path.join(os.tmpdir(), "webapp-backup-units-"));
    let execStart = "";
    let bucket = "";

    before(async () => {
        await host.start();
        const secrets = host.secrets();
        // The first release: the deploy's lib.sh (which the backup sources) and the env file with the database's login.
        const results = await runSteps(await planSteps(secrets, { appVersion: "v1" }));
        assert.deepEqual(results.map((r) => r.code), results.map(() => 0), results.map((r) => r.stderr).join("\n"));
        // The prepare step of this host's stack with a backup bucket, as a real stack has one: the units it installs.
        const { run } = await makePlan({ stack: "dev", config: Object.entries({ ...hostConfig(), appVersion: "v1", backupBucket: "true" }), secrets, json: false, policy: false });
        bucket = String(run.resources.find((r) => r.type === "aws:s3/bucket:Bucket")!.outputs.bucket);
        const prepare = String(run.resources.find((r) => r.name.endsWith("-app-1-prepare"))!.props.create);
        const unit = (kind: string) => Buffer.from(new RegExp(`--backup-${kind}-b64 (\\S+)`).exec(prepare)![1], "base64").toString();
        const p = { BACKUP_SERVICE_UNIT: unit("service"), BACKUP_TIMER_UNIT: unit("timer") };
        // What prepare-host.sh does with them (less systemctl, which needs systemd as PID 1); the release
        // above installed backup-db.sh at BACKUP_SCRIPT_PATH.
        assert.ok(fs.existsSync(BACKUP_SCRIPT_PATH));
        fs.writeFileSync(path.join(units, "webapp-backup.service"), p.BACKUP_SERVICE_UNIT);
        fs.writeFileSync(path.join(units, "webapp-backup.timer"), p.BACKUP_TIMER_UNIT);
        execStart = p.BACKUP_SERVICE_UNIT.split("\n").find((l) => l.startsWith("ExecStart="))!.slice("ExecStart=".length);
    });
    after(() => {
        host.stop();
        fs.rmSync(units, { recursive: true, force: true });
    });

    it("the test host has no systemd as PID 1, and systemd-analyze verifies the generated units", () => {
        assert.ok(!fs.existsSync("/run/systemd/system"), "with systemd running, this test should start the unit instead");
        const r = spawnSync("systemd-analyze", ["verify", path.join(units, "webapp-backup.timer"), path.join(units, "webapp-backup.service")], { encoding: "utf8" });
        assert.equal(r.status, 0, r.stdout + r.stderr);
        assert.equal((r.stdout + r.stderr).trim(), "", "no warnings");
        assert.match(execStart, new RegExp(`^${BACKUP_SCRIPT_PATH} --db host-system --db-port ${DB_PORT} --bucket ${bucket} --region ap-northeast-2$`));
    });

    it("the unit's ExecStart dumps the database, copies it to S3 with the real aws CLI, then updates the marker", async () => {
        host.sql("INSERT INTO notes (body) VALUES ('in the scheduled backup')");
        fs.writeFileSync(MARKER, "1000\n");
        const before = Math.floor(Date.now() / 1000);
        await withAws({ ...S3_OK }, async (aws) => {
            const r = await aws.run(execStart);
            assert.equal(r.code, 0, r.stderr);
            const [dump] = dumps();
            assert.ok(dump, "a dump appears in the backup directory");
            const id = dump.replace(/\.dump$/, "");
            assert.match(id, /^scheduled-\d{8}T\d{6}\.\d{3}Z$/);
            // A real custom-format dump holding the row: pg_restore reads it back as SQL.
            const sql = execFileSync("pg_restore", ["--data-only", "-f", "-", path.join(BACKUP_DIR, dump)], { encoding: "utf8" });
            assert.ok(sql.includes("in the scheduled backup"), "the dump holds the new row");
            assert.deepEqual(aws.actions(), [`PUT /${bucket}/db/${os.hostname()}/${id}.dump`]);
            assert.ok(aws.requests[0].body.length > 0, "the dump's bytes went up");
            assert.ok(Number(fs.readFileSync(MARKER, "utf8")) >= before, "the marker is this backup's time");
            assert.match(r.stderr, new RegExp(`database backed up: ${id} \\(\\d+ bytes\\)`));
        });
    });

    it("a failing dump exits non-zero, leaves the marker and no partial file, and copies nothing", async () => {
        fs.writeFileSync(MARKER, "1000\n");
        const before = dumps();
        asPostgres(host, "ALTER ROLE app NOLOGIN");
        try {
            await withAws({ ...S3_OK }, async (aws) => {
                const r = await aws.run(execStart);
                assert.notEqual(r.code, 0);
                assert.match(r.stderr, /ERROR: pg_dump on port \d+ failed; no backup scheduled-\d{8}T\d{6}\.\d{3}Z/);
                assert.deepEqual(aws.actions(), [], "nothing is copied");
            });
        } finally {
            asPostgres(host, "ALTER ROLE app LOGIN");
        }
        assert.equal(fs.readFileSync(MARKER, "utf8"), "1000\n");
        assert.deepEqual(dumps(), before);
        assert.deepEqual(fs.readdirSync(BACKUP_DIR).filter((f) => f.endsWith(".part")), []);
    });

    it("a failed copy to S3 is a failed backup: non-zero, the dump kept here, the marker unchanged", async () => {
        fs.writeFileSync(MARKER, "1000\n");
        const before = dumps();
        // No answer for PUT: the stand-in refuses the upload as S3 would refuse a missing permission.
        await withAws({}, async (aws) => {
            const r = await aws.run(execStart);
            assert.notEqual(r.code, 0);
            assert.match(r.stderr, new RegExp(`ERROR: the copy to s3://${bucket} failed; ${BACKUP_DIR}/scheduled-\\d{8}T\\d{6}\\.\\d{3}Z\\.dump is kept`));
            assert.equal(aws.actions().length, 1);
        });
        assert.equal(fs.readFileSync(MARKER, "utf8"), "1000\n");
        assert.equal(dumps().length, before.length + 1, "the local dump stays");
    });

    describe("BackupAgeHours from the marker", () => {
        const probe = async (aws: FakeAws): Promise<Record<string, string>> => {
            const r = await aws.run(`bash ${PROBE}`);
            assert.equal(r.code, 0, r.stderr);
            const put = aws.requests.filter((q) => q.action === "cloudwatch:PutMetricData");
            assert.equal(put.length, 1, aws.actions().join(", "));
            return put[0].params as Record<string, string>;
        };
        const since = Math.floor(Date.now() / 1000) - 50 * 3600;
        // The probe's settings as bootstrap-host.sh writes them; backups expected for 50 hours (the prepare
        // step above wrote backup-since when it set them up: moved back here).
        before(() => {
            execFileSync("bash", ["-c", "printf 'NAMESPACE=%q\\nREGION=%q\\nURLS=%q\\n' WebApp/webapp-dev ap-northeast-2 '' > /etc/webapp/probe.conf"]);
            assert.ok(fs.existsSync(SINCE), "the prepare step marked when backups were set up");
            fs.writeFileSync(SINCE, `${since}\n`);
        });

        it("is the hours since the last successful backup", async () => {
            fs.writeFileSync(MARKER, `${Math.floor(Date.now() / 1000) - 30 * 3600}\n`);
            await withAws({ ...CLOUDWATCH_OK }, async (aws) => {
                const p = await probe(aws);
                assert.equal(p.Namespace, "WebApp/webapp-dev");
                assert.equal(p["MetricData.member.1.MetricName"], "BackupAgeHours");
                assert.equal(p["MetricData.member.2.MetricName"], undefined, "no HealthCheck without health URLs");
                const age = Number(p["MetricData.member.1.Value"]);
                assert.ok(age >= 30 && age < 30.1, `${age}`);
            });
        });

        it("is counted from when backups were set up while none has succeeded, so a host that never backs up alarms", async () => {
            fs.rmSync(MARKER, { force: true });
            await withAws({ ...CLOUDWATCH_OK }, async (aws) => {
                const age = Number((await probe(aws))["MetricData.member.1.Value"]);
                assert.ok(age >= 50 && age < 50.1, `${age}`);
            });
        });

        it("drops to zero after the timer's backup succeeds", async () => {
            await withAws({ ...S3_OK, ...CLOUDWATCH_OK }, async (aws) => {
                const r = await aws.run(execStart);
                assert.equal(r.code, 0, r.stderr);
                const age = Number((await probe(aws))["MetricData.member.1.Value"]);
                assert.ok(age >= 0 && age < 0.1, `${age}`);
            });
        });
    });
});
