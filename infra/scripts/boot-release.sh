# shellcheck shell=bash disable=SC2154  # a fragment of user data: the header before it sets its parameters
# Boot-time release for Auto Scaling instances: every new instance pulls and runs the configured
# release, so an instance refresh rolls a new version out. Sourced after a header that sets:
#   REGION APP_VERSION REGISTRY_SERVER REGISTRY_USERNAME REGISTRY_PASSWORD_PARAMETER
#   APP_ENV_PARAMETER   the SecureString parameter with the app's env file (settings, DB_*, app secrets)
#   DB_SECRET_ARN       the RDS-managed password's secret ("" when dbPassword is set or there is no RDS)
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

aws ssm get-parameter --region "${REGION}" --with-decryption --name "${APP_ENV_PARAMETER}" \
  --query Parameter.Value --output text > /etc/webapp/app.env
if [[ -n "${DB_SECRET_ARN}" ]]; then
  # The password as of boot; it rotates, so the app re-reads DB_SECRET_ARN when a login fails (README).
  secret="$(aws secretsmanager get-secret-value --region "${REGION}" --secret-id "${DB_SECRET_ARN}" --query SecretString --output text)"
  echo "DB_PASSWORD=$(jq -r .password <<< "${secret}")" >> /etc/webapp/app.env
fi
umask 022

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
