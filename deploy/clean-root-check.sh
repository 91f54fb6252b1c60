#!/usr/bin/env bash
# Runs the README's test command (deploy/test.sh) on a clean Debian 12 root:
# debootstrap (minbase) a bookworm root, put a clone of this repository's
# committed HEAD in it (not the working files), mount /proc, /sys and a small
# /dev, and run deploy/test.sh inside with chroot. Prints the result and exits
# with test.sh's status. Everything mounted is unmounted on exit (trap); the
# root is deleted unless --keep. Finds what only works here because someone
# installed it by hand. With --run it runs the README's other command,
# deploy/run.sh, instead: with no display there it installs, builds and
# tours every screen headless; the check then counts the screenshots.
#
#   sudo deploy/clean-root-check.sh [--cache DIR] [--work DIR] [--mirror URL]
#                                   [--keep] [--run] [-- ARGS FOR test.sh]
#
# --cache DIR  keeps the debootstrapped base (bookworm-minbase.tar.gz) and the
#              downloaded .debs there, so a second run skips debootstrap and
#              most downloads (default /var/cache/kiosk-clean-root)
# --work DIR   where the root is made (default /var/tmp); needs ~4 GB
# --mirror URL Debian mirror (default: the one in /etc/apt/sources.list*)
# --keep       keep the root afterwards (its path is printed)
# --run        run deploy/run.sh (headless tour) instead of deploy/test.sh
# Exit codes: test.sh's (run.sh's) status, 1 when --run wrote no screenshots;
# 2 usage; 3 the root could not be made.
set -uo pipefail

cache=/var/cache/kiosk-clean-root
work=/var/tmp
mirror=
keep=0
run=0
test_args=()
while [ $# -gt 0 ]; do
  case $1 in
    --cache) cache=${2:?--cache needs a folder}; shift 2 ;;
    --work) work=${2:?--work needs a folder}; shift 2 ;;
    --mirror) mirror=${2:?--mirror needs a URL}; shift 2 ;;
    --keep) keep=1; shift ;;
    --run) run=1; shift ;;
    --) shift; test_args=("$@"); break ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "clean-root-check: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

say() { echo "clean-root-check: $*"; }
die() { echo "clean-root-check: $*" >&2; exit 3; }

[ "$(id -u)" -eq 0 ] || { echo "clean-root-check: run as root (sudo $0)" >&2; exit 2; }
for tool in debootstrap git chroot mount umount tar; do
  command -v "$tool" >/dev/null || die "$tool is not installed"
done

src=$(cd "$(dirname "$0")/.." && git rev-parse --show-toplevel) || die "not in a git repository"
commit=$(git -C "$src" rev-parse HEAD) || die "no commit"
if [ -n "$(git -C "$src" status --porcelain --untracked-files=no)" ]; then
  say "note: uncommitted changes in $src are not tested (testing commit ${commit:0:12})"
fi

tool=clean-root-check
# shellcheck source=deploy/root-lib.sh
. "$(dirname "$0")/root-lib.sh"
root_new

t0=$SECONDS
root_base
say "base ready in $((SECONDS - t0)) s"

say "cloning commit ${commit:0:12} of $src"
git clone --quiet --no-checkout --no-hardlinks "$src" "$root/src/kiosk" || die "git clone failed"
git -C "$root/src/kiosk" checkout --quiet --detach "$commit" || die "checkout of $commit failed"

root_mount_dev
mnt "$root/sys" -t sysfs sysfs
# a private devpts for the tests' terminals
mnt "$root/dev/pts" -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts
ln -sf pts/ptmx "$root/dev/ptmx"
ln -sf /proc/self/fd/0 "$root/dev/stdin"
ln -sf /proc/self/fd/1 "$root/dev/stdout"
ln -sf /proc/self/fd/2 "$root/dev/stderr"

script=deploy/test.sh
[ "$run" -eq 1 ] && script=deploy/run.sh
say "running $script ${test_args[*]} in the clean root (log follows)"
t1=$SECONDS
chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb \
  PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  bash -c 'cd /src/kiosk && exec bash "$0" "$@"' "$script" "${test_args[@]}"
status=$?
if [ "$run" -eq 1 ] && [ "$status" -eq 0 ]; then
  for size in 1920x1080 1080x1920; do
    n=$(find "$root/src/kiosk/build/screenshots/tour/$size" -name '*.png' 2>/dev/null | wc -l)
    say "run.sh's tour at $size: $n screenshots"
    [ "$n" -gt 0 ] || status=1
  done
fi
say "$script exit $status after $((SECONDS - t1)) s (whole check $((SECONDS - t0)) s, commit ${commit:0:12})"
exit $status
