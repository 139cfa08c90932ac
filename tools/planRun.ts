// One run of the plan CLI (`npm run plan -- ... --json`) as the peer-suite driver makes it, and its
// violations printed as `pulumi up` prints them, so a suite's expected strings can be looked for.
import { spawnSync } from "child_process";
import * as path from "path";

export const ROOT = path.resolve(__dirname, "..");

export interface Violation {
    policyPack: string;
    policyName: string;
    enforcementLevel: string;
    message: string;
    urn: string;
}

interface PlanJson {
    policyPacks: { name: string; version: string }[];
    violations: Violation[];
    remediations: { policyPack: string; policyName: string; urn: string }[];
}

export interface RunOutput extends PlanJson {
    code: number;
    stderr: string;
    /** The run as the CLI would print it: violations in its form, then stderr. */
    text: string;
}

/** One scenario's result: the verdict (exit status and reported rules) and the exact text. */
export interface Outcome {
    suite: string;
    test: string;
    scenario: number;
    verdict: boolean;
    exact: boolean;
    missing: string[];
}

/** "random:index/randomString:RandomString" as the CLI shows it: "random:index:RandomString". */
function displayType(type: string): string {
    const [pkg, mod, name] = type.split(":");
    return name === undefined ? type : `${pkg}:${mod.split("/")[0]}:${name}`;
}

/** The violations as `pulumi up` prints them under "Policies:". */
function render(doc: PlanJson): string {
    const lines = doc.policyPacks.map((p) => `    ${p.name}@v${p.version}`);
    for (const v of doc.violations) {
        const parts = v.urn.split("::");
        const where = parts.length >= 4 ? `  (${displayType(parts[2].split("$").pop()!)}: ${parts[3]})` : "";
        lines.push(`        - [${v.enforcementLevel}]  ${v.policyName}${where}`, ...v.message.split("\n").map((l) => `          ${l}`));
    }
    return lines.join("\n");
}

export function planRun(args: string[], env: NodeJS.ProcessEnv): RunOutput {
    const r = spawnSync(process.execPath, [path.join(ROOT, "plan/launch.js"), path.join(ROOT, "plan/cli.ts"), ...args, "--json"], { cwd: ROOT, env, encoding: "utf8", maxBuffer: 64 << 20 });
    let doc: PlanJson = { policyPacks: [], violations: [], remediations: [] };
    try {
        if (r.stdout.trim()) doc = { ...doc, ...JSON.parse(r.stdout) };
    } catch {
        // Not JSON: the stderr says why.
    }
    return { ...doc, code: r.status ?? 1, stderr: r.stderr, text: `${render(doc)}\n${r.stderr}` };
}
