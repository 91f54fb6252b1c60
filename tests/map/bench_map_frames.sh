#!/bin/sh
# map_pan_zoom_bench: frame times (input to present, KIOSK_FRAME_LOG) of the
# circle screen at 1920x1080 on the software renderer while the map is
# dragged (60 drags) and zoomed (＋/－ 20 times), including the frames that
# show what the map worker drew. Printed, not asserted. A zoom frame rescales
# the cache in place; a pan frame copies it; the worker draws (cairo) off the
# UI thread: map_render_ms is its time per drawing.
KIOSK=$1 DIR=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
{
  echo 'tap "找支部"'
  i=0
  while [ $i -lt 10 ]; do
    echo 'drag 500 500 700 560 120'; echo 'drag 700 560 420 420 120'; echo 'drag 420 420 500 500 120'
    echo 'tap "＋"'
    echo 'drag 500 500 650 600 120'; echo 'drag 650 600 500 500 120'; echo 'drag 500 500 540 380 120'
    echo 'tap "－"'
    i=$((i + 1))
  done
} >"$T/pan.kiosk"
KIOSK_FRAME_LOG=1 "$KIOSK" --headless --config "$DIR/kiosk-t01.json" --script "$T/pan.kiosk" \
  >/dev/null 2>"$T/log" || { tail -5 "$T/log"; exit 1; }
grep -c "INFO map: level" "$T/log" | sed 's/^/bench map_renders=/'
grep "^frame circle" "$T/log" | tail -n +2 | sed 's/.*total_ms=\([0-9.]*\).*/\1/' | sort -n >"$T/ms"
n=$(wc -l <"$T/ms")
p50=$(sed -n "$((n / 2 + 1))p" "$T/ms")
p99=$(sed -n "$((n * 99 / 100 + 1))p" "$T/ms")
max=$(tail -1 "$T/ms")
echo "bench map_pan_zoom frames=$n p50_ms=$p50 p99_ms=$p99 max_ms=$max"
grep "INFO map: level" "$T/log" | sed 's/.* in \([0-9.]*\) ms/\1/' | sort -n | awk '{a[NR]=$1} END {print "bench map_render_ms p50=" a[int(NR/2)+1] " max=" a[NR]}'
