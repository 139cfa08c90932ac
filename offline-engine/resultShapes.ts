// A plausible result for any data source of any Pulumi package, from the shape its SDK declares
// (`Get...Result` in the function's .d.ts, nested types in types/output.d.ts): every field filled, lists
// with one entry, so a program that indexes the result (`.roots[0].id`) runs. Inputs of the same name
// are echoed. The curated answers in dataSources.ts come first; this is for the rest.
import * as fs from "fs";
import * as path from "path";
import { MOCK_ACCOUNT, shortHash } from "./dataSources";

type Dict = Record<string, unknown>;

/** The body of `interface <name> {...}` in a declaration file, from `from` on. */
function interfaceBody(text: string, name: string, from = 0): string | undefined {
    const start = text.indexOf(`interface ${name} {`, from);
    if (start < 0) return undefined;
    let depth = 0;
    for (let i = text.indexOf("{", start); i < text.length; i++) {
        if (text[i] === "{") depth++;
        else if (text[i] === "}" && --depth === 0) return text.slice(text.indexOf("{", start) + 1, i);
    }
    return undefined;
}

/** `readonly name?: type;` lines of an interface body, comments left out. */
function fields(body: string): [string, string][] {
    const plain = body.replace(/\/\*[\s\S]*?\*\//g, "");
    return [...plain.matchAll(/^\s*(?:readonly\s+)?(\w+)\??:\s*([^;]+);/gm)].map((m) => [m[1], m[2].trim()]);
}

class Shapes {
    private outputs?: string;

    /** `arn:<partition>:<service>:<region>:<account>:`, for fields that hold an ARN. */
    constructor(private readonly dir: string, private readonly arnPrefix: string) {}

    private outputTypes(): string {
        const file = path.join(this.dir, "types", "output.d.ts");
        this.outputs ??= fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
        return this.outputs;
    }

    /** A value of a declared type; `hint` names the field, for plausible strings. */
    value(type: string, hint: string, depth: number): unknown {
        const t = type.replace(/\s*\|\s*undefined$/, "").trim();
        if (t.endsWith("[]")) return depth > 4 ? [] : [this.value(t.slice(0, -2), hint, depth + 1)];
        if (t === "string") return /arn$/i.test(hint) ? `${this.arnPrefix}${hint}/${shortHash(hint)}` : `${hint}-${shortHash(hint)}`;
        if (t === "number") return 1;
        if (t === "boolean") return false;
        const literal = /^"([^"]*)"/.exec(t);
        if (literal) return literal[1];
        const ref = /^outputs\.([\w.]+)\.(\w+)$/.exec(t);
        if (ref && depth <= 4) {
            const text = this.outputTypes();
            const ns = text.indexOf(`namespace ${ref[1].split(".").pop()} {`);
            const body = ns >= 0 ? interfaceBody(text, ref[2], ns) : undefined;
            if (body !== undefined) return this.object(body, {}, depth + 1);
        }
        return {};
    }

    object(body: string, inputs: Dict, depth: number): Dict {
        return Object.fromEntries(fields(body).map(([k, t]) => [k, inputs[k] ?? this.value(t, k, depth)]));
    }
}

/** The declared result of `token` filled in, or undefined when the package does not declare it. */
export function plausibleResult(token: string, inputs: Dict, region: string): Dict | undefined {
    const [pkg, modPath, fn] = token.split(":");
    if (!pkg || !modPath || !fn) return undefined;
    let dir: string;
    try {
        dir = path.dirname(require.resolve(`@pulumi/${pkg}/package.json`));
    } catch {
        return undefined;
    }
    const mod = modPath.split("/")[0];
    const file = path.join(dir, mod === "index" ? "" : mod, `${fn}.d.ts`);
    if (!fs.existsSync(file)) return undefined;
    const body = interfaceBody(fs.readFileSync(file, "utf8"), `${fn[0].toUpperCase()}${fn.slice(1)}Result`);
    return body === undefined ? undefined : new Shapes(dir, `arn:${pkg}:${mod}:${region}:${MOCK_ACCOUNT}:`).object(body, inputs, 0);
}
