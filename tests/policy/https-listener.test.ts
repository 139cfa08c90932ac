import { table } from "./harness";

const ALB = `const alb = new aws.lb.LoadBalancer("alb", { loadBalancerType: "application", subnets: ["subnet-1", "subnet-2"] });\n`;
const listener = (name: string, args: string, module = "lb") => `new aws.${module}.Listener("${name}", { loadBalancerArn: alb.arn, ${args} });\n`;
const FORWARD = `defaultActions: [{ type: "forward", targetGroupArn: "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/t/1" }]`;
const CERT = `certificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666"`;
const ADVICE = `Add an HTTPS listener with a certificate and make this one redirect to HTTPS (defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }]).`;
const msg = (name: string, port: number) => `Listener ${name} serves plain HTTP on port ${port}. ${ADVICE}`;

describe("policy https-listener", () => {
    table("https-listener", [
        { what: "an HTTP listener forwarding to a target group", program: ALB + listener("web", `port: 80, protocol: "HTTP", ${FORWARD}`), expect: [msg("web", 80)] },
        { what: "an aws.alb.Listener (the alias module) on 8080 forwarding", program: ALB + listener("alt", `port: 8080, protocol: "HTTP", ${FORWARD}`, "alb"), expect: [msg("alt", 8080)] },
        { what: "an HTTP listener with a fixed response", program: ALB + listener("web", `port: 80, protocol: "HTTP", defaultActions: [{ type: "fixed-response", fixedResponse: { contentType: "text/plain", statusCode: "404" } }]`), expect: [msg("web", 80)] },
        // ELB API, RedirectActionConfig.Protocol: "You can specify HTTP, HTTPS, or #{protocol}"; the default #{protocol} keeps HTTP.
        { what: "near miss: a redirect that keeps the protocol (only the port changes)", program: ALB + listener("web", `port: 80, protocol: "HTTP", defaultActions: [{ type: "redirect", redirect: { port: "8080", statusCode: "HTTP_301" } }]`), expect: [msg("web", 80)] },
        { what: "near miss: a redirect to HTTP", program: ALB + listener("web", `port: 80, protocol: "HTTP", defaultActions: [{ type: "redirect", redirect: { protocol: "HTTP", port: "8080", statusCode: "HTTP_302" } }]`), expect: [msg("web", 80)] },

        { what: "an HTTPS listener with a certificate", program: ALB + listener("tls", `port: 443, protocol: "HTTPS", ${CERT}, ${FORWARD}`), expect: [] },
        { what: "HTTP 80 redirecting to HTTPS 443", program: ALB + listener("web", `port: 80, protocol: "HTTP", defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }]`), expect: [] },
        { what: "near miss: a network load balancer's TCP listener (not a web listener)", program: ALB + listener("tcp", `port: 5432, protocol: "TCP", ${FORWARD}`), expect: [] },
    ]);
});
