// Moving from stage 1 to stage 2: the config keys, the options that keep the data per stage (in the
// program and in the plan's JSON), and the move's command lines. The move itself runs on a real host
// in tests/e2e/movedata.test.ts.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { moveDataCommand, MoveDataCommandArgs } from "../../infra/deploy/commands";
import { MOVE_DATA_HELP, moveDataCommands, parseMoveDataArgs } from "../../movedata/steps";
import { isSecret, PlannedResource, ProgramRun } from "../../plan/run";
import { plan } from "../helpers/cli";
import { one, planStack, T } from "../helpers/plan";

const KEY = { sshPrivateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nfake\n-----END OPENSSH PRIVATE KEY-----\n" };
const DB_PASSWORD = "Sup3r-secret-db-pass";
const STAGE2 = { stage: "private-db" };
type Props = Record<string, unknown>;
const props = (r: PlannedResource) => r.props as Props;
const attachment = (run: ProgramRun) => one(run, "aws:ec2/volumeAttachment:VolumeAttachment");
const step = (run: ProgramRun, end: string) => run.resources.find((r) => r.name.endsWith(end));
/** The app's env file as prepare receives it (a secret on stdin). */
function appEnv(run: ProgramRun): string {
    const stdin = props(step(run, "app-1-prepare")!).stdin;
    assert.ok(isSecret(stdin), "the env file is a secret");
    return String(stdin.value);
}

describe("moving from stage 1 to stage 2", () => {
    describe("config", () => {
        it("dataMove is refused where no host database can move into RDS, or without a deploy channel", async () => {
            const expected = "unset unless database is rds with one fixed host (stage private-db): it moves stage single-host's database into RDS";
            await assert.rejects(planStack({ dataMove: "copy" }, "dev", KEY), { message: `config 'dataMove' = "copy" is invalid: expected ${expected}` });
            await assert.rejects(planStack({ stage: "alb", dataMove: "copy" }, "dev", KEY), { message: `config 'dataMove' = "copy" is invalid: expected ${expected}` });
            await assert.rejects(planStack({ ...STAGE2, dataMove: "done" }), {
                message: `config 'dataMove' = "done" is invalid: expected unset unless deploy is on (sshPrivateKey or deployChannel): the move runs on the host through the deploy channel`,
            });
            await assert.rejects(planStack({ ...STAGE2, dataMove: "now" }, "dev", KEY), { message: `config 'dataMove' = "now" is invalid: expected copy or done (or unset)` });
            await assert.rejects(planStack({ retainDataVolume: "keep" }), /^Error: config 'retainDataVolume' = "keep" is invalid: expected true or false|config 'retainDataVolume' = "keep" is invalid/);
        });
    });

    describe("options that keep the data, per stage", () => {
        it("single-host: the volume is retained on delete by default; a host replacement stops the old host before the detach", async () => {
            const run = await planStack({}, "dev", KEY);
            assert.equal(one(run, T.volume).options.retainOnDelete, true);
            assert.equal(props(attachment(run)).stopInstanceBeforeDetaching, true);
            const letGo = await planStack({ retainDataVolume: "false" });
            assert.equal(one(letGo, T.volume).options.retainOnDelete, false);
        });

        it("private-db without dataMove: no volume and no host database (a stack that starts at stage 2)", async () => {
            const run = await planStack(STAGE2, "dev", KEY);
            assert.equal(run.resources.filter((r) => r.type === T.volume).length, 0);
            assert.match(appEnv(run), /^DB_HOST=webapp-dev-db-pg\.\S+\.rds\.amazonaws\.com$/m);
            assert.equal(step(run, "move-data-copy"), undefined);
        });

        it("private-db, dataMove copy: RDS beside the kept volume; the app, its password and the release stay on the host database; the move runs after the release, toward RDS's address", async () => {
            const stage1 = await planStack({}, "dev", KEY);
            const run = await planStack({ ...STAGE2, dataMove: "copy" }, "dev", KEY);
            const volume = one(run, T.volume);
            assert.equal(volume.options.retainOnDelete, true);
            assert.equal(volume.urn, one(stage1, T.volume).urn, "the same volume resource as at stage 1");
            assert.equal(props(attachment(run)).stopInstanceBeforeDetaching, true, "the host database still runs on it");
            assert.equal(props(one(run, T.instance)).userData, props(one(stage1, T.instance)).userData, "the host is not replaced");
            assert.equal(appEnv(run), appEnv(stage1), "the app's env file is stage 1's, generated password included");
            const release = String(props(step(run, "app-1-release")!).create);
            assert.match(release, / --db host-container /);
            assert.doesNotMatch(release, /--rds-instance/);
            const move = step(run, "app-1-move-data-copy")!;
            assert.match(String(props(move).create), /^sudo bash \/home\/ec2-user\/webapp-deploy\/move-data\.sh copy --db-runtime container --cli docker --db-port 5432 --db-image docker\.io\/pgvector\/pgvector:pg16 --run-arg --log-opt --run-arg max-size=10m --run-arg --log-opt --run-arg max-file=3 --target-host webapp-dev-db-pg\.\S+\.rds\.amazonaws\.com --target-port 5432 --target-secret-arn 'arn:aws:secretsmanager:\S+' --region ap-northeast-2$/);
            assert.equal(props(move).stdin, undefined, "nothing on stdin: the host has the passwords");
            assert.equal(props(step(run, "app-1-prepare")!).create, props(step(stage1, "app-1-prepare")!).create, "the volume stays mounted: the prepare step does not run again");
            assert.ok(move.options.dependsOn.includes(step(run, "app-1-release")!.urn), "after the release");
            assert.ok(move.options.dependsOn.includes(step(run, "app-1-upload-move-data")!.urn), "after its script is on the host");
        });

        it("private-db, dataMove done: the app on RDS, the detach no longer stops the host, the host database stopped after the release", async () => {
            const run = await planStack({ ...STAGE2, dataMove: "done" }, "dev", KEY);
            assert.equal(one(run, T.volume).options.retainOnDelete, true);
            assert.equal(props(attachment(run)).stopInstanceBeforeDetaching, false);
            const env = appEnv(run);
            assert.match(env, /^DB_HOST=webapp-dev-db-pg\.\S+\.rds\.amazonaws\.com$/m);
            assert.match(env, /^DB_SECRET_ARN=arn:aws:secretsmanager:/m);
            assert.doesNotMatch(env, /^DB_PASSWORD=/m, "the generated host password is not RDS's");
            assert.match(String(props(step(run, "app-1-release")!).create), / --db rds --rds-instance webapp-dev-db-pg /);
            const finish = step(run, "app-1-move-data-done")!;
            assert.equal(props(finish).create, "sudo bash /home/ec2-user/webapp-deploy/move-data.sh done --db-runtime container --cli docker --data-dir /var/lib/webapp/db");
            assert.ok(finish.options.dependsOn.includes(step(run, "app-1-release")!.urn), "after the switch's release");
            assert.equal(step(run, "app-1-move-data-copy"), undefined);
            assert.doesNotMatch(String(props(step(run, "app-1-prepare")!).create), /--data-device/, "a prepare step run again does not mount the volume the move unmounted");
        });

        it("the host is never replaced along the move: its user data is the same at stage 1, during the move and after the volume is let go", async () => {
            const userData = async (config: Record<string, string>) => props(one(await planStack(config, "dev", KEY), T.instance)).userData;
            const stage1 = await userData({});
            for (const config of [{ ...STAGE2, dataMove: "copy" }, { ...STAGE2, dataMove: "done" }, { ...STAGE2, dataMove: "done", retainDataVolume: "false" }, STAGE2]) {
                assert.equal(await userData(config), stage1, JSON.stringify(config));
            }
            assert.doesNotMatch(String(stage1), /vol|DATA_/, "nothing in it names the volume");
        });

        it("with dbPassword the move reads RDS's password from the host's env file: no password in any command, over SSH or SSM", async () => {
            for (const channel of [{ ...KEY }, {}]) {
                const config = { ...STAGE2, dataMove: "copy", ...(Object.keys(channel).length === 0 ? { deployChannel: "ssm" } : {}) };
                const run = await planStack(config, "dev", { ...channel, dbPassword: DB_PASSWORD });
                const moves = run.resources.filter((r) => r.name.endsWith("move-data-copy"));
                assert.equal(moves.length, 1);
                const text = JSON.stringify(props(moves[0]));
                assert.ok(!text.includes(DB_PASSWORD) && !text.includes("secretsmanager"), text);
            }
        });

        it("the plan's JSON shows the options that keep the data at each step", () => {
            const options = (args: string[]) => {
                const r = plan([...args, "--json"]);
                assert.equal(r.code, 0, r.stderr);
                const doc = JSON.parse(r.stdout) as { resources: { type: string; options: { retainOnDelete: boolean }; props: Props }[] };
                const volume = doc.resources.find((x) => x.type === T.volume);
                const attach = doc.resources.find((x) => x.type === "aws:ec2/volumeAttachment:VolumeAttachment");
                return volume && attach ? [volume.options.retainOnDelete, attach.props.stopInstanceBeforeDetaching] : [];
            };
            const deploy = ["--secret", "sshPrivateKey=fake-key"];
            assert.deepEqual(options([]), [true, true]);
            assert.deepEqual(options(["--config", "stage=private-db", "--config", "dataMove=copy", ...deploy]), [true, true]);
            assert.deepEqual(options(["--config", "stage=private-db", "--config", "dataMove=done", ...deploy]), [true, false]);
            assert.deepEqual(options(["--config", "stage=private-db"]), []);
        });
    });

    describe("the move's command line", () => {
        const base: MoveDataCommandArgs = {
            user: "root",
            phase: "copy",
            container: { cli: "podman --runtime runc", runArgs: ["--ulimit", "nofile=1024:1024"], pullArgs: [] },
            source: { runtime: "system", image: "docker.io/pgvector/pgvector:pg16", port: 55432, dataDir: "/var/lib/webapp/db" },
            target: { host: "db.abc.ap-northeast-2.rds.amazonaws.com", port: 5432 },
            region: "ap-northeast-2",
        };

        it("system PostgreSQL with dbPassword: the host's own tools, no image, no secret", () => {
            assert.equal(moveDataCommand(base), "bash /root/webapp-deploy/move-data.sh copy --db-runtime system --db-port 55432 --target-host db.abc.ap-northeast-2.rds.amazonaws.com --target-port 5432");
        });

        it("the database container: its image's tools with the runtime's flags; an RDS-managed password read on the host from its secret", () => {
            const arn = "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:rds!db-1";
            assert.equal(moveDataCommand({ ...base, user: "ec2-user", source: { ...base.source, runtime: "container", port: 5432 }, target: { ...base.target, secretArn: arn } }),
                "sudo bash /home/ec2-user/webapp-deploy/move-data.sh copy --db-runtime container --cli 'podman --runtime runc' --db-port 5432 --db-image docker.io/pgvector/pgvector:pg16 "
                + `--run-arg --ulimit --run-arg nofile=1024:1024 --target-host db.abc.ap-northeast-2.rds.amazonaws.com --target-port 5432 --target-secret-arn '${arn}' --region ap-northeast-2`);
        });

        it("done: only what stopping the host database and unmounting its volume needs", () => {
            assert.equal(moveDataCommand({ ...base, phase: "done", source: { ...base.source, runtime: "container" } }),
                "bash /root/webapp-deploy/move-data.sh done --db-runtime container --cli 'podman --runtime runc' --data-dir /var/lib/webapp/db");
        });
    });

    describe("npm run move-data", () => {
        it("one pulumi up per step: copy, switch with a new release, let the volume go", () => {
            assert.deepEqual(moveDataCommands(parseMoveDataArgs(["--stack", "dev"])), [["pulumi", "up", "--yes", "--stack", "dev", "--config", "stage=private-db", "--config", "dataMove=copy"]]);
            assert.deepEqual(moveDataCommands(parseMoveDataArgs(["--stack", "dev", "--switch", "--version", "v2"])), [["pulumi", "up", "--yes", "--stack", "dev", "--config", "dataMove=done", "--config", "appVersion=v2"]]);
            assert.deepEqual(moveDataCommands(parseMoveDataArgs(["--stack", "dev", "--let-go"])), [
                ["pulumi", "up", "--yes", "--stack", "dev", "--config", "retainDataVolume=false"],
                ["pulumi", "config", "rm", "--stack", "dev", "dataMove"],
                ["pulumi", "up", "--yes", "--stack", "dev"],
            ]);
        });

        it("refuses unclear requests with one line naming what is expected", () => {
            const usage = "usage: npm run move-data -- --stack NAME [--switch --version VERSION | --let-go] [--dry-run] [--help]";
            assert.throws(() => moveDataCommands(parseMoveDataArgs(["--stack", "dev", "--switch"])), { message: `--switch needs --version VERSION, the release that starts the app on RDS; ${usage}` });
            assert.throws(() => parseMoveDataArgs(["--switch", "--version", "v2"]), { message: `--stack is required; ${usage}` });
            assert.throws(() => parseMoveDataArgs(["--stack", "dev", "--switch", "--let-go"]), { message: `--switch and --let-go are separate steps: give one; ${usage}` });
            assert.throws(() => parseMoveDataArgs(["--stack", "dev", "--version", "v2"]), { message: `--version goes with --switch only; ${usage}` });
            assert.throws(() => parseMoveDataArgs(["--stack"]), { message: `--stack needs a value; ${usage}` });
        });

        it("runs the commands in order and stops at the first that fails (a stand-in pulumi on PATH)", () => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fake-pulumi-"));
            const log = path.join(dir, "calls");
            // The first `up` of --let-go succeeds, `config rm` fails: the last `up` must not run.
            fs.writeFileSync(path.join(dir, "pulumi"), `#!/bin/sh\necho "$*" >> ${log}\n[ "$1" = config ] && exit 3\nexit 0\n`, { mode: 0o755 });
            const root = path.resolve(__dirname, "../..");
            const run = (args: string[]) => spawnSync(process.execPath, [require.resolve("ts-node/dist/bin.js"), "--transpile-only", path.join(root, "movedata/cli.ts"), ...args], { encoding: "utf8", env: { ...process.env, PATH: `${dir}:${process.env.PATH}` } });
            const r = run(["--stack", "dev", "--let-go"]);
            assert.equal(r.status, 1, r.stderr);
            assert.deepEqual(fs.readFileSync(log, "utf8").trim().split("\n"), ["up --yes --stack dev --config retainDataVolume=false", "config rm --stack dev dataMove"]);
            const dry = run(["--stack", "dev", "--dry-run"]);
            assert.equal(dry.status, 0);
            assert.equal(dry.stderr, "$ pulumi up --yes --stack dev --config stage=private-db --config dataMove=copy\n");
            assert.equal(fs.readFileSync(log, "utf8").trim().split("\n").length, 2, "a dry run runs nothing");
            assert.equal(run(["--help"]).stdout, MOVE_DATA_HELP);
            const bad = run(["--stack", "dev", "--now"]);
            assert.equal(bad.status, 2);
            assert.match(bad.stderr, /^move-data: unknown flag "--now"; usage: npm run move-data/);
            fs.rmSync(dir, { recursive: true, force: true });
        });
    });
});
