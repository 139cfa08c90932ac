// Helpers for stack policies: follow property dependencies (known even when ids are not, as in a
// first preview) and read properties that may still be unknown without aborting the whole policy.
import { PolicyResource } from "@pulumi/policy";

/** The value, or undefined when the engine does not know it yet (the SDK throws UnknownValueError on access). */
export function peek<T>(read: () => T): T | undefined {
    try {
        return read();
    } catch (err) {
        if (err instanceof Error && err.constructor.name === "UnknownValueError") return undefined;
        throw err;
    }
}

/** The resources a property was computed from, e.g. deps(subnetGroup, "subnetIds") gives its subnets. */
export function deps(r: PolicyResource, property: string, type?: string): PolicyResource[] {
    const found = r.propertyDependencies[property] ?? [];
    return type ? found.filter((d) => d.type === type) : found;
}

export function dependsOn(r: PolicyResource, property: string, target: PolicyResource): boolean {
    return deps(r, property).some((d) => d.urn === target.urn);
}
