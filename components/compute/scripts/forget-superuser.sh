#!/bin/bash
# openemr-forget-superuser: OpenEMR's installer needs the database superuser once, to create the
# database and the openemr user, and the admin password once, to create the admin. Once OpenEMR
# is installed (sqlconf.php says $config = 1 and openemr.sh has reached Apache, so the
# post-install settings are applied too), this removes both from the container's env file and
# restarts OpenEMR without them: the internet-facing container then holds only the openemr user. The superuser stays where it was
# (SSM or Secrets Manager; on express also the MariaDB container's own env for backups).
# Run on every boot by openemr-forget-superuser.service; does nothing once the file is clean.
set -euo pipefail

OPENEMR_ETC=${OPENEMR_ETC:-/etc/openemr}
env_file="${OPENEMR_ETC}/secrets/app.env"
wait_seconds=${OPENEMR_INSTALL_WAIT_SECONDS:-3600}
poll_seconds=${OPENEMR_POLL_SECONDS:-10}

log() { echo "$(date -Is) openemr-forget-superuser: $*"; }

setup_only='^(MYSQL_ROOT_USER|MYSQL_ROOT_PASS|OE_PASS)='
if ! grep -Eq "${setup_only}" "${env_file}"; then
  log "no superuser credentials in ${env_file}"
  exit 0
fi

installed() {
  local sites conf
  sites=$(docker volume inspect -f '{{.Mountpoint}}' openemr-sites) || return 1
  conf="${sites}/default/sqlconf.php"
  # shellcheck disable=SC2016 # a literal $config: sqlconf.php's PHP line
  [ -f "${conf}" ] && grep -Eq '^\$config *= *1 *;' "${conf}" &&
    docker exec openemr-app pidof httpd >/dev/null 2>&1
}

deadline=$((SECONDS + wait_seconds))
until installed; do
  if [ "${SECONDS}" -ge "${deadline}" ]; then
    log "OpenEMR is not installed after ${wait_seconds} s; the superuser stays until it is (next boot, or run this again)"
    exit 1
  fi
  sleep "${poll_seconds}"
done

sed -Ei "/${setup_only}/d" "${env_file}"
log "OpenEMR is installed: superuser and admin passwords removed from ${env_file}; restarting OpenEMR without them"
systemctl restart openemr-app.service
