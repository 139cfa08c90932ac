// Small programs and policy packs of our own, written to a scratch folder, run through the offline
// engine as `pulumi preview --policy-pack` / `pulumi up --policy-pack` would run them.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { analyze, Analysis, AnalyzeArgs } from "../../offline-engine/analyze";
import { Mode } from "../../offline-engine/monitor";
import { loadPolicyPack } from "../../offline-engine/packs";
import { PolicyConfigFile, resolvePolicyConfig } from "../../offline-engine/policyConfig";
import { ProgramRun, runProgram } from "../../offline-engine/program";

const ROOT = path.resolve(__dirname, "../..");
let dir: string | undefined;
let counter = 0;

/** One scratch folder per test process, with the project's node_modules, removed at exit. */
export function scratch(): string {
    if (!dir) {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "engine-"));
        fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
        process.once("exit", () => fs.rmSync(dir!, { recursive: true, force: true }));
    }
    return dir;
}

/** Writes a TypeScript program (with `aws` and `pulumi` imported) and returns its file. */
export function program(source: string): string {
    const file = path.join(scratch(), `program${++counter}.ts`);
    fs.writeFileSync(file, `import * as aws from "@pulumi/aws";\nimport * as pulumi from "@pulumi/pulumi";\n${source}\n`);
    return file;
}

export interface PackFiles {
    /** The body of index.js after `const policy = require("@pulumi/policy");`. */
    source: string;
    version?: string;
    /** A `version:` line for PulumiPolicy.yaml. */
    yamlVersion?: string;
}

/** Writes a JavaScript policy pack folder and returns it. */
export function pack(files: PackFiles): string {
    const packDir = path.join(scratch(), `pack${++counter}`);
    fs.mkdirSync(packDir);
    fs.writeFileSync(path.join(packDir, "PulumiPolicy.yaml"), `runtime: nodejs\n${files.yamlVersion ? `version: ${files.yamlVersion}\n` : ""}`);
    fs.writeFileSync(path.join(packDir, "package.json"), JSON.stringify({ name: path.basename(packDir), version: files.version ?? "1.0.0", main: "index.js" }));
    fs.writeFileSync(path.join(packDir, "index.js"), `const policy = require("@pulumi/policy");\n${files.source}\n`);
    return packDir;
}

export function run(file: string, mode: Mode = "preview", config: Record<string, string> = {}): Promise<ProgramRun> {
    return runProgram({ program: file, project: "proj", stack: "test", mode, config: { "aws:region": "us-east-1", ...config }, secretKeys: [] });
}

/** Runs packs (folders, each with its config) over a program run. */
export async function check(r: ProgramRun, packs: [string, PolicyConfigFile?][], args: AnalyzeArgs = {}): Promise<Analysis> {
    const loaded = await Promise.all(packs.map(async ([d, c]) => {
        const p = await loadPolicyPack(d);
        return { pack: p, config: resolvePolicyConfig(p, c ?? {}) };
    }));
    return analyze(loaded, r, args);
}

/** The part of a message after the rule's description (the SDK puts the description first). */
export function detail(message: string): string {
    return message.split("\n").slice(1).join("\n");
}

export const STACK = "urn:pulumi:test::proj::pulumi:pulumi:Stack::proj-test";
export const urn = (chain: string, name: string) => `urn:pulumi:test::proj::${chain}::${name}`;
