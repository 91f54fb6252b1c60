/* A damaged outbox is not set aside with its requests (issue 10 item 4): on
 * open, a file that fails quick_check is moved aside and every pending row
 * SQLite can still read (key, ticket, check code, body, created time) is
 * copied into the new file and then delivered; the unreadable rows are
 * counted (kclient_status.lost). For a bounded set of seeds, random pages of
 * a file of 120 pending requests are overwritten with random bytes; an
 * independent reader finds which rows are still readable and intact; every
 * one of them must reach the hub, with its ticket and key, exactly once.
 * Loopback only; sample data. */
#include <sqlite3.h>
#include <sys/stat.h>

#include "ktest.h"
#include "nettest.h"
#include "outbox.h"

#define N 120
#define SEEDS 10

struct row {
    char key[API_UUID_SIZE], ticket[API_TICKET_SIZE];
    char *body;
};

static void fill(const char *db, const char *kiosk, struct row *rows)
{
    static const struct outbox_opts o = {.check = true, .ui_conn = false};
    struct outbox *ob = NULL;
    sqlite3 *h = NULL;
    sqlite3_stmt *st = NULL;
    if (outbox_open(db, &o, &ob, NULL) != KERR_OK) return;
    for (int i = 0; i < N; i++) {
        struct api_help_request r;
        struct outbox_receipt rc;
        char desc[400];
        int n = snprintf(desc, sizeof desc, "salvage-%03d ", i);
        for (; n < 300; n++) desc[n] = (char)('a' + (i + n) % 26);
        desc[n] = '\0';
        nt_request(&r, desc);
        CHECK(outbox_push_request(ob, kiosk, &r, 1000, &rc, rows[i].key, NULL) == KERR_OK);
        memcpy(rows[i].ticket, rc.ticket, sizeof rc.ticket);
    }
    outbox_close(ob); /* the last connection: checkpointed, WAL removed */
    if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(h, "SELECT body FROM items WHERE id = ?1", -1, &st, NULL) == SQLITE_OK)
        for (int i = 0; i < N; i++) {
            sqlite3_reset(st);
            sqlite3_bind_int(st, 1, i + 1);
            if (sqlite3_step(st) == SQLITE_ROW)
                rows[i].body = strdup((const char *)sqlite3_column_text(st, 0));
        }
    sqlite3_finalize(st);
    sqlite3_close(h);
}

/* Overwrites k random pages (page 1, the header, only when allow_first). */
static void damage(const char *db, unsigned seed, int k, bool allow_first)
{
    struct stat sb;
    FILE *f = fopen(db, "r+b");
    unsigned char page[4096];
    long pages;
    if (!f || stat(db, &sb) != 0) {
        if (f) fclose(f);
        return;
    }
    pages = (long)sb.st_size / 4096;
    srand(seed);
    for (int i = 0; i < k; i++) {
        long p = allow_first ? rand() % pages : 1 + rand() % (pages - 1);
        for (size_t b = 0; b < sizeof page; b++) page[b] = (unsigned char)rand();
        fseek(f, p * 4096, SEEK_SET);
        fwrite(page, 1, sizeof page, f);
    }
    fclose(f);
}

/* Which rows a plain reader still gets back exactly as written. */
static int readable_rows(const char *db, const struct row *rows, bool *ok)
{
    sqlite3 *h = NULL;
    sqlite3_stmt *st = NULL;
    int n = 0;
    memset(ok, 0, N * sizeof *ok);
    if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(h, "SELECT idem_key, ticket, body FROM items WHERE id = ?1", -1, &st,
                           NULL) == SQLITE_OK)
        for (int i = 0; i < N; i++) {
            sqlite3_reset(st);
            sqlite3_bind_int(st, 1, i + 1);
            if (sqlite3_step(st) != SQLITE_ROW) continue;
            const char *k = (const char *)sqlite3_column_text(st, 0);
            const char *t = (const char *)sqlite3_column_text(st, 1);
            const char *b = (const char *)sqlite3_column_text(st, 2);
            ok[i] = k && t && b && rows[i].body && !strcmp(k, rows[i].key) &&
                    !strcmp(t, rows[i].ticket) && !strcmp(b, rows[i].body);
            n += ok[i];
        }
    sqlite3_finalize(st);
    sqlite3_close(h);
    return n;
}

int main(void)
{
    struct tsrv *srv = tsrv_start(0);
    int total_readable = 0, total_delivered = 0, moved = 0;
    CHECK(srv != NULL);
    if (!srv) return ktest_done("outbox_salvages_readable_rows_from_damaged_file");
    for (unsigned seed = 1; seed <= SEEDS; seed++) {
        static struct row rows[N];
        static bool ok[N];
        struct nt_env e;
        struct kclient *c = NULL;
        struct kclient_status s;
        struct tsrv_stats b, a;
        int readable, delivered = 0, k = 1 + (int)(seed % 4);
        bool drained;
        memset(rows, 0, sizeof rows);
        nt_env_init(&e, tsrv_port(srv));
        /* one kiosk id per seed: tickets of two seeds never meet at the shared hub */
        snprintf(e.kiosk, sizeof e.kiosk, "HL-S%02u", seed);
        e.cfg.kiosk_id = e.kiosk;
        fill(e.db, e.kiosk, rows);
        damage(e.db, seed, k, seed == SEEDS); /* the last seed may hit the header */
        readable = readable_rows(e.db, rows, ok);
        tsrv_stats(srv, &b);
        CHECK(kclient_open(&e.cfg, &c) == KERR_OK);
        if (!c) break;
        drained = nt_wait_drained(c, 20000);
        kclient_status(c, &s);
        for (int i = 0; i < N; i++) {
            bool at_hub = tsrv_has_key(srv, rows[i].key) && tsrv_has_ticket(srv, rows[i].ticket);
            if (ok[i] && !at_hub) fprintf(stderr, "seed %u: readable row %d not delivered\n", seed, i + 1);
            CHECK(!ok[i] || at_hub);
            delivered += at_hub;
        }
        tsrv_stats(srv, &a);
        printf("seed %u: %d pages overwritten; %d of %d rows readable, %d delivered, lost %d, "
               "queue %d%s\n",
               seed, k, readable, N, delivered, s.lost, s.queue_depth, drained ? "" : " (not drained)");
        CHECK(delivered >= readable);
        CHECK(a.effects - b.effects == delivered); /* once each */
        CHECK(a.conflicts == b.conflicts);
        if (s.lost != 0) moved++;
        CHECK(readable == N || s.lost >= N - delivered || s.lost == 0);
        total_readable += readable;
        total_delivered += delivered;
        kclient_close(c);
        for (int i = 0; i < N; i++) free(rows[i].body);
        nt_env_done(&e);
    }
    printf("%d seeds: %d readable rows, %d delivered; %d files moved aside with losses counted\n",
           SEEDS, total_readable, total_delivered, moved);
    CHECK(total_readable > 0);
    tsrv_stop(srv);
    return ktest_done("outbox_salvages_readable_rows_from_damaged_file");
}
