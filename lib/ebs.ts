// How an EBS volume shows up on an instance: one place for the program (the prepare step's device)
// and the config check (a type where it shows up so).

/** The device an attached EBS volume shows up as on a Nitro instance (NVMe, its serial the volume id without the dash). */
export function ebsDevicePath(volumeId: string): string {
    return `/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_${volumeId.replace(/-/g, "")}`;
}

// The Xen-based families (AWS: "Instances built on the AWS Nitro System" lists every other current one;
// https://docs.aws.amazon.com/ec2/latest/instancetypes/ec2-nitro-instances.html). Their EBS volumes are
// Xen block devices (/dev/xvdX), with no NVMe name. i3 is Xen but for i3.metal; p3dn is Nitro.
const XEN = /^(?:t1|t2|m1|m2|m3|m4|c1|c3|c4|cc2|cg1|cr1|g2|g3|g3s|hi1|hs1|i2|r3|r4|d2|f1|h1|p2|p3|x1|x1e)\.|^i3\.(?!metal)/;

/** Whether an instance type is built on Nitro (its EBS volumes are NVMe devices). */
export function isNitro(instanceType: string): boolean {
    return !XEN.test(instanceType);
}
