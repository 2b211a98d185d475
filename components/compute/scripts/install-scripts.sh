#!/bin/bash
# openemr-install-scripts [<target>=<parameter base>:<chunks> ...]: installs the host scripts that
# are not in the user data (all but the bootstrap and this one) from the stack's own SSM
# parameters, which the program writes and the instance role may read. The bootstrap runs it with
# no arguments at first boot (deploy.env's SCRIPT_PARAMETERS); the host-scripts association runs it
# with the current entries whenever a script changes (components/maintenance/host-scripts.ts).
#   Each entry's script is the gzip of its text, base64-encoded and split into <base>/1 …
#   <base>/<chunks> (4 KB each, the standard tier's limit). A script is written only whole and
#   checked by gzip, through a temporary file of its own (a run beside another is safe); any
#   failure exits non-zero and leaves no partial file (the scripts before it stay installed).
set -euo pipefail
# shellcheck source=/dev/null
. "${OPENEMR_ETC:-/etc/openemr}/deploy.env"
if [ $# -gt 0 ]; then entries=("$@"); else read -ra entries <<<"${SCRIPT_PARAMETERS:-}"; fi
tmp=""
trap '[ -z "${tmp}" ] || rm -f "${tmp}"' EXIT
for entry in "${entries[@]}"; do
  target=${entry%%=*} rest=${entry#*=}
  base=${rest%:*} chunks=${rest##*:}
  [[ ${entry} == *=*:* && ${target} == /* && ${base} == /* && ${chunks} =~ ^[1-9][0-9]*$ ]] ||
    { echo "openemr-install-scripts: bad entry '${entry}'" >&2; exit 1; }
  encoded=""
  for i in $(seq 1 "${chunks}"); do
    encoded+=$(aws ssm get-parameter --region "${REGION}" --with-decryption --name "${base}/${i}" \
      --query Parameter.Value --output text)
  done
  tmp=$(mktemp "${target}.XXXXXX")
  base64 -d <<<"${encoded}" | gunzip >"${tmp}"
  chmod 755 "${tmp}"
  if cmp -s "${tmp}" "${target}"; then
    rm -f "${tmp}"
    echo "openemr-install-scripts: ${target} unchanged"
  else
    mv -f "${tmp}" "${target}"
    echo "openemr-install-scripts: ${target} from ${base} (${chunks} parameters)"
  fi
  tmp=""
done
