/* hubstore_query: the read statements of both backends behind one small
 * interface (a held reader, a statement, its rows), so the read functions of
 * hubstore_read.c are written once. See hubstore_impl.h. */
#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kassert.h"
#include "klog.h"

#include "hubstore_impl.h"
#include "hubstore_pg_impl.h"

/* the reader pool of hubstore_read.c (SQLite) */
int hubstore_reader_acquire(struct hubstore *st);
void hubstore_reader_release(struct hubstore *st, int i);

bool hubstore_rd_get(struct hubstore *st, struct hubstore_rd *rd)
{
    rd->st = st;
    rd->in_txn = false;
    rd->r = st->pg ? hubpg_reader_get(st->pg) : hubstore_reader_acquire(st);
    return rd->r >= 0;
}

void hubstore_rd_writer(struct hubstore *st, struct hubstore_rd *rd)
{
    rd->st = st;
    rd->in_txn = true; /* the writer's open transaction */
    rd->r = HUBSTORE_RD_WRITER;
}

bool hubstore_rd_own(struct hubstore *st, sqlite3 *own, struct hubstore_rd *rd)
{
    if (st->pg) return hubstore_rd_get(st, rd);
    rd->st = st;
    rd->in_txn = false;
    rd->r = HUBSTORE_RD_OWN;
    rd->own = own;
    return true;
}

/* The connection rd holds, of either backend. */
static sqlite3 *sq_of(struct hubstore_rd *rd)
{
    if (rd->r == HUBSTORE_RD_OWN) return rd->own;
    return rd->r == HUBSTORE_RD_WRITER ? rd->st->wdb : rd->st->rdb[rd->r];
}

static PGconn *pg_of(struct hubstore_rd *rd)
{
    return rd->r == HUBSTORE_RD_WRITER ? rd->st->pg->w : rd->st->pg->r[rd->r];
}

void hubstore_rd_put(struct hubstore_rd *rd)
{
    if (rd->r < 0) return;
    if (rd->st->pg) hubpg_reader_put(rd->st->pg, rd->r);
    else hubstore_reader_release(rd->st, rd->r);
    rd->r = -1;
}

void hubstore_rd_exec(struct hubstore_rd *rd, const char *sql)
{
    if (rd->st->pg) PQclear(PQexec(pg_of(rd), sql));
    else sqlite3_exec(sq_of(rd), sql, NULL, NULL, NULL);
}

void hubstore_rd_begin(struct hubstore_rd *rd)
{
    rd->in_txn = true;
    /* one snapshot for every statement until hubstore_rd_exec(rd, "COMMIT") */
    hubstore_rd_exec(rd, rd->st->pg ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN");
}

bool hubstore_q_prep(struct hubstore_q *q, struct hubstore_rd *rd, const char *sql,
                     const char *pgsql)
{
    memset(q, 0, sizeof *q);
    q->rd = rd;
    if (!rd->st->pg) {
        /* sqlite caches nothing for us; prepare is a few microseconds */
        if (sqlite3_prepare_v2(sq_of(rd), sql, -1, &q->s, NULL) != SQLITE_OK) {
            KLOGE("hubstore", "prepare: %s", sqlite3_errmsg(sq_of(rd)));
            return false;
        }
        return true;
    }
    q->pgsql = strdup(pgsql ? pgsql : sql);
    if (!q->pgsql) return false;
    if (!pgsql) /* ?N is $N (no statement has a ? in a literal) */
        for (char *c = q->pgsql; *c; c++)
            if (*c == '?') *c = '$';
    return true;
}

static void setn(struct hubstore_q *q, int i)
{
    KASSERT(i >= 1 && i <= HUBSTORE_Q_PARAMS);
    if (i > q->n) q->n = i;
}

void hubstore_q_text(struct hubstore_q *q, int i, const char *v)
{
    if (q->s) {
        if (v) sqlite3_bind_text(q->s, i, v, -1, SQLITE_STATIC);
        else sqlite3_bind_null(q->s, i);
        return;
    }
    setn(q, i);
    q->v[i - 1] = v;
}

void hubstore_q_int(struct hubstore_q *q, int i, int64_t v)
{
    if (q->s) {
        sqlite3_bind_int64(q->s, i, v);
        return;
    }
    setn(q, i);
    snprintf(q->num[i - 1], sizeof q->num[i - 1], "%lld", (long long)v);
    q->v[i - 1] = q->num[i - 1];
}

void hubstore_q_blob(struct hubstore_q *q, int i, const void *v, int len)
{
    if (q->s) {
        sqlite3_bind_blob(q->s, i, v, len, SQLITE_STATIC);
        return;
    }
    setn(q, i);
    q->v[i - 1] = v;
    q->len[i - 1] = len;
    q->fmt[i - 1] = 1;
}

int hubstore_q_step(struct hubstore_q *q)
{
    PGconn *c;
    ExecStatusType s;
    if (q->s) return sqlite3_step(q->s);
    if (!q->pgsql) return SQLITE_ERROR;
    if (q->ran) return ++q->row < q->rows ? SQLITE_ROW : SQLITE_DONE;
    c = pg_of(q->rd);
    q->ran = true;
    if (q->guard) PQclear(PQexec(c, "SAVEPOINT guard"));
    q->res = PQexecParams(c, q->pgsql, q->n, NULL, q->v, q->len, q->fmt, 0);
    s = PQresultStatus(q->res);
    if (s == PGRES_FATAL_ERROR && PQstatus(c) != CONNECTION_OK && q->rd->r >= 0 &&
        !q->rd->in_txn) {
        /* a reader whose connection broke (a restarted or failed-over
         * server): once more on a new one; the writer's transaction is
         * never retried here (its batch answers 503) */
        PQclear(q->res);
        PQreset(c);
        KLOGW("hubstore", "reader: PostgreSQL connection %s", PQstatus(c) == CONNECTION_OK
                                                               ? "lost, connected again"
                                                               : "lost");
        q->res = PQexecParams(c, q->pgsql, q->n, NULL, q->v, q->len, q->fmt, 0);
        s = PQresultStatus(q->res);
    }
    if (s != PGRES_TUPLES_OK && s != PGRES_COMMAND_OK) {
        const char *code = PQresultErrorField(q->res, PG_DIAG_SQLSTATE);
        bool constraint = code && (strcmp(code, "23505") == 0 || strcmp(code, "23P01") == 0);
        if (q->guard) PQclear(PQexec(c, "ROLLBACK TO SAVEPOINT guard"));
        if (constraint && q->guard) return SQLITE_CONSTRAINT;
        if (q->rd->r == HUBSTORE_RD_WRITER && hubpg_writer_race(q->rd->st->pg, code))
            return SQLITE_ERROR; /* the batch runs again (hubstore_pg.c run_slow) */
        KLOGE("hubstore", "postgres: %s", q->res ? PQresultErrorMessage(q->res) : PQerrorMessage(c));
        return SQLITE_ERROR;
    }
    if (q->guard) PQclear(PQexec(c, "RELEASE SAVEPOINT guard"));
    q->rows = PQntuples(q->res);
    q->row = 0;
    return q->rows > 0 ? SQLITE_ROW : SQLITE_DONE;
}

void hubstore_q_guard(struct hubstore_q *q)
{
    q->guard = true;
}

int64_t hubstore_q_changes(struct hubstore_q *q)
{
    if (q->s) return sqlite3_changes(sqlite3_db_handle(q->s));
    return q->res ? strtoll(PQcmdTuples(q->res), NULL, 10) : 0;
}

int hubstore_q_type(struct hubstore_q *q, int col)
{
    if (q->s) {
        int t = sqlite3_column_type(q->s, col);
        return t == SQLITE_NULL || t == SQLITE_INTEGER ? t : SQLITE_TEXT;
    }
    if (PQgetisnull(q->res, q->row, col)) return SQLITE_NULL;
    switch (PQftype(q->res, col)) {
    case 20: case 21: case 23: return SQLITE_INTEGER; /* int8, int2, int4 */
    default: return SQLITE_TEXT;
    }
}

const char *hubstore_q_col(struct hubstore_q *q, int col)
{
    if (q->s) {
        const char *t = (const char *)sqlite3_column_text(q->s, col);
        return t ? t : "";
    }
    return PQgetvalue(q->res, q->row, col);
}

int64_t hubstore_q_int_col(struct hubstore_q *q, int col)
{
    const char *t;
    if (q->s) return sqlite3_column_int64(q->s, col);
    t = PQgetvalue(q->res, q->row, col);
    return t[0] == 't' ? 1 : t[0] == 'f' ? 0 : strtoll(t, NULL, 10);
}

void hubstore_q_done(struct hubstore_q *q)
{
    sqlite3_finalize(q->s);
    PQclear(q->res);
    free(q->pgsql);
    memset(q, 0, sizeof *q);
}
