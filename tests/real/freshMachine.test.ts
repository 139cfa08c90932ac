// `npm test` on a fresh Debian machine: its pretest script installs the Debian packages it needs
// (.ci/install-packages), and CI's .ci/run leaves that to it.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT } from "./launch";

const SCRIPT = path.join(ROOT, ".ci/install-packages");

/** Runs the script as a user who is not root (nobody, when the tests run as root). */
function asUser(list: string) {
    const root = process.getuid?.() === 0;
    const [cmd, args] = root ? ["runuser", ["-u", "nobody", "--", "bash", SCRIPT, list]] : ["bash", [SCRIPT, list]];
    return spawnSync(cmd, args, { encoding: "utf8" });
}

function listFile(packages: string[]): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "apt-"));
    fs.chmodSync(dir, 0o755);
    const file = path.join(dir, "apt-packages");
    fs.writeFileSync(file, `# a comment, then a blank line\n\n${packages.join("\n")}\n`, { mode: 0o644 });
    return file;
}

describe("a fresh machine", () => {
    it("npm test installs the Debian packages first (pretest), and .ci/run leaves that to it", () => {
        const scripts = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).scripts as Record<string, string>;
        assert.equal(scripts.pretest, "bash .ci/install-packages");
        const ci = fs.readFileSync(path.join(ROOT, ".ci/run"), "utf8");
        assert.doesNotMatch(ci, /apt-get|dpkg/);
        assert.match(ci, /^npm test 2>&1 \| tee/m);
        assert.match(ci, /^npm ci /m);
    });

    it("with every package present, says nothing and succeeds", () => {
        const r = asUser(path.join(ROOT, ".ci/apt-packages"));
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stdout + r.stderr, "");
    });

    it("not as root, names what is missing and how to install it, in one line, and fails", () => {
        const list = listFile(["bash", "webapp-no-such-package", "coreutils", "webapp-nor-this-one"]);
        const r = asUser(list);
        assert.equal(r.status, 1);
        assert.equal(r.stdout, "");
        assert.equal(r.stderr, "missing Debian packages: webapp-no-such-package webapp-nor-this-one; install them as root: apt-get update && apt-get install -y --no-install-recommends webapp-no-such-package webapp-nor-this-one\n");
        fs.rmSync(path.dirname(list), { recursive: true, force: true });
    });

    it("is shellcheck-clean", () => {
        const r = spawnSync("shellcheck", [SCRIPT, path.join(ROOT, ".ci/run")], { encoding: "utf8" });
        assert.equal(r.status, 0, r.stdout);
    });
});
