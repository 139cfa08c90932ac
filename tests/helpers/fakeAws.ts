// A small HTTP server that plays AWS for Debian's real `aws` CLI (pointed at it by --endpoint-url):
// the CLI validates its own parameters and builds the real request; the server records the request
// (action and parameters) and answers from a table of minimal valid responses.
import { execFile, execSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";

export interface AwsRequest {
    /** e.g. "ssm:SendCommand", "secretsmanager:GetSecretValue", "autoscaling:DescribeInstanceRefreshes", or "GET /bucket/key" for anything else (S3, Slack). */
    action: string;
    /** JSON body (SSM) or form parameters (query APIs: autoscaling, RDS, elbv2). */
    params: Record<string, unknown>;
    body: string;
}

/** An error answer, as AWS's JSON APIs send one (HTTP 400 with `__type`): the CLI prints "An error occurred (type) ...". */
export class AwsError {
    constructor(readonly type: string, readonly message: string) {}
}

type Answer = string | AwsError;

/** What the server answers per action (or per start of "METHOD /path?query"): a body, or a function of the request. */
export type AwsResponses = Record<string, Answer | ((r: AwsRequest, n: number) => Answer)>;

const QUERY_NAMESPACES: Record<string, string> = {
    "2011-01-01": "autoscaling",
    "2014-10-31": "rds",
    "2015-12-01": "elasticloadbalancing",
    "2010-08-01": "cloudwatch",
};

/** Debian's aws (an older aws may come first on PATH here). */
export function debianAws(): string {
    const found = execSync("dpkg -L awscli", { encoding: "utf8" }).split("\n").find((l) => /\/bin\/aws$/.test(l));
    if (!found) throw new Error("Debian's awscli is not installed (apt-get install awscli)");
    return found;
}

export class FakeAws {
    readonly requests: AwsRequest[] = [];
    private readonly server = http.createServer((req, res) => this.handle(req, res));
    private binDir = "";

    constructor(private readonly responses: AwsResponses) {}

    async start(): Promise<void> {
        await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
        // `aws` on PATH is Debian's, pointed at this server: the scripts call plain `aws`.
        this.binDir = fs.mkdtempSync(path.join(os.tmpdir(), "fake-aws-"));
        fs.writeFileSync(path.join(this.binDir, "aws"), `#!/bin/sh\nexec ${debianAws()} --endpoint-url ${this.url} "$@"\n`, { mode: 0o755 });
    }

    get url(): string {
        return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    }

    async stop(): Promise<void> {
        await new Promise<void>((resolve) => this.server.close(() => resolve()));
        fs.rmSync(this.binDir, { recursive: true, force: true });
    }

    /** Runs a command line with bash, as the Pulumi command provider does, with this server as AWS. */
    run(line: string, stdin = "", env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
        return new Promise((resolve) => {
            const child = execFile("bash", ["-c", line], {
                cwd: path.resolve(__dirname, "../.."),
                env: {
                    ...env,
                    PATH: `${this.binDir}:${process.env.PATH}`,
                    HOME: os.tmpdir(),
                    AWS_ACCESS_KEY_ID: "AKIAFAKEFAKEFAKEFAKE",
                    AWS_SECRET_ACCESS_KEY: "fake",
                    AWS_CONFIG_FILE: "/dev/null",
                    AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
                    AWS_EC2_METADATA_DISABLED: "true",
                },
            }, (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
            // A command that does not read its stdin may exit before it is written (EPIPE): not an error.
            child.stdin!.on("error", () => undefined);
            child.stdin!.end(stdin);
        });
    }

    /** The recorded actions, in order. */
    actions(): string[] {
        return this.requests.map((r) => r.action);
    }

    private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
        let body = "";
        req.on("data", (c) => (body += c));
        req.on("end", () => {
            const target = req.headers["x-amz-target"];
            let action: string;
            let params: Record<string, unknown>;
            if (typeof target === "string") {
                // "AmazonSSM.SendCommand", "secretsmanager.GetSecretValue"
                const [prefix, name] = target.split(".");
                action = `${prefix === "AmazonSSM" ? "ssm" : prefix}:${name}`;
                params = JSON.parse(body || "{}") as Record<string, unknown>;
            } else if (String(req.headers["content-type"]).startsWith("application/x-www-form-urlencoded")) {
                const form = Object.fromEntries(new URLSearchParams(body));
                action = `${QUERY_NAMESPACES[form.Version] ?? form.Version}:${form.Action}`;
                params = form;
            } else {
                action = `${req.method} ${req.url}`;
                params = {};
            }
            const request = { action, params, body };
            this.requests.push(request);
            const key = action in this.responses ? action : Object.keys(this.responses).find((k) => action.startsWith(k));
            const answer = key === undefined ? undefined : this.responses[key];
            if (answer === undefined) {
                res.writeHead(400, { "Content-Type": "application/json" }).end(JSON.stringify({ __type: "UnknownOperation", message: `no response for ${action}` }));
                return;
            }
            const text = typeof answer === "function" ? answer(request, this.requests.filter((r) => r.action === action).length) : answer;
            if (text instanceof AwsError) {
                res.writeHead(400, { "Content-Type": "application/x-amz-json-1.1" }).end(JSON.stringify({ __type: text.type, message: text.message }));
                return;
            }
            // S3 and the query APIs answer XML; SSM and Secrets Manager answer JSON.
            res.writeHead(200, { "Content-Type": text.startsWith("<") ? "text/xml" : "application/x-amz-json-1.1" }).end(text);
        });
    }
}

/**
 * SSM Parameter Store's GetParameter, PutParameter and DeleteParameter over a map, with the API's rules
 * (docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html): a put of an existing
 * name without Overwrite fails with ParameterAlreadyExists, which makes a create an atomic claim; a get
 * or delete of a missing name fails with ParameterNotFound.
 */
export function parameterStore(values: Map<string, string>): AwsResponses {
    const missing = (name: unknown) => new AwsError("ParameterNotFound", `Parameter ${String(name)} not found.`);
    return {
        "ssm:GetParameter": (r) => {
            const value = values.get(String(r.params.Name));
            return value === undefined ? missing(r.params.Name) : JSON.stringify({ Parameter: { Name: r.params.Name, Type: "String", Value: value, Version: 1 } });
        },
        "ssm:PutParameter": (r) => {
            const name = String(r.params.Name);
            if (values.has(name) && r.params.Overwrite !== true) return new AwsError("ParameterAlreadyExists", "The parameter already exists. To overwrite this value, set the overwrite option in the request to true.");
            values.set(name, String(r.params.Value));
            return JSON.stringify({ Version: 1, Tier: "Standard" });
        },
        "ssm:DeleteParameter": (r) => (values.delete(String(r.params.Name)) ? "{}" : missing(r.params.Name)),
    };
}

/** A query API's XML response (autoscaling, RDS, elbv2): <ActionResponse><ActionResult>inner</ActionResult></ActionResponse>. */
export function xml(action: string, inner: string): string {
    return `<${action}Response><${action}Result>${inner}</${action}Result><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></${action}Response>`;
}

/** Runs `body` against a started FakeAws with these answers, and stops it however `body` ends. */
export async function withAws(responses: AwsResponses, body: (aws: FakeAws) => Promise<void>): Promise<void> {
    const aws = new FakeAws(responses);
    await aws.start();
    try {
        await body(aws);
    } finally {
        await aws.stop();
    }
}
