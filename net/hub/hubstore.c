#include "hubstore.h"

#include <cjson/cJSON.h>
#include <pthread.h>
#include <sqlite3.h>
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

    /* writer statements, prepared once */
    sqlite3_stmt *req_find, *req_ticket, *req_insert, *hist_insert, *beat, *status_get,
        *status_upd, *kiosk_get, *kiosk_ins, *kiosk_readd, *kiosk_revoke, *erase_notes,
        *erase_fields;
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

static int prep(sqlite3 *db, sqlite3_stmt **st, const char *sql)
{
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) != SQLITE_OK) {
        KLOGE("hubstore", "prepare: %s", sqlite3_errmsg(db));
        return -1;
    }
    return 0;
}

static int prepare_writer(struct hubstore *st)
{
    sqlite3 *db = st->wdb;
    int rc = 0;
    rc |= prep(db, &st->req_find,
               "SELECT body_hash, answer FROM requests WHERE kiosk_id=?1 AND idem_key=?2");
    rc |= prep(db, &st->req_ticket, "SELECT 1 FROM requests WHERE ticket=?1");
    rc |= prep(db, &st->req_insert,
               "INSERT INTO requests(ticket,kiosk_id,idem_key,body_hash,category,body,status,"
               "note,received_at,updated_at,answer,check_code,receipt_ticket)"
               " VALUES(?1,?2,?3,?4,?5,?6,'new',NULL,?7,?7,?8,?9,?10)");
    rc |= prep(db, &st->hist_insert,
               "INSERT INTO history(ticket,from_status,to_status,note,at,actor)"
               " VALUES(?1,?2,?3,?4,?5,?6)");
    rc |= prep(db, &st->beat,
               "UPDATE kiosks SET last_seen=?2, version=?3, queue_depth=?4, oldest_pending_s=?5,"
               " content_version=?6, online=?7, last_error=?8 WHERE id=?1 AND revoked_at IS NULL");
    rc |= prep(db, &st->status_get, "SELECT status FROM requests WHERE ticket=?1");
    rc |= prep(db, &st->status_upd,
               "UPDATE requests SET status=?2, note=?3, updated_at=?4, closed_at ="
               " CASE WHEN ?2 IN ('resolved','rejected') THEN ?4 END WHERE ticket=?1");
    /* retention: staff notes, then the personal fields of the body (contact,
     * phone, description; the company name when typed by hand) */
    rc |= prep(db, &st->erase_notes,
               "UPDATE history SET note=NULL WHERE note IS NOT NULL AND ticket IN"
               " (SELECT ticket FROM requests WHERE erased_at IS NULL AND closed_at IS NOT NULL"
               " AND closed_at <= ?1)");
    rc |= prep(db, &st->erase_fields,
               "UPDATE requests SET body = json_replace(body, '$.contact_name', NULL,"
               " '$.phone', NULL, '$.description', NULL,"
               " CASE WHEN json_type(body, '$.company.id') = 'null' THEN '$.company.name'"
               " ELSE '$.company.no_such_member' END, NULL)," /* json_replace adds nothing */
               " note = NULL, erased_at = ?2"
               " WHERE erased_at IS NULL AND closed_at IS NOT NULL AND closed_at <= ?1");
    rc |= prep(db, &st->kiosk_get, "SELECT revoked_at IS NOT NULL FROM kiosks WHERE id=?1");
    rc |= prep(db, &st->kiosk_ins,
               "INSERT INTO kiosks(id, token_hash, created_at) VALUES(?1,?2,?3)");
    rc |= prep(db, &st->kiosk_readd,
               "UPDATE kiosks SET token_hash=?2, created_at=?3, revoked_at=NULL WHERE id=?1");
    rc |= prep(db, &st->kiosk_revoke,
               "UPDATE kiosks SET revoked_at=?2 WHERE id=?1 AND revoked_at IS NULL");
    return rc;
}

static void finalize_writer(struct hubstore *st)
{
    sqlite3_stmt *all[] = {st->req_find,   st->req_ticket, st->req_insert, st->hist_insert,
                           st->beat,       st->status_get, st->status_upd, st->kiosk_get,
                           st->kiosk_ins,  st->kiosk_readd, st->kiosk_revoke, st->erase_notes,
                           st->erase_fields};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) sqlite3_finalize(all[i]);
}

/* ---- the writer ---------------------------------------------------------- */

static void bind_text(sqlite3_stmt *s, int i, const char *v)
{
    if (v) sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
    else sqlite3_bind_null(s, i);
}

/* Runs one job inside the open transaction. Returns 0 when the job's outcome
 * (any HTTP result) is decided, -1 on a database error (the caller rolls the
 * job's savepoint back and answers 500). */
static int job_req_put(struct hubstore *st, struct hubstore_job *j, const char *now)
{
    sqlite3_stmt *s = st->req_find;
    int rc;
    sqlite3_reset(s);
    bind_text(s, 1, j->kiosk_id);
    bind_text(s, 2, j->idem_key);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        const void *h = sqlite3_column_blob(s, 0);
        bool same = sqlite3_column_bytes(s, 0) == 32 && memcmp(h, j->body_hash, 32) == 0;
        if (same) {
            j->result = 200; /* replay of the stored answer */
            snprintf(j->answer, sizeof j->answer, "%s", (const char *)sqlite3_column_text(s, 1));
        } else {
            j->result = 422;
        }
        sqlite3_reset(s);
        return 0;
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) return -1;

    s = st->req_ticket;
    sqlite3_reset(s);
    bind_text(s, 1, j->ticket);
    rc = sqlite3_step(s);
    sqlite3_reset(s);
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
    s = st->req_insert;
    sqlite3_reset(s);
    bind_text(s, 1, j->ticket);
    bind_text(s, 2, j->kiosk_id);
    bind_text(s, 3, j->idem_key);
    sqlite3_bind_blob(s, 4, j->body_hash, 32, SQLITE_STATIC);
    bind_text(s, 5, j->category);
    bind_text(s, 6, j->body);
    bind_text(s, 7, now);
    bind_text(s, 8, j->answer);
    bind_text(s, 9, j->check[0] ? j->check : NULL);
    bind_text(s, 10, j->receipt_ticket[0] ? j->receipt_ticket : NULL);
    rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) return -1;

    s = st->hist_insert;
    sqlite3_reset(s);
    bind_text(s, 1, j->ticket);
    bind_text(s, 2, NULL);
    bind_text(s, 3, "new");
    bind_text(s, 4, NULL);
    bind_text(s, 5, now);
    bind_text(s, 6, j->kiosk_id);
    rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) return -1;
    j->result = 201;
    return 0;
}

static int job_heartbeat(struct hubstore *st, struct hubstore_job *j, const char *now)
{
    sqlite3_stmt *s = st->beat;
    int rc;
    sqlite3_reset(s);
    bind_text(s, 1, j->kiosk_id);
    bind_text(s, 2, now);
    bind_text(s, 3, j->version);
    sqlite3_bind_int64(s, 4, j->queue_depth);
    sqlite3_bind_int64(s, 5, j->oldest_pending_s);
    bind_text(s, 6, j->content_version);
    sqlite3_bind_int(s, 7, j->online ? 1 : 0);
    bind_text(s, 8, j->has_last_error ? j->last_error : NULL);
    rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) return -1;
    j->result = sqlite3_changes(st->wdb) == 1 ? 204 : 404;
    return 0;
}

static int job_status_set(struct hubstore *st, struct hubstore_job *j, const char *now)
{
    sqlite3_stmt *s = st->status_get;
    char from[HUBSTORE_SHORT_MAX + 1];
    int rc;
    sqlite3_reset(s);
    bind_text(s, 1, j->ticket);
    rc = sqlite3_step(s);
    if (rc == SQLITE_DONE) {
        sqlite3_reset(s);
        j->result = 404;
        return 0;
    }
    if (rc != SQLITE_ROW) {
        sqlite3_reset(s);
        return -1;
    }
    snprintf(from, sizeof from, "%s", (const char *)sqlite3_column_text(s, 0));
    sqlite3_reset(s);
    if (!hubstore_transition_ok(from, j->status)) {
        j->result = 409;
        snprintf(j->answer, sizeof j->answer, "%s", from);
        return 0;
    }
    s = st->status_upd;
    sqlite3_reset(s);
    bind_text(s, 1, j->ticket);
    bind_text(s, 2, j->status);
    bind_text(s, 3, j->has_note ? j->note : NULL);
    bind_text(s, 4, now);
    rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) return -1;
    s = st->hist_insert;
    sqlite3_reset(s);
    bind_text(s, 1, j->ticket);
    bind_text(s, 2, from);
    bind_text(s, 3, j->status);
    bind_text(s, 4, j->has_note ? j->note : NULL);
    bind_text(s, 5, now);
    bind_text(s, 6, "admin");
    rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) return -1;
    j->result = 200;
    return 0;
}

static int job_kiosk_add(struct hubstore *st, struct hubstore_job *j, const char *now)
{
    sqlite3_stmt *s = st->kiosk_get;
    int rc, revoked = -1;
    sqlite3_reset(s);
    bind_text(s, 1, j->kiosk_id);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) revoked = sqlite3_column_int(s, 0);
    sqlite3_reset(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return -1;
    if (revoked == 0) {
        j->result = 409; /* an active kiosk keeps its token until revoked */
        return 0;
    }
    s = revoked == 1 ? st->kiosk_readd : st->kiosk_ins;
    sqlite3_reset(s);
    bind_text(s, 1, j->kiosk_id);
    sqlite3_bind_blob(s, 2, j->token_hash, 32, SQLITE_STATIC);
    bind_text(s, 3, now);
    rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) return -1;
    j->result = 201;
    return 0;
}

static int job_kiosk_revoke(struct hubstore *st, struct hubstore_job *j, const char *now)
{
    sqlite3_stmt *s = st->kiosk_revoke;
    int rc;
    sqlite3_reset(s);
    bind_text(s, 1, j->kiosk_id);
    bind_text(s, 2, now);
    rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) return -1;
    j->result = sqlite3_changes(st->wdb) == 1 ? 204 : 404;
    return 0;
}

/* Erases the personal fields of requests closed retention_s ago or more.
 * result 200, answer = the number of requests erased. */
static int job_sweep(struct hubstore *st, struct hubstore_job *j, const char *now)
{
    char cutoff[API_TIME_SIZE];
    int rc, n;
    api_time_format(kclock_wall_ms() - st->retention_s * 1000, cutoff);
    sqlite3_reset(st->erase_notes);
    bind_text(st->erase_notes, 1, cutoff);
    rc = sqlite3_step(st->erase_notes);
    sqlite3_reset(st->erase_notes);
    if (rc != SQLITE_DONE) return -1;
    sqlite3_reset(st->erase_fields);
    bind_text(st->erase_fields, 1, cutoff);
    bind_text(st->erase_fields, 2, now);
    rc = sqlite3_step(st->erase_fields);
    sqlite3_reset(st->erase_fields);
    if (rc != SQLITE_DONE) return -1;
    n = sqlite3_changes(st->wdb);
    if (n > 0) st->checkpoint_due = true;
    snprintf(j->answer, sizeof j->answer, "%d", n);
    j->result = 200;
    return 0;
}

static int job_run(struct hubstore *st, struct hubstore_job *j, const char *now)
{
    switch (j->op) {
    case HUBSTORE_REQ_PUT: return job_req_put(st, j, now);
    case HUBSTORE_HEARTBEAT: return job_heartbeat(st, j, now);
    case HUBSTORE_STATUS_SET: return job_status_set(st, j, now);
    case HUBSTORE_KIOSK_ADD: return job_kiosk_add(st, j, now);
    case HUBSTORE_KIOSK_REVOKE: return job_kiosk_revoke(st, j, now);
    case HUBSTORE_SWEEP: return job_sweep(st, j, now);
    }
    return -1;
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
        for (int i = 0; i < 10; i++) add_col(o, cols[i], s, i);
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
        add_col(o, "status", s, 1);
        add_col(o, "note", s, 2);
        add_col(o, "received_at", s, 3);
        add_col(o, "updated_at", s, 4);
        add_col(o, "erased_at", s, 5);
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
    add_col(o, "status", s, 1);
    add_col(o, "note", s, 2);
    add_col(o, "received_at", s, 3);
    add_col(o, "updated_at", s, 4);
    add_col(o, "erased_at", s, 5);
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
        cJSON_AddItemToArray(hist, e);
        add_col(e, "from", h, 0);
        add_col(e, "to", h, 1);
        add_col(e, "note", h, 2);
        add_col(e, "at", h, 3);
        add_col(e, "by", h, 4);
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
