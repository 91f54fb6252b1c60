/* kiosk-hub --migrate-from FILE --db postgresql://...: a populated SQLite
 * hub database (kiosks, requests with their history, staff accounts, audit,
 * bookings and their leases, content releases) copied into an empty
 * PostgreSQL database; every table of the file compared row by row, column by
 * column; a second run refused (the target holds data); the migrated
 * database opens as a hub store and takes new rows after the copied ids. */
#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hubstore.h"
#include "ktest.h"
#include "pgtest.h"

static int run(struct hubstore *st, struct hubstore_job *j)
{
    return hubstore_run(st, j) == KERR_OK ? j->result : -1;
}

static void populate(const char *file)
{
    struct hubstore *st = NULL;
    struct hubstore_job j;
    sqlite3 *db;
    char body[256];
    CHECK(hubstore_open(file, NULL, &st) == KERR_OK);
    if (!st) return;
    for (int k = 0; k < 3; k++) {
        memset(&j, 0, sizeof j);
        j.op = HUBSTORE_KIOSK_ADD;
        snprintf(j.kiosk_id, sizeof j.kiosk_id, "lobby-%d", k);
        memset(j.token_hash, k + 1, 32);
        CHECK(run(st, &j) == 201);
        j.op = HUBSTORE_HEARTBEAT;
        snprintf(j.version, sizeof j.version, "1.%d", k);
        j.has_screen_on = k == 1;
        j.screen_on = true;
        CHECK(run(st, &j) == 204);
    }
    memset(&j, 0, sizeof j);
    j.op = HUBSTORE_KIOSK_REVOKE;
    snprintf(j.kiosk_id, sizeof j.kiosk_id, "lobby-2");
    CHECK(run(st, &j) == 204);
    memset(&j, 0, sizeof j);
    j.op = HUBSTORE_USER_ADD;
    snprintf(j.user, sizeof j.user, "wang.li");
    snprintf(j.role, sizeof j.role, "handler");
    snprintf(j.pw_hash, sizeof j.pw_hash, "$scrypt$sample");
    CHECK(run(st, &j) == 201);
    for (int i = 1; i <= 40; i++) {
        memset(&j, 0, sizeof j);
        j.op = HUBSTORE_REQ_PUT;
        snprintf(j.kiosk_id, sizeof j.kiosk_id, "lobby-%d", i % 2);
        api_ticket_format(j.ticket, j.kiosk_id, (uint64_t)i);
        snprintf(j.idem_key, sizeof j.idem_key, "00000000-0000-4000-8000-%012d", i);
        snprintf(j.category, sizeof j.category, "repair");
        {
            char ck[16];
            snprintf(ck, sizeof ck, "%06d", 100000 + i);
            memcpy(j.check, ck, 6);
            j.check[6] = '\0';
        }
        snprintf(body, sizeof body,
                 "{\"ticket\":\"%s\",\"contact_name\":\"示例 王%d\",\"phone\":\"1380000%04d\","
                 "\"description\":\"示例：空调 %d\",\"check\":\"%s\"}", j.ticket, i, i, i, j.check);
        j.body = body;
        memcpy(j.body_hash, &i, sizeof i);
        CHECK(run(st, &j) == 201);
        if (i % 4 == 0) {
            char t[API_TICKET_SIZE];
            snprintf(t, sizeof t, "%s", j.ticket);
            memset(&j, 0, sizeof j);
            j.op = HUBSTORE_STATUS_SET;
            snprintf(j.ticket, sizeof j.ticket, "%s", t);
            snprintf(j.status, sizeof j.status, "accepted");
            snprintf(j.note, sizeof j.note, "示例备注 %d", i);
            j.has_note = true;
            snprintf(j.actor, sizeof j.actor, "wang.li");
            CHECK(run(st, &j) == 200);
            memset(&j, 0, sizeof j);
            j.op = HUBSTORE_ASSIGN;
            snprintf(j.ticket, sizeof j.ticket, "%s", t);
            snprintf(j.user, sizeof j.user, "wang.li");
            CHECK(run(st, &j) == 200);
        }
    }
    hubstore_close(st);
    /* bookings, their leases and a content release, as their files write them */
    CHECK(sqlite3_open(file, &db) == SQLITE_OK);
    CHECK(sqlite3_exec(db,
                       "INSERT INTO bookings(code,room,tower,slot_start,slot_end,checkin_from,"
                       "checkin_until,release_at,state,kiosk_id,idem_key,body_hash,phone,phone_last4,"
                       "phone_day,lang,created_at,updated_at) VALUES"
                       "('A1B2','nr-1','t1',1800000000,1800001800,1799999700,1800000600,1800000600,"
                       "'confirmed','lobby-0','k1',x'00ff10','13800001234','1234',20833,'zh','x','x'),"
                       "('C3D4','nr-1','t1',1800001800,1800003600,1800001500,1800002400,1800002400,"
                       "'cancelled','lobby-1','k2',x'0a0b','13800005678','5678',20833,NULL,'x','x');"
                       "INSERT INTO booking_leases VALUES('nr-1',1800003600,'lobby-0','x');"
                       "INSERT INTO content_releases VALUES(3,1024,1,2,3,4,"
                       "'49abd65bbf7f7e40c7055093ed2e3fd75f2f602f2c5fcf955c213e3135eb03f7',"
                       "'all','[]','{}',0);"
                       "INSERT INTO content_releases VALUES(4,1024,1,2,3,4,'ab','all','[]','{}',0);"
                       /* v2: below the two newest and on no kiosk: the sweep at the
                        * migration's open purges it, so its file is not copied */
                       "INSERT INTO content_releases VALUES(2,1024,1,2,3,4,"
                       "'49abd65bbf7f7e40c7055093ed2e3fd75f2f602f2c5fcf955c213e3135eb03f7',"
                       "'all','[]','{}',0);"
                       "INSERT INTO content_kiosks VALUES('lobby-0','t1',3,3,1800000000,'');",
                       NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(db);
    { /* v3's bundle file beside the database, as the SQLite hub keeps it (1024 x, the
       * SHA-256 above); v4's is missing */
        char path[128];
        FILE *f;
        snprintf(path, sizeof path, "%s.content", file);
        mkdir(path, 0700);
        for (int v = 2; v <= 3; v++) { /* v2's matches too: only the purge leaves it out */
            snprintf(path, sizeof path, "%s.content/bundle-%d.tar", file, v);
            f = fopen(path, "wb");
            CHECK(f != NULL);
            if (f) {
                for (int i = 0; i < 1024; i++) fputc('x', f);
                fclose(f);
            }
        }
    }
}

/* Every row of every table of the file equals the copy's, as text (a blob
 * as PostgreSQL's \x hex). Returns the tables compared. */
static int compare(const char *file, PGconn *c, long long *rows)
{
    sqlite3 *db;
    sqlite3_stmt *t;
    int tables = 0;
    *rows = 0;
    CHECK(sqlite3_open_v2(file, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);
    sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE"
                           " 'sqlite_%' ORDER BY rowid", -1, &t, NULL);
    while (sqlite3_step(t) == SQLITE_ROW) {
        char sql[1400], cols[1024] = "";
        const char *name = (const char *)sqlite3_column_text(t, 0);
        sqlite3_stmt *s;
        PGresult *r;
        int ncol, row = 0, diff = 0;
        snprintf(sql, sizeof sql, "SELECT * FROM %s ORDER BY 1, 2", name);
        sqlite3_prepare_v2(db, sql, -1, &s, NULL);
        ncol = sqlite3_column_count(s);
        for (int i = 0; i < ncol; i++) {
            size_t l = strlen(cols);
            snprintf(cols + l, sizeof cols - l, "%s%s", i ? "," : "", sqlite3_column_name(s, i));
        }
        snprintf(sql, sizeof sql, "SELECT %s FROM %s ORDER BY 1, 2", cols, name);
        r = PQexec(c, sql);
        CHECK(PQresultStatus(r) == PGRES_TUPLES_OK);
        while (sqlite3_step(s) == SQLITE_ROW) {
            for (int i = 0; i < ncol && row < PQntuples(r); i++) {
                char want[512];
                if (sqlite3_column_type(s, i) == SQLITE_NULL) {
                    diff += !PQgetisnull(r, row, i);
                    continue;
                }
                if (sqlite3_column_type(s, i) == SQLITE_BLOB) {
                    const unsigned char *b = sqlite3_column_blob(s, i);
                    int n = sqlite3_column_bytes(s, i);
                    snprintf(want, sizeof want, "\\x");
                    for (int k = 0; k < n && k < 200; k++)
                        snprintf(want + 2 + 2 * k, sizeof want - 2 - 2 * (size_t)k, "%02x", b[k]);
                } else {
                    snprintf(want, sizeof want, "%s", (const char *)sqlite3_column_text(s, i));
                }
                if (PQgetisnull(r, row, i) || strcmp(want, PQgetvalue(r, row, i)) != 0) {
                    if (diff < 3)
                        fprintf(stderr, "%s row %d %s: \"%s\" != \"%s\"\n", name, row,
                                sqlite3_column_name(s, i), want, PQgetvalue(r, row, i));
                    diff++;
                }
            }
            row++;
        }
        CHECK(diff == 0);
        CHECK(row == PQntuples(r));
        printf("compared %s: %d rows\n", name, row);
        *rows += row;
        PQclear(r);
        sqlite3_finalize(s);
        tables++;
    }
    sqlite3_finalize(t);
    sqlite3_close(db);
    return tables;
}

static int hub_migrate(const char *hub, const char *file, const char *url)
{
    pid_t p = fork();
    int status = 0;
    if (p == 0) {
        execl(hub, hub, "--migrate-from", file, "--db", url, (char *)NULL);
        _exit(127);
    }
    waitpid(p, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int main(int argc, char **argv)
{
    char dir[] = "/tmp/hubmigrate.XXXXXX", file[64], url[1024], cmd[160];
    PGconn *c;
    long long rows = 0;
    int tables;
    if (argc < 2 || !mkdtemp(dir)) return 2;
    snprintf(file, sizeof file, "%s/hub.db", dir);
    populate(file);
    pgtest_fresh_db("hubpg_migrate", url, sizeof url);
    CHECK(hub_migrate(argv[1], "/nonexistent/hub.db", url) == 1);
    CHECK(hub_migrate(argv[1], file, "/tmp/not-a-url.db") == 2);
    CHECK(hub_migrate(argv[1], file, url) == 0);
    c = pgtest_conn("hubpg_migrate");
    tables = compare(file, c, &rows);
    CHECK(tables == 9); /* kiosks requests history users audit content x2 bookings leases */
    CHECK(rows > 100);
    CHECK(pgtest_num(c, "SELECT count(*) FROM requests") == 40);
    CHECK(pgtest_num(c, "SELECT count(*) FROM bookings") == 2);
    /* the bundle file that matches its release is in the database, every hub serves it */
    CHECK(pgtest_num(c, "SELECT count(*) FROM content_bundles") == 1);
    CHECK(pgtest_num(c, "SELECT length(data) FROM content_bundles WHERE version = 3") == 1024);
    CHECK(pgtest_num(c, "SELECT count(*) FROM content_releases WHERE purged <> 0 AND version = 2")
          == 1);
    /* a second run into the same database changes nothing */
    CHECK(hub_migrate(argv[1], file, url) == 1);
    CHECK(pgtest_num(c, "SELECT count(*) FROM requests") == 40);
    /* the copy is a hub store: new rows get ids after the copied ones */
    {
        struct hubstore *st = NULL;
        struct hubstore_job j;
        int64_t n = 0;
        long long before = pgtest_num(c, "SELECT max(id) FROM audit");
        CHECK(hubstore_open(url, NULL, &st) == KERR_OK);
        if (st) {
            CHECK(hubstore_request_count(st, &n) == KERR_OK && n == 40);
            memset(&j, 0, sizeof j);
            j.op = HUBSTORE_KIOSK_REVOKE;
            snprintf(j.kiosk_id, sizeof j.kiosk_id, "lobby-1");
            CHECK(hubstore_run(st, &j) == KERR_OK && j.result == 204);
            hubstore_close(st);
        }
        CHECK(pgtest_num(c, "SELECT max(id) FROM audit") == before + 1);
    }
    PQfinish(c);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
    return ktest_done("hub_migrate");
}
