import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { DATABASE_PORTS } from "../../lib/ports";
import { configOf, EXPOSURE_FIELDS, Fields, schemaOf } from "../lib/config";
import { PUBLIC_FLAGS, SUBNET_GROUP_LINKS } from "../lib/databases";
import { ExposurePolicy, findings, portsText, publicAudience, sentence } from "../lib/exposure";
import { deps, referenced } from "../lib/graph";
import { publicSubnetReason, SUBNET_TYPES } from "../lib/routes";

const FIELDS: Fields = {
    ...EXPOSURE_FIELDS,
    ports: { type: "array", items: { type: "number" }, default: DATABASE_PORTS, description: "Database ports that must never be open to the internet (PostgreSQL, MySQL, SQL Server, Oracle, MongoDB, Redis, Redshift, InfluxDB, Cassandra, OpenSearch, Memcached, Neo4j, Kafka and more, with their usual alternates)." },
};

interface Config extends ExposurePolicy {
    ports: number[];
}

/** The public subnets of the subnet group a database is placed in (by dependency or by literal name). */
function publicSubnets(r: PolicyResource, all: PolicyResource[]): string[] {
    const messages: string[] = [];
    for (const link of SUBNET_GROUP_LINKS.filter((l) => l.type === r.type)) {
        for (const group of referenced(r, link.property, link.groupType, link.groupName, all)) {
            for (const subnet of deps(group, "subnetIds", SUBNET_TYPES)) {
                const why = publicSubnetReason(subnet, all);
                if (why) messages.push(`${link.kind} ${r.name} is placed by its subnet group ${group.name} in ${why}. Put databases in private subnets with no route to an internet gateway.`);
            }
        }
    }
    return messages;
}

/** CKV_AWS_17 and more: no database is reachable from the internet, by flag, by subnet or by firewall. */
export const noPublicDatabase: StackValidationPolicy = {
    name: "no-public-database",
    description: "Databases are never reachable from the internet: not publicly accessible, not in public subnets, their ports not open to wide public ranges.",
    configSchema: schemaOf(FIELDS),
    validateStack: (args, reportViolation) => {
        const cfg = configOf<Config>(FIELDS, args.getConfig());
        const all = args.resources;
        for (const r of all) {
            for (const f of PUBLIC_FLAGS.filter((p) => p.type === r.type)) {
                const why = f.check(r);
                if (why) reportViolation(`${f.kind} ${r.name} ${why}. Keep databases private and reach them from inside the VPC.`, r.urn);
            }
            for (const message of publicSubnets(r, all)) reportViolation(message, r.urn);
        }
        for (const f of findings(all, cfg.ports, (cidr) => publicAudience(cidr, cfg))) {
            reportViolation(`${sentence(f, `database ${portsText(f.ports)}`)} Allow database ports only from the application's security group or private ranges.`, f.resource.urn);
        }
    },
};
