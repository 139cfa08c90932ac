// The flag loop of the CLIs that drive the Pulumi CLI (rollback, move-data).

/** A flag's handler; `value()` takes the flag's value, or refuses a missing one. */
export type FlagHandlers = Record<string, (value: () => string) => void>;

/**
 * Hands each flag of argv to its handler; an unknown flag or a missing value is refused with one line
 * through `fail`. Returns true at -h or --help (the rest is not read).
 */
export function eachFlag(argv: string[], usage: string, fail: (message: string) => Error, handlers: FlagHandlers): boolean {
    for (let i = 0; i < argv.length; i++) {
        const flag = argv[i];
        if (flag === "-h" || flag === "--help") return true;
        const handle = Object.prototype.hasOwnProperty.call(handlers, flag) ? handlers[flag] : undefined;
        if (!handle) throw fail(`unknown flag ${JSON.stringify(flag)}; ${usage}`);
        handle(() => {
            const v = argv[++i];
            if (v === undefined || v.startsWith("--")) throw fail(`${flag} needs a value; ${usage}`);
            return v;
        });
    }
    return false;
}
