#!/bin/sh
# damage_same.sh KIOSK SCRIPTDIR PNG_CLOSE: the kiosk redraws only the cells
# that changed, drawing texts as masks by hand (kiosk/ui/ui_damage.h). Run
# shots.kiosk and partial.kiosk in both orientations twice, once that way
# and once redrawing the whole screen every frame (KIOSK_FULL_REDRAW=1), and
# require every screenshot to be the same file, byte for byte. Then run
# shots.kiosk on the texture path a GPU renderer takes (KIOSK_TEXTURES=1)
# and require the same pictures within 3 levels per channel (the two blend
# with different rounding).
set -eu
KIOSK=$1
DIR=$2
PNG_CLOSE=$3
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
fail=0
for size in 1920x1080 1080x1920; do
  for script in shots partial; do
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
[ -f "$OUT/part/1920x1080/partial/p16_message_gone.png" ] || { echo "damage_same: screenshots missing"; exit 1; }
echo "damage_same: $n screenshots compared, $([ $fail = 0 ] && echo all equal || echo some differ)"
[ $n -ge 60 ] || { echo "damage_same: expected at least 60 screenshots, got $n"; exit 1; }
m=0
for size in 1920x1080 1080x1920; do
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
[ $m -ge 50 ] || { echo "damage_same: expected at least 50 texture screenshots, got $m"; exit 1; }
exit $fail
