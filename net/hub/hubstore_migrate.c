/* hubstore_migrate: a district's SQLite hub database copied into PostgreSQL
 * (kiosk-hub --migrate-from FILE --db postgresql://...). See hubstore.h. */
#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "csign.h"
#include "klog.h"

#include "hubstore.h"
#include "hubstore_pg.h"

#define MAX_COLS 40
#define BUNDLE_MAX (64u << 20)

static bool pg_ok(PGconn *c, PGresult *r, const char *what)
{
    ExecStatusType s = PQresultStatus(r);
    bool ok = s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
    if (!ok) KLOGE("migrate", "%s: %s", what, PQerrorMessage(c));
    PQclear(r);
    return ok;
}

/* Copies table t (its rows in rowid order, every column by name) from db to
 * c; *n = rows copied. false on an error (logged). */
static bool copy_table(sqlite3 *db, PGconn *c, const char *t, long long *n)
{
    char sql[2048], ins[4096];
    sqlite3_stmt *s = NULL;
    int ncol, len;
    bool ok = false;
    *n = 0;
    snprintf(sql, sizeof sql, "SELECT * FROM \"%s\"", t);
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
        KLOGE("migrate", "%s: %s", t, sqlite3_errmsg(db));
        return false;
    }
    ncol = sqlite3_column_count(s);
    if (ncol > MAX_COLS) goto out;
    len = snprintf(ins, sizeof ins, "INSERT INTO \"%s\"(", t);
    for (int i = 0; i < ncol; i++)
        len += snprintf(ins + len, sizeof ins - (size_t)len, "%s\"%s\"", i ? "," : "",
                        sqlite3_column_name(s, i));
    len += snprintf(ins + len, sizeof ins - (size_t)len, ") VALUES(");
    for (int i = 0; i < ncol; i++)
        len += snprintf(ins + len, sizeof ins - (size_t)len, "%s$%d", i ? "," : "", i + 1);
    len += snprintf(ins + len, sizeof ins - (size_t)len, ")");
    if (len >= (int)sizeof ins - 1) goto out;
    if (!pg_ok(c, PQprepare(c, "", ins, 0, NULL), t)) goto out;
    for (;;) {
        const char *v[MAX_COLS];
        int vlen[MAX_COLS], fmt[MAX_COLS], rc = sqlite3_step(s);
        if (rc == SQLITE_DONE) break;
        if (rc != SQLITE_ROW) {
            KLOGE("migrate", "%s: %s", t, sqlite3_errmsg(db));
            goto out;
        }
        for (int i = 0; i < ncol; i++) {
            int type = sqlite3_column_type(s, i);
            fmt[i] = type == SQLITE_BLOB; /* bytea, binary */
            v[i] = type == SQLITE_NULL   ? NULL
                   : type == SQLITE_BLOB ? (const char *)sqlite3_column_blob(s, i)
                                         : (const char *)sqlite3_column_text(s, i);
            vlen[i] = sqlite3_column_bytes(s, i);
        }
        if (!pg_ok(c, PQexecPrepared(c, "", ncol, v, vlen, fmt, 0), t)) goto out;
        ++*n;
    }
    ok = true;
out:
    sqlite3_finalize(s);
    return ok;
}

/* The bundle files of the file's releases (<file>.content/bundle-V.tar,
 * as the SQLite hub keeps them) into table content_bundles, where every hub
 * on the database serves them from; a file missing or not matching its
 * release row is logged and left out (a hub then serves it only from a copy
 * of the file in its --state-dir). *n: bundles copied. */
static bool copy_bundles(sqlite3 *db, PGconn *c, const char *file, long long *n)
{
    sqlite3_stmt *s = NULL;
    bool ok = true;
    *n = 0;
    /* not those the retention sweep purged: their files are gone */
    if (sqlite3_prepare_v2(db, "SELECT version, size, sha256 FROM content_releases WHERE purged = 0",
                           -1, &s, NULL) != SQLITE_OK)
        return false;
    while (ok && sqlite3_step(s) == SQLITE_ROW) {
        long long v = sqlite3_column_int64(s, 0), size = sqlite3_column_int64(s, 1);
        const char *sha = (const char *)sqlite3_column_text(s, 2);
        char path[4200], ver[24], got[CSIGN_SHA256_SIZE];
        unsigned char *buf = NULL;
        size_t len = 0;
        FILE *f;
        snprintf(path, sizeof path, "%s.content/bundle-%lld.tar", file, v);
        f = fopen(path, "rb");
        if (f && size > 0 && size <= (long long)BUNDLE_MAX && (buf = malloc((size_t)size + 1)))
            len = fread(buf, 1, (size_t)size + 1, f);
        if (f) fclose(f);
        if (buf && len == (size_t)size) csign_sha256_hex(buf, len, got);
        if (!buf || len != (size_t)size || !sha || strcmp(got, sha) != 0) {
            KLOGW("migrate", "content v%lld: no bundle file matching its release at %s; left out",
                  v, path);
        } else {
            const char *pv[2] = {ver, (const char *)buf};
            int pl[2] = {0, (int)len}, pf[2] = {0, 1};
            snprintf(ver, sizeof ver, "%lld", v);
            ok = pg_ok(c, PQexecParams(c, "INSERT INTO content_bundles(version, data)"
                                          " VALUES($1::bigint, $2)", 2, NULL, pv, pl, pf, 0),
                       "content_bundles");
            if (ok) (*n)++;
        }
        free(buf);
    }
    sqlite3_finalize(s);
    return ok;
}

enum kerr hubstore_copy_to_pg(const char *file, const char *url, FILE *report)
{
    struct hubstore *st = NULL;
    struct stat sb;
    sqlite3 *db = NULL;
    sqlite3_stmt *s = NULL;
    PGconn *c = NULL;
    enum kerr res = KERR_DB;
    if (hubpg_is_url(file) || !hubpg_is_url(url)) return KERR_USAGE;
    if (stat(file, &sb) != 0) return KERR_NOTFOUND;
    /* both to this hub's schema, as kiosk-hub does at start */
    if (hubstore_open(file, NULL, &st) != KERR_OK) return KERR_DB;
    hubstore_close(st);
    if (hubstore_open(url, NULL, &st) != KERR_OK) return KERR_DB;
    hubstore_close(st);
    if (sqlite3_open_v2(file, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) goto out;
    if (!(c = PQconnectdb(url)) || PQstatus(c) != CONNECTION_OK) {
        KLOGE("migrate", "cannot connect to PostgreSQL: %s", c ? PQerrorMessage(c) : "no memory");
        goto out;
    }
    /* one transaction on each side: a consistent snapshot in, all or nothing out */
    if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
        !pg_ok(c, PQexec(c, "BEGIN"), "begin"))
        goto out;
    {
        PGresult *r = PQexec(c, "SELECT (SELECT count(*) FROM kiosks) + (SELECT count(*) FROM requests)"
                                " + (SELECT count(*) FROM users) + (SELECT count(*) FROM bookings)"
                                " + (SELECT count(*) FROM audit)");
        bool empty = PQresultStatus(r) == PGRES_TUPLES_OK && strcmp(PQgetvalue(r, 0, 0), "0") == 0;
        PQclear(r);
        if (!empty) {
            KLOGE("migrate", "the PostgreSQL database already holds hub data: migrate into an "
                             "empty one");
            res = KERR_CONFLICT;
            goto out;
        }
    }
    /* every table of the file, in the order it was created (a table comes
     * after the ones it references) */
    if (sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name"
                               " NOT LIKE 'sqlite_%' ORDER BY rowid", -1, &s, NULL) != SQLITE_OK)
        goto out;
    while (sqlite3_step(s) == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(s, 0);
        long long n;
        if (!copy_table(db, c, t, &n)) goto out;
        if (report) fprintf(report, "%s %lld\n", t, n);
    }
    {
        long long n;
        if (!copy_bundles(db, c, file, &n)) goto out;
        if (report) fprintf(report, "content_bundles %lld\n", n);
    }
    /* the identity columns go on after the copied ids */
    if (!pg_ok(c, PQexec(c, "SELECT setval(pg_get_serial_sequence(t, 'id'), m, false)"
                            " FROM (SELECT 'history' t, (SELECT coalesce(max(id), 0) + 1 FROM history) m"
                            " UNION ALL SELECT 'audit', (SELECT coalesce(max(id), 0) + 1 FROM audit)"
                            " UNION ALL SELECT 'bookings', (SELECT coalesce(max(id), 0) + 1"
                            " FROM bookings)) x"), "sequences") ||
        !pg_ok(c, PQexec(c, "COMMIT"), "commit"))
        goto out;
    res = KERR_OK;
out:
    sqlite3_finalize(s);
    sqlite3_close(db);
    PQfinish(c);
    return res;
}
