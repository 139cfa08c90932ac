// The database services of @pulumi/aws that can be reached from the internet by a flag or by having
// no VPC at all, and the subnet group each one is placed in. Property names as in node_modules/@pulumi/aws.
import { PolicyResource } from "@pulumi/policy";
import { peek, plain, record } from "./graph";

/** A database service whose own settings can make it public. */
export interface PublicFlag {
    type: string;
    /** How a person names it: "RDS instance". */
    kind: string;
    /** Why the resource is public as written, or undefined. */
    check(r: PolicyResource): string | undefined;
}

/**
 * A boolean flag set to true (`publiclyAccessible` unless named); where the provider leaves an unset flag
 * to an API whose default is true, a missing flag too.
 */
function flag(type: string, kind: string, { defaultTrue = false, property = "publiclyAccessible" } = {}): PublicFlag {
    return {
        type,
        kind,
        check: (r) => {
            const v = peek(() => r.props[property]);
            if (v === true) return `has ${property} set to true, so AWS gives it a public address`;
            if (defaultTrue && v === undefined && !(r.propertyDependencies[property]?.length)) return `leaves ${property} unset, and AWS then gives it a public address`;
            return undefined;
        },
    };
}

/** Search domains without vpcOptions get a public endpoint; only the access policy stands in front of it. */
function searchDomain(type: string, kind: string): PublicFlag {
    return {
        type,
        kind,
        check: (r) => {
            const vpc = plain(() => r.props.vpcOptions);
            return vpc === undefined || vpc === null ? "has no vpcOptions, so its endpoint is on the internet" : undefined;
        },
    };
}

// DocumentDB has no such flag: AWS never gives it a public address (its subnet group and port are still checked).
export const PUBLIC_FLAGS: PublicFlag[] = [
    flag("aws:rds/instance:Instance", "RDS instance"),
    flag("aws:rds/clusterInstance:ClusterInstance", "RDS cluster instance"),
    flag("aws:rds/shardGroup:ShardGroup", "Aurora shard group"),
    flag("aws:neptune/clusterInstance:ClusterInstance", "Neptune instance"),
    flag("aws:redshift/cluster:Cluster", "Redshift cluster"),
    flag("aws:redshiftserverless/workgroup:Workgroup", "Redshift Serverless workgroup"),
    flag("aws:lightsail/database:Database", "Lightsail database"),
    flag("aws:timestreaminfluxdb/dbInstance:DbInstance", "Timestream for InfluxDB instance"),
    flag("aws:timestreaminfluxdb/dbCluster:DbCluster", "Timestream for InfluxDB cluster"),
    // DMS's API defaults PubliclyAccessible to true, but the provider's ReplicationInstance always sends the
    // flag (false when unset: terraform-provider-aws internal/service/dms/replication_instance.go), while its
    // InstanceProfile leaves an unset flag to the API ("Default is `true`", dms/instanceProfile.d.ts).
    flag("aws:dms/replicationInstance:ReplicationInstance", "DMS replication instance"),
    flag("aws:dms/instanceProfile:InstanceProfile", "DMS instance profile", { defaultTrue: true }),
    // "When the Graph is publicly reachable, its DNS endpoint resolves to the public IP address" (neptunegraph/graph.d.ts).
    flag("aws:neptunegraph/graph:Graph", "Neptune Analytics graph", { property: "publicConnectivity" }),
    searchDomain("aws:opensearch/domain:Domain", "OpenSearch domain"),
    searchDomain("aws:elasticsearch/domain:Domain", "Elasticsearch domain"),
    {
        type: "aws:opensearch/serverlessSecurityPolicy:ServerlessSecurityPolicy",
        kind: "OpenSearch Serverless network policy",
        check: (r) => {
            const policy = peek(() => r.props.policy);
            if (peek(() => r.props.type) !== "network" || typeof policy !== "string") return undefined;
            let doc: unknown;
            try {
                doc = JSON.parse(policy);
            } catch {
                return undefined;
            }
            const rules = (Array.isArray(doc) ? doc : [doc]) as Record<string, unknown>[];
            return rules.some((x) => x?.AllowFromPublic === true) ? "sets AllowFromPublic, so its collections' endpoints are on the internet" : undefined;
        },
    },
    {
        type: "aws:msk/cluster:Cluster",
        kind: "MSK cluster",
        check: (r) => {
            const access = record(record(record(plain(() => r.props.brokerNodeGroupInfo)).connectivityInfo).publicAccess);
            return access.type === "SERVICE_PROVIDED_EIPS" ? "has public access SERVICE_PROVIDED_EIPS, so its brokers get public addresses" : undefined;
        },
    },
];

/** A database and the property naming its subnet group; the group lists its subnets in subnetIds. */
export interface SubnetGroupLink {
    type: string;
    kind: string;
    property: string;
    groupType: string;
    /** The group's property holding the name a database refers to it by. */
    groupName: string;
}

const rdsGroup = "aws:rds/subnetGroup:SubnetGroup";
export const SUBNET_GROUP_LINKS: SubnetGroupLink[] = [
    { type: "aws:rds/instance:Instance", kind: "RDS instance", property: "dbSubnetGroupName", groupType: rdsGroup, groupName: "name" },
    { type: "aws:rds/cluster:Cluster", kind: "RDS cluster", property: "dbSubnetGroupName", groupType: rdsGroup, groupName: "name" },
    { type: "aws:docdb/cluster:Cluster", kind: "DocumentDB cluster", property: "dbSubnetGroupName", groupType: "aws:docdb/subnetGroup:SubnetGroup", groupName: "name" },
    { type: "aws:neptune/cluster:Cluster", kind: "Neptune cluster", property: "neptuneSubnetGroupName", groupType: "aws:neptune/subnetGroup:SubnetGroup", groupName: "name" },
    { type: "aws:redshift/cluster:Cluster", kind: "Redshift cluster", property: "clusterSubnetGroupName", groupType: "aws:redshift/subnetGroup:SubnetGroup", groupName: "name" },
    { type: "aws:dms/replicationInstance:ReplicationInstance", kind: "DMS replication instance", property: "replicationSubnetGroupId", groupType: "aws:dms/replicationSubnetGroup:ReplicationSubnetGroup", groupName: "replicationSubnetGroupId" },
];
