// Settings and the rotated database password reach a running app with no downtime, on the real host:
// stage 2 (RDS-managed password) with the program's own prepare and release steps, the secret and the
// RDS calls answered through Debian's aws CLI by a local server; then what the host's timer runs after a
// rotation (db-password.sh), under keep-alive load.
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import { FakeAws } from "../helpers/fakeAws";
import { rdsResponses } from "../helpers/fakeRds";
import { startLoad } from "./load";
import { changedSteps, runSteps, settled, Step } from "./remote";
import { get, history, planSteps, running } from "./steps";
import { HTTP_PORT, PODMAN, TestHost } from "./testHost";

const ARN = "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:rds!db-0a1b2c3d-AbCdEf";

/** Each app container's id and the env it was started with. */
function containers(): { id: string; env: string[] }[] {
    const ids = execFileSync(PODMAN[0], [...PODMAN.slice(1), "ps", "-q", "--filter", "name=webapp-"], { encoding: "utf8" }).split("\n").filter(Boolean).sort();
    return ids.map((id) => ({ id, env: JSON.parse(execFileSync(PODMAN[0], [...PODMAN.slice(1), "inspect", "--format", "{{json .Config.Env}}", id], { encoding: "utf8" })) as string[] }));
}

describe("e2e: the app's env follows settings and the rotated RDS password (real host, no downtime)", function () {
    this.timeout(600_000);
    const host = new TestHost();
    let password = "first-Rds-Pw-1";
    const aws = new FakeAws({
        "secretsmanager:GetSecretValue": () => JSON.stringify({ ARN, SecretString: JSON.stringify({ username: "app", password }) }),
        ...rdsResponses({ instance: "webapp-dev-db-pg", statuses: ["available"], snapshots: [] }),
    });
    let secrets: [string, string][] = [];
    let previous: Step[] = [];

    /** Uploads over SSH; the command lines run here, in the same order, so that their AWS calls reach the local server. */
    async function deploy(steps: Step[]): Promise<string[]> {
        const out: string[] = [];
        for (const step of steps) {
            const [r] = step.kind === "copy" ? await runSteps([step]) : [await aws.run(step.create, step.stdin ?? "").finally(settled)];
            assert.equal(r.code, 0, `${step.name}: ${r.stderr}`);
            assert.ok(!r.stderr.includes(password), "the password is in no log");
            out.push(r.stdout);
        }
        return out;
    }

    before(async () => {
        await host.start();
        await aws.start();
        // No dbPassword: RDS manages the password (the e2e host's own PostgreSQL password is for stage 1).
        secrets = host.secrets().filter(([key]) => key !== "dbPassword");
    });
    after(async () => {
        await aws.stop();
        host.stop();
    });

    it("1. stage 2 with the RDS-managed password: the host puts its current value in DB_PASSWORD", async () => {
        previous = await planSteps(secrets, { appVersion: "v1", stage: "private-db", appEnvironment: '{"GREETING":"hello"}' });
        assert.ok(previous.every((s) => !(s.stdin ?? "").includes("DB_PASSWORD")), "the program never has the password");
        await deploy(previous);
        assert.match(fs.readFileSync("/etc/webapp/app.env", "utf8"), new RegExp(`^DB_SECRET_ARN=.*\\nDB_PASSWORD=${password}$`, "m"));
        for (const c of containers()) assert.ok(c.env.includes(`DB_PASSWORD=${password}`) && c.env.includes("GREETING=hello"), c.env.join(" "));
        assert.equal(get("/"), "frontend v1");
    });

    it("2. a changed setting at the same version: the app restarts beside itself onto it, no request fails", async () => {
        const steps = await planSteps(secrets, { appVersion: "v1", stage: "private-db", appEnvironment: '{"GREETING":"bye"}' });
        const todo = changedSteps(previous, steps);
        assert.deepEqual(todo.map((s) => s.name.replace("webapp-dev-deploy-app-1-", "")), ["prepare", "release"]);
        const before = containers().map((c) => c.id);
        const slots = running();
        const load = startLoad(HTTP_PORT, ["/", "/api/version"]);
        const [, release] = await deploy(todo);
        const report = await load.stop();
        assert.equal(report.failed, 0, report.errors.join("; "));
        assert.ok(report.requests >= 500, `${report.requests} requests: the load did run`);
        assert.deepEqual((({ version, changed, previous: p }) => ({ version, changed, previous: p }))(JSON.parse(release)), { version: "v1", changed: true, previous: "v1" });
        const after = containers();
        assert.ok(after.every((c) => !before.includes(c.id)), "new containers");
        for (const c of after) assert.ok(c.env.includes("GREETING=bye"), c.env.join(" "));
        const flip = (c: string) => c.replace(/-(blue|green) /, (_, slot: string) => `-${slot === "blue" ? "green" : "blue"} `);
        assert.deepEqual(running(), slots.map(flip), "v1 again, in the other slot");
        previous = steps;
    });

    it("3. RDS rotates the password: the timer's check moves the app onto it under load, zero failed; then nothing more", async () => {
        password = "second-Rds-Pw-2";
        const before = containers().map((c) => c.id);
        const load = startLoad(HTTP_PORT, ["/", "/api/version"]);
        // What webapp-db-password.service runs (db-password.sh --install-timer writes it; this host has no systemd).
        const check = "/opt/webapp/bin/db-password.sh --region ap-northeast-2 --on-change release";
        const calls = aws.requests.length;
        const r = await aws.run(check).finally(settled);
        const report = await load.stop();
        assert.equal(r.code, 0, r.stderr);
        assert.ok(!r.stderr.includes(password));
        assert.equal(report.failed, 0, report.errors.join("; "));
        assert.match(fs.readFileSync("/etc/webapp/app.env", "utf8"), new RegExp(`^DB_PASSWORD=${password}$`, "m"));
        const after = containers();
        assert.ok(after.every((c) => !before.includes(c.id) && c.env.includes(`DB_PASSWORD=${password}`)), after.map((c) => c.env.join(" ")).join("\n"));
        assert.deepEqual(history().at(-1)!.slice(1, 3), ["v1", "released"]);
        // The roll is the release again, without a snapshot (no RDS call) and without load balancer steps.
        assert.deepEqual(aws.actions().slice(calls), ["secretsmanager:GetSecretValue"]);

        const again = await aws.run(check).finally(settled);
        assert.equal(again.code, 0, again.stderr);
        assert.deepEqual(containers().map((c) => c.id), after.map((c) => c.id), "no change, no restart");
    });
});
