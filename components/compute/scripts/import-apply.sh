#!/bin/sh
# openemr-import-apply <staging dir>: imports a set fetched by openemr-import-fetch into a new stack's
# database and sites tree (docs/backup-format.md). POSIX sh: runs under dash and busybox ash (the
# OpenEMR image has no bash). Environment: SITES_DIR, SSL_DIR, LETSENCRYPT_DIR, OPENEMR_VERSION,
# MYSQL_HOST, MYSQL_PORT, MYSQL_ROOT_USER, MYSQL_ROOT_PASS, MYSQL_USER, MYSQL_PASS, MYSQL_CA,
# DB_CLIENT (a root client command used instead of mariadb -h ...), SITE_ADDRESS,
# OPENEMR_IMPORT_POLL_SECONDS / OPENEMR_IMPORT_WAIT_SECONDS (waiting for another task's import).
# Exit 0 imported (or already), 1 refused or failed, 2 usage.
set -eu

staging=${1:-}
if [ $# -ne 1 ] || [ -z "${staging}" ]; then
  echo "Usage: openemr-import-apply <staging dir>" >&2
  exit 2
fi
for key in SITES_DIR OPENEMR_VERSION MYSQL_PASS; do
  eval "value=\${${key}:-}"
  # shellcheck disable=SC2154 # set by eval
  [ -n "${value}" ] || { echo "openemr-import: ${key} is not set" >&2; exit 2; }
done
if [ -z "${DB_CLIENT:-}" ] && [ -z "${MYSQL_ROOT_PASS:-}" ]; then
  echo "openemr-import: MYSQL_ROOT_PASS (or DB_CLIENT) is not set" >&2
  exit 2
fi
if ! printf '%s' "${OPENEMR_VERSION}" | grep -Eq '^[0-9]+(\.[0-9]+)*$'; then
  echo "openemr-import: OPENEMR_VERSION ${OPENEMR_VERSION} is not a version like 8.0.0" >&2
  exit 2
fi
MYSQL_PORT=${MYSQL_PORT:-3306} MYSQL_ROOT_USER=${MYSQL_ROOT_USER:-root} MYSQL_USER=${MYSQL_USER:-openemr}
set_id="${staging}"
[ ! -f "${staging}/source" ] || set_id=$(cat "${staging}/source")

failed() {
  echo "openemr-import: FAILED $*" >&2
  exit 1
}
done_marker="${SITES_DIR}/.openemr-import.done"
lock="${SITES_DIR}/.openemr-import.lock"
tree="${staging}/tree"

# one task imports; the others wait for its done marker
already() {
  echo "openemr-import: SUCCEEDED ${set_id}: already imported (manifest sha256 $(cat "${done_marker}"))"
  exit 0
}
mkdir -p "${SITES_DIR}"
[ ! -f "${done_marker}" ] || already
waited=0
while ! mkdir "${lock}" 2>/dev/null; do
  # a lock older than 3 h is a dead task's
  if [ -d "${lock}" ] && [ $(($(date +%s) - $(stat -c %Y "${lock}"))) -gt 10800 ]; then
    echo "openemr-import: removing a stale lock ${lock}"
    rmdir "${lock}" 2>/dev/null || true
    continue
  fi
  [ "${waited}" -lt "${OPENEMR_IMPORT_WAIT_SECONDS:-10800}" ] || failed "another import holds ${lock}; gave up after ${waited} s"
  sleep "${OPENEMR_IMPORT_POLL_SECONDS:-10}"
  waited=$((waited + ${OPENEMR_IMPORT_POLL_SECONDS:-10}))
  [ ! -f "${done_marker}" ] || already
done
trap 'rm -rf "${tree}"; rmdir "${lock}" 2>/dev/null || true' EXIT
trap 'exit 1' INT TERM HUP
[ ! -f "${done_marker}" ] || already

# JSON to "<path>\t<type>\t<value>" lines, as openemr-import-fetch reads it
flatten() {
  awk '
    function fail(m) { print "openemr-import: FAILED manifest.json: " m > "/dev/stderr"; bad = 1; exit 1 }
    function ws() { while (p <= n && index(" \t\r\n", substr(s, p, 1))) p++ }
    function str(   c, out, h) {
      p++; out = ""
      while (p <= n) {
        c = substr(s, p, 1)
        if (c == "\"") { p++; return out }
        if (c == "\n" || c == "\t") fail("control character in a string")
        if (c == "\\") {
          p++; c = substr(s, p, 1)
          if (c == "u") {
            h = tolower(substr(s, p + 1, 4))
            if (h !~ /^00[2-7][0-9a-f]$/) fail("unsupported escape \\u" h)
            c = sprintf("%c", (index("0123456789abcdef", substr(h, 3, 1)) - 1) * 16 + index("0123456789abcdef", substr(h, 4, 1)) - 1)
            p += 4
          } else if (c != "\"" && c != "\\" && c != "/") fail("unsupported escape \\" c)
        }
        out = out c; p++
      }
      fail("unterminated string")
    }
    function value(path,   c, k, i, v) {
      ws(); c = substr(s, p, 1)
      if (c == "{") {
        p++; ws()
        if (substr(s, p, 1) == "}") { p++; return }
        while (1) {
          ws(); if (substr(s, p, 1) != "\"") fail("expected a key at " p)
          k = str(); ws()
          if (substr(s, p, 1) != ":") fail("expected : at " p)
          p++; value(path == "" ? k : path "." k); ws()
          c = substr(s, p, 1); p++
          if (c == "}") return
          if (c != ",") fail("expected , or } at " p)
        }
      }
      if (c == "[") {
        p++; ws(); i = 0
        if (substr(s, p, 1) == "]") { p++; return }
        while (1) {
          value(path "." i++); ws()
          c = substr(s, p, 1); p++
          if (c == "]") return
          if (c != ",") fail("expected , or ] at " p)
        }
      }
      if (c == "\"") { v = str(); print path "\ts\t" v; return }
      if (substr(s, p, 4) == "null") { p += 4; print path "\tz\t"; return }
      if (substr(s, p, 4) == "true") { p += 4; print path "\tb\ttrue"; return }
      if (substr(s, p, 5) == "false") { p += 5; print path "\tb\tfalse"; return }
      v = ""
      while (p <= n && index("+-0123456789.eE", substr(s, p, 1))) { v = v substr(s, p, 1); p++ }
      if (v !~ /^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$/) fail("unexpected value at " p)
      print path "\tn\t" v
    }
    { s = s $0 "\n" }
    END { if (bad) exit 1; n = length(s); p = 1; value(""); ws(); if (p <= n) fail("trailing text at " p) }
  ' "$1"
}
flat="${staging}/manifest.flat"
{ [ -f "${staging}/manifest.json" ] && [ -f "${staging}/plan" ]; } || failed "${staging} holds no fetched set (manifest.json, plan)"
flatten "${staging}/manifest.json" >"${flat}" || exit 1
get() { awk -F'\t' -v k="$1" '$1 == k { print $3; exit }' "${flat}"; }
manifest_sha=$(sha256sum <"${staging}/manifest.json" | cut -d' ' -f1)

# a.b.c against x.y.z: lt, eq or gt
vercmp() {
  awk -v a="$1" -v b="$2" 'BEGIN { na = split(a, x, "."); nb = split(b, y, "."); m = na > nb ? na : nb
    for (i = 1; i <= m; i++) { if (x[i] + 0 < y[i] + 0) { print "lt"; exit } if (x[i] + 0 > y[i] + 0) { print "gt"; exit } }
    print "eq" }'
}
version=$(get openemr.version)
printf '%s' "${version}" | grep -Eq '^[0-9]+(\.[0-9]+)*$' || failed "the set names no OpenEMR version (openemr.version \"${version}\")"
[ "$(vercmp "${version}" "${OPENEMR_VERSION}")" != gt ] ||
  failed "the set is from OpenEMR ${version}, newer than this stack's ${OPENEMR_VERSION}: deploy ${version} or later"
[ "$(vercmp "${version}" 5.0.1)" != lt ] ||
  failed "the set is from OpenEMR ${version}, older than 5.0.1, the first version the image upgrades from"

# the plan's files as the manifest lists them
n=0
while read -r role file; do
  want_sha=$(get "files.${n}.sha256") want_bytes=$(get "files.${n}.bytes") want_role=$(get "files.${n}.role")
  n=$((n + 1))
  { [ "${role}" = "${want_role}" ] && [ -f "${staging}/${file}" ]; } || failed "plan line ${n} (${role} ${file}) is not the manifest's file ${n}"
  { [ "$(wc -c <"${staging}/${file}" | tr -d ' ')" = "${want_bytes}" ] &&
    [ "$(sha256sum <"${staging}/${file}" | cut -d' ' -f1)" = "${want_sha}" ]; } || failed "${file} is not the file the manifest lists (bytes or sha256)"
  [ "${role}" != database ] || dump="${staging}/${file}"
done <"${staging}/plan"
[ -n "$(get "files.${n}.key")" ] && failed "the plan lists ${n} files, the manifest more"
[ -n "${dump:-}" ] || failed "the plan has no database"

# the database clients: root (or DB_CLIENT) for the accounts, the app user for the data, so that the
# dump's definers (the app user) need no SUPER (RDS has none)
client_bin=$(command -v mariadb || command -v mysql) || failed "no mariadb or mysql client"
tls() {
  if [ -n "${MYSQL_CA:-}" ]; then printf '%s\n' "--ssl-ca=${MYSQL_CA}" --ssl-verify-server-cert; fi
}
as_root() {
  if [ -n "${DB_CLIENT:-}" ]; then
    sh -c "${DB_CLIENT}"
  else
    # shellcheck disable=SC2046 # no spaces in the options
    MYSQL_PWD=${MYSQL_ROOT_PASS} "${client_bin}" -h "${MYSQL_HOST:-localhost}" -P "${MYSQL_PORT}" -u "${MYSQL_ROOT_USER}" $(tls) "$@"
  fi
}
as_app() {
  if [ -n "${DB_CLIENT:-}" ]; then
    sh -c "${DB_CLIENT}"
  else
    # shellcheck disable=SC2046
    MYSQL_PWD=${MYSQL_PASS} "${client_bin}" -h "${MYSQL_HOST:-localhost}" -P "${MYSQL_PORT}" -u "${MYSQL_USER}" $(tls)
  fi
}
# one value (DB_CLIENT takes no options: its column name line is dropped)
query() { printf '%s\n' "$1" | as_root -N -B | tail -n 1; }
server=$(query 'SELECT VERSION()') || failed "the database does not answer"

# refuses a site or a database that already has data
conf="${SITES_DIR}/default/sqlconf.php"
if [ -f "${conf}" ] && grep -Eq '^[$]config[[:space:]]*=[[:space:]]*1' "${conf}"; then
  failed "refuses to import over a site that already has data: ${conf} has \$config = 1"
fi
tables=$(query "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'openemr'") || failed "cannot read the database"
[ "${tables}" = 0 ] || failed "refuses to import over a site that already has data: the openemr database has ${tables} tables"

# the archives in order into a staging tree; the sites tree must hold a configured site
rm -rf "${tree}"
mkdir -p "${tree}"
while read -r role file; do
  [ "${role}" = files ] || continue
  tar --listed-incremental=/dev/null -xzf "${staging}/${file}" -C "${tree}" || failed "cannot extract ${file}"
done <"${staging}/plan"
sites=$(get trees.sites)
{ [ -n "${sites}" ] && [ -d "${tree}/${sites}" ]; } || failed "the archives have no sites tree ${sites}"
staged_conf="${tree}/${sites}/default/sqlconf.php"
{ [ -f "${staged_conf}" ] && grep -Eq '^[$]config[[:space:]]*=[[:space:]]*1' "${staged_conf}"; } ||
  failed "the set's site is not configured (no \$config = 1 in default/sqlconf.php)"

# The dump: the openemr section only; the lines MySQL refuses rewritten when the server needs it
openemr_sql() {
  gunzip -c "$1" | awk '/^-- Current Database: /{ many = 1; keep = $0 ~ /`openemr`$/; found += keep } !many || keep; END { exit many && !found }'
}
openemr_sql "${dump}" >/dev/null || failed "the dump has no openemr database"
uca=$(query "SELECT COUNT(*) FROM information_schema.collations WHERE collation_name LIKE 'utf8mb4_uca1400%'") || uca=0
filter() {
  if [ "$1" = 0 ]; then
    sed -e '/^\/\*M!999999\\- enable the sandbox mode \*\/$/d' \
      -e '/^INSERT INTO /!s/utf8mb4_uca1400_[a-z0-9_]*/utf8mb4_general_ci/g' \
      -e "/^INSERT INTO /!s/DEFINER=\`[^\`]*\`@\`[^\`]*\`/DEFINER=\`$2\`@\`%\`/g"
  else
    sed -e '/^\/\*M!999999\\- enable the sandbox mode \*\/$/d' \
      -e "/^INSERT INTO /!s/DEFINER=\`[^\`]*\`@\`[^\`]*\`/DEFINER=\`$2\`@\`%\`/g"
  fi
}
# as a single-quoted literal, which SQL and PHP both read with \\ and \' escapes
literal() { printf "'%s'" "$(printf '%s' "$1" | sed "s/[\\\\']/\\\\&/g")"; }
pass=$(literal "${MYSQL_PASS}")
user=$(literal "${MYSQL_USER}")
case ${server} in
  *MariaDB*) account="CREATE OR REPLACE USER ${user}@'%' IDENTIFIED BY ${pass};" ;;
  *) account="CREATE USER IF NOT EXISTS ${user}@'%' IDENTIFIED BY ${pass}; ALTER USER ${user}@'%' IDENTIFIED BY ${pass};" ;;
esac
printf '%s GRANT ALL ON openemr.* TO %s@%s;\n' "${account}" "${user}" "'%'" | as_root || failed "cannot create the database user ${MYSQL_USER}"
if ! { echo 'CREATE DATABASE IF NOT EXISTS openemr; USE openemr;'; openemr_sql "${dump}" | filter "${uca}" "${MYSQL_USER}"; } | as_app; then
  printf 'DROP DATABASE IF EXISTS openemr;\n' | as_root || true
  failed "the dump did not load (the database was dropped again)"
fi
if [ -n "${SITE_ADDRESS:-}" ]; then
  address=$(literal "${SITE_ADDRESS}")
  printf "DELETE FROM openemr.globals WHERE gl_name = 'site_addr_oath'; INSERT INTO openemr.globals (gl_name, gl_index, gl_value) VALUES ('site_addr_oath', 0, %s);\n" "${address}" | as_app ||
    failed "cannot set site_addr_oath"
fi

# sqlconf.php for the new stack (awk takes the values from its environment: no escaping for awk)
H=$(literal "${MYSQL_HOST:-localhost}") PT=$(literal "${MYSQL_PORT}") L=${user} P=${pass} D="'openemr'" \
  awk 'BEGIN { v["host"] = ENVIRON["H"]; v["port"] = ENVIRON["PT"]; v["login"] = ENVIRON["L"]; v["pass"] = ENVIRON["P"]; v["dbase"] = ENVIRON["D"] }
    /^[$](host|port|login|pass|dbase)[ \t]*=/ { name = substr($0, 2); sub(/[ \t]*=.*/, "", name); $0 = substr($0, 1, index($0, "=")) " " v[name] ";" } 1' \
  "${staged_conf}" >"${staging}/sqlconf.php"
cat "${staging}/sqlconf.php" >"${staged_conf}"
rm -f "${staging}/sqlconf.php"
rm -f "${tree}/${sites}/default/documents/certificates/mysql-ca" "${tree}/${sites}/default/documents/certificates/mysql-key" \
  "${tree}/${sites}/default/documents/certificates/mysql-cert"
# openemr.sh upgrades a site whose docker-version is older than its image's
docker_version=$(get openemr.dockerVersion)
if [ -z "${docker_version}" ]; then
  docker_version=0
  for prior in 5.0.1 5.0.2 6.0.0 6.1.0 7.0.0 7.0.1; do
    [ "$(vercmp "${prior}" "${version}")" != lt ] || docker_version=$((docker_version + 1))
  done
fi
printf '%s' "${docker_version}" >"${tree}/${sites}/default/docker-version"

# the trees into their targets, the configured sqlconf.php last
mv "${staged_conf}" "${staging}/sqlconf.php"
cp -a "${tree}/${sites}/." "${SITES_DIR}/" || failed "cannot copy the sites tree into ${SITES_DIR}"
for pair in "ssl:${SSL_DIR:-}" "letsencrypt:${LETSENCRYPT_DIR:-}"; do
  name=${pair%%:*} target=${pair#*:} prefix=$(get "trees.${pair%%:*}")
  if [ -n "${target}" ] && [ -n "${prefix}" ] && [ -d "${tree}/${prefix}" ]; then
    mkdir -p "${target}"
    cp -a "${tree}/${prefix}/." "${target}/" || failed "cannot copy the ${name} tree into ${target}"
  fi
done
cp -a "${staging}/sqlconf.php" "${conf}"
rm -f "${staging}/sqlconf.php" "${flat}"
printf '%s\n' "${manifest_sha}" >"${done_marker}"
echo "openemr-import: SUCCEEDED ${set_id}"
