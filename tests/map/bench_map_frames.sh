#!/bin/sh
# map_pan_zoom_bench: frame times (input to present, KIOSK_FRAME_LOG) of the
# circle screen at 1920x1080 on the software renderer while the map is
# dragged (60 drags) and zoomed (＋/－ 20 times), including the frames that
# show what the map worker drew. Printed, not asserted. A zoom frame rescales
# the cache in place; a pan frame copies it; the worker draws (cairo) off the
# UI thread in bands that later frames copy in: map_render_ms is its time per
# drawing; map_memory_peak_mb the most the map held (cache, band buffers,
# shade mask).
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
# all frames (those answering input and those showing a band the worker
# drew), then the ones answering input alone
pct() { # file label
  n=$(wc -l <"$1")
  p50=$(sed -n "$((n / 2 + 1))p" "$1")
  p99=$(sed -n "$((n * 99 / 100 + 1))p" "$1")
  max=$(tail -1 "$1")
  echo "bench map_pan_zoom$2 frames=$n p50_ms=$p50 p99_ms=$p99 max_ms=$max"
}
grep "^frame circle" "$T/log" | tail -n +2 | sed 's/.*total_ms=\([0-9.]*\).*/\1/' | sort -n >"$T/ms"
grep "^frame circle.* input=1" "$T/log" | tail -n +2 | sed 's/.*total_ms=\([0-9.]*\).*/\1/' | sort -n >"$T/in"
pct "$T/ms" ""
pct "$T/in" "_input"
grep "INFO map: level" "$T/log" | sed 's/.* in \([0-9.]*\) ms/\1/' | sort -n | awk '{a[NR]=$1} END {print "bench map_render_ms p50=" a[int(NR/2)+1] " max=" a[NR]}'
grep "INFO map: memory peak" "$T/log" | sed 's/.*memory peak \([0-9.]*\) MB.*/bench map_memory_peak_mb=\1/'
