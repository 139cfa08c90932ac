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
    /**
     * Addresses of the proxies in front (the load balancer: the VPC's CIDR), whose X-Forwarded-For
     * names the client. Empty without a load balancer: a client could write that header itself.
     */
    trustedProxies: string[];
    /** HTTPS on 443 for this name, nginx facing the internet (stages 1-2); port 80 then only redirects and answers Let's Encrypt. */
    tls?: { domain: string };
}

/** Where tls-cert.sh keeps the certificate nginx serves, and the HTTP-01 challenge's webroot (lib.sh names them too). */
export const TLS_DIR = "/etc/webapp/tls";
export const ACME_WEBROOT = "/var/lib/webapp/acme";

/** How long a WebSocket connection may stay silent on a websocketPaths location (elsewhere nginx's 60 s). */
export const WEBSOCKET_IDLE_SECONDS = 3600;

const PROXY = [
    "proxy_http_version 1.1;",
    // An Upgrade request (WebSocket) passes as one; any other keeps "Connection: close" out of the
    // upstream request, so the connection to the app stays alive for the next request.
    "proxy_set_header Upgrade $http_upgrade;",
    "proxy_set_header Connection $webapp_connection;",
    "proxy_set_header Host $host;",
    "proxy_set_header X-Real-IP $remote_addr;",
    "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
    "proxy_set_header X-Forwarded-Proto $scheme;",
];

interface Location {
    path: string;
    service: ServiceConfig;
    limited: boolean;
    websocket: boolean;
}

function location(l: Location): string[] {
    return [
        `    location ${l.path} {`,
        ...(l.limited ? ["        limit_req zone=webapp_expensive burst=5 nodelay;"] : []),
        `        proxy_pass http://${upstreamName(l.service)};`,
        ...PROXY.map((line) => `        ${line}`),
        ...(l.websocket ? [`        proxy_read_timeout ${WEBSOCKET_IDLE_SECONDS}s;`, `        proxy_send_timeout ${WEBSOCKET_IDLE_SECONDS}s;`] : []),
        "    }",
    ];
}

/** A service's locations: its rate-limited paths, its routes (or "/" behind a load balancer), its WebSocket paths. */
function locations(s: ServiceConfig, paths: string[]): string[] {
    const all = [...new Set([...s.rateLimitPaths, ...paths, ...s.websocketPaths])];
    return all.flatMap((path) => location({ path, service: s, limited: s.rateLimitPaths.includes(path), websocket: s.websocketPaths.includes(path) }));
}

function serverBlock(listen: string, trustedProxies: string[], body: string[]): string[] {
    return [
        "server {",
        `    listen ${listen};`,
        // $remote_addr (the rate limit's key, the log, X-Real-IP) becomes the client's address, taken from
        // X-Forwarded-For only where the load balancer wrote it; the last untrusted address counts.
        ...(trustedProxies.length > 0 ? [...trustedProxies.map((c) => `    set_real_ip_from ${c};`), "    real_ip_header X-Forwarded-For;", "    real_ip_recursive on;"] : []),
        "    access_log /var/log/nginx/webapp-access.log webapp_json;",
        "    client_max_body_size 20m;",
        "    limit_req_status 429;",
        ...body,
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
        "map $http_upgrade $webapp_connection {",
        "    default upgrade;",
        "    '' '';",
        "}",
        `include ${args.upstreamDir}/*.conf;`,
    ];
    if (args.behindLoadBalancer) {
        // The load balancer already routed by path; each service's port leads to that service.
        for (const s of args.services) lines.push(...serverBlock(String(s.port), args.trustedProxies, locations(s, ["/"])));
    } else {
        const body = args.services.flatMap((s) => locations(s, s.routes));
        if (!args.services.some((s) => s.routes.includes("/"))) {
            body.push("    location / {", "        return 404;", "    }");
        }
        if (args.tls) {
            lines.push(
                "server {",
                `    listen ${args.httpPort} default_server;`,
                "    access_log /var/log/nginx/webapp-access.log webapp_json;",
                // Let's Encrypt's HTTP-01 challenge, then everything else to HTTPS.
                "    location /.well-known/acme-challenge/ {",
                `        root ${ACME_WEBROOT};`,
                "    }",
                "    location / {",
                "        return 301 https://$host$request_uri;",
                "    }",
                "}",
            );
            lines.push(...serverBlock("443 ssl default_server", args.trustedProxies, [
                `    server_name ${args.tls.domain};`,
                `    ssl_certificate ${TLS_DIR}/fullchain.pem;`,
                `    ssl_certificate_key ${TLS_DIR}/privkey.pem;`,
                "    ssl_protocols TLSv1.2 TLSv1.3;",
                "    ssl_session_cache shared:webapp_tls:10m;",
                "    add_header Strict-Transport-Security \"max-age=31536000\" always;",
                ...body,
            ]));
        } else {
            lines.push(...serverBlock(`${args.httpPort} default_server`, args.trustedProxies, body));
        }
    }
    return lines.join("\n") + "\n";
}
