// `--diagram`: the architecture as Mermaid, DOT, or an SVG rendered by Graphviz's dot.
import { spawnSync } from "child_process";
import { architecture, toDot, toMermaid } from "./diagram";
import { ProgramRun } from "./run";
import { UsageError } from "./stackFile";

export function drawing(run: ProgramRun, kind: "mermaid" | "dot" | "svg"): string {
    const model = architecture(run);
    if (kind === "mermaid") return toMermaid(model);
    const dot = toDot(model, `${run.project}/${run.stack}`);
    if (kind === "dot") return dot;
    const r = spawnSync("dot", ["-Tsvg"], { input: dot, encoding: "utf8" });
    if (r.error) throw new UsageError("--diagram svg needs Graphviz's dot (apt-get install graphviz); --diagram mermaid needs nothing");
    if (r.status !== 0) throw new Error(`dot failed: ${r.stderr.trim().split("\n")[0]}`);
    return r.stdout;
}
