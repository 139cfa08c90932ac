// A bounded, closed-loop HTTP load on loopback: a few workers, each waiting for its answer and pacing
// itself, until stopped or a hard limit in time or count is reached. Counts every failed request.
import * as http from "http";

export interface LoadReport {
    requests: number;
    failed: number;
    seconds: number;
    /** Distinct bodies seen, e.g. "frontend v1", to see the switch happen. */
    bodies: Set<string>;
    errors: string[];
}

export interface Load {
    stop(): Promise<LoadReport>;
}

export function startLoad(port: number, paths: string[], opts = { workers: 4, pauseMs: 20, maxSeconds: 180, maxRequests: 60000 }): Load {
    const agent = new http.Agent({ keepAlive: true, maxSockets: opts.workers });
    const report: LoadReport = { requests: 0, failed: 0, seconds: 0, bodies: new Set(), errors: [] };
    const started = Date.now();
    let stopping = false;
    const deadline = started + opts.maxSeconds * 1000;
    const once = (p: string) => new Promise<void>((resolve) => {
        const req = http.get({ host: "127.0.0.1", port, path: p, agent, timeout: 5000 }, (res) => {
            let body = "";
            res.on("data", (d) => (body += d));
            res.on("end", () => {
                report.requests++;
                if (res.statusCode !== 200) {
                    report.failed++;
                    if (report.errors.length < 10) report.errors.push(`${p}: HTTP ${res.statusCode}`);
                } else report.bodies.add(body.trim());
                resolve();
            });
        });
        req.on("timeout", () => req.destroy(new Error("timeout")));
        req.on("error", (e) => {
            report.requests++;
            report.failed++;
            if (report.errors.length < 10) report.errors.push(`${p}: ${e.message}`);
            resolve();
        });
    });
    const worker = async (w: number) => {
        for (let i = w; !stopping && Date.now() < deadline && report.requests < opts.maxRequests; i++) {
            await once(paths[i % paths.length]);
            await new Promise((r) => setTimeout(r, opts.pauseMs));
        }
    };
    const workers = Array.from({ length: opts.workers }, (_, w) => worker(w));
    return {
        stop: async () => {
            stopping = true;
            await Promise.all(workers);
            agent.destroy();
            report.seconds = (Date.now() - started) / 1000;
            return report;
        },
    };
}
