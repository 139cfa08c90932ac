// @ts-check
// Lambda: CloudWatch alarm notifications (and RDS events) from SNS to a Slack incoming webhook. Plain JavaScript so the
// file the tests run is the file Lambda runs. The webhook URL is a secret kept in SSM Parameter Store.
"use strict";
const http = require("http");
const https = require("https");

const ICON = { ALARM: ":red_circle:", OK: ":large_green_circle:", INSUFFICIENT_DATA: ":white_circle:" };
const WORD = { ALARM: "is failing", OK: "is back to normal", INSUFFICIENT_DATA: "has no data" };

/**
 * The Slack message for one SNS record: what, how bad, which stack, a link to the dashboard.
 * @param {{ Sns?: { Message?: string, Subject?: string, TopicArn?: string } }} record
 * @param {{ stack: string, dashboardUrl: string }} ctx
 */
function formatRecord(record, ctx) {
    const sns = record.Sns || {};
    let alarm;
    try {
        alarm = JSON.parse(sns.Message || "");
    } catch (_) {
        alarm = undefined;
    }
    if (alarm && typeof alarm["Event Message"] === "string" && typeof alarm["Source ID"] === "string") return formatRdsEvent(alarm, ctx);
    if (!alarm || typeof alarm.AlarmName !== "string" || typeof alarm.NewStateValue !== "string") {
        const body = String(sns.Message || "").slice(0, 500);
        return { text: `:grey_question: ${ctx.stack}: a notification that is not a CloudWatch alarm arrived${sns.Subject ? ` (${sns.Subject})` : ""}:\n>${body || "(empty)"}` };
    }
    const state = alarm.NewStateValue;
    const t = alarm.Trigger || {};
    const what = t.MetricName ? `${t.Statistic || t.ExtendedStatistic || ""} ${t.MetricName} ${comparison(t.ComparisonOperator)} ${t.Threshold}`.trim() : "";
    const lines = [
        `${ICON[state] || ":grey_question:"} *${alarm.AlarmName}* ${WORD[state] || `is ${state}`} in stack *${ctx.stack}* (was ${alarm.OldStateValue || "unknown"})`,
        alarm.AlarmDescription ? alarm.AlarmDescription : "",
        what ? `Condition: ${what}` : "",
        alarm.NewStateReason ? `> ${alarm.NewStateReason}` : "",
        ctx.dashboardUrl ? `<${ctx.dashboardUrl}|Open the dashboard>` : "",
    ];
    return { text: lines.filter(Boolean).join("\n") };
}

// RDS's backup started and finished (RDS User Guide, "Amazon RDS event categories and event messages");
// the subscription's other events are failures.
const RDS_BACKUP_EVENTS = ["RDS-EVENT-0001", "RDS-EVENT-0002"];

/**
 * An RDS event notification (its SNS message is JSON with "Event Source", "Source ID", "Event ID",
 * "Event Message", "Identifier Link", "Event Time").
 * @param {Record<string, string>} e @param {{ stack: string, dashboardUrl: string }} ctx
 */
function formatRdsEvent(e, ctx) {
    const id = String(e["Event ID"] || "").split("#").pop() || "";
    const backup = RDS_BACKUP_EVENTS.includes(id);
    const lines = [
        `${backup ? ":floppy_disk:" : ":warning:"} *${e["Source ID"]}* (RDS ${e["Event Source"] || "event"}) in stack *${ctx.stack}*: ${e["Event Message"]}`,
        [id, e["Event Time"] ? `at ${e["Event Time"]} UTC` : ""].filter(Boolean).join(" "),
        e["Identifier Link"] ? `<${e["Identifier Link"]}|Open in the RDS console>` : "",
    ];
    return { text: lines.filter(Boolean).join("\n") };
}

/** @param {string | undefined} op */
function comparison(op) {
    return { GreaterThanThreshold: ">", GreaterThanOrEqualToThreshold: ">=", LessThanThreshold: "<", LessThanOrEqualToThreshold: "<=" }[op || ""] || op || "";
}

/**
 * Posts JSON to the webhook; resolves on 2xx, rejects on anything else or after timeoutMs.
 * @param {string} url @param {object} payload @param {number} timeoutMs
 * @returns {Promise<void>}
 */
function post(url, payload, timeoutMs) {
    return new Promise((resolve, reject) => {
        const body = JSON.stringify(payload);
        const target = new URL(url);
        const req = (target.protocol === "http:" ? http : https).request(target, {
            method: "POST",
            headers: { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) },
            timeout: timeoutMs,
        }, (res) => {
            let text = "";
            res.on("data", (d) => (text += d));
            res.on("end", () => {
                const status = res.statusCode || 0;
                if (status >= 200 && status < 300) resolve();
                // The URL is a secret: errors name the host only.
                else reject(new Error(`Slack webhook at ${target.host} answered HTTP ${status}: ${text.slice(0, 200)}`));
            });
        });
        req.on("timeout", () => req.destroy(new Error(`Slack webhook at ${target.host} did not answer within ${timeoutMs} ms`)));
        req.on("error", reject);
        req.end(body);
    });
}

/**
 * Formats and posts every record; a failed post fails the invocation, so SNS retries and it shows.
 * @param {{ Records?: any[] }} event
 * @param {{ webhookUrl: string, stack: string, dashboardUrl: string, timeoutMs?: number }} opts
 */
async function forward(event, opts) {
    const records = (event && event.Records) || [];
    for (const record of records) {
        await post(opts.webhookUrl, formatRecord(record, opts), opts.timeoutMs || 5000);
    }
    return { posted: records.length };
}

/** @type {string | undefined} */
let cachedUrl;

/** The Lambda entry point: the webhook URL comes from the SSM parameter named in the environment. */
async function handler(event) {
    if (!cachedUrl) {
        // The AWS SDK v3 ships with the Lambda Node.js runtime.
        const { SSMClient, GetParameterCommand } = require("@aws-sdk/client-ssm");
        const out = await new SSMClient({}).send(new GetParameterCommand({ Name: process.env.SLACK_WEBHOOK_PARAMETER, WithDecryption: true }));
        cachedUrl = out.Parameter && out.Parameter.Value;
        if (!cachedUrl) throw new Error(`SSM parameter ${process.env.SLACK_WEBHOOK_PARAMETER} is empty`);
    }
    return forward(event, { webhookUrl: cachedUrl, stack: process.env.STACK || "", dashboardUrl: process.env.DASHBOARD_URL || "" });
}

module.exports = { formatRecord, post, forward, handler };
