#!/bin/sh
# A hostile hub (evil_hub.py) against a real kiosk process: a bundle that
# drips one byte a second (slow retrieval) and one that never ends (endless
# data) are both abandoned within the download limits, the reason reaches
# the hub in the next heartbeat (content_error), and no bundle is installed.
# usage: push_evil.sh KIOSK TEST_DIR
set -u
kiosk=$1 dir=$2
tmp=$(mktemp -d /tmp/push_evil.XXXXXX)
pass=0 fail=0 srvpid=
cleanup() { [ -n "$srvpid" ] && kill "$srvpid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
ok() { pass=$((pass+1)); echo "ok   $*"; }
bad() { fail=$((fail+1)); echo "FAIL $*"; }

echo '{"signed":"{}","signatures":[]}' > "$tmp/root.json"
echo "sample-token-for-a-test" > "$tmp/token"
for mode in drip endless; do
  rm -f "$tmp/port" "$tmp/beats"
  python3 "$dir/evil_hub.py" "$tmp/port" $mode "$tmp/beats" &
  srvpid=$!
  i=0; while [ ! -s "$tmp/port" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
  cat > "$tmp/k.json" <<JSON
{"kiosk_id": "HL-E01", "tower_id": "t01", "hub_url": "http://127.0.0.1:$(cat "$tmp/port")",
 "token_file": "$tmp/token", "state_dir": "$tmp/state-$mode", "heartbeat_s": 5,
 "content_root": "$tmp/root.json", "content_timeout_s": 6, "content_max_mb": 4}
JSON
  t0=$(date +%s)
  # the script fails at wait_content: nothing may be installed
  if "$kiosk" --headless --config "$tmp/k.json" --script "$dir/push_not_here.kiosk" \
       > "$tmp/$mode.log" 2>&1; then bad "$mode: a bundle was installed"; else ok "$mode: nothing installed"; fi
  t1=$(date +%s)
  kill "$srvpid"; wait "$srvpid" 2>/dev/null; srvpid=
  case $mode in
    drip) want="too slow or too long" ;;
    endless) want="longer than announced" ;;
  esac
  if grep -q "\"content_bundle\":\"0\".*$want" "$tmp/beats"; then
    ok "$mode: refused within $((t1 - t0)) s, the heartbeat says: $want"
  else bad "$mode: no heartbeat with \"$want\""; tail -n 3 "$tmp/beats"; grep kclient "$tmp/$mode.log" | tail -5; fi
  [ ! -e "$tmp/state-$mode/content/current" ] && ok "$mode: old content kept (no switch)" || bad "$mode: switched"
done
# a sanitizer report fails the test even where the script was meant to fail
if grep -l "ERROR: .*Sanitizer\|runtime error:" "$tmp"/*.log >/dev/null 2>&1; then
  bad "sanitizer report in $(grep -l "ERROR: .*Sanitizer\|runtime error:" "$tmp"/*.log | tr '\n' ' ')"
else ok "no sanitizer report in the kiosk and hub logs"; fi
echo "push_evil: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
