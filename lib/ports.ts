// Ports shared by config validation and the policy pack, so both refuse the same exposure.

export const SSH_PORT = 22;

/**
 * Database ports by engine, with their usual alternates (a second instance, TLS, cluster traffic):
 * never open to the internet. [from, to] inclusive.
 */
export const DATABASE_PORT_RANGES: readonly { engine: string; ports: [number, number] }[] = [
    { engine: "PostgreSQL", ports: [5432, 5433] },
    { engine: "MySQL/MariaDB", ports: [3306, 3306] },
    { engine: "MySQL X protocol", ports: [33060, 33060] },
    { engine: "SQL Server", ports: [1433, 1434] },
    { engine: "Oracle", ports: [1521, 1521] },
    { engine: "Oracle TLS", ports: [2483, 2484] },
    { engine: "MongoDB/DocumentDB", ports: [27017, 27019] },
    { engine: "Redis/Valkey", ports: [6379, 6380] },
    { engine: "Redshift", ports: [5439, 5439] },
    { engine: "InfluxDB", ports: [8086, 8086] },
    { engine: "Cassandra/Keyspaces", ports: [9042, 9042] },
    { engine: "Cassandra inter-node", ports: [7000, 7001] },
    { engine: "Elasticsearch/OpenSearch", ports: [9200, 9200] },
    { engine: "Elasticsearch transport", ports: [9300, 9300] },
    { engine: "Memcached", ports: [11211, 11211] },
    { engine: "Neo4j/Neptune", ports: [7473, 7474] },
    { engine: "Neo4j Bolt", ports: [7687, 7687] },
    { engine: "Neptune", ports: [8182, 8182] },
    { engine: "CouchDB", ports: [5984, 5984] },
    { engine: "CockroachDB", ports: [26257, 26257] },
    { engine: "ClickHouse", ports: [8123, 8123] },
    { engine: "ArangoDB", ports: [8529, 8529] },
    { engine: "RethinkDB", ports: [28015, 28015] },
    { engine: "IBM Db2", ports: [50000, 50000] },
    { engine: "Kafka", ports: [9092, 9092] },
];

/** Every database port, one number each, in ascending order. */
export const DATABASE_PORTS: number[] = DATABASE_PORT_RANGES
    .flatMap(({ ports: [from, to] }) => Array.from({ length: to - from + 1 }, (_, i) => from + i))
    .sort((a, b) => a - b);

/** Ports as short text: runs of consecutive ports become ranges ("5432-5433, 6379"). */
export function portRanges(ports: number[]): string[] {
    const sorted = [...new Set(ports)].sort((a, b) => a - b);
    const runs: [number, number][] = [];
    for (const p of sorted) {
        const last = runs[runs.length - 1];
        if (last && last[1] === p - 1) last[1] = p;
        else runs.push([p, p]);
    }
    return runs.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`));
}
