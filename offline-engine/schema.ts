// JSON Schema validation of policy config, as the engine does it (gojsonschema, draft 4-7 keywords):
// type (with integer and null), enum, const, numeric and length bounds, pattern, items, properties,
// required, additionalProperties, and the combinators. Each problem is one line naming path and value.
import type { JsonSchema } from "./packs";

function typeOf(v: unknown): string {
    if (v === null) return "null";
    if (Array.isArray(v)) return "array";
    if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
    return typeof v;
}

function matchesType(v: unknown, type: string): boolean {
    const t = typeOf(v);
    return t === type || (type === "number" && t === "integer");
}

const show = (v: unknown) => JSON.stringify(v);
const article = (t: string) => (/^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`);

/** Returns the problems of `value` against `schema`; `at` names the value ("policy.key"). */
export function validate(value: unknown, schema: JsonSchema, at: string): string[] {
    const bad = (expected: string) => [`'${at}' = ${show(value)} is invalid: expected ${expected}`];
    const s = schema as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    if (s.type !== undefined) {
        const types: string[] = Array.isArray(s.type) ? s.type : [s.type];
        if (!types.some((t) => matchesType(value, t))) return bad(types.map(article).join(" or "));
    }
    if (s.enum !== undefined && !s.enum.some((e: unknown) => show(e) === show(value))) return bad(`one of ${s.enum.map(show).join(", ")}`);
    if (s.const !== undefined && show(s.const) !== show(value)) return bad(show(s.const));
    const problems: string[] = [];
    if (typeof value === "number") {
        if (s.minimum !== undefined && (s.exclusiveMinimum === true ? value <= s.minimum : value < s.minimum)) return bad(`${s.exclusiveMinimum === true ? "more than" : "at least"} ${s.minimum}`);
        if (s.maximum !== undefined && (s.exclusiveMaximum === true ? value >= s.maximum : value > s.maximum)) return bad(`${s.exclusiveMaximum === true ? "less than" : "at most"} ${s.maximum}`);
        if (typeof s.exclusiveMinimum === "number" && value <= s.exclusiveMinimum) return bad(`more than ${s.exclusiveMinimum}`);
        if (typeof s.exclusiveMaximum === "number" && value >= s.exclusiveMaximum) return bad(`less than ${s.exclusiveMaximum}`);
        if (s.multipleOf !== undefined && !Number.isInteger(value / s.multipleOf)) return bad(`a multiple of ${s.multipleOf}`);
    }
    if (typeof value === "string") {
        const length = [...value].length;
        if (s.minLength !== undefined && length < s.minLength) return bad(`at least ${s.minLength} characters`);
        if (s.maxLength !== undefined && length > s.maxLength) return bad(`at most ${s.maxLength} characters`);
        if (s.pattern !== undefined && !new RegExp(s.pattern, "u").test(value)) return bad(`a string matching /${s.pattern}/`);
    }
    if (Array.isArray(value)) {
        if (s.minItems !== undefined && value.length < s.minItems) return bad(`at least ${s.minItems} item${s.minItems === 1 ? "" : "s"}`);
        if (s.maxItems !== undefined && value.length > s.maxItems) return bad(`at most ${s.maxItems} item${s.maxItems === 1 ? "" : "s"}`);
        if (s.uniqueItems === true && new Set(value.map(show)).size !== value.length) return bad("unique items");
        value.forEach((item, i) => {
            const itemSchema = Array.isArray(s.items) ? s.items[i] : s.items;
            if (itemSchema) problems.push(...validate(item, itemSchema, `${at}[${i}]`));
        });
    }
    if (typeOf(value) === "object") {
        const obj = value as Record<string, unknown>;
        for (const name of (s.required as string[] | undefined) ?? []) if (!(name in obj)) problems.push(`'${at ? `${at}.` : ""}${name}' is required`);
        const props = (s.properties as Record<string, JsonSchema> | undefined) ?? {};
        if (s.minProperties !== undefined && Object.keys(obj).length < s.minProperties) return bad(`at least ${s.minProperties} properties`);
        if (s.maxProperties !== undefined && Object.keys(obj).length > s.maxProperties) return bad(`at most ${s.maxProperties} properties`);
        for (const [k, v] of Object.entries(obj)) {
            const path = at ? `${at}.${k}` : k;
            if (props[k]) problems.push(...validate(v, props[k], path));
            else if (s.additionalProperties === false) problems.push(`'${path}' is not allowed; expected one of ${Object.keys(props).join(", ") || "(none)"}`);
            else if (typeof s.additionalProperties === "object") problems.push(...validate(v, s.additionalProperties, path));
        }
    }
    if (Array.isArray(s.allOf)) for (const sub of s.allOf) problems.push(...validate(value, sub, at));
    if (Array.isArray(s.anyOf) && !s.anyOf.some((sub: JsonSchema) => validate(value, sub, at).length === 0)) return bad("a value matching one of its anyOf schemas");
    if (Array.isArray(s.oneOf) && s.oneOf.filter((sub: JsonSchema) => validate(value, sub, at).length === 0).length !== 1) return bad("a value matching exactly one of its oneOf schemas");
    if (s.not !== undefined && validate(value, s.not, at).length === 0) return bad("a value not matching its 'not' schema");
    return problems;
}
