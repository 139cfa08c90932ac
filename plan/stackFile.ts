// Reads a project's Pulumi.yaml and Pulumi.<stack>.yaml into the flat config map the language host
// would hand the program. Encrypted values cannot be decrypted offline: they become placeholders,
// still marked secret, so the program sees a secret where the real run would.
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";

export interface StackConfigFile {
    project: string;
    config: Record<string, string>;
    secretKeys: string[];
}

/** Bad flags, an unknown stack or a malformed stack file: one line, exit 2. */
export class UsageError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "UsageError";
    }
}

export const OFFLINE_SECRET = "offline-placeholder-secret";

export function readProjectName(dir: string): string {
    const file = path.join(dir, "Pulumi.yaml");
    if (!fs.existsSync(file)) throw new UsageError(`no Pulumi.yaml in ${dir}: expected a Pulumi project folder`);
    const doc = parse(fs.readFileSync(file, "utf8")) as { name?: unknown } | null;
    if (!doc || typeof doc.name !== "string") throw new UsageError(`${file}: expected a 'name' for the project`);
    return doc.name;
}

/** Lists the stacks that have a Pulumi.<stack>.yaml in the project folder. */
export function listStacks(dir: string): string[] {
    return fs.readdirSync(dir)
        .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();
}

export function readStackConfig(dir: string, stack: string): StackConfigFile {
    const project = readProjectName(dir);
    const file = path.join(dir, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(file)) {
        throw new UsageError(`unknown stack '${stack}': no ${path.basename(file)} in ${dir}; expected one of ${listStacks(dir).join(", ") || "(none)"}`);
    }
    const doc = (parse(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
    const config: Record<string, string> = {};
    const secretKeys: string[] = [];
    for (const [rawKey, value] of Object.entries(doc.config ?? {})) {
        const key = fullKey(project, rawKey);
        if (isSecure(value)) {
            config[key] = OFFLINE_SECRET;
            secretKeys.push(key);
        } else {
            config[key] = configString(value);
        }
    }
    return { project, config, secretKeys };
}

function isSecure(value: unknown): boolean {
    return typeof value === "object" && value !== null && !Array.isArray(value) && Object.keys(value).length === 1 && "secure" in value;
}

/** Scalars as their text, objects and lists as JSON: what `pulumi config get` returns. */
export function configString(value: unknown): string {
    return typeof value === "string" ? value : JSON.stringify(value);
}

/** "stage" means "<project>:stage", as with `pulumi config set stage ...`. */
export function fullKey(project: string, key: string): string {
    return key.includes(":") ? key : `${project}:${key}`;
}
