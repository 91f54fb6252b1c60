#!/usr/bin/env bash
# Log lines carry their syslog priority when stderr is the journal: systemd
# names the journal stream in JOURNAL_STREAM (device:inode of stderr), and
# klog then starts each line with "<6>" (info), "<4>" (warning)... which
# journald turns into the entry's priority. Without JOURNAL_STREAM, or when it
# names another file, the lines are plain.
#   journal_prefix.sh KIOSK_BIN
set -euo pipefail
kiosk=$1
work=$(mktemp -d /tmp/kiosk-journal.XXXXXX)
trap 'rm -rf "$work"' EXIT
printf 'expect_screen home\n' >"$work/home.kiosk"
printf '{ "kiosk_id": "HL-LOG", "hub_url": "" }\n' >"$work/kiosk.json"
: >"$work/journal.txt"
stream=$(stat -c '%d:%i' "$work/journal.txt")
JOURNAL_STREAM=$stream "$kiosk" --headless --config "$work/kiosk.json" --script "$work/home.kiosk" \
  2>>"$work/journal.txt" >/dev/null
JOURNAL_STREAM=1:1 "$kiosk" --headless --config "$work/kiosk.json" --script "$work/home.kiosk" \
  2>"$work/plain.txt" >/dev/null
grep -q '^<6>INFO app: kiosk HL-LOG' "$work/journal.txt" || { echo "FAIL: no <6>INFO line"; cat "$work/journal.txt"; exit 1; }
grep -q '^<4>WARN kclient: no hub_url' "$work/journal.txt" || { echo "FAIL: no <4>WARN line"; cat "$work/journal.txt"; exit 1; }
if grep -v '^<[0-7]>' "$work/journal.txt" | grep -qE '^(DEBUG|INFO|WARN|ERROR) '; then
  echo "FAIL: a klog line without its priority"; cat "$work/journal.txt"; exit 1
fi
grep -q '^INFO app: kiosk HL-LOG' "$work/plain.txt" || { echo "FAIL: plain lines expected"; cat "$work/plain.txt"; exit 1; }
if grep -q '^<[0-7]>' "$work/plain.txt"; then echo "FAIL: a prefix without the journal"; exit 1; fi
echo "journal_prefix: $(grep -c '^<' "$work/journal.txt") lines with their priority under the journal, plain otherwise"
