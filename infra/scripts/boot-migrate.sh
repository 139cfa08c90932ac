# shellcheck shell=bash disable=SC2154  # a fragment of user data: the header before it sets its parameters
# Stage 4's migration (migrateCommand): once per version, by the first instance that boots it, before
# any instance of that version starts its app. The claim is an SSM parameter (MIGRATION_PARAMETER,
# /<stack>/migrations/<version>) created without --overwrite: AWS creates it once and answers every
# other instance ParameterAlreadyExists, and those wait for its outcome. The old instances keep serving
# meanwhile (the refresh retires them only once new ones are healthy), so a migration must keep the
# running version working (README, expand/contract). The refresh's start step marks a version released
# before as skipped (a rollback runs no migration) and clears a failed or abandoned claim.
# Sourced after a header that sets: REGION APP_VERSION MIGRATE_COMMAND MIGRATE_IMAGE MIGRATION_PARAMETER
#   MIGRATE_WAIT_SECONDS (how long a waiting instance waits for the migrating one).

migration_mark() { # value
  aws ssm put-parameter --region "${REGION}" --name "${MIGRATION_PARAMETER}" --type String --overwrite \
    --value "$1" --query Version --output text > /dev/null
}

# Runs or waits for this version's migration; fails (and so does the boot) when it failed.
migrate_once() { # env-file [poll-seconds]
  local env_file=$1 poll=${2:-5} claim_errors state status=0 ref="${MIGRATE_IMAGE}:${APP_VERSION}"
  claim_errors=$(mktemp)
  if aws ssm put-parameter --region "${REGION}" --name "${MIGRATION_PARAMETER}" --type String \
      --value "running on $(hostname) since $(date -u +%FT%TZ)" --query Version --output text > /dev/null 2> "${claim_errors}"; then
    rm -f "${claim_errors}"
    echo "migrating in ${ref}: ${MIGRATE_COMMAND}"
    docker pull -q "${ref}" > /dev/null
    # The output goes to the boot log; its last lines to the outcome, where `pulumi up` reads a failure.
    docker run --rm --env-file "${env_file}" --entrypoint /bin/sh "${ref}" -c "${MIGRATE_COMMAND}" > /tmp/webapp-migrate.log 2>&1 || status=$?
    cat /tmp/webapp-migrate.log
    if [[ ${status} -ne 0 ]]; then
      migration_mark "failed: exit ${status} on $(hostname) at $(date -u +%FT%TZ): $(tail -n 5 /tmp/webapp-migrate.log | tr '\n' ' ' | cut -c1-1500)"
      echo "ERROR: the migration of ${APP_VERSION} exited ${status}" >&2
      return 1
    fi
    migration_mark "done on $(hostname) at $(date -u +%FT%TZ)"
    echo "migrated ${APP_VERSION}"
    return 0
  fi
  if ! grep -q ParameterAlreadyExists "${claim_errors}"; then
    cat "${claim_errors}" >&2
    rm -f "${claim_errors}"
    echo "ERROR: could not claim ${MIGRATION_PARAMETER}" >&2
    return 1
  fi
  rm -f "${claim_errors}"
  local deadline=$(($(date +%s) + MIGRATE_WAIT_SECONDS))
  while :; do
    state=$(aws ssm get-parameter --region "${REGION}" --name "${MIGRATION_PARAMETER}" --query Parameter.Value --output text)
    case "${state}" in
      running*) ;;
      failed*) echo "ERROR: the migration of ${APP_VERSION} ${state}" >&2; return 1 ;;
      *) echo "no migration here: ${APP_VERSION}'s is ${state}"; return 0 ;;
    esac
    if [[ $(date +%s) -ge ${deadline} ]]; then
      echo "ERROR: the migration of ${APP_VERSION} is still ${state} after ${MIGRATE_WAIT_SECONDS}s" >&2
      return 1
    fi
    sleep "${poll}"
  done
}
