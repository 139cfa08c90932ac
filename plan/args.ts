// Flags of `npm run plan`. Pure: argv in, options out, UsageError (exit 2) on anything unexpected.
import { UsageError } from "./stackFile";

export interface PlanOptions {
    stack: string;
    /** Overrides like `pulumi config set key value`; bare keys are the project's. */
    config: [string, string][];
    /** Overrides like `pulumi config set --secret key value`. */
    secrets: [string, string][];
    json: boolean;
    /** Another Pulumi program to check instead of this project. */
    program?: string;
    /** Run the policy pack over the plan (default); --no-policy skips it. */
    policy: boolean;
    /** A `--policy-pack-config` file; default policy/config/<stack>.json when it exists. */
    policyConfig?: string;
    /** All four stages side by side (cost, resources, verdicts) instead of one plan. */
    compare?: boolean;
    /** Print the architecture picture instead of the plan. */
    diagram?: "mermaid" | "dot" | "svg";
}

export const USAGE = "usage: npm run plan -- [--stack NAME] [--config key=value ...] [--secret key=value ...] [--program PATH] [--policy-config FILE | --no-policy] [--compare] [--diagram mermaid|dot|svg] [--json]";

function pair(flag: string, text: string | undefined): [string, string] {
    const eq = text?.indexOf("=") ?? -1;
    if (text === undefined || eq <= 0) throw new UsageError(`${flag} ${JSON.stringify(text ?? "")} is invalid: expected key=value`);
    return [text.slice(0, eq), text.slice(eq + 1)];
}

export function parsePlanArgs(argv: string[]): PlanOptions {
    const opts: PlanOptions = { stack: "dev", config: [], secrets: [], json: false, policy: true, compare: false };
    for (let i = 0; i < argv.length; i++) {
        const flag = argv[i];
        const value = () => {
            const v = argv[++i];
            if (v === undefined || v.startsWith("--")) throw new UsageError(`${flag} needs a value; ${USAGE}`);
            return v;
        };
        switch (flag) {
            case "--stack": {
                const stack = value();
                if (!/^[A-Za-z0-9_.-]+$/.test(stack)) throw new UsageError(`--stack ${JSON.stringify(stack)} is invalid: expected a stack name such as dev`);
                opts.stack = stack;
                break;
            }
            case "--config":
                opts.config.push(pair(flag, value()));
                break;
            case "--secret":
                opts.secrets.push(pair(flag, value()));
                break;
            case "--json":
                opts.json = true;
                break;
            case "--program":
                opts.program = value();
                break;
            case "--policy-config":
                opts.policyConfig = value();
                break;
            case "--no-policy":
                opts.policy = false;
                break;
            case "--compare":
                opts.compare = true;
                break;
            case "--diagram": {
                const kind = value();
                if (kind !== "mermaid" && kind !== "dot" && kind !== "svg") throw new UsageError(`--diagram ${JSON.stringify(kind)} is invalid: expected mermaid, dot or svg`);
                opts.diagram = kind;
                break;
            }
            default:
                throw new UsageError(`unknown flag ${JSON.stringify(flag)}; ${USAGE}`);
        }
    }
    if (opts.compare && opts.program) throw new UsageError(`--compare shows this project's stages; it does not take --program`);
    return opts;
}
