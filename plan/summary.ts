// The pull request's comment: per stack, the resources changed against the base branch, the policy
// verdicts and the monthly cost with its difference. Rendered from the plan's --json by pure code, and
// kept under GitHub's 65,536-character limit by shortening the longest lists first.

export const GITHUB_COMMENT_LIMIT = 65_536;
export const MARKER = "<!-- webapp-plan-summary -->";

interface PlanDoc {
    resources: { urn: string; type: string; name: string; props?: unknown }[];
    violations?: { policyName: string; enforcementLevel: string; message: string; urn: string }[];
    /** Totals are null when a resource has no price (lib/cost.ts). */
    cost?: { monthlyUsd: number | null; withFreeTierUsd: number | null; byCategory: Record<string, number> };
}

export interface StackPlans {
    stack: string;
    head: PlanDoc;
    /** Undefined when the base branch had no such stack (or no plan tool yet). */
    base?: PlanDoc;
    /** A plan that failed to run: its one-line error. */
    error?: string;
}

interface Change {
    kind: "+" | "-" | "~";
    type: string;
    name: string;
}

export function resourceChanges(head: PlanDoc, base?: PlanDoc): Change[] {
    const before = new Map((base?.resources ?? []).map((r) => [r.urn, JSON.stringify(r.props ?? null)]));
    const after = new Map(head.resources.map((r) => [r.urn, r]));
    const changes: Change[] = [];
    for (const r of head.resources) {
        if (!before.has(r.urn)) changes.push({ kind: "+", type: r.type, name: r.name });
        else if (before.get(r.urn) !== JSON.stringify(r.props ?? null)) changes.push({ kind: "~", type: r.type, name: r.name });
    }
    for (const r of base?.resources ?? []) if (!after.has(r.urn)) changes.push({ kind: "-", type: r.type, name: r.name });
    return changes;
}

const usd = (n: number | null) => (n === null ? "unpriced" : `$${n.toFixed(2)}`);
const signed = (n: number) => `${n >= 0 ? "+" : "−"}$${Math.abs(n).toFixed(2)}`;
const escape = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** The whole comment; `maxListed` caps each list, lowered until the text fits. */
export function renderSummary(plans: StackPlans[], maxListed = 200): string {
    for (let cap = maxListed; ; cap = Math.floor(cap / 2)) {
        const text = render(plans, cap);
        if (text.length <= GITHUB_COMMENT_LIMIT || cap === 0) return text.length <= GITHUB_COMMENT_LIMIT ? text : text.slice(0, GITHUB_COMMENT_LIMIT - 80) + "\n\n… (cut to GitHub's comment limit)\n";
    }
}

function render(plans: StackPlans[], cap: number): string {
    const mandatory = (p: PlanDoc) => (p.violations ?? []).filter((v) => v.enforcementLevel === "mandatory").length;
    const blocked = plans.some((p) => p.error || mandatory(p.head) > 0);
    const out = [MARKER, `## Infrastructure plan ${blocked ? ":no_entry: blocked" : ":white_check_mark:"}`, ""];
    out.push("| stack | changes (+ added, ~ changed, − removed) | mandatory | advisory | monthly cost | vs base |", "|---|---|---|---|---|---|");
    for (const p of plans) {
        if (p.error) {
            out.push(`| ${p.stack} | plan failed | - | - | - | - |`);
            continue;
        }
        const c = resourceChanges(p.head, p.base);
        const count = (k: string) => c.filter((x) => x.kind === k).length;
        const cost = p.head.cost;
        const [now, before] = [cost?.monthlyUsd, p.base?.cost?.monthlyUsd];
        const diff = typeof now === "number" && typeof before === "number" ? signed(now - before) : cost && p.base?.cost ? "-" : "new";
        const advisory = (p.head.violations ?? []).length - mandatory(p.head);
        out.push(`| ${p.stack} | +${count("+")} ~${count("~")} −${count("-")} | ${mandatory(p.head)} | ${advisory} | ${cost ? usd(cost.monthlyUsd) : "-"} | ${diff} |`);
    }
    for (const p of plans) {
        out.push("", `### ${p.stack}`);
        if (p.error) {
            out.push("", `The plan failed: \`${escape(p.error)}\``);
            continue;
        }
        const violations = p.head.violations ?? [];
        if (violations.length > 0) {
            out.push("", "| level | rule | resource | message |", "|---|---|---|---|");
            for (const v of violations.slice(0, cap)) out.push(`| ${v.enforcementLevel === "mandatory" ? ":no_entry: mandatory" : "advisory"} | ${v.policyName} | ${escape(v.urn.split("::").pop() ?? v.urn)} | ${escape(v.message.split("\n").pop() ?? "")} |`);
            if (violations.length > cap) out.push(`| … | ${violations.length - cap} more | | |`);
        } else out.push("", "No policy violations.");
        const cost = p.head.cost;
        if (cost) {
            const base = p.base?.cost;
            out.push("", "| cost a month | this branch | base |", "|---|---|---|");
            for (const [cat, v] of Object.entries(cost.byCategory)) out.push(`| ${cat} | ${usd(v)} | ${base ? usd(base.byCategory[cat] ?? 0) : "-"} |`);
            out.push(`| **total** | **${usd(cost.monthlyUsd)}** | ${base ? usd(base.monthlyUsd) : "-"} |`, `| with the free tier | ${usd(cost.withFreeTierUsd)} | ${base ? usd(base.withFreeTierUsd) : "-"} |`);
        }
        const changes = resourceChanges(p.head, p.base);
        if (changes.length > 0) {
            out.push("", `<details><summary>${changes.length} resource change${changes.length > 1 ? "s" : ""}</summary>`, "", "| | type | name |", "|---|---|---|");
            for (const c of changes.slice(0, cap)) out.push(`| ${c.kind === "-" ? "−" : c.kind} | ${c.type} | ${escape(c.name)} |`);
            if (changes.length > cap) out.push(`| … | ${changes.length - cap} more | (the plan JSON is in the workflow's artifacts) |`);
            out.push("", "</details>");
        }
    }
    return out.join("\n") + "\n";
}
