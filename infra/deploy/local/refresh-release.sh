#!/usr/bin/env bash
# A stage 4 release, seen from where `pulumi up` runs: the launch template's new version starts an
# instance refresh (launch before terminate, automatic rollback); this script makes `pulumi up` wait
# for it and report like a release at stages 1-3.
#   start: Slack hears the start; RDS is snapshotted (once the instance is available) and the release
#          snapshots are pruned to the last --keep; prints the snapshot id.
#   wait:  polls the group's newest instance refresh until it ends, then until the group's instances
#          are in service and healthy; records the outcome in the history parameter (JSON, newest
#          first), tells Slack, prints the release record; a failed or rolled-back refresh exits 1
#          with AWS's reason.
# The Slack webhook URL, when there is one, comes on stdin: never on a command line.
#
# Usage: refresh-release.sh start --region R --stack S --version V [--rds-instance ID] [--keep 3]
#        refresh-release.sh wait --region R --stack S --version V --group G --history-parameter NAME
#                                [--rds-instance ID] [--timeout SECONDS] [--poll SECONDS]
set -euo pipefail
export AWS_PAGER=""

step=${1:-}
shift || true
region="" stack="" version="" rds_instance="" keep=3 group="" history_parameter="" backup="" timeout=1800 poll=15
while [[ $# -gt 0 ]]; do
  case "$1" in
    --region) region=$2; shift 2 ;;
    --stack) stack=$2; shift 2 ;;
    --version) version=$2; shift 2 ;;
    --rds-instance) rds_instance=$2; shift 2 ;;
    --keep) keep=$2; shift 2 ;;
    --group) group=$2; shift 2 ;;
    --history-parameter) history_parameter=$2; shift 2 ;;
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

if [[ "${step}" == start ]]; then
  notify ":rocket: ${stack}: release of ${version} started (instance refresh)"
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
  history=$(aws ssm get-parameter --region "${region}" --name "${history_parameter}" --query Parameter.Value --output text)
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
previous=$(aws ssm get-parameter --region "${region}" --name "${history_parameter}" --query Parameter.Value --output text \
  | jq -r --arg v "${version}" '[.[] | select(.outcome == "released" and .version != $v)][0].version // ""')

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
      fail "instance refresh ${refresh} failed and rolled back (${reason:-no reason given}); ${previous:-the previous release} keeps serving" ;;
    *)
      record failed > /dev/null
      fail "instance refresh ${refresh} ended ${status} (${reason:-no reason given})" ;;
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
  [[ $(date +%s) -lt ${deadline} ]] || { record failed > /dev/null; fail "${healthy} of ${desired} instances of ${group} healthy after ${timeout}s"; }
  sleep "${poll}"
done

history=$(record released)
notify ":white_check_mark: ${stack}: ${version} is live on ${healthy} instances after $(($(date +%s) - started))s (previous: ${previous:-none})"
jq -cn --arg v "${version}" --arg p "${previous}" --arg b "${backup}" --argjson s "$(($(date +%s) - started))" --argjson h "${history}" \
  '{version: $v, changed: true, previous: $p, backup: $b, seconds: $s, history: $h}'
