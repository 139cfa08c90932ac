// An nginx of the e2e's own around a site (own prefix, pid and ports): it does not touch the host's
// nginx. Shared by the nginx and certbot tests.
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";

/** A free TCP port on loopback. */
export async function freePort(): Promise<number> {
    const s = http.createServer();
    await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
    const port = (s.address() as AddressInfo).port;
    await new Promise((resolve) => s.close(resolve));
    return port;
}

export function get(port: number, p: string, headers: Record<string, string> = {}, agent?: http.Agent): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
        http.get({ host: "127.0.0.1", port, path: p, headers, agent }, (res) => {
            let body = "";
            res.on("data", (d) => (body += d));
            res.on("end", () => resolve({ status: res.statusCode!, body }));
        }).on("error", reject);
    });
}

export class Nginx {
    readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), "webapp-nginx-"));
    private proc?: ChildProcess;

    /** What points lib.sh's nginx functions (nginx_reload) at this instance rather than the host's. */
    get libEnv(): Record<string, string> {
        return { WEBAPP_NGINX: `nginx -p ${this.dir} -c ${this.dir}/nginx.conf`, WEBAPP_NGINX_PID: `${this.dir}/nginx.pid` };
    }

    /** Writes nginx.conf around the site; `nginx -t` decides. */
    configure(site: string, upstreams: string[], httpsPort = 443): { ok: boolean; out: string } {
        fs.mkdirSync(path.join(this.dir, "upstreams"), { recursive: true });
        upstreams.forEach((u, i) => fs.writeFileSync(path.join(this.dir, "upstreams", `${i}.conf`), u));
        fs.writeFileSync(path.join(this.dir, "site.conf"), site.replace(/^include \S+\/\*\.conf;$/m, `include ${this.dir}/upstreams/*.conf;`).replace("listen 443 ssl", `listen ${httpsPort} ssl`));
        fs.writeFileSync(path.join(this.dir, "nginx.conf"), [
            "worker_processes 1;", `pid ${this.dir}/nginx.pid;`, `error_log ${this.dir}/error.log;`, "events {}",
            `http { client_body_temp_path ${this.dir}/body; proxy_temp_path ${this.dir}/proxy; include ${this.dir}/site.conf; }`, "",
        ].join("\n"));
        try {
            return { ok: true, out: execFileSync("nginx", ["-t", "-p", this.dir, "-c", `${this.dir}/nginx.conf`], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }) };
        } catch (e) {
            return { ok: false, out: String((e as { stderr?: string }).stderr) };
        }
    }

    async start(port: number): Promise<void> {
        this.proc = spawn("nginx", ["-p", this.dir, "-c", `${this.dir}/nginx.conf`, "-g", "daemon off;"], { stdio: "ignore" });
        for (let i = 0; i < 50; i++) {
            if (await get(port, "/health").then(() => true, () => false)) return;
            await new Promise((r) => setTimeout(r, 100));
        }
        throw new Error(`nginx did not start: ${fs.readFileSync(path.join(this.dir, "error.log"), "utf8")}`);
    }

    stop(): void {
        this.proc?.kill("SIGTERM");
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}
