// V8's compiled code for the modules under node_modules, kept between starts (Node 20 has no built-in
// compile cache): the SDKs are a thousand modules, and compiling them is much of a plan's start.
// One file holds every module's code, keyed by path, size and mtime; V8 also refuses data that does not
// fit. Only node_modules, which a plan never edits; the project's files compile as usual.
"use strict";
const fs = require("fs");
const Module = require("module");
const path = require("path");
const vm = require("vm");

const NODE_MODULES = `${path.sep}node_modules${path.sep}`;

/** Installs the cache kept in `file`; new code is written when the process exits. */
function installCodeCache(file) {
    let index = {};
    let blob = Buffer.alloc(0);
    try {
        const all = fs.readFileSync(file);
        const length = all.readUInt32LE(0);
        index = JSON.parse(all.subarray(4, 4 + length).toString("utf8"));
        blob = all.subarray(4 + length);
    } catch {
        // No cache yet, or one from another Node: start empty.
    }
    const fresh = new Map();

    const compile = Module.prototype._compile;
    Module.prototype._compile = function (content, filename) {
        if (!filename.includes(NODE_MODULES)) return compile.call(this, content, filename);
        const stamp = `${content.length}:${fs.statSync(filename).mtimeMs}`;
        const known = index[filename];
        const cachedData = known && known.stamp === stamp ? blob.subarray(known.offset, known.offset + known.length) : undefined;
        const script = new vm.Script(Module.wrap(content), { filename, cachedData, importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER });
        if (!cachedData || script.cachedDataRejected) fresh.set(filename, { stamp, script });
        const mod = this;
        const require = (id) => mod.require(id);
        require.resolve = (request, options) => Module._resolveFilename(request, mod, false, options);
        require.resolve.paths = (request) => Module._resolveLookupPaths(request, mod);
        require.main = process.mainModule;
        require.extensions = Module._extensions;
        require.cache = Module._cache;
        return script.runInThisContext({ displayErrors: true }).call(mod.exports, mod.exports, require, mod, filename, path.dirname(filename));
    };

    process.once("exit", () => {
        if (fresh.size === 0) return;
        // Code made after the run covers the functions that ran, not only the top level.
        const parts = [];
        const next = {};
        let offset = 0;
        const add = (name, stamp, data) => {
            next[name] = { stamp, offset, length: data.length };
            parts.push(data);
            offset += data.length;
        };
        for (const [name, entry] of Object.entries(index)) if (!fresh.has(name)) add(name, entry.stamp, blob.subarray(entry.offset, entry.offset + entry.length));
        for (const [name, { stamp, script }] of fresh) add(name, stamp, script.createCachedData());
        const head = Buffer.from(JSON.stringify(next), "utf8");
        const length = Buffer.alloc(4);
        length.writeUInt32LE(head.length, 0);
        try {
            fs.mkdirSync(path.dirname(file), { recursive: true });
            const tmp = `${file}.${process.pid}`;
            fs.writeFileSync(tmp, Buffer.concat([length, head, ...parts]));
            fs.renameSync(tmp, file);
        } catch {
            // A cache that cannot be written costs speed only.
        }
    });
}

module.exports = { installCodeCache };
