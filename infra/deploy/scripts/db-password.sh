#!/usr/bin/env bash
# Keeps DB_PASSWORD in the app's env file equal to the RDS-managed password. RDS rotates it (every 7
# days by default) and the old one stops working at once, so a password copied at the last release
# or boot would fail every new connection after a rotation. Runs when the env file is written, and
# from a timer every 2 minutes; when the password changed, the running app moves onto it with no
# downtime:
#   release  the release script starts the live version again beside itself and switches (stages 1-3)
#   refresh  the Auto Scaling group replaces its instances; each new one reads the password at boot (stage 4)
# Standalone (stage 4 instances have no release scripts). The password never reaches a command line or a log.
#
# Usage: db-password.sh --region R --filter        stdin: an env file; stdout: the same, DB_PASSWORD resolved
#        db-password.sh --region R [--env-file F] [--on-change none|release|refresh] [--install-timer]
set -euo pipefail
export AWS_PAGER=""
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
STATE_DIR=/var/lib/webapp
PENDING=${STATE_DIR}/db-password.pending
# What the last release ran with (release.sh keeps it), to start the same release again.
RELEASE_ARGS=${STATE_DIR}/release.args

log() { printf '%s %s\n' "$(date -u +%H:%M:%S.%3N)" "db-password.sh: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }
read -r -a AWS_CLI <<< "${WEBAPP_AWS_CLI:-aws}"
IMDS=${WEBAPP_IMDS:-http://169.254.169.254}

region="" env_file=/etc/webapp/app.env on_change=none filter=false install_timer=false
while [[ $# -gt 0 ]]; do
  case "$1" in
    --region) region=$2; shift 2 ;;
    --env-file) env_file=$2; shift 2 ;;
    --on-change) on_change=$2; shift 2 ;;
    --filter) filter=true; shift ;;
    --install-timer) install_timer=true; shift ;;
    *) die "unknown argument '$1'" ;;
  esac
done
[[ -n "${region}" ]] || die "--region is required"
[[ "${on_change}" =~ ^(none|release|refresh)$ ]] || die "--on-change '${on_change}': expected none, release or refresh"

# An env file with DB_PASSWORD set to the secret's current password (unchanged when there is no DB_SECRET_ARN).
resolve() { # env text
  local arn secret password
  [[ -n "$1" ]] || return 0
  arn="$(sed -n 's/^DB_SECRET_ARN=//p' <<< "$1" | tail -n 1)"
  if [[ -z "${arn}" ]]; then printf '%s\n' "$1"; return 0; fi
  secret="$("${AWS_CLI[@]}" secretsmanager get-secret-value --region "${region}" --secret-id "${arn}" --query SecretString --output text)" \
    || die "cannot read the database secret ${arn}"
  password="$(jq -r '.password // empty' <<< "${secret}")"
  [[ -n "${password}" ]] || die "the secret ${arn} has no password field"
  grep -v '^DB_PASSWORD=' <<< "$1" || true
  printf '%s=%s\n' DB_PASSWORD "${password}"
}

if ${filter}; then
  resolve "$(cat)"
  exit 0
fi

if ${install_timer}; then
  [[ -d /run/systemd/system ]] || { log "no systemd here: no timer installed"; exit 0; }
  printf '%s\n' '[Unit]' 'Description=webapp: follow the rotated RDS password' '[Service]' 'Type=oneshot' \
    "ExecStart=$(readlink -f "$0") --region ${region} --env-file ${env_file} --on-change ${on_change}" > /etc/systemd/system/webapp-db-password.service
  printf '%s\n' '[Unit]' 'Description=webapp: check the RDS password every 2 minutes' '[Timer]' 'OnBootSec=2min' 'OnUnitActiveSec=2min' \
    '[Install]' 'WantedBy=timers.target' > /etc/systemd/system/webapp-db-password.timer
  systemctl daemon-reload
  systemctl enable -q --now webapp-db-password.timer
  exit 0
fi

[[ -f "${env_file}" ]] || die "no env file ${env_file}"
current="$(cat "${env_file}")"
wanted="$(resolve "${current}")"
if [[ "${wanted}" != "${current}" ]]; then
  install -d -m 755 "${STATE_DIR}"
  : > "${PENDING}"
  tmp="$(mktemp "$(dirname "${env_file}")/.env.XXXXXX")"
  chmod 600 "${tmp}"
  printf '%s\n' "${wanted}" > "${tmp}"
  mv -f "${tmp}" "${env_file}"
  log "the database password changed (rotated); ${env_file} follows it"
fi
# A roll that failed last time is tried again: the file already holds the new password.
[[ -f "${PENDING}" ]] || exit 0

case "${on_change}" in
  none) ;;
  release)
    [[ -s "${RELEASE_ARGS}" ]] || die "no release has run on this host yet; the next one uses the new password"
    # The same release again; its env changed, so it starts beside the live one and switches. Without
    # the load balancer steps (each host rolls on its own, and the switch alone drops no request), a
    # snapshot or a restore.
    mapfile -d '' -t saved < "${RELEASE_ARGS}"
    args=()
    for ((i = 0; i < ${#saved[@]}; i++)); do
      case "${saved[$i]}" in
        --lb-target-group|--lb-target-id|--rds-instance|--restore|--restore-confirm) i=$((i + 1)) ;;
        *) args+=("${saved[$i]}") ;;
      esac
    done
    "${here}/release.sh" "${args[@]}" > /dev/null || die "the release with the new password failed; the next check tries again"
    ;;
  refresh)
    token="$(curl -fsS -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' "${IMDS}/latest/api/token")"
    instance="$(curl -fsS -H "X-aws-ec2-metadata-token: ${token}" "${IMDS}/latest/meta-data/instance-id")"
    group="$("${AWS_CLI[@]}" autoscaling describe-auto-scaling-instances --region "${region}" --instance-ids "${instance}" \
      --query 'AutoScalingInstances[0].AutoScalingGroupName' --output text)"
    # Every instance finds the change; the first one starts the refresh, the others find it running.
    # All of them (the template did not change, so none may be skipped), half at a time: the load
    # balancer keeps sending to the other half. Not MaxHealthyPercentage (launch first): the aws CLI
    # of an older AMI (and Debian's 2.9) does not know it, and this must work on any host.
    out="$("${AWS_CLI[@]}" autoscaling start-instance-refresh --region "${region}" --auto-scaling-group-name "${group}" \
      --preferences '{"MinHealthyPercentage":50,"InstanceWarmup":120,"SkipMatching":false}' 2>&1)" \
      || grep -q InstanceRefreshInProgress <<< "${out}" || die "could not start an instance refresh of ${group}: ${out}"
    log "instance refresh of ${group}: ${out}"
    ;;
esac
rm -f "${PENDING}"
