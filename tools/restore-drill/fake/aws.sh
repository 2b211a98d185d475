#!/bin/bash
# Fake aws for the restore drill: s3 cp and s3 ls --recursive on ${FAKE_HOST}/s3/<bucket>/<key>,
# cloudwatch put-metric-data into calls/metrics. Exit statuses as the real CLI's.
set -euo pipefail
H=${FAKE_HOST:?}
printf '%s\n' "$*" >>"${H}/calls/aws"
service=$1 command=$2
shift 2
recursive=false metric="" value="" args=()
while [ $# -gt 0 ]; do
  case $1 in
    --region | --sse | --sse-kms-key-id | --namespace | --dimensions) shift 2 ;;
    --metric-name) metric=$2; shift 2 ;;
    --value) value=$2; shift 2 ;;
    --only-show-errors) shift ;;
    --recursive) recursive=true; shift ;;
    --*) echo "fake aws: unknown option $1" >&2; exit 252 ;;
    *) args+=("$1"); shift ;;
  esac
done
local_path() { echo "${H}/s3/${1#s3://}"; }
case "${service} ${command}" in
  "s3 cp")
    src=${args[0]} dst=${args[1]}
    if [[ ${src} == s3://* ]]; then src=$(local_path "${src}"); fi
    [ -f "${src}" ] || { echo "fatal error: An error occurred (404) when calling the HeadObject operation" >&2; exit 1; }
    if [[ ${dst} == s3://* ]]; then
      bucket=${dst#s3://}
      [ -d "${H}/s3/${bucket%%/*}" ] || { echo "upload failed: NoSuchBucket" >&2; exit 1; }
      dst=$(local_path "${dst}")
    fi
    if [[ ${dst} == */ ]]; then dst="${dst}$(basename "${src}")"; fi
    mkdir -p "$(dirname "${dst}")"
    cp "${src}" "${dst}"
    ;;
  "s3 ls")
    ${recursive} || { echo "fake aws: only ls --recursive" >&2; exit 252; }
    url=${args[0]#s3://}
    bucket=${url%%/*}
    prefix=${url#"${bucket}"}
    prefix=${prefix#/}
    [ -d "${H}/s3/${bucket}" ] || { echo "An error occurred (NoSuchBucket) when calling the ListObjectsV2 operation" >&2; exit 255; }
    found=1
    while IFS= read -r key; do
      [[ ${key} == "${prefix}"* ]] || continue
      printf '2026-01-01 00:00:00 %10d %s\n' "$(stat -c %s "${H}/s3/${bucket}/${key}")" "${key}"
      found=0
    done < <(cd "${H}/s3/${bucket}" && find . -type f | sed 's|^\./||' | sort)
    # the real CLI exits 1 when nothing matches
    exit "${found}"
    ;;
  "cloudwatch put-metric-data")
    printf '%s %s\n' "${metric}" "${value}" >>"${H}/calls/metrics"
    ;;
  *) echo "fake aws: unexpected ${service} ${command}" >&2; exit 252 ;;
esac
