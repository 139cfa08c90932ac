// Scheduled backups as the program builds them, per stage, under mocks: the on-host timer and its
// service that the deploy's prepare step installs (stage 1), the backup-age alarm and widget, and at stages 2-4 RDS's own
// backup status (an event subscription to the alarm topic, backup storage on the dashboard).
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import { BACKUP_RANDOM_DELAY, defaultBackupMaxAgeHours, execStart } from "../../infra/hostBackup";
import { PlannedResource, ProgramRun } from "../../plan/run";
import { ConfigError, ConfigSource, parseStackConfig } from "../../stacks/schema";
import { ofType, one, planStack, T } from "../helpers/plan";
import { STAGES } from "../../stacks/stages";

type Props = Record<string, unknown>;
const props = (r: PlannedResource) => r.props as Props;
// A deploy key: the deploy (which starts the on-host database and installs its backup) is on.
const KEY = { sshPrivateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nfake\n-----END OPENSSH PRIVATE KEY-----\n" };

/** The backup units the prepare step installs ("" when it installs none), and whether backup-db.sh is uploaded. */
function hostBackup(run: ProgramRun): { service: string; timer: string; uploaded: boolean } {
    const prepare = run.resources.find((r) => r.type === "command:remote:Command" && r.name.endsWith("-app-1-prepare"));
    const line = prepare ? String(props(prepare).create) : "";
    const flag = (name: string) => {
        const m = new RegExp(`--${name} (\\S+)`).exec(line);
        return m ? Buffer.from(m[1], "base64").toString() : "";
    };
    const uploaded = run.resources.some((r) => r.type === "command:remote:CopyToRemote" && String((props(r).source as { path?: string }).path).endsWith("/infra/deploy/scripts/backup-db.sh"));
    return { service: flag("backup-service-b64"), timer: flag("backup-timer-b64"), uploaded };
}

/** The one value of `key=` in a unit file. */
function setting(unit: string, key: string): string {
    const lines = unit.split("\n").filter((l) => l.startsWith(`${key}=`));
    assert.equal(lines.length, 1, `${key} once in:\n${unit}`);
    return lines[0].slice(key.length + 1);
}

function alarms(run: ProgramRun): Record<string, Props> {
    return Object.fromEntries(ofType(run, "aws:cloudwatch/metricAlarm:MetricAlarm").map((a) => [a.name.replace("webapp-dev-monitoring-", ""), props(a)]));
}

type Widget = { type: string; properties: { title?: string; markdown?: string; metrics?: unknown[][]; annotations?: { horizontal: { value: number }[] } } };
function widgets(run: ProgramRun): Widget[] {
    return (JSON.parse(String(props(one(run, "aws:cloudwatch/dashboard:Dashboard")).dashboardBody)) as { widgets: Widget[] }).widgets;
}

function calendar(expr: string): { status: number | null; out: string } {
    const r = spawnSync("systemd-analyze", ["calendar", expr], { encoding: "utf8" });
    assert.ok(!r.error, "systemd-analyze is installed (systemd)");
    return { status: r.status, out: r.stdout + r.stderr };
}

function source(values: Record<string, string>): ConfigSource {
    return { get: (k) => values[k], isSecret: () => false, keys: () => Object.keys(values) };
}
const parse = (values: Record<string, string>) => parseStackConfig(source({ appVersion: "v1", ...values }), { project: "webapp", stack: "dev", region: "ap-northeast-2" });

describe("scheduled backups", () => {
    const runs: Record<string, ProgramRun> = {};
    before(async () => {
        for (const stage of STAGES) runs[stage] = await planStack({ stage }, "dev", KEY);
    });
    for (const stage of STAGES) describe(stage, () => {
        const run = () => runs[stage];
        if (stage === "single-host") {
            it("the deploy installs a daily timer (randomised, persistent) and the service that runs backup-db.sh", () => {
                const b = hostBackup(run());
                assert.ok(b.uploaded, "backup-db.sh travels with the deploy's scripts");
                assert.equal(setting(b.timer, "OnCalendar"), "daily");
                assert.equal(setting(b.timer, "RandomizedDelaySec"), BACKUP_RANDOM_DELAY);
                assert.equal(setting(b.timer, "Persistent"), "true");
                assert.equal(setting(b.timer, "WantedBy"), "timers.target");
                assert.equal(setting(b.service, "Type"), "oneshot");
                const bucket = one(run(), T.bucket).outputs.bucket;
                assert.match(String(bucket), /^webapp-dev-backup-bucket/);
                assert.equal(setting(b.service, "ExecStart"), `/opt/webapp/bin/backup-db.sh --db host-container --cli docker --bucket ${bucket} --region ap-northeast-2`);
            });

            it("alarms after 26 hours without a successful backup, and when the host stops reporting it", () => {
                const a = alarms(run())["backup-age"];
                const topic = one(run(), "aws:sns/topic:Topic");
                assert.deepEqual([a.threshold, a.comparisonOperator, a.evaluationPeriods, a.datapointsToAlarm, a.treatMissingData], [26, "GreaterThanThreshold", 1, 1, "breaching"]);
                const queries = a.metricQueries as { metric: { namespace: string; metricName: string; dimensions: object; stat: string; period: number } }[];
                assert.deepEqual(queries.map((q) => q.metric), [{ namespace: "WebApp/webapp-dev", metricName: "BackupAgeHours", dimensions: {}, stat: "Maximum", period: 3600 }]);
                assert.deepEqual(a.alarmActions, [`arn:aws:sns:ap-northeast-2:123456789012:sns/${topic.id}`]);
                assert.deepEqual(a.okActions, a.alarmActions);
            });

            it("the dashboard shows the backup age against the alarm's limit; no RDS events to subscribe to", () => {
                const w = widgets(run()).find((x) => x.properties.title === "Backup age (hours)");
                assert.ok(w);
                assert.deepEqual(w.properties.metrics, [["WebApp/webapp-dev", "BackupAgeHours", { stat: "Maximum" }]]);
                assert.deepEqual(w.properties.annotations!.horizontal.map((h) => h.value), [26]);
                assert.equal(ofType(run(), "aws:rds/eventSubscription:EventSubscription").length, 0);
            });
        } else {
            it("no backup timer on the hosts: RDS backs itself up", () => {
                const b = hostBackup(run());
                assert.deepEqual([b.service, b.timer], ["", ""]);
                assert.equal(alarms(run())["backup-age"], undefined);
                assert.ok(!JSON.stringify(widgets(run())).includes("BackupAgeHours"), "no host backup age on the dashboard");
            });

            it("RDS's backup events and failures go to the alarm topic", () => {
                const sub = props(one(run(), "aws:rds/eventSubscription:EventSubscription"));
                const topic = one(run(), "aws:sns/topic:Topic");
                const db = one(run(), T.rds).outputs;
                assert.equal(sub.snsTopic, `arn:aws:sns:ap-northeast-2:123456789012:sns/${topic.id}`);
                assert.equal(sub.sourceType, "db-instance");
                assert.deepEqual(sub.sourceIds, [db.identifier]);
                // Categories of a DB instance's events (RDS User Guide, "Amazon RDS event categories and
                // event messages": backup is RDS-EVENT-0001/0002, failure e.g. RDS-EVENT-0031).
                assert.deepEqual(sub.eventCategories, ["backup", "failure"]);
            });

            it("the dashboard shows RDS's backup storage and where the latest restorable time is", () => {
                const db = String(one(run(), T.rds).outputs.identifier);
                const w = widgets(run()).find((x) => x.properties.title === "Database backup storage (bytes)");
                assert.ok(w);
                // Instance-level RDS metrics (RDS User Guide, "Amazon CloudWatch metrics for Amazon RDS",
                // https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-metrics.html).
                assert.deepEqual(w.properties.metrics!.map((m) => m.slice(0, 4)), [
                    ["AWS/RDS", "BackupRetentionPeriodStorageUsed", "DBInstanceIdentifier", db],
                    ["AWS/RDS", "SnapshotStorageUsed", "DBInstanceIdentifier", db],
                ]);
                const text = widgets(run()).find((x) => x.type === "text" && x.properties.markdown?.includes("LatestRestorableTime"));
                assert.ok(text, "a text widget says where the latest backup shows");
                assert.ok(text.properties.markdown!.includes(`--db-instance-identifier ${db}`));
            });
        }
    });

    it("without the deploy there is no database on the host, so no backup timer and no backup-age alarm", async () => {
        const r = await planStack();
        assert.equal(ofType(r, "command:remote:Command").length, 0);
        assert.equal(alarms(r)["backup-age"], undefined);
    });

    describe("the command line and the schedule", () => {
        it("the system PostgreSQL is dumped on its port; without a bucket nothing is copied", async () => {
            const b = hostBackup(await planStack({ hostDbRuntime: "system", dbPort: "55432", backupBucket: "false", containerCli: "podman --runtime runc" }, "dev", KEY));
            assert.equal(setting(b.service, "ExecStart"), "/opt/webapp/bin/backup-db.sh --db host-system --db-port 55432 --region ap-northeast-2");
        });

        it("a container CLI with options is one double-quoted word, as systemd and bash both split it", async () => {
            const b = hostBackup(await planStack({ containerCli: "podman --runtime runc" }, "dev", KEY));
            assert.match(setting(b.service, "ExecStart"), / --cli "podman --runtime runc" /);
            assert.throws(() => execStart(["/bin/x", "100%"]), /cannot be put on an ExecStart line safely/);
            assert.throws(() => execStart(["/bin/x", "$HOME"]), /cannot be put on an ExecStart line safely/);
        });

        it("backupSchedule and backupMaxAgeHours reach the timer and the alarm", async () => {
            const r = await planStack({ backupSchedule: "Mon..Fri *-*-* 02:30", backupMaxAgeHours: "80" }, "dev", KEY);
            assert.equal(setting(hostBackup(r).timer, "OnCalendar"), "Mon..Fri *-*-* 02:30");
            assert.equal(alarms(r)["backup-age"].threshold, 80);
        });

        it("the default and documented schedules are valid for systemd, and the schema accepts them", () => {
            for (const expr of ["daily", "hourly", "weekly", "*-*-* 03:00:00", "Mon..Fri *-*-* 02:30", "*-*-* 00/6:00:00", "*-*-* 03:00 Asia/Seoul"]) {
                const c = calendar(expr);
                assert.equal(c.status, 0, `${expr}: ${c.out}`);
                assert.match(c.out, /Next elapse: /);
                assert.equal(parse({ backupSchedule: expr }).backup.schedule, expr);
            }
            assert.equal(parse({}).backup.schedule, "daily");
            assert.equal(calendar(parse({}).backup.schedule).status, 0);
        });

        it("refuses a schedule that is not an OnCalendar's shape, in one line", () => {
            for (const bad of ["daily; reboot", "$(reboot)", "*-*-* 03:00 %H", "daily\nExecStart=/bin/sh", "'daily'", "", " "]) {
                assert.throws(() => parse({ backupSchedule: bad }), (err: Error) => {
                    assert.ok(err instanceof ConfigError, String(err));
                    assert.equal(err.message, `config 'backupSchedule' = ${JSON.stringify(bad)} is invalid: expected a systemd OnCalendar expression such as daily or "*-*-* 03:00:00" (check it with: systemd-analyze calendar '<value>')`);
                    return true;
                });
            }
            assert.throws(() => parse({ backupMaxAgeHours: "0" }), { message: `config 'backupMaxAgeHours' = "0" is invalid: expected a whole number from 1 to 8784` });
        });

        it("the alarm's default limit is the schedule's period plus two hours, a day for other expressions", () => {
            assert.deepEqual(["daily", "hourly", "weekly", "Mon *-*-* 03:00"].map(defaultBackupMaxAgeHours), [26, 3, 170, 26]);
            assert.equal(parse({ backupSchedule: "weekly" }).backup.maxAgeHours, 170);
            assert.equal(parse({ backupSchedule: "weekly", backupMaxAgeHours: "200" }).backup.maxAgeHours, 200);
        });
    });
});
