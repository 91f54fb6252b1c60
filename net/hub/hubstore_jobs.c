/* hubstore_jobs: the writer's prepared statements (SQL and where each
 * parameter comes from) and the job functions that run them. Writer thread
 * only. See hubstore_impl.h. */
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

#include "hubbook.h"
#include "hubstore_booking.h"
#include "hubstore_impl.h"
#include "hubstore_purge.h"
#include "hubstore_pg.h"

/* ---- the writer's statements: SQL and where each parameter comes from ---- */

enum bkind {
    B_TEXT,     /* the job's text at off */
    B_OPT,      /* the job's text at off, NULL when "" */
    B_IF,       /* the job's text at off when the bool at cond is set, else NULL */
    B_BLOB32,   /* 32 bytes of the job at off */
    B_INT64,    /* the job's int64_t at off */
    B_BOOL,     /* the job's bool at off, as 0/1 */
    B_BOOL_IF,  /* the job's bool at off as 0/1 when the bool at cond is set, else NULL */
    B_NOW,      /* the batch's time */
    B_LOCAL,    /* a string the job function passes */
    B_NULL,     /* SQL NULL */
    B_CONST,    /* the text in text */
};

struct bind {
    enum bkind kind;
    size_t off, cond;
    const char *text;
};

#define J(m) offsetof(struct hubstore_job, m)
#define T_(m) {B_TEXT, J(m), 0, NULL}
#define NOW_ {B_NOW, 0, 0, NULL}
#define MAX_BINDS 10

enum stmt {
    S_REQ_FIND, S_REQ_TICKET, S_REQ_INSERT, S_HIST_NEW, S_HIST_STAFF, S_BEAT, S_STATUS_GET,
    S_STATUS_UPD, S_KIOSK_GET, S_KIOSK_INS, S_KIOSK_READD, S_KIOSK_REVOKE, S_ERASE_NOTES,
    S_ERASE_FIELDS, S_AUDIT, S_USER_GET, S_USER_INS, S_USER_ROLE, S_USER_PW, S_USER_DISABLE,
    S_USER_UNLOCK, S_LOGIN_OK, S_LOGIN_FAIL, S_LOGIN_LOCK, S_ASSIGN_STAFF, S_ASSIGN, S__COUNT
};
_Static_assert(S__COUNT == WRITER_STMTS, "one prepared statement per enum stmt");

static const struct {
    const char *sql;
    struct bind b[MAX_BINDS]; /* ?1, ?2... in order; unused ones are {0} = B_TEXT at 0: never read */
    int n;
} stmts[S__COUNT] = {
    [S_REQ_FIND] = {"SELECT body_hash, answer FROM requests WHERE kiosk_id=?1 AND idem_key=?2",
                    {T_(kiosk_id), T_(idem_key)}, 2},
    [S_REQ_TICKET] = {"SELECT 1 FROM requests WHERE ticket=?1", {T_(ticket)}, 1},
    [S_REQ_INSERT] = {"INSERT INTO requests(ticket,kiosk_id,idem_key,body_hash,category,body,status,"
                      "note,received_at,updated_at,answer,check_code,receipt_ticket)"
                      " VALUES(?1,?2,?3,?4,?5,?6,'new',NULL,?7,?7,?8,?9,?10)",
                      {T_(ticket), T_(kiosk_id), T_(idem_key), {B_BLOB32, J(body_hash), 0, NULL},
                       T_(category), {B_LOCAL, 0, 0, NULL}, NOW_, T_(answer),
                       {B_OPT, J(check), 0, NULL}, {B_OPT, J(receipt_ticket), 0, NULL}},
                      10},
    [S_HIST_NEW] = {"INSERT INTO history(ticket,from_status,to_status,note,at,actor)"
                    " VALUES(?1,?2,?3,?4,?5,?6)",
                    {T_(ticket), {B_NULL, 0, 0, NULL}, {B_CONST, 0, 0, "new"}, {B_NULL, 0, 0, NULL},
                     NOW_, T_(kiosk_id)},
                    6},
    [S_HIST_STAFF] = {"INSERT INTO history(ticket,from_status,to_status,note,at,actor)"
                      " VALUES(?1,?2,?3,?4,?5,?6)",
                      {T_(ticket), {B_LOCAL, 0, 0, NULL}, T_(status), {B_IF, J(note), J(has_note), NULL},
                       NOW_, T_(actor)},
                      6},
    [S_BEAT] = {"UPDATE kiosks SET last_seen=?2, version=?3, queue_depth=?4, oldest_pending_s=?5,"
                " content_version=?6, online=?7, last_error=?8, screen_on=?9"
                " WHERE id=?1 AND revoked_at IS NULL",
                {T_(kiosk_id), NOW_, T_(version), {B_INT64, J(queue_depth), 0, NULL},
                 {B_INT64, J(oldest_pending_s), 0, NULL}, T_(content_version),
                 {B_BOOL, J(online), 0, NULL}, {B_IF, J(last_error), J(has_last_error), NULL},
                 {B_BOOL_IF, J(screen_on), J(has_screen_on), NULL}},
                9},
    [S_STATUS_GET] = {"SELECT status FROM requests WHERE ticket=?1", {T_(ticket)}, 1},
    [S_STATUS_UPD] = {"UPDATE requests SET status=?2, note=?3, updated_at=?4, closed_at ="
                      " CASE WHEN ?2 IN ('resolved','rejected') THEN ?4 END WHERE ticket=?1",
                      {T_(ticket), T_(status), {B_IF, J(note), J(has_note), NULL}, NOW_}, 4},
    [S_KIOSK_GET] = {"SELECT revoked_at IS NOT NULL FROM kiosks WHERE id=?1", {T_(kiosk_id)}, 1},
    [S_KIOSK_INS] = {"INSERT INTO kiosks(id, token_hash, created_at) VALUES(?1,?2,?3)",
                     {T_(kiosk_id), {B_BLOB32, J(token_hash), 0, NULL}, NOW_}, 3},
    [S_KIOSK_READD] = {"UPDATE kiosks SET token_hash=?2, created_at=?3, revoked_at=NULL WHERE id=?1",
                       {T_(kiosk_id), {B_BLOB32, J(token_hash), 0, NULL}, NOW_}, 3},
    [S_KIOSK_REVOKE] = {"UPDATE kiosks SET revoked_at=?2 WHERE id=?1 AND revoked_at IS NULL",
                        {T_(kiosk_id), NOW_}, 2},
    /* retention: staff notes, then the personal fields of the body (contact,
     * phone, description; the company name when typed by hand); ?1 the cutoff */
    [S_ERASE_NOTES] = {"UPDATE history SET note=NULL WHERE note IS NOT NULL AND ticket IN"
                       " (SELECT ticket FROM requests WHERE erased_at IS NULL AND"
                       " closed_at IS NOT NULL AND closed_at <= ?1)",
                       {{B_LOCAL, 0, 0, NULL}}, 1},
    [S_ERASE_FIELDS] = {"UPDATE requests SET body = json_replace(body, '$.contact_name', NULL,"
                        " '$.phone', NULL, '$.description', NULL,"
                        " CASE WHEN json_type(body, '$.company.id') = 'null' THEN '$.company.name'"
                        " ELSE '$.company.no_such_member' END, NULL)," /* json_replace adds nothing */
                        " note = NULL, erased_at = ?2"
                        " WHERE erased_at IS NULL AND closed_at IS NOT NULL AND closed_at <= ?1",
                        {{B_LOCAL, 0, 0, NULL}, NOW_}, 2},
    /* staff accounts, assignment and the audit log (schema 4) */
    [S_AUDIT] = {"INSERT INTO audit(at,actor,action,target,detail) VALUES(?1,?2,?3,?4,?5)",
                 {NOW_, T_(actor), T_(action), {B_OPT, J(target), 0, NULL},
                  {B_OPT, J(detail), 0, NULL}}, 5},
    [S_USER_GET] = {"SELECT role FROM users WHERE name=?1", {T_(user)}, 1},
    [S_USER_INS] = {"INSERT INTO users(name,role,pw_hash,created_at) VALUES(?1,?2,?3,?4)",
                    {T_(user), T_(role), T_(pw_hash), NOW_}, 4},
    [S_USER_ROLE] = {"UPDATE users SET role=?2 WHERE name=?1", {T_(user), T_(role)}, 2},
    [S_USER_PW] = {"UPDATE users SET pw_hash=?2, failed=0, locked_until=NULL WHERE name=?1",
                   {T_(user), T_(pw_hash)}, 2},
    [S_USER_DISABLE] = {"UPDATE users SET disabled_at = CASE WHEN ?2 THEN coalesce(disabled_at, ?3)"
                        " END WHERE name=?1",
                        {T_(user), {B_BOOL, J(disabled), 0, NULL}, NOW_}, 3},
    [S_USER_UNLOCK] = {"UPDATE users SET failed=0, locked_until=NULL WHERE name=?1", {T_(user)}, 1},
    [S_LOGIN_OK] = {"UPDATE users SET failed=0, locked_until=NULL, last_login=?2 WHERE name=?1",
                    {T_(user), NOW_}, 2},
    [S_LOGIN_FAIL] = {"UPDATE users SET failed=failed+1 WHERE name=?1 RETURNING failed",
                      {T_(user)}, 1},
    [S_LOGIN_LOCK] = {"UPDATE users SET failed=0, locked_until=?2 WHERE name=?1",
                      {T_(user), {B_LOCAL, 0, 0, NULL}}, 2},
    [S_ASSIGN_STAFF] = {"SELECT 1 FROM users WHERE name=?1 AND disabled_at IS NULL"
                        " AND role IN ('handler','admin')", {T_(user)}, 1},
    [S_ASSIGN] = {"UPDATE requests SET assignee=?2 WHERE ticket=?1",
                  {T_(ticket), {B_OPT, J(user), 0, NULL}}, 2},
};

int hubstore_prepare_writer(struct hubstore *st)
{
    for (int i = 0; i < S__COUNT; i++) {
        if (sqlite3_prepare_v3(st->wdb, stmts[i].sql, -1, SQLITE_PREPARE_PERSISTENT, &st->ws[i],
                               NULL) != SQLITE_OK) {
            KLOGE("hubstore", "prepare: %s", sqlite3_errmsg(st->wdb));
            return -1;
        }
    }
    return 0;
}

void hubstore_finalize_writer(struct hubstore *st)
{
    for (int i = 0; i < S__COUNT; i++) sqlite3_finalize(st->ws[i]);
}

/* ---- the writer ---------------------------------------------------------- */

/* The values of statement id's parameters from j (local for B_LOCAL), the
 * same for both backends. */
static void bind_values(enum stmt id, const struct hubstore_job *j, const char *now,
                        const char *local, struct hubstore_val *v)
{
    const char *base = (const char *)j;
    for (int i = 0; i < stmts[id].n; i++) {
        const struct bind *b = &stmts[id].b[i];
        const char *text = base + b->off;
        struct hubstore_val x = {HV_NULL, NULL, 0};
        switch (b->kind) {
        case B_TEXT: x = (struct hubstore_val){HV_TEXT, text, 0}; break;
        case B_OPT: if (text[0]) x = (struct hubstore_val){HV_TEXT, text, 0}; break;
        case B_IF:
            if (*(const bool *)(base + b->cond)) x = (struct hubstore_val){HV_TEXT, text, 0};
            break;
        case B_BLOB32: x = (struct hubstore_val){HV_BLOB32, text, 0}; break;
        case B_INT64: x = (struct hubstore_val){HV_INT, NULL, *(const int64_t *)(const void *)text}; break;
        case B_BOOL: x = (struct hubstore_val){HV_INT, NULL, *(const bool *)text ? 1 : 0}; break;
        case B_BOOL_IF:
            if (*(const bool *)(base + b->cond))
                x = (struct hubstore_val){HV_INT, NULL, *(const bool *)text ? 1 : 0};
            break;
        case B_NOW: x = (struct hubstore_val){HV_TEXT, now, 0}; break;
        case B_LOCAL: if (local) x = (struct hubstore_val){HV_TEXT, local, 0}; break;
        case B_NULL: break;
        case B_CONST: x = (struct hubstore_val){HV_TEXT, b->text, 0}; break;
        }
        v[i] = x;
    }
}

/* Binds statement id's parameters from j (local for B_LOCAL) and steps it
 * once, on the backend of st. Returns sqlite3_step's code (SQLITE_ROW,
 * SQLITE_DONE or an error); on SQLITE_ROW the caller reads the row (col_*)
 * and resets the statement (stmt_reset). */
static int stmt_step(struct hubstore *st, enum stmt id, const struct hubstore_job *j,
                     const char *now, const char *local)
{
    struct hubstore_val v[MAX_BINDS];
    sqlite3_stmt *s = st->ws[id];
    bind_values(id, j, now, local, v);
    if (st->pg) return hubpg_wstep(st->pg, (int)id, stmts[id].sql, stmts[id].n, v);
    sqlite3_reset(s);
    for (int i = 0; i < stmts[id].n; i++) {
        switch (v[i].kind) {
        case HV_NULL: sqlite3_bind_null(s, i + 1); break;
        case HV_TEXT: sqlite3_bind_text(s, i + 1, v[i].p, -1, SQLITE_STATIC); break;
        case HV_BLOB32: sqlite3_bind_blob(s, i + 1, v[i].p, 32, SQLITE_STATIC); break;
        case HV_INT: sqlite3_bind_int64(s, i + 1, v[i].i); break;
        }
    }
    return sqlite3_step(s);
}

static void stmt_reset(struct hubstore *st, enum stmt id)
{
    if (st->pg) hubpg_wreset(st->pg, (int)id);
    else sqlite3_reset(st->ws[id]);
}

/* Column col of the row statement id stepped to, as text / as a number. */
static const char *col_text(struct hubstore *st, enum stmt id, int col)
{
    if (st->pg) return hubpg_wcol(st->pg, (int)id, col);
    return (const char *)sqlite3_column_text(st->ws[id], col);
}

static int col_int(struct hubstore *st, enum stmt id, int col)
{
    if (st->pg) {
        const char *t = hubpg_wcol(st->pg, (int)id, col);
        return t[0] == 't' ? 1 : t[0] == 'f' ? 0 : atoi(t); /* a boolean comes as t/f */
    }
    return sqlite3_column_int(st->ws[id], col);
}

/* Rows the last statement changed. */
static int changes(struct hubstore *st)
{
    return st->pg ? (int)hubpg_wchanges(st->pg) : sqlite3_changes(st->wdb);
}

/* A statement that returns no row: 0 when done, -1 on a database error. */
static int stmt_run(struct hubstore *st, enum stmt id, const struct hubstore_job *j,
                    const char *now, const char *local)
{
    int rc = stmt_step(st, id, j, now, local);
    stmt_reset(st, id);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* Writes the audit row of a staff change made by j->actor ("admin" when
 * empty: the admin token) in the open transaction. 0, or -1 on an error. */
static int audit(struct hubstore *st, struct hubstore_job *j, const char *now, const char *action,
                 const char *target, const char *detail)
{
    if (!j->actor[0]) snprintf(j->actor, sizeof j->actor, "admin");
    snprintf(j->action, sizeof j->action, "%s", action);
    snprintf(j->target, sizeof j->target, "%s", target ? target : "");
    snprintf(j->detail, sizeof j->detail, "%s", detail ? detail : "");
    return stmt_run(st, S_AUDIT, j, now, NULL);
}

/* Each job runs inside the open transaction and returns 0 when its outcome
 * (any HTTP result) is decided, -1 on a database error (the caller rolls the
 * job's savepoint back and answers 500). */

int hubstore_req_answer(struct hubstore_job *j, const char *now)
{
    struct api_request_answer a;
    char *txt = NULL;
    memset(&a, 0, sizeof a);
    snprintf(a.ticket, sizeof a.ticket, "%s", j->ticket);
    snprintf(a.status, sizeof a.status, "new");
    snprintf(a.received_at, sizeof a.received_at, "%s", now);
    if (api_request_answer_encode(&a, &txt) != KERR_OK) return -1;
    snprintf(j->answer, sizeof j->answer, "%s", txt);
    free(txt);
    return 0;
}

static int job_req_put(struct hubstore *st, struct hubstore_job *j, const char *now)
{
    int rc = stmt_step(st, S_REQ_FIND, j, now, NULL);
    if (rc == SQLITE_ROW) {
        sqlite3_stmt *s = st->ws[S_REQ_FIND];
        const void *h = sqlite3_column_blob(s, 0);
        bool same = sqlite3_column_bytes(s, 0) == 32 && memcmp(h, j->body_hash, 32) == 0;
        j->result = same ? 200 : 422; /* 200: replay of the stored answer */
        if (same) snprintf(j->answer, sizeof j->answer, "%s", (const char *)sqlite3_column_text(s, 1));
    }
    stmt_reset(st, S_REQ_FIND);
    if (rc == SQLITE_ROW) return 0;
    if (rc != SQLITE_DONE) return -1;

    rc = stmt_step(st, S_REQ_TICKET, j, now, NULL);
    stmt_reset(st, S_REQ_TICKET);
    if (rc == SQLITE_ROW) {
        /* the ticket belongs to another key; nothing is stored under this
         * key, so the kiosk may send it again with a new ticket */
        j->result = 409;
        return 0;
    }
    if (rc != SQLITE_DONE) return -1;
    if (hubstore_req_answer(j, now) != 0) return -1;
    if (stmt_run(st, S_REQ_INSERT, j, now, j->body) != 0) return -1;
    if (stmt_run(st, S_HIST_NEW, j, now, NULL) != 0) return -1;
    j->result = 201;
    return 0;
}

/* Jobs that are one UPDATE of one kiosk: 204 when it changed a row, 404
 * when there was none (unknown or revoked kiosk). */
static const enum stmt one_row_update[] = {
    [HUBSTORE_HEARTBEAT] = S_BEAT,
    [HUBSTORE_KIOSK_REVOKE] = S_KIOSK_REVOKE,
};

static int job_one_row(struct hubstore *st, struct hubstore_job *j, const char *now)
{
    if (stmt_run(st, one_row_update[j->op], j, now, NULL) != 0) return -1;
    j->result = changes(st) == 1 ? 204 : 404;
    if (j->op == HUBSTORE_KIOSK_REVOKE && j->result == 204)
        return audit(st, j, now, "kiosk.revoke", j->kiosk_id, NULL);
    return 0;
}

static int job_status_set(struct hubstore *st, struct hubstore_job *j, const char *now)
{
    char from[HUBSTORE_SHORT_MAX + 1] = "";
    int rc = stmt_step(st, S_STATUS_GET, j, now, NULL);
    if (rc == SQLITE_ROW)
        snprintf(from, sizeof from, "%s", col_text(st, S_STATUS_GET, 0));
    stmt_reset(st, S_STATUS_GET);
    if (rc == SQLITE_DONE) {
        j->result = 404;
        return 0;
    }
    if (rc != SQLITE_ROW) return -1;
    if (!hubstore_transition_ok(from, j->status)) {
        j->result = 409;
        snprintf(j->answer, sizeof j->answer, "%s", from);
        return 0;
    }
    if (!j->actor[0]) snprintf(j->actor, sizeof j->actor, "admin");
    if (stmt_run(st, S_STATUS_UPD, j, now, NULL) != 0) return -1;
    if (stmt_run(st, S_HIST_STAFF, j, now, from) != 0) return -1;
    {
        char what[2 * HUBSTORE_SHORT_MAX + 8];
        snprintf(what, sizeof what, "%s -> %s", from, j->status);
        if (audit(st, j, now, "request.status", j->ticket, what) != 0) return -1;
    }
    j->result = 200;
    return 0;
}

static int job_kiosk_add(struct hubstore *st, struct hubstore_job *j, const char *now)
{
    int revoked = -1, rc = stmt_step(st, S_KIOSK_GET, j, now, NULL);
    if (rc == SQLITE_ROW) revoked = col_int(st, S_KIOSK_GET, 0);
    stmt_reset(st, S_KIOSK_GET);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return -1;
    if (revoked == 0) {
        j->result = 409; /* an active kiosk keeps its token until revoked */
        return 0;
    }
    if (stmt_run(st, revoked == 1 ? S_KIOSK_READD : S_KIOSK_INS, j, now, NULL) != 0) return -1;
    if (audit(st, j, now, "kiosk.add", j->kiosk_id, revoked == 1 ? "new token" : NULL) != 0)
        return -1;
    j->result = 201;
    return 0;
}

/* Erases the personal fields of requests closed retention_s ago or more.
 * result 200, answer = the number of requests erased. */
static int job_sweep(struct hubstore *st, struct hubstore_job *j, const char *now)
{
    char cutoff[API_TIME_SIZE];
    int n;
    api_time_format(kclock_wall_ms() - st->retention_s * 1000, cutoff);
    if (stmt_run(st, S_ERASE_NOTES, j, now, cutoff) != 0) return -1;
    if (stmt_run(st, S_ERASE_FIELDS, j, now, cutoff) != 0) return -1;
    n = changes(st);
    if (n > 0) st->checkpoint_due = true;
    if (hubstore_booking_sweep(st, hubbook_now_s(), now) != 0) return -1;
    if (hubpurge_sweep(st, kclock_wall_ms() / 1000, &st->swept) != 0) return -1;
    snprintf(j->answer, sizeof j->answer, "%d", n);
    j->result = 200;
    return 0;
}

/* ---- staff accounts, assignment, audit ----------------------------------- */

static int job_user_add(struct hubstore *st, struct hubstore_job *j, const char *now)
{
    int rc = stmt_step(st, S_USER_GET, j, now, NULL);
    stmt_reset(st, S_USER_GET);
    if (rc == SQLITE_ROW) {
        j->result = 409;
        return 0;
    }
    if (rc != SQLITE_DONE) return -1;
    if (stmt_run(st, S_USER_INS, j, now, NULL) != 0) return -1;
    if (audit(st, j, now, "user.add", j->user, j->role) != 0) return -1;
    j->result = 201;
    return 0;
}

static int job_user_update(struct hubstore *st, struct hubstore_job *j, const char *now)
{
    int rc = stmt_step(st, S_USER_GET, j, now, NULL);
    stmt_reset(st, S_USER_GET);
    if (rc == SQLITE_DONE) {
        j->result = 404;
        return 0;
    }
    if (rc != SQLITE_ROW) return -1;
    if (j->set_role && (stmt_run(st, S_USER_ROLE, j, now, NULL) != 0 ||
                        audit(st, j, now, "user.role", j->user, j->role) != 0))
        return -1;
    if (j->set_pw && (stmt_run(st, S_USER_PW, j, now, NULL) != 0 ||
                      audit(st, j, now, "user.password", j->user, NULL) != 0))
        return -1;
    if (j->set_disabled &&
        (stmt_run(st, S_USER_DISABLE, j, now, NULL) != 0 ||
         audit(st, j, now, j->disabled ? "user.disable" : "user.enable", j->user, NULL) != 0))
        return -1;
    if (j->unlock && (stmt_run(st, S_USER_UNLOCK, j, now, NULL) != 0 ||
                      audit(st, j, now, "user.unlock", j->user, NULL) != 0))
        return -1;
    j->result = 200;
    return 0;
}

/* A right password resets the count of failures; a wrong one adds one, and
 * the lock_after-th in a row locks the account for lock_s (the count starts
 * again). An unknown name is audited without it (it may be a mistyped
 * password). result 200; answer "locked" when this failure locked it. */
static int job_login(struct hubstore *st, struct hubstore_job *j, const char *now)
{
    int rc, failed = 0;
    j->result = 200;
    if (!j->user[0]) return audit(st, j, now, "session.login_failed", NULL, "unknown name");
    if (j->login_ok) {
        if (stmt_run(st, S_LOGIN_OK, j, now, NULL) != 0) return -1;
        return audit(st, j, now, "session.login", j->user, NULL);
    }
    rc = stmt_step(st, S_LOGIN_FAIL, j, now, NULL);
    if (rc == SQLITE_ROW) failed = col_int(st, S_LOGIN_FAIL, 0);
    stmt_reset(st, S_LOGIN_FAIL);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return -1;
    if (audit(st, j, now, "session.login_failed", j->user, "wrong password") != 0) return -1;
    if (j->lock_after > 0 && failed >= j->lock_after) {
        char until[API_TIME_SIZE], why[64];
        api_time_format(kclock_wall_ms() + j->lock_s * 1000, until);
        if (stmt_run(st, S_LOGIN_LOCK, j, now, until) != 0) return -1;
        snprintf(why, sizeof why, "%d failed logins; until %s", failed, until);
        if (audit(st, j, now, "user.locked", j->user, why) != 0) return -1;
        snprintf(j->answer, sizeof j->answer, "locked");
    }
    return 0;
}

static int job_assign(struct hubstore *st, struct hubstore_job *j, const char *now)
{
    if (j->user[0]) {
        int rc = stmt_step(st, S_ASSIGN_STAFF, j, now, NULL);
        stmt_reset(st, S_ASSIGN_STAFF);
        if (rc == SQLITE_DONE) {
            j->result = 422; /* no active handler or admin of that name */
            return 0;
        }
        if (rc != SQLITE_ROW) return -1;
    }
    if (stmt_run(st, S_ASSIGN, j, now, NULL) != 0) return -1;
    if (changes(st) != 1) {
        j->result = 404;
        return 0;
    }
    if (audit(st, j, now, "request.assign", j->ticket, j->user[0] ? j->user : "nobody") != 0)
        return -1;
    j->result = 200;
    return 0;
}

static int job_audit(struct hubstore *st, struct hubstore_job *j, const char *now)
{
    j->result = 200;
    return stmt_run(st, S_AUDIT, j, now, NULL);
}

static int (*const job_fn[])(struct hubstore *, struct hubstore_job *, const char *) = {
    [HUBSTORE_REQ_PUT] = job_req_put,       [HUBSTORE_HEARTBEAT] = job_one_row,
    [HUBSTORE_STATUS_SET] = job_status_set, [HUBSTORE_KIOSK_ADD] = job_kiosk_add,
    [HUBSTORE_KIOSK_REVOKE] = job_one_row,  [HUBSTORE_SWEEP] = job_sweep,
    [HUBSTORE_USER_ADD] = job_user_add,     [HUBSTORE_USER_UPDATE] = job_user_update,
    [HUBSTORE_LOGIN] = job_login,           [HUBSTORE_ASSIGN] = job_assign,
    [HUBSTORE_AUDIT] = job_audit,           [HUBSTORE_BOOKING] = hubstore_booking_run,
};

int hubstore_job_run(struct hubstore *st, struct hubstore_job *j, const char *now)
{
    if ((unsigned)j->op >= sizeof job_fn / sizeof job_fn[0] || !job_fn[j->op]) return -1;
    return job_fn[j->op](st, j, now);
}
