#!/bin/bash
# openemr-upgrade <image>: moves this host's OpenEMR container to <image>, the reference the stack's
# State Manager association passes (openemr/openemr:X.Y.Z, optionally @sha256:<digest>). The
# association's Systems Manager document installs this script and runs it whenever its image
# parameter changes; an operator may run it too (sudo openemr-upgrade <image>).
#   1. Same image as deploy.env's OPENEMR_IMAGE: nothing to do.
#   2. A lower version than the one running: refused (the image's upgrade scripts only go forward).
#   3. Pull the image (nothing has changed yet if that fails), stop OpenEMR, back up: on express
#      the host's own openemr-backup (its database dump, and on express-plus the files to S3), on
#      standard a manual RDS snapshot <db>-pre-upgrade-<time>. A failed backup: OpenEMR starts
#      again on the image it had, no upgrade.
#   4. Start OpenEMR on the new image: openemr.sh runs the image's own upgrade when the image's
#      /root/docker-version is above the site's sites/default/docker-version (fsupgrade-N.sh:
#      files, then sql_upgrade.php). Wait until OpenEMR answers its login page over HTTPS (as
#      openemr-health checks it); then deploy.env names the new image (a later bootstrap keeps it).
#   5. No answer in time: back to the previous image (the unit and deploy.env as they were).
# Reports OpenEMR/UpgradeSucceeded: 1 when the host runs <image> and OpenEMR answers (or already ran
# it), 0 when the upgrade was refused, failed or rolled back; an alarm watches it. Exit 0 or 1; 2 on
# bad usage.
# The installed copy has no comments (compactScript) and passes through a Systems Manager document:
# no double braces anywhere in it (the document's parameter syntax).
set -euo pipefail
# the ERR trap below reports from functions too
set -o errtrace
OPENEMR_ETC=${OPENEMR_ETC:-/etc/openemr}
unit="${OPENEMR_UNIT_DIR:-/etc/systemd/system}/openemr-app.service"
sbin=${OPENEMR_SBIN:-/usr/local/sbin}
wait_seconds=${OPENEMR_UPGRADE_WAIT_SECONDS:-1200}
poll_seconds=${OPENEMR_POLL_SECONDS:-15}
health_url=${OPENEMR_HEALTH_URL:-https://localhost/interface/login/login.php}
# what the stack's configuration produces (config.ts, openemrImage); the document checks it too
image_pattern='^openemr/openemr:[0-9]+\.[0-9]+\.[0-9]+(@sha256:[0-9a-f]{64})?$'

# the whole run goes to the log (shipped to the system log group); the outcome also to the caller
exec 3>&1 >>"${OPENEMR_LOG_DIR:-/var/log}/openemr-upgrade.log" 2>&1
say() {
  echo "$(date -Is) openemr-upgrade: $*"
  echo "openemr-upgrade: $*" >&3
}

target=${1:-}
if [ $# -ne 1 ] || ! [[ ${target} =~ ${image_pattern} ]]; then
  say "usage: openemr-upgrade <image>, an image such as openemr/openemr:8.0.0 or openemr/openemr:8.0.0@sha256:<64 hex>; got '${*}'"
  exit 2
fi
# shellcheck source=/dev/null
. "${OPENEMR_ETC}/deploy.env"
DB_HOST=${DB_HOST:-}

report() {
  aws cloudwatch put-metric-data --region "${REGION}" --namespace OpenEMR \
    --metric-name UpgradeSucceeded --dimensions "Stack=${STACK}" --value "$1" || true
}
fail() {
  say "FAILED: $*"
  report 0
  exit 1
}
trap 'say "FAILED: unexpected error at line ${LINENO}; read this log"; report 0; exit 1' ERR
# whether the unit's docker run line names exactly this image
unit_runs() { grep '^ExecStart=' "${unit}" | grep -qF " $1 "; }

exec 9>"${OPENEMR_RUN_DIR:-/run}/openemr-upgrade.lock"
# the run holding the lock reports its own outcome
flock -n 9 || { say "another openemr-upgrade is running; this one does nothing"; exit 1; }

# a new instance: the association may run before the first boot has written the units
if command -v cloud-init >/dev/null; then cloud-init status --wait >/dev/null || true; fi
[ -f "${unit}" ] || fail "${unit} does not exist: the host's first boot did not finish (/var/log/openemr-bootstrap.log)"

current=${OPENEMR_IMAGE}
unit_runs "${current}" ||
  fail "${unit} does not run ${current}, the image deploy.env names; fix the host by hand first"
if [ "${target}" = "${current}" ]; then
  say "OpenEMR already runs ${target}"
  report 1
  exit 0
fi

version_of() {
  local ref=${1%%@*}
  echo "${ref##*:}"
}
from=$(version_of "${current}")
to=$(version_of "${target}")
if [ "${from}" != "${to}" ] && [ "$(printf '%s\n%s\n' "${from}" "${to}" | sort -V | head -n 1)" = "${to}" ]; then
  fail "refusing to go from ${from} down to ${to}: the image only upgrades a site; restore the backup taken before the upgrade instead (docs/upgrade.md)"
fi
say "upgrading OpenEMR from ${current} to ${target}"

docker pull --quiet "${target}" >/dev/null || fail "cannot pull ${target}; OpenEMR keeps running ${current}"

# the site's upgrade counter, read where openemr.sh keeps it
site_counter() {
  local sites
  sites=$(docker volume inspect openemr-sites | jq -r '.[0].Mountpoint') &&
    cat "${sites}/default/docker-version" 2>/dev/null || echo unknown
}
counter_before=$(site_counter)

backup() {
  if [ -z "${DB_HOST}" ]; then
    "${sbin}/openemr-backup" || return 1
    say "backed up with openemr-backup (openemr-backup.log names it; openemr-restore restores it)"
  else
    # the RDS endpoint's first label is the instance identifier
    local snapshot
    snapshot="${DB_HOST%%.*}-pre-upgrade-$(date -u +%Y%m%d-%H%M%S)"
    aws rds create-db-snapshot --region "${REGION}" --db-instance-identifier "${DB_HOST%%.*}" \
      --db-snapshot-identifier "${snapshot}" --output text --query DBSnapshot.Status || return 1
    aws rds wait db-snapshot-available --region "${REGION}" --db-snapshot-identifier "${snapshot}" ||
      return 1
    say "backed up to RDS snapshot ${snapshot}"
  fi
}

# puts `to` where `from` is in the unit's docker run line, and starts OpenEMR on it
run_image() {
  local from=$1 to=$2 escaped
  escaped=$(printf '%s' "${from}" | sed 's/[][\.*^$|]/\\&/g')
  sed -i "/^ExecStart=/s| ${escaped} | ${to} |" "${unit}"
  unit_runs "${to}"
  systemctl daemon-reload
  systemctl start openemr-app
}

answers() {
  local deadline status
  deadline=$(($(date +%s) + wait_seconds))
  while :; do
    status=$(curl --silent --insecure --output /dev/null --max-time 20 --write-out '%{http_code}' "${health_url}" || true)
    [ "${status}" = 200 ] && return 0
    [ "$(date +%s)" -lt "${deadline}" ] || return 1
    sleep "${poll_seconds}"
  done
}

systemctl stop openemr-app
if ! backup; then
  systemctl start openemr-app
  fail "the backup failed; no upgrade, OpenEMR starts again on ${current}"
fi

run_image "${current}" "${target}"
if answers; then
  sed -i "s|^OPENEMR_IMAGE=.*|OPENEMR_IMAGE='${target}'|" "${OPENEMR_ETC}/deploy.env"
  say "OpenEMR answers on ${target} (site upgrade counter ${counter_before} -> $(site_counter))"
  report 1
  exit 0
fi

say "OpenEMR did not answer ${health_url} within ${wait_seconds} s on ${target}; rolling back to ${current}"
systemctl stop openemr-app
run_image "${target}" "${current}"
counter_after=$(site_counter)
if [ "${counter_after}" != "${counter_before}" ]; then
  say "the new image upgraded the site (counter ${counter_before} -> ${counter_after}) before failing: ${current} now runs on an upgraded database; restore the backup taken before the upgrade (docs/upgrade.md)"
fi
if answers; then
  fail "rolled back: OpenEMR answers on ${current} again; the new image's output is in the containers log group"
fi
fail "rolled back to ${current}, which does not answer either: restore the backup taken before the upgrade (docs/upgrade.md)"
