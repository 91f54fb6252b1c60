/* hubstore_pg_share: what several hubs on one PostgreSQL database share
 * besides the rows of the jobs: the screenshots asked for (table
 * screenshots; each change is also an event of the alerts log, so every
 * hub's listener hears it and the hub holding the kiosk's poll wakes it), the
 * content bundles' bytes (table content_bundles) and the kiosks' event
 * long-polls as the admin's kiosk list shows them (table kiosk_polls). Every
 * function uses a reader connection; any thread. See hubstore_pg.h. */
#include <cjson/cJSON.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "klog.h"

#include "hubstore_pg_impl.h"

#define MOD "hubstore"

/* sql with n parameters (binary where len[k] > 0) on reader connection c;
 * the result or NULL when it failed (logged as what). fmt: the result's
 * format (0 text, 1 binary). */
static PGresult *run(PGconn *c, const char *what, const char *sql, int n, const char *const *v,
                     const int *len, int fmt)
{
    int pf[8] = {0};
    PGresult *r;
    for (int k = 0; k < n; k++) pf[k] = len && len[k] > 0;
    r = PQexecParams(c, sql, n, NULL, v, len, pf, fmt);
    if (PQresultStatus(r) != PGRES_TUPLES_OK && PQresultStatus(r) != PGRES_COMMAND_OK) {
        KLOGE(MOD, "%s: %s", what, PQerrorMessage(c));
        PQclear(r);
        return NULL;
    }
    return r;
}

/* Inside a transaction holding HUBPG_ALERT_LOCK: appends event to the alerts
 * log and notifies every hub at COMMIT. */
static bool log_event(PGconn *c, const char *event)
{
    const char *v[1] = {event};
    PGresult *r = run(c, "shared event",
                      "WITH a AS (INSERT INTO alerts(body) VALUES($1) RETURNING id)"
                      " SELECT id, pg_notify('kiosk_alerts', id::text) FROM a",
                      1, v, NULL, 0);
    bool ok = r && PQntuples(r) == 1;
    PQclear(r);
    return ok;
}

/* BEGIN and the alerts log's turn on reader i. */
static bool begin_logged(struct hubpg *pg, int i)
{
    return hubpg_cmd_ok(pg->r[i], "BEGIN") &&
           hubpg_cmd_ok(pg->r[i], "SELECT pg_advisory_xact_lock(" HUBPG_ALERT_LOCK ")");
}

/* COMMIT when res is KERR_OK, else ROLLBACK; a failed COMMIT is KERR_DB. */
static enum kerr finish(struct hubpg *pg, int i, enum kerr res)
{
    if (res == KERR_OK && !hubpg_cmd_ok(pg->r[i], "COMMIT")) res = KERR_DB;
    if (res != KERR_OK && PQstatus(pg->r[i]) == CONNECTION_OK) {
        PGresult *r = PQexec(pg->r[i], "ROLLBACK");
        PQclear(r);
    }
    hubpg_reader_put(pg, i);
    return res;
}

/* ---- screenshots ---------------------------------------------------------- */

enum kerr hubpg_shot_ask(struct hubpg *pg, const char *kiosk, const char *sid, int64_t now_ms,
                         int ttl_s, int max, const char *event)
{
    char old[24], ttl[24];
    const char *vs[1] = {old}, *vt[1] = {ttl}, *vi[3] = {sid, kiosk, NULL};
    char now[24];
    enum kerr res = KERR_DB;
    PGresult *r;
    int i = hubpg_reader_get(pg);
    if (i < 0) return KERR_DB;
    snprintf(old, sizeof old, "%lld", (long long)(now_ms - ttl_s * 1000LL));
    snprintf(ttl, sizeof ttl, "%d", ttl_s);
    snprintf(now, sizeof now, "%lld", (long long)now_ms);
    vi[2] = now;
    if (!begin_logged(pg, i)) return finish(pg, i, KERR_DB);
    /* the old are swept here: requests past their time, and the log's
     * screenshot and content events no hub needs any more */
    r = run(pg->r[i], "screenshots", "DELETE FROM screenshots WHERE asked_ms <= $1", 1, vs, NULL, 0);
    if (!r) return finish(pg, i, KERR_DB);
    PQclear(r);
    r = run(pg->r[i], "screenshots",
            "DELETE FROM alerts WHERE created_at < now() - make_interval(secs => $1::int)"
            " AND (body LIKE '{\"shot%' OR body LIKE '{\"content%')",
            1, vt, NULL, 0);
    if (!r) return finish(pg, i, KERR_DB);
    PQclear(r);
    r = run(pg->r[i], "screenshots", "SELECT count(*) FROM screenshots", 0, NULL, NULL, 0);
    if (!r) return finish(pg, i, KERR_DB);
    if (atoi(PQgetvalue(r, 0, 0)) >= max) res = KERR_FULL;
    PQclear(r);
    if (res == KERR_FULL) return finish(pg, i, KERR_FULL);
    r = run(pg->r[i], "screenshots",
            "INSERT INTO screenshots(sid, kiosk, asked_ms) VALUES($1, $2, $3)", 3, vi, NULL, 0);
    if (r && log_event(pg->r[i], event)) res = KERR_OK;
    PQclear(r);
    return finish(pg, i, res);
}

enum kerr hubpg_shot_put(struct hubpg *pg, const char *kiosk, const char *sid, int64_t now_ms,
                         int ttl_s, const unsigned char *png, size_t len, const char *reason,
                         const char *event)
{
    char old[24];
    const char *v[5] = {sid, kiosk, old, png ? (const char *)png : NULL, png ? NULL : reason};
    int lens[5] = {0, 0, 0, png ? (int)len : 0, 0};
    enum kerr res = KERR_DB;
    PGresult *r;
    int i;
    if (len > 0x7fffffff) return KERR_INVALID;
    i = hubpg_reader_get(pg);
    if (i < 0) return KERR_DB;
    snprintf(old, sizeof old, "%lld", (long long)(now_ms - ttl_s * 1000LL));
    if (!begin_logged(pg, i)) return finish(pg, i, KERR_DB);
    r = run(pg->r[i], "screenshots",
            "UPDATE screenshots SET answered = true, png = $4::bytea, reason = $5::text"
            " WHERE sid = $1 AND kiosk = $2 AND NOT answered AND asked_ms > $3::bigint",
            5, v, lens, 0);
    if (r) res = atoi(PQcmdTuples(r)) == 1 ? KERR_OK : KERR_NOTFOUND;
    PQclear(r);
    if (res == KERR_OK && !log_event(pg->r[i], event)) res = KERR_DB;
    return finish(pg, i, res);
}

enum kerr hubpg_shot_take(struct hubpg *pg, const char *kiosk, const char *sid, int64_t now_ms,
                          int ttl_s, unsigned char **png, size_t *len, char reason[128])
{
    char old[24];
    const char *v[3] = {sid, kiosk, old};
    enum kerr res = KERR_DB;
    PGresult *r;
    int i = hubpg_reader_get(pg);
    *png = NULL;
    *len = 0;
    reason[0] = '\0';
    if (i < 0) return KERR_DB;
    snprintf(old, sizeof old, "%lld", (long long)(now_ms - ttl_s * 1000LL));
    /* handed over once: the row goes in the statement that reads it, so two
     * hubs asked at once give it to one of them */
    r = run(pg->r[i], "screenshots",
            "DELETE FROM screenshots WHERE sid = $1 AND kiosk = $2 AND answered"
            " AND asked_ms > $3::bigint RETURNING png, coalesce(reason, '')",
            3, v, NULL, 1);
    if (r && PQntuples(r) == 1) {
        if (!PQgetisnull(r, 0, 0)) {
            *len = (size_t)PQgetlength(r, 0, 0);
            *png = malloc(*len ? *len : 1);
            if (*png) {
                memcpy(*png, PQgetvalue(r, 0, 0), *len);
                res = KERR_OK;
            } else {
                res = KERR_NOMEM;
            }
        } else {
            snprintf(reason, 128, "%.*s", PQgetlength(r, 0, 1), PQgetvalue(r, 0, 1));
            res = KERR_CONFLICT;
        }
    } else if (r) {
        PQclear(r);
        r = run(pg->r[i], "screenshots",
                "SELECT 1 FROM screenshots WHERE sid = $1 AND kiosk = $2 AND asked_ms > $3::bigint",
                3, v, NULL, 0);
        if (r) res = PQntuples(r) == 1 ? KERR_BUSY : KERR_NOTFOUND;
    }
    PQclear(r);
    hubpg_reader_put(pg, i);
    return res;
}

/* ---- content bundles ------------------------------------------------------ */

enum kerr hubpg_bundle_put(struct hubpg *pg, int64_t version, const void *data, size_t len)
{
    char ver[24];
    const char *v[2] = {ver, data};
    int lens[2] = {0, (int)len};
    PGresult *r;
    int i;
    if (len == 0 || len > (64u << 20)) return KERR_INVALID;
    i = hubpg_reader_get(pg);
    if (i < 0) return KERR_DB;
    snprintf(ver, sizeof ver, "%lld", (long long)version);
    /* the same version again carries the same bytes (the caller checked) */
    r = run(pg->r[i], "content bundle",
            "INSERT INTO content_bundles(version, data) VALUES($1::bigint, $2::bytea)"
            " ON CONFLICT (version) DO NOTHING",
            2, v, lens, 0);
    hubpg_reader_put(pg, i);
    if (!r) return KERR_DB;
    PQclear(r);
    return KERR_OK;
}

enum kerr hubpg_bundle_get(struct hubpg *pg, int64_t version, unsigned char **data, size_t *len)
{
    char ver[24];
    const char *v[1] = {ver};
    enum kerr res = KERR_DB;
    PGresult *r;
    int i = hubpg_reader_get(pg);
    *data = NULL;
    *len = 0;
    if (i < 0) return KERR_DB;
    snprintf(ver, sizeof ver, "%lld", (long long)version);
    r = run(pg->r[i], "content bundle", "SELECT data FROM content_bundles WHERE version = $1::bigint",
            1, v, NULL, 1);
    if (r && PQntuples(r) == 0) res = KERR_NOTFOUND;
    if (r && PQntuples(r) == 1) {
        *len = (size_t)PQgetlength(r, 0, 0);
        *data = malloc(*len ? *len : 1);
        res = *data ? KERR_OK : KERR_NOMEM;
        if (*data) memcpy(*data, PQgetvalue(r, 0, 0), *len);
    }
    PQclear(r);
    hubpg_reader_put(pg, i);
    return res;
}

/* ---- the kiosks' event long-polls ----------------------------------------- */

void hubpg_poll_note(struct hubpg *pg, const char *kiosk, const char *tower, int64_t held_until_ms)
{
    char until[24];
    const char *v[3] = {kiosk, tower ? tower : "", until};
    PGresult *r;
    int i = hubpg_reader_get(pg);
    if (i < 0) return;
    snprintf(until, sizeof until, "%lld", (long long)held_until_ms);
    /* an empty tower keeps the one last reported */
    r = run(pg->r[i], "kiosk poll",
            "INSERT INTO kiosk_polls(kiosk, tower, held_until_ms) VALUES($1, $2, $3::bigint)"
            " ON CONFLICT (kiosk) DO UPDATE SET held_until_ms = excluded.held_until_ms,"
            " tower = CASE WHEN excluded.tower = '' THEN kiosk_polls.tower"
            " ELSE excluded.tower END",
            3, v, NULL, 0);
    PQclear(r);
    hubpg_reader_put(pg, i);
}

int hubpg_poll_info(struct hubpg *pg, const char *kiosk, int64_t now_ms, char *tower,
                    size_t cap, bool *held)
{
    const char *v[1] = {kiosk};
    PGresult *r;
    int i = hubpg_reader_get(pg), res = -1;
    tower[0] = '\0';
    *held = false;
    if (i < 0) return -1;
    r = run(pg->r[i], "kiosk poll", "SELECT tower, held_until_ms FROM kiosk_polls WHERE kiosk = $1",
            1, v, NULL, 0);
    if (r) {
        res = PQntuples(r);
        if (res == 1) {
            snprintf(tower, cap, "%s", PQgetvalue(r, 0, 0));
            *held = strtoll(PQgetvalue(r, 0, 1), NULL, 10) > now_ms;
        }
    }
    PQclear(r);
    hubpg_reader_put(pg, i);
    return res;
}

cJSON *hubpg_poll_all(struct hubpg *pg, int64_t now_ms)
{
    PGresult *r;
    cJSON *o;
    int i = hubpg_reader_get(pg);
    if (i < 0) return NULL;
    r = run(pg->r[i], "kiosk poll", "SELECT kiosk, tower, held_until_ms FROM kiosk_polls", 0, NULL,
            NULL, 0);
    hubpg_reader_put(pg, i);
    if (!r) return NULL;
    o = cJSON_CreateObject();
    for (int k = 0; o && k < PQntuples(r); k++) {
        cJSON *x = cJSON_AddObjectToObject(o, PQgetvalue(r, k, 0));
        if (!x) continue;
        cJSON_AddStringToObject(x, "tower", PQgetvalue(r, k, 1));
        cJSON_AddBoolToObject(x, "held", strtoll(PQgetvalue(r, k, 2), NULL, 10) > now_ms);
    }
    PQclear(r);
    return o;
}
