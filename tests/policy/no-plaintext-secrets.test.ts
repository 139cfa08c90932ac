import { table } from "./harness";

const conn = `connection: { host: "203.0.113.10", user: "ec2-user" }`;
const remote = (create: string, extra = "") => `new command.remote.Command("deploy", { ${conn}, create: ${JSON.stringify(create)}${extra} });`;
const host = (userData: string) => `new aws.ec2.Instance("host", { ami: "ami-1", instanceType: "t3.micro", userData: ${JSON.stringify(userData)} });`;
const read = "Read secrets at run time (SSM Parameter Store, Secrets Manager) or pass them on stdin.";
const pass = "Pass secrets on stdin or read them at run time from SSM or Secrets Manager.";

describe("policy no-plaintext-secrets", () => {
    table("no-plaintext-secrets", [
        { what: "secrets read at run time and passed on stdin", program: host("#!/bin/bash\nDB_PASSWORD=$(aws secretsmanager get-secret-value --secret-id x)\nDB_SECRET_ARN=arn:aws:secretsmanager:us-east-1:1:secret:x") + remote("docker login --username bot --password-stdin ghcr.io", `, stdin: "the-token-arrives-here", environment: { LOG_LEVEL: "info", REGISTRY_PASSWORD_PARAMETER: "/app/registry" }`), expect: [] },
        { what: "an AWS access key in user data", program: host("#!/bin/bash\nexport AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n"), expect: [`host.userData contains an AWS access key id. ${read}`] },
        { what: "a literal password in a remote command", program: remote("PGPASSWORD=hunter2 pg_dump app > /backup.sql"), expect: [`deploy.create contains a literal value for PGPASSWORD. ${read}`] },
        { what: "a --password argument", program: remote("docker login --password s3cr3t-value ghcr.io"), expect: [`deploy.create contains a --password argument. ${read}`] },
        { what: "a database URL with its password", program: remote("psql postgres://app:hunter2@db.internal/app -c 'select 1'"), expect: [`deploy.create contains a URL with a password. ${read}`] },
        { what: "a password in a command's environment map", program: remote("./release.sh", `, environment: { DB_PASSWORD: "hunter2" }`), expect: [`deploy.environment holds DB_PASSWORD in plain text. ${pass}`] },
        { what: "a GitHub token in an environment map", program: remote("./release.sh", `, environment: { REGISTRY: "ghp_0123456789abcdefghijklmnopqrstuvwxyzAB" }`), expect: [`deploy.environment holds a GitHub token in REGISTRY. ${pass}`] },
        { what: "a private key in launch template user data (base64)", program: `new aws.ec2.LaunchTemplate("lt", { userData: Buffer.from("#!/bin/bash\\ncat > /root/key <<EOF\\n-----BEGIN OPENSSH PRIVATE KEY-----\\nabc\\nEOF\\n").toString("base64") });`, expect: [`lt.userData contains a private key. ${read}`] },
        { what: "a Slack webhook in a Lambda's environment", program: `new aws.lambda.Function("notify", { role: "arn:aws:iam::1:role/r", runtime: "nodejs20.x", handler: "index.handler", code: new (require("@pulumi/pulumi").asset.AssetArchive)({}), environment: { variables: { WEBHOOK: "https://hooks.slack.com/services/T000/B000/XXXXXXXX" } } });`, expect: [`notify.environment.variables holds a Slack webhook URL in WEBHOOK. ${pass}`] },
    ]);
});
