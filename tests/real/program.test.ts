// The program through the SDK's own launcher (cmd/run), with the arguments and environment the Pulumi
// CLI's Node.js language host gives it for `pulumi preview` (pulumi-language-nodejs main.go:
// constructArguments, constructConfig, execRuntime), type checking on, against a resource monitor and
// an engine this test serves over gRPC.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_DIR } from "../../plan/plan";
import { readStackConfig } from "../../plan/stackFile";
import { planStack } from "../helpers/plan";
import { serveEngine, ServedEngine } from "./engine";
import { exitWithin, launch } from "./launch";

const STACK = "dev";
const ORGANIZATION = "organization";
// Type-checking the program and @pulumi/aws's typings takes a while on a shared 2-core machine.
const BOUND_SECONDS = 400;

/** The language host hands config keys over in the old "<namespace>:config:<name>" form. */
function languageHostConfig(config: Record<string, string>): string {
    return JSON.stringify(Object.fromEntries(Object.entries(config).map(([k, v]) => {
        const [ns, ...name] = k.split(":");
        return [`${ns}:config:${name.join(":")}`, v];
    })));
}

export interface PreviewArgs {
    engine: ServedEngine;
    project: string;
    /** The program's folder (its tsconfig.json and package.json main are read from there). */
    dir: string;
    config: Record<string, string>;
    secretKeys: string[];
}

/** `pulumi preview`'s run of a program: exit code and stderr. */
async function preview(a: PreviewArgs): Promise<{ code: number | string; stderr: string }> {
    const launched = launch({
        cmd: "run",
        args: [
            "--monitor", a.engine.address,
            "--engine", a.engine.address,
            "--organization", ORGANIZATION,
            "--project", a.project,
            "--root-directory", a.dir,
            "--stack", STACK,
            "--pwd", a.dir,
            "--dry-run",
            "--parallel", "16",
            // The entry point: "." means package.json's main.
            ".",
        ],
        cwd: a.dir,
        env: {
            PULUMI_CONFIG: languageHostConfig(a.config),
            PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(a.secretKeys),
            // Pulumi.yaml's `runtime.options.typescript: true`. No PULUMI_NODEJS_TRANSPILE_ONLY: ts-node type-checks.
            PULUMI_NODEJS_TYPESCRIPT: "true",
        },
    });
    const code = await exitWithin(launched, BOUND_SECONDS);
    return { code, stderr: launched.output().stderr };
}

/** "<type> <name> < <parent's type> <parent's name>", the same whichever way the URNs chain parent types. */
function placed(r: { type: string; name: string; parent: string }): string {
    const [qualifiedType, name] = r.parent.split("::").slice(-2);
    return `${r.type} ${r.name} < ${r.parent ? `${qualifiedType.split("$").pop()} ${name}` : ""}`;
}

const errorsOf = (engine: ServedEngine) => engine.logs.filter((l) => l.severity >= 3).map((l) => l.message);

describe("the program through the SDK's launcher (cmd/run), as `pulumi preview` runs it", function () {
    this.timeout((BOUND_SECONDS + 60) * 1000);
    let engine: ServedEngine;
    let code: number | string;
    let stderr = "";
    const stackFile = readStackConfig(PROJECT_DIR, STACK);

    before(async () => {
        engine = await serveEngine({ project: stackFile.project, stack: STACK, region: stackFile.config["aws:region"] });
        ({ code, stderr } = await preview({ engine, project: stackFile.project, dir: PROJECT_DIR, config: stackFile.config, secretKeys: stackFile.secretKeys }));
    });

    after(() => engine.close());

    it("loads with type checking, runs and exits 0, logging no error", () => {
        const errors = errorsOf(engine);
        assert.equal(code, 0, `exit ${code}: ${stderr}\n${errors.join("\n")}`);
        assert.deepEqual(errors, []);
    });

    it("registers exactly the resources of the dev stack's offline plan, each under the same parent", async () => {
        const planned = (await planStack({}, STACK)).resources.map(placed).sort();
        const registered = engine.registrations.map(placed).sort();
        assert.ok(registered.includes(`pulumi:pulumi:Stack ${stackFile.project}-${STACK} < `));
        assert.ok(planned.length > 20, `${planned.length} planned`);
        assert.deepEqual(registered, planned);
    });
});

describe("our tsconfig.json as the SDK's launcher reads it", function () {
    this.timeout((BOUND_SECONDS + 60) * 1000);

    it("type-checks: a program with a type error does not run", async () => {
        // A one-file program beside a copy of our tsconfig.json, so only the type error can fail it.
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "typecheck-"));
        fs.copyFileSync(path.join(PROJECT_DIR, "tsconfig.json"), path.join(dir, "tsconfig.json"));
        fs.symlinkSync(path.join(PROJECT_DIR, "node_modules"), path.join(dir, "node_modules"));
        fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "typecheck", main: "index.ts" }));
        fs.writeFileSync(path.join(dir, "index.ts"), 'import * as pulumi from "@pulumi/pulumi";\nconst port: number = "80";\nexport const out = pulumi.output(port);\n');
        const engine = await serveEngine({ project: "typecheck", stack: STACK, region: "us-east-1" });
        try {
            const { code, stderr } = await preview({ engine, project: "typecheck", dir, config: {}, secretKeys: [] });
            assert.notEqual(code, 0);
            assert.match(`${errorsOf(engine).join("\n")}${stderr}`, /TS2322: Type 'string' is not assignable to type 'number'/);
        } finally {
            await engine.close();
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
