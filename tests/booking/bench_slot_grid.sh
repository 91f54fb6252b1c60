#!/bin/sh
# booking_slot_grid_bench: frame times (input to present, KIOSK_FRAME_LOG) of
# the `room` screen at 1920x1080 on the software renderer while a person flips
# through its day tabs (each tap redraws the whole slot grid: up to 24 slots
# with their texts), against a real kiosk-hub on loopback. Printed, not
# asserted (target: p99 ≤ 8 ms).
# usage: bench_slot_grid.sh KIOSK KIOSK_HUB KIOSKCTL CONTENT_JSON
KIOSK=$1 HUB=$2 CTL=$3 CONTENT=$4
T=$(mktemp -d)
hubpid=
trap '[ -n "$hubpid" ] && kill "$hubpid" 2>/dev/null; [ -n "$KEEP" ] && cp "$T/log" "$KEEP"; rm -rf "$T"' EXIT
date -d '2026-11-30T01:30:00Z' +%s > "$T/clock"
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$T/admin.token"
KIOSK_HUB_TEST_CLOCK="$T/clock" "$HUB" --listen 127.0.0.1:0 --db "$T/hub.db" \
  --admin-token-file "$T/admin.token" --port-file "$T/port" --content "$CONTENT" --quiet 2>"$T/hub.log" &
hubpid=$!
i=0
while [ ! -s "$T/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
hub="http://127.0.0.1:$(cat "$T/port")"
"$CTL" --hub "$hub" --token-file "$T/admin.token" kiosk add HL-T01 | tail -n 1 > "$T/kiosk.token"
cat > "$T/kiosk.json" <<JSON
{"kiosk_id": "HL-T01", "tower_id": "t03", "hub_url": "$hub",
 "token_file": "$T/kiosk.token", "state_dir": "$T/state", "heartbeat_s": 60}
JSON
{
  echo 'tap "妈咪小屋"'
  echo 'wait_for "现在空闲" 10000'
  echo 'tap "妈咪小屋（示例楼宇A）"'
  echo 'wait_for "可预约" 10000'
  i=0
  while [ $i -lt 10 ]; do
    for d in "明天" "周三 12/2" "周四 12/3" "周五 12/4" "周六 12/5" "周日 12/6" "今天"; do
      echo "tap \"$d\""
    done
    i=$((i + 1))
  done
} > "$T/grid.kiosk"
KIOSK_FRAME_LOG=1 "$KIOSK" --headless --fake-time "$(cat "$T/clock")" --config "$T/kiosk.json" \
  --script "$T/grid.kiosk" >/dev/null 2>"$T/log" || { tail -5 "$T/log"; exit 1; }
grep "^frame room" "$T/log" | tail -n +3 | sed 's/.*total_ms=\([0-9.]*\).*/\1/' | sort -n >"$T/ms"
n=$(wc -l <"$T/ms")
[ "$n" -gt 0 ] || { echo "no frames of room"; exit 1; }
p50=$(sed -n "$((n / 2 + 1))p" "$T/ms")
p95=$(sed -n "$((n * 95 / 100 + 1))p" "$T/ms")
p99=$(sed -n "$((n * 99 / 100 + 1))p" "$T/ms")
max=$(tail -1 "$T/ms")
echo "bench slot_grid frames=$n p50_ms=$p50 p95_ms=$p95 p99_ms=$p99 max_ms=$max"
