#!/bin/sh
# Nursing-room booking end to end against a real kiosk-hub on loopback with
# the default bundle's rooms, the hub's booking clock at the kiosk's fake
# time (Monday 30 Nov 2026, 09:30 Beijing):
#  1. book online at the kiosk and see the code; kioskctl lists it;
#  2. cancel at the kiosk with the code + last 4 digits; the hub has it cancelled;
#  3. book again; check-in at 09:30 for 14:00 is refused with the reason and
#     the window (13:50–14:10); kioskctl bookings cancel --note;
#  4. with the hub stopped, nothing is bookable and the kiosk says 联网后可预约.
#  5. screenshots of every booking screen in both orientations and languages,
#     standard and elder mode (into SHOTS_DIR when given).
# With BOOKING_A11Y=standard|elder only step 5 runs, in that mode alone, with
# the legibility checks (--a11y, kiosk/ui/ui_check.h) at every screenshot.
# usage: booking_hub.sh KIOSK KIOSK_HUB KIOSKCTL SCENARIO_DIR CONTENT_JSON [SHOTS_DIR]
set -u
kiosk=$1 hubbin=$2 ctl=$3 dir=$4 content=$5 shots=${6:-}
a11y=${BOOKING_A11Y:-} shotopts=
case "$a11y" in
  '') ;;
  standard) shotopts=--a11y ;;
  elder) shotopts=--a11y ;; # the script taps 长辈模式
  *) echo "booking_hub: BOOKING_A11Y is standard or elder, not $a11y"; exit 2 ;;
esac
tmp=$(mktemp -d /tmp/booking_hub.XXXXXX)
pass=0 fail=0 hubpid=
cleanup() {
  [ -n "$hubpid" ] && kill "$hubpid" 2>/dev/null && wait "$hubpid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
ok() { pass=$((pass+1)); echo "ok   $*"; }
bad() { fail=$((fail+1)); echo "FAIL $*"; }

T=$(date -d '2026-11-30T01:30:00Z' +%s)
# One kiosk id runs a dozen kiosk processes back to back here: the per-kiosk
# rate limit (5/s, burst 20, meant for one kiosk's own pace) is raised so a
# 429 cannot pass for "offline".
echo "$T" > "$tmp/clock"
export KIOSK_HUB_TEST_CLOCK="$tmp/clock"
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$tmp/admin.token"
"$hubbin" --listen 127.0.0.1:0 --db "$tmp/hub.db" --admin-token-file "$tmp/admin.token" \
  --port-file "$tmp/port" --content "$content" --rate 50 --burst 200 --quiet 2>>"$tmp/hub.log" &
hubpid=$!
i=0
while [ ! -s "$tmp/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
[ -s "$tmp/port" ] && ok "hub started" || { bad "hub did not start"; cat "$tmp/hub.log"; exit 1; }
port=$(cat "$tmp/port")
hub="http://127.0.0.1:$port"
ctl() { "$ctl" --hub "$hub" --token-file "$tmp/admin.token" "$@"; }
ctl kiosk add HL-T01 > "$tmp/add.out" && tail -n 1 "$tmp/add.out" > "$tmp/kiosk.token" \
  && ok "kioskctl kiosk add" || bad "kioskctl kiosk add"
cat > "$tmp/kiosk.json" <<JSON
{"kiosk_id": "HL-T01", "tower_id": "t03", "hub_url": "$hub",
 "token_file": "$tmp/kiosk.token", "state_dir": "$tmp/state", "heartbeat_s": 5}
JSON
run_kiosk() { "$kiosk" --headless --fake-time "$T" --config "$tmp/kiosk.json" \
  --shots "$tmp/shots" --script "$1" > "$1.log" 2>&1; }
# manage CODE VERB EXPECT: the manage script with these filled in
manage() {
  lower=$(echo "$1" | tr 'A-Z' 'a-z')
  sed -e "s/@CODE@/$lower/" -e "s|@VERB@|$2|" -e "s|@EXPECT@|$3|" \
    "$dir/booking_manage.kiosk.in" > "$tmp/manage.kiosk"
  run_kiosk "$tmp/manage.kiosk"
}
code_of() { # the code of the latest active booking of mr-02
  ctl --json bookings list --room mr-02 --date 2026-11-30 | python3 -c '
import json, sys
b = [x for x in json.load(sys.stdin)["bookings"] if x["state"] == "confirmed"]
print(b[-1]["code"] if b else "")'
}

if [ -z "$a11y" ]; then
# 1. online: the code on screen, the booking at the hub
cp "$dir/booking_online.kiosk" "$tmp/online.kiosk"
if run_kiosk "$tmp/online.kiosk"; then ok "booked online at the kiosk, code shown";
else bad "booking_online.kiosk"; cat "$tmp/online.kiosk.log"; fi
# the same flow once more with a last step that fails on purpose: the runner
# then lists every visible text of booking_done, among them the code
{ cat "$dir/booking_online.kiosk"; echo 'expect_text "(list the visible texts)"'; } > "$tmp/dump.kiosk"
ctl bookings list --room mr-02 > "$tmp/list.txt" && grep -q "14:00" "$tmp/list.txt" \
  && grep -q "1234" "$tmp/list.txt" && ok "kioskctl bookings list shows it" \
  || { bad "kioskctl bookings list"; cat "$tmp/list.txt"; }
code=$(code_of)
ctl bookings cancel "$code" --note "示例：为下一步腾出时段" > /dev/null
run_kiosk "$tmp/dump.kiosk"
code=$(code_of)
[ -n "$code" ] && grep -q "| $code\$" "$tmp/dump.kiosk.log" && ok "the code on screen is the hub's ($code)" \
  || { bad "code $code not on screen"; cat "$tmp/dump.kiosk.log"; }

# 2. cancel with code + last 4
if manage "$code" "取消预约" "预约已取消"; then ok "cancelled at the kiosk with code + last 4";
else bad "cancel at the kiosk"; cat "$tmp/manage.kiosk.log"; fi
ctl bookings show "$code" | grep -q "cancelled" && ok "the hub has it cancelled" \
  || bad "not cancelled at the hub"

# 3. check-in outside the window: refused with the reason and the window
run_kiosk "$tmp/online.kiosk" || bad "second booking"
code=$(code_of)
if manage "$code" "签到" "还没到签到时间。签到时间：13:50–14:10"; then
  ok "check-in at 09:30 for 14:00 refused, window 13:50–14:10 shown"
else bad "check-in outside the window"; cat "$tmp/manage.kiosk.log"; fi
ctl bookings show "$code" | grep -q "confirmed" && ok "still confirmed after the refused check-in" \
  || bad "state after refused check-in"
ctl bookings cancel "$code" --note "示例：测试取消" > /dev/null && \
  ctl --json bookings show "$code" | grep -q '"state":"cancelled"' \
  && ok "kioskctl bookings cancel --note" || bad "kioskctl bookings cancel"
ctl bookings cancel "$code" > /dev/null 2>&1; [ $? -eq 2 ] && ok "cancel without --note is a usage error" \
  || bad "cancel without --note"
fi

# 5. every screen in both orientations and languages, in standard and in
#    elder mode (长辈模式, into SHOTS_DIR/elder) (mr-01, 15:00..18:30, each
#    run another sample number)
i=0
for mode in ${a11y:-standard elder}; do
for size in 1920x1080 1080x1920; do
  for lang in zh en; do
    i=$((i+1))
    sed -e "s/@TIME@/1$((4 + (i + 1) / 2)):$( [ $((i % 2)) -eq 1 ] && echo 00 || echo 30)/" \
        -e "s/@PHONE@/1370000100$i/" -e "s/@LAST4@/100$i/" \
        "$dir/booking_shots_$lang.kiosk.in" > "$tmp/shots_$i.body"
    out="${shots:-$tmp/shots}/$size"
    if [ "$mode" = elder ]; then
      out="${shots:-$tmp/shots}/elder/$size"
      printf 'tap "长辈模式"\n' > "$tmp/shots_$i.kiosk"
    else
      : > "$tmp/shots_$i.kiosk"
    fi
    cat "$tmp/shots_$i.body" >> "$tmp/shots_$i.kiosk"
    # shellcheck disable=SC2086
    if "$kiosk" --headless $shotopts --size "$size" --fake-time "$T" --config "$tmp/kiosk.json" \
         --shots "$out" --script "$tmp/shots_$i.kiosk" > "$tmp/shots_$i.log" 2>&1
    then ok "screenshots $mode $size $lang"; else bad "screenshots $mode $size $lang"; cat "$tmp/shots_$i.log"; fi
    [ -n "$a11y" ] && grep -a '^a11y ' "$tmp/shots_$i.log"
  done
done
done
if [ -n "$a11y" ]; then
  echo "booking_hub ($a11y): $pass passed, $fail failed"
  [ "$fail" -eq 0 ]; exit
fi

# 4. hub stopped: nothing bookable, and the kiosk says why
kill "$hubpid"; wait "$hubpid" 2>/dev/null; hubpid=
cp "$dir/booking_offline.kiosk" "$tmp/offline.kiosk"
if run_kiosk "$tmp/offline.kiosk"; then ok "offline: 联网后可预约, no slot offered";
else bad "booking_offline.kiosk"; cat "$tmp/offline.kiosk.log"; fi
# 6. the lease: a slot of this kiosk's tower in the next hours is confirmed
#    here with the hub down; the kiosk is killed (-9) and restarted with the
#    hub back; the booking reaches the hub once, and once only.
cp "$dir/booking_lease_offline.kiosk" "$tmp/lease.kiosk"
run_kiosk "$tmp/lease.kiosk" &
kpid=$!
i=0
while [ ! -s "$tmp/shots/lease_offline.png" ] && kill -0 "$kpid" 2>/dev/null && [ $i -lt 1200 ]; do
  sleep 0.1; i=$((i+1))
done
kill -9 "$kpid" 2>/dev/null; wait "$kpid" 2>/dev/null
[ -s "$tmp/shots/lease_offline.png" ] && ok "offline: a leased slot confirmed here (本机已确认), kiosk killed" \
  || { bad "offline leased booking"; cat "$tmp/lease.kiosk.log"; }
"$hubbin" --listen "127.0.0.1:$port" --db "$tmp/hub.db" --admin-token-file "$tmp/admin.token" \
  --content "$content" --rate 50 --burst 200 --quiet 2>>"$tmp/hub.log" &
hubpid=$!
sleep 0.5
printf 'wait_for "(the shell stops it)" 60000\n' > "$tmp/idle.kiosk"
run_kiosk "$tmp/idle.kiosk" &
kpid=$!
leased() { ctl --json bookings list --room mr-02 --date 2026-11-30 | python3 -c '
import json, sys
b = [x for x in json.load(sys.stdin)["bookings"] if x["start"] == "2026-11-30T02:30:00Z"]
print(len(b), b[0]["offline"] if b else "", b[0]["phone"] if b else "")'; }
i=0
while [ "$(leased | cut -d' ' -f1)" != 1 ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done
kill "$kpid" 2>/dev/null; wait "$kpid" 2>/dev/null
[ "$(leased)" = "1 True 13600007777" ] && ok "after the restart the booking reached the hub (offline, its phone)" \
  || bad "leased booking at the hub: $(leased)"
run_kiosk "$tmp/idle.kiosk" &
kpid=$!
sleep 3
kill "$kpid" 2>/dev/null; wait "$kpid" 2>/dev/null
[ "$(leased | cut -d' ' -f1)" = 1 ] && ok "once only, after another restart" || bad "sent twice: $(leased)"
sqlite3 "$tmp/state/bookings.db" "SELECT count(*) FROM items WHERE phone IS NOT NULL" 2>/dev/null \
  | grep -qx 0 && ok "the kiosk keeps no phone once delivered" || bad "phone still on the kiosk"

echo "booking_hub: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
