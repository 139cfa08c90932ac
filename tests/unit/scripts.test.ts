// The shell scripts the hosts run are plain files held to shellcheck and to strict mode.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "../..");
const DIRS = ["infra/deploy/scripts", "infra/scripts"];
const scripts = DIRS.flatMap((d) => fs.readdirSync(path.join(ROOT, d)).filter((f) => f.endsWith(".sh")).map((f) => path.join(d, f)));

describe("host scripts", () => {
    it("are all shellcheck-clean", () => {
        assert.ok(scripts.length >= 6);
        const r = spawnSync("shellcheck", ["-x", ...scripts], { cwd: ROOT, encoding: "utf8" });
        assert.ok(!r.error, "shellcheck is installed (.ci/apt-packages)");
        assert.equal(r.status, 0, r.stdout);
    });

    for (const s of scripts.filter((f) => f.startsWith("infra/deploy/scripts/") && !f.endsWith("lib.sh"))) {
        it(`${s} runs with set -euo pipefail`, () => assert.match(fs.readFileSync(path.join(ROOT, s), "utf8"), /^set -euo pipefail$/m));
    }
});
