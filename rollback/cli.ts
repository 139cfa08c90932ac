// `npm run rollback -- --stack prod [--to v1] [--restore-db --confirm <backup>] [--dry-run]`
// Rolls the stack back with the real Pulumi CLI: the old image is still on the hosts, so the release
// takes seconds; with --restore-db, the backup taken before the current release is restored first.
import { spawnSync } from "child_process";
import { runCommands } from "../lib/runCommands";
import { parseReleases, parseRollbackArgs, ROLLBACK_HELP, rollbackCommands } from "./steps";

function main(argv: string[]): number {
    const opts = parseRollbackArgs(argv);
    if (opts.help) {
        process.stdout.write(ROLLBACK_HELP);
        return 0;
    }
    const out = spawnSync("pulumi", ["stack", "output", "releases", "--json", "--stack", opts.stack], { encoding: "utf8" });
    if (out.error) throw new Error(`cannot run the Pulumi CLI (${out.error.message}); install it, or run: pulumi up --config appVersion=<previous version>`);
    if (out.status !== 0) throw new Error(`pulumi stack output failed: ${out.stderr.trim().split("\n").pop()}`);
    return runCommands(rollbackCommands(parseReleases(out.stdout), opts), opts.dryRun);
}

// Exit codes: 0 done, 1 a pulumi command failed, 2 refused. exitCode, not exit(): stdout may be a slow pipe.
try {
    process.exitCode = main(process.argv.slice(2));
} catch (err) {
    process.stderr.write(`rollback: ${(err as Error).message}\n`);
    process.exitCode = 2;
}
