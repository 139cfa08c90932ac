// Plausible answers of the data sources real AWS programs call (pulumi/examples and the like): what a
// fresh account in the region would return. Results have the shape of the provider's Get...Result, so a
// program that indexes them (`getOrganization().roots[0].id`) runs; a data source not listed gets the
// shape its package declares, filled in (resultShapes.ts).
import { createHash } from "crypto";
import { plausibleResult } from "./resultShapes";

export const MOCK_ACCOUNT = "123456789012";

type Dict = Record<string, unknown>;

export function shortHash(text: string): string {
    return createHash("sha256").update(text).digest("hex").slice(0, 8);
}

/** A statement of aws.iam.getPolicyDocument as IAM JSON (keys as IAM writes them). */
function iamStatement(s: Dict): Dict {
    const list = (v: unknown) => (Array.isArray(v) && v.length === 1 ? v[0] : v);
    const principals = (ps: unknown) => {
        if (!Array.isArray(ps)) return undefined;
        const out: Dict = {};
        for (const p of ps as Dict[]) out[String(p.type)] = list(p.identifiers);
        return out;
    };
    const conditions = (cs: unknown) => {
        if (!Array.isArray(cs)) return undefined;
        const out: Record<string, Dict> = {};
        for (const c of cs as Dict[]) (out[String(c.test)] ??= {})[String(c.variable)] = list(c.values);
        return out;
    };
    const doc: Dict = {
        Sid: s.sid,
        Effect: s.effect ?? "Allow",
        Action: list(s.actions),
        NotAction: list(s.notActions),
        Resource: list(s.resources),
        NotResource: list(s.notResources),
        Principal: principals(s.principals),
        NotPrincipal: principals(s.notPrincipals),
        Condition: conditions(s.conditions),
    };
    return Object.fromEntries(Object.entries(doc).filter(([, v]) => v !== undefined));
}

export function dataSource(token: string, inputs: Dict, region: string): Dict {
    const r = region;
    const acct = MOCK_ACCOUNT;
    switch (token) {
        case "aws:index/getAvailabilityZones:getAvailabilityZones":
            return { id: r, names: ["a", "b", "c"].map((z) => r + z), zoneIds: [1, 2, 3].map((n) => `apne2-az${n}`), state: "available" };
        case "aws:ec2/getAmi:getAmi": {
            const arch = JSON.stringify(inputs.filters ?? "").includes("arm64") ? "arm64" : "x86_64";
            return { id: `ami-0${shortHash(r + arch)}${shortHash(arch)}`.slice(0, 21), architecture: arch, name: `al2023-ami-2023.6.20251101.0-kernel-6.1-${arch}`, imageId: `ami-0${shortHash(r + arch)}`, rootDeviceName: "/dev/xvda", ownerId: "137112412989" };
        }
        case "aws:index/getCallerIdentity:getCallerIdentity":
            return { accountId: acct, arn: `arn:aws:iam::${acct}:user/plan`, userId: "AIDAPLANOFFLINE", id: acct };
        case "aws:index/getRegion:getRegion":
            return { id: r, name: r, region: r, endpoint: `ec2.${r}.amazonaws.com`, description: r };
        case "aws:index/getPartition:getPartition":
            return { id: "aws", partition: "aws", dnsSuffix: "amazonaws.com", reverseDnsPrefix: "com.amazonaws" };
        case "aws:organizations/getOrganization:getOrganization": {
            const account = { id: acct, arn: `arn:aws:organizations::${acct}:account/o-plan0ffline/${acct}`, name: "management", email: "aws@example.com", status: "ACTIVE" };
            return {
                id: "o-plan0ffline", arn: `arn:aws:organizations::${acct}:organization/o-plan0ffline`, featureSet: "ALL",
                masterAccountId: acct, masterAccountArn: account.arn, masterAccountEmail: account.email, masterAccountName: account.name,
                roots: [{ id: "r-pl4n", arn: `arn:aws:organizations::${acct}:root/o-plan0ffline/r-pl4n`, name: "Root", policyTypes: [{ status: "ENABLED", type: "SERVICE_CONTROL_POLICY" }] }],
                accounts: [account], nonMasterAccounts: [], awsServiceAccessPrincipals: [], enabledPolicyTypes: ["SERVICE_CONTROL_POLICY"],
            };
        }
        case "aws:iam/getPolicyDocument:getPolicyDocument": {
            const json = JSON.stringify({ Version: inputs.version ?? "2012-10-17", Statement: ((inputs.statements as Dict[] | undefined) ?? []).map(iamStatement) }, null, 2);
            return { id: shortHash(json), json, minifiedJson: JSON.stringify(JSON.parse(json)) };
        }
        case "aws:ec2/getVpc:getVpc":
            return { id: "vpc-0def4017", arn: `arn:aws:ec2:${r}:${acct}:vpc/vpc-0def4017`, cidrBlock: "172.31.0.0/16", default: true, state: "available", ownerId: acct, mainRouteTableId: "rtb-0def4017", enableDnsHostnames: true, enableDnsSupport: true, tags: {} };
        case "aws:ec2/getSubnets:getSubnets":
        case "aws:ec2/getSubnetIds:getSubnetIds":
        case "aws:ec2/getVpcs:getVpcs":
            return { id: r, ids: token.includes("Vpcs") ? ["vpc-0def4017"] : ["a", "b", "c"].map((z) => `subnet-0def${z}017`), filters: inputs.filters };
        case "aws:ec2/getSubnet:getSubnet":
            return { id: inputs.id ?? "subnet-0defa017", arn: `arn:aws:ec2:${r}:${acct}:subnet/subnet-0defa017`, vpcId: inputs.vpcId ?? "vpc-0def4017", cidrBlock: "172.31.0.0/20", availabilityZone: `${r}a`, mapPublicIpOnLaunch: true, tags: {} };
        case "aws:ec2/getSecurityGroup:getSecurityGroup":
            return { id: inputs.id ?? "sg-0def4017", arn: `arn:aws:ec2:${r}:${acct}:security-group/sg-0def4017`, name: inputs.name ?? "default", vpcId: inputs.vpcId ?? "vpc-0def4017", description: "default VPC security group", tags: {} };
        case "aws:route53/getZone:getZone": {
            const name = String(inputs.name ?? "example.com").replace(/\.$/, "");
            return { id: "Z0PLAN0FFLINE", zoneId: "Z0PLAN0FFLINE", name, arn: `arn:aws:route53:::hostedzone/Z0PLAN0FFLINE`, privateZone: Boolean(inputs.privateZone), nameServers: [1, 2, 3, 4].map((n) => `ns-${n}.awsdns-0${n}.net`), resourceRecordSetCount: 2, tags: {} };
        }
        case "aws:acm/getCertificate:getCertificate":
            return { id: `arn:aws:acm:${r}:${acct}:certificate/${shortHash(String(inputs.domain))}`, arn: `arn:aws:acm:${r}:${acct}:certificate/${shortHash(String(inputs.domain))}`, domain: inputs.domain, status: "ISSUED", tags: {} };
        case "aws:iam/getRole:getRole":
            return { id: inputs.name, name: inputs.name, arn: `arn:aws:iam::${acct}:role/${String(inputs.name)}`, assumeRolePolicy: "{}", path: "/", tags: {} };
        case "aws:iam/getPolicy:getPolicy":
            return { id: inputs.arn ?? `arn:aws:iam::${acct}:policy/${String(inputs.name)}`, arn: inputs.arn ?? `arn:aws:iam::${acct}:policy/${String(inputs.name)}`, name: inputs.name ?? "policy", policy: "{}", path: "/", tags: {} };
        case "aws:iam/getSessionContext:getSessionContext":
            return { id: inputs.arn, arn: inputs.arn, issuerArn: inputs.arn, issuerId: "AROAPLANOFFLINE", issuerName: "plan" };
        case "aws:kms/getKey:getKey":
        case "aws:kms/getAlias:getAlias":
            return { id: inputs.keyId ?? inputs.name, arn: `arn:aws:kms:${r}:${acct}:key/${shortHash(String(inputs.keyId ?? inputs.name))}`, targetKeyId: shortHash(String(inputs.keyId ?? inputs.name)), name: inputs.name };
        case "aws:ecr/getAuthorizationToken:getAuthorizationToken":
            return { id: r, userName: "AWS", password: "offline-token", authorizationToken: "QVdTOm9mZmxpbmUtdG9rZW4=", proxyEndpoint: `https://${acct}.dkr.ecr.${r}.amazonaws.com`, expiresAt: "2030-01-01T00:00:00Z" };
        case "aws:ssm/getParameter:getParameter":
            return { id: inputs.name, name: inputs.name, arn: `arn:aws:ssm:${r}:${acct}:parameter${String(inputs.name).startsWith("/") ? "" : "/"}${String(inputs.name)}`, type: "String", value: `offline-${shortHash(String(inputs.name))}`, insecureValue: `offline-${shortHash(String(inputs.name))}`, version: 1 };
        case "aws:elb/getServiceAccount:getServiceAccount":
            return { id: "600734575887", arn: "arn:aws:iam::600734575887:root" };
        case "aws:s3/getBucket:getBucket":
            return { id: inputs.bucket, bucket: inputs.bucket, arn: `arn:aws:s3:::${String(inputs.bucket)}`, bucketDomainName: `${String(inputs.bucket)}.s3.amazonaws.com`, bucketRegionalDomainName: `${String(inputs.bucket)}.s3.${r}.amazonaws.com`, region: r, hostedZoneId: "Z3AQBSTGFYJSTF" };
        default: {
            // The rest: the shape the package declares, filled in; else the inputs back with the usual identifiers.
            const declared = plausibleResult(token, inputs, r);
            if (declared) return declared;
            const fn = token.split(":").pop() ?? token;
            const id = `${fn.replace(/^get/, "").toLowerCase()}-${shortHash(JSON.stringify(inputs))}`;
            return { arn: `arn:aws:${token.split(/[:/]/)[1]}:${r}:${acct}:${id}`, name: id, ...inputs, id };
        }
    }
}
