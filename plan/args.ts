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
    /** Run the policy packs over the plan (default); --no-policy skips them. */
    policy: boolean;
    /** `--policy-pack` folders, as `pulumi preview` takes them; default this project's pack (policy/). */
    policyPacks?: string[];
    /**
     * `--policy-pack-config` files, the n-th for the n-th pack; this project's pack defaults to
     * policy/config/<stack>.json when it exists.
     */
    policyConfigs?: string[];
    /** Run as a first `pulumi preview` (outputs unknown, isDryRun true) instead of as `pulumi up`. */
    preview?: boolean;
    /** Show secret values in the output, as `pulumi preview --show-secrets`. */
    showSecrets?: boolean;
    /** Tags of the stack (`pulumi stack tag set`), which policies read as stackTags. */
    stackTags?: [string, string][];
    /** Print the usage and stop. */
    help?: boolean;
    /** All four stages side by side (cost, resources, verdicts) instead of one plan. */
    compare?: boolean;
    /** Print the architecture picture instead of the plan. */
    diagram?: "mermaid" | "dot" | "svg";
}

export const USAGE = "usage: npm run plan -- [--stack NAME] [--config key=value ...] [--secret key=value ...] [--program PATH] [--policy-pack DIR ...] [--policy-pack-config FILE ...] [--stack-tag key=value ...] [--no-policy] [--preview] [--show-secrets] [--compare] [--diagram mermaid|dot|svg] [--json]";

export const HELP = `npm run plan -- [flags]: the offline preview of a stack, with no cloud account and no Pulumi CLI.

  --stack NAME               the stack file Pulumi.NAME.yaml (default dev)
  --config key=value         like pulumi config set, for this run only (repeatable)
  --secret key=value         like pulumi config set --secret (repeatable)
  --program PATH             plan another Pulumi program (a .ts/.js file or its folder) instead of this project
  --policy-pack DIR          run this policy pack, as pulumi preview --policy-pack (repeatable; default policy/)
  --policy-pack-config FILE  config of the policy pack in the same position (repeatable; --policy-config is the same)
  --stack-tag key=value      a tag of the stack, as pulumi stack tag set; policies read them (repeatable)
  --no-policy                run no policy pack
  --preview                  run as a first pulumi preview: outputs unknown, isDryRun() true (default: as pulumi up)
  --show-secrets             show secret values instead of [secret]
  --compare                  the four stages side by side: resources, cost, verdicts
  --diagram KIND             the architecture as mermaid, dot or svg
  --json                     one JSON object: resources (with options), outputs, policy packs, violations, cost
  --help                     this text

Exit codes: 0 planned, 1 a mandatory policy violation, 2 bad flags, config or program.`;

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
            case "--policy-pack":
                (opts.policyPacks ??= []).push(value());
                break;
            case "--policy-pack-config":
            case "--policy-config":
                (opts.policyConfigs ??= []).push(value());
                break;
            case "--stack-tag":
                (opts.stackTags ??= []).push(pair(flag, value()));
                break;
            case "--preview":
                opts.preview = true;
                break;
            case "--show-secrets":
                opts.showSecrets = true;
                break;
            case "--help":
            case "-h":
                opts.help = true;
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
    const packs = opts.policyPacks?.length ?? 1;
    if ((opts.policyConfigs?.length ?? 0) > packs) throw new UsageError(`--policy-pack-config given ${opts.policyConfigs!.length} times for ${packs} policy pack${packs === 1 ? "" : "s"}: expected one per --policy-pack, in the same order`);
    if (opts.compare && opts.program) throw new UsageError(`--compare shows this project's stages; it does not take --program`);
    return opts;
}
