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

#include "hubstore_booking.h"
#include "hubstore_impl.h"
#include "hubstore_pg.h"

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
    /* 5: the screen schedule at the last heartbeat (1 lit, 0 dark, NULL
     * when the kiosk did not say) */
    "ALTER TABLE kiosks ADD COLUMN screen_on INTEGER;",
    /* 6: signed content releases (the files are in <db>.content/) and what
     * each kiosk last reported of its content (hubstore_content.c) */
    "CREATE TABLE content_releases(version INTEGER PRIMARY KEY, size INTEGER NOT NULL,"
    " created INTEGER NOT NULL, expires INTEGER NOT NULL, at INTEGER NOT NULL,"
    " published INTEGER NOT NULL, sha256 TEXT NOT NULL, to_spec TEXT NOT NULL,"
    " targets TEXT NOT NULL, manifest TEXT NOT NULL);"
    "CREATE TABLE content_kiosks(id TEXT PRIMARY KEY, tower TEXT NOT NULL, content INTEGER"
    " NOT NULL, offered INTEGER NOT NULL, reported INTEGER NOT NULL, error TEXT NOT NULL);",
    /* 7: nursing-room bookings (hubstore_booking.h) */
    HUBSTORE_BOOKING_MIGRATION,
    /* 8: when the retention sweep removed a release's bundle file (Unix
     * seconds; 0 while it is kept: hubstore_purge.h) */
    "ALTER TABLE content_releases ADD COLUMN purged INTEGER NOT NULL DEFAULT 0;",
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

static void run_batch(struct hubstore *st, struct hubstore_job *batch)
{
    char now[API_TIME_SIZE];
    bool ok = true;
    struct hubstore_job *j, *next;

    if (st->pg) {
        hubpg_run_batch(st, batch); /* the same jobs, in PostgreSQL terms (hubstore_pg.c) */
        goto answer;
    }
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
        if (hubstore_job_run(st, j, now) != 0) {
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
answer:
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
        /* a sweep that is due still runs: the one at open, when the store is
         * closed at once (kiosk-hub --migrate-from copies a swept file) */
        if (!st->head && st->closing && kclock_mono_ms() < next_sweep) {
            pthread_mutex_unlock(&st->qlock);
            break;
        }
        if (!st->head) { /* the sweep is due */
            struct hubstore_job sweep;
            pthread_mutex_unlock(&st->qlock);
            memset(&sweep, 0, sizeof sweep);
            sweep.op = HUBSTORE_SWEEP;
            sweep.done = sweep_done;
            memset(&st->swept, 0, sizeof st->swept);
            run_batch(st, &sweep);
            /* under hook_mu: hubstore_on_sweep(NULL) waits for a call in progress */
            pthread_mutex_lock(&st->hook_mu);
            if (sweep.result == 200 && st->on_sweep) st->on_sweep(&st->swept, st->on_sweep_arg);
            pthread_mutex_unlock(&st->hook_mu);
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

void hubstore_on_sweep(struct hubstore *st, void (*fn)(const struct hubstore_swept *swept, void *arg),
                       void *arg)
{
    pthread_mutex_lock(&st->hook_mu);
    st->on_sweep = fn;
    st->on_sweep_arg = arg;
    pthread_mutex_unlock(&st->hook_mu);
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
    pthread_mutex_init(&st->hook_mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC); /* the sweep's timed wait */
    pthread_cond_init(&st->qwake, &ca);
    pthread_condattr_destroy(&ca);
    if (hubpg_is_url(path)) { /* the PostgreSQL backend: its own connections */
        res = hubpg_open(path, st->retention_s, &st->pg);
        if (res != KERR_OK) goto fail;
        goto start;
    }
    res = db_open(path, false, &st->wdb);
    if (res != KERR_OK) goto fail;
    res = migrate(st->wdb);
    if (res != KERR_OK) goto fail;
    res = KERR_DB;
    if (hubstore_prepare_writer(st) != 0) goto fail;
    for (int i = 0; i < READERS; i++) {
        res = db_open(path, true, &st->rdb[i]);
        if (res != KERR_OK) goto fail;
    }
start:
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

enum kerr hubstore_alert_put(struct hubstore *st, const char *event, int64_t *id)
{
    return st->pg ? hubpg_alert_put(st->pg, event, id) : KERR_INVALID;
}

enum kerr hubstore_alert_listen(struct hubstore *st, void (*fn)(int64_t, const char *, void *),
                                void *arg)
{
    return st->pg ? hubpg_listen_start(st->pg, 0, fn, arg) : KERR_INVALID;
}

void hubstore_alert_listen_stop(struct hubstore *st)
{
    if (st->pg) hubpg_listen_stop(st->pg);
}

bool hubstore_shared(const struct hubstore *st)
{
    return st->pg != NULL;
}

enum kerr hubstore_shot_ask(struct hubstore *st, const char *kiosk, const char *sid,
                            int64_t now_ms, int ttl_s, int max, const char *event)
{
    return st->pg ? hubpg_shot_ask(st->pg, kiosk, sid, now_ms, ttl_s, max, event) : KERR_INVALID;
}

enum kerr hubstore_shot_put(struct hubstore *st, const char *kiosk, const char *sid,
                            int64_t now_ms, int ttl_s, const unsigned char *png, size_t len,
                            const char *reason, const char *event)
{
    return st->pg ? hubpg_shot_put(st->pg, kiosk, sid, now_ms, ttl_s, png, len, reason, event)
                  : KERR_INVALID;
}

enum kerr hubstore_shot_take(struct hubstore *st, const char *kiosk, const char *sid,
                             int64_t now_ms, int ttl_s, unsigned char **png, size_t *len,
                             char reason[128])
{
    if (!st->pg) {
        *png = NULL;
        *len = 0;
        return KERR_INVALID;
    }
    return hubpg_shot_take(st->pg, kiosk, sid, now_ms, ttl_s, png, len, reason);
}

void hubstore_poll_note(struct hubstore *st, const char *kiosk, const char *tower,
                        int64_t held_until_ms)
{
    if (st->pg) hubpg_poll_note(st->pg, kiosk, tower, held_until_ms);
}

int hubstore_poll_info(struct hubstore *st, const char *kiosk, int64_t now_ms, char *tower,
                       size_t cap, bool *held)
{
    tower[0] = '\0';
    *held = false;
    return st->pg ? hubpg_poll_info(st->pg, kiosk, now_ms, tower, cap, held) : 0;
}

struct cJSON *hubstore_poll_all(struct hubstore *st, int64_t now_ms)
{
    return st->pg ? hubpg_poll_all(st->pg, now_ms) : NULL;
}

enum kerr hubstore_session_put(struct hubstore *st, const uint8_t hash[32], const char *name,
                               const char *role, const char *csrf, int64_t now)
{
    return st->pg ? hubpg_session_put(st->pg, hash, name, role, csrf, now) : KERR_INVALID;
}

int hubstore_session_find(struct hubstore *st, const uint8_t hash[32], int64_t now,
                          int64_t idle_ms, int64_t max_ms, char *name, char *role, char *csrf,
                          int64_t *ends)
{
    return st->pg ? hubpg_session_find(st->pg, hash, now, idle_ms, max_ms, name, role, csrf, ends)
                  : -1;
}

void hubstore_session_end(struct hubstore *st, const uint8_t hash[32])
{
    if (st->pg) hubpg_session_end(st->pg, hash, NULL);
}

int hubstore_session_end_user(struct hubstore *st, const char *name)
{
    return st->pg ? hubpg_session_end(st->pg, NULL, name) : 0;
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
    hubstore_finalize_writer(st);
    for (int i = 0; i < READERS; i++) sqlite3_close(st->rdb[i]);
    sqlite3_close(st->wdb);
    hubpg_close(st->pg);
    pthread_mutex_destroy(&st->rlock);
    pthread_cond_destroy(&st->rfree);
    pthread_mutex_destroy(&st->qlock);
    pthread_mutex_destroy(&st->hook_mu);
    pthread_cond_destroy(&st->qwake);
    free(st);
}
