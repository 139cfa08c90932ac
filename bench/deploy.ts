// `npm run bench:deploy`: cases 2-4 of the e2e on the real test host, under a bounded closed-loop
// load on loopback: a release (v1 to v2), a failing release that rolls itself back (v3), and the
// one-command rollback to v1 with the database restored. Prints figures; asserts nothing.
import { startLoad } from "../tests/e2e/load";
import { runStep, runSteps } from "../tests/e2e/remote";
import { planSteps, releaseStep } from "../tests/e2e/steps";
import { HTTP_PORT, TestHost } from "../tests/e2e/testHost";

async function main(): Promise<void> {
    const host = new TestHost();
    try {
        await host.start();
        const key = host.secrets();
        const first = await runSteps(await planSteps(key, { appVersion: "v1" }));
        if (first.some((r) => r.code !== 0)) throw new Error(`first release failed: ${first.map((r) => r.stderr).join("")}`);

        const load = startLoad(HTTP_PORT, ["/", "/api/version"]);
        const deploy = await runStep(releaseStep(await planSteps(key, { appVersion: "v2" })));
        if (deploy.code !== 0) throw new Error(`release v2 failed: ${deploy.stderr}`);
        const backup = JSON.parse(deploy.stdout).backup as string;
        const failing = await runStep(releaseStep(await planSteps(key, { appVersion: "v3" })));
        if (failing.code === 0) throw new Error("release v3 should have failed its health check");
        const rollback = await runStep(releaseStep(await planSteps(key, { appVersion: "v1", dbRestore: backup, dbRestoreConfirm: backup })));
        if (rollback.code !== 0) throw new Error(`rollback failed: ${rollback.stderr}`);
        const report = await load.stop();

        const round = (s: number) => Math.round(s * 100) / 100;
        const result = {
            requests: report.requests,
            failedRequests: report.failed,
            deploySeconds: round(deploy.seconds),
            autoRollbackSeconds: round(failing.seconds),
            rollbackSeconds: round(rollback.seconds),
        };
        console.log(`load: ${report.requests} requests in ${report.seconds.toFixed(1)} s (${(report.requests / report.seconds).toFixed(0)}/s), ${report.failed} failed`);
        console.log(`release v1 -> v2: ${result.deploySeconds} s; v3 failing its health check, back on v2: ${result.autoRollbackSeconds} s; rollback to v1 with database restore: ${result.rollbackSeconds} s`);
        console.log(JSON.stringify(result));
    } finally {
        host.stop();
    }
}

main().catch((err) => {
    console.error(`bench:deploy: ${(err as Error).message}`);
    process.exit(1);
});
