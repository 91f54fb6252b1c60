"""The --db flags of a test's kiosk-hub: the SQLite file in the test's temp
folder, or, when the ctest fixture pg set KIOSK_TEST_PG_STATE (the _pg twins
of tests/pg/CMakeLists.txt), a fresh PostgreSQL database on the run's
throwaway server (tests/pg/pg_server.sh) with the hub's files in that folder."""
import os
import subprocess


def hub_db_args(tmpdir, name):
    """["--db", ...] for a hub whose temp folder is tmpdir; name: a database
    name for this test (letters, digits, _)."""
    state = os.environ.get("KIOSK_TEST_PG_STATE")
    if not state:
        return ["--db", os.path.join(tmpdir, "hub.db")]
    sock = open(state).read().strip()
    db = "%s_%d" % (name, os.getpid())
    admin = "host=%s user=kiosktest dbname=postgres" % sock
    subprocess.run(["psql", admin, "-qc", "DROP DATABASE IF EXISTS %s WITH (FORCE)" % db],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    subprocess.run(["psql", admin, "-qc", "CREATE DATABASE %s" % db], check=True,
                   stdout=subprocess.DEVNULL)
    return ["--db", "postgresql:///%s?host=%s&user=kiosktest" % (db, sock), "--state-dir", tmpdir]
