#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test: the normal build
# (gcc), the ASan+UBSan build, and the libFuzzer targets (clang, bounded in
# time), then the Debian packages (deploy/packages.sh). Prints each suite's
# summary; exits non-zero if any test failed.
# Options: --quick (normal build only).
set -uo pipefail
cd "$(dirname "$0")/.."
quick=0
[ "${1:-}" = "--quick" ] && quick=1
jobs=$(nproc)

bash deploy/install-deps.sh || exit 1
status=0
summary=()

suite() { # suite NAME BUILD_DIR CTEST_ARGS -- CMAKE_ARGS...
  local name=$1 dir=$2 cargs=$3; shift 4
  local t0=$SECONDS
  echo "=== $name: configure and build ($dir)"
  mkdir -p "$dir"
  if ! cmake -S . -B "$dir" "$@" >"$dir.configure.log" 2>&1; then
    cat "$dir.configure.log"; status=1; summary+=("$name: configure FAILED"); return
  fi
  if ! cmake --build "$dir" -j"$jobs" >"$dir.build.log" 2>&1; then
    grep -E "error|Error" "$dir.build.log" | head -40; status=1; summary+=("$name: build FAILED"); return
  fi
  echo "=== $name: ctest"
  # shellcheck disable=SC2086
  ctest --test-dir "$dir" -j"$jobs" --output-on-failure $cargs
  local rc=$?
  [ $rc -ne 0 ] && status=1
  summary+=("$name: ctest exit $rc in $((SECONDS - t0)) s")
}

suite "normal build" build "" -- -DCMAKE_BUILD_TYPE=RelWithDebInfo -UKIOSK_MODULES -UKIOSK_TEST_DIRS
if [ $quick -eq 0 ]; then
  # the benchmarks (label bench) print figures, which mean nothing under the
  # sanitizers; the code they time runs under ASan in the functional tests
  suite "ASan+UBSan build" build-asan "-LE bench" -- -DCMAKE_BUILD_TYPE=Debug -DKIOSK_SANITIZE=ON -UKIOSK_MODULES -UKIOSK_TEST_DIRS
  suite "libFuzzer (clang)" build-fuzz "-L fuzz" -- -DCMAKE_C_COMPILER=clang \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKIOSK_FUZZ=ON -DKIOSK_SANITIZE=ON
fi

# Debian packages (issue 15): made from the normal build with CPack,
# inspected (dpkg-deb, lintian), and installed, upgraded and purged in a clean
# Debian 12 root when running as root with debootstrap (deploy/packages.sh).
if [ $quick -eq 0 ] && [ -x build/kiosk/main/kiosk ]; then
  t_pk=$SECONDS
  echo "=== Debian packages (deploy/packages.sh)"
  if bash deploy/packages.sh build; then
    summary+=("Debian packages: ok in $((SECONDS - t_pk)) s")
  else
    status=1
    summary+=("Debian packages: FAILED after $((SECONDS - t_pk)) s")
  fi
fi

echo "=== summary"
printf '%s\n' "${summary[@]}"
exit $status
