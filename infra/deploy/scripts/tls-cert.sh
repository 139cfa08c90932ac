#!/usr/bin/env bash
# HTTPS at stages 1-2, where nginx faces the internet: the Let's Encrypt certificate of --domain,
# obtained and renewed by certbot with HTTP-01 (the challenge files go to the webroot that nginx's
# port 80 serves at /.well-known/acme-challenge/), at the paths the site names (TLS_DIR). Until the
# first certificate is there (DNS not pointing here yet, Let's Encrypt unreachable) a self-signed
# placeholder stands in, so nginx starts and serves the challenge; a timer runs this twice a day,
# which both retries the first issuance and renews (certbot renews only once a certificate is due: by
# the CA's renewal information (certbot 4.1 and later), else renew_before_expiry, else in the last third of its life).
#
# Usage: tls-cert.sh --domain D --email E [--placeholder-only] [--install-timer] [--acme-server URL] [--certbot-dir DIR]
#   --acme-server: another ACME directory than Let's Encrypt's (its staging, or the tests' pebble).
#   --certbot-dir: certbot's config, work and logs under DIR instead of the host's (LETSENCRYPT_DIR, ...),
#   so a second certbot runs beside the host's (the tests').
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "${here}/lib.sh"

domain="" email="" placeholder_only=false install_timer=false acme_server="" certbot_dir=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --domain) domain=$2; shift 2 ;;
    --email) email=$2; shift 2 ;;
    --placeholder-only) placeholder_only=true; shift ;;
    --install-timer) install_timer=true; shift ;;
    --acme-server) acme_server=$2; shift 2 ;;
    --certbot-dir) certbot_dir=$2; shift 2 ;;
    *) die "unknown argument '$1'" ;;
  esac
done
[[ "${domain}" =~ ^[A-Za-z0-9.-]+$ && "${email}" == *@* ]] || die "usage: tls-cert.sh --domain app.example.com --email ops@example.com"
[[ -z "${acme_server}" || "${acme_server}" =~ ^https://[^[:space:]]+$ ]] || die "--acme-server '${acme_server}' is invalid: expected an ACME directory URL, https://..."
[[ -z "${certbot_dir}" || "${certbot_dir}" == /* ]] || die "--certbot-dir '${certbot_dir}' is invalid: expected an absolute path"

# This run's own arguments, which the timer repeats; certbot's, beyond Let's Encrypt's defaults.
again=(--domain "${domain}" --email "${email}")
certbot_args=()
letsencrypt=${LETSENCRYPT_DIR}
if [[ -n "${acme_server}" ]]; then
  again+=(--acme-server "${acme_server}")
  certbot_args+=(--server "${acme_server}")
fi
if [[ -n "${certbot_dir}" ]]; then
  again+=(--certbot-dir "${certbot_dir}")
  letsencrypt=${certbot_dir}/config
  certbot_args+=(--config-dir "${letsencrypt}" --work-dir "${certbot_dir}/work" --logs-dir "${certbot_dir}/logs")
fi

install -d -m 755 "${ACME_WEBROOT}"
install -d -m 700 "${TLS_DIR}"
if [[ ! -e "${TLS_DIR}/fullchain.pem" ]]; then
  openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=${domain}" \
    -keyout "${TLS_DIR}/privkey.pem" -out "${TLS_DIR}/fullchain.pem" 2>/dev/null
  log "a self-signed placeholder serves ${domain} on 443 until Let's Encrypt's certificate is there"
fi
${placeholder_only} && exit 0

if ${install_timer}; then
  if has_systemd; then
    printf '%s\n' '[Unit]' "Description=webapp: obtain or renew the certificate of ${domain}" '[Service]' 'Type=oneshot' \
      "ExecStart=$(readlink -f "$0") ${again[*]}" > /etc/systemd/system/webapp-tls.service
    printf '%s\n' '[Unit]' 'Description=webapp: certificate check twice a day' '[Timer]' 'OnCalendar=*-*-* 00/12:00:00' \
      'RandomizedDelaySec=1h' 'Persistent=true' '[Install]' 'WantedBy=timers.target' > /etc/systemd/system/webapp-tls.timer
    systemctl daemon-reload
    systemctl enable -q --now webapp-tls.timer
  fi
  exit 0
fi

if ! command -v certbot >/dev/null; then
  log "installing certbot"
  if command -v dnf >/dev/null; then
    # Amazon Linux 2023 has no certbot package: certbot's own instructions, a virtualenv from PyPI.
    dnf install -y -q python3 augeas-libs >/dev/null
    python3 -m venv /opt/certbot && /opt/certbot/bin/pip install -q certbot && ln -sf /opt/certbot/bin/certbot /usr/local/bin/certbot
  else
    apt-get install -y -q certbot >/dev/null
  fi
fi
# certonly: nginx's config is ours, certbot only writes the challenge and the certificate. The deploy
# hook runs when a certificate was issued or renewed: nginx picks it up on a reload ("nginx -s reload";
# certbot keeps the hook for its renewals).
certbot certonly --webroot -w "${ACME_WEBROOT}" -d "${domain}" -m "${email}" --agree-tos --non-interactive \
  --keep-until-expiring --deploy-hook "$(printf '%q ' "${NGINX[@]}")-s reload" "${certbot_args[@]}" >&2
live="${letsencrypt}/live/${domain}"
if [[ "$(readlink "${TLS_DIR}/fullchain.pem" || true)" != "${live}/fullchain.pem" ]]; then
  ln -sfn "${live}/privkey.pem" "${TLS_DIR}/privkey.pem"
  ln -sfn "${live}/fullchain.pem" "${TLS_DIR}/fullchain.pem"
  nginx_reload || die "nginx refused the certificate of ${domain}"
  log "nginx serves Let's Encrypt's certificate of ${domain}"
fi
