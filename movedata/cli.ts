// `npm run move-data -- --stack dev [--switch --version v2 | --let-go] [--dry-run]`
// Moves stage 1's on-host database into RDS with the real Pulumi CLI; see steps.ts and the README.
import { runCommands } from "../lib/runCommands";
import { MOVE_DATA_HELP, moveDataCommands, parseMoveDataArgs } from "./steps";

function main(argv: string[]): number {
    const opts = parseMoveDataArgs(argv);
    if (opts.help) {
        process.stdout.write(MOVE_DATA_HELP);
        return 0;
    }
    return runCommands(moveDataCommands(opts), opts.dryRun);
}

// Exit codes: 0 done, 1 a pulumi command failed, 2 refused. exitCode, not exit(): stdout may be a slow pipe.
try {
    process.exitCode = main(process.argv.slice(2));
} catch (err) {
    process.stderr.write(`move-data: ${(err as Error).message}\n`);
    process.exitCode = 2;
}
