#!/bin/bash
# openemr-import-fetch <s3://bucket/prefix> <staging dir>: downloads the newest OpenEMR backup set
# (docs/backup-format.md) under the prefix into the staging directory: manifest.json, files/<n>-<name>
# and plan ("<role> <path>" lines in apply order, paths relative to the staging directory), each file
# checked against the manifest's bytes and sha256. Refuses a format it does not know and any file
# outside the prefix. Runs on a host and in the aws-cli image (bash, aws, awk, sha256sum, stat).
# Optional OPENEMR_IMPORT_DONE: a done marker; when that file exists nothing is fetched.
# Exit 0 ok, 1 failure (message on stderr), 2 usage.
set -euo pipefail

usage() { echo "Usage: openemr-import-fetch <s3://bucket/prefix> <staging dir>" >&2; exit 2; }
fail() { echo "openemr-import: $*" >&2; exit 1; }
if [ $# -ne 2 ] || [[ $1 != s3://?* ]] || [ -z "$2" ]; then usage; fi
url=${1#s3://} staging=$2
bucket=${url%%/*}
prefix=${url#"${bucket}"}
prefix=${prefix#/}
[ -z "${prefix}" ] || [[ ${prefix} == */ ]] || prefix="${prefix}/"
if [ -n "${OPENEMR_IMPORT_DONE:-}" ] && [ -e "${OPENEMR_IMPORT_DONE}" ]; then
  echo "openemr-import: already imported (${OPENEMR_IMPORT_DONE}); nothing fetched"
  exit 0
fi

# JSON to "<path>\t<type>\t<value>" lines (types s, n, b, z for null; paths like files.0.key)
flatten() {
  awk '
    function fail(m) { print "openemr-import: manifest.json: " m > "/dev/stderr"; bad = 1; exit 1 }
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
# the value of a key of the flattened manifest ("" when absent); its type with get_type
get() { awk -F'\t' -v k="$1" '$1 == k { print $3; exit }' "${flat}"; }
get_type() { awk -F'\t' -v k="$1" '$1 == k { print $2; exit }' "${flat}"; }

# the CLI exits 1 with nothing on stderr when nothing matches
errors=$(mktemp)
keys=$(aws s3 ls --recursive "s3://${bucket}/${prefix}" 2>"${errors}") || {
  [ ! -s "${errors}" ] || fail "cannot list s3://${bucket}/${prefix}: $(cat "${errors}")"
  keys=""
}
rm -f "${errors}"
# "<date> <time> <size> <key>": the key is the rest of the line (it may hold spaces)
manifest_key=$(sed -E 's/^[0-9-]+ +[0-9:]+ +[0-9]+ //' <<<"${keys}" |
  awk -v p="${prefix}" 'index($0, p) == 1 && ($0 == "manifest.json" || $0 ~ /\/manifest\.json$/)' | LC_ALL=C sort | tail -n 1)
[ -n "${manifest_key}" ] || fail "no manifest.json under s3://${bucket}/${prefix}"

mkdir -p "${staging}"
rm -rf "${staging}/files" "${staging}/plan" "${staging}/plan.tmp" "${staging}/manifest.json" "${staging}/source"
mkdir "${staging}/files"
flat="${staging}/manifest.flat"
trap 'rm -f "${flat}"' EXIT
aws s3 cp --only-show-errors "s3://${bucket}/${manifest_key}" "${staging}/manifest.json" ||
  fail "cannot download s3://${bucket}/${manifest_key}"
flatten "${staging}/manifest.json" >"${flat}" || fail "s3://${bucket}/${manifest_key} is not JSON this importer reads"
format=$(get format) version=$(get formatVersion)
[[ "$(get_type format):${format}" == s:openemr-backup-set ]] ||
  fail "s3://${bucket}/${manifest_key}: format \"${format}\" is not openemr-backup-set"
[[ "$(get_type formatVersion):${version}" == n:1 ]] ||
  fail "s3://${bucket}/${manifest_key}: formatVersion ${version:-missing} is not supported (this importer reads 1)"

# the manifest's folder, and a key resolved against it ("" when it leaves the bucket)
folder=$(dirname "${manifest_key}")
[ "${folder}" != . ] || folder=""
resolve() {
  local part out=() IFS=/
  [[ $1 != /* && $1 != *//* && -n $1 ]] || return 0
  # shellcheck disable=SC2086 # split on /
  for part in ${folder} $1; do
    case ${part} in
      . | "") ;;
      ..) [ ${#out[@]} -gt 0 ] || return 0; unset 'out[${#out[@]}-1]' ;;
      *) out+=("${part}") ;;
    esac
  done
  printf '%s' "${out[*]}"
}

i=0 databases=0
while [ -n "$(get_type "files.${i}.key")" ]; do
  key=$(get "files.${i}.key") role=$(get "files.${i}.role") sha=$(get "files.${i}.sha256") bytes=$(get "files.${i}.bytes")
  [[ ${role} == files || ${role} == database ]] || fail "${key}: role \"${role}\" is not files or database"
  [[ ${sha} =~ ^[0-9a-f]{64}$ ]] || fail "${key}: sha256 \"${sha}\" is not 64 hex digits"
  [[ ${bytes} =~ ^[0-9]+$ ]] || fail "${key}: bytes \"${bytes}\" is not a count"
  [ "${role}" != database ] || databases=$((databases + 1))
  object=$(resolve "${key}")
  [[ -n ${object} && ${object} == "${prefix}"* ]] || fail "${key}: outside s3://${bucket}/${prefix}"
  i=$((i + 1))
  local_path="files/${i}-$(basename "${object}")"
  aws s3 cp --only-show-errors "s3://${bucket}/${object}" "${staging}/${local_path}" ||
    fail "cannot download s3://${bucket}/${object}"
  got=$(stat -c %s "${staging}/${local_path}")
  [ "${got}" = "${bytes}" ] || fail "s3://${bucket}/${object}: ${got} bytes, the manifest says ${bytes}"
  got=$(sha256sum <"${staging}/${local_path}" | cut -d' ' -f1)
  [ "${got}" = "${sha}" ] || fail "s3://${bucket}/${object}: sha256 ${got}, the manifest says ${sha}"
  printf '%s %s\n' "${role}" "${local_path}" >>"${staging}/plan.tmp"
done
[ "${databases}" = 1 ] || fail "s3://${bucket}/${manifest_key}: ${databases} database files, want exactly 1"
grep -q '^files ' "${staging}/plan.tmp" || fail "s3://${bucket}/${manifest_key}: no file archive"
printf 's3://%s/%s\n' "${bucket}" "${manifest_key}" >"${staging}/source"
mv "${staging}/plan.tmp" "${staging}/plan"
echo "openemr-import: fetched s3://${bucket}/${manifest_key}: ${i} files into ${staging}"
