// The engine's wire form of property values: secrets, assets, archives and resource references are
// objects marked with Pulumi's signature key, unknowns are one distinguished string. Helpers to read
// them, to show them to people, and to marshal them as the engine does for an analyzer.
/* eslint-disable @typescript-eslint/no-require-imports */
const rpc = require("@pulumi/pulumi/runtime/rpc") as {
    specialSigKey: string;
    specialSecretSig: string;
    specialAssetSig: string;
    specialArchiveSig: string;
    specialResourceSig: string;
    unknownValue: string;
};
/* eslint-enable @typescript-eslint/no-require-imports */

export const SIG_KEY = rpc.specialSigKey;
const SECRET_SIG = rpc.specialSecretSig;
/** A value not known until the resource exists (a preview's computed outputs). */
export const UNKNOWN = rpc.unknownValue;
const SECRET_MASK = "[secret]";
/** How people see an unknown value. */
const UNKNOWN_OUTPUT = "(known after apply)";

type Dict = Record<string, unknown>;

function sig(value: unknown): unknown {
    return typeof value === "object" && value !== null ? (value as Dict)[SIG_KEY] : undefined;
}

export function isSecret(value: unknown): value is { value: unknown } {
    return sig(value) === SECRET_SIG;
}

export function secret(value: unknown): Dict {
    return { [SIG_KEY]: SECRET_SIG, value };
}

function mapValues(value: unknown, f: (v: unknown) => unknown): unknown {
    if (Array.isArray(value)) return value.map(f);
    if (typeof value === "object" && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, f(v)]));
    return value;
}

/**
 * A resource passed as an input, as the engine marshals it for a plugin without resource references
 * (analyzers): a custom resource becomes its id (unknown while it is not created), a component its URN.
 * See MarshalPropertyValue in pulumi/pulumi sdk/go/common/resource/plugin/rpc.go (KeepResources false).
 */
export function referencesToIds(value: unknown): unknown {
    if (sig(value) === rpc.specialResourceSig) {
        const ref = value as Dict;
        return ref.id !== undefined ? ref.id : ref.urn;
    }
    return mapValues(value, referencesToIds);
}

/** Internal properties (`__defaults`, `__provider`, ...) the engine skips when it marshals for Analyze. */
export function stripInternalKeys(props: Dict): Dict {
    return Object.fromEntries(Object.entries(props).filter(([k]) => !k.startsWith("__")));
}

/** The known part of a value: unknowns (a preview's outputs) dropped, from objects and lists alike. */
export function knownPart(value: unknown): unknown {
    if (value === UNKNOWN) return undefined;
    if (Array.isArray(value)) return value.filter((v) => v !== UNKNOWN).map(knownPart);
    if (typeof value === "object" && value !== null && !(SIG_KEY in value)) {
        return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== UNKNOWN).map(([k, v]) => [k, knownPart(v)]));
    }
    return value;
}

/** For people and JSON: secrets masked (or shown with showSecrets), unknowns and assets said in words. */
export function maskSecrets(value: unknown, showSecrets = false): unknown {
    const s = sig(value);
    if (s === rpc.specialAssetSig || s === rpc.specialArchiveSig) {
        const v = value as Dict;
        return { [s === rpc.specialAssetSig ? "asset" : "archive"]: v.path ?? v.uri ?? "(inline)" };
    }
    if (isSecret(value)) return showSecrets ? maskSecrets(value.value, true) : SECRET_MASK;
    if (value === UNKNOWN) return UNKNOWN_OUTPUT;
    return mapValues(value, (v) => maskSecrets(v, showSecrets));
}
