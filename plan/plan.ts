// The offline plan as a library: options in, a program run out. The CLI (cli.ts) only prints it.
import * as fs from "fs";
import * as path from "path";
import { CostEstimate, estimateCost, PRICED_REGIONS } from "../lib/cost";
import { PlanOptions } from "./args";
import { loadPolicyPack, LoadedPack, readPolicyConfigFile, resolvePolicyConfig, runPolicies, Verdict } from "./policy";
import { maskSecrets, ProgramRun, runProgram } from "./run";
import { fullKey, readProjectName, readStackConfig, UsageError } from "./stackFile";

export const PROJECT_DIR = path.resolve(__dirname, "..");

export const POLICY_DIR = path.join(PROJECT_DIR, "policy");

export interface PolicyResult {
    pack: LoadedPack;
    /** The config file applied, if any. */
    configFile?: string;
    verdicts: Verdict[];
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
    return estimateCost(run.resources.map((r) => ({ type: r.type, name: r.name, props: maskSecrets(r.props) as Record<string, unknown> })), region);
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
    // Flags and config files are checked before the program runs, so nothing is half done.
    const configFile = opts.policyConfig ?? (opts.program ? undefined : defaultPolicyConfig(opts.stack));
    const policyFile = opts.policy && configFile ? readPolicyConfigFile(configFile) : {};
    const run = await runProgram({
        program: opts.program ? path.resolve(opts.program) : PROJECT_DIR,
        project: base.project,
        stack: opts.stack,
        region,
        config,
        secretKeys: [...secretKeys],
    });
    const cost = costOf(run, region);
    if (!opts.policy) return { run, region, cost };
    const pack = await loadPolicyPack(POLICY_DIR);
    const policyConfig = resolvePolicyConfig(pack, policyFile, configFile);
    const verdicts = await runPolicies(pack, run, policyConfig, region, { preview: true });
    return { run, region, cost, policy: { pack, configFile, verdicts } };
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
