// Ports shared by config validation and the policy pack, so both refuse the same exposure.

export const SSH_PORT = 22;

/** PostgreSQL, MySQL, SQL Server, Oracle, MongoDB, Redis, Kafka: never open to the internet. */
export const DATABASE_PORTS = [5432, 3306, 1433, 1521, 27017, 6379, 9092];
