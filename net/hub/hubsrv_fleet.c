/* hubsrv_fleet: the fleet routes of the hub (see hubsrv_impl.h, hubfleet.h):
 * a kiosk's event long-poll and screenshot upload; for the admin token the
 * kiosk list with online/stale, the emergency alerts and screenshots. */
#include <cjson/cJSON.h>
#include <microhttpd.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api.h"
#include "api_fleet.h"
#include "hubfleet.h"
#include "hubstore.h"
#include "kclock.h"
#include "klog.h"
#include "utf8.h"

#include "hubsrv_impl.h"

/* ---- routing -------------------------------------------------------------- */

enum route hubsrv_fleet_route(const char *url, char *arg, bool *arg_long)
{
    static const char kio[] = "/api/v1/kiosks/", akio[] = "/api/v1/admin/kiosks/",
                      alerts[] = "/api/v1/admin/alerts", ev[] = "/events",
                      shots[] = "/screenshots/", shot[] = "/screenshot";
    const char *p = NULL, *slash;
    enum route rt = R_NONE;
    size_t n = strlen(url), m;
    if (strcmp(url, alerts) == 0) return R_ADMIN_ALERTS;
    if (strncmp(url, alerts, sizeof alerts - 1) == 0 && url[sizeof alerts - 1] == '/') {
        p = url + sizeof alerts;
        rt = R_ADMIN_ALERT;
    } else if (strncmp(url, kio, sizeof kio - 1) == 0) {
        p = url + sizeof kio - 1;
        slash = strchr(p, '/');
        if (!slash) return R_NONE;
        if (strcmp(slash, ev) == 0) rt = R_EVENTS;
        else if (strncmp(slash, shots, sizeof shots - 1) == 0 &&
                 strrchr(p, '/') == slash + sizeof shots - 2)
            rt = R_SHOT_PUT;
        else return R_NONE;
        if (rt == R_EVENTS) n = (size_t)(slash - url);
    } else if (strncmp(url, akio, sizeof akio - 1) == 0) {
        p = url + sizeof akio - 1;
        slash = strchr(p, '/');
        if (!slash) return R_NONE;
        if (strcmp(slash, shot) == 0) {
            rt = R_ADMIN_SHOT;
            n = (size_t)(slash - url);
        } else if (strncmp(slash, shot, sizeof shot - 1) == 0 && slash[sizeof shot - 1] == '/' &&
                   strrchr(p, '/') == slash + sizeof shot - 1) {
            rt = R_ADMIN_SHOT_GET;
        } else {
            return R_NONE;
        }
    } else {
        return R_NONE;
    }
    /* arg: the id, or "id/sid" for two parameters */
    m = n - (size_t)(p - url);
    if (rt == R_SHOT_PUT || rt == R_ADMIN_SHOT_GET) {
        const char *s2 = strrchr(p, '/');
        size_t a = (size_t)(strchr(p, '/') - p);
        if (a + 1 + strlen(s2 + 1) + 1 > ARG_MAX) {
            *arg_long = true;
            return rt;
        }
        snprintf(arg, ARG_MAX + 1, "%.*s/%s", (int)a, p, s2 + 1);
        return rt;
    }
    if (m > ARG_MAX) {
        *arg_long = true;
        m = ARG_MAX;
    }
    memcpy(arg, p, m);
    arg[m] = '\0';
    return rt;
}

bool hubsrv_fleet_is_admin(enum route rt)
{
    return rt == R_ADMIN_ALERTS || rt == R_ADMIN_ALERT || rt == R_ADMIN_SHOT ||
           rt == R_ADMIN_SHOT_GET;
}

const char *hubsrv_fleet_methods(enum route rt)
{
    switch (rt) {
    case R_ADMIN_ALERTS: return "GET, POST, DELETE";
    case R_ADMIN_ALERT: return "DELETE";
    case R_ADMIN_SHOT:
    case R_SHOT_PUT: return "POST";
    default: return "GET";
    }
}

int hubsrv_fleet_rank(enum route rt, const char *method)
{
    /* every account may read the alerts; sending, clearing and looking at a
     * screen are for admins */
    if (rt == R_ADMIN_ALERTS && strcmp(method, "GET") == 0) return 1;
    if (hubsrv_fleet_is_admin(rt)) return 3;
    return 1;
}

/* Splits "id/sid" of r->arg; false when either is malformed. */
static bool two_args(const struct hreq *r, char id[API_KIOSK_ID_SIZE], char sid[API_SHOT_ID_SIZE])
{
    const char *s = strchr(r->arg, '/');
    if (r->arg_long || !s || (size_t)(s - r->arg) >= API_KIOSK_ID_SIZE) return false;
    snprintf(id, API_KIOSK_ID_SIZE, "%.*s", (int)(s - r->arg), r->arg);
    snprintf(sid, API_SHOT_ID_SIZE, "%.16s", s + 1);
    return api_kiosk_id_valid(id) && strlen(s + 1) == API_SHOT_ID_SIZE - 1 &&
           api_shot_id_valid(sid);
}

static enum MHD_Result bad(struct hreq *r, const char *why)
{
    return hubsrv_send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request", why);
}

/* An audit row for a staff action, written by the store's writer on its own
 * (nobody waits for it; a failure is logged by the store). */
static void audit_done(struct hubstore_job *job, void *arg)
{
    (void)arg;
    free(job);
}

static void audit(struct hreq *r, const char *action, const char *target, const char *detail)
{
    struct hubstore_job *j = calloc(1, sizeof *j);
    if (!j) return;
    j->op = HUBSTORE_AUDIT;
    snprintf(j->actor, sizeof j->actor, "%s", r->actor[0] ? r->actor : "admin");
    snprintf(j->action, sizeof j->action, "%s", action);
    snprintf(j->target, sizeof j->target, "%s", target ? target : "");
    snprintf(j->detail, sizeof j->detail, "%s", detail ? detail : "");
    j->done = audit_done;
    if (hubstore_submit(r->srv->store, j) != KERR_OK) {
        KLOGE("hub", "audit %s not written (store busy)", action);
        free(j);
    }
}

/* The kiosk's tower as last reported into tower[API_TOKEN_SIZE]; true while
 * a poll of it is held: by this hub, or with a shared store by any hub. */
static bool kiosk_info(struct hubsrv *srv, const char *kiosk, char *tower)
{
    bool held = false;
    if (!hubstore_shared(srv->store)) return hubfleet_kiosk_info(srv->fleet, kiosk, tower);
    hubstore_poll_info(srv->store, kiosk, kclock_wall_ms(), tower, API_TOKEN_SIZE, &held);
    return held;
}

/* ---- the kiosk's event long-poll ------------------------------------------- */

static void on_wake(struct hubfleet_waiter *w)
{
    struct hreq *r = (struct hreq *)(void *)((char *)w - offsetof(struct hreq, wait));
    struct hubsrv *srv = r->srv;
    r->state = S_WOKEN;
    atomic_fetch_sub(&srv->inflight, 1);
    MHD_resume_connection(r->conn);
}

static enum MHD_Result events_answer(struct hreq *r)
{
    const char *tower = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "tower");
    cJSON *o = hubfleet_events(r->srv->fleet, r->kiosk, tower);
    enum MHD_Result ret;
    if (!o) return hubsrv_send_kerr(r, KERR_NOMEM, NULL);
    ret = hubsrv_send_json(r, 200, o);
    cJSON_Delete(o);
    return ret;
}

enum MHD_Result hubsrv_fleet_events(struct hreq *r)
{
    const char *since_s = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "since");
    const char *tower = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "tower");
    char *end = NULL;
    unsigned long long since = 0;
    if (r->arg_long || !api_kiosk_id_valid(r->arg)) return bad(r, "malformed kiosk id");
    if (strcmp(r->arg, r->kiosk) != 0)
        return hubsrv_send_problem(r, 403, API_SLUG_FORBIDDEN, "Forbidden",
                                   "the token belongs to another kiosk");
    if (tower && tower[0]) {
        char t[64];
        snprintf(t, sizeof t, "tower:%.50s", tower);
        if (strlen(tower) > 39 || !api_alert_to_valid(t)) return bad(r, "tower: malformed");
    }
    if (since_s && since_s[0]) {
        since = strtoull(since_s, &end, 10);
        if (*end) return bad(r, "since: not a number");
    }
    if (since && !atomic_load(&r->srv->stopping)) {
        /* copies: once held, another thread may answer r and free it */
        struct hubstore *store = r->srv->store;
        char kiosk[API_KIOSK_ID_SIZE], t[API_TOKEN_SIZE];
        snprintf(kiosk, sizeof kiosk, "%s", r->kiosk);
        snprintf(t, sizeof t, "%s", tower ? tower : "");
        r->wait.deadline_ms = kclock_mono_ms() + API_EVENTS_HOLD_S * 1000ull;
        r->wait.wake = on_wake;
        r->state = S_HELD;
        atomic_fetch_add(&r->srv->inflight, 1);
        MHD_suspend_connection(r->conn);
        if (hubfleet_hold(r->srv->fleet, &r->wait, r->kiosk, since)) {
            /* every hub on a shared store shows it in the kiosk list */
            hubstore_poll_note(store, kiosk, t, kclock_wall_ms() + API_EVENTS_HOLD_S * 1000LL);
            return MHD_YES;
        }
        atomic_fetch_sub(&r->srv->inflight, 1);
        MHD_resume_connection(r->conn);
        r->state = S_BODY;
    }
    return events_answer(r);
}

enum MHD_Result hubsrv_fleet_resumed(struct hreq *r)
{
    return events_answer(r);
}

/* ---- screenshots ------------------------------------------------------------ */

/* The fleet's screenshots kept in the store (PostgreSQL: every hub). */
static enum kerr shot_ask(void *arg, const char *kiosk, const char *sid, int64_t now_ms,
                          int ttl_s, int max, const char *event)
{
    return hubstore_shot_ask(arg, kiosk, sid, now_ms, ttl_s, max, event);
}

static enum kerr shot_put(void *arg, const char *kiosk, const char *sid, int64_t now_ms,
                          int ttl_s, const unsigned char *png, size_t len, const char *reason,
                          const char *event)
{
    return hubstore_shot_put(arg, kiosk, sid, now_ms, ttl_s, png, len, reason, event);
}

static enum kerr shot_take(void *arg, const char *kiosk, const char *sid, int64_t now_ms,
                           int ttl_s, unsigned char **png, size_t *len, char *reason)
{
    return hubstore_shot_take(arg, kiosk, sid, now_ms, ttl_s, png, len, reason);
}

void hubsrv_fleet_use_store(struct hubsrv *s)
{
    struct hubfleet_shots shots = {shot_ask, shot_put, shot_take, s->store};
    hubfleet_use_shots(s->fleet, &shots);
}

/* POST /api/v1/kiosks/{id}/screenshots/{sid}: image/png, or a JSON refusal
 * {"refused":"reason"}. */
enum MHD_Result hubsrv_fleet_shot_put(struct hreq *r)
{
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    char id[API_KIOSK_ID_SIZE], sid[API_SHOT_ID_SIZE];
    const char *ct = hubsrv_hdr(r, MHD_HTTP_HEADER_CONTENT_TYPE);
    enum kerr e;
    if (!two_args(r, id, sid)) return bad(r, "malformed kiosk or screenshot id");
    if (strcmp(id, r->kiosk) != 0)
        return hubsrv_send_problem(r, 403, API_SLUG_FORBIDDEN, "Forbidden",
                                   "the token belongs to another kiosk");
    if (ct && strncasecmp(ct, "image/png", 9) == 0) {
        unsigned char *png;
        if (r->len < sizeof sig || memcmp(r->body, sig, sizeof sig) != 0)
            return bad(r, "not a PNG");
        png = malloc(r->len);
        if (!png) return hubsrv_send_kerr(r, KERR_NOMEM, NULL);
        memcpy(png, r->body, r->len);
        e = hubfleet_shot_put(r->srv->fleet, id, sid, png, r->len, NULL);
        if (e != KERR_OK) free(png);
    } else if (ct && strncasecmp(ct, API_CT_JSON, strlen(API_CT_JSON)) == 0) {
        cJSON *o;
        const cJSON *why;
        bool ok;
        enum MHD_Result ret = hubsrv_body_guard(r, &ok);
        if (!ok) return ret;
        o = cJSON_ParseWithLength(r->body, r->len);
        why = cJSON_GetObjectItemCaseSensitive(o, "refused");
        if (!cJSON_IsString(why) || !why->valuestring[0] ||
            strlen(why->valuestring) >= HUBFLEET_REASON_SIZE) {
            cJSON_Delete(o);
            return bad(r, "refused: a reason of 1..127 bytes");
        }
        e = hubfleet_shot_put(r->srv->fleet, id, sid, NULL, 0, why->valuestring);
        cJSON_Delete(o);
    } else {
        return hubsrv_send_problem(r, 415, "unsupported-media-type", "Unsupported media type",
                                   "image/png or application/json");
    }
    if (e == KERR_NOTFOUND)
        return hubsrv_send_problem(r, 404, API_SLUG_NOT_FOUND, "Not found",
                                   "no such screenshot request (expired or answered)");
    if (e != KERR_OK) return hubsrv_send_kerr(r, e, "screenshot not stored");
    return hubsrv_send_text(r, 204, NULL, NULL, 0, NULL);
}

/* POST /api/v1/admin/kiosks/{id}/screenshot */
enum MHD_Result hubsrv_fleet_shot_ask(struct hreq *r)
{
    char sid[API_SHOT_ID_SIZE], tower[API_TOKEN_SIZE];
    cJSON *o;
    enum MHD_Result ret;
    enum kerr e;
    bool listening;
    if (r->arg_long || !api_kiosk_id_valid(r->arg)) return bad(r, "malformed kiosk id");
    listening = kiosk_info(r->srv, r->arg, tower); /* before its poll is woken */
    e = hubfleet_shot_ask(r->srv->fleet, r->arg, sid);
    if (e == KERR_FULL)
        return hubsrv_send_problem_ex(r, 503, "unavailable", "Too many screenshots waiting",
                                      NULL, 5, NULL);
    if (e != KERR_OK) return hubsrv_send_kerr(r, e, NULL);
    audit(r, "kiosk.screenshot", r->arg, NULL);
    o = cJSON_CreateObject();
    if (!o) return hubsrv_send_kerr(r, KERR_NOMEM, NULL);
    cJSON_AddStringToObject(o, "id", sid);
    cJSON_AddStringToObject(o, "kiosk", r->arg);
    cJSON_AddBoolToObject(o, "listening", listening);
    cJSON_AddNumberToObject(o, "expires_in_s", HUBFLEET_SHOT_TTL_S);
    ret = hubsrv_send_json(r, 202, o);
    cJSON_Delete(o);
    return ret;
}

/* GET /api/v1/admin/kiosks/{id}/screenshot/{sid}: the PNG once (then the hub
 * forgets it), 202 while the kiosk has not answered, 409 with its reason
 * when it refused, 404. */
enum MHD_Result hubsrv_fleet_shot_get(struct hreq *r)
{
    char id[API_KIOSK_ID_SIZE], sid[API_SHOT_ID_SIZE], reason[HUBFLEET_REASON_SIZE];
    unsigned char *png = NULL;
    size_t len = 0;
    enum kerr e;
    if (!two_args(r, id, sid)) return bad(r, "malformed kiosk or screenshot id");
    e = hubfleet_shot_take(r->srv->fleet, id, sid, &png, &len, reason);
    if (e == KERR_BUSY)
        return hubsrv_send_text(r, 202, API_CT_JSON, "{\"state\":\"pending\"}", 1, NULL);
    if (e == KERR_CONFLICT)
        return hubsrv_send_problem(r, 409, "screenshot-refused", "The kiosk refused", reason);
    if (e == KERR_IO || e == KERR_NOMEM) return hubsrv_send_kerr(r, e, NULL);
    if (e != KERR_OK)
        return hubsrv_send_problem(r, 404, API_SLUG_NOT_FOUND, "Not found",
                                   "no such screenshot (expired, or already downloaded)");
    {
        struct MHD_Response *resp =
            MHD_create_response_from_buffer(len, png, MHD_RESPMEM_MUST_FREE);
        enum MHD_Result ret;
        if (!resp) {
            free(png);
            return MHD_NO;
        }
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "image/png");
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
        MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
        MHD_add_response_header(resp, "X-Frame-Options", "DENY");
        MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
        MHD_add_response_header(resp, "Content-Security-Policy", CSP);
        r->status = 200;
        r->state = S_DONE;
        ret = MHD_queue_response(r->conn, 200, resp);
        MHD_destroy_response(resp);
        return ret;
    }
}

/* ---- alerts ----------------------------------------------------------------- */

enum MHD_Result hubsrv_fleet_alerts(struct hreq *r)
{
    cJSON *o;
    enum MHD_Result ret;
    enum kerr e;
    if (r->route == R_ADMIN_ALERT || strcmp(r->method, "DELETE") == 0) {
        int64_t id = 0;
        int n = 0;
        char d[32];
        if (r->route == R_ADMIN_ALERT) {
            char *end;
            long long v = strtoll(r->arg, &end, 10);
            if (r->arg_long || !r->arg[0] || *end || v <= 0) return bad(r, "malformed alert id");
            id = v;
        }
        e = hubfleet_alert_clear(r->srv->fleet, id, &n);
        if (e == KERR_NOTFOUND)
            return hubsrv_send_problem(r, 404, API_SLUG_NOT_FOUND, "Not found", "no such active alert");
        if (e != KERR_OK) return hubsrv_send_kerr(r, e, "alerts not saved");
        snprintf(d, sizeof d, "%d", n);
        audit(r, "alert.clear", id ? r->arg : "all", d);
        o = cJSON_CreateObject();
        if (!o) return hubsrv_send_kerr(r, KERR_NOMEM, NULL);
        cJSON_AddNumberToObject(o, "cleared", n);
    } else if (strcmp(r->method, "POST") == 0) {
        struct api_alert a;
        const char *why = "";
        bool ok;
        cJSON *in;
        ret = hubsrv_body_guard(r, &ok);
        if (!ok) return ret;
        in = cJSON_ParseWithLength(r->body, r->len);
        e = api_alert_from_json(in, true, &a, &why);
        cJSON_Delete(in);
        if (e != KERR_OK) return bad(r, why);
        e = hubfleet_alert_add(r->srv->fleet, &a);
        if (e == KERR_INVALID) return bad(r, "until: already past");
        if (e == KERR_FULL)
            return hubsrv_send_problem(r, 409, "too-many-alerts", "Too many alerts",
                                       "clear one first (at most 8 active)");
        if (e != KERR_OK) return hubsrv_send_kerr(r, e, "alert not saved");
        {
            char d[128];
            snprintf(d, sizeof d, "%lld %s to %.60s", (long long)a.id, a.level, a.to);
            audit(r, "alert.send", a.to, d);
        }
        o = api_alert_to_json(&a, true);
        if (!o) return hubsrv_send_kerr(r, KERR_NOMEM, NULL);
        ret = hubsrv_send_json(r, 201, o);
        cJSON_Delete(o);
        return ret;
    } else {
        cJSON *a = hubfleet_alert_list(r->srv->fleet);
        o = cJSON_CreateObject();
        if (!o || !a) {
            cJSON_Delete(o);
            cJSON_Delete(a);
            return hubsrv_send_kerr(r, KERR_NOMEM, NULL);
        }
        cJSON_AddItemToObject(o, "alerts", a);
    }
    ret = hubsrv_send_json(r, 200, o);
    cJSON_Delete(o);
    return ret;
}

/* ---- the kiosk list with online/stale -------------------------------------- */

enum MHD_Result hubsrv_fleet_kiosk_list(struct hreq *r)
{
    cJSON *a = NULL, *k, *o;
    enum MHD_Result ret;
    int64_t now = kclock_wall_ms();
    unsigned stale = r->srv->stale_after_s;
    enum kerr e = hubstore_kiosk_list(r->srv->store, &a);
    bool shared = hubstore_shared(r->srv->store);
    cJSON *polls = NULL;
    if (e != KERR_OK) return hubsrv_send_kerr(r, e, NULL);
    if (shared && !(polls = hubstore_poll_all(r->srv->store, now))) {
        cJSON_Delete(a);
        return hubsrv_send_kerr(r, KERR_DB, NULL);
    }
    cJSON_ArrayForEach(k, a)
    {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(k, "id");
        const cJSON *seen = cJSON_GetObjectItemCaseSensitive(k, "last_seen");
        const cJSON *rev = cJSON_GetObjectItemCaseSensitive(k, "revoked_at");
        char tower[API_TOKEN_SIZE] = "";
        bool listening = false;
        int64_t at = 0;
        const char *state = "never";
        if (shared) { /* the poll of any hub on the database */
            const cJSON *p =
                cJSON_IsString(id) ? cJSON_GetObjectItemCaseSensitive(polls, id->valuestring) : NULL;
            const cJSON *pt = cJSON_GetObjectItemCaseSensitive(p, "tower");
            if (cJSON_IsString(pt)) snprintf(tower, sizeof tower, "%s", pt->valuestring);
            listening = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(p, "held"));
        } else if (cJSON_IsString(id)) {
            listening = hubfleet_kiosk_info(r->srv->fleet, id->valuestring, tower);
        }
        if (cJSON_IsString(seen) && api_time_parse(seen->valuestring, &at) == KERR_OK) {
            int64_t age = (now - at) / 1000;
            cJSON_AddNumberToObject(k, "age_s", (double)(age < 0 ? 0 : age));
            state = age > (int64_t)stale ? "stale" : "online";
        } else {
            cJSON_AddNullToObject(k, "age_s");
        }
        if (cJSON_IsString(rev)) state = "revoked";
        cJSON_AddStringToObject(k, "state", state);
        if (tower[0]) cJSON_AddStringToObject(k, "tower", tower);
        else cJSON_AddNullToObject(k, "tower");
        cJSON_AddBoolToObject(k, "listening", listening);
    }
    cJSON_Delete(polls);
    o = cJSON_CreateObject();
    if (!o) {
        cJSON_Delete(a);
        return hubsrv_send_kerr(r, KERR_NOMEM, NULL);
    }
    cJSON_AddItemToObject(o, "kiosks", a);
    cJSON_AddNumberToObject(o, "stale_after_s", stale);
    ret = hubsrv_send_json(r, 200, o);
    cJSON_Delete(o);
    return ret;
}
