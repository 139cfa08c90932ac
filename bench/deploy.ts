// `npm run bench:deploy`: releases on the real test host under a bounded keep-alive load on loopback
// (16 clients, no pause). Ours: a release (v1 to v2), a failing release that rolls itself back (v3), the
// one-command rollback to v1 with the database restored, and a release of an app that takes 5 s to
// boot (v4). Then the seeds' pattern on the same host under the same load, with an app that takes 5 s
// to boot (v5): stop the live containers, run the new ones on the same ports, poll their health.
// Prints figures; asserts nothing. The last line is one JSON object.
import { spawn } from "child_process";
import { HEAVY_LOAD, LoadReport, startLoad } from "../tests/e2e/load";
import { runStep, runSteps, StepResult } from "../tests/e2e/remote";
import { planSteps, releaseStep } from "../tests/e2e/steps";
import { hostConfig, HTTP_PORT, PODMAN, REGISTRY, TestHost } from "../tests/e2e/testHost";

const PATHS = ["/", "/api/version"];
const BOOT_SECONDS = 5;

// The seeds' scripts, for containers. Arguments: the container CLI, the script's own, then one
// "name port healthPath" per service. live() finds a service's running container and its host port.
const PRELUDE = `
set -euo pipefail
cli=($1); shift
live() {
  c="$("\${cli[@]}" ps --filter "name=^webapp-$1-" --format '{{.Names}}' | head -n 1)"
  host_port="$("\${cli[@]}" inspect --format "{{(index (index .HostConfig.PortBindings \\"$2/tcp\\") 0).HostPort}}" "\${c}")"
}
`;

// Their nginx: straight to the app's port (no switch in between), reloaded once before their load.
const SEEDS_NGINX = PRELUDE + `
for svc in "$@"; do
  read -r name port _ <<< "\${svc}"
  live "\${name}" "\${port}"
  printf 'upstream webapp_%s {\\n    server 127.0.0.1:%s;\\n    keepalive 16;\\n}\\n' "\${name}" "\${host_port}" > "/etc/nginx/webapp/\${name}.conf"
done
nginx -t -q && nginx -s reload
`;

// Their deploy.sh: the new images first; per service, stop the live container and run the new one on
// the same port; then poll each health URL once a second, for a minute at most.
const SEEDS_DEPLOY = PRELUDE + `
image_root=$1; version=$2; shift 2
for svc in "$@"; do
  read -r name _ _ <<< "\${svc}"
  "\${cli[@]}" pull -q --tls-verify=false "\${image_root}/\${name}:\${version}" >/dev/null
done
urls=()
for svc in "$@"; do
  read -r name port health <<< "\${svc}"
  live "\${name}" "\${port}"
  "\${cli[@]}" stop -t 10 "\${c}" >/dev/null
  "\${cli[@]}" rm "\${c}" >/dev/null
  "\${cli[@]}" run -d --name "\${c}" --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 \\
    -p "127.0.0.1:\${host_port}:\${port}" "\${image_root}/\${name}:\${version}" >/dev/null
  urls+=("http://127.0.0.1:\${host_port}\${health}")
done
for url in "\${urls[@]}"; do
  for _ in $(seq 1 60); do curl -fsS -o /dev/null --max-time 1 "\${url}" && break; sleep 1; done
done
`;

const SERVICES = (JSON.parse(hostConfig().services) as { name: string; port: number; healthPath: string }[]).map((s) => `${s.name} ${s.port} ${s.healthPath}`);

/** Runs a script of the seeds without blocking the event loop (the load keeps going); its seconds. */
function seeds(script: string, ...args: string[]): Promise<number> {
    const started = Date.now();
    const child = spawn("bash", ["-c", script, "seeds", PODMAN.join(" "), ...args, ...SERVICES], { stdio: ["ignore", "ignore", "inherit"] });
    return new Promise((resolve, reject) => child.on("close", (code) => (code === 0 ? resolve((Date.now() - started) / 1000) : reject(new Error(`a seeds' script exited ${code}`)))));
}

function succeeded(what: string, r: StepResult, expected = true): StepResult {
    if ((r.code === 0) !== expected) throw new Error(`${what}: exit ${r.code}\n${r.stderr}`);
    // The release script's own log (millisecond timestamps per step), to see where the seconds go.
    console.error(`${what}: ${r.seconds.toFixed(1)} s (the host settled, the old release stopped, after ${r.settledSeconds?.toFixed(1)} s)\n${r.stderr.replace(/^/gm, "  | ").trimEnd()}`);
    return r;
}

const round = (s: number) => Math.round(s * 100) / 100;
const rate = (r: LoadReport) => Math.round(r.requests / r.seconds);
const describe = (r: LoadReport) => `${r.requests} requests in ${r.seconds.toFixed(1)} s (${rate(r)}/s), ${r.failed} failed${r.errors.length ? `: ${r.errors.slice(0, 3).join("; ")}` : ""}`;

async function main(): Promise<void> {
    const host = new TestHost();
    try {
        await host.start();
        host.buildImage("v4", { healthy: true, bootSeconds: BOOT_SECONDS });
        host.buildImage("v5", { healthy: true, bootSeconds: BOOT_SECONDS });
        const key = host.secrets();
        const config = hostConfig();
        // The release script's health deadline: every retry may wait for the timeout, then the interval.
        const deadline = Number(config.healthRetries) * (Number(config.healthInterval) + Number(config.healthTimeout));
        succeeded("first release", (await runSteps(await planSteps(key, { appVersion: "v1" }))).at(-1)!);

        // Planned before the load, all of them: planning runs the program on the load's event loop, and
        // a stall of seconds there fires the load's own 5 s timeouts, failures no server caused. The
        // rollback restores the backup v2's release takes: it is planned with a stand-in id, replaced
        // in its command line once known (the id is one shell word, quoted the same either way).
        const standIn = "pre-v2-20000101T000000Z";
        const toV1 = releaseStep(await planSteps(key, { appVersion: "v1", dbRestore: standIn, dbRestoreConfirm: standIn }));
        const v2 = releaseStep(await planSteps(key, { appVersion: "v2" }));
        const v3 = releaseStep(await planSteps(key, { appVersion: "v3" }));
        const v4 = releaseStep(await planSteps(key, { appVersion: "v4" }));
        const ours = startLoad(HTTP_PORT, PATHS, HEAVY_LOAD);
        const release = succeeded("release v2", await runStep(v2));
        const backup = JSON.parse(release.stdout).backup as string;
        const failing = succeeded("release v3", await runStep(v3), false);
        const rollback = succeeded("rollback", await runStep({ ...toV1, create: toV1.create.replaceAll(standIn, backup) }));
        const slow = succeeded("release v4", await runStep(v4));
        const oursReport = await ours.stop();

        await seeds(SEEDS_NGINX);
        await new Promise((r) => setTimeout(r, 1000)); // nginx's old workers gone before their load starts
        const seedsLoad = startLoad(HTTP_PORT, PATHS, HEAVY_LOAD);
        await new Promise((r) => setTimeout(r, 1000)); // the live app under load first, as ours had
        const seedsSeconds = await seeds(SEEDS_DEPLOY, `${REGISTRY}/webapp`, "v5");
        await new Promise((r) => setTimeout(r, 1000));
        const seedsReport = await seedsLoad.stop();

        const result = {
            // The rate our releases ran under (the seeds' rate is inflated by their fast 502s).
            load: { workers: HEAVY_LOAD.workers, rps: rate(oursReport) },
            ours: { requests: oursReport.requests, failed: oursReport.failed, releaseSeconds: round(release.seconds), autoRollbackSeconds: round(failing.seconds), rollbackSeconds: round(rollback.seconds) },
            seeds: { requests: seedsReport.requests, failed: seedsReport.failed, releaseSeconds: round(seedsSeconds) },
        };
        console.log(`ours: ${describe(oursReport)}`);
        console.log(`  release v1 -> v2: ${result.ours.releaseSeconds} s; v3 failing its health check, back on v2: ${result.ours.autoRollbackSeconds} s (health deadline ${deadline} s); rollback to v1 with database restore: ${result.ours.rollbackSeconds} s; release of v4, which boots in ${BOOT_SECONDS} s: ${round(slow.seconds)} s`);
        console.log(`seeds (stop, run on the same port, poll health; the app boots in ${BOOT_SECONDS} s): ${describe(seedsReport)}; release ${result.seeds.releaseSeconds} s`);
        console.log(JSON.stringify(result));
    } finally {
        host.stop();
    }
}

main().catch((err) => {
    console.error(`bench:deploy: ${(err as Error).message}`);
    process.exitCode = 1;
});
