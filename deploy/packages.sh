#!/usr/bin/env bash
# Builds the two Debian packages in a build folder and inspects them; run by
# deploy/test.sh after the normal build, or by hand:
#   deploy/packages.sh [BUILD_DIR]        (default build)
# 1. cpack -G DEB in BUILD_DIR: huanglong-kiosk_<v>_<arch>.deb and
#    huanglong-kiosk-hub_<v>_<arch>.deb;
# 2. dpkg-deb -I / -c: prints each package's control fields and size, and
#    checks the files, conffiles and maintainer scripts each must carry;
# 3. lintian, when installed: no error allowed (warnings are printed);
# 4. as root with debootstrap installed: deploy/package-check.sh installs,
#    upgrades and purges them in a clean Debian 12 root (cache folder:
#    KIOSK_PACKAGE_CACHE, default /var/cache/kiosk-clean-root); otherwise it
#    says why it is skipped.
# Exit 0 when all ran pass, 1 otherwise.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
build=${1:-build}
status=0
say() { echo "packages: $*"; }
bad() { say "FAIL $*"; status=1; }

t0=$SECONDS
rm -f "$build"/huanglong-kiosk*_*.deb
(cd "$build" && cpack -G DEB >cpack.log 2>&1) || { cat "$build/cpack.log"; say "FAIL cpack"; exit 1; }
kdeb=$(ls "$build"/huanglong-kiosk_*.deb 2>/dev/null | head -1)
hdeb=$(ls "$build"/huanglong-kiosk-hub_*.deb 2>/dev/null | head -1)
[ -f "$kdeb" ] && [ -f "$hdeb" ] || { say "FAIL cpack made no huanglong-kiosk and huanglong-kiosk-hub packages"; exit 1; }
say "built in $((SECONDS - t0)) s: $(basename "$kdeb") $(du -k "$kdeb" | cut -f1) KB, $(basename "$hdeb") $(du -k "$hdeb" | cut -f1) KB"

inspect() { # inspect DEB "FILES..." "CONFFILES..." "DEPENDS..."
  local deb=$1 files=$2 conf=$3 deps=$4 f list info
  list=$(dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|')
  info=$(dpkg-deb -I "$deb")
  echo "$info" | sed -n 's/^ \(Package\|Version\|Architecture\|Installed-Size\|Depends\): /  \1: /p'
  for f in $files; do echo "$list" | grep -qx "$f" || bad "$(basename "$deb"): $f missing"; done
  for f in $conf; do dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles | grep -qx "$f" ||
    bad "$(basename "$deb"): $f is not a conffile"; done
  for f in postinst prerm postrm; do echo "$info" | grep -q " $f " || bad "$(basename "$deb"): no $f"; done
  for f in $deps; do echo "$info" | grep '^ Depends:' | grep -q "\b$f\b" || bad "$(basename "$deb"): does not depend on $f"; done
  if echo "$list" | grep -vE '^/(usr|etc|lib)/' | grep -q .; then bad "$(basename "$deb"): files outside /usr, /etc, /lib"; fi
}
say "$(basename "$kdeb"):"
inspect "$kdeb" "/usr/bin/kiosk /usr/share/huanglong-kiosk/content/content.json /usr/share/huanglong-kiosk/content/map.geojson
  /lib/systemd/system/kiosk-session.service /usr/libexec/huanglong-kiosk/kiosk-session /etc/huanglong-kiosk/kiosk.json
  /usr/share/doc/huanglong-kiosk/copyright /usr/share/doc/huanglong-kiosk/operations.md
  /usr/share/doc/huanglong-kiosk/examples/kiosk.example.json" \
  "/etc/huanglong-kiosk/kiosk.json" \
  "fonts-noto-cjk fonts-material-design-icons-iconfont fontconfig cage xwayland seatd libegl-mesa0 adduser libsdl2-2.0-0 libsystemd0"
say "$(basename "$hdeb"):"
inspect "$hdeb" "/usr/bin/kiosk-hub /usr/bin/kioskctl /usr/bin/kiosk-hub-load /lib/systemd/system/kiosk-hub.service
  /etc/default/kiosk-hub /usr/share/doc/huanglong-kiosk-hub/copyright /usr/share/doc/huanglong-kiosk-hub/hub.md" \
  "/etc/default/kiosk-hub" "libmicrohttpd12 libsqlite3-0 libssl3 libcurl4"

if command -v lintian >/dev/null; then
  out=$(lintian --tag-display-limit 0 "$kdeb" "$hdeb" 2>&1 | grep -v '^running with root privileges')
  [ -n "$out" ] && echo "$out" | sed 's/^/  /'
  errors=$(echo "$out" | grep -c '^E:')
  say "lintian: $errors errors, $(echo "$out" | grep -c '^W:') warnings"
  [ "$errors" -eq 0 ] || bad "lintian errors"
else
  say "lintian is not installed: skipped (deploy/install-deps.sh installs it)"
fi

if [ "$(id -u)" -ne 0 ]; then
  say "clean-root install check skipped: it needs root (sudo deploy/test.sh)"
elif ! command -v debootstrap >/dev/null && [ ! -s "${KIOSK_PACKAGE_CACHE:-/var/cache/kiosk-clean-root}/bookworm-minbase.tar.gz" ]; then
  say "clean-root install check skipped: debootstrap is not installed (apt-get install debootstrap) and no cached base"
else
  t1=$SECONDS
  bash deploy/package-check.sh --cache "${KIOSK_PACKAGE_CACHE:-/var/cache/kiosk-clean-root}" "$kdeb" "$hdeb" ||
    bad "deploy/package-check.sh"
  say "clean-root install check took $((SECONDS - t1)) s"
fi
exit $status
