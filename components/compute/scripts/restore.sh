#!/bin/bash
# Restores OpenEMR from a backup made by openemr-backup. Meant for a fresh instance (a new stack or a
# replaced instance) and refuses to overwrite a site that already has data unless --force is given.
#   <week> <stamp>: the week's full file archive and every incremental up to <stamp>, then the
#   database dump taken at <stamp>; --from-bucket reads another stack's bucket (the instance role
#   needs read access to it and its key).
# Only the openemr database is loaded, also from the dumps of all databases older backups made, so
# the database users and passwords stay this stack's. The openemr user then gets this stack's
# password (app.env, from SSM) and its grants, and the restored sqlconf.php that password: OpenEMR
# and the backups keep working. OpenEMR's own users (the admin login) come with the restored data.
# Fail safe: the dump and every archive are verified before anything changes; a database already
# here is copied to DATA_DIR/backups/pre-restore-<stamp>.sql.gz and reloaded from that copy when the
# dump fails to load (OpenEMR started again, exit 1); the archives are applied only after a load.
# The installed copy has no comments (compactScript): the usage text lives in usage().
set -euo pipefail
# tests point this elsewhere
OPENEMR_ETC="${OPENEMR_ETC:-/etc/openemr}"

usage() {
  cat <<'EOF'
Usage: openemr-restore --list [--from-bucket <bucket>]
       openemr-restore <week> <stamp> [--from-bucket <bucket>] [--force]
       openemr-restore --local <dump.sql.gz> [--force]
--from-bucket: read another stack's backup bucket (default: this stack's own).
--force: replace a configured site; needed on a live instance, with --local too.
EOF
}
from="" force=false args=()
while [ $# -gt 0 ]; do
  case $1 in
    --force) force=true ;;
    --from-bucket) from=${2:?usage: --from-bucket <bucket>}; shift ;;
    -h | --help) usage; exit 0 ;;
    --list | --local | [!-]*) args+=("$1") ;;
    *) usage >&2; exit 2 ;;
  esac
  shift
done
[[ ${#args[@]}:${args[0]:-} =~ ^(1:--list|2:--local|2:[^-]) ]] || { usage >&2; exit 2; }

# shellcheck source=/dev/null
. "${OPENEMR_ETC}/deploy.env"
[ -z "${DB_HOST:-}" ] || { echo "RDS host: restore from AWS Backup instead" >&2; exit 2; }
bucket=${from:-${BACKUP_BUCKET:-}}
s3ls() { aws s3 ls --region "${REGION}" --recursive "s3://${bucket:?pass --from-bucket}/openemr/$1" | awk '{print $4}'; }

if [ "${args[0]}" = "--list" ]; then
  if [ -z "${from}" ] && [ "${BACKUP_MODE}" = "local" ]; then ls -1 "${DATA_DIR}/backups"; else s3ls ""; fi
  exit 0
fi

conf="$(docker volume inspect -f '{{.Mountpoint}}' openemr-sites)/default/sqlconf.php"
if [ -f "${conf}" ] && grep -q 'config = 1' "${conf}" && ! ${force}; then
  echo "a configured OpenEMR site is here: restore into a new stack, or pass --force" >&2
  exit 1
fi

work=$(mktemp -d "${DATA_DIR}/restore.XXXXXX")
trap 'rm -rf "${work}"' EXIT

dump=${args[1]}
if [ "${args[0]}" != "--local" ]; then
  week=${args[0]} stamp=${args[1]}
  keys=$(s3ls "${week}/") || { echo "cannot list s3://${bucket}/openemr/${week}/" >&2; exit 1; }
  # shellcheck disable=SC2013 # keys have no spaces
  for key in $(sort <<<"${keys}"); do
    set_stamp=$(basename "$(dirname "${key}")")
    [[ "${set_stamp}" > "${stamp}" ]] && continue
    mkdir -p "${work}/${set_stamp}"
    aws s3 cp --region "${REGION}" --only-show-errors "s3://${bucket}/${key}" "${work}/${set_stamp}/"
  done
  dump="${work}/${stamp}/database.sql.gz"
  [ -f "${dump}" ] || { echo "no backup set ${week}/${stamp}" >&2; exit 1; }
fi

# The statements for the openemr database: all of a dump of that database alone; the header and the
# openemr section of a dump of several. Checked before anything is touched.
openemr_sql() {
  gunzip -c "$1" | awk '/^-- Current Database: /{ many = 1; keep = $0 ~ /`openemr`$/; found += keep } !many || keep; END { exit many && !found }'
}
# Everything checked before anything is touched: the whole dump, its openemr section, every archive.
gzip -t "${dump}" || { echo "${dump}: not a whole gzip file; nothing changed" >&2; exit 1; }
openemr_sql "${dump}" >/dev/null || { echo "${dump}: no openemr database; nothing changed" >&2; exit 1; }
# none with --local
mapfile -t archives < <(find "${work}" -name 'files-*.tar.gz' | sort)
for archive in "${archives[@]}"; do
  { gzip -t "${archive}" && tar -tzf "${archive}" >/dev/null; } || { echo "${archive}: corrupt archive; nothing changed" >&2; exit 1; }
done

# Read, not sourced: docker env files hold literal values. The user is always openemr (bootstrap).
pass=$(sed -n '/^MYSQL_PASS=/{s///p;q}' "${OPENEMR_ETC}/secrets/app.env")
[ -n "${pass}" ] || { echo "no MYSQL_PASS in app.env" >&2; exit 1; }
# As a single-quoted literal, which SQL and PHP both read with \\ and \' escapes.
pass=${pass//\\/\\\\} pass=${pass//\'/\\\'} pass="'${pass}'"

# shellcheck disable=SC2016 # expanded inside the container
db() { docker exec -i openemr-db sh -c 'exec mariadb -uroot -p"${MARIADB_ROOT_PASSWORD}" -N -B'; }
# The database recreated from a dump alone, then the openemr user with this stack's password (a
# dump of all databases would have brought the old stack's; OR REPLACE also drops stale grants).
load() {
  {
    echo 'DROP DATABASE IF EXISTS openemr; CREATE DATABASE openemr; USE openemr;'
    openemr_sql "$1"
    echo "CREATE OR REPLACE USER openemr@'%' IDENTIFIED BY ${pass}; GRANT ALL ON openemr.* TO openemr@'%';"
  } | db
}
# A database already here (the --force case) is copied first, with the backup's dump command, once
# OpenEMR is stopped (nothing written after the copy): a load that fails is undone from the copy.
found=$(db <<<"SHOW DATABASES LIKE 'openemr'") || { echo "cannot query the database; nothing changed" >&2; exit 1; }
systemctl stop openemr-app
copy=""
if [ -n "${found}" ]; then
  copy="${DATA_DIR}/backups/pre-restore-$(date -u +%Y%m%dT%H%M%SZ).sql.gz"
  [ ! -e "${copy}" ] || copy="${copy%.sql.gz}-$$.sql.gz"
  # shellcheck disable=SC2016 # expanded inside the container
  if ! { mkdir -p "${DATA_DIR}/backups" \
    && docker exec openemr-db sh -c 'exec mariadb-dump -uroot -p"${MARIADB_ROOT_PASSWORD}" --single-transaction --quick --routines --events --triggers --add-drop-database --databases openemr' | gzip >"${work}/copy.sql.gz" \
    && gzip -t "${work}/copy.sql.gz" && mv "${work}/copy.sql.gz" "${copy}"; }; then
    systemctl start openemr-app
    echo "cannot write the pre-restore copy ${copy}; nothing changed" >&2
    exit 1
  fi
  echo "pre-restore copy of the database: ${copy}"
fi
if ! load "${dump}"; then
  echo "loading ${dump} failed" >&2
  # nothing here before: the partial database goes
  if if [ -n "${copy}" ]; then load "${copy}"; else db <<<'DROP DATABASE IF EXISTS openemr;'; fi; then
    systemctl start openemr-app
    echo "the previous state is back (pre-restore copy: ${copy:-none, there was no database}); OpenEMR started again" >&2
  else
    echo "reloading the previous database failed too: OpenEMR left stopped; load ${copy:-nothing} by hand" >&2
  fi
  exit 1
fi
# The file archives only over a database that loaded; verified above.
for archive in "${archives[@]}"; do
  echo "applying ${archive}"
  tar --listed-incremental=/dev/null -xzf "${archive}" -C / || { echo "applying ${archive} failed: the database is restored, the files in part; OpenEMR left stopped" >&2; exit 1; }
done
# The restored sqlconf.php gets this stack's password, rewritten in place (keeps owner and mode).
# awk takes the value from its environment: no escaping for awk or sed.
if [ -f "${conf}" ]; then
  P=${pass} awk '/^[$]pass[ \t]*=/ { $0 = substr($0, 1, index($0, "=")) " " ENVIRON["P"] ";" } 1' "${conf}" >"${work}/sqlconf.php"
  cat "${work}/sqlconf.php" >"${conf}"
fi
systemctl start openemr-app
echo "restore complete; check https://${DOMAIN:-<instance address>}/ and the OpenEMR logs"
