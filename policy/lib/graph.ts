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

/** Stands for a value the engine does not know yet, inside a plain copy (see plain). */
export const UNKNOWN = Symbol("unknown");

export type Plain = string | number | boolean | null | undefined | typeof UNKNOWN | Plain[] | { [key: string]: Plain };

/**
 * A plain copy of a (proxied) property value, each unknown part replaced by UNKNOWN, so a rule can
 * read a list whose items are partly unknown (a security group's `ingress` in a preview).
 */
export function plain(read: () => unknown): Plain {
    let value: unknown;
    try {
        value = read();
    } catch (err) {
        if (err instanceof Error && err.constructor.name === "UnknownValueError") return UNKNOWN;
        throw err;
    }
    if (Array.isArray(value)) return Array.from({ length: value.length }, (_, i) => plain(() => value[i]));
    if (typeof value === "object" && value !== null) {
        const obj = value as Record<string, unknown>;
        return Object.fromEntries(Object.keys(obj).map((k) => [k, plain(() => obj[k])]));
    }
    return value as Plain;
}

/** A plain property's object form, or an empty one (absent, unknown or not an object). */
export function record(v: Plain): Record<string, Plain> {
    return typeof v === "object" && v !== null && !Array.isArray(v) ? v : {};
}

/** A plain property's list of known strings (unknown items are left out). */
export function strings(v: Plain): string[] {
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : typeof v === "string" ? [v] : [];
}

/** The resources a property was computed from, e.g. deps(subnetGroup, "subnetIds") gives its subnets. */
export function deps(r: PolicyResource, property: string, type?: string | string[]): PolicyResource[] {
    const found = r.propertyDependencies[property] ?? [];
    return type ? found.filter((d) => (Array.isArray(type) ? type.includes(d.type) : d.type === type)) : found;
}

export function dependsOn(r: PolicyResource, property: string, target: PolicyResource): boolean {
    return deps(r, property).some((d) => d.urn === target.urn);
}

/**
 * The resources a property refers to: through property dependencies, or, when the program wrote a
 * literal name, the resources of that type whose `nameProp` is that name (AWS compares these names
 * case-insensitively); when none has it (an auto-named one, whose name is unknown in a preview and
 * a generated one after an update), those of that type it was ordered after with dependsOn.
 */
export function referenced(r: PolicyResource, property: string, type: string, nameProp: string, all: PolicyResource[]): PolicyResource[] {
    const viaDeps = deps(r, property, type);
    if (viaDeps.length > 0) return viaDeps;
    const literal = peek(() => r.props[property]);
    if (typeof literal !== "string" || literal === "") return [];
    const name = literal.toLowerCase();
    const named = all.filter((x) => x.type === type && String(peek(() => x.props[nameProp]) ?? "").toLowerCase() === name);
    return named.length > 0 ? named : r.dependencies.filter((d) => d.type === type);
}
