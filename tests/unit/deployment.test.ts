// The Deployment component as the program builds it, per stage, under mocks.
import { strict as assert } from "assert";
import { makePlan } from "../../plan/plan";
import { isSecret, maskSecrets, PlannedResource, ProgramRun } from "../../plan/run";
import { ofType, one, planStack } from "../helpers/plan";

type Props = Record<string, unknown>;
const props = (r: PlannedResource) => r.props as Props;
const KEY = { sshPrivateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nfake\n-----END OPENSSH PRIVATE KEY-----\n" };
const commands = (run: ProgramRun) => ofType(run, "command:remote:Command");
const named = (run: ProgramRun, end: string) => run.resources.find((r) => r.name.endsWith(end))!;

describe("deploy wiring (mocks)", () => {
    it("is off unless asked for; deployChannel ssh asks for the key", async () => {
        const off = await planStack();
        assert.equal(off.resources.filter((r) => r.type.startsWith("command:")).length, 0);
        await assert.rejects(planStack({ deployChannel: "ssh" }), { message: "config 'sshPrivateKey' is missing: expected the deploy key as a secret because deployChannel is ssh (pulumi config set --secret sshPrivateKey < key)" });
        await assert.rejects(planStack({ deployChannel: "ssm", backupBucket: "false" }), { message: `config 'deployChannel' = "ssm" is invalid: expected ssh, or backupBucket true: over SSM the scripts reach the hosts through that bucket` });
        await assert.rejects(planStack({ deployChannel: "scp" }), /config 'deployChannel' = "scp" is invalid: expected ssm \(SSM Run Command, no inbound port\) or ssh/);
    });

    it("every upload and command re-runs when its host is replaced (the instance id is a trigger)", async () => {
        const run = await planStack({}, "dev", KEY);
        const instanceId = ofType(run, "aws:ec2/instance:Instance")[0].id;
        const steps = run.resources.filter((r) => r.type.startsWith("command:remote:"));
        assert.equal(steps.length, 9);
        for (const step of steps) assert.ok((props(step).triggers as unknown[]).includes(instanceId), `${step.name} triggers on ${String(instanceId)}`);
    });

    it("single-host: upload, prepare with the env file on stdin as a secret, then release", async () => {
        const run = await planStack({}, "dev", KEY);
        assert.deepEqual(run.resources.filter((r) => r.type.startsWith("command:")).map((r) => r.name.replace("webapp-dev-deploy-", "")),
            ["app-1-upload-dir", "app-1-upload-lib", "app-1-upload-prepare-host", "app-1-upload-release", "app-1-upload-db-password", "app-1-upload-backup-db", "app-1-upload-tls-cert", "app-1-prepare", "app-1-release"]);
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

    it("single-host with a domain: nginx gets HTTPS by tls-cert.sh, the name points at the Elastic IP, the URL is https", async () => {
        const run = await planStack({ domain: "app.example.com", acmeEmail: "ops@example.com", hostedZoneId: "Z0123456789EXAMPLE0" }, "dev", KEY);
        const create = String(props(named(run, "app-1-prepare")).create);
        assert.match(create, / --tls-domain app\.example\.com --tls-email ops@example\.com --env-stdin$/);
        assert.ok(named(run, "app-1-upload-tls-cert"), "tls-cert.sh travels with the deploy's scripts");
        const record = props(one(run, "aws:route53/record:Record"));
        const eip = one(run, "aws:ec2/eip:Eip");
        assert.deepEqual([record.zoneId, record.name, record.type, record.ttl, record.records], ["Z0123456789EXAMPLE0", "app.example.com", "A", 300, [eip.outputs.publicIp]]);
        assert.equal(run.outputs.url, "https://app.example.com");
        assert.ok(!String(props(named(await planStack({}, "dev", KEY), "app-1-prepare")).create).includes("--tls-"), "no domain, no HTTPS on the host");
    });

    it("private-db: the release snapshots RDS first, and the app's env points at RDS", async () => {
        const run = await planStack({ stage: "private-db" }, "dev", KEY);
        assert.match(String(props(named(run, "app-1-release")).create), / --db rds --rds-instance webapp-dev-db-pg /);
        const env = String((props(named(run, "app-1-prepare")).stdin as { value: string }).value);
        assert.match(env, /^DB_HOST=webapp-dev-db-pg\.[0-9a-f]+\.ap-northeast-2\.rds\.amazonaws\.com\nDB_PORT=5432\nDB_NAME=app\nDB_USERNAME=app\nDB_SECRET_ARN=arn:aws:secretsmanager:/);
        // RDS manages the password: the host puts its current value in DB_PASSWORD (db-password.sh), never Pulumi.
        assert.ok(!env.includes("DB_PASSWORD"), "no password in the program's env");
        assert.match(String(props(named(run, "app-1-prepare")).create), / --region ap-northeast-2 --env-stdin$/);
    });

    it("alb: the app's settings and secrets reach the release's env file, a secret, like at stage 4", async () => {
        const run = await planStack({ stage: "alb", appEnvironment: '{"LOG_LEVEL":"info"}' }, "dev", { ...KEY, appSecrets: '{"JWT_KEY":"jwt-sentinel-7"}' });
        for (const host of ["app-1", "app-2"]) {
            const stdin = props(named(run, `${host}-prepare`)).stdin;
            assert.ok(isSecret(stdin));
            assert.match(String((stdin as { value: string }).value), /^LOG_LEVEL=info\nJWT_KEY=jwt-sentinel-7\nDB_HOST=/);
        }
        assert.ok(!JSON.stringify(run.resources.map((r) => maskSecrets(r.props))).includes("jwt-sentinel-7"));
    });

    it("alb: hosts release one at a time, the next only once the previous is healthy in every target group again", async () => {
        const run = await planStack({ stage: "alb" }, "dev", KEY);
        const [r1, g1, r2, g2] = ["app-1-release", "app-1-in-service", "app-2-release", "app-2-in-service"].map((n) => named(run, n));
        assert.ok(g1.dependencies.includes(r1.urn) && r2.dependencies.includes(g1.urn) && g2.dependencies.includes(r2.urn), "release 1, healthy 1, release 2, healthy 2");
        const tgIds = ofType(run, "aws:lb/targetGroup:TargetGroup").map((t) => t.id);
        const instanceIds = ofType(run, "aws:ec2/instance:Instance").map((i) => i.id);
        for (const [r, g, id] of [[r1, g1, instanceIds[0]], [r2, g2, instanceIds[1]]] as const) {
            const cmd = String(props(r).create);
            assert.equal((cmd.match(/--lb-target-group /g) ?? []).length, 2);
            assert.ok(cmd.includes(` --lb-target-id ${id} --stack webapp-dev --metrics-namespace WebApp/webapp-dev`), cmd);
            assert.match(String(props(g).create), new RegExp(`^${tgIds.map((tg, i) => `aws elbv2 wait target-in-service --region ap-northeast-2 --target-group-arn arn:\\S+/${tg} --targets Id=${id},Port=${[8080, 3000][i]}`).join(" && ")}$`));
        }
        // One RDS snapshot per release: the first host takes it.
        assert.match(String(props(r1).create), / --db rds --rds-instance webapp-dev-db-pg /);
        assert.doesNotMatch(String(props(r2).create), /--rds-instance/);
        const grant = JSON.parse(String(props(named(run, "webapp-dev-deploy-lb")).policy));
        assert.deepEqual(grant.Statement[0].Action, ["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"]);
        assert.equal(grant.Statement[0].Resource.length, tgIds.length);
    });

    it("alb over SSH: one connection per host (deployAddresses), one address for two hosts refused", async () => {
        const run = await planStack({ stage: "alb", deployAddresses: JSON.stringify(["127.0.0.1:2222", "[::1]:2223"]) }, "dev", KEY);
        const conn = (n: string) => (props(named(run, n)).connection as { value: Props }).value;
        assert.deepEqual([conn("app-1-release").host, conn("app-1-release").port, conn("app-2-release").host, conn("app-2-release").port], ["127.0.0.1", 2222, "[::1]", 2223]);
        assert.deepEqual([conn("app-2-upload-release").host, conn("app-2-upload-release").port], ["[::1]", 2223]);
        await assert.rejects(planStack({ stage: "alb", deployAddress: "127.0.0.1" }, "dev", KEY), { message: `config 'deployAddress' = "127.0.0.1" is invalid: expected unset with 2 hosts: use deployAddresses, one entry per host` });
        await assert.rejects(planStack({ stage: "alb", deployAddresses: JSON.stringify(["127.0.0.1"]) }, "dev", KEY), /config 'deployAddresses' = "\[\\"127.0.0.1\\"\]" is invalid: expected a JSON list of 2 "host" or "host:port" entries/);
        await assert.rejects(planStack({ stage: "alb", deployAddresses: JSON.stringify(["a", "b:70000"]) }, "dev", KEY), { message: `config 'deployAddresses[1]' = "b:70000" is invalid: expected a host name or IP address, optionally with :port (1-65535)` });
    });

    it("alb over SSM: no inbound SSH; scripts in the bucket, the env file in a SecureString parameter, the same host commands by Run Command", async () => {
        const run = await planStack({ stage: "alb", deploy: "true" });
        assert.equal(commands(run).length, 0, "no SSH");
        assert.equal(ofType(run, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter((r) => props(r).fromPort === 22).length, 0, "no port 22 open");
        const locals = ofType(run, "command:local:Command").map((r) => r.name.replace("webapp-dev-deploy-", "")).sort();
        assert.deepEqual(locals, ["app-1-in-service", "app-1-prepare", "app-1-release", "app-2-in-service", "app-2-prepare", "app-2-release"]);
        const objects = ofType(run, "aws:s3/bucketObjectv2:BucketObjectv2");
        assert.deepEqual(objects.map((o) => String(props(o).key).replace(/[0-9a-f]{16}/, "HASH")), ["deploy/scripts/HASH/lib.sh", "deploy/scripts/HASH/prepare-host.sh", "deploy/scripts/HASH/release.sh", "deploy/scripts/HASH/db-password.sh", "deploy/scripts/HASH/backup-db.sh", "deploy/scripts/HASH/tls-cert.sh"]);
        const env = one(run, "aws:ssm/parameter:Parameter", "deploy-env");
        assert.equal(props(env).type, "SecureString");
        assert.ok(isSecret(props(env).value), "the env file is a Pulumi secret");
        const instanceIds = ofType(run, "aws:ec2/instance:Instance").map((i) => i.id);
        const prepare = props(named(run, "app-1-prepare"));
        assert.match(String(prepare.create), new RegExp(`^bash infra/deploy/local/ssm-run.sh --region ap-northeast-2 --instance-id ${instanceIds[0]} --timeout 1800 --comment 'webapp-dev prepare v1 app-1' --parameters `));
        assert.ok(String(prepare.create).includes("aws ssm get-parameter --region ap-northeast-2 --name "), "the host reads its env parameter");
        // The scripts' hash, the env parameter's version, the host.
        const triggers = prepare.triggers as unknown[];
        assert.equal(triggers.length, 3);
        assert.match(String(triggers[0]), /^[0-9a-f]{16}$/);
        assert.equal(triggers[2], instanceIds[0], "a new host prepares again");
        assert.match(String(props(named(run, "app-2-release")).create), new RegExp(`--instance-id ${instanceIds[1]} `));
        for (const name of locals) {
            const text = JSON.stringify(props(named(run, `deploy-${name}`)));
            assert.ok(!text.includes("DB_") && !text.includes("PASSWORD"), `${name} carries no secret`);
        }
        const grant = JSON.parse(String(props(named(run, "webapp-dev-deploy-ssm")).policy));
        assert.deepEqual(grant.Statement, [{ Effect: "Allow", Action: ["ssm:GetParameter"], Resource: [`arn:aws:ssm:ap-northeast-2:123456789012:ssm/${String(env.id)}`] }], "the env parameter only");
        await assert.rejects(planStack({ stage: "alb", deploy: "true", deployAddresses: JSON.stringify(["a", "b"]) }), /config 'deployAddresses' = .* is invalid: expected unset with deployChannel ssm/);
    });

    it("autoscaling: pulumi up waits for the instance refresh, after a snapshot, and exports the release record", async () => {
        const run = await planStack({ stage: "autoscaling" }, "prod", { slackWebhookUrl: "https://hooks.slack.com/services/T0/B0/secret" });
        const [start, wait] = ["release-start", "release-wait"].map((n) => named(run, n));
        assert.equal(props(start).create, "bash infra/deploy/local/refresh-release.sh start --region ap-northeast-2 --stack webapp-prod --version v1 --rds-instance webapp-prod-db-pg --keep 3");
        const template = one(run, "aws:ec2/launchTemplate:LaunchTemplate");
        const group = one(run, "aws:autoscaling/group:Group");
        assert.ok(template.dependencies.includes(start.urn), "the snapshot comes before the refresh");
        assert.ok(wait.dependencies.includes(group.urn) && wait.dependencies.includes(start.urn), "the wait follows the group's update");
        assert.match(String(props(wait).create), /^bash infra\/deploy\/local\/refresh-release\.sh wait --region ap-northeast-2 --stack webapp-prod --version v1 --group \S+ --history-parameter \/webapp-prod\/releases --rds-instance webapp-prod-db-pg --timeout 1800$/);
        // The version and the launch template's version (the mocks' 1).
        assert.deepEqual(props(wait).triggers, ["v1", 1]);
        for (const c of [start, wait]) {
            assert.ok(isSecret(props(c).stdin), "the webhook reaches the command on stdin, as a secret");
            assert.ok(!String(props(c).create).includes("hooks.slack.com"));
        }
        assert.ok(run.outputs.releases && run.outputs.releaseHistory, "releases and the history parameter are outputs");
        assert.equal(props(one(run, "aws:ssm/parameter:Parameter", "release-history")).name, "/webapp-prod/releases");
    });

    it("autoscaling with migrateCommand: the first instance of a version runs it at boot, claimed in SSM; start prepares the claim", async () => {
        const command = `PGPASSWORD="$DB_PASSWORD" psql -h "$DB_HOST" -c 'ALTER TABLE notes ADD COLUMN tag text'`;
        const run = await planStack({ stage: "autoscaling", appVersion: "v7", migrateCommand: command, migrateService: "frontend" }, "prod");
        const [start, wait] = ["release-start", "release-wait"].map((n) => named(run, n));
        assert.equal(props(start).create, "bash infra/deploy/local/refresh-release.sh start --region ap-northeast-2 --stack webapp-prod --version v7 --rds-instance webapp-prod-db-pg --keep 3 "
            + "--history-parameter /webapp-prod/releases --migration-parameter /webapp-prod/migrations/v7");
        assert.ok(start.dependencies.includes(one(run, "aws:ssm/parameter:Parameter", "release-history").urn), "the history it reads exists first");
        assert.match(String(props(wait).create), / --migration-parameter \/webapp-prod\/migrations\/v7 --timeout 1800$/);
        const userData = Buffer.from(String(props(one(run, "aws:ec2/launchTemplate:LaunchTemplate")).userData), "base64").toString();
        // The header's values, quoted for the shell; the migrating fragment before the boot release that calls it.
        for (const line of ["MIGRATE_COMMAND=" + `'${command.replace(/'/g, `'\\''`)}'`, "MIGRATE_IMAGE=ghcr.io/example/wiki-frontend", "MIGRATION_PARAMETER=/webapp-prod/migrations/v7", "MIGRATE_TIMEOUT_SECONDS=600"]) {
            assert.ok(userData.split("\n").includes(line), `${line} in:\n${userData.slice(0, 3000)}`);
        }
        assert.ok(userData.indexOf("migrate_once() {") < userData.indexOf("migrate_once /etc/webapp/app.env"));
        assert.ok(userData.indexOf("migrate_once /etc/webapp/app.env") < userData.indexOf("docker run -d --name"), "before any app starts");
        const policy = JSON.parse(String(props(one(run, "aws:iam/rolePolicy:RolePolicy", "host-scoped")).policy));
        assert.deepEqual(policy.Statement.find((s: { Sid: string }) => s.Sid === "MigrationClaims"),
            { Sid: "MigrationClaims", Effect: "Allow", Action: ["ssm:GetParameter", "ssm:PutParameter"], Resource: ["arn:aws:ssm:ap-northeast-2:*:parameter/webapp-prod/migrations/*"] });
        // The group ignores a failing load balancer check for the boot plus migrateTimeoutMinutes (10 by default):
        // no instance is replaced while it migrates or waits (AWS: "Set the health check grace period for an Auto Scaling group").
        assert.equal(props(one(run, "aws:autoscaling/group:Group")).healthCheckGracePeriod, 180 + 600);
        const longer = await planStack({ stage: "autoscaling", migrateCommand: "bin/migrate", migrateTimeoutMinutes: "25" }, "prod");
        assert.equal(props(one(longer, "aws:autoscaling/group:Group")).healthCheckGracePeriod, 180 + 1500);
        // Without migrateCommand: none of it.
        const plain = await planStack({ stage: "autoscaling" }, "prod");
        assert.equal(props(one(plain, "aws:autoscaling/group:Group")).healthCheckGracePeriod, 180);
        assert.ok(!Buffer.from(String(props(one(plain, "aws:ec2/launchTemplate:LaunchTemplate")).userData), "base64").toString().includes("MIGRATE"));
        assert.ok(!String(props(named(plain, "release-start")).create).includes("--migration-parameter"));
    });

    it("autoscaling: no host commands (instance refresh rolls out), and deploy=true is refused", async () => {
        assert.equal(commands(await planStack({ stage: "autoscaling" }, "dev", KEY)).length, 0);
        await assert.rejects(planStack({ stage: "autoscaling", deploy: "true" }, "dev", KEY), /config 'deploy' = "true" is invalid: expected false with autoScaling/);
    });

    it("a restore needs its confirmation repeated", async () => {
        await assert.rejects(planStack({ dbRestore: "pre-v2-20261123T140000Z" }, "dev", KEY), { message: `config 'dbRestoreConfirm' is missing: expected the same id as dbRestore (pre-v2-20261123T140000Z): restoring overwrites the database` });
        const run = await planStack({ dbRestore: "pre-v2-20261123T140000Z", dbRestoreConfirm: "pre-v2-20261123T140000Z" }, "dev", KEY);
        assert.match(String(props(named(run, "app-1-release")).create), / --restore pre-v2-20261123T140000Z --restore-confirm pre-v2-20261123T140000Z /);
    });

    it("migrateCommand: the first host's release runs it, once per release, over SSH and over SSM, with no secret in any command", async () => {
        const migrateCommand = `PGPASSWORD="$DB_PASSWORD" psql -h "$DB_HOST" -c 'SELECT 1'`;
        const ssh = await planStack({ stage: "alb", migrateCommand }, "dev", KEY);
        const ssm = await planStack({ stage: "alb", deploy: "true", migrateCommand, migrateService: "frontend" }, "dev", { dbPassword: "db-sentinel-41" });
        for (const [run, service] of [[ssh, "backend"], [ssm, "frontend"]] as const) {
            const [first, second] = ["app-1-release", "app-2-release"].map((n) => String(props(named(run, n)).create));
            assert.ok(first.includes(` --migrate-service ${service} --migrate-command `), first);
            assert.ok(first.includes("$DB_PASSWORD"), "the variable's name, for the container's shell");
            assert.doesNotMatch(second, /--migrate-/, "the second host finds the schema migrated");
        }
        assert.ok(!JSON.stringify(ssm.resources.filter((r) => r.type === "command:local:Command").map((r) => r.props)).includes("db-sentinel-41"));
    });

    for (const stage of ["single-host", "private-db", "alb"]) {
        it(`${stage} over SSM from CI: every rule of the pack passes (ssh-restricted, no-plaintext-secrets, ...)`, async () => {
            const { run, policy } = await makePlan({ stack: "prod", config: [["stage", stage], ["deploy", "true"], ...(stage === "alb" ? [] : [["acmeEmail", "ops@example.com"] as [string, string]])], secrets: [["registryPassword", "ghp_0123456789abcdefghijklmnopqrstuvwxyzAB"], ["slackWebhookUrl", "https://hooks.slack.com/services/T0/B0/secret"]], json: false, policy: true });
            assert.ok(run.resources.some((r) => r.type === "command:local:Command"));
            assert.deepEqual(policy!.verdicts, []);
        });
    }
});
