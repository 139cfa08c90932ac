// `npm run rollback`: what to run, decided from the stack's `releases` output. Pure, so the exact
// pulumi command lines are unit-tested; cli.ts runs them.
export interface ReleaseResult {
    version: string;
    previous?: string;
    /** The database backup taken just before this release. */
    backup?: string;
}

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

/** Parses `pulumi stack output releases --json` (one JSON string per host). */
export function parseReleases(text: string): ReleaseResult[] {
    let doc: unknown;
    try {
        doc = JSON.parse(text);
    } catch {
        throw new RollbackError("the stack output 'releases' is not JSON; has this stack been deployed with deploy=true?");
    }
    if (!Array.isArray(doc) || doc.length === 0) throw new RollbackError("the stack output 'releases' is empty; nothing has been released yet");
    return doc.map((d) => (typeof d === "string" ? JSON.parse(d) : d) as ReleaseResult);
}

/** The pulumi commands, in order, that roll the stack back. */
export function rollbackCommands(releases: ReleaseResult[], o: RollbackOptions): string[][] {
    const current = releases[0];
    const target = o.to ?? current.previous;
    if (!target) throw new RollbackError(`${current.version} has no previous release recorded; name one with --to VERSION`);
    if (releases.some((r) => r.version !== current.version)) {
        throw new RollbackError(`the hosts run different versions (${releases.map((r) => r.version).join(", ")}); finish or fix the last release first`);
    }
    const up = ["pulumi", "up", "--yes", "--stack", o.stack, "--config", `appVersion=${target}`];
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

export const ROLLBACK_USAGE = "usage: npm run rollback -- --stack NAME [--to VERSION] [--restore-db --confirm BACKUP_ID] [--dry-run]";

export function parseRollbackArgs(argv: string[]): RollbackOptions & { dryRun: boolean } {
    const o: RollbackOptions & { dryRun: boolean } = { stack: "", restoreDb: false, dryRun: false };
    for (let i = 0; i < argv.length; i++) {
        const value = () => {
            const v = argv[++i];
            if (v === undefined || v.startsWith("--")) throw new RollbackError(`${argv[i - 1]} needs a value; ${ROLLBACK_USAGE}`);
            return v;
        };
        switch (argv[i]) {
            case "--stack": o.stack = value(); break;
            case "--to": o.to = value(); break;
            case "--restore-db": o.restoreDb = true; break;
            case "--confirm": o.confirm = value(); break;
            case "--dry-run": o.dryRun = true; break;
            default: throw new RollbackError(`unknown flag ${JSON.stringify(argv[i])}; ${ROLLBACK_USAGE}`);
        }
    }
    if (!o.stack) throw new RollbackError(`--stack is required; ${ROLLBACK_USAGE}`);
    return o;
}
