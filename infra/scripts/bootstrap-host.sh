# shellcheck shell=bash disable=SC2154  # a fragment of user data: the header before it sets its parameters
# Boot-time setup of an app host (Amazon Linux 2023). Sourced after a header that sets:
#   AGENT_CONFIG_PARAMETER  SSM parameter holding the CloudWatch agent's config ("" for none)
#   PROBE_URLS      health URLs through nginx for the one-minute probe ("" with a load balancer)
#   PROBE_SCRIPT    the probe itself ("" for no probe: it also publishes the on-host database's backup age)
#   METRICS_NAMESPACE REGION  where the probe publishes
# Idempotent: cloud-init runs it once, but a re-run changes nothing.
set -euo pipefail

dnf install -y --setopt=install_weak_deps=False docker nginx jq amazon-cloudwatch-agent
systemctl enable --now docker
systemctl enable --now nginx

if [[ -n "${AGENT_CONFIG_PARAMETER}" ]]; then
  /opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s -c "ssm:${AGENT_CONFIG_PARAMETER}"
fi

if [[ -n "${PROBE_SCRIPT}" ]]; then
  mkdir -p /etc/webapp
  printf 'NAMESPACE=%q\nREGION=%q\nURLS=%q\n' "${METRICS_NAMESPACE}" "${REGION}" "${PROBE_URLS}" > /etc/webapp/probe.conf
  install -m 755 /dev/stdin /usr/local/bin/webapp-probe <<< "${PROBE_SCRIPT}"
  cat > /etc/systemd/system/webapp-probe.service <<'UNIT'
[Unit]
Description=Publish the app's health and backup age to CloudWatch
[Service]
Type=oneshot
ExecStart=/usr/local/bin/webapp-probe
UNIT
  cat > /etc/systemd/system/webapp-probe.timer <<'UNIT'
[Unit]
Description=Every minute: webapp-probe
[Timer]
OnBootSec=60
OnUnitActiveSec=60
[Install]
WantedBy=timers.target
UNIT
  systemctl daemon-reload
  systemctl enable --now webapp-probe.timer
fi
