// The e2e's view of the program and the host: the deploy steps planned for this host's stack config,
// what the host serves, which containers run, the release history.
import { execFileSync } from "child_process";
import * as fs from "fs";
import { makePlan } from "../../plan/plan";
import { deploySteps, Step } from "./remote";
import { attachVolume, hostConfig, HTTP_PORT, PODMAN } from "./testHost";

const HISTORY = "/var/lib/webapp/releases.tsv";

export async function planSteps(secrets: [string, string][], config: Record<string, string>): Promise<Step[]> {
    const { run } = await makePlan({
        stack: "dev",
        config: Object.entries({ ...hostConfig(), ...config }),
        secrets,
        json: false,
        policy: false,
    });
    const steps = deploySteps(run);
    // The program's VolumeAttachment, as EC2 would make it, before its prepare step mounts the volume.
    for (const s of steps) {
        const device = /--data-device (\S+)/.exec(s.create)?.[1];
        if (device) attachVolume(device);
    }
    return steps;
}

export function get(path: string): string {
    return execFileSync("curl", ["-fsS", "--max-time", "5", `http://127.0.0.1:${HTTP_PORT}${path}`], { encoding: "utf8" }).trim();
}

/** Running app containers as "name version". */
export function running(): string[] {
    return execFileSync(PODMAN[0], [...PODMAN.slice(1), "ps", "--filter", "name=webapp-", "--format", '{{.Names}} {{index .Labels "webapp.version"}}'], { encoding: "utf8" })
        .split("\n").filter(Boolean).sort();
}

export function history(): string[][] {
    return fs.existsSync(HISTORY) ? fs.readFileSync(HISTORY, "utf8").trim().split("\n").map((l) => l.split("\t")) : [];
}

export function releaseStep(steps: Step[]): Step {
    return steps.find((s) => s.kind === "command" && s.name.endsWith("-release"))!;
}

/**
 * A migrateCommand that reaches the database as the app does (DB_* from the env file); its password never
 * appears in the command, only the variable's name, expanded inside the container.
 */
export function psqlMigration(sql: string): string {
    return `PGPASSWORD="$DB_PASSWORD" psql -h "$DB_HOST" -p "$DB_PORT" -U "$DB_USERNAME" -d "$DB_NAME" -v ON_ERROR_STOP=1 -c "${sql}"`;
}
