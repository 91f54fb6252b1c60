#!/bin/sh
# The legibility checks (kiosk/ui/ui_check.h) over every screen of the
# screenshot tours, in one orientation and mode: each tour runs with --a11y,
# so every `screenshot` step also checks the frame (contrast >= 4.5:1, 7:1 in
# elder mode; targets >= 64 px, 96 in elder mode; no text cut, past the edge
# or over another). Both languages are in the tours. Prints one `a11y` line
# per screen (worst pair, smallest target) and fails if any screen fails.
#   a11y_tour.sh KIOSK SRC_TESTS_DIR SHOTS_DIR SIZE standard|elder
#
# THE TOUR LIST: a new screen gets checked by adding its screenshot to one
# of these scripts, or a new line here ("script|extra kiosk options"). The
# booking screens need a hub: scenario_a11y_booking_* checks them
# (booking_hub.sh with BOOKING_A11Y).
set -u
kiosk=$1 tests=$2 shots=$3 size=$4 mode=$5
tours="
scenarios/shots.kiosk|
map/circle_shots.kiosk|--config $tests/map/kiosk-t01.json
map/circle_nohere.kiosk|
admin/admin_shots.kiosk|--config $tests/admin/kiosk-admin.json
"
extra=""
[ "$mode" = elder ] && extra="--elder"
rc=0
mkdir -p "$shots" || exit 1
printf '%s\n' "$tours" | while IFS='|' read -r script opts; do
  [ -n "$script" ] || continue
  name=$(basename "$script" .kiosk)
  # shellcheck disable=SC2086
  "$kiosk" --headless --a11y $extra --size "$size" --fake-time 2026-11-25T09:30 $opts \
    --script "$tests/$script" --shots "$shots/a11y-$mode-$size/$name" >"$shots/a11y-$mode-$size-$name.log" 2>&1
  r=$?
  grep -a '^a11y \|^FAIL\|^        \|^script' "$shots/a11y-$mode-$size-$name.log"
  [ $r -eq 0 ] || { echo "a11y_tour: $script failed ($mode, $size)"; exit 1; }
done || rc=1
exit $rc
