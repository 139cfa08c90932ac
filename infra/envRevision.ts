import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

/**
 * An id that changes whenever the app's env file does, and reveals nothing of it (the env is a secret;
 * a hash of it could be guessed at). What depends on the env takes it as a trigger: at stage 4 the
 * launch template (a new version, so an instance refresh), at stages 1-3 the release step (the app
 * restarts beside itself onto the new env).
 */
export function envRevision(name: string, env: pulumi.Input<string>, opts?: pulumi.CustomResourceOptions): random.RandomId {
    return new random.RandomId(name, { byteLength: 8, keepers: { env } }, opts);
}
