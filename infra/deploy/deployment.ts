import * as aws from "@pulumi/aws";
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { ebsDevicePath } from "../../lib/ebs";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { DataMove, MigrateConfig, ServiceConfig } from "../../stacks/schema";
import { named, Tags } from "../tags";
import { envRevision } from "../envRevision";
import { backupUnits, HostBackupArgs } from "../hostBackup";
import {
    ContainerSettings, DbTarget, inServiceCommand, MOVE_SCRIPT, moveDataCommand, prepareCommand, releaseCommand, SCRIPTS, scriptsPrefix,
    ssmFetchScriptsCommand, ssmPrepareHostCommand, ssmReleaseHostCommand, ssmRunCommand, uploadDir,
} from "./commands";
import { annotateRecord } from "./releaseRecord";

export const SCRIPTS_DIR = path.join(__dirname, "scripts");

export interface DeploymentHost {
    /** Short name used in resource names, e.g. "app-1". */
    name: string;
    instanceId: pulumi.Input<string>;
    /** SSH: where this host is reached (its public IP, a DNS name, or a tunnel's local end). */
    address: pulumi.Input<string>;
    port: number;
}

/** How the commands reach the hosts: SSH with a deploy key, or SSM Run Command through the backup bucket. */
export type DeployChannelArgs =
    | { kind: "ssh"; user: string; privateKey: pulumi.Input<string> }
    | { kind: "ssm"; bucket: pulumi.Input<string>; timeoutSeconds: number; tags: Tags };

export interface DeploymentArgs {
    hosts: DeploymentHost[];
    channel: DeployChannelArgs;
    /** The instance role: stage 3 lets it (de)register its targets, SSM lets it read the env parameter. */
    hostRoleName: pulumi.Input<string>;
    /** nginx site config for the hosts. */
    site: string;
    services: ServiceConfig[];
    version: string;
    container: ContainerSettings;
    registry: string;
    /** The app's env file, a Pulumi secret: it reaches the hosts on stdin (SSH) or in a SecureString parameter (SSM) only. */
    env: pulumi.Input<string>;
    db: { target: DbTarget; port: number; image: string; dataDir: string; rdsInstance?: pulumi.Input<string> };
    /** The on-host database's own EBS volume (stage 1, and stage 2 until the data has moved): the prepare step mounts it at db.dataDir. */
    dataVolume?: { id: pulumi.Input<string>; fstype: string };
    region: string;
    backupBucket?: pulumi.Input<string>;
    /** The on-host database's scheduled backup, installed by the prepare step (none: RDS, or no database). */
    backup?: pulumi.Input<HostBackupArgs>;
    /** HTTPS by nginx on the host (stages 1-2): the name and Let's Encrypt's contact (tls-cert.sh). */
    tls?: { domain: string; email: string };
    restore?: { backup: string; confirm: string };
    health: { interval: number; timeout: number; retries: number };
    drainSeconds: number;
    keepReleases: number;
    lockWaitSeconds: number;
    stack: string;
    metricsNamespace?: string;
    /** Stage 3: the service target groups (in service order). */
    targetGroupArns?: pulumi.Input<string>[];
    /** Versions a rollback left (the `rolledBack` config): carried in each release record. */
    rolledBack: string[];
    /** The schema migration, run by the first host's release (before any host switches). */
    migrate?: MigrateConfig;
    /** Moving stage 1's database into RDS (config dataMove): a step after the release, on the one host. */
    dataMove?: DataMoveArgs;
}

export interface DataMoveArgs {
    phase: DataMove;
    /** Stage 1's database on the host (the runtime it had there). */
    source: { runtime: "container" | "system"; image: string; port: number; dataDir: string };
    /** RDS's address: as an input of the step, it also makes the step wait for the instance. */
    target: { host: pulumi.Input<string>; port: pulumi.Input<number>; secretArn?: pulumi.Input<string | undefined> };
}

/** Hash of the scripts, so a changed script is uploaded and the hosts prepared again. */
export function scriptsHash(): string {
    const h = createHash("sha256");
    for (const f of SCRIPTS) h.update(f).update(fs.readFileSync(path.join(SCRIPTS_DIR, f)));
    return h.digest("hex").slice(0, 16);
}

interface HostStep {
    /** The command on the host; plain text, never a secret. */
    command: pulumi.Input<string>;
    /** A secret for the command's stdin (SSH only; over SSM the host reads its parameter). */
    stdin?: pulumi.Input<string>;
    triggers: pulumi.Input<unknown>[];
    dependsOn: pulumi.Resource[];
}

/**
 * Releases by commands on each host: scripts delivered, host prepared, release, and at stage 3 the
 * host healthy in the load balancer before the next one starts. The same host commands run over
 * either channel; every step re-runs when its host is replaced (the instance id is a trigger).
 */
export class Deployment extends pulumi.ComponentResource {
    /** Each host's last release record (JSON). */
    public readonly releases: pulumi.Output<string>[];

    constructor(name: string, args: DeploymentArgs, opts?: pulumi.ComponentResourceOptions) {
        super("webapp:infra:Deployment", name, {}, opts);
        const hash = scriptsHash();
        const ssh = args.channel.kind === "ssh" ? args.channel : undefined;
        const ssm = args.channel.kind === "ssm" ? args.channel : undefined;
        const user = ssh ? ssh.user : "root";
        const prepare = pulumi.all([args.backup, args.dataVolume?.id]).apply(([backup, volumeId]) => prepareCommand({
            user,
            site: args.site,
            services: args.services,
            container: args.container,
            db: { runtime: args.db.target === "host-container" ? "container" : args.db.target === "host-system" ? "system" : "none", image: args.db.image, port: args.db.port, dataDir: args.db.dataDir },
            region: args.region,
            backup: backup ? backupUnits(backup) : undefined,
            tls: args.tls,
            dataVolume: volumeId && args.dataVolume ? { device: ebsDevicePath(volumeId), fstype: args.dataVolume.fstype } : undefined,
        }));

        const grants: pulumi.Resource[] = [];
        if (args.targetGroupArns) {
            // release.sh takes its host out of the target groups while it switches.
            grants.push(new aws.iam.RolePolicy(`${name}-lb`, {
                role: args.hostRoleName,
                policy: pulumi.all(args.targetGroupArns).apply((arns) => JSON.stringify({
                    Version: "2012-10-17",
                    Statement: [
                        { Effect: "Allow", Action: ["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"], Resource: arns },
                        // Describe calls cannot be scoped to a resource.
                        { Effect: "Allow", Action: ["elasticloadbalancing:DescribeTargetHealth"], Resource: "*" },
                    ],
                })),
            }, { parent: this }));
        }

        // SSM: the scripts wait in the bucket, the env file in a SecureString parameter that only the host role reads.
        let envParameter: aws.ssm.Parameter | undefined;
        const scriptObjects: pulumi.Resource[] = [];
        if (ssm) {
            for (const file of SCRIPTS) {
                scriptObjects.push(new aws.s3.BucketObjectv2(`${name}-script-${file.replace(/\.sh$/, "")}`, {
                    bucket: ssm.bucket,
                    key: `${scriptsPrefix(hash)}${file}`,
                    source: new pulumi.asset.FileAsset(path.join(SCRIPTS_DIR, file)),
                    tags: named(ssm.tags, `${name}-script-${file}`),
                }, { parent: this }));
            }
            if (args.dataMove) {
                scriptObjects.push(new aws.s3.BucketObjectv2(`${name}-script-move-data`, {
                    bucket: ssm.bucket,
                    key: `${scriptsPrefix(hash)}${MOVE_SCRIPT}`,
                    source: new pulumi.asset.FileAsset(path.join(SCRIPTS_DIR, MOVE_SCRIPT)),
                    tags: named(ssm.tags, `${name}-script-move-data`),
                }, { parent: this }));
            }
            envParameter = new aws.ssm.Parameter(`${name}-env`, {
                type: "SecureString",
                value: args.env,
                description: "The app's env file; read by the app hosts' role at deploy time",
                tags: named(ssm.tags, `${name}-env`),
            }, { parent: this });
            grants.push(new aws.iam.RolePolicy(`${name}-ssm`, {
                role: args.hostRoleName,
                policy: envParameter.arn.apply((arn) => JSON.stringify({
                    Version: "2012-10-17",
                    Statement: [{ Effect: "Allow", Action: ["ssm:GetParameter"], Resource: [arn] }],
                })),
            }, { parent: this }));
        }

        /** One step on one host, over the stack's channel. */
        const onHost = (host: DeploymentHost, step: string, s: HostStep): command.remote.Command | command.local.Command => {
            const resourceName = `${name}-${host.name}-${step}`;
            if (ssh) {
                return new command.remote.Command(resourceName, {
                    connection: { host: host.address, port: host.port, user: ssh.user, privateKey: ssh.privateKey, dialErrorLimit: 20 },
                    create: s.command,
                    update: s.command,
                    stdin: s.stdin,
                    triggers: s.triggers,
                    logging: "stderr",
                }, { parent: this, dependsOn: s.dependsOn, ...(s.stdin ? { additionalSecretOutputs: ["stdin"] } : {}) });
            }
            const line = pulumi.all([host.instanceId, s.command]).apply(([instanceId, hostCommand]) => ssmRunCommand({
                region: args.region,
                instanceId,
                comment: `${args.stack} ${step} ${args.version} ${host.name}`,
                timeoutSeconds: ssm!.timeoutSeconds,
                hostCommand,
            }));
            return new command.local.Command(resourceName, { create: line, update: line, triggers: s.triggers, logging: "stderr" }, { parent: this, dependsOn: s.dependsOn });
        };

        // The app reads its env at start: a new env file runs the release again (release.sh restarts the
        // live version beside itself when the file changed, and does nothing when only deploy secrets did).
        const revision = envRevision(`${name}-env-revision`, args.env, { parent: this }).hex;
        let previous: pulumi.Resource | undefined;
        this.releases = args.hosts.map((host, index) => {
            // A replaced host (new instance id) gets everything again: CopyToRemote alone would not copy.
            const hostTriggers = [host.instanceId];
            let delivered: pulumi.Resource[] = scriptObjects;
            let moveDelivered: pulumi.Resource[] = scriptObjects;
            let prepareStep: HostStep;
            if (ssh) {
                const connection = { host: host.address, port: host.port, user: ssh.user, privateKey: ssh.privateKey, dialErrorLimit: 20 };
                const dir = uploadDir(ssh.user);
                const mkdir = onHost(host, "upload-dir", { command: `mkdir -p ${dir}`, triggers: hostTriggers, dependsOn: [] });
                const upload = (file: string) => new command.remote.CopyToRemote(`${name}-${host.name}-upload-${file.replace(/\.sh$/, "")}`, {
                    connection,
                    source: new pulumi.asset.FileAsset(path.join(SCRIPTS_DIR, file)),
                    remotePath: `${dir}/${file}`,
                    triggers: [hash, ...hostTriggers],
                }, { parent: this, dependsOn: [mkdir] });
                delivered = SCRIPTS.map(upload);
                // Not among SCRIPTS: a stack that never moves data neither carries it nor prepares again for it.
                moveDelivered = args.dataMove ? [...delivered, upload(MOVE_SCRIPT)] : [];
                prepareStep = { command: prepare, stdin: args.env, triggers: [hash, ...hostTriggers], dependsOn: [...delivered, ...grants] };
            } else {
                const bucket = ssm!.bucket;
                prepareStep = {
                    command: pulumi.all([bucket, envParameter!.name, prepare]).apply(([b, envName, p]) => ssmPrepareHostCommand({ region: args.region, bucket: b, hash, envParameter: envName, prepare: p })),
                    // A new env file is a new parameter version: prepare again.
                    triggers: [hash, envParameter!.version, ...hostTriggers],
                    dependsOn: [...delivered, ...grants],
                };
            }
            const prepared = onHost(host, "prepare", prepareStep);

            const release = pulumi
                .all([args.db.rdsInstance, args.backupBucket, pulumi.all(args.targetGroupArns ?? []), host.instanceId])
                .apply(([rdsInstance, backupBucket, targetGroupArns, instanceId]) => releaseCommand({
                    user,
                    version: args.version,
                    services: args.services,
                    container: args.container,
                    registry: args.registry,
                    db: args.db.target,
                    dbPort: args.db.port,
                    // One snapshot per release: the first host takes it, the others would find the instance busy.
                    rdsInstance: index === 0 ? rdsInstance : undefined,
                    region: args.region,
                    backupBucket,
                    restore: args.restore,
                    health: args.health,
                    drainSeconds: args.drainSeconds,
                    keepReleases: args.keepReleases,
                    lockWaitSeconds: args.lockWaitSeconds,
                    loadBalancer: args.targetGroupArns ? { targetGroupArns, targetId: instanceId } : undefined,
                    stack: args.stack,
                    metricsNamespace: args.metricsNamespace,
                    // Once per release, like the snapshot: hosts release one after another, the first before any switches.
                    migrate: index === 0 ? args.migrate : undefined,
                }));
            const released = onHost(host, "release", {
                command: ssm ? release.apply(ssmReleaseHostCommand) : release,
                triggers: [revision, ...hostTriggers],
                // Behind a load balancer hosts release one at a time, so the others keep serving.
                dependsOn: [prepared, ...(previous ? [previous] : []), ...grants],
            });
            if (args.targetGroupArns) {
                // The next host starts only once this one is healthy in every target group again.
                previous = onHost(host, "in-service", {
                    command: pulumi.all([pulumi.all(args.targetGroupArns), host.instanceId]).apply(([arns, instanceId]) =>
                        inServiceCommand({ region: args.region, targetGroupArns: arns, instanceId, ports: args.services.map((svc) => svc.port) })),
                    triggers: [release, ...hostTriggers],
                    dependsOn: [released],
                });
            }
            if (args.dataMove) moveDataStep(host, args.dataMove, { user, ssm, hash, region: args.region, container: args.container, onHost, dependsOn: [released, ...moveDelivered] });
            return released.stdout.apply((out) => annotateRecord(out, args.rolledBack));
        });
        this.registerOutputs({ releases: this.releases });
    }
}

/**
 * After the release: copy the host database into RDS (the app stays on the host's, read-only once
 * copied), or, once the app runs on RDS, stop the host database and unmount its volume. One step
 * per phase, so each runs once; move-data.sh itself also does nothing for a copy already made.
 */
function moveDataStep(host: DeploymentHost, move: DataMoveArgs, c: {
    user: string;
    ssm?: { bucket: pulumi.Input<string> };
    hash: string;
    region: string;
    /** The move's tools run in the database's image on the host's network. */
    container: ContainerSettings;
    onHost: (host: DeploymentHost, step: string, s: HostStep) => pulumi.Resource;
    dependsOn: pulumi.Resource[];
}): void {
    const line = pulumi.all([move.target.host, move.target.port, move.target.secretArn]).apply(([targetHost, targetPort, secretArn]) => moveDataCommand({
        user: c.user,
        phase: move.phase,
        container: c.container,
        source: move.source,
        target: { host: targetHost, port: targetPort, secretArn },
        region: c.region,
    }));
    c.onHost(host, `move-data-${move.phase}`, {
        command: c.ssm ? pulumi.all([c.ssm.bucket, line]).apply(([bucket, run]) => `${ssmFetchScriptsCommand({ bucket, hash: c.hash })} && ${run}`) : line,
        triggers: [host.instanceId, move.target.host],
        dependsOn: c.dependsOn,
    });
}
