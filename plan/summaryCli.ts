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
                entry.doc = JSON.parse(text);
            } catch {
                entry.error = `${f} is not the plan's JSON`;
            }
        }
        found.set(m[1], entry);
    }
    return found;
}

function main(argv: string[]): number {
    const arg = (flag: string) => {
        const i = argv.indexOf(flag);
        return i >= 0 ? argv[i + 1] : undefined;
    };
    const headDir = arg("--head");
    if (!headDir) throw new Error("usage: npm run --silent pr-summary -- --head DIR [--base DIR]");
    const head = readDir(headDir);
    const base = readDir(arg("--base"));
    const plans: StackPlans[] = [...head.entries()].map(([stack, h]) => ({
        stack,
        head: (h.doc ?? { resources: [] }) as StackPlans["head"],
        base: base.get(stack)?.doc as StackPlans["base"],
        error: h.error ?? (h.doc ? undefined : "no plan"),
    }));
    process.stdout.write(renderSummary(plans));
    return 0;
}

try {
    process.exit(main(process.argv.slice(2)));
} catch (err) {
    process.stderr.write(`pr-summary: ${(err as Error).message}\n`);
    process.exit(2);
}
