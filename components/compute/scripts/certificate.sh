#!/bin/bash
# Obtains or renews a Let's Encrypt certificate for DOMAIN with the Route 53 DNS challenge (no port 80
# needed), installs it for OpenEMR's Apache and reports the days left as a CloudWatch metric, which
# an alarm watches. A failure leaves OpenEMR serving with its current certificate.
set -euo pipefail
# tests point OPENEMR_LOG_DIR and OPENEMR_ETC elsewhere
exec >>"${OPENEMR_LOG_DIR:-/var/log}/openemr-certificate.log" 2>&1
# shellcheck source=/dev/null
. "${OPENEMR_ETC:-/etc/openemr}/deploy.env"
echo "$(date -Is) certificate check for ${DOMAIN}"
contact=(--register-unsafely-without-email)
[ -n "${ACME_EMAIL}" ] && contact=(--email "${ACME_EMAIL}")
# Host network for certbot alone: the Route 53 challenge needs the instance credentials, which IMDSv2
# (hop limit 1) does not give a container behind the bridge. OpenEMR stays on its bridge network.
docker run --rm --network host -v openemr-letsencrypt:/etc/letsencrypt "${CERTBOT_IMAGE}" certonly \
  --dns-route53 --non-interactive --agree-tos --keep-until-expiring "${contact[@]}" -d "${DOMAIN}"
le_dir="$(docker volume inspect -f '{{.Mountpoint}}' openemr-letsencrypt)/live/${DOMAIN}"
ssl_dir=$(docker volume inspect -f '{{.Mountpoint}}' openemr-ssl)
install -m 644 "${le_dir}/fullchain.pem" "${ssl_dir}/certs/letsencrypt.cert.pem"
install -m 600 "${le_dir}/privkey.pem" "${ssl_dir}/private/letsencrypt.key.pem"
ln -sf letsencrypt.cert.pem "${ssl_dir}/certs/webserver.cert.pem"
ln -sf letsencrypt.key.pem "${ssl_dir}/private/webserver.key.pem"
# "httpd -k graceful" starts Apache when it is not running: during OpenEMR's install (the image starts
# Apache itself once the installer is done) that serves a half-installed site early. Apache reads the
# new files when it starts.
if docker exec openemr-app pidof httpd >/dev/null; then docker exec openemr-app httpd -k graceful; fi
expiry=$(openssl x509 -enddate -noout -in "${le_dir}/fullchain.pem" | cut -d= -f2)
days=$((($(date -d "${expiry}" +%s) - $(date +%s)) / 86400))
aws cloudwatch put-metric-data --region "${REGION}" --namespace OpenEMR \
  --metric-name CertificateDaysLeft --dimensions "Stack=${STACK}" --value "${days}"
echo "$(date -Is) certificate valid for ${days} more days"
