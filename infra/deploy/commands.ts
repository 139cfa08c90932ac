// Pure builders of the command lines the remote.Command resources run (as Kamal's commands/ do):
// every value is quoted, nothing secret goes in (secrets travel on stdin), and the exact strings are
// unit-tested. The scripts themselves are plain files beside this one.
import { BackupUnits } from "../hostBackup";
import { SITE_FLAG, siteArgument } from "../../lib/nginxSite";
import { shellQuote } from "../../lib/shell";
import { DataMove, MigrateConfig, ServiceConfig } from "../../stacks/schema";

export const SCRIPTS = ["lib.sh", "prepare-host.sh", "release.sh", "db-password.sh", "backup-db.sh", "tls-cert.sh"] as const;
/** Delivered only while dataMove is set; it runs from the upload directory, beside lib.sh. */
export const MOVE_SCRIPT = "move-data.sh";
export const REMOTE_BIN = "/opt/webapp/bin";
/** The on-host database container's network (prepare-host.sh creates it): the app's containers reach it there as webapp-db. */
export const DB_NETWORK = "webapp";

/** Where the SSH user's copy of the scripts lands before prepare installs them. */
export function uploadDir(user: string): string {
    return `${user === "root" ? "/root" : `/home/${user}`}/webapp-deploy`;
}

function sudo(user: string): string {
    return user === "root" ? "" : "sudo ";
}

function flags(pairs: [string, string | number | undefined][]): string {
    return pairs.filter(([, v]) => v !== undefined && v !== "").map(([f, v]) => `${f} ${shellQuote(String(v))}`).join(" ");
}

export function serviceArg(s: Pick<ServiceConfig, "name" | "image" | "port" | "healthPath">): string {
    return `name=${s.name},image=${s.image},port=${s.port},health=${s.healthPath}`;
}

export interface ContainerSettings {
    /** The container CLI, e.g. "docker" or "podman --runtime runc". */
    cli: string;
    runArgs: string[];
    pullArgs: string[];
}

export interface PrepareCommandArgs {
    user: string;
    site: string;
    services: ServiceConfig[];
    container: ContainerSettings;
    db: { runtime: "container" | "system" | "none"; image: string; port: number; dataDir: string };
    /** Where the RDS-managed password's secret is read (db-password.sh). */
    region: string;
    /** The on-host database's scheduled backup: its systemd units (infra/hostBackup.ts). */
    backup?: BackupUnits;
    /** HTTPS by nginx here: the certificate's name and Let's Encrypt's contact. */
    tls?: { domain: string; email: string };
    /** The on-host database's own volume, mounted at db.dataDir: its device and file system. */
    dataVolume?: { device: string; fstype: string };
}

/** Installs the uploaded scripts, writes the env file from stdin, nginx, log rotation, the on-host database. */
export function prepareCommand(a: PrepareCommandArgs): string {
    const dir = uploadDir(a.user);
    return `${sudo(a.user)}bash ${dir}/prepare-host.sh ` + flags([
        ["--scripts", dir],
        ["--cli", a.container.cli],
        [SITE_FLAG, siteArgument(a.site)],
        ...a.services.map((s): [string, string] => ["--service", serviceArg(s)]),
        ["--db-runtime", a.db.runtime],
        ["--db-image", a.db.runtime === "container" ? a.db.image : undefined],
        // The user's run and pull arguments (log limits, a registry's flags) hold for the database's image too.
        ...(a.db.runtime === "container" ? a.container.runArgs : []).map((r): [string, string] => ["--run-arg", r]),
        ...(a.db.runtime === "container" ? a.container.pullArgs : []).map((p): [string, string] => ["--pull-arg", p]),
        ["--db-port", a.db.runtime === "none" ? undefined : a.db.port],
        ["--db-data", a.db.runtime === "container" || a.dataVolume ? a.db.dataDir : undefined],
        ["--data-device", a.dataVolume?.device],
        ["--data-fstype", a.dataVolume?.fstype],
        ["--region", a.region],
        ["--backup-service-b64", a.backup ? Buffer.from(a.backup.service).toString("base64") : undefined],
        ["--backup-timer-b64", a.backup ? Buffer.from(a.backup.timer).toString("base64") : undefined],
        ["--tls-domain", a.tls?.domain],
        ["--tls-email", a.tls?.email],
    ]) + " --env-stdin";
}

export type DbTarget = "host-container" | "host-system" | "rds" | "none";

export interface ReleaseCommandArgs {
    user: string;
    version: string;
    services: ServiceConfig[];
    container: ContainerSettings;
    registry: string;
    db: DbTarget;
    dbPort: number;
    rdsInstance?: string;
    region: string;
    backupBucket?: string;
    /** Restore this backup before starting the release; the confirmation must repeat the id. */
    restore?: { backup: string; confirm: string };
    health: { interval: number; timeout: number; retries: number };
    drainSeconds: number;
    keepReleases: number;
    lockWaitSeconds: number;
    /** Stage 3: take the host out of these target groups (one per service, in order) while it switches. */
    loadBalancer?: { targetGroupArns: string[]; targetId: string };
    /** Names the stack in Slack messages. */
    stack: string;
    /** Where release events are published (Release, ReleaseFailed); none without monitoring. */
    metricsNamespace?: string;
    /** Run before the switch, in the named service's new image; given to one host per release only. */
    migrate?: MigrateConfig;
}

export function releaseCommand(a: ReleaseCommandArgs): string {
    return `${sudo(a.user)}${REMOTE_BIN}/release.sh ` + flags([
        ["--version", a.version],
        ...a.services.map((s): [string, string] => ["--service", serviceArg(s)]),
        ["--cli", a.container.cli],
        // The app's containers (and its migration) reach the on-host database container by name on its network.
        ...[...a.container.runArgs, ...(a.db === "host-container" ? ["--network", DB_NETWORK] : [])].map((r): [string, string] => ["--run-arg", r]),
        ...a.container.pullArgs.map((p): [string, string] => ["--pull-arg", p]),
        ["--registry", a.registry],
        ["--db", a.db],
        ["--db-port", a.db.startsWith("host") ? a.dbPort : undefined],
        ["--rds-instance", a.rdsInstance],
        ["--region", a.region],
        ["--backup-bucket", a.backupBucket],
        ["--restore", a.restore?.backup],
        ["--restore-confirm", a.restore?.confirm],
        ["--health-interval", a.health.interval],
        ["--health-timeout", a.health.timeout],
        ["--health-retries", a.health.retries],
        ["--drain", a.drainSeconds],
        ["--keep", a.keepReleases],
        ["--lock-wait", a.lockWaitSeconds],
        ...(a.loadBalancer?.targetGroupArns ?? []).map((arn): [string, string] => ["--lb-target-group", arn]),
        ["--lb-target-id", a.loadBalancer?.targetId],
        ["--stack", a.stack],
        ["--metrics-namespace", a.metricsNamespace],
        ["--migrate-service", a.migrate?.service],
        ["--migrate-command", a.migrate?.command],
    ]);
}

export interface MoveDataCommandArgs {
    user: string;
    phase: DataMove;
    container: ContainerSettings;
    /** Stage 1's database on this host: its runtime, and for a container the image whose PostgreSQL tools do the move. */
    source: { runtime: "container" | "system"; image: string; port: number; dataDir: string };
    /** RDS. Its password is the host's DB_PASSWORD (dbPassword set) or read on the host from this secret. */
    target: { host: string; port: number; secretArn?: string };
    region: string;
}

/** The move of stage 1's database into RDS (copy), then the host database stopped (done); no password in it. */
export function moveDataCommand(a: MoveDataCommandArgs): string {
    const copy = a.phase === "copy";
    const container = a.source.runtime === "container";
    return `${sudo(a.user)}bash ${uploadDir(a.user)}/${MOVE_SCRIPT} ${a.phase} ` + flags([
        ["--db-runtime", a.source.runtime],
        ["--cli", container ? a.container.cli : undefined],
        ["--db-port", copy ? a.source.port : undefined],
        ["--db-image", copy && container ? a.source.image : undefined],
        ...(copy && container ? a.container.runArgs : []).map((r): [string, string] => ["--run-arg", r]),
        ["--data-dir", copy ? undefined : a.source.dataDir],
        ["--target-host", copy ? a.target.host : undefined],
        ["--target-port", copy ? a.target.port : undefined],
        ["--target-secret-arn", copy ? a.target.secretArn : undefined],
        ["--region", copy && a.target.secretArn ? a.region : undefined],
    ]);
}

/** The app's env file (the container runtime's --env-file format): written on the host from stdin, mode 0600. */
export function envFile(vars: Record<string, string | undefined>): string {
    return Object.entries(vars)
        .filter(([, v]) => v !== undefined && v !== "")
        .map(([k, v]) => `${k}=${String(v).replace(/\n/g, "")}`)
        .join("\n") + "\n";
}

// --- the SSM channel: the same host commands, sent by SSM Run Command from where `pulumi up` runs ---

/** The local drivers, relative to the project directory (where the Pulumi CLI runs the program and its commands). */
export const LOCAL_DIR = "infra/deploy/local";
/** Where the scripts wait in the bucket for the hosts to fetch them; one prefix per version of the scripts. */
export const scriptsPrefix = (hash: string) => `deploy/scripts/${hash}/`;

/** AWS-RunShellScript's parameters: one bash line, so strict mode holds whatever shell the agent starts. */
export function runShellScriptParameters(hostCommand: string, timeoutSeconds: number): string {
    return JSON.stringify({ commands: [`bash -c ${shellQuote(`set -euo pipefail; ${hostCommand}`)}`], executionTimeout: [String(timeoutSeconds)] });
}

export interface SsmRunArgs {
    region: string;
    instanceId: string;
    /** Shows in the SSM console's command history (at most 100 characters). */
    comment: string;
    timeoutSeconds: number;
    hostCommand: string;
}

/** The local command that sends a host command by SSM, waits for it and relays its output and exit status. */
export function ssmRunCommand(a: SsmRunArgs): string {
    return `bash ${LOCAL_DIR}/ssm-run.sh ` + flags([
        ["--region", a.region],
        ["--instance-id", a.instanceId],
        ["--timeout", a.timeoutSeconds],
        ["--comment", a.comment.slice(0, 100)],
        ["--parameters", runShellScriptParameters(a.hostCommand, a.timeoutSeconds)],
    ]);
}

/** On the host, as root: the scripts of this version from the bucket into the upload directory. */
export function ssmFetchScriptsCommand(a: { bucket: string; hash: string }): string {
    return `aws s3 cp --only-show-errors --recursive ${shellQuote(`s3://${a.bucket}/${scriptsPrefix(a.hash)}`)} ${uploadDir("root")}/`;
}

/** On the host, as root: fetch the scripts from the bucket, then prepare with the env file read from its SecureString parameter. */
export function ssmPrepareHostCommand(a: { region: string; bucket: string; hash: string; envParameter: string; prepare: string }): string {
    return `${ssmFetchScriptsCommand(a)} && `
        + `aws ssm get-parameter --region ${shellQuote(a.region)} --name ${shellQuote(a.envParameter)} --with-decryption --query Parameter.Value --output text | ${a.prepare}`;
}

/** SSM returns only the first 8,000 characters of stderr: keep the log's end, where the reason is; stdout (the result) untouched. */
export function ssmReleaseHostCommand(release: string): string {
    return `exec 3>&1; ${release} 2>&1 >&3 | tail -n 60 >&2`;
}

/** Stage 3: the host's targets are healthy in every target group again (the next host waits for this). */
export function inServiceCommand(a: { region: string; targetGroupArns: string[]; instanceId: string; ports: number[] }): string {
    return a.targetGroupArns
        .map((arn, i) => `aws elbv2 wait target-in-service --region ${shellQuote(a.region)} --target-group-arn ${shellQuote(arn)} --targets ${shellQuote(`Id=${a.instanceId},Port=${a.ports[i]}`)}`)
        .join(" && ");
}

// --- stage 4: the instance refresh as a release --------------------------------------------------

export interface RefreshStartArgs {
    region: string;
    stack: string;
    version: string;
    /** Snapshot this instance before the refresh and keep the last `keep` release snapshots. */
    rdsInstance?: string;
    keep: number;
    /** With migrateCommand: the version's migration claim, prepared from the release history. */
    migration?: { parameter: string; historyParameter: string };
}

/** One step of refresh-release.sh; both steps name the stack's region, stack and version first. */
function refreshReleaseStep(step: "start" | "wait", a: { region: string; stack: string; version: string }, rest: [string, string | number | undefined][]): string {
    return `bash ${LOCAL_DIR}/refresh-release.sh ${step} ` + flags([["--region", a.region], ["--stack", a.stack], ["--version", a.version], ...rest]);
}

/** Before the launch template changes: Slack hears the start, RDS is snapshotted; prints the snapshot id. */
export function refreshStartCommand(a: RefreshStartArgs): string {
    return refreshReleaseStep("start", a, [["--rds-instance", a.rdsInstance], ["--keep", a.keep],
        ["--history-parameter", a.migration?.historyParameter], ["--migration-parameter", a.migration?.parameter]]);
}

export interface RefreshWaitArgs {
    region: string;
    stack: string;
    version: string;
    group: string;
    /** The SSM parameter holding the release history (JSON, newest first). */
    historyParameter: string;
    /** Where `start` took this release's snapshot (its id goes into the record). */
    rdsInstance?: string;
    /** Read when the refresh fails: a failed migration is the reason AWS does not give. */
    migrationParameter?: string;
    timeoutSeconds: number;
}

/** After the group update: waits for the refresh, records the outcome, tells Slack; prints the release record. */
export function refreshWaitCommand(a: RefreshWaitArgs): string {
    return refreshReleaseStep("wait", a, [["--group", a.group], ["--history-parameter", a.historyParameter], ["--rds-instance", a.rdsInstance],
        ["--migration-parameter", a.migrationParameter], ["--timeout", a.timeoutSeconds]]);
}
