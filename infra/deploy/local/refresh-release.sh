#!/usr/bin/env bash
# A stage 4 release, seen from where `pulumi up` runs: the launch template's new version starts an
# instance refresh (launch before terminate, automatic rollback); this script makes `pulumi up` wait
# for it and report like a release at stages 1-3.
#   start: Slack hears the start; RDS is snapshotted (once the instance is available) and the release
#          snapshots are pruned to the last --keep; prints the snapshot id. With --migration-parameter
#          (migrateCommand), the version's migration claim is prepared: a version released before is
#          marked skipped (a rollback runs no migration), a failed or abandoned claim is cleared.
#   wait:  polls the group's newest instance refresh until it ends, then until the group's instances
#          are in service and healthy; records the outcome in the history parameter (JSON, newest
#          first), tells Slack, prints the release record; a failed or rolled-back refresh exits 1
#          with AWS's reason (and the migration's, when it failed).
# The Slack webhook URL, when there is one, comes on stdin: never on a command line.
#
# Usage: refresh-release.sh start --region R --stack S --version V [--rds-instance ID] [--keep 3]
#                                 [--history-parameter NAME --migration-parameter NAME]
#        refresh-release.sh wait --region R --stack S --version V --group G --history-parameter NAME
#                                [--rds-instance ID] [--migration-parameter NAME] [--timeout SECONDS] [--poll SECONDS]
set -euo pipefail
export AWS_PAGER=""

step=${1:-}
shift || true
region="" stack="" version="" rds_instance="" keep=3 group="" history_parameter="" migration_parameter="" backup="" timeout=1800 poll=15
while [[ $# -gt 0 ]]; do
  case "$1" in
    --region) region=$2; shift 2 ;;
    --stack) stack=$2; shift 2 ;;
    --version) version=$2; shift 2 ;;
    --rds-instance) rds_instance=$2; shift 2 ;;
    --keep) keep=$2; shift 2 ;;
    --group) group=$2; shift 2 ;;
    --history-parameter) history_parameter=$2; shift 2 ;;
    --migration-parameter) migration_parameter=$2; shift 2 ;;
    --timeout) timeout=$2; shift 2 ;;
    --poll) poll=$2; shift 2 ;;
    *) echo "refresh-release.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
[[ "${step}" =~ ^(start|wait)$ && -n "${region}" && -n "${stack}" && -n "${version}" ]] \
  || { echo "usage: refresh-release.sh start|wait --region R --stack S --version V ..." >&2; exit 2; }

# The release snapshots are made, named and pruned, and Slack is told, as at stages 1-3 (one scheme,
# so moving a stack to stage 4 keeps pruning the older snapshots).
# shellcheck source=../scripts/lib.sh source-path=SCRIPTDIR
source "$(dirname "$0")/../scripts/lib.sh"
# lib.sh's notify() reads the webhook from this variable.
DEPLOY_SLACK_WEBHOOK_URL=""
[[ -t 0 ]] || IFS= read -r DEPLOY_SLACK_WEBHOOK_URL || true
fail() { # message
  notify ":x: ${stack}: release ${version} failed: $1"
  echo "ERROR: release ${version} failed: $1" >&2
  exit 1
}
started=$(date +%s)
deadline=$((started + timeout))

# The release history (JSON, newest first).
history_json() {
  aws ssm get-parameter --region "${region}" --name "${history_parameter}" --query Parameter.Value --output text
}

# This version's migration claim and outcome (boot-migrate.sh), "" when there is none.
migration_state() {
  local out
  if out=$(aws ssm get-parameter --region "${region}" --name "${migration_parameter}" --query Parameter.Value --output text 2>&1); then
    echo "${out}"
  else
    grep -q ParameterNotFound <<< "${out}" || { echo "${out}" >&2; return 1; }
  fi
}

if [[ "${step}" == start ]]; then
  notify ":rocket: ${stack}: release of ${version} started (instance refresh)"
  if [[ -n "${migration_parameter}" ]]; then
    [[ -n "${history_parameter}" ]] || { echo "refresh-release.sh: --migration-parameter needs --history-parameter" >&2; exit 2; }
    state=$(migration_state) || fail "could not read ${migration_parameter}"
    released_at=$(history_json | jq -r --arg v "${version}" '[.[] | select(.outcome == "released" and .version == $v)][0].at // ""')
    if [[ -n "${released_at}" ]]; then
      if [[ "${state}" != done* && "${state}" != skipped* ]]; then
        aws ssm put-parameter --region "${region}" --name "${migration_parameter}" --type String --overwrite \
          --value "skipped: ${version} was released on ${released_at}; a rollback runs no migration" --query Version --output text > /dev/null
      fi
      echo "no migration: ${version} was released on ${released_at}" >&2
    elif [[ -n "${state}" && "${state}" != done* ]]; then
      # Failed, or claimed by an instance of an earlier attempt: this release runs it again.
      aws ssm delete-parameter --region "${region}" --name "${migration_parameter}"
      echo "cleared the earlier migration attempt of ${version} (${state})" >&2
    fi
  fi
  [[ -n "${rds_instance}" ]] || exit 0
  snapshot=$(snapshot_id "$(date -u +%Y%m%dT%H%M%SZ)" "${version}")
  rds_snapshot "${rds_instance}" "${region}" "${snapshot}" 15 1800 || fail "the RDS snapshot ${snapshot} of ${rds_instance} could not be started"
  rds_prune "${rds_instance}" "${region}" "${keep}"
  echo "${snapshot}"
  exit 0
fi

[[ -n "${group}" && -n "${history_parameter}" ]] || { echo "usage: refresh-release.sh wait ... --group G --history-parameter NAME" >&2; exit 2; }
record() { # outcome: prepends this release to the history (the last 20 kept), prints the updated history
  local history entry
  history=$(history_json)
  entry=$(jq -cn --arg at "$(date -u +%FT%TZ)" --arg v "${version}" --arg o "$1" --arg b "${backup}" --arg p "${previous}" \
    --argjson s "$(($(date +%s) - started))" '{at: $at, version: $v, outcome: $o, backup: $b, previous: $p, seconds: $s}')
  history=$(jq -c --argjson e "${entry}" '[$e] + . | .[:20]' <<< "${history}")
  aws ssm put-parameter --region "${region}" --name "${history_parameter}" --type String --overwrite --value "${history}" \
    --query Version --output text >&2
  echo "${history}"
}
# The snapshot `start` took for this version: the newest of its name (the time in it sorts).
if [[ -n "${rds_instance}" ]]; then
  backup=$(aws rds describe-db-snapshots --region "${region}" --db-instance-identifier "${rds_instance}" --snapshot-type manual \
    --query "DBSnapshots[].DBSnapshotIdentifier" --output text \
    | tr -s '[:space:]' '\n' | grep -E "^webapp-pre-[0-9]{8}t[0-9]{6}z-$(snapshot_tag "${version}")$" | sort | tail -n 1 || true)
fi
previous=$(history_json | jq -r --arg v "${version}" '[.[] | select(.outcome == "released" and .version != $v)][0].version // ""')

# What AWS's reason cannot say: the new instances were unhealthy because the migration failed.
migration_failure() {
  local state
  [[ -n "${migration_parameter}" ]] || return 0
  state=$(migration_state 2>/dev/null) || return 0
  [[ "${state}" != failed* ]] || echo "; the migration (migrateCommand) ${state}"
}

# The group's newest refresh is this release's (the launch template version changed, so the provider started one);
# a group created in this run has none.
while :; do
  read -r refresh status reason < <(aws autoscaling describe-instance-refreshes --region "${region}" --auto-scaling-group-name "${group}" \
    --max-records 1 --query 'InstanceRefreshes[0].[InstanceRefreshId,Status,StatusReason]' --output text)
  case "${status:-None}" in
    Successful|None) break ;;
    Pending|InProgress|Cancelling|RollbackInProgress|Baking) ;;
    RollbackSuccessful)
      record rolled-back > /dev/null
      fail "instance refresh ${refresh} failed and rolled back (${reason:-no reason given})$(migration_failure); ${previous:-the previous release} keeps serving" ;;
    *)
      record failed > /dev/null
      fail "instance refresh ${refresh} ended ${status} (${reason:-no reason given})$(migration_failure)" ;;
  esac
  [[ $(date +%s) -lt ${deadline} ]] || fail "instance refresh ${refresh} still ${status} after ${timeout}s (${reason:-})"
  sleep "${poll}"
done

# Done only when the group has its capacity in service and healthy (the load balancer's check).
# shellcheck disable=SC2016  # the backquotes are JMESPath literals, not shell
while :; do
  read -r desired healthy < <(aws autoscaling describe-auto-scaling-groups --region "${region}" --auto-scaling-group-names "${group}" \
    --query 'AutoScalingGroups[0].[DesiredCapacity,length(Instances[?LifecycleState==`InService` && HealthStatus==`Healthy`])]' --output text)
  [[ "${healthy}" -lt "${desired}" ]] || break
  [[ $(date +%s) -lt ${deadline} ]] || { record failed > /dev/null; fail "${healthy} of ${desired} instances of ${group} healthy after ${timeout}s$(migration_failure)"; }
  sleep "${poll}"
done

history=$(record released)
notify ":white_check_mark: ${stack}: ${version} is live on ${healthy} instances after $(($(date +%s) - started))s (previous: ${previous:-none})"
jq -cn --arg v "${version}" --arg p "${previous}" --arg b "${backup}" --argjson s "$(($(date +%s) - started))" --argjson h "${history}" \
  '{version: $v, changed: true, previous: $p, backup: $b, seconds: $s, history: $h}'
