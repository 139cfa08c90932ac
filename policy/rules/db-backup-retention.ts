import { ResourceValidationPolicy } from "@pulumi/policy";
import { configOf, Fields, schemaOf } from "../lib/config";

const FIELDS: Fields = {
    minRetentionDays: { type: "number", default: 7, description: "Automated backups must be kept at least this many days." },
    requireDeletionProtection: { type: "boolean", default: false, description: "Require deletion protection (true in policy/config/prod.json)." },
};

interface Config {
    minRetentionDays: number;
    requireDeletionProtection: boolean;
}

const TYPES = ["aws:rds/instance:Instance", "aws:rds/cluster:Cluster"];

export const dbBackupRetention: ResourceValidationPolicy = {
    name: "db-backup-retention",
    description: "Databases keep automated backups for at least 7 days, and production databases cannot be deleted by accident.",
    configSchema: schemaOf(FIELDS),
    validateResource: (args, reportViolation) => {
        if (!TYPES.includes(args.type)) return;
        const cfg = configOf<Config>(FIELDS, args.getConfig());
        const days = args.props.backupRetentionPeriod as number | undefined;
        if (days === undefined || days < cfg.minRetentionDays) {
            reportViolation(`${args.name} keeps backups ${days === undefined ? "for the AWS default of 1 day" : `for ${days} days`}; set backupRetentionPeriod to at least ${cfg.minRetentionDays}.`);
        }
        if (cfg.requireDeletionProtection && args.props.deletionProtection !== true) {
            reportViolation(`${args.name} has no deletion protection; set deletionProtection to true for production databases.`);
        }
    },
};
