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
# HTTPS at stages 1-2 (infra/nginx.ts names the same paths): the certificate nginx serves, and the
# webroot of Let's Encrypt's HTTP-01 challenge.
TLS_DIR=/etc/webapp/tls
ACME_WEBROOT=/var/lib/webapp/acme
# certbot's own (its default --config-dir): the certificates it obtains are under live/<domain>/.
LETSENCRYPT_DIR=/etc/letsencrypt
UPSTREAM_DIR=/etc/nginx/webapp
# The release switch: an HAProxy whose servers a release moves through its runtime API, never by a
# reload, so no client connection is ever closed by a release. nginx reaches it on one socket per service.
SWITCH_CONFIG=/etc/webapp/haproxy.cfg
SWITCH_RUN=/run/webapp-switch
SWITCH_UNIT=/etc/systemd/system/webapp-switch.service

log() { printf '%s %s\n' "$(date -u +%H:%M:%S.%3N)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# The container CLI, split into words on purpose ("podman --runtime runc").
CLI=(docker)
set_cli() { read -r -a CLI <<< "$1"; }
cli() { "${CLI[@]}" "$@"; }

# The AWS CLI, split into words on purpose: WEBAPP_AWS_CLI="/usr/bin/aws --endpoint-url http://..." picks
# another binary or endpoint (a VPC endpoint; the tests' local server); every AWS call goes through it.
read -r -a AWS_CLI <<< "${WEBAPP_AWS_CLI:-aws}"
aws_cli() { "${AWS_CLI[@]}" "$@"; }

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

# nginx's upstream for a service: static, the service's switch socket; nginx is never reloaded by a release.
write_upstream() { # service -> 0 when the file changed, 1 when it was already so
  local file="${UPSTREAM_DIR}/$1.conf" tmp
  tmp="$(mktemp "${UPSTREAM_DIR}/.$1.XXXXXX")"
  printf 'upstream %s {\n    server unix:%s/%s.sock;\n    keepalive 16;\n}\n' "$(upstream_name "$1")" "${SWITCH_RUN}" "$1" > "${tmp}"
  chmod 644 "${tmp}"
  if cmp -s "${tmp}" "${file}"; then rm -f "${tmp}"; return 1; fi
  mv -f "${tmp}" "${file}"
}

# The live slot is the one the switch sends to: its config file is the truth, whatever happened before.
# (A host from before the switch existed has nginx's upstream file pointing at the slot's port.)
live_slot() { # service port
  local green
  green="127.0.0.1:$(slot_port "$2" green)"
  if [[ -f "${SWITCH_CONFIG}" ]]; then
    if grep -Eq "^ +server $1 ${green}\$" "${SWITCH_CONFIG}"; then echo green; else echo blue; fi
  elif [[ -f "${UPSTREAM_DIR}/$1.conf" ]]; then
    if grep -q "${green};" "${UPSTREAM_DIR}/$1.conf"; then echo green; else echo blue; fi
  else
    echo none
  fi
}

# The switch's whole config, one frontend and backend per service, each server at its slot's port.
# Server connections are not reused (one per request), so the first request after a switch goes to
# the new slot; nginx closes its idle connections to the switch (60 s) before the switch would (75 s).
switch_config() { # slot per service, in the order of the services
  local slots=("$@") i user=""
  id haproxy >/dev/null 2>&1 && user=$'    user haproxy\n    group haproxy\n'
  printf 'global\n%s    stats socket %s/admin.sock mode 600 level admin\n    maxconn 4096\n\n' "${user}" "${SWITCH_RUN}"
  # tunnel: a WebSocket, once upgraded, may stay silent as long as nginx lets it (WEBSOCKET_IDLE_SECONDS).
  printf 'defaults\n    mode http\n    option http-server-close\n    timeout connect 5s\n    timeout client 75s\n    timeout http-keep-alive 75s\n    timeout server 90s\n    timeout tunnel 3600s\n'
  for i in "${!SVC_NAMES[@]}"; do
    printf '\nfrontend webapp_%s\n    bind unix@%s/%s.sock mode 666\n    default_backend webapp_%s\n' "${SVC_NAMES[$i]}" "${SWITCH_RUN}" "${SVC_NAMES[$i]}" "${SVC_NAMES[$i]}"
    printf 'backend webapp_%s\n    server %s 127.0.0.1:%s\n' "${SVC_NAMES[$i]}" "${SVC_NAMES[$i]}" "$(slot_port "${SVC_PORTS[$i]}" "${slots[$i]}")"
  done
}

# Writes the switch's config for these slots, checked by haproxy first -> 0 changed, 1 unchanged, 2 refused.
write_switch_config() { # slot per service
  local tmp
  tmp="$(mktemp "${SWITCH_CONFIG}.XXXXXX")"
  switch_config "$@" > "${tmp}"
  chmod 644 "${tmp}"
  haproxy -c -q -f "${tmp}" || { rm -f "${tmp}"; return 2; }
  if cmp -s "${tmp}" "${SWITCH_CONFIG}"; then rm -f "${tmp}"; return 1; fi
  mv -f "${tmp}" "${SWITCH_CONFIG}"
}

has_systemd() { [[ -d /run/systemd/system ]]; }
switch_running() { [[ -s "${SWITCH_RUN}/haproxy.pid" ]] && kill -0 "$(head -n 1 "${SWITCH_RUN}/haproxy.pid")" 2>/dev/null; }

# Starts the switch when it is not running; a reload only when its config changed (a service added).
switch_start() { # start|reload
  if has_systemd; then
    systemctl enable -q webapp-switch
    if switch_running && [[ "$1" == reload ]]; then systemctl reload webapp-switch; else systemctl start webapp-switch; fi
  else
    install -d -m 755 "${SWITCH_RUN}"
    if ! switch_running; then
      haproxy -W -D -f "${SWITCH_CONFIG}" -p "${SWITCH_RUN}/haproxy.pid"
    elif [[ "$1" == reload ]]; then
      kill -USR2 "$(head -n 1 "${SWITCH_RUN}/haproxy.pid")"
    fi
  fi
  local _
  for _ in $(seq 1 50); do [[ -S "${SWITCH_RUN}/admin.sock" ]] && return 0; sleep 0.1; done
  die "the release switch (haproxy) did not start: see its log"
}

# Points every service's server at its slot through the runtime API, in one connection: no reload.
switch_to() { # slot per service
  local slots=("$@") i commands=() answer
  for i in "${!SVC_NAMES[@]}"; do
    commands+=("set server webapp_${SVC_NAMES[$i]}/${SVC_NAMES[$i]} addr 127.0.0.1 port $(slot_port "${SVC_PORTS[$i]}" "${slots[$i]}")")
  done
  answer="$(IFS=';'; printf '%s\n' "${commands[*]}" | socat -t 5 - "UNIX-CONNECT:${SWITCH_RUN}/admin.sock")" || return 1
  # Each command answers "... port changed from ..." or "... no need to change the port ...".
  [[ "$(grep -cE 'port changed from|no need to change the port' <<< "${answer}")" -eq ${#SVC_NAMES[@]} ]] || { log "haproxy: ${answer}"; return 1; }
}

# One inspect for all (each call costs a good part of a second on a busy host); a missing container is left out.
running_versions() { # container... -> "name version env" per container, version and env empty when it is not running
  cli inspect --format '{{.Name}} {{if .State.Running}}{{index .Config.Labels "webapp.version"}} {{index .Config.Labels "webapp.env"}}{{end}}' "$@" 2>/dev/null | sed 's|^/||' || true
}

healthy() { # url timeout
  curl -fsS -o /dev/null --max-time "$2" "$1" 2>/dev/null
}

# nginx, split into words on purpose like the AWS CLI: WEBAPP_NGINX="nginx -p DIR -c DIR/nginx.conf" with
# WEBAPP_NGINX_PID (its pid file) is another instance than the host's (the tests' own).
read -r -a NGINX <<< "${WEBAPP_NGINX:-nginx}"
NGINX_PID=${WEBAPP_NGINX_PID:-/run/nginx.pid}
nginx_cli() { "${NGINX[@]}" "$@"; }
nginx_running() { [[ -s "${NGINX_PID}" ]] && kill -0 "$(cat "${NGINX_PID}")" 2>/dev/null; }

# A reload closes idle keep-alive connections (a client about to reuse one sees a reset): only the
# prepare step reloads, when the site changed; releases switch through haproxy instead.
nginx_reload() {
  nginx_cli -t -q || return 1
  if nginx_running; then
    nginx_cli -s reload
  elif has_systemd; then
    systemctl enable --now nginx && systemctl reload nginx
  else
    nginx_cli
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

# A version tag as it stands in a release snapshot id: lower case, letters, digits and single hyphens,
# none at either end.
snapshot_tag() { # tag
  local tag="${1,,}"
  tag="${tag//[^a-z0-9]/-}"
  while [[ "${tag}" == *--* ]]; do tag="${tag//--/-}"; done
  tag="${tag#-}"
  echo "${tag%-}"
}

# The RDS snapshot id of a release: "webapp-pre-<stamp>-<tag>", as RDS wants it for any tag: letters,
# digits and single hyphens, starting with a letter, no trailing hyphen, at most 255 characters.
# The stamp comes first so that the ids sort by time.
snapshot_id() { # stamp (20261123T140000Z) tag
  local id
  id="webapp-pre-${1,,}-$(snapshot_tag "$2")"
  id="${id:0:255}"
  while [[ "${id}" == *- ]]; do id="${id%-}"; done
  echo "${id}"
}

# One release snapshot: wait until the instance is available (another snapshot, a backup window or a
# modification would make create-db-snapshot fail), then take it.
rds_snapshot() { # instance region snapshot-id poll-seconds wait-seconds
  local status deadline=$(($(date +%s) + $5))
  while :; do
    status="$(aws_cli rds describe-db-instances --region "$2" --db-instance-identifier "$1" --query 'DBInstances[0].DBInstanceStatus' --output text)" || return 1
    [[ "${status}" != available ]] || break
    [[ $(date +%s) -lt ${deadline} ]] || { log "database $1 is still ${status} after $5s"; return 1; }
    log "waiting for database $1 to be available (now ${status})"
    sleep "$4"
  done
  aws_cli rds create-db-snapshot --region "$2" --db-instance-identifier "$1" --db-snapshot-identifier "$3" \
    --query DBSnapshot.DBSnapshotIdentifier --output text >&2
}

# Keeps the newest N release snapshots of the instance (ours only: their ids say so); a failure to
# prune is a warning, never a failed release.
rds_prune() { # instance region keep
  local ids id
  ids="$(aws_cli rds describe-db-snapshots --region "$2" --db-instance-identifier "$1" --snapshot-type manual \
    --query 'DBSnapshots[].DBSnapshotIdentifier' --output text)" || { log "WARNING: could not list the snapshots of $1"; return 0; }
  for id in $(tr -s '[:space:]' '\n' <<< "${ids}" | grep -E '^webapp-pre-[0-9]{8}t[0-9]{6}z' | sort | head -n "-$3"); do
    aws_cli rds delete-db-snapshot --region "$2" --db-snapshot-identifier "${id}" --query DBSnapshot.DBSnapshotIdentifier --output text >&2 \
      || log "WARNING: could not delete the old snapshot ${id}"
  done
}
