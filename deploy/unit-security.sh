#!/usr/bin/env bash
# Prints systemd-analyze's exposure figure (0 = locked down, 10 = unprotected)
# of the two packaged units and fails if either is over its limit: the hub
# at most 2.0 (issue 15), the kiosk session at most 2.0 (a graphical program
# that needs devices, a logind session and the network; the unit says what it
# leaves out and why). Works without a running systemd (--offline=true,
# systemd 252). Run from anywhere; test.sh and ctest run it.
#   deploy/unit-security.sh [--full]   (--full: every line of the analysis)
set -uo pipefail
cd "$(dirname "$0")"
command -v systemd-analyze >/dev/null || { echo "unit-security: systemd-analyze not found (package systemd)"; exit 1; }
status=0
for spec in kiosk-hub.service:2.0 kiosk-session.service:2.0; do
  unit=${spec%%:*} limit=${spec##*:}
  out=$(systemd-analyze security --offline=true --no-pager "$unit" 2>&1)
  [ "${1:-}" = "--full" ] && echo "$out"
  level=$(printf '%s\n' "$out" | sed -nE 's/.*Overall exposure level for [^:]*: ([0-9.]+).*/\1/p')
  if [ -z "$level" ]; then
    echo "unit-security: $unit: no exposure figure from systemd-analyze:"; echo "$out"; status=1; continue
  fi
  verdict=ok
  awk -v l="$level" -v m="$limit" 'BEGIN { exit !(l <= m) }' || { verdict=FAIL; status=1; }
  echo "unit-security: $unit exposure $level (limit $limit) $verdict"
done
exit $status
