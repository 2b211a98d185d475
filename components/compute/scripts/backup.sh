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

# A JSON string (the values here have no control characters).
json() { local s=${1//\\/\\\\}; s=${s//\"/\\\"}; printf '"%s"' "${s}"; }
# SQL on the database container, one value per line
db_query() {
  # shellcheck disable=SC2016 # expanded inside the container
  docker exec -i openemr-db sh -c 'exec mariadb -uroot -p"${MARIADB_ROOT_PASSWORD}" -N -B' <<<"$1"
}
# manifest.json of this run's set: chain file, this run's archive entry, the dump's entry ("<key>
# <sha256> <bytes>", keys relative to the week), then the volumes' mount points
manifest() {
  local chain=$1 this=$2 dump=$3 version server docker_version key sha bytes sep=""
  shift 3
  version=$(db_query 'SELECT CONCAT(v_major, ".", v_minor, ".", v_patch) FROM openemr.version LIMIT 1') || version=""
  server=$(db_query 'SELECT VERSION()')
  docker_version=$(cat "$1/default/docker-version" 2>/dev/null || true)
  [[ ${docker_version} =~ ^[0-9]+$ ]] || docker_version=null
  printf '{\n  "format": "openemr-backup-set",\n  "formatVersion": 1,\n  "createdAt": %s,\n' "$(json "$(date -u +%Y-%m-%dT%H:%M:%SZ)")"
  printf '  "source": { "tool": "openemr-backup", "stack": %s },\n' "$(json "${STACK}")"
  printf '  "openemr": { "version": %s, "dockerVersion": %s },\n' "$(if [ -n "${version}" ]; then json "${version}"; else echo null; fi)" "${docker_version}"
  printf '  "database": { "name": "openemr", "server": %s },\n' "$(json "${server}")"
  printf '  "trees": { "sites": %s, "ssl": %s, "letsencrypt": %s },\n  "files": [' "$(json "${1#/}")" "$(json "${2#/}")" "$(json "${3#/}")"
  while read -r key sha bytes; do
    # this set's own files by name, the week's earlier ones through their folder
    if [ "${key%%/*}" = "${stamp}" ]; then key=${key#*/}; else key="../${key}"; fi
    printf '%s\n    { "key": %s, "role": "files", "sha256": "%s", "bytes": %s }' "${sep}" "$(json "${key}")" "${sha}" "${bytes}"
    sep=","
  done < <(cat "${chain}" "${this}")
  read -r key sha bytes <<<"${dump}"
  printf ',\n    { "key": %s, "role": "database", "sha256": "%s", "bytes": %s }\n  ]\n}\n' "$(json "${key}")" "${sha}" "${bytes}"
}

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
  # <week>.chain: "<key> <sha256> <bytes>" of the week's archives so far, for the manifests; a
  # chain without that record starts again with a full archive
  chain="${DATA_DIR}/backup-state/${week}.chain"
  level=incremental
  if [ ! -f "${state}" ] || [ ! -f "${chain}" ]; then
    level=full
    rm -f "${state}"
    : >"${chain}"
  fi
  volumes=()
  for volume in openemr-sites openemr-ssl openemr-letsencrypt; do
    volumes+=("$(docker volume inspect -f '{{.Mountpoint}}' "${volume}")")
  done
  # the state advances only once the archive is uploaded: a failed run leaves nothing out of the next
  [ ! -f "${state}" ] || cp "${state}" "${stage}/snar"
  archive="files-${level}.tar.gz"
  tar --listed-incremental="${stage}/snar" -czf "${stage}/${archive}" "${volumes[@]}"
  prefix="s3://${BACKUP_BUCKET}/openemr/${week}/${stamp}"
  upload() {
    aws s3 cp --region "${REGION}" --only-show-errors --sse aws:kms \
      --sse-kms-key-id "${KMS_KEY_ARN}" "${stage}/$1" "${prefix}/$1"
  }
  entry() { printf '%s %s %s\n' "$1" "$(sha256sum <"${stage}/$2" | cut -d' ' -f1)" "$(stat -c %s "${stage}/$2")"; }
  upload "${archive}"
  entry "${stamp}/${archive}" "${archive}" >"${stage}/entry"
  if [ -z "${DB_HOST}" ]; then
    upload database.sql.gz
    # manifest.json (docs/backup-format.md) last: a set with a manifest is complete
    manifest "${chain}" "${stage}/entry" "$(entry database.sql.gz database.sql.gz)" "${volumes[@]}" >"${stage}/manifest.json"
    upload manifest.json
  fi
  mv "${stage}/snar" "${state}"
  cat "${stage}/entry" >>"${chain}"
  find "${DATA_DIR}/backup-state" \( -name '*.snar' -o -name '*.chain' \) -mtime +14 -delete
fi
report 1
echo "$(date -Is) backup ${stamp} done"
