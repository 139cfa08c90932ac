// Shell quoting for values passed to scripts: single quotes, so nothing inside is ever expanded.
import * as path from "path";

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

// A file written by a script: `cat` into it from a here-document whose quoted delimiter keeps the text literal.
const HEREDOC_END = "WEBAPP_EOF";

/** The script lines that write `content` (ending in a newline) to `target`. */
export function heredocFile(target: string, content: string): string {
    return `mkdir -p ${path.posix.dirname(target)}\ncat > ${target} <<'${HEREDOC_END}'\n${content}${HEREDOC_END}\n`;
}

/** The files a script writes as heredocFile writes them. */
export function heredocFiles(script: string): { target: string; content: string }[] {
    return [...script.matchAll(new RegExp(`cat > (\\S+) <<'${HEREDOC_END}'\\n([\\s\\S]*?)${HEREDOC_END}\\n`, "g"))].map((m) => ({ target: m[1], content: m[2] }));
}
