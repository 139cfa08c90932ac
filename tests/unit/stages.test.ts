// The real program, every stage, under the offline plan's mocks: the resource set and the wiring that matters.
import * as aws from "@pulumi/aws";
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { BACKUP_PREFIX } from "../../infra/backup";
import { DISK_FSTYPE } from "../../infra/monitoring/agentConfig";
import { scriptsPrefix } from "../../infra/deploy/commands";
import { AUTONAME_SUFFIX, ELB_NAME_MAX } from "../../lib/names";
import { shellQuote } from "../../lib/shell";
import { PROJECT_DIR } from "../../plan/plan";
import { isSecret, maskSecrets, PlannedResource, ProgramRun, runProgram } from "../../plan/run";
import { byId, forEachStage, ofType, one, planStack, T } from "../helpers/plan";

type Props = Record<string, unknown>;
const props = (r: PlannedResource) => r.props as Props;

/** Counts of the resource types that define a stage. */
function shape(run: ProgramRun): Record<string, number> {
    const count = (t: string) => ofType(run, t).length;
    return {
        publicSubnets: ofType(run, T.subnet).filter((s) => s.name.includes("-public-")).length,
        privateSubnets: ofType(run, T.subnet).filter((s) => s.name.includes("-private-")).length,
        instances: count(T.instance),
        dataVolumes: count(T.volume),
        eips: count(T.eip),
        rds: count(T.rds),
        albs: count(T.alb),
        targetGroups: count(T.tg),
        attachments: count(T.tga),
        launchTemplates: count(T.lt),
        asgs: count(T.asg),
        buckets: count(T.bucket),
    };
}

const EXPECTED: Record<string, Record<string, number>> = {
    "single-host": { publicSubnets: 1, privateSubnets: 0, instances: 1, dataVolumes: 1, eips: 1, rds: 0, albs: 0, targetGroups: 0, attachments: 0, launchTemplates: 0, asgs: 0, buckets: 1 },
    "private-db": { publicSubnets: 1, privateSubnets: 2, instances: 1, dataVolumes: 0, eips: 1, rds: 1, albs: 0, targetGroups: 0, attachments: 0, launchTemplates: 0, asgs: 0, buckets: 1 },
    alb: { publicSubnets: 2, privateSubnets: 2, instances: 2, dataVolumes: 0, eips: 0, rds: 1, albs: 1, targetGroups: 2, attachments: 4, launchTemplates: 0, asgs: 0, buckets: 1 },
    autoscaling: { publicSubnets: 2, privateSubnets: 2, instances: 0, dataVolumes: 0, eips: 0, rds: 1, albs: 1, targetGroups: 2, attachments: 0, launchTemplates: 1, asgs: 1, buckets: 1 },
};

/** Token "aws:ec2/instance:Instance" to its class, to ask whether the type takes tags at all. */
function takesTags(type: string): boolean {
    const [pkg, mod, cls] = type.split(":");
    if (pkg !== "aws") return false;
    const ns = mod.split("/")[0];
    const ctor = ((ns === "index" ? aws : (aws as unknown as Record<string, unknown>)[ns]) as Record<string, unknown>)[cls];
    return String(ctor).includes('resourceInputs["tags"]');
}

function securityGroupRole(run: ProgramRun, id: unknown): string {
    return byId(run, id).name.split("-fw-")[1];
}

describe("the program, stage by stage (mocks)", () => {
    const runs = forEachStage((stage, run) => {

            it("creates the stage's resource set", () => assert.deepEqual(shape(run()), EXPECTED[stage]));

            it("tags every taggable resource with project, environment and stage, and names it with the stack", () => {
                const taggable = run().resources.filter((r) => r.custom && takesTags(r.type));
                assert.ok(taggable.length > 10);
                for (const r of taggable) {
                    const tags = props(r).tags as Record<string, string> | { key: string; value: string }[] | undefined;
                    const map = Array.isArray(tags) ? Object.fromEntries(tags.map((t) => [t.key, t.value])) : tags;
                    assert.ok(map, `${r.name} (${r.type}) has no tags`);
                    assert.deepEqual([map.Project, map.Environment, map.Stage], ["webapp", "dev", stage], r.name);
                }
                for (const r of run().resources.filter((x) => x.type !== "pulumi:pulumi:Stack")) {
                    assert.ok(r.name.startsWith("webapp-dev-"), `${r.name} lacks the stack in its name`);
                }
            });

            it("requires IMDSv2 and encrypts every volume", () => {
                for (const r of ofType(run(), T.instance)) {
                    assert.equal((props(r).metadataOptions as Props).httpTokens, "required", r.name);
                    assert.equal((props(r).rootBlockDevice as Props).encrypted, true, r.name);
                }
                for (const r of ofType(run(), T.lt)) {
                    assert.equal((props(r).metadataOptions as Props).httpTokens, "required");
                    for (const bd of props(r).blockDeviceMappings as Props[]) assert.equal((bd.ebs as Props).encrypted, "true");
                }
                for (const r of ofType(run(), T.volume)) assert.equal(props(r).encrypted, true);
                for (const r of ofType(run(), T.rds)) assert.equal(props(r).storageEncrypted, true);
            });

            it("has no SSH rule and no database port open without adminCidrs", () => {
                for (const r of ofType(run(), T.ingress)) {
                    const p = props(r);
                    assert.ok(!(Number(p.fromPort) <= 22 && 22 <= Number(p.toPort)), `${r.name} admits SSH`);
                    assert.ok(p.ipProtocol !== "-1", `${r.name} admits all protocols`);
                    if (p.fromPort === 5432) assert.equal(p.cidrIpv4 ?? p.cidrIpv6, undefined, `${r.name} opens PostgreSQL to a CIDR`);
                }
            });

            it("keeps the backup bucket private, encrypted, versioned and TLS-only", () => {
                const pab = props(one(run(), T.pab));
                assert.deepEqual([pab.blockPublicAcls, pab.blockPublicPolicy, pab.ignorePublicAcls, pab.restrictPublicBuckets], [true, true, true, true]);
                const policy = JSON.parse(props(one(run(), T.bucketPolicy)).policy as string);
                assert.equal(policy.Statement[0].Condition.Bool["aws:SecureTransport"], "false");
                assert.equal(policy.Statement[0].Effect, "Deny");
                assert.equal(ofType(run(), "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").length, 1);
                assert.equal((props(one(run(), "aws:s3/bucketVersioning:BucketVersioning")).versioningConfiguration as Props).status, "Enabled");
            });

            it("ages only the database dumps into Glacier and expiry, never the deploy scripts", () => {
                const lifecycle = props(one(run(), "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"));
                const rules = lifecycle.rules as Props[];
                const aging = rules.filter((r) => r.transitions !== undefined || r.expiration !== undefined);
                assert.deepEqual(aging.map((r) => (r.filter as Props).prefix), [BACKUP_PREFIX]);
                const backup = fs.readFileSync(path.join(__dirname, "../../infra/deploy/scripts/backup-db.sh"), "utf8");
                assert.ok(backup.includes(`s3://\${bucket}/${BACKUP_PREFIX}`), "backup-db.sh (the timer's and every release's) writes its dumps under the aging prefix");
                assert.ok(!scriptsPrefix("x").startsWith(BACKUP_PREFIX));
            });

            it("scopes the host role to its own bucket", () => {
                const policy = JSON.parse(props(one(run(), T.rolePolicy)).policy as string);
                const s3 = policy.Statement.filter((s: Props) => String(s.Sid).startsWith("Backup"));
                const bucketArn = `arn:aws:s3:::${props(one(run(), T.bucket)).bucket ?? ""}`;
                assert.equal(s3.length, 2);
                for (const s of s3) for (const res of s.Resource as string[]) assert.ok(res.startsWith("arn:aws:s3:::webapp-dev-backup-bucket"), `${res} vs ${bucketArn}`);
            });

            it("exports the outputs users need", () => {
                const o = run().outputs;
                assert.match(String(o.url), /^http:\/\//);
                assert.ok(typeof o.dbEndpoint === "string");
                assert.match(String(o.backupBucket), /^webapp-dev-backup-bucket/);
                assert.ok(Array.isArray(o.connectCommands) && (o.connectCommands as string[]).length >= 1);
                assert.match((o.connectCommands as string[])[0], /aws (ssm start-session|ec2 describe-instances)/);
            });
    });

    it("single-host: the database volume is separate, encrypted and attached; the host has an Elastic IP", () => {
        const run = runs["single-host"];
        const attach = one(run, "aws:ec2/volumeAttachment:VolumeAttachment");
        assert.equal(byId(run, props(attach).volumeId).type, T.volume);
        assert.equal(byId(run, props(attach).instanceId).type, T.instance);

        assert.equal(byId(run, props(one(run, T.eip)).instance).type, T.instance);
        assert.equal(run.outputs.dbEndpoint, "postgres container on the app host, port not exposed");
    });

    it("single-host with the deploy on: its prepare step mounts the database's volume, by the device its attachment makes on a Nitro instance", async () => {
        const run = await planStack({}, "dev", { sshPrivateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nfake\n-----END OPENSSH PRIVATE KEY-----\n" });
        const volumeId = String(one(run, T.volume).id).replace(/-/g, "");
        const prepare = run.resources.find((r) => r.name.endsWith("app-1-prepare"))!;
        // Formatted with the file system the disk alarms name.
        assert.ok(String(props(prepare).create).includes(` --db-data /var/lib/webapp/db --data-device /dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_${volumeId} --data-fstype ${DISK_FSTYPE} `), String(props(prepare).create));
    });

    for (const stage of ["private-db", "alb", "autoscaling"]) {
        it(`${stage}: RDS sits in private subnets with no route out, reachable only from the app's security group`, () => {
            const run = runs[stage];
            const db = props(one(run, T.rds));
            assert.equal(db.publiclyAccessible, false);
            assert.equal(db.backupRetentionPeriod, 7);
            assert.equal(db.manageMasterUserPassword, true, "the master password is managed by RDS, never plain text");
            assert.equal(db.password, undefined);

            const group = one(run, T.subnetGroup);
            const subnets = (props(group).subnetIds as string[]).map((id) => byId(run, id));
            assert.deepEqual(subnets.map((s) => s.name.includes("-private-")), [true, true]);
            assert.equal(new Set(subnets.map((s) => props(s).availabilityZone)).size, 2, "two AZs");

            // Each private subnet's route table has no route at all beyond the VPC's local one.
            for (const subnet of subnets) {
                const assoc = ofType(run, T.rta).find((a) => props(a).subnetId === subnet.id)!;
                const routes = ofType(run, T.route).filter((r) => props(r).routeTableId === props(assoc).routeTableId);
                assert.deepEqual(routes, [], `${subnet.name} has a route out`);
            }

            const dbSgIds = db.vpcSecurityGroupIds as string[];
            assert.deepEqual(dbSgIds.map((id) => securityGroupRole(run, id)), ["db"]);
            const dbRules = ofType(run, T.ingress).filter((r) => props(r).securityGroupId === dbSgIds[0]);
            assert.equal(dbRules.length, 1);
            assert.equal(props(dbRules[0]).fromPort, 5432);
            assert.equal(securityGroupRole(run, props(dbRules[0]).referencedSecurityGroupId), "app");
        });
    }

    for (const stage of ["alb", "autoscaling"]) {
        it(`${stage}: the ALB health-checks each service's path and the hosts accept traffic only from it`, () => {
            const run = runs[stage];
            const tgs = ofType(run, T.tg).map((t) => [t.name, (props(t).healthCheck as Props).path, props(t).port]);
            assert.deepEqual(tgs, [["webapp-dev-backend", "/health", 8080], ["webapp-dev-frontend", "/", 3000]]);
            const alb = props(one(run, T.alb));
            assert.equal(new Set((alb.subnets as string[]).map((id) => props(byId(run, id)).availabilityZone)).size, 2);
            const appSg = ofType(run, T.sg).find((s) => s.name.endsWith("-fw-app"))!;
            for (const rule of ofType(run, T.ingress).filter((r) => props(r).securityGroupId === appSg.id)) {
                assert.equal(securityGroupRole(run, props(rule).referencedSecurityGroupId), "lb", rule.name);
            }
            const rule = props(one(run, T.rule));
            assert.deepEqual((rule.conditions as Props[])[0], { pathPattern: { values: ["/api", "/api/*", "/health", "/health/*"] } });
            assert.equal(props(one(run, T.listener)).port, 80);
        });
    }

    it("autoscaling: the group spans two AZs with CPU target tracking and a rolling refresh that rolls back", () => {
        const run = runs.autoscaling;
        const asg = props(one(run, T.asg));
        const zones = (asg.vpcZoneIdentifiers as string[]).map((id) => props(byId(run, id)).availabilityZone);
        assert.equal(new Set(zones).size, 2);
        assert.deepEqual([asg.minSize, asg.maxSize, asg.desiredCapacity, asg.healthCheckType], [2, 4, 2, "ELB"]);
        const refresh = asg.instanceRefresh as { strategy: string; preferences: Props };
        assert.equal(refresh.strategy, "Rolling");
        assert.deepEqual([refresh.preferences.minHealthyPercentage, refresh.preferences.autoRollback], [100, true]);
        assert.equal(((props(one(run, T.asgPolicy)).targetTrackingConfiguration as Props).targetValue), 50);
        const userData = Buffer.from(String(props(one(run, T.lt)).userData), "base64").toString();
        assert.match(userData, /APP_VERSION=v1/);
        assert.match(userData, /docker pull "\$\{image\}:\$\{APP_VERSION\}"/);
        // The RDS-managed password is read at boot by db-password.sh, which then follows its rotation.
        assert.ok(userData.includes(`DB_PASSWORD_SCRIPT=${shellQuote(fs.readFileSync(path.join(PROJECT_DIR, "infra/deploy/scripts/db-password.sh"), "utf8"))}\n`), "db-password.sh is in the user data, whole");
        assert.match(userData, /db-password\.sh --filter --region "\$\{REGION\}" > \/etc\/webapp\/app\.env/);
        assert.match(userData, /db-password\.sh --install-timer --region "\$\{REGION\}" --on-change refresh/);
    });

    it("autoscaling: the instances may start an instance refresh of their own group only (after a password rotation)", () => {
        const run = runs.autoscaling;
        const groupTag = (props(one(run, T.asg)).tags as { key: string; value: string }[]).find((t) => t.key === "Name")!.value;
        const statements = ofType(run, "aws:iam/rolePolicy:RolePolicy").flatMap((r) => JSON.parse(String(props(r).policy)).Statement as Props[]);
        const refresh = statements.find((s) => (s.Action as string[]).includes("autoscaling:StartInstanceRefresh"))!;
        assert.deepEqual(refresh.Condition, { StringEquals: { "autoscaling:ResourceTag/Name": groupTag } });
        assert.deepEqual(statements.filter((s) => (s.Action as string[]).some((a) => a.startsWith("autoscaling:"))).map((s) => s.Action), [["autoscaling:DescribeAutoScalingInstances"], ["autoscaling:StartInstanceRefresh"]]);
        for (const stage of ["single-host", "private-db", "alb"] as const) {
            const others = ofType(runs[stage], "aws:iam/rolePolicy:RolePolicy").map((r) => String(props(r).policy)).join("\n");
            assert.ok(!others.includes("autoscaling:StartInstanceRefresh"), stage);
        }
    });

    it("alb: the load balancer keeps a silent connection an hour when a service has WebSocket paths, else AWS's default minute", async () => {
        const ws = JSON.stringify([{ name: "api", image: "ghcr.io/acme/api", port: 8080, routes: ["/"], websocketPaths: ["/chat"] }]);
        assert.equal(props(one(await planStack({ stage: "alb", services: ws }), "aws:lb/loadBalancer:LoadBalancer")).idleTimeout, 3600);
        assert.equal(props(one(runs.alb, "aws:lb/loadBalancer:LoadBalancer")).idleTimeout, 60);
    });

    it("alb with a certificate: HTTP redirects to HTTPS", async () => {
        const run = await planStack({ stage: "alb", certificateArn: "arn:aws:acm:ap-northeast-2:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666" });
        const listeners = ofType(run, T.listener).map((l) => [props(l).port, (props(l).defaultActions as Props[])[0].type]);
        assert.deepEqual(listeners, [[80, "redirect"], [443, "forward"]]);
    });

    it("adminCidrs opens port 22 to those CIDRs only", async () => {
        const run = await planStack({ adminCidrs: '["203.0.113.7/32","2001:db8::/64"]', keyName: "office" });
        const ssh = ofType(run, T.ingress).filter((r) => props(r).fromPort === 22).map((r) => [props(r).toPort, props(r).cidrIpv4 ?? props(r).cidrIpv6]);
        assert.deepEqual(ssh, [[22, "203.0.113.7/32"], [22, "2001:db8::/64"]]);
        assert.match((run.outputs.connectCommands as string[])[0], /^ssh ec2-user@203\.0\.113\./);
    });

    it("autoscaling with a private registry: the token goes to SSM, never into user data", async () => {
        const run = await planStack({ stage: "autoscaling", registryUsername: "deploy-bot" }, "dev", { registryPassword: "ghp_verysecrettoken123" });
        const param = one(run, T.ssmParameter, "-registry-token");
        assert.equal(props(param).type, "SecureString");
        const userData = Buffer.from(String(props(one(run, T.lt)).userData), "base64").toString();
        assert.ok(!userData.includes("ghp_verysecrettoken123"));
        assert.match(userData, /REGISTRY_USERNAME=deploy-bot/);
        // The token travels only inside a Pulumi secret: with secrets masked it appears nowhere.
        assert.ok(isSecret(props(param).value));
        assert.ok(!JSON.stringify(run.resources.map((r) => maskSecrets(r.props))).includes("ghp_verysecrettoken123"));
    });

    it("autoscaling: the app's settings, database and secrets reach the instances through SSM, never user data", async () => {
        const run = await planStack({ stage: "autoscaling", appEnvironment: '{"LOG_LEVEL":"info"}' }, "dev", { dbPassword: "db-pass-sentinel-91", appSecrets: '{"OPENAI_API_KEY":"sk-sentinel-42"}' });
        const param = one(run, T.ssmParameter, "-app-env");
        assert.equal(props(param).type, "SecureString");
        assert.ok(isSecret(props(param).value));
        const env = String((props(param).value as { value: string }).value);
        assert.match(env, /^LOG_LEVEL=info\nOPENAI_API_KEY=sk-sentinel-42\nDB_HOST=webapp-dev-db-pg\.[0-9a-f]+\.ap-northeast-2\.rds\.amazonaws\.com\nDB_PORT=5432\nDB_NAME=app\nDB_USERNAME=app\nDB_PASSWORD=db-pass-sentinel-91\n$/);
        const userData = Buffer.from(String(props(one(run, T.lt)).userData), "base64").toString();
        assert.match(userData, /APP_ENV_PARAMETER=webapp-dev-app-env\nAPP_ENV_REVISION=[0-9a-f]+\n/);
        // The instance role may read it; nothing else carries the values once secrets are masked.
        const policies = ofType(run, "aws:iam/rolePolicy:RolePolicy").map((r) => String(props(r).policy)).join("\n");
        assert.match(policies, /arn:aws:ssm:[^"]*webapp-dev-app-env-/);
        const masked = JSON.stringify(run.resources.map((r) => maskSecrets(r.props)));
        for (const secret of ["sk-sentinel-42", "db-pass-sentinel-91"]) assert.ok(!masked.includes(secret), secret);
    });

    it("prod: deletion protection and a final snapshot whose id is new for each database", async () => {
        const run = await planStack({}, "prod");
        const db = props(one(run, T.rds));
        assert.deepEqual([db.deletionProtection, db.skipFinalSnapshot], [true, false]);
        assert.equal(props(one(run, T.alb)).enableDeletionProtection, true);
        // A fixed id makes the second deletion (after a re-create) fail with DBSnapshotAlreadyExists: the id
        // carries a random suffix that is created and destroyed with the database. RDS's rules for it
        // (API DeleteDBInstance, FinalDBSnapshotIdentifier): 1-255 letters, digits and hyphens, a letter
        // first, no two hyphens in a row, no hyphen at the end.
        const id = String(db.finalSnapshotIdentifier);
        assert.match(id, /^webapp-prod-db-final-[0-9a-f]{8}$/);
        assert.ok(/^[A-Za-z][A-Za-z0-9-]{0,254}$/.test(id) && !id.includes("--") && !id.endsWith("-"), id);
        const suffix = one(run, "random:index/randomId:RandomId", "-final-snapshot");
        assert.equal(suffix.parent, ofType(run, "webapp:infra:Database")[0].urn, "lives with the database");
        assert.ok(one(run, T.rds).dependencies.includes(suffix.urn));
        assert.equal(ofType(await planStack({ stage: "private-db" }), "random:index/randomId:RandomId").length, 0, "no final snapshot outside production");
    });

    it("single-host: replacing the host detaches the data volume before attaching it to the new one", () => {
        const run = runs["single-host"];
        const attach = one(run, "aws:ec2/volumeAttachment:VolumeAttachment");
        // EC2 AttachVolume fails while another instance holds the volume (VolumeInUse): delete the old
        // attachment first (stopping the old host, stopInstanceBeforeDetaching), then create the new one.
        assert.equal(attach.options.deleteBeforeReplace, true);
        assert.deepEqual(attach.options.replaceOnChanges, ["instanceId", "volumeId"]);
        assert.equal(props(attach).stopInstanceBeforeDetaching, true);
        // Meanwhile the new host's prepare step waits for the volume, minutes if need be (the old host stops first).
        const prepare = fs.readFileSync(path.join(PROJECT_DIR, "infra/deploy/scripts/prepare-host.sh"), "utf8");
        assert.match(prepare, /until \[\[ -e "\$\{data_device\}" \]\]; do\n\s+\[\[ \$\{waited\} -lt 900 \]\] \|\| die "the data volume \$\{data_device\} is not attached after \$\{waited\}s"/);
    });

    it("fixed hosts: a user data change replaces the host on purpose; a release never changes user data", async () => {
        for (const stage of ["single-host", "private-db", "alb"]) {
            const hosts = ofType(runs[stage], T.instance);
            // Without replacement, EC2 would stop and start the host with new user data that never runs.
            for (const h of hosts) assert.equal(props(h).userDataReplaceOnChange, true, h.name);
            const next = ofType(await planStack({ stage, appVersion: "v2", rateLimitPerMinute: "60" }), T.instance);
            assert.deepEqual(next.map((h) => props(h).userData), hosts.map((h) => props(h).userData), `${stage}: a release would replace the hosts`);
        }
    });

    it("a stack named staging: the load balancer's and target groups' auto-names fit AWS's 32 characters", async () => {
        const run = await runProgram({
            program: PROJECT_DIR, project: "webapp", stack: "staging",
            config: { "aws:region": "ap-northeast-2", "webapp:stage": "alb", "webapp:appVersion": "v1" }, secretKeys: [],
        });
        const named = [...ofType(run, T.alb), ...ofType(run, T.tg)];
        assert.equal(named.length, 3);
        // AWS CreateLoadBalancer / CreateTargetGroup: at most 32 characters; Pulumi appends "-" and 7 random
        // characters (pulumi-aws provider/resources.go, AutoNameOptions{Separator: "-", Maxlen: 32, Randlen: 7}).
        for (const r of named) assert.ok(r.name.length + AUTONAME_SUFFIX <= ELB_NAME_MAX, `${r.name} + ${AUTONAME_SUFFIX}`);
    });
});
