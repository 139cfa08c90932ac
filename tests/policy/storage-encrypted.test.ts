import { table } from "./harness";

const m = (name: string, field: string) => `${name} stores data unencrypted: set ${field} to true.`;

describe("policy storage-encrypted", () => {
    table("storage-encrypted", [
        {
            what: "encrypted volume, instance, launch template and RDS",
            program: `new aws.ebs.Volume("v", { availabilityZone: "us-east-1a", size: 10, encrypted: true });
new aws.ec2.Instance("host", { ami: "ami-1", instanceType: "t3.micro", rootBlockDevice: { encrypted: true }, ebsBlockDevices: [{ deviceName: "/dev/sdf", encrypted: true }] });
new aws.ec2.LaunchTemplate("lt", { blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { encrypted: "true" } }] });
new aws.rds.Instance("db", { engine: "postgres", instanceClass: "db.t4g.micro", allocatedStorage: 20, storageEncrypted: true });`,
            expect: [],
        },
        { what: "a volume without encryption", program: `new aws.ebs.Volume("v", { availabilityZone: "us-east-1a", size: 10 });`, expect: [m("v", "encrypted")] },
        { what: "an instance whose root volume is not encrypted", program: `new aws.ec2.Instance("host", { ami: "ami-1", instanceType: "t3.micro" });`, expect: [m("host", "rootBlockDevice.encrypted")] },
        { what: "an instance with an unencrypted extra EBS device", program: `new aws.ec2.Instance("host", { ami: "ami-1", instanceType: "t3.micro", rootBlockDevice: { encrypted: true }, ebsBlockDevices: [{ deviceName: "/dev/sdf", encrypted: false }] });`, expect: [m("host", "ebsBlockDevices[0].encrypted")] },
        { what: "a launch template with an unencrypted block device", program: `new aws.ec2.LaunchTemplate("lt", { blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { encrypted: "false" } }] });`, expect: [m("lt", "blockDeviceMappings[0].ebs.encrypted")] },
        { what: "a launch template with no block devices", program: `new aws.ec2.LaunchTemplate("lt", {});`, expect: [m("lt", "blockDeviceMappings (none: the AMI's unencrypted default applies)")] },
        { what: "RDS without storage encryption", program: `new aws.rds.Instance("db", { engine: "postgres", instanceClass: "db.t4g.micro", allocatedStorage: 20 });`, expect: [m("db", "storageEncrypted")] },
        { what: "an Aurora cluster without storage encryption", program: `new aws.rds.Cluster("aurora", { engine: "aurora-postgresql" });`, expect: [m("aurora", "storageEncrypted")] },
    ]);
});
