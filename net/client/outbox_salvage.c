/* The outbox's damaged files: moved aside, their pending requests copied
 * into the new file, the copies deleted after a while. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kclock.h"
#include "klog.h"
#include "outbox_impl.h"

void outbox_move_aside(const char *path, char *to_main, size_t n)
{
    static const char *const sfx[] = {"", "-wal", "-shm"};
    char from[4096], to[4096];
    long long t = (long long)(kclock_wall_ms() / 1000);
    snprintf(to_main, n, "%s.corrupt-%lld", path, t);
    for (int i = 0; i < 3; i++) {
        snprintf(from, sizeof from, "%s%s", path, sfx[i]);
        snprintf(to, sizeof to, "%s.corrupt-%lld%s", path, t, sfx[i]);
        if (rename(from, to) == 0) KLOGW(MOD, "damaged outbox file moved to %s", to);
    }
}

/* The highest item id the damaged file may hold: the largest of what its
 * AUTOINCREMENT record and its table's last row say (either may be
 * unreadable); -1 when neither can be read. */
static int64_t damaged_max_id(sqlite3 *db)
{
    int64_t a = -1, b = -1;
    if (outbox_query_int(db, "SELECT seq FROM sqlite_sequence WHERE name = 'items'", &a) != SQLITE_OK)
        a = -1;
    if (outbox_query_int(db, "SELECT max(id) FROM items", &b) != SQLITE_OK) b = -1;
    return a > b ? a : b;
}

void outbox_salvage(struct outbox *ob, const char *src, struct outbox_damage *dmg)
{
    static const char q2[] = "SELECT state, idem_key, kind, ticket, category, body, created_ms,"
                             " check_code, receipt_ticket FROM items WHERE id = ?1";
    static const char q1[] = "SELECT state, idem_key, kind, ticket, category, body, created_ms,"
                             " NULL, NULL FROM items WHERE id = ?1";
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL, *ins = NULL;
    int64_t max_id, found_max = 0;
    int saved = 0, unreadable = 0;
    int rc = sqlite3_open_v2(src, &db, SQLITE_OPEN_READWRITE, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_busy_timeout(db, 2000);
        rc = sqlite3_prepare_v2(db, q2, -1, &st, NULL);
        if (rc != SQLITE_OK) rc = sqlite3_prepare_v2(db, q1, -1, &st, NULL);
    }
    if (rc != SQLITE_OK) {
        KLOGE(MOD, "damaged outbox: its items cannot be read at all (%s); how many requests were "
                   "lost is unknown", sqlite3_errstr(rc));
        dmg->unreadable = -1;
        goto done;
    }
    max_id = damaged_max_id(db);
    rc = sqlite3_prepare_v2(ob->db,
                            "INSERT OR IGNORE INTO items(idem_key, kind, ticket, category, body,"
                            " created_ms, check_code, receipt_ticket) VALUES(?1,?2,?3,?4,?5,?6,?7,?8)",
                            -1, &ins, NULL);
    if (rc != SQLITE_OK || outbox_exec(ob, "BEGIN IMMEDIATE") != SQLITE_OK) goto done;
    /* Without a readable maximum, probe until 4096 ids in a row hold nothing. */
    for (int64_t id = 1; id <= (max_id > 0 ? max_id : found_max + 4096) && id < 10000000; id++) {
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, id);
        rc = sqlite3_step(st);
        if (rc == SQLITE_DONE) continue; /* never written, or pruned */
        if (rc != SQLITE_ROW) {
            unreadable++;
            continue;
        }
        found_max = id;
        const char *key = (const char *)sqlite3_column_text(st, 1);
        const char *ticket = (const char *)sqlite3_column_text(st, 3);
        const char *body = (const char *)sqlite3_column_text(st, 5);
        const char *check = (const char *)sqlite3_column_text(st, 7);
        const char *receipt = (const char *)sqlite3_column_text(st, 8);
        if (sqlite3_column_int(st, 0) != OUTBOX_PENDING) continue; /* finished: nothing to send */
        if (!key || !api_uuid_v4_valid(key) || !ticket || !api_ticket_valid(ticket) || !body) {
            unreadable++; /* read, but not what was written */
            continue;
        }
        {
            /* The body must still be a valid request for this very ticket. */
            struct api_help_request r;
            bool ok = api_help_request_decode(body, strlen(body), &r, NULL) == KERR_OK &&
                      strcmp(r.ticket, ticket) == 0;
            outbox_wipe(&r, sizeof r);
            if (!ok) {
                unreadable++;
                continue;
            }
        }
        for (int c = 1; c <= 8; c++) sqlite3_bind_null(ins, c);
        sqlite3_bind_text(ins, 1, key, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 2, (const char *)sqlite3_column_text(st, 2), -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 3, ticket, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 4, (const char *)sqlite3_column_text(st, 4), -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 5, body, -1, SQLITE_STATIC);
        sqlite3_bind_int64(ins, 6, sqlite3_column_int64(st, 6));
        if (check && api_check_valid(check)) sqlite3_bind_text(ins, 7, check, -1, SQLITE_STATIC);
        if (receipt && api_ticket_valid(receipt)) sqlite3_bind_text(ins, 8, receipt, -1, SQLITE_STATIC);
        rc = sqlite3_step(ins);
        sqlite3_reset(ins);
        if (rc == SQLITE_DONE && sqlite3_changes(ob->db) == 1) saved++;
    }
    dmg->unreadable = unreadable;
    dmg->salvaged = saved;
    {
        sqlite3_stmt *u = NULL;
        if (sqlite3_prepare_v2(ob->db, "UPDATE meta SET v = v + ?1 WHERE k = 'lost'", -1, &u,
                               NULL) == SQLITE_OK) {
            sqlite3_bind_int(u, 1, unreadable);
            sqlite3_step(u);
        }
        sqlite3_finalize(u);
    }
    if (outbox_exec(ob, "COMMIT") != SQLITE_OK) {
        outbox_tx_rollback(ob);
        dmg->salvaged = 0;
        KLOGE(MOD, "damaged outbox: the salvaged items could not be stored");
    } else {
        KLOGW(MOD, "damaged outbox: %d pending requests salvaged, %d unreadable rows lost", saved,
              unreadable);
    }
done:
    sqlite3_finalize(st);
    sqlite3_finalize(ins);
    sqlite3_close_v2(db);
}

int outbox_remove_damaged(const char *path, int64_t now_wall_ms, int64_t keep_ms,
                          int64_t *next_due_wall_ms)
{
    char dir[4096], full[4096 + 260], prefix[512];
    const char *slash = strrchr(path, '/');
    DIR *d;
    struct dirent *de;
    int removed = 0;
    *next_due_wall_ms = 0;
    if (slash) snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    else snprintf(dir, sizeof dir, ".");
    if (!dir[0]) snprintf(dir, sizeof dir, "/");
    snprintf(prefix, sizeof prefix, "%s.corrupt-", slash ? slash + 1 : path);
    d = opendir(dir);
    if (!d) return 0;
    while ((de = readdir(d)) != NULL) {
        size_t pl = strlen(prefix);
        char *end;
        long long t;
        int64_t due;
        if (strncmp(de->d_name, prefix, pl) != 0) continue;
        errno = 0;
        t = strtoll(de->d_name + pl, &end, 10);
        if (errno || end == de->d_name + pl || (*end && strcmp(end, "-wal") && strcmp(end, "-shm")))
            continue;
        due = (int64_t)t * 1000 + keep_ms;
        if (due <= now_wall_ms || (int64_t)t * 1000 > now_wall_ms + FUTURE_SLACK_MS) {
            snprintf(full, sizeof full, "%s/%s", dir, de->d_name);
            if (unlink(full) == 0) {
                removed++;
                KLOGI(MOD, "damaged outbox copy %s deleted", de->d_name);
            }
        } else if (!*next_due_wall_ms || due < *next_due_wall_ms) {
            *next_due_wall_ms = due;
        }
    }
    closedir(d);
    return removed;
}
