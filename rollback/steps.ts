// `npm run rollback`: what to run, decided from the stack's `releases` output. Pure, so the exact
// pulumi command lines are unit-tested; cli.ts runs them.
import { eachFlag } from "../lib/cliArgs";
import { ReleaseRecord } from "../infra/deploy/releaseRecord";

export interface RollbackOptions {
    stack: string;
    /** Go back to this version instead of the previous one. */
    to?: string;
    /** Also restore the database backup taken before the current release... */
    restoreDb: boolean;
    /** ...which must be repeated here, as the explicit confirmation. */
    confirm?: string;
}

export class RollbackError extends Error {}

/** Parses `pulumi stack output releases --json` (one JSON string per host, or one for the Auto Scaling group). */
export function parseReleases(text: string): ReleaseRecord[] {
    let doc: unknown;
    try {
        doc = JSON.parse(text);
    } catch {
        throw new RollbackError("the stack output 'releases' is not JSON; has this stack been deployed with deploy=true?");
    }
    if (!Array.isArray(doc) || doc.length === 0) throw new RollbackError("the stack output 'releases' is empty; nothing has been released yet");
    return doc.map((d) => (typeof d === "string" ? JSON.parse(d) : d) as ReleaseRecord);
}

/**
 * Where a rollback goes: the newest release before the current one that succeeded and that no
 * rollback has left. So running the rollback twice never flips back to the bad version: the first
 * run adds the version it leaves to `rolledBack`, and the second skips it.
 */
export function rollbackTarget(releases: ReleaseRecord[], o: Pick<RollbackOptions, "to">): { target: string; rolledBack: string[] } {
    const current = releases[0];
    const left = [...new Set(releases.flatMap((r) => r.rolledBack ?? []))];
    const rolledBack = (list: string[]) => list.filter((v) => v !== (o.to ?? "")).concat(list.includes(current.version) ? [] : [current.version]);
    if (o.to) return { target: o.to, rolledBack: rolledBack(left) };
    // The history (stage 4) knows failed releases; without one, the record's previous release is the only candidate.
    const candidates = current.history
        ? current.history.filter((h) => h.outcome === "released").map((h) => h.version)
        : current.previous ? [current.previous] : [];
    const target = candidates.find((v) => v !== current.version && !left.includes(v));
    if (!target) {
        const skipped = candidates.filter((v) => left.includes(v));
        throw new RollbackError(`${current.version} has no earlier good release recorded${skipped.length > 0 ? ` (${[...new Set(skipped)].join(", ")} already rolled back)` : ""}; name one with --to VERSION`);
    }
    return { target, rolledBack: rolledBack(left) };
}

/** The pulumi commands, in order, that roll the stack back. */
export function rollbackCommands(releases: ReleaseRecord[], o: RollbackOptions): string[][] {
    const current = releases[0];
    if (releases.some((r) => r.version !== current.version)) {
        throw new RollbackError(`the hosts run different versions (${releases.map((r) => r.version).join(", ")}); finish or fix the last release first`);
    }
    const { target, rolledBack } = rollbackTarget(releases, o);
    // rolledBack stays in the stack's config: commit it with appVersion, as the CI rollback does.
    const up = ["pulumi", "up", "--yes", "--stack", o.stack, "--config", `appVersion=${target}`, "--config", `rolledBack=${JSON.stringify(rolledBack)}`];
    if (!o.restoreDb) return [up];
    const backup = current.backup;
    if (!backup) throw new RollbackError(`no database backup was taken before ${current.version}; roll back without --restore-db`);
    if (o.confirm !== backup) {
        throw new RollbackError(`--restore-db overwrites the database with ${backup} (taken before ${current.version}); rows written since are lost. Confirm with: --confirm ${backup}`);
    }
    return [
        [...up, "--config", `dbRestore=${backup}`, "--config", `dbRestoreConfirm=${backup}`],
        // The restore is one-shot: clear it so a later release or a new host does not look for it.
        ["pulumi", "config", "rm", "--stack", o.stack, "dbRestore"],
        ["pulumi", "config", "rm", "--stack", o.stack, "dbRestoreConfirm"],
    ];
}

export const ROLLBACK_USAGE = "usage: npm run rollback -- --stack NAME [--to VERSION] [--restore-db --confirm BACKUP_ID] [--dry-run] [--help]";

export const ROLLBACK_HELP = `${ROLLBACK_USAGE}

Rolls the stack back to its last good release with the Pulumi CLI, from the stack's \`releases\` output:
  pulumi up --yes --stack NAME --config appVersion=<target> --config rolledBack=[...]
The version it leaves joins \`rolledBack\` (keep it in Pulumi.<stack>.yaml): a second run goes further
back, never forward to a bad version. Failed releases in the history are skipped.

  --stack NAME          the stack (required)
  --to VERSION          go to this version instead of the last good one
  --restore-db          also restore the database backup taken before the current release
                        (on-host database; rows written since are lost)
  --confirm BACKUP_ID   repeat the backup id: the confirmation --restore-db asks for
  --dry-run             print the commands, run nothing
  --help                this text
`;

export function parseRollbackArgs(argv: string[]): RollbackOptions & { dryRun: boolean; help: boolean } {
    const o: RollbackOptions & { dryRun: boolean; help: boolean } = { stack: "", restoreDb: false, dryRun: false, help: false };
    o.help = eachFlag(argv, ROLLBACK_USAGE, (m) => new RollbackError(m), {
        "--stack": (v) => { o.stack = v(); },
        "--to": (v) => { o.to = v(); },
        "--restore-db": () => { o.restoreDb = true; },
        "--confirm": (v) => { o.confirm = v(); },
        "--dry-run": () => { o.dryRun = true; },
    });
    if (o.help) return o;
    if (!o.stack) throw new RollbackError(`--stack is required; ${ROLLBACK_USAGE}`);
    return o;
}
