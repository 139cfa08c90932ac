// A real app host on this machine, built and torn down by the e2e suite: a local image registry with
// test images (v1 and v2 healthy, v3 failing its health check), sshd with key auth on loopback,
// PostgreSQL with the app's database, and the machine's own nginx, haproxy and podman (with runc).
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import { DB_NETWORK } from "../../infra/deploy/commands";

export const REGISTRY = "127.0.0.1:5000";
export const SSH_PORT = 2222;
export const HTTP_PORT = 8088;
export const DB_PORT = 55432;
export const DB_PASSWORD = "e2e-Db-pass-7f3a";
export const PODMAN = ["podman", "--runtime", "runc"];

/** The stack config that points the program at this host (what a user would set for their own). */
export function hostConfig(): Record<string, string> {
    return {
        services: JSON.stringify([
            { name: "backend", image: `${REGISTRY}/webapp/backend`, port: 8080, healthPath: "/health", routes: ["/api", "/health"] },
            { name: "frontend", image: `${REGISTRY}/webapp/frontend`, port: 3000, healthPath: "/", routes: ["/"] },
        ]),
        deploy: "true",
        deployAddress: "127.0.0.1",
        sshUser: "root",
        sshPort: String(SSH_PORT),
        httpPort: String(HTTP_PORT),
        containerCli: PODMAN.join(" "),
        containerRunArgs: JSON.stringify(["--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"]),
        containerPullArgs: JSON.stringify(["--tls-verify=false"]),
        hostDbRuntime: "system",
        dbPort: String(DB_PORT),
        healthInterval: "1",
        healthTimeout: "3",
        healthRetries: "8",
        drainSeconds: "1",
        // This host has no S3 (backups stay on it) and no CloudWatch (no release metrics).
        backupBucket: "false",
        monitoring: "false",
    };
}

function run(cmd: string, args: string[], opts: { input?: string; cwd?: string; user?: string } = {}): string {
    const [c, a] = opts.user ? ["runuser", ["-u", opts.user, "--", cmd, ...args]] : [cmd, args];
    return execFileSync(c, a, { input: opts.input, cwd: opts.cwd, encoding: "utf8", stdio: ["pipe", "pipe", "pipe"] });
}

/** This machine's PostgreSQL (Debian's postgresql, one major version): its bin/, lib/ and version. */
export function pgHome(): string {
    return path.join("/usr/lib/postgresql", fs.readdirSync("/usr/lib/postgresql")[0]);
}

/** Files into an image's root file system at the paths given, with every library ldd names at its own path. */
function copyWithLibraries(rootfs: string, files: [from: string, to: string][]): void {
    const libs = new Set(files.flatMap(([from]) => [...run("ldd", [from]).matchAll(/(\/\S+\.so[^\s]*) \(0x/g)].map((m) => m[1])));
    for (const [from, to] of [...files, ...[...libs].map((l): [string, string] => [l, l])]) {
        const target = path.join(rootfs, to);
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.copyFileSync(fs.realpathSync(from), target);
        fs.chmodSync(target, 0o755);
    }
}

/** A root file system with busybox in /bin, as a directory of the test host's. */
function busyboxRoot(rootfs: string): string {
    fs.mkdirSync(path.join(rootfs, "bin"), { recursive: true });
    fs.copyFileSync("/bin/busybox", path.join(rootfs, "bin/busybox"));
    fs.chmodSync(path.join(rootfs, "bin/busybox"), 0o755);
    return rootfs;
}

/** The root file system as an image with these Dockerfile-style changes, in the registry only (a host pulls it). */
function pushImage(rootfs: string, ref: string, changes: string[]): void {
    run("bash", ["-c", 'dir=$1 ref=$2; shift 2; tar -C "$dir" -c . | podman import "$@" - "$ref" >/dev/null', "_", rootfs, ref, ...changes.flatMap((c) => ["--change", c])]);
    run("podman", ["push", "-q", "--tls-verify=false", ref]);
    run("podman", ["rmi", ref]);
}

function waitFor(what: string, check: () => boolean, seconds = 20): void {
    const end = Date.now() + seconds * 1000;
    while (Date.now() < end) {
        if (check()) return;
        execFileSync("sleep", ["0.2"]);
    }
    throw new Error(`test host: ${what} did not come up within ${seconds}s`);
}

function listening(port: number, host = "127.0.0.1"): boolean {
    try {
        execFileSync("bash", ["-c", `exec 3<>/dev/tcp/${host}/${port}`], { stdio: "ignore" });
        return true;
    } catch {
        return false;
    }
}

const VOLUME_IMAGE = "/var/tmp/webapp-e2e-data-volume.img";
const DATA_DIR = "/var/lib/webapp/db";

/**
 * What a VolumeAttachment does on EC2: the volume shows up as the device its id names
 * (`/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_vol...`); here a loop device over a sparse file, blank like a new volume.
 */
export function attachVolume(device: string): void {
    if (fs.existsSync(device)) return;
    fs.writeFileSync(VOLUME_IMAGE, "");
    fs.truncateSync(VOLUME_IMAGE, 512 * 1024 * 1024); // XFS wants 300 MiB at least
    const loop = run("losetup", ["--find", "--show", VOLUME_IMAGE]).trim();
    fs.mkdirSync(path.dirname(device), { recursive: true });
    fs.symlinkSync(loop, device);
}

/** The volume unmounted (the prepare step mounted it, with an fstab line), detached and gone. */
function detachVolumes(quiet: (cmd: string, args: string[]) => void): void {
    quiet("umount", [DATA_DIR]);
    quiet("sed", ["-i", `\\# ${DATA_DIR} #d`, "/etc/fstab"]);
    const byId = "/dev/disk/by-id";
    for (const link of fs.existsSync(byId) ? fs.readdirSync(byId).filter((n) => n.startsWith("nvme-Amazon_Elastic_Block_Store_")) : []) {
        quiet("losetup", ["-d", fs.readlinkSync(path.join(byId, link))]);
        fs.rmSync(path.join(byId, link), { force: true });
    }
    fs.rmSync(VOLUME_IMAGE, { force: true });
}

export class TestHost {
    readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), "webapp-e2e-"));
    readonly keyFile = path.join(this.dir, "id_ed25519");
    /** What the release script posted to the stand-in Slack webhook. */
    readonly slackMessages: string[] = [];
    private slack?: http.Server;
    private daemons: ChildProcess[] = [];
    private hadDefaultSite = fs.existsSync("/etc/nginx/sites-enabled/default");

    async start(): Promise<void> {
        if (process.getuid?.() !== 0) throw new Error("the e2e test host needs root (sshd, nginx, podman): run the tests as root, as .ci/run does");
        const needed: [string, string][] = [["sshd", "/usr/sbin/sshd"], ["nginx", "/usr/sbin/nginx"], ["haproxy", "/usr/sbin/haproxy"], ["socat", "/usr/bin/socat"], ["podman", "/usr/bin/podman"], ["runc", "/usr/sbin/runc"], ["docker-registry", "/usr/bin/docker-registry"], ["busybox", "/bin/busybox"], ["PostgreSQL", "/usr/lib/postgresql"], ["curl", "/usr/bin/curl"]];
        const missing = needed.filter(([, file]) => !fs.existsSync(file)).map(([what]) => what);
        if (missing.length > 0) throw new Error(`the e2e test host lacks ${missing.join(", ")}: apt-get install -y $(grep -v '^#' .ci/apt-packages), or run bash .ci/run, which does`);
        this.startRegistry();
        this.buildImages();
        this.startSshd();
        this.startPostgres();
        await this.startSlack();
    }

    /** The secrets a user would set for this host (pulumi config set --secret ...). */
    secrets(): [string, string][] {
        const port = (this.slack!.address() as AddressInfo).port;
        return [["sshPrivateKey", fs.readFileSync(this.keyFile, "utf8")], ["dbPassword", DB_PASSWORD], ["slackWebhookUrl", `http://127.0.0.1:${port}/services/T0E2E/B0E2E/secretpath`]];
    }

    private async startSlack(): Promise<void> {
        this.slack = http.createServer((req, res) => {
            let body = "";
            req.on("data", (d) => (body += d));
            req.on("end", () => {
                this.slackMessages.push(req.url === "/services/T0E2E/B0E2E/secretpath" ? JSON.parse(body).text : `wrong path ${req.url}`);
                res.end("ok");
            });
        });
        await new Promise<void>((resolve) => this.slack!.listen(0, "127.0.0.1", resolve));
    }

    private daemon(cmd: string, args: string[], log: string): void {
        const out = fs.openSync(path.join(this.dir, log), "a");
        this.daemons.push(spawn(cmd, args, { stdio: ["ignore", out, out], detached: false }));
    }

    private startRegistry(): void {
        const root = path.join(this.dir, "registry");
        fs.mkdirSync(root);
        fs.writeFileSync(path.join(this.dir, "registry.yml"), `version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: ${root}\nhttp:\n  addr: ${REGISTRY}\n`);
        this.daemon("docker-registry", ["serve", path.join(this.dir, "registry.yml")], "registry.log");
        waitFor("the registry", () => listening(5000));
    }

    /** Busybox images: httpd serves /www; v3's backend has no health file, so its check fails. */
    private buildImages(): void {
        for (const version of ["v1", "v2", "v3"]) this.buildImage(version, { healthy: version !== "v3" });
    }

    /**
     * Both services' images of a version, pushed to the registry; `bootSeconds` delays the app's start, as a
     * slow-booting app; `psql` gives the backend /bin/sh and this machine's psql (with its libraries), so a
     * migrateCommand can change the real database.
     */
    buildImage(version: string, opts: { healthy: boolean; bootSeconds?: number; psql?: boolean }): void {
        for (const [service, port] of [["backend", 8080], ["frontend", 3000]] as const) {
            const rootfs = busyboxRoot(path.join(this.dir, `rootfs-${service}-${version}`));
            fs.mkdirSync(path.join(rootfs, "www/api"), { recursive: true });
            if (opts.psql && service === "backend") this.addPsql(rootfs);
            fs.writeFileSync(path.join(rootfs, "www/index.html"), `${service} ${version}\n`);
            fs.writeFileSync(path.join(rootfs, "www/api/version"), `${service} ${version}\n`);
            if (opts.healthy || service !== "backend") fs.writeFileSync(path.join(rootfs, "www/health"), "ok\n");
            // A real app stops on SIGTERM; busybox as PID 1 would ignore it.
            const httpd = `exec /bin/busybox httpd -f -p ${port} -h /www`;
            const app = opts.bootSeconds ? `(/bin/busybox sleep ${opts.bootSeconds}; ${httpd})` : `(${httpd})`;
            const cmd = JSON.stringify(["/bin/busybox", "sh", "-c", `trap 'kill $!; exit 0' TERM; ${app} & wait`]);
            pushImage(rootfs, `${REGISTRY}/webapp/${service}:${version}`, [`CMD ${cmd}`]);
        }
    }

    /** /bin/sh, and psql at /bin/psql with every library ldd names, at the same paths as on this machine. */
    private addPsql(rootfs: string): void {
        fs.symlinkSync("busybox", path.join(rootfs, "bin/sh"));
        copyWithLibraries(rootfs, [[`${pgHome()}/bin/psql`, "/bin/psql"]]);
    }

    /**
     * A test stand-in for stage 1's database image (dbImage; pgvector's cannot be pulled here, and this
     * machine has no pgvector): this machine's PostgreSQL server and tools with their libraries, the
     * modules initdb loads (PL/pgSQL, the snowball dictionaries, the encoding conversions), its share/
     * files, busybox for /bin/sh, a postgres user, and postgres-entrypoint.sh with the official image's
     * env contract. In the registry only, so the prepare step pulls it as a host pulls its dbImage.
     */
    buildPostgresImage(): string {
        // Without podman's dnsname plugin (CNI), the app's containers could not resolve webapp-db on its network.
        if (!fs.existsSync("/usr/lib/cni/dnsname")) throw new Error("the container database's e2e needs podman's dnsname plugin: apt-get install -y golang-github-containernetworking-plugin-dnsname (.ci/apt-packages)");
        const home = pgHome();
        const major = path.basename(home);
        const rootfs = busyboxRoot(path.join(this.dir, "rootfs-postgres"));
        fs.symlinkSync("busybox", path.join(rootfs, "bin/sh"));
        fs.mkdirSync(path.join(rootfs, "etc"));
        fs.writeFileSync(path.join(rootfs, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\npostgres:x:999:999:PostgreSQL:/var/lib/postgresql:/bin/sh\n");
        fs.writeFileSync(path.join(rootfs, "etc/group"), "root:x:0:\npostgres:x:999:\n");
        const modules = fs.readdirSync(`${home}/lib`).filter((f) => f === "plpgsql.so" || f === "dict_snowball.so" || /_and_.*\.so$/.test(f)).map((f) => `${home}/lib/${f}`);
        const tools = ["postgres", "initdb", "pg_ctl", "pg_dump", "pg_restore", "psql", "pg_isready"].map((t) => `${home}/bin/${t}`);
        copyWithLibraries(rootfs, [...tools, ...modules].map((f): [string, string] => [f, f]));
        fs.cpSync(`/usr/share/postgresql/${major}`, path.join(rootfs, `usr/share/postgresql/${major}`), { recursive: true });
        // One time zone, named in TZ: initdb would otherwise look for the whole zone database.
        fs.mkdirSync(path.join(rootfs, "usr/share/zoneinfo/Etc"), { recursive: true });
        fs.copyFileSync("/usr/share/zoneinfo/Etc/UTC", path.join(rootfs, "usr/share/zoneinfo/Etc/UTC"));
        fs.mkdirSync(path.join(rootfs, "usr/local/bin"), { recursive: true });
        fs.copyFileSync(path.join(__dirname, "postgres-entrypoint.sh"), path.join(rootfs, "usr/local/bin/docker-entrypoint.sh"));
        fs.chmodSync(path.join(rootfs, "usr/local/bin/docker-entrypoint.sh"), 0o755);
        const ref = `${REGISTRY}/webapp/postgres:${major}`;
        // As the official image: its entrypoint and CMD, PGDATA, the tools on PATH, SIGINT (a fast shutdown) to stop.
        pushImage(rootfs, ref, [
            'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]', 'CMD ["postgres"]', `ENV PATH=${home}/bin:/usr/local/bin:/bin`,
            "ENV PGDATA=/var/lib/postgresql/data", "ENV TZ=Etc/UTC", "STOPSIGNAL SIGINT",
        ]);
        return ref;
    }

    private startSshd(): void {
        run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", this.keyFile]);
        run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", path.join(this.dir, "host_key")]);
        fs.copyFileSync(`${this.keyFile}.pub`, path.join(this.dir, "authorized_keys"));
        fs.mkdirSync("/run/sshd", { recursive: true });
        fs.writeFileSync(path.join(this.dir, "sshd_config"), [
            `Port ${SSH_PORT}`, "ListenAddress 127.0.0.1", `HostKey ${path.join(this.dir, "host_key")}`,
            "PermitRootLogin prohibit-password", "PasswordAuthentication no", "KbdInteractiveAuthentication no",
            `AuthorizedKeysFile ${path.join(this.dir, "authorized_keys")}`, "StrictModes no", "UsePAM no",
            `PidFile ${path.join(this.dir, "sshd.pid")}`, "MaxStartups 50", "Subsystem sftp internal-sftp",
        ].join("\n") + "\n");
        this.daemon("/usr/sbin/sshd", ["-D", "-e", "-f", path.join(this.dir, "sshd_config")], "sshd.log");
        waitFor("sshd", () => listening(SSH_PORT));
    }

    private startPostgres(): void {
        const data = path.join(this.dir, "pgdata");
        const bin = `${pgHome()}/bin`;
        fs.chmodSync(this.dir, 0o755);
        fs.mkdirSync(data, { mode: 0o700 });
        run("chown", ["postgres:postgres", data]);
        run(`${bin}/initdb`, ["-D", data, "-U", "postgres", "--auth-local=trust", "--auth-host=scram-sha-256"], { user: "postgres" });
        this.daemon("runuser", ["-u", "postgres", "--", `${bin}/postgres`, "-D", data, "-p", String(DB_PORT), "-k", data, "-c", "listen_addresses=127.0.0.1"], "postgres.log");
        waitFor("PostgreSQL", () => listening(DB_PORT));
        run("psql", ["-h", data, "-p", String(DB_PORT), "-U", "postgres", "-v", "ON_ERROR_STOP=1", "-q"], {
            user: "postgres",
            input: `CREATE ROLE app LOGIN PASSWORD '${DB_PASSWORD}';\nCREATE DATABASE app OWNER app;\n`,
        });
        this.sql("CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL);");
    }

    /**
     * The app's containers reach a host-system database at host.containers.internal (podman's bridge
     * gateway); this PostgreSQL listens on loopback only, so a socat relay stands in for a listen address there.
     */
    exposeDbToContainers(): void {
        const gateway = run("podman", ["network", "inspect", "podman", "--format", "{{range .Subnets}}{{.Gateway}}{{end}}"]).trim();
        this.daemon("socat", [`TCP-LISTEN:${DB_PORT},bind=${gateway},fork,reuseaddr`, `TCP:127.0.0.1:${DB_PORT}`], "db-relay.log");
        waitFor("the database relay", () => listening(DB_PORT, gateway));
    }

    /** Runs SQL as the app's user over TCP, as the app would (on another port: another cluster with the same role); returns psql's unaligned output. */
    sql(statement: string, port = DB_PORT): string {
        return execFileSync("psql", ["-h", "127.0.0.1", "-p", String(port), "-U", "app", "-d", "app", "-At", "-v", "ON_ERROR_STOP=1", "-c", statement], {
            env: { ...process.env, PGPASSWORD: DB_PASSWORD },
            encoding: "utf8",
        }).trim();
    }

    /** Everything this suite made, gone: containers (webapp-db too) and their network, images, nginx site and process, host layout, daemons. */
    stop(): void {
        this.slack?.close();
        const quiet = (cmd: string, args: string[]) => {
            try {
                execFileSync(cmd, args, { stdio: "ignore" });
            } catch {
                /* already gone */
            }
        };
        for (const c of execFileSync("podman", ["ps", "-a", "--format", "{{.Names}}"], { encoding: "utf8" }).split("\n").filter((n) => n.startsWith("webapp-"))) {
            quiet("podman", ["rm", "-f", c]);
        }
        // The database container's network (prepare-host.sh's); its dnsmasq goes with it.
        quiet("podman", ["network", "rm", "-f", DB_NETWORK]);
        quiet("bash", ["-c", `podman images --format '{{.Repository}}:{{.Tag}}' | grep '^${REGISTRY}/webapp/' | xargs -r podman rmi -f`]);
        quiet("nginx", ["-s", "quit"]);
        // The release switch runs without systemd here: its master's pid is in its pid file.
        quiet("bash", ["-c", "kill \"$(head -n 1 /run/webapp-switch/haproxy.pid)\""]);
        detachVolumes(quiet);
        for (const p of ["/etc/nginx/conf.d/webapp.conf", "/etc/nginx/webapp", "/run/webapp-switch", "/opt/webapp", "/etc/webapp", "/var/lib/webapp", "/etc/logrotate.d/webapp", "/root/webapp-deploy"]) {
            fs.rmSync(p, { recursive: true, force: true });
        }
        if (this.hadDefaultSite && !fs.existsSync("/etc/nginx/sites-enabled/default")) fs.symlinkSync("/etc/nginx/sites-available/default", "/etc/nginx/sites-enabled/default");
        for (const d of this.daemons.reverse()) d.kill("SIGTERM");
        quiet("pkill", ["-f", `${this.dir}/`]);
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}
