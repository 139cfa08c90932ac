// The Deployment component as the program builds it, per stage, under mocks.
import { strict as assert } from "assert";
import { isSecret, PlannedResource, ProgramRun } from "../../plan/run";
import { ofType, planStack } from "../helpers/plan";

type Props = Record<string, unknown>;
const props = (r: PlannedResource) => r.props as Props;
const KEY = { sshPrivateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nfake\n-----END OPENSSH PRIVATE KEY-----\n" };
const commands = (run: ProgramRun) => ofType(run, "command:remote:Command");
const named = (run: ProgramRun, end: string) => run.resources.find((r) => r.name.endsWith(end))!;

describe("deploy wiring (mocks)", () => {
    it("is off without a deploy key, and asks for one when deploy=true", async () => {
        assert.equal(commands(await planStack()).length, 0);
        await assert.rejects(planStack({ deploy: "true" }), { message: "config 'sshPrivateKey' is missing: expected the deploy key as a secret because deploy is true (pulumi config set --secret sshPrivateKey < key)" });
    });

    it("single-host: upload, prepare with the env file on stdin as a secret, then release", async () => {
        const run = await planStack({}, "dev", KEY);
        assert.deepEqual(run.resources.filter((r) => r.type.startsWith("command:")).map((r) => r.name.replace("webapp-dev-deploy-", "")),
            ["app-1-upload-dir", "app-1-upload-lib", "app-1-upload-prepare-host", "app-1-upload-release", "app-1-prepare", "app-1-release"]);
        const prepare = named(run, "app-1-prepare");
        assert.ok(isSecret(props(prepare).stdin), "the env file is a secret");
        assert.match(String((props(prepare).stdin as { value: string }).value), /^DB_HOST=webapp-db\nDB_PORT=5432\nDB_NAME=app\nDB_USERNAME=app\nDB_PASSWORD=mock-[0-9a-f]+-password\n$/);
        assert.ok(ofType(run, "random:index/randomPassword:RandomPassword").length === 1, "a generated database password");
        assert.equal(props(prepare).logging, "stderr");
        const release = named(run, "app-1-release");
        assert.match(String(props(release).create), /^sudo \/opt\/webapp\/bin\/release\.sh --version v1 .* --run-arg --network --run-arg webapp .* --db host-container --db-port 5432 --region ap-northeast-2 --backup-bucket webapp-dev-backup-bucket-/);
        const connection = props(release).connection;
        assert.ok(isSecret(connection), "the connection, key and all, is a secret");
        assert.equal((connection.value as Props).host, "203.0.113.214", "the Elastic IP");
        assert.ok(release.dependencies.includes(prepare.urn));
        assert.ok(run.outputs.releases, "the release results are an output");
    });

    it("private-db: the release snapshots RDS first, and the app's env points at RDS", async () => {
        const run = await planStack({ stage: "private-db" }, "dev", KEY);
        assert.match(String(props(named(run, "app-1-release")).create), / --db rds --rds-instance webapp-dev-db-pg /);
        const env = String((props(named(run, "app-1-prepare")).stdin as { value: string }).value);
        assert.match(env, /^DB_HOST=webapp-dev-db-pg\.[0-9a-f]+\.ap-northeast-2\.rds\.amazonaws\.com\nDB_PORT=5432\nDB_NAME=app\nDB_USERNAME=app\nDB_SECRET_ARN=arn:aws:secretsmanager:/);
        assert.ok(!env.includes("DB_PASSWORD"), "RDS manages the password");
    });

    it("alb: hosts release one at a time, each out of the target groups while it switches", async () => {
        const run = await planStack({ stage: "alb" }, "dev", KEY);
        const [r1, r2] = [named(run, "app-1-release"), named(run, "app-2-release")];
        assert.ok(r2.dependencies.includes(r1.urn), "host 2 waits for host 1");
        const tgIds = ofType(run, "aws:lb/targetGroup:TargetGroup").map((t) => t.id);
        const instanceIds = ofType(run, "aws:ec2/instance:Instance").map((i) => i.id);
        for (const [r, id] of [[r1, instanceIds[0]], [r2, instanceIds[1]]] as const) {
            const cmd = String(props(r).create);
            assert.equal((cmd.match(/--lb-target-group /g) ?? []).length, 2);
            assert.ok(cmd.includes(` --lb-target-id ${id} --stack webapp-dev --metrics-namespace WebApp/webapp-dev`), cmd);
        }
        const grant = JSON.parse(String(props(named(run, "webapp-dev-deploy-lb")).policy));
        assert.deepEqual(grant.Statement[0].Action, ["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"]);
        assert.equal(grant.Statement[0].Resource.length, tgIds.length);
    });

    it("autoscaling: no remote commands (instance refresh rolls out), and deploy=true is refused", async () => {
        assert.equal(commands(await planStack({ stage: "autoscaling" }, "dev", KEY)).length, 0);
        await assert.rejects(planStack({ stage: "autoscaling", deploy: "true" }, "dev", KEY), /config 'deploy' = "true" is invalid: expected false with autoScaling/);
    });

    it("a restore needs its confirmation repeated", async () => {
        await assert.rejects(planStack({ dbRestore: "pre-v2-20261123T140000Z" }, "dev", KEY), { message: `config 'dbRestoreConfirm' is missing: expected the same id as dbRestore (pre-v2-20261123T140000Z): restoring overwrites the database` });
        const run = await planStack({ dbRestore: "pre-v2-20261123T140000Z", dbRestoreConfirm: "pre-v2-20261123T140000Z" }, "dev", KEY);
        assert.match(String(props(named(run, "app-1-release")).create), / --restore pre-v2-20261123T140000Z --restore-confirm pre-v2-20261123T140000Z /);
    });
});
