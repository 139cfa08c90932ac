// Starts one of this project's TypeScript CLIs (`node plan/launch.js plan/cli.ts ...`) near Node's floor.
// ts-node loads the TypeScript compiler on every start (about half a second); here each .ts file is
// transpiled by SWC once and kept, by a hash of its path and content, under node_modules/.cache; a
// later start loads no transpiler at all, and V8's code for node_modules comes from codeCache.js.
// Type checking stays with `tsc --noEmit`. Plain JavaScript, since it must run before anything can
// load TypeScript.
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const Module = require("module");
const path = require("path");

const { installCodeCache } = require("./codeCache");

const CACHE = path.join(__dirname, "..", "node_modules", ".cache", "ts-launch");
let swc;

function transpile(source, filename) {
    const key = crypto.createHash("sha1").update(filename).update("\0").update(source).digest("hex");
    const cached = path.join(CACHE, `${key}.js`);
    try {
        return fs.readFileSync(cached, "utf8");
    } catch {
        // Not transpiled yet: below.
    }
    swc = swc || require("@swc/core");
    let code;
    try {
        ({ code } = swc.transformSync(source, {
            filename,
            sourceMaps: "inline",
            module: { type: "commonjs" },
            jsc: { parser: { syntax: "typescript" }, target: "es2022" },
        }));
    } catch (err) {
        throw syntaxError(String((err && err.message) || err));
    }
    // Written aside and renamed, so a parallel start never reads half a file.
    fs.mkdirSync(CACHE, { recursive: true });
    const tmp = `${cached}.${process.pid}`;
    fs.writeFileSync(tmp, code);
    fs.renameSync(tmp, cached);
    return code;
}

/** SWC's report (a code frame, then a native backtrace) as one line: the reason and file:line. */
function syntaxError(report) {
    const where = /,-\[([^\]\s]+):(\d+):\d+\]/.exec(report);
    const reason = (/^\s*x\s+(.+)$/m.exec(report) || [null, report.split("\n")[0]])[1].trim();
    return new SyntaxError(where ? `${reason} (${path.relative(process.cwd(), where[1])}:${where[2]})` : reason);
}

installCodeCache(path.join(CACHE, `v8-${process.version}-${process.arch}.bin`));

if (!require.extensions[".ts"]) {
    require.extensions[".ts"] = (module, filename) => module._compile(transpile(fs.readFileSync(filename, "utf8"), filename), filename);
}
// Errors name the TypeScript line (the program's own line), from the inline source maps. But the SDK
// takes a stack for every resource and promise (`new Error().stack`, no message), and mapping those
// costs a sixth of a plan: those stay as V8 writes them; errors with a message get their .ts lines.
process.setSourceMapsEnabled(true);
Error.prepareStackTrace = (error, frames) => {
    let head;
    try {
        head = Error.prototype.toString.call(error);
    } catch {
        head = "Error";
    }
    const mapped = error instanceof Error && error.message !== "";
    return head + frames.map((f) => `\n    at ${mapped ? tsFrame(f) : f}`).join("");
};

/** A call site in a .ts file, at its TypeScript line and column. */
function tsFrame(frame) {
    const file = frame.getFileName();
    const map = file && file.endsWith(".ts") ? Module.findSourceMap(file) : undefined;
    const entry = map && frame.getLineNumber() ? map.findEntry(frame.getLineNumber() - 1, frame.getColumnNumber() - 1) : undefined;
    if (!entry || entry.originalLine === undefined) return String(frame);
    return `${frame.getFunctionName() || "<anonymous>"} (${file}:${entry.originalLine + 1}:${entry.originalColumn + 1})`;
}

const [script, ...args] = process.argv.slice(2);
process.argv = [process.argv[0], path.resolve(script), ...args];
require(path.resolve(script));
