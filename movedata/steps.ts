// `npm run move-data`: the pulumi commands of each step of the move from stage 1 to stage 2. Pure, so
// the exact command lines are unit-tested; cli.ts runs them. The move itself is a step of `pulumi up`
// (move-data.sh over the stack's deploy channel, SSH or SSM), so it reaches the host as a release does.

import { eachFlag } from "../lib/cliArgs";

/** copy: RDS created, the data copied, writes frozen; switch: the app released on RDS; let-go: the old volume deleted. */
export type MovePhase = "copy" | "switch" | "let-go";

export interface MoveDataOptions {
    stack: string;
    phase: MovePhase;
    /** switch: the release that starts the app on RDS (a version already live would not restart it). */
    version?: string;
}

export class MoveDataError extends Error {}

export function moveDataCommands(o: MoveDataOptions): string[][] {
    const up = (...config: string[]) => ["pulumi", "up", "--yes", "--stack", o.stack, ...config.flatMap((c) => ["--config", c])];
    switch (o.phase) {
        case "copy":
            return [up("stage=private-db", "dataMove=copy")];
        case "switch":
            if (!o.version) throw new MoveDataError(`--switch needs --version VERSION, the release that starts the app on RDS; ${MOVE_DATA_USAGE}`);
            return [up("dataMove=done", `appVersion=${o.version}`)];
        case "let-go":
            // retainOnDelete is read from the state when Pulumi deletes: it turns false one `pulumi up` before.
            return [up("retainDataVolume=false"), ["pulumi", "config", "rm", "--stack", o.stack, "dataMove"], up()];
    }
}

export const MOVE_DATA_USAGE = "usage: npm run move-data -- --stack NAME [--switch --version VERSION | --let-go] [--dry-run] [--help]";

export const MOVE_DATA_HELP = `${MOVE_DATA_USAGE}

Moves a stage 1 stack's on-host PostgreSQL into RDS (stage 2) with the Pulumi CLI, in three runs
(README "Moving from stage 1 to stage 2"):
  (no flag)   pulumi up --config stage=private-db --config dataMove=copy
              RDS is created; on the host, writes to the database are frozen, it is dumped, restored
              into RDS and the row count of every table compared. The app keeps serving reads from
              the host's database. A failure lifts the freeze and leaves the host's database as it was.
  --switch    pulumi up --config dataMove=done --config appVersion=VERSION
              the release of VERSION starts the app on RDS; the host's database is stopped and its
              volume unmounted (still attached, kept).
  --let-go    pulumi up --config retainDataVolume=false; pulumi config rm dataMove; pulumi up
              the volume is deleted (the host is replaced once: its first-boot user data named it).

  --stack NAME        the stack (required)
  --version VERSION   with --switch: the release to start on RDS (not the live one)
  --dry-run           print the commands, run nothing
  --help              this text
`;

export function parseMoveDataArgs(argv: string[]): MoveDataOptions & { dryRun: boolean; help: boolean } {
    const o: MoveDataOptions & { dryRun: boolean; help: boolean } = { stack: "", phase: "copy", dryRun: false, help: false };
    const phases: MovePhase[] = [];
    o.help = eachFlag(argv, MOVE_DATA_USAGE, (m) => new MoveDataError(m), {
        "--stack": (v) => { o.stack = v(); },
        "--version": (v) => { o.version = v(); },
        "--switch": () => { phases.push("switch"); },
        "--let-go": () => { phases.push("let-go"); },
        "--dry-run": () => { o.dryRun = true; },
    });
    if (o.help) return o;
    if (!o.stack) throw new MoveDataError(`--stack is required; ${MOVE_DATA_USAGE}`);
    if (phases.length > 1) throw new MoveDataError(`--switch and --let-go are separate steps: give one; ${MOVE_DATA_USAGE}`);
    o.phase = phases[0] ?? "copy";
    if (o.version !== undefined && o.phase !== "switch") throw new MoveDataError(`--version goes with --switch only; ${MOVE_DATA_USAGE}`);
    return o;
}
