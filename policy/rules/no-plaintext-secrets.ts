import { ResourceValidationPolicy } from "@pulumi/policy";
import { peek } from "../lib/graph";
import { secretsInEnvironment, secretsInScript } from "../lib/secrets";

type Props = Record<string, unknown>;

const decode = (b64: unknown) => (typeof b64 === "string" ? Buffer.from(b64, "base64").toString("utf8") : undefined);

/** Script-like fields (user data, command lines) and environment maps, per resource type. */
function fields(type: string, props: Props): { scripts: [string, string | undefined][]; envs: [string, Props | undefined][] } {
    const str = (k: string) => peek(() => props[k]) as string | undefined;
    switch (type) {
        case "aws:ec2/instance:Instance":
        case "aws:ec2/launchConfiguration:LaunchConfiguration":
            return { scripts: [["userData", str("userData")], ["userDataBase64", decode(str("userDataBase64"))]], envs: [] };
        case "aws:ec2/launchTemplate:LaunchTemplate":
            return { scripts: [["userData", decode(str("userData"))]], envs: [] };
        case "command:remote:Command":
        case "command:local:Command":
            return {
                scripts: [["create", str("create")], ["update", str("update")], ["delete", str("delete")]],
                envs: [["environment", peek(() => props.environment) as Props | undefined]],
            };
        case "aws:lambda/function:Function":
            return { scripts: [], envs: [["environment.variables", peek(() => (props.environment as Props | undefined)?.variables) as Props | undefined]] };
        case "aws:ecs/taskDefinition:TaskDefinition": {
            const defs = str("containerDefinitions");
            const parsed = defs ? (JSON.parse(defs) as { name: string; environment?: { name: string; value: string }[] }[]) : [];
            return { scripts: [], envs: parsed.map((c) => [`containerDefinitions[${c.name}].environment`, Object.fromEntries((c.environment ?? []).map((e) => [e.name, e.value]))]) };
        }
        default:
            return { scripts: [], envs: [] };
    }
}

/**
 * User data is readable by anyone who can describe the instance, and command lines show up in process
 * lists and logs. The policy SDK gives rules secret values unwrapped (pulumi/pulumi-policy#241), so the
 * rule judges by what the text looks like; pass secrets on a command's stdin, which it does not inspect.
 */
export const noPlaintextSecrets: ResourceValidationPolicy = {
    name: "no-plaintext-secrets",
    description: "No passwords, tokens or keys in plain text in user data, remote command lines or environment maps.",
    validateResource: (args, reportViolation) => {
        const { scripts, envs } = fields(args.type, args.props);
        for (const [field, text] of scripts) {
            if (!text) continue;
            for (const what of secretsInScript(text)) reportViolation(`${args.name}.${field} contains ${what}. Read secrets at run time (SSM Parameter Store, Secrets Manager) or pass them on stdin.`);
        }
        for (const [field, env] of envs) {
            if (!env) continue;
            for (const what of secretsInEnvironment(env)) reportViolation(`${args.name}.${field} holds ${what}. Pass secrets on stdin or read them at run time from SSM or Secrets Manager.`);
        }
    },
};
