#!/bin/bash
# Restores OpenEMR from a backup made by openemr-backup. Meant for a fresh instance (a new stack or a
# replaced instance) and refuses to overwrite a site that already has data unless --force is given.
#   openemr-restore --list                 backup sets in the bucket (or local dumps)
#   openemr-restore <week> <stamp> [--force]
#                                          restore the full archive of <week> and every incremental
#                                          up to <stamp>, then the database dump taken at <stamp>
#   openemr-restore --local <dump> [--force]
set -euo pipefail
# shellcheck source=/dev/null
. /etc/openemr/deploy.env

usage() { sed -n '2,9p' "$0"; exit 2; }
if [ -n "${DB_HOST:-}" ]; then
  echo "This host uses RDS: restore the database and the data volume from AWS Backup instead." >&2
  exit 2
fi
[ $# -ge 1 ] || usage

if [ "$1" = "--list" ]; then
  if [ "${BACKUP_MODE}" = "local" ]; then
    ls -1 "${DATA_DIR}/backups"
  else
    aws s3 ls --region "${REGION}" --recursive "s3://${BACKUP_BUCKET}/openemr/" | awk '{print $4}'
  fi
  exit 0
fi

force=false
for arg in "$@"; do [ "${arg}" = "--force" ] && force=true; done
sites=$(docker volume inspect -f '{{.Mountpoint}}' openemr-sites)
if [ -f "${sites}/default/sqlconf.php" ] && grep -q 'config = 1' "${sites}/default/sqlconf.php" && ! ${force}; then
  echo "This instance already has a configured OpenEMR site. Restore into a new stack, or pass --force to replace it."
  exit 1
fi

work=$(mktemp -d "${DATA_DIR}/restore.XXXXXX")
trap 'rm -rf "${work}"' EXIT

if [ "$1" = "--local" ]; then
  cp "$2" "${work}/database.sql.gz"
else
  week=$1 stamp=$2
  for key in $(aws s3 ls --region "${REGION}" --recursive "s3://${BACKUP_BUCKET}/openemr/${week}/" | awk '{print $4}' | sort); do
    set_stamp=$(basename "$(dirname "${key}")")
    [[ "${set_stamp}" > "${stamp}" ]] && continue
    mkdir -p "${work}/${set_stamp}"
    aws s3 cp --region "${REGION}" --only-show-errors "s3://${BACKUP_BUCKET}/${key}" "${work}/${set_stamp}/"
  done
  [ -f "${work}/${stamp}/database.sql.gz" ] || { echo "no backup set ${week}/${stamp}"; exit 1; }
  systemctl stop openemr-app
  for archive in $(find "${work}" -name 'files-*.tar.gz' | sort); do
    echo "applying ${archive}"
    tar --listed-incremental=/dev/null -xzf "${archive}" -C /
  done
  cp "${work}/${stamp}/database.sql.gz" "${work}/database.sql.gz"
fi

systemctl stop openemr-app
# shellcheck disable=SC2016 # expanded inside the container
gunzip -c "${work}/database.sql.gz" | docker exec -i openemr-db sh -c 'exec mariadb -uroot -p"${MARIADB_ROOT_PASSWORD}"'
systemctl start openemr-app
echo "restore complete; check https://${DOMAIN:-<instance address>}/ and the OpenEMR logs"
