#!/bin/sh
# The screen schedule on the real clock: a kiosk started outside its
# on-times goes dark at once, says screen_on false in its heartbeat (to a
# stand-in hub), and sleeps: the CPU it uses over 10 s dark is printed next
# to the same kiosk lit and untouched (figures, not asserted).
# usage: schedule_dark.sh KIOSK ADMIN_TEST_DIR
set -u
kiosk=$1 dir=$2
tmp=$(mktemp -d /tmp/schedule_dark.XXXXXX)
pass=0 fail=0 hubpid= kpid=
cleanup() {
  [ -n "$kpid" ] && kill "$kpid" 2>/dev/null && wait "$kpid" 2>/dev/null
  [ -n "$hubpid" ] && kill "$hubpid" 2>/dev/null && wait "$hubpid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
ok() { pass=$((pass+1)); echo "ok   $*"; }
bad() { fail=$((fail+1)); echo "FAIL $*"; }
stats() { python3 -c "import urllib.request;print(urllib.request.urlopen('http://127.0.0.1:$port/stats').read().decode())"; }
cpu_ns() { # CPU time of every thread of pid $1, in nanoseconds (schedstat)
  cat /proc/$1/task/*/schedstat 2>/dev/null | awk '{s += $1} END {printf "%.0f", s}'
}

python3 "$dir/fakehub.py" "$tmp/port" 2>"$tmp/hub.log" &
hubpid=$!
i=0
while [ ! -s "$tmp/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
port=$(cat "$tmp/port")
echo "sample-kiosk-token" > "$tmp/token"

measure() { # measure NAME SCHEDULE: starts the kiosk, waits 3 s, measures 10 s
  cat > "$tmp/$1.json" <<JSON
{"kiosk_id": "HL-T01", "hub_url": "http://127.0.0.1:$port", "token_file": "$tmp/token",
 "state_dir": "$tmp/state-$1", "heartbeat_s": 60, "screen_schedule": $2}
JSON
  # the wall clock starts 52 s into a minute, so the 10 s measured cross a
  # minute: a lit kiosk redraws its clock then, a dark one must not
  KIOSK_FRAME_LOG=1 "$kiosk" --headless --fake-time 1764061252 --config "$tmp/$1.json" > "$tmp/$1.log" 2>&1 &
  kpid=$!
  sleep 3
  t0=$(cpu_ns $kpid)
  f0=$(grep -c "^frame " "$tmp/$1.log")
  sleep 10
  t1=$(cpu_ns $kpid)
  f1=$(grep -c "^frame " "$tmp/$1.log")
  frames=$((f1 - f0))
  s=$(stats)
  kill $kpid; wait $kpid 2>/dev/null; kpid=
  echo "schedule_dark $1 cpu_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.4f", (b-a)/1e9}') frames=$frames over 10 s (all threads); hub saw $s"
  last_stats=$s
}

measure dark '{"all": "off"}'
grep -q "screen off (schedule)" "$tmp/dark.log" && ok "started outside its on-times: dark" || bad "not dark: $(tail -3 "$tmp/dark.log")"
[ "$frames" -eq 0 ] && ok "no frame drawn in 10 s dark" || bad "$frames frames drawn while dark"
echo "$last_stats" | python3 -c "import json,sys; d=json.load(sys.stdin); assert d['screen_on'] is False, d" \
  && ok "the heartbeat says screen_on false" || bad "heartbeat: $last_stats"
measure lit '{"all": "on"}'
echo "$last_stats" | python3 -c "import json,sys; d=json.load(sys.stdin); assert d['screen_on'] is True, d" \
  && ok "lit: the heartbeat says screen_on true" || bad "heartbeat: $last_stats"
[ "$frames" -ge 1 ] && ok "lit: the clock's minute was drawn ($frames frames): the frame count sees frames" \
  || bad "lit: no frame across a minute"


echo "schedule_dark: $pass passed, $fail failed"
[ $fail -eq 0 ]
