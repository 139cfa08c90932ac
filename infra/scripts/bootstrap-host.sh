# shellcheck shell=bash disable=SC2154  # a fragment of user data: the header before it sets its parameters
# Boot-time setup of an app host (Amazon Linux 2023). Sourced after a header that sets:
#   DATA_VOLUME_ID  EBS volume id for the on-host database's data ("" when the database is elsewhere)
#   DATA_DIR        where that volume is mounted
#   DATA_FSTYPE     its file system (the disk alarms name it)
#   AGENT_CONFIG_PARAMETER  SSM parameter holding the CloudWatch agent's config ("" for none)
#   PROBE_URLS      health URLs through nginx for the one-minute probe ("" with a load balancer)
#   PROBE_SCRIPT    the probe itself ("" for no probe: it also publishes the on-host database's backup age)
#   METRICS_NAMESPACE REGION  where the probe publishes
# Idempotent: cloud-init runs it once, but a re-run changes nothing.
set -euo pipefail

dnf install -y --setopt=install_weak_deps=False docker nginx jq amazon-cloudwatch-agent
systemctl enable --now docker
systemctl enable --now nginx

if [[ -n "${DATA_VOLUME_ID}" ]]; then
  # On Nitro instances an EBS volume shows up as NVMe; its serial is the volume id without the dash.
  device="/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_${DATA_VOLUME_ID//-/}"
  # A replaced host boots while the old one still holds the volume: Pulumi stops the old host and
  # detaches it first, which takes minutes. Wait as long as that takes, saying so every minute.
  waited=0
  until [[ -e "${device}" ]]; do
    (( waited % 60 == 0 )) && echo "waiting for data volume ${DATA_VOLUME_ID} to attach (${waited}s)" >&2
    sleep 5
    waited=$((waited + 5))
  done
  blkid "${device}" >/dev/null || mkfs -t "${DATA_FSTYPE}" "${device}"
  mkdir -p "${DATA_DIR}"
  grep -q " ${DATA_DIR} " /etc/fstab || echo "${device} ${DATA_DIR} ${DATA_FSTYPE} defaults,nofail 0 2" >> /etc/fstab
  mountpoint -q "${DATA_DIR}" || mount "${DATA_DIR}"
fi

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
