#!/usr/bin/env bash
# Installs every Debian 12 package the project needs to build, run and test.
# Idempotent: packages already present are skipped, so a second run is quick.
# Must run as root (CI and the kiosk image run it as root); prints what it does.
set -euo pipefail

PKGS=(
  # toolchain; llvm gives llvm-symbolizer, which clang's sanitizers (the
  # libFuzzer build) need to name the frames of a report
  build-essential cmake pkg-config clang libclang-rt-14-dev llvm
  # UI: window, text, images
  libsdl2-dev libsdl2-ttf-dev libsdl2-image-dev libfontconfig-dev fontconfig
  fonts-noto-cjk fonts-material-design-icons-iconfont
  # data, network, service
  libcjson-dev libsqlite3-dev sqlite3 libcurl4-openssl-dev libmicrohttpd-dev libsystemd-dev libssl-dev
  ca-certificates openssl
  # input method and QR codes
  libpinyin15-dev libpinyin-data libqrencode-dev
  # the service-circle map: anti-aliased polygons and lines
  libcairo2-dev
  # tests: a standard JSON Schema validator and YAML (tests/*/check_*.py), a
  # real X server for windowed runs; the test scripts also use openssl (TLS
  # certificates, test_tls.c) and cmp/od/mktemp/base64 (diffutils, coreutils:
  # in every Debian root, listed so a minimal root gets them for sure)
  python3 python3-jsonschema python3-yaml xvfb xauth coreutils diffutils findutils
  # tests: the reverse-proxy example (deploy/nginx-kiosk-hub.conf) run for real
  nginx
  # tests: the hub's web console and phone pages in a real browser (tests/web)
  chromium chromium-driver python3-selenium
  # the kiosk session (issue 15): the cage Wayland kiosk compositor and the
  # Xwayland it starts; grim takes the compositor's screenshot in the
  # headless session test; lintian inspects the Debian packages
  cage xwayland grim lintian
  # the packaging check makes a clean Debian 12 root (debootstrap) and boots it
  # with systemd-nspawn, so the units run under a real systemd
  # (deploy/package-check.sh)
  debootstrap systemd-container
  # signed content bundles: reading and writing their tar archives
  libarchive-dev
  # 语音播报 (voice prompts): the espeak-ng speech synthesiser as a library
  # (kiosk/voice/vsynth.c) and its voices (cmn-latn-pinyin, en)
  libespeak-ng-dev espeak-ng-data
  # the tones of hanzi readings (Unihan_Readings: kTGHZ2013, kXHC1983,
  # kMandarin), made into a table at build time (kiosk/voice/gen_pytone.py)
  unicode-data
  # the hub's PostgreSQL store (libpq, pipeline mode) and, for its tests, the
  # server binaries (initdb, pg_ctl under /usr/lib/postgresql/15/bin; they
  # include btree_gist) that tests/pg/pg_server.sh runs in a temp folder
  libpq-dev postgresql-15
)

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PKGS[@]} packages present"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing ${missing[*]}; run as root (sudo $0)" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y --no-install-recommends "${missing[@]}"
