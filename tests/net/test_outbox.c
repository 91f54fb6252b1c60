/* The outbox on its own: tickets in sequence across reopen, a bounded queue
 * that refuses (never drops), bodies validated before storing, personal
 * fields erased from the file after retention, a damaged file moved aside.
 * Sample data only. */
#include <dirent.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kclock.h"
#include "ktest.h"
#include "outbox.h"

/* The form's part of a request (the outbox stamps ticket, kiosk, time, check). */
static void sample(struct api_help_request *r)
{
    memset(r, 0, sizeof *r);
    snprintf(r->category, sizeof r->category, "legal");
    r->company_id_null = true;
    snprintf(r->company_name, sizeof r->company_name, "示例公司");
    snprintf(r->contact_name, sizeof r->contact_name, "样例联系人");
    snprintf(r->phone, sizeof r->phone, "13912345678");
    snprintf(r->tower, sizeof r->tower, "t03");
    snprintf(r->description, sizeof r->description, "SAMPLE-PERSONAL-TEXT 样例");
    snprintf(r->lang, sizeof r->lang, "zh");
}

static enum kerr push(struct outbox *ob, int max, char t[API_TICKET_SIZE], char k[API_UUID_SIZE],
                      char check[API_CHECK_SIZE])
{
    struct api_help_request r;
    struct outbox_receipt rc;
    char key[API_UUID_SIZE];
    enum kerr e;
    sample(&r);
    e = outbox_push_request(ob, "HL-T01", &r, max, &rc, k ? k : key, NULL);
    memcpy(t, rc.ticket, API_TICKET_SIZE);
    if (check) memcpy(check, rc.check, API_CHECK_SIZE);
    return e;
}

/* The epoch and number of HL-T01-EEENNNNNN. */
static bool ticket_parts(const char *t, int *epoch, int *n)
{
    const char *d = strrchr(t, '-');
    if (!d || strlen(d + 1) != 9) return false;
    *epoch = (d[1] - '0') * 100 + (d[2] - '0') * 10 + (d[3] - '0');
    *n = atoi(d + 4);
    return true;
}

static char *stored_body(const char *path, const char *ticket)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    char *out = NULL;
    if (sqlite3_open(path, &db) != SQLITE_OK) return NULL;
    if (sqlite3_prepare_v2(db, "SELECT body FROM items WHERE ticket = ?1", -1, &st, NULL) ==
        SQLITE_OK) {
        sqlite3_bind_text(st, 1, ticket, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
            out = strdup((const char *)sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return out;
}

static bool file_contains(const char *path, const char *needle)
{
    FILE *f = fopen(path, "rb");
    size_t nl = strlen(needle), n;
    char *buf;
    bool found = false;
    if (!f) return false;
    buf = malloc(1 << 22);
    n = fread(buf, 1, 1 << 22, f);
    fclose(f);
    for (size_t i = 0; i + nl <= n && !found; i++) found = memcmp(buf + i, needle, nl) == 0;
    free(buf);
    return found;
}

static int count_corrupt(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    while (d && (e = readdir(d)))
        if (strstr(e->d_name, ".corrupt-") && !strstr(e->d_name, "-wal") && !strstr(e->d_name, "-shm"))
            n++;
    if (d) closedir(d);
    return n;
}

/* A version-1 file as the previous program left it: numbering from 1. */
static void make_v1(const char *path)
{
    sqlite3 *db;
    char *err = NULL;
    if (sqlite3_open(path, &db) != SQLITE_OK) return;
    sqlite3_exec(db,
                 "PRAGMA journal_mode=WAL;"
                 "CREATE TABLE meta(k TEXT PRIMARY KEY, v INTEGER NOT NULL) WITHOUT ROWID;"
                 "CREATE TABLE items(id INTEGER PRIMARY KEY AUTOINCREMENT,"
                 " idem_key TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, ticket TEXT UNIQUE,"
                 " category TEXT NOT NULL DEFAULT '', body TEXT, created_ms INTEGER NOT NULL,"
                 " state INTEGER NOT NULL DEFAULT 0, attempts INTEGER NOT NULL DEFAULT 0,"
                 " next_attempt_ms INTEGER, last_status INTEGER, last_error TEXT,"
                 " done_ms INTEGER, answer TEXT, erased INTEGER NOT NULL DEFAULT 0);"
                 "CREATE INDEX items_state ON items(state, id);"
                 "INSERT INTO meta VALUES('next_seq', 2);"
                 "INSERT INTO items(idem_key, kind, ticket, category, body, created_ms) VALUES("
                 " '0b7f3f0e-9b1c-4c1e-8a35-3f1d1c2b4a5e', 'request', 'HL-T01-000001', 'legal',"
                 " '{\"ticket\":\"HL-T01-000001\"}', 1);"
                 "PRAGMA user_version = 1;",
                 NULL, NULL, &err);
    if (err) fprintf(stderr, "make_v1: %s\n", err);
    sqlite3_free(err);
    sqlite3_close(db);
}

int main(void)
{
    static const struct outbox_opts ui = {.check = true, .ui_conn = true};
    static const struct outbox_opts snd = {.check = false, .ui_conn = false};
    char dir[] = "/tmp/outbox_test_XXXXXX", path[256], wal[300];
    char t[API_TICKET_SIZE], t1[API_TICKET_SIZE], k[API_UUID_SIZE], k1[API_UUID_SIZE];
    char c1[API_CHECK_SIZE], c2[API_CHECK_SIZE];
    struct outbox *ob = NULL, *ob2 = NULL;
    struct outbox_item items[8];
    struct outbox_local loc;
    struct outbox_counts cnt;
    struct outbox_damage dmg;
    int n = 0, erased, ep1, n1, ep, nn;
    int64_t next_due;

    if (!mkdtemp(dir)) return 1;
    snprintf(path, sizeof path, "%s/outbox.db", dir);
    snprintf(wal, sizeof wal, "%s-wal", path);

    CHECK(outbox_open(path, &ui, &ob, &dmg) == KERR_OK);
    CHECK(!dmg.moved_aside);
    CHECK(push(ob, 3, t1, k1, c1) == KERR_OK);
    /* <kiosk>-<epoch 100..999><000001>: a random epoch, counted within it */
    CHECK(ticket_parts(t1, &ep1, &n1));
    CHECK(ep1 >= 100 && ep1 <= 999 && n1 == 1);
    CHECK(api_ticket_of_kiosk(t1, "HL-T01"));
    CHECK(api_uuid_v4_valid(k1));
    CHECK(api_check_valid(c1));
    CHECK(push(ob, 3, t, k, c2) == KERR_OK);
    CHECK(ticket_parts(t, &ep, &nn) && ep == ep1 && nn == 2);
    CHECK(strcmp(k, k1) != 0);

    /* the stored body is the canonical encoding, byte for byte, with the check code */
    {
        struct api_help_request r;
        struct outbox_receipt rc;
        char *mine, *canon = NULL;
        sample(&r);
        snprintf(r.description, sizeof r.description, "quote\" back\\ slash/ nl\n 中文 \u00e9 end");
        snprintf(r.company_name, sizeof r.company_name, "示例\"公司\\");
        snprintf(r.company_id, sizeof r.company_id, "c012");
        r.company_id_null = false;
        CHECK(outbox_push_request(ob, "HL-T01", &r, 10, &rc, k, NULL) == KERR_OK);
        CHECK_STR(r.ticket, rc.ticket);
        CHECK_STR(r.check, rc.check);
        CHECK_STR(r.kiosk_id, "HL-T01");
        CHECK(api_time_valid(r.created_at));
        mine = stored_body(path, rc.ticket);
        CHECK(api_help_request_encode(&r, &canon) == KERR_OK);
        CHECK(mine && canon && strcmp(mine, canon) == 0);
        if (mine && canon && strcmp(mine, canon) != 0) fprintf(stderr, "%s\n%s\n", mine, canon);
        CHECK(mine && strstr(mine, "\"check\":\"") != NULL);
        free(mine);
        free(canon);
        /* and it is counted against the bound below: take it back out */
        CHECK(outbox_begin(ob) == KERR_OK);
        CHECK(outbox_mark_delivered(ob, 3, 201, "{}") == KERR_OK);
        CHECK(outbox_commit(ob) == KERR_OK);
    }

    /* invalid requests are refused before anything is stored */
    {
        struct api_help_request r;
        struct outbox_receipt rc;
        memset(&r, 0, sizeof r);
        CHECK(outbox_push_request(ob, "HL-T01", &r, 3, &rc, k, NULL) == KERR_INVALID);
        CHECK(rc.ticket[0] == '\0');
        sample(&r);
        memcpy(r.phone, "1391234567x", 11);
        CHECK(outbox_push_request(ob, "HL-T01", &r, 3, &rc, k, NULL) == KERR_INVALID);
        sample(&r);
        CHECK(outbox_push_request(ob, "bad/kiosk", &r, 3, &rc, k, NULL) == KERR_INVALID);
    }
    CHECK(outbox_counts(ob, &cnt) == KERR_OK);
    CHECK(cnt.pending == 2 && cnt.dead == 0 && cnt.lost == 0);
    CHECK(cnt.oldest_created_ms > 0 && cnt.oldest_created_ms <= kclock_wall_ms());

    /* bounded: the third fits, the fourth is refused with KERR_FULL */
    CHECK(push(ob, 3, t, k, NULL) == KERR_OK);
    CHECK(push(ob, 3, t, k, NULL) == KERR_FULL);
    CHECK(t[0] == '\0');
    CHECK(outbox_counts(ob, &cnt) == KERR_OK && cnt.pending == 3);

    /* a second connection (the sender's) sees them in order */
    CHECK(outbox_open(path, &snd, &ob2, NULL) == KERR_OK);
    CHECK(outbox_list_pending(ob2, 0, items, 8, &n) == KERR_OK);
    CHECK(n == 3);
    CHECK_STR(items[0].ticket, t1);
    CHECK_STR(items[0].receipt, t1);
    CHECK_STR(items[0].key, k1);
    CHECK(outbox_list_pending(ob2, items[1].id, items, 8, &n) == KERR_OK && n == 1);

    /* a local lookup needs the check code */
    CHECK(outbox_local(ob, t1, c1, &loc) == KERR_OK && loc.state == OUTBOX_PENDING);
    {
        char wrong[API_CHECK_SIZE];
        snprintf(wrong, sizeof wrong, "%06u", (unsigned)(atoi(c1) + 1) % 1000000u);
        CHECK(outbox_local(ob, t1, wrong, &loc) == KERR_NOTFOUND);
        CHECK(loc.category[0] == '\0');
        CHECK(outbox_local(ob, t1, "", &loc) == KERR_NOTFOUND);
        CHECK(outbox_local(ob, t1, "12345", &loc) == KERR_NOTFOUND);
    }

    /* renumbering after a 409 ticket-taken: a new epoch, the first ticket kept
     * as receipt (once), the body rewritten with both, lookups by the receipt */
    {
        char t2[API_TICKET_SIZE], t3[API_TICKET_SIZE], *b;
        struct api_help_request r;
        int e2, n2;
        CHECK(outbox_begin(ob2) == KERR_OK);
        CHECK(outbox_renumber(ob2, 1, "HL-T01", t2) == KERR_OK);
        CHECK(outbox_commit(ob2) == KERR_OK);
        CHECK(ticket_parts(t2, &e2, &n2) && e2 != ep1 && n2 == 1);
        b = stored_body(path, t2);
        CHECK(b && api_help_request_decode(b, strlen(b), &r, NULL) == KERR_OK);
        CHECK_STR(r.ticket, t2);
        CHECK_STR(r.receipt_ticket, t1);
        CHECK_STR(r.check, c1);
        CHECK_STR(r.contact_name, "样例联系人");
        free(b);
        CHECK(outbox_begin(ob2) == KERR_OK);
        CHECK(outbox_renumber(ob2, 1, "HL-T01", t3) == KERR_OK);
        CHECK(outbox_commit(ob2) == KERR_OK);
        CHECK(strcmp(t3, t2) != 0);
        b = stored_body(path, t3);
        CHECK(b && api_help_request_decode(b, strlen(b), &r, NULL) == KERR_OK);
        CHECK_STR(r.ticket, t3);
        CHECK_STR(r.receipt_ticket, t1); /* still the one on the receipt */
        free(b);
        CHECK(outbox_list_pending(ob2, 0, items, 8, &n) == KERR_OK && n == 3);
        CHECK_STR(items[0].ticket, t3);
        CHECK_STR(items[0].receipt, t1);
        CHECK(outbox_local(ob, t1, c1, &loc) == KERR_OK);
        CHECK(outbox_local(ob, t3, c1, &loc) == KERR_OK);
        CHECK(outbox_local(ob, t2, c1, &loc) == KERR_NOTFOUND); /* given and taken back */
        /* new requests go on in the new epoch, never reusing a ticket held here */
        CHECK(outbox_begin(ob) == KERR_OK);
        CHECK(outbox_mark_delivered(ob, 4, 201, "{}") == KERR_OK);
        CHECK(outbox_commit(ob) == KERR_OK);
        CHECK(push(ob, 3, t, k, NULL) == KERR_OK);
        CHECK(ticket_parts(t, &ep, &nn));
        CHECK(strcmp(t, t1) && strcmp(t, t2) && strcmp(t, t3));
    }

    /* deliver #1, kill #2 */
    CHECK(outbox_begin(ob2) == KERR_OK);
    CHECK(outbox_mark_delivered(ob2, 1, 201, "{\"ticket\":\"x\"}") == KERR_OK);
    CHECK(outbox_mark_dead(ob2, 2, 400, "400 Bad Request: sample") == KERR_OK);
    CHECK(outbox_mark_retry(ob2, 5, 503, "http_503", kclock_wall_ms() + 1000) == KERR_OK);
    CHECK(outbox_commit(ob2) == KERR_OK);
    CHECK(outbox_local(ob, t1, c1, &loc) == KERR_OK);
    CHECK(loc.state == OUTBOX_DELIVERED && strcmp(loc.category, "legal") == 0 && loc.attempts == 1);
    CHECK(outbox_counts(ob, &cnt) == KERR_OK && cnt.pending == 1 && cnt.dead == 1);
    {
        char *body = NULL;
        CHECK(outbox_body(ob2, 5, &body) == KERR_OK && body && strstr(body, t));
        free(body);
        CHECK(outbox_body(ob2, 1, &body) == KERR_NOTFOUND);
    }

    /* retention: the delivered items' personal fields leave the file and the WAL */
    CHECK(outbox_erase_old(ob2, kclock_wall_ms() + 10, 0, 1LL << 40, 1LL << 40, &erased,
                           &next_due) == KERR_OK);
    CHECK(erased == 3);
    CHECK(next_due > kclock_wall_ms() + (1LL << 39)); /* only the dead one waits, 2^40 ms */
    outbox_close(ob2);
    ob2 = NULL;
    outbox_close(ob);
    ob = NULL;
    {
        /* only items 2 (dead, kept) and 5 (pending) may still hold the sample text */
        sqlite3 *db;
        sqlite3_stmt *st;
        int with_body = -1;
        CHECK(sqlite3_open(path, &db) == SQLITE_OK);
        CHECK(sqlite3_prepare_v2(db, "SELECT count(*) FROM items WHERE body LIKE '%样例联系人%'", -1,
                                 &st, NULL) == SQLITE_OK);
        if (sqlite3_step(st) == SQLITE_ROW) with_body = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
        CHECK(with_body == 2);
        sqlite3_close(db);
    }
    /* erase everything finished, then nothing personal remains on disk */
    CHECK(outbox_open(path, &ui, &ob2, NULL) == KERR_OK);
    CHECK(outbox_erase_old(ob2, kclock_wall_ms() + 10, 0, 0, 1LL << 40, &erased, &next_due) ==
          KERR_OK);
    CHECK(erased == 1);
    CHECK(next_due == 0);
    CHECK(outbox_begin(ob2) == KERR_OK);
    CHECK(outbox_mark_delivered(ob2, 5, 201, "{}") == KERR_OK);
    CHECK(outbox_commit(ob2) == KERR_OK);
    CHECK(outbox_erase_old(ob2, kclock_wall_ms() + 10, 0, 0, 1LL << 40, &erased, &next_due) ==
          KERR_OK);
    CHECK(erased == 1);
    CHECK(outbox_integrity_ok(ob2));
    outbox_close(ob2);
    ob2 = NULL;
    CHECK(!file_contains(path, "SAMPLE-PERSONAL-TEXT"));
    CHECK(!file_contains(wal, "SAMPLE-PERSONAL-TEXT"));
    CHECK(!file_contains(path, "13912345678"));

    /* the epoch and the count survive reopen */
    CHECK(outbox_open(path, &ui, &ob, NULL) == KERR_OK);
    {
        char t9[API_TICKET_SIZE];
        int e9, n9;
        CHECK(push(ob, 3, t9, k, NULL) == KERR_OK);
        CHECK(ticket_parts(t9, &e9, &n9) && e9 == ep && n9 == nn + 1);
    }
    outbox_close(ob);
    ob = NULL;

    /* a damaged file is moved aside, reported, and a fresh outbox works */
    {
        FILE *f = fopen(path, "r+b");
        char junk[4096];
        memset(junk, 0xA5, sizeof junk);
        unlink(wal);
        if (f) {
            fwrite(junk, 1, sizeof junk, f); /* clobbers the header page */
            fclose(f);
        }
        CHECK(outbox_open(path, &ui, &ob, &dmg) == KERR_OK);
        CHECK(dmg.moved_aside);
        CHECK(dmg.unreadable == -1 && dmg.salvaged == 0);
        CHECK(count_corrupt(dir) == 1);
        CHECK(push(ob, 3, t, k, NULL) == KERR_OK);
        CHECK(api_ticket_of_kiosk(t, "HL-T01"));
        CHECK(outbox_integrity_ok(ob));
        outbox_close(ob);
        /* the damaged copy goes after the retention of delivered items */
        CHECK(outbox_remove_damaged(path, kclock_wall_ms(), 600000, &next_due) == 0);
        CHECK(next_due > kclock_wall_ms() + 500000);
        CHECK(outbox_remove_damaged(path, kclock_wall_ms() + 601000, 600000, &next_due) >= 1);
        CHECK(count_corrupt(dir) == 0 && next_due == 0);
    }

    /* a version-1 file is migrated in one step: its items kept, an epoch drawn */
    {
        char p1[300];
        snprintf(p1, sizeof p1, "%s/v1.db", dir);
        make_v1(p1);
        CHECK(outbox_open(p1, &ui, &ob, &dmg) == KERR_OK && !dmg.moved_aside);
        CHECK(outbox_list_pending(ob, 0, items, 8, &n) == KERR_OK && n == 1);
        CHECK_STR(items[0].ticket, "HL-T01-000001");
        CHECK(push(ob, 3, t, k, NULL) == KERR_OK);
        CHECK(ticket_parts(t, &ep, &nn) && ep >= 100 && nn == 1);
        CHECK(outbox_local(ob, "HL-T01-000001", "000000", &loc) == KERR_NOTFOUND); /* no code */
        outbox_close(ob);
    }
    {
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0) fprintf(stderr, "cleanup failed\n");
    }
    return ktest_done("outbox_bounded_erases_and_moves_damage_aside");
}
