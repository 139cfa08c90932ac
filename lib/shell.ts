// Shell quoting for values passed to scripts: single quotes, so nothing inside is ever expanded.

export function shellQuote(value: string): string {
    if (/^[A-Za-z0-9_.,:\/=@%+-]+$/.test(value)) return value;
    return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** `NAME=value` lines for a script header, each value quoted. */
export function shellAssignments(vars: Record<string, string>): string {
    return Object.entries(vars)
        .map(([k, v]) => `${k}=${shellQuote(v)}`)
        .join("\n");
}
