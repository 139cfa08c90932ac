#!/usr/bin/env bash
# Moves stage 1's on-host database into RDS (stage 2), on the host, as root (README "Moving from stage 1
# to stage 2"). Two phases, each a step of `pulumi up` with the config key dataMove:
#   copy  freeze writes on the host database, dump it (pg_dump, custom format), restore the dump into the
#         empty target, compare the row count of every table. Success leaves the source read-only (the
#         app keeps serving reads; a write after the dump would be lost) until the switch; any failure
#         lifts the freeze and leaves the source as it was.
#   done  after the switch (the app on RDS): stop the host database and unmount its volume, so that Pulumi
#         can detach the volume without stopping the host.
# Passwords come from the app's env file (the source's, and the target's when dbPassword is set, as
# RDS then has the same one) or from Secrets Manager with the instance role (RDS-managed password);
# they reach the PostgreSQL tools in their environment only, never on a command line.
#
# Usage: move-data.sh copy --db-runtime container|system --db-port PORT [--db-image IMAGE] [--cli CLI] [--run-arg ARG]...
#                          --target-host HOST --target-port PORT [--target-secret-arn ARN --region REGION]
#        move-data.sh done --db-runtime container|system [--cli CLI] [--data-dir DIR]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "${here}/lib.sh"

phase=${1:-}
[[ "${phase}" == copy || "${phase}" == "done" ]] || die "usage: move-data.sh copy|done --db-runtime ... (got '${phase}')"
shift
db_runtime="" db_port=5432 db_image="" data_dir=/var/lib/webapp/db target_host="" target_port=5432 target_secret_arn="" region=""
declare -a run_args=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --db-runtime) db_runtime=$2; shift 2 ;;
    --db-port) db_port=$2; shift 2 ;;
    --db-image) db_image=$2; shift 2 ;;
    --cli) set_cli "$2"; shift 2 ;;
    --run-arg) run_args+=("$2"); shift 2 ;;
    --data-dir) data_dir=$2; shift 2 ;;
    --target-host) target_host=$2; shift 2 ;;
    --target-port) target_port=$2; shift 2 ;;
    --target-secret-arn) target_secret_arn=$2; shift 2 ;;
    --region) region=$2; shift 2 ;;
    *) die "unknown flag '$1'" ;;
  esac
done
[[ "${db_runtime}" == container || "${db_runtime}" == system ]] || die "--db-runtime must be container or system, got '${db_runtime}'"
[[ "${db_runtime}" == system || -n "${db_image}" || "${phase}" == "done" ]] || die "--db-image is needed with --db-runtime container (its PostgreSQL tools do the move)"

# Which target the copy went to: a second run finds it and does nothing.
MOVED=${STATE_DIR}/data-moved

# The PostgreSQL tools: the host's own (system runtime), or those of the database's image, the same
# major version as RDS. PGPASSWORD travels in the environment (`-e PGPASSWORD` takes it from there).
pgtool() { # password tool args...
  local password=$1
  shift
  if [[ "${db_runtime}" == container ]]; then
    PGPASSWORD="${password}" cli run --rm -i --network host -e PGPASSWORD "${run_args[@]}" "${db_image}" "$@"
  else
    PGPASSWORD="${password}" "$@"
  fi
}
src_psql() { pgtool "${DB_PASSWORD}" psql -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "${db_port}" -U "${DB_USERNAME}" -d "${DB_NAME}" "$@"; }
dst_psql() { pgtool "${target_password}" psql -X -q -At -v ON_ERROR_STOP=1 -h "${target_host}" -p "${target_port}" -U "${DB_USERNAME}" -d "${DB_NAME}" "$@"; }

# "schema.table rows", one line a table, sorted: the same query on both sides.
COUNTS_SQL="SELECT format('%I.%I', table_schema, table_name) || ' ' ||
  (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %I.%I', table_schema, table_name), false, true, '')))[1]::text
  FROM information_schema.tables
  WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1"
# Anything of the app's in the target (tables, views, sequences): a restore over it would mix two databases.
TARGET_OBJECTS_SQL="SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_toast%'"

frozen=false
# New sessions start read-only; the app's open sessions are ended so that they reconnect as such.
freeze() {
  src_psql -c "ALTER DATABASE \"${DB_NAME}\" SET default_transaction_read_only = on" \
    -c "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()" >/dev/null
  frozen=true
  log "writes to the host database are frozen (it still serves reads)"
}
thaw() {
  src_psql -c "SET default_transaction_read_only = off" -c "ALTER DATABASE \"${DB_NAME}\" RESET default_transaction_read_only"
  frozen=false
}
on_exit() {
  local status=$?
  rm -f "${dump:-}"
  if [[ ${status} -ne 0 ]] && ${frozen}; then
    if thaw; then log "the host database takes writes again, unchanged; the app keeps serving from it"; else log "ERROR: lifting the freeze failed: run ALTER DATABASE \"${DB_NAME}\" RESET default_transaction_read_only"; fi
  fi
}

copy() {
  [[ -n "${target_host}" ]] || die "--target-host is needed for copy"
  # The env file still names the host database while dataMove is copy.
  : "${DB_NAME:?DB_NAME missing from the env file}" "${DB_USERNAME:?DB_USERNAME missing from the env file}" "${DB_PASSWORD:?DB_PASSWORD missing from the env file}"
  if [[ -f "${MOVED}" ]]; then
    read -r moved_to result < "${MOVED}"
    [[ "${moved_to}" == "${target_host}:${target_port}" ]] || die "this host's data was already moved to ${moved_to}, not ${target_host}:${target_port}; remove ${MOVED} to move it again"
    log "the data was already moved to ${moved_to}; nothing to do"
    printf '%s\n' "${result}"
    return
  fi
  if [[ -n "${target_secret_arn}" ]]; then
    target_password="$(aws_cli secretsmanager get-secret-value --region "${region}" --secret-id "${target_secret_arn}" --query SecretString --output text | jq -r .password)"
  else
    target_password=${DB_PASSWORD}
  fi
  local started objects
  started=$(date +%s%N)
  # Before the freeze: a target that is not empty stops the move while nothing has changed yet.
  objects="$(dst_psql -c "${TARGET_OBJECTS_SQL}")" || die "cannot reach the target database ${DB_NAME} on ${target_host}:${target_port} as ${DB_USERNAME}"
  [[ "${objects}" == 0 ]] || die "the target database ${DB_NAME} on ${target_host}:${target_port} is not empty (${objects} tables, views or sequences); the move restores into an empty database only"

  freeze
  trap on_exit EXIT
  install -d -m 700 "${BACKUP_DIR}"
  dump="$(mktemp "${BACKUP_DIR}/move-XXXXXX.dump")"
  pgtool "${DB_PASSWORD}" pg_dump -Fc -h 127.0.0.1 -p "${db_port}" -U "${DB_USERNAME}" -d "${DB_NAME}" > "${dump}" || die "pg_dump of the host database failed"
  log "dumped $(stat -c %s "${dump}") bytes"
  # One transaction: a failed restore leaves the target empty. Owners and grants are the host's; RDS's user is the master user.
  pgtool "${target_password}" pg_restore --no-owner --no-privileges --single-transaction --exit-on-error \
    -h "${target_host}" -p "${target_port}" -U "${DB_USERNAME}" -d "${DB_NAME}" < "${dump}" || die "restoring into ${target_host}:${target_port} failed; the target is unchanged"

  local source_counts target_counts differ
  source_counts="$(src_psql -c "${COUNTS_SQL}")"
  target_counts="$(dst_psql -c "${COUNTS_SQL}")"
  differ="$(diff <(printf '%s\n' "${source_counts}") <(printf '%s\n' "${target_counts}") | sed -n 's/^< /source /p; s/^> /target /p' | paste -sd ';' - || true)"
  [[ -z "${differ}" ]] || die "row counts differ between the host database and ${target_host}:${target_port} (${differ//;/; }); the target keeps the restored copy: empty it before another move"

  local tables rows seconds
  tables=$(grep -c . <<< "${source_counts}" || true)
  rows=$(awk '{ n += $2 } END { print n + 0 }' <<< "${source_counts}")
  seconds=$(awk -v ns=$(($(date +%s%N) - started)) 'BEGIN { printf "%.2f", ns / 1e9 }')
  while read -r table n; do [[ -z "${table}" ]] || log "  ${table}: ${n} rows on both sides"; done <<< "${source_counts}"
  result="{\"tables\":${tables},\"rows\":${rows},\"seconds\":${seconds},\"target\":\"${target_host}:${target_port}\"}"
  printf '%s %s\n' "${target_host}:${target_port}" "${result}" > "${MOVED}"
  log "moved ${rows} rows in ${tables} tables in ${seconds}s; writes stay frozen until the app is switched to the new database (dataMove done)"
  printf '%s\n' "${result}"
}

finish() {
  [[ -f "${MOVED}" ]] || die "no data move has finished on this host (${MOVED} is missing): run the copy first (dataMove copy)"
  if [[ "${db_runtime}" == container ]] && cli inspect webapp-db >/dev/null 2>&1; then
    cli stop -t 60 webapp-db >/dev/null
    cli rm webapp-db >/dev/null
    log "stopped the host database container"
  elif [[ "${db_runtime}" == system ]]; then
    log "the system PostgreSQL is not this host's deploy to stop: stop it before the volume goes"
  fi
  if mountpoint -q "${data_dir}"; then
    umount "${data_dir}"
    sed -i "\\# ${data_dir} #d" /etc/fstab
    log "unmounted ${data_dir}: the volume can be detached with the host running"
  fi
  printf '{"finished":true}\n'
}

load_env
if [[ "${phase}" == copy ]]; then copy; else finish; fi
