/* hubstore_pg_read: the PostgreSQL backend's reader pool (the read queries
 * themselves are hubstore_read.c's, through hubstore_query.c),
 * the alerts table and the listener that fans alerts out to this hub
 * (LISTEN/NOTIFY, catch-up by id), and closing. See hubstore_pg.h. */
#include <libpq-fe.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "api.h"
#include "kclock.h"
#include "klog.h"

#include "hubstore_impl.h"
#include "hubstore_pg_impl.h"

int hubpg_reader_get(struct hubpg *pg)
{
    int i;
    pthread_mutex_lock(&pg->rlock);
    for (;;) {
        for (i = 0; i < HUBPG_READERS; i++)
            if (!pg->rbusy[i]) break;
        if (i < HUBPG_READERS) break;
        pthread_cond_wait(&pg->rfree, &pg->rlock);
    }
    pg->rbusy[i] = true;
    pthread_mutex_unlock(&pg->rlock);
    if (pg->r[i] && PQstatus(pg->r[i]) != CONNECTION_OK) {
        PQfinish(pg->r[i]);
        pg->r[i] = NULL;
    }
    if (!pg->r[i]) pg->r[i] = hubpg_connect(pg->url, "reader");
    if (!pg->r[i]) {
        hubpg_reader_put(pg, i);
        return -1;
    }
    return i;
}

void hubpg_reader_put(struct hubpg *pg, int i)
{
    pthread_mutex_lock(&pg->rlock);
    pg->rbusy[i] = false;
    pthread_cond_signal(&pg->rfree);
    pthread_mutex_unlock(&pg->rlock);
}

/* ---- staff console sessions ---------------------------------------------- */

/* sql with n text parameters (binary where len > 0) on a reader, autocommit;
 * the result (cleared by the caller) or NULL when it failed (logged). */
static PGresult *sess_exec(struct hubpg *pg, const char *sql, int n, const char *const *v,
                           const int *len)
{
    int fmt[6] = {0}, i = hubpg_reader_get(pg);
    PGresult *r;
    if (i < 0) return NULL;
    for (int k = 0; k < n; k++) fmt[k] = len[k] > 0;
    r = PQexecParams(pg->r[i], sql, n, NULL, v, len, fmt, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK && PQresultStatus(r) != PGRES_COMMAND_OK) {
        KLOGE("hubstore", "sessions: %s", PQerrorMessage(pg->r[i]));
        PQclear(r);
        r = NULL;
    }
    hubpg_reader_put(pg, i);
    return r;
}

enum kerr hubpg_session_put(struct hubpg *pg, const uint8_t hash[32], const char *name,
                            const char *role, const char *csrf, int64_t now)
{
    char t[24];
    const char *v[5] = {(const char *)hash, name, role, csrf, t};
    const int len[5] = {32, 0, 0, 0, 0};
    PGresult *r;
    snprintf(t, sizeof t, "%lld", (long long)now);
    r = sess_exec(pg, "INSERT INTO sessions(hash, name, role, csrf, created_ms, last_ms)"
                      " VALUES($1, $2, $3, $4, $5, $5)", 5, v, len);
    if (!r) return KERR_DB;
    PQclear(r);
    return KERR_OK;
}

int hubpg_session_find(struct hubpg *pg, const uint8_t hash[32], int64_t now, int64_t idle_ms,
                       int64_t max_ms, char *name, char *role, char *csrf, int64_t *ends)
{
    char t[24], idle[24], max[24];
    const char *v[4] = {(const char *)hash, t, idle, max};
    const int len[4] = {32, 0, 0, 0};
    PGresult *r;
    int res = -1;
    snprintf(t, sizeof t, "%lld", (long long)now);
    snprintf(idle, sizeof idle, "%lld", (long long)idle_ms);
    snprintf(max, sizeof max, "%lld", (long long)max_ms);
    /* a use: the idle time starts again, in the same statement as the check */
    r = sess_exec(pg, "UPDATE sessions SET last_ms = $2::bigint WHERE hash = $1 AND"
                      " last_ms + $3::bigint > $2::bigint AND created_ms + $4::bigint > $2::bigint"
                      " RETURNING name, role, csrf,"
                      " least(last_ms + $3::bigint, created_ms + $4::bigint)",
                  4, v, len);
    if (!r) return -1;
    if (PQntuples(r) == 1) {
        snprintf(name, HUBSTORE_USER_MAX + 1, "%s", PQgetvalue(r, 0, 0));
        snprintf(role, HUBSTORE_ROLE_MAX + 1, "%s", PQgetvalue(r, 0, 1));
        snprintf(csrf, 65, "%s", PQgetvalue(r, 0, 2));
        *ends = strtoll(PQgetvalue(r, 0, 3), NULL, 10);
        res = 1;
    } else {
        res = 0;
        hubpg_session_end(pg, hash, NULL); /* expired (or unknown): gone */
    }
    PQclear(r);
    return res;
}

int hubpg_session_end(struct hubpg *pg, const uint8_t *hash, const char *name)
{
    const char *v[1] = {hash ? (const char *)hash : name};
    const int len[1] = {hash ? 32 : 0};
    PGresult *r = sess_exec(pg, hash ? "DELETE FROM sessions WHERE hash = $1"
                                     : "DELETE FROM sessions WHERE name = $1",
                            1, v, len);
    int n = r ? atoi(PQcmdTuples(r)) : 0;
    PQclear(r);
    return n;
}

/* ---- alerts -------------------------------------------------------------- */

enum kerr hubpg_alert_put(struct hubpg *pg, const char *json, int64_t *id)
{
    const char *v[1] = {json};
    enum kerr res = KERR_DB;
    int i = hubpg_reader_get(pg);
    PGresult *r;
    if (i < 0) return KERR_DB;
    /* Alert writers take turns (an advisory lock until COMMIT), so ids commit
     * in the order they were drawn and a listener that reads "after the last
     * id it saw" can never skip a smaller id committed later. Alerts are
     * rare: the turn costs nothing. The notification goes out at COMMIT. */
    if (hubpg_cmd_ok(pg->r[i], "BEGIN") &&
        hubpg_cmd_ok(pg->r[i], "SELECT pg_advisory_xact_lock(" HUBPG_ALERT_LOCK ")")) {
        r = PQexecParams(pg->r[i], "WITH a AS (INSERT INTO alerts(body) VALUES($1) RETURNING id)"
                                   " SELECT id, pg_notify('kiosk_alerts', id::text) FROM a",
                         1, NULL, v, NULL, NULL, 0);
        if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) {
            *id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
            res = KERR_OK;
        } else {
            KLOGE("hubstore", "alert: %s", PQerrorMessage(pg->r[i]));
        }
        PQclear(r);
    }
    if (res == KERR_OK && !hubpg_cmd_ok(pg->r[i], "COMMIT")) res = KERR_DB;
    if (res != KERR_OK && PQstatus(pg->r[i]) == CONNECTION_OK) hubpg_cmd_ok(pg->r[i], "ROLLBACK");
    hubpg_reader_put(pg, i);
    return res;
}

/* Delivers every alert after pg->llast; false when the connection broke. */
static bool catch_up(struct hubpg *pg, PGconn *c)
{
    char after[24];
    const char *v[1] = {after};
    PGresult *r;
    snprintf(after, sizeof after, "%lld", (long long)pg->llast);
    r = PQexecParams(c, "SELECT id, body FROM alerts WHERE id > $1 ORDER BY id LIMIT 1000", 1,
                     NULL, v, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        PQclear(r);
        return false;
    }
    for (int i = 0; i < PQntuples(r); i++) {
        int64_t id = strtoll(PQgetvalue(r, i, 0), NULL, 10);
        pg->lfn(id, PQgetvalue(r, i, 1), pg->larg);
        pg->llast = id;
    }
    {
        bool more = PQntuples(r) == 1000;
        PQclear(r);
        return more ? catch_up(pg, c) : true;
    }
}

static bool cmd_ok_listen(PGconn *c)
{
    PGresult *r = PQexec(c, "LISTEN kiosk_alerts");
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    return ok;
}

static void set_lsock(struct hubpg *pg, int fd)
{
    pthread_mutex_lock(&pg->llock);
    pg->lsock = fd;
    pthread_mutex_unlock(&pg->llock);
}

static void *listen_main(void *arg)
{
    struct hubpg *pg = arg;
    PGconn *c = NULL;
    uint64_t backoff = 0, next_try = 0;
    bool down = false;
    while (!atomic_load(&pg->lstop)) {
        if (!c) {
            if (kclock_mono_ms() < next_try) {
                usleep(50 * 1000);
                continue;
            }
            c = hubpg_connect(pg->url, "alert listener");
            if (c && (!cmd_ok_listen(c) || !catch_up(pg, c))) {
                PQfinish(c);
                c = NULL;
            }
            if (!c) {
                if (!down) KLOGE("hubstore", "alert listener: PostgreSQL unreachable, retrying");
                down = true;
                backoff = backoff ? backoff * 2 : HUBPG_BACKOFF_MIN_MS;
                if (backoff > HUBPG_BACKOFF_MAX_MS) backoff = HUBPG_BACKOFF_MAX_MS;
                next_try = kclock_mono_ms() + backoff;
                continue;
            }
            if (down) KLOGI("hubstore", "alert listener: connected again, caught up to alert %lld",
                            (long long)pg->llast);
            down = false;
            backoff = 0;
            set_lsock(pg, PQsocket(c));
        }
        {
            struct pollfd p = {PQsocket(c), POLLIN, 0};
            bool got = false, broken = false;
            PGnotify *n;
            if (poll(&p, 1, 200) < 0) continue;
            if (PQconsumeInput(c) != 1) broken = true;
            while (!broken && (n = PQnotifies(c)) != NULL) {
                got = true;
                PQfreemem(n);
            }
            if (!broken && got && !catch_up(pg, c)) broken = true;
            if (broken || PQstatus(c) != CONNECTION_OK) {
                KLOGE("hubstore", "alert listener: lost the PostgreSQL connection; reconnecting");
                set_lsock(pg, -1);
                PQfinish(c);
                c = NULL;
                down = true;
                next_try = kclock_mono_ms();
            }
        }
    }
    set_lsock(pg, -1);
    PQfinish(c);
    return NULL;
}

enum kerr hubpg_listen_start(struct hubpg *pg, int64_t after, hubpg_alert_fn fn, void *arg)
{
    if (pg->lstarted) return KERR_INVALID;
    pg->lfn = fn;
    pg->larg = arg;
    pg->llast = after;
    atomic_store(&pg->lstop, false);
    if (pthread_create(&pg->lthread, NULL, listen_main, pg) != 0) return KERR_NOMEM;
    pg->lstarted = true;
    return KERR_OK;
}

void hubpg_listen_break(struct hubpg *pg)
{
    pthread_mutex_lock(&pg->llock);
    if (pg->lsock >= 0) shutdown(pg->lsock, SHUT_RDWR);
    pthread_mutex_unlock(&pg->llock);
}

void hubpg_listen_stop(struct hubpg *pg)
{
    if (!pg->lstarted) return;
    atomic_store(&pg->lstop, true);
    pthread_join(pg->lthread, NULL);
    pg->lstarted = false;
}

void hubpg_close(struct hubpg *pg)
{
    if (!pg) return;
    hubpg_listen_stop(pg);
    for (int i = 0; i < HUBPG_WSTMTS; i++) PQclear(pg->wres[i]);
    PQfinish(pg->w);
    for (int i = 0; i < HUBPG_READERS; i++) PQfinish(pg->r[i]);
    pthread_mutex_destroy(&pg->rlock);
    pthread_cond_destroy(&pg->rfree);
    pthread_mutex_destroy(&pg->llock);
    free(pg->url);
    free(pg);
}
