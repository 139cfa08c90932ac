#!/bin/bash
# Runs every minute (systemd timer): publishes HealthCheck (1 when every service answers through
# nginx, else 0; on a host without a load balancer) and, where the database is backed up on the host,
# BackupAgeHours: hours since the last successful backup (scheduled or before a release), or since
# backups were set up when none has succeeded yet. A dead host publishes nothing, which both alarms
# treat as failing.
set -uo pipefail
# shellcheck source=/dev/null
source /etc/webapp/probe.conf # NAMESPACE REGION URLS
# Written by the deploy's prepare step when it installs the backup timer: backups are expected from then.
BACKUP_SINCE="$(cat /var/lib/webapp/backup-since 2>/dev/null || true)"
data=()
if [[ -n "${URLS}" ]]; then
  ok=1
  for url in ${URLS}; do
    curl -fsS -o /dev/null --max-time 5 "${url}" || ok=0
  done
  data+=("MetricName=HealthCheck,Value=${ok}")
fi
if [[ -n "${BACKUP_SINCE}" ]]; then
  since="$(cat /var/lib/webapp/last-backup 2>/dev/null || echo "${BACKUP_SINCE}")"
  data+=("MetricName=BackupAgeHours,Value=$(awk -v now="$(date +%s)" -v since="${since}" 'BEGIN { printf "%.2f", (now - since) / 3600 }'),Unit=Count")
fi
[[ ${#data[@]} -gt 0 ]] || exit 0
aws cloudwatch put-metric-data --region "${REGION}" --namespace "${NAMESPACE}" --metric-data "${data[@]}"
