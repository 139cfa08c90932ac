import * as aws from "@pulumi/aws";
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { ServiceConfig } from "../../stacks/schema";
import { ContainerSettings, DbTarget, prepareCommand, releaseCommand, SCRIPTS, uploadDir } from "./commands";

export const SCRIPTS_DIR = path.join(__dirname, "scripts");

export interface DeploymentHost {
    /** Short name used in resource names, e.g. "app-1". */
    name: string;
    /** Where SSH connects (public IP, DNS name, or a tunnel's local end). */
    address: pulumi.Input<string>;
    instanceId: pulumi.Input<string>;
}

export interface DeploymentArgs {
    hosts: DeploymentHost[];
    connection: { user: string; port: number; privateKey: pulumi.Input<string> };
    /** nginx site config for the hosts. */
    site: string;
    services: ServiceConfig[];
    version: string;
    container: ContainerSettings;
    registry: string;
    /** The app's env file, a Pulumi secret: it reaches the hosts on stdin only. */
    env: pulumi.Input<string>;
    db: { target: DbTarget; port: number; image: string; dataDir: string; rdsInstance?: pulumi.Input<string> };
    region: string;
    backupBucket?: pulumi.Input<string>;
    restore?: { backup: string; confirm: string };
    health: { interval: number; timeout: number; retries: number };
    drainSeconds: number;
    keepReleases: number;
    lockWaitSeconds: number;
    stack: string;
    metricsNamespace?: string;
    /** Stage 3: the service target groups (in service order) and the host role that may (de)register. */
    loadBalancer?: { targetGroupArns: pulumi.Input<string>[]; hostRoleName: pulumi.Input<string> };
}

/** Hash of the scripts, so a changed script is uploaded and the hosts prepared again. */
export function scriptsHash(): string {
    const h = createHash("sha256");
    for (const f of SCRIPTS) h.update(f).update(fs.readFileSync(path.join(SCRIPTS_DIR, f)));
    return h.digest("hex").slice(0, 16);
}

/** Releases by remote commands over SSH: upload the scripts, prepare each host, release on each host. */
export class Deployment extends pulumi.ComponentResource {
    /** Each host's last release result (JSON printed by release.sh). */
    public readonly releases: pulumi.Output<string>[];

    constructor(name: string, args: DeploymentArgs, opts?: pulumi.ComponentResourceOptions) {
        super("webapp:infra:Deployment", name, {}, opts);
        const hash = scriptsHash();
        const dir = uploadDir(args.connection.user);
        const prepare = prepareCommand({
            user: args.connection.user,
            site: args.site,
            services: args.services,
            container: args.container,
            db: { runtime: args.db.target === "host-container" ? "container" : args.db.target === "host-system" ? "system" : "none", image: args.db.image, port: args.db.port, dataDir: args.db.dataDir },
        });

        let lbGrant: aws.iam.RolePolicy | undefined;
        if (args.loadBalancer) {
            // release.sh takes its host out of the target groups while it switches.
            lbGrant = new aws.iam.RolePolicy(`${name}-lb`, {
                role: args.loadBalancer.hostRoleName,
                policy: pulumi.all(args.loadBalancer.targetGroupArns).apply((arns) => JSON.stringify({
                    Version: "2012-10-17",
                    Statement: [
                        { Effect: "Allow", Action: ["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"], Resource: arns },
                        // Describe calls cannot be scoped to a resource.
                        { Effect: "Allow", Action: ["elasticloadbalancing:DescribeTargetHealth"], Resource: "*" },
                    ],
                })),
            }, { parent: this });
        }

        let previous: pulumi.Resource | undefined;
        this.releases = args.hosts.map((host) => {
            const parent = { parent: this };
            const connection: command.types.input.remote.ConnectionArgs = {
                host: host.address,
                port: args.connection.port,
                user: args.connection.user,
                privateKey: args.connection.privateKey,
                dialErrorLimit: 20,
            };
            const mkdir = new command.remote.Command(`${name}-${host.name}-upload-dir`, { connection, create: `mkdir -p ${dir}` }, parent);
            const uploads = SCRIPTS.map((file) => new command.remote.CopyToRemote(`${name}-${host.name}-upload-${file.replace(/\.sh$/, "")}`, {
                connection,
                source: new pulumi.asset.FileAsset(path.join(SCRIPTS_DIR, file)),
                remotePath: `${dir}/${file}`,
                triggers: [hash],
            }, { parent: this, dependsOn: [mkdir] }));
            const prepared = new command.remote.Command(`${name}-${host.name}-prepare`, {
                connection,
                create: prepare,
                update: prepare,
                stdin: args.env,
                triggers: [hash],
                logging: "stderr",
            }, { parent: this, dependsOn: uploads, additionalSecretOutputs: ["stdin"] });

            const release = pulumi
                .all([args.db.rdsInstance, args.backupBucket, pulumi.all(args.loadBalancer?.targetGroupArns ?? []), host.instanceId])
                .apply(([rdsInstance, backupBucket, targetGroupArns, instanceId]) => releaseCommand({
                    user: args.connection.user,
                    version: args.version,
                    services: args.services,
                    container: args.container,
                    registry: args.registry,
                    db: args.db.target,
                    dbPort: args.db.port,
                    rdsInstance,
                    region: args.region,
                    backupBucket,
                    restore: args.restore,
                    health: args.health,
                    drainSeconds: args.drainSeconds,
                    keepReleases: args.keepReleases,
                    lockWaitSeconds: args.lockWaitSeconds,
                    loadBalancer: args.loadBalancer ? { targetGroupArns, targetId: instanceId } : undefined,
                    stack: args.stack,
                    metricsNamespace: args.metricsNamespace,
                }));
            const released = new command.remote.Command(`${name}-${host.name}-release`, {
                connection,
                create: release,
                update: release,
                logging: "stderr",
                // Behind a load balancer hosts release one at a time, so the others keep serving.
            }, { parent: this, dependsOn: [prepared, ...(previous ? [previous] : []), ...(lbGrant ? [lbGrant] : [])] });
            if (args.loadBalancer) previous = released;
            return released.stdout;
        });
        this.registerOutputs({ releases: this.releases });
    }
}
