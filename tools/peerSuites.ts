// Reads pulumi/pulumi-policy's tests/integration/integration_test.go into scenarios: for each test that
// runs a Node.js program, its folder, initial config, stack tags and, per scenario, the policy config
// and the strings the CLI's output must contain (WantErrors), and whether they are only advisory.
import { GoParser, GoScope, GoValue, tokenize } from "./goLiteral";

export interface PeerScenario {
    /** 1-based, as the suite sets `pulumi config set scenario N`. */
    index: number;
    wantErrors: string[];
    advisory: boolean;
    policyPackConfig?: Record<string, GoValue>;
}

export interface PeerTest {
    name: string;
    dir: string;
    runtime: string;
    initialConfig: Record<string, string>;
    stackTags: Record<string, string>;
    scenarios: PeerScenario[];
}

/** The test functions of the file, name to body. */
function functions(src: string): [string, string][] {
    const starts = [...src.matchAll(/^func (\w+)\(t \*testing\.T\) \{$/gm)];
    return starts.map((m, i) => [m[1], src.slice(m.index!, starts[i + 1]?.index ?? src.length)]);
}

/** A test's own consts (`name = "..."` inside `const (...)`). */
function consts(body: string): Record<string, string> {
    const block = /const \(([\s\S]*?)\n\s*\)/.exec(body)?.[1] ?? "";
    return Object.fromEntries([...block.matchAll(/(\w+)\s*=\s*("(?:[^"\\]|\\.)*")/g)].map((m) => [m[1], JSON.parse(m[2]) as string]));
}

/**
 * A test's helper closures, in the two shapes the suite uses: `name := func(p T) R { return <literal> }`
 * and `name := func(p ...string) []string { ...range p { result = append(result, <exprs>) } ... }`.
 */
function helpers(body: string, base: Record<string, GoValue>): Record<string, (args: GoValue[]) => GoValue> {
    const out: Record<string, (args: GoValue[]) => GoValue> = {};
    for (const m of body.matchAll(/(\w+) := func\((\w+) ([^)]*)\)[^{]*\{([\s\S]*?)\n\t\}/g)) {
        const [, name, param, type, fnBody] = m;
        const scopeWith = (value: GoValue): GoScope => ({
            ident: (id) => {
                if (id === param) return value;
                if (id in base) return base[id];
                throw new Error(`${name}: unknown identifier ${id}`);
            },
            call: (fn) => {
                throw new Error(`${name}: unknown call ${fn}`);
            },
        });
        const ret = /return ([\s\S]*)$/.exec(fnBody)?.[1];
        const loop = /for _, (\w+) := range \w+ \{\s*\w+ = append\(\w+,([\s\S]*?)\)\s*\}/.exec(fnBody);
        if (type.startsWith("...") && loop) {
            const [, item, exprs] = loop;
            out[name] = (args) => args.flatMap((a) => {
                const p = new GoParser(tokenize(exprs), { ...scopeWith(null), ident: (id) => (id === item ? a : scopeWith(null).ident(id)) });
                const values: GoValue[] = [];
                while (p.peek()) {
                    values.push(p.expr());
                    if (p.peek()?.text === ",") p.pos++;
                }
                return values;
            });
        } else if (ret) {
            out[name] = (args) => new GoParser(tokenize(ret), scopeWith(args[0])).expr();
        }
    }
    return out;
}

function scenario(v: GoValue, i: number): PeerScenario {
    const s = (v ?? {}) as Record<string, GoValue>;
    return {
        index: i + 1,
        wantErrors: (s.WantErrors as string[] | null) ?? [],
        advisory: s.Advisory === true,
        policyPackConfig: (s.PolicyPackConfig as Record<string, GoValue> | undefined) ?? undefined,
    };
}

/** Every test of the file that runs policy packs through runPolicyPackIntegrationTest(WithStackTags). */
export function readPeerTests(goSource: string): PeerTest[] {
    const tests: PeerTest[] = [];
    for (const [name, body] of functions(goSource)) {
        const call = /runPolicyPackIntegrationTest(WithStackTags)?\(t, "([^"]+)", (\w+),/.exec(body);
        if (!call) continue;
        const base: Record<string, GoValue> = consts(body);
        const fns = helpers(body, base);
        const scope: GoScope = {
            ident: (id) => {
                if (id in base) return base[id];
                throw new Error(`${name}: unknown identifier ${id}`);
            },
            call: (fn, args) => {
                if (!fns[fn]) throw new Error(`${name}: unknown helper ${fn}`);
                return fns[fn](args);
            },
        };
        const p = new GoParser(tokenize(body.slice(call.index! + call[0].length)), scope);
        const initialConfig = (p.expr() ?? {}) as Record<string, string>;
        p.expect(",");
        const scenarios = p.expr() as GoValue[];
        let stackTags: Record<string, string> = {};
        if (call[1]) {
            p.expect(",");
            stackTags = (p.expr() ?? {}) as Record<string, string>;
        }
        tests.push({ name, dir: call[2], runtime: call[3], initialConfig, stackTags, scenarios: scenarios.map(scenario) });
    }
    return tests;
}
