#!/bin/bash
# First boot of a stack with openemr:restoreFrom: imports the backup set at RESTORE_FROM (deploy.env)
# before OpenEMR's installer could run. openemr-import-fetch downloads and checks it into
# ${DATA_DIR}/import.XXXXXX; openemr-import-apply loads it: on the host against the database
# container (express), or inside the OpenEMR image against RDS over TLS (DB_HOST set). Reports
# OpenEMR/ImportSucceeded (1 or 0). Exit 0 imported (or already), 1 failed, 2 nothing to import.
set -euo pipefail
OPENEMR_ETC="${OPENEMR_ETC:-/etc/openemr}"
exec >>"${OPENEMR_LOG_DIR:-/var/log}/openemr-import.log" 2>&1
# shellcheck source=/dev/null
. "${OPENEMR_ETC}/deploy.env"
DB_HOST="${DB_HOST:-}"
[ -n "${RESTORE_FROM:-}" ] || { echo "$(date -Is) RESTORE_FROM is empty: nothing to import"; exit 2; }
fetch=${OPENEMR_IMPORT_FETCH:-/usr/local/sbin/openemr-import-fetch}
apply=${OPENEMR_IMPORT_APPLY:-/usr/local/sbin/openemr-import-apply}

report() {
  aws cloudwatch put-metric-data --region "${REGION}" --namespace OpenEMR \
    --metric-name ImportSucceeded --dimensions "Stack=${STACK}" --value "$1" || true
}
echo "$(date -Is) import of ${RESTORE_FROM} start"
mkdir -p "${DATA_DIR}"
staging=$(mktemp -d "${DATA_DIR}/import.XXXXXX")
trap 'rm -rf "${staging}"' EXIT
mount() { docker volume inspect -f '{{.Mountpoint}}' "$1"; }
sites=$(mount openemr-sites) ssl=$(mount openemr-ssl) letsencrypt=$(mount openemr-letsencrypt)
version=${OPENEMR_VERSION:-${OPENEMR_IMAGE##*:}}

status=0
AWS_DEFAULT_REGION=${REGION} OPENEMR_IMPORT_DONE="${sites}/.openemr-import.done" \
  bash "${fetch}" "${RESTORE_FROM}" "${staging}" || status=$?
if [ "${status}" = 0 ] && [ -s "${staging}/plan" ]; then
  if [ -z "${DB_HOST}" ]; then
    # Read, not sourced: docker env files hold literal values.
    pass=$(sed -n '/^MYSQL_PASS=/{s///p;q}' "${OPENEMR_ETC}/secrets/app.env")
    # shellcheck disable=SC2016 # expanded inside the container
    SITES_DIR=${sites} SSL_DIR=${ssl} LETSENCRYPT_DIR=${letsencrypt} OPENEMR_VERSION=${version} \
      MYSQL_HOST=openemr-db MYSQL_USER=openemr MYSQL_PASS=${pass} SITE_ADDRESS=${SITE_ADDRESS:-} \
      DB_CLIENT='docker exec -i openemr-db sh -c '\''exec mariadb -uroot -p"${MARIADB_ROOT_PASSWORD}"'\' \
      sh "${apply}" "${staging}" || status=$?
    unset pass
  else
    # the volumes, the staging directory, the CA and the script at the same paths as on the host
    mounts=()
    for dir in "${sites}" "${ssl}" "${letsencrypt}" "${staging}"; do mounts+=(-v "${dir}:${dir}"); done
    mounts+=(-v "${OPENEMR_ETC}/rds-ca.pem:${OPENEMR_ETC}/rds-ca.pem:ro" -v "${apply}:${apply}:ro")
    docker run --rm -i --network openemr --env-file "${OPENEMR_ETC}/secrets/app.env" \
      -e "SITES_DIR=${sites}" -e "SSL_DIR=${ssl}" -e "LETSENCRYPT_DIR=${letsencrypt}" \
      -e "OPENEMR_VERSION=${version}" -e "MYSQL_CA=${OPENEMR_ETC}/rds-ca.pem" \
      -e "SITE_ADDRESS=${SITE_ADDRESS:-}" "${mounts[@]}" "${OPENEMR_IMAGE}" \
      sh "${apply}" "${staging}" || status=$?
  fi
fi
if [ "${status}" = 0 ]; then
  report 1
  echo "$(date -Is) import of ${RESTORE_FROM} done"
else
  report 0
  echo "$(date -Is) import of ${RESTORE_FROM} FAILED (exit ${status})"
  exit 1
fi
