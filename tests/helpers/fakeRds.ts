// Minimal valid RDS answers for FakeAws: an instance whose status goes through `statuses` (the last one
// repeats); its manual snapshots: `snapshots`, then those created since (RDS promises no order);
// snapshot creation and deletion that echo the id they were given.
import { AwsResponses, xml } from "./fakeAws";

export interface FakeRdsArgs {
    instance: string;
    statuses: string[];
    snapshots: string[];
}

export function rdsResponses(a: FakeRdsArgs): AwsResponses {
    const created: string[] = [];
    const snapshot = (id: unknown) => `<DBSnapshot><DBSnapshotIdentifier>${String(id)}</DBSnapshotIdentifier><DBInstanceIdentifier>${a.instance}</DBInstanceIdentifier><Status>creating</Status></DBSnapshot>`;
    return {
        "rds:DescribeDBInstances": (_r, n) => xml("DescribeDBInstances", `<DBInstances><DBInstance><DBInstanceIdentifier>${a.instance}</DBInstanceIdentifier><DBInstanceStatus>${a.statuses[Math.min(n, a.statuses.length) - 1]}</DBInstanceStatus></DBInstance></DBInstances>`),
        "rds:CreateDBSnapshot": (r) => {
            created.push(String(r.params.DBSnapshotIdentifier));
            return xml("CreateDBSnapshot", snapshot(r.params.DBSnapshotIdentifier));
        },
        "rds:DescribeDBSnapshots": () => xml("DescribeDBSnapshots", `<DBSnapshots>${[...a.snapshots, ...created].map(snapshot).join("")}</DBSnapshots>`),
        "rds:DeleteDBSnapshot": (r) => xml("DeleteDBSnapshot", snapshot(r.params.DBSnapshotIdentifier)),
    };
}
