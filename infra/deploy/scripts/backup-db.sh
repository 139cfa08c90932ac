#!/usr/bin/env bash
# Backs up the on-host database: pg_dump (custom format) from the database container or the system
# PostgreSQL, kept in the backup directory for 7 days, copied to s3://BUCKET/db/<host>/<id>.dump
# (the bucket's lifecycle ages db/), and only when all of that worked, the time of this backup goes
# to the last-backup marker that the probe publishes as BackupAgeHours. Any failure: non-zero, the
# marker unchanged. Run by webapp-backup.timer and, before each release, by release.sh.
#
# Usage: backup-db.sh --db host-container|host-system [--cli "docker"] [--db-port 5432]
#          [--bucket BUCKET --region R] [--id ID] [--keep-days 7]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "${here}/lib.sh"

db="" db_port=5432 bucket="" region="" id="" keep_days=7
while [[ $# -gt 0 ]]; do
  case "$1" in
    --db) db=$2; shift 2 ;;
    --cli) set_cli "$2"; shift 2 ;;
    --db-port) db_port=$2; shift 2 ;;
    --bucket) bucket=$2; shift 2 ;;
    --region) region=$2; shift 2 ;;
    --id) id=$2; shift 2 ;;
    --keep-days) keep_days=$2; shift 2 ;;
    *) die "unknown argument '$1'" ;;
  esac
done
[[ "${db}" == host-container || "${db}" == host-system ]] || die "--db '${db}': expected host-container or host-system"
[[ "${db_port}" =~ ^[0-9]+$ && "${keep_days}" =~ ^[0-9]+$ ]] || die "--db-port '${db_port}' and --keep-days '${keep_days}' must be whole numbers"
[[ -z "${bucket}" || -n "${region}" ]] || die "--bucket needs --region"
# Milliseconds in the default id: two backups in the same second (a manual run beside the timer's) stay two.
id="${id:-scheduled-$(date -u +%Y%m%dT%H%M%S.%3NZ)}"
[[ "${id}" =~ ^[A-Za-z0-9_.-]+$ ]] || die "--id '${id}': expected letters, digits, '.', '_' or '-'"

load_env # DB_USERNAME, DB_NAME, DB_PASSWORD: the env file the release wrote
[[ -n "${DB_USERNAME:-}" && -n "${DB_NAME:-}" ]] || die "no DB_USERNAME/DB_NAME in ${ENV_FILE}: the first release has not run on this host yet"

install -d -m 700 "${BACKUP_DIR}"
dump="${BACKUP_DIR}/${id}.dump"
[[ ! -e "${dump}" ]] || die "a backup ${id} exists already; it is kept as it is"
trap 'rm -f "${dump}.part"' EXIT
if [[ "${db}" == host-container ]]; then
  cli exec webapp-db pg_dump -U "${DB_USERNAME}" -Fc "${DB_NAME}" > "${dump}.part" || die "pg_dump in the webapp-db container failed; no backup ${id}"
else
  PGPASSWORD="${DB_PASSWORD:-}" pg_dump -h 127.0.0.1 -p "${db_port}" -U "${DB_USERNAME}" -Fc "${DB_NAME}" > "${dump}.part" || die "pg_dump on port ${db_port} failed; no backup ${id}"
fi
mv -f "${dump}.part" "${dump}"
log "database backed up: ${id} ($(stat -c %s "${dump}") bytes)"
find "${BACKUP_DIR}" -name '*.dump' -mtime "+${keep_days}" -delete

if [[ -n "${bucket}" ]]; then
  # A backup that never leaves the host dies with it: a failed copy is a failed backup.
  aws_cli s3 cp --only-show-errors --region "${region}" "${dump}" "s3://${bucket}/db/$(hostname)/${id}.dump" \
    || die "the copy to s3://${bucket} failed; ${dump} is kept, the last successful backup is still the one before"
  log "copied to s3://${bucket}/db/$(hostname)/${id}.dump"
fi
# Written whole, then renamed: the probe never reads half a number.
date +%s > "${STATE_DIR}/last-backup.tmp"
mv -f "${STATE_DIR}/last-backup.tmp" "${STATE_DIR}/last-backup"
