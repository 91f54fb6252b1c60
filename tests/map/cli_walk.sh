#!/bin/sh
# walk_cli_prints_nearest_and_route: `kiosk --nearest` prints JSON lines
# sorted by seconds with the documented keys, --kind/--limit/--step-free
# narrow them, `--route` prints one object whose path starts at this kiosk's
# door; --lang en (or the config's "language": "en") prints the steps in
# English; an unknown place exits 1 with a reason, a bad --kind or --lang
# exits 2, a config without a tower exits 1 saying so.
set -u
KIOSK=$1 BUNDLE=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
printf '{"tower_id":"t01","content_dir":"%s"}\n' "$BUNDLE" >"$T/cfg.json"
fail() { echo "FAIL: $*"; exit 1; }
"$KIOSK" --config "$T/cfg.json" --nearest >"$T/all.txt" || fail "--nearest exit $?"
"$KIOSK" --config "$T/cfg.json" --nearest --kind party --limit 5 --step-free >"$T/party.txt" || fail "--kind party"
"$KIOSK" --config "$T/cfg.json" --route pb-t13 >"$T/route.txt" || fail "--route exit $?"
"$KIOSK" --config "$T/cfg.json" --route pb-t13 --lang en >"$T/route_en.txt" || fail "--lang en exit $?"
printf '{"tower_id":"t01","language":"en","content_dir":"%s"}\n' "$BUNDLE" >"$T/cfg_en.json"
"$KIOSK" --config "$T/cfg_en.json" --route pb-t13 >"$T/route_cfg_en.txt" || fail "config en exit $?"
"$KIOSK" --config "$T/cfg_en.json" --route pb-t13 --lang zh >"$T/route_zh2.txt" || fail "--lang zh exit $?"
"$KIOSK" --config "$T/cfg.json" --route pb-t13 --lang fr 2>/dev/null; rc=$?
[ $rc -eq 2 ] || fail "--lang fr exits $rc, not 2"
printf '{"content_dir":"%s"}\n' "$BUNDLE" >"$T/cfg_none.json"
"$KIOSK" --config "$T/cfg_none.json" --nearest 2>"$T/err_none.txt" >/dev/null; rc=$?
[ $rc -eq 1 ] || fail "no tower exits $rc, not 1"
grep -q "no tower_id" "$T/err_none.txt" || fail "no tower: no reason: $(cat "$T/err_none.txt")"
"$KIOSK" --config "$T/cfg.json" --route no-such-place 2>"$T/err.txt"; rc=$?
[ $rc -eq 1 ] || fail "unknown place exits $rc, not 1"
grep -q "no such place" "$T/err.txt" || fail "no reason given: $(cat "$T/err.txt")"
"$KIOSK" --config "$T/cfg.json" --nearest --kind bogus 2>/dev/null; rc=$?
[ $rc -eq 2 ] || fail "bad --kind exits $rc, not 2"
python3 - "$T" <<'PY' || exit 1
import json, sys
t = sys.argv[1]
rows = [json.loads(l) for l in open(t + "/all.txt")]
assert len(rows) == 174, len(rows)  # 170 organisations in towers + 4 nursing rooms
for r in rows:
    assert set(r) == {"id", "kind", "seconds", "metres", "tower", "floor"}, r
secs = [r["seconds"] for r in rows]
assert secs == sorted(secs), "not sorted by seconds"
party = [json.loads(l) for l in open(t + "/party.txt")]
assert len(party) == 5 and all(r["kind"] in ("party_branch", "tower_party_branch") for r in party), party
route = json.loads(open(t + "/route.txt").read())
assert route["id"] == "pb-t13" and route["seconds"] > 0 and route["metres"] > 0
assert route["steps"][0].startswith("出大堂") and "电梯" in route["steps"][-1], route["steps"]
assert route["lang"] == "zh"
en = json.loads(open(t + "/route_en.txt").read())
assert en["lang"] == "en" and en["steps"][0].startswith("Leave the lobby"), en["steps"]
assert len(en["steps"]) == len(route["steps"]) and en["path"] == route["path"]
assert all(ord(ch) < 128 for s in en["steps"] for ch in s.replace("’", "'")), en["steps"]
assert json.loads(open(t + "/route_cfg_en.txt").read())["steps"] == en["steps"]
assert json.loads(open(t + "/route_zh2.txt").read())["steps"] == route["steps"]
assert len(route["path"]) >= 2 and all(len(p) == 2 for p in route["path"])
print("ok:", len(rows), "places; route", route["seconds"], "s", route["metres"], "m")
PY
