// The on-host database's scheduled backup: a systemd timer and the oneshot service it starts, as
// plain text for the user data (bootstrap-host.sh writes them). The dump itself is backup-db.sh.

/** Where the user data installs backup-db.sh: beside the deploy's lib.sh, which it sources. */
export const BACKUP_SCRIPT_PATH = "/opt/webapp/bin/backup-db.sh";
/** systemd spreads the start over this window, so many stacks do not dump at the same second. */
export const BACKUP_RANDOM_DELAY = "30min";
/** The alarm's slack beyond the schedule's period: the random delay and the dump itself. */
export const BACKUP_SLACK_HOURS = 2;

// The period of OnCalendar's shorthands (systemd.time(7), "Calendar Events"), in hours.
const SHORTHAND_HOURS: Record<string, number> = {
    minutely: 1 / 60, hourly: 1, daily: 24, weekly: 168, monthly: 744, quarterly: 2208, semiannually: 4416, yearly: 8784, annually: 8784,
};

/** The default of backupMaxAgeHours: the schedule's period plus slack, when it is a shorthand; else a day plus slack. */
export function defaultBackupMaxAgeHours(schedule: string): number {
    return Math.ceil(SHORTHAND_HOURS[schedule.trim().toLowerCase()] ?? 24) + BACKUP_SLACK_HOURS;
}

export interface HostBackupArgs {
    /** systemd OnCalendar expression (config backupSchedule), checked by the config schema. */
    schedule: string;
    db: "host-container" | "host-system";
    /** The system PostgreSQL's port (host-system). */
    dbPort: number;
    /** The container CLI, e.g. "docker" or "podman --runtime runc" (host-container). */
    cli: string;
    /** The S3 bucket the dump is copied to; none: the dump stays on the host. */
    bucket?: string;
    region: string;
}

// Words systemd's ExecStart= and bash split alike: no quote, backslash, $ (systemd expands
// variables) or % (systemd's specifiers). Config values are checked to this shape first.
const PLAIN_WORD = /^[A-Za-z0-9_./=:,@+ -]+$/;

/** One ExecStart= command line; a word with a space is double-quoted, which both systemd and bash honour. */
export function execStart(argv: string[]): string {
    return argv.map((w) => {
        if (!PLAIN_WORD.test(w)) throw new Error(`backup unit: the word ${JSON.stringify(w)} cannot be put on an ExecStart line safely`);
        return w.includes(" ") ? `"${w}"` : w;
    }).join(" ");
}

/** backup-db.sh's command line for these settings (what the timer runs; a release can run the same). */
export function backupCommand(a: HostBackupArgs): string[] {
    return [
        BACKUP_SCRIPT_PATH,
        "--db", a.db,
        ...(a.db === "host-system" ? ["--db-port", String(a.dbPort)] : ["--cli", a.cli]),
        ...(a.bucket ? ["--bucket", a.bucket] : []),
        "--region", a.region,
    ];
}

export interface BackupUnits {
    service: string;
    timer: string;
}

/** webapp-backup.service and webapp-backup.timer. */
export function backupUnits(a: HostBackupArgs): BackupUnits {
    const service = [
        "[Unit]",
        "Description=Dump the app's database, keep it 7 days here and copy it to S3",
        // The on-host database must be up; the container runtime and the network for the copy too.
        "After=network-online.target docker.service",
        "Wants=network-online.target",
        "[Service]",
        "Type=oneshot",
        `ExecStart=${execStart(backupCommand(a))}`,
        // A dump must not starve the app: lowest CPU and I/O priority.
        "Nice=10",
        "IOSchedulingClass=idle",
        "",
    ].join("\n");
    const timer = [
        "[Unit]",
        `Description=Back up the app's database (${a.schedule})`,
        "[Timer]",
        `OnCalendar=${a.schedule}`,
        `RandomizedDelaySec=${BACKUP_RANDOM_DELAY}`,
        // A run missed while the host was off happens at the next boot.
        "Persistent=true",
        "[Install]",
        "WantedBy=timers.target",
        "",
    ].join("\n");
    return { service, timer };
}
