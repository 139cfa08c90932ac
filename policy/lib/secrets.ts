// What a credential looks like in text. Pure, shared by the no-plaintext-secrets rule and its tests.
// Findings name the kind of secret and where it is, never the value.

const CONTENT: [RegExp, string][] = [
    [/\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/, "an AWS access key id"],
    [/aws_secret_access_key\s*[=:]\s*['"]?[A-Za-z0-9/+=]{40}/i, "an AWS secret access key"],
    [/-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----/, "a private key"],
    [/\bgh[pousr]_[A-Za-z0-9]{36,}\b/, "a GitHub token"],
    [/\bxox[abprs]-[A-Za-z0-9-]{10,}/, "a Slack token"],
    [/hooks\.slack\.com\/services\/[A-Za-z0-9]+\/[A-Za-z0-9]+\/[A-Za-z0-9]+/, "a Slack webhook URL"],
    [/\b[a-z][a-z0-9+.-]*:\/\/[^\s:@/'"]+:[^\s@/'"$]{3,}@/i, "a URL with a password"],
];

// A variable named like a secret, but holding a reference to one (an ARN, a parameter name, a path).
const SECRET_NAME = /^[A-Za-z_]*(?:PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY)[A-Za-z_]*$/i;
const REFERENCE_NAME = /_(?:ARN|NAME|PARAMETER|PARAM|FILE|PATH|ID|ENV|STDIN)$/i;

export function isSecretName(name: string): boolean {
    return SECRET_NAME.test(name) && !REFERENCE_NAME.test(name);
}

/** Kinds of credentials found in a script or command line. */
export function secretsInScript(text: string): string[] {
    const found = CONTENT.filter(([re]) => re.test(text)).map(([, what]) => what);
    // NAME=literal or NAME: literal, where the literal is not a $reference.
    for (const m of text.matchAll(/\b([A-Za-z_][A-Za-z0-9_]*)\s*[=:]\s*(['"]?)([^\s'"$`]{4,})\2/g)) {
        if (isSecretName(m[1])) found.push(`a literal value for ${m[1]}`);
    }
    if (/--password[= ](['"]?)[^\s'"$`-][^\s'"]{3,}\1/.test(text)) found.push("a --password argument");
    return [...new Set(found)];
}

/** Kinds of credentials found in an environment map: by the variable's name or by the value's look. */
export function secretsInEnvironment(env: Record<string, unknown>): string[] {
    const found: string[] = [];
    for (const [key, value] of Object.entries(env)) {
        if (typeof value !== "string" || value === "") continue;
        if (isSecretName(key) && !value.startsWith("$")) found.push(`${key} in plain text`);
        for (const [re, what] of CONTENT) if (re.test(value)) found.push(`${what} in ${key}`);
    }
    return [...new Set(found)];
}
