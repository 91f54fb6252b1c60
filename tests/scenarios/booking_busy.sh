#!/bin/sh
# A hub that answers but is busy (429 with Retry-After, 500) is not "offline":
# the booking screens say 服务繁忙，请稍后再试 / "The service is busy, please try
# again shortly" and never 联网后可预约 ("bookable once online"), and ask
# again by themselves after the Retry-After the hub sent (3 s) or 10 s
# without one. The hub is busy_hub.py on loopback; the kiosk runs the scripts
# booking_busy_zh.kiosk and booking_busy_en.kiosk (screenshots into SHOTS_DIR).
# usage: booking_busy.sh KIOSK SCENARIO_DIR [SHOTS_DIR]
set -u
kiosk=$1 dir=$2 shots=${3:-}
tmp=$(mktemp -d /tmp/booking_busy.XXXXXX)
pass=0 fail=0 hubpid=
cleanup() {
  [ -n "$hubpid" ] && kill "$hubpid" 2>/dev/null && wait "$hubpid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
ok() { pass=$((pass+1)); echo "ok   $*"; }
bad() { fail=$((fail+1)); echo "FAIL $*"; }

python3 "$dir/busy_hub.py" "$tmp/port" "$tmp/asked.log" 2>"$tmp/hub.err" &
hubpid=$!
i=0
while [ ! -s "$tmp/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
[ -s "$tmp/port" ] || { bad "busy hub did not start"; cat "$tmp/hub.err"; exit 1; }
echo "sample-token" > "$tmp/token"
cat > "$tmp/kiosk.json" <<JSON
{"kiosk_id": "HL-T01", "tower_id": "t03", "hub_url": "http://127.0.0.1:$(cat "$tmp/port")",
 "token_file": "$tmp/token", "state_dir": "$tmp/state", "heartbeat_s": 5}
JSON
for lang in zh en; do
  for size in 1920x1080 1080x1920; do
    : > "$tmp/asked.log"
    kill "$hubpid" 2>/dev/null; wait "$hubpid" 2>/dev/null; rm -f "$tmp/port"
    python3 "$dir/busy_hub.py" "$tmp/port" "$tmp/asked.log" 2>"$tmp/hub.err" &
    hubpid=$!
    i=0
    while [ ! -s "$tmp/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
    sed -i "s|127.0.0.1:[0-9]*|127.0.0.1:$(cat "$tmp/port")|" "$tmp/kiosk.json"
    if "$kiosk" --headless --size "$size" --fake-time 2026-11-30T09:30 --config "$tmp/kiosk.json" \
         --shots "${shots:-$tmp/shots}/$size" --script "$dir/booking_busy_$lang.kiosk" \
         > "$tmp/run.log" 2>&1
    then ok "busy hub, $lang $size: 服务繁忙 shown, not 联网后可预约"
    else bad "busy hub, $lang $size"; cat "$tmp/run.log"; fi
    if [ "$lang" = zh ]; then
      # the room screen asked again by itself after the 429 and got the slots
      grep -q "^mr-02 7 429$" "$tmp/asked.log" && grep -q "^mr-02 7 200$" "$tmp/asked.log" \
        && ok "asked again after Retry-After, then shown ($size)" \
        || { bad "no second question after the 429 ($size)"; cat "$tmp/asked.log"; }
    else
      grep -q "^mr-01 7 500$" "$tmp/asked.log" && ok "the hub answered 500 ($size)" \
        || { bad "no 500 ($size)"; cat "$tmp/asked.log"; }
    fi
  done
done
echo "booking_busy: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
