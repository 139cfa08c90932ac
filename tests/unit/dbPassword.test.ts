// db-password.sh, the host's follower of the RDS-managed password (which RDS rotates), run for real with
// Debian's aws CLI against a local server: the secret read, the env file it keeps, and at stage 4 the
// instance refresh it starts (IMDSv2 answered by the same server). The roll at stages 1-3 runs the real
// release script on the e2e host (tests/e2e/rotation.test.ts).
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { AwsRequest, withAws, xml } from "../helpers/fakeAws";

const SCRIPT = path.resolve(__dirname, "../../infra/deploy/scripts/db-password.sh");
const ARN = "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:rds!db-0a1b2c3d-AbCdEf";
const secret = (password: string) => JSON.stringify({ ARN, Name: "rds!db-0a1b2c3d", SecretString: JSON.stringify({ username: "app", password }), VersionId: "v1", VersionStages: ["AWSCURRENT"] });

describe("db-password.sh: DB_PASSWORD follows the rotated RDS-managed password", function () {
    this.timeout(60_000);
    let dir = "";
    beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "db-password-"))));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("is shellcheck-clean", () => {
        const r = spawnSync("shellcheck", [SCRIPT], { encoding: "utf8" });
        assert.equal(r.status, 0, r.stdout);
    });

    it("--filter: the env with DB_PASSWORD from the secret; the password is in no log and no request line", async () => {
        await withAws({ "secretsmanager:GetSecretValue": secret("rotated-Pw-0001") }, async (aws) => {
            const r = await aws.run(`bash ${SCRIPT} --filter --region ap-northeast-2`, `DB_HOST=db\nDB_PASSWORD=stale\nDB_SECRET_ARN=${ARN}\n`);
            assert.equal(r.code, 0, r.stderr);
            assert.equal(r.stdout, `DB_HOST=db\nDB_SECRET_ARN=${ARN}\nDB_PASSWORD=rotated-Pw-0001\n`);
            assert.ok(!r.stderr.includes("rotated-Pw-0001"));
            assert.deepEqual(aws.requests.map((q: AwsRequest) => [q.action, q.params]), [["secretsmanager:GetSecretValue", { SecretId: ARN }]]);
        });
    });

    it("--filter without DB_SECRET_ARN: the env as it is, and no AWS call", async () => {
        await withAws({}, async (aws) => {
            const r = await aws.run(`bash ${SCRIPT} --filter --region ap-northeast-2`, "DB_HOST=db\nDB_PASSWORD=fixed\n");
            assert.equal(r.code, 0, r.stderr);
            assert.equal(r.stdout, "DB_HOST=db\nDB_PASSWORD=fixed\n");
            assert.deepEqual(aws.actions(), []);
        });
    });

    it("a secret without a password fails with one line naming it", async () => {
        await withAws({ "secretsmanager:GetSecretValue": JSON.stringify({ ARN, SecretString: "{}" }) }, async (aws) => {
            const r = await aws.run(`bash ${SCRIPT} --filter --region ap-northeast-2`, `DB_SECRET_ARN=${ARN}\n`);
            assert.equal(r.code, 1);
            assert.match(r.stderr, new RegExp(`ERROR: the secret ${ARN.replace(/[!$]/g, "\\$&")} has no password field\\n$`));
        });
    });

    it("the timer's check rewrites the env file (mode 600) only when the password changed", async () => {
        const env = path.join(dir, "app.env");
        fs.writeFileSync(env, `LOG_LEVEL=info\nDB_SECRET_ARN=${ARN}\nDB_PASSWORD=first-Pw\n`, { mode: 0o600 });
        let password = "first-Pw";
        await withAws({ "secretsmanager:GetSecretValue": () => secret(password) }, async (aws) => {
            const check = () => aws.run(`bash ${SCRIPT} --region ap-northeast-2 --env-file ${env} --on-change none`);
            const inode = fs.statSync(env).ino;
            let r = await check();
            assert.equal(r.code, 0, r.stderr);
            assert.equal(fs.statSync(env).ino, inode, "unchanged: not rewritten");
            password = "second-Pw";
            r = await check();
            assert.equal(r.code, 0, r.stderr);
            assert.match(r.stderr, /the database password changed \(rotated\)/);
            assert.equal(fs.readFileSync(env, "utf8"), `LOG_LEVEL=info\nDB_SECRET_ARN=${ARN}\nDB_PASSWORD=second-Pw\n`);
            assert.equal((fs.statSync(env).mode & 0o777).toString(8), "600");
            assert.ok(!r.stderr.includes("second-Pw"));
        });
    });

    it("stage 4: a changed password starts an instance refresh of the instance's own group, replacing every instance", async () => {
        const env = path.join(dir, "app.env");
        fs.writeFileSync(env, `DB_SECRET_ARN=${ARN}\nDB_PASSWORD=first-Pw\n`, { mode: 0o600 });
        await withAws({
            "secretsmanager:GetSecretValue": secret("second-Pw"),
            "PUT /latest/api/token": "imds-token",
            "GET /latest/meta-data/instance-id": "i-0abc1234",
            "autoscaling:DescribeAutoScalingInstances": xml("DescribeAutoScalingInstances", "<AutoScalingInstances><member><InstanceId>i-0abc1234</InstanceId><AutoScalingGroupName>webapp-prod-asg-asg-1a2b3c4</AutoScalingGroupName><AvailabilityZone>ap-northeast-2a</AvailabilityZone><LifecycleState>InService</LifecycleState><HealthStatus>HEALTHY</HealthStatus><ProtectedFromScaleIn>false</ProtectedFromScaleIn></member></AutoScalingInstances>"),
            "autoscaling:StartInstanceRefresh": xml("StartInstanceRefresh", "<InstanceRefreshId>0e5d8a5c-1111-2222-3333-444455556666</InstanceRefreshId>"),
        }, async (aws) => {
            const r = await aws.run(`bash ${SCRIPT} --region ap-northeast-2 --env-file ${env} --on-change refresh`, "", { WEBAPP_IMDS: aws.url });
            assert.equal(r.code, 0, r.stderr);
            assert.deepEqual(aws.actions(), ["secretsmanager:GetSecretValue", "PUT /latest/api/token", "GET /latest/meta-data/instance-id", "autoscaling:DescribeAutoScalingInstances", "autoscaling:StartInstanceRefresh"]);
            assert.deepEqual(aws.requests[3].params, { Action: "DescribeAutoScalingInstances", Version: "2011-01-01", "InstanceIds.member.1": "i-0abc1234" });
            assert.deepEqual(aws.requests[4].params, {
                Action: "StartInstanceRefresh", Version: "2011-01-01", AutoScalingGroupName: "webapp-prod-asg-asg-1a2b3c4",
                "Preferences.MinHealthyPercentage": "50", "Preferences.InstanceWarmup": "120", "Preferences.SkipMatching": "false",
            });
            assert.match(fs.readFileSync(env, "utf8"), /^DB_PASSWORD=second-Pw$/m);
        });
    });

    it("bad flags: one line naming the flag", () => {
        const r = spawnSync("bash", [SCRIPT, "--region", "ap-northeast-2", "--on-change", "reboot"], { encoding: "utf8" });
        assert.equal(r.status, 1);
        assert.match(r.stderr, /ERROR: --on-change 'reboot': expected none, release or refresh\n$/);
    });
});
