import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** Graviton families (t4g, m7g, c7gn...) need arm64 images; everything else x86_64. */
export function architectureOf(instanceType: string): "arm64" | "x86_64" {
    return /^[a-z]+\d+g[a-z]*\./.test(instanceType) ? "arm64" : "x86_64";
}

/** The newest Amazon Linux 2023 AMI for the instance type, looked up rather than hard-coded per region. */
export function amazonLinux2023(instanceType: string, opts?: pulumi.InvokeOutputOptions): pulumi.Output<string> {
    const arch = architectureOf(instanceType);
    return aws.ec2.getAmiOutput({
        owners: ["amazon"],
        mostRecent: true,
        filters: [
            { name: "name", values: [`al2023-ami-2023.*-${arch}`] },
            { name: "architecture", values: [arch] },
            { name: "virtualization-type", values: ["hvm"] },
        ],
    }, opts).id;
}
