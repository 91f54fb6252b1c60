/* pgtest: a fresh PostgreSQL database for one test, on the server that
 * tests/pg/pg_server.sh started for the whole run (ctest fixture "pg": the
 * socket folder is in the file named by KIOSK_TEST_PG_STATE). Header-only:
 * each test executable includes it once. */
#ifndef PGTEST_H
#define PGTEST_H

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The server's socket folder into dir, or exits 1 with a message when the
 * fixture did not start one. */
static inline void pgtest_dir(char *dir, size_t cap)
{
    const char *state = getenv("KIOSK_TEST_PG_STATE");
    FILE *f = state ? fopen(state, "r") : NULL;
    if (!f || !fgets(dir, (int)cap, f)) {
        fprintf(stderr, "pgtest: no PostgreSQL test server (KIOSK_TEST_PG_STATE=%s; run through "
                        "ctest, whose fixture pg starts tests/pg/pg_server.sh)\n",
                state ? state : "unset");
        exit(1);
    }
    fclose(f);
    dir[strcspn(dir, "\n")] = '\0';
}

/* A connection to database db of the test server (exits on failure). */
static inline PGconn *pgtest_conn(const char *db)
{
    char dir[512], url[1024];
    PGconn *c;
    pgtest_dir(dir, sizeof dir);
    snprintf(url, sizeof url, "postgresql:///%s?host=%s&user=kiosktest", db, dir);
    c = PQconnectdb(url);
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "pgtest: connect %s: %s", db, PQerrorMessage(c));
        exit(1);
    }
    return c;
}

/* Drops and creates database name (letters, digits, _) and writes its URL
 * into url. */
static inline void pgtest_fresh_db(const char *name, char *url, size_t cap)
{
    char dir[512], sql[256];
    PGconn *c = pgtest_conn("postgres");
    PGresult *r;
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", name);
    PQclear(PQexec(c, sql));
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", name);
    r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        fprintf(stderr, "pgtest: %s: %s", sql, PQerrorMessage(c));
        exit(1);
    }
    PQclear(r);
    PQfinish(c);
    pgtest_dir(dir, sizeof dir);
    snprintf(url, cap, "postgresql:///%.40s?host=%.100s&user=kiosktest", name, dir);
}

/* The first column of the first row of sql on c as a number (-1 on error). */
static inline long long pgtest_num(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    long long v = -1;
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0) v = atoll(PQgetvalue(r, 0, 0));
    else fprintf(stderr, "pgtest: %s: %s", sql, PQerrorMessage(c));
    PQclear(r);
    return v;
}

#endif
