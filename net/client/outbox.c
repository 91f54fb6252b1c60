#include "outbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include <sys/random.h>
#include <unistd.h>

#include "kclock.h"
#include "klog.h"
#include "outbox_impl.h"

void outbox_wipe(void *p, size_t n) { explicit_bzero(p, n); }

enum kerr outbox_rc_kerr(int rc)
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

enum kerr outbox_rc_err(int rc)
{
    enum kerr e = outbox_rc_kerr(rc);
    return e == KERR_OK ? KERR_DB : e;
}

int outbox_exec(struct outbox *ob, const char *sql)
{
    int rc = sqlite3_exec(ob->db, sql, NULL, NULL, NULL);
    if (rc != SQLITE_OK) KLOGW(MOD, "%.40s: %s", sql, sqlite3_errmsg(ob->db));
    return rc;
}

void outbox_tx_rollback(struct outbox *ob)
{
    if (!sqlite3_get_autocommit(ob->db)) sqlite3_exec(ob->db, "ROLLBACK", NULL, NULL, NULL);
}

int outbox_query_int(sqlite3 *db, const char *sql, int64_t *v)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) *v = sqlite3_column_int64(st, 0);
        if (rc == SQLITE_ROW || rc == SQLITE_DONE) rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    return rc;
}

static int set_meta(struct outbox *ob, const char *k, int64_t v)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(ob->db, "INSERT OR REPLACE INTO meta(k, v) VALUES(?1, ?2)", -1,
                                &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, k, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, v);
        rc = sqlite3_step(st);
        if (rc == SQLITE_DONE) rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    return rc;
}

/* ---- randomness: epochs and check codes ---- */

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* Uniform in [0, n). */
static enum kerr draw_below(struct outbox *ob, uint32_t n, uint32_t *out)
{
    uint32_t v, lim = UINT32_MAX - UINT32_MAX % n;
    do {
        if (ob->rng) v = (uint32_t)(splitmix64(&ob->rng) >> 32);
        else if (getrandom(&v, sizeof v, 0) != (ssize_t)sizeof v) return KERR_IO;
    } while (v >= lim);
    *out = v % n;
    return KERR_OK;
}

/* A random epoch in OUTBOX_EPOCH_MIN..MAX other than avoid. */
static enum kerr draw_epoch(struct outbox *ob, int64_t avoid, int64_t *out)
{
    uint32_t v;
    enum kerr e;
    do {
        e = draw_below(ob, OUTBOX_EPOCH_MAX - OUTBOX_EPOCH_MIN + 1, &v);
        if (e != KERR_OK) return e;
        *out = OUTBOX_EPOCH_MIN + (int64_t)v;
    } while (*out == avoid);
    return KERR_OK;
}

static enum kerr make_check(struct outbox *ob, char out[API_CHECK_SIZE])
{
    uint32_t v;
    enum kerr e;
    if (!ob->rng) return api_check_make(out);
    e = draw_below(ob, 1000000, &v);
    if (e == KERR_OK) snprintf(out, API_CHECK_SIZE, "%06u", (unsigned)v);
    return e;
}

/* ---- schema ---- */

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
    "CREATE INDEX items_state ON items(state, id);"
    "INSERT INTO meta(k, v) VALUES('next_seq', 1);";

/* v2: tickets <kiosk>-<epoch><6 digits> with a random epoch (no more
 * counting from 1 or from the wall clock), the receipt ticket of a renumbered
 * item, the check code, and the count of rows lost to damage. */
static const char schema_v2[] =
    "ALTER TABLE items ADD COLUMN receipt_ticket TEXT;"
    "ALTER TABLE items ADD COLUMN check_code TEXT;"
    "CREATE INDEX items_receipt ON items(receipt_ticket) WHERE receipt_ticket IS NOT NULL;"
    "INSERT OR REPLACE INTO meta(k, v) VALUES('next_seq', 1), ('lost', 0);";

/* Brings the schema to OUTBOX_SCHEMA_VERSION in one transaction. */
static int migrate(struct outbox *ob)
{
    int64_t ver = 0, epoch = 0;
    char sql[128];
    int rc = outbox_exec(ob, "BEGIN IMMEDIATE");
    if (rc != SQLITE_OK) return rc;
    rc = outbox_query_int(ob->db, "PRAGMA user_version", &ver);
    if (rc != SQLITE_OK) goto fail;
    if (ver > OUTBOX_SCHEMA_VERSION) {
        KLOGE(MOD, "schema version %lld is newer than this program (%d)", (long long)ver,
              OUTBOX_SCHEMA_VERSION);
        rc = SQLITE_MISMATCH;
        goto fail;
    }
    if (ver < 1) {
        rc = outbox_exec(ob, schema_v1);
        if (rc != SQLITE_OK) goto fail;
    }
    if (ver < 2) {
        rc = outbox_exec(ob, schema_v2);
        if (rc != SQLITE_OK) goto fail;
        if (draw_epoch(ob, 0, &epoch) != KERR_OK) {
            rc = SQLITE_IOERR;
            goto fail;
        }
        rc = set_meta(ob, "epoch", epoch);
        if (rc != SQLITE_OK) goto fail;
        KLOGI(MOD, "ticket epoch %lld drawn for %s outbox", (long long)epoch,
              ver < 1 ? "a new" : "a migrated");
    }
    if (ver != OUTBOX_SCHEMA_VERSION) {
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d", OUTBOX_SCHEMA_VERSION);
        rc = outbox_exec(ob, sql);
        if (rc != SQLITE_OK) goto fail;
    }
    rc = outbox_exec(ob, "COMMIT");
    if (rc != SQLITE_OK) goto fail;
    return SQLITE_OK;
fail:
    outbox_tx_rollback(ob);
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
static int open_conn(struct outbox *ob, bool check, bool ui_conn)
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
    rc = outbox_exec(ob, "PRAGMA synchronous=FULL; PRAGMA secure_delete=ON; PRAGMA foreign_keys=ON");
    if (rc != SQLITE_OK) return rc;
    if (ui_conn) {
        /* The UI connection never pays for a checkpoint; the sender does them. */
        rc = outbox_exec(ob, "PRAGMA wal_autocheckpoint=0");
        if (rc != SQLITE_OK) return rc;
    }
    rc = outbox_query_int(ob->db, "SELECT count(*) FROM sqlite_schema", &dummy);
    if (rc != SQLITE_OK) return rc;
    if (check) {
        rc = quick_check(ob);
        if (rc != SQLITE_OK) return rc;
    }
    return migrate(ob);
}

enum kerr outbox_open(const char *path, const struct outbox_opts *opts, struct outbox **out,
                      struct outbox_damage *dmg)
{
    static const struct outbox_opts none;
    struct outbox_damage dummy;
    struct outbox *ob;
    int rc;
    if (!opts) opts = &none;
    if (!dmg) dmg = &dummy;
    memset(dmg, 0, sizeof *dmg);
    *out = NULL;
    ob = calloc(1, sizeof *ob);
    if (!ob) return KERR_NOMEM;
    ob->rng = opts->test_seed;
    ob->path = strdup(path);
    if (!ob->path) {
        free(ob);
        return KERR_NOMEM;
    }
    rc = open_conn(ob, opts->check, opts->ui_conn);
    if (opts->check && (outbox_rc_kerr(rc) == KERR_CORRUPT)) {
        char aside[4200];
        KLOGE(MOD, "outbox damaged (%s); moving it aside and starting a new one",
              ob->db ? sqlite3_errstr(rc) : "open");
        sqlite3_close_v2(ob->db);
        ob->db = NULL;
        outbox_move_aside(path, aside, sizeof aside);
        dmg->moved_aside = true;
        /* The new file draws a new random ticket epoch, so its tickets do not
         * repeat the lost file's (and a 409 ticket-taken renumbers anyway). */
        rc = open_conn(ob, opts->check, opts->ui_conn);
        if (rc == SQLITE_OK) outbox_salvage(ob, aside, dmg);
    }
    if (rc != SQLITE_OK) {
        enum kerr e = outbox_rc_kerr(rc);
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
    outbox_wipe(ob->body, sizeof ob->body);
    free(ob->path);
    free(ob);
}

/* ---- the canonical body, written once into ob->body ---- */

/* Canonical compact JSON of r into ob->body (api_help_request_write: no heap
 * copy of any field). */
static enum kerr encode_request(struct outbox *ob, const struct api_help_request *r, size_t *len)
{
    enum kerr e = api_help_request_write(r, ob->body, sizeof ob->body, len);
    if (e == KERR_OK && *len > API_BODY_MAX) e = KERR_TOOBIG;
    return e;
}

/* ---- tickets ---- */

static int ticket_in_use(struct outbox *ob, const char *t, bool *used)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(ob->db,
                                "SELECT 1 FROM items WHERE ticket = ?1 OR receipt_ticket = ?1"
                                " LIMIT 1", -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, t, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        *used = rc == SQLITE_ROW;
        if (rc == SQLITE_ROW || rc == SQLITE_DONE) rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    return rc;
}

/* Takes the next ticket of the current epoch (a new epoch first when
 * new_epoch, or when the epoch is used up), skipping any ticket this file
 * already holds. Inside a write transaction. */
static enum kerr next_ticket(struct outbox *ob, const char *kiosk_id, bool new_epoch,
                             char out[API_TICKET_SIZE])
{
    int64_t epoch = 0, n = 0;
    int rc = outbox_query_int(ob->db, "SELECT v FROM meta WHERE k = 'epoch'", &epoch);
    if (rc == SQLITE_OK) rc = outbox_query_int(ob->db, "SELECT v FROM meta WHERE k = 'next_seq'", &n);
    if (rc != SQLITE_OK) return outbox_rc_err(rc);
    if (epoch < OUTBOX_EPOCH_MIN || epoch > OUTBOX_EPOCH_MAX || n < 1) new_epoch = true;
    for (int tries = 0; tries < 100000; tries++) {
        bool used = false;
        enum kerr e;
        if (new_epoch || n > 999999) {
            e = draw_epoch(ob, epoch, &epoch);
            if (e != KERR_OK) return e;
            n = 1;
            new_epoch = false;
            KLOGI(MOD, "new ticket epoch %lld", (long long)epoch);
        }
        e = api_ticket_format(out, kiosk_id, (uint64_t)(epoch * 1000000 + n));
        if (e != KERR_OK) return e;
        rc = ticket_in_use(ob, out, &used);
        if (rc != SQLITE_OK) return outbox_rc_err(rc);
        n++;
        if (used) continue;
        rc = set_meta(ob, "epoch", epoch);
        if (rc == SQLITE_OK) rc = set_meta(ob, "next_seq", n);
        return rc == SQLITE_OK ? KERR_OK : outbox_rc_err(rc);
    }
    out[0] = '\0';
    return KERR_FULL;
}

enum kerr outbox_push_request(struct outbox *ob, const char *kiosk_id, struct api_help_request *r,
                              int max_pending, struct outbox_receipt *out,
                              char key_out[API_UUID_SIZE], const char **why)
{
    sqlite3_stmt *st = NULL;
    char key[API_UUID_SIZE];
    int64_t pending = 0;
    size_t len = 0;
    int rc;
    enum kerr e;
    memset(out, 0, sizeof *out);
    key_out[0] = '\0';
    if (!api_kiosk_id_valid(kiosk_id)) {
        if (why) *why = "kiosk_id: malformed";
        return KERR_INVALID;
    }
    snprintf(r->kiosk_id, sizeof r->kiosk_id, "%s", kiosk_id);
    if (!r->created_at[0]) api_time_format(kclock_wall_ms(), r->created_at);
    r->receipt_ticket[0] = '\0';
    e = make_check(ob, r->check);
    if (e == KERR_OK) e = api_uuid_v4_make(key);
    if (e != KERR_OK) return e;
    /* Checked with a placeholder ticket before any lock is taken. */
    e = api_ticket_format(r->ticket, kiosk_id, 100000001);
    if (e == KERR_OK) e = api_help_request_check(r, why);
    if (e != KERR_OK) {
        r->ticket[0] = '\0';
        return e;
    }

    rc = sqlite3_exec(ob->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc != SQLITE_OK) goto fail;
    rc = outbox_query_int(ob->db, "SELECT count(*) FROM items WHERE state = 0", &pending);
    if (rc != SQLITE_OK) goto fail;
    if (pending >= max_pending) {
        outbox_tx_rollback(ob);
        if (why) *why = "outbox: full";
        r->ticket[0] = '\0';
        return KERR_FULL;
    }
    e = next_ticket(ob, kiosk_id, false, r->ticket);
    if (e != KERR_OK) goto fail_e;
    e = encode_request(ob, r, &len);
    if (e != KERR_OK) goto fail_e;
    rc = sqlite3_prepare_v2(ob->db,
                            "INSERT INTO items(idem_key, kind, ticket, category, body, created_ms,"
                            " check_code) VALUES(?1, 'request', ?2, ?3, ?4, ?5, ?6)",
                            -1, &st, NULL);
    if (rc != SQLITE_OK) goto fail;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r->ticket, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, r->category, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, ob->body, (int)len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, kclock_wall_ms());
    sqlite3_bind_text(st, 6, r->check, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    st = NULL;
    if (rc != SQLITE_DONE) goto fail;
    rc = sqlite3_exec(ob->db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK) goto fail;
    outbox_wipe(ob->body, len + 1);
    memcpy(out->ticket, r->ticket, sizeof out->ticket);
    memcpy(out->check, r->check, sizeof out->check);
    memcpy(key_out, key, API_UUID_SIZE);
    return KERR_OK;
fail:
    e = outbox_rc_err(rc);
    KLOGW(MOD, "push failed: %s (%s)", sqlite3_errstr(rc), kerr_str(e));
fail_e:
    sqlite3_finalize(st);
    outbox_tx_rollback(ob);
    outbox_wipe(ob->body, sizeof ob->body);
    r->ticket[0] = '\0';
    if (why && e != KERR_TOOBIG) *why = "outbox: not stored";
    if (why && e == KERR_TOOBIG) *why = "body: too large";
    return e;
}

enum kerr outbox_list_pending(struct outbox *ob, int64_t after_id, struct outbox_item *items,
                              int max, int *n)
{
    sqlite3_stmt *st = NULL;
    int rc;
    *n = 0;
    rc = sqlite3_prepare_v2(ob->db,
                            "SELECT id, attempts, idem_key, ticket, coalesce(receipt_ticket, ticket)"
                            " FROM items WHERE state = 0 AND id > ?1 ORDER BY id LIMIT ?2",
                            -1, &st, NULL);
    if (rc != SQLITE_OK) goto done;
    sqlite3_bind_int64(st, 1, after_id);
    sqlite3_bind_int(st, 2, max);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < max) {
        struct outbox_item *it = &items[*n];
        const char *k = (const char *)sqlite3_column_text(st, 2);
        const char *t = (const char *)sqlite3_column_text(st, 3);
        const char *rt = (const char *)sqlite3_column_text(st, 4);
        it->id = sqlite3_column_int64(st, 0);
        it->attempts = sqlite3_column_int(st, 1);
        snprintf(it->key, sizeof it->key, "%s", k ? k : "");
        snprintf(it->ticket, sizeof it->ticket, "%s", t ? t : "");
        snprintf(it->receipt, sizeof it->receipt, "%s", rt ? rt : "");
        (*n)++;
    }
    if (rc == SQLITE_DONE || rc == SQLITE_ROW) rc = SQLITE_OK;
done:
    sqlite3_finalize(st);
    if (rc != SQLITE_OK) *n = 0;
    return rc == SQLITE_OK ? KERR_OK : outbox_rc_kerr(rc);
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
        return outbox_rc_kerr(rc);
    }
    sqlite3_bind_int64(st, 1, id);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_TEXT) {
        *body = strdup((const char *)sqlite3_column_text(st, 0));
        e = *body ? KERR_OK : KERR_NOMEM;
    } else if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        e = outbox_rc_kerr(rc);
    }
    sqlite3_finalize(st);
    return e;
}

enum kerr outbox_begin(struct outbox *ob)
{
    int rc = sqlite3_exec(ob->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    return rc == SQLITE_OK ? KERR_OK : outbox_rc_kerr(rc);
}

enum kerr outbox_commit(struct outbox *ob)
{
    int rc = sqlite3_exec(ob->db, "COMMIT", NULL, NULL, NULL);
    if (rc == SQLITE_OK) return KERR_OK;
    outbox_tx_rollback(ob);
    return outbox_rc_err(rc);
}

void outbox_rollback(struct outbox *ob) { outbox_tx_rollback(ob); }

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
    return rc == SQLITE_OK ? KERR_OK : outbox_rc_kerr(rc);
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

/* The stored body with a new ticket and (once: a second renumbering keeps
 * the first) the receipt ticket, re-encoded into ob->body. The decoded copy
 * is wiped here; cJSON's own copies are wiped on free (api_json_wipe_on_free,
 * set by the programs at start). */
static enum kerr rewrite_ticket(struct outbox *ob, const char *body, const char *receipt,
                                const char *new_ticket, size_t *len)
{
    struct api_help_request r;
    enum kerr e = api_help_request_decode(body, strlen(body), &r, NULL);
    if (e == KERR_OK) {
        if (!r.receipt_ticket[0]) snprintf(r.receipt_ticket, sizeof r.receipt_ticket, "%s", receipt);
        snprintf(r.ticket, sizeof r.ticket, "%s", new_ticket);
        e = encode_request(ob, &r, len);
    } else {
        e = KERR_CORRUPT;
    }
    explicit_bzero(&r, sizeof r);
    return e;
}

enum kerr outbox_renumber(struct outbox *ob, int64_t id, const char *kiosk_id,
                          char new_ticket[API_TICKET_SIZE])
{
    sqlite3_stmt *st = NULL, *up = NULL;
    char receipt[API_TICKET_SIZE];
    size_t len = 0;
    enum kerr e;
    int rc;
    new_ticket[0] = '\0';
    rc = sqlite3_prepare_v2(ob->db,
                            "SELECT ticket, coalesce(receipt_ticket, ticket), body FROM items"
                            " WHERE id = ?1 AND state = 0 AND body IS NOT NULL",
                            -1, &st, NULL);
    if (rc != SQLITE_OK) goto fail;
    sqlite3_bind_int64(st, 1, id);
    rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        e = KERR_NOTFOUND;
        goto out;
    }
    if (rc != SQLITE_ROW) goto fail;
    snprintf(receipt, sizeof receipt, "%s", (const char *)sqlite3_column_text(st, 1));
    {
        /* A new epoch only when the taken ticket is of the current one: after
         * the first 409 of a collision the rest of its epoch's items simply
         * take the next tickets of the new epoch. */
        int64_t cur = 0;
        const char *old = (const char *)sqlite3_column_text(st, 0), *dash = strrchr(old, '-');
        long long old_epoch = dash ? strtoll(dash + 1, NULL, 10) / 1000000 : -1;
        rc = outbox_query_int(ob->db, "SELECT v FROM meta WHERE k = 'epoch'", &cur);
        if (rc != SQLITE_OK) goto fail;
        e = next_ticket(ob, kiosk_id, old_epoch == cur, new_ticket);
    }
    if (e == KERR_OK)
        e = rewrite_ticket(ob, (const char *)sqlite3_column_text(st, 2), receipt, new_ticket, &len);
    if (e != KERR_OK) goto out;
    rc = sqlite3_prepare_v2(ob->db,
                            "UPDATE items SET ticket = ?2, receipt_ticket = ?3, body = ?4"
                            " WHERE id = ?1 AND state = 0",
                            -1, &up, NULL);
    if (rc != SQLITE_OK) goto fail;
    sqlite3_bind_int64(up, 1, id);
    sqlite3_bind_text(up, 2, new_ticket, -1, SQLITE_STATIC);
    sqlite3_bind_text(up, 3, receipt, -1, SQLITE_STATIC);
    sqlite3_bind_text(up, 4, ob->body, (int)len, SQLITE_STATIC);
    rc = sqlite3_step(up);
    if (rc != SQLITE_DONE) goto fail;
    e = KERR_OK;
    goto out;
fail:
    e = outbox_rc_err(rc);
out:
    sqlite3_finalize(st);
    sqlite3_finalize(up);
    outbox_wipe(ob->body, sizeof ob->body);
    if (e != KERR_OK) new_ticket[0] = '\0';
    return e;
}

enum kerr outbox_counts(struct outbox *ob, struct outbox_counts *out)
{
    int64_t p = 0, d = 0, o = 0, l = 0;
    int rc = outbox_query_int(ob->db, "SELECT count(*) FROM items WHERE state = 0", &p);
    if (rc == SQLITE_OK) rc = outbox_query_int(ob->db, "SELECT count(*) FROM items WHERE state = 2", &d);
    if (rc == SQLITE_OK)
        rc = outbox_query_int(ob->db,
                       "SELECT created_ms FROM items WHERE state = 0 ORDER BY id LIMIT 1", &o);
    if (rc == SQLITE_OK) rc = outbox_query_int(ob->db, "SELECT v FROM meta WHERE k = 'lost'", &l);
    out->pending = (int)p;
    out->dead = (int)d;
    out->lost = (int)l;
    out->oldest_created_ms = o;
    return rc == SQLITE_OK ? KERR_OK : outbox_rc_kerr(rc);
}

/* Equal strings of API_CHECK_SIZE - 1 digits, in time independent of where
 * they differ. */
static bool check_equal(const char *a, const char *b)
{
    unsigned char diff = 0;
    if (!a || !b || !api_check_valid(a) || !api_check_valid(b)) return false;
    for (int i = 0; i < API_CHECK_SIZE - 1; i++) diff |= (unsigned char)(a[i] ^ b[i]);
    return diff == 0;
}

enum kerr outbox_local(struct outbox *ob, const char *ticket, const char *check,
                       struct outbox_local *out)
{
    sqlite3_stmt *st = NULL;
    enum kerr e = KERR_NOTFOUND;
    int rc;
    memset(out, 0, sizeof *out);
    rc = sqlite3_prepare_v2(ob->db,
                            "SELECT state, category, created_ms, attempts, check_code FROM items"
                            " WHERE ticket = ?1 OR receipt_ticket = ?1 LIMIT 1",
                            -1, &st, NULL);
    if (rc != SQLITE_OK) {
        sqlite3_finalize(st);
        return outbox_rc_kerr(rc);
    }
    sqlite3_bind_text(st, 1, ticket, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        if (check_equal((const char *)sqlite3_column_text(st, 4), check)) {
            const char *cat = (const char *)sqlite3_column_text(st, 1);
            out->state = (enum outbox_state)sqlite3_column_int(st, 0);
            snprintf(out->category, sizeof out->category, "%s", cat ? cat : "");
            out->created_ms = sqlite3_column_int64(st, 2);
            out->attempts = sqlite3_column_int(st, 3);
            e = KERR_OK;
        }
    } else if (rc != SQLITE_DONE) {
        e = outbox_rc_kerr(rc);
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
