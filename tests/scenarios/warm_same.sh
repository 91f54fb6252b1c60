#!/bin/sh
# warm_same.sh KIOSK SCRIPTDIR: the idle warm-up after start-up composes the
# content screens' texts and bakes their keyboards in advance (docs/
# ARCHITECTURE.md, "Start-up"). What it prepares must draw exactly what a
# first visit would: run shots.kiosk in both orientations once as it is and
# once after the script step `warm`, and require every screenshot to be the
# same file, byte for byte. Under the sanitizers (KIOSK_TEST_SANITIZED=1,
# set by the sanitizer build) only in landscape: every screen still, at
# half the time; the normal build compares both orientations.
set -eu
KIOSK=$1
DIR=$2
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
{ echo "warm"; cat "$DIR/shots.kiosk"; } >"$OUT/warm.kiosk"
fail=0
n=0
sizes="1920x1080 1080x1920" min_n=40
[ -n "${KIOSK_TEST_SANITIZED:-}" ] && sizes=1920x1080 min_n=30
for size in $sizes; do
  for mode in cold warm; do
    script="$DIR/shots.kiosk"
    [ $mode = warm ] && script="$OUT/warm.kiosk"
    mkdir -p "$OUT/$mode/$size"
    "$KIOSK" --headless --size $size --fake-time 2026-11-25T09:30 \
      --script "$script" --shots "$OUT/$mode/$size" >"$OUT/$mode.log" 2>&1 || {
      echo "warm_same: shots $size ($mode) failed:"; tail -5 "$OUT/$mode.log"; exit 1; }
  done
  grep -q "prewarmed the content screens" "$OUT/warm.log" || {
    echo "warm_same: the warm step did not warm the screens"; exit 1; }
  for f in $(cd "$OUT/cold/$size" && ls *.png); do
    n=$((n + 1))
    cmp -s "$OUT/cold/$size/$f" "$OUT/warm/$size/$f" || {
      echo "warm_same: $size/$f differs after the warm-up"; fail=1; }
  done
done
echo "warm_same: $n screenshots compared, $([ $fail = 0 ] && echo all equal || echo some differ)"
[ $n -ge $min_n ] || { echo "warm_same: expected at least $min_n screenshots, got $n"; exit 1; }
exit $fail
