// Plausible cloud answers, as the Mocks of an update: computed outputs of created resources, and the
// data sources (dataSources.ts). Deterministic, so two runs of the same program compare cleanly.
// Addresses come from the documentation ranges (RFC 5737).
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import { dataSource, MOCK_ACCOUNT, shortHash } from "./dataSources";

function hashByte(text: string, salt: string): number {
    return createHash("sha256").update(`${salt}:${text}`).digest()[0];
}

export class CloudMocks implements pulumi.runtime.Mocks {
    constructor(private readonly region: string) {}

    newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: Record<string, unknown> } {
        const id = args.id || `${args.name}-${shortHash(args.type + args.name)}`;
        return { id, state: { ...args.inputs, ...this.computed(args, id) } };
    }

    private computed(args: pulumi.runtime.MockResourceArgs, id: string): Record<string, unknown> {
        const r = this.region;
        const [pkg, mod] = args.type.split(":");
        const service = (mod ?? "").split("/")[0];
        const name = args.inputs.name ?? args.name;
        const publicIp = `203.0.113.${1 + (hashByte(args.name, "public") % 250)}`;
        const privateIp = `10.0.${hashByte(args.name, "net") % 16}.${4 + (hashByte(args.name, "host") % 250)}`;
        const base: Record<string, unknown> = pkg === "aws" ? { arn: `arn:aws:${service}:${r}:${MOCK_ACCOUNT}:${service}/${id}` } : {};
        switch (args.type) {
            case "aws:ec2/instance:Instance":
                return { ...base, publicIp: args.inputs.associatePublicIpAddress === false ? "" : publicIp, privateIp, availabilityZone: `${r}a` };
            case "aws:ec2/eip:Eip":
                return { ...base, publicIp, allocationId: `eipalloc-${shortHash(id)}` };
            case "aws:lb/loadBalancer:LoadBalancer":
                return { ...base, arnSuffix: `app/${name}/${shortHash(id)}`, dnsName: `${name}-${shortHash(id)}.${r}.elb.amazonaws.com`, zoneId: "ZWKZPGTI48KDX" };
            // ACM DescribeCertificate, DomainValidation.ResourceRecord: a CNAME under the domain pointing at acm-validations.aws.
            case "aws:acm/certificate:Certificate":
                return { ...base, status: "PENDING_VALIDATION", domainValidationOptions: [{ domainName: args.inputs.domainName, resourceRecordName: `_${shortHash(id)}.${args.inputs.domainName}.`, resourceRecordType: "CNAME", resourceRecordValue: `_${shortHash(`${id}v`)}.acm-validations.aws.` }] };
            case "aws:route53/record:Record":
                return { fqdn: String(args.inputs.name).replace(/\.$/, "") };
            case "aws:lb/targetGroup:TargetGroup":
                return { ...base, arnSuffix: `targetgroup/${name}/${shortHash(id)}` };
            case "aws:rds/instance:Instance": {
                const address = `${name}.${shortHash(id)}.${r}.rds.amazonaws.com`;
                const port = args.inputs.port ?? 5432;
                const secrets = args.inputs.manageMasterUserPassword
                    ? [{ secretArn: `arn:aws:secretsmanager:${r}:${MOCK_ACCOUNT}:secret:rds!db-${shortHash(id)}`, secretStatus: "active", kmsKeyId: "" }]
                    : [];
                return { ...base, arn: `arn:aws:rds:${r}:${MOCK_ACCOUNT}:db:${name}`, identifier: name, address, port, endpoint: `${address}:${port}`, masterUserSecrets: secrets };
            }
            case "aws:s3/bucket:Bucket": {
                const bucket = args.inputs.bucket ?? `${args.name}-${shortHash(id)}`;
                return { bucket, arn: `arn:aws:s3:::${bucket}`, bucketRegionalDomainName: `${bucket}.s3.${r}.amazonaws.com` };
            }
            case "aws:ec2/launchTemplate:LaunchTemplate":
                return { ...base, latestVersion: 1, defaultVersion: 1 };
            case "aws:iam/role:Role":
            case "aws:iam/instanceProfile:InstanceProfile":
                return { arn: `arn:aws:iam::${MOCK_ACCOUNT}:${args.type.endsWith("Role") ? "role" : "instance-profile"}/${name}`, name };
            case "aws:ec2/vpc:Vpc":
            case "aws:ec2/defaultVpc:DefaultVpc":
                // The VPC's own main route table, security group and network ACL, which programs adopt.
                return { ...base, mainRouteTableId: `rtb-${shortHash(id + "main")}`, defaultRouteTableId: `rtb-${shortHash(id + "main")}`, defaultSecurityGroupId: `sg-${shortHash(id)}`, defaultNetworkAclId: `acl-${shortHash(id)}`, ownerId: MOCK_ACCOUNT };
            case "aws:ec2/subnet:Subnet":
                return { ...base, availabilityZone: args.inputs.availabilityZone ?? `${r}a` };
            case "random:index/randomPassword:RandomPassword":
                return { result: `mock-${shortHash(id)}-password` };
            case "random:index/randomString:RandomString":
                // The provider always sets result, of the length asked; a resource built on it depends on it.
                return { result: shortHash(id).repeat(8).slice(0, Number(args.inputs.length ?? 16)) };
            case "random:index/randomUuid:RandomUuid": {
                const h = shortHash(id).repeat(4);
                return { result: `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}` };
            }
            case "random:index/randomId:RandomId":
                // The provider replaces it, with a new value, when its keepers change.
                return { hex: shortHash(args.inputs.keepers === undefined ? id : id + JSON.stringify(args.inputs.keepers)).slice(0, 2 * Number(args.inputs.byteLength ?? 4)) };
            default:
                return { ...base, name };
        }
    }

    call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
        return dataSource(args.token, args.inputs as Record<string, unknown>, this.region);
    }
}
