// Policy pack config as the engine resolves it (pkg/resource/analyzer/config.go in pulumi/pulumi): the
// rules' schema defaults, then the pack's initialConfig, then the `--policy-pack-config` file; "all"
// sets every rule's level; names the pack does not know pass through; then every rule with a schema is
// validated against it (JSON Schema). Problems are worded as the CLI words them, one line each.
import * as fs from "fs";
import { EnforcementLevel, LEVEL_CODES, LoadedPack, PolicySettings } from "./packs";
import { validate } from "./schema";

/** A `--policy-pack-config` document: policy name (or "all") to a level or to {enforcementLevel, ...properties}. */
export type PolicyConfigFile = Record<string, unknown>;

/** Bad config: one line per problem, in the CLI's words (the CLI prints each after "error: "). */
export class PolicyConfigError extends Error {
    constructor(readonly lines: string[]) {
        super(lines.join("\n"));
        this.name = "PolicyConfigError";
    }
}

const json = (v: unknown) => JSON.stringify(v);
const VALIDATING = "validating policy config: ";

function isLevel(v: unknown): v is EnforcementLevel {
    return typeof v === "string" && v in LEVEL_CODES;
}

/** A value as Go's %v prints what encoding/json decoded: the engine's parse errors show it so. */
function goValue(v: unknown): string {
    if (v === null) return "<nil>";
    if (Array.isArray(v)) return `[${v.map(goValue).join(" ")}]`;
    if (typeof v === "object") return `map[${Object.entries(v as object).map(([k, x]) => `${k}:${goValue(x)}`).join(" ")}]`;
    return String(v);
}

/** Go's %T of a decoded JSON value, for the "environments" error. */
function goType(v: unknown): string {
    if (v === null) return "<nil>";
    if (Array.isArray(v)) return "[]interface {}";
    return { string: "string", number: "float64", boolean: "bool" }[typeof v as string] ?? "map[string]interface {}";
}

export function readPolicyConfigFile(file: string): PolicyConfigFile {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (err) {
        throw new PolicyConfigError([`cannot read policy config ${file}: ${(err as Error).message.split("\n")[0]}`]);
    }
    // The engine accepts an empty file.
    if (text.trim() === "") return {};
    let doc: unknown;
    try {
        doc = JSON.parse(text);
    } catch (err) {
        throw new PolicyConfigError([`cannot read policy config ${file}: ${(err as Error).message.split("\n")[0]}`]);
    }
    if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw new PolicyConfigError([`policy config ${file} is invalid: expected a JSON object of policy names to settings`]);
    return doc as PolicyConfigFile;
}

/** One entry of the file: a level, or an object with an optional enforcementLevel and properties. */
function parseEntry(name: string, entry: unknown): PolicySettings {
    if (typeof entry === "string") {
        if (!isLevel(entry)) throw new PolicyConfigError([`parsing enforcement level for ${json(name)}: ${json(entry)} is not a valid enforcement level`]);
        return { enforcementLevel: entry, properties: {} };
    }
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
        throw new PolicyConfigError([`parsing ${json(name)}: ${goValue(entry)} is not a valid value; must be a string or object`]);
    }
    const { enforcementLevel, ...properties } = entry as Record<string, unknown>;
    if (enforcementLevel !== undefined && typeof enforcementLevel !== "string") {
        throw new PolicyConfigError([`parsing enforcement level for ${json(name)}: ${goValue(enforcementLevel)} is not a valid enforcement level; must be a string`]);
    }
    if (enforcementLevel !== undefined && !isLevel(enforcementLevel)) {
        throw new PolicyConfigError([`parsing enforcement level for ${json(name)}: ${json(enforcementLevel)} is not a valid enforcement level`]);
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
export function resolvePolicyConfig(pack: LoadedPack, file: PolicyConfigFile): Record<string, PolicySettings> {
    const { environments, ...policies } = file;
    // ESC environments are the service's business; the engine only checks their shape here.
    if (environments !== undefined && (!Array.isArray(environments) || environments.some((e) => typeof e !== "string"))) {
        const bad = Array.isArray(environments) ? environments.findIndex((e) => typeof e !== "string") : -1;
        throw new PolicyConfigError([bad < 0
            ? `"environments" must be an array of strings, got ${goType(environments)}`
            : `"environments[${bad}]" must be a string, got ${goType((environments as unknown[])[bad])}`]);
    }
    const given: Record<string, PolicySettings> = {};
    for (const [name, entry] of Object.entries(policies)) {
        const settings = parseEntry(name, entry);
        // The engine drops entries that set nothing.
        if (settings.enforcementLevel || Object.keys(settings.properties).length > 0) given[name] = settings;
    }
    const result: Record<string, PolicySettings> = {};
    for (const p of pack.policies) {
        const defaults = Object.entries(p.configSchema?.properties ?? {}).filter(([, s]) => s.default !== undefined).map(([k, s]) => [k, s.default]);
        result[p.name] = { enforcementLevel: p.enforcementLevel, properties: Object.fromEntries(defaults) };
    }
    apply(result, pack.initialConfig);
    apply(result, given);
    const problems: string[] = [];
    for (const p of pack.policies) {
        if (!p.configSchema) continue;
        // The engine validates {type: object, properties, required} built from the rule's schema.
        const schema = { type: "object", properties: p.configSchema.properties, ...(p.configSchema.required.length > 0 ? { required: p.configSchema.required } : {}) };
        for (const e of validate(result[p.name].properties, schema)) problems.push(`${VALIDATING}${pack.name} ${pack.version}  ${p.name}: ${e}`);
    }
    if (problems.length > 0) throw new PolicyConfigError(problems.sort());
    // Configure refuses a name given properties but no level (a name the pack does not know).
    const levelless = Object.entries(result).find(([, c]) => !c.enforcementLevel);
    if (levelless) throw new PolicyConfigError([`configuring policy pack ${json(pack.name)} at ${json(pack.dir)}: invalid enforcement level ""`]);
    return result;
}

/** Every pack's config, as the engine loads several packs: their validation problems together, sorted. */
export function resolvePolicyConfigs(packs: { pack: LoadedPack; file: PolicyConfigFile }[]): Record<string, PolicySettings>[] {
    const problems: string[] = [];
    const configs = packs.map(({ pack, file }) => {
        try {
            return resolvePolicyConfig(pack, file);
        } catch (err) {
            // Any other error (a file that does not parse, Configure refusing a level) stops at once, as in the engine.
            if (!(err instanceof PolicyConfigError) || !err.lines.every((l) => l.startsWith(VALIDATING))) throw err;
            problems.push(...err.lines);
            return {};
        }
    });
    if (problems.length > 0) throw new PolicyConfigError(problems.sort());
    return configs;
}
