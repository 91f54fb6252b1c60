/* hubstore_pg_impl: struct hubpg, shared by hubstore_pg.c and
 * hubstore_pg_read.c and seen by no other file. See hubstore_pg.h. */
#ifndef HUBSTORE_PG_IMPL_H
#define HUBSTORE_PG_IMPL_H

#include <libpq-fe.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "hubstore_pg.h"

#define HUBPG_READERS 4
#define HUBPG_WSTMTS 32 /* the writer statements of hubstore_jobs.c (enum stmt) */
#define HUBPG_BACKOFF_MIN_MS 100
#define HUBPG_BACKOFF_MAX_MS 5000
#define HUBPG_RACE_TRIES 4 /* a batch that lost a race (deadlock) runs again at most this often */
/* pg_advisory_xact_lock key: one writer of the alerts log at a time (every
 * insert into alerts takes it, so ids commit in the order they are drawn) */
#define HUBPG_ALERT_LOCK "7318044915"

struct hubpg {
    char *url;
    char holder[96];     /* this process in leases */
    unsigned wseed;      /* rand_r's state for the pause before a batch runs again */
    int64_t retention_s;

    /* the writer's connection: writer thread only (and open/close) */
    PGconn *w;
    bool w_down;          /* logged as lost; the next good connect logs again */
    uint64_t w_next_try;  /* monotonic ms of the next connect attempt */
    uint64_t w_backoff;   /* ms */
    PGresult *wres[HUBPG_WSTMTS]; /* hubpg_wstep's results, by statement */
    int64_t wchanges;             /* rows the last hubpg_wstep changed */
    bool wrace; /* the last hubpg_wstep failed as a race with another hub's writer:
                 * a deadlock (40P01) or a serialization failure (40001) */

    /* readers: a pool, each used by one thread at a time */
    PGconn *r[HUBPG_READERS];
    bool rbusy[HUBPG_READERS];
    pthread_mutex_t rlock;
    pthread_cond_t rfree;

    /* the alert listener: its connection belongs to its thread */
    pthread_t lthread;
    bool lstarted;
    atomic_bool lstop;
    pthread_mutex_t llock; /* lsock */
    int lsock;             /* the listener connection's socket, -1 when none */
    hubpg_alert_fn lfn;
    void *larg;
    int64_t llast; /* the last alert id delivered */
};

/* The writer's statement failed with SQLSTATE state (NULL: unknown): true
 * (and logged, and noted for run_slow) when it lost a race with another
 * hub's writer, a deadlock (40P01) or a serialization failure (40001): the
 * batch's staff and booking jobs run again. Writer thread. */
bool hubpg_writer_race(struct hubpg *pg, const char *state);

/* Runs sql (no parameters) on c: true when it succeeded (a failure is logged). */
bool hubpg_cmd_ok(PGconn *c, const char *sql);

/* Creates or migrates the schema to this hub's version in one transaction,
 * one hub at a time (an advisory lock). KERR_DB (logged), also for a
 * database newer than this hub. hubstore_pg_schema.c. */
enum kerr hubpg_migrate(PGconn *c);

/* Connects to url (the text of a failure logged as who: ..., the URL never,
 * it may hold a password). NULL on failure. */
PGconn *hubpg_connect(const char *url, const char *who);

/* A reader connection (waits for a free one; reconnects a broken one) and
 * its index, or -1 when the database cannot be reached; give it back with
 * hubpg_reader_put. */
int hubpg_reader_get(struct hubpg *pg);
void hubpg_reader_put(struct hubpg *pg, int i);

#endif
