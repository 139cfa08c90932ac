# shellcheck shell=bash disable=SC2154  # a fragment of user data: the header before it sets its parameters
# Stage 4's migration (migrateCommand): once per version, by the first instance that boots it, before
# any instance of that version starts its app. The claim is an SSM parameter (MIGRATION_PARAMETER,
# /<project>-<stack>/migrations/<version>) created without --overwrite: AWS creates it once and
# answers every other instance ParameterAlreadyExists, and those wait for its outcome. The old
# instances keep serving meanwhile (the refresh retires them only once new ones are healthy), so a
# migration must keep the running version working (README, expand/contract). The refresh's start step
# marks a version released before as skipped (a rollback runs no migration) and clears a failed or
# abandoned claim. The group's health check grace covers MIGRATE_TIMEOUT_SECONDS, so no instance is
# replaced while it migrates or waits.
# Sourced after a header that sets: REGION APP_VERSION MIGRATE_COMMAND MIGRATE_IMAGE MIGRATION_PARAMETER
#   MIGRATE_TIMEOUT_SECONDS (how long the migration may run, and the other instances wait for it).

# One SSM call; ParameterStore's "one update at a time" (TooManyUpdates) and throttling, which the
# CLI does not retry itself, are retried here. Prints the output, or the error on stderr.
ssm_call() { # aws ssm arguments...
  local out attempt
  for attempt in 1 2 3 4 5 6; do
    if out=$(aws ssm "$@" --region "${REGION}" 2>&1); then
      printf '%s\n' "${out}"
      return 0
    fi
    [[ "${out}" == *TooManyUpdates* || "${out}" == *ThrottlingException* ]] || break
    sleep $((attempt + RANDOM % 3))
  done
  printf '%s\n' "${out}" >&2
  return 1
}

migration_mark() { # value
  ssm_call put-parameter --name "${MIGRATION_PARAMETER}" --type String --overwrite --value "$1" --query Version --output text > /dev/null
}

# The migration's last lines, for the outcome that `pulumi up` prints: every value of the env file of
# 8 characters or more masked (a driver's error may quote a password, or a URL with one), valid UTF-8,
# at most 1,500 bytes.
migration_tail() { # log env-file
  local text line value
  text=$(tail -n 5 "$1" | tr '\n' ' ')
  while IFS= read -r line; do
    value=${line#*=}
    [[ ${#value} -lt 8 ]] || text=${text//"${value}"/***}
  done < "$2"
  printf '%s' "${text}" | head -c 1500 | iconv -c -f UTF-8 -t UTF-8
}

# This instance won the claim: run the migration in the new image, record how it ended.
migrate_here() { # env-file
  local status=0 ref="${MIGRATE_IMAGE}:${APP_VERSION}" log=/var/log/webapp-migrate.log
  echo "migrating in ${ref}: ${MIGRATE_COMMAND}"
  : > "${log}"
  if ! docker pull -q "${ref}" > /dev/null 2> "${log}"; then
    status=125
  else
    # --name: on the deadline the container is removed too (timeout ends only the client).
    timeout "${MIGRATE_TIMEOUT_SECONDS}" docker run --rm --name webapp-migrate --env-file "$1" --entrypoint /bin/sh "${ref}" -c "${MIGRATE_COMMAND}" \
      > "${log}" 2>&1 || status=$?
    [[ ${status} -ne 124 ]] || { docker rm -f webapp-migrate > /dev/null 2>&1 || true; echo "migrateTimeoutMinutes reached" >> "${log}"; }
  fi
  cat "${log}"
  if [[ ${status} -ne 0 ]]; then
    migration_mark "failed: exit ${status} on $(hostname) at $(date -u +%FT%TZ): $(migration_tail "${log}" "$1")" || true
    echo "ERROR: the migration of ${APP_VERSION} exited ${status}" >&2
    return 1
  fi
  migration_mark "done on $(hostname) at $(date -u +%FT%TZ)" || { echo "ERROR: migrated, but could not record it in ${MIGRATION_PARAMETER}" >&2; return 1; }
  echo "migrated ${APP_VERSION}"
}

# Runs or waits for this version's migration; fails (and so does the boot) when it failed.
migrate_once() { # env-file [poll-seconds]
  local env_file=$1 poll=${2:-5} out state deadline=$(($(date +%s) + MIGRATE_TIMEOUT_SECONDS))
  while :; do
    if out=$(ssm_call put-parameter --name "${MIGRATION_PARAMETER}" --type String \
        --value "running on $(hostname) since $(date -u +%FT%TZ)" --query Version --output text 2>&1); then
      migrate_here "${env_file}"
      return
    fi
    if [[ "${out}" != *ParameterAlreadyExists* ]]; then
      printf '%s\n' "${out}" >&2
      echo "ERROR: could not claim ${MIGRATION_PARAMETER}" >&2
      return 1
    fi
    # Claimed elsewhere: wait for its outcome. Gone again (the claim cleared) means claiming anew.
    while :; do
      if ! state=$(ssm_call get-parameter --name "${MIGRATION_PARAMETER}" --query Parameter.Value --output text 2>&1); then
        [[ "${state}" == *ParameterNotFound* ]] && break
        printf '%s\n' "${state}" >&2
        return 1
      fi
      case "${state}" in
        running*) ;;
        failed*) echo "ERROR: the migration of ${APP_VERSION} ${state}" >&2; return 1 ;;
        *) echo "no migration here: ${APP_VERSION}'s is ${state}"; return 0 ;;
      esac
      if [[ $(date +%s) -ge ${deadline} ]]; then
        echo "ERROR: the migration of ${APP_VERSION} is still ${state} after ${MIGRATE_TIMEOUT_SECONDS}s" >&2
        return 1
      fi
      sleep "${poll}"
    done
  done
}
