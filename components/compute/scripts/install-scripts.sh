#!/bin/bash
# openemr-install-scripts: installs the helper scripts that do not fit EC2's 16 KiB user data
# (openemr-export everywhere; the importer on a host that starts from openemr:restoreFrom) from the
# stack's own SSM parameters, which the program writes and the instance role may read.
#   SCRIPT_PARAMETERS (deploy.env): space-separated <target>=<parameter base>:<chunks>; each script
#   is the gzip of its text, base64-encoded and split into <base>/1 … <base>/<chunks> (4 KB each,
#   the standard tier's limit). A script is written only whole and checked by gzip; any failure
#   exits 1 and leaves no partial file.
set -euo pipefail
# shellcheck source=/dev/null
. "${OPENEMR_ETC:-/etc/openemr}/deploy.env"
target=""
trap '[ -z "${target}" ] || rm -f "${target}.new"' EXIT
for entry in ${SCRIPT_PARAMETERS:-}; do
  target=${entry%%=*} rest=${entry#*=}
  base=${rest%:*} chunks=${rest##*:}
  [[ ${target} == /* && ${base} == /* && ${chunks} =~ ^[1-9][0-9]*$ ]] ||
    { echo "openemr-install-scripts: bad entry '${entry}'" >&2; exit 1; }
  encoded=""
  for i in $(seq 1 "${chunks}"); do
    encoded+=$(aws ssm get-parameter --region "${REGION}" --with-decryption --name "${base}/${i}" \
      --query Parameter.Value --output text)
  done
  base64 -d <<<"${encoded}" | gunzip >"${target}.new"
  chmod 755 "${target}.new"
  mv -f "${target}.new" "${target}"
  echo "openemr-install-scripts: ${target} from ${base} (${chunks} parameters)"
done
