// JSON Schema validation of policy config with the engine's wording: pulumi/pulumi validates with
// gojsonschema (pkg/resource/analyzer/config.go) and prints each error as "<field>: <description>",
// the field being the dotted path ("foo", "foo.bar", "list.0") and "(root): " trimmed. The keyword
// order and the messages are gojsonschema's (validation.go, locales.go), so a person sees the same
// line offline as from `pulumi preview --policy-pack-config`.
import type { JsonSchema } from "./packs";

type Schema = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const json = (v: unknown) => JSON.stringify(v);

function typeOf(v: unknown): string {
    if (v === null) return "null";
    if (Array.isArray(v)) return "array";
    if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
    return typeof v;
}

/** Go's big.Float String() (%.10g), as gojsonschema prints a bound: 5, 0.5, 1e+10. */
function bound(n: number): string {
    const [m, e] = n.toPrecision(10).split("e");
    const mantissa = m.includes(".") ? m.replace(/\.?0+$/, "") : m;
    if (e === undefined) return mantissa;
    const exp = Number(e);
    return `${mantissa}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
}

/** The schema's declared types as gojsonschema prints them: "string", or "[string,null]". */
function typesText(types: string[]): string {
    return types.length === 1 ? types[0] : `[${types.join(",")}]`;
}

class Walk {
    readonly errors: string[] = [];

    /** `path` is the value's place: [] for the root, then property names and item indexes. */
    add(path: string[], description: string): void {
        this.errors.push(path.length === 0 ? description : `${path.join(".")}: ${description}`);
    }

    value(v: unknown, s: Schema, path: string[]): void {
        const field = path.length === 0 ? "(root)" : path.join(".");
        const t = typeOf(v);
        if (s.type !== undefined) {
            const types: string[] = Array.isArray(s.type) ? s.type : [s.type];
            const ok = types.includes(t) || (t === "integer" && types.includes("number"));
            if (!ok) return this.add(path, `Invalid type. Expected: ${typesText(types)}, given: ${t}`);
        }
        this.combinators(v, s, path);
        if (t === "integer" || t === "number") this.number(v as number, s, path);
        if (t === "string") this.string(v as string, s, path);
        if (t === "array") this.array(v as unknown[], s, path);
        if (t === "object") this.object(v as Record<string, unknown>, s, path);
        if (s.const !== undefined && json(s.const) !== json(v)) this.add(path, `${field} does not match: ${json(s.const)}`);
        if (Array.isArray(s.enum) && !s.enum.some((e: unknown) => json(e) === json(v))) this.add(path, `${field} must be one of the following: ${s.enum.map(json).join(", ")}`);
        if (t === "object") {
            const props: Record<string, Schema> = s.properties ?? {};
            for (const [k, sub] of Object.entries(props)) if (k in (v as object)) this.value((v as Record<string, unknown>)[k], sub, [...path, k]);
        }
    }

    private passes(v: unknown, s: Schema, path: string[]): string[] {
        const w = new Walk();
        w.value(v, s, path);
        return w.errors;
    }

    private combinators(v: unknown, s: Schema, path: string[]): void {
        if (Array.isArray(s.anyOf) && !s.anyOf.some((sub: Schema) => this.passes(v, sub, path).length === 0)) this.add(path, "Must validate at least one schema (anyOf)");
        if (Array.isArray(s.oneOf) && s.oneOf.filter((sub: Schema) => this.passes(v, sub, path).length === 0).length !== 1) this.add(path, "Must validate one and only one schema (oneOf)");
        if (Array.isArray(s.allOf)) {
            const failed = s.allOf.map((sub: Schema) => this.passes(v, sub, path)).filter((e: string[]) => e.length > 0);
            for (const e of failed) this.errors.push(...e);
            if (failed.length > 0) this.add(path, "Must validate all the schemas (allOf)");
        }
        if (s.not !== undefined && this.passes(v, s.not, path).length === 0) this.add(path, "Must not validate the schema (not)");
    }

    private number(n: number, s: Schema, path: string[]): void {
        // gojsonschema divides exactly (big.Rat); a float quotient within rounding of a whole number passes.
        if (typeof s.multipleOf === "number" && Math.abs(n / s.multipleOf - Math.round(n / s.multipleOf)) > 1e-9) this.add(path, `Must be a multiple of ${bound(s.multipleOf)}`);
        // Draft 4 writes exclusiveMaximum: true beside maximum; later drafts give the bound itself.
        if (typeof s.maximum === "number" && (s.exclusiveMaximum === true ? n >= s.maximum : n > s.maximum)) {
            this.add(path, `Must be less than${s.exclusiveMaximum === true ? "" : " or equal to"} ${bound(s.maximum)}`);
        }
        if (typeof s.exclusiveMaximum === "number" && n >= s.exclusiveMaximum) this.add(path, `Must be less than ${bound(s.exclusiveMaximum)}`);
        if (typeof s.minimum === "number" && (s.exclusiveMinimum === true ? n <= s.minimum : n < s.minimum)) {
            this.add(path, `Must be greater than${s.exclusiveMinimum === true ? "" : " or equal to"} ${bound(s.minimum)}`);
        }
        if (typeof s.exclusiveMinimum === "number" && n <= s.exclusiveMinimum) this.add(path, `Must be greater than ${bound(s.exclusiveMinimum)}`);
    }

    private string(text: string, s: Schema, path: string[]): void {
        // gojsonschema counts runes, not UTF-16 units.
        const length = [...text].length;
        if (typeof s.minLength === "number" && length < s.minLength) this.add(path, `String length must be greater than or equal to ${s.minLength}`);
        if (typeof s.maxLength === "number" && length > s.maxLength) this.add(path, `String length must be less than or equal to ${s.maxLength}`);
        if (typeof s.pattern === "string" && !new RegExp(s.pattern, "u").test(text)) this.add(path, `Does not match pattern '${s.pattern}'`);
    }

    private array(items: unknown[], s: Schema, path: string[]): void {
        if (Array.isArray(s.items)) {
            s.items.forEach((sub: Schema, i: number) => i < items.length && this.value(items[i], sub, [...path, String(i)]));
            if (s.additionalItems === false && items.length > s.items.length) this.add(path, "No additional items allowed on array");
            else if (typeof s.additionalItems === "object") for (let i = s.items.length; i < items.length; i++) this.value(items[i], s.additionalItems, [...path, String(i)]);
        } else if (typeof s.items === "object" && s.items !== null) {
            items.forEach((item, i) => this.value(item, s.items, [...path, String(i)]));
        }
        if (typeof s.minItems === "number" && items.length < s.minItems) this.add(path, `Array must have at least ${s.minItems} items`);
        if (typeof s.maxItems === "number" && items.length > s.maxItems) this.add(path, `Array must have at most ${s.maxItems} items`);
        if (s.uniqueItems === true) {
            const seen = new Map<string, number>();
            items.forEach((item, j) => {
                const i = seen.get(json(item));
                if (i !== undefined) this.add(path, `array items[${i},${j}] must be unique`);
                seen.set(json(item), j);
            });
        }
    }

    private object(obj: Record<string, unknown>, s: Schema, path: string[]): void {
        const count = Object.keys(obj).length;
        if (typeof s.minProperties === "number" && count < s.minProperties) this.add(path, `Must have at least ${s.minProperties} properties`);
        if (typeof s.maxProperties === "number" && count > s.maxProperties) this.add(path, `Must have at most ${s.maxProperties} properties`);
        for (const name of (s.required as string[] | undefined) ?? []) if (!(name in obj)) this.add(path, `${name} is required`);
        const props: Record<string, Schema> = s.properties ?? {};
        for (const [k, v] of Object.entries(obj)) {
            if (k in props) continue;
            if (s.additionalProperties === false) this.add(path, `Additional property ${k} is not allowed`);
            // gojsonschema checks an additional property in the object's own context, so errors name the object.
            else if (typeof s.additionalProperties === "object" && s.additionalProperties !== null) this.value(v, s.additionalProperties, path);
        }
    }
}

/** The problems of `value` against `schema`, each "<field>: <description>" (a root problem without the field). */
export function validate(value: unknown, schema: JsonSchema): string[] {
    const w = new Walk();
    w.value(value, schema as Schema, []);
    return w.errors;
}
