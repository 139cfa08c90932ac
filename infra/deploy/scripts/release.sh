#!/usr/bin/env bash
# Releases a version on this host with no downtime, or rolls back to one (an older version whose
# image is still here starts in seconds). In order: lock, back up the database, restore a backup
# when asked and confirmed, pull, run the migration (migrateCommand) in the new image, start the new
# release beside the live one, health-check it with a deadline, switch to it (haproxy's runtime API: no
# reload, no client connection closed), record the result and answer the caller; then, still holding the
# lock, drain and stop the old one and keep the last N images. On any failure before the switch the live
# release keeps serving and the new one is removed.
#
# Usage: release.sh --version V --service name=..,image=..,port=..,health=.. [--service ...]
#   [--cli "docker"] [--run-arg ARG ...] [--pull-arg ARG ...] [--registry SERVER]
#   [--db host-container|host-system|rds|none] [--db-port 5432] [--rds-instance ID] [--region R]
#   [--backup-bucket BUCKET] [--restore BACKUP_ID --restore-confirm BACKUP_ID]
#   [--health-interval 1] [--health-timeout 3] [--health-retries 30] [--drain 3] [--keep 3]
#   [--lock-wait 120] [--lb-target-group ARN ...] [--lb-target-id ID] [--stack NAME] [--metrics-namespace NS]
#   [--migrate-service NAME --migrate-command 'SHELL LINE']
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "${here}/lib.sh"

# Run detached from the SSH session, streaming its log back: when the connection drops, the release
# still finishes (or rolls back) on its own, and a re-run waits for it on the lock.
if [[ -z "${WEBAPP_DETACHED:-}" ]]; then
  mkdir -p "${LOG_DIR}"
  logfile="${LOG_DIR}/release-$(date -u +%Y%m%dT%H%M%SZ)-$$.log"
  : > "${logfile}"
  # shellcheck disable=SC2094  # the variable only names the log; the child writes it, nothing reads it here
  WEBAPP_DETACHED="${logfile}" setsid "$0" "$@" > "${logfile}" 2>&1 < /dev/null &
  pid=$!
  tail -n +1 -f -s 0.05 --pid="${pid}" "${logfile}" >&2 &
  tailer=$!
  # The caller's answer comes once traffic is on the new release (the result file appears): the old
  # release drains and stops after that, still holding the release lock, so a next release waits for it.
  while kill -0 "${pid}" 2>/dev/null && [[ ! -f "${logfile}.result" ]]; do sleep 0.02; done
  if [[ -f "${logfile}.result" ]]; then
    sleep 0.1 # the log's last lines reach the caller
    kill "${tailer}" 2>/dev/null || true
    cat "${logfile}.result"
    exit 0
  fi
  status=0
  wait "${pid}" || status=$?
  wait "${tailer}" || true
  exit "${status}"
fi
result_file="${WEBAPP_DETACHED}.result"
# The caller returns as soon as the result file exists: it appears whole (a rename).
answer() { printf '%s\n' "$1" > "${result_file}.tmp" && mv -f "${result_file}.tmp" "${result_file}"; }
all_args=("$@")

version="" registry="" db=none db_port=5432 rds_instance="" region="" bucket="" restore="" restore_confirm=""
interval=1 timeout=3 retries=30 drain=3 keep=3 lock_wait=120 lb_target_id="" stack="" namespace="" migrate_service="" migrate_command=""
declare -a run_args=() pull_args=() lb_groups=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --version) version=$2; shift 2 ;;
    --service) add_service "$2"; shift 2 ;;
    --cli) set_cli "$2"; shift 2 ;;
    --run-arg) run_args+=("$2"); shift 2 ;;
    --pull-arg) pull_args+=("$2"); shift 2 ;;
    --registry) registry=$2; shift 2 ;;
    --db) db=$2; shift 2 ;;
    --db-port) db_port=$2; shift 2 ;;
    --rds-instance) rds_instance=$2; shift 2 ;;
    --region) region=$2; shift 2 ;;
    --backup-bucket) bucket=$2; shift 2 ;;
    --restore) restore=$2; shift 2 ;;
    --restore-confirm) restore_confirm=$2; shift 2 ;;
    --health-interval) interval=$2; shift 2 ;;
    --health-timeout) timeout=$2; shift 2 ;;
    --health-retries) retries=$2; shift 2 ;;
    --drain) drain=$2; shift 2 ;;
    --keep) keep=$2; shift 2 ;;
    --lock-wait) lock_wait=$2; shift 2 ;;
    --lb-target-group) lb_groups+=("$2"); shift 2 ;;
    --lb-target-id) lb_target_id=$2; shift 2 ;;
    --stack) stack=$2; shift 2 ;;
    --metrics-namespace) namespace=$2; shift 2 ;;
    --migrate-service) migrate_service=$2; shift 2 ;;
    --migrate-command) migrate_command=$2; shift 2 ;;
    *) die "unknown argument '$1'" ;;
  esac
done
[[ "${version}" =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] || die "--version '${version}' is not an image tag"
[[ ${#SVC_NAMES[@]} -gt 0 ]] || die "no --service given"
migrate_index=""
for i in "${!SVC_NAMES[@]}"; do [[ "${SVC_NAMES[$i]}" != "${migrate_service}" ]] || migrate_index=$i; done
[[ -z "${migrate_command}" || -n "${migrate_index}" ]] || die "--migrate-service '${migrate_service}' is not one of the --service names"
if [[ -n "${restore}" && "${restore}" != "${restore_confirm}" ]]; then
  die "restoring backup '${restore}' overwrites the database: confirm with --restore-confirm ${restore}"
fi
started=$(date +%s)
# An RDS instance busy with another snapshot or a modification is waited for, this long at most.
RDS_POLL_SECONDS=5 RDS_WAIT_SECONDS=1800

# --- lock: an atomic mkdir; a lock whose owner died is taken over -------------------------------
deadline=$((started + lock_wait))
until mkdir "${LOCK_DIR}" 2>/dev/null; do
  owner="$(cat "${LOCK_DIR}/pid" 2>/dev/null || true)"
  if [[ -n "${owner}" ]] && ! kill -0 "${owner}" 2>/dev/null; then
    log "taking over the lock of release process ${owner}, which is gone"
    rm -rf "${LOCK_DIR}"
    continue
  fi
  [[ $(date +%s) -lt ${deadline} ]] || die "another release ($(cat "${LOCK_DIR}/what" 2>/dev/null || echo unknown)) still holds ${LOCK_DIR} after ${lock_wait}s; try again later"
  sleep 1
done
echo $$ > "${LOCK_DIR}/pid"
echo "${version}, started $(date -u +%FT%TZ)" > "${LOCK_DIR}/what"

new_containers=()
cleanup() {
  local status=$?
  if [[ ${status} -ne 0 ]]; then
    for c in "${new_containers[@]}"; do cli rm -f "${c}" >/dev/null 2>&1 || true; done
    [[ ${#new_containers[@]} -eq 0 ]] || log "removed the new release's containers; the live release keeps serving"
  fi
  started_notice
  rm -rf "${LOCK_DIR}"
}
trap cleanup EXIT

# The start message goes in the background (Slack's round trip is off the release's path); the next
# message waits for it, so they arrive in order, and so does the script's exit.
starting_notice=""
started_notice() { [[ -z "${starting_notice}" ]] || wait "${starting_notice}" || true; starting_notice=""; }

record() { # outcome backup previous
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u -d "@${started}" +%FT%TZ)" "${version}" "$1" "$(($(date +%s) - started))" "${2:--}" "${3:--}" >> "${HISTORY}"
}
# A release event for the dashboard; only where the AWS CLI and a namespace are there.
metric() { # name
  [[ -n "${namespace}" ]] && command -v "${AWS_CLI[0]}" >/dev/null || return 0
  aws_cli cloudwatch put-metric-data --region "${region}" --namespace "${namespace}" --metric-name "$1" --value 1 --unit Count \
    || log "WARNING: could not publish $1"
}
fail() { # message: recorded, then the release stops (the trap removes what it started)
  record failed "${backup_id:-}" "${live_version:-}"
  metric ReleaseFailed
  local serving="nothing was serving before"
  [[ -z "${live_version:-}" ]] || serving="${live_version} keeps serving"
  started_notice
  notify ":x: ${stack}: release ${version} failed on $(hostname): $1; ${serving}"
  die "release ${version} failed: $1; ${serving}"
}

# --- what is live now --------------------------------------------------------------------------
live_version=""
declare -a live_slots=() live_containers=() live_versions=()
for i in "${!SVC_NAMES[@]}"; do
  slot="$(live_slot "${SVC_NAMES[$i]}" "${SVC_PORTS[$i]}")"
  live_slots+=("${slot}")
  [[ "${slot}" == none ]] || live_containers+=("$(container_name "${SVC_NAMES[$i]}" "${slot}")")
done
declare -A running=() running_env=()
[[ ${#live_containers[@]} -eq 0 ]] || while read -r name v e; do running[${name}]=${v}; running_env[${name}]=${e}; done < <(running_versions "${live_containers[@]}")
declare -a live_envs=()
for i in "${!SVC_NAMES[@]}"; do
  v="${running[$(container_name "${SVC_NAMES[$i]}" "${live_slots[$i]}")]:-}"
  live_envs+=("${running_env[$(container_name "${SVC_NAMES[$i]}" "${live_slots[$i]}")]:-}")
  live_versions+=("${v}")
  [[ -z "${v}" ]] || live_version="${v}"
done

# The app reads its env at start: a changed env file (a setting, a secret, a rotated database
# password) makes the same version start again beside itself, as any release does.
env_id="$(sha256sum "${ENV_FILE}" 2>/dev/null | cut -c1-16)"
all_live_at_version() {
  local i
  for i in "${!SVC_NAMES[@]}"; do
    [[ "${live_versions[$i]}" == "${version}" ]] || return 1
    [[ "${live_envs[$i]}" == "${env_id}" ]] || return 1
  done
}
if [[ -z "${restore}" || -f "${STATE_DIR}/restored-${restore}" ]] && all_live_at_version; then
  log "${version} is already live on every service; nothing to do"
  # Report what the release that made it live recorded, so a rollback knows where to go back to.
  IFS=$'\t' read -r _ _ _ _ last_backup last_previous < <(awk -F '\t' -v v="${version}" '$2 == v && $3 == "released"' "${HISTORY}" 2>/dev/null | tail -n 1) || true
  answer "$(printf '{"version":"%s","changed":false,"previous":"%s","backup":"%s"}' "${version}" "${last_previous:--}" "${last_backup:--}" | sed 's/"-"/""/g')"
  exit 0
fi
load_env
kind=release
[[ -z "${restore}" ]] || kind="rollback with database restore"
log "${kind}: ${version} (live: ${live_version:-nothing})"
notify ":rocket: ${stack}: ${kind} of ${version} started on $(hostname) (live: ${live_version:-nothing})" &
starting_notice=$!

# --- back up the database first ----------------------------------------------------------------
backup_id="pre-${version}-$(date -u +%Y%m%dT%H%M%SZ)"
case "${db}" in
  host-container|host-system)
    # The scheduled backup's own script. A dump that stays here when the copy to S3 fails is enough for
    # the release (a rollback restores from here); it is not counted as a successful backup.
    backup_args=(--db "${db}" --db-port "${db_port}" --cli "${CLI[*]}" --id "${backup_id}")
    [[ -z "${bucket}" ]] || backup_args+=(--bucket "${bucket}" --region "${region}")
    if ! bash "${here}/backup-db.sh" "${backup_args[@]}"; then
      [[ -f "${BACKUP_DIR}/${backup_id}.dump" ]] || fail "the database backup failed"
      log "WARNING: the backup ${backup_id} is on this host only"
    fi
    ;;
  rds)
    # One snapshot per release: the Pulumi side names the instance to the release's first host only.
    if [[ -z "${rds_instance}" ]]; then
      backup_id=""
      log "the database snapshot of this release is taken by its first host"
    else
      backup_id="$(snapshot_id "$(date -u +%Y%m%dT%H%M%SZ)" "${version}")"
      rds_snapshot "${rds_instance}" "${region}" "${backup_id}" "${RDS_POLL_SECONDS}" "${RDS_WAIT_SECONDS}" \
        || fail "the RDS snapshot ${backup_id} of ${rds_instance} could not be started"
      log "database snapshot started: ${backup_id}"
      rds_prune "${rds_instance}" "${region}" "${keep}"
      date +%s > "${STATE_DIR}/last-backup"
    fi
    ;;
  none) backup_id="" ;;
  *) die "unknown --db '${db}'" ;;
esac

# --- restore a backup (rollback with data), once, only when confirmed ---------------------------
if [[ -n "${restore}" && ! -f "${STATE_DIR}/restored-${restore}" ]]; then
  [[ "${db}" == host-* ]] || fail "--restore works for a database on the host; an RDS snapshot restores into a new instance (see README)"
  source_dump="${BACKUP_DIR}/${restore}.dump"
  [[ -f "${source_dump}" ]] || fail "no backup ${restore} on this host (see ${HISTORY})"
  log "restoring ${restore} (the state before it was saved as ${backup_id})"
  if [[ "${db}" == host-container ]]; then
    cli exec -i webapp-db pg_restore --clean --if-exists --no-owner --single-transaction -U "${DB_USERNAME}" -d "${DB_NAME}" < "${source_dump}" || fail "restoring ${restore} failed"
  else
    PGPASSWORD="${DB_PASSWORD}" pg_restore --clean --if-exists --no-owner --single-transaction -h 127.0.0.1 -p "${db_port}" -U "${DB_USERNAME}" -d "${DB_NAME}" "${source_dump}" || fail "restoring ${restore} failed"
  fi
  date -u +%FT%TZ > "${STATE_DIR}/restored-${restore}"
  rm -rf "${STATE_DIR}/migrated" # the restored data has none of the migrations run since: forget them
fi

# --- pull (an image already here, e.g. a rollback, is not pulled again) -------------------------
if [[ -n "${DEPLOY_REGISTRY_USERNAME:-}" && -n "${DEPLOY_REGISTRY_PASSWORD:-}" ]]; then
  printf '%s' "${DEPLOY_REGISTRY_PASSWORD}" | cli login --username "${DEPLOY_REGISTRY_USERNAME}" --password-stdin "${pull_args[@]}" "${registry}" >/dev/null \
    || fail "login to ${registry} failed"
elif [[ "${registry}" =~ ^[0-9]{12}\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com$ ]]; then
  aws_cli ecr get-login-password --region "${BASH_REMATCH[1]}" | cli login --username AWS --password-stdin "${registry}" >/dev/null || fail "login to ECR failed"
fi
# One listing for every service (docker shows Docker Hub's images without "docker.io/"; a miss only pulls).
present="$(cli images --format '{{.Repository}}:{{.Tag}}' 2>/dev/null || true)"
for i in "${!SVC_NAMES[@]}"; do
  ref="${SVC_IMAGES[$i]}:${version}"
  if grep -qFx -e "${ref}" -e "${ref#docker.io/}" <<< "${present}"; then
    log "${ref} is already here"
  else
    log "pulling ${ref}"
    cli pull -q "${pull_args[@]}" "${ref}" >/dev/null || fail "pulling ${ref} failed"
  fi
done

# --- migrate: once, in the new image, with the app's env file, before anything switches ------------
# A rollback runs no migration: with --restore the database is the restored backup (and what was
# migrated since is forgotten); back to a version whose migration ran here, it is not run again
# (expand/contract changes keep the older code working, README).
if [[ -n "${migrate_command}" ]]; then
  migrated_dir="${STATE_DIR}/migrated"
  if [[ -n "${restore}" ]]; then
    log "no migration: the database is restored to ${restore}"
  elif [[ -f "${migrated_dir}/${version}" ]]; then
    log "no migration: ${version}'s migration ran here on $(cat "${migrated_dir}/${version}")"
  else
    ref="${SVC_IMAGES[${migrate_index}]}:${version}"
    # --rm removes it however it ends; what a cut release left is removed first.
    migration="$(container_name "${migrate_service}" migrate)"
    cli rm -f "${migration}" >/dev/null 2>&1 || true
    log "migrating in ${ref}: ${migrate_command}"
    migrated=0
    # The command's own output goes to the log, so a failure shows the migration's error.
    cli run --rm --name "${migration}" --env-file "${ENV_FILE}" "${run_args[@]}" --entrypoint /bin/sh "${ref}" -c "${migrate_command}" >&2 || migrated=$?
    [[ ${migrated} -eq 0 ]] || fail "the migration (migrateCommand) exited ${migrated}"
    mkdir -p "${migrated_dir}"
    date -u +%FT%TZ > "${migrated_dir}/${version}"
    log "migrated"
  fi
fi

# --- start beside the live release --------------------------------------------------------------
declare -a new_slots=()
for i in "${!SVC_NAMES[@]}"; do
  slot="$(other_slot "${live_slots[$i]}")"
  [[ "${live_slots[$i]}" != none ]] || slot=blue
  new_slots+=("${slot}")
  new_containers+=("$(container_name "${SVC_NAMES[$i]}" "${slot}")")
done
cli rm -f "${new_containers[@]}" >/dev/null 2>&1 || true # what a failed or cut release may have left there
# All services start at once (each run takes a good part of a second); all are waited for before any failure
# is reported, so the cleanup never races a container still being created.
declare -a starting=()
for i in "${!SVC_NAMES[@]}"; do
  cli run -d --name "${new_containers[$i]}" --restart unless-stopped --env-file "${ENV_FILE}" --label "webapp.version=${version}" --label "webapp.env=${env_id}" \
    -p "127.0.0.1:$(slot_port "${SVC_PORTS[$i]}" "${new_slots[$i]}"):${SVC_PORTS[$i]}" "${run_args[@]}" "${SVC_IMAGES[$i]}:${version}" >/dev/null &
  starting+=($!)
done
not_started=""
for i in "${!SVC_NAMES[@]}"; do
  wait "${starting[$i]}" || not_started+="${not_started:+, }${SVC_NAMES[$i]}"
done
[[ -z "${not_started}" ]] || fail "${not_started} did not start"

# --- health check with a deadline ---------------------------------------------------------------
for i in "${!SVC_NAMES[@]}"; do
  url="http://127.0.0.1:$(slot_port "${SVC_PORTS[$i]}" "${new_slots[$i]}")${SVC_HEALTH[$i]}"
  ok=false tries=0 start_ms=$(date +%s%3N)
  # Nothing answering (curl: refused 7, empty reply 52, reset 56) means the app still boots: it is asked
  # again in 0.1 s rather than a whole interval later, for as long as the old retries x interval; an
  # answer that is not healthy counts a retry and waits the interval. The deadline stays as documented.
  boot_ms=$((start_ms + retries * interval * 1000)) deadline_ms=$((start_ms + retries * (interval + timeout) * 1000))
  while :; do
    probe=0
    healthy "${url}" "${timeout}" || probe=$?
    if [[ ${probe} -eq 0 ]]; then ok=true; break; fi
    now_ms=$(date +%s%3N)
    case "${probe}" in
      7|52|56) [[ ${now_ms} -lt ${boot_ms} ]] || break; sleep 0.1 ;;
      *) tries=$((tries + 1)); [[ ${tries} -lt ${retries} && ${now_ms} -lt ${deadline_ms} ]] || break; sleep "${interval}" ;;
    esac
  done
  if ! ${ok}; then
    log "last log lines of $(container_name "${SVC_NAMES[$i]}" "${new_slots[$i]}"):"
    cli logs --tail 30 "$(container_name "${SVC_NAMES[$i]}" "${new_slots[$i]}")" >&2 2>&1 || true
    fail "${SVC_NAMES[$i]} did not pass its health check ${SVC_HEALTH[$i]} within $((retries * (interval + timeout)))s"
  fi
  log "${SVC_NAMES[$i]} ${version} is healthy"
done

# --- take the host out of the load balancer while it switches (stage 3) -------------------------
lb() { # deregister|register
  local arn i=0
  for arn in "${lb_groups[@]}"; do
    local target="Id=${lb_target_id},Port=${SVC_PORTS[$i]}"
    if [[ "$1" == deregister ]]; then
      aws_cli elbv2 deregister-targets --region "${region}" --target-group-arn "${arn}" --targets "${target}"
      aws_cli elbv2 wait target-deregistered --region "${region}" --target-group-arn "${arn}" --targets "${target}"
    else
      aws_cli elbv2 register-targets --region "${region}" --target-group-arn "${arn}" --targets "${target}"
      aws_cli elbv2 wait target-in-service --region "${region}" --target-group-arn "${arn}" --targets "${target}"
    fi
    i=$((i + 1))
  done
}
[[ ${#lb_groups[@]} -eq 0 ]] || lb deregister || fail "could not take the host out of the load balancer"

# --- switch: every service at once, through haproxy's runtime API -------------------------------
# nginx is not reloaded: a reload closes idle keep-alive connections, and a client about to reuse one
# would see a reset. The config file follows first, so a restarted switch keeps the new slots.
cp -f "${SWITCH_CONFIG}" "${STATE_DIR}/haproxy.cfg.old"
written=0
write_switch_config "${new_slots[@]}" || written=$?
[[ ${written} -ne 2 ]] || fail "haproxy refused the switch config"
switch_start start
if ! switch_to "${new_slots[@]}"; then
  cp -f "${STATE_DIR}/haproxy.cfg.old" "${SWITCH_CONFIG}"
  switch_start reload || true
  fail "the switch did not take the new release"
fi
new_containers=() # switched: from here on the new release is the live one
log "the switch now sends traffic to ${version}"
[[ ${#lb_groups[@]} -eq 0 ]] || lb register || log "WARNING: the host is not back in the load balancer yet"

# --- answer the caller: the release is live (recorded, announced, the result written) -------------
record released "${backup_id}" "${live_version}"
# What db-password.sh runs again when the database password rotates.
printf '%s\0' "${all_args[@]}" > "${STATE_DIR}/release.args"
seconds=$(($(date +%s) - started))
log "released ${version} in ${seconds}s (previous: ${live_version:-none}); the old release drains in the background"
started_notice
notify ":white_check_mark: ${stack}: ${version} is live on $(hostname) after ${seconds}s (${kind}; previous: ${live_version:-none})" &
live_notice=$!
answer "$(printf '{"version":"%s","changed":true,"previous":"%s","backup":"%s","seconds":%s}' "${version}" "${live_version}" "${backup_id}" "${seconds}")"

# --- drain the old release while the images beyond the last N go, then stop it -------------------
# The versions kept: this one, then the last released ones, newest first.
mapfile -t kept < <({ echo "${version}"; awk -F '\t' '$3 == "released" { print $2 }' "${HISTORY}" 2>/dev/null | tac; } | awk '!seen[$0]++' | head -n "${keep}")
prune_images() { # an image still in use (the draining release's, with --keep 1) stays until the next release
  local images ref i
  images="$(cli images --format '{{.Repository}}:{{.Tag}}')" || return 0
  for i in "${!SVC_NAMES[@]}"; do
    while read -r ref; do
      [[ " ${kept[*]} " == *" ${ref##*:} "* ]] || cli rmi "${ref}" >/dev/null 2>&1 || true
    done < <(grep -F "${SVC_IMAGES[$i]#docker.io/}:" <<< "${images}" || true)
  done
}
prune_images &
pruning=$!
sleep "${drain}"
declare -a old_containers=()
for i in "${!SVC_NAMES[@]}"; do
  [[ "${live_slots[$i]}" == none ]] || old_containers+=("$(container_name "${SVC_NAMES[$i]}" "${live_slots[$i]}")")
done
if [[ ${#old_containers[@]} -gt 0 ]]; then # all at once: each stops within its own grace time
  cli stop -t 10 "${old_containers[@]}" >/dev/null 2>&1 || true
  cli rm -f "${old_containers[@]}" >/dev/null 2>&1 || true
  log "drained and removed ${old_containers[*]}"
fi
wait "${pruning}" || true
log "kept images: ${kept[*]}"
metric Release
wait "${live_notice}" || true
