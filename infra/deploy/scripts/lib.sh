#!/usr/bin/env bash
# Shared by prepare-host.sh and release.sh. Fixed host layout, so every release finds the last one's state.
# shellcheck disable=SC2034  # the layout constants are used by the scripts that source this file

APP_BIN=/opt/webapp/bin
ENV_FILE=/etc/webapp/app.env
# Secrets only the release uses (registry token, Slack URL): never handed to the app's containers.
DEPLOY_ENV_FILE=/etc/webapp/deploy.env
STATE_DIR=/var/lib/webapp
BACKUP_DIR=${STATE_DIR}/backups
LOG_DIR=${STATE_DIR}/logs
HISTORY=${STATE_DIR}/releases.tsv
LOCK_DIR=${STATE_DIR}/release.lock
NGINX_SITE=/etc/nginx/conf.d/webapp.conf
UPSTREAM_DIR=/etc/nginx/webapp

log() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# The container CLI, split into words on purpose ("podman --runtime runc").
CLI=(docker)
set_cli() { read -r -a CLI <<< "$1"; }
cli() { "${CLI[@]}" "$@"; }

# Services arrive as "name=backend,image=ghcr.io/acme/api,port=8080,health=/health".
declare -a SVC_NAMES=() SVC_IMAGES=() SVC_PORTS=() SVC_HEALTH=()
add_service() {
  local name="" image="" port="" health="" kv
  local IFS=,
  for kv in $1; do
    case "${kv}" in
      name=*) name=${kv#name=} ;;
      image=*) image=${kv#image=} ;;
      port=*) port=${kv#port=} ;;
      health=*) health=${kv#health=} ;;
      *) die "unknown service field '${kv}'" ;;
    esac
  done
  [[ "${name}" =~ ^[a-z][a-z0-9-]*$ && -n "${image}" && "${port}" =~ ^[0-9]+$ && "${health}" == /* ]] \
    || die "bad --service '$1': expected name=...,image=...,port=...,health=/..."
  SVC_NAMES+=("${name}"); SVC_IMAGES+=("${image}"); SVC_PORTS+=("${port}"); SVC_HEALTH+=("${health}")
}

# Two slots per service: a new release starts on the other one, beside the live one.
slot_port() { if [[ "$2" == blue ]]; then echo $(($1 + 10000)); else echo $(($1 + 20000)); fi; }
other_slot() { if [[ "$1" == blue ]]; then echo green; else echo blue; fi; }
container_name() { echo "webapp-$1-$2"; }
upstream_name() { echo "webapp_${1//-/_}"; }

write_upstream() { # service port slot
  local file="${UPSTREAM_DIR}/$1.conf" tmp
  tmp="$(mktemp "${UPSTREAM_DIR}/.$1.XXXXXX")"
  printf 'upstream %s {\n    server 127.0.0.1:%s;\n    keepalive 16;\n}\n' "$(upstream_name "$1")" "$(slot_port "$2" "$3")" > "${tmp}"
  chmod 644 "${tmp}"
  mv -f "${tmp}" "${file}"
}

# The live slot is the one nginx points at: the upstream file is the truth, whatever happened before.
live_slot() { # service port
  local file="${UPSTREAM_DIR}/$1.conf"
  [[ -f "${file}" ]] || { echo none; return; }
  if grep -q "127.0.0.1:$(slot_port "$2" green);" "${file}"; then echo green; else echo blue; fi
}

running_version() { # container -> its version label, or nothing when it is not running
  cli inspect --format '{{if .State.Running}}{{index .Config.Labels "webapp.version"}}{{end}}' "$1" 2>/dev/null || true
}

healthy() { # url timeout
  curl -fsS -o /dev/null --max-time "$2" "$1" 2>/dev/null
}

nginx_reload() {
  nginx -t -q || return 1
  if [[ -s /run/nginx.pid ]] && kill -0 "$(cat /run/nginx.pid)" 2>/dev/null; then
    nginx -s reload
  elif command -v systemctl >/dev/null && systemctl is-system-running >/dev/null 2>&1; then
    systemctl enable --now nginx && systemctl reload nginx
  else
    nginx
  fi
}

# The env file is in the container runtime's --env-file format (KEY=value, taken literally), so it is
# read line by line here rather than sourced: a secret with a quote or a $ in it stays what it is.
load_env() {
  local line file
  for file in "${ENV_FILE}" "${DEPLOY_ENV_FILE}"; do
    [[ -f "${file}" ]] || continue
    while IFS= read -r line || [[ -n "${line}" ]]; do
      [[ "${line}" =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] || continue
      export "${line%%=*}=${line#*=}"
    done < "${file}"
  done
}

# Release events to Slack; the webhook URL goes to curl on stdin, never on a command line.
notify() { # text
  [[ -n "${DEPLOY_SLACK_WEBHOOK_URL:-}" ]] || return 0
  local payload
  payload="$(printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g')"
  printf 'url = "%s"\n' "${DEPLOY_SLACK_WEBHOOK_URL}" \
    | curl -fsS -o /dev/null --max-time 5 -H 'Content-Type: application/json' --data "{\"text\":\"${payload}\"}" --config - \
    || log "WARNING: the Slack notification failed"
}
