// RDS for the move's e2e (movedata, containerDb): a second PostgreSQL cluster of this machine on
// loopback, and the planned move step pointed at it.
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { Step } from "./remote";
import { DB_PASSWORD, pgHome } from "./testHost";

export const TARGET_PORT = 55433;

/** A second PostgreSQL cluster with the app's role and an empty database, as a new RDS instance has. */
export class TargetDb {
    private readonly data: string;
    private readonly bin = `${pgHome()}/bin`;

    constructor(dir: string) {
        this.data = path.join(dir, "target-pgdata");
    }

    private asPostgres(cmd: string, args: string[], input?: string): string {
        return execFileSync("runuser", ["-u", "postgres", "--", cmd, ...args], { input, encoding: "utf8", stdio: ["pipe", "pipe", "pipe"] });
    }

    start(): void {
        fs.mkdirSync(this.data, { mode: 0o700 });
        execFileSync("chown", ["postgres:postgres", this.data]);
        this.asPostgres(`${this.bin}/initdb`, ["-D", this.data, "-U", "postgres", "--auth-local=trust", "--auth-host=scram-sha-256"]);
        this.asPostgres(`${this.bin}/pg_ctl`, ["-D", this.data, "-w", "-l", path.join(this.data, "log"), "-o", `-p ${TARGET_PORT} -k ${this.data} -c listen_addresses=127.0.0.1`, "start"]);
        this.admin(`CREATE ROLE app LOGIN PASSWORD '${DB_PASSWORD}';`);
        this.reset();
    }

    stop(): void {
        this.asPostgres(`${this.bin}/pg_ctl`, ["-D", this.data, "-m", "fast", "-w", "stop"]);
    }

    /** As the superuser (the stand-in's own set-up, which RDS's master user would not need). */
    admin(sql: string, db = "postgres"): string {
        return this.asPostgres("psql", ["-h", this.data, "-p", String(TARGET_PORT), "-U", "postgres", "-d", db, "-At", "-v", "ON_ERROR_STOP=1", "-q"], sql).trim();
    }

    /** A fresh empty database `app` owned by the app's role. */
    reset(): void {
        this.admin("DROP DATABASE IF EXISTS app WITH (FORCE);");
        this.admin("CREATE DATABASE app OWNER app;");
    }
}

/** The planned step with the stand-in's address in place of the mocks' RDS endpoint. */
export function towardTarget(step: Step): Step {
    assert.match(step.create, /--target-host \S+\.rds\.amazonaws\.com --target-port 5432/, step.create);
    return { ...step, create: step.create.replace(/--target-host \S+ --target-port \d+/, `--target-host 127.0.0.1 --target-port ${TARGET_PORT}`) };
}
