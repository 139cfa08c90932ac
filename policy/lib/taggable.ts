// Which AWS resource types take tags at all, asked of @pulumi/aws itself rather than a hand-kept list:
// a class that accepts tags copies `tags` into its inputs in its constructor.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const aws = require("@pulumi/aws") as Record<string, Record<string, unknown>>;

const cache = new Map<string, boolean>();

export function takesTags(type: string): boolean {
    const cached = cache.get(type);
    if (cached !== undefined) return cached;
    const [pkg, mod, cls] = type.split(":");
    let result = false;
    if (pkg === "aws" && mod && cls) {
        const ns = mod.split("/")[0];
        const ctor = (ns === "index" ? (aws as Record<string, unknown>) : aws[ns])?.[cls];
        result = typeof ctor === "function" && String(ctor).includes('resourceInputs["tags"]');
    }
    cache.set(type, result);
    return result;
}
