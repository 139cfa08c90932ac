import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { plainHttpPorts } from "../../lib/nginxSite";
import { portsText } from "../lib/exposure";
import { peek } from "../lib/graph";
import { publicReach, Reach, webHosts } from "../lib/sites";

const LISTENERS = ["aws:lb/listener:Listener", "aws:alb/listener:Listener"];
const HTTP_PORT = 80;

interface Action { type?: string; redirect?: { protocol?: string } }

const SITE_ADVICE = "Set domain and acmeEmail (pulumi config set domain app.example.com; pulumi config set acmeEmail ops@example.com): nginx then serves HTTPS on 443 with a Let's Encrypt certificate and port 80 only redirects to it.";
const DEPLOY_ADVICE = "Turn the deploy on and set domain and acmeEmail (pulumi config set deploy true; pulumi config set domain app.example.com; pulumi config set acmeEmail ops@example.com), so that nginx serves HTTPS on 443 and port 80 only redirects to it; or close port 80.";

function listenerViolation(r: PolicyResource): string | undefined {
    if (!LISTENERS.includes(r.type) || peek(() => r.props.protocol) !== "HTTP") return undefined;
    const actions = (peek(() => r.props.defaultActions) ?? []) as Action[];
    // The redirect's protocol defaults to #{protocol}, which keeps HTTP: only an explicit HTTPS counts.
    if (actions.length > 0 && actions.every((a) => a.type === "redirect" && a.redirect?.protocol === "HTTPS")) return undefined;
    return `Listener ${r.name} serves plain HTTP on port ${peek(() => r.props.port) ?? "unset"}. Add an HTTPS listener with a certificate and make this one redirect to HTTPS (defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }]).`;
}

function reachText(r: Reach): string {
    const and = (xs: string[]) => xs.length > 1 ? `${xs.slice(0, -1).join(", ")} and ${xs[xs.length - 1]}` : xs[0];
    return `${r.groups.length > 1 ? "security groups" : "security group"} ${and(r.groups)} ${r.groups.length > 1 ? "admit" : "admits"} ${and(r.cidrs)}`;
}

/**
 * Plain HTTP exposes sessions and passwords on the wire; port 80 may only send clients to HTTPS. At
 * stages 3-4 the web listener is the load balancer's; at stages 1-2 it is nginx on the host, judged by
 * the site the program hands it, where the internet reaches it.
 */
export const httpsListener: StackValidationPolicy = {
    name: "https-listener",
    description: "Web listeners must serve HTTPS: a load balancer's HTTP listener, and nginx on a host the internet reaches, may only redirect plain HTTP to HTTPS.",
    validateStack: (args, reportViolation) => {
        const all = args.resources;
        for (const r of all) {
            const message = listenerViolation(r);
            if (message) reportViolation(message, r.urn);
        }
        for (const web of webHosts(all)) {
            for (const site of web.sites) {
                const plainPorts = plainHttpPorts(site.text);
                // Who reaches a host outside the program is unknown: its HTTP port counts.
                const reach = web.host ? publicReach(web.host, plainPorts, all) : undefined;
                const ports = web.host ? reach?.ports ?? [] : plainPorts.filter((p) => p === HTTP_PORT);
                if (ports.length === 0) continue;
                const to = reach ? `, and its ${reachText(reach)} there` : "";
                reportViolation(`The nginx site that ${site.senderName} hands ${web.name} serves plain HTTP on ${portsText(ports)} instead of only redirecting to HTTPS${to}. ${SITE_ADVICE}`, site.sender.urn);
            }
            if (!web.host || web.sites.length > 0 || web.pending) continue;
            // Port 80 open to the world, and no site of the program's: nothing there redirects to HTTPS.
            const reach = publicReach(web.host, [HTTP_PORT], all);
            if (!reach) continue;
            const name = web.name[0].toUpperCase() + web.name.slice(1);
            reportViolation(`${name} takes port 80 from the internet (its ${reachText(reach)}), but this program hands its web server no site (no deploy step sends one, its user data writes none), so nothing there redirects to HTTPS: port 80 serves plain HTTP. ${DEPLOY_ADVICE}`, web.host.urn);
        }
    },
};
