#!/bin/bash
# Fake date for the restore drill: the clock at FAKE_NOW (anything date -d reads) when it is set, so
# that the scripts see the drill's days and ISO weeks; the real clock otherwise.
set -euo pipefail
real=/bin/date
[ -x "${real}" ] || real=/usr/bin/date
if [ -n "${FAKE_NOW:-}" ]; then exec "${real}" -d "${FAKE_NOW}" "$@"; fi
exec "${real}" "$@"
