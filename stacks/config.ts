// The one place that reads pulumi.Config: it hands the raw values to the pure parser in schema.ts.
import * as pulumi from "@pulumi/pulumi";
import { ConfigSource, parseStackConfig, StackConfig } from "./schema";

// isConfigSecret is exported at run time but left out of the SDK's typings.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const runtimeConfig = require("@pulumi/pulumi/runtime/config") as { isConfigSecret(key: string): boolean };

/** Reads the current stack's config; throws a one-line ConfigError on the first invalid value. */
export function loadStackConfig(): StackConfig {
    const project = pulumi.getProject();
    const source: ConfigSource = {
        // Raw reads go through the runtime so secret keys do not trigger the SDK's "use getSecret" warning.
        get: (key) => pulumi.runtime.getConfig(`${project}:${key}`),
        isSecret: (key) => runtimeConfig.isConfigSecret(`${project}:${key}`),
        // Only the project's namespace: aws:region and other providers' keys are theirs to check.
        keys: () => Object.keys(pulumi.runtime.allConfig()).filter((k) => k.startsWith(`${project}:`)).map((k) => k.slice(project.length + 1)),
    };
    return parseStackConfig(source, {
        project,
        stack: pulumi.getStack(),
        region: new pulumi.Config("aws").get("region"),
    });
}
