import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseReleases, rollbackCommands } from "../../rollback/steps";

const OUTPUT = JSON.stringify([JSON.stringify({ version: "v2", changed: true, previous: "v1", backup: "pre-v2-20261123T140000Z", seconds: 5 })]);

describe("npm run rollback", () => {
    it("goes back to the previous release with one pulumi up", () => {
        assert.deepEqual(rollbackCommands(parseReleases(OUTPUT), { stack: "prod", restoreDb: false }), [["pulumi", "up", "--yes", "--stack", "prod", "--config", "appVersion=v1"]]);
        assert.deepEqual(rollbackCommands(parseReleases(OUTPUT), { stack: "prod", to: "v0.9", restoreDb: false })[0].at(-1), "appVersion=v0.9");
    });

    it("restores the database only when the backup id is repeated, then clears the one-shot keys", () => {
        assert.throws(() => rollbackCommands(parseReleases(OUTPUT), { stack: "prod", restoreDb: true }), {
            message: "--restore-db overwrites the database with pre-v2-20261123T140000Z (taken before v2); rows written since are lost. Confirm with: --confirm pre-v2-20261123T140000Z",
        });
        assert.deepEqual(rollbackCommands(parseReleases(OUTPUT), { stack: "prod", restoreDb: true, confirm: "pre-v2-20261123T140000Z" }), [
            ["pulumi", "up", "--yes", "--stack", "prod", "--config", "appVersion=v1", "--config", "dbRestore=pre-v2-20261123T140000Z", "--config", "dbRestoreConfirm=pre-v2-20261123T140000Z"],
            ["pulumi", "config", "rm", "--stack", "prod", "dbRestore"],
            ["pulumi", "config", "rm", "--stack", "prod", "dbRestoreConfirm"],
        ]);
    });

    it("refuses when there is nothing to go back to, or the hosts disagree", () => {
        assert.throws(() => parseReleases("[]"), /nothing has been released yet/);
        assert.throws(() => rollbackCommands([{ version: "v1" }], { stack: "dev", restoreDb: false }), /v1 has no previous release recorded; name one with --to VERSION/);
        assert.throws(() => rollbackCommands([{ version: "v2", previous: "v1" }, { version: "v1", previous: "v0" }], { stack: "dev", restoreDb: false }), /the hosts run different versions \(v2, v1\)/);
    });

    it("runs the pulumi commands in order (a stand-in pulumi on PATH records them)", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fake-pulumi-"));
        const log = path.join(dir, "calls");
        fs.writeFileSync(path.join(dir, "pulumi"), `#!/bin/sh\necho "$*" >> ${log}\n[ "$1 $2" = "stack output" ] && echo '${OUTPUT}'\nexit 0\n`, { mode: 0o755 });
        const root = path.resolve(__dirname, "../..");
        const run = (args: string[]) => spawnSync(process.execPath, [require.resolve("ts-node/dist/bin.js"), "--transpile-only", path.join(root, "rollback/cli.ts"), ...args], { encoding: "utf8", env: { ...process.env, PATH: `${dir}:${process.env.PATH}` } });
        const refused = run(["--stack", "prod", "--restore-db"]);
        assert.equal(refused.status, 2);
        assert.match(refused.stderr, /^rollback: --restore-db overwrites the database with pre-v2-20261123T140000Z/);
        const r = run(["--stack", "prod", "--restore-db", "--confirm", "pre-v2-20261123T140000Z"]);
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(fs.readFileSync(log, "utf8").trim().split("\n"), [
            "stack output releases --json --stack prod",
            "stack output releases --json --stack prod",
            "up --yes --stack prod --config appVersion=v1 --config dbRestore=pre-v2-20261123T140000Z --config dbRestoreConfirm=pre-v2-20261123T140000Z",
            "config rm --stack prod dbRestore",
            "config rm --stack prod dbRestoreConfirm",
        ]);
        const bad = run(["--stak", "prod"]);
        assert.equal(bad.status, 2);
        assert.match(bad.stderr, /^rollback: unknown flag "--stak"; usage: npm run rollback -- --stack NAME/);
        fs.rmSync(dir, { recursive: true, force: true });
    });
});
