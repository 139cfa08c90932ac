import { ResourceValidationPolicy } from "@pulumi/policy";
import { SSH_PORT } from "../../lib/ports";
import { configOf, EXPOSURE_FIELDS, Fields, schemaOf } from "../lib/config";
import { exposures, ExposurePolicy, INGRESS_TYPES } from "../lib/ingress";

const FIELDS: Fields = {
    ...EXPOSURE_FIELDS,
    extraPorts: { type: "array", items: { type: "number" }, default: [], description: "More TCP ports treated like SSH (e.g. 2222 or 3389 for RDP)." },
};

interface Config extends ExposurePolicy {
    extraPorts: number[];
}

/** CKV_AWS_24 and more: SSH is never open to the world, however the rule is written. */
export const sshRestricted: ResourceValidationPolicy = {
    name: "ssh-restricted",
    description: "SSH (TCP 22) may only be opened to narrow, known ranges; use SSM Session Manager otherwise.",
    configSchema: schemaOf(FIELDS),
    validateResource: (args, reportViolation) => {
        if (!INGRESS_TYPES.includes(args.type)) return;
        const cfg = configOf<Config>(FIELDS, args.getConfig());
        for (const e of exposures(args.type, args.props, [SSH_PORT, ...cfg.extraPorts], cfg)) {
            reportViolation(`Ingress admits TCP port ${e.port} (SSH) from ${e.why}. Allow only office addresses (config adminCidrs) or close SSH and use SSM Session Manager.`);
        }
    },
};
