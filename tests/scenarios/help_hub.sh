#!/bin/sh
# The help-request flow end to end against a real kiosk-hub on loopback:
#  1. a person files a request at the kiosk; it reaches the hub (已提交);
#  2. kioskctl lists it with every field and staff resolve it with a note;
#  3. 查询进度 at the kiosk shows the new state and the note;
#  4. with the hub stopped, a second request is saved (queued); the hub is
#     started again and the request is delivered exactly once.
# usage: help_hub.sh KIOSK KIOSK_HUB KIOSKCTL SCENARIO_DIR
set -u
# A fixed sequence of ticket epochs and check codes (the hub is on loopback),
# so the scripts know the ticket (HL-T01-236000001) and check code.
export KIOSK_TEST_RANDOM=1
kiosk=$1 hubbin=$2 ctl=$3 dir=$4
tmp=$(mktemp -d /tmp/help_hub.XXXXXX)
pass=0 fail=0 hubpid=
cleanup() {
  [ -n "$hubpid" ] && kill "$hubpid" 2>/dev/null && wait "$hubpid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
ok() { pass=$((pass+1)); echo "ok   $*"; }
bad() { fail=$((fail+1)); echo "FAIL $*"; }

start_hub() { # start_hub LISTEN
  rm -f "$tmp/port"
  "$hubbin" --listen "$1" --db "$tmp/hub.db" --admin-token-file "$tmp/admin.token" \
    --port-file "$tmp/port" --quiet 2>>"$tmp/hub.log" &
  hubpid=$!
  i=0
  while [ ! -s "$tmp/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
  [ -s "$tmp/port" ]
}
stop_hub() { kill "$hubpid" 2>/dev/null; wait "$hubpid" 2>/dev/null; hubpid=; }

head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$tmp/admin.token"
start_hub 127.0.0.1:0 && ok "hub started" || { bad "hub did not start"; cat "$tmp/hub.log"; exit 1; }
port=$(cat "$tmp/port")
hub="http://127.0.0.1:$port"
ctl() { "$ctl" --hub "$hub" --token-file "$tmp/admin.token" "$@"; }

ctl kiosk add HL-T01 > "$tmp/add.out" && tail -n 1 "$tmp/add.out" > "$tmp/kiosk.token" \
  && ok "kioskctl kiosk add" || bad "kioskctl kiosk add"
cat > "$tmp/kiosk.json" <<JSON
{"kiosk_id": "HL-T01", "tower_id": "t03", "hub_url": "$hub",
 "token_file": "$tmp/kiosk.token", "state_dir": "$tmp/state", "heartbeat_s": 5}
JSON
run_kiosk() { "$kiosk" --headless --fake-time 2026-11-25T09:30 --config "$tmp/kiosk.json" \
  --shots "$tmp/shots" --script "$dir/$1" > "$tmp/$1.log" 2>&1; }

# 1. filed online
if run_kiosk help_online.kiosk; then ok "kiosk filed a request online (已提交)";
else bad "help_online.kiosk"; cat "$tmp/help_online.kiosk.log"; fi

# 2. the hub has it, with every field
ctl --json requests list > "$tmp/list.json" || bad "kioskctl requests list"
if python3 - "$tmp/list.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
items = d if isinstance(d, list) else d.get("requests", d.get("items", []))
assert len(items) == 1, items
r = items[0]
flat = json.dumps(r, ensure_ascii=False)
assert r["ticket"] == "HL-T01-236000001", r
for want in ["示例公司B-2", "王女士", "13800001234", "t03", "想咨询办理流程法律咨询", "legal", "HL-T01"]:
    assert want in flat, (want, flat)
PY
then ok "kioskctl requests list --json shows the request with every field"
else bad "request fields at the hub"; cat "$tmp/list.json"; fi
ctl requests set HL-T01-236000001 accepted >/dev/null && \
ctl requests set HL-T01-236000001 in_progress >/dev/null && \
ctl requests set HL-T01-236000001 resolved --note "律师已于周二回电（样例）" >/dev/null \
  && ok "kioskctl requests set … resolved --note" || bad "kioskctl requests set"

# 3. 查询进度 shows it
if run_kiosk ticket_online.kiosk; then ok "查询进度 shows 已解决 and the note";
else bad "ticket_online.kiosk"; cat "$tmp/ticket_online.kiosk.log"; fi

# 4. hub down: saved, then delivered once when it is back
stop_hub
rm -f "$tmp/shots/saved.png"
run_kiosk help_later.kiosk &
kpid=$!
# the hub comes back only once the kiosk has shown 已保存 (a slow sanitizer
# build may take longer than any fixed pause), at most 120 s
i=0
while [ ! -s "$tmp/shots/saved.png" ] && kill -0 "$kpid" 2>/dev/null && [ $i -lt 1200 ]; do
  sleep 0.1; i=$((i+1))
done
start_hub "127.0.0.1:$port" && ok "hub restarted on port $port" || bad "hub restart"
if wait "$kpid"; then ok "queued request delivered after the hub came back (已提交)";
else bad "help_later.kiosk"; cat "$tmp/help_later.kiosk.log"; fi
ctl --json requests list > "$tmp/list2.json"
if python3 - "$tmp/list2.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
items = d if isinstance(d, list) else d.get("requests", d.get("items", []))
tickets = [r["ticket"] for r in items]
assert sorted(tickets) == ["HL-T01-236000001", "HL-T01-236000002"], tickets
PY
then ok "exactly one row per ticket at the hub"
else bad "rows at the hub"; cat "$tmp/list2.json"; fi
grep -q "已提交" "$tmp/help_later.kiosk.log" || true
echo "help_hub: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
