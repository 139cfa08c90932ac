import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { dependsOn, peek } from "../lib/graph";

const BUCKETS = ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"];
const BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock";
const ACCOUNT_BLOCK = "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock";
const SETTINGS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"];

function offSettings(block: PolicyResource): string[] {
    return SETTINGS.filter((s) => peek(() => block.props[s]) !== true);
}

export const s3PublicAccessBlocked: StackValidationPolicy = {
    name: "s3-public-access-blocked",
    description: "Every S3 bucket has a public access block with all four settings on (or the account has one).",
    validateStack: (args, reportViolation) => {
        const all = args.resources;
        const accountBlocked = all.some((r) => r.type === ACCOUNT_BLOCK && offSettings(r).length === 0);
        for (const block of all.filter((r) => r.type === BLOCK || r.type === ACCOUNT_BLOCK)) {
            const off = offSettings(block);
            if (off.length > 0) reportViolation(`${block.name} leaves ${off.join(", ")} off; set all four to true.`, block.urn);
        }
        if (accountBlocked) return;
        for (const bucket of all.filter((r) => BUCKETS.includes(r.type))) {
            if (!all.some((r) => r.type === BLOCK && dependsOn(r, "bucket", bucket))) {
                reportViolation(`${bucket.name} has no public access block; add an aws.s3.BucketPublicAccessBlock with all four settings true.`, bucket.urn);
            }
        }
    },
};
