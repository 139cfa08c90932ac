// Reads a host's generated user data as the host's bash does: the header of quoted parameters is
// evaluated by bash, and the values of the named parameters come back exactly.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

const BOOTSTRAP = fs.readFileSync(path.resolve(__dirname, "../../infra/scripts/bootstrap-host.sh"), "utf8");

/** The values bash gives the user data header's parameters `names`. */
export function userDataParameters(userData: string, names: string[]): Record<string, string> {
    const end = userData.indexOf(BOOTSTRAP);
    if (end < 0) throw new Error("the user data does not contain bootstrap-host.sh");
    const out = execFileSync("bash", ["-c", 'eval "$1"; shift; for n in "$@"; do printf "%s\\0" "${!n}"; done', "_", userData.slice(0, end), ...names], { encoding: "utf8" });
    const values = out.split("\0").slice(0, names.length);
    return Object.fromEntries(names.map((n, i) => [n, values[i]]));
}
