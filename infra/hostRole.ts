import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { named, Tags } from "./tags";

export interface HostRoleArgs {
    /** The stack's backup bucket: the host may list it and read and write objects in it, nothing else in S3. */
    backupBucketArn?: pulumi.Input<string>;
    /** ECR repositories the host pulls from (empty when images live elsewhere, e.g. GHCR). */
    ecrRepositoryArns: pulumi.Input<string>[];
    /** The RDS instance the release step snapshots before a deploy. */
    databaseArn?: pulumi.Input<string>;
    /** Secrets the host reads at boot or deploy time (RDS-managed password, registry token parameter). */
    secretArns: pulumi.Input<string>[];
    parameterArns: pulumi.Input<string>[];
    /** The Name tag of the Auto Scaling group whose instances may start its instance refresh: after the
     *  RDS-managed password rotates, new instances read the new one (db-password.sh). */
    refreshGroupName?: string;
    /** The SSM parameters (an ARN pattern) where stage 4's instances claim and record migrations. */
    migrationsArn?: string;
    tags: Tags;
}

/** Every release snapshot's id starts with this, so the role may delete those and no other snapshot. */
export const RELEASE_SNAPSHOT_PREFIX = "webapp-pre-";

const MANAGED = {
    // Session Manager: shell access with no SSH port open.
    ssm: "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
    // CloudWatch agent: publish metrics and ship logs.
    cloudwatch: "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy",
};

/** The EC2 instance role and profile, scoped to what the app hosts need. */
export class HostRole extends pulumi.ComponentResource {
    public readonly roleName: pulumi.Output<string>;
    public readonly roleArn: pulumi.Output<string>;
    public readonly instanceProfileName: pulumi.Output<string>;
    public readonly instanceProfileArn: pulumi.Output<string>;

    constructor(name: string, args: HostRoleArgs, opts?: pulumi.ComponentResourceOptions) {
        super("webapp:infra:HostRole", name, {}, opts);
        const parent = { parent: this };

        const role = new aws.iam.Role(`${name}-role`, {
            assumeRolePolicy: JSON.stringify({
                Version: "2012-10-17",
                Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
            }),
            tags: named(args.tags, `${name}-role`),
        }, parent);
        for (const [key, arn] of Object.entries(MANAGED)) {
            new aws.iam.RolePolicyAttachment(`${name}-${key}`, { role: role.name, policyArn: arn }, parent);
        }

        const grantsAnything = args.backupBucketArn !== undefined || args.ecrRepositoryArns.length > 0 || args.databaseArn !== undefined
            || args.secretArns.length > 0 || args.parameterArns.length > 0 || args.refreshGroupName !== undefined || args.migrationsArn !== undefined;
        const statements = pulumi
            .all([args.backupBucketArn, pulumi.all(args.ecrRepositoryArns), args.databaseArn, pulumi.all(args.secretArns), pulumi.all(args.parameterArns)])
            .apply(([bucket, repos, db, secrets, params]) => hostPolicyStatements({ bucket, repos, db, secrets, params, refreshGroup: args.refreshGroupName, migrations: args.migrationsArn }));
        if (grantsAnything) {
            new aws.iam.RolePolicy(`${name}-scoped`, {
                role: role.id,
                policy: statements.apply((s) => JSON.stringify({ Version: "2012-10-17", Statement: s })),
            }, parent);
        }

        const profile = new aws.iam.InstanceProfile(`${name}-profile`, { role: role.name, tags: named(args.tags, `${name}-profile`) }, parent);

        this.roleName = role.name;
        this.roleArn = role.arn;
        this.instanceProfileName = profile.name;
        this.instanceProfileArn = profile.arn;
        this.registerOutputs({ roleArn: this.roleArn, instanceProfileName: this.instanceProfileName });
    }
}

export interface HostPolicyInputs {
    bucket?: string;
    repos: string[];
    db?: string;
    secrets: string[];
    params: string[];
    refreshGroup?: string;
    migrations?: string;
}

/** The inline policy's statements: each grant names its resources; no "*" except where AWS requires it. */
export function hostPolicyStatements(p: HostPolicyInputs): object[] {
    const statements: object[] = [];
    if (p.bucket) {
        statements.push({ Sid: "BackupList", Effect: "Allow", Action: ["s3:ListBucket"], Resource: [p.bucket] });
        statements.push({ Sid: "BackupObjects", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject"], Resource: [`${p.bucket}/*`] });
    }
    if (p.repos.length > 0) {
        // GetAuthorizationToken cannot be scoped to a repository.
        statements.push({ Sid: "EcrToken", Effect: "Allow", Action: ["ecr:GetAuthorizationToken"], Resource: ["*"] });
        statements.push({ Sid: "EcrPull", Effect: "Allow", Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"], Resource: p.repos });
    }
    if (p.db) {
        statements.push({ Sid: "DbSnapshot", Effect: "Allow", Action: ["rds:CreateDBSnapshot", "rds:DescribeDBSnapshots", "rds:DescribeDBInstances", "rds:AddTagsToResource"], Resource: [p.db, p.db.replace(/:db:[^:]+$/, ":snapshot:*")] });
        // Pruning to keepReleases deletes release snapshots only (release.sh and refresh-release.sh name them webapp-pre-<time>-<version>, lib.sh snapshot_id).
        statements.push({ Sid: "DbSnapshotPrune", Effect: "Allow", Action: ["rds:DeleteDBSnapshot"], Resource: [p.db.replace(/:db:[^:]+$/, `:snapshot:${RELEASE_SNAPSHOT_PREFIX}*`)] });
    }
    if (p.secrets.length > 0) {
        statements.push({ Sid: "ReadSecrets", Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: p.secrets });
    }
    if (p.refreshGroup) {
        // Neither action takes a group ARN known before the group exists: DescribeAutoScalingInstances takes
        // no resource at all, StartInstanceRefresh is limited by the group's tag (AWS's Service Authorization
        // Reference, Amazon EC2 Auto Scaling: condition key autoscaling:ResourceTag/${TagKey}).
        statements.push({ Sid: "FindOwnGroup", Effect: "Allow", Action: ["autoscaling:DescribeAutoScalingInstances"], Resource: ["*"] });
        statements.push({ Sid: "RefreshOwnGroup", Effect: "Allow", Action: ["autoscaling:StartInstanceRefresh"], Resource: ["*"], Condition: { StringEquals: { "autoscaling:ResourceTag/Name": p.refreshGroup } } });
    }
    if (p.params.length > 0) {
        statements.push({ Sid: "ReadParameters", Effect: "Allow", Action: ["ssm:GetParameter"], Resource: p.params });
    }
    if (p.migrations) {
        statements.push({ Sid: "MigrationClaims", Effect: "Allow", Action: ["ssm:GetParameter", "ssm:PutParameter"], Resource: [p.migrations] });
    }
    return statements;
}
