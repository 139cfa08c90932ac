import { table } from "./harness";

const block = (settings: string) => `new aws.s3.BucketPublicAccessBlock("pab", { bucket: bucket.id, ${settings} });`;
const ALL = "blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true";

describe("policy s3-public-access-blocked", () => {
    table("s3-public-access-blocked", [
        { what: "a bucket with all four settings on", program: `const bucket = new aws.s3.Bucket("data");\n${block(ALL)}`, expect: [] },
        { what: "buckets covered by the account-wide block", program: `new aws.s3.Bucket("data");\nnew aws.s3.AccountPublicAccessBlock("account", { ${ALL} });`, expect: [] },
        { what: "a bucket with no public access block", program: `new aws.s3.Bucket("data");`, expect: ["data has no public access block; add an aws.s3.BucketPublicAccessBlock with all four settings true."] },
        { what: "a block that leaves public policies allowed", program: `const bucket = new aws.s3.Bucket("data");\n${block(ALL.replace("blockPublicPolicy: true", "blockPublicPolicy: false"))}`, expect: ["pab leaves blockPublicPolicy off; set all four to true."] },
        { what: "a block with only ACLs blocked", program: `const bucket = new aws.s3.Bucket("data");\n${block("blockPublicAcls: true")}`, expect: ["pab leaves blockPublicPolicy, ignorePublicAcls, restrictPublicBuckets off; set all four to true."] },
        { what: "a block on another bucket", program: `new aws.s3.Bucket("data");\nconst bucket = new aws.s3.Bucket("logs");\n${block(ALL)}`, expect: ["data has no public access block; add an aws.s3.BucketPublicAccessBlock with all four settings true."] },
    ]);
});
