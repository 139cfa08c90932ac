#!/usr/bin/env bash
# Runs one host command by SSM Run Command, from where `pulumi up` runs (a CI runner with no route to
# the hosts): waits until the host's SSM agent is online (a host created in the same run takes a
# minute), sends AWS-RunShellScript, polls the invocation, relays its stdout and stderr, and exits
# non-zero with the reason when the command did not succeed. Nothing secret is on this command line:
# the host reads its secrets from a SecureString parameter with its own role.
#
# Usage: ssm-run.sh --region R --instance-id I --timeout SECONDS --comment TEXT --parameters JSON [--poll SECONDS]
set -euo pipefail
export AWS_PAGER=""

region="" instance="" timeout=1800 comment="" parameters="" poll=5
while [[ $# -gt 0 ]]; do
  case "$1" in
    --region) region=$2; shift 2 ;;
    --instance-id) instance=$2; shift 2 ;;
    --timeout) timeout=$2; shift 2 ;;
    --comment) comment=$2; shift 2 ;;
    --parameters) parameters=$2; shift 2 ;;
    --poll) poll=$2; shift 2 ;;
    *) echo "ssm-run.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
[[ -n "${region}" && -n "${instance}" && -n "${parameters}" ]] || { echo "usage: ssm-run.sh --region R --instance-id I --parameters JSON ..." >&2; exit 2; }
deadline=$(($(date +%s) + timeout))

# A new host registers with SSM only once its agent has started.
until [[ "$(aws ssm describe-instance-information --region "${region}" --filters "Key=InstanceIds,Values=${instance}" \
    --query 'InstanceInformationList[0].PingStatus' --output text 2>/dev/null || true)" == Online ]]; do
  if [[ $(date +%s) -ge ${deadline} ]]; then
    echo "ERROR: ${instance} is not online in SSM after ${timeout}s: check its instance role (AmazonSSMManagedInstanceCore) and its route to the SSM endpoints" >&2
    exit 1
  fi
  sleep "${poll}"
done

command_id=$(aws ssm send-command --region "${region}" --instance-ids "${instance}" --document-name AWS-RunShellScript \
  --comment "${comment}" --timeout-seconds 600 --parameters "${parameters}" --query Command.CommandId --output text)

invocation() { # query
  aws ssm get-command-invocation --region "${region}" --command-id "${command_id}" --instance-id "${instance}" --query "$1" --output text
}
errors=$(mktemp)
trap 'rm -f "${errors}"' EXIT
status=Pending
while [[ "${status}" =~ ^(Pending|InProgress|Delayed|Cancelling)$ ]]; do
  sleep "${poll}"
  # Right after send-command the invocation may not exist yet (InvocationDoesNotExist): ask again. Any other error stops.
  if ! status=$(invocation Status 2>"${errors}"); then
    grep -q InvocationDoesNotExist "${errors}" || { cat "${errors}" >&2; exit 1; }
    status=Pending
  fi
  if [[ $(date +%s) -ge $((deadline + 60)) ]]; then
    echo "ERROR: command ${command_id} on ${instance} still ${status} after ${timeout}s" >&2
    exit 1
  fi
done
invocation StandardErrorContent >&2 || true
if [[ "${status}" != Success ]]; then
  echo "ERROR: command ${command_id} on ${instance} ended ${status}: $(invocation StatusDetails || true)" >&2
  exit 1
fi
invocation StandardOutputContent
