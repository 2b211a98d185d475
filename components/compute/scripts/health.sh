#!/bin/bash
# openemr-health: every five minutes (a systemd timer), asks OpenEMR itself for its login page over
# HTTPS on this host and reports OpenEMRAnswers = 1 (HTTP 200 within 20 s) or 0 as a CloudWatch
# metric, which an alarm watches: the host may be up while OpenEMR, Apache or its database is not.
# The certificate is not checked here (the self-signed one is the default); its expiry has its own
# alarm where the host owns a certificate.
set -euo pipefail
exec >>"${OPENEMR_LOG_DIR:-/var/log}/openemr-health.log" 2>&1
# shellcheck source=/dev/null
. "${OPENEMR_ETC:-/etc/openemr}/deploy.env"
url=${OPENEMR_HEALTH_URL:-https://localhost/interface/login/login.php}
status=$(curl --silent --insecure --output /dev/null --max-time 20 --write-out '%{http_code}' "${url}" || true)
if [ "${status}" = 200 ]; then answers=1; else answers=0; fi
aws cloudwatch put-metric-data --region "${REGION}" --namespace OpenEMR \
  --metric-name OpenEMRAnswers --dimensions "Stack=${STACK}" --value "${answers}"
[ "${answers}" = 1 ] || echo "$(date -Is) OpenEMR did not answer ${url}: HTTP ${status:-none}"
