import * as aws from "@pulumi/aws";
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { named, Tags } from "../tags";
import { refreshStartCommand, refreshWaitCommand } from "./commands";
import { annotateRecord } from "./releaseRecord";

export interface RefreshReleaseArgs {
    region: string;
    stack: string;
    version: string;
    /** Snapshotted before the refresh (its release snapshots pruned to keepReleases). */
    rdsInstance?: pulumi.Input<string>;
    keepReleases: number;
    timeoutSeconds: number;
    /** A Pulumi secret; reaches the commands on stdin only. */
    slackWebhookUrl?: pulumi.Input<string>;
    rolledBack: string[];
    /** migrateCommand is set: the instances run it once per version (boot-migrate.sh), claimed in migrationParameter. */
    migrate: boolean;
    tags: Tags;
}

/** The SSM parameters holding each version's migration claim and outcome; the host role may write these only. */
export function migrationsPath(stack: string): string {
    return `/${stack}/migrations/`;
}

/**
 * Stage 4 releases as `pulumi up` sees them: `start` runs before the launch template changes (Slack,
 * RDS snapshot); `watch` runs after the group's update and waits for its instance refresh, so the
 * update fails with AWS's reason when the refresh fails and rolls back. Both run where `pulumi up`
 * runs (the AWS CLI and jq), once per version.
 */
export class RefreshRelease extends pulumi.ComponentResource {
    /** Run before this: the launch template's change starts the refresh. */
    public readonly started: command.local.Command;
    /** The release history (JSON, newest first), readable by the rollback and by people. */
    public readonly historyParameter: aws.ssm.Parameter;
    /** With migrateCommand: this version's migration claim and outcome (boot-migrate.sh, refresh-release.sh). */
    public readonly migrationParameter?: string;
    private readonly args: RefreshReleaseArgs;
    private readonly baseName: string;

    constructor(name: string, args: RefreshReleaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("webapp:infra:RefreshRelease", name, {}, opts);
        this.args = args;
        this.baseName = name;
        this.historyParameter = new aws.ssm.Parameter(`${name}-history`, {
            name: `/${args.stack}/releases`,
            type: "String",
            value: "[]",
            description: "Release history of the Auto Scaling group, newest first (written by refresh-release.sh)",
            tags: named(args.tags, `${name}-history`),
            // The releases write it; Pulumi only creates it.
        }, { parent: this, ignoreChanges: ["value"] });
        const migration = args.migrate ? `${migrationsPath(args.stack)}${args.version}` : undefined;
        const start = pulumi.all([args.rdsInstance, this.historyParameter.name]).apply(([rdsInstance, history]) => refreshStartCommand({
            region: args.region, stack: args.stack, version: args.version, rdsInstance, keep: args.keepReleases,
            migration: migration ? { parameter: migration, historyParameter: history } : undefined,
        }));
        this.started = new command.local.Command(`${name}-start`, {
            create: start,
            update: start,
            stdin: args.slackWebhookUrl,
            triggers: [args.version],
            logging: "stderr",
        }, { parent: this, dependsOn: [this.historyParameter], ...(args.slackWebhookUrl ? { additionalSecretOutputs: ["stdin"] } : {}) });
        this.migrationParameter = migration;
    }

    /** Waits for the group's refresh to the new launch template version; returns the release record. */
    watch(group: { name: pulumi.Input<string>; templateVersion: pulumi.Input<number> }, dependsOn: pulumi.Resource[]): pulumi.Output<string> {
        const a = this.args;
        const wait = pulumi.all([group.name, this.historyParameter.name, a.rdsInstance]).apply(([groupName, history, rdsInstance]) => refreshWaitCommand({
            region: a.region, stack: a.stack, version: a.version, group: groupName, historyParameter: history, rdsInstance, timeoutSeconds: a.timeoutSeconds,
            migrationParameter: this.migrationParameter,
        }));
        const waited = new command.local.Command(`${this.baseName}-wait`, {
            create: wait,
            update: wait,
            stdin: a.slackWebhookUrl,
            triggers: [a.version, group.templateVersion],
            logging: "stderr",
        }, { parent: this, dependsOn: [...dependsOn, this.started], ...(a.slackWebhookUrl ? { additionalSecretOutputs: ["stdin"] } : {}) });
        const record = waited.stdout.apply((out) => annotateRecord(out, a.rolledBack));
        this.registerOutputs({ history: this.historyParameter.name, record });
        return record;
    }
}
