// A bounded, closed-loop HTTP load on loopback: a few keep-alive workers, each sending its next request
// as soon as the last answer came (or after a pause), until stopped or a hard limit in time or count is
// reached. Counts every failed request: a reset, a hang-up, a timeout or a status other than 200.
import * as http from "http";

export interface LoadReport {
    workers: number;
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

export interface LoadOptions {
    /** Concurrent keep-alive connections, one closed-loop worker each. */
    workers: number;
    /** Pause between a worker's requests; 0 is as fast as the host answers. */
    pauseMs: number;
    /** Hard limits: the load stops by itself at whichever comes first. */
    maxSeconds: number;
    maxRequests: number;
}

/** Keep-alive clients with no pause: the issue saw resets with 8 (about 1,500-3,300 requests/s); 16 keep
 * this shared 2-core machine busier still. Bounded: 4 minutes or 600,000 requests. */
export const HEAVY_LOAD: LoadOptions = { workers: 16, pauseMs: 0, maxSeconds: 240, maxRequests: 600_000 };

export function startLoad(port: number, paths: string[], opts: LoadOptions = HEAVY_LOAD): Load {
    // One socket per worker, reused for every request: the connections a reload would close.
    const agent = new http.Agent({ keepAlive: true, maxSockets: opts.workers });
    const report: LoadReport = { workers: opts.workers, requests: 0, failed: 0, seconds: 0, bodies: new Set(), errors: [] };
    const started = Date.now();
    let stopping = false;
    const deadline = started + opts.maxSeconds * 1000;
    const failed = (what: string) => {
        report.failed++;
        if (report.errors.length < 10) report.errors.push(`${((Date.now() - started) / 1000).toFixed(2)}s ${what}`);
    };
    // Settles once per request, whichever comes first: the whole body, an error, or the request closing
    // before its response ended (a reset in the middle of a body raises no error on the request).
    const once = (p: string) => new Promise<void>((resolve) => {
        let settled = false;
        const settle = (error?: string, body?: string) => {
            if (settled) return;
            settled = true;
            report.requests++;
            if (error !== undefined) failed(`${p}: ${error}`);
            else report.bodies.add(body!.trim());
            resolve();
        };
        const req = http.get({ host: "127.0.0.1", port, path: p, agent, timeout: 5000 }, (res) => {
            let body = "";
            res.on("data", (d) => (body += d));
            res.on("end", () => settle(res.statusCode === 200 ? undefined : `HTTP ${res.statusCode}`, body));
            res.on("error", (e) => settle(e.message));
        });
        req.on("timeout", () => req.destroy(new Error("timeout")));
        req.on("error", (e) => settle(e.message));
        req.on("close", () => settle("closed before the response ended"));
    });
    const worker = async (w: number) => {
        for (let i = w; !stopping && Date.now() < deadline && report.requests < opts.maxRequests; i++) {
            await once(paths[i % paths.length]);
            if (opts.pauseMs > 0) await new Promise((r) => setTimeout(r, opts.pauseMs));
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
