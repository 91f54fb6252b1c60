#include "outbox.h"

#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

#include "kclock.h"
#include "klog.h"

#define MOD "outbox"

struct outbox {
    sqlite3 *db;
    char *path;
};

static enum kerr rc_kerr(int rc)
{
    switch (rc & 0xFF) {
    case SQLITE_OK:
    case SQLITE_DONE:
    case SQLITE_ROW: return KERR_OK;
    case SQLITE_FULL: return KERR_FULL;
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY: return KERR_IO;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return KERR_BUSY;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: return KERR_CORRUPT;
    case SQLITE_NOMEM: return KERR_NOMEM;
    default: return KERR_DB;
    }
}

static int exec(struct outbox *ob, const char *sql)
{
    int rc = sqlite3_exec(ob->db, sql, NULL, NULL, NULL);
    if (rc != SQLITE_OK) KLOGW(MOD, "%.40s: %s", sql, sqlite3_errmsg(ob->db));
    return rc;
}

static void rollback(struct outbox *ob)
{
    if (!sqlite3_get_autocommit(ob->db)) sqlite3_exec(ob->db, "ROLLBACK", NULL, NULL, NULL);
}

/* Runs a single-row, single-integer query; *v untouched when no row. */
static int query_int(struct outbox *ob, const char *sql, int64_t *v)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(ob->db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) *v = sqlite3_column_int64(st, 0);
        if (rc == SQLITE_ROW || rc == SQLITE_DONE) rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    return rc;
}

static const char schema_v1[] =
    "CREATE TABLE meta(k TEXT PRIMARY KEY, v INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE items("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " idem_key TEXT NOT NULL UNIQUE,"
    " kind TEXT NOT NULL,"
    " ticket TEXT UNIQUE,"
    " category TEXT NOT NULL DEFAULT '',"
    " body TEXT,"
    " created_ms INTEGER NOT NULL,"
    " state INTEGER NOT NULL DEFAULT 0,"
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " next_attempt_ms INTEGER,"
    " last_status INTEGER,"
    " last_error TEXT,"
    " done_ms INTEGER,"
    " answer TEXT,"
    " erased INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX items_state ON items(state, id);";

/* Brings the schema to OUTBOX_SCHEMA_VERSION in one transaction. seed is the
 * first ticket number of a new file. */
static int migrate(struct outbox *ob, int64_t seed)
{
    int64_t ver = 0;
    char sql[128];
    int rc = exec(ob, "BEGIN IMMEDIATE");
    if (rc != SQLITE_OK) return rc;
    rc = query_int(ob, "PRAGMA user_version", &ver);
    if (rc != SQLITE_OK) goto fail;
    if (ver > OUTBOX_SCHEMA_VERSION) {
        KLOGE(MOD, "schema version %lld is newer than this program (%d)", (long long)ver,
              OUTBOX_SCHEMA_VERSION);
        rc = SQLITE_MISMATCH;
        goto fail;
    }
    if (ver < 1) {
        rc = exec(ob, schema_v1);
        if (rc != SQLITE_OK) goto fail;
        snprintf(sql, sizeof sql, "INSERT INTO meta(k, v) VALUES('next_seq', %lld)",
                 (long long)seed);
        rc = exec(ob, sql);
        if (rc != SQLITE_OK) goto fail;
    }
    /* Later versions: if (ver < 2) { ALTER TABLE ... } */
    if (ver != OUTBOX_SCHEMA_VERSION) {
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d", OUTBOX_SCHEMA_VERSION);
        rc = exec(ob, sql);
        if (rc != SQLITE_OK) goto fail;
    }
    rc = exec(ob, "COMMIT");
    if (rc != SQLITE_OK) goto fail;
    return SQLITE_OK;
fail:
    rollback(ob);
    return rc;
}

static int quick_check(struct outbox *ob)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(ob->db, "PRAGMA quick_check", -1, &st, NULL);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            const char *r = (const char *)sqlite3_column_text(st, 0);
            rc = (r && strcmp(r, "ok") == 0) ? SQLITE_OK : SQLITE_CORRUPT;
        } else if (rc == SQLITE_DONE) {
            rc = SQLITE_CORRUPT;
        }
    }
    sqlite3_finalize(st);
    return rc;
}

/* Opens and configures one connection; the SQLite return code of the first failure. */
static int open_conn(struct outbox *ob, bool check, bool ui_conn, int64_t seed)
{
    int rc = sqlite3_open_v2(ob->path, &ob->db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                             NULL);
    int64_t dummy = 0;
    char mode[16] = "";
    sqlite3_stmt *st = NULL;
    if (rc != SQLITE_OK) return rc;
    sqlite3_extended_result_codes(ob->db, 1);
    sqlite3_busy_timeout(ob->db, 5000);
    rc = sqlite3_prepare_v2(ob->db, "PRAGMA journal_mode=WAL", -1, &st, NULL);
    if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        snprintf(mode, sizeof mode, "%s", (const char *)sqlite3_column_text(st, 0));
    else if (rc == SQLITE_OK)
        rc = sqlite3_errcode(ob->db);
    sqlite3_finalize(st);
    if (rc != SQLITE_OK) return rc;
    if (strcmp(mode, "wal") != 0) {
        KLOGE(MOD, "WAL mode refused (%s)", mode);
        return SQLITE_CANTOPEN;
    }
    rc = exec(ob, "PRAGMA synchronous=FULL; PRAGMA secure_delete=ON; PRAGMA foreign_keys=ON");
    if (rc != SQLITE_OK) return rc;
    if (ui_conn) {
        /* The UI connection never pays for a checkpoint; the sender does them. */
        rc = exec(ob, "PRAGMA wal_autocheckpoint=0");
        if (rc != SQLITE_OK) return rc;
    }
    rc = query_int(ob, "SELECT count(*) FROM sqlite_schema", &dummy);
    if (rc != SQLITE_OK) return rc;
    if (check) {
        rc = quick_check(ob);
        if (rc != SQLITE_OK) return rc;
    }
    return migrate(ob, seed);
}

static void move_aside(const char *path)
{
    static const char *const sfx[] = {"", "-wal", "-shm"};
    char from[4096], to[4096];
    long long t = (long long)(kclock_wall_ms() / 1000);
    for (int i = 0; i < 3; i++) {
        snprintf(from, sizeof from, "%s%s", path, sfx[i]);
        snprintf(to, sizeof to, "%s.corrupt-%lld%s", path, t, sfx[i]);
        if (rename(from, to) == 0) KLOGW(MOD, "damaged outbox file moved to %s", to);
    }
}

enum kerr outbox_open(const char *path, bool check, bool ui_conn, struct outbox **out,
                      bool *moved_aside)
{
    struct outbox *ob;
    int rc;
    *out = NULL;
    if (moved_aside) *moved_aside = false;
    ob = calloc(1, sizeof *ob);
    if (!ob) return KERR_NOMEM;
    ob->path = strdup(path);
    if (!ob->path) {
        free(ob);
        return KERR_NOMEM;
    }
    rc = open_conn(ob, check, ui_conn, 1);
    if (check && (rc_kerr(rc) == KERR_CORRUPT)) {
        KLOGE(MOD, "outbox damaged (%s); moving it aside and starting a new one",
              ob->db ? sqlite3_errstr(rc) : "open");
        sqlite3_close_v2(ob->db);
        ob->db = NULL;
        move_aside(path);
        if (moved_aside) *moved_aside = true;
        /* Ticket numbers restart far above any ordinary counter so the hub does
         * not see a ticket of the lost file again (it would answer 409). */
        rc = open_conn(ob, check, ui_conn, (int64_t)(kclock_wall_ms() / 10000));
    }
    if (rc != SQLITE_OK) {
        enum kerr e = rc_kerr(rc);
        KLOGE(MOD, "cannot open outbox: %s", sqlite3_errstr(rc));
        outbox_close(ob);
        return e == KERR_OK ? KERR_DB : e;
    }
    *out = ob;
    return KERR_OK;
}

void outbox_close(struct outbox *ob)
{
    if (!ob) return;
    sqlite3_close_v2(ob->db);
    free(ob->path);
    free(ob);
}

/* Parses the UI's body, adds ticket (placeholder)/kiosk_id/created_at and
 * validates it through the codec. */
static enum kerr prepare_request(const char *kiosk_id, const char *body_json,
                                 struct api_help_request *r, const char **why)
{
    cJSON *o;
    char *txt = NULL, placeholder[API_TICKET_SIZE], now[API_TIME_SIZE];
    enum kerr e;
    if (!body_json) return KERR_PARSE;
    if (strlen(body_json) > API_BODY_MAX) {
        if (why) *why = "body: too large";
        return KERR_TOOBIG;
    }
    e = api_ticket_format(placeholder, kiosk_id, 1);
    if (e != KERR_OK) {
        if (why) *why = "kiosk_id: malformed";
        return e;
    }
    o = cJSON_Parse(body_json);
    if (!cJSON_IsObject(o)) {
        cJSON_Delete(o);
        if (why) *why = "body: not a JSON object";
        return KERR_PARSE;
    }
    cJSON_DeleteItemFromObjectCaseSensitive(o, "ticket");
    cJSON_DeleteItemFromObjectCaseSensitive(o, "kiosk_id");
    if (!cJSON_GetObjectItemCaseSensitive(o, "created_at")) {
        api_time_format(kclock_wall_ms(), now);
        if (!cJSON_AddStringToObject(o, "created_at", now)) goto nomem;
    }
    if (!cJSON_AddStringToObject(o, "ticket", placeholder) ||
        !cJSON_AddStringToObject(o, "kiosk_id", kiosk_id))
        goto nomem;
    txt = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (!txt) return KERR_NOMEM;
    e = api_help_request_decode(txt, strlen(txt), r, why);
    free(txt);
    return e;
nomem:
    cJSON_Delete(o);
    return KERR_NOMEM;
}

enum kerr outbox_push_request(struct outbox *ob, const char *kiosk_id, const char *body_json,
                              int max_pending, char ticket_out[API_TICKET_SIZE],
                              char key_out[API_UUID_SIZE], const char **why)
{
    struct api_help_request r;
    sqlite3_stmt *st = NULL;
    char *body = NULL, key[API_UUID_SIZE];
    int64_t pending = 0, seq = 0;
    int rc;
    enum kerr e;
    ticket_out[0] = '\0';
    key_out[0] = '\0';
    e = prepare_request(kiosk_id, body_json, &r, why);
    if (e != KERR_OK) return e;
    e = api_uuid_v4_make(key);
    if (e != KERR_OK) return e;

    rc = sqlite3_exec(ob->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc != SQLITE_OK) goto fail;
    rc = query_int(ob, "SELECT count(*) FROM items WHERE state = 0", &pending);
    if (rc != SQLITE_OK) goto fail;
    if (pending >= max_pending) {
        rollback(ob);
        if (why) *why = "outbox: full";
        return KERR_FULL;
    }
    rc = query_int(ob, "SELECT v FROM meta WHERE k = 'next_seq'", &seq);
    if (rc != SQLITE_OK) goto fail;
    e = api_ticket_format(r.ticket, kiosk_id, (uint64_t)seq);
    if (e != KERR_OK) goto fail_e;
    e = api_help_request_encode(&r, &body);
    if (e != KERR_OK) goto fail_e;
    rc = sqlite3_prepare_v2(ob->db,
                            "INSERT INTO items(idem_key, kind, ticket, category, body, created_ms)"
                            " VALUES(?1, 'request', ?2, ?3, ?4, ?5)",
                            -1, &st, NULL);
    if (rc != SQLITE_OK) goto fail;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r.ticket, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, r.category, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, body, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, kclock_wall_ms());
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    st = NULL;
    if (rc != SQLITE_DONE) goto fail;
    rc = sqlite3_exec(ob->db, "UPDATE meta SET v = v + 1 WHERE k = 'next_seq'", NULL, NULL, NULL);
    if (rc != SQLITE_OK) goto fail;
    rc = sqlite3_exec(ob->db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK) goto fail;
    free(body);
    memcpy(ticket_out, r.ticket, API_TICKET_SIZE);
    memcpy(key_out, key, API_UUID_SIZE);
    return KERR_OK;
fail:
    e = rc_kerr(rc);
    if (e == KERR_OK) e = KERR_DB;
    KLOGW(MOD, "push failed: %s (%s)", sqlite3_errstr(rc), kerr_str(e));
fail_e:
    sqlite3_finalize(st);
    rollback(ob);
    free(body);
    if (why) *why = "outbox: not stored";
    return e;
}

enum kerr outbox_list_pending(struct outbox *ob, int64_t after_id, struct outbox_item *items,
                              int max, int *n)
{
    sqlite3_stmt *st = NULL;
    int rc;
    *n = 0;
    rc = sqlite3_prepare_v2(ob->db,
                            "SELECT id, attempts, idem_key, ticket FROM items"
                            " WHERE state = 0 AND id > ?1 ORDER BY id LIMIT ?2",
                            -1, &st, NULL);
    if (rc != SQLITE_OK) goto done;
    sqlite3_bind_int64(st, 1, after_id);
    sqlite3_bind_int(st, 2, max);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < max) {
        struct outbox_item *it = &items[*n];
        const char *k = (const char *)sqlite3_column_text(st, 2);
        const char *t = (const char *)sqlite3_column_text(st, 3);
        it->id = sqlite3_column_int64(st, 0);
        it->attempts = sqlite3_column_int(st, 1);
        snprintf(it->key, sizeof it->key, "%s", k ? k : "");
        snprintf(it->ticket, sizeof it->ticket, "%s", t ? t : "");
        (*n)++;
    }
    if (rc == SQLITE_DONE || rc == SQLITE_ROW) rc = SQLITE_OK;
done:
    sqlite3_finalize(st);
    if (rc != SQLITE_OK) *n = 0;
    return rc == SQLITE_OK ? KERR_OK : rc_kerr(rc);
}

enum kerr outbox_body(struct outbox *ob, int64_t id, char **body)
{
    sqlite3_stmt *st = NULL;
    enum kerr e = KERR_NOTFOUND;
    int rc;
    *body = NULL;
    rc = sqlite3_prepare_v2(ob->db, "SELECT body FROM items WHERE id = ?1 AND state = 0", -1, &st,
                            NULL);
    if (rc != SQLITE_OK) {
        sqlite3_finalize(st);
        return rc_kerr(rc);
    }
    sqlite3_bind_int64(st, 1, id);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_TEXT) {
        *body = strdup((const char *)sqlite3_column_text(st, 0));
        e = *body ? KERR_OK : KERR_NOMEM;
    } else if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        e = rc_kerr(rc);
    }
    sqlite3_finalize(st);
    return e;
}

enum kerr outbox_begin(struct outbox *ob)
{
    int rc = sqlite3_exec(ob->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    return rc == SQLITE_OK ? KERR_OK : rc_kerr(rc);
}

enum kerr outbox_commit(struct outbox *ob)
{
    int rc = sqlite3_exec(ob->db, "COMMIT", NULL, NULL, NULL);
    if (rc == SQLITE_OK) return KERR_OK;
    rollback(ob);
    return rc_kerr(rc) == KERR_OK ? KERR_DB : rc_kerr(rc);
}

void outbox_rollback(struct outbox *ob) { rollback(ob); }

static enum kerr mark(struct outbox *ob, const char *sql, int64_t id, int status, const char *text,
                      int64_t t)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(ob->db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int(st, 2, status);
        if (text)
            sqlite3_bind_text(st, 3, text, -1, SQLITE_TRANSIENT);
        else
            sqlite3_bind_null(st, 3);
        sqlite3_bind_int64(st, 4, t);
        rc = sqlite3_step(st);
        if (rc == SQLITE_DONE) rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_OK ? KERR_OK : rc_kerr(rc);
}

enum kerr outbox_mark_delivered(struct outbox *ob, int64_t id, int http_status, const char *answer)
{
    return mark(ob,
                "UPDATE items SET state = 1, attempts = attempts + 1, last_status = ?2,"
                " answer = ?3, done_ms = ?4, last_error = NULL, next_attempt_ms = NULL"
                " WHERE id = ?1 AND state = 0",
                id, http_status, answer, kclock_wall_ms());
}

enum kerr outbox_mark_dead(struct outbox *ob, int64_t id, int http_status, const char *reason)
{
    return mark(ob,
                "UPDATE items SET state = 2, attempts = attempts + 1, last_status = ?2,"
                " last_error = ?3, done_ms = ?4, next_attempt_ms = NULL"
                " WHERE id = ?1 AND state = 0",
                id, http_status, reason, kclock_wall_ms());
}

enum kerr outbox_mark_retry(struct outbox *ob, int64_t id, int http_status, const char *error,
                            int64_t next_wall_ms)
{
    return mark(ob,
                "UPDATE items SET attempts = attempts + 1, last_status = ?2, last_error = ?3,"
                " next_attempt_ms = ?4 WHERE id = ?1 AND state = 0",
                id, http_status, error, next_wall_ms);
}

enum kerr outbox_erase_old(struct outbox *ob, int64_t now_wall_ms, int64_t retention_ms,
                           int64_t dead_retention_ms, int64_t prune_ms, int *erased)
{
    sqlite3_stmt *st = NULL;
    int rc;
    *erased = 0;
    rc = sqlite3_exec(ob->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc != SQLITE_OK) goto fail;
    rc = sqlite3_prepare_v2(
        ob->db,
        "UPDATE items SET body = NULL, answer = NULL, erased = 1 WHERE erased = 0 AND ("
        " (state = 1 AND (done_ms <= ?1 - ?2 OR done_ms > ?1 + 60000)) OR"
        " (state = 2 AND (done_ms <= ?1 - ?3 OR done_ms > ?1 + 60000)))",
        -1, &st, NULL);
    if (rc != SQLITE_OK) goto fail;
    sqlite3_bind_int64(st, 1, now_wall_ms);
    sqlite3_bind_int64(st, 2, retention_ms);
    sqlite3_bind_int64(st, 3, dead_retention_ms);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    st = NULL;
    if (rc != SQLITE_DONE) goto fail;
    *erased = sqlite3_changes(ob->db);
    rc = sqlite3_prepare_v2(ob->db,
                            "DELETE FROM items WHERE state != 0 AND erased = 1 AND done_ms <= ?1",
                            -1, &st, NULL);
    if (rc != SQLITE_OK) goto fail;
    sqlite3_bind_int64(st, 1, now_wall_ms - prune_ms);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    st = NULL;
    if (rc != SQLITE_DONE) goto fail;
    rc = sqlite3_exec(ob->db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK) goto fail;
    if (*erased > 0) {
        /* Copy the overwritten pages into the main file and cut the WAL, so the
         * old personal data does not linger in the log. A reader may keep the
         * WAL busy: then it is tried again next time. */
        sqlite3_wal_checkpoint_v2(ob->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
    }
    return KERR_OK;
fail:
    sqlite3_finalize(st);
    rollback(ob);
    *erased = 0;
    return rc_kerr(rc) == KERR_OK ? KERR_DB : rc_kerr(rc);
}

enum kerr outbox_counts(struct outbox *ob, int *pending, int *dead, int64_t *oldest_created_ms)
{
    int64_t p = 0, d = 0, o = 0;
    int rc = query_int(ob, "SELECT count(*) FROM items WHERE state = 0", &p);
    if (rc == SQLITE_OK) rc = query_int(ob, "SELECT count(*) FROM items WHERE state = 2", &d);
    if (rc == SQLITE_OK)
        rc = query_int(ob, "SELECT created_ms FROM items WHERE state = 0 ORDER BY id LIMIT 1", &o);
    *pending = (int)p;
    *dead = (int)d;
    *oldest_created_ms = o;
    return rc == SQLITE_OK ? KERR_OK : rc_kerr(rc);
}

enum kerr outbox_local(struct outbox *ob, const char *ticket, struct outbox_local *out)
{
    sqlite3_stmt *st = NULL;
    enum kerr e = KERR_NOTFOUND;
    int rc;
    memset(out, 0, sizeof *out);
    rc = sqlite3_prepare_v2(ob->db,
                            "SELECT state, category, created_ms, attempts FROM items WHERE ticket = ?1",
                            -1, &st, NULL);
    if (rc != SQLITE_OK) {
        sqlite3_finalize(st);
        return rc_kerr(rc);
    }
    sqlite3_bind_text(st, 1, ticket, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const char *cat = (const char *)sqlite3_column_text(st, 1);
        out->state = (enum outbox_state)sqlite3_column_int(st, 0);
        snprintf(out->category, sizeof out->category, "%s", cat ? cat : "");
        out->created_ms = sqlite3_column_int64(st, 2);
        out->attempts = sqlite3_column_int(st, 3);
        e = KERR_OK;
    } else if (rc != SQLITE_DONE) {
        e = rc_kerr(rc);
    }
    sqlite3_finalize(st);
    return e;
}

void outbox_checkpoint(struct outbox *ob)
{
    sqlite3_wal_checkpoint_v2(ob->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
}

bool outbox_integrity_ok(struct outbox *ob)
{
    sqlite3_stmt *st = NULL;
    bool ok = false;
    if (sqlite3_prepare_v2(ob->db, "PRAGMA integrity_check", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
        const char *r = (const char *)sqlite3_column_text(st, 0);
        ok = r && strcmp(r, "ok") == 0;
    }
    sqlite3_finalize(st);
    return ok;
}
