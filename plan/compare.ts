// `npm run plan -- --compare`: the four stages of one stack side by side: resources, monthly cost
// by category, with the free tier, and policy verdicts. Users choose a stage by what it costs.
import { Category } from "../lib/cost";
import { PlanOptions } from "./args";
import { makePlan, Plan } from "./plan";
import { CATEGORIES, countCustom } from "./render";
import { STAGES } from "../stacks/stages";

export interface StageSummary {
    resources: number;
    /** null: a resource has no price, so no total (lib/cost.ts). */
    monthlyUsd?: number | null;
    withFreeTierUsd?: number | null;
    byCategory?: Record<Category, number>;
    mandatoryViolations?: number;
}

export async function compareStages(opts: PlanOptions): Promise<Record<string, StageSummary>> {
    const result: Record<string, StageSummary> = {};
    for (const stage of STAGES) {
        // The stack's own settings stay; only the stage changes (and switches it does not allow).
        const p: Plan = await makePlan({ ...opts, config: [...opts.config.filter(([k]) => k !== "stage"), ["stage", stage]] });
        result[stage] = {
            resources: countCustom(p.run),
            monthlyUsd: p.cost?.monthlyUsd,
            withFreeTierUsd: p.cost?.withFreeTierUsd,
            byCategory: p.cost?.byCategory,
            mandatoryViolations: p.policy?.verdicts.filter((v) => v.enforcementLevel === "mandatory").length,
        };
    }
    return result;
}

export function renderComparison(stack: string, stages: Record<string, StageSummary>): string {
    const cols = Object.keys(stages);
    const money = (n?: number | null) => (n === undefined ? "-" : n === null ? "unpriced" : `$${n.toFixed(2)}`);
    const row = (label: string, cells: string[]) => `${label.padEnd(22)}${cells.map((c) => c.padStart(13)).join("")}`;
    return [
        `The stages of ${stack} side by side (monthly, list prices):`,
        row("", cols),
        row("resources", cols.map((c) => String(stages[c].resources))),
        ...CATEGORIES.map((cat) => row(cat, cols.map((c) => money(stages[c].byCategory?.[cat])))),
        row("total a month", cols.map((c) => money(stages[c].monthlyUsd))),
        row("with the free tier", cols.map((c) => money(stages[c].withFreeTierUsd))),
        row("mandatory violations", cols.map((c) => String(stages[c].mandatoryViolations ?? "-"))),
    ].join("\n");
}

export async function compare(opts: PlanOptions): Promise<number> {
    const stages = await compareStages(opts);
    process.stdout.write((opts.json ? JSON.stringify({ stack: opts.stack, stages }, null, 2) : renderComparison(opts.stack, stages)) + "\n");
    return Object.values(stages).some((s) => (s.mandatoryViolations ?? 0) > 0) ? 1 : 0;
}
