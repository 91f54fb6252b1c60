/* hubstore_read: the read queries, each on a reader connection of its own:
 * kiosks, ticket status and pages, requests, facets, users and audit; on
 * both backends through hubstore_query.c (a PostgreSQL text of its own where
 * the dialects differ). See hubstore_impl.h. */
#include <cjson/cJSON.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "kassert.h"
#include "kclock.h"
#include "klog.h"

#include "hubstore_impl.h"

/* ---- the SQLite reader pool ---------------------------------------------- */

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

/* ---- reads --------------------------------------------------------------- */

static void add_col(cJSON *o, const char *name, struct hubstore_q *q, int col)
{
    switch (hubstore_q_type(q, col)) {
    case SQLITE_NULL: cJSON_AddNullToObject(o, name); break;
    case SQLITE_INTEGER: cJSON_AddNumberToObject(o, name, (double)hubstore_q_int_col(q, col)); break;
    default: cJSON_AddStringToObject(o, name, hubstore_q_col(q, col)); break;
    }
}

/* Columns first.. of q as members names[0..n) of o. */
static void add_cols(cJSON *o, struct hubstore_q *q, int first, const char *const *names, int n)
{
    for (int i = 0; i < n; i++) add_col(o, names[i], q, first + i);
}

/* What the store adds to a stored body: its current state and times. */
static const char *const record_cols[] = {"status",     "note",      "received_at",
                                          "updated_at", "erased_at", "assignee"};
#define RECORD_COLS ((int)(sizeof record_cols / sizeof record_cols[0]))

enum kerr hubstore_kiosk_by_token(struct hubstore *st, const uint8_t hash[32], char *id_out,
                                  bool *revoked)
{
    struct hubstore_rd rd;
    struct hubstore_q q;
    enum kerr res = KERR_DB;
    int rc;
    if (!hubstore_rd_get(st, &rd)) return KERR_DB;
    if (!hubstore_q_prep(&q, &rd, "SELECT id, revoked_at IS NOT NULL FROM kiosks WHERE token_hash=?1",
                         NULL))
        goto out;
    hubstore_q_blob(&q, 1, hash, 32);
    rc = hubstore_q_step(&q);
    if (rc == SQLITE_ROW) {
        snprintf(id_out, HUBSTORE_ID_MAX + 1, "%s", hubstore_q_col(&q, 0));
        *revoked = hubstore_q_int_col(&q, 1) != 0;
        res = KERR_OK;
    } else if (rc == SQLITE_DONE) {
        res = KERR_NOTFOUND;
    }
out:
    hubstore_q_done(&q);
    hubstore_rd_put(&rd);
    return res;
}

/* Equal strings without an early exit on the first differing byte. */
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
    struct hubstore_rd rd;
    struct hubstore_q q;
    enum kerr res = KERR_DB;
    int rc;
    memset(out, 0, sizeof *out);
    if (!hubstore_rd_get(st, &rd)) return KERR_DB;
    if (!hubstore_q_prep(&q, &rd,
                         check ? "SELECT status, note, updated_at, category, check_code"
                                 " FROM requests WHERE (ticket=?1 OR receipt_ticket=?1)"
                                 " AND check_code IS NOT NULL ORDER BY ticket=?1 DESC"
                               : "SELECT status, note, updated_at, category"
                                 " FROM requests WHERE ticket=?1",
                         NULL))
        goto out;
    hubstore_q_text(&q, 1, ticket);
    /* by ticket or by the receipt's ticket (after a renumbering): at most a
     * few rows, told apart by their check code */
    while ((rc = hubstore_q_step(&q)) == SQLITE_ROW)
        if (!check || hubstore_same_secret(hubstore_q_col(&q, 4), check)) break;
    if (rc == SQLITE_DONE) res = KERR_NOTFOUND;
    if (rc != SQLITE_ROW) goto out;
    res = KERR_CORRUPT;
    /* the ticket asked for: the number the person holds */
    snprintf(out->ticket, sizeof out->ticket, "%s", ticket);
    if (api_ticket_state_parse(hubstore_q_col(&q, 0), &out->status) != KERR_OK) goto out;
    out->note_null = hubstore_q_type(&q, 1) == SQLITE_NULL;
    if (!out->note_null) snprintf(out->note, sizeof out->note, "%s", hubstore_q_col(&q, 1));
    snprintf(out->updated_at, sizeof out->updated_at, "%s", hubstore_q_col(&q, 2));
    snprintf(out->category, sizeof out->category, "%s", hubstore_q_col(&q, 3));
    res = KERR_OK;
out:
    hubstore_q_done(&q);
    hubstore_rd_put(&rd);
    return res;
}

enum kerr hubstore_kiosk_list(struct hubstore *st, cJSON **out)
{
    static const char *const cols[] = {"id",           "created_at",       "revoked_at",
                                       "last_seen",    "version",          "queue_depth",
                                       "oldest_pending_s", "content_version", "online",
                                       "last_error",   "screen_on"};
    static const char sql[] = "SELECT id, created_at, revoked_at, last_seen, version,"
                              " queue_depth, oldest_pending_s, content_version,"
                              " online, last_error, screen_on FROM kiosks ORDER BY id";
    static const char pgsql[] = "SELECT id, created_at, revoked_at, last_seen, version,"
                                " queue_depth, oldest_pending_s, content_version,"
                                " online, last_error, screen_on FROM kiosks ORDER BY id COLLATE \"C\"";
    struct hubstore_rd rd;
    struct hubstore_q q;
    enum kerr res = KERR_DB;
    cJSON *a = NULL;
    int rc;
    *out = NULL;
    if (!hubstore_rd_get(st, &rd)) return KERR_DB;
    a = cJSON_CreateArray();
    if (!hubstore_q_prep(&q, &rd, sql, pgsql) || !a) goto out;
    while ((rc = hubstore_q_step(&q)) == SQLITE_ROW) {
        cJSON *o = cJSON_CreateObject();
        if (!o) goto out;
        cJSON_AddItemToArray(a, o);
        add_cols(o, &q, 0, cols, 11);
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
    hubstore_q_done(&q);
    hubstore_rd_put(&rd);
    return res;
}

enum kerr hubstore_request_query(struct hubstore *st, const struct hubstore_filter *f, cJSON **out)
{
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
    static const char pgsql[] =
        "SELECT body, status, note, received_at, updated_at, erased_at, assignee FROM requests"
        " WHERE ($1::text IS NULL OR status=$1 OR ($1='open' AND status IN ('new','accepted','in_progress')))"
        " AND ($2::text IS NULL OR category=$2)"
        " AND ($3::text IS NULL OR body::jsonb->>'tower'=$3)"
        " AND ($4::text IS NULL OR kiosk_id=$4)"
        " AND ($5::text IS NULL OR ($5='-' AND assignee IS NULL) OR assignee=$5)"
        " AND ($6::text IS NULL OR strpos(lower(ticket || ' ' || coalesce(receipt_ticket,'') || ' ' ||"
        "  coalesce(body::jsonb->'company'->>'name','') || ' ' ||"
        "  coalesce(body::jsonb->>'contact_name','') || ' ' ||"
        "  coalesce(body::jsonb->>'phone','') || ' ' ||"
        "  coalesce(body::jsonb->>'description','')), lower($6)) > 0)"
        " ORDER BY received_at COLLATE \"C\" DESC, ticket COLLATE \"C\" LIMIT $7";
    struct hubstore_rd rd;
    struct hubstore_q q;
    enum kerr res = KERR_DB;
    cJSON *a = NULL;
    const char *p[6] = {f->status, f->category, f->tower, f->kiosk, f->assignee, f->q};
    int rc;
    *out = NULL;
    if (!hubstore_rd_get(st, &rd)) return KERR_DB;
    a = cJSON_CreateArray();
    if (!hubstore_q_prep(&q, &rd, sql, pgsql) || !a) goto out;
    for (int i = 0; i < 6; i++) hubstore_q_text(&q, i + 1, p[i] && p[i][0] ? p[i] : NULL);
    hubstore_q_int(&q, 7, f->limit > 0 ? f->limit : 100);
    while ((rc = hubstore_q_step(&q)) == SQLITE_ROW) {
        /* the whole stored request, with its current status and note */
        cJSON *o = cJSON_Parse(hubstore_q_col(&q, 0));
        if (!cJSON_IsObject(o)) {
            cJSON_Delete(o);
            res = KERR_CORRUPT;
            goto out;
        }
        cJSON_AddItemToArray(a, o);
        /* the check code only in the record of one request, not in bulk */
        cJSON_DeleteItemFromObject(o, "check");
        cJSON_DeleteItemFromObject(o, "status");
        add_cols(o, &q, 1, record_cols, RECORD_COLS);
    }
    if (rc != SQLITE_DONE) goto out;
    *out = a;
    a = NULL;
    res = KERR_OK;
out:
    cJSON_Delete(a);
    hubstore_q_done(&q);
    hubstore_rd_put(&rd);
    return res;
}

enum kerr hubstore_request_list(struct hubstore *st, const char *status, int limit, cJSON **out)
{
    struct hubstore_filter f = {.status = status, .limit = limit};
    return hubstore_request_query(st, &f, out);
}

/* Rows of one text column as a new cJSON array of strings. */
static cJSON *column_strings(struct hubstore_rd *rd, const char *sql, const char *pgsql)
{
    struct hubstore_q q;
    cJSON *a = cJSON_CreateArray();
    int rc = SQLITE_ERROR;
    if (hubstore_q_prep(&q, rd, sql, pgsql) && a) {
        while ((rc = hubstore_q_step(&q)) == SQLITE_ROW)
            if (hubstore_q_type(&q, 0) == SQLITE_TEXT)
                cJSON_AddItemToArray(a, cJSON_CreateString(hubstore_q_col(&q, 0)));
    }
    hubstore_q_done(&q);
    if (rc != SQLITE_DONE) {
        cJSON_Delete(a);
        return NULL;
    }
    return a;
}

enum kerr hubstore_facets(struct hubstore *st, cJSON **out)
{
    struct hubstore_rd rd;
    cJSON *o, *c, *t, *k;
    *out = NULL;
    if (!hubstore_rd_get(st, &rd)) return KERR_DB;
    o = cJSON_CreateObject();
    c = column_strings(&rd, "SELECT DISTINCT category FROM requests ORDER BY 1",
                       "SELECT DISTINCT category COLLATE \"C\" FROM requests ORDER BY 1");
    t = column_strings(&rd, "SELECT DISTINCT json_extract(body,'$.tower') FROM requests ORDER BY 1",
                       "SELECT DISTINCT (body::jsonb->>'tower') COLLATE \"C\" FROM requests"
                       " ORDER BY 1");
    k = column_strings(&rd, "SELECT id FROM kiosks UNION SELECT DISTINCT kiosk_id FROM requests"
                            " ORDER BY 1",
                       "SELECT id COLLATE \"C\" FROM kiosks UNION SELECT DISTINCT kiosk_id"
                       " COLLATE \"C\" FROM requests ORDER BY 1");
    hubstore_rd_put(&rd);
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
    struct hubstore_rd rd;
    struct hubstore_q s, h;
    enum kerr res = KERR_DB;
    char real[HUBSTORE_TICKET_MAX + 1];
    int rc, n = 0;
    memset(out, 0, sizeof *out);
    memset(&h, 0, sizeof h);
    if (!hubstore_rd_get(st, &rd)) return KERR_DB;
    hubstore_rd_begin(&rd);
    if (!hubstore_q_prep(&s, &rd,
                         "SELECT ticket, status, category, received_at,"
                         " updated_at, erased_at, check_code,"
                         " json_extract(body,'$.tower'),"
                         " json_extract(body,'$.description') FROM requests"
                         " WHERE (ticket=?1 OR receipt_ticket=?1)"
                         " AND check_code IS NOT NULL ORDER BY ticket=?1 DESC",
                         "SELECT ticket, status, category, received_at,"
                         " updated_at, erased_at, check_code,"
                         " body::jsonb->>'tower', body::jsonb->>'description' FROM requests"
                         " WHERE (ticket=$1 OR receipt_ticket=$1)"
                         " AND check_code IS NOT NULL ORDER BY ticket=$1 DESC"))
        goto out;
    hubstore_q_text(&s, 1, ticket);
    while ((rc = hubstore_q_step(&s)) == SQLITE_ROW)
        if (hubstore_same_secret(hubstore_q_col(&s, 6), check)) break;
    if (rc == SQLITE_DONE) res = KERR_NOTFOUND;
    if (rc != SQLITE_ROW) goto out;
    snprintf(out->ticket, sizeof out->ticket, "%s", ticket);
    snprintf(real, sizeof real, "%s", hubstore_q_col(&s, 0));
    snprintf(out->status, sizeof out->status, "%s", hubstore_q_col(&s, 1));
    snprintf(out->category, sizeof out->category, "%s", hubstore_q_col(&s, 2));
    snprintf(out->received_at, sizeof out->received_at, "%s", hubstore_q_col(&s, 3));
    snprintf(out->updated_at, sizeof out->updated_at, "%s", hubstore_q_col(&s, 4));
    if (hubstore_q_type(&s, 5) == SQLITE_TEXT)
        snprintf(out->erased_at, sizeof out->erased_at, "%s", hubstore_q_col(&s, 5));
    if (hubstore_q_type(&s, 7) == SQLITE_TEXT)
        snprintf(out->tower, sizeof out->tower, "%s", hubstore_q_col(&s, 7));
    if (hubstore_q_type(&s, 8) == SQLITE_TEXT)
        snprintf(out->description, sizeof out->description, "%s", hubstore_q_col(&s, 8));
    /* the latest entries, shown oldest first */
    if (!hubstore_q_prep(&h, &rd,
                         "SELECT to_status, at, note FROM (SELECT id, to_status, at, note"
                         " FROM history WHERE ticket=?1 ORDER BY id DESC LIMIT ?2) ORDER BY id",
                         "SELECT to_status, at, note FROM (SELECT id, to_status, at, note"
                         " FROM history WHERE ticket=$1 ORDER BY id DESC LIMIT $2) h ORDER BY id"))
        goto out;
    hubstore_q_text(&h, 1, real);
    hubstore_q_int(&h, 2, HUBSTORE_PAGE_HISTORY);
    while ((rc = hubstore_q_step(&h)) == SQLITE_ROW && n < HUBSTORE_PAGE_HISTORY) {
        snprintf(out->hist[n].to, sizeof out->hist[n].to, "%s", hubstore_q_col(&h, 0));
        snprintf(out->hist[n].at, sizeof out->hist[n].at, "%s", hubstore_q_col(&h, 1));
        out->hist[n].has_note = hubstore_q_type(&h, 2) == SQLITE_TEXT;
        if (out->hist[n].has_note)
            snprintf(out->hist[n].note, sizeof out->hist[n].note, "%s", hubstore_q_col(&h, 2));
        n++;
    }
    if (rc != SQLITE_DONE) goto out;
    out->nhist = n;
    res = KERR_OK;
out:
    hubstore_q_done(&h);
    hubstore_q_done(&s);
    hubstore_rd_exec(&rd, "COMMIT");
    hubstore_rd_put(&rd);
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
    struct hubstore_rd rd;
    struct hubstore_q q;
    enum kerr res = KERR_DB;
    char now[API_TIME_SIZE];
    int rc;
    memset(out, 0, sizeof *out);
    hubstore_now(now, sizeof now);
    if (!hubstore_rd_get(st, &rd)) return KERR_DB;
    if (!hubstore_q_prep(&q, &rd,
                         "SELECT name, role, pw_hash, disabled_at IS NOT NULL,"
                         " coalesce(locked_until > ?2, 0) FROM users WHERE name=?1",
                         "SELECT name, role, pw_hash, disabled_at IS NOT NULL,"
                         " coalesce(locked_until > $2, false) FROM users WHERE name=$1"))
        goto out;
    hubstore_q_text(&q, 1, name);
    hubstore_q_text(&q, 2, now);
    rc = hubstore_q_step(&q);
    if (rc == SQLITE_DONE) res = KERR_NOTFOUND;
    if (rc != SQLITE_ROW) goto out;
    snprintf(out->name, sizeof out->name, "%s", hubstore_q_col(&q, 0));
    snprintf(out->role, sizeof out->role, "%s", hubstore_q_col(&q, 1));
    snprintf(out->pw_hash, sizeof out->pw_hash, "%s", hubstore_q_col(&q, 2));
    out->disabled = hubstore_q_int_col(&q, 3) != 0;
    out->locked = hubstore_q_int_col(&q, 4) != 0;
    res = KERR_OK;
out:
    hubstore_q_done(&q);
    hubstore_rd_put(&rd);
    return res;
}

/* Every row of q as objects with members names[0..n) in a new array. */
static enum kerr rows_to_array(struct hubstore_q *q, const char *const *names, int n, cJSON **out)
{
    cJSON *a = cJSON_CreateArray();
    int rc;
    *out = NULL;
    if (!a) return KERR_NOMEM;
    while ((rc = hubstore_q_step(q)) == SQLITE_ROW) {
        cJSON *o = cJSON_CreateObject();
        if (!o) break;
        cJSON_AddItemToArray(a, o);
        add_cols(o, q, 0, names, n);
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
    static const char *const cols[] = {"name",        "role",         "created_at",
                                       "disabled_at", "locked_until", "last_login"};
    struct hubstore_rd rd;
    struct hubstore_q q;
    enum kerr res = KERR_DB;
    char now[API_TIME_SIZE];
    *out = NULL;
    hubstore_now(now, sizeof now);
    if (!hubstore_rd_get(st, &rd)) return KERR_DB;
    if (hubstore_q_prep(&q, &rd,
                        "SELECT name, role, created_at, disabled_at,"
                        " CASE WHEN locked_until > ?1 THEN locked_until END,"
                        " last_login FROM users ORDER BY name",
                        "SELECT name, role, created_at, disabled_at,"
                        " CASE WHEN locked_until > $1 THEN locked_until END,"
                        " last_login FROM users ORDER BY name COLLATE \"C\"")) {
        hubstore_q_text(&q, 1, now);
        res = rows_to_array(&q, cols, 6, out);
    }
    hubstore_q_done(&q);
    hubstore_rd_put(&rd);
    return res;
}

enum kerr hubstore_audit_list(struct hubstore *st, int64_t before, int limit, cJSON **out)
{
    static const char *const cols[] = {"id", "at", "actor", "action", "target", "detail"};
    struct hubstore_rd rd;
    struct hubstore_q q;
    enum kerr res = KERR_DB;
    *out = NULL;
    if (!hubstore_rd_get(st, &rd)) return KERR_DB;
    if (hubstore_q_prep(&q, &rd,
                        "SELECT id, at, actor, action, target, detail FROM audit"
                        " WHERE ?1 <= 0 OR id < ?1 ORDER BY id DESC LIMIT ?2",
                        "SELECT id, at, actor, action, target, detail FROM audit"
                        " WHERE $1::bigint <= 0 OR id < $1::bigint ORDER BY id DESC LIMIT $2")) {
        hubstore_q_int(&q, 1, before);
        hubstore_q_int(&q, 2, limit);
        res = rows_to_array(&q, cols, 6, out);
    }
    hubstore_q_done(&q);
    hubstore_rd_put(&rd);
    return res;
}

enum kerr hubstore_request_get(struct hubstore *st, const char *ticket, cJSON **out)
{
    struct hubstore_rd rd;
    struct hubstore_q s, h;
    enum kerr res = KERR_DB;
    cJSON *o = NULL, *hist;
    int rc;
    *out = NULL;
    memset(&h, 0, sizeof h);
    if (!hubstore_rd_get(st, &rd)) return KERR_DB;
    /* one read transaction so the record and its history agree */
    hubstore_rd_begin(&rd);
    if (!hubstore_q_prep(&s, &rd, "SELECT body, status, note, received_at, updated_at,"
                                  " erased_at, assignee FROM requests WHERE ticket=?1", NULL))
        goto out;
    hubstore_q_text(&s, 1, ticket);
    rc = hubstore_q_step(&s);
    if (rc == SQLITE_DONE) res = KERR_NOTFOUND;
    if (rc != SQLITE_ROW) goto out;
    o = cJSON_Parse(hubstore_q_col(&s, 0));
    res = KERR_CORRUPT;
    if (!cJSON_IsObject(o)) goto out;
    res = KERR_NOMEM;
    cJSON_DeleteItemFromObject(o, "status");
    add_cols(o, &s, 1, record_cols, RECORD_COLS);
    hist = cJSON_AddArrayToObject(o, "history");
    if (!hist) goto out;
    res = KERR_DB;
    if (!hubstore_q_prep(&h, &rd, "SELECT from_status, to_status, note, at, actor FROM history"
                                  " WHERE ticket=?1 ORDER BY id", NULL))
        goto out;
    hubstore_q_text(&h, 1, ticket);
    while ((rc = hubstore_q_step(&h)) == SQLITE_ROW) {
        cJSON *e = cJSON_CreateObject();
        if (!e) goto out;
        static const char *const hist_cols[] = {"from", "to", "note", "at", "by"};
        cJSON_AddItemToArray(hist, e);
        add_cols(e, &h, 0, hist_cols, 5);
    }
    if (rc != SQLITE_DONE) goto out;
    *out = o;
    o = NULL;
    res = KERR_OK;
out:
    cJSON_Delete(o);
    hubstore_q_done(&h);
    hubstore_q_done(&s);
    hubstore_rd_exec(&rd, "COMMIT");
    hubstore_rd_put(&rd);
    return res;
}

enum kerr hubstore_request_count(struct hubstore *st, int64_t *out)
{
    struct hubstore_rd rd;
    struct hubstore_q q;
    enum kerr res = KERR_DB;
    if (!hubstore_rd_get(st, &rd)) return KERR_DB;
    if (hubstore_q_prep(&q, &rd, "SELECT count(*) FROM requests", NULL) &&
        hubstore_q_step(&q) == SQLITE_ROW) {
        *out = hubstore_q_int_col(&q, 0);
        res = KERR_OK;
    }
    hubstore_q_done(&q);
    hubstore_rd_put(&rd);
    return res;
}

int hubstore_reader_acquire(struct hubstore *st)
{
    KASSERT(!st->pg); /* SQLite's pool; PostgreSQL's is hubpg_reader_get */
    return reader_get(st);
}

void hubstore_reader_release(struct hubstore *st, int i)
{
    reader_put(st, i);
}
