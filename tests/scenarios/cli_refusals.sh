#!/bin/sh
# Unknown flags, bad values and bad config files make the kiosk exit 2 with a
# message that names the problem; it never starts half-configured.
k=$1 pass=0 fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
expect() { # expect CODE PATTERN ARGS...
  code=$1 pat=$2; shift 2
  out=$("$k" "$@" 2>&1); rc=$?
  if [ "$rc" -eq "$code" ] && echo "$out" | grep -q -- "$pat"; then pass=$((pass+1));
  else fail=$((fail+1)); echo "FAIL: kiosk $* -> exit $rc: $out"; fi
}
expect 2 "unknown option" --bogus
expect 2 "expected WxH" --headless --size 12
expect 2 "expected WxH" --windowed axb
expect 2 "missing value" --config
expect 2 "need --headless" --script /dev/null
echo '{"idle_timeout_s": 2}' > "$tmp/a.json"
expect 2 "idle_timeout_s" --headless --config "$tmp/a.json"
echo '{"colour": "red"}' > "$tmp/b.json"
expect 2 "colour: unknown setting" --headless --config "$tmp/b.json"
printf '{"kiosk_id": "HL' > "$tmp/c.json"
expect 2 "not a JSON object" --headless --config "$tmp/c.json"
expect 2 "cannot open" --headless --config "$tmp/none.json"
echo '{"voice_prompts": "yes"}' > "$tmp/v.json"
expect 2 "voice_prompts" --headless --config "$tmp/v.json"
expect 0 "usage: kiosk" --help
echo "cli_refusals: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
