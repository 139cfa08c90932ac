// Reads pulumi/pulumi's Node.js policy conformance tests (pkg/testing/pulumi-test-language/tests/
// policy_*.go) into runs: the packs and their config, the stack's config and tags, and per mode
// (AssertPreview, Assert) whether the run fails, the error text it must show, and the policy
// violations and remediations the engine must report. The tests are Go functions, not data: this reads
// the shapes they use (payload literals, helper closures with string parameters, a local chosen by an
// `if`); a field it cannot evaluate (e.g. a fmt.Sprintf) is left out of the comparison.
import { GoParser, GoScope, GoValue, tokenize } from "./goLiteral";

/** A field the reader could not evaluate. */
export const UNKNOWN = "\u0000unknown";

export interface ExpectedEvent {
    urn?: string;
    message?: string;
    policyName?: string;
    policyPack?: string;
    version?: string;
    level?: string;
}

export interface ModeExpectation {
    fails: boolean;
    /** Strings the run's error output must contain (colour tags removed). */
    errorText: string[];
    /** undefined: the test does not look at violations in this mode. */
    violations?: ExpectedEvent[];
    remediations?: ExpectedEvent[];
}

export interface ConformanceRun {
    index: number;
    /** Pack folder name under testdata/policies to its config (null: none). */
    packs: [string, GoValue][];
    config: Record<string, string>;
    stackTags: Record<string, string>;
    preview: ModeExpectation;
    update: ModeExpectation;
}

export interface ConformanceTest {
    name: string;
    runsShareSource: boolean;
    runs: ConformanceRun[];
}

interface Helper {
    params: string[];
    body: string;
}

/** The text from `open` (an index of "{") to its matching "}", both included; braces in strings do not count. */
function block(src: string, open: number): string {
    let depth = 0;
    for (let i = open; i < src.length; i++) {
        if (src[i] === '"') {
            i++;
            while (i < src.length && src[i] !== '"') i += src[i] === "\\" ? 2 : 1;
        } else if (src[i] === "`") i = src.indexOf("`", i + 1);
        else if (src[i] === "{") depth++;
        else if (src[i] === "}" && --depth === 0) return src.slice(open, i + 1);
    }
    throw new Error("conformance test: unbalanced braces");
}

/** The elements of a composite literal's body ("{ {...}, {...} }"), each as its text. */
function elements(body: string): string[] {
    const out: string[] = [];
    let i = body.indexOf("{") + 1;
    while (true) {
        const next = body.indexOf("{", i);
        if (next < 0) return out;
        const el = block(body, next);
        out.push(el);
        i = next + el.length;
    }
}

const stripColour = (s: string) => s.replace(/<\{%[^%]*%\}>/g, "").replace(/\n$/, "");

function event(v: GoValue): ExpectedEvent {
    const p = (v ?? {}) as Record<string, GoValue>;
    const known = (x: GoValue | undefined) => (typeof x === "string" && !x.includes(UNKNOWN) ? x : undefined);
    return {
        urn: known(p.ResourceURN),
        message: known(p.Message) === undefined ? undefined : stripColour(p.Message as string),
        policyName: known(p.PolicyName),
        policyPack: known(p.PolicyPackName),
        version: known(p.PolicyPackVersion),
        level: known(p.EnforcementLevel),
    };
}

class Reader {
    private readonly vars: Record<string, GoValue> = {};
    private readonly helpers: Record<string, Helper> = {};

    constructor(private readonly src: string) {
        for (const m of src.matchAll(/^\t(\w+) := func\(([^)]*)\)[^{\n]*\{$/gm)) {
            const body = block(src, m.index! + m[0].length - 1);
            this.helpers[m[1]] = { params: m[2].split(",").map((p) => p.trim().split(" ")[0]).filter(Boolean), body };
        }
        for (const m of src.matchAll(/^\t(\w+) := (engine\.PolicyViolationEventPayload\{|config\.MustMakeKey\(|\[\]string\{)/gm)) {
            this.vars[m[1]] = this.parse(src.slice(m.index! + m[0].length - m[2].length), {});
        }
    }

    scope(locals: Record<string, GoValue>): GoScope {
        return {
            ident: (id) => {
                if (id in locals) return locals[id];
                if (id in this.vars) return this.vars[id];
                const level = /^apitype\.(\w+)$/.exec(id);
                if (level) return level[1].toLowerCase();
                // An exported name is a struct field (a key); a lower-case one a value this reader cannot know.
                if (/^[A-Z]/.test(id)) throw new Error(`not a value: ${id}`);
                return UNKNOWN;
            },
            call: (fn, args) => {
                if (fn === "config.MustMakeKey") return `${args[0]}:${args[1]}`;
                // config.NewValue(x), property.NewMap(m), property.New(v): the value itself.
                if (args.length === 1) return args[0];
                return UNKNOWN;
            },
        };
    }

    parse(text: string, locals: Record<string, GoValue>): GoValue {
        return new GoParser(tokenize(text), this.scope(locals)).expr();
    }

    /** The events a helper expects when called with `args` (its string parameters bound). */
    private helperEvents(h: Helper, args: GoValue[], kind: "Violation" | "Remediation"): ExpectedEvent[] | undefined {
        const locals: Record<string, GoValue> = Object.fromEntries(h.params.map((p, i) => [p, args[i] ?? UNKNOWN]));
        for (const m of h.body.matchAll(/(\w+) := ("(?:[^"\\]|\\.)*")\n/g)) locals[m[1]] = JSON.parse(m[2]);
        for (const m of h.body.matchAll(/if (\w+) == ("(?:[^"\\]|\\.)*") \{\s*(\w+) = ("(?:[^"\\]|\\.)*")\s*\}/g)) {
            if (locals[m[1]] === JSON.parse(m[2])) locals[m[3]] = JSON.parse(m[4]);
        }
        return this.events(h.body, locals, kind);
    }

    /** The payloads of `kind` a body builds: a slice literal, or one appended under `if p != ""`. */
    private events(body: string, locals: Record<string, GoValue>, kind: "Violation" | "Remediation"): ExpectedEvent[] | undefined {
        const list = new RegExp(`\\[\\]engine\\.Policy${kind}EventPayload\\{`).exec(body);
        const single = new RegExp(`append\\(\\w+, engine\\.Policy${kind}EventPayload\\{`).exec(body);
        // A list of rule names matched against the reported ones (assert.ElementsMatch).
        const names = /assert\.ElementsMatch\(l, (\w+), \w+\)/.exec(body);
        if (!list && !single && kind === "Violation" && names && Array.isArray(this.vars[names[1]])) return (this.vars[names[1]] as string[]).map((policyName) => ({ policyName }));
        if (!list && !single) return undefined;
        const guard = /if (\w+) != "" \{/.exec(body);
        if (guard && locals[guard[1]] === "") return [];
        if (single) return [event(this.parse(body.slice(single.index + single[0].indexOf("engine.")), locals))];
        return (this.parse(body.slice(list!.index), locals) as GoValue[]).map(event);
    }

    mode(body: string): ModeExpectation {
        const fails = /require\.(Error|ErrorContains)\(/.test(body);
        const errorText = [...body.matchAll(/require\.ErrorContains\(l, \w+(?:\.Err)?,\s*("(?:[^"\\]|\\.)*")\)/g)]
            .map((m) => JSON.parse(m[1]) as string)
            .filter((t) => !t.startsWith("BAIL:")); // the engine's internal bail-out, which no output shows
        for (const m of body.matchAll(/require\.Equal\(l,\s*([\s\S]*?),\s*diags\[0\]\.Message\)/g)) errorText.push(stripColour(String(this.parse(m[1], {}))));
        const result: ModeExpectation = { fails, errorText };
        if (/require\.Empty\(l, \w+\(/.test(body)) result.violations = [];
        const inline = this.events(body, {}, "Violation");
        if (inline) result.violations = inline;
        for (const m of body.matchAll(/assert\.Contains\(l, \w+, (\w+)\)/g)) if (this.vars[m[1]]) (result.violations ??= []).push(event(this.vars[m[1]]));
        for (const m of body.matchAll(/(\w+)\(l, (?:res\.)?[eE]vents((?:, [^)]*)?)\)/g)) {
            const h = this.helpers[m[1]];
            if (!h) continue;
            const args = [UNKNOWN, UNKNOWN, ...(m[2] ? m[2].slice(2).split(",").map((a) => this.parse(a.trim(), {})) : [])];
            const violations = this.helperEvents(h, args, "Violation");
            if (violations) result.violations = [...(result.violations ?? []), ...violations];
            const remediations = this.helperEvents(h, args, "Remediation");
            if (remediations) result.remediations = [...(result.remediations ?? []), ...remediations];
        }
        return result;
    }

    tests(): ConformanceTest[] {
        const name = /LanguageTests\["([^"]+)"\]/.exec(this.src)?.[1];
        const runsAt = this.src.indexOf("Runs: []TestRun{");
        if (!name || runsAt < 0) return [];
        const runs = elements(block(this.src, runsAt + "Runs: []TestRun".length)).map((text, i): ConformanceRun => {
            const field = (re: RegExp) => {
                const m = re.exec(text);
                return m ? this.parse(text.slice(m.index + m[0].length - m[1].length), {}) : null;
            };
            const packs = (field(/PolicyPacks: (map\[)/) ?? {}) as Record<string, GoValue>;
            const previewAt = text.indexOf("AssertPreview: func(");
            const assertAt = text.indexOf("Assert: func(");
            return {
                index: i,
                packs: Object.entries(packs),
                config: (field(/Config: (config\.Map\{)/) ?? {}) as Record<string, string>,
                stackTags: (field(/StackTags: (map\[)/) ?? {}) as Record<string, string>,
                preview: this.mode(previewAt < 0 ? "" : text.slice(previewAt, assertAt > previewAt ? assertAt : undefined)),
                update: this.mode(assertAt < 0 ? "" : text.slice(assertAt)),
            };
        });
        return [{ name, runsShareSource: /RunsShareSource: true/.test(this.src), runs }];
    }
}

/** The tests of one policy_*.go file. */
export function readConformanceTests(goSource: string): ConformanceTest[] {
    return new Reader(goSource).tests();
}
