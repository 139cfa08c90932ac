// Pure builders of the command lines the remote.Command resources run (as Kamal's commands/ do):
// every value is quoted, nothing secret goes in (secrets travel on stdin), and the exact strings are
// unit-tested. The scripts themselves are plain files beside this one.
import { shellQuote } from "../../lib/shell";
import { ServiceConfig } from "../../stacks/schema";

export const SCRIPTS = ["lib.sh", "prepare-host.sh", "release.sh"] as const;
export const REMOTE_BIN = "/opt/webapp/bin";

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
}

/** Installs the uploaded scripts, writes the env file from stdin, nginx, log rotation, the on-host database. */
export function prepareCommand(a: PrepareCommandArgs): string {
    const dir = uploadDir(a.user);
    return `${sudo(a.user)}bash ${dir}/prepare-host.sh ` + flags([
        ["--scripts", dir],
        ["--cli", a.container.cli],
        ["--site-b64", Buffer.from(a.site).toString("base64")],
        ...a.services.map((s): [string, string] => ["--service", serviceArg(s)]),
        ["--db-runtime", a.db.runtime],
        ["--db-image", a.db.runtime === "container" ? a.db.image : undefined],
        ["--db-port", a.db.runtime === "none" ? undefined : a.db.port],
        ["--db-data", a.db.runtime === "container" ? a.db.dataDir : undefined],
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
}

export function releaseCommand(a: ReleaseCommandArgs): string {
    return `${sudo(a.user)}${REMOTE_BIN}/release.sh ` + flags([
        ["--version", a.version],
        ...a.services.map((s): [string, string] => ["--service", serviceArg(s)]),
        ["--cli", a.container.cli],
        ...a.container.runArgs.map((r): [string, string] => ["--run-arg", r]),
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
    ]);
}

/** The app's env file (the container runtime's --env-file format): written on the host from stdin, mode 0600. */
export function envFile(vars: Record<string, string | undefined>): string {
    return Object.entries(vars)
        .filter(([, v]) => v !== undefined && v !== "")
        .map(([k, v]) => `${k}=${String(v).replace(/\n/g, "")}`)
        .join("\n") + "\n";
}
