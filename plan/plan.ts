// The offline plan as a library: options in, a program run with its verdicts and cost out. It drives
// the offline engine (offline-engine/) with this project's stack files and pack; the CLI only prints.
import * as fs from "fs";
import * as path from "path";
import { CostEstimate, estimateCost, PRICED_REGIONS } from "../lib/cost";
import { analyze, Remediation, Verdict } from "../offline-engine/analyze";
import { LoadedPack, loadPolicyPack } from "../offline-engine/packs";
import { readPolicyConfigFile, resolvePolicyConfigs } from "../offline-engine/policyConfig";
import { knownPart } from "../offline-engine/wire";
import { PlanOptions } from "./args";
import { maskSecrets, ProgramRun, runProgram } from "./run";
import { fullKey, readProjectName, readStackConfig, UsageError } from "./stackFile";

export const PROJECT_DIR = path.resolve(__dirname, "..");

export const POLICY_DIR = path.join(PROJECT_DIR, "policy");

export interface AppliedPack {
    pack: LoadedPack;
    /** The config file applied, if any. */
    configFile?: string;
}

export interface PolicyResult {
    packs: AppliedPack[];
    verdicts: Verdict[];
    remediations: Remediation[];
}

export interface Plan {
    run: ProgramRun;
    region: string;
    policy?: PolicyResult;
    /** Undefined for a region the price table does not have. */
    cost?: CostEstimate;
}

export function costOf(run: ProgramRun, region: string): CostEstimate | undefined {
    if (!PRICED_REGIONS.includes(region)) return undefined;
    // A preview's unknown values are absent from the estimate, as they are from the plan's knowledge.
    return estimateCost(run.resources.map((r) => ({ type: r.type, name: r.name, props: maskSecrets(knownPart(r.props)) as Record<string, unknown> })), region);
}

/** The packs and their config files: `--policy-pack`s in order, or this project's pack with its per-stack file. */
function packsOf(opts: PlanOptions): { dir: string; configFile?: string }[] {
    const dirs = opts.policyPacks?.length ? opts.policyPacks.map((d) => path.resolve(d)) : [POLICY_DIR];
    return dirs.map((dir, i) => ({
        dir,
        configFile: opts.policyConfigs?.[i] ?? (dir === POLICY_DIR && !opts.program ? defaultPolicyConfig(opts.stack) : undefined),
    }));
}

/** Runs this project's stack (or another program) with the stack file's config plus overrides. */
export async function makePlan(opts: PlanOptions): Promise<Plan> {
    const dir = opts.program ? programDir(opts.program) : PROJECT_DIR;
    const base = opts.program
        ? { project: safeProjectName(dir), config: {} as Record<string, string>, secretKeys: [] as string[] }
        : readStackConfig(dir, opts.stack);
    const config = { ...base.config };
    const secretKeys = new Set(base.secretKeys);
    for (const [k, v] of opts.config) {
        config[fullKey(base.project, k)] = v;
        secretKeys.delete(fullKey(base.project, k));
    }
    for (const [k, v] of opts.secrets) {
        config[fullKey(base.project, k)] = v;
        secretKeys.add(fullKey(base.project, k));
    }
    // Foreign programs get a region so AWS data sources answer; ours must set it in the stack.
    const region = config["aws:region"] ?? (opts.program ? "us-east-1" : "");
    if (opts.program && !config["aws:region"]) config["aws:region"] = region;
    // Flags, packs and config files are checked before the program runs, so nothing is half done.
    const loaded = opts.policy
        ? await Promise.all(packsOf(opts).map(async (p) => {
            const pack = await loadPolicyPack(p.dir, { project: base.project, stack: opts.stack, config, secretKeys: [...secretKeys], dryRun: opts.preview === true });
            return { pack, configFile: p.configFile, file: p.configFile ? readPolicyConfigFile(p.configFile) : {} };
        }))
        : [];
    const configs = resolvePolicyConfigs(loaded);
    const packs = loaded.map(({ pack, configFile }, i) => ({ applied: { pack, configFile }, run: { pack, config: configs[i] } }));
    const run = await runProgram({
        program: opts.program ? path.resolve(opts.program) : PROJECT_DIR,
        project: base.project,
        stack: opts.stack,
        mode: opts.preview ? "preview" : "update",
        config,
        secretKeys: [...secretKeys],
    });
    const cost = costOf(run, region);
    if (!opts.policy) return { run, region, cost };
    // `pulumi up` previews first and reports every violation there; the plan shows them all too.
    const { verdicts, remediations } = await analyze(packs.map((p) => p.run), run, { stopAtMandatory: false, stackTags: Object.fromEntries(opts.stackTags ?? []) });
    return { run, region, cost, policy: { packs: packs.map((p) => p.applied), verdicts, remediations } };
}

/** policy/config/<stack>.json, the per-stack levels and settings, when the stack has one. */
export function defaultPolicyConfig(stack: string): string | undefined {
    const file = path.join(POLICY_DIR, "config", `${stack}.json`);
    return fs.existsSync(file) ? file : undefined;
}

function programDir(program: string): string {
    const abs = path.resolve(program);
    return path.extname(abs) ? path.dirname(abs) : abs;
}

/** A foreign program may have no Pulumi.yaml; then it is project "program". */
function safeProjectName(dir: string): string {
    try {
        return readProjectName(dir);
    } catch (err) {
        if (err instanceof UsageError) return "program";
        throw err;
    }
}
