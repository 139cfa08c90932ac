import { ResourceValidationPolicy } from "@pulumi/policy";

const TYPES = ["aws:ec2/instance:Instance", "aws:ec2/launchTemplate:LaunchTemplate", "aws:ec2/launchConfiguration:LaunchConfiguration"];

/** IMDSv1 lets any SSRF in the app read the instance role's credentials; v2 needs a session token. */
export const imdsv2Required: ResourceValidationPolicy = {
    name: "imdsv2-required",
    description: "Instances and launch templates must require IMDSv2 (metadataOptions.httpTokens = \"required\").",
    validateResource: (args, reportViolation) => {
        if (!TYPES.includes(args.type)) return;
        const meta = args.props.metadataOptions as { httpTokens?: string; httpEndpoint?: string } | undefined;
        if (meta?.httpEndpoint === "disabled" || meta?.httpTokens === "required") return;
        reportViolation(`${args.name} allows IMDSv1 (metadataOptions.httpTokens is ${JSON.stringify(meta?.httpTokens ?? "unset")}). Set metadataOptions.httpTokens to "required".`);
    },
};
