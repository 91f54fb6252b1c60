#!/bin/sh
# POSTs/s and p99 of kiosk-hub over HTTP on loopback, SQLite and PostgreSQL
# side by side, at 1, 4 and 16 client connections: the same kiosk-hub-load
# (net/hub/hubload.c) against one hub of each backend; every POST must be
# answered 201 (the load tool fails otherwise). Never fails on speed.
# Usage: bench_hub_http.sh KIOSK_HUB KIOSK_HUB_LOAD PG_STATEFILE [POSTS]
set -eu
hub=$1 load=$2 state=$3 posts=${4:-3000}
sock=$(cat "$state")
dir=$(mktemp -d /tmp/hubhttpbench.XXXXXX)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$dir/token"
db=hubhttpbench_$$
psql "host=$sock user=kiosktest dbname=postgres" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1
psql "host=$sock user=kiosktest dbname=postgres" -qc "CREATE DATABASE $db" >/dev/null

run() { # backend: prints "posts_per_s p99_ms" for 1, 4, 16 connections
  case $1 in
  sqlite) set -- --db "$dir/hub.db" ;;
  pg) mkdir -p "$dir/state"; set -- --db "postgresql:///$db?host=$sock&user=kiosktest" --state-dir "$dir/state" ;;
  esac
  rm -f "$dir/port"
  "$hub" --listen 127.0.0.1:0 "$@" --admin-token-file "$dir/token" --port-file "$dir/port" \
    --rate 1000000/s --burst 1000000 --max-conns-per-ip 4096 --quiet 2>>"$dir/hub.log" &
  pid=$!
  for _ in $(seq 100); do [ -s "$dir/port" ] && break; sleep 0.1; done
  for c in 1 4 16; do
    n=$posts
    [ "$c" = 1 ] && n=$((posts / 3))
    "$load" --hub "127.0.0.1:$(cat "$dir/port")" --token-file "$dir/token" --posts "$n" \
      --conns "$c" --kiosks 50 --beat-kiosks 0 --run-id "$c" >"$dir/out" 2>&1 ||
      { cat "$dir/out" >&2; exit 1; }
    grep '^hub_load posts=' "$dir/out" | sed 's/.*posts_per_s=\([0-9.]*\).*p50_ms=\([0-9.]*\) p99_ms=\([0-9.]*\).*/\1 \2 \3/'
  done
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
}
run sqlite >"$dir/sqlite"
run pg >"$dir/pg"
echo "kiosk-hub over HTTP on loopback, new help requests (POST /api/v1/requests), answered after COMMIT"
echo "clients | SQLite POSTs/s  p50 ms  p99 ms | PostgreSQL POSTs/s  p50 ms  p99 ms"
i=0
for c in 1 4 16; do
  i=$((i + 1))
  s=$(sed -n "${i}p" "$dir/sqlite") p=$(sed -n "${i}p" "$dir/pg")
  # shellcheck disable=SC2086
  printf '%7s | %14s %7s %7s | %18s %7s %7s\n' "$c" $s $p
done
