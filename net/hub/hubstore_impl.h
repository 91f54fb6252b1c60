/* hubstore_impl: what the files of the hub's store share and nothing else
 * sees: struct hubstore and the internal calls between its files.
 * hubstore.c opens and closes the store (schema, migrations, readers) and
 * runs the writer thread (queue, batches, sweeps, hubstore_submit/run);
 * hubstore_jobs.c holds the writer's prepared statements and the job
 * functions that run them, one per enum hubstore_op; hubstore_read.c is the
 * read queries on the reader connections (kiosks, tickets, requests, facets,
 * users, audit). Include it only from net/hub/hubstore*.c. */
#ifndef HUBSTORE_IMPL_H
#define HUBSTORE_IMPL_H

#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "hubstore.h"

#define READERS 4
#define RETENTION_DEFAULT_S (30 * 86400)
#define SWEEP_DEFAULT_MS (3600 * 1000)
#define QUEUE_MAX 20000 /* jobs waiting for the writer */
#define BATCH_MAX 1024  /* jobs per transaction */
#define WRITER_STMTS 26 /* enum stmt */

struct hubpg;

struct hubstore {
    struct hubpg *pg; /* the PostgreSQL backend (hubstore_pg.h), or NULL for SQLite */
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
    struct hubstore_swept swept; /* the running sweep's counts (writer thread) */
    pthread_mutex_t hook_mu; /* on_sweep and its calls */
    void (*on_sweep)(const struct hubstore_swept *swept, void *arg);
    void *on_sweep_arg;

    sqlite3_stmt *ws[WRITER_STMTS]; /* the writer's statements (enum stmt), prepared once */
};

/* A writer statement's parameter, as both backends bind it. */
struct hubstore_val {
    enum { HV_NULL, HV_TEXT, HV_BLOB32, HV_INT } kind;
    const void *p; /* HV_TEXT: NUL-terminated; HV_BLOB32: 32 bytes */
    int64_t i;     /* HV_INT */
};

/* ---- hubstore_jobs.c (writer thread only) --------------------------------- */

/* prepare_writer prepares every writer statement on st->wdb (0, or -1 with
 * the error logged); finalize_writer finalizes them. job_run runs job j in
 * the writer's open transaction at time now, its result in j: 0, or -1 when
 * the database failed or the op is unknown (the caller rolls back the job's
 * savepoint). */
int hubstore_prepare_writer(struct hubstore *st);
void hubstore_finalize_writer(struct hubstore *st);
int hubstore_job_run(struct hubstore *st, struct hubstore_job *j, const char *now);

/* The answer a REQ_PUT job stores with its request when it is the first
 * (ticket, status new, received_at now) into j->answer; both backends.
 * 0, or -1 when it could not be encoded. */
int hubstore_req_answer(struct hubstore_job *j, const char *now);

/* ---- hubstore_query.c: a read on either backend --------------------------- */

struct pg_result; /* libpq's PGresult */

#define HUBSTORE_Q_PARAMS 20 /* parameters of one statement, at most */

/* A reader connection of st's backend, held from hubstore_rd_get to
 * hubstore_rd_put (r -1: PostgreSQL could not be reached). */
struct hubstore_rd {
    struct hubstore *st;
    int r;
    sqlite3 *own; /* HUBSTORE_RD_OWN */
    bool in_txn;  /* in a transaction: a broken connection is not retried */
};

/* One statement on a held reader. Prepared with SQLite's text (?N), which
 * becomes PostgreSQL's ($N) unless a PostgreSQL text of its own is given
 * (where the dialects differ: JSON, booleans, untyped NULL tests).
 * hubstore_q_step returns SQLITE_ROW, SQLITE_DONE or SQLITE_ERROR (logged);
 * a column's type is SQLITE_NULL, SQLITE_INTEGER or SQLITE_TEXT on both. */
struct hubstore_q {
    struct hubstore_rd *rd;
    sqlite3_stmt *s;       /* SQLite */
    struct pg_result *res; /* PostgreSQL: the whole result, read row by row */
    int row, rows, n;
    bool ran, guard;
    char *pgsql;
    const char *v[HUBSTORE_Q_PARAMS];
    int len[HUBSTORE_Q_PARAMS], fmt[HUBSTORE_Q_PARAMS];
    char num[HUBSTORE_Q_PARAMS][24];
};

#define HUBSTORE_RD_WRITER (-2) /* rd->r: the writer's own connection (writer thread) */
#define HUBSTORE_RD_OWN (-3)    /* rd->r: a SQLite connection of the caller's (rd->own) */

bool hubstore_rd_get(struct hubstore *st, struct hubstore_rd *rd);
/* The writer's connection as a held reader, for statements in its open
 * transaction (writer thread only; hubstore_rd_put is then a no-op). */
void hubstore_rd_writer(struct hubstore *st, struct hubstore_rd *rd);
/* On SQLite the caller's own (read-write) connection own; on PostgreSQL a
 * reader of the pool (which may write: each statement its own transaction).
 * false when PostgreSQL cannot be reached. Give it back with hubstore_rd_put. */
bool hubstore_rd_own(struct hubstore *st, sqlite3 *own, struct hubstore_rd *rd);
void hubstore_rd_put(struct hubstore_rd *rd);
/* SQL without parameters or rows (BEGIN, COMMIT) on the held reader. */
void hubstore_rd_exec(struct hubstore_rd *rd, const char *sql);
/* A read transaction: the statements until COMMIT see one snapshot. */
void hubstore_rd_begin(struct hubstore_rd *rd);
bool hubstore_q_prep(struct hubstore_q *q, struct hubstore_rd *rd, const char *sql,
                     const char *pgsql);
void hubstore_q_text(struct hubstore_q *q, int i, const char *v); /* NULL: SQL NULL */
void hubstore_q_int(struct hubstore_q *q, int i, int64_t v);
void hubstore_q_blob(struct hubstore_q *q, int i, const void *v, int len);
int hubstore_q_step(struct hubstore_q *q);
/* The statement may break a unique or exclusion constraint, which is then
 * SQLITE_CONSTRAINT on both backends and leaves the writer's transaction
 * usable (on PostgreSQL it runs inside a savepoint of its own). */
void hubstore_q_guard(struct hubstore_q *q);
/* Rows the statement changed (after its step). */
int64_t hubstore_q_changes(struct hubstore_q *q);
int hubstore_q_type(struct hubstore_q *q, int col);
const char *hubstore_q_col(struct hubstore_q *q, int col); /* "" for NULL */
int64_t hubstore_q_int_col(struct hubstore_q *q, int col); /* a boolean is 0/1 */
void hubstore_q_done(struct hubstore_q *q);

/* ---- hubstore_read.c ------------------------------------------------------ */

/* A free reader connection's index (waits for one); give it back with
 * hubstore_reader_release. For the read queries of other files. */
int hubstore_reader_acquire(struct hubstore *st);
void hubstore_reader_release(struct hubstore *st, int i);

/* Equal strings without an early exit on the first differing byte (check
 * codes); both backends. */
bool hubstore_same_secret(const char *a, const char *b);


#endif
