#!/usr/bin/env bash
# Installs the two Debian packages (cpack -G DEB, deploy/README.md) into a
# clean Debian 12 root and checks what a Debian administrator expects:
#   - the packages' dependencies come from Debian 12 alone (apt resolves them);
#   - install: the "kiosk" user, state folders, the units enabled, an admin
#     token made for the hub, systemd-analyze verify accepts both units;
#   - the installed kiosk finds its content bundle, fonts and pinyin data (a
#     headless run as the kiosk user with the packaged config, and one
#     without any config);
#   - the hub unit's ExecStart runs with the unit's settings (its user, state
#     folder, credential, umask and /etc/default/kiosk-hub; systemd cannot be
#     PID 1 in a chroot, so this script plays its part) and answers kioskctl;
#     the installed kiosk, pointed at it, registers a heartbeat;
#   - upgrade (to a repacked -2 of the same files): the edited conffiles
#     (/etc/huanglong-kiosk/kiosk.json, /etc/default/kiosk-hub), the admin
#     token and the state are kept;
#   - with systemd-nspawn (package systemd-container): the root booted with
#     systemd 252 as PID 1 runs kiosk-hub.service as installed and answers,
#     and kiosk-session.service (cage headless by a drop-in) becomes ready,
#     is restarted by the watchdog when its kiosk is SIGSTOPped (time
#     printed) and stops cleanly;
#   - remove keeps conffiles and state; purge removes them, and leaves no file
#     that was not there before the packages were installed.
#
#   sudo deploy/package-check.sh [--cache DIR] [--work DIR] [--mirror URL]
#                                [--keep] [KIOSK.deb HUB.deb]
#
# --cache DIR  a debootstrapped base and downloaded .debs, shared with
#              deploy/clean-root-check.sh (default /var/cache/kiosk-clean-root:
#              bookworm-minbase.tar.gz and archives/); made on first use
# --work DIR   where the root is made (default /var/tmp); about 1 GB
# --mirror URL Debian mirror (default: the first in this machine's apt sources)
# --keep       keep the root afterwards
# The .debs default to build/huanglong-kiosk{,-hub}_*.deb. Needs root,
# debootstrap (only when the cache has no base) and chroot. Prints what it
# checks; exits 0 when all holds, 1 on a failed check, 2 usage, 3 when the
# root cannot be made.
set -uo pipefail

cache=/var/cache/kiosk-clean-root
work=/var/tmp
mirror=
keep=0
debs=()
while [ $# -gt 0 ]; do
  case $1 in
    --cache) cache=${2:?--cache needs a folder}; shift 2 ;;
    --work) work=${2:?--work needs a folder}; shift 2 ;;
    --mirror) mirror=${2:?--mirror needs a URL}; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) sed -n '2,38p' "$0"; exit 0 ;;
    -*) echo "package-check: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) debs+=("$1"); shift ;;
  esac
done

say() { echo "package-check: $*"; }
die() { echo "package-check: $*" >&2; exit 3; }
failures=0
check() { # check "WHAT" COMMAND...: runs, prints ok/FAIL
  if "${@:2}"; then say "ok   $1"; else say "FAIL $1"; failures=$((failures + 1)); fi
}

[ "$(id -u)" -eq 0 ] || { echo "package-check: run as root (sudo $0)" >&2; exit 2; }
src=$(cd "$(dirname "$0")/.." && pwd)
if [ ${#debs[@]} -eq 0 ]; then
  debs=("$(ls "$src"/build/huanglong-kiosk_*.deb 2>/dev/null | tail -1)"
        "$(ls "$src"/build/huanglong-kiosk-hub_*.deb 2>/dev/null | tail -1)")
fi
[ ${#debs[@]} -eq 2 ] && [ -f "${debs[0]}" ] && [ -f "${debs[1]}" ] ||
  { echo "package-check: give the two .debs, or build them first (cd build && cpack -G DEB)" >&2; exit 2; }
for tool in chroot mount umount tar dpkg-deb; do
  command -v "$tool" >/dev/null || die "$tool is not installed"
done

tool=package-check
# shellcheck source=deploy/root-lib.sh
. "$(dirname "$0")/root-lib.sh"
root_new
hubpid=
in_root() { chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb \
  PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@"; }

t0=$SECONDS
root_base
# no service is started from a maintainer script in a chroot
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d" && chmod 755 "$root/usr/sbin/policy-rc.d"
mount_root() { root_mount_dev; }
umount_root() { root_umount_all; } # for systemd-nspawn, which mounts its own /proc and /dev
mount_root
say "base ready in $((SECONDS - t0)) s"

mkdir -p "$root/tmp/debs"
cp "${debs[@]}" "$root/tmp/debs/"
kdeb=/tmp/debs/$(basename "${debs[0]}") hdeb=/tmp/debs/$(basename "${debs[1]}")

# The packages' dependencies first (the first of each alternative, versions
# dropped; apt checks the versions when the packages go in), so that the file
# list taken next is what the machine had without this project.
deps=$(for d in "${debs[@]}"; do dpkg-deb -f "$d" Depends; done | tr ',' '\n' |
  sed -E 's/\|.*//; s/\(.*\)//; s/[[:space:]]//g' | grep -v '^$' | sort -u | tr '\n' ' ')
t1=$SECONDS
say "installing the dependencies from Debian 12: $deps"
in_root apt-get update -qq >"$root/tmp/apt.log" 2>&1 || { cat "$root/tmp/apt.log"; die "apt-get update failed"; }
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive in_root apt-get install -y -qq --no-install-recommends $deps \
  >"$root/tmp/apt.log" 2>&1 || { tail -30 "$root/tmp/apt.log"; die "the dependencies did not install"; }
say "dependencies installed in $((SECONDS - t1)) s"

snapshot() { # snapshot FILE: every path on the root's file system but the volatile ones
  # (and the timer stamps systemd writes when it boots the root, nspawn_checks)
  (cd "$root" && find . -xdev \( -path ./proc -o -path ./dev -o -path ./tmp -o -path ./var/cache -o -path ./var/lib/systemd/timers \
    -o -path ./var/lib/apt -o -path ./var/lib/dpkg -o -path ./var/log -o -path ./run -o -path ./root \) -prune \
    -o -print | sort) >"$1"
}
snapshot "$root/tmp/before.list"

# ---- install --------------------------------------------------------------
t2=$SECONDS
DEBIAN_FRONTEND=noninteractive in_root apt-get install -y -qq --no-install-recommends "$kdeb" "$hdeb" \
  >"$root/tmp/apt.log" 2>&1
if ! in_root dpkg-query -W -f='${Status}\n' huanglong-kiosk huanglong-kiosk-hub | grep -c "install ok installed" |
   grep -qx 2; then
  tail -30 "$root/tmp/apt.log"; say "FAIL the packages are not installed"; exit 1
fi
say "installed in $((SECONDS - t2)) s"
check "the kiosk user is in the group video (seatd)" sh -c "chroot '$root' id -nG kiosk | grep -qw video"
check "a kiosk system user" sh -c "grep -q '^kiosk:x:[0-9]*:[0-9]*:.*:/var/lib/huanglong-kiosk:/usr/sbin/nologin' '$root/etc/passwd'"
check "/var/lib/huanglong-kiosk owned by kiosk, mode 700" \
  sh -c "[ \"\$(chroot '$root' stat -c '%U %a' /var/lib/huanglong-kiosk)\" = 'kiosk 700' ]"
check "kiosk-session.service enabled" test -L "$root/etc/systemd/system/multi-user.target.wants/kiosk-session.service"
check "kiosk-hub.service enabled" test -L "$root/etc/systemd/system/multi-user.target.wants/kiosk-hub.service"
check "an admin token, root only" sh -c "[ \"\$(stat -c '%a %u' '$root/etc/kiosk-hub/admin.token')\" = '600 0' ] && [ \$(tr -d '\n' <'$root/etc/kiosk-hub/admin.token' | wc -c) -ge 32 ]"
check "the conffiles are registered" sh -c "chroot '$root' dpkg-query -W -f='\${Conffiles}\n' huanglong-kiosk huanglong-kiosk-hub |
  grep -c -e /etc/huanglong-kiosk/kiosk.json -e /etc/default/kiosk-hub | grep -qx 2"
check "systemd-analyze verify accepts both units" in_root systemd-analyze verify --man=no \
  /lib/systemd/system/kiosk-hub.service /lib/systemd/system/kiosk-session.service

# ---- the installed kiosk finds its files -----------------------------------
printf 'expect_screen home\nexpect_text "服务查询"\nexpect_text "找支部"\n' >"$root/tmp/home.kiosk"
chmod 644 "$root/tmp/home.kiosk"
check "kiosk --version" in_root kiosk --version
check "the packaged config is valid (rotation $(in_root kiosk --config /etc/huanglong-kiosk/kiosk.json --print-rotation 2>&1))" \
  in_root kiosk --config /etc/huanglong-kiosk/kiosk.json --print-rotation
check "the installed content bundle passes the deep check (fonts, images, map)" \
  in_root kiosk --check-content /usr/share/huanglong-kiosk/content
# at a time inside the packaged screen_schedule's hours (a Wednesday, 09:30
# Beijing time): at night the packaged kiosk is rightly dark
check "the kiosk, as the kiosk user with the packaged config, shows home" \
  in_root setpriv --reuid=kiosk --regid=kiosk --init-groups env HOME=/var/lib/huanglong-kiosk \
  kiosk --headless --fake-time 2026-11-25T09:30 --config /etc/huanglong-kiosk/kiosk.json \
  --script /tmp/home.kiosk
check "the kiosk's state is in /var/lib/huanglong-kiosk" test -s "$root/var/lib/huanglong-kiosk/outbox.db"
check "without a config the kiosk finds /usr/share/huanglong-kiosk/content" \
  sh -c "chroot '$root' kiosk --headless --script /tmp/home.kiosk 2>&1 | grep -q 'loaded bundle /usr/bin/../share/huanglong-kiosk/content'"

# ---- the hub unit's ExecStart, with the unit's settings ---------------------
unit=$root/lib/systemd/system/kiosk-hub.service
# the listen address an administrator would edit; port 0 + a port file so the
# check never collides with a port in use on this machine
sed -i 's|^KIOSK_HUB_ARGS=.*|KIOSK_HUB_ARGS="--listen 127.0.0.1:0 --port-file /var/lib/kiosk-hub/port --rate 5/s --burst 20"|' \
  "$root/etc/default/kiosk-hub"
start_hub() { # plays systemd: DynamicUser (a free uid), StateDirectory, LoadCredential, UMask, EnvironmentFile
  local exec uid=61875
  exec=$(sed -nE '/^ExecStart=/,/[^\\]$/p' "$unit" | sed -E 's/^ExecStart=//; s/\\$//' | tr -s ' \n' ' ')
  grep -q '^DynamicUser=yes' "$unit" && grep -q '^StateDirectory=kiosk-hub' "$unit" &&
    grep -q '^LoadCredential=admin.token:/etc/kiosk-hub/admin.token' "$unit" && grep -q '^UMask=0077' "$unit" ||
    { say "FAIL the hub unit no longer has the settings this check plays"; return 1; }
  mkdir -p "$root/var/lib/private/kiosk-hub" "$root/run/credentials/kiosk-hub.service"
  # systemd keeps /var/lib/private 0700 and lets the service through it in the
  # service's own mount namespace; here the folder is passable while the hub runs
  chmod 711 "$root/var/lib/private"
  chmod 700 "$root/var/lib/private/kiosk-hub"
  chown "$uid:$uid" "$root/var/lib/private/kiosk-hub"
  ln -sfn private/kiosk-hub "$root/var/lib/kiosk-hub"
  install -m 0400 -o "$uid" "$root/etc/kiosk-hub/admin.token" "$root/run/credentials/kiosk-hub.service/admin.token"
  exec=${exec//%d//run/credentials/kiosk-hub.service}
  rm -f "$root/var/lib/private/kiosk-hub/port"
  say "starting: $exec (as uid $uid, with /etc/default/kiosk-hub)"
  chroot "$root" /usr/bin/env -i PATH=/usr/bin:/bin LANG=C.UTF-8 setpriv --reuid=$uid --regid=$uid --clear-groups \
    sh -c "umask 0077; set -a; . /etc/default/kiosk-hub; set +a; exec $exec" >"$root/tmp/hub.log" 2>&1 &
  hubpid=$!
  for _ in $(seq 1 100); do
    [ -s "$root/var/lib/private/kiosk-hub/port" ] && break
    kill -0 "$hubpid" 2>/dev/null || break
    sleep 0.1
  done
  [ -s "$root/var/lib/private/kiosk-hub/port" ] || { cat "$root/tmp/hub.log"; return 1; }
  port=$(cat "$root/var/lib/private/kiosk-hub/port")
}
stop_hub() {
  [ -n "$hubpid" ] || return 0
  kill -TERM "$hubpid" 2>/dev/null
  wait "$hubpid"
  local rc=$?
  hubpid=
  chmod 700 "$root/var/lib/private"
  return $rc
}
port=0
ctl() { in_root kioskctl --hub "http://127.0.0.1:$port" --token-file /etc/kiosk-hub/admin.token "$@"; }
add_kiosk() { ctl kiosk add HL-PKG | tail -1 >"$root/tmp/kiosk.token" && [ -s "$root/tmp/kiosk.token" ]; }
heartbeat_listed() { # HL-PKG has a last_seen (python3 of this machine reads the JSON)
  ctl kiosk list >"$root/tmp/list.txt" 2>&1
  ctl --json kiosk list | python3 -c 'import json, sys
k = [k for k in json.load(sys.stdin)["kiosks"] if k["id"] == "HL-PKG"]
sys.exit(0 if k and k[0].get("last_seen") else 1)'
}
upgraded_hub_knows() { start_hub && ctl kiosk list | grep -q HL-PKG; local rc=$?; stop_hub; return $rc; }
check "the hub starts as its unit says and writes its port" start_hub
check "the hub answers kioskctl: kiosk add HL-PKG" add_kiosk
check "the hub's database is in /var/lib/kiosk-hub, owned by the service's user, mode 600" \
  sh -c "[ \"\$(stat -c '%u %a' '$root/var/lib/private/kiosk-hub/hub.db')\" = '61875 600' ]"
# point the installed kiosk at its hub (what docs/operations.md tells an administrator)
install -m 0640 -o root -g "$(chroot "$root" id -g kiosk)" "$root/tmp/kiosk.token" "$root/etc/huanglong-kiosk/token"
sed -i -e 's|"hub_url": ""|"hub_url": "http://127.0.0.1:'"$port"'"|' -e 's|"kiosk_id": "HL-A01"|"kiosk_id": "HL-PKG"|' \
  "$root/etc/huanglong-kiosk/kiosk.json"
in_root setpriv --reuid=kiosk --regid=kiosk --init-groups env HOME=/var/lib/huanglong-kiosk \
  kiosk --headless --config /etc/huanglong-kiosk/kiosk.json >"$root/tmp/kiosk.log" 2>&1 &
kpid=$!
for _ in $(seq 1 50); do
  heartbeat_listed 2>/dev/null && break
  sleep 0.2
done
kill -TERM "$kpid" 2>/dev/null; wait "$kpid"
check "the installed kiosk, pointed at the hub, sends its heartbeat (kioskctl kiosk list)" heartbeat_listed
sed 's/^/  /' "$root/tmp/list.txt"
check "the hub stops cleanly on SIGTERM" stop_hub

# ---- the units under a real systemd (systemd-nspawn boots the root) ---------
# Where systemd-nspawn exists and can boot the root: systemd 252 as PID 1 of
# the root starts kiosk-hub.service as installed (its hardening, dynamic user
# and credential for real), and runs kiosk-session.service with a drop-in for
# a machine without a screen (cage's headless backend, no tty1 condition,
# WatchdogSec=4s): it must become active (READY=1 from the kiosk, MAINPID the
# kiosk), a SIGSTOPped kiosk must be restarted by systemd's watchdog (the time
# is printed), and a stop must end it cleanly.
nspawn_checks() {
  local np init i st mp hp t0 fired now
  command -v systemd-nspawn >/dev/null || { say "systemd checks skipped: systemd-nspawn is not installed (package systemd-container)"; return 0; }
  mkdir -p "$root/etc/systemd/system/kiosk-session.service.d"
  cat >"$root/etc/systemd/system/kiosk-session.service.d/headless.conf" <<EOC
[Unit]
ConditionPathExists=
[Service]
Environment=WLR_BACKENDS=headless WLR_LIBINPUT_NO_DEVICES=1 WLR_RENDERER=pixman
WatchdogSec=4s
EOC
  rm -f "$root/usr/sbin/policy-rc.d"
  umount_root
  systemd-nspawn -q -D "$root" --register=no --keep-unit --private-network -b >"$root.nspawn.log" 2>&1 &
  np=$!
  init=
  for i in $(seq 1 100); do
    init=$(ps -o pid= --ppid "$np" 2>/dev/null | head -1 | tr -d ' ')
    [ -n "$init" ] && case $(nsenter -t "$init" -m -p -r -w systemctl is-system-running 2>/dev/null) in
      running|degraded) break ;;
    esac
    kill -0 "$np" 2>/dev/null || break
    sleep 0.3
  done
  ns() { nsenter -t "$init" -m -u -i -n -p -r -w "$@"; }
  if [ -z "$init" ] || ! ns true 2>/dev/null; then
    say "systemd checks skipped: systemd-nspawn could not boot the root here ($(tail -3 "$root.nspawn.log" | tr '\n' ' '))"
    kill "$np" 2>/dev/null; wait "$np" 2>/dev/null
    rm -rf "$root/etc/systemd/system/kiosk-session.service.d" # the drop-in was for the boot
    mount_root; printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"; chmod 755 "$root/usr/sbin/policy-rc.d"
    return 0
  fi
  say "systemd $(ns systemctl --version | head -1 | cut -d' ' -f2) runs the root as PID 1 (systemd-nspawn)"
  check "systemd: kiosk-hub.service is active" ns systemctl is-active -q kiosk-hub.service
  for i in $(seq 1 50); do ns test -s /var/lib/kiosk-hub/port && break; sleep 0.1; done
  check "systemd: the hub answers kioskctl and still knows HL-PKG" sh -c "nsenter -t $init -m -u -i -n -p -r -w sh -c 'kioskctl --hub http://127.0.0.1:\$(cat /var/lib/kiosk-hub/port) --token-file /etc/kiosk-hub/admin.token kiosk list' | grep -q HL-PKG"
  check "systemd: the hub runs as a dynamic user, not root" sh -c "[ \"\$(nsenter -t $init -m -u -i -n -p -r -w systemctl show kiosk-hub -p MainPID --value | xargs -I{} nsenter -t $init -m -u -i -n -p -r -w stat -c %u /proc/{})\" != 0 ]"
  ns systemctl start kiosk-session.service >/dev/null 2>&1
  check "systemd: kiosk-session.service becomes active (READY=1 after the first frame)" ns systemctl is-active -q kiosk-session.service
  st=$(ns systemctl show kiosk-session -p StatusText --value)
  mp=$(ns systemctl show kiosk-session -p MainPID --value)
  check "systemd: the kiosk is the main process (MAINPID), status '$st'" sh -c "[ \"\$(nsenter -t $init -m -u -i -n -p -r -w cat /proc/$mp/comm)\" = kiosk ]"
  sleep 5 # longer than WatchdogSec: the pings must keep it alive
  check "systemd: no watchdog restart while the kiosk runs" sh -c "[ \"\$(nsenter -t $init -m -u -i -n -p -r -w systemctl show kiosk-session -p NRestarts --value)\" = 0 ]"
  hp=$(grep -l "^NSpid:.*[[:space:]]$mp\$" /proc/[0-9]*/status 2>/dev/null | while read -r f; do d=${f%/status}; [ "$(cat "$d/comm" 2>/dev/null)" = kiosk ] && echo "${d#/proc/}"; done | head -1)
  kill -STOP "$hp"
  t0=$(date +%s%N)
  fired=
  while :; do
    st=$(ns systemctl show kiosk-session -p ActiveState --value)
    now=$(( ($(date +%s%N) - t0) / 1000000 ))
    [ -z "$fired" ] && [ "$st" != active ] && fired=$now
    [ -n "$fired" ] && [ "$st" = active ] && break
    [ $now -gt 40000 ] && break
    sleep 0.05
  done
  check "systemd: a SIGSTOPped kiosk is restarted by the watchdog (SIGSTOP -> watchdog ${fired:-?} ms -> READY=1 again ${now} ms; WatchdogSec=4s, RestartSec=2s)" \
    sh -c "[ -n '$fired' ] && [ \"\$(nsenter -t $init -m -u -i -n -p -r -w systemctl show kiosk-session -p ActiveState --value)\" = active ]"
  ns systemctl stop kiosk-session.service
  check "systemd: a stop ends the session cleanly (Result=$(ns systemctl show kiosk-session -p Result --value))" \
    sh -c "[ \"\$(nsenter -t $init -m -u -i -n -p -r -w systemctl show kiosk-session -p Result --value)\" = success ]"
  ns systemctl stop kiosk-hub.service
  kill -TERM "$np" 2>/dev/null # nspawn shuts the root's systemd down
  for i in $(seq 1 100); do kill -0 "$np" 2>/dev/null || break; sleep 0.2; done
  kill -KILL "$np" 2>/dev/null
  wait "$np" 2>/dev/null
  rm -rf "$root/etc/systemd/system/kiosk-session.service.d" "$root.nspawn.log"
  mount_root
  printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d" && chmod 755 "$root/usr/sbin/policy-rc.d"
}
nspawn_checks

# ---- upgrade to -2: edited conffiles, token and state kept -----------------
t3=$SECONDS
token_before=$(cat "$root/etc/kiosk-hub/admin.token")
upgrades=()
for d in "$kdeb" "$hdeb"; do
  rm -rf "$root/tmp/repack" && mkdir -p "$root/tmp/repack"
  dpkg-deb -R "$root$d" "$root/tmp/repack/x" && sed -i 's/^Version: \(.*\)-1$/Version: \1-2/' "$root/tmp/repack/x/DEBIAN/control"
  upgrades+=("${d%-1_*}-2_$(dpkg-deb -f "$root$d" Architecture).deb")
  dpkg-deb -b --root-owner-group "$root/tmp/repack/x" "$root${upgrades[-1]}" >/dev/null
done
# --force-confold: what an administrator answers when asked to keep a file;
# dpkg asks only if the package's own copy changed, which it did not here
DEBIAN_FRONTEND=noninteractive in_root apt-get install -y -qq -o Dpkg::Options::=--force-confdef \
  -o Dpkg::Options::=--force-confold "${upgrades[@]}" >"$root/tmp/apt.log" 2>&1 || tail -20 "$root/tmp/apt.log"
check "upgrade to -2 ($((SECONDS - t3)) s)" sh -c "chroot '$root' dpkg-query -W -f='\${Version}\n' huanglong-kiosk huanglong-kiosk-hub | grep -c -- '-2\$' | grep -qx 2"
check "upgrade keeps the edited kiosk.json" grep -q '"kiosk_id": "HL-PKG"' "$root/etc/huanglong-kiosk/kiosk.json"
check "upgrade keeps the edited /etc/default/kiosk-hub" grep -q -- '--port-file' "$root/etc/default/kiosk-hub"
check "upgrade leaves no .dpkg-dist/.dpkg-new files" sh -c "! find '$root/etc' -name '*.dpkg-*' | grep -q ."
check "upgrade keeps the admin token" sh -c "[ \"\$(cat '$root/etc/kiosk-hub/admin.token')\" = '$token_before' ]"
check "upgrade keeps the state" test -s "$root/var/lib/huanglong-kiosk/outbox.db" -a -s "$root/var/lib/private/kiosk-hub/hub.db"
check "the upgraded hub starts on the kept database and still knows HL-PKG" upgraded_hub_knows

# ---- remove, then purge ----------------------------------------------------
DEBIAN_FRONTEND=noninteractive in_root apt-get remove -y -qq huanglong-kiosk huanglong-kiosk-hub >"$root/tmp/apt.log" 2>&1
check "remove keeps conffiles and state" test -f "$root/etc/huanglong-kiosk/kiosk.json" -a -f "$root/etc/default/kiosk-hub" \
  -a -d "$root/var/lib/huanglong-kiosk" -a -f "$root/var/lib/private/kiosk-hub/hub.db"
check "remove takes the programs" test ! -e "$root/usr/bin/kiosk" -a ! -e "$root/usr/bin/kiosk-hub"
DEBIAN_FRONTEND=noninteractive in_root apt-get purge -y -qq huanglong-kiosk huanglong-kiosk-hub >"$root/tmp/apt.log" 2>&1
check "purge removes both packages" sh -c "! chroot '$root' dpkg-query -W -f='\${Status}\n' huanglong-kiosk huanglong-kiosk-hub 2>/dev/null | grep -q installed"
check "purge removes the state" test ! -e "$root/var/lib/huanglong-kiosk" -a ! -e "$root/var/lib/kiosk-hub" -a ! -e "$root/var/lib/private/kiosk-hub"
check "purge removes the configuration and the tokens" test ! -e "$root/etc/huanglong-kiosk" -a ! -e "$root/etc/kiosk-hub" -a ! -e "$root/etc/default/kiosk-hub"
# what the check itself made that systemd would have made and removed
rm -rf "$root/run/credentials"
snapshot "$root/tmp/after.list"
left=$(comm -13 "$root/tmp/before.list" "$root/tmp/after.list")
check "purge leaves no file that was not there before the install" test -z "$left"
[ -n "$left" ] && printf '  left: %s\n' $left
gone=$(comm -23 "$root/tmp/before.list" "$root/tmp/after.list")
check "purge removes nothing that was there before" test -z "$gone"
[ -n "$gone" ] && printf '  gone: %s\n' $gone

say "$failures failed; $((SECONDS - t0)) s in all (sizes: $(du -k "${debs[0]}" | cut -f1) KB kiosk, $(du -k "${debs[1]}" | cut -f1) KB hub)"
[ $failures -eq 0 ]
