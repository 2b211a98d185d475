#!/bin/bash
# Daily backup of OpenEMR: a consistent dump of the application database (single transaction) plus
# the site files, TLS material and certificates. Only the openemr database is dumped: the users and
# passwords in the mysql database belong to the stack, and a restore into another stack keeps its own.
#   BACKUP_MODE=s3:    weekly full + daily incremental file archives and a daily dump, uploaded to
#                      the backup bucket encrypted with the customer-managed key (SSE-KMS).
#   BACKUP_MODE=local: dumps kept on the instance for the daily EBS snapshots to capture.
# With DB_HOST set the database is RDS, backed up by RDS and AWS Backup: no dump is taken here.
# Reports OpenEMR/BackupSucceeded (1 or 0) to CloudWatch; an alarm fires when it is 0 or missing.
set -euo pipefail
# tests point OPENEMR_LOG_DIR and OPENEMR_ETC elsewhere
exec >>"${OPENEMR_LOG_DIR:-/var/log}/openemr-backup.log" 2>&1
# shellcheck source=/dev/null
. "${OPENEMR_ETC:-/etc/openemr}/deploy.env"
DB_HOST="${DB_HOST:-}"

report() {
  aws cloudwatch put-metric-data --region "${REGION}" --namespace OpenEMR \
    --metric-name BackupSucceeded --dimensions "Stack=${STACK}" --value "$1" || true
}
trap 'echo "$(date -Is) backup FAILED"; report 0' ERR

stage=$(mktemp -d "${DATA_DIR}/backup-stage.XXXXXX")
trap 'rm -rf "${stage}"' EXIT
stamp=$(date -u +%Y%m%dT%H%M%SZ)
echo "$(date -Is) backup ${stamp} start (mode ${BACKUP_MODE})"

if [ -z "${DB_HOST}" ]; then
  # shellcheck disable=SC2016 # expanded inside the container, where the password lives
  docker exec openemr-db sh -c 'exec mariadb-dump -uroot -p"${MARIADB_ROOT_PASSWORD}" --single-transaction --quick --routines --events --triggers --add-drop-database --databases openemr' \
    | gzip >"${stage}/database.sql.gz"
  gzip -t "${stage}/database.sql.gz"
fi

if [ "${BACKUP_MODE}" = "local" ]; then
  if [ -z "${DB_HOST}" ]; then
    mkdir -p "${DATA_DIR}/backups"
    mv "${stage}/database.sql.gz" "${DATA_DIR}/backups/database-${stamp}.sql.gz"
    find "${DATA_DIR}/backups" -name 'database-*.sql.gz' -mtime +"${LOCAL_BACKUP_DAYS}" -delete
  fi
else
  # One chain per ISO week: the first run of a week is a full (level 0) archive, later runs are
  # incremental against it.
  week=$(date -u +%G-W%V)
  state="${DATA_DIR}/backup-state/${week}.snar"
  mkdir -p "${DATA_DIR}/backup-state"
  level=incremental
  [ -f "${state}" ] || level=full
  volumes=()
  for volume in openemr-sites openemr-ssl openemr-letsencrypt; do
    volumes+=("$(docker volume inspect -f '{{.Mountpoint}}' "${volume}")")
  done
  tar --listed-incremental="${state}" -czf "${stage}/files-${level}.tar.gz" "${volumes[@]}"
  prefix="s3://${BACKUP_BUCKET}/openemr/${week}/${stamp}"
  for file in "${stage}"/*.gz; do
    aws s3 cp --region "${REGION}" --only-show-errors --sse aws:kms \
      --sse-kms-key-id "${KMS_KEY_ARN}" "${file}" "${prefix}/$(basename "${file}")"
  done
  find "${DATA_DIR}/backup-state" -name '*.snar' -mtime +14 -delete
fi
report 1
echo "$(date -Is) backup ${stamp} done"
