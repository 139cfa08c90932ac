import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { named, Tags } from "./tags";

/** Where the hosts put database dumps (release.sh: s3://<bucket>/db/<host>/<backup id>.dump). */
export const BACKUP_PREFIX = "db/";

export interface BackupArgs {
    /** Days before backups move to Glacier Flexible Retrieval (cheap long-term storage). */
    glacierAfterDays: number;
    /** Days after which backups are deleted for good. */
    expireAfterDays: number;
    /** Let `pulumi destroy` empty the bucket (never in production). */
    forceDestroy: boolean;
    tags: Tags;
}

/** The S3 bucket that keeps database backups long-term: private, encrypted, versioned, TLS only. */
export class Backup extends pulumi.ComponentResource {
    public readonly bucketName: pulumi.Output<string>;
    public readonly bucketArn: pulumi.Output<string>;

    constructor(name: string, args: BackupArgs, opts?: pulumi.ComponentResourceOptions) {
        super("webapp:infra:Backup", name, {}, opts);
        const parent = { parent: this };

        const bucket = new aws.s3.Bucket(`${name}-bucket`, { forceDestroy: args.forceDestroy, tags: named(args.tags, `${name}-bucket`) }, parent);
        const pab = new aws.s3.BucketPublicAccessBlock(`${name}-pab`, {
            bucket: bucket.id,
            blockPublicAcls: true,
            blockPublicPolicy: true,
            ignorePublicAcls: true,
            restrictPublicBuckets: true,
        }, parent);
        new aws.s3.BucketOwnershipControls(`${name}-ownership`, { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } }, parent);
        new aws.s3.BucketVersioning(`${name}-versioning`, { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } }, parent);
        new aws.s3.BucketServerSideEncryptionConfiguration(`${name}-sse`, {
            bucket: bucket.id,
            rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" }, bucketKeyEnabled: true }],
        }, parent);
        new aws.s3.BucketLifecycleConfiguration(`${name}-lifecycle`, {
            bucket: bucket.id,
            // Only the database dumps age into Glacier and expire: the deploy scripts under deploy/ must stay
            // readable for a host that is replaced a year later.
            rules: [{
                id: "long-term-retention",
                status: "Enabled",
                filter: { prefix: BACKUP_PREFIX },
                transitions: [{ days: args.glacierAfterDays, storageClass: "GLACIER" }],
                expiration: { days: args.expireAfterDays },
            }, {
                id: "housekeeping",
                status: "Enabled",
                filter: {},
                noncurrentVersionExpiration: { noncurrentDays: 30 },
                abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
            }],
        }, parent);
        new aws.s3.BucketPolicy(`${name}-tls-only`, {
            bucket: bucket.id,
            policy: bucket.arn.apply((arn) => JSON.stringify(tlsOnlyPolicy(arn))),
        }, { parent: this, dependsOn: [pab] });

        this.bucketName = bucket.bucket;
        this.bucketArn = bucket.arn;
        this.registerOutputs({ bucketName: this.bucketName, bucketArn: this.bucketArn });
    }
}

/** Denies every request that does not use TLS (AWS Foundational Security Best Practices S3.5). */
export function tlsOnlyPolicy(bucketArn: string): object {
    return {
        Version: "2012-10-17",
        Statement: [{
            Sid: "DenyInsecureTransport",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: [bucketArn, `${bucketArn}/*`],
            Condition: { Bool: { "aws:SecureTransport": "false" } },
        }],
    };
}
