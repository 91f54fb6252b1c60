#!/bin/sh
# pg_server.sh start|stop STATEFILE
# A throwaway PostgreSQL 15 for the hub's tests: initdb + pg_ctl from the
# Debian server package (postgresql-15, deploy/install-deps.sh), found with
# `pg_config --bindir` or under /usr/lib/postgresql/15/bin; a data folder in a
# new temp folder, a unix socket in that folder and no TCP at all; trust for
# the local socket only (the folder is 0700, owned by the server's user).
# PostgreSQL refuses to run as root, so as root the server runs as the user
# `nobody` (runuser). start writes the socket folder into STATEFILE (the tests
# read it: tests/pg/pgtest.h); stop stops the server and deletes the folder.
set -eu
cmd=${1:?start or stop}
state=${2:?state file}

bindir=""
for d in "$(pg_config --bindir 2>/dev/null || true)" /usr/lib/postgresql/15/bin; do
  if [ -n "$d" ] && [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then bindir=$d; break; fi
done
if [ -z "$bindir" ]; then
  echo "pg_server.sh: no initdb/pg_ctl (install postgresql-15: deploy/install-deps.sh)" >&2
  exit 1
fi

as_server() { # runs "$@" as the server's user
  if [ "$(id -u)" = 0 ]; then runuser -u nobody -- "$@"; else "$@"; fi
}

case $cmd in
start)
  if [ -f "$state" ]; then "$0" stop "$state" || true; fi
  dir=$(mktemp -d /tmp/kiosk-pgtest.XXXXXX)
  if [ "$(id -u)" = 0 ]; then chown nobody "$dir"; fi
  chmod 0700 "$dir"
  as_server "$bindir/initdb" -D "$dir/data" -U kiosktest --auth=trust -E UTF8 --locale=C.UTF-8 \
    --no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
  # fsync stays on: the durability tests kill hubs, not the server.
  # deadlock_timeout 50ms (default 1 s): the contended booking test's
  # exclusion-constraint deadlocks are found at once, not after a second
  # each (a slow, loaded client ran into the test's timeout)
  as_server "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses='' -c unix_socket_directories='$dir' -c max_connections=300 -c shared_buffers=64MB -c deadlock_timeout=50ms" \
    start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
  echo "$dir" >"$state"
  echo "pg_server.sh: PostgreSQL ($bindir) on the socket in $dir"
  ;;
stop)
  [ -f "$state" ] || exit 0
  dir=$(cat "$state")
  if [ -d "$dir/data" ]; then
    as_server "$bindir/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null 2>&1 || true
  fi
  case $dir in /tmp/kiosk-pgtest.*) rm -rf "$dir" ;; esac
  rm -f "$state"
  ;;
*) echo "usage: pg_server.sh start|stop STATEFILE" >&2; exit 2 ;;
esac
