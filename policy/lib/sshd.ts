// SSH on other ports, where the program itself says so: an sshd `Port` line in the user data of an
// instance, a launch template or configuration or a spot request (plain or base64, as EC2 and launch templates take it).
import { PolicyResource } from "@pulumi/policy";
import { SSH_PORT } from "../../lib/ports";
import { peek } from "./graph";

const USER_DATA: Record<string, string[]> = {
    "aws:ec2/instance:Instance": ["userData", "userDataBase64"],
    "aws:ec2/launchTemplate:LaunchTemplate": ["userData"],
    "aws:ec2/spotInstanceRequest:SpotInstanceRequest": ["userData", "userDataBase64"],
    "aws:ec2/launchConfiguration:LaunchConfiguration": ["userData", "userDataBase64"],
    "aws:lightsail/instance:Instance": ["userData"],
};

/** The text itself, or what it encodes when it is base64 of readable text. */
function decoded(text: string): string {
    const compact = text.replace(/\s+/g, "");
    if (compact.length < 8 || compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) return text;
    const out = Buffer.from(compact, "base64").toString("utf8");
    return /^[\x09\x0a\x0d\x20-\x7e\u00a0-\uffff]*$/.test(out) && !out.includes("\ufffd") ? out : text;
}

// "Port 2222" as sshd_config writes it: at a line start, or after a quote or `>` of echo / sed / printf,
// or after the `\n` escape of printf and echo -e ("printf 'Port 22\nPort 2222\n'").
const PORT_LINE = /(?:^|["'>/\s]|\\n)Port[ \t]+(\d{1,5})\b/gm;

/** The ports sshd listens on according to any user data in the program (sshd_config has to be mentioned). */
function sshdPorts(all: PolicyResource[]): number[] {
    const ports = new Set<number>();
    for (const r of all) {
        for (const key of USER_DATA[r.type] ?? []) {
            const value = peek(() => r.props[key]);
            if (typeof value !== "string") continue;
            const text = decoded(value);
            if (!/sshd/.test(text)) continue;
            for (const m of text.matchAll(PORT_LINE)) {
                const port = Number(m[1]);
                if (port > 0 && port < 65536) ports.add(port);
            }
        }
    }
    return [...ports];
}

/** The SSH ports of a program: 22, the configured extras, and what its sshd_config lines say. */
export function sshPorts(all: PolicyResource[], extraPorts: number[]): number[] {
    return [...new Set([SSH_PORT, ...extraPorts, ...sshdPorts(all)])];
}
