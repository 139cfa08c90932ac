import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { albName, targetGroupName } from "../lib/names";
import { ServiceConfig } from "../stacks/schema";
import { WEBSOCKET_IDLE_SECONDS } from "./nginx";
import { named, Tags } from "./tags";

export interface LoadBalancerArgs {
    /** The stack's prefix: the load balancer and target groups are named from it (lib/names.ts). */
    prefix: string;
    vpcId: pulumi.Input<string>;
    /** Public subnets in at least two AZs. */
    subnetIds: pulumi.Input<string>[];
    securityGroupId: pulumi.Input<string>;
    services: ServiceConfig[];
    /** With an ACM certificate, port 80 redirects to HTTPS on 443. */
    certificateArn?: pulumi.Input<string>;
    /** The DNS name users reach; with a Route 53 zone, an alias A record points it at the load balancer. */
    domain?: { name: string; hostedZoneId?: string };
    /** Fixed hosts to register in every service's target group (empty with Auto Scaling). */
    instanceIds: pulumi.Input<string>[];
    deletionProtection: boolean;
    tags: Tags;
}

/** ALB path patterns of a route prefix: "/api" matches /api and everything under it. */
export function pathPatterns(route: string): string[] {
    if (route === "/") return ["/*"];
    const base = route.replace(/\/+$/, "");
    return [base, `${base}/*`];
}

/** An Application Load Balancer with one target group per service and path rules between them. */
export class LoadBalancer extends pulumi.ComponentResource {
    public readonly dnsName: pulumi.Output<string>;
    public readonly arn: pulumi.Output<string>;
    public readonly arnSuffix: pulumi.Output<string>;
    public readonly targetGroupArns: pulumi.Output<string>[];
    public readonly targetGroupArnSuffixes: pulumi.Output<string>[];
    public readonly url: pulumi.Output<string>;

    constructor(name: string, args: LoadBalancerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("webapp:infra:LoadBalancer", name, {}, opts);
        const parent = { parent: this };

        const alb = new aws.lb.LoadBalancer(albName(args.prefix), {
            loadBalancerType: "application",
            internal: false,
            subnets: args.subnetIds,
            securityGroups: [args.securityGroupId],
            dropInvalidHeaderFields: true,
            enableDeletionProtection: args.deletionProtection,
            // A WebSocket stays open while silent as long as nginx lets it; other connections keep AWS's default.
            idleTimeout: args.services.some((s) => s.websocketPaths.length > 0) ? WEBSOCKET_IDLE_SECONDS : 60,
            tags: named(args.tags, albName(args.prefix)),
        }, parent);

        const groups = args.services.map((s) => new aws.lb.TargetGroup(targetGroupName(args.prefix, s.name), {
            vpcId: args.vpcId,
            port: s.port,
            protocol: "HTTP",
            targetType: "instance",
            // Short drain: in-flight requests finish, a release does not wait five minutes per host.
            deregistrationDelay: 30,
            healthCheck: { path: s.healthPath, protocol: "HTTP", matcher: "200-399", interval: 10, timeout: 5, healthyThreshold: 2, unhealthyThreshold: 2 },
            tags: named(args.tags, targetGroupName(args.prefix, s.name)),
        }, parent));

        args.instanceIds.forEach((id, h) => groups.forEach((tg, i) => {
            new aws.lb.TargetGroupAttachment(`${name}-${args.services[i].name}-host${h + 1}`, { targetGroupArn: tg.arn, targetId: id, port: args.services[i].port }, parent);
        }));

        // The service that owns "/" is the default; without one, unknown paths get a 404.
        const defaultIndex = args.services.findIndex((s) => s.routes.includes("/"));
        const defaultAction: aws.types.input.lb.ListenerDefaultAction = defaultIndex >= 0
            ? { type: "forward", targetGroupArn: groups[defaultIndex].arn }
            : { type: "fixed-response", fixedResponse: { contentType: "text/plain", statusCode: "404", messageBody: "not found" } };

        let listener: aws.lb.Listener;
        if (args.certificateArn) {
            new aws.lb.Listener(`${name}-http`, {
                loadBalancerArn: alb.arn,
                port: 80,
                protocol: "HTTP",
                defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }],
                tags: named(args.tags, `${name}-http`),
            }, parent);
            listener = new aws.lb.Listener(`${name}-https`, {
                loadBalancerArn: alb.arn,
                port: 443,
                protocol: "HTTPS",
                sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
                certificateArn: args.certificateArn,
                defaultActions: [defaultAction],
                tags: named(args.tags, `${name}-https`),
            }, parent);
        } else {
            listener = new aws.lb.Listener(`${name}-http`, {
                loadBalancerArn: alb.arn,
                port: 80,
                protocol: "HTTP",
                defaultActions: [defaultAction],
                tags: named(args.tags, `${name}-http`),
            }, parent);
        }

        let priority = 10;
        args.services.forEach((s, i) => {
            const patterns = s.routes.filter((r) => r !== "/").flatMap(pathPatterns);
            // A rule takes at most five path patterns.
            for (let c = 0; c < patterns.length; c += 5) {
                new aws.lb.ListenerRule(`${name}-${s.name}-rule-${c / 5 + 1}`, {
                    listenerArn: listener.arn,
                    priority,
                    conditions: [{ pathPattern: { values: patterns.slice(c, c + 5) } }],
                    actions: [{ type: "forward", targetGroupArn: groups[i].arn }],
                    tags: named(args.tags, `${name}-${s.name}-rule-${c / 5 + 1}`),
                }, parent);
                priority += 10;
            }
        });

        this.dnsName = alb.dnsName;
        this.arn = alb.arn;
        this.arnSuffix = alb.arnSuffix;
        this.targetGroupArns = groups.map((g) => g.arn);
        this.targetGroupArnSuffixes = groups.map((g) => g.arnSuffix);
        if (args.domain?.hostedZoneId) {
            new aws.route53.Record(`${name}-alias`, {
                zoneId: args.domain.hostedZoneId,
                name: args.domain.name,
                type: "A",
                aliases: [{ name: alb.dnsName, zoneId: alb.zoneId, evaluateTargetHealth: true }],
            }, parent);
        }

        this.url = pulumi.interpolate`${args.certificateArn ? "https" : "http"}://${args.domain?.name ?? alb.dnsName}`;
        this.registerOutputs({ dnsName: this.dnsName, url: this.url, targetGroupArns: this.targetGroupArns });
    }
}
