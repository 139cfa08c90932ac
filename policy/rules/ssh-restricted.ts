import { StackValidationPolicy } from "@pulumi/policy";
import { configOf, EXPOSURE_FIELDS, Fields, schemaOf } from "../lib/config";
import { ExposurePolicy, findings, portsText, publicAudience, sentence } from "../lib/exposure";
import { sshPorts } from "../lib/sshd";

const FIELDS: Fields = {
    ...EXPOSURE_FIELDS,
    extraPorts: { type: "array", items: { type: "number" }, default: [], description: "More TCP ports treated like SSH (e.g. 2222 or 3389 for RDP); sshd Port lines in user data are added by themselves." },
};

interface Config extends ExposurePolicy {
    extraPorts: number[];
}

/** CKV_AWS_24 and more: SSH is never open to the internet, through any resource that can open it. */
export const sshRestricted: StackValidationPolicy = {
    name: "ssh-restricted",
    description: "SSH (TCP 22 and the program's other sshd ports) may only be opened to narrow, known ranges; use SSM Session Manager otherwise.",
    configSchema: schemaOf(FIELDS),
    validateStack: (args, reportViolation) => {
        const cfg = configOf<Config>(FIELDS, args.getConfig());
        for (const f of findings(args.resources, sshPorts(args.resources, cfg.extraPorts), (cidr) => publicAudience(cidr, cfg))) {
            reportViolation(`${sentence(f, `SSH (${portsText(f.ports)})`)} Allow SSH only from narrow address ranges or security groups you own, or close it and use SSM Session Manager.`, f.resource.urn);
        }
    },
};
