#!/bin/sh
# damage_same.sh KIOSK SCRIPTDIR PNG_CLOSE: the kiosk redraws only the cells
# that changed, drawing texts as masks by hand (kiosk/ui/ui_damage.h). Run
# shots.kiosk and partial.kiosk in both orientations twice, once that way
# and once redrawing the whole screen every frame (KIOSK_FULL_REDRAW=1), and
# require every screenshot to be the same file, byte for byte. Then run
# shots.kiosk on the texture path a GPU renderer takes (KIOSK_TEXTURES=1)
# and require the same pictures within 3 levels per channel (the two blend
# with different rounding).
# Under the sanitizers (KIOSK_TEST_SANITIZED=1, set by the sanitizer build)
# a kiosk draws several times slower, from the same drawing code as the
# normal build's: there shots.kiosk (every screen) runs in landscape and
# partial.kiosk in portrait only, each redrawn both ways, and the texture
# path in landscape; the normal build compares everything.
set -eu
KIOSK=$1
DIR=$2
PNG_CLOSE=$3
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
fail=0
sizes() { # the sizes script $1 runs at
  if [ -z "${KIOSK_TEST_SANITIZED:-}" ]; then echo 1920x1080 1080x1920
  elif [ "$1" = shots ]; then echo 1920x1080
  else echo 1080x1920; fi
}
min_n=60 min_m=50
[ -n "${KIOSK_TEST_SANITIZED:-}" ] && min_n=50 min_m=30
for script in shots partial; do
  for size in $(sizes $script); do
    for mode in part full; do
      mkdir -p "$OUT/$mode/$size/$script"
      if [ $mode = full ]; then export KIOSK_FULL_REDRAW=1; else unset KIOSK_FULL_REDRAW || true; fi
      "$KIOSK" --headless --size $size --fake-time 2026-11-25T09:30 \
        --script "$DIR/$script.kiosk" --shots "$OUT/$mode/$size/$script" >"$OUT/$mode.log" 2>&1 || {
        echo "damage_same: $script $size ($mode) failed:"; tail -5 "$OUT/$mode.log"; exit 1; }
    done
  done
done
unset KIOSK_FULL_REDRAW || true
n=0
for f in $(cd "$OUT/full" && find . -name '*.png' | sort); do
  n=$((n + 1))
  if ! cmp -s "$OUT/full/$f" "$OUT/part/$f"; then
    echo "damage_same: $f differs between partial and full redraw"
    fail=1
  fi
done
psize=$(sizes partial | cut -d' ' -f1)
[ -f "$OUT/part/$psize/partial/p16_message_gone.png" ] || { echo "damage_same: screenshots missing"; exit 1; }
echo "damage_same: $n screenshots compared, $([ $fail = 0 ] && echo all equal || echo some differ)"
[ $n -ge $min_n ] || { echo "damage_same: expected at least $min_n screenshots, got $n"; exit 1; }
m=0
for size in $(sizes shots); do
  mkdir -p "$OUT/tex/$size"
  KIOSK_TEXTURES=1 "$KIOSK" --headless --size $size --fake-time 2026-11-25T09:30 \
    --script "$DIR/shots.kiosk" --shots "$OUT/tex/$size" >"$OUT/tex.log" 2>&1 || {
    echo "damage_same: shots $size on textures failed:"; tail -5 "$OUT/tex.log"; exit 1; }
  for f in "$OUT/tex/$size"/*.png; do
    m=$((m + 1))
    "$PNG_CLOSE" "$OUT/part/$size/shots/$(basename "$f")" "$f" 3 >/dev/null || {
      "$PNG_CLOSE" "$OUT/part/$size/shots/$(basename "$f")" "$f" 3; fail=1; }
  done
done
echo "damage_same: $m screenshots on textures compared with masks, $([ $fail = 0 ] && echo all within 3 || echo some differ)"
[ $m -ge $min_m ] || { echo "damage_same: expected at least $min_m texture screenshots, got $m"; exit 1; }
exit $fail
