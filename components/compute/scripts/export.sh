#!/bin/bash
# openemr-export: writes a backup set (docs/backup-format.md) of an existing OpenEMR server, Docker or
# not, for a stack's openemr:restoreFrom: database.sql.gz (the OpenEMR database only, no mysql.*
# users), files-full.tar.gz (members sites/..., and ssl/... from a container's /etc/ssl when it holds
# the image's web server certificate) and manifest.json, written last: a set without a manifest is
# incomplete and the importer ignores it.
# Passwords reach the database programs through MYSQL_PWD (inside a container: read from stdin, or the
# container's own environment) or a mode-600 option file, never through a process's arguments.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: openemr-export (--to s3://<bucket>/<prefix> | --out <dir>) [options]
Writes a backup set of this OpenEMR server to <prefix>/<UTC stamp>/ (or <dir>/<UTC stamp>/):
database.sql.gz, files-full.tar.gz and manifest.json (written last).
  --docker <container>     dump inside this container (the database's, or OpenEMR's own, which
                           reaches MYSQL_HOST); its sites tree is copied out unless --sites is given
  --sites <dir>            the sites tree (default: the container's, or the first of
                           /var/www/localhost/htdocs/openemr/sites, /var/www/openemr/sites,
                           /var/www/html/openemr/sites)
  --db-host <host>         database host (default: the local server's socket; in a container its
                           MYSQL_HOST, if any)
  --db-port <port>         database port
  --db-user <user>         database user (default root)
  --db-password-file <f>   file holding the user's password (default: none; with --docker the
                           container's MARIADB_ROOT_PASSWORD, MYSQL_ROOT_PASSWORD or MYSQL_ROOT_PASS)
  --db-name <name>         OpenEMR's database (default openemr)
  --kms-key-id <arn>       upload with SSE-KMS under this key (default SSE-S3, AES256)
  --region <region>        the bucket's region, for aws s3 cp
  --dry-run                check the database answers, print the version, sizes and destination;
                           write and upload nothing
  -h, --help               this text
Prints the set's location (pass it as openemr:restoreFrom). Exit 0 done, 1 failed, 2 bad usage.
EOF
}

die() {
  echo "openemr-export: $*" >&2
  exit 1
}
bad_usage() {
  [ $# -eq 0 ] || echo "openemr-export: $*" >&2
  usage >&2
  exit 2
}

to="" out="" container="" sites="" db_host="" db_port="" db_user="" password_file="" db_name=openemr
kms_key="" region="" dry_run=false
while [ $# -gt 0 ]; do
  arg=$1
  value=""
  case ${arg} in
    --*=*)
      value=${arg#*=}
      arg=${arg%%=*}
      ;;
    --to | --out | --docker | --sites | --db-host | --db-port | --db-user | --db-password-file | --db-name | --kms-key-id | --region)
      [ $# -ge 2 ] || bad_usage "${arg} needs a value"
      value=$2
      shift
      ;;
  esac
  case ${arg} in
    -h | --help) usage; exit 0 ;;
    --dry-run) [ -z "${value}" ] || bad_usage "--dry-run takes no value"; dry_run=true ;;
    --to) to=${value} ;;
    --out) out=${value} ;;
    --docker) container=${value} ;;
    --sites) sites=${value} ;;
    --db-host) db_host=${value} ;;
    --db-port) db_port=${value} ;;
    --db-user) db_user=${value} ;;
    --db-password-file) password_file=${value} ;;
    --db-name) db_name=${value} ;;
    --kms-key-id) kms_key=${value} ;;
    --region) region=${value} ;;
    *) bad_usage "unknown argument ${arg}" ;;
  esac
  shift
done

{ [ -n "${to}" ] || [ -n "${out}" ]; } || bad_usage "give --to or --out"
{ [ -z "${to}" ] || [ -z "${out}" ]; } || bad_usage "give --to or --out, not both"
bucket="" prefix=""
if [ -n "${to}" ]; then
  [[ ${to} =~ ^s3://([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(/(.*))?$ ]] || bad_usage "--to must be s3://<bucket>/<prefix>, not ${to}"
  bucket=${BASH_REMATCH[1]}
  prefix=${BASH_REMATCH[3]}
  prefix=${prefix%/}
  [[ ! ${prefix} =~ (^|/)\.\.?(/|$)|// ]] || bad_usage "--to: the prefix has an empty, . or .. segment: ${to}"
else
  [ -z "${kms_key}" ] || bad_usage "--kms-key-id applies to --to only"
fi
[[ ${db_name} =~ ^[A-Za-z0-9_]+$ ]] || bad_usage "--db-name: letters, digits and _ only"
[ -z "${db_port}" ] || [[ ${db_port} =~ ^[0-9]+$ ]] || bad_usage "--db-port must be a number"
if [ -n "${password_file}" ]; then
  [ -r "${password_file}" ] || die "cannot read the password file ${password_file}"
fi

trap 'echo "openemr-export: failed at line ${LINENO}: ${BASH_COMMAND}" >&2; exit 1' ERR
work=$(mktemp -d "${TMPDIR:-/tmp}/openemr-export.XXXXXX")
trap 'rm -rf "${work}"' EXIT
chmod 700 "${work}"

# The password, when a file gives it: its first line, as the database programs read it.
password=""
if [ -n "${password_file}" ]; then
  IFS= read -r password <"${password_file}" || [ -n "${password}" ] || die "the password file ${password_file} is empty"
fi

if [ -z "${container}" ]; then
  # mode 600 in the mode-700 work directory; the first option a client reads
  escaped=${password//\\/\\\\}
  escaped=${escaped//\"/\\\"}
  (umask 077 && printf '[client]\npassword="%s"\n' "${escaped}" >"${work}/client.cnf")
  local_program() { # kind (client|dump)
    local names=(mariadb mysql)
    [ "$1" = client ] || names=(mariadb-dump mysqldump)
    local name
    for name in "${names[@]}"; do
      if command -v "${name}" >/dev/null; then
        echo "${name}"
        return 0
      fi
    done
    return 1
  }
  client_program=$(local_program client) || die "no mariadb or mysql on PATH (install the MariaDB or MySQL client)"
  dump_program=$(local_program dump) || die "no mariadb-dump or mysqldump on PATH (install the MariaDB or MySQL client)"
fi

connect_args=()
[ -z "${db_user}" ] || connect_args+=("--user=${db_user}")
if [ -z "${container}" ]; then
  [ -n "${db_user}" ] || connect_args+=(--user=root)
  [ -z "${db_host}" ] || connect_args+=("--host=${db_host}")
  [ -z "${db_port}" ] || connect_args+=("--port=${db_port}")
fi

# Inside the container: the password from stdin (a --db-password-file) or the container's own
# environment, the host from --db-host or MYSQL_HOST (OpenEMR's container), then the program.
# shellcheck disable=SC2016 # expanded inside the container
in_container='
from_stdin=$1 kind=$2 user=$3 host=$4 port=$5
shift 5
if [ "${from_stdin}" = 1 ]; then
  IFS= read -r MYSQL_PWD || [ -n "${MYSQL_PWD}" ]
elif [ -n "${MARIADB_ROOT_PASSWORD:-}${MYSQL_ROOT_PASSWORD:-}" ]; then
  MYSQL_PWD=${MARIADB_ROOT_PASSWORD:-${MYSQL_ROOT_PASSWORD}}
  user=${user:-root}
elif [ -n "${MYSQL_ROOT_PASS:-}" ]; then
  MYSQL_PWD=${MYSQL_ROOT_PASS}
  user=${user:-${MYSQL_ROOT_USER:-root}}
else
  echo "no password: the container has no MARIADB_ROOT_PASSWORD, MYSQL_ROOT_PASSWORD or MYSQL_ROOT_PASS (pass --db-password-file)" >&2
  exit 1
fi
export MYSQL_PWD
host=${host:-${MYSQL_HOST:-}} port=${port:-${MYSQL_PORT:-}}
set -- --user="${user:-root}" "$@"
[ -z "${host}" ] || set -- --host="${host}" "$@"
[ -z "${port}" ] || set -- --port="${port}" "$@"
if [ "${kind}" = client ]; then names="mariadb mysql"; else names="mariadb-dump mysqldump"; fi
for name in ${names}; do
  if command -v "${name}" >/dev/null 2>&1; then exec "${name}" "$@"; fi
done
echo "the container has neither ${names% *} nor ${names#* }" >&2
exit 127
'

db() { # kind (client|dump), arguments...
  local kind=$1
  shift
  if [ -n "${container}" ]; then
    local from_stdin=0
    [ -z "${password_file}" ] || from_stdin=1
    if [ "${from_stdin}" = 1 ]; then
      printf '%s\n' "${password}" | docker exec -i "${container}" sh -c "${in_container}" openemr-export \
        1 "${kind}" "${db_user}" "${db_host}" "${db_port}" "$@"
    else
      docker exec "${container}" sh -c "${in_container}" openemr-export \
        0 "${kind}" "${db_user}" "${db_host}" "${db_port}" "$@" </dev/null
    fi
  else
    local program=${client_program}
    [ "${kind}" = client ] || program=${dump_program}
    if [ -n "${password_file}" ]; then
      "${program}" --defaults-extra-file="${work}/client.cnf" "${connect_args[@]}" "$@" </dev/null
    else
      "${program}" "${connect_args[@]}" "$@" </dev/null
    fi
  fi
}

query() { # SQL; one value
  db client --batch --skip-column-names -e "$1" 2>"${work}/query.err"
}

last_error() { grep -v '^[[:space:]]*$' "${work}/$1" | tail -n 1 || true; }

server=$(query "SELECT VERSION()") || die "cannot connect to the database: $(last_error query.err)"
version=$(query "SELECT CONCAT(v_major,'.',v_minor,'.',v_patch) FROM \`${db_name}\`.version LIMIT 1") \
  || die "no OpenEMR version table in database ${db_name}: $(last_error query.err)"
[[ ${version} =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "database ${db_name}: the version table holds '${version}', not a version"

# The trees: a container's are copied out into the work directory.
ssl=""
if [ -z "${sites}" ] && [ -n "${container}" ]; then
  docker cp "${container}:/var/www/localhost/htdocs/openemr/sites" "${work}/sites" >/dev/null 2>"${work}/cp.err" \
    || die "no sites tree in container ${container} ($(last_error cp.err)): pass --sites <dir>"
  sites=${work}/sites
fi
if [ -z "${sites}" ]; then
  for dir in /var/www/localhost/htdocs/openemr/sites /var/www/openemr/sites /var/www/html/openemr/sites; do
    if [ -f "${dir}/default/sqlconf.php" ]; then
      sites=${dir}
      break
    fi
  done
  [ -n "${sites}" ] || die "no OpenEMR sites tree found: pass --sites <dir>"
fi
[ -d "${sites}" ] || die "--sites ${sites}: not a directory"
sites=$(cd "${sites}" && pwd -P)
[ -f "${sites}/default/sqlconf.php" ] || die "${sites} is not an OpenEMR sites tree: default/sqlconf.php is missing"
if [ -n "${container}" ] && docker cp "${container}:/etc/ssl" "${work}/ssl" >/dev/null 2>&1; then
  if [ -f "${work}/ssl/certs/webserver.cert.pem" ]; then ssl=${work}/ssl; else rm -rf "${work}/ssl"; fi
fi

docker_version=null
if [ -f "${sites}/default/docker-version" ]; then
  read -r dv <"${sites}/default/docker-version" || true
  if [[ ${dv:-} =~ ^[0-9]+$ ]]; then docker_version=$((10#${dv})); fi
fi

now=$(date -u +%s)
stamp=$(date -u -d "@${now}" +%Y%m%dT%H%M%SZ)
created=$(date -u -d "@${now}" +%Y-%m-%dT%H:%M:%SZ)
if [ -n "${to}" ]; then
  destination="s3://${bucket}/${prefix:+${prefix}/}${stamp}/"
else
  destination="${out%/}/${stamp}/"
fi

if ${dry_run}; then
  data_bytes=$(query "SELECT COALESCE(SUM(data_length), 0) FROM information_schema.tables WHERE table_schema = '${db_name}'") \
    || die "cannot read the table sizes: $(last_error query.err)"
  echo "database: ${db_name} on ${server}, OpenEMR ${version} (docker-version ${docker_version})"
  echo "dump: about ${data_bytes} bytes of table data before compression"
  echo "sites: ${sites}: $(du -sb "${sites}" | cut -f1) bytes, $(find "${sites}" -type f | wc -l) files"
  [ -z "${ssl}" ] || echo "ssl: the container's /etc/ssl: $(du -sb "${ssl}" | cut -f1) bytes, $(find "${ssl}" -type f | wc -l) files"
  if [ -n "${to}" ]; then
    encryption="SSE-S3 (AES256)"
    [ -z "${kms_key}" ] || encryption="SSE-KMS under ${kms_key}"
    echo "destination: ${destination} (${encryption})"
  else
    echo "destination: ${destination}"
  fi
  echo "dry run: nothing written or uploaded"
  exit 0
fi

set_dir=${work}/set
mkdir "${set_dir}"
db dump --single-transaction --quick --routines --events --triggers --databases "${db_name}" \
  2>"${work}/dump.err" | gzip >"${set_dir}/database.sql.gz" \
  || die "the database dump failed: $(last_error dump.err)"
gzip -t "${set_dir}/database.sql.gz" || die "the dump's gzip does not verify"

# Members sites/... (the tree's "./..." renamed; symlink targets kept as they are) and ssl/...
tar_args=(-C "${sites}" .)
[ -z "${ssl}" ] || tar_args+=(-C "${work}" ssl)
# a live server's files may change while tar reads them (exit 1): the archive is still whole
status=0
tar --warning=no-file-changed --transform='s,^\.,sites,S' -czf "${set_dir}/files-full.tar.gz" "${tar_args[@]}" \
  2>"${work}/tar.err" || status=$?
[ "${status}" -le 1 ] || die "archiving the trees failed: $(last_error tar.err)"
gzip -t "${set_dir}/files-full.tar.gz" || die "the archive's gzip does not verify"

json() { # a JSON string
  local s=$1
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  s=${s//$'\t'/\\t}
  s=${s//$'\n'/\\n}
  s=${s//$'\r'/\\r}
  s=$(printf '%s' "${s}" | tr -d '\000-\037')
  printf '"%s"' "${s}"
}
file_entry() { # key, role
  local file=${set_dir}/$1
  printf '    { "key": %s, "role": %s, "sha256": "%s", "bytes": %s }' "$(json "$1")" "$(json "$2")" \
    "$(sha256sum "${file}" | cut -d' ' -f1)" "$(stat -c %s "${file}")"
}
trees="\"sites\": \"sites\""
[ -z "${ssl}" ] || trees="${trees}, \"ssl\": \"ssl\""
{
  printf '{\n'
  printf '  "format": "openemr-backup-set",\n'
  printf '  "formatVersion": 1,\n'
  printf '  "createdAt": %s,\n' "$(json "${created}")"
  printf '  "source": { "tool": "openemr-export", "stack": %s },\n' "$(json "$(uname -n)")"
  printf '  "openemr": { "version": %s, "dockerVersion": %s },\n' "$(json "${version}")" "${docker_version}"
  printf '  "database": { "name": %s, "server": %s },\n' "$(json "${db_name}")" "$(json "${server}")"
  printf '  "trees": { %s },\n' "${trees}"
  printf '  "files": [\n'
  file_entry files-full.tar.gz files
  printf ',\n'
  file_entry database.sql.gz database
  printf '\n  ]\n}\n'
} >"${set_dir}/manifest.json"

if [ -n "${out}" ]; then
  [ ! -e "${destination}" ] || die "${destination} exists already"
  mkdir -p "${destination}"
  for name in files-full.tar.gz database.sql.gz manifest.json; do
    mv "${set_dir}/${name}" "${destination}${name}"
  done
else
  sse=(--sse AES256)
  [ -z "${kms_key}" ] || sse=(--sse aws:kms --sse-kms-key-id "${kms_key}")
  region_args=()
  [ -z "${region}" ] || region_args=(--region "${region}")
  for name in files-full.tar.gz database.sql.gz manifest.json; do
    aws s3 cp ${region_args[@]+"${region_args[@]}"} --only-show-errors "${sse[@]}" "${set_dir}/${name}" "${destination}${name}" \
      || die "uploading ${name} to ${destination} failed"
  done
fi
echo "${destination}"
