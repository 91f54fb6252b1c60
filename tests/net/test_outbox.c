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

#define BODY                                                                                       \
    "{\"category\":\"legal\",\"company\":{\"id\":null,\"name\":\"示例公司\"},"                     \
    "\"contact_name\":\"样例联系人\",\"phone\":\"13912345678\",\"tower\":\"t03\","                 \
    "\"description\":\"SAMPLE-PERSONAL-TEXT 样例\",\"lang\":\"zh\"}"

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

int main(void)
{
    char dir[] = "/tmp/outbox_test_XXXXXX", path[256], wal[300];
    char t[API_TICKET_SIZE], k[API_UUID_SIZE], k1[API_UUID_SIZE];
    struct outbox *ob = NULL, *ob2 = NULL;
    struct outbox_item items[8];
    struct outbox_local loc;
    int n = 0, pending, dead, erased;
    int64_t oldest;
    const char *why;
    bool moved;

    if (!mkdtemp(dir)) return 1;
    snprintf(path, sizeof path, "%s/outbox.db", dir);
    snprintf(wal, sizeof wal, "%s-wal", path);

    CHECK(outbox_open(path, true, true, &ob, &moved) == KERR_OK);
    CHECK(!moved);
    CHECK(outbox_push_request(ob, "HL-T01", BODY, 3, t, k1, &why) == KERR_OK);
    CHECK_STR(t, "HL-T01-000001");
    CHECK(api_uuid_v4_valid(k1));
    CHECK(outbox_push_request(ob, "HL-T01", BODY, 3, t, k, &why) == KERR_OK);
    CHECK_STR(t, "HL-T01-000002");
    CHECK(strcmp(k, k1) != 0);

    /* invalid bodies are refused before anything is stored */
    CHECK(outbox_push_request(ob, "HL-T01", "{\"category\":\"legal\"}", 3, t, k, &why) == KERR_PARSE);
    CHECK(t[0] == '\0');
    CHECK(outbox_push_request(ob, "HL-T01", "not json", 3, t, k, &why) == KERR_PARSE);
    {
        char bad[1024];
        snprintf(bad, sizeof bad, "%s", BODY);
        memcpy(strstr(bad, "13912345678"), "1391234567x", 11);
        CHECK(outbox_push_request(ob, "HL-T01", bad, 3, t, k, &why) == KERR_INVALID);
    }
    CHECK(outbox_counts(ob, &pending, &dead, &oldest) == KERR_OK);
    CHECK(pending == 2 && dead == 0);
    CHECK(oldest > 0 && oldest <= kclock_wall_ms());

    /* bounded: the third fits, the fourth is refused with KERR_FULL */
    CHECK(outbox_push_request(ob, "HL-T01", BODY, 3, t, k, &why) == KERR_OK);
    CHECK(outbox_push_request(ob, "HL-T01", BODY, 3, t, k, &why) == KERR_FULL);
    CHECK(t[0] == '\0');
    CHECK(outbox_counts(ob, &pending, &dead, &oldest) == KERR_OK && pending == 3);

    /* a second connection (the sender's) sees them in order */
    CHECK(outbox_open(path, false, false, &ob2, NULL) == KERR_OK);
    CHECK(outbox_list_pending(ob2, 0, items, 8, &n) == KERR_OK);
    CHECK(n == 3);
    CHECK_STR(items[0].ticket, "HL-T01-000001");
    CHECK_STR(items[0].key, k1);
    CHECK(outbox_list_pending(ob2, items[1].id, items, 8, &n) == KERR_OK && n == 1);

    /* deliver #1, kill #2 */
    CHECK(outbox_begin(ob2) == KERR_OK);
    CHECK(outbox_mark_delivered(ob2, 1, 201, "{\"ticket\":\"HL-T01-000001\"}") == KERR_OK);
    CHECK(outbox_mark_dead(ob2, 2, 400, "400 Bad Request: sample") == KERR_OK);
    CHECK(outbox_mark_retry(ob2, 3, 503, "http_503", kclock_wall_ms() + 1000) == KERR_OK);
    CHECK(outbox_commit(ob2) == KERR_OK);
    CHECK(outbox_local(ob, "HL-T01-000001", &loc) == KERR_OK);
    CHECK(loc.state == OUTBOX_DELIVERED && strcmp(loc.category, "legal") == 0 && loc.attempts == 1);
    CHECK(outbox_local(ob, "HL-T01-000002", &loc) == KERR_OK && loc.state == OUTBOX_DEAD);
    CHECK(outbox_local(ob, "HL-T01-000003", &loc) == KERR_OK && loc.state == OUTBOX_PENDING);
    CHECK(outbox_local(ob, "HL-T01-000099", &loc) == KERR_NOTFOUND);
    CHECK(outbox_counts(ob, &pending, &dead, &oldest) == KERR_OK && pending == 1 && dead == 1);
    {
        char *body = NULL;
        CHECK(outbox_body(ob2, 3, &body) == KERR_OK && body && strstr(body, "HL-T01-000003"));
        free(body);
        CHECK(outbox_body(ob2, 1, &body) == KERR_NOTFOUND);
    }

    /* retention: the delivered item's personal fields leave the file and the WAL */
    CHECK(outbox_erase_old(ob2, kclock_wall_ms() + 10, 0, 1LL << 40, 1LL << 40, &erased) == KERR_OK);
    CHECK(erased == 1);
    outbox_close(ob2);
    ob2 = NULL;
    outbox_close(ob);
    ob = NULL;
    {
        /* only items 2 (dead, kept) and 3 (pending) may still hold the sample text */
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
    /* erase everything finished, then nothing personal of #1/#2 remains on disk */
    CHECK(outbox_open(path, true, false, &ob2, NULL) == KERR_OK);
    CHECK(outbox_erase_old(ob2, kclock_wall_ms() + 10, 0, 0, 1LL << 40, &erased) == KERR_OK);
    CHECK(erased == 1);
    CHECK(outbox_begin(ob2) == KERR_OK);
    CHECK(outbox_mark_delivered(ob2, 3, 201, "{}") == KERR_OK);
    CHECK(outbox_commit(ob2) == KERR_OK);
    CHECK(outbox_erase_old(ob2, kclock_wall_ms() + 10, 0, 0, 1LL << 40, &erased) == KERR_OK);
    CHECK(erased == 1);
    CHECK(outbox_integrity_ok(ob2));
    outbox_close(ob2);
    ob2 = NULL;
    CHECK(!file_contains(path, "SAMPLE-PERSONAL-TEXT"));
    CHECK(!file_contains(wal, "SAMPLE-PERSONAL-TEXT"));
    CHECK(!file_contains(path, "13912345678"));

    /* the ticket sequence survives reopen */
    CHECK(outbox_open(path, true, true, &ob, NULL) == KERR_OK);
    CHECK(outbox_push_request(ob, "HL-T01", BODY, 3, t, k, &why) == KERR_OK);
    CHECK_STR(t, "HL-T01-000004");
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
        CHECK(outbox_open(path, true, true, &ob, &moved) == KERR_OK);
        CHECK(moved);
        CHECK(count_corrupt(dir) == 1);
        CHECK(outbox_push_request(ob, "HL-T01", BODY, 3, t, k, &why) == KERR_OK);
        CHECK(api_ticket_of_kiosk(t, "HL-T01"));
        CHECK(strcmp(t, "HL-T01-000001") != 0); /* far above the lost file's numbers */
        CHECK(outbox_integrity_ok(ob));
        outbox_close(ob);
    }
    {
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0) fprintf(stderr, "cleanup failed\n");
    }
    return ktest_done("outbox_bounded_erases_and_moves_damage_aside");
}
