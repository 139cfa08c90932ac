import { table } from "./harness";

const db = (extra: string) => `new aws.rds.Instance("db", { engine: "postgres", instanceClass: "db.t4g.micro", allocatedStorage: 20, storageEncrypted: true${extra} });`;
const prod = { "db-backup-retention": { requireDeletionProtection: true } };

describe("policy db-backup-retention", () => {
    table("db-backup-retention", [
        { what: "seven days of backups", program: db(", backupRetentionPeriod: 7"), expect: [] },
        { what: "production with deletion protection", program: db(", backupRetentionPeriod: 14, deletionProtection: true"), config: prod, expect: [] },
        { what: "three days of backups", program: db(", backupRetentionPeriod: 3"), expect: ["db keeps backups for 3 days; set backupRetentionPeriod to at least 7."] },
        { what: "backups left to the AWS default", program: db(""), expect: ["db keeps backups for the AWS default of 1 day; set backupRetentionPeriod to at least 7."] },
        { what: "a longer minimum from the config", program: db(", backupRetentionPeriod: 7"), config: { "db-backup-retention": { minRetentionDays: 14 } }, expect: ["db keeps backups for 7 days; set backupRetentionPeriod to at least 14."] },
        { what: "production without deletion protection", program: db(", backupRetentionPeriod: 7"), config: prod, expect: ["db has no deletion protection; set deletionProtection to true for production databases."] },
        { what: "an Aurora cluster with one day", program: `new aws.rds.Cluster("aurora", { engine: "aurora-postgresql", backupRetentionPeriod: 1 });`, expect: ["aurora keeps backups for 1 days; set backupRetentionPeriod to at least 7."] },
    ]);
});
