// The typed stack config and its validation. Pure: it reads from a ConfigSource, so tests and the
// offline plan can feed it plain maps, and stacks/config.ts feeds it pulumi.Config.
import { InstanceType as Ec2InstanceType } from "@pulumi/aws/types/enums/ec2";
import { InstanceType as RdsInstanceType } from "@pulumi/aws/types/enums/rds";
import * as pulumi from "@pulumi/pulumi";
import { DEFAULT_OPENNESS, isWiderThan, parseCidr } from "../lib/cidr";
import { isNitro } from "../lib/ebs";
import { albName, AUTONAME_SUFFIX, ELB_LOGICAL_MAX, ELB_NAME_MAX, targetGroupName } from "../lib/names";
import { DATABASE_PORTS, SSH_PORT } from "../lib/ports";
import { defaultBackupMaxAgeHours } from "../infra/hostBackup";
import { AlarmThresholds, DEFAULT_THRESHOLDS } from "../infra/monitoring/alarms";
import { DatabaseMode, isStage, Stage, STAGE_PRESETS, STAGES } from "./stages";

/** Where raw config values come from (pulumi.Config in a real run). */
export interface ConfigSource {
    /** The raw string value of a project key, or undefined when unset. */
    get(key: string): string | undefined;
    /** True when the key was set with `pulumi config set --secret`. */
    isSecret(key: string): boolean;
    /** Every key set in the project's namespace, without the namespace ("stage", not "webapp:stage"). */
    keys(): string[];
}

export interface ServiceConfig {
    /** Short name, used in resource and container names. */
    name: string;
    /** Image repository without tag, e.g. ghcr.io/acme/wiki-backend; the tag is `appVersion`. */
    image: string;
    /** Port the container listens on. */
    port: number;
    /** Path that answers 200 when the service is healthy. */
    healthPath: string;
    /** Path prefixes routed to this service; "/" makes it the default. */
    routes: string[];
    /** Path prefixes to rate-limit per client (expensive endpoints, e.g. AI inference). */
    rateLimitPaths: string[];
    /** Path prefixes of long-lived WebSocket connections: an hour of silence before nginx closes them, not a minute. */
    websocketPaths: string[];
}

export interface StackConfig {
    project: string;
    stack: string;
    environment: string;
    production: boolean;
    region: string;
    stage: Stage;
    /** Prefix of every resource name: project-stack, so a second stack never collides. */
    prefix: string;
    tags: Record<string, string>;
    network: { vpcCidr: string; azCount: number; privateSubnets: boolean };
    hosts: {
        instanceType: string;
        /** Fixed hosts; 0 when an Auto Scaling group runs the app. */
        count: number;
        rootVolumeGiB: number;
        adminCidrs: string[];
        keyName?: string;
    };
    app: {
        version: string;
        services: ServiceConfig[];
        /** Requests per minute per client on each service's rateLimitPaths. */
        rateLimitPerMinute: number;
        registry: { server: string; username?: string; password?: pulumi.Output<string> };
    };
    database: {
        mode: DatabaseMode;
        name: string;
        username: string;
        /** A Pulumi secret; when unset, RDS manages the password or one is generated for a host DB. */
        password?: pulumi.Output<string>;
        dataVolumeGiB: number;
        /** The data volume's retainOnDelete: leaving stage 1 (or a destroy) never deletes the database's files. */
        retainDataVolume: boolean;
        /**
         * Moving stage 1's on-host database to RDS (README "Moving from stage 1 to stage 2"): "copy" keeps
         * the host database, its volume and the app on it while the data is copied; "done" puts the app on
         * RDS and stops the host database, the volume still attached until the key is unset.
         */
        dataMove?: DataMove;
        instanceClass: string;
        allocatedStorageGiB: number;
        engineVersion: string;
        backupRetentionDays: number;
        multiAz: boolean;
        deletionProtection: boolean;
    };
    /** domain: the site's name; with a load balancer ACM certifies it, without one nginx serves it with Let's Encrypt's certificate (acmeEmail). */
    loadBalancer: { enabled: boolean; certificateArn?: string; domain?: string; hostedZoneId?: string; acmeEmail?: string };
    autoScaling: {
        enabled: boolean;
        minSize: number;
        maxSize: number;
        desiredCapacity: number;
        cpuTargetPercent: number;
        minHealthyPercent: number;
    };
    backup: {
        enabled: boolean;
        glacierAfterDays: number;
        expireAfterDays: number;
        /** When the on-host database is dumped (systemd OnCalendar). */
        schedule: string;
        /** The backup-age alarm fires past this many hours without a successful backup. */
        maxAgeHours: number;
    };
    deploy: DeployConfig;
    monitoring: MonitoringConfig;
}

export interface MonitoringConfig {
    enabled: boolean;
    thresholds: AlarmThresholds;
    logRetentionDays: number;
    /** A Pulumi secret: alarms and release events go to this Slack incoming webhook. */
    slackWebhookUrl?: pulumi.Output<string>;
    /** AWS Chatbot instead of the webhook (the workspace authorised once in the Chatbot console). */
    chatbot?: { workspaceId: string; channelId: string };
    alarmEmail?: string;
}

export type DeployChannel = "ssh" | "ssm";

export type DataMove = "copy" | "done";

export interface DeployConfig {
    /** Releases by commands on the fixed hosts (stages 1-3); stage 4 rolls out by instance refresh. */
    enabled: boolean;
    /** How the commands reach a host: SSM Run Command (no inbound port) or SSH. */
    channel: DeployChannel;
    sshUser: string;
    sshPort: number;
    sshPrivateKey?: pulumi.Output<string>;
    /** SSH only: where each host is reached instead of its public IP (a DNS name, or a tunnel's local end), by host index. */
    addresses: { host: string; port: number }[];
    /** The longest a release may take: an SSM command's execution timeout, the stage 4 refresh wait. */
    timeoutMinutes: number;
    /** Versions a rollback left because they were bad: a later rollback never goes back to them. */
    rolledBack: string[];
    container: { cli: string; runArgs: string[]; pullArgs: string[] };
    /** nginx's port for the web on a host without a load balancer. */
    httpPort: number;
    /** How the on-host database runs: a container on its EBS volume, or the distribution's PostgreSQL. */
    hostDbRuntime: "container" | "system";
    dbPort: number;
    dbImage: string;
    /** Non-secret environment for the app's containers. */
    appEnvironment: Record<string, string>;
    /** The app's own secrets (API keys, JWT keys): environment variables, a Pulumi secret as a whole. */
    appSecrets?: pulumi.Output<Record<string, string>>;
    health: { interval: number; timeout: number; retries: number };
    drainSeconds: number;
    keepReleases: number;
    lockWaitSeconds: number;
    /** A rollback with data: restore this backup (from the release history) before releasing. */
    restore?: { backup: string; confirm: string };
    /** Schema changes: a shell line run once per release in `service`'s new image, after the backup, before the switch. */
    migrate?: MigrateConfig;
}

export interface MigrateConfig {
    command: string;
    /** The service whose image has the migrations (the first service unless migrateService names another). */
    service: string;
    /** Stage 4: how long the migration may run at boot (and the others wait); the group's health check grace grows by as much. */
    timeoutMinutes: number;
}

/** A config value that is not what the program expects; its message is one line (a RunError: no stack trace). */
export class ConfigError extends pulumi.RunError {
    constructor(
        readonly key: string,
        readonly value: string | undefined,
        readonly expected: string,
    ) {
        super(
            value === undefined
                ? `config '${key}' is missing: expected ${expected}`
                : `config '${key}' = ${JSON.stringify(value)} is invalid: expected ${expected}`,
        );
        this.name = "ConfigError";
    }
}

export const DEFAULT_SERVICES: ServiceConfig[] = [
    { name: "backend", image: "ghcr.io/example/wiki-backend", port: 8080, healthPath: "/health", routes: ["/api", "/health"], rateLimitPaths: ["/api/ai"], websocketPaths: [] },
    { name: "frontend", image: "ghcr.io/example/wiki-frontend", port: 3000, healthPath: "/", routes: ["/"], rateLimitPaths: [], websocketPaths: [] },
];

const NAME = /^[a-z][a-z0-9-]{0,19}$/;
const IMAGE = /^[a-z0-9.-]+(:\d+)?\/[a-z0-9._\/-]+$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const IMAGE_REF = /^[a-z0-9.-]+(:\d+)?\/[a-z0-9._\/-]+(:[A-Za-z0-9_.-]+)?$/;
const PATH = /^\/[A-Za-z0-9._~\/-]*$/;
// The provider's own lists: a type it does not know is refused here, before any resource exists.
const EC2_INSTANCE_TYPES: readonly string[] = [...new Set(Object.values(Ec2InstanceType))];
const RDS_INSTANCE_CLASSES: readonly string[] = [...new Set(Object.values(RdsInstanceType))];
const CERT_ARN = /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]+$/;
// RFC 1035 labels (letters, digits, inner hyphens, at most 63 each), at least two, at most 253 characters.
const EMAIL = /^[^\s@'"$`\\]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/;
const DOMAIN = /^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/;
const HOSTED_ZONE_ID = /^Z[A-Z0-9]{4,31}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
// One line of shell for `sh -c` in the image: a newline or NUL could not travel as one argument.
const MIGRATE_COMMAND = /^\S[^\r\n\0]{0,1023}$/;

/** Edit distance (insertions, deletions, substitutions), to name the key or type a typo meant. */
function distance(a: string, b: string): number {
    let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
        const row = [i];
        for (let j = 1; j <= b.length; j++) row.push(Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1)));
        prev = row;
    }
    return prev[b.length];
}

/** The candidate closest to `text` (case-insensitively), if it is close enough to be the one meant. */
export function nearest(text: string, candidates: readonly string[]): string | undefined {
    const scored = candidates.map((c) => ({ c, d: distance(text.toLowerCase(), c.toLowerCase()) })).sort((x, y) => x.d - y.d);
    return scored.length > 0 && scored[0].d <= Math.max(2, Math.floor(text.length / 3)) ? scored[0].c : undefined;
}

/** Typed readers over a ConfigSource; each names the key and what it expects when it fails. */
class Reader {
    /** Every key the program asked for: what is set beyond them is a typo or a key of another program. */
    private readonly asked = new Set<string>();

    constructor(private readonly src: ConfigSource) {}

    raw(key: string): string | undefined {
        this.asked.add(key);
        return this.src.get(key);
    }

    /** One of a fixed list (the provider's instance types); a typo is answered with the nearest entry. */
    oneOf(key: string, fallback: string, allowed: readonly string[], expected: string): string {
        const value = this.raw(key) ?? fallback;
        if (!allowed.includes(value)) {
            const near = nearest(value, allowed);
            throw new ConfigError(key, value, `${expected}${near ? `; did you mean ${near}?` : ""}`);
        }
        return value;
    }

    /** Refuses a key set in the project's namespace that the program never reads, naming the nearest one it does. */
    refuseUnknownKeys(): void {
        const known = [...this.asked];
        for (const key of this.src.keys()) {
            if (this.asked.has(key)) continue;
            const near = nearest(key, known);
            const value = this.src.isSecret(key) ? "(secret, not shown)" : this.src.get(key);
            throw new ConfigError(key, value, `a key this program reads${near ? `: did you mean '${near}'?` : " (see the README's Configuration table)"}`);
        }
    }

    string(key: string, fallback: string, pattern: RegExp, expected: string): string {
        const value = this.raw(key) ?? fallback;
        if (!pattern.test(value)) throw new ConfigError(key, value, expected);
        return value;
    }

    required(key: string, pattern: RegExp, expected: string): string {
        const value = this.raw(key);
        if (value === undefined || !pattern.test(value)) throw new ConfigError(key, value, expected);
        return value;
    }

    optionalString(key: string, pattern: RegExp, expected: string): string | undefined {
        const value = this.raw(key);
        if (value !== undefined && !pattern.test(value)) throw new ConfigError(key, value, expected);
        return value;
    }

    int(key: string, fallback: number, min: number, max: number): number {
        const value = this.raw(key);
        if (value === undefined) return fallback;
        const n = Number(value);
        if (!/^-?\d+$/.test(value.trim()) || n < min || n > max) {
            throw new ConfigError(key, value, `a whole number from ${min} to ${max}`);
        }
        return n;
    }

    bool(key: string, fallback: boolean): boolean {
        const value = this.raw(key);
        if (value === undefined) return fallback;
        if (value === "true") return true;
        if (value === "false") return false;
        throw new ConfigError(key, value, "true or false");
    }

    json(key: string, expected: string): unknown {
        const value = this.raw(key);
        if (value === undefined) return undefined;
        try {
            return JSON.parse(value);
        } catch {
            throw new ConfigError(key, value, expected);
        }
    }

    /** A secret value; set in plain text it is refused, so it never lands unencrypted in a stack file. */
    secret(key: string): pulumi.Output<string> | undefined {
        const value = this.raw(key);
        if (value === undefined) return undefined;
        if (!this.src.isSecret(key)) {
            // The value itself is not echoed: it is meant to be secret.
            throw new ConfigError(key, "(plain text, not shown)", `a secret, set with: pulumi config set --secret ${key} <value>`);
        }
        if (value.length === 0) throw new ConfigError(key, "", "a non-empty secret");
        return pulumi.secret(value);
    }

    /** A secret JSON object of environment variables; errors never echo the value. */
    secretEnv(key: string): pulumi.Output<Record<string, string>> | undefined {
        const text = this.secret(key);
        if (text === undefined) return undefined;
        let parsed: unknown;
        try {
            parsed = JSON.parse(this.raw(key)!);
        } catch {
            parsed = undefined;
        }
        const entries = parsed !== null && typeof parsed === "object" && !Array.isArray(parsed) ? Object.entries(parsed) : undefined;
        // DB_* and DEPLOY_* are the stack's own: a secret must not shadow the database settings or the release's login.
        if (!entries || entries.some(([k, v]) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) || /^(DB|DEPLOY)_/.test(k) || typeof v !== "string")) {
            throw new ConfigError(key, "(secret, not shown)", "a JSON object of NAME to string value, no name starting with DB_ or DEPLOY_");
        }
        return pulumi.secret(Object.fromEntries(entries) as Record<string, string>);
    }
}

/** A JSON list of strings, or undefined when the key is unset. */
function stringList(r: Reader, key: string, expected: string): string[] | undefined {
    const value = r.json(key, expected);
    if (value === undefined) return undefined;
    if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) {
        throw new ConfigError(key, r.raw(key), expected);
    }
    return value as string[];
}

function parseAdminCidrs(r: Reader): string[] {
    const key = "adminCidrs";
    const expected = "a list of office CIDRs such as [\"203.0.113.7/32\"]";
    const cidrs = stringList(r, key, expected) ?? [];
    cidrs.forEach((text, i) => {
        const cidr = parseCidr(text);
        if (!cidr) throw new ConfigError(`${key}[${i}]`, text, "a CIDR such as 203.0.113.7/32 or 2001:db8::/64");
        if (isWiderThan(cidr)) {
            throw new ConfigError(
                `${key}[${i}]`,
                text,
                `a range no wider than /${DEFAULT_OPENNESS.minIpv4Prefix} (IPv4) or /${DEFAULT_OPENNESS.minIpv6Prefix} (IPv6); SSH is never opened to the internet, use SSM Session Manager instead`,
            );
        }
    });
    return cidrs;
}

function parseServices(r: Reader): ServiceConfig[] {
    const key = "services";
    const raw = r.json(key, "a JSON list of services");
    if (raw === undefined) return DEFAULT_SERVICES.map((s) => ({ ...s, routes: [...s.routes], rateLimitPaths: [...s.rateLimitPaths], websocketPaths: [...s.websocketPaths] }));
    if (!Array.isArray(raw) || raw.length === 0) throw new ConfigError(key, r.raw(key), "a non-empty list of services");
    const services = raw.map((s, i) => parseService(s, `${key}[${i}]`));
    const names = new Set<string>();
    const ports = new Set<number>();
    const paths = new Set<string>();
    services.forEach((s, i) => {
        if (names.has(s.name)) throw new ConfigError(`${key}[${i}].name`, s.name, "a name no other service has");
        if (ports.has(s.port)) throw new ConfigError(`${key}[${i}].port`, String(s.port), "a port no other service uses");
        names.add(s.name);
        ports.add(s.port);
        // Each path may appear once across all services, or nginx would refuse the duplicate location.
        [...s.routes, ...s.rateLimitPaths].forEach((p) => {
            if (paths.has(p)) throw new ConfigError(`${key}[${i}]`, p, "each route and rate-limited path to appear once across all services");
            paths.add(p);
        });
    });
    // A WebSocket path lies under one of the service's routes (the load balancer routes by those), and is
    // one of its own paths or a location no other service has.
    services.forEach((s, i) => {
        s.websocketPaths.forEach((p) => {
            const under = s.routes.some((r) => r === "/" || p === r || p.startsWith(r.endsWith("/") ? r : `${r}/`));
            const own = s.routes.includes(p) || s.rateLimitPaths.includes(p);
            if (!under || (!own && paths.has(p))) throw new ConfigError(`${key}[${i}].websocketPaths`, p, `a path under one of ${s.name}'s routes (${s.routes.join(", ")}) that no other service routes`);
            paths.add(p);
        });
    });
    return services;
}

function parseService(raw: unknown, key: string): ServiceConfig {
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
        throw new ConfigError(key, JSON.stringify(raw), "an object with name, image, port, healthPath and routes");
    }
    const o = raw as Record<string, unknown>;
    const field = (name: string, ok: (v: unknown) => boolean, expected: string, fallback?: unknown): unknown => {
        const v = o[name] ?? fallback;
        if (!ok(v)) throw new ConfigError(`${key}.${name}`, v === undefined || typeof v === "string" ? v : JSON.stringify(v), expected);
        return v;
    };
    const isPaths = (v: unknown) => Array.isArray(v) && v.every((p) => typeof p === "string" && PATH.test(p));
    return {
        name: field("name", (v) => typeof v === "string" && NAME.test(v), "a lower-case name such as backend") as string,
        image: field("image", (v) => typeof v === "string" && IMAGE.test(v), "an image repository without tag, e.g. ghcr.io/acme/wiki-backend") as string,
        port: field("port", (v) => Number.isInteger(v) && (v as number) >= 1024 && (v as number) <= 32767, "a port from 1024 to 32767") as number,
        healthPath: field("healthPath", (v) => typeof v === "string" && PATH.test(v), "a path such as /health", "/health") as string,
        routes: field("routes", (v) => isPaths(v) && (v as string[]).length > 0, "a non-empty list of path prefixes such as [\"/api\"]") as string[],
        rateLimitPaths: field("rateLimitPaths", isPaths, "a list of path prefixes", []) as string[],
        websocketPaths: field("websocketPaths", (v) => isPaths(v) && new Set(v as string[]).size === (v as string[]).length, "a list of distinct path prefixes such as [\"/api/chat\"]", []) as string[],
    };
}

export interface StackContext {
    project: string;
    stack: string;
    /** The `aws:region` config value. */
    region: string | undefined;
}

/** Reads and validates the whole stack config; throws ConfigError on the first bad value. */
export function parseStackConfig(src: ConfigSource, ctx: StackContext): StackConfig {
    const r = new Reader(src);
    const stageText = r.raw("stage") ?? "single-host";
    if (!isStage(stageText)) throw new ConfigError("stage", stageText, `one of ${STAGES.join(", ")}`);
    const stage: Stage = stageText;
    const preset = STAGE_PRESETS[stage];

    if (ctx.region === undefined || !REGION.test(ctx.region)) {
        throw new ConfigError("aws:region", ctx.region, "an AWS region such as ap-northeast-2 (pulumi config set aws:region ap-northeast-2)");
    }
    const environment = r.string("environment", ctx.stack.toLowerCase(), NAME, "a lower-case name such as dev or prod");
    const production = r.bool("production", ["prod", "production"].includes(environment));

    const vpcCidr = r.string("vpcCidr", "10.0.0.0/16", /./, "an IPv4 CIDR");
    const vpc = parseCidr(vpcCidr);
    if (!vpc || vpc.version !== 4 || vpc.prefix < 16 || vpc.prefix > 22) {
        throw new ConfigError("vpcCidr", vpcCidr, "an IPv4 CIDR from /16 to /22, e.g. 10.0.0.0/16");
    }

    const loadBalancer = r.bool("loadBalancer", preset.loadBalancer);
    const autoScaling = r.bool("autoScaling", preset.autoScaling);
    const databaseMode = r.string("database", preset.database, /^(host|rds|none)$/, "one of host, rds, none") as DatabaseMode;
    const privateSubnets = r.bool("privateSubnets", preset.privateSubnets || databaseMode === "rds");
    const azCount = r.int("azCount", loadBalancer ? Math.max(2, preset.azCount) : preset.azCount, 1, 3);
    const hostCount = r.int("hostCount", autoScaling ? 0 : Math.max(1, preset.hostCount), 0, 10);

    // Combinations that cannot work are refused here, before any resource exists.
    if (loadBalancer && azCount < 2) throw new ConfigError("azCount", String(azCount), "2 or 3: a load balancer needs two availability zones");
    if (autoScaling && !loadBalancer) throw new ConfigError("autoScaling", "true", "false unless loadBalancer is true: the group registers with the load balancer");
    if (autoScaling && databaseMode === "host") throw new ConfigError("database", "host", "rds or none with autoScaling: instances are replaced, a database on them would be lost");
    if (databaseMode === "rds" && !privateSubnets) throw new ConfigError("privateSubnets", "false", "true when database is rds: RDS lives in private subnets");
    if (autoScaling && hostCount !== 0) throw new ConfigError("hostCount", String(hostCount), "0 with autoScaling: the group owns the hosts");
    if (!autoScaling && hostCount < 1) throw new ConfigError("hostCount", String(hostCount), "at least 1 without autoScaling");
    if (!loadBalancer && hostCount > 1) throw new ConfigError("hostCount", String(hostCount), "1 without a load balancer: one Elastic IP serves one host");
    if (databaseMode === "host" && hostCount > 1) throw new ConfigError("hostCount", String(hostCount), "1 when database is host: each host would get its own database");

    const services = parseServices(r);
    const prefix = `${ctx.project}-${ctx.stack}`.toLowerCase();
    if (loadBalancer) checkLoadBalancerNames(prefix, ctx, services);
    const registryServer = services[0].image.split("/")[0];
    const registryUsername = r.optionalString("registryUsername", /^[A-Za-z0-9._-]+$/, "a registry user name");
    const registryPassword = r.secret("registryPassword");
    if (registryUsername !== undefined && registryPassword === undefined) {
        throw new ConfigError("registryPassword", undefined, `a secret token for ${registryServer} because registryUsername is set (pulumi config set --secret registryPassword <token>)`);
    }

    const minSize = r.int("minSize", 2, 1, 20);
    const maxSize = r.int("maxSize", 4, 1, 20);
    const desiredCapacity = r.int("desiredCapacity", minSize, 1, 20);
    if (minSize > maxSize) throw new ConfigError("minSize", String(minSize), `at most maxSize (${maxSize})`);
    if (desiredCapacity < minSize || desiredCapacity > maxSize) {
        throw new ConfigError("desiredCapacity", String(desiredCapacity), `from minSize (${minSize}) to maxSize (${maxSize})`);
    }

    const glacierAfterDays = r.int("backupGlacierAfterDays", 30, 1, 3650);
    const expireAfterDays = r.int("backupExpireAfterDays", 365, 2, 36500);
    if (expireAfterDays <= glacierAfterDays) {
        throw new ConfigError("backupExpireAfterDays", String(expireAfterDays), `more than backupGlacierAfterDays (${glacierAfterDays})`);
    }

    const backupEnabled = r.bool("backupBucket", true);
    const backupSchedule = r.string("backupSchedule", "daily", ON_CALENDAR, "a systemd OnCalendar expression such as daily or \"*-*-* 03:00:00\" (check it with: systemd-analyze calendar '<value>')");
    const backupMaxAgeHours = r.int("backupMaxAgeHours", defaultBackupMaxAgeHours(backupSchedule), 1, 8784);
    const dbEngineVersion = r.string("dbEngineVersion", "16", /^\d+(\.\d+)?$/, "a PostgreSQL major version such as 16");
    const deploy = parseDeploy(r, { autoScaling, hostCount, backupBucket: backupEnabled, dbMajorVersion: dbEngineVersion.split(".")[0], services });
    const dataMove = parseDataMove(r, { databaseMode, hostCount, deploy: deploy.enabled });

    const extraTags = r.json("tags", "a JSON object of tag names to values");
    if (extraTags !== undefined && (typeof extraTags !== "object" || extraTags === null || Array.isArray(extraTags) || Object.values(extraTags).some((v) => typeof v !== "string"))) {
        throw new ConfigError("tags", r.raw("tags"), "an object of tag names to string values");
    }

    const instanceType = r.oneOf("instanceType", "t3.micro", EC2_INSTANCE_TYPES, "an EC2 instance type the AWS provider knows (aws.ec2.InstanceType), such as t3.micro");
    if ((databaseMode === "host" || dataMove) && !isNitro(instanceType)) {
        throw new ConfigError("instanceType", instanceType, "a Nitro-based type while the database is on the host, such as t3.micro (its data volume is found by its NVMe name; t2, m4 and the other Xen-based types have none)");
    }

    const config: StackConfig = {
        project: ctx.project,
        stack: ctx.stack,
        environment,
        production,
        region: ctx.region,
        stage,
        prefix,
        tags: { ...(extraTags as Record<string, string> | undefined), Project: ctx.project, Environment: environment, Stage: stage, ManagedBy: "pulumi" },
        network: { vpcCidr, azCount, privateSubnets },
        hosts: {
            instanceType,
            count: hostCount,
            rootVolumeGiB: r.int("rootVolumeGiB", 20, 8, 1024),
            adminCidrs: parseAdminCidrs(r),
            keyName: r.optionalString("keyName", /^[\x20-\x7e]{1,255}$/, "the name of an EC2 key pair"),
        },
        app: {
            version: r.required("appVersion", TAG, "an image tag such as v1.4.2 (pulumi config set appVersion v1.4.2)"),
            services,
            rateLimitPerMinute: r.int("rateLimitPerMinute", 30, 1, 100000),
            registry: { server: registryServer, username: registryUsername, password: registryPassword },
        },
        database: {
            mode: databaseMode,
            name: r.string("dbName", "app", /^[a-z][a-z0-9_]{0,62}$/, "a PostgreSQL database name such as app"),
            username: r.string("dbUsername", "app", /^[a-z][a-z0-9_]{0,15}$/, "a PostgreSQL user name such as app (not a reserved word)"),
            password: r.secret("dbPassword"),
            dataVolumeGiB: r.int("dataVolumeGiB", 10, 1, 16384),
            retainDataVolume: r.bool("retainDataVolume", true),
            dataMove,
            instanceClass: r.oneOf("dbInstanceClass", "db.t4g.micro", RDS_INSTANCE_CLASSES, "an RDS instance class the AWS provider knows (aws.rds.InstanceType), such as db.t4g.micro"),
            allocatedStorageGiB: r.int("dbAllocatedStorageGiB", 20, 20, 65536),
            engineVersion: dbEngineVersion,
            backupRetentionDays: r.int("dbBackupRetentionDays", 7, 1, 35),
            // A standby in a second AZ survives an AZ outage and patching without downtime: worth it in production.
            multiAz: r.bool("dbMultiAz", production),
            deletionProtection: r.bool("dbDeletionProtection", production),
        },
        loadBalancer: {
            enabled: loadBalancer,
            certificateArn: r.optionalString("certificateArn", CERT_ARN, "an ACM certificate ARN such as arn:aws:acm:ap-northeast-2:123456789012:certificate/…"),
            domain: r.optionalString("domain", DOMAIN, "a DNS name such as app.example.com"),
            hostedZoneId: r.optionalString("hostedZoneId", HOSTED_ZONE_ID, "a Route 53 hosted zone ID such as Z0123456789ABCDEFGHIJ"),
            acmeEmail: r.optionalString("acmeEmail", EMAIL, "an e-mail address for Let's Encrypt's account and expiry notices, such as ops@example.com"),
        },
        autoScaling: {
            enabled: autoScaling,
            minSize,
            maxSize,
            desiredCapacity,
            cpuTargetPercent: r.int("cpuTargetPercent", 50, 10, 90),
            minHealthyPercent: r.int("refreshMinHealthyPercent", 100, 50, 100),
        },
        backup: {
            enabled: backupEnabled,
            glacierAfterDays,
            expireAfterDays,
            schedule: backupSchedule,
            maxAgeHours: backupMaxAgeHours,
        },
        deploy,
        monitoring: parseMonitoring(r),
    };
    if (config.loadBalancer.hostedZoneId && !config.loadBalancer.domain) {
        throw new ConfigError("hostedZoneId", config.loadBalancer.hostedZoneId, "domain set too (pulumi config set domain app.example.com): the zone holds that name's records");
    }
    checkHostTls(config);
    // Last, once every key the program reads has been asked for.
    r.refuseUnknownKeys();
    return config;
}

/** HTTPS without a load balancer: nginx on the host, with a certificate Let's Encrypt issues over port 80. */
function checkHostTls(c: StackConfig): void {
    const lb = c.loadBalancer;
    // With a load balancer ACM certifies the name; acmeEmail waits for a stage without one.
    if (lb.enabled) return;
    if (!lb.domain) {
        if (lb.acmeEmail) throw new ConfigError("acmeEmail", lb.acmeEmail, "unset without domain: it is Let's Encrypt's contact for that name's certificate");
        return;
    }
    // Without the deploy nothing configures nginx here: the name waits for a load balancer or the deploy.
    if (!c.deploy.enabled) return;
    if (!lb.acmeEmail) throw new ConfigError("acmeEmail", undefined, `an e-mail address for Let's Encrypt (pulumi config set acmeEmail ops@example.com): nginx serves ${lb.domain} with its certificate`);
    if (c.deploy.httpPort !== 80) throw new ConfigError("httpPort", String(c.deploy.httpPort), "80 with domain: Let's Encrypt's HTTP-01 challenge comes to port 80");
}

/** The load balancer's and target groups' names must fit AWS's 32 characters once auto-named (lib/names.ts). */
function checkLoadBalancerNames(prefix: string, ctx: StackContext, services: ServiceConfig[]): void {
    const limit = `at most ${ELB_LOGICAL_MAX} characters (AWS allows ${ELB_NAME_MAX}, and Pulumi's auto-naming adds ${AUTONAME_SUFFIX})`;
    if (albName(prefix).length > ELB_LOGICAL_MAX) {
        throw new ConfigError("stack", ctx.stack, `a shorter stack or project name: the load balancer's name ${albName(prefix)} must be ${limit}`);
    }
    services.forEach((s, i) => {
        const name = targetGroupName(prefix, s.name);
        if (name.length > ELB_LOGICAL_MAX) {
            throw new ConfigError(`services[${i}].name`, s.name, `a shorter service (or stack) name: its target group's name ${name} must be ${limit}`);
        }
    });
}

// The retention periods CloudWatch Logs accepts.
const RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

function parseMonitoring(r: Reader): MonitoringConfig {
    const d = DEFAULT_THRESHOLDS;
    const retention = r.int("logRetentionDays", 14, 1, 3653);
    if (!RETENTION_DAYS.includes(retention)) throw new ConfigError("logRetentionDays", String(retention), `one of ${RETENTION_DAYS.join(", ")}`);
    const workspaceId = r.optionalString("slackWorkspaceId", /^T[A-Z0-9]{6,}$/, "a Slack workspace id such as T0123ABCD");
    const channelId = r.optionalString("slackChannelId", /^[CG][A-Z0-9]{6,}$/, "a Slack channel id such as C0123ABCD");
    if ((workspaceId === undefined) !== (channelId === undefined)) {
        throw new ConfigError(workspaceId ? "slackChannelId" : "slackWorkspaceId", undefined, "both slackWorkspaceId and slackChannelId for AWS Chatbot, or neither");
    }
    return {
        enabled: r.bool("monitoring", true),
        thresholds: {
            cpuPercent: r.int("alarmCpuPercent", d.cpuPercent, 1, 100),
            memoryPercent: r.int("alarmMemoryPercent", d.memoryPercent, 1, 100),
            diskPercent: r.int("alarmDiskPercent", d.diskPercent, 1, 100),
            errorRatePercent: r.int("alarmErrorRatePercent", d.errorRatePercent, 1, 100),
            dbCpuPercent: r.int("alarmDbCpuPercent", d.dbCpuPercent, 1, 100),
            dbFreeStorageGiB: r.int("alarmDbFreeStorageGiB", d.dbFreeStorageGiB, 1, 10000),
            dbConnections: r.int("alarmDbConnections", d.dbConnections, 1, 100000),
        },
        logRetentionDays: retention,
        slackWebhookUrl: r.secret("slackWebhookUrl"),
        chatbot: workspaceId && channelId ? { workspaceId, channelId } : undefined,
        alarmEmail: r.optionalString("alarmEmail", /^[^@\s]+@[^@\s]+\.[^@\s]+$/, "an e-mail address"),
    };
}

// The shape of a systemd OnCalendar expression (systemd.time(7)): shorthands such as daily, or
// "DayOfWeek Year-Month-Day Hour:Minute:Second" with *, lists, ranges, ~ and /repetitions, and an
// optional time zone. No quote, $, % or backslash, so it goes into the unit file as it is.
const ON_CALENDAR = /^(?=.*[A-Za-z0-9*])[A-Za-z0-9*,.:~\/_+ -]{1,100}$/;

const BACKUP_ID = /^pre-[A-Za-z0-9_.-]+-\d{8}T\d{6}Z$/;

/** nginx's port is opened to the whole internet, so it may never be SSH's or a database's. */
function webPort(r: Reader): number {
    const port = r.int("httpPort", 80, 1, 65535);
    if (port === SSH_PORT || DATABASE_PORTS.includes(port)) {
        throw new ConfigError("httpPort", String(port), `a web port such as 80 or 8080: it is opened to the internet, so not SSH (${SSH_PORT}) or a database port (${DATABASE_PORTS.join(", ")})`);
    }
    return port;
}

const HOST_PORT = /^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:]+\])(:(\d{1,5}))?$/;

/** deployAddresses (one a host) or deployAddress (one host only): where SSH connects instead of the public IPs. */
function deployAddresses(r: Reader, hostCount: number, sshPort: number): { host: string; port: number }[] {
    const single = r.optionalString("deployAddress", /^[A-Za-z0-9.:-]+$/, "a host name or IP address");
    const expected = `a JSON list of ${hostCount} "host" or "host:port" entries, one per host in order, such as ["127.0.0.1:2222", "127.0.0.1:2223"]`;
    const list = stringList(r, "deployAddresses", expected);
    if (single !== undefined && list !== undefined) throw new ConfigError("deployAddress", single, "unset when deployAddresses is set");
    if (single !== undefined) {
        // One address for several hosts would send every host's release to the same machine.
        if (hostCount > 1) throw new ConfigError("deployAddress", single, `unset with ${hostCount} hosts: use deployAddresses, one entry per host`);
        return [{ host: single, port: sshPort }];
    }
    if (list === undefined) return [];
    if (list.length !== hostCount) throw new ConfigError("deployAddresses", r.raw("deployAddresses"), expected);
    return list.map((entry, i) => {
        const m = HOST_PORT.exec(entry);
        const port = m?.[3] === undefined ? sshPort : Number(m[3]);
        if (!m || port < 1 || port > 65535) throw new ConfigError(`deployAddresses[${i}]`, entry, "a host name or IP address, optionally with :port (1-65535)");
        return { host: m[1], port };
    });
}

/** migrateCommand, and migrateService naming one of the services (the first by default). */
function parseMigrate(r: Reader, services: ServiceConfig[]): MigrateConfig | undefined {
    const command = r.optionalString("migrateCommand", MIGRATE_COMMAND, "one line of shell run in the new release's image, such as \"bin/rails db:migrate\" (at most 1024 characters; secrets come from the env file, e.g. $DB_PASSWORD)");
    const names = services.map((svc) => svc.name);
    const service = r.optionalString("migrateService", NAME, `one of the services: ${names.join(", ")}`);
    if (service !== undefined && !names.includes(service)) throw new ConfigError("migrateService", service, `one of the services: ${names.join(", ")}`);
    if (service !== undefined && command === undefined) throw new ConfigError("migrateService", service, "unset unless migrateCommand is set");
    const timeoutMinutes = r.int("migrateTimeoutMinutes", 10, 1, 120);
    if (command === undefined && r.raw("migrateTimeoutMinutes") !== undefined) throw new ConfigError("migrateTimeoutMinutes", r.raw("migrateTimeoutMinutes"), "unset unless migrateCommand is set");
    return command === undefined ? undefined : { command, service: service ?? names[0], timeoutMinutes };
}

/** The move runs on the one host that holds stage 1's database, through the deploy channel, into RDS. */
function parseDataMove(r: Reader, s: { databaseMode: DatabaseMode; hostCount: number; deploy: boolean }): DataMove | undefined {
    const move = r.optionalString("dataMove", /^(copy|done)$/, "copy or done (or unset)") as DataMove | undefined;
    if (move === undefined) return undefined;
    if (s.databaseMode !== "rds" || s.hostCount !== 1) {
        throw new ConfigError("dataMove", move, "unset unless database is rds with one fixed host (stage private-db): it moves stage single-host's database into RDS");
    }
    if (!s.deploy) throw new ConfigError("dataMove", move, "unset unless deploy is on (sshPrivateKey or deployChannel): the move runs on the host through the deploy channel");
    return move;
}

function parseDeploy(r: Reader, s: { autoScaling: boolean; hostCount: number; backupBucket: boolean; dbMajorVersion: string; services: ServiceConfig[] }): DeployConfig {
    const sshPrivateKey = r.secret("sshPrivateKey");
    const channelRaw = r.raw("deployChannel");
    const channel = r.string("deployChannel", sshPrivateKey !== undefined ? "ssh" : "ssm", /^(ssm|ssh)$/, "ssm (SSM Run Command, no inbound port) or ssh") as DeployChannel;
    // A key or a chosen channel asks for releases; stage 4 releases by instance refresh instead.
    const enabled = r.bool("deploy", (sshPrivateKey !== undefined || channelRaw !== undefined) && !s.autoScaling);
    if (enabled && s.autoScaling) throw new ConfigError("deploy", "true", "false with autoScaling: new releases roll out by instance refresh");
    if (enabled && channel === "ssh" && sshPrivateKey === undefined) {
        throw new ConfigError("sshPrivateKey", undefined, "the deploy key as a secret because deployChannel is ssh (pulumi config set --secret sshPrivateKey < key)");
    }
    if (enabled && channel === "ssm" && !s.backupBucket) {
        throw new ConfigError("deployChannel", channel, "ssh, or backupBucket true: over SSM the scripts reach the hosts through that bucket");
    }
    const sshPort = r.int("sshPort", 22, 1, 65535);
    const addresses = deployAddresses(r, s.hostCount, sshPort);
    if (channel === "ssm" && addresses.length > 0) {
        throw new ConfigError(r.raw("deployAddresses") !== undefined ? "deployAddresses" : "deployAddress", r.raw("deployAddresses") ?? r.raw("deployAddress"), "unset with deployChannel ssm: SSM reaches each host by its instance id");
    }
    const rolledBack = stringList(r, "rolledBack", "a JSON list of image tags that a rollback left, such as [\"v2\"]") ?? [];
    rolledBack.forEach((v, i) => {
        if (!TAG.test(v)) throw new ConfigError(`rolledBack[${i}]`, v, "an image tag such as v1.4.2");
    });
    const env = r.json("appEnvironment", "a JSON object of environment variables");
    if (env !== undefined && (typeof env !== "object" || env === null || Array.isArray(env) || Object.entries(env).some(([k, v]) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) || typeof v !== "string"))) {
        throw new ConfigError("appEnvironment", r.raw("appEnvironment"), "an object of NAME to string value (secrets go in Pulumi secrets, not here)");
    }
    const backup = r.optionalString("dbRestore", BACKUP_ID, "a backup id from the release history, such as pre-v2-20261123T140000Z");
    const confirm = r.raw("dbRestoreConfirm");
    if (backup !== undefined && confirm !== backup) {
        throw new ConfigError("dbRestoreConfirm", confirm, `the same id as dbRestore (${backup}): restoring overwrites the database`);
    }
    const cli = r.string("containerCli", "docker", /^[A-Za-z0-9_./= -]+$/, "a container CLI such as docker or \"podman --runtime runc\"");
    return {
        enabled,
        channel,
        sshUser: r.string("sshUser", "ec2-user", /^[a-z_][a-z0-9_-]{0,31}$/, "a user name such as ec2-user"),
        sshPort,
        sshPrivateKey,
        addresses,
        timeoutMinutes: r.int("deployTimeoutMinutes", 30, 5, 180),
        rolledBack,
        container: {
            cli,
            // Docker keeps container logs small by itself only when told to.
            runArgs: stringList(r, "containerRunArgs", "a JSON list of strings") ?? (cli === "docker" ? ["--log-opt", "max-size=10m", "--log-opt", "max-file=3"] : []),
            pullArgs: stringList(r, "containerPullArgs", "a JSON list of strings") ?? [],
        },
        httpPort: webPort(r),
        hostDbRuntime: r.string("hostDbRuntime", "container", /^(container|system)$/, "container or system") as "container" | "system",
        dbPort: r.int("dbPort", 5432, 1, 65535),
        // The app uses pgvector; the official postgres image lacks it. Same major as RDS so a move keeps the dump restorable.
        dbImage: r.string("dbImage", `docker.io/pgvector/pgvector:pg${s.dbMajorVersion}`, IMAGE_REF, "an image reference such as docker.io/pgvector/pgvector:pg16"),
        appEnvironment: (env as Record<string, string> | undefined) ?? {},
        appSecrets: r.secretEnv("appSecrets"),
        health: { interval: r.int("healthInterval", 1, 1, 60), timeout: r.int("healthTimeout", 3, 1, 60), retries: r.int("healthRetries", 30, 1, 600) },
        drainSeconds: r.int("drainSeconds", 3, 0, 300),
        keepReleases: r.int("keepReleases", 3, 1, 50),
        lockWaitSeconds: r.int("lockWaitSeconds", 120, 0, 3600),
        restore: backup !== undefined ? { backup, confirm: confirm! } : undefined,
        migrate: parseMigrate(r, s.services),
    };
}
