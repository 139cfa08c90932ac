import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { annotateRecord } from "../../infra/deploy/releaseRecord";
import { parseReleases, ROLLBACK_HELP, rollbackCommands } from "../../rollback/steps";
import { planStack } from "../helpers/plan";

const OUTPUT = JSON.stringify([JSON.stringify({ version: "v2", changed: true, previous: "v1", backup: "pre-v2-20261123T140000Z", seconds: 5 })]);

describe("npm run rollback", () => {
    it("goes back to the previous release with one pulumi up", () => {
        assert.deepEqual(rollbackCommands(parseReleases(OUTPUT), { stack: "prod", restoreDb: false }), [["pulumi", "up", "--yes", "--stack", "prod", "--config", "appVersion=v1", "--config", `rolledBack=["v2"]`]]);
        assert.deepEqual(rollbackCommands(parseReleases(OUTPUT), { stack: "prod", to: "v0.9", restoreDb: false })[0].slice(-3), ["appVersion=v0.9", "--config", `rolledBack=["v2"]`]);
    });

    it("restores the database only when the backup id is repeated, then clears the one-shot keys", () => {
        assert.throws(() => rollbackCommands(parseReleases(OUTPUT), { stack: "prod", restoreDb: true }), {
            message: "--restore-db overwrites the database with pre-v2-20261123T140000Z (taken before v2); rows written since are lost. Confirm with: --confirm pre-v2-20261123T140000Z",
        });
        assert.deepEqual(rollbackCommands(parseReleases(OUTPUT), { stack: "prod", restoreDb: true, confirm: "pre-v2-20261123T140000Z" }), [
            ["pulumi", "up", "--yes", "--stack", "prod", "--config", "appVersion=v1", "--config", `rolledBack=["v2"]`, "--config", "dbRestore=pre-v2-20261123T140000Z", "--config", "dbRestoreConfirm=pre-v2-20261123T140000Z"],
            ["pulumi", "config", "rm", "--stack", "prod", "dbRestore"],
            ["pulumi", "config", "rm", "--stack", "prod", "dbRestoreConfirm"],
        ]);
    });

    it("refuses when there is nothing to go back to, or the hosts disagree", () => {
        assert.throws(() => parseReleases("[]"), /nothing has been released yet/);
        assert.throws(() => rollbackCommands([{ version: "v1" }], { stack: "dev", restoreDb: false }), { message: "v1 has no earlier good release recorded; name one with --to VERSION" });
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
            `up --yes --stack prod --config appVersion=v1 --config rolledBack=["v2"] --config dbRestore=pre-v2-20261123T140000Z --config dbRestoreConfirm=pre-v2-20261123T140000Z`,
            "config rm --stack prod dbRestore",
            "config rm --stack prod dbRestoreConfirm",
        ]);
        const help = run(["--help"]);
        assert.equal(help.status, 0);
        assert.equal(help.stdout, ROLLBACK_HELP);
        const bad = run(["--stak", "prod"]);
        assert.equal(bad.status, 2);
        assert.match(bad.stderr, /^rollback: unknown flag "--stak"; usage: npm run rollback -- --stack NAME/);
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("running it twice never flips back to the bad version", () => {
        // First run: v2 is bad, back to v1; the stack now records v1 (previous v2) and rolledBack [v2].
        const first = rollbackCommands(parseReleases(OUTPUT), { stack: "prod", restoreDb: false })[0];
        assert.deepEqual(first.slice(-3), ["appVersion=v1", "--config", `rolledBack=["v2"]`]);
        const after = JSON.stringify([JSON.stringify({ version: "v1", changed: true, previous: "v2", backup: "pre-v1-20261123T141000Z", seconds: 4, rolledBack: ["v2"] })]);
        assert.throws(() => rollbackCommands(parseReleases(after), { stack: "prod", restoreDb: false }), { message: "v1 has no earlier good release recorded (v2 already rolled back); name one with --to VERSION" });
        // Named explicitly, a rolled-back version may come back, and leaves the list.
        assert.deepEqual(rollbackCommands(parseReleases(after), { stack: "prod", to: "v2", restoreDb: false })[0].slice(-3), ["appVersion=v2", "--config", `rolledBack=["v1"]`]);
    });

    it("stage 4: skips failed, rolled-back and rolled-away releases in the history", () => {
        const history = [
            { version: "v5", outcome: "released" }, { version: "v4", outcome: "rolled-back" }, { version: "v3", outcome: "released" },
            { version: "v2", outcome: "failed" }, { version: "v1", outcome: "released" },
        ];
        const record = (rolledBack: string[]) => JSON.stringify([JSON.stringify({ version: "v5", changed: true, previous: "v3", backup: "webapp-pre-v5-20261123T140000Z", seconds: 300, history, rolledBack })]);
        assert.deepEqual(rollbackCommands(parseReleases(record([])), { stack: "prod", restoreDb: false })[0].slice(-3), ["appVersion=v3", "--config", `rolledBack=["v5"]`]);
        assert.deepEqual(rollbackCommands(parseReleases(record(["v3"])), { stack: "prod", restoreDb: false })[0].slice(-3), ["appVersion=v1", "--config", `rolledBack=["v3","v5"]`]);
    });

    it("stage 4: the stack's outputs as `pulumi stack output releases --json` prints them (a stand-in pulumi)", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fake-pulumi-"));
        const log = path.join(dir, "calls");
        const outputs = JSON.stringify([JSON.stringify({ version: "v2", changed: true, previous: "v1", backup: "webapp-pre-v2-20261123T140000Z", seconds: 312,
            history: [{ version: "v2", outcome: "released", previous: "v1" }, { version: "v1", outcome: "released", previous: "" }] })]);
        fs.writeFileSync(path.join(dir, "out.json"), outputs);
        fs.writeFileSync(path.join(dir, "pulumi"), `#!/bin/sh\necho "$*" >> ${log}\n[ "$1 $2" = "stack output" ] && cat ${dir}/out.json\nexit 0\n`, { mode: 0o755 });
        const root = path.resolve(__dirname, "../..");
        const r = spawnSync(process.execPath, [require.resolve("ts-node/dist/bin.js"), "--transpile-only", path.join(root, "rollback/cli.ts"), "--stack", "prod"], { encoding: "utf8", env: { ...process.env, PATH: `${dir}:${process.env.PATH}` } });
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(fs.readFileSync(log, "utf8").trim().split("\n"), ["stack output releases --json --stack prod", `up --yes --stack prod --config appVersion=v1 --config rolledBack=["v2"]`]);
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("each release record carries the stack's rolledBack list (the program adds it to what the host printed)", async () => {
        const printed = JSON.stringify({ version: "v1", changed: true, previous: "v2", backup: "", seconds: 4 });
        assert.deepEqual(JSON.parse(annotateRecord(printed, ["v2"])), { version: "v1", changed: true, previous: "v2", backup: "", seconds: 4, rolledBack: ["v2"] });
        assert.equal(annotateRecord(printed, []), printed);
        await assert.rejects(planStack({ rolledBack: JSON.stringify(["v2", "bad tag"]) }), { message: `config 'rolledBack[1]' = "bad tag" is invalid: expected an image tag such as v1.4.2` });
    });
});
