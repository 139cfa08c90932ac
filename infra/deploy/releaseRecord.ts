// The release record: what a release prints (release.sh on a host at stages 1-3, refresh-release.sh
// at stage 4) and what the stack's `releases` output carries to `npm run rollback`.

export type ReleaseOutcome = "released" | "failed" | "rolled-back";

/** One line of a release history, newest first. */
export interface HistoryEntry {
    version: string;
    outcome: ReleaseOutcome;
    previous?: string;
    backup?: string;
}

export interface ReleaseRecord {
    version: string;
    changed?: boolean;
    previous?: string;
    /** The database backup taken just before this release. */
    backup?: string;
    seconds?: number;
    /** Stage 4: the release history kept in the stack's SSM parameter. */
    history?: HistoryEntry[];
    /** Versions a rollback left because they were bad (the `rolledBack` config when this record was made). */
    rolledBack?: string[];
}

/** Adds the stack's rolled-back versions to a printed record, so the rollback reads them from the stack's outputs. */
export function annotateRecord(printed: string, rolledBack: string[]): string {
    if (rolledBack.length === 0) return printed;
    let record: ReleaseRecord;
    try {
        record = JSON.parse(printed) as ReleaseRecord;
    } catch {
        // Not a record (e.g. under mocks): leave it as it is.
        return printed;
    }
    return JSON.stringify({ ...record, rolledBack });
}
