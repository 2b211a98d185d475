#!/bin/bash
# Fake docker for the restore drill (tools/restore-drill/host.ts): the calls the scripts make.
set -euo pipefail
H=${FAKE_HOST:?}
printf '%s\n' "$*" >>"${H}/calls/docker"
case "${1:-}" in
  exec)
    shift
    if [ "$1" = -i ]; then shift; fi
    container=$1
    shift
    case "${container} $*" in
      "openemr-db sh -c "*)
        # the container's environment (db.env) and its mariadb and mariadb-dump
        [ -d "${H}/db-bin" ] || { echo "fake docker: no database server" >&2; exit 125; }
        MARIADB_ROOT_PASSWORD=$(sed -n 's/^MARIADB_ROOT_PASSWORD=//p' "${OPENEMR_ETC}/secrets/db.env")
        export MARIADB_ROOT_PASSWORD
        # a container does not see its caller's environment (the client would take MYSQL_HOST)
        unset MYSQL_HOST MYSQL_PWD MYSQL_TCP_PORT
        PATH="${H}/db-bin:${PATH}" exec sh -c "$3"
        ;;
      "openemr-app pidof httpd")
        if [ -f "${H}/state/httpd-running" ]; then echo 42; else exit 1; fi
        ;;
      "openemr-app httpd -k graceful") ;;
      *) echo "fake docker: unexpected exec ${container} $*" >&2; exit 125 ;;
    esac
    ;;
  volume)
    [ "$2 $3 $4" = "inspect -f {{.Mountpoint}}" ] || { echo "fake docker: unexpected volume $*" >&2; exit 125; }
    [ -d "${H}/volumes/$5" ] || { echo "Error: No such volume: $5" >&2; exit 1; }
    echo "${H}/volumes/$5"
    ;;
  run)
    # `docker run ... <image> sh <script> ...` (openemr-import-apply in the OpenEMR image) runs here,
    # with the env file and -e variables, its mariadb against the attached server; any other run
    # (certbot) exits with state/run-status
    shift
    vars=()
    while [ $# -gt 0 ]; do
      case $1 in
        --rm | -i) shift ;;
        --network | --name) shift 2 ;;
        --env-file) while IFS= read -r line; do vars+=("${line}"); done <"$2"; shift 2 ;;
        -e) if [[ $2 == *=* ]]; then vars+=("$2"); else vars+=("$2=${!2:-}"); fi; shift 2 ;;
        -v)
          IFS=: read -r src dst _ <<<"$2"
          [[ ${src} != /* || ${src} == "${dst}" ]] || { echo "fake docker: mount ${src} at ${dst}: only same-path mounts" >&2; exit 125; }
          [[ ${src} != /* || -e ${src} ]] || { echo "fake docker: no ${src} to mount" >&2; exit 125; }
          shift 2
          ;;
        -*) echo "fake docker: unexpected run option $1" >&2; exit 125 ;;
        *) break ;;
      esac
    done
    image=$1
    shift
    if [ "${1:-}" = sh ]; then
      printf '%s\n' "${image}" >>"${H}/calls/images"
      exec env -i "PATH=${H}/image-bin:${PATH}" "FAKE_HOST=${H}" "${vars[@]}" "$@"
    fi
    exit "$(cat "${H}/state/run-status" 2>/dev/null || echo 0)"
    ;;
  *) echo "fake docker: unexpected $*" >&2; exit 125 ;;
esac
