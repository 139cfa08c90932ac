import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { named, Tags } from "./tags";

export interface DatabaseArgs {
    /** Private subnets in at least two AZs. */
    subnetIds: pulumi.Input<string>[];
    securityGroupId: pulumi.Input<string>;
    instanceClass: string;
    allocatedStorageGiB: number;
    engineVersion: string;
    dbName: string;
    username: string;
    /** A Pulumi secret; when undefined RDS generates the password and keeps it in Secrets Manager. */
    password?: pulumi.Input<string>;
    backupRetentionDays: number;
    multiAz: boolean;
    deletionProtection: boolean;
    /** Take a final snapshot on delete (production). */
    finalSnapshot: boolean;
    tags: Tags;
}

/** RDS PostgreSQL in private subnets: encrypted, backed up, never publicly accessible. */
export class Database extends pulumi.ComponentResource {
    public readonly address: pulumi.Output<string>;
    public readonly endpoint: pulumi.Output<string>;
    public readonly port: pulumi.Output<number>;
    public readonly arn: pulumi.Output<string>;
    public readonly identifier: pulumi.Output<string>;
    /** The Secrets Manager secret of an RDS-managed password (undefined when the password is a Pulumi secret). */
    public readonly secretArn?: pulumi.Output<string>;

    constructor(name: string, args: DatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("webapp:infra:Database", name, {}, opts);
        const parent = { parent: this };

        const subnetGroup = new aws.rds.SubnetGroup(`${name}-subnets`, { subnetIds: args.subnetIds, tags: named(args.tags, `${name}-subnets`) }, parent);
        const managed = args.password === undefined;
        // A final snapshot's id must be new: a fixed one fails the second deletion (after a re-create)
        // with DBSnapshotAlreadyExists. A random suffix lives and dies with the stack's database, so a
        // re-created stack draws a new one. Letters, digits and single hyphens, as RDS requires.
        const finalSnapshotId = args.finalSnapshot
            ? new random.RandomId(`${name}-final-snapshot`, { byteLength: 4 }, parent).hex.apply((hex) => `${name}-final-${hex}`)
            : undefined;
        const db = new aws.rds.Instance(`${name}-pg`, {
            engine: "postgres",
            engineVersion: args.engineVersion,
            instanceClass: args.instanceClass,
            allocatedStorage: args.allocatedStorageGiB,
            // Storage grows by itself up to twice the size instead of filling up.
            maxAllocatedStorage: args.allocatedStorageGiB * 2,
            storageType: "gp3",
            storageEncrypted: true,
            dbName: args.dbName,
            username: args.username,
            password: args.password,
            manageMasterUserPassword: managed ? true : undefined,
            dbSubnetGroupName: subnetGroup.name,
            vpcSecurityGroupIds: [args.securityGroupId],
            publiclyAccessible: false,
            multiAz: args.multiAz,
            backupRetentionPeriod: args.backupRetentionDays,
            backupWindow: "17:00-18:00",
            maintenanceWindow: "sun:18:30-sun:19:30",
            copyTagsToSnapshot: true,
            deletionProtection: args.deletionProtection,
            skipFinalSnapshot: !args.finalSnapshot,
            finalSnapshotIdentifier: finalSnapshotId,
            autoMinorVersionUpgrade: true,
            iamDatabaseAuthenticationEnabled: true,
            tags: named(args.tags, `${name}-pg`),
        }, { parent: this, additionalSecretOutputs: ["password"] });

        this.address = db.address;
        this.endpoint = db.endpoint;
        this.port = db.port;
        this.arn = db.arn;
        this.identifier = db.identifier;
        this.secretArn = managed ? db.masterUserSecrets.apply((s) => s?.[0]?.secretArn ?? "") : undefined;
        this.registerOutputs({ endpoint: this.endpoint, arn: this.arn, secretArn: this.secretArn });
    }
}
