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
  run) exit "$(cat "${H}/state/run-status" 2>/dev/null || echo 0)" ;;
  *) echo "fake docker: unexpected $*" >&2; exit 125 ;;
esac
