// The offline plan as a library: options in, a program run out. The CLI (cli.ts) only prints it.
import * as path from "path";
import { PlanOptions } from "./args";
import { ProgramRun, runProgram } from "./run";
import { fullKey, readProjectName, readStackConfig, UsageError } from "./stackFile";

export const PROJECT_DIR = path.resolve(__dirname, "..");

export interface Plan {
    run: ProgramRun;
    region: string;
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
    const run = await runProgram({
        program: opts.program ? path.resolve(opts.program) : PROJECT_DIR,
        project: base.project,
        stack: opts.stack,
        region,
        config,
        secretKeys: [...secretKeys],
    });
    return { run, region };
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
