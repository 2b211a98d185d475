#!/bin/bash
# Fake systemctl for the restore drill: records the calls.
set -euo pipefail
printf '%s\n' "$*" >>"${FAKE_HOST:?}/calls/systemctl"
