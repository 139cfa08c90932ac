// The Slack forwarder, for real: a local HTTP server stands in for the incoming webhook.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as http from "http";
import { AddressInfo } from "net";
import * as path from "path";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const forwarder = require("../../infra/monitoring/slack/forwarder.js") as {
    forward(event: unknown, opts: { webhookUrl: string; stack: string; dashboardUrl: string; timeoutMs?: number }): Promise<{ posted: number }>;
};

const fixture = (name: string) => JSON.parse(fs.readFileSync(path.join(__dirname, "../fixtures/sns", name), "utf8"));
const DASHBOARD = "https://ap-northeast-2.console.aws.amazon.com/cloudwatch/home?region=ap-northeast-2#dashboards:name=webapp-dev";

describe("Slack forwarder (a real HTTP webhook on loopback)", () => {
    let server: http.Server;
    let url = "";
    let received: { path: string; type: string; body: { text: string } }[] = [];
    let respond: (res: http.ServerResponse) => void = (res) => res.end("ok");

    before(async () => {
        server = http.createServer((req, res) => {
            let body = "";
            req.on("data", (d) => (body += d));
            req.on("end", () => {
                received.push({ path: req.url ?? "", type: String(req.headers["content-type"]), body: JSON.parse(body) });
                respond(res);
            });
        });
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
        url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T000/B000/XXXX`;
    });
    beforeEach(() => {
        received = [];
        respond = (res) => res.end("ok");
    });
    after(() => server.close());

    const send = (name: string, timeoutMs?: number) => forwarder.forward(fixture(name), { webhookUrl: url, stack: "webapp-dev", dashboardUrl: DASHBOARD, timeoutMs });

    it("ALARM: what, how bad, which stack, the dashboard", async () => {
        assert.deepEqual(await send("alarm.json"), { posted: 1 });
        assert.equal(received[0].path, "/services/T000/B000/XXXX");
        assert.equal(received[0].type, "application/json");
        assert.equal(received[0].body.text, [
            ":red_circle: *webapp-dev-cpu* is failing in stack *webapp-dev* (was OK)",
            "CPU above 80% for 5 minutes on webapp-dev",
            "Condition: AVERAGE CPUUtilization > 80",
            "> Threshold Crossed: 1 out of the last 1 datapoints [92.4 (23/11/26 14:00:00)] was greater than the threshold (80.0) (minimum 1 datapoint for OK -> ALARM transition).",
            `<${DASHBOARD}|Open the dashboard>`,
        ].join("\n"));
    });

    it("OK: back to normal", async () => {
        await send("ok.json");
        assert.match(received[0].body.text, /^:large_green_circle: \*webapp-dev-cpu\* is back to normal in stack \*webapp-dev\* \(was ALARM\)\n/);
    });

    it("INSUFFICIENT_DATA: no data", async () => {
        await send("insufficient-data.json");
        assert.match(received[0].body.text, /^:white_circle: \*webapp-dev-cpu\* has no data in stack \*webapp-dev\* \(was OK\)\n.*\n.*\n> Insufficient Data: 1 datapoint was unknown\./);
    });

    it("RDS events (stages 2-4): a backup and a failure, which instance, where to look", async () => {
        await send("rds-backup.json");
        await send("rds-failure.json");
        assert.deepEqual(received.map((r) => r.body.text), [
            [
                ":floppy_disk: *webapp-dev-db-pg* (RDS db-instance) in stack *webapp-dev*: Finished DB Instance backup",
                "RDS-EVENT-0002 at 2026-11-23 18:42:07.311 UTC",
                "<https://console.aws.amazon.com/rds/home?region=ap-northeast-2#dbinstance:id=webapp-dev-db-pg|Open in the RDS console>",
            ].join("\n"),
            [
                ":warning: *webapp-dev-db-pg* (RDS db-instance) in stack *webapp-dev*: DB instance put into failed state",
                "RDS-EVENT-0031 at 2026-11-23 18:42:07.311 UTC",
                "<https://console.aws.amazon.com/rds/home?region=ap-northeast-2#dbinstance:id=webapp-dev-db-pg|Open in the RDS console>",
            ].join("\n"),
        ]);
    });

    it("a message that is not an alarm is still passed on, marked as such", async () => {
        await send("malformed.json");
        assert.equal(received[0].body.text, ":grey_question: webapp-dev: a notification that is not a CloudWatch alarm arrived (Test):\n>This is not JSON: test message from the SNS console");
    });

    it("a webhook that fails is reported, not swallowed (and the URL's secret path is not in the error)", async () => {
        respond = (res) => {
            res.statusCode = 404;
            res.end("no_team");
        };
        await assert.rejects(send("alarm.json"), (err: Error) => {
            assert.equal(err.message, `Slack webhook at ${new URL(url).host} answered HTTP 404: no_team`);
            assert.ok(!err.message.includes("XXXX"));
            return true;
        });
    });

    it("a webhook that does not answer times out and is reported", async () => {
        respond = () => undefined; // never answers
        await assert.rejects(send("alarm.json", 300), { message: `Slack webhook at ${new URL(url).host} did not answer within 300 ms` });
    });
});
