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
#define WRITER_STMTS 14 /* enum stmt */

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
    S_ERASE_FIELDS, S__COUNT
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
                       NOW_, {B_CONST, 0, 0, "admin"}},
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
    if (stmt_run(st, S_STATUS_UPD, j, now, NULL) != 0) return -1;
    if (stmt_run(st, S_HIST_STAFF, j, now, from) != 0) return -1;
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

static int (*const job_fn[])(struct hubstore *, struct hubstore_job *, const char *) = {
    [HUBSTORE_REQ_PUT] = job_req_put,       [HUBSTORE_HEARTBEAT] = job_one_row,
    [HUBSTORE_STATUS_SET] = job_status_set, [HUBSTORE_KIOSK_ADD] = job_kiosk_add,
    [HUBSTORE_KIOSK_REVOKE] = job_one_row,  [HUBSTORE_SWEEP] = job_sweep,
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
static const char *const record_cols[] = {"status", "note", "received_at", "updated_at",
                                          "erased_at"};
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

enum kerr hubstore_request_list(struct hubstore *st, const char *status, int limit, cJSON **out)
{
    int r = reader_get(st);
    enum kerr res = KERR_DB;
    cJSON *a = cJSON_CreateArray();
    sqlite3_stmt *s = rprep(st->rdb[r], "SELECT body, status, note, received_at, updated_at,"
                                        " erased_at FROM requests WHERE (?1 IS NULL OR status=?1)"
                                        " ORDER BY received_at DESC, ticket LIMIT ?2");
    int rc;
    *out = NULL;
    if (!s || !a) goto out;
    bind_text(s, 1, status);
    sqlite3_bind_int(s, 2, limit);
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

enum kerr hubstore_request_get(struct hubstore *st, const char *ticket, cJSON **out)
{
    int r = reader_get(st);
    enum kerr res = KERR_DB;
    cJSON *o = NULL, *hist;
    sqlite3_stmt *h = NULL;
    sqlite3_stmt *s = rprep(st->rdb[r], "SELECT body, status, note, received_at, updated_at,"
                                        " erased_at FROM requests WHERE ticket=?1");
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
