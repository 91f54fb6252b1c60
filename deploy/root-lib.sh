# shellcheck shell=bash
# What deploy/clean-root-check.sh and deploy/package-check.sh share: making a
# clean Debian 12 (bookworm, minbase) root from a cached debootstrap, pointing
# its apt at this machine's mirror, mounting into it and cleaning up. Sourced,
# not run. The caller sets: tool (its name, for messages), cache, work, mirror
# ("" = this machine's), keep (1 = keep the root); and defines say and die.
# root_new sets root, base and mounts and installs the cleanup trap.

# The mirror this machine uses: the first Debian URI in its apt sources
# (one-line "deb URL suite" or deb822 "URIs: URL"), security separately.
root_apt_uris() {
  cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
    sed -nE 's/^deb (\[[^]]*\] )?([^ ]+).*/\2/p; s/^URIs:[[:space:]]*([^ ]+).*/\1/p'
}

# root_new: picks the mirrors, makes the cache and an empty root folder in
# $work, and arms the cleanup (processes in the root killed, mounts undone in
# reverse order, the root deleted unless keep=1 or something stays mounted).
root_new() {
  if [ -z "$mirror" ]; then
    mirror=$(root_apt_uris | grep -E '/debian/?$' | head -1)
    mirror=${mirror:-http://deb.debian.org/debian}
  fi
  security=$(root_apt_uris | grep -E '/debian-security/?$' | head -1)
  security=${security:-http://security.debian.org/debian-security}
  mirror=${mirror%/}
  security=${security%/}
  mkdir -p "$cache/archives/partial" "$work" || die "cannot create $cache or $work"
  base=$cache/bookworm-minbase.tar.gz
  root=$(mktemp -d "$work/kiosk-$tool.XXXXXX") || die "cannot create a folder in $work"
  mounts=() # mounted paths, in mount order
  trap root_cleanup EXIT
  trap 'exit 130' INT TERM HUP
}

root_cleanup() {
  local pid
  # processes left inside the root (a test's server, say): end them by id
  for pid in $(ls /proc | grep -E '^[0-9]+$'); do
    [ "$(readlink "/proc/$pid/root" 2>/dev/null)" = "$root" ] && kill -9 "$pid" 2>/dev/null
  done
  root_umount_all
  if grep -qF " $root/" /proc/mounts; then
    echo "$tool: something is still mounted under $root; not deleting it" >&2
  elif [ "$keep" -eq 1 ]; then
    say "root kept at $root"
  else
    rm -rf --one-file-system "$root"
  fi
}

# mnt TARGET MOUNT-ARGS...: mount, make private, remember for the cleanup
mnt() {
  local target=$1; shift
  mount "$@" "$target" || die "mount $* $target failed"
  mounts+=("$target")
  mount --make-private "$target" 2>/dev/null || true
}

# Unmounts everything mnt mounted, last first (lazily when busy).
root_umount_all() {
  local i
  for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
    umount "${mounts[i]}" 2>/dev/null || umount -l "${mounts[i]}" 2>/dev/null ||
      echo "$tool: could not unmount ${mounts[i]}" >&2
  done
  mounts=()
}

# root_base: the cached base unpacked into the root, or debootstrap it and
# cache it; then apt's sources (the release, its updates, security: what a
# fresh Debian 12 machine has), resolv.conf, /etc/hosts, and downloaded
# packages kept for the next run.
root_base() {
  if [ -s "$base" ]; then
    say "unpacking the cached base $base"
    tar -C "$root" -xzf "$base" || die "cannot unpack $base"
  else
    command -v debootstrap >/dev/null || die "debootstrap is not installed and $base does not exist"
    say "debootstrap bookworm (minbase) from $mirror into $root"
    debootstrap --variant=minbase --cache-dir="$cache/archives" bookworm "$root" "$mirror" \
      >"$root.debootstrap.log" 2>&1 ||
      { tail -20 "$root.debootstrap.log"; die "debootstrap failed (log: $root.debootstrap.log)"; }
    rm -f "$root.debootstrap.log" "$root"/var/cache/apt/archives/*.deb
    tar -C "$root" -czf "$base.tmp" . && mv "$base.tmp" "$base" && say "cached the base as $base"
  fi
  # the root folder is / inside: 0755 as on every system (mktemp made it
  # 0700, and the cached tarball keeps that), or no other user reaches libc
  chmod 755 "$root"
  cat >"$root/etc/apt/sources.list" <<EOS
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb $security bookworm-security main
EOS
  cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
  # debootstrap writes no /etc/hosts; every installed Debian machine has one
  # (the installer writes it), and without it "localhost" does not resolve
  [ -e "$root/etc/hosts" ] ||
    printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' >"$root/etc/hosts"
  echo 'Binary::apt::APT::Keep-Downloaded-Packages "true";' >"$root/etc/apt/apt.conf.d/99keep-debs"
}

# root_mount_dev: a small /dev of the root's own (a tmpfs with the usual
# devices bound in, /dev/shm; nothing of the host's /dev shared wholesale),
# /proc, and apt's archive folder bound to the cache.
root_mount_dev() {
  local d
  mnt "$root/proc" -t proc proc
  mnt "$root/dev" -t tmpfs -o mode=755,size=1m tmpfs
  for d in null zero full random urandom tty; do
    touch "$root/dev/$d"
    mnt "$root/dev/$d" --bind "/dev/$d"
  done
  mkdir -p "$root/dev/pts" "$root/dev/shm"
  mnt "$root/dev/shm" -t tmpfs -o mode=1777 tmpfs
  ln -sf /proc/self/fd "$root/dev/fd"
  mnt "$root/var/cache/apt/archives" --bind "$cache/archives"
}
