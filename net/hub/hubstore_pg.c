/* hubstore_pg: connections, the schema and its migrations, the writer's
 * batches in pipeline mode, the hub-wide lease. See hubstore_pg.h. */
#include <libpq-fe.h>
#include <sqlite3.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "kclock.h"
#include "kassert.h"
#include "klog.h"

#include "hubbook.h"
#include "hubstore_booking.h"
#include "hubstore_impl.h"
#include "hubstore_purge.h"
#include "hubstore_pg_impl.h"

const char *hubpg_holder(const struct hubpg *pg)
{
    return pg->holder;
}

/* Notices ("relation already exists, skipping") are not worth a log line. */
static void quiet_notice(void *arg, const char *msg)
{
    (void)arg;
    (void)msg;
}

PGconn *hubpg_connect(const char *url, const char *who)
{
    /* the URL is expanded (expand_dbname); the connection is named after
     * its role, so an operator sees "kiosk-hub writer" in pg_stat_activity */
    char app[64];
    const char *keys[] = {"dbname", "application_name", NULL};
    const char *vals[] = {url, app, NULL};
    PGconn *c;
    snprintf(app, sizeof app, "kiosk-hub %s", who);
    c = PQconnectdbParams(keys, vals, 1);
    if (!c || PQstatus(c) != CONNECTION_OK) {
        const char *m = c ? PQerrorMessage(c) : "no memory";
        KLOGE("hubstore", "%s: cannot connect to PostgreSQL: %.*s", who,
              (int)strcspn(m, "\n"), m);
        PQfinish(c);
        return NULL;
    }
    PQsetNoticeProcessor(c, quiet_notice, NULL);
    return c;
}



/* ---- the writer's statements ------------------------------------------- */

/* job->store_flags in a batch: its statement was sent; it must read the
 * winner; it is a staff job (run_slow) */
#define F_SENT 1u
#define F_FIND 2u
#define F_SLOW 4u

enum pstmt { P_REQ, P_REQ_FIND, P_BEAT, P_KADD, P_KREV, P__COUNT };

static const struct {
    const char *name, *sql;
} pstmts[P__COUNT] = {
    /* the request and its first history row, or nothing when (kiosk, key)
     * or the ticket is taken: no error, so the batch goes on */
    [P_REQ] = {"req", "WITH ins AS (INSERT INTO requests(ticket,kiosk_id,idem_key,body_hash,"
                      "category,body,status,note,received_at,updated_at,answer,check_code,"
                      "receipt_ticket) VALUES($1,$2,$3,$4,$5,$6,'new',NULL,$7,$7,$8,$9,$10)"
                      " ON CONFLICT DO NOTHING RETURNING ticket)"
                      " INSERT INTO history(ticket,from_status,to_status,note,at,actor)"
                      " SELECT ticket,NULL,'new',NULL,$7,$2 FROM ins RETURNING ticket"},
    /* the second statement: the row that won (committed by now) */
    [P_REQ_FIND] = {"req_find", "SELECT body_hash, answer FROM requests"
                                " WHERE kiosk_id=$1 AND idem_key=$2"},
    [P_BEAT] = {"beat", "UPDATE kiosks SET last_seen=$2, version=$3, queue_depth=$4,"
                        " oldest_pending_s=$5, content_version=$6, online=$7, last_error=$8,"
                        " screen_on=$9 WHERE id=$1 AND revoked_at IS NULL"},
    /* a new kiosk, or a new token for a revoked one; nothing for an active one */
    [P_KADD] = {"kadd", "WITH k AS (INSERT INTO kiosks(id,token_hash,created_at) VALUES($1,$2,$3)"
                        " ON CONFLICT (id) DO UPDATE SET token_hash=EXCLUDED.token_hash,"
                        " created_at=EXCLUDED.created_at, revoked_at=NULL"
                        " WHERE kiosks.revoked_at IS NOT NULL RETURNING (xmax = 0) AS fresh)"
                        " INSERT INTO audit(at,actor,action,target,detail) SELECT $3,$4,"
                        "'kiosk.add',$1,CASE WHEN fresh THEN NULL ELSE 'new token' END FROM k"
                        " RETURNING id"},
    [P_KREV] = {"krev", "WITH u AS (UPDATE kiosks SET revoked_at=$2 WHERE id=$1 AND"
                        " revoked_at IS NULL RETURNING id) INSERT INTO audit(at,actor,action,"
                        "target,detail) SELECT $2,$3,'kiosk.revoke',id,NULL FROM u RETURNING id"},
};

static bool prepare_writer(PGconn *c)
{
    for (int i = 0; i < P__COUNT; i++) {
        PGresult *r = PQprepare(c, pstmts[i].name, pstmts[i].sql, 0, NULL);
        bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
        PQclear(r);
        if (!ok) {
            KLOGE("hubstore", "postgres prepare %s: %s", pstmts[i].name, PQerrorMessage(c));
            return false;
        }
    }
    return true;
}

/* True when the writer has a usable connection, connecting again (at most
 * once per backoff step) when it has none. One log line per state change. */
static bool writer_ready(struct hubpg *pg)
{
    uint64_t now = kclock_mono_ms();
    if (pg->w && PQstatus(pg->w) == CONNECTION_OK) return true;
    if (pg->w) {
        PQfinish(pg->w);
        pg->w = NULL;
        if (!pg->w_down) KLOGE("hubstore", "writer: lost the PostgreSQL connection; answering 503");
        pg->w_down = true;
        pg->w_next_try = now; /* try once at once */
    }
    if (now < pg->w_next_try) return false;
    pg->w = hubpg_connect(pg->url, "writer");
    if (pg->w && !prepare_writer(pg->w)) {
        PQfinish(pg->w);
        pg->w = NULL;
    }
    if (!pg->w) {
        if (!pg->w_down) KLOGE("hubstore", "writer: PostgreSQL unreachable; answering 503");
        pg->w_down = true;
        pg->w_backoff = pg->w_backoff ? pg->w_backoff * 2 : HUBPG_BACKOFF_MIN_MS;
        if (pg->w_backoff > HUBPG_BACKOFF_MAX_MS) pg->w_backoff = HUBPG_BACKOFF_MAX_MS;
        pg->w_next_try = now + pg->w_backoff;
        return false;
    }
    if (pg->w_down) KLOGI("hubstore", "writer: connected to PostgreSQL again");
    pg->w_down = false;
    pg->w_backoff = 0;
    return true;
}

/* The parameters of one statement: text, or binary for bytea. */
struct params {
    int n;
    const char *v[10];
    int len[10], fmt[10];
    char num[4][24];
};

static void p_text(struct params *p, const char *v)
{
    p->v[p->n] = v;
    p->len[p->n] = 0;
    p->fmt[p->n++] = 0;
}

static void p_blob32(struct params *p, const uint8_t *b)
{
    p->v[p->n] = (const char *)b;
    p->len[p->n] = 32;
    p->fmt[p->n++] = 1;
}

static void p_int(struct params *p, int slot, int64_t v)
{
    snprintf(p->num[slot], sizeof p->num[slot], "%lld", (long long)v);
    p_text(p, p->num[slot]);
}

/* Sends job j's one statement; false when the job has none in this backend
 * (its result is set) or the send failed (the connection is gone). */
static bool send_job(struct hubpg *pg, struct hubstore_job *j, const char *now, bool *sent)
{
    struct params p;
    enum pstmt id;
    memset(&p, 0, sizeof p);
    *sent = false;
    switch (j->op) {
    case HUBSTORE_REQ_PUT:
        if (hubstore_req_answer(j, now) != 0) return true; /* 500 */
        id = P_REQ;
        p_text(&p, j->ticket);
        p_text(&p, j->kiosk_id);
        p_text(&p, j->idem_key);
        p_blob32(&p, j->body_hash);
        p_text(&p, j->category);
        p_text(&p, j->body);
        p_text(&p, now);
        p_text(&p, j->answer);
        p_text(&p, j->check[0] ? j->check : NULL);
        p_text(&p, j->receipt_ticket[0] ? j->receipt_ticket : NULL);
        break;
    case HUBSTORE_HEARTBEAT:
        id = P_BEAT;
        p_text(&p, j->kiosk_id);
        p_text(&p, now);
        p_text(&p, j->version);
        p_int(&p, 0, j->queue_depth);
        p_int(&p, 1, j->oldest_pending_s);
        p_text(&p, j->content_version);
        p_text(&p, j->online ? "1" : "0");
        p_text(&p, j->has_last_error ? j->last_error : NULL);
        p_text(&p, j->has_screen_on ? (j->screen_on ? "1" : "0") : NULL);
        break;
    case HUBSTORE_KIOSK_ADD:
        id = P_KADD;
        if (!j->actor[0]) snprintf(j->actor, sizeof j->actor, "admin");
        p_text(&p, j->kiosk_id);
        p_blob32(&p, j->token_hash);
        p_text(&p, now);
        p_text(&p, j->actor);
        break;
    case HUBSTORE_KIOSK_REVOKE:
        id = P_KREV;
        if (!j->actor[0]) snprintf(j->actor, sizeof j->actor, "admin");
        p_text(&p, j->kiosk_id);
        p_text(&p, now);
        p_text(&p, j->actor);
        break;
    default: /* a staff job: the second transaction (run_slow) */
        return true;
    }
    *sent = true;
    return PQsendQueryPrepared(pg->w, pstmts[id].name, p.n, p.v, p.len, p.fmt, 0) == 1;
}

/* The outcome of job j's statement result r (status and rows). */
static void job_outcome(struct hubstore_job *j, PGresult *r, bool *find_winner)
{
    int rows = PQntuples(r);
    *find_winner = false;
    switch (j->op) {
    case HUBSTORE_REQ_PUT:
        if (rows == 1) j->result = 201;
        else *find_winner = true; /* a replay, a reused key or a taken ticket */
        break;
    case HUBSTORE_HEARTBEAT: j->result = strcmp(PQcmdTuples(r), "1") == 0 ? 204 : 404; break;
    case HUBSTORE_KIOSK_ADD: j->result = rows == 1 ? 201 : 409; break;
    case HUBSTORE_KIOSK_REVOKE: j->result = rows == 1 ? 204 : 404; break;
    default: break;
    }
}

static bool send_cmd(PGconn *c, const char *sql)
{
    return PQsendQueryParams(c, sql, 0, NULL, NULL, NULL, NULL, 0) == 1;
}

/* The next command's result in the pipeline (the NULL after it consumed);
 * NULL when the connection broke. */
static PGresult *next_result(PGconn *c)
{
    PGresult *r = PQgetResult(c), *extra;
    if (!r) return NULL;
    if (PQresultStatus(r) == PGRES_PIPELINE_SYNC) return r;
    while ((extra = PQgetResult(c)) != NULL) PQclear(extra);
    return r;
}

/* Reads to the sync (the pipeline's end) so the connection can leave
 * pipeline mode; false when the connection broke. */
static bool drain_to_sync(PGconn *c)
{
    for (int guard = 0; guard < 100000; guard++) {
        PGresult *r = PQgetResult(c);
        if (!r) {
            if (PQstatus(c) != CONNECTION_OK) return false;
            continue;
        }
        ExecStatusType s = PQresultStatus(r);
        PQclear(r);
        if (s == PGRES_PIPELINE_SYNC) return true;
    }
    return false;
}

/* One pipelined transaction over jobs [first, end) (linked by next):
 * 1 committed (results set), 0 a statement failed and everything was rolled
 * back, -1 the connection broke (the outcome is unknown). */
static int batch_once(struct hubpg *pg, struct hubstore_job *first, struct hubstore_job *end,
                      const char *now)
{
    PGconn *c = pg->w;
    struct hubstore_job *j;
    int committed = 0, nfind = 0;
    bool ok = true, broken = false;

    if (PQenterPipelineMode(c) != 1) return -1;
    ok = send_cmd(c, "BEGIN");
    for (j = first; ok && j != end; j = j->next) {
        bool sent;
        if (j->store_flags & F_SLOW) continue;
        j->result = 500;
        j->answer[0] = '\0';
        ok = send_job(pg, j, now, &sent);
        j->store_flags = sent ? F_SENT : 0;
    }
    ok = ok && send_cmd(c, "COMMIT") && PQpipelineSync(c) == 1;
    if (!ok) broken = true;

    if (!broken) {
        PGresult *r = next_result(c); /* BEGIN */
        bool fine = r && PQresultStatus(r) == PGRES_COMMAND_OK;
        if (!r) broken = true;
        PQclear(r);
        for (j = first; !broken && j != end; j = j->next) {
            if (!(j->store_flags & F_SENT)) continue;
            r = next_result(c);
            if (!r) {
                broken = true;
                break;
            }
            if (PQresultStatus(r) == PGRES_TUPLES_OK || PQresultStatus(r) == PGRES_COMMAND_OK) {
                bool find;
                job_outcome(j, r, &find);
                if (find) j->store_flags |= F_FIND;
            } else {
                if (PQresultStatus(r) != PGRES_PIPELINE_ABORTED)
                    KLOGE("hubstore", "job op=%d: %s %s", (int)j->op,
                          PQresStatus(PQresultStatus(r)), PQresultErrorMessage(r));
                fine = false;
            }
            PQclear(r);
        }
        if (!broken) {
            r = next_result(c); /* COMMIT */
            if (!r) broken = true;
            else if (fine && PQresultStatus(r) == PGRES_COMMAND_OK) committed = 1;
            PQclear(r);
        }
        if (!broken && !drain_to_sync(c)) broken = true;
    }
    if (broken || PQstatus(c) != CONNECTION_OK) {
        PQexitPipelineMode(c);
        return -1;
    }

    /* the second statement: the stored answer of each key that was taken */
    if (committed) {
        for (j = first; j != end; j = j->next)
            if ((j->store_flags & F_FIND)) {
                struct params p = {0};
                p_text(&p, j->kiosk_id);
                p_text(&p, j->idem_key);
                if (PQsendQueryPrepared(c, pstmts[P_REQ_FIND].name, p.n, p.v, p.len, p.fmt, 1) != 1) {
                    broken = true;
                    break;
                }
                nfind++;
            }
        if (!broken && nfind > 0) {
            if (PQpipelineSync(c) != 1) broken = true;
            for (j = first; !broken && j != end; j = j->next) {
                PGresult *r;
                if (!(j->store_flags & F_FIND)) continue;
                r = next_result(c);
                if (!r) {
                    broken = true;
                    break;
                }
                if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) {
                    bool same = PQgetlength(r, 0, 0) == 32 &&
                                memcmp(PQgetvalue(r, 0, 0), j->body_hash, 32) == 0;
                    j->result = same ? 200 : 422; /* 200: replay of the stored answer */
                    j->answer[0] = '\0';
                    if (same) snprintf(j->answer, sizeof j->answer, "%s", PQgetvalue(r, 0, 1));
                } else if (PQresultStatus(r) == PGRES_TUPLES_OK) {
                    /* nothing under this key: the ticket belongs to another
                     * key, the kiosk may send it again with a new ticket */
                    j->result = 409;
                    j->answer[0] = '\0';
                } else {
                    j->result = 500;
                }
                PQclear(r);
            }
            if (!broken && !drain_to_sync(c)) broken = true;
        }
        if (broken)
            for (j = first; j != end; j = j->next)
                if ((j->store_flags & F_FIND)) j->result = 503;
    }
    PQexitPipelineMode(c);
    return committed;
}

/* The retention sweep, on the hub that holds the lease "sweep": the personal
 * fields of requests closed retention_s ago (members set to JSON null, never
 * added) and the staff notes. result 200, answer = how many requests. */
static void run_sweep(struct hubstore *st, struct hubstore_job *j, const char *now)
{
    struct hubpg *pg = st->pg;
    char cutoff[API_TIME_SIZE];
    const char *v[2];
    PGresult *r = NULL;
    /* held for one sweep interval: the holder renews it at its next sweep */
    int held = hubpg_lease(pg, "sweep", st->sweep_every_ms >= 2000 ? (int)(st->sweep_every_ms / 1000) : 1);
    j->result = 500;
    if (held < 0) return;
    if (held == 0) { /* another hub sweeps */
        j->result = 200;
        snprintf(j->answer, sizeof j->answer, "0");
        return;
    }
    api_time_format(kclock_wall_ms() - pg->retention_s * 1000, cutoff);
    v[0] = cutoff;
    v[1] = now;
    if (!hubpg_cmd_ok(pg->w, "BEGIN")) return;
    r = PQexecParams(pg->w, "UPDATE history SET note=NULL WHERE note IS NOT NULL AND ticket IN"
                            " (SELECT ticket FROM requests WHERE erased_at IS NULL AND"
                            " closed_at IS NOT NULL AND closed_at <= $1)",
                     1, NULL, v, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) goto fail;
    PQclear(r);
    r = PQexecParams(pg->w,
                     "UPDATE requests SET body = (SELECT (CASE WHEN b->'company'->'id' = 'null'::jsonb"
                     " THEN jsonb_set(b, '{company,name}', 'null', false) ELSE b END)::text FROM"
                     " (SELECT jsonb_set(jsonb_set(jsonb_set(body::jsonb, '{contact_name}', 'null',"
                     " false), '{phone}', 'null', false), '{description}', 'null', false) AS b) x),"
                     " note = NULL, erased_at = $2"
                     " WHERE erased_at IS NULL AND closed_at IS NOT NULL AND closed_at <= $1",
                     2, NULL, v, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) goto fail;
    snprintf(j->answer, sizeof j->answer, "%s", PQcmdTuples(r));
    PQclear(r);
    r = NULL;
    /* bookings: no-shows released, phones erased (hubstore_booking.c) */
    if (hubstore_booking_sweep(st, hubbook_now_s(), now) != 0) goto fail;
    /* bundles no kiosk needs, polls of revoked kiosks (hubstore_purge.c) */
    if (hubpurge_sweep(st, kclock_wall_ms() / 1000, &st->swept) != 0) goto fail;
    {
        /* console sessions past the longest lifetime (--session-max <= 7 days) */
        char old[24];
        const char *ov[1] = {old};
        snprintf(old, sizeof old, "%lld", (long long)(kclock_wall_ms() - 7LL * 86400 * 1000));
        r = PQexecParams(pg->w, "DELETE FROM sessions WHERE created_ms < $1::bigint", 1, NULL, ov,
                         NULL, NULL, 0);
        if (PQresultStatus(r) != PGRES_COMMAND_OK) goto fail;
        PQclear(r);
        r = NULL;
    }
    if (!hubpg_cmd_ok(pg->w, "COMMIT")) return;
    j->result = 200;
    return;
fail:
    KLOGE("hubstore", "retention sweep: %s", PQerrorMessage(pg->w));
    PQclear(r);
    hubpg_cmd_ok(pg->w, "ROLLBACK");
}

/* ---- the staff's jobs: the shared job functions over hubpg_wstep -------- */

bool hubpg_writer_race(struct hubpg *pg, const char *state)
{
    pg->wrace = state && (strcmp(state, "40P01") == 0 || strcmp(state, "40001") == 0);
    if (pg->wrace)
        KLOGW("hubstore", "writer: a race with another hub's writer (%s); the staff's and "
                          "bookings' jobs of this batch run again", state);
    return pg->wrace;
}

int hubpg_wstep(struct hubpg *pg, int id, const char *sql, int n, const struct hubstore_val *v)
{
    char pgsql[2048], num[10][24];
    const char *vals[10];
    int len[10], fmt[10];
    size_t o = 0;
    ExecStatusType s;
    KASSERT(id >= 0 && id < HUBPG_WSTMTS && n <= 10);
    /* SQLite's ?N is PostgreSQL's $N (no statement has a ? in a literal) */
    for (const char *c = sql; *c && o < sizeof pgsql - 1; c++) pgsql[o++] = *c == '?' ? '$' : *c;
    pgsql[o] = '\0';
    for (int i = 0; i < n; i++) {
        len[i] = 0;
        fmt[i] = 0;
        switch (v[i].kind) {
        case HV_NULL: vals[i] = NULL; break;
        case HV_TEXT: vals[i] = v[i].p; break;
        case HV_BLOB32:
            vals[i] = v[i].p;
            len[i] = 32;
            fmt[i] = 1;
            break;
        case HV_INT:
            snprintf(num[i], sizeof num[i], "%lld", (long long)v[i].i);
            vals[i] = num[i];
            break;
        }
    }
    PQclear(pg->wres[id]);
    pg->wres[id] = PQexecParams(pg->w, pgsql, n, NULL, vals, len, fmt, 0);
    s = PQresultStatus(pg->wres[id]);
    if (s != PGRES_TUPLES_OK && s != PGRES_COMMAND_OK) {
        if (!hubpg_writer_race(pg, PQresultErrorField(pg->wres[id], PG_DIAG_SQLSTATE)))
            KLOGE("hubstore", "postgres: %s", PQerrorMessage(pg->w));
        return SQLITE_ERROR;
    }
    pg->wchanges = strtoll(PQcmdTuples(pg->wres[id]), NULL, 10);
    return PQntuples(pg->wres[id]) > 0 ? SQLITE_ROW : SQLITE_DONE;
}

void hubpg_wreset(struct hubpg *pg, int id)
{
    PQclear(pg->wres[id]);
    pg->wres[id] = NULL;
}

const char *hubpg_wcol(struct hubpg *pg, int id, int col)
{
    KASSERT(pg->wres[id] && PQntuples(pg->wres[id]) > 0);
    return PQgetvalue(pg->wres[id], 0, col);
}

int64_t hubpg_wchanges(struct hubpg *pg)
{
    return pg->wchanges;
}

/* The staff's jobs of the batch (F_SLOW) in one transaction, a savepoint
 * each, through hubstore_job_run: the same rules as on SQLite. A job that
 * lost a race with another hub's writer (two batches booking the same slots
 * in opposite orders deadlock; PostgreSQL ends one) makes the whole
 * transaction run again, up to HUBPG_RACE_TRIES times: a savepoint alone
 * would keep the locks of the batch's earlier jobs, the other half of the
 * cycle. Nothing was answered yet, so running again is safe. Bookings
 * take their phone's and room's locks first (hubstore_booking.c), so two
 * hubs' writers meet here only when two batches lock in opposite orders. */
static void run_slow(struct hubstore *st, struct hubstore_job *batch, const char *now)
{
    struct hubpg *pg = st->pg;
    struct hubstore_job *j;
    bool ok, race;
    for (int attempt = 1;; attempt++) {
        ok = hubpg_cmd_ok(pg->w, "BEGIN");
        race = false;
        for (j = batch; j; j = j->next) {
            if (!(j->store_flags & F_SLOW)) continue;
            j->result = 500;
            j->answer[0] = '\0';
            if (!ok || race || !hubpg_cmd_ok(pg->w, "SAVEPOINT job")) {
                ok = false;
                continue;
            }
            pg->wrace = false;
            if (hubstore_job_run(st, j, now) != 0) {
                j->result = 500;
                j->answer[0] = '\0';
                race = pg->wrace;
                if (!hubpg_cmd_ok(pg->w, "ROLLBACK TO SAVEPOINT job")) ok = false;
            }
            if (ok && !race && !hubpg_cmd_ok(pg->w, "RELEASE SAVEPOINT job")) ok = false;
        }
        for (int i = 0; i < HUBPG_WSTMTS; i++) hubpg_wreset(pg, i);
        if (!race || attempt == HUBPG_RACE_TRIES || PQstatus(pg->w) != CONNECTION_OK) break;
        hubpg_cmd_ok(pg->w, "ROLLBACK");
        /* a pause of random length, growing: two writers that met are then
         * out of step, and the other one's COMMIT comes first */
        usleep(1000u * (1u + (unsigned)rand_r(&pg->wseed) % (5u * (unsigned)attempt)));
    }
    if (ok && !race && hubpg_cmd_ok(pg->w, "COMMIT")) return;
    if (PQstatus(pg->w) == CONNECTION_OK) hubpg_cmd_ok(pg->w, "ROLLBACK");
    for (j = batch; j; j = j->next)
        if (j->store_flags & F_SLOW) {
            /* a lost connection: nothing known, so nothing claimed */
            j->result = PQstatus(pg->w) == CONNECTION_OK ? 500 : 503;
            j->answer[0] = '\0';
        }
}

/* True when j is from or after the job from in the batch's list. */
static bool is_at_or_after(const struct hubstore_job *from, const struct hubstore_job *j)
{
    for (const struct hubstore_job *k = from; k; k = k->next)
        if (k == j) return true;
    return false;
}

static bool fast_op(enum hubstore_op op)
{
    return op == HUBSTORE_REQ_PUT || op == HUBSTORE_HEARTBEAT || op == HUBSTORE_KIOSK_ADD ||
           op == HUBSTORE_KIOSK_REVOKE;
}

void hubpg_run_batch(struct hubstore *st, struct hubstore_job *batch)
{
    struct hubpg *pg = st->pg;
    char now[API_TIME_SIZE];
    struct hubstore_job *j;
    bool any_fast = false, any_slow = false;
    int rc;

    hubstore_now(now, sizeof now);
    if (!writer_ready(pg)) {
        for (j = batch; j; j = j->next) {
            j->result = 503;
            j->answer[0] = '\0';
        }
        return;
    }
    if (batch->op == HUBSTORE_SWEEP && !batch->next) {
        run_sweep(st, batch, now);
        return;
    }
    for (j = batch; j; j = j->next) {
        j->store_flags = fast_op(j->op) ? 0 : F_SLOW;
        any_fast = any_fast || fast_op(j->op);
        any_slow = any_slow || !fast_op(j->op);
    }
    if (any_fast) {
        struct hubstore_job *unknown = batch; /* from here on the outcome is unknown */
        rc = batch_once(pg, batch, NULL, now);
        if (rc == 0) {
            /* one job failed and PostgreSQL rolled back the whole batch: each
             * job again in a transaction of its own, so only that one fails */
            for (j = batch; j; j = j->next) {
                if (j->store_flags & F_SLOW) continue;
                rc = batch_once(pg, j, j->next, now);
                if (rc == 0) j->result = 500;
                if (rc < 0) break;
            }
            unknown = j; /* NULL when every job ran; else the one whose connection broke */
        }
        if (rc < 0) {
            /* the connection broke before COMMIT answered: nothing is known of
             * the outcome of these, so nothing is claimed (the resend replays);
             * the staff's jobs of the batch did not run */
            for (j = batch; j; j = j->next) {
                if (!(j->store_flags & F_SLOW) && !is_at_or_after(unknown, j)) continue; /* committed */
                j->result = 503;
                j->answer[0] = '\0';
            }
            writer_ready(pg); /* logs the loss once, schedules the reconnect */
            return;
        }
    }
    if (any_slow) run_slow(st, batch, now);
}

int hubpg_lease(struct hubpg *pg, const char *name, int ttl_s)
{
    char ttl[24];
    const char *v[3];
    int i = hubpg_reader_get(pg), res = -1;
    PGresult *r;
    if (i < 0) return -1;
    snprintf(ttl, sizeof ttl, "%d", ttl_s);
    v[0] = name;
    v[1] = pg->holder;
    v[2] = ttl;
    r = PQexecParams(pg->r[i],
                     "INSERT INTO hub_leases(name, holder, expires_at)"
                     " VALUES($1, $2, now() + make_interval(secs => $3::int))"
                     " ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder,"
                     " expires_at = EXCLUDED.expires_at"
                     " WHERE hub_leases.holder = EXCLUDED.holder OR hub_leases.expires_at < now()"
                     " RETURNING holder",
                     3, NULL, v, NULL, NULL, 0);
    if (PQresultStatus(r) == PGRES_TUPLES_OK) res = PQntuples(r) == 1 ? 1 : 0;
    else KLOGE("hubstore", "lease %s: %s", name, PQerrorMessage(pg->r[i]));
    PQclear(r);
    hubpg_reader_put(pg, i);
    return res;
}

enum kerr hubpg_open(const char *url, int64_t retention_s, struct hubpg **out)
{
    struct hubpg *pg = calloc(1, sizeof *pg);
    char host[64] = "";
    enum kerr res;
    *out = NULL;
    if (!pg || !(pg->url = strdup(url))) {
        free(pg);
        return KERR_NOMEM;
    }
    pg->retention_s = retention_s;
    pg->lsock = -1;
    pthread_mutex_init(&pg->rlock, NULL);
    pthread_cond_init(&pg->rfree, NULL);
    pthread_mutex_init(&pg->llock, NULL);
    gethostname(host, sizeof host - 1);
    {
        uint8_t rnd[4] = {0};
        FILE *f = fopen("/dev/urandom", "rb");
        if (f) {
            if (fread(rnd, 1, sizeof rnd, f) != sizeof rnd) memset(rnd, 0, sizeof rnd);
            fclose(f);
        }
        snprintf(pg->holder, sizeof pg->holder, "%.40s:%ld:%02x%02x%02x%02x", host, (long)getpid(),
                 rnd[0], rnd[1], rnd[2], rnd[3]);
        pg->wseed = (unsigned)rnd[0] | (unsigned)rnd[1] << 8 | (unsigned)rnd[2] << 16 |
                    (unsigned)rnd[3] << 24 | (unsigned)getpid();
    }
    res = KERR_DB;
    pg->w = hubpg_connect(url, "writer");
    if (!pg->w) goto fail;
    res = hubpg_migrate(pg->w);
    if (res != KERR_OK) goto fail;
    res = KERR_DB;
    if (!prepare_writer(pg->w)) goto fail;
    for (int i = 0; i < HUBPG_READERS; i++)
        if (!(pg->r[i] = hubpg_connect(url, "reader"))) goto fail;
    *out = pg;
    return KERR_OK;
fail:
    hubpg_close(pg);
    return res;
}
