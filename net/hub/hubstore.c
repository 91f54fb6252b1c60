#include "hubstore.h"

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

#define READERS 4
#define RETENTION_DEFAULT_S (30 * 86400)
#define SWEEP_DEFAULT_MS (3600 * 1000)
#define QUEUE_MAX 20000 /* jobs waiting for the writer */
#define BATCH_MAX 1024  /* jobs per transaction */
#define WRITER_STMTS 26 /* enum stmt */

struct hubstore {
    sqlite3 *wdb; /* the writer's connection, used only on the writer thread */
    sqlite3 *rdb[READERS];
    bool rbusy[READERS];
    pthread_mutex_t rlock;
    pthread_cond_t rfree;

    pthread_t writer;
    bool writer_started;
    pthread_mutex_t qlock;
    pthread_cond_t qwake;
    struct hubstore_job *head, *tail;
    int qlen;
    bool closing;

    int64_t retention_s;     /* personal fields live this long after closing */
    int64_t sweep_every_ms;  /* how often the writer erases what is due */
    bool checkpoint_due;     /* a sweep erased rows: truncate the WAL after commit */

    sqlite3_stmt *ws[WRITER_STMTS]; /* the writer's statements (enum stmt), prepared once */
};

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS kiosks("
    " id TEXT PRIMARY KEY, token_hash BLOB NOT NULL UNIQUE, created_at TEXT NOT NULL,"
    " revoked_at TEXT, last_seen TEXT, version TEXT, queue_depth INTEGER,"
    " oldest_pending_s INTEGER, content_version TEXT, online INTEGER, last_error TEXT);"
    "CREATE TABLE IF NOT EXISTS requests("
    " ticket TEXT PRIMARY KEY, kiosk_id TEXT NOT NULL, idem_key TEXT NOT NULL,"
    " body_hash BLOB NOT NULL, category TEXT NOT NULL, body TEXT NOT NULL,"
    " status TEXT NOT NULL, note TEXT, received_at TEXT NOT NULL, updated_at TEXT NOT NULL,"
    " answer TEXT NOT NULL, UNIQUE(kiosk_id, idem_key));"
    "CREATE INDEX IF NOT EXISTS requests_by_status ON requests(status, received_at);"
    "CREATE INDEX IF NOT EXISTS requests_by_time ON requests(received_at);"
    "CREATE TABLE IF NOT EXISTS history("
    " id INTEGER PRIMARY KEY, ticket TEXT NOT NULL REFERENCES requests(ticket),"
    " from_status TEXT, to_status TEXT NOT NULL, note TEXT, at TEXT NOT NULL,"
    " actor TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS history_by_ticket ON history(ticket, id);";

/* Schema changes after version 1, in order: migrations[i] takes a database
 * from user_version i + 1 to i + 2, in one transaction with the new
 * user_version. A new database gets the version 1 tables above, then every
 * step. Never edit a step that has shipped; add one. */
static const char *const migrations[] = {
    /* 2: the ticket check code and the receipt's ticket as columns, for
     * lookups (bodies stored since the codec knew them carry them already) */
    "ALTER TABLE requests ADD COLUMN check_code TEXT;"
    "ALTER TABLE requests ADD COLUMN receipt_ticket TEXT;"
    "UPDATE requests SET check_code = json_extract(body, '$.check'),"
    " receipt_ticket = json_extract(body, '$.receipt_ticket');"
    "CREATE INDEX requests_by_receipt ON requests(receipt_ticket)"
    " WHERE receipt_ticket IS NOT NULL;",
    /* 3: retention: when a request was closed (resolved, rejected) and when
     * its personal fields were erased */
    "ALTER TABLE requests ADD COLUMN closed_at TEXT;"
    "ALTER TABLE requests ADD COLUMN erased_at TEXT;"
    "UPDATE requests SET closed_at = updated_at WHERE status IN ('resolved', 'rejected');"
    "CREATE INDEX requests_to_erase ON requests(closed_at)"
    " WHERE erased_at IS NULL AND closed_at IS NOT NULL;",
    /* 4: staff accounts for the web console, who a request is assigned to,
     * and the audit log of every change (who, what, when) */
    "ALTER TABLE requests ADD COLUMN assignee TEXT;"
    "CREATE TABLE users(name TEXT PRIMARY KEY, role TEXT NOT NULL, pw_hash TEXT NOT NULL,"
    " created_at TEXT NOT NULL, disabled_at TEXT, failed INTEGER NOT NULL DEFAULT 0,"
    " locked_until TEXT, last_login TEXT);"
    "CREATE TABLE audit(id INTEGER PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL,"
    " action TEXT NOT NULL, target TEXT, detail TEXT);",
};
#define SCHEMA_VERSION (1 + (int)(sizeof migrations / sizeof migrations[0]))

void hubstore_now(char *out, size_t cap)
{
    char t[API_TIME_SIZE];
    api_time_format(kclock_wall_ms(), t);
    snprintf(out, cap, "%s", t);
}

bool hubstore_status_valid(const char *s)
{
    enum api_ticket_state st;
    return api_ticket_state_parse(s, &st) == KERR_OK;
}

bool hubstore_transition_ok(const char *from, const char *to)
{
    enum api_ticket_state a, b;
    if (api_ticket_state_parse(from, &a) != KERR_OK) return false;
    if (api_ticket_state_parse(to, &b) != KERR_OK) return false;
    return api_ticket_transition_ok(a, b);
}

static enum kerr db_open(const char *path, bool readonly, sqlite3 **out)
{
    sqlite3 *db = NULL;
    int flags = readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    flags |= SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) goto fail;
    sqlite3_busy_timeout(db, 5000);
    /* FULL: in WAL mode every commit fsyncs the log. Each group commit is one
     * fsync for many requests, and a 2xx answer means the row survives power
     * loss, not just a crash of the process. */
    /* secure_delete: what an update or the retention sweep frees is zeroed
     * in the page, not left in the file's free space */
    if (!readonly && sqlite3_exec(db,
                                  "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                                  "PRAGMA foreign_keys=ON; PRAGMA secure_delete=ON;",
                                  NULL, NULL, NULL) != SQLITE_OK)
        goto fail;
    *out = db;
    return KERR_OK;
fail:
    KLOGE("hubstore", "open %s: %s", readonly ? "reader" : "writer",
          db ? sqlite3_errmsg(db) : "no memory");
    sqlite3_close(db);
    *out = NULL;
    return KERR_DB;
}

/* ---- the writer's statements: SQL and where each parameter comes from ---- */

enum bkind {
    B_TEXT,     /* the job's text at off */
    B_OPT,      /* the job's text at off, NULL when "" */
    B_IF,       /* the job's text at off when the bool at cond is set, else NULL */
    B_BLOB32,   /* 32 bytes of the job at off */
    B_INT64,    /* the job's int64_t at off */
    B_BOOL,     /* the job's bool at off, as 0/1 */
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
                " content_version=?6, online=?7, last_error=?8 WHERE id=?1 AND revoked_at IS NULL",
                {T_(kiosk_id), NOW_, T_(version), {B_INT64, J(queue_depth), 0, NULL},
                 {B_INT64, J(oldest_pending_s), 0, NULL}, T_(content_version),
                 {B_BOOL, J(online), 0, NULL}, {B_IF, J(last_error), J(has_last_error), NULL}},
                8},
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

static int prepare_writer(struct hubstore *st)
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

static void finalize_writer(struct hubstore *st)
{
    for (int i = 0; i < S__COUNT; i++) sqlite3_finalize(st->ws[i]);
}

/* ---- the writer ---------------------------------------------------------- */

static void bind_text(sqlite3_stmt *s, int i, const char *v)
{
    if (v) sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
    else sqlite3_bind_null(s, i);
}

/* Binds statement id's parameters from j (local for B_LOCAL) and steps it
 * once. Returns sqlite3_step's code; on SQLITE_ROW the caller reads the row
 * and resets the statement (stmt_reset). */
static int stmt_step(struct hubstore *st, enum stmt id, const struct hubstore_job *j,
                     const char *now, const char *local)
{
    sqlite3_stmt *s = st->ws[id];
    const char *base = (const char *)j;
    sqlite3_reset(s);
    for (int i = 0; i < stmts[id].n; i++) {
        const struct bind *b = &stmts[id].b[i];
        const char *text = base + b->off;
        switch (b->kind) {
        case B_TEXT: bind_text(s, i + 1, text); break;
        case B_OPT: bind_text(s, i + 1, text[0] ? text : NULL); break;
        case B_IF: bind_text(s, i + 1, *(const bool *)(base + b->cond) ? text : NULL); break;
        case B_BLOB32: sqlite3_bind_blob(s, i + 1, text, 32, SQLITE_STATIC); break;
        case B_INT64: sqlite3_bind_int64(s, i + 1, *(const int64_t *)(const void *)text); break;
        case B_BOOL: sqlite3_bind_int(s, i + 1, *(const bool *)text ? 1 : 0); break;
        case B_NOW: bind_text(s, i + 1, now); break;
        case B_LOCAL: bind_text(s, i + 1, local); break;
        case B_NULL: sqlite3_bind_null(s, i + 1); break;
        case B_CONST: bind_text(s, i + 1, b->text); break;
        }
    }
    return sqlite3_step(s);
}

static void stmt_reset(struct hubstore *st, enum stmt id)
{
    sqlite3_reset(st->ws[id]);
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
    }
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
    j->result = sqlite3_changes(st->wdb) == 1 ? 204 : 404;
    if (j->op == HUBSTORE_KIOSK_REVOKE && j->result == 204)
        return audit(st, j, now, "kiosk.revoke", j->kiosk_id, NULL);
    return 0;
}

static int job_status_set(struct hubstore *st, struct hubstore_job *j, const char *now)
{
    char from[HUBSTORE_SHORT_MAX + 1] = "";
    int rc = stmt_step(st, S_STATUS_GET, j, now, NULL);
    if (rc == SQLITE_ROW)
        snprintf(from, sizeof from, "%s", (const char *)sqlite3_column_text(st->ws[S_STATUS_GET], 0));
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
    if (rc == SQLITE_ROW) revoked = sqlite3_column_int(st->ws[S_KIOSK_GET], 0);
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
    n = sqlite3_changes(st->wdb);
    if (n > 0) st->checkpoint_due = true;
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
    if (rc == SQLITE_ROW) failed = sqlite3_column_int(st->ws[S_LOGIN_FAIL], 0);
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
    if (sqlite3_changes(st->wdb) != 1) {
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
    [HUBSTORE_AUDIT] = job_audit,
};

static int job_run(struct hubstore *st, struct hubstore_job *j, const char *now)
{
    if ((unsigned)j->op >= sizeof job_fn / sizeof job_fn[0] || !job_fn[j->op]) return -1;
    return job_fn[j->op](st, j, now);
}

static void run_batch(struct hubstore *st, struct hubstore_job *batch)
{
    char now[API_TIME_SIZE];
    bool ok = true;
    struct hubstore_job *j, *next;

    hubstore_now(now, sizeof now);
    if (sqlite3_exec(st->wdb, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) ok = false;
    for (j = batch; ok && j; j = j->next) {
        j->answer[0] = '\0';
        j->result = 500;
        /* a savepoint per job: one job's database error does not undo the
         * others in the same transaction */
        if (sqlite3_exec(st->wdb, "SAVEPOINT job", NULL, NULL, NULL) != SQLITE_OK) {
            ok = false;
            break;
        }
        if (job_run(st, j, now) != 0) {
            KLOGE("hubstore", "job op=%d: %s", (int)j->op, sqlite3_errmsg(st->wdb));
            j->result = 500;
            j->answer[0] = '\0';
            sqlite3_exec(st->wdb, "ROLLBACK TO job", NULL, NULL, NULL);
        }
        sqlite3_exec(st->wdb, "RELEASE job", NULL, NULL, NULL);
    }
    if (ok && sqlite3_exec(st->wdb, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        KLOGE("hubstore", "commit: %s", sqlite3_errmsg(st->wdb));
        ok = false;
    }
    if (!ok) {
        sqlite3_exec(st->wdb, "ROLLBACK", NULL, NULL, NULL);
        for (j = batch; j; j = j->next) {
            j->result = 500;
            j->answer[0] = '\0';
        }
    }
    if (st->checkpoint_due) {
        /* erased bytes live on in older WAL frames: copy everything into the
         * database (where secure_delete zeroed them) and empty the WAL */
        st->checkpoint_due = false;
        if (sqlite3_wal_checkpoint_v2(st->wdb, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL) !=
            SQLITE_OK)
            KLOGE("hubstore", "checkpoint after erasing: %s", sqlite3_errmsg(st->wdb));
    }
    /* answers go out only now, after the commit is durable */
    for (j = batch; j; j = next) {
        next = j->next;
        j->next = NULL;
        j->done(j, j->done_arg);
    }
}

static void sweep_done(struct hubstore_job *job, void *arg)
{
    (void)arg;
    if (job->result != 200)
        KLOGE("hubstore", "retention sweep failed");
    else if (strcmp(job->answer, "0") != 0)
        KLOGI("hubstore", "retention: erased the personal fields of %s closed requests",
              job->answer);
}

static void *writer_main(void *arg)
{
    struct hubstore *st = arg;
    uint64_t next_sweep = kclock_mono_ms(); /* at start, then every sweep_every_ms */
    for (;;) {
        struct hubstore_job *batch, *last;
        int n = 0;
        pthread_mutex_lock(&st->qlock);
        while (!st->head && !st->closing && kclock_mono_ms() < next_sweep) {
            struct timespec ts;
            uint64_t wait = next_sweep - kclock_mono_ms();
            clock_gettime(CLOCK_MONOTONIC, &ts);
            ts.tv_sec += (time_t)(wait / 1000);
            ts.tv_nsec += (long)(wait % 1000) * 1000000L;
            if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&st->qwake, &st->qlock, &ts);
        }
        if (!st->head && st->closing) {
            pthread_mutex_unlock(&st->qlock);
            break;
        }
        if (!st->head) { /* the sweep is due */
            struct hubstore_job sweep;
            pthread_mutex_unlock(&st->qlock);
            memset(&sweep, 0, sizeof sweep);
            sweep.op = HUBSTORE_SWEEP;
            sweep.done = sweep_done;
            run_batch(st, &sweep);
            next_sweep = kclock_mono_ms() + (uint64_t)st->sweep_every_ms;
            continue;
        }
        batch = last = st->head;
        n = 1;
        while (last->next && n < BATCH_MAX) {
            last = last->next;
            n++;
        }
        st->head = last->next;
        if (!st->head) st->tail = NULL;
        last->next = NULL;
        st->qlen -= n;
        pthread_mutex_unlock(&st->qlock);
        run_batch(st, batch);
    }
    return NULL;
}

enum kerr hubstore_submit(struct hubstore *st, struct hubstore_job *job)
{
    enum kerr res = KERR_OK;
    job->next = NULL;
    pthread_mutex_lock(&st->qlock);
    if (st->closing) {
        res = KERR_INVALID;
    } else if (st->qlen >= QUEUE_MAX) {
        res = KERR_FULL;
    } else {
        if (st->tail) st->tail->next = job;
        else st->head = job;
        st->tail = job;
        st->qlen++;
        pthread_cond_signal(&st->qwake);
    }
    pthread_mutex_unlock(&st->qlock);
    return res;
}

struct waiter {
    pthread_mutex_t m;
    pthread_cond_t c;
    bool done;
};

static void waiter_done(struct hubstore_job *job, void *arg)
{
    struct waiter *w = arg;
    (void)job;
    pthread_mutex_lock(&w->m);
    w->done = true;
    pthread_cond_signal(&w->c);
    pthread_mutex_unlock(&w->m);
}

enum kerr hubstore_run(struct hubstore *st, struct hubstore_job *job)
{
    struct waiter w = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false};
    enum kerr res;
    job->done = waiter_done;
    job->done_arg = &w;
    res = hubstore_submit(st, job);
    if (res != KERR_OK) return res;
    pthread_mutex_lock(&w.m);
    while (!w.done) pthread_cond_wait(&w.c, &w.m);
    pthread_mutex_unlock(&w.m);
    return KERR_OK;
}

/* ---- open / close -------------------------------------------------------- */

/* Brings the database to SCHEMA_VERSION. KERR_DB on failure (logged), also
 * for a database newer than this hub. */
static enum kerr migrate(sqlite3 *db)
{
    sqlite3_stmt *s = NULL;
    int v = -1;
    if (sqlite3_exec(db, schema, NULL, NULL, NULL) != SQLITE_OK) goto fail;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK) goto fail;
    if (sqlite3_step(s) == SQLITE_ROW) v = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    if (v < 0 || v > SCHEMA_VERSION) {
        KLOGE("hubstore", "schema version %d, this hub knows 1..%d", v, SCHEMA_VERSION);
        return KERR_DB;
    }
    if (v == 0) { /* just created: the tables above are version 1 */
        v = 1;
        if (sqlite3_exec(db, "PRAGMA user_version = 1", NULL, NULL, NULL) != SQLITE_OK) goto fail;
    }
    for (; v < SCHEMA_VERSION; v++) {
        char set[48];
        snprintf(set, sizeof set, "PRAGMA user_version = %d;", v + 1);
        if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) goto fail;
        if (sqlite3_exec(db, migrations[v - 1], NULL, NULL, NULL) != SQLITE_OK ||
            sqlite3_exec(db, set, NULL, NULL, NULL) != SQLITE_OK ||
            sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
            KLOGE("hubstore", "migration to version %d: %s", v + 1, sqlite3_errmsg(db));
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
            return KERR_DB;
        }
        KLOGI("hubstore", "database migrated to schema version %d", v + 1);
    }
    return KERR_OK;
fail:
    KLOGE("hubstore", "schema: %s", sqlite3_errmsg(db));
    return KERR_DB;
}

enum kerr hubstore_open(const char *path, const struct hubstore_config *cfg, struct hubstore **out)
{
    struct hubstore *st = calloc(1, sizeof *st);
    enum kerr res = KERR_NOMEM;
    pthread_condattr_t ca;
    *out = NULL;
    if (!st) return KERR_NOMEM;
    st->retention_s = cfg && cfg->retention_s > 0 ? cfg->retention_s : RETENTION_DEFAULT_S;
    st->sweep_every_ms = cfg && cfg->sweep_every_ms > 0 ? cfg->sweep_every_ms : SWEEP_DEFAULT_MS;
    pthread_mutex_init(&st->rlock, NULL);
    pthread_cond_init(&st->rfree, NULL);
    pthread_mutex_init(&st->qlock, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC); /* the sweep's timed wait */
    pthread_cond_init(&st->qwake, &ca);
    pthread_condattr_destroy(&ca);
    res = db_open(path, false, &st->wdb);
    if (res != KERR_OK) goto fail;
    res = migrate(st->wdb);
    if (res != KERR_OK) goto fail;
    res = KERR_DB;
    if (prepare_writer(st) != 0) goto fail;
    for (int i = 0; i < READERS; i++) {
        res = db_open(path, true, &st->rdb[i]);
        if (res != KERR_OK) goto fail;
    }
    if (pthread_create(&st->writer, NULL, writer_main, st) != 0) {
        res = KERR_NOMEM;
        goto fail;
    }
    st->writer_started = true;
    *out = st;
    return KERR_OK;
fail:
    hubstore_close(st);
    return res;
}

void hubstore_close(struct hubstore *st)
{
    if (!st) return;
    if (st->writer_started) {
        pthread_mutex_lock(&st->qlock);
        st->closing = true;
        pthread_cond_signal(&st->qwake);
        pthread_mutex_unlock(&st->qlock);
        pthread_join(st->writer, NULL);
    }
    finalize_writer(st);
    for (int i = 0; i < READERS; i++) sqlite3_close(st->rdb[i]);
    sqlite3_close(st->wdb);
    pthread_mutex_destroy(&st->rlock);
    pthread_cond_destroy(&st->rfree);
    pthread_mutex_destroy(&st->qlock);
    pthread_cond_destroy(&st->qwake);
    free(st);
}

/* ---- reads --------------------------------------------------------------- */

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

/* Equal strings without an early exit on the first differing byte. */
static bool same_secret(const char *a, const char *b)
{
    size_t n = strlen(a);
    unsigned char d = (unsigned char)(n != strlen(b));
    for (size_t i = 0; i < n && b[i]; i++) d |= (unsigned char)(a[i] ^ b[i]);
    return d == 0;
}

enum kerr hubstore_ticket_status(struct hubstore *st, const char *ticket, const char *check,
                                 struct api_ticket_status *out)
{
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
    bind_text(s, 1, ticket);
    /* by ticket or by the receipt's ticket (after a renumbering): at most a
     * few rows, told apart by their check code */
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        if (!check || same_secret((const char *)sqlite3_column_text(s, 4), check)) break;
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
    static const char *const cols[] = {"id",           "created_at",       "revoked_at",
                                       "last_seen",    "version",          "queue_depth",
                                       "oldest_pending_s", "content_version", "online",
                                       "last_error"};
    int r = reader_get(st);
    enum kerr res = KERR_DB;
    cJSON *a = cJSON_CreateArray();
    sqlite3_stmt *s = rprep(st->rdb[r], "SELECT id, created_at, revoked_at, last_seen, version,"
                                        " queue_depth, oldest_pending_s, content_version,"
                                        " online, last_error FROM kiosks ORDER BY id");
    int rc;
    *out = NULL;
    if (!s || !a) goto out;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        cJSON *o = cJSON_CreateObject();
        if (!o) goto out;
        cJSON_AddItemToArray(a, o);
        add_cols(o, s, 0, cols, 10);
        {
            cJSON *on = cJSON_GetObjectItem(o, "online");
            if (cJSON_IsNumber(on))
                cJSON_ReplaceItemInObject(o, "online", cJSON_CreateBool(on->valueint != 0));
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
    for (int i = 0; i < 6; i++) bind_text(s, i + 1, p[i] && p[i][0] ? p[i] : NULL);
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
    bind_text(s, 1, ticket);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        if (same_secret((const char *)sqlite3_column_text(s, 6), check)) break;
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
    bind_text(h, 1, real);
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
    int r = reader_get(st);
    enum kerr res = KERR_DB;
    char now[API_TIME_SIZE];
    sqlite3_stmt *s = rprep(st->rdb[r], "SELECT name, role, pw_hash, disabled_at IS NOT NULL,"
                                        " coalesce(locked_until > ?2, 0) FROM users WHERE name=?1");
    int rc;
    memset(out, 0, sizeof *out);
    hubstore_now(now, sizeof now);
    if (!s) goto out;
    bind_text(s, 1, name);
    bind_text(s, 2, now);
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
        bind_text(s, 1, now);
        res = rows_to_array(s, cols, 6, out);
    }
    sqlite3_finalize(s);
    reader_put(st, r);
    return res;
}

enum kerr hubstore_audit_list(struct hubstore *st, int64_t before, int limit, cJSON **out)
{
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
    bind_text(s, 1, ticket);
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
    bind_text(h, 1, ticket);
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
