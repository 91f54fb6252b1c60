#!/bin/sh
# The on-site admin panel against a stand-in hub and across restarts:
#  1. `kiosk --hash-pin` makes the hash the config holds (a bad PIN: exit 2);
#  2. a request the hub refuses is re-sent from the panel and stored once;
#  3. five wrong PINs lock the panel, and the lock survives a restart
#     (state folder), every failure and the lock logged;
#  4. 重启程序 exits 75 (systemd's Restart=on-failure restarts it),
#     退出到系统 exits 0.
# usage: admin_ops.sh KIOSK ADMIN_TEST_DIR [SHOTS_DIR]
# (SHOTS_DIR: where the re-send screenshots go; default a temporary folder)
set -u
export KIOSK_TEST_RANDOM=1
kiosk=$1 dir=$2
tmp=$(mktemp -d /tmp/admin_ops.XXXXXX)
pass=0 fail=0 hubpid=
cleanup() {
  [ -n "$hubpid" ] && kill "$hubpid" 2>/dev/null && wait "$hubpid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
shots=${3:-$tmp/shots}
ok() { pass=$((pass+1)); echo "ok   $*"; }
bad() { fail=$((fail+1)); echo "FAIL $*"; }

# 1. the hash
if echo 12ab | "$kiosk" --hash-pin >/dev/null 2>"$tmp/bad.err"; then bad "--hash-pin took 12ab";
else rc=$?; [ $rc -eq 2 ] && grep -q "4 to 12 digits" "$tmp/bad.err" && ok "--hash-pin refuses 12ab (exit 2)" \
  || bad "--hash-pin 12ab: exit $rc"; fi
hash=$(echo 2468 | "$kiosk" --hash-pin) && case "$hash" in '$scrypt$'*) ok "--hash-pin made a scrypt hash";;
  *) bad "--hash-pin printed $hash";; esac

python3 "$dir/fakehub.py" "$tmp/port" 2>"$tmp/hub.log" &
hubpid=$!
i=0
while [ ! -s "$tmp/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
port=$(cat "$tmp/port")
echo "sample-kiosk-token" > "$tmp/token"
cat > "$tmp/kiosk.json" <<JSON
{"kiosk_id": "HL-T01", "tower_id": "t03", "hub_url": "http://127.0.0.1:$port",
 "token_file": "$tmp/token", "state_dir": "$tmp/state", "heartbeat_s": 60,
 "admin_pin_hash": "$hash"}
JSON
run() { # run SCRIPT: exit code of the kiosk; log in $tmp/SCRIPT.log
  "$kiosk" --headless --fake-time 2026-11-25T09:30 --config "$tmp/kiosk.json" \
    --shots "$shots" --script "$dir/$1" > "$tmp/$1.log" 2>&1
}

# 2. re-send
if run admin_resend.kiosk; then ok "a refused request is re-sent from the admin panel";
else bad "admin_resend.kiosk"; cat "$tmp/admin_resend.kiosk.log"; fi
stats=$(python3 -c "import urllib.request;print(urllib.request.urlopen('http://127.0.0.1:$port/stats').read().decode())")
echo "$stats" | python3 -c "import json,sys; d=json.load(sys.stdin); assert d['refused']==1 and d['stored']==1, d" \
  && ok "the hub refused it once and stored it once ($stats)" || bad "hub stats $stats"
grep -q "admin: 1 refused requests put back in the queue" "$tmp/admin_resend.kiosk.log" \
  && ok "the re-send is logged" || bad "no log line for the re-send"

# 3. lockout across a restart
if run admin_lock5.kiosk; then ok "five wrong PINs lock the panel"; else bad "admin_lock5.kiosk"; cat "$tmp/admin_lock5.kiosk.log"; fi
n=$(grep -c "wrong PIN" "$tmp/admin_lock5.kiosk.log")
[ "$n" -eq 5 ] && ok "each wrong PIN logged ($n lines)" || bad "$n wrong-PIN log lines, not 5"
grep -q "locked for 300 s" "$tmp/admin_lock5.kiosk.log" && ok "the lock is logged" || bad "no lock log line"
n=$(grep -E "^(DEBUG|INFO|WARN|ERROR)" "$tmp/admin_lock5.kiosk.log" "$tmp/admin_resend.kiosk.log" | grep -c "1111\|2468")
[ "$n" -eq 0 ] && ok "no PIN in the log lines" || bad "$n log lines hold a PIN"
if run admin_locked.kiosk; then ok "the lock survives a restart"; else bad "admin_locked.kiosk"; cat "$tmp/admin_locked.kiosk.log"; fi
rm -f "$tmp/state/admin_lock"

# 4. restart and exit
run admin_restart.kiosk; rc=$?
[ $rc -eq 75 ] && ok "重启程序 exits 75" || { bad "重启程序 exit $rc"; tail -5 "$tmp/admin_restart.kiosk.log"; }
run admin_exit.kiosk; rc=$?
[ $rc -eq 0 ] && grep -q "quitting with exit code 0" "$tmp/admin_exit.kiosk.log" && ok "退出到系统 exits 0" \
  || { bad "退出到系统 exit $rc"; tail -5 "$tmp/admin_exit.kiosk.log"; }

echo "admin_ops: $pass passed, $fail failed"
[ $fail -eq 0 ]
