// Policy pack config as the engine resolves it (pkg/resource/analyzer/config.go in pulumi/pulumi): the
// rules' schema defaults, then the pack's initialConfig, then the `--policy-pack-config` file; "all"
// sets every rule's level; names the pack does not know pass through; then every rule with a schema is
// validated against it (JSON Schema). Problems are one line each.
import * as fs from "fs";
import { EnforcementLevel, LEVEL_CODES, LoadedPack, PolicySettings } from "./packs";
import { validate } from "./schema";

/** A `--policy-pack-config` document: policy name (or "all") to a level or to {enforcementLevel, ...properties}. */
export type PolicyConfigFile = Record<string, unknown>;

/** Bad config: one line naming the key, the value and what is expected. */
export class PolicyConfigError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "PolicyConfigError";
    }
}

const LEVEL_NAMES = Object.keys(LEVEL_CODES).join(", ");

function isLevel(v: unknown): v is EnforcementLevel {
    return typeof v === "string" && v in LEVEL_CODES;
}

export function readPolicyConfigFile(file: string): PolicyConfigFile {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (err) {
        throw new PolicyConfigError(`cannot read policy config ${file}: ${(err as Error).message.split("\n")[0]}`);
    }
    // The engine accepts an empty file.
    if (text.trim() === "") return {};
    let doc: unknown;
    try {
        doc = JSON.parse(text);
    } catch (err) {
        throw new PolicyConfigError(`cannot read policy config ${file}: ${(err as Error).message.split("\n")[0]}`);
    }
    if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw new PolicyConfigError(`${file}: expected a JSON object of policy names to settings`);
    return doc as PolicyConfigFile;
}

/** One entry of the file: a level, or an object with an optional enforcementLevel and properties. */
function parseEntry(name: string, entry: unknown, source: string): PolicySettings {
    if (typeof entry === "string") {
        if (!isLevel(entry)) throw new PolicyConfigError(`${source}: '${name}' = ${JSON.stringify(entry)} is invalid: expected ${LEVEL_NAMES}`);
        return { enforcementLevel: entry, properties: {} };
    }
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
        throw new PolicyConfigError(`${source}: '${name}' = ${JSON.stringify(entry)} is invalid: expected a level or an object of settings`);
    }
    const { enforcementLevel, ...properties } = entry as Record<string, unknown>;
    if (enforcementLevel !== undefined && !isLevel(enforcementLevel)) {
        throw new PolicyConfigError(`${source}: '${name}.enforcementLevel' = ${JSON.stringify(enforcementLevel)} is invalid: expected ${LEVEL_NAMES}`);
    }
    return { enforcementLevel, properties };
}

function apply(result: Record<string, PolicySettings>, given: Record<string, PolicySettings>): void {
    const all = given.all?.enforcementLevel;
    if (all) for (const k of Object.keys(result)) result[k] = { ...result[k], enforcementLevel: all };
    for (const [name, c] of Object.entries(given)) {
        const before = result[name] ?? { properties: {} };
        result[name] = { enforcementLevel: c.enforcementLevel ?? before.enforcementLevel, properties: { ...before.properties, ...c.properties } };
    }
}

/** The config the engine sends the pack in Configure: every rule, plus any other names given. */
export function resolvePolicyConfig(pack: LoadedPack, file: PolicyConfigFile, source = "policy config"): Record<string, PolicySettings> {
    const given: Record<string, PolicySettings> = {};
    for (const [name, entry] of Object.entries(file)) {
        // ESC environments are the service's business, not a rule's.
        if (name === "environments") continue;
        given[name] = parseEntry(name, entry, source);
    }
    const result: Record<string, PolicySettings> = {};
    for (const p of pack.policies) {
        const defaults = Object.entries(p.configSchema?.properties ?? {}).filter(([, s]) => s.default !== undefined).map(([k, s]) => [k, s.default]);
        result[p.name] = { enforcementLevel: p.enforcementLevel, properties: Object.fromEntries(defaults) };
    }
    apply(result, pack.initialConfig);
    apply(result, given);
    const problems: string[] = [];
    // A name the pack does not have passes through, but the engine still needs its level.
    for (const [name, c] of Object.entries(result)) if (!c.enforcementLevel) problems.push(`'${name}' has no enforcementLevel: expected ${LEVEL_NAMES}`);
    for (const p of pack.policies) {
        if (!p.configSchema) continue;
        problems.push(...validate(result[p.name].properties, { type: "object", properties: p.configSchema.properties, required: p.configSchema.required }, p.name));
    }
    if (problems.length > 0) throw new PolicyConfigError(`${source}: ${problems.join("; ")}`);
    return result;
}
