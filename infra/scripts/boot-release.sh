# shellcheck shell=bash disable=SC2154  # a fragment of user data: the header before it sets its parameters
# Boot-time release for Auto Scaling instances: every new instance pulls and runs the configured
# release, so an instance refresh rolls a new version out. Sourced after a header that sets:
#   REGION APP_VERSION REGISTRY_SERVER REGISTRY_USERNAME REGISTRY_PASSWORD_PARAMETER
#   APP_ENV_PARAMETER   the SecureString parameter with the app's env file (settings, DB_*, app secrets)
#   DB_PASSWORD_SCRIPT  db-password.sh: DB_PASSWORD from the RDS-managed secret, and a timer that follows its rotation
#   SERVICES        one "name image port healthPath" line per service
#   UPSTREAM_DIR    where nginx's upstream files live (written by the header, pointing at the blue slot)
# Secrets are read here from SSM and Secrets Manager with the instance role; none is in the user data.
set -euo pipefail

umask 077
mkdir -p /etc/webapp
if [[ -n "${REGISTRY_USERNAME}" ]]; then
  aws ssm get-parameter --region "${REGION}" --with-decryption --name "${REGISTRY_PASSWORD_PARAMETER}" \
    --query Parameter.Value --output text | docker login --username "${REGISTRY_USERNAME}" --password-stdin "${REGISTRY_SERVER}"
elif [[ "${REGISTRY_SERVER}" == *.dkr.ecr.*.amazonaws.com ]]; then
  aws ecr get-login-password --region "${REGION}" | docker login --username AWS --password-stdin "${REGISTRY_SERVER}"
fi

install -D -m 755 /dev/stdin /opt/webapp/bin/db-password.sh <<< "${DB_PASSWORD_SCRIPT}"
aws ssm get-parameter --region "${REGION}" --with-decryption --name "${APP_ENV_PARAMETER}" \
  --query Parameter.Value --output text | /opt/webapp/bin/db-password.sh --filter --region "${REGION}" > /etc/webapp/app.env
umask 022
if grep -q '^DB_SECRET_ARN=.' /etc/webapp/app.env; then
  # After a rotation, an instance refresh brings up instances that read the new password here.
  /opt/webapp/bin/db-password.sh --install-timer --region "${REGION}" --on-change refresh
fi

# Stage 4's migration (boot-migrate.sh, there only with migrateCommand): before this version's app starts.
if declare -F migrate_once > /dev/null; then migrate_once /etc/webapp/app.env; fi

while read -r name image port health; do
  [[ -n "${name}" ]] || continue
  slot_port=$((port + 10000))
  docker pull "${image}:${APP_VERSION}"
  docker rm -f "webapp-${name}-blue" >/dev/null 2>&1 || true
  docker run -d --name "webapp-${name}-blue" --restart unless-stopped --env-file /etc/webapp/app.env \
    -p "127.0.0.1:${slot_port}:${port}" "${image}:${APP_VERSION}"
  for _ in $(seq 1 60); do
    curl -fsS -o /dev/null "http://127.0.0.1:${slot_port}${health}" && break
    sleep 2
  done
done <<< "${SERVICES}"

nginx -t
systemctl reload nginx
