import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { estimateCost, PRICED_REGIONS } from "../../lib/cost";
import { configOf, Fields, schemaOf } from "../lib/config";
import { peek } from "../lib/graph";

const FIELDS: Fields = {
    instanceTypes: { type: "array", items: { type: "string" }, default: ["t3.micro", "t3.small", "t3.medium", "t4g.micro", "t4g.small", "t4g.medium"], description: "EC2 instance types this environment may run." },
    dbInstanceClasses: { type: "array", items: { type: "string" }, default: ["db.t4g.micro", "db.t4g.small", "db.t4g.medium", "db.t3.micro", "db.t3.small"], description: "RDS instance classes this environment may run." },
    monthlyBudgetUsd: { type: "number", default: 0, description: "Flag a stack whose estimated monthly cost (list prices, lib/prices.json) is above this; 0 for no budget." },
};

interface Config {
    instanceTypes: string[];
    dbInstanceClasses: string[];
    monthlyBudgetUsd: number;
}

const FIELD_OF: Record<string, ["instanceType" | "instanceClass", "instanceTypes" | "dbInstanceClasses"]> = {
    "aws:ec2/instance:Instance": ["instanceType", "instanceTypes"],
    "aws:ec2/launchTemplate:LaunchTemplate": ["instanceType", "instanceTypes"],
    "aws:rds/instance:Instance": ["instanceClass", "dbInstanceClasses"],
    "aws:rds/clusterInstance:ClusterInstance": ["instanceClass", "dbInstanceClasses"],
};

/** A plain copy with every value the engine does not know yet left out (a preview knows sizes, not ids). */
function known(value: unknown): unknown {
    // Index by hand: Array.prototype.map would read each element through the proxy first.
    if (Array.isArray(value)) return Array.from({ length: value.length }, (_, i) => known(peek(() => value[i])));
    if (typeof value === "object" && value !== null) {
        return Object.fromEntries(Object.keys(value).map((k) => [k, known(peek(() => (value as Record<string, unknown>)[k]))]).filter(([, v]) => v !== undefined));
    }
    return value;
}

function knownProps(r: PolicyResource): Record<string, unknown> {
    return known(r.props) as Record<string, unknown>;
}

/** A cost guard: a typo of m5.24xlarge for m5.large, or a stage the budget cannot carry, fails in review. */
export const costGuard: StackValidationPolicy = {
    name: "cost-guard",
    description: "Instance types and database classes are limited to those allowed for the environment, and the monthly estimate stays within the budget.",
    configSchema: schemaOf(FIELDS),
    validateStack: (args, reportViolation) => {
        const cfg = configOf<Config>(FIELDS, args.getConfig());
        for (const r of args.resources) {
            const entry = FIELD_OF[r.type];
            if (!entry) continue;
            const [field, key] = entry;
            const value = peek(() => r.props[field]);
            if (typeof value === "string" && !cfg[key].includes(value)) {
                reportViolation(`${r.name} uses ${field} ${value}, which is not allowed here; allowed: ${cfg[key].join(", ")}.`, r.urn);
            }
        }
        if (cfg.monthlyBudgetUsd > 0) {
            const region = args.resources.map((r) => peek(() => r.provider?.props.region) as string | undefined).find((x) => x !== undefined);
            if (!region || !PRICED_REGIONS.includes(region)) return;
            const cost = estimateCost(args.resources.map((r) => ({ type: r.type, name: r.name, props: knownProps(r) })), region);
            if (cost.monthlyUsd === null) {
                // A total without the unpriced resource would pass a budget the stack does not keep.
                reportViolation(`The stack's cost cannot be checked against the budget of $${cfg.monthlyBudgetUsd.toFixed(2)}: no list price for ${cost.unpriced.join(", ")} in ${region} (lib/prices.json). Choose a priced type, or add its price to the table with its source and date.`);
            } else if (cost.monthlyUsd > cfg.monthlyBudgetUsd) {
                reportViolation(`The stack's estimated cost is $${cost.monthlyUsd.toFixed(2)} a month (list prices in ${region}), over the budget of $${cfg.monthlyBudgetUsd.toFixed(2)}. Choose a smaller stage or smaller types, or raise monthlyBudgetUsd.`);
            }
        }
    },
};
