#!/bin/bash
# Runs every minute on a host without a load balancer (systemd timer): publishes HealthCheck (1 when
# every service answers through nginx, else 0) and BackupAgeHours. A dead host publishes nothing,
# which the health alarm treats as failing.
set -uo pipefail
# shellcheck source=/dev/null
source /etc/webapp/probe.conf # NAMESPACE REGION URLS
ok=1
for url in ${URLS}; do
  curl -fsS -o /dev/null --max-time 5 "${url}" || ok=0
done
data=("MetricName=HealthCheck,Value=${ok}")
if [[ -f /var/lib/webapp/last-backup ]]; then
  data+=("MetricName=BackupAgeHours,Value=$(( ($(date +%s) - $(cat /var/lib/webapp/last-backup)) / 3600 )),Unit=Count")
fi
aws cloudwatch put-metric-data --region "${REGION}" --namespace "${NAMESPACE}" --metric-data "${data[@]}"
