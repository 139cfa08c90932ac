// The shell scripts the hosts run are plain files held to shellcheck and to strict mode (and the test
// host's own, shellcheck only).
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "../..");
const DIRS = ["infra/deploy/scripts", "infra/scripts", "tests/e2e"];
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

    it("tls-cert.sh refuses a bad --acme-server or --certbot-dir in one line, before it writes anything", () => {
        for (const [flag, value, expected] of [["--acme-server", "http://acme.example.com/dir", "expected an ACME directory URL, https://..."], ["--certbot-dir", "certbot", "expected an absolute path"]]) {
            const r = spawnSync("bash", ["infra/deploy/scripts/tls-cert.sh", "--domain", "app.example.com", "--email", "ops@example.com", flag, value], { cwd: ROOT, encoding: "utf8" });
            assert.equal(r.status, 1);
            assert.match(r.stderr, new RegExp(`^\\S+ ERROR: ${flag} '${value}' is invalid: ${expected.replace(/\./g, "\\.")}\\n$`));
        }
    });

    it("the release switch's config passes haproxy -c and sends each service to its slot", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "switch-"));
        try {
            const cfg = path.join(dir, "haproxy.cfg");
            const r = spawnSync("bash", ["-c", `source infra/deploy/scripts/lib.sh; add_service name=backend,image=a,port=8080,health=/health; add_service name=web-ui,image=b,port=3000,health=/; switch_config green blue > ${cfg} && haproxy -c -f ${cfg}`], { cwd: ROOT, encoding: "utf8" });
            assert.equal(r.status, 0, r.stderr + r.stdout);
            const text = fs.readFileSync(cfg, "utf8");
            assert.match(text, /^backend webapp_backend\n {4}server backend 127\.0\.0\.1:28080$/m);
            assert.match(text, /^backend webapp_web-ui\n {4}server web-ui 127\.0\.0\.1:13000$/m);
            assert.match(text, /^ {4}bind unix@\/run\/webapp-switch\/backend\.sock mode 666$/m);
            assert.match(text, /^ {4}stats socket \/run\/webapp-switch\/admin\.sock mode 600 level admin$/m);
            // nginx drops an idle connection to the switch (60 s) before the switch would (75 s): no race.
            assert.match(text, /^ {4}timeout http-keep-alive 75s$/m);
            assert.match(text, /^ {4}option http-server-close$/m);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
