#!/bin/sh
# Signed content updates end to end: kioskctl signs on the "editors'
# machine", the real kiosk-hub relays, real kiosk processes apply.
#  1. a notice from a pushed bundle appears on `notices` after the kiosk
#     returns to attract, not while a form is open (push_form.kiosk);
#  2. publish -> N kiosks (default 13, one per tower) show the new notice;
#     prints the publish -> shown times (median, p95, max), 5 s heartbeat;
#  3. a staged rollout to tower t03 reaches only that tower;
#  4. a bundle signed by an unknown key is refused, the reason reaches the
#     hub in the heartbeat (kioskctl content status), the old content stays;
#     so is a signed bundle that fails the content check (the two kiosks at
#     once: each waits out push_not_here.kiosk);
#  5. the installed manifest expired and no hub answers: home and attract
#     say "内容更新于 <date>".
# usage: push_e2e.sh KIOSK KIOSK_HUB KIOSKCTL TEST_DIR ASSETS_CONTENT [N]
set -u
kiosk=$1 hubbin=$2 ctl=$3 dir=$4 assets=$5 n=${6:-13}
[ "$n" -lt 5 ] && n=5 # the staged rollout and the unknown key use HL-K03, K04, K05
tmp=$(mktemp -d /tmp/push_e2e.XXXXXX)
pass=0 fail=0 hubpid=
cleanup() {
  [ -n "$hubpid" ] && kill "$hubpid" 2>/dev/null && wait "$hubpid" 2>/dev/null
  for p in $(cat "$tmp/pids" 2>/dev/null); do kill "$p" 2>/dev/null; done
  [ -n "${KIOSK_E2E_KEEP:-}" ] && echo "kept $tmp" || rm -rf "$tmp"
}
trap cleanup EXIT
ok() { pass=$((pass+1)); echo "ok   $*"; }
bad() { fail=$((fail+1)); echo "FAIL $*"; }
now() { date +%s.%N; }

head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$tmp/admin.token"
"$hubbin" --listen 127.0.0.1:0 --db "$tmp/hub.db" --admin-token-file "$tmp/admin.token" \
  --port-file "$tmp/port" --quiet 2>>"$tmp/hub.log" &
hubpid=$!
i=0; while [ ! -s "$tmp/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
[ -s "$tmp/port" ] && ok "hub started" || { bad "hub did not start"; cat "$tmp/hub.log"; exit 1; }
hub="http://127.0.0.1:$(cat "$tmp/port")"
ctl() { "$ctl" --hub "$hub" --token-file "$tmp/admin.token" "$@"; }

# --- the editors' machine: keys, trust, content ---
mkdir -p "$tmp/keys" "$tmp/offline"
( cd "$tmp/offline" && "$ctl" content keygen -o root >/dev/null ) || bad "keygen root"
( cd "$tmp/keys" && "$ctl" content keygen -o editor >/dev/null && "$ctl" content keygen -o stranger >/dev/null ) \
  || bad "keygen editor"
"$ctl" content root-init --key "$tmp/offline/root.key" -o "$tmp/root.json" >/dev/null \
  && "$ctl" content keys --key "$tmp/offline/root.key" --version 1 -o "$tmp/keys/keys.json" \
       "$tmp/keys/editor.pub" >/dev/null \
  && ok "kioskctl content keygen / root-init / keys" || bad "trust set-up"
mkdir -p "$tmp/stranger" && cp "$tmp/keys/stranger.key" "$tmp/keys/keys.json" "$tmp/stranger/"
cp -r "$assets" "$tmp/c1"
python3 - "$tmp/c1/content.json" <<'PY'
import json, sys
p = sys.argv[1]
c = json.load(open(p, encoding="utf-8"))
c["notices"].insert(0, {
  "id": "n-pushed",
  "title": {"zh": "示例推送通知：本周六服务中心延长开放",
            "en": "Sample pushed notice: the service centre opens longer on Saturday"},
  "body": {"zh": "示例：本周六党群服务中心开放至晚上八点。此通知由远程内容更新推送。",
           "en": "Sample: the service centre is open until 8 pm this Saturday. Pushed by a remote content update."},
  "start": "2026-01-01T00:00:00+08:00", "end": "2036-01-01T00:00:00+08:00", "priority": 95})
json.dump(c, open(p, "w", encoding="utf-8"), ensure_ascii=False, indent=1)
PY
"$ctl" content sign --key "$tmp/keys/editor.key" --version 1 --expires-days 1 "$tmp/c1" \
  -o "$tmp/v1.tar" >/dev/null && ok "kioskctl content sign v1" || bad "sign v1"
cp -r "$tmp/c1" "$tmp/c2" && sed -i 's/本周六服务中心延长开放/周日照常开放/' "$tmp/c2/content.json"
"$ctl" content sign --key "$tmp/keys/editor.key" --version 2 "$tmp/c2" -o "$tmp/v2.tar" >/dev/null \
  && "$ctl" content sign --key "$tmp/stranger/stranger.key" --version 3 "$tmp/c2" -o "$tmp/v3.tar" >/dev/null \
  || bad "sign v2, v3"
# v4: signed correctly, but its content fails the full content check
cp -r "$tmp/c1" "$tmp/c4" && sed -i 's/"priority": 95/"priority": "high"/' "$tmp/c4/content.json"
"$ctl" content sign --key "$tmp/keys/editor.key" --version 4 "$tmp/c4" -o "$tmp/v4.tar" >/dev/null \
  || bad "sign v4"

# --- kiosks ---
mkkiosk() { # mkkiosk ID TOWER [extra json]
  ctl kiosk add "$1" > "$tmp/$1.add" && tail -n 1 "$tmp/$1.add" > "$tmp/$1.token" || bad "kiosk add $1"
  cat > "$tmp/$1.json" <<JSON
{"kiosk_id": "$1", "tower_id": "$2", "hub_url": "$hub", "token_file": "$tmp/$1.token",
 "state_dir": "$tmp/state-$1", "heartbeat_s": 5, "content_root": "$tmp/root.json",
 "content_trial_s": 10 ${3:-}}
JSON
}
run() { # run ID SCRIPT [args]: foreground
  id=$1 s=$2; shift 2
  "$kiosk" --headless --config "$tmp/$id.json" --shots "$tmp/shots" --script "$dir/$s" "$@" \
    > "$tmp/$id.$s.log" 2>&1
}

# 1. the form scenario
mkkiosk HL-F01 t01
ctl content publish "$tmp/v1.tar" --to kiosk:HL-F01 >/dev/null && ok "kioskctl content publish --to kiosk:HL-F01" \
  || bad "publish v1 to HL-F01"
if run HL-F01 push_form.kiosk; then ok "pushed notice shown on notices after attract, never under the form"
else bad "push_form.kiosk"; tail -n 30 "$tmp/HL-F01.push_form.kiosk.log"; fi

# 2. every kiosk shows it; publish -> shown
: > "$tmp/pids"
k=1
while [ $k -le "$n" ]; do
  id=$(printf "HL-K%02d" $k); tw=$(printf "t%02d" $k)
  mkkiosk "$id" "$tw"
  ( run "$id" push_shown.kiosk; echo "$? $(now)" > "$tmp/$id.done" ) &
  echo $! >> "$tmp/pids"
  k=$((k+1))
done
# wait until every kiosk idles on attract, waiting for content
deadline=$(( $(date +%s) + 180 ))
while :; do
  ready=$(grep -l 'session wiped; attract' "$tmp"/HL-K*.push_shown.kiosk.log 2>/dev/null | wc -l)
  [ "$ready" -ge "$n" ] && break
  [ "$(date +%s)" -ge $deadline ] && break
  sleep 0.5
done
[ "$ready" -ge "$n" ] && ok "$n kiosks running, idle on attract" || bad "only $ready of $n kiosks started"
sleep 6 # a heartbeat of each has been answered "nothing new" at least once
t0=$(now)
ctl content publish "$tmp/v1.tar" --to all >/dev/null && ok "kioskctl content publish --to all" || bad "publish all"
for p in $(cat "$tmp/pids"); do wait "$p"; done
: > "$tmp/pids"
shown=0
for f in "$tmp"/HL-K*.done; do
  set -- $(cat "$f")
  if [ "$1" = 0 ]; then shown=$((shown+1)); awk -v a="$2" -v b="$t0" "BEGIN{print a - b}" >> "$tmp/lat"; else
    bad "$(basename "$f" .done) did not show the notice"; tail -n 20 "$tmp/$(basename "$f" .done).push_shown.kiosk.log"; fi
done
[ "$shown" -eq "$n" ] && ok "all $n kiosks show the pushed notice" || bad "$shown of $n kiosks show it"
sort -n "$tmp/lat" | python3 -c "
import sys
v = [float(x) for x in sys.stdin if x.strip()]
v.sort()
if v:
    p = lambda q: v[min(len(v) - 1, int(round(q * (len(v) - 1))))]
    print('content_push kiosks=%d heartbeat_s=5 publish_to_shown_s median=%.2f p95=%.2f max=%.2f (target p95 <= 10)'
          % (len(v), p(0.5), p(0.95), v[-1]))
"

# 3. staged rollout to tower t03 only
ctl content publish "$tmp/v2.tar" --to tower:t03 >/dev/null && ok "kioskctl content publish --to tower:t03" \
  || bad "publish v2 to t03"
( run HL-K03 push_not_here.kiosk; echo $? > "$tmp/k03.rc" ) &
p3=$!
( run HL-K04 push_not_here.kiosk; echo $? > "$tmp/k04.rc" ) &
p4=$!
wait $p3 $p4
[ "$(cat "$tmp/k03.rc")" = 0 ] && ok "tower t03's kiosk got v2" || { bad "t03 did not get v2"; tail -n 5 "$tmp/HL-K03.push_not_here.kiosk.log"; }
[ "$(cat "$tmp/k04.rc")" = 1 ] && ok "tower t04's kiosk did not get v2" || bad "t04 got v2 (rc $(cat "$tmp/k04.rc"))"
ctl --json content status > "$tmp/status.json"
if python3 - "$tmp/status.json" <<'PY'
import json, sys
ks = {k["id"]: k for k in json.load(open(sys.argv[1]))["kiosks"]}
assert ks["HL-K03"]["content"] == 2 and ks["HL-K03"]["tower"] == "t03", ks["HL-K03"]
for i, k in ks.items():
    if i != "HL-K03": assert k["content"] == 1, k
PY
then ok "kioskctl content status: only HL-K03 on v2, every other kiosk on v1"
else bad "content status after the staged rollout"; cat "$tmp/status.json"; fi

# 4. an unknown key (HL-K05) and a signed bundle failing the content check
# (HL-K02): both refused, the reason in the heartbeat, old content kept
ctl content publish "$tmp/v3.tar" --to kiosk:HL-K05 >/dev/null || bad "publish v3"
ctl content publish "$tmp/v4.tar" --to kiosk:HL-K02 >/dev/null || bad "publish v4"
run HL-K05 push_not_here.kiosk &
p5=$!
run HL-K02 push_not_here.kiosk &
p2=$!
wait $p5 $p2 # both expected to fail at wait_content: only the hub's status tells
ctl --json content status > "$tmp/status.json"
if python3 - "$tmp/status.json" <<'PY'
import json, sys
k = {k["id"]: k for k in json.load(open(sys.argv[1]))["kiosks"]}["HL-K05"]
assert k["content"] == 1 and "unknown or revoked key" in (k["error"] or ""), k
PY
then ok "bundle by an unknown key refused; the reason is in the heartbeat; v1 kept"
else bad "unknown key"; cat "$tmp/status.json"; fi
ctl content status | grep -q "HL-K05.*unknown or revoked" && ok "kioskctl content status shows the error" \
  || bad "content status table"
# the signed bundle that fails the content check: refused before any switch
if python3 - "$tmp/status.json" <<'PY'
import json, sys
k = {k["id"]: k for k in json.load(open(sys.argv[1]))["kiosks"]}["HL-K02"]
assert k["content"] == 1 and (k["error"] or "").startswith("check:"), k
PY
then ok "bundle failing the content check refused (\"$(python3 -c "import json,sys;print({k['id']:k for k in json.load(open(sys.argv[1]))['kiosks']}['HL-K02']['error'][:70])" "$tmp/status.json")\"); v1 kept"
else bad "check failure"; cat "$tmp/status.json"; fi
ctl content list | grep -q "^4 " && ok "kioskctl content list" || bad "content list"

# 5. stale: the manifest (1 day) expired, no hub
sed -e "s|\"hub_url\": \"$hub\", ||" "$tmp/HL-F01.json" > "$tmp/HL-F01-offline.json"
day=$(python3 -c "
import datetime, zoneinfo
print(datetime.datetime.now(zoneinfo.ZoneInfo('Asia/Shanghai')).strftime('%-m月%-d日'))")
sed "s/内容更新于/内容更新于 $day/" "$dir/push_stale.kiosk" > "$tmp/push_stale.kiosk"
later=$(python3 -c "
import datetime
print((datetime.datetime.now() + datetime.timedelta(days=3)).strftime('%Y-%m-%dT%H:%M'))")
if "$kiosk" --headless --config "$tmp/HL-F01-offline.json" --fake-time "$later" --shots "$tmp/shots" \
     --script "$tmp/push_stale.kiosk" > "$tmp/stale.log" 2>&1; then
  ok "stale content: home and attract say 内容更新于 $day"
else bad "push_stale.kiosk"; tail -n 20 "$tmp/stale.log"; fi
if "$kiosk" --headless --size 1080x1920 --config "$tmp/HL-F01-offline.json" --fake-time "$later" \
     --shots "$tmp/shots/portrait" --script "$tmp/push_stale.kiosk" > "$tmp/stale-p.log" 2>&1; then
  ok "stale content note in portrait"
else bad "push_stale.kiosk in portrait"; tail -n 20 "$tmp/stale-p.log"; fi
if [ -n "${KIOSK_SHOTS_KEEP:-}" ]; then mkdir -p "$KIOSK_SHOTS_KEEP" && cp -r "$tmp"/shots/* "$KIOSK_SHOTS_KEEP/"; fi

# a sanitizer report fails the test even where the script was meant to fail
if grep -l "ERROR: .*Sanitizer\|runtime error:" "$tmp"/*.log >/dev/null 2>&1; then
  bad "sanitizer report in $(grep -l "ERROR: .*Sanitizer\|runtime error:" "$tmp"/*.log | tr '\n' ' ')"
else ok "no sanitizer report in the kiosk and hub logs"; fi
echo "push_e2e: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
