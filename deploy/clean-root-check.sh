#!/usr/bin/env bash
# Runs the README's test command (deploy/test.sh) on a clean Debian 12 root:
# debootstrap (minbase) a bookworm root, put a clone of this repository's
# committed HEAD in it (not the working files), mount /proc, /sys and a small
# /dev, and run deploy/test.sh inside with chroot. Prints the result and exits
# with test.sh's status. Everything mounted is unmounted on exit (trap); the
# root is deleted unless --keep. Finds what only works here because someone
# installed it by hand.
#
#   sudo deploy/clean-root-check.sh [--cache DIR] [--work DIR] [--mirror URL]
#                                   [--keep] [-- ARGS FOR test.sh]
#
# --cache DIR  keeps the debootstrapped base (bookworm-minbase.tar.gz) and the
#              downloaded .debs there, so a second run skips debootstrap and
#              most downloads (default /var/cache/kiosk-clean-root)
# --work DIR   where the root is made (default /var/tmp); needs ~4 GB
# --mirror URL Debian mirror (default: the one in /etc/apt/sources.list*)
# --keep       keep the root afterwards (its path is printed)
# Exit codes: test.sh's status; 2 usage; 3 the root could not be made.
set -uo pipefail

cache=/var/cache/kiosk-clean-root
work=/var/tmp
mirror=
keep=0
test_args=()
while [ $# -gt 0 ]; do
  case $1 in
    --cache) cache=${2:?--cache needs a folder}; shift 2 ;;
    --work) work=${2:?--work needs a folder}; shift 2 ;;
    --mirror) mirror=${2:?--mirror needs a URL}; shift 2 ;;
    --keep) keep=1; shift ;;
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

# The mirror this machine uses: the first Debian URI in its apt sources
# (one-line "deb URL suite" or deb822 "URIs: URL"), security separately.
apt_uris() {
  cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
    sed -nE 's/^deb (\[[^]]*\] )?([^ ]+).*/\2/p; s/^URIs:[[:space:]]*([^ ]+).*/\1/p'
}
if [ -z "$mirror" ]; then
  mirror=$(apt_uris | grep -E '/debian/?$' | head -1)
  mirror=${mirror:-http://deb.debian.org/debian}
fi
security=$(apt_uris | grep -E '/debian-security/?$' | head -1)
security=${security:-http://security.debian.org/debian-security}
mirror=${mirror%/}
security=${security%/}

mkdir -p "$cache/archives/partial" "$work" || die "cannot create $cache or $work"
base=$cache/bookworm-minbase.tar.gz
root=$(mktemp -d "$work/kiosk-clean-root.XXXXXX") || die "cannot create a folder in $work"
mounts=() # mounted paths, in mount order

cleanup() {
  local i pid
  # processes left inside the root (a test's server, say): end them by id
  for pid in $(ls /proc | grep -E '^[0-9]+$'); do
    [ "$(readlink "/proc/$pid/root" 2>/dev/null)" = "$root" ] && kill -9 "$pid" 2>/dev/null
  done
  for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
    umount "${mounts[i]}" 2>/dev/null || umount -l "${mounts[i]}" 2>/dev/null ||
      echo "clean-root-check: could not unmount ${mounts[i]}" >&2
  done
  mounts=()
  if grep -qF " $root/" /proc/mounts; then
    echo "clean-root-check: something is still mounted under $root; not deleting it" >&2
  elif [ $keep -eq 1 ]; then
    say "root kept at $root"
  else
    rm -rf --one-file-system "$root"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

mnt() { # mnt TARGET MOUNT-ARGS...: mount, make private, remember
  local target=$1; shift
  mount "$@" "$target" || die "mount $* $target failed"
  mounts+=("$target")
  mount --make-private "$target" 2>/dev/null || true
}

t0=$SECONDS
if [ -s "$base" ]; then
  say "unpacking the cached base $base"
  tar -C "$root" -xzf "$base" || die "cannot unpack $base"
else
  say "debootstrap bookworm (minbase) from $mirror into $root"
  debootstrap --variant=minbase --cache-dir="$cache/archives" bookworm "$root" "$mirror" \
    >"$root.debootstrap.log" 2>&1 || { tail -20 "$root.debootstrap.log"; die "debootstrap failed (log: $root.debootstrap.log)"; }
  rm -f "$root.debootstrap.log"
  rm -f "$root"/var/cache/apt/archives/*.deb
  tar -C "$root" -czf "$base.tmp" . && mv "$base.tmp" "$base" && say "cached the base as $base"
fi
# the root folder is / inside: 0755 as on every system (mktemp made it 0700,
# and the cached tarball keeps that), or no other user could reach libc
chmod 755 "$root"
say "base ready in $((SECONDS - t0)) s"

# What a fresh Debian 12 machine has: the release, its updates, security.
cat >"$root/etc/apt/sources.list" <<EOF
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb $security bookworm-security main
EOF
cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
# debootstrap writes no /etc/hosts; every installed Debian machine has one
# (the installer writes it), and without it "localhost" does not resolve
# (Selenium reaches chromedriver by that name)
[ -e "$root/etc/hosts" ] || printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' >"$root/etc/hosts"
# Downloaded packages are kept in the cache for the next run.
echo 'Binary::apt::APT::Keep-Downloaded-Packages "true";' >"$root/etc/apt/apt.conf.d/99keep-debs"

say "cloning commit ${commit:0:12} of $src"
git clone --quiet --no-checkout --no-hardlinks "$src" "$root/src/kiosk" || die "git clone failed"
git -C "$root/src/kiosk" checkout --quiet --detach "$commit" || die "checkout of $commit failed"

mnt "$root/proc" -t proc proc
mnt "$root/sys" -t sysfs sysfs
# A small /dev of its own: a tmpfs with the usual devices bound in, a private
# devpts and /dev/shm (nothing of the host's /dev is shared wholesale).
mnt "$root/dev" -t tmpfs -o mode=755,size=1m tmpfs
for d in null zero full random urandom tty; do
  touch "$root/dev/$d"
  mnt "$root/dev/$d" --bind "/dev/$d"
done
mkdir -p "$root/dev/pts" "$root/dev/shm"
mnt "$root/dev/pts" -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts
ln -sf pts/ptmx "$root/dev/ptmx"
ln -sf /proc/self/fd "$root/dev/fd"
ln -sf /proc/self/fd/0 "$root/dev/stdin"
ln -sf /proc/self/fd/1 "$root/dev/stdout"
ln -sf /proc/self/fd/2 "$root/dev/stderr"
mnt "$root/dev/shm" -t tmpfs -o mode=1777 tmpfs
mnt "$root/var/cache/apt/archives" --bind "$cache/archives"

say "running deploy/test.sh ${test_args[*]} in the clean root (log follows)"
t1=$SECONDS
chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb \
  PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  bash -c 'cd /src/kiosk && exec bash deploy/test.sh "$@"' test.sh "${test_args[@]}"
status=$?
say "deploy/test.sh exit $status after $((SECONDS - t1)) s (whole check $((SECONDS - t0)) s, commit ${commit:0:12})"
exit $status
