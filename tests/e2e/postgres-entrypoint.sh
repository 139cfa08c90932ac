#!/bin/sh
# The e2e's stand-in for the official postgres image's entrypoint (a test image, not for hosts): the
# contract that prepare-host.sh relies on, as https://hub.docker.com/_/postgres documents it under
# "Environment Variables": POSTGRES_PASSWORD is required and is the superuser's password;
# POSTGRES_USER names that superuser (default postgres); POSTGRES_DB is the database created on the
# first start (default POSTGRES_USER); PGDATA (/var/lib/postgresql/data) is initialised only when it
# holds no cluster. As that image does: socket connections inside the container are trusted (the
# backups' `exec webapp-db pg_dump`), TCP ones need the password (scram-sha-256), the server listens
# on every container address and runs in the foreground; any other command (psql, pg_dump) runs as given.
set -eu
if [ "${1#-}" != "${1:-}" ]; then set -- postgres "$@"; fi

if [ "${1:-}" = postgres ] && [ "$(id -u)" = 0 ]; then
  mkdir -p "${PGDATA}" /var/run/postgresql
  chown -R postgres:postgres "${PGDATA}" /var/run/postgresql
  chmod 700 "${PGDATA}"
  # Again as postgres (the official image uses gosu; busybox's su keeps the environment with -p).
  # shellcheck disable=SC2016  # expanded by the shell su starts
  exec su -p -s /bin/sh postgres -c 'exec "$0" "$@"' "$0" "$@"
fi

if [ "${1:-}" = postgres ] && [ ! -s "${PGDATA}/PG_VERSION" ]; then
  : "${POSTGRES_PASSWORD:?is required, as by the official image}"
  user=${POSTGRES_USER:-postgres}
  db=${POSTGRES_DB:-${user}}
  # The password goes to initdb on stdin: never on a command line.
  printf '%s\n' "${POSTGRES_PASSWORD}" | initdb -D "${PGDATA}" -U "${user}" --pwfile=/dev/stdin -E UTF8 --locale=C \
    --auth-local=trust --auth-host=scram-sha-256 >/dev/null
  printf 'host all all all scram-sha-256\n' >> "${PGDATA}/pg_hba.conf"
  printf "listen_addresses = '*'\n" >> "${PGDATA}/postgresql.conf"
  if [ "${db}" != postgres ]; then
    printf 'CREATE DATABASE "%s";\n' "${db}" | postgres --single -D "${PGDATA}" postgres >/dev/null
  fi
  echo "PostgreSQL init process complete; ready for start up."
fi
exec "$@"
