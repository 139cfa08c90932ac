#!/usr/bin/env bash
# Prepares an app host, idempotently: packages, layout, the app's env file (from stdin, mode 0600),
# the release switch (haproxy, pointing at the live slots), nginx with the services' routes in front
# of it, log rotation, and the on-host database when there is one.
# Usage: prepare-host.sh --scripts DIR --cli "docker" --site-b64 BASE64 --service name=..,image=..,port=..,health=..
#          [--env-stdin] [--region R] [--backup-service-b64 B64 --backup-timer-b64 B64] [--tls-domain D --tls-email E] [--db-runtime container|system|none] [--db-image IMAGE] [--db-port 5432] [--db-data DIR]
#          [--run-arg ARG ...] [--pull-arg ARG ...]   (the database container's, as the release's for the app's)
#          [--data-device PATH --data-fstype xfs]   (the database's own volume, mounted at --db-data)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "${here}/lib.sh"

scripts="" site_b64="" env_stdin=false region="" backup_service_b64="" backup_timer_b64="" tls_domain="" tls_email="" db_runtime=none db_image="" db_port=5432 db_data=/var/lib/webapp/db data_device="" data_fstype=xfs
declare -a run_args=() pull_args=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --scripts) scripts=$2; shift 2 ;;
    --cli) set_cli "$2"; shift 2 ;;
    --site-b64) site_b64=$2; shift 2 ;;
    --service) add_service "$2"; shift 2 ;;
    --env-stdin) env_stdin=true; shift ;;
    --region) region=$2; shift 2 ;;
    --backup-service-b64) backup_service_b64=$2; shift 2 ;;
    --backup-timer-b64) backup_timer_b64=$2; shift 2 ;;
    --tls-domain) tls_domain=$2; shift 2 ;;
    --tls-email) tls_email=$2; shift 2 ;;
    --db-runtime) db_runtime=$2; shift 2 ;;
    --db-image) db_image=$2; shift 2 ;;
    --db-port) db_port=$2; shift 2 ;;
    --db-data) db_data=$2; shift 2 ;;
    --data-device) data_device=$2; shift 2 ;;
    --data-fstype) data_fstype=$2; shift 2 ;;
    --run-arg) run_args+=("$2"); shift 2 ;;
    --pull-arg) pull_args+=("$2"); shift 2 ;;
    *) die "unknown argument '$1'" ;;
  esac
done
[[ -n "${site_b64}" && ${#SVC_NAMES[@]} -gt 0 ]] || die "usage: prepare-host.sh --site-b64 ... --service ..."

install_missing() { # command package...
  command -v "$1" >/dev/null && return 0
  shift
  log "installing $*"
  if command -v dnf >/dev/null; then dnf install -y -q "$@"; elif command -v apt-get >/dev/null; then apt-get install -y -q "$@"; else die "no package manager to install $*"; fi
}
install_missing "${CLI[0]}" "${CLI[0]}"
install_missing nginx nginx
install_missing haproxy haproxy
install_missing socat socat
install_missing curl curl
install_missing jq jq
if [[ "${CLI[0]}" == docker ]] && command -v systemctl >/dev/null; then systemctl enable --now docker; fi

install -d -m 755 "${APP_BIN}" "${UPSTREAM_DIR}" "${STATE_DIR}"
install -d -m 700 /etc/webapp "${BACKUP_DIR}" "${LOG_DIR}"
if [[ -n "${scripts}" ]]; then
  install -m 755 "${scripts}"/*.sh "${APP_BIN}/"
fi

replace_file() { # target: stdin becomes the file, whole, mode 0600; a reader never sees half of it
  local tmp
  tmp="$(mktemp "$(dirname "$1")/.env.XXXXXX")"
  chmod 600 "${tmp}"
  cat > "${tmp}"
  if cmp -s "${tmp}" "$1"; then rm -f "${tmp}"; else mv -f "${tmp}" "$1"; log "$1 updated"; fi
}
if ${env_stdin}; then
  # DEPLOY_* lines are for the release script only; the rest is the app's. Contents are never echoed.
  input="$(cat)"
  # With an RDS-managed password (DB_SECRET_ARN), DB_PASSWORD is its current value, and a timer keeps
  # it so after each rotation (db-password.sh).
  app_env="$({ grep -v '^DEPLOY_' <<< "${input}" || true; } | bash "${here}/db-password.sh" --filter --region "${region:-none}")"
  printf '%s\n' "${app_env}" | replace_file "${ENV_FILE}"
  { grep '^DEPLOY_' <<< "${input}" || true; } | replace_file "${DEPLOY_ENV_FILE}"
  if grep -q '^DB_SECRET_ARN=.' <<< "${app_env}"; then
    "${APP_BIN}/db-password.sh" --install-timer --region "${region}" --on-change release
  fi
  unset input app_env
fi

# --- the release switch: haproxy at the live slots (blue on a fresh host), up before nginx uses it --
declare -a slots=()
for i in "${!SVC_NAMES[@]}"; do
  slot="$(live_slot "${SVC_NAMES[$i]}" "${SVC_PORTS[$i]}")"
  [[ "${slot}" != none ]] || slot=blue
  slots+=("${slot}")
done
switch_changed=0
write_switch_config "${slots[@]}" || switch_changed=$?
[[ ${switch_changed} -ne 2 ]] || die "haproxy refused the switch config for these services"
if has_systemd; then
  haproxy_bin="$(command -v haproxy)"
  # shellcheck disable=SC2016  # $MAINPID is for systemd to expand
  unit="$(printf '%s\n' '[Unit]' 'Description=webapp release switch (haproxy; releases move its servers through the runtime API)' \
    'After=network.target' 'Before=nginx.service' '' '[Service]' 'Type=notify' 'RuntimeDirectory=webapp-switch' \
    "ExecStartPre=${haproxy_bin} -c -q -f ${SWITCH_CONFIG}" "ExecStart=${haproxy_bin} -Ws -f ${SWITCH_CONFIG} -p ${SWITCH_RUN}/haproxy.pid" \
    "ExecReload=${haproxy_bin} -c -q -f ${SWITCH_CONFIG}" 'ExecReload=/bin/kill -USR2 $MAINPID' 'KillMode=mixed' 'Restart=always' '' \
    '[Install]' 'WantedBy=multi-user.target')"
  if [[ "$(cat "${SWITCH_UNIT}" 2>/dev/null)" != "${unit}" ]]; then
    printf '%s\n' "${unit}" > "${SWITCH_UNIT}"
    systemctl daemon-reload
  fi
fi
if [[ ${switch_changed} -eq 0 ]]; then switch_start reload; else switch_start start; fi

# HTTPS (stages 1-2): the site names a certificate; until Let's Encrypt's is there, a placeholder.
[[ -z "${tls_domain}" ]] || bash "${APP_BIN}/tls-cert.sh" --domain "${tls_domain}" --email "${tls_email}" --placeholder-only

# --- nginx: the site, and one static upstream per service (its switch socket) -------------------
# The distro's default site would claim default_server; this host serves the app only.
rm -f /etc/nginx/sites-enabled/default
printf '%s' "${site_b64}" | base64 -d > "${NGINX_SITE}.new"
site_changed=false
if ! cmp -s "${NGINX_SITE}.new" "${NGINX_SITE}"; then
  [[ -f "${NGINX_SITE}" ]] && cp -f "${NGINX_SITE}" "${NGINX_SITE}.old"
  mv -f "${NGINX_SITE}.new" "${NGINX_SITE}"
  site_changed=true
else
  rm -f "${NGINX_SITE}.new"
fi
upstreams_changed=false
for i in "${!SVC_NAMES[@]}"; do
  if write_upstream "${SVC_NAMES[$i]}"; then upstreams_changed=true; fi
done
# A reload closes idle client connections: only when something changed, or to start nginx.
if ${site_changed} || ${upstreams_changed} || ! nginx_running; then
  if ! nginx_reload; then
    if ${site_changed}; then
      if [[ -f "${NGINX_SITE}.old" ]]; then mv -f "${NGINX_SITE}.old" "${NGINX_SITE}"; else rm -f "${NGINX_SITE}"; fi
    fi
    die "nginx refused the new site config; the previous one is back"
  fi
  log "nginx started or updated"
fi

if [[ -n "${tls_domain}" ]]; then
  # Now that nginx serves the challenge's webroot on port 80. A first run before DNS points here fails:
  # the placeholder stays, and the timer tries again twice a day.
  bash "${APP_BIN}/tls-cert.sh" --domain "${tls_domain}" --email "${tls_email}" --install-timer
  bash "${APP_BIN}/tls-cert.sh" --domain "${tls_domain}" --email "${tls_email}" \
    || log "WARNING: no Let's Encrypt certificate for ${tls_domain} yet (does its DNS point at this host?); the placeholder serves until the timer gets one"
fi

cat > /etc/logrotate.d/webapp <<'ROTATE'
/var/log/nginx/webapp-access.log /var/lib/webapp/logs/*.log {
    daily
    rotate 14
    compress
    delaycompress
    missingok
    notifempty
    copytruncate
}
ROTATE

# --- the database's own volume: formatted on first use, mounted at --db-data ----------------------
# Here, not in the user data: the host's user data then never names the volume, so letting the volume
# go after the move to RDS changes nothing that would replace the host.
if [[ -n "${data_device}" ]]; then
  # Pulumi attaches it before this step; from a replaced host it detaches first, which takes minutes.
  waited=0
  until [[ -e "${data_device}" ]]; do
    [[ ${waited} -lt 900 ]] || die "the data volume ${data_device} is not attached after ${waited}s"
    (( waited % 60 != 0 )) || log "waiting for the data volume ${data_device} to attach (${waited}s)"
    sleep 5
    waited=$((waited + 5))
  done
  if ! blkid "${data_device}" >/dev/null; then
    mkfs -t "${data_fstype}" -q "${data_device}"
    log "formatted the data volume ${data_device} (${data_fstype})"
  fi
  install -d -m 700 "${db_data}"
  grep -q " ${db_data} " /etc/fstab || echo "${data_device} ${db_data} ${data_fstype} defaults,nofail 0 2" >> /etc/fstab
  if ! mountpoint -q "${db_data}"; then
    mount "${db_data}"
    log "mounted the data volume at ${db_data}"
  fi
fi

case "${db_runtime}" in
  container)
    install -d -m 700 "${db_data}"
    # App containers reach the database by name on this network; its port stays on loopback.
    cli network inspect webapp >/dev/null 2>&1 || cli network create webapp >/dev/null
    if [[ "$(cli inspect --format '{{.State.Running}}' webapp-db 2>/dev/null || true)" != true ]]; then
      cli rm -f webapp-db >/dev/null 2>&1 || true
      load_env
      # Pulled first, with the pull arguments: `run` would pull without them.
      if ! cli image inspect "${db_image}" >/dev/null 2>&1; then
        log "pulling ${db_image}"
        cli pull -q "${pull_args[@]}" "${db_image}" >/dev/null || die "pulling ${db_image} failed"
      fi
      log "starting the database container (${db_image})"
      # POSTGRES_* come from the env file; the port is bound to loopback only, never exposed.
      cli run -d --name webapp-db --restart unless-stopped --network webapp "${run_args[@]}" \
        -e POSTGRES_USER="${DB_USERNAME:?DB_USERNAME missing from the env file}" -e POSTGRES_DB="${DB_NAME:?}" \
        --env-file <(printf 'POSTGRES_PASSWORD=%s\n' "${DB_PASSWORD:?DB_PASSWORD missing from the env file}") \
        -v "${db_data}:/var/lib/postgresql/data" -p "127.0.0.1:${db_port}:5432" "${db_image}" >/dev/null
    fi
    # A first start initialises the cluster before it takes connections, and the release's backup and
    # migration follow this step at once. Asked over TCP: the image's set-up server listens on its socket only.
    waited=0
    until cli exec webapp-db pg_isready -q -h 127.0.0.1 -p 5432 >/dev/null 2>&1; do
      if [[ ${waited} -ge 120 || "$(cli inspect --format '{{.State.Running}}' webapp-db 2>/dev/null || true)" != true ]]; then
        cli logs --tail 30 webapp-db >&2 || true
        die "the database container webapp-db does not accept connections after ${waited}s (its last log lines above)"
      fi
      sleep 1
      waited=$((waited + 1))
    done
    log "the database container accepts connections"
    ;;
  system)
    command -v pg_isready >/dev/null || die "db runtime 'system' needs the PostgreSQL client tools"
    pg_isready -q -h 127.0.0.1 -p "${db_port}" || die "PostgreSQL is not answering on 127.0.0.1:${db_port}"
    ;;
  none) ;;
  *) die "unknown --db-runtime '${db_runtime}'" ;;
esac

# --- the database's scheduled backup: backup-db.sh from a systemd timer -------------------------
# Installed with the database it backs up (here, not in the user data: a new schedule changes a
# timer, not the host).
if [[ -n "${backup_timer_b64}" ]]; then
  # Backups are expected from now on: until the first one succeeds, the probe counts the age from here.
  [[ -f "${STATE_DIR}/backup-since" ]] || date +%s > "${STATE_DIR}/backup-since"
  if has_systemd; then
    units_changed=false
    write_unit() { # name base64: true when the unit file changed
      printf '%s' "$2" | base64 -d > "/etc/systemd/system/$1.new"
      if cmp -s "/etc/systemd/system/$1.new" "/etc/systemd/system/$1"; then rm -f "/etc/systemd/system/$1.new"; return 1; fi
      mv -f "/etc/systemd/system/$1.new" "/etc/systemd/system/$1"
    }
    if write_unit webapp-backup.service "${backup_service_b64}"; then units_changed=true; fi
    if write_unit webapp-backup.timer "${backup_timer_b64}"; then units_changed=true; fi
    ! ${units_changed} || systemctl daemon-reload
    systemctl enable -q --now webapp-backup.timer
  else
    log "no systemd here: no backup timer (backup-db.sh runs before each release only)"
  fi
fi
log "host prepared"
