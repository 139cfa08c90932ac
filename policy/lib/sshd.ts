// SSH on other ports, where the program itself says so: an sshd `Port` line in the user data of an
// instance, a launch template or configuration or a spot request (plain or base64, as EC2 and launch templates take it).
import { PolicyResource } from "@pulumi/policy";
import { SSH_PORT } from "../../lib/ports";
import { userDataOf } from "./userData";

// "Port 2222" as sshd_config writes it: at a line start, or after a quote or `>` of echo / sed / printf,
// or after the `\n` escape of printf and echo -e ("printf 'Port 22\nPort 2222\n'").
const PORT_LINE = /(?:^|["'>/\s]|\\n)Port[ \t]+(\d{1,5})\b/gm;

/** The ports sshd listens on according to any user data in the program (sshd_config has to be mentioned). */
function sshdPorts(all: PolicyResource[]): number[] {
    const ports = new Set<number>();
    for (const r of all) {
        for (const text of userDataOf(r).texts) {
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
