import { ResourceValidationPolicy } from "@pulumi/policy";

type Props = Record<string, unknown>;

/** Where each storage type keeps its encryption switch, and what "on" looks like there. */
function unencrypted(type: string, props: Props): string[] {
    const on = (v: unknown) => v === true || v === "true";
    switch (type) {
        case "aws:ebs/volume:Volume":
            return on(props.encrypted) ? [] : ["encrypted"];
        case "aws:ec2/instance:Instance": {
            const found: string[] = [];
            const root = props.rootBlockDevice as Props | undefined;
            if (!on(root?.encrypted)) found.push("rootBlockDevice.encrypted");
            ((props.ebsBlockDevices as Props[] | undefined) ?? []).forEach((d, i) => on(d.encrypted) || found.push(`ebsBlockDevices[${i}].encrypted`));
            return found;
        }
        case "aws:ec2/launchTemplate:LaunchTemplate": {
            const mappings = (props.blockDeviceMappings as Props[] | undefined) ?? [];
            if (mappings.length === 0) return ["blockDeviceMappings (none: the AMI's unencrypted default applies)"];
            return mappings.flatMap((m, i) => (m.ebs && !on((m.ebs as Props).encrypted) ? [`blockDeviceMappings[${i}].ebs.encrypted`] : []));
        }
        case "aws:rds/instance:Instance":
        case "aws:rds/cluster:Cluster":
            return on(props.storageEncrypted) ? [] : ["storageEncrypted"];
        default:
            return [];
    }
}

export const storageEncrypted: ResourceValidationPolicy = {
    name: "storage-encrypted",
    description: "EBS volumes, instance and launch-template block devices and RDS storage must be encrypted at rest.",
    validateResource: (args, reportViolation) => {
        for (const field of unencrypted(args.type, args.props)) {
            reportViolation(`${args.name} stores data unencrypted: set ${field} to true.`);
        }
    },
};
