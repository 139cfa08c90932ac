// The CLIs that drive the Pulumi CLI (rollback, move-data) print each command, then run it in turn.
import { spawnSync } from "child_process";

/** Runs each command with the terminal attached; stops at the first failure. 0 done, 1 a command failed. */
export function runCommands(commands: string[][], dryRun: boolean): number {
    for (const cmd of commands) {
        process.stderr.write(`$ ${cmd.join(" ")}\n`);
        if (dryRun) continue;
        const r = spawnSync(cmd[0], cmd.slice(1), { stdio: "inherit" });
        if (r.error) throw new Error(`cannot run ${cmd[0]} (${r.error.message}); install the Pulumi CLI, or run the commands above yourself`);
        if (r.status !== 0) return 1;
    }
    return 0;
}
