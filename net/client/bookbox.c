/* bookbox: see bookbox.h. */
#include "bookbox.h"

#include <cjson/cJSON.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "klog.h"

#define DEAD_KEEP_MS (7LL * 24 * 3600 * 1000)

struct bookbox {
    sqlite3 *db;
};

static const char schema[] =
    "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA secure_delete=ON;"
    "CREATE TABLE IF NOT EXISTS leases(room TEXT NOT NULL, slot_start INTEGER NOT NULL,"
    " taken INTEGER NOT NULL, PRIMARY KEY(room, slot_start));"
    "CREATE TABLE IF NOT EXISTS items(id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE,"
    " room TEXT NOT NULL, slot_start INTEGER NOT NULL, phone TEXT, lang TEXT NOT NULL,"
    " code TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'pending', done_ms INTEGER);";

enum kerr bookbox_open(const char *path, struct bookbox **out)
{
    struct bookbox *bb = calloc(1, sizeof *bb);
    *out = NULL;
    if (!bb) return KERR_NOMEM;
    if (sqlite3_open_v2(path, &bb->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK ||
        sqlite3_busy_timeout(bb->db, 5000) != SQLITE_OK ||
        sqlite3_exec(bb->db, schema, NULL, NULL, NULL) != SQLITE_OK) {
        KLOGE("bookbox", "open %s: %s", path, bb->db ? sqlite3_errmsg(bb->db) : "no memory");
        bookbox_close(bb);
        return KERR_DB;
    }
    *out = bb;
    return KERR_OK;
}

void bookbox_close(struct bookbox *bb)
{
    if (!bb) return;
    sqlite3_close(bb->db);
    free(bb);
}

static sqlite3_stmt *prep(struct bookbox *bb, const char *sql)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(bb->db, sql, -1, &s, NULL) != SQLITE_OK) {
        KLOGE("bookbox", "prepare: %s", sqlite3_errmsg(bb->db));
        return NULL;
    }
    return s;
}

enum kerr bookbox_leases_set(struct bookbox *bb, const cJSON *leases)
{
    const cJSON *l;
    sqlite3_stmt *s;
    bool ok = true;
    if (!cJSON_IsArray(leases)) return KERR_PARSE;
    if (sqlite3_exec(bb->db, "BEGIN IMMEDIATE; DELETE FROM leases;", NULL, NULL, NULL) != SQLITE_OK)
        return KERR_DB;
    s = prep(bb, "INSERT OR REPLACE INTO leases(room, slot_start, taken) VALUES(?1, ?2,"
                 " ?3 OR EXISTS(SELECT 1 FROM items WHERE room = ?1 AND slot_start = ?2"
                 " AND state != 'dead'))");
    ok = s != NULL;
    cJSON_ArrayForEach(l, leases) {
        const cJSON *room = cJSON_GetObjectItemCaseSensitive(l, "room");
        const cJSON *start = cJSON_GetObjectItemCaseSensitive(l, "start");
        const cJSON *state = cJSON_GetObjectItemCaseSensitive(l, "state");
        int64_t t;
        if (!ok) break;
        if (!cJSON_IsString(room) || !api_kiosk_id_valid(room->valuestring) ||
            !cJSON_IsString(start) || !book_time_parse(start->valuestring, &t) ||
            !cJSON_IsString(state))
            continue; /* not one of ours to keep: skipped, never guessed */
        sqlite3_reset(s);
        sqlite3_bind_text(s, 1, room->valuestring, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(s, 2, t);
        sqlite3_bind_int(s, 3, strcmp(state->valuestring, "free") != 0);
        ok = sqlite3_step(s) == SQLITE_DONE;
    }
    sqlite3_finalize(s);
    if (!ok || sqlite3_exec(bb->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        sqlite3_exec(bb->db, "ROLLBACK", NULL, NULL, NULL);
        return KERR_DB;
    }
    return KERR_OK;
}

enum bookbox_slot bookbox_slot(struct bookbox *bb, const char *room, int64_t start)
{
    sqlite3_stmt *s = prep(bb, "SELECT taken FROM leases WHERE room = ?1 AND slot_start = ?2");
    enum bookbox_slot r = BOOKBOX_NOT_LEASED;
    if (!s) return r;
    sqlite3_bind_text(s, 1, room, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, start);
    if (sqlite3_step(s) == SQLITE_ROW) r = sqlite3_column_int(s, 0) ? BOOKBOX_TAKEN : BOOKBOX_FREE;
    sqlite3_finalize(s);
    return r;
}

int bookbox_held(struct bookbox *bb, const char *room, int64_t from, int64_t to, int64_t *starts,
                 bool *free, int cap)
{
    sqlite3_stmt *s = prep(bb, "SELECT slot_start, taken FROM leases WHERE room = ?1 AND"
                               " slot_start >= ?2 AND slot_start < ?3 ORDER BY slot_start");
    int n = 0;
    if (!s) return 0;
    sqlite3_bind_text(s, 1, room, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, from);
    sqlite3_bind_int64(s, 3, to);
    while (n < cap && sqlite3_step(s) == SQLITE_ROW) {
        starts[n] = sqlite3_column_int64(s, 0);
        free[n] = sqlite3_column_int(s, 1) == 0;
        n++;
    }
    sqlite3_finalize(s);
    return n;
}

enum kerr bookbox_confirm(struct bookbox *bb, const struct bookbox_item *it)
{
    sqlite3_stmt *s;
    enum kerr res = KERR_DB;
    if (sqlite3_exec(bb->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) return KERR_DB;
    s = prep(bb, "UPDATE leases SET taken = 1 WHERE room = ?1 AND slot_start = ?2 AND taken = 0");
    if (s) {
        sqlite3_bind_text(s, 1, it->room, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, it->start);
        if (sqlite3_step(s) == SQLITE_DONE) res = sqlite3_changes(bb->db) == 1 ? KERR_OK : KERR_BUSY;
        sqlite3_finalize(s);
    }
    if (res == KERR_OK) {
        res = KERR_DB;
        s = prep(bb, "INSERT INTO items(key, room, slot_start, phone, lang, code)"
                     " VALUES(?1, ?2, ?3, ?4, ?5, ?6)");
        if (s) {
            sqlite3_bind_text(s, 1, it->key, -1, SQLITE_STATIC);
            sqlite3_bind_text(s, 2, it->room, -1, SQLITE_STATIC);
            sqlite3_bind_int64(s, 3, it->start);
            sqlite3_bind_text(s, 4, it->phone, -1, SQLITE_STATIC);
            sqlite3_bind_text(s, 5, it->lang, -1, SQLITE_STATIC);
            sqlite3_bind_text(s, 6, it->code, -1, SQLITE_STATIC);
            if (sqlite3_step(s) == SQLITE_DONE) res = KERR_OK;
            sqlite3_finalize(s);
        }
    }
    /* durable before the person is told: synchronous=FULL commits fsync */
    if (res == KERR_OK && sqlite3_exec(bb->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK) return KERR_OK;
    sqlite3_exec(bb->db, "ROLLBACK", NULL, NULL, NULL);
    return res == KERR_OK ? KERR_IO : res;
}

bool bookbox_next(struct bookbox *bb, int64_t after_id, struct bookbox_item *out)
{
    sqlite3_stmt *s = prep(bb, "SELECT id, key, room, slot_start, phone, lang, code FROM items"
                               " WHERE state = 'pending' AND id > ?1 ORDER BY id LIMIT 1");
    bool got = false;
    memset(out, 0, sizeof *out);
    if (!s) return false;
    sqlite3_bind_int64(s, 1, after_id);
    if (sqlite3_step(s) == SQLITE_ROW) {
        out->id = sqlite3_column_int64(s, 0);
        snprintf(out->key, sizeof out->key, "%s", (const char *)sqlite3_column_text(s, 1));
        snprintf(out->room, sizeof out->room, "%s", (const char *)sqlite3_column_text(s, 2));
        out->start = sqlite3_column_int64(s, 3);
        snprintf(out->phone, sizeof out->phone, "%s",
                 sqlite3_column_text(s, 4) ? (const char *)sqlite3_column_text(s, 4) : "");
        snprintf(out->lang, sizeof out->lang, "%s", (const char *)sqlite3_column_text(s, 5));
        snprintf(out->code, sizeof out->code, "%s", (const char *)sqlite3_column_text(s, 6));
        got = true;
    }
    sqlite3_finalize(s);
    return got;
}

enum kerr bookbox_done(struct bookbox *bb, int64_t id, bool delivered, int64_t now_ms)
{
    sqlite3_stmt *s = prep(bb, delivered
                                   ? "UPDATE items SET state = 'delivered', phone = NULL,"
                                     " done_ms = ?2 WHERE id = ?1"
                                   : "UPDATE items SET state = 'dead', done_ms = ?2 WHERE id = ?1");
    int rc;
    if (!s) return KERR_DB;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int64(s, 2, now_ms);
    rc = sqlite3_step(s);
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? KERR_OK : KERR_DB;
}

enum kerr bookbox_sweep(struct bookbox *bb, int64_t now_ms, int64_t keep_ms)
{
    sqlite3_stmt *s = prep(bb, "DELETE FROM items WHERE (state = 'delivered' AND done_ms <= ?1)"
                               " OR (state = 'dead' AND done_ms <= ?2)");
    int rc;
    if (!s) return KERR_DB;
    sqlite3_bind_int64(s, 1, now_ms - keep_ms);
    sqlite3_bind_int64(s, 2, now_ms - DEAD_KEEP_MS);
    rc = sqlite3_step(s);
    sqlite3_finalize(s);
    /* Leases are not swept by this clock: each lease answer replaces them
     * all (so passed slots go with the next heartbeat), and a kiosk whose
     * wall clock is off must not drop the slots the hub leased it. */
    return rc == SQLITE_DONE ? KERR_OK : KERR_DB;
}

int bookbox_pending(struct bookbox *bb)
{
    sqlite3_stmt *s = prep(bb, "SELECT count(*) FROM items WHERE state = 'pending'");
    int n = 0;
    if (!s) return 0;
    if (sqlite3_step(s) == SQLITE_ROW) n = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    return n;
}
