// `npm run --silent pr-summary -- --head DIR --base DIR`: the pull request comment, from the plan
// JSON files <stack>.json (and <stack>.error for a plan that failed) the workflow wrote.
import * as fs from "fs";
import * as path from "path";
import { renderSummary, StackPlans } from "./summary";

function readDir(dir: string | undefined): Map<string, { doc?: unknown; error?: string }> {
    const found = new Map<string, { doc?: unknown; error?: string }>();
    if (!dir || !fs.existsSync(dir)) return found;
    for (const f of fs.readdirSync(dir).sort()) {
        const m = /^(.+)\.(json|error)$/.exec(f);
        if (!m) continue;
        const text = fs.readFileSync(path.join(dir, f), "utf8");
        const entry = found.get(m[1]) ?? {};
        if (m[2] === "error") entry.error = text.trim().split("\n")[0] || "unknown error";
        else {
            try {
                const doc = JSON.parse(text);
                if (!Array.isArray(doc?.resources)) throw new Error("no resources");
                entry.doc = doc;
            } catch {
                entry.error = `${f} is not the plan's JSON`;
            }
        }
        found.set(m[1], entry);
    }
    return found;
}

const USAGE = "usage: npm run --silent pr-summary -- --head DIR [--base DIR]";

const HELP = `${USAGE}

The pull request comment (markdown, on stdout) from the plan JSON files the workflow wrote:
  --head DIR   <stack>.json (npm run --silent plan -- --stack <stack> --json) and <stack>.error of this branch (required)
  --base DIR   the same of the base branch, to show what changes (optional; a missing folder means no base plans)
  --help       this text`;

function main(argv: string[]): number {
    if (argv.includes("--help") || argv.includes("-h")) {
        process.stdout.write(HELP + "\n");
        return 0;
    }
    const flags = new Map<string, string>();
    for (let i = 0; i < argv.length; i += 2) {
        const [flag, value] = [argv[i], argv[i + 1]];
        if (flag !== "--head" && flag !== "--base") throw new Error(`unknown flag ${JSON.stringify(flag)}; ${USAGE}`);
        if (value === undefined || value.startsWith("--")) throw new Error(`${flag} needs a folder; ${USAGE}`);
        flags.set(flag, value);
    }
    const headDir = flags.get("--head");
    if (!headDir) throw new Error(`--head is required; ${USAGE}`);
    if (!fs.existsSync(headDir) || !fs.statSync(headDir).isDirectory()) throw new Error(`--head ${JSON.stringify(headDir)} is invalid: expected a folder with the plans' <stack>.json files`);
    const head = readDir(headDir);
    if (head.size === 0) throw new Error(`--head ${JSON.stringify(headDir)} has no <stack>.json or <stack>.error: expected the plans of this branch`);
    const base = readDir(flags.get("--base"));
    const plans: StackPlans[] = [...head.entries()].map(([stack, h]) => ({
        stack,
        head: (h.doc ?? { resources: [] }) as StackPlans["head"],
        base: base.get(stack)?.doc as StackPlans["base"],
        error: h.error ?? (h.doc ? undefined : "no plan"),
    }));
    process.stdout.write(renderSummary(plans));
    return 0;
}

// Exit codes are set, never forced, so a long comment reaches a slow reader whole.
try {
    process.exitCode = main(process.argv.slice(2));
} catch (err) {
    process.stderr.write(`pr-summary: ${(err as Error).message}\n`);
    process.exitCode = 2;
}
