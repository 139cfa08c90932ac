// The composition root: config in, components wired in stage order, stack outputs out.
// The whole stage graph is on this one screen; each component lives in infra/.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { amazonLinux2023 } from "../infra/ami";
import { AppHost } from "../infra/appHost";
import { AutoScaling, groupNameTag } from "../infra/autoScaling";
import { envRevision } from "../infra/envRevision";
import { Backup } from "../infra/backup";
import { Database } from "../infra/database";
import { Firewall } from "../infra/firewall";
import { HostBackupArgs } from "../infra/hostBackup";
import { HostRole } from "../infra/hostRole";
import { DbTarget, envFile } from "../infra/deploy/commands";
import { Deployment } from "../infra/deploy/deployment";
import { migrationsPath, RefreshRelease } from "../infra/deploy/refreshRelease";
import { DomainCertificate } from "../infra/domainCertificate";
import { LoadBalancer } from "../infra/loadBalancer";
import { MetricsAgent } from "../infra/monitoring/agent";
import { DISK_FSTYPE } from "../infra/monitoring/agentConfig";
import { Monitoring } from "../infra/monitoring/monitoring";
import { Network } from "../infra/network";
import { named } from "../infra/tags";
import { loadBalancerName } from "../lib/names";
import { nginxSiteConfig } from "../infra/nginx";
import { DATA_DIR, MonitoringUserData, releaseUserData, UPSTREAM_DIR } from "../infra/userData";
import { StackConfig } from "./schema";

export interface StackOutputs {
    stage: string;
    url: pulumi.Output<string>;
    hostAddresses: pulumi.Output<string>[];
    connectCommands: pulumi.Output<string>[];
    autoScalingGroup?: pulumi.Output<string>;
    dbEndpoint: pulumi.Output<string>;
    backupBucket?: pulumi.Output<string>;
    releases?: pulumi.Output<string>[];
    /** Stage 4: the SSM parameter holding the release history. */
    releaseHistory?: pulumi.Output<string>;
    dashboardUrl?: pulumi.Output<string>;
    alarmTopic?: pulumi.Output<string>;
    /** Stages 3-4 with a domain and no zone: the CNAME to add so ACM issues the certificate. */
    certificateValidation?: pulumi.Output<string>;
}

const ECR_HOST = /^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com$/;

export function composeStack(cfg: StackConfig): StackOutputs {
    const p = cfg.prefix;
    const asgName = `${p}-asg`;
    // HTTPS where nginx faces the internet (no load balancer): its certificate from Let's Encrypt (schema checks the rest).
    const hostTls = !cfg.loadBalancer.enabled && cfg.deploy.enabled && cfg.loadBalancer.domain && cfg.loadBalancer.acmeEmail
        ? { domain: cfg.loadBalancer.domain, email: cfg.loadBalancer.acmeEmail }
        : undefined;
    const tags = cfg.tags;
    const region = cfg.region;

    const zones = aws.getAvailabilityZonesOutput({ state: "available" }).names;
    const network = new Network(`${p}-net`, {
        cidrBlock: cfg.network.vpcCidr,
        availabilityZones: zones,
        publicSubnetCount: cfg.network.azCount,
        privateSubnets: cfg.network.privateSubnets,
        tags,
    });

    const firewall = new Firewall(`${p}-fw`, {
        vpcId: network.vpcId,
        servicePorts: cfg.app.services.map((s) => s.port),
        loadBalancer: cfg.loadBalancer.enabled,
        rdsDatabase: cfg.database.mode === "rds",
        adminCidrs: cfg.hosts.adminCidrs,
        httpPort: cfg.deploy.httpPort,
        tags,
    });

    const backup = cfg.backup.enabled
        ? new Backup(`${p}-backup`, { glacierAfterDays: cfg.backup.glacierAfterDays, expireAfterDays: cfg.backup.expireAfterDays, forceDestroy: !cfg.production, tags })
        : undefined;

    const database = cfg.database.mode === "rds"
        ? new Database(`${p}-db`, {
            subnetIds: network.privateSubnetIds,
            securityGroupId: firewall.databaseSecurityGroupId!,
            instanceClass: cfg.database.instanceClass,
            allocatedStorageGiB: cfg.database.allocatedStorageGiB,
            engineVersion: cfg.database.engineVersion,
            dbName: cfg.database.name,
            username: cfg.database.username,
            password: cfg.database.password,
            backupRetentionDays: cfg.database.backupRetentionDays,
            multiAz: cfg.database.multiAz,
            deletionProtection: cfg.database.deletionProtection,
            finalSnapshot: cfg.production,
            tags,
        })
        : undefined;

    // Where the database runs decides the data volume, the deploy's backups and the app's DB_HOST.
    // While stage 1's data moves to RDS (dataMove copy) the app stays on the host's database; the
    // volume stays attached until dataMove is unset (README "Moving from stage 1 to stage 2").
    const onHostDb = cfg.database.mode === "host";
    const dataMove = cfg.database.dataMove;
    const hostDbTarget: DbTarget = cfg.deploy.hostDbRuntime === "container" ? "host-container" : "host-system";
    const dbTarget: DbTarget = cfg.database.mode === "host" || dataMove === "copy" ? hostDbTarget : cfg.database.mode;
    const appEnv = appEnvironment(cfg, dbTarget, database);

    // A registry token reaches Auto Scaling instances through SSM, never through user data.
    const registryParameter = cfg.autoScaling.enabled && cfg.app.registry.password
        ? new aws.ssm.Parameter(`${p}-registry-token`, { type: "SecureString", value: cfg.app.registry.password, tags: named(tags, `${p}-registry-token`) })
        : undefined;
    // Stage 4 boots from a launch template: the app's env file waits in SSM, read with the instance role.
    const appEnvParameter = cfg.autoScaling.enabled
        ? new aws.ssm.Parameter(`${p}-app-env`, { type: "SecureString", value: appEnv.apply(envFile), tags: named(tags, `${p}-app-env`) })
        : undefined;
    const appEnvRevision = appEnvParameter ? envRevision(`${p}-app-env-revision`, appEnvParameter.value) : undefined;

    const ecrRepos = cfg.app.services
        .filter((s) => ECR_HOST.test(s.image.split("/")[0]))
        .map((s) => {
            const [host, ...repo] = s.image.split("/");
            const [account, , , ecrRegion] = host.split(".");
            return `arn:aws:ecr:${ecrRegion}:${account}:repository/${repo.join("/")}`;
        });
    const role = new HostRole(`${p}-host`, {
        backupBucketArn: backup?.bucketArn,
        ecrRepositoryArns: ecrRepos,
        databaseArn: database?.arn,
        secretArns: database?.secretArn ? [database.secretArn] : [],
        parameterArns: [registryParameter, appEnvParameter].flatMap((x) => x ? [x.arn] : []),
        refreshGroupName: database?.secretArn && cfg.autoScaling.enabled ? groupNameTag(asgName) : undefined,
        // Stage 4's instances claim and record each version's migration (boot-migrate.sh); the account is the role's own.
        migrationsArn: cfg.autoScaling.enabled && cfg.deploy.migrate ? `arn:aws:ssm:${region}:*:parameter${migrationsPath(p)}*` : undefined,
        tags,
    });

    // The agent's config and log groups exist before any host boots and fetches them.
    const namespace = `WebApp/${p}`;
    const agent = cfg.monitoring.enabled
        ? new MetricsAgent(`${p}-agent`, {
            stack: p,
            namespace,
            logRetentionDays: cfg.monitoring.logRetentionDays,
            extraDiskPaths: onHostDb ? [DATA_DIR] : [],
            autoScaling: cfg.autoScaling.enabled,
            accessLogMetrics: !cfg.loadBalancer.enabled,
            tags,
        })
        : undefined;
    const hostMonitoring: MonitoringUserData | undefined = agent
        ? {
            agentConfigParameter: `AmazonCloudWatch-${p}`,
            namespace,
            // Behind a load balancer the target groups' health checks watch the services instead.
            probeUrls: cfg.loadBalancer.enabled ? [] : cfg.app.services.map((s) => `http://127.0.0.1:${cfg.deploy.httpPort}${s.healthPath}`),
        }
        : undefined;

    // The on-host database (which the deploy starts) is dumped on a schedule by the host itself, from a
    // timer the deploy installs; RDS backs itself up.
    const onHostBackup = cfg.deploy.enabled && (dbTarget === "host-container" || dbTarget === "host-system")
        ? pulumi.output(backup?.bucketName).apply((bucket): HostBackupArgs => ({
            schedule: cfg.backup.schedule,
            db: dbTarget,
            dbPort: cfg.deploy.dbPort,
            cli: cfg.deploy.container.cli,
            bucket,
            region,
        }))
        : undefined;

    const amiId = amazonLinux2023(cfg.hosts.instanceType);
    const hosts = cfg.hosts.count > 0
        ? new AppHost(`${p}-app`, {
            count: cfg.hosts.count,
            amiId,
            instanceType: cfg.hosts.instanceType,
            subnetIds: network.publicSubnetIds,
            availabilityZones: network.availabilityZones,
            securityGroupId: firewall.appSecurityGroupId,
            instanceProfileName: role.instanceProfileName,
            rootVolumeGiB: cfg.hosts.rootVolumeGiB,
            dataVolumeGiB: onHostDb || dataMove ? cfg.database.dataVolumeGiB : 0,
            retainDataVolume: cfg.database.retainDataVolume,
            // Once the data is in RDS the move stopped the host database: letting the volume go keeps the host up.
            stopHostToDetach: dataMove !== "done",
            elasticIp: !cfg.loadBalancer.enabled,
            keyName: cfg.hosts.keyName,
            region,
            monitoring: hostMonitoring,
            tags,
        }, { dependsOn: agent ? [agent] : [] })
        : undefined;

    // A configured certificateArn wins; otherwise a domain gets its own ACM certificate.
    const lbCfg = cfg.loadBalancer;
    const certificate = lbCfg.enabled && lbCfg.domain && !lbCfg.certificateArn
        ? new DomainCertificate(`${p}-cert`, { domain: lbCfg.domain, hostedZoneId: lbCfg.hostedZoneId, tags })
        : undefined;
    const lb = cfg.loadBalancer.enabled
        ? new LoadBalancer(loadBalancerName(p), {
            prefix: p,
            vpcId: network.vpcId,
            subnetIds: network.publicSubnetIds,
            securityGroupId: firewall.loadBalancerSecurityGroupId!,
            services: cfg.app.services,
            certificateArn: lbCfg.certificateArn ?? certificate?.certificateArn,
            domain: lbCfg.domain ? { name: lbCfg.domain, hostedZoneId: lbCfg.hostedZoneId } : undefined,
            instanceIds: hosts?.instanceIds ?? [],
            deletionProtection: cfg.production,
            tags,
        })
        : undefined;

    // Stage 4: a release is the launch template's new version; `pulumi up` waits for its instance refresh.
    // With migrateCommand, a new instance migrates (or waits for the one migrating) this long at most.
    const migrateSeconds = cfg.deploy.migrate ? cfg.deploy.migrate.timeoutMinutes * 60 : 0;
    const refreshRelease = cfg.autoScaling.enabled
        ? new RefreshRelease(`${p}-release`, {
            region,
            stack: p,
            version: cfg.app.version,
            rdsInstance: database?.identifier,
            keepReleases: cfg.deploy.keepReleases,
            timeoutSeconds: cfg.deploy.timeoutMinutes * 60,
            slackWebhookUrl: cfg.monitoring.slackWebhookUrl,
            rolledBack: cfg.deploy.rolledBack,
            migrate: cfg.deploy.migrate !== undefined,
            tags,
        })
        : undefined;

    const asg = cfg.autoScaling.enabled && lb
        ? new AutoScaling(asgName, {
            amiId,
            instanceType: cfg.hosts.instanceType,
            subnetIds: network.publicSubnetIds,
            securityGroupId: firewall.appSecurityGroupId,
            instanceProfileArn: role.instanceProfileArn,
            rootVolumeGiB: cfg.hosts.rootVolumeGiB,
            userData: pulumi
                .all([registryParameter?.name, appEnvParameter!.name, appEnvRevision!.hex])
                .apply(([parameter, envName, envRevision]) => releaseUserData({
                    region,
                    monitoring: hostMonitoring,
                    version: cfg.app.version,
                    services: cfg.app.services,
                    rateLimitPerMinute: cfg.app.rateLimitPerMinute,
                    vpcCidr: cfg.network.vpcCidr,
                    registry: { server: cfg.app.registry.server, username: cfg.app.registry.username, passwordParameter: parameter },
                    appEnv: { parameter: envName, revision: envRevision },
                    migrate: cfg.deploy.migrate && {
                        command: cfg.deploy.migrate.command,
                        image: cfg.app.services.find((s) => s.name === cfg.deploy.migrate!.service)!.image,
                        parameter: refreshRelease!.migrationParameter!,
                        timeoutSeconds: migrateSeconds,
                    },
                })),
            targetGroupArns: lb.targetGroupArns,
            minSize: cfg.autoScaling.minSize,
            maxSize: cfg.autoScaling.maxSize,
            desiredCapacity: cfg.autoScaling.desiredCapacity,
            cpuTargetPercent: cfg.autoScaling.cpuTargetPercent,
            minHealthyPercent: cfg.autoScaling.minHealthyPercent,
            // A new instance migrates (or waits for the one migrating) before its app answers the load balancer.
            bootExtraSeconds: migrateSeconds,
            keyName: cfg.hosts.keyName,
            releaseStart: refreshRelease?.started,
            tags,
        }, { dependsOn: agent ? [agent] : [] })
        : undefined;
    const refreshRecord = asg && refreshRelease ? refreshRelease.watch({ name: asg.groupName, templateVersion: asg.templateVersion }, [asg.group]) : undefined;

    const monitoring = agent
        ? new Monitoring(`${p}-monitoring`, {
            region,
            namespace,
            instanceIds: hosts?.instanceIds ?? [],
            autoScalingGroup: asg?.groupName,
            dataDiskPath: onHostDb ? DATA_DIR : undefined,
            loadBalancer: lb ? { arnSuffix: lb.arnSuffix, targetGroupArnSuffixes: lb.targetGroupArnSuffixes } : undefined,
            dbInstance: database?.identifier,
            backupMaxAgeHours: onHostBackup ? cfg.backup.maxAgeHours : undefined,
            thresholds: cfg.monitoring.thresholds,
            releasesLogGroup: agent.logGroups.releases,
            logRetentionDays: cfg.monitoring.logRetentionDays,
            slack: { webhookUrl: cfg.monitoring.slackWebhookUrl, chatbot: cfg.monitoring.chatbot },
            alarmEmail: cfg.monitoring.alarmEmail,
            tags,
        })
        : undefined;

    const deployment = cfg.deploy.enabled && hosts
        ? new Deployment(`${p}-deploy`, {
            hosts: hosts.instanceIds.map((id, i) => ({
                name: `app-${i + 1}`,
                instanceId: id,
                address: cfg.deploy.addresses[i]?.host ?? hosts.publicIps[i],
                port: cfg.deploy.addresses[i]?.port ?? cfg.deploy.sshPort,
            })),
            channel: cfg.deploy.channel === "ssh"
                ? { kind: "ssh", user: cfg.deploy.sshUser, privateKey: cfg.deploy.sshPrivateKey! }
                : { kind: "ssm", bucket: backup!.bucketName, timeoutSeconds: cfg.deploy.timeoutMinutes * 60, tags },
            hostRoleName: role.roleName,
            site: nginxSiteConfig({ services: cfg.app.services, behindLoadBalancer: cfg.loadBalancer.enabled, rateLimitPerMinute: cfg.app.rateLimitPerMinute, upstreamDir: UPSTREAM_DIR, httpPort: cfg.deploy.httpPort, trustedProxies: cfg.loadBalancer.enabled ? [cfg.network.vpcCidr] : [], tls: hostTls ? { domain: hostTls.domain } : undefined }),
            services: cfg.app.services,
            version: cfg.app.version,
            container: cfg.deploy.container,
            registry: cfg.app.registry.server,
            env: pulumi.secret(pulumi.all([appEnv, cfg.app.registry.password, cfg.monitoring.slackWebhookUrl]).apply(([app, registryPassword, slackUrl]) => envFile({
                ...app,
                // DEPLOY_* stay with the release script; the app's containers never see them.
                DEPLOY_REGISTRY_USERNAME: cfg.app.registry.username,
                DEPLOY_REGISTRY_PASSWORD: registryPassword,
                DEPLOY_SLACK_WEBHOOK_URL: slackUrl,
            }))),
            db: {
                target: dbTarget,
                port: cfg.deploy.dbPort,
                image: cfg.deploy.dbImage,
                dataDir: DATA_DIR,
                // The release snapshots RDS only once the app is on it.
                rdsInstance: dbTarget === "rds" ? database?.identifier : undefined,
            },
            // Mounted while the app's database is on the host; after the move it stays unmounted (move-data.sh done).
            dataVolume: dbTarget !== "rds" && hosts.dataVolumeId ? { id: hosts.dataVolumeId, fstype: DISK_FSTYPE } : undefined,
            region,
            backupBucket: backup?.bucketName,
            backup: onHostBackup,
            tls: hostTls,
            restore: cfg.deploy.restore,
            health: cfg.deploy.health,
            drainSeconds: cfg.deploy.drainSeconds,
            keepReleases: cfg.deploy.keepReleases,
            lockWaitSeconds: cfg.deploy.lockWaitSeconds,
            targetGroupArns: lb?.targetGroupArns,
            stack: p,
            metricsNamespace: agent ? namespace : undefined,
            rolledBack: cfg.deploy.rolledBack,
            migrate: cfg.deploy.migrate,
            dataMove: dataMove && database
                ? {
                    phase: dataMove,
                    source: { runtime: cfg.deploy.hostDbRuntime, image: cfg.deploy.dbImage, port: cfg.deploy.dbPort, dataDir: DATA_DIR },
                    target: { host: database.address, port: database.port, secretArn: database.secretArn },
                }
                : undefined,
        }, { dependsOn: [hosts] })
        : undefined;

    const hostAddresses = hosts?.publicIps ?? [];
    // With the zone, the name points at the host's Elastic IP, so Let's Encrypt's challenge reaches it.
    if (hostTls && cfg.loadBalancer.hostedZoneId && hosts) {
        new aws.route53.Record(`${p}-dns`, { zoneId: cfg.loadBalancer.hostedZoneId, name: hostTls.domain, type: "A", ttl: 300, records: [hosts.publicIps[0]] });
    }
    const ssh = cfg.hosts.keyName && cfg.hosts.adminCidrs.length > 0;
    const connectCommands = hosts
        ? hosts.instanceIds.map((id, i) => ssh
            ? pulumi.interpolate`ssh ec2-user@${hosts.publicIps[i]}`
            : pulumi.interpolate`aws ssm start-session --region ${region} --target ${id}`)
        : [pulumi.interpolate`aws ec2 describe-instances --region ${region} --filters Name=tag:aws:autoscaling:groupName,Values=${asg!.groupName} --query 'Reservations[].Instances[].InstanceId' --output text  # then: aws ssm start-session --target <id>`];

    return {
        stage: cfg.stage,
        url: lb ? lb.url : hostTls ? pulumi.output(`https://${hostTls.domain}`) : pulumi.interpolate`http://${hostAddresses[0]}`,
        hostAddresses,
        connectCommands,
        ...(asg ? { autoScalingGroup: asg.groupName } : {}),
        dbEndpoint: database ? database.endpoint : pulumi.output(onHostDb ? "postgres container on the app host, port not exposed" : "none"),
        ...(backup ? { backupBucket: backup.bucketName } : {}),
        ...(deployment ? { releases: deployment.releases } : {}),
        ...(refreshRecord && refreshRelease ? { releases: [refreshRecord], releaseHistory: refreshRelease.historyParameter.name } : {}),
        ...(monitoring ? { dashboardUrl: monitoring.dashboardUrl, alarmTopic: monitoring.topicArn } : {}),
        ...(certificate && !lbCfg.hostedZoneId ? { certificateValidation: certificate.validationRecord } : {}),
    };
}

/** What the app receives at every stage (README "What the app receives"); a Pulumi secret as a whole. */
function appEnvironment(cfg: StackConfig, dbTarget: DbTarget, database: Database | undefined): pulumi.Output<Record<string, string | undefined>> {
    const db = cfg.database;
    const onHost = dbTarget === "host-container" || dbTarget === "host-system";
    // The on-host database gets a generated password unless one is configured; it stays while its data moves.
    const generated = (db.mode === "host" || db.dataMove !== undefined) && db.password === undefined
        ? new random.RandomPassword(`${cfg.prefix}-db-password`, { length: 32, special: false }).result
        : undefined;
    const password = onHost ? generated ?? db.password : db.password;
    return pulumi.secret(pulumi
        .all([password, database?.address, database?.port, onHost ? undefined : database?.secretArn, cfg.deploy.appSecrets])
        .apply(([dbPassword, rdsHost, rdsPort, secretArn, appSecrets]): Record<string, string | undefined> => ({
            ...cfg.deploy.appEnvironment,
            ...appSecrets,
            DB_HOST: { rds: rdsHost, "host-container": "webapp-db", "host-system": "host.containers.internal", none: undefined }[dbTarget],
            DB_PORT: { rds: String(rdsPort), "host-container": "5432", "host-system": String(cfg.deploy.dbPort), none: undefined }[dbTarget],
            DB_NAME: db.mode === "none" ? undefined : db.name,
            DB_USERNAME: db.mode === "none" ? undefined : db.username,
            DB_PASSWORD: dbPassword,
            // RDS-managed password: it rotates, so the app reads it from Secrets Manager at connection time (README).
            DB_SECRET_ARN: secretArn || undefined,
        })));
}
