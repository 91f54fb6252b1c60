#!/usr/bin/env bash
# The kiosk session without a monitor: deploy/kiosk-session (the launcher of
# kiosk-session.service) starts cage with wlroots' headless backend, the kiosk
# draws home in cage's one output, and grim takes a screenshot from the
# compositor. The screenshot must be home: the same picture (within the
# rounding of the GPU path's text blending) as the kiosk's own headless
# screenshot of home at the same size and minute. Twice: "rotation": 180
# (cage -r -r: a landscape home, turned upside down on the panel, upright in
# grim's picture, which applies the output's transform) and 90 (the kiosk gets
# a portrait window and shows the portrait home).
#
# Why not rotation 0: with cage 0.1.4 / wlroots 0.15's headless backend, an
# unrotated full-screen client is offered for direct scan-out ("Basic output
# test failed for HEADLESS-1" in the log) and grim's screencopy then returns a
# black picture, whatever the client draws (tried: SDL's software, OpenGL and
# GLES renderers). A rotated output is composited, so its picture is real. On
# a monitor, rotation 0 is the plain case: no compositing at all.
# Last, the session runs under watchdog_harness.py (systemd's part): READY=1
# and the pings come from the kiosk inside cage, a SIGSTOPped kiosk is killed
# and the session restarted.
#
#   cage_headless.sh KIOSK_BIN SOURCE_DIR PNG_CLOSE OUT_DIR
#
# cage refuses to run as root: as root the session runs as "nobody" (from a
# temporary folder holding a copy of the kiosk and its content, so the
# checkout's permissions do not matter). Screenshots stay in OUT_DIR.
set -euo pipefail
kiosk_src=$1 src=$2 png_close=$3 out=$4
for tool in cage grim; do
  command -v "$tool" >/dev/null || { echo "cage_headless: $tool is not installed (deploy/install-deps.sh)"; exit 1; }
done
mkdir -p "$out"
work=$(mktemp -d /tmp/kiosk-cage.XXXXXX)
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  sleep 0.3
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
chmod 755 "$work"
cp "$kiosk_src" "$work/kiosk"
cp -r "$src/assets/content" "$work/content"
cp "$src/deploy/kiosk-session" "$work/kiosk-session"
mkdir -m 700 "$work/run" "$work/state"

as_user=()
if [ "$(id -u)" -eq 0 ]; then
  chown -R nobody:nogroup "$work/run" "$work/state"
  as_user=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
fi

run_session() { # run_session ROTATION NAME: start, screenshot, compare
  local rot=$1 name=$2 log=$out/$2.log shot=$work/run/$2.png
  cat >"$work/kiosk.json" <<JSON
{ "kiosk_id": "HL-CAGE", "tower_id": "t01", "content_dir": "$work/content",
  "state_dir": "$work/state", "hub_url": "", "rotation": $rot }
JSON
  chmod 644 "$work/kiosk.json"
  local t0=$SECONDS
  "${as_user[@]}" env -i PATH=/usr/bin:/bin HOME="$work/state" \
    XDG_RUNTIME_DIR="$work/run" WLR_BACKENDS=headless WLR_LIBINPUT_NO_DEVICES=1 \
    WLR_RENDERER=pixman KIOSK_CONFIG="$work/kiosk.json" KIOSK_BIN="$work/kiosk" \
    sh "$work/kiosk-session" >"$log" 2>&1 &
  local pid=$!
  pids+=("$pid")
  # the kiosk has drawn and warmed its screens once the warm-up line is logged
  for _ in $(seq 1 150); do
    grep -q "prewarmed the content screens" "$log" 2>/dev/null && break
    kill -0 "$pid" 2>/dev/null || { echo "cage_headless: the session exited early:"; cat "$log"; exit 1; }
    sleep 0.2
  done
  grep -q "prewarmed the content screens" "$log" || { echo "cage_headless: no warm-up line in 30 s:"; cat "$log"; exit 1; }
  local sock
  sock=$(cd "$work/run" && ls | grep -E '^wayland-[0-9]+$' | head -1)
  local when after
  sleep 1
  when=$(date +%s)
  "${as_user[@]}" env XDG_RUNTIME_DIR="$work/run" WAYLAND_DISPLAY="$sock" grim "$shot"
  after=$(date +%s)
  cp "$shot" "$out/$name.png"
  local size
  size=$(grep -o "kiosk HL-CAGE [0-9]*x[0-9]*" "$log" | awk '{print $3}')
  echo "cage_headless: $name: rotation $rot, the kiosk got ${size:-?} from cage, grim wrote $out/$name.png ($((SECONDS - t0)) s)"
  kill "$pid"; wait "$pid" 2>/dev/null || true
  # the reference: the kiosk's own headless frame of home, same size and minute
  cat >"$work/home.kiosk" <<'K'
expect_screen home
screenshot ref.png
K
  reference() {
    "$kiosk_src" --headless --size "$size" --config "$work/kiosk.json" --fake-time "$1" \
      --script "$work/home.kiosk" --shots "$work" >"$out/$name.ref.log" 2>&1 ||
      { echo "cage_headless: the reference run failed:"; cat "$out/$name.ref.log"; exit 1; }
    cp "$work/ref.png" "$out/$name.ref.png"
  }
  reference "$when"
  # the clock on screen is the only thing that moves: a minute may have
  # turned while grim ran
  if ! "$png_close" "$out/$name.png" "$out/$name.ref.png" 64 &&
     { [ $((when / 60)) -eq $((after / 60)) ] ||
       ! { reference "$after"; "$png_close" "$out/$name.png" "$out/$name.ref.png" 64; }; }; then
    echo "cage_headless: FAIL: the compositor's picture is not home (see $out/$name.png)"
    exit 1
  fi
}

# A bad config stops the launcher before cage starts, with the kiosk's
# message naming the key and exit code 2.
printf '{ "rotation": 45 }\n' >"$work/bad.json"
chmod 644 "$work/bad.json"
set +e
"${as_user[@]}" env -i PATH=/usr/bin:/bin XDG_RUNTIME_DIR="$work/run" KIOSK_CONFIG="$work/bad.json" \
  KIOSK_BIN="$work/kiosk" sh "$work/kiosk-session" >"$out/bad-config.log" 2>&1
rc=$?
set -e
if [ $rc -ne 2 ] || ! grep -q "rotation: must be 0, 90, 180 or 270" "$out/bad-config.log"; then
  echo "cage_headless: FAIL: a bad config gave exit $rc:"; cat "$out/bad-config.log"; exit 1
fi
echo "cage_headless: a bad config stops the launcher: $(cat "$out/bad-config.log")"

run_session 180 cage-home-rot180
run_session 90 cage-home-rot90
echo "cage_headless: the compositor shows home, landscape (rotated 180°) and portrait (90°)"

# The whole session under the watchdog: cage is the first process, the kiosk
# its child names itself MAINPID, pings, is SIGSTOPped, killed and restarted
# (watchdog_harness.py plays systemd; the figures are printed).
python3 "$(dirname "$0")/watchdog_harness.py" --watchdog-sec 6 --restart-sec 2 --idle 12 -- \
  "${as_user[@]}" sh -c 'exec env -i PATH=/usr/bin:/bin HOME="$0/state" XDG_RUNTIME_DIR="$0/run" \
    WLR_BACKENDS=headless WLR_LIBINPUT_NO_DEVICES=1 WLR_RENDERER=pixman KIOSK_CONFIG="$0/kiosk.json" \
    KIOSK_BIN="$0/kiosk" NOTIFY_SOCKET="$NOTIFY_SOCKET" WATCHDOG_USEC="$WATCHDOG_USEC" WATCHDOG_PID="$WATCHDOG_PID" \
    sh "$0/kiosk-session"' "$work" >"$out/cage-watchdog.log" 2>&1 ||
  { grep -v '^INFO' "$out/cage-watchdog.log"; echo "cage_headless: FAIL: the session under the watchdog"; exit 1; }
grep '^watchdog_harness' "$out/cage-watchdog.log"
