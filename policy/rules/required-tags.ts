import { ResourceValidationPolicy } from "@pulumi/policy";
import { configOf, Fields, schemaOf } from "../lib/config";
import { peek } from "../lib/graph";
import { takesTags } from "../lib/taggable";

const FIELDS: Fields = {
    tags: { type: "array", items: { type: "string" }, default: ["Project", "Environment", "Stage"], description: "Tag keys every taggable resource must carry with a non-empty value." },
};

export const requiredTags: ResourceValidationPolicy = {
    name: "required-tags",
    description: "Every taggable AWS resource carries the project, environment and stage tags, so cost and ownership are visible.",
    configSchema: schemaOf(FIELDS),
    validateResource: (args, reportViolation) => {
        if (!takesTags(args.type)) return;
        const { tags: required } = configOf<{ tags: string[] }>(FIELDS, args.getConfig());
        const raw = peek(() => args.props.tags);
        // Auto Scaling groups write tags as a list of {key, value, propagateAtLaunch}.
        const tags: Record<string, unknown> = Array.isArray(raw)
            ? Object.fromEntries((raw as { key: string; value: string }[]).map((t) => [t.key, t.value]))
            : ((raw as Record<string, unknown> | undefined) ?? {});
        const missing = required.filter((k) => typeof tags[k] !== "string" || tags[k] === "");
        if (missing.length > 0) reportViolation(`${args.name} lacks the tag${missing.length > 1 ? "s" : ""} ${missing.join(", ")}.`);
    },
};
