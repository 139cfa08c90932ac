// EC2 user data, built from the plain scripts in infra/scripts/ plus a header of quoted parameters.
// No secret ever goes in here: the boot script reads them with the instance role.
import * as fs from "fs";
import * as path from "path";
import { NGINX_SITE } from "../lib/nginxSite";
import { heredocFile, shellAssignments } from "../lib/shell";
import { ServiceConfig } from "../stacks/schema";
import { nginxSiteConfig, upstreamConfig } from "./nginx";

export const DATA_DIR = "/var/lib/webapp/db";
export const UPSTREAM_DIR = "/etc/nginx/webapp";

function script(name: string): string {
    return fs.readFileSync(path.join(__dirname, "scripts", name), "utf8");
}

export interface MonitoringUserData {
    /** SSM parameter with the CloudWatch agent's config. */
    agentConfigParameter: string;
    namespace: string;
    /** Health URLs for the one-minute probe (none behind a load balancer: the target groups watch). */
    probeUrls: string[];
}

export interface HostUserDataArgs {
    region: string;
    monitoring?: MonitoringUserData;
}

function bootstrapHeader(region: string, mon: MonitoringUserData | undefined): Record<string, string> {
    return {
        REGION: region,
        AGENT_CONFIG_PARAMETER: mon?.agentConfigParameter ?? "",
        METRICS_NAMESPACE: mon?.namespace ?? "",
        PROBE_URLS: (mon?.probeUrls ?? []).join(" "),
        // The probe runs for the health URLs (the hosts without a load balancer, the only ones with a
        // database of their own: it publishes that database's backup age too).
        PROBE_SCRIPT: mon && mon.probeUrls.length > 0 ? script("probe.sh") : "",
    };
}

/**
 * Fixed hosts: packages, the CloudWatch agent and probe; releases arrive by remote commands, and the
 * deploy's prepare step mounts the database's volume. Nothing here names the volume, so the host's
 * user data is the same at stages 1 and 2 and moving between them never replaces the host.
 */
export function hostUserData(args: HostUserDataArgs): string {
    return ["#!/bin/bash", shellAssignments(bootstrapHeader(args.region, args.monitoring)), script("bootstrap-host.sh")].join("\n");
}

export interface ReleaseUserDataArgs {
    region: string;
    monitoring?: MonitoringUserData;
    version: string;
    services: ServiceConfig[];
    rateLimitPerMinute: number;
    /** The VPC's CIDR: the load balancer's addresses, whose X-Forwarded-For nginx believes. */
    vpcCidr: string;
    registry: { server: string; username?: string; passwordParameter?: string };
    /** The SecureString parameter holding the app's env file (settings, database, app secrets), and its revision id. */
    appEnv: { parameter: string; revision: string };
    /** migrateCommand: run once per version by the first instance that boots it (boot-migrate.sh). */
    migrate?: BootMigrateArgs;
}

export interface BootMigrateArgs {
    command: string;
    /** The image (without tag) whose release runs it. */
    image: string;
    /** The version's claim and outcome (migrationParameter). */
    parameter: string;
    /** How long the migration may run, and the other instances wait for it (migrateTimeoutMinutes). */
    timeoutSeconds: number;
}

/** Auto Scaling instances: packages, nginx routes, then the release itself, so a new instance serves at once. */
export function releaseUserData(args: ReleaseUserDataArgs): string {
    const site = nginxSiteConfig({ services: args.services, behindLoadBalancer: true, rateLimitPerMinute: args.rateLimitPerMinute, upstreamDir: UPSTREAM_DIR, httpPort: 80, trustedProxies: [args.vpcCidr] });
    return [
        "#!/bin/bash",
        shellAssignments({
            ...bootstrapHeader(args.region, args.monitoring),
            APP_VERSION: args.version,
            REGISTRY_SERVER: args.registry.server,
            REGISTRY_USERNAME: args.registry.username ?? "",
            REGISTRY_PASSWORD_PARAMETER: args.registry.passwordParameter ?? "",
            APP_ENV_PARAMETER: args.appEnv.parameter,
            // Unused by the boot; changes with the env, so the launch template does and instances refresh.
            APP_ENV_REVISION: args.appEnv.revision,
            DB_PASSWORD_SCRIPT: fs.readFileSync(path.join(__dirname, "deploy", "scripts", "db-password.sh"), "utf8"),
            SERVICES: args.services.map((s) => `${s.name} ${s.image} ${s.port} ${s.healthPath}`).join("\n"),
            UPSTREAM_DIR,
            ...(args.migrate ? {
                MIGRATE_COMMAND: args.migrate.command,
                MIGRATE_IMAGE: args.migrate.image,
                MIGRATION_PARAMETER: args.migrate.parameter,
                MIGRATE_TIMEOUT_SECONDS: String(args.migrate.timeoutSeconds),
            } : {}),
        }),
        script("bootstrap-host.sh"),
        heredocFile(NGINX_SITE, site),
        ...args.services.map((s) => heredocFile(`${UPSTREAM_DIR}/${s.name}.conf`, upstreamConfig(s, "blue"))),
        ...(args.migrate ? [script("boot-migrate.sh")] : []),
        script("boot-release.sh"),
    ].join("\n");
}
