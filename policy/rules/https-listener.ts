import { ResourceValidationPolicy } from "@pulumi/policy";

const TYPES = ["aws:lb/listener:Listener", "aws:alb/listener:Listener"];

interface Action { type?: string; redirect?: { protocol?: string } }

/** Plain HTTP exposes sessions and passwords on the wire; port 80 may only send clients to HTTPS. */
export const httpsListener: ResourceValidationPolicy = {
    name: "https-listener",
    description: "Load balancer listeners must serve HTTPS; an HTTP listener may only redirect to HTTPS.",
    validateResource: (args, reportViolation) => {
        if (!TYPES.includes(args.type) || args.props.protocol !== "HTTP") return;
        const actions = (args.props.defaultActions ?? []) as Action[];
        // The redirect's protocol defaults to #{protocol}, which keeps HTTP: only an explicit HTTPS counts.
        if (actions.length > 0 && actions.every((a) => a.type === "redirect" && a.redirect?.protocol === "HTTPS")) return;
        reportViolation(`Listener ${args.name} serves plain HTTP on port ${args.props.port ?? "unset"}. Add an HTTPS listener with a certificate and make this one redirect to HTTPS (defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }]).`);
    },
};
