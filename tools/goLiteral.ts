// Reads the Go composite literals that pulumi/pulumi-policy's tests/integration/integration_test.go
// writes its scenarios in (strings, numbers, nil/true/false, float64(x), []T{...}, map[K]V{...},
// Struct{Field: ...}, "a" + b), so the peer-suite driver takes the expectations from the suite itself.
// Identifiers and helper calls are resolved by the caller (`scope`), e.g. a test's own consts.

export type GoValue = string | number | boolean | null | GoValue[] | { [key: string]: GoValue };

/** How a bare identifier or a call `name(args)` reads in the literal's function. */
export interface GoScope {
    ident(name: string): GoValue;
    call(name: string, args: GoValue[]): GoValue;
}

type Token = { kind: "str" | "num" | "ident" | "punct"; text: string; value?: string | number };

export function tokenize(src: string): Token[] {
    const out: Token[] = [];
    let i = 0;
    while (i < src.length) {
        const c = src[i];
        if (/\s/.test(c)) i++;
        else if (src.startsWith("//", i)) i = src.indexOf("\n", i) < 0 ? src.length : src.indexOf("\n", i);
        else if (src.startsWith("/*", i)) i = src.indexOf("*/", i) + 2;
        else if (c === '"') {
            let j = i + 1;
            while (src[j] !== '"') j += src[j] === "\\" ? 2 : 1;
            // A Go interpreted string's escapes are JSON's for everything these tests use.
            out.push({ kind: "str", text: src.slice(i, j + 1), value: JSON.parse(src.slice(i, j + 1)) as string });
            i = j + 1;
        } else if (c === "`") {
            const j = src.indexOf("`", i + 1);
            out.push({ kind: "str", text: src.slice(i, j + 1), value: src.slice(i + 1, j) });
            i = j + 1;
        } else if (/[0-9]/.test(c)) {
            const m = /^[0-9][0-9_.eE+-]*/.exec(src.slice(i))![0];
            out.push({ kind: "num", text: m, value: Number(m.replace(/_/g, "")) });
            i += m.length;
        } else if (/[A-Za-z_]/.test(c)) {
            const m = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(src.slice(i))![0];
            out.push({ kind: "ident", text: m });
            i += m.length;
        } else {
            out.push({ kind: "punct", text: c });
            i++;
        }
    }
    return out;
}

/** A parser over the tokens of one expression list; `pos` moves as it reads. */
export class GoParser {
    pos = 0;
    constructor(private readonly tokens: Token[], private readonly scope: GoScope) {}

    peek(offset = 0): Token | undefined {
        return this.tokens[this.pos + offset];
    }

    expect(text: string): void {
        const t = this.tokens[this.pos++];
        if (t?.text !== text) throw new Error(`Go literal: expected ${JSON.stringify(text)}, found ${JSON.stringify(t?.text)} at token ${this.pos - 1}`);
    }

    /** Skips a type: []T, map[K]V, interface{}, pkg.Name or Name. */
    private skipType(): void {
        const t = this.peek();
        if (t?.text === "[") {
            this.expect("[");
            this.expect("]");
            this.skipType();
        } else if (t?.text === "map") {
            this.pos++;
            this.expect("[");
            this.skipType();
            this.expect("]");
            this.skipType();
        } else if (t?.text === "interface") {
            this.pos++;
            this.expect("{");
            this.expect("}");
        } else {
            this.pos++;
        }
    }

    /** A composite literal's body, after its `{`: keyed entries make an object, the others an array. */
    private composite(): GoValue {
        this.expect("{");
        const items: GoValue[] = [];
        const keyed: Record<string, GoValue> = {};
        let isKeyed = false;
        while (this.peek()?.text !== "}") {
            // An element with its type left out, as Go allows inside a typed slice or map.
            const first = this.peek()?.text === "{" ? this.composite() : this.expr();
            if (this.peek()?.text === ":") {
                this.pos++;
                isKeyed = true;
                keyed[String(first)] = this.peek()?.text === "{" ? this.composite() : this.expr();
            } else items.push(first);
            if (this.peek()?.text === ",") this.pos++;
        }
        this.expect("}");
        return isKeyed ? keyed : items;
    }

    private primary(): GoValue {
        const t = this.peek();
        if (!t) throw new Error("Go literal: unexpected end");
        if (t.kind === "str" || t.kind === "num") {
            this.pos++;
            return t.value!;
        }
        if (t.text === "[" || t.text === "map") {
            this.skipType();
            return this.composite();
        }
        if (t.kind === "ident") {
            if (t.text === "nil") return (this.pos++, null);
            if (t.text === "true" || t.text === "false") return (this.pos++, t.text === "true");
            this.pos++;
            if (this.peek()?.text === "{") {
                // Struct{...}: the field names are keys. An identifier as a key reads as its name.
                return this.composite();
            }
            if (this.peek()?.text === "(") {
                this.pos++;
                const args: GoValue[] = [];
                while (this.peek()?.text !== ")") {
                    args.push(this.expr());
                    if (this.peek()?.text === ",") this.pos++;
                }
                this.expect(")");
                // A conversion such as float64(3.14) is its argument.
                return /^(float64|int|string)$/.test(t.text) ? args[0] : this.scope.call(t.text, args);
            }
            // Before ":" an identifier is a map key (a const the scope knows) or a struct field's name.
            if (this.peek()?.text === ":") {
                try {
                    return this.scope.ident(t.text);
                } catch {
                    return t.text;
                }
            }
            return this.scope.ident(t.text);
        }
        throw new Error(`Go literal: unexpected ${JSON.stringify(t.text)}`);
    }

    /** One expression: a primary, or strings joined with +. */
    expr(): GoValue {
        let v = this.primary();
        while (this.peek()?.text === "+") {
            this.pos++;
            v = String(v) + String(this.primary());
        }
        return v;
    }
}
