// Human and machine views of a program run: a tree of resources by component with their key
// properties, and the JSON document (`--json`). Secrets are masked in both.
import * as path from "path";
import { Category, CostEstimate } from "../lib/cost";
import { Verdict } from "../offline-engine/analyze";
import { isProviderType, ROOT_STACK_TYPE } from "../offline-engine/monitor";
import { PolicyResult } from "./plan";
import { maskSecrets, PlannedResource, ProgramRun } from "./run";

/** The properties worth a glance, per resource type; others show none in the tree (all are in --json). */
const KEY_PROPS: Record<string, string[]> = {
    "aws:ec2/vpc:Vpc": ["cidrBlock"],
    "aws:ec2/subnet:Subnet": ["cidrBlock", "availabilityZone", "mapPublicIpOnLaunch"],
    "aws:ec2/route:Route": ["destinationCidrBlock"],
    "aws:ec2/instance:Instance": ["instanceType", "ami", "associatePublicIpAddress"],
    "aws:ebs/volume:Volume": ["size", "type", "encrypted"],
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": ["ipProtocol", "fromPort", "toPort", "cidrIpv4", "cidrIpv6", "referencedSecurityGroupId"],
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": ["ipProtocol", "fromPort", "toPort", "cidrIpv4", "cidrIpv6", "referencedSecurityGroupId"],
    "aws:rds/instance:Instance": ["engine", "engineVersion", "instanceClass", "allocatedStorage", "publiclyAccessible", "storageEncrypted", "backupRetentionPeriod", "deletionProtection"],
    "aws:lb/loadBalancer:LoadBalancer": ["loadBalancerType", "internal"],
    "aws:lb/targetGroup:TargetGroup": ["port", "protocol"],
    "aws:lb/listener:Listener": ["port", "protocol"],
    "aws:lb/listenerRule:ListenerRule": ["priority"],
    "aws:ec2/launchTemplate:LaunchTemplate": ["instanceType", "imageId"],
    "aws:autoscaling/group:Group": ["minSize", "maxSize", "desiredCapacity"],
    "aws:autoscaling/policy:Policy": ["policyType"],
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": ["policyArn"],
    "command:remote:Command": ["create"],
    "command:remote:CopyToRemote": ["remotePath"],
};

const MAX_PROP = 110;

function formatValue(value: unknown): string {
    if (typeof value === "string") return value;
    return JSON.stringify(value);
}

/** One line per property in the tree: long values (command lines) are cut, --json has them whole. */
function short(value: unknown): string {
    const text = formatValue(value);
    return text.length > MAX_PROP ? `${text.slice(0, MAX_PROP)}…` : text;
}

function keyProps(r: PlannedResource, showSecrets: boolean): string {
    const props = maskSecrets(r.props, showSecrets) as Record<string, unknown>;
    const keys = KEY_PROPS[r.type] ?? [];
    const parts = keys.filter((k) => props[k] !== undefined && props[k] !== "").map((k) => `${k}=${short(props[k])}`);
    if (r.type === "aws:ec2/instance:Instance" || r.type === "aws:ec2/launchTemplate:LaunchTemplate") {
        const meta = props.metadataOptions as Record<string, unknown> | undefined;
        if (meta?.httpTokens) parts.push(`imds=${meta.httpTokens === "required" ? "v2-only" : "v1-allowed"}`);
    }
    return parts.join(" ");
}

/** The resource tree, indented by parent, in registration order (the engine's default providers left out). */
export function renderTree(run: ProgramRun, showSecrets = false): string {
    const children = new Map<string, PlannedResource[]>();
    for (const r of run.resources) {
        const list = children.get(r.parent) ?? [];
        list.push(r);
        children.set(r.parent, list);
    }
    const lines: string[] = [];
    const walk = (parent: string, indent: string) => {
        const list = children.get(parent) ?? [];
        list.forEach((r, i) => {
            const last = i === list.length - 1;
            const props = keyProps(r, showSecrets);
            lines.push(`${indent}${last ? "└─ " : "├─ "}${r.type}  ${r.name}${props ? "  " + props : ""}`);
            walk(r.urn, indent + (last ? "   " : "│  "));
        });
    };
    const roots = (children.get("") ?? []).filter((r) => r.type === ROOT_STACK_TYPE);
    for (const root of roots) {
        lines.push(`${root.type}  ${root.name}`);
        walk(root.urn, "");
    }
    return lines.join("\n");
}

export function renderOutputs(outputs: Record<string, unknown>, showSecrets = false): string {
    const masked = maskSecrets(outputs, showSecrets) as Record<string, unknown>;
    const lines = Object.entries(masked).map(([k, v]) => `    ${k}: ${formatValue(v)}`);
    return lines.length > 0 ? "Outputs:\n" + lines.join("\n") : "Outputs: (none)";
}

/** Resources the program creates: custom ones, not the engine's providers. */
export function countCustom(run: ProgramRun): number {
    return run.resources.filter((r) => r.custom && !isProviderType(r.type)).length;
}

/** The policy section of the text view: one line per verdict, mandatory first. */
export function renderVerdicts(policy: PolicyResult): string {
    const order = (v: Verdict) => (v.enforcementLevel === "mandatory" ? 0 : 1);
    const sorted = [...policy.verdicts].sort((a, b) => order(a) - order(b));
    const mandatory = sorted.filter((v) => v.enforcementLevel === "mandatory").length;
    const packs = policy.packs.map(({ pack, configFile }) => `${pack.name} ${pack.version}, ${pack.policies.length} rules${configFile ? `, config ${path.relative(process.cwd(), configFile)}` : ""}`);
    const head = `Policies: ${packs.join("; ")}: ${mandatory} mandatory violation${mandatory === 1 ? "" : "s"}, ${sorted.length - mandatory} advisory`;
    const lines = sorted.map((v) => `    [${v.enforcementLevel}] ${v.policyName}  ${v.urn}\n        ${v.message.replace(/\n/g, " ")}`);
    return [head, ...lines].join("\n");
}

const usd = (n: number) => `$${n.toFixed(2)}`;
export const CATEGORIES: Category[] = ["compute", "storage", "network", "database", "monitoring"];

/** The cost section of the text view: items by category, the total, the free tier apart. */
export function renderCost(cost: CostEstimate | undefined, region: string): string {
    if (!cost) return `Monthly cost: no prices for ${region} in lib/prices.json (it has us-east-1 and ap-northeast-2)`;
    const lines = [`Monthly cost (${cost.region}, list prices of ${cost.priceDate}, lib/prices.json):`];
    for (const cat of CATEGORIES) {
        const items = cost.items.filter((i) => i.category === cat);
        if (items.length === 0) continue;
        lines.push(`    ${cat.padEnd(11)} ${usd(cost.byCategory[cat]).padStart(9)}`);
        const grouped = new Map<string, { usd: number; n: number }>();
        for (const i of items) {
            const g = grouped.get(i.description) ?? { usd: 0, n: 0 };
            grouped.set(i.description, { usd: g.usd + i.monthlyUsd, n: g.n + 1 });
        }
        for (const [d, g] of grouped) lines.push(`        ${usd(g.usd).padStart(9)}  ${d}${g.n > 1 ? ` (${g.n} of them)` : ""}`);
    }
    if (cost.monthlyUsd === null || cost.withFreeTierUsd === null) {
        lines.push(`    ${"total".padEnd(11)} no total: unpriced ${cost.unpriced.join(", ")} (no list price in lib/prices.json)`);
    } else {
        lines.push(`    ${"total".padEnd(11)} ${usd(cost.monthlyUsd).padStart(9)} a month`);
        lines.push(`    free tier covers ${usd(cost.monthlyUsd - cost.withFreeTierUsd)}: ${usd(cost.withFreeTierUsd)} a month while it lasts (${cost.freeTier.map((f) => f.description).join("; ")})`);
    }
    return lines.join("\n");
}

/** A resource's options as the program set them; the provider by its URN. */
function optionsOf(r: PlannedResource): object {
    const o = r.options;
    return {
        protect: o.protect,
        retainOnDelete: o.retainOnDelete,
        deleteBeforeReplace: o.deleteBeforeReplace ?? null,
        replaceOnChanges: o.replaceOnChanges,
        ignoreChanges: o.ignoreChanges,
        dependsOn: o.dependsOn,
        provider: r.provider ? r.provider.split("::").slice(0, -1).join("::") : null,
        customTimeouts: o.customTimeouts ?? null,
        aliases: o.aliases,
    };
}

/** The machine view: every resource with its planned inputs and options, the outputs, the verdicts and the cost; secrets masked unless shown. */
export function planJson(run: ProgramRun, policy?: PolicyResult, cost?: CostEstimate, showSecrets = false): object {
    return {
        resources: run.resources.map((r) => ({ urn: r.urn, type: r.type, name: r.name, parent: r.parent, props: maskSecrets(r.props, showSecrets), options: optionsOf(r) })),
        outputs: maskSecrets(run.outputs, showSecrets),
        ...(policy ? {
            policyPacks: policy.packs.map(({ pack, configFile }) => ({ name: pack.name, version: pack.version, config: configFile ?? null })),
            violations: policy.verdicts.map((v) => ({ policyPack: v.policyPack, policyName: v.policyName, enforcementLevel: v.enforcementLevel, message: v.message, urn: v.urn })),
            remediations: policy.remediations.map((x) => ({ policyPack: x.policyPack, policyName: x.policyName, urn: x.urn, props: maskSecrets(x.props, showSecrets) })),
        } : {}),
        ...(cost ? { cost } : {}),
    };
}
