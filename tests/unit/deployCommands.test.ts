import { strict as assert } from "assert";
import {
    envFile, inServiceCommand, prepareCommand, refreshStartCommand, refreshWaitCommand, releaseCommand, ReleaseCommandArgs, runShellScriptParameters,
    ssmPrepareHostCommand, ssmReleaseHostCommand, ssmRunCommand, uploadDir,
} from "../../infra/deploy/commands";
import { DEFAULT_SERVICES } from "../../stacks/schema";

const container = { cli: "podman --runtime runc", runArgs: ["--ulimit", "nofile=1024:1024"], pullArgs: ["--tls-verify=false"] };
const base: ReleaseCommandArgs = {
    user: "ec2-user",
    version: "v1.4.2",
    services: DEFAULT_SERVICES,
    container: { cli: "docker", runArgs: [], pullArgs: [] },
    registry: "ghcr.io",
    db: "host-container",
    dbPort: 5432,
    region: "ap-northeast-2",
    health: { interval: 1, timeout: 3, retries: 30 },
    drainSeconds: 3,
    keepReleases: 3,
    lockWaitSeconds: 120,
    stack: "webapp-dev",
};
const SERVICES = "--service name=backend,image=ghcr.io/example/wiki-backend,port=8080,health=/health --service name=frontend,image=ghcr.io/example/wiki-frontend,port=3000,health=/";
const TAIL = "--health-interval 1 --health-timeout 3 --health-retries 30 --drain 3 --keep 3 --lock-wait 120";
const STACK = "--stack webapp-dev";
/** The on-host database container's network, which the app's containers join (base.db is host-container). */
const NET = "--run-arg --network --run-arg webapp";

describe("deploy command builders (exact strings)", () => {
    it("uploads to the SSH user's home", () => {
        assert.equal(uploadDir("ec2-user"), "/home/ec2-user/webapp-deploy");
        assert.equal(uploadDir("root"), "/root/webapp-deploy");
    });

    it("release: the host path, with sudo, quoting nothing that needs none", () => {
        assert.equal(releaseCommand({ ...base, backupBucket: "webapp-dev-backup-abc" }),
            `sudo /opt/webapp/bin/release.sh --version v1.4.2 ${SERVICES} --cli docker ${NET} --registry ghcr.io --db host-container --db-port 5432 --region ap-northeast-2 --backup-bucket webapp-dev-backup-abc ${TAIL} ${STACK}`);
    });

    it("release: quotes a multi-word CLI and passes run and pull arguments one by one", () => {
        assert.equal(releaseCommand({ ...base, user: "root", container, services: [DEFAULT_SERVICES[0]] }),
            `/opt/webapp/bin/release.sh --version v1.4.2 --service name=backend,image=ghcr.io/example/wiki-backend,port=8080,health=/health --cli 'podman --runtime runc' --run-arg --ulimit --run-arg nofile=1024:1024 ${NET} --pull-arg --tls-verify=false --registry ghcr.io --db host-container --db-port 5432 --region ap-northeast-2 ${TAIL} ${STACK}`);
    });

    it("release: RDS snapshot, a confirmed restore, and the load balancer of stage 3", () => {
        assert.equal(releaseCommand({
            ...base,
            db: "rds",
            rdsInstance: "webapp-prod-db-pg",
            restore: { backup: "pre-v2-20261123T140000Z", confirm: "pre-v2-20261123T140000Z" },
            loadBalancer: { targetGroupArns: ["arn:aws:elasticloadbalancing:x:1:targetgroup/b/1", "arn:aws:elasticloadbalancing:x:1:targetgroup/f/2"], targetId: "i-0abc" },
            metricsNamespace: "WebApp/webapp-dev",
        }), `sudo /opt/webapp/bin/release.sh --version v1.4.2 ${SERVICES} --cli docker --registry ghcr.io --db rds --rds-instance webapp-prod-db-pg --region ap-northeast-2 `
            + `--restore pre-v2-20261123T140000Z --restore-confirm pre-v2-20261123T140000Z ${TAIL} `
            + "--lb-target-group arn:aws:elasticloadbalancing:x:1:targetgroup/b/1 --lb-target-group arn:aws:elasticloadbalancing:x:1:targetgroup/f/2 --lb-target-id i-0abc --stack webapp-dev --metrics-namespace WebApp/webapp-dev");
    });

    it("release: the migration's service and command, quoted as one argument: variables stay for the container's shell", () => {
        const command = `PGPASSWORD="$DB_PASSWORD" psql -h "$DB_HOST" -c 'ALTER TABLE notes ADD COLUMN tag text'`;
        assert.equal(releaseCommand({ ...base, migrate: { service: "backend", command, timeoutMinutes: 10 } }),
            `sudo /opt/webapp/bin/release.sh --version v1.4.2 ${SERVICES} --cli docker ${NET} --registry ghcr.io --db host-container --db-port 5432 --region ap-northeast-2 ${TAIL} ${STACK} `
            + `--migrate-service backend --migrate-command 'PGPASSWORD="$DB_PASSWORD" psql -h "$DB_HOST" -c '\\''ALTER TABLE notes ADD COLUMN tag text'\\'''`);
    });

    it("a value with a quote cannot break out of its argument", () => {
        const cmd = releaseCommand({ ...base, container: { ...container, runArgs: ["--label", "x=it's; rm -rf /"] } });
        assert.match(cmd, / --run-arg --label --run-arg 'x=it'\\''s; rm -rf \/' /);
    });

    it("prepare: the site travels as base64, secrets on stdin only", () => {
        const cmd = prepareCommand({ user: "ec2-user", site: "server { listen 80; }\n", services: [DEFAULT_SERVICES[1]], container: base.container, db: { runtime: "container", image: "docker.io/library/postgres:16", port: 5432, dataDir: "/var/lib/webapp/db" }, region: "ap-northeast-2" });
        assert.equal(cmd, "sudo bash /home/ec2-user/webapp-deploy/prepare-host.sh --scripts /home/ec2-user/webapp-deploy --cli docker "
            + `--site-b64 ${Buffer.from("server { listen 80; }\n").toString("base64")} --service name=frontend,image=ghcr.io/example/wiki-frontend,port=3000,health=/ `
            + "--db-runtime container --db-image docker.io/library/postgres:16 --db-port 5432 --db-data /var/lib/webapp/db --region ap-northeast-2 --env-stdin");
    });

    it("prepare: the database container gets the run and pull arguments; a system database none", () => {
        const db = { runtime: "container" as const, image: "127.0.0.1:5000/webapp/postgres:15", port: 55434, dataDir: "/var/lib/webapp/db" };
        const prepare = (runtime: "container" | "system") => prepareCommand({ user: "root", site: "", services: [DEFAULT_SERVICES[1]], container, db: { ...db, runtime }, region: "ap-northeast-2" });
        assert.match(prepare("container"), / --db-runtime container --db-image 127\.0\.0\.1:5000\/webapp\/postgres:15 --run-arg --ulimit --run-arg nofile=1024:1024 --pull-arg --tls-verify=false --db-port 55434 /);
        assert.doesNotMatch(prepare("system"), /--run-arg|--pull-arg/);
    });

    it("env file: one KEY=value a line, empty values left out, no line breaks inside a value", () => {
        assert.equal(envFile({ DB_HOST: "webapp-db", DB_PASSWORD: "p@ss word$1", EMPTY: "", NONE: undefined, X: "a\nb" }), "DB_HOST=webapp-db\nDB_PASSWORD=p@ss word$1\nX=ab\n");
    });

    it("SSM: AWS-RunShellScript gets one bash line in strict mode, and the execution timeout", () => {
        assert.equal(runShellScriptParameters("echo 'a b' | tail -n 1", 1800),
            `{"commands":["bash -c 'set -euo pipefail; echo '\\\\''a b'\\\\'' | tail -n 1'"],"executionTimeout":["1800"]}`);
    });

    it("SSM: the local driver's command line, the comment cut to SSM's 100 characters", () => {
        assert.equal(ssmRunCommand({ region: "ap-northeast-2", instanceId: "i-0abc", comment: "webapp-dev release v2 app-1", timeoutSeconds: 1800, hostCommand: "true" }),
            `bash infra/deploy/local/ssm-run.sh --region ap-northeast-2 --instance-id i-0abc --timeout 1800 --comment 'webapp-dev release v2 app-1' --parameters '{"commands":["bash -c '\\''set -euo pipefail; true'\\''"],"executionTimeout":["1800"]}'`);
        assert.match(ssmRunCommand({ region: "r", instanceId: "i", comment: "x".repeat(150), timeoutSeconds: 60, hostCommand: "true" }), / --comment x{100} /);
    });

    it("SSM: on the host, scripts from the bucket, the env file from its parameter into prepare, the release's stderr tail kept", () => {
        assert.equal(ssmPrepareHostCommand({ region: "ap-northeast-2", bucket: "webapp-dev-backup-1", hash: "0123abcd", envParameter: "webapp-dev-deploy-env-1", prepare: "bash /root/webapp-deploy/prepare-host.sh --env-stdin" }),
            "aws s3 cp --only-show-errors --recursive s3://webapp-dev-backup-1/deploy/scripts/0123abcd/ /root/webapp-deploy/ && "
            + "aws ssm get-parameter --region ap-northeast-2 --name webapp-dev-deploy-env-1 --with-decryption --query Parameter.Value --output text | bash /root/webapp-deploy/prepare-host.sh --env-stdin");
        assert.equal(ssmReleaseHostCommand("/opt/webapp/bin/release.sh --version v2"), "exec 3>&1; /opt/webapp/bin/release.sh --version v2 2>&1 >&3 | tail -n 60 >&2");
    });

    it("stage 3: healthy again in every target group, each on its service's port", () => {
        assert.equal(inServiceCommand({ region: "ap-northeast-2", targetGroupArns: ["arn:aws:elasticloadbalancing:x:1:targetgroup/b/1", "arn:aws:elasticloadbalancing:x:1:targetgroup/f/2"], instanceId: "i-0abc", ports: [8080, 3000] }),
            "aws elbv2 wait target-in-service --region ap-northeast-2 --target-group-arn arn:aws:elasticloadbalancing:x:1:targetgroup/b/1 --targets Id=i-0abc,Port=8080 && "
            + "aws elbv2 wait target-in-service --region ap-northeast-2 --target-group-arn arn:aws:elasticloadbalancing:x:1:targetgroup/f/2 --targets Id=i-0abc,Port=3000");
    });

    it("stage 4: start and wait", () => {
        assert.equal(refreshStartCommand({ region: "ap-northeast-2", stack: "webapp-prod", version: "v2", keep: 3 }),
            "bash infra/deploy/local/refresh-release.sh start --region ap-northeast-2 --stack webapp-prod --version v2 --keep 3");
        assert.equal(refreshWaitCommand({ region: "ap-northeast-2", stack: "webapp-prod", version: "v2", group: "webapp-prod-asg-asg-1", historyParameter: "/webapp-prod/releases", rdsInstance: "webapp-prod-db-pg", timeoutSeconds: 600 }),
            "bash infra/deploy/local/refresh-release.sh wait --region ap-northeast-2 --stack webapp-prod --version v2 --group webapp-prod-asg-asg-1 --history-parameter /webapp-prod/releases --rds-instance webapp-prod-db-pg --timeout 600");
    });
});
