import { ResourceValidationPolicy } from "@pulumi/policy";
import { configOf, Fields, schemaOf } from "../lib/config";

const FIELDS: Fields = {
    instanceTypes: { type: "array", items: { type: "string" }, default: ["t3.micro", "t3.small", "t3.medium", "t4g.micro", "t4g.small", "t4g.medium"], description: "EC2 instance types this environment may run." },
    dbInstanceClasses: { type: "array", items: { type: "string" }, default: ["db.t4g.micro", "db.t4g.small", "db.t4g.medium", "db.t3.micro", "db.t3.small"], description: "RDS instance classes this environment may run." },
};

interface Config {
    instanceTypes: string[];
    dbInstanceClasses: string[];
}

const FIELD_OF: Record<string, ["instanceType" | "instanceClass", keyof Config]> = {
    "aws:ec2/instance:Instance": ["instanceType", "instanceTypes"],
    "aws:ec2/launchTemplate:LaunchTemplate": ["instanceType", "instanceTypes"],
    "aws:rds/instance:Instance": ["instanceClass", "dbInstanceClasses"],
    "aws:rds/clusterInstance:ClusterInstance": ["instanceClass", "dbInstanceClasses"],
};

/** A cost guard: a typo of m5.24xlarge for m5.large should fail in review, not on the bill. */
export const costGuard: ResourceValidationPolicy = {
    name: "cost-guard",
    description: "Instance types and database classes are limited to those allowed for the environment.",
    configSchema: schemaOf(FIELDS),
    validateResource: (args, reportViolation) => {
        const entry = FIELD_OF[args.type];
        if (!entry) return;
        const [field, key] = entry;
        const cfg = configOf<Config>(FIELDS, args.getConfig());
        const value = args.props[field];
        if (typeof value === "string" && !cfg[key].includes(value)) {
            reportViolation(`${args.name} uses ${field} ${value}, which is not allowed here; allowed: ${cfg[key].join(", ")}.`);
        }
    },
};
