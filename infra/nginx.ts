// nginx config for an app host, as pure text builders. The site file is static per stack; only the
// small upstream files change on a release (they point at the live slot), so a switch is a graceful reload.
import { ServiceConfig } from "../stacks/schema";

export type Slot = "blue" | "green";

/** The host port a service's container listens on in a slot: two ports, so a new release starts beside the old. */
export function slotPort(service: Pick<ServiceConfig, "port">, slot: Slot): number {
    return service.port + (slot === "blue" ? 10000 : 20000);
}

export function upstreamName(service: Pick<ServiceConfig, "name">): string {
    return `webapp_${service.name.replace(/-/g, "_")}`;
}

/** The upstream file of one service, rewritten by each release to point at its live slot. */
export function upstreamConfig(service: Pick<ServiceConfig, "name" | "port">, slot: Slot): string {
    return `upstream ${upstreamName(service)} {\n    server 127.0.0.1:${slotPort(service, slot)};\n    keepalive 16;\n}\n`;
}

export interface NginxSiteArgs {
    services: ServiceConfig[];
    /** Behind a load balancer nginx listens on each service's port (one target group each); alone it serves :80 by path. */
    behindLoadBalancer: boolean;
    /** Requests per minute per client on rate-limited paths. */
    rateLimitPerMinute: number;
    /** Directory holding the upstream files. */
    upstreamDir: string;
    /** Port nginx serves the web on when there is no load balancer. */
    httpPort: number;
}

const PROXY = [
    "proxy_http_version 1.1;",
    "proxy_set_header Connection \"\";",
    "proxy_set_header Host $host;",
    "proxy_set_header X-Real-IP $remote_addr;",
    "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
    "proxy_set_header X-Forwarded-Proto $scheme;",
];

function location(path: string, service: ServiceConfig, limited: boolean): string[] {
    return [
        `    location ${path} {`,
        ...(limited ? ["        limit_req zone=webapp_expensive burst=5 nodelay;"] : []),
        `        proxy_pass http://${upstreamName(service)};`,
        ...PROXY.map((l) => `        ${l}`),
        "    }",
    ];
}

function serverBlock(listen: string, locations: string[]): string[] {
    return [
        "server {",
        `    listen ${listen};`,
        "    access_log /var/log/nginx/webapp-access.log webapp_json;",
        "    client_max_body_size 20m;",
        "    limit_req_status 429;",
        ...locations,
        "}",
    ];
}

/** The whole site file: log format with request time (for latency metrics), rate limit zone, routes. */
export function nginxSiteConfig(args: NginxSiteArgs): string {
    const lines = [
        "# Managed by Pulumi: releases only rewrite the upstream files included below.",
        // JSON lines, so CloudWatch metric filters can count requests and 5xx and read the request time.
        "log_format webapp_json escape=json '{\"time\":\"$time_iso8601\",\"remote\":\"$remote_addr\",\"method\":\"$request_method\",\"path\":\"$uri\",\"status\":$status,\"bytes\":$body_bytes_sent,\"request_time\":$request_time,\"agent\":\"$http_user_agent\"}';",
        `limit_req_zone $binary_remote_addr zone=webapp_expensive:10m rate=${args.rateLimitPerMinute}r/m;`,
        `include ${args.upstreamDir}/*.conf;`,
    ];
    const limitedLocations = (s: ServiceConfig) => s.rateLimitPaths.flatMap((p) => location(p, s, true));
    if (args.behindLoadBalancer) {
        // The load balancer already routed by path; each service's port leads to that service.
        for (const s of args.services) {
            lines.push(...serverBlock(String(s.port), [...limitedLocations(s), ...location("/", s, false)]));
        }
    } else {
        const locations = args.services.flatMap((s) => [...limitedLocations(s), ...s.routes.flatMap((r) => location(r, s, false))]);
        if (!args.services.some((s) => s.routes.includes("/"))) {
            locations.push("    location / {", "        return 404;", "    }");
        }
        lines.push(...serverBlock(`${args.httpPort} default_server`, locations));
    }
    return lines.join("\n") + "\n";
}
