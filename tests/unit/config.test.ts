import * as pulumi from "@pulumi/pulumi";
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { AUTONAME_SUFFIX, ELB_NAME_MAX, albName, targetGroupName } from "../../lib/names";
import { ConfigError, ConfigSource, parseStackConfig, StackConfig } from "../../stacks/schema";
import { STAGES } from "../../stacks/stages";
import { DATABASE_PORTS } from "../../lib/ports";

function source(values: Record<string, string>, secret: string[] = []): ConfigSource {
    return { get: (k) => values[k], isSecret: (k) => secret.includes(k), keys: () => Object.keys(values).filter((k) => values[k] !== undefined) };
}

function parse(values: Record<string, string>, secret: string[] = [], stack = "dev"): StackConfig {
    return parseStackConfig(source({ appVersion: "v1", ...values }, secret), { project: "webapp", stack, region: "ap-northeast-2" });
}

function refuses(values: Record<string, string>, message: string, secret: string[] = []) {
    assert.throws(() => parse(values, secret), (err: Error) => {
        assert.ok(err instanceof ConfigError, `expected ConfigError, got ${err}`);
        assert.equal(err.message, message);
        assert.ok(!err.message.includes("\n"), "one line");
        return true;
    });
}

describe("stack config", () => {
    describe("stage presets", () => {
        const expected: Record<string, Partial<Record<string, unknown>>> = {
            "single-host": { azCount: 1, privateSubnets: false, database: "host", loadBalancer: false, autoScaling: false, hosts: 1 },
            "private-db": { azCount: 1, privateSubnets: true, database: "rds", loadBalancer: false, autoScaling: false, hosts: 1 },
            alb: { azCount: 2, privateSubnets: true, database: "rds", loadBalancer: true, autoScaling: false, hosts: 2 },
            autoscaling: { azCount: 2, privateSubnets: true, database: "rds", loadBalancer: true, autoScaling: true, hosts: 0 },
        };
        for (const stage of STAGES) {
            it(`${stage} sets its switches`, () => {
                const c = parse({ stage });
                assert.deepEqual(
                    { azCount: c.network.azCount, privateSubnets: c.network.privateSubnets, database: c.database.mode, loadBalancer: c.loadBalancer.enabled, autoScaling: c.autoScaling.enabled, hosts: c.hosts.count },
                    expected[stage],
                );
            });
        }

        it("defaults to single-host with the users' two services", () => {
            const c = parse({});
            assert.equal(c.stage, "single-host");
            assert.deepEqual(c.app.services.map((s) => [s.name, s.port, s.healthPath]), [["backend", 8080, "/health"], ["frontend", 3000, "/"]]);
        });

        it("lets a switch override its stage (alb without RDS)", () => {
            const c = parse({ stage: "alb", database: "none", hostCount: "3" });
            assert.equal(c.database.mode, "none");
            assert.equal(c.hosts.count, 3);
            assert.equal(c.loadBalancer.enabled, true);
        });

        it("tags with project, environment and stage; names with the stack", () => {
            const c = parse({ stage: "alb", tags: '{"CostCenter":"wiki"}' }, [], "staging");
            assert.deepEqual(c.tags, { CostCenter: "wiki", Project: "webapp", Environment: "staging", Stage: "alb", ManagedBy: "pulumi" });
            assert.equal(c.prefix, "webapp-staging");
        });

        it("treats the prod stack as production: deletion protection on", () => {
            const c = parseStackConfig(source({ appVersion: "v1", stage: "autoscaling" }), { project: "webapp", stack: "prod", region: "us-east-1" });
            assert.equal(c.production, true);
            assert.equal(c.database.deletionProtection, true);
            assert.equal(parse({}).database.deletionProtection, false);
        });

        it("makes the production database Multi-AZ unless dbMultiAz says otherwise", () => {
            const prod = (values: Record<string, string>) => parseStackConfig(source({ appVersion: "v1", stage: "autoscaling", ...values }), { project: "webapp", stack: "prod", region: "us-east-1" });
            assert.equal(prod({}).database.multiAz, true);
            assert.equal(prod({ dbMultiAz: "false" }).database.multiAz, false);
            assert.equal(parse({ stage: "autoscaling" }).database.multiAz, false);
            assert.equal(parse({ stage: "autoscaling", dbMultiAz: "true" }).database.multiAz, true);
        });

        it("runs the on-host database from the pgvector image of dbEngineVersion's major version", () => {
            assert.equal(parse({}).deploy.dbImage, "docker.io/pgvector/pgvector:pg16");
            assert.equal(parse({ dbEngineVersion: "17.2" }).deploy.dbImage, "docker.io/pgvector/pgvector:pg17");
            assert.equal(parse({ dbEngineVersion: "17", dbImage: "registry.example.com/pg/custom:1" }).deploy.dbImage, "registry.example.com/pg/custom:1");
        });

        it("takes the app's own secrets as a secret JSON object, refusing plain text and bad shapes without echoing them", async () => {
            const secrets = parse({ appSecrets: '{"JWT_KEY":"k-1"}' }, ["appSecrets"]).deploy.appSecrets!;
            assert.equal(await (secrets as unknown as { isSecret: Promise<boolean> }).isSecret, true);
            refuses({ appSecrets: '{"JWT_KEY":"k-1"}' }, `config 'appSecrets' = "(plain text, not shown)" is invalid: expected a secret, set with: pulumi config set --secret appSecrets <value>`);
            for (const bad of ['["k-1"]', '{"DB_PASSWORD":"k-1"}', '{"JWT_KEY":1}', "k-1"]) {
                refuses({ appSecrets: bad }, `config 'appSecrets' = "(secret, not shown)" is invalid: expected a JSON object of NAME to string value, no name starting with DB_ or DEPLOY_`, ["appSecrets"]);
            }
        });

        it("migrateCommand: one line of shell, run in the first service's image unless migrateService names another", () => {
            assert.equal(parse({}).deploy.migrate, undefined);
            assert.deepEqual(parse({ migrateCommand: "bin/rails db:migrate" }).deploy.migrate, { command: "bin/rails db:migrate", service: "backend", timeoutMinutes: 10 });
            assert.deepEqual(parse({ migrateCommand: "npm run migrate", migrateService: "frontend", migrateTimeoutMinutes: "20" }).deploy.migrate, { command: "npm run migrate", service: "frontend", timeoutMinutes: 20 });
            refuses({ migrateTimeoutMinutes: "20" }, `config 'migrateTimeoutMinutes' = "20" is invalid: expected unset unless migrateCommand is set`);
            const expected = `one line of shell run in the new release's image, such as "bin/rails db:migrate" (at most 1024 characters; secrets come from the env file, e.g. $DB_PASSWORD)`;
            for (const bad of ["", " leading space", "two\nlines", "x".repeat(1025)]) {
                refuses({ migrateCommand: bad }, `config 'migrateCommand' = ${JSON.stringify(bad)} is invalid: expected ${expected}`);
            }
            refuses({ migrateCommand: "true", migrateService: "worker" }, `config 'migrateService' = "worker" is invalid: expected one of the services: backend, frontend`);
            refuses({ migrateService: "backend" }, `config 'migrateService' = "backend" is invalid: expected unset unless migrateCommand is set`);
            assert.deepEqual(parse({ stage: "autoscaling", migrateCommand: "bin/migrate" }).deploy.migrate, { command: "bin/migrate", service: "backend", timeoutMinutes: 10 }, "stage 4 too");
        });

        it("keeps secrets as Pulumi secrets", async () => {
            const c = parse({ dbPassword: "s3cret-value", registryUsername: "bot", registryPassword: "ghp_token" }, ["dbPassword", "registryPassword"]);
            assert.equal(await (c.database.password as unknown as { isSecret: Promise<boolean> }).isSecret, true);
            assert.ok(pulumi.Output.isInstance(c.app.registry.password));
        });
    });

    describe("refuses bad values with one line naming key, value and what is expected", () => {
        const cases: [string, Record<string, string>, string][] = [
            ["unknown stage", { stage: "bigger" }, `config 'stage' = "bigger" is invalid: expected one of single-host, private-db, alb, autoscaling`],
            ["malformed CIDR", { adminCidrs: '["203.0.113.300/32"]' }, `config 'adminCidrs[0]' = "203.0.113.300/32" is invalid: expected a CIDR such as 203.0.113.7/32 or 2001:db8::/64`],
            ["SSH from the world", { adminCidrs: '["0.0.0.0/0"]' }, `config 'adminCidrs[0]' = "0.0.0.0/0" is invalid: expected a range no wider than /24 (IPv4) or /64 (IPv6); SSH is never opened to the internet, use SSM Session Manager instead`],
            ["SSH from all of IPv6", { adminCidrs: '["203.0.113.7/32", "::/0"]' }, `config 'adminCidrs[1]' = "::/0" is invalid: expected a range no wider than /24 (IPv4) or /64 (IPv6); SSH is never opened to the internet, use SSM Session Manager instead`],
            ["adminCidrs not a list", { adminCidrs: "203.0.113.7/32" }, `config 'adminCidrs' = "203.0.113.7/32" is invalid: expected a list of office CIDRs such as ["203.0.113.7/32"]`],
            ["min > max", { stage: "autoscaling", minSize: "5", maxSize: "3" }, `config 'minSize' = "5" is invalid: expected at most maxSize (3)`],
            ["desired outside", { stage: "autoscaling", desiredCapacity: "9" }, `config 'desiredCapacity' = "9" is invalid: expected from minSize (2) to maxSize (4)`],
            ["missing registry secret", { registryUsername: "bot" }, `config 'registryPassword' is missing: expected a secret token for ghcr.io because registryUsername is set (pulumi config set --secret registryPassword <token>)`],
            ["missing app version", { appVersion: undefined as unknown as string }, `config 'appVersion' is missing: expected an image tag such as v1.4.2 (pulumi config set appVersion v1.4.2)`],
            ["not a number", { rootVolumeGiB: "big" }, `config 'rootVolumeGiB' = "big" is invalid: expected a whole number from 8 to 1024`],
            ["not a boolean", { loadBalancer: "yes" }, `config 'loadBalancer' = "yes" is invalid: expected true or false`],
            ["autoscaling without a load balancer", { stage: "autoscaling", loadBalancer: "false" }, `config 'autoScaling' = "true" is invalid: expected false unless loadBalancer is true: the group registers with the load balancer`],
            ["a database on replaceable hosts", { stage: "autoscaling", database: "host" }, `config 'database' = "host" is invalid: expected rds or none with autoScaling: instances are replaced, a database on them would be lost`],
            ["a load balancer in one AZ", { stage: "alb", azCount: "1" }, `config 'azCount' = "1" is invalid: expected 2 or 3: a load balancer needs two availability zones`],
            ["two hosts without a load balancer", { hostCount: "2", database: "none" }, `config 'hostCount' = "2" is invalid: expected 1 without a load balancer: one Elastic IP serves one host`],
            ["the web port set to SSH's", { httpPort: "22" }, `config 'httpPort' = "22" is invalid: expected a web port such as 80 or 8080: it is opened to the internet, so not SSH (22) or a database port (${DATABASE_PORTS.join(", ")})`],
            ["the web port set to PostgreSQL's", { httpPort: "5432" }, `config 'httpPort' = "5432" is invalid: expected a web port such as 80 or 8080: it is opened to the internet, so not SSH (22) or a database port (${DATABASE_PORTS.join(", ")})`],
            ["VPC too small", { vpcCidr: "10.0.0.0/24" }, `config 'vpcCidr' = "10.0.0.0/24" is invalid: expected an IPv4 CIDR from /16 to /22, e.g. 10.0.0.0/16`],
            ["image with a tag", { services: '[{"name":"api","image":"ghcr.io/acme/api:v1","port":8080,"routes":["/"]}]' }, `config 'services[0].image' = "ghcr.io/acme/api:v1" is invalid: expected an image repository without tag, e.g. ghcr.io/acme/wiki-backend`],
            ["duplicate port", { services: '[{"name":"a","image":"ghcr.io/x/a","port":8080,"routes":["/"]},{"name":"b","image":"ghcr.io/x/b","port":8080,"routes":["/b"]}]' }, `config 'services[1].port' = "8080" is invalid: expected a port no other service uses`],
            ["duplicate route", { services: '[{"name":"a","image":"ghcr.io/x/a","port":8080,"routes":["/"]},{"name":"b","image":"ghcr.io/x/b","port":8081,"routes":["/"]}]' }, `config 'services[1]' = "/" is invalid: expected each route and rate-limited path to appear once across all services`],
            ["a WebSocket path outside the service's routes", { services: '[{"name":"api","image":"ghcr.io/x/a","port":8080,"routes":["/api"],"websocketPaths":["/chat"]},{"name":"web","image":"ghcr.io/x/b","port":8081,"routes":["/"]}]' }, `config 'services[0].websocketPaths' = "/chat" is invalid: expected a path under one of api's routes (/api) that no other service routes`],
            ["a WebSocket path another service routes", { services: '[{"name":"api","image":"ghcr.io/x/a","port":8080,"routes":["/"],"websocketPaths":["/app"]},{"name":"web","image":"ghcr.io/x/b","port":8081,"routes":["/app"]}]' }, `config 'services[0].websocketPaths' = "/app" is invalid: expected a path under one of api's routes (/) that no other service routes`],
            ["WebSocket paths not a list of paths", { services: '[{"name":"api","image":"ghcr.io/x/a","port":8080,"routes":["/"],"websocketPaths":"/chat"}]' }, `config 'services[0].websocketPaths' = "/chat" is invalid: expected a list of distinct path prefixes such as ["/api/chat"]`],
            ["HTTPS on the host without Let's Encrypt's contact", { domain: "app.example.com", deployChannel: "ssm" }, `config 'acmeEmail' is missing: expected an e-mail address for Let's Encrypt (pulumi config set acmeEmail ops@example.com): nginx serves app.example.com with its certificate`],
            ["HTTPS on the host off port 80", { domain: "app.example.com", acmeEmail: "ops@example.com", deployChannel: "ssm", httpPort: "8080" }, `config 'httpPort' = "8080" is invalid: expected 80 with domain: Let's Encrypt's HTTP-01 challenge comes to port 80`],
            ["a malformed e-mail", { acmeEmail: "ops at example" }, `config 'acmeEmail' = "ops at example" is invalid: expected an e-mail address for Let's Encrypt's account and expiry notices, such as ops@example.com`],
            ["bad domain", { stage: "alb", domain: "https://app.example.com" }, `config 'domain' = "https://app.example.com" is invalid: expected a DNS name such as app.example.com`],
            ["bad hosted zone", { stage: "alb", domain: "app.example.com", hostedZoneId: "example.com" }, `config 'hostedZoneId' = "example.com" is invalid: expected a Route 53 hosted zone ID such as Z0123456789ABCDEFGHIJ`],
            ["zone without domain", { stage: "alb", hostedZoneId: "Z0123456789EXAMPLE0" }, `config 'hostedZoneId' = "Z0123456789EXAMPLE0" is invalid: expected domain set too (pulumi config set domain app.example.com): the zone holds that name's records`],
            ["bad certificate", { stage: "alb", certificateArn: "arn:aws:iam::1:cert" }, `config 'certificateArn' = "arn:aws:iam::1:cert" is invalid: expected an ACM certificate ARN such as arn:aws:acm:ap-northeast-2:123456789012:certificate/…`],
        ];
        for (const [what, values, message] of cases) {
            it(what, () => refuses(values, message));
        }

        it("an unknown key, naming the nearest valid one", () => {
            refuses({ instanceTyp: "t3.small" }, `config 'instanceTyp' = "t3.small" is invalid: expected a key this program reads: did you mean 'instanceType'?`);
            refuses({ alarmcpupercent: "70" }, `config 'alarmcpupercent' = "70" is invalid: expected a key this program reads: did you mean 'alarmCpuPercent'?`);
            refuses({ frobnicate: "1" }, `config 'frobnicate' = "1" is invalid: expected a key this program reads (see the README's Configuration table)`);
        });

        it("an unknown secret key, without echoing its value", () => {
            refuses({ dbPasword: "hunter2" }, `config 'dbPasword' = "(secret, not shown)" is invalid: expected a key this program reads: did you mean 'dbPassword'?`, ["dbPasword"]);
        });

        it("every key the README's Configuration table lists is one the program reads", () => {
            const readme = fs.readFileSync(path.join(__dirname, "../../README.md"), "utf8");
            const table = readme.split("## Configuration")[1].split("\n## ")[0];
            const keys = [...table.matchAll(/^\| ([^|]+) \|/gm)].flatMap((m) => [...m[1].matchAll(/`([A-Za-z]+)`/g)].map((k) => k[1])).filter((k) => k !== "key");
            assert.ok(keys.length > 40, `${keys.length} keys`);
            for (const key of keys) {
                // Each key set alone with a value of the wrong kind is refused for its value, never as unknown.
                assert.throws(() => parse({ [key]: "\u0000" }), (err: Error) => !err.message.includes("a key this program reads"), key);
            }
        });

        it("instance types and database classes the provider does not know (aws.ec2.InstanceType, aws.rds.InstanceType)", () => {
            refuses({ instanceType: "t3.mikro" }, `config 'instanceType' = "t3.mikro" is invalid: expected an EC2 instance type the AWS provider knows (aws.ec2.InstanceType), such as t3.micro; did you mean t3.micro?`);
            refuses({ dbInstanceClass: "db.t4g.small2" }, `config 'dbInstanceClass' = "db.t4g.small2" is invalid: expected an RDS instance class the AWS provider knows (aws.rds.InstanceType), such as db.t4g.micro; did you mean db.t4g.small?`);
            refuses({ dbInstanceClass: "t4g.micro" }, `config 'dbInstanceClass' = "t4g.micro" is invalid: expected an RDS instance class the AWS provider knows (aws.rds.InstanceType), such as db.t4g.micro; did you mean db.t4g.micro?`);
            assert.equal(parse({ instanceType: "m5.24xlarge", dbInstanceClass: "db.r6g.2xlarge" }).hosts.instanceType, "m5.24xlarge");
        });

        it("a Xen-based instance type while the database is on the host (its data volume has no NVMe name there)", () => {
            const expected = "expected a Nitro-based type while the database is on the host, such as t3.micro (its data volume is found by its NVMe name; t2, m4 and the other Xen-based types have none)";
            for (const type of ["t2.micro", "m4.large", "i3.large", "p3.2xlarge"]) refuses({ instanceType: type }, `config 'instanceType' = "${type}" is invalid: ${expected}`);
            refuses({ stage: "private-db", dataMove: "copy", deploy: "true", instanceType: "t2.small" }, `config 'instanceType' = "t2.small" is invalid: ${expected}`);
            // Nitro types, and Xen types where no volume is needed (the database in RDS).
            for (const type of ["t3.micro", "t4g.small", "m5.large", "i3.metal", "p3dn.24xlarge"]) assert.equal(parse({ instanceType: type }).hosts.instanceType, type);
            assert.equal(parse({ stage: "private-db", instanceType: "t2.micro" }).hosts.instanceType, "t2.micro");
        });

        it("a service name whose target group name would not fit AWS's 32 characters", () => {
            refuses({ stage: "alb", services: '[{"name":"frontend-renderer","image":"ghcr.io/x/a","port":8080,"routes":["/"]}]' },
                `config 'services[0].name' = "frontend-renderer" is invalid: expected a shorter service (or stack) name: its target group's name webapp-dev-frontend-renderer must be at most 24 characters (AWS allows 32, and Pulumi's auto-naming adds 8)`);
            // Without a load balancer there is no target group to name.
            assert.equal(parse({ services: '[{"name":"frontend-renderer","image":"ghcr.io/x/a","port":8080,"routes":["/"]}]' }).app.services[0].name, "frontend-renderer");
        });

        it("any stack and service name it accepts gives load balancer names that fit once auto-named", () => {
            // AWS CreateLoadBalancer / CreateTargetGroup: names of at most 32 characters; Pulumi appends "-" and 7
            // random characters (pulumi-aws provider/resources.go, AutoNameOptions{Separator: "-", Maxlen: 32, Randlen: 7}).
            let accepted = 0;
            for (let stackLength = 1; stackLength <= 16; stackLength++) {
                const stack = "s".repeat(stackLength);
                for (let serviceLength = 1; serviceLength <= 20; serviceLength++) {
                    const service = "a".repeat(serviceLength);
                    const values = { stage: "alb", services: JSON.stringify([{ name: service, image: "ghcr.io/x/a", port: 8080, routes: ["/"] }]) };
                    let c: StackConfig;
                    try {
                        c = parse(values, [], stack);
                    } catch (err) {
                        assert.ok(err instanceof ConfigError && /^(stack|services\[0\]\.name)$/.test(err.key), String(err));
                        continue;
                    }
                    accepted++;
                    for (const name of [albName(c.prefix), targetGroupName(c.prefix, service)]) assert.ok(name.length + AUTONAME_SUFFIX <= ELB_NAME_MAX, name);
                }
            }
            assert.ok(accepted > 100, `${accepted} accepted`);
            // The stack names the README suggests, with the default services.
            for (const stack of ["dev", "staging", "prod"]) assert.equal(parse({ stage: "alb" }, [], stack).prefix, `webapp-${stack}`);
        });

        it("a password in plain text, without echoing it", () => {
            refuses({ dbPassword: "hunter2" }, `config 'dbPassword' = "(plain text, not shown)" is invalid: expected a secret, set with: pulumi config set --secret dbPassword <value>`);
        });

        it("a missing region", () => {
            assert.throws(() => parseStackConfig(source({ appVersion: "v1" }), { project: "webapp", stack: "dev", region: undefined }),
                { message: "config 'aws:region' is missing: expected an AWS region such as ap-northeast-2 (pulumi config set aws:region ap-northeast-2)" });
        });
    });
});
