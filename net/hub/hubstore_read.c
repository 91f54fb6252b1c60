/* hubstore_read: the read queries, each on a reader connection of its own:
 * kiosks, ticket status and pages, requests, facets, users and audit. See
 * hubstore_impl.h. */
#include <cjson/cJSON.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "kclock.h"
#include "klog.h"

#include "hubstore_impl.h"
#include "hubstore_pg.h"
#include "kassert.h"

/* ---- reads --------------------------------------------------------------- */

enum kerr hubstore_pg_unported(const char *what)
{
    KLOGE("hubstore", "%s: not in the PostgreSQL store of this build", what);
    return KERR_DB;
}

static int reader_get(struct hubstore *st)
{
    int i;
    pthread_mutex_lock(&st->rlock);
    for (;;) {
        for (i = 0; i < READERS; i++)
            if (!st->rbusy[i]) break;
        if (i < READERS) break;
        pthread_cond_wait(&st->rfree, &st->rlock);
    }
    st->rbusy[i] = true;
    pthread_mutex_unlock(&st->rlock);
    return i;
}

static void reader_put(struct hubstore *st, int i)
{
    pthread_mutex_lock(&st->rlock);
    st->rbusy[i] = false;
    pthread_cond_signal(&st->rfree);
    pthread_mutex_unlock(&st->rlock);
}

static sqlite3_stmt *rprep(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *s = NULL;
    /* sqlite caches nothing for us; prepare is a few microseconds */
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
        KLOGE("hubstore", "prepare: %s", sqlite3_errmsg(db));
        return NULL;
    }
    return s;
}

static void add_col(cJSON *o, const char *name, sqlite3_stmt *s, int col)
{
    switch (sqlite3_column_type(s, col)) {
    case SQLITE_NULL: cJSON_AddNullToObject(o, name); break;
    case SQLITE_INTEGER: cJSON_AddNumberToObject(o, name, (double)sqlite3_column_int64(s, col)); break;
    default: cJSON_AddStringToObject(o, name, (const char *)sqlite3_column_text(s, col)); break;
    }
}

/* Columns first.. of s as members names[0..n) of o. */
static void add_cols(cJSON *o, sqlite3_stmt *s, int first, const char *const *names, int n)
{
    for (int i = 0; i < n; i++) add_col(o, names[i], s, first + i);
}

/* What the store adds to a stored body: its current state and times. */
static const char *const record_cols[] = {"status",     "note",      "received_at",
                                          "updated_at", "erased_at", "assignee"};
#define RECORD_COLS ((int)(sizeof record_cols / sizeof record_cols[0]))

enum kerr hubstore_kiosk_by_token(struct hubstore *st, const uint8_t hash[32], char *id_out,
                                  bool *revoked)
{
    if (st->pg) return hubpg_kiosk_by_token(st->pg, hash, id_out, revoked);
    int r = reader_get(st);
    enum kerr res = KERR_DB;
    sqlite3_stmt *s = rprep(st->rdb[r], "SELECT id, revoked_at IS NOT NULL FROM kiosks WHERE token_hash=?1");
    int rc;
    if (!s) goto out;
    sqlite3_bind_blob(s, 1, hash, 32, SQLITE_STATIC);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        snprintf(id_out, HUBSTORE_ID_MAX + 1, "%s", (const char *)sqlite3_column_text(s, 0));
        *revoked = sqlite3_column_int(s, 1) != 0;
        res = KERR_OK;
    } else if (rc == SQLITE_DONE) {
        res = KERR_NOTFOUND;
    }
out:
    sqlite3_finalize(s);
    reader_put(st, r);
    return res;
}

bool hubstore_same_secret(const char *a, const char *b)
{
    size_t n = strlen(a);
    unsigned char d = (unsigned char)(n != strlen(b));
    for (size_t i = 0; i < n && b[i]; i++) d |= (unsigned char)(a[i] ^ b[i]);
    return d == 0;
}

enum kerr hubstore_ticket_status(struct hubstore *st, const char *ticket, const char *check,
                                 struct api_ticket_status *out)
{
    if (st->pg) return hubpg_ticket_status(st->pg, ticket, check, out);
    int r = reader_get(st);
    enum kerr res = KERR_DB;
    sqlite3_stmt *s = rprep(st->rdb[r],
                            check ? "SELECT status, note, updated_at, category, check_code"
                                    " FROM requests WHERE (ticket=?1 OR receipt_ticket=?1)"
                                    " AND check_code IS NOT NULL ORDER BY ticket=?1 DESC"
                                  : "SELECT status, note, updated_at, category"
                                    " FROM requests WHERE ticket=?1");
    int rc;
    memset(out, 0, sizeof *out);
    if (!s) goto out;
    hubstore_bind_text(s, 1, ticket);
    /* by ticket or by the receipt's ticket (after a renumbering): at most a
     * few rows, told apart by their check code */
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        if (!check || hubstore_same_secret((const char *)sqlite3_column_text(s, 4), check)) break;
    if (rc == SQLITE_DONE) res = KERR_NOTFOUND;
    if (rc != SQLITE_ROW) goto out;
    res = KERR_CORRUPT;
    /* the ticket asked for: the number the person holds */
    snprintf(out->ticket, sizeof out->ticket, "%s", ticket);
    if (api_ticket_state_parse((const char *)sqlite3_column_text(s, 0), &out->status) != KERR_OK)
        goto out;
    out->note_null = sqlite3_column_type(s, 1) == SQLITE_NULL;
    if (!out->note_null)
        snprintf(out->note, sizeof out->note, "%s", (const char *)sqlite3_column_text(s, 1));
    snprintf(out->updated_at, sizeof out->updated_at, "%s", (const char *)sqlite3_column_text(s, 2));
    snprintf(out->category, sizeof out->category, "%s", (const char *)sqlite3_column_text(s, 3));
    res = KERR_OK;
out:
    sqlite3_finalize(s);
    reader_put(st, r);
    return res;
}

enum kerr hubstore_kiosk_list(struct hubstore *st, cJSON **out)
{
    if (st->pg) return hubstore_pg_unported(__func__);
    static const char *const cols[] = {"id",           "created_at",       "revoked_at",
                                       "last_seen",    "version",          "queue_depth",
                                       "oldest_pending_s", "content_version", "online",
                                       "last_error",   "screen_on"};
    int r = reader_get(st);
    enum kerr res = KERR_DB;
    cJSON *a = cJSON_CreateArray();
    sqlite3_stmt *s = rprep(st->rdb[r], "SELECT id, created_at, revoked_at, last_seen, version,"
                                        " queue_depth, oldest_pending_s, content_version,"
                                        " online, last_error, screen_on FROM kiosks ORDER BY id");
    int rc;
    *out = NULL;
    if (!s || !a) goto out;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        cJSON *o = cJSON_CreateObject();
        if (!o) goto out;
        cJSON_AddItemToArray(a, o);
        add_cols(o, s, 0, cols, 11);
        /* 0/1 columns are booleans on the wire (null stays null) */
        for (int b = 0; b < 2; b++) {
            const char *name = b ? "screen_on" : "online";
            cJSON *on = cJSON_GetObjectItem(o, name);
            if (cJSON_IsNumber(on))
                cJSON_ReplaceItemInObject(o, name, cJSON_CreateBool(on->valueint != 0));
        }
    }
    if (rc != SQLITE_DONE) goto out;
    *out = a;
    a = NULL;
    res = KERR_OK;
out:
    cJSON_Delete(a);
    sqlite3_finalize(s);
    reader_put(st, r);
    return res;
}

enum kerr hubstore_request_query(struct hubstore *st, const struct hubstore_filter *f, cJSON **out)
{
    if (st->pg) return hubstore_pg_unported(__func__);
    /* ?1 status or "open", ?2 category, ?3 tower, ?4 kiosk, ?5 assignee ("-": nobody),
     * ?6 text, ?7 limit; a NULL parameter does not filter */
    static const char sql[] =
        "SELECT body, status, note, received_at, updated_at, erased_at, assignee FROM requests"
        " WHERE (?1 IS NULL OR status=?1 OR (?1='open' AND status IN ('new','accepted','in_progress')))"
        " AND (?2 IS NULL OR category=?2)"
        " AND (?3 IS NULL OR json_extract(body,'$.tower')=?3)"
        " AND (?4 IS NULL OR kiosk_id=?4)"
        " AND (?5 IS NULL OR (?5='-' AND assignee IS NULL) OR assignee=?5)"
        " AND (?6 IS NULL OR instr(lower(ticket || ' ' || coalesce(receipt_ticket,'') || ' ' ||"
        "  coalesce(json_extract(body,'$.company.name'),'') || ' ' ||"
        "  coalesce(json_extract(body,'$.contact_name'),'') || ' ' ||"
        "  coalesce(json_extract(body,'$.phone'),'') || ' ' ||"
        "  coalesce(json_extract(body,'$.description'),'')), lower(?6)) > 0)"
        " ORDER BY received_at DESC, ticket LIMIT ?7";
    int r = reader_get(st);
    enum kerr res = KERR_DB;
    cJSON *a = cJSON_CreateArray();
    sqlite3_stmt *s = rprep(st->rdb[r], sql);
    const char *p[6] = {f->status, f->category, f->tower, f->kiosk, f->assignee, f->q};
    int rc;
    *out = NULL;
    if (!s || !a) goto out;
    for (int i = 0; i < 6; i++) hubstore_bind_text(s, i + 1, p[i] && p[i][0] ? p[i] : NULL);
    sqlite3_bind_int(s, 7, f->limit > 0 ? f->limit : 100);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        /* the whole stored request, with its current status and note */
        cJSON *o = cJSON_Parse((const char *)sqlite3_column_text(s, 0));
        if (!cJSON_IsObject(o)) {
            cJSON_Delete(o);
            res = KERR_CORRUPT;
            goto out;
        }
        cJSON_AddItemToArray(a, o);
        /* the check code only in the record of one request, not in bulk */
        cJSON_DeleteItemFromObject(o, "check");
        cJSON_DeleteItemFromObject(o, "status");
        add_cols(o, s, 1, record_cols, RECORD_COLS);
    }
    if (rc != SQLITE_DONE) goto out;
    *out = a;
    a = NULL;
    res = KERR_OK;
out:
    cJSON_Delete(a);
    sqlite3_finalize(s);
    reader_put(st, r);
    return res;
}

enum kerr hubstore_request_list(struct hubstore *st, const char *status, int limit, cJSON **out)
{
    if (st->pg) return hubstore_pg_unported(__func__);
    struct hubstore_filter f = {.status = status, .limit = limit};
    return hubstore_request_query(st, &f, out);
}

/* Rows of one text column of sql as a new cJSON array of strings. */
static cJSON *column_strings(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *s = rprep(db, sql);
    cJSON *a = cJSON_CreateArray();
    int rc = SQLITE_ERROR;
    if (s && a) {
        while ((rc = sqlite3_step(s)) == SQLITE_ROW)
            if (sqlite3_column_type(s, 0) == SQLITE_TEXT)
                cJSON_AddItemToArray(a, cJSON_CreateString((const char *)sqlite3_column_text(s, 0)));
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) {
        cJSON_Delete(a);
        return NULL;
    }
    return a;
}

enum kerr hubstore_facets(struct hubstore *st, cJSON **out)
{
    if (st->pg) return hubstore_pg_unported(__func__);
    int r = reader_get(st);
    cJSON *o = cJSON_CreateObject();
    cJSON *c = column_strings(st->rdb[r], "SELECT DISTINCT category FROM requests ORDER BY 1");
    cJSON *t = column_strings(st->rdb[r], "SELECT DISTINCT json_extract(body,'$.tower')"
                                          " FROM requests ORDER BY 1");
    cJSON *k = column_strings(st->rdb[r], "SELECT id FROM kiosks UNION"
                                          " SELECT DISTINCT kiosk_id FROM requests ORDER BY 1");
    reader_put(st, r);
    *out = NULL;
    if (!o || !c || !t || !k) {
        cJSON_Delete(o);
        cJSON_Delete(c);
        cJSON_Delete(t);
        cJSON_Delete(k);
        return KERR_DB;
    }
    cJSON_AddItemToObject(o, "categories", c);
    cJSON_AddItemToObject(o, "towers", t);
    cJSON_AddItemToObject(o, "kiosks", k);
    *out = o;
    return KERR_OK;
}

enum kerr hubstore_ticket_page(struct hubstore *st, const char *ticket, const char *check,
                               struct hubstore_page *out)
{
    if (st->pg) return hubstore_pg_unported(__func__);
    int r = reader_get(st);
    enum kerr res = KERR_DB;
    sqlite3_stmt *h = NULL;
    sqlite3_stmt *s = rprep(st->rdb[r], "SELECT ticket, status, category, received_at,"
                                        " updated_at, erased_at, check_code,"
                                        " json_extract(body,'$.tower'),"
                                        " json_extract(body,'$.description') FROM requests"
                                        " WHERE (ticket=?1 OR receipt_ticket=?1)"
                                        " AND check_code IS NOT NULL ORDER BY ticket=?1 DESC");
    char real[HUBSTORE_TICKET_MAX + 1];
    int rc, n = 0;
    memset(out, 0, sizeof *out);
    if (!s) goto out;
    sqlite3_exec(st->rdb[r], "BEGIN", NULL, NULL, NULL);
    hubstore_bind_text(s, 1, ticket);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        if (hubstore_same_secret((const char *)sqlite3_column_text(s, 6), check)) break;
    if (rc == SQLITE_DONE) res = KERR_NOTFOUND;
    if (rc != SQLITE_ROW) goto out;
    snprintf(out->ticket, sizeof out->ticket, "%s", ticket);
    snprintf(real, sizeof real, "%s", (const char *)sqlite3_column_text(s, 0));
    snprintf(out->status, sizeof out->status, "%s", (const char *)sqlite3_column_text(s, 1));
    snprintf(out->category, sizeof out->category, "%s", (const char *)sqlite3_column_text(s, 2));
    snprintf(out->received_at, sizeof out->received_at, "%s", (const char *)sqlite3_column_text(s, 3));
    snprintf(out->updated_at, sizeof out->updated_at, "%s", (const char *)sqlite3_column_text(s, 4));
    if (sqlite3_column_type(s, 5) == SQLITE_TEXT)
        snprintf(out->erased_at, sizeof out->erased_at, "%s", (const char *)sqlite3_column_text(s, 5));
    if (sqlite3_column_type(s, 7) == SQLITE_TEXT)
        snprintf(out->tower, sizeof out->tower, "%s", (const char *)sqlite3_column_text(s, 7));
    if (sqlite3_column_type(s, 8) == SQLITE_TEXT)
        snprintf(out->description, sizeof out->description, "%s",
                 (const char *)sqlite3_column_text(s, 8));
    /* the latest entries, shown oldest first */
    h = rprep(st->rdb[r], "SELECT to_status, at, note FROM (SELECT id, to_status, at, note"
                          " FROM history WHERE ticket=?1 ORDER BY id DESC LIMIT ?2) ORDER BY id");
    if (!h) goto out;
    hubstore_bind_text(h, 1, real);
    sqlite3_bind_int(h, 2, HUBSTORE_PAGE_HISTORY);
    while ((rc = sqlite3_step(h)) == SQLITE_ROW && n < HUBSTORE_PAGE_HISTORY) {
        snprintf(out->hist[n].to, sizeof out->hist[n].to, "%s", (const char *)sqlite3_column_text(h, 0));
        snprintf(out->hist[n].at, sizeof out->hist[n].at, "%s", (const char *)sqlite3_column_text(h, 1));
        out->hist[n].has_note = sqlite3_column_type(h, 2) == SQLITE_TEXT;
        if (out->hist[n].has_note)
            snprintf(out->hist[n].note, sizeof out->hist[n].note, "%s",
                     (const char *)sqlite3_column_text(h, 2));
        n++;
    }
    if (rc != SQLITE_DONE) goto out;
    out->nhist = n;
    res = KERR_OK;
out:
    sqlite3_finalize(h);
    sqlite3_finalize(s);
    sqlite3_exec(st->rdb[r], "COMMIT", NULL, NULL, NULL);
    reader_put(st, r);
    return res;
}

bool hubstore_user_name_valid(const char *s)
{
    size_t n = strlen(s);
    if (n < 2 || n > HUBSTORE_USER_MAX || !(s[0] >= 'a' && s[0] <= 'z')) return false;
    if (strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789._-") != n) return false;
    return strcmp(s, "admin") != 0;
}

bool hubstore_role_valid(const char *s)
{
    return strcmp(s, "viewer") == 0 || strcmp(s, "handler") == 0 || strcmp(s, "admin") == 0;
}

enum kerr hubstore_user_get(struct hubstore *st, const char *name, struct hubstore_user *out)
{
    if (st->pg) return hubstore_pg_unported(__func__);
    int r = reader_get(st);
    enum kerr res = KERR_DB;
    char now[API_TIME_SIZE];
    sqlite3_stmt *s = rprep(st->rdb[r], "SELECT name, role, pw_hash, disabled_at IS NOT NULL,"
                                        " coalesce(locked_until > ?2, 0) FROM users WHERE name=?1");
    int rc;
    memset(out, 0, sizeof *out);
    hubstore_now(now, sizeof now);
    if (!s) goto out;
    hubstore_bind_text(s, 1, name);
    hubstore_bind_text(s, 2, now);
    rc = sqlite3_step(s);
    if (rc == SQLITE_DONE) res = KERR_NOTFOUND;
    if (rc != SQLITE_ROW) goto out;
    snprintf(out->name, sizeof out->name, "%s", (const char *)sqlite3_column_text(s, 0));
    snprintf(out->role, sizeof out->role, "%s", (const char *)sqlite3_column_text(s, 1));
    snprintf(out->pw_hash, sizeof out->pw_hash, "%s", (const char *)sqlite3_column_text(s, 2));
    out->disabled = sqlite3_column_int(s, 3) != 0;
    out->locked = sqlite3_column_int(s, 4) != 0;
    res = KERR_OK;
out:
    sqlite3_finalize(s);
    reader_put(st, r);
    return res;
}

/* Every row of s as objects with members names[0..n) in a new array. */
static enum kerr rows_to_array(sqlite3_stmt *s, const char *const *names, int n, cJSON **out)
{
    cJSON *a = cJSON_CreateArray();
    int rc;
    *out = NULL;
    if (!a) return KERR_NOMEM;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        cJSON *o = cJSON_CreateObject();
        if (!o) break;
        cJSON_AddItemToArray(a, o);
        add_cols(o, s, 0, names, n);
    }
    if (rc != SQLITE_DONE) {
        cJSON_Delete(a);
        return KERR_DB;
    }
    *out = a;
    return KERR_OK;
}

enum kerr hubstore_user_list(struct hubstore *st, cJSON **out)
{
    if (st->pg) return hubstore_pg_unported(__func__);
    static const char *const cols[] = {"name",        "role",         "created_at",
                                       "disabled_at", "locked_until", "last_login"};
    int r = reader_get(st);
    enum kerr res = KERR_DB;
    char now[API_TIME_SIZE];
    sqlite3_stmt *s = rprep(st->rdb[r], "SELECT name, role, created_at, disabled_at,"
                                        " CASE WHEN locked_until > ?1 THEN locked_until END,"
                                        " last_login FROM users ORDER BY name");
    *out = NULL;
    hubstore_now(now, sizeof now);
    if (s) {
        hubstore_bind_text(s, 1, now);
        res = rows_to_array(s, cols, 6, out);
    }
    sqlite3_finalize(s);
    reader_put(st, r);
    return res;
}

enum kerr hubstore_audit_list(struct hubstore *st, int64_t before, int limit, cJSON **out)
{
    if (st->pg) return hubstore_pg_unported(__func__);
    static const char *const cols[] = {"id", "at", "actor", "action", "target", "detail"};
    int r = reader_get(st);
    enum kerr res = KERR_DB;
    sqlite3_stmt *s = rprep(st->rdb[r], "SELECT id, at, actor, action, target, detail FROM audit"
                                        " WHERE ?1 <= 0 OR id < ?1 ORDER BY id DESC LIMIT ?2");
    *out = NULL;
    if (s) {
        sqlite3_bind_int64(s, 1, before);
        sqlite3_bind_int(s, 2, limit);
        res = rows_to_array(s, cols, 6, out);
    }
    sqlite3_finalize(s);
    reader_put(st, r);
    return res;
}

enum kerr hubstore_request_get(struct hubstore *st, const char *ticket, cJSON **out)
{
    if (st->pg) return hubstore_pg_unported(__func__);
    int r = reader_get(st);
    enum kerr res = KERR_DB;
    cJSON *o = NULL, *hist;
    sqlite3_stmt *h = NULL;
    sqlite3_stmt *s = rprep(st->rdb[r], "SELECT body, status, note, received_at, updated_at,"
                                        " erased_at, assignee FROM requests WHERE ticket=?1");
    int rc;
    *out = NULL;
    if (!s) goto out;
    /* one read transaction so the record and its history agree */
    sqlite3_exec(st->rdb[r], "BEGIN", NULL, NULL, NULL);
    hubstore_bind_text(s, 1, ticket);
    rc = sqlite3_step(s);
    if (rc == SQLITE_DONE) res = KERR_NOTFOUND;
    if (rc != SQLITE_ROW) goto out;
    o = cJSON_Parse((const char *)sqlite3_column_text(s, 0));
    res = KERR_CORRUPT;
    if (!cJSON_IsObject(o)) goto out;
    res = KERR_NOMEM;
    cJSON_DeleteItemFromObject(o, "status");
    add_cols(o, s, 1, record_cols, RECORD_COLS);
    hist = cJSON_AddArrayToObject(o, "history");
    if (!hist) goto out;
    res = KERR_DB;
    h = rprep(st->rdb[r], "SELECT from_status, to_status, note, at, actor FROM history"
                          " WHERE ticket=?1 ORDER BY id");
    if (!h) goto out;
    hubstore_bind_text(h, 1, ticket);
    while ((rc = sqlite3_step(h)) == SQLITE_ROW) {
        cJSON *e = cJSON_CreateObject();
        if (!e) goto out;
        static const char *const hist_cols[] = {"from", "to", "note", "at", "by"};
        cJSON_AddItemToArray(hist, e);
        add_cols(e, h, 0, hist_cols, 5);
    }
    if (rc != SQLITE_DONE) goto out;
    *out = o;
    o = NULL;
    res = KERR_OK;
out:
    cJSON_Delete(o);
    sqlite3_finalize(h);
    sqlite3_finalize(s);
    sqlite3_exec(st->rdb[r], "COMMIT", NULL, NULL, NULL);
    reader_put(st, r);
    return res;
}

enum kerr hubstore_request_count(struct hubstore *st, int64_t *out)
{
    if (st->pg) return hubpg_request_count(st->pg, out);
    int r = reader_get(st);
    enum kerr res = KERR_DB;
    sqlite3_stmt *s = rprep(st->rdb[r], "SELECT count(*) FROM requests");
    if (s && sqlite3_step(s) == SQLITE_ROW) {
        *out = sqlite3_column_int64(s, 0);
        res = KERR_OK;
    }
    sqlite3_finalize(s);
    reader_put(st, r);
    return res;
}

int hubstore_reader_acquire(struct hubstore *st)
{
    KASSERT(!st->pg); /* the SQLite readers: kiosk-hub opens no PostgreSQL store without them */
    return reader_get(st);
}

void hubstore_reader_release(struct hubstore *st, int i)
{
    reader_put(st, i);
}
