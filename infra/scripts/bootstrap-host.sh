# Boot-time setup of an app host (Amazon Linux 2023). Sourced after a header that sets:
#   DATA_VOLUME_ID  EBS volume id for the on-host database's data ("" when the database is elsewhere)
#   DATA_DIR        where that volume is mounted
# Idempotent: cloud-init runs it once, but a re-run changes nothing.
set -euo pipefail

dnf install -y --setopt=install_weak_deps=False docker nginx jq amazon-cloudwatch-agent
systemctl enable --now docker
systemctl enable --now nginx

if [[ -n "${DATA_VOLUME_ID}" ]]; then
  # On Nitro instances an EBS volume shows up as NVMe; its serial is the volume id without the dash.
  device="/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_${DATA_VOLUME_ID//-/}"
  for _ in $(seq 1 60); do [[ -e "${device}" ]] && break; sleep 5; done
  [[ -e "${device}" ]] || { echo "data volume ${DATA_VOLUME_ID} never attached" >&2; exit 1; }
  blkid "${device}" >/dev/null || mkfs.xfs "${device}"
  mkdir -p "${DATA_DIR}"
  grep -q " ${DATA_DIR} " /etc/fstab || echo "${device} ${DATA_DIR} xfs defaults,nofail 0 2" >> /etc/fstab
  mountpoint -q "${DATA_DIR}" || mount "${DATA_DIR}"
fi
