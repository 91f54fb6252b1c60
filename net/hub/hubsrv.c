#include "hubsrv.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <cjson/cJSON.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "api.h"
#include "hubauth.h"
#include "hubconn.h"
#include "hubrate.h"
#include "hubstore.h"
#include "kclock.h"
#include "klog.h"
#include "utf8.h"

#define JSON_DEPTH_MAX 32
#define ARG_MAX 160 /* longest path parameter kept; longer ones are malformed */
#define LIST_DEFAULT 100
#define LIST_MAX 1000
/* Ticket lookups per kiosk token: a burst of 20, then 20 a minute. Every
 * lookup counts, hits too: were only misses counted, a kiosk past its budget
 * would still get 200 for the right code among 429s, and could go on
 * guessing at its full request rate. */
#define LOOKUP_BURST 20.0
#define LOOKUP_PER_S (20.0 / 60.0)

struct hubsrv {
    struct MHD_Daemon *mhd;
    struct hubstore *store;
    struct hubrate *rate;
    struct hubrate *auth_fails; /* failed authentications per client address key */
    struct hubconn *conn;       /* connection-level defences */
    struct hubrate *lookups; /* ticket lookups per kiosk (LOOKUP_*) */
    uint8_t admin_hash[32];
    bool log_requests;
    uint16_t port;
    atomic_int inflight; /* jobs submitted whose connection is not yet resumed */
    atomic_bool stopping;
};

enum route {
    R_NONE,
    R_REQUESTS,        /* POST /api/v1/requests */
    R_TICKET,          /* GET /api/v1/tickets/{ticket} */
    R_HEARTBEAT,       /* POST /api/v1/kiosks/{id}/heartbeat */
    R_ADMIN_KIOSKS,    /* GET, POST /api/v1/admin/kiosks */
    R_ADMIN_KIOSK,     /* DELETE /api/v1/admin/kiosks/{id} */
    R_ADMIN_REQUESTS,  /* GET /api/v1/admin/requests */
    R_ADMIN_REQUEST,   /* GET /api/v1/admin/requests/{ticket} */
    R_ADMIN_STATUS,    /* POST /api/v1/admin/requests/{ticket}/status */
    R_HEALTH,          /* GET /api/v1/health */
};

static const char *const route_path[] = {
    "-",
    "/api/v1/requests",
    "/api/v1/tickets/{ticket}",
    "/api/v1/kiosks/{id}/heartbeat",
    "/api/v1/admin/kiosks",
    "/api/v1/admin/kiosks/{id}",
    "/api/v1/admin/requests",
    "/api/v1/admin/requests/{ticket}",
    "/api/v1/admin/requests/{ticket}/status",
    "/api/v1/health",
};

enum who { WHO_NONE, WHO_KIOSK, WHO_ADMIN };
enum rstate { S_NEW, S_BODY, S_WAIT, S_READY, S_DONE };

/* One HTTP request, from its headers to its completion (con_cls). */
struct hreq {
    struct hubsrv *srv;
    struct MHD_Connection *conn;
    uint64_t t0;
    enum route route;
    char method[8];
    char arg[ARG_MAX + 1];
    bool arg_long;
    enum who who;
    char kiosk[API_KIOSK_ID_SIZE];
    char *body;
    size_t len;
    bool too_big;
    enum rstate state;
    int status;
    char *canon; /* canonical help request, alive until the job is done */
    char token[HUBAUTH_TOKEN_LEN + 1]; /* a new kiosk's token, shown once */
    struct hubconn_client client;      /* who sent it (forwarded address behind a proxy) */
    struct hubstore_job job;
};

/* The client address of r for log lines ("-" when unknown): the TCP peer, or
 * behind a trusted proxy the forwarded one. Request handlers use this, never
 * the socket's peer or X-Forwarded-For themselves. */
static const char *hreq_client_addr(const struct hreq *r)
{
    return r->client.addr[0] ? r->client.addr : "-";
}

/* ---- helpers -------------------------------------------------------------- */

int hubsrv_json_depth(const char *json, size_t len, int limit)
{
    int depth = 0, max = 0;
    bool in_str = false;
    for (size_t i = 0; i < len; i++) {
        char c = json[i];
        if (in_str) {
            if (c == '\\') i++;
            else if (c == '"') in_str = false;
            continue;
        }
        if (c == '"') {
            in_str = true;
        } else if (c == '[' || c == '{') {
            if (++depth > max) max = depth;
            if (max > limit) return limit + 1;
        } else if (c == ']' || c == '}') {
            depth--;
        }
    }
    return max;
}

enum kerr hubsrv_parse_listen(const char *listen, void *ss, unsigned *sslen)
{
    char host[64];
    const char *colon, *p;
    char *end;
    long port;
    if (!listen) return KERR_USAGE;
    if (listen[0] == '[') {
        const char *rb = strchr(listen, ']');
        if (!rb || rb[1] != ':' || (size_t)(rb - listen - 1) >= sizeof host) return KERR_USAGE;
        memcpy(host, listen + 1, (size_t)(rb - listen - 1));
        host[rb - listen - 1] = '\0';
        p = rb + 2;
    } else {
        colon = strrchr(listen, ':');
        if (!colon || (size_t)(colon - listen) >= sizeof host) return KERR_USAGE;
        memcpy(host, listen, (size_t)(colon - listen));
        host[colon - listen] = '\0';
        p = colon + 1;
    }
    port = strtol(p, &end, 10);
    if (*p == '\0' || *end != '\0' || port < 0 || port > 65535) return KERR_USAGE;
    memset(ss, 0, sizeof(struct sockaddr_in6));
    {
        struct sockaddr_in *a4 = ss;
        struct sockaddr_in6 *a6 = ss;
        if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
            a4->sin_family = AF_INET;
            a4->sin_port = htons((uint16_t)port);
            *sslen = sizeof *a4;
            return KERR_OK;
        }
        memset(ss, 0, sizeof(struct sockaddr_in6));
        if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
            a6->sin6_family = AF_INET6;
            a6->sin6_port = htons((uint16_t)port);
            *sslen = sizeof *a6;
            return KERR_OK;
        }
    }
    return KERR_USAGE;
}

static enum MHD_Result send_text(struct hreq *r, int status, const char *ctype, const char *text,
                                 int retry_after, const char *allow)
{
    struct MHD_Response *resp;
    enum MHD_Result ret;
    size_t n = text ? strlen(text) : 0;
    resp = MHD_create_response_from_buffer(n, (void *)(text ? text : ""), MHD_RESPMEM_MUST_COPY);
    if (!resp) return MHD_NO;
    if (n) MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (retry_after > 0) {
        char ra[16];
        snprintf(ra, sizeof ra, "%d", retry_after);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, ra);
    }
    if (allow) MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
    r->status = status;
    r->state = S_DONE;
    ret = MHD_queue_response(r->conn, (unsigned)status, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* Every problem answered to POST /api/v1/requests names the request by its
 * Idempotency-Key when it had a valid one (instance "urn:uuid:<key>"): only
 * such an answer may make a kiosk give up an item (api_problem_is_hubs_answer). */
static enum MHD_Result send_problem_ex(struct hreq *r, int status, const char *slug,
                                       const char *title, const char *detail, int retry_after,
                                       const char *allow)
{
    struct api_problem p;
    char *txt = NULL;
    enum MHD_Result ret;
    const char *key = r->route == R_REQUESTS
                          ? MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Idempotency-Key")
                          : NULL;
    enum kerr e = api_problem_make(&p, slug, status, title, detail ? detail : "");
    if (e == KERR_OK && key && api_uuid_v4_valid(key))
        snprintf(p.instance, sizeof p.instance, "%s%s", API_PROBLEM_INSTANCE_KEY, key);
    if (e != KERR_OK || api_problem_encode(&p, &txt) != KERR_OK) {
        return send_text(r, status, API_CT_PROBLEM, "{}", retry_after, allow);
    }
    ret = send_text(r, status, API_CT_PROBLEM, txt, retry_after, allow);
    free(txt);
    return ret;
}

static enum MHD_Result send_problem(struct hreq *r, int status, const char *slug,
                                    const char *title, const char *detail)
{
    return send_problem_ex(r, status, slug, title, detail, 0, NULL);
}

static enum MHD_Result send_json(struct hreq *r, int status, cJSON *o)
{
    char *txt = cJSON_PrintUnformatted(o);
    enum MHD_Result ret;
    if (!txt) return send_problem(r, 500, API_SLUG_INTERNAL, "Internal error", "out of memory");
    ret = send_text(r, status, API_CT_JSON, txt, 0, NULL);
    free(txt);
    return ret;
}

static enum MHD_Result send_kerr(struct hreq *r, enum kerr e, const char *what)
{
    switch (e) {
    case KERR_NOTFOUND: return send_problem(r, 404, API_SLUG_NOT_FOUND, "Not found", what);
    case KERR_FULL:
    case KERR_BUSY:
        return send_problem_ex(r, 503, "unavailable", "Busy, try again", kerr_str(e), 1, NULL);
    default: return send_problem(r, 500, API_SLUG_INTERNAL, "Internal error", kerr_str(e));
    }
}

/* Splits url into a route and its parameter. Parameters are copied raw (the
 * handler validates them), so "/api/v1/tickets/../x" is the ticket "../x". */
static enum route route_match(const char *url, char *arg, bool *arg_long)
{
    static const char tick[] = "/api/v1/tickets/", kio[] = "/api/v1/kiosks/",
                      akio[] = "/api/v1/admin/kiosks/", areq[] = "/api/v1/admin/requests/",
                      beat[] = "/heartbeat", stat[] = "/status";
    size_t n = strlen(url), m;
    const char *p;
    enum route rt = R_NONE;
    arg[0] = '\0';
    *arg_long = false;
    if (strcmp(url, "/api/v1/requests") == 0) return R_REQUESTS;
    if (strcmp(url, "/api/v1/admin/kiosks") == 0) return R_ADMIN_KIOSKS;
    if (strcmp(url, "/api/v1/admin/requests") == 0) return R_ADMIN_REQUESTS;
    if (strcmp(url, "/api/v1/health") == 0) return R_HEALTH;
    if (strncmp(url, tick, sizeof tick - 1) == 0) {
        p = url + sizeof tick - 1;
        m = strlen(p);
        rt = R_TICKET;
    } else if (strncmp(url, kio, sizeof kio - 1) == 0 && n > sizeof kio - 1 + sizeof beat - 1 &&
               strcmp(url + n - (sizeof beat - 1), beat) == 0) {
        p = url + sizeof kio - 1;
        m = strlen(p) - (sizeof beat - 1);
        rt = R_HEARTBEAT;
    } else if (strncmp(url, akio, sizeof akio - 1) == 0) {
        p = url + sizeof akio - 1;
        m = strlen(p);
        rt = R_ADMIN_KIOSK;
    } else if (strncmp(url, areq, sizeof areq - 1) == 0) {
        p = url + sizeof areq - 1;
        m = strlen(p);
        rt = R_ADMIN_REQUEST;
        if (m > sizeof stat - 1 && strcmp(p + m - (sizeof stat - 1), stat) == 0) {
            m -= sizeof stat - 1;
            rt = R_ADMIN_STATUS;
        }
    } else {
        return R_NONE;
    }
    if (m > ARG_MAX) {
        *arg_long = true;
        m = ARG_MAX;
    }
    memcpy(arg, p, m);
    arg[m] = '\0';
    return rt;
}

static const char *route_methods(enum route rt)
{
    switch (rt) {
    case R_REQUESTS:
    case R_HEARTBEAT:
    case R_ADMIN_STATUS: return "POST";
    case R_ADMIN_KIOSKS: return "GET, POST";
    case R_ADMIN_KIOSK: return "DELETE";
    default: return "GET";
    }
}

static bool method_ok(enum route rt, const char *m)
{
    if (rt == R_ADMIN_KIOSKS) return strcmp(m, "GET") == 0 || strcmp(m, "POST") == 0;
    return strcmp(route_methods(rt), m) == 0;
}

static bool route_has_body(const struct hreq *r)
{
    return strcmp(r->method, "POST") == 0;
}

/* Who sent this: the admin, a kiosk (its id in r->kiosk), or nobody. */
static enum who authenticate(struct hreq *r, bool *revoked)
{
    const char *hdr = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
                                                  MHD_HTTP_HEADER_AUTHORIZATION);
    const char *tok;
    size_t len;
    uint8_t h[32];
    *revoked = false;
    if (!hubauth_bearer(hdr, &tok, &len)) return WHO_NONE;
    hubauth_sha256(tok, len, h);
    if (hubauth_hash_eq(h, r->srv->admin_hash)) return WHO_ADMIN;
    if (hubstore_kiosk_by_token(r->srv->store, h, r->kiosk, revoked) == KERR_OK && !*revoked)
        return WHO_KIOSK;
    r->kiosk[0] = '\0';
    return WHO_NONE;
}

/* False (with *retry) while r's client address has used up its failed
 * authentications: it is refused before its token is even looked at. */
static bool auth_allowed(const struct hreq *r, int *retry)
{
    return !r->srv->auth_fails ||
           hubrate_peek(r->srv->auth_fails, r->client.key, kclock_mono_ms(), retry);
}

/* r presented a token that is wrong, revoked or malformed: count it against
 * its client address. A request without Authorization is not a guess. */
static void auth_failed(const struct hreq *r)
{
    int retry;
    if (r->srv->auth_fails &&
        MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION))
        (void)hubrate_take(r->srv->auth_fails, r->client.key, kclock_mono_ms(), &retry);
}

/* ---- writes: submit, suspend, resume -------------------------------------- */

static void job_done(struct hubstore_job *job, void *arg)
{
    struct hreq *r = arg;
    (void)job;
    struct hubsrv *srv = r->srv;
    r->state = S_READY;
    /* count down first: once resumed, r may be answered and freed */
    atomic_fetch_sub(&srv->inflight, 1);
    MHD_resume_connection(r->conn);
}

static enum MHD_Result submit(struct hreq *r)
{
    enum kerr e;
    if (atomic_load(&r->srv->stopping))
        return send_problem_ex(r, 503, "unavailable", "Shutting down", NULL, 1, NULL);
    r->job.done = job_done;
    r->job.done_arg = r;
    r->state = S_WAIT;
    atomic_fetch_add(&r->srv->inflight, 1);
    /* suspend before the writer can possibly resume us */
    MHD_suspend_connection(r->conn);
    e = hubstore_submit(r->srv->store, &r->job);
    if (e != KERR_OK) {
        atomic_fetch_sub(&r->srv->inflight, 1);
        MHD_resume_connection(r->conn);
        return send_kerr(r, e, NULL);
    }
    return MHD_YES;
}

static enum MHD_Result finish_job(struct hreq *r)
{
    struct hubstore_job *j = &r->job;
    switch (j->op) {
    case HUBSTORE_REQ_PUT:
        if (j->result == 201 || j->result == 200)
            return send_text(r, j->result, API_CT_JSON, j->answer, 0, NULL);
        if (j->result == 409)
            return send_problem(r, 409, API_SLUG_TICKET_TAKEN, "Ticket already taken",
                                "this ticket was stored under another idempotency key");
        if (j->result == 422)
            return send_problem(r, 422, API_SLUG_KEY_REUSED, "Idempotency key reused",
                                "this key was used with a different request body");
        break;
    case HUBSTORE_HEARTBEAT:
        if (j->result == 204) return send_text(r, 204, NULL, NULL, 0, NULL);
        if (j->result == 404)
            return send_problem(r, 404, API_SLUG_NOT_FOUND, "Not found", "kiosk unknown");
        break;
    case HUBSTORE_STATUS_SET:
        if (j->result == 200) {
            struct api_ticket_status t;
            char *txt = NULL;
            enum kerr e = hubstore_ticket_status(r->srv->store, j->ticket, NULL, &t);
            enum MHD_Result ret;
            if (e != KERR_OK) return send_kerr(r, e, "ticket unknown");
            if (api_ticket_status_encode(&t, &txt) != KERR_OK)
                return send_problem(r, 500, API_SLUG_INTERNAL, "Internal error", "encode");
            ret = send_text(r, 200, API_CT_JSON, txt, 0, NULL);
            free(txt);
            return ret;
        }
        if (j->result == 404)
            return send_problem(r, 404, API_SLUG_NOT_FOUND, "Not found", "ticket unknown");
        if (j->result == 409) {
            char d[128];
            snprintf(d, sizeof d, "not allowed from status %.20s to %.20s", j->answer, j->status);
            return send_problem(r, 409, API_SLUG_BAD_TRANSITION, "Status change not allowed", d);
        }
        break;
    case HUBSTORE_KIOSK_ADD:
        if (j->result == 201) {
            /* the token lives only in this answer; the store keeps its hash */
            cJSON *o = cJSON_CreateObject();
            enum MHD_Result ret;
            if (!o) break;
            cJSON_AddStringToObject(o, "id", j->kiosk_id);
            cJSON_AddStringToObject(o, "token", r->token);
            ret = send_json(r, 201, o);
            cJSON_Delete(o);
            memset(r->token, 0, sizeof r->token);
            return ret;
        }
        if (j->result == 409)
            return send_problem(r, 409, "kiosk-exists", "Kiosk exists",
                                "revoke the kiosk first to issue a new token");
        break;
    case HUBSTORE_KIOSK_REVOKE:
        if (j->result == 204) return send_text(r, 204, NULL, NULL, 0, NULL);
        if (j->result == 404)
            return send_problem(r, 404, API_SLUG_NOT_FOUND, "Not found", "no active kiosk with this id");
        break;
    case HUBSTORE_SWEEP: break; /* the store's own job, never an HTTP request's */
    }
    return send_problem(r, 500, API_SLUG_INTERNAL, "Internal error", "database");
}

/* ---- handlers ------------------------------------------------------------ */

/* Checks what every JSON body must pass before a decoder sees it. */
static enum MHD_Result body_guard(struct hreq *r, bool *ok)
{
    *ok = false;
    if (r->len == 0) return send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request", "empty body");
    if (!utf8_valid(r->body, r->len))
        return send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request", "body is not valid UTF-8");
    if (hubsrv_json_depth(r->body, r->len, JSON_DEPTH_MAX) > JSON_DEPTH_MAX)
        return send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request", "JSON nested too deep");
    *ok = true;
    return MHD_YES;
}

/* A decoder's KERR_TOOBIG is a field over its limit, not a body over
 * API_BODY_MAX (that was answered 413 before): all of them are 400. */
static enum MHD_Result bad_decode(struct hreq *r, enum kerr e, const char *why)
{
    (void)e;
    return send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request", why);
}

static enum MHD_Result h_request_post(struct hreq *r)
{
    struct api_help_request hr;
    const char *why = NULL, *key;
    enum kerr e;
    bool ok;
    enum MHD_Result ret = body_guard(r, &ok);
    if (!ok) return ret;
    key = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Idempotency-Key");
    if (!key || !api_uuid_v4_valid(key))
        return send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request",
                            "Idempotency-Key header missing or not a UUIDv4");
    e = api_help_request_decode(r->body, r->len, &hr, &why);
    if (e != KERR_OK) return bad_decode(r, e, why);
    if (strcmp(hr.kiosk_id, r->kiosk) != 0)
        return send_problem(r, 403, API_SLUG_FORBIDDEN, "Forbidden",
                            "kiosk_id is not the kiosk of this token");
    e = api_help_request_encode(&hr, &r->canon);
    if (e != KERR_OK) return send_kerr(r, e, NULL);
    memset(&r->job, 0, sizeof r->job);
    r->job.op = HUBSTORE_REQ_PUT;
    snprintf(r->job.kiosk_id, sizeof r->job.kiosk_id, "%s", hr.kiosk_id);
    snprintf(r->job.ticket, sizeof r->job.ticket, "%s", hr.ticket);
    for (size_t i = 0; key[i] && i < HUBSTORE_KEY_MAX; i++)
        r->job.idem_key[i] = (char)tolower((unsigned char)key[i]);
    snprintf(r->job.category, sizeof r->job.category, "%s", hr.category);
    memcpy(r->job.check, hr.check, sizeof r->job.check);
    snprintf(r->job.receipt_ticket, sizeof r->job.receipt_ticket, "%s", hr.receipt_ticket);
    r->job.body = r->canon;
    hubauth_sha256(r->canon, strlen(r->canon), r->job.body_hash);
    return submit(r);
}

static enum MHD_Result h_heartbeat(struct hreq *r)
{
    struct api_heartbeat hb;
    const char *why = NULL;
    enum kerr e;
    bool ok;
    enum MHD_Result ret;
    if (r->arg_long || !api_kiosk_id_valid(r->arg))
        return send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request", "malformed kiosk id");
    if (strcmp(r->arg, r->kiosk) != 0)
        return send_problem(r, 403, API_SLUG_FORBIDDEN, "Forbidden",
                            "the token belongs to another kiosk");
    ret = body_guard(r, &ok);
    if (!ok) return ret;
    e = api_heartbeat_decode(r->body, r->len, &hb, &why);
    if (e != KERR_OK) return bad_decode(r, e, why);
    memset(&r->job, 0, sizeof r->job);
    r->job.op = HUBSTORE_HEARTBEAT;
    snprintf(r->job.kiosk_id, sizeof r->job.kiosk_id, "%s", r->kiosk);
    snprintf(r->job.version, sizeof r->job.version, "%s", hb.version);
    snprintf(r->job.content_version, sizeof r->job.content_version, "%s", hb.content_version);
    r->job.has_last_error = !hb.last_error_null;
    snprintf(r->job.last_error, sizeof r->job.last_error, "%s", hb.last_error);
    r->job.queue_depth = hb.queue_depth;
    r->job.oldest_pending_s = hb.oldest_pending_s;
    r->job.online = hb.online;
    return submit(r);
}

/* GET /api/v1/tickets/{ticket}?check=NNNNNN. A kiosk token needs the check
 * code; any kiosk may look up any ticket with it (filed in one tower, asked
 * in another). Unknown ticket, missing or wrong check, a request filed
 * without one: the same 404, so the answer never tells whether the ticket
 * exists. The admin token may leave the check out. */
static enum MHD_Result h_ticket_get(struct hreq *r)
{
    struct api_ticket_status t;
    const char *check = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, API_QUERY_CHECK);
    char *txt = NULL;
    int retry = 0;
    enum kerr e;
    enum MHD_Result ret;
    if (r->arg_long || !api_ticket_valid(r->arg))
        return send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request", "malformed ticket");
    if (check && !api_check_valid(check))
        return send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request",
                            "check: six digits");
    if (r->who == WHO_KIOSK &&
        !hubrate_take(r->srv->lookups, r->kiosk, kclock_mono_ms(), &retry))
        return send_problem_ex(r, 429, API_SLUG_RATE_LIMITED, "Too many requests",
                               "ticket lookups of this kiosk", retry, NULL);
    if (r->who == WHO_KIOSK && !check) e = KERR_NOTFOUND;
    else e = hubstore_ticket_status(r->srv->store, r->arg, check, &t);
    if (e == KERR_NOTFOUND)
        return send_problem(r, 404, API_SLUG_NOT_FOUND, "Not found",
                            "no ticket with this check code");
    if (e != KERR_OK) return send_kerr(r, e, NULL);
    if (api_ticket_status_encode(&t, &txt) != KERR_OK)
        return send_problem(r, 500, API_SLUG_INTERNAL, "Internal error", "encode");
    ret = send_text(r, 200, API_CT_JSON, txt, 0, NULL);
    free(txt);
    return ret;
}

/* Parses an admin JSON body into a new cJSON object (*out) or answers 400. */
static enum MHD_Result admin_body(struct hreq *r, cJSON **out)
{
    bool ok;
    enum MHD_Result ret = body_guard(r, &ok);
    *out = NULL;
    if (!ok) return ret;
    *out = cJSON_ParseWithLength(r->body, r->len);
    if (!cJSON_IsObject(*out)) {
        cJSON_Delete(*out);
        *out = NULL;
        return send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request", "body: not a JSON object");
    }
    return MHD_YES;
}

static enum MHD_Result h_admin_kiosk_add(struct hreq *r)
{
    cJSON *o, *id;
    char token[HUBAUTH_TOKEN_LEN + 1];
    enum MHD_Result ret = admin_body(r, &o);
    if (!o) return ret;
    id = cJSON_GetObjectItemCaseSensitive(o, "id");
    if (!cJSON_IsString(id) || !api_kiosk_id_valid(id->valuestring)) {
        cJSON_Delete(o);
        return send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request",
                            "id: must match ^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$");
    }
    memset(&r->job, 0, sizeof r->job);
    r->job.op = HUBSTORE_KIOSK_ADD;
    snprintf(r->job.kiosk_id, sizeof r->job.kiosk_id, "%s", id->valuestring);
    cJSON_Delete(o);
    if (hubauth_token_new(token) != KERR_OK)
        return send_problem(r, 500, API_SLUG_INTERNAL, "Internal error", "no randomness");
    hubauth_sha256(token, strlen(token), r->job.token_hash);
    memcpy(r->token, token, sizeof token);
    memset(token, 0, sizeof token);
    return submit(r);
}

static enum MHD_Result h_admin_kiosk_list(struct hreq *r)
{
    cJSON *a = NULL, *o;
    enum kerr e = hubstore_kiosk_list(r->srv->store, &a);
    enum MHD_Result ret;
    if (e != KERR_OK) return send_kerr(r, e, NULL);
    o = cJSON_CreateObject();
    if (!o) {
        cJSON_Delete(a);
        return send_kerr(r, KERR_NOMEM, NULL);
    }
    cJSON_AddItemToObject(o, "kiosks", a);
    ret = send_json(r, 200, o);
    cJSON_Delete(o);
    return ret;
}

static enum MHD_Result h_admin_kiosk_revoke(struct hreq *r)
{
    if (r->arg_long || !api_kiosk_id_valid(r->arg))
        return send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request", "malformed kiosk id");
    memset(&r->job, 0, sizeof r->job);
    r->job.op = HUBSTORE_KIOSK_REVOKE;
    snprintf(r->job.kiosk_id, sizeof r->job.kiosk_id, "%.*s", HUBSTORE_ID_MAX, r->arg);
    return submit(r);
}

static enum MHD_Result h_admin_request_list(struct hreq *r)
{
    const char *status = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "status");
    const char *lim = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "limit");
    long limit = LIST_DEFAULT;
    cJSON *a = NULL, *o;
    enum kerr e;
    enum MHD_Result ret;
    if (status && !hubstore_status_valid(status))
        return send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request",
                            "status: one of new, accepted, in_progress, resolved, rejected");
    if (lim) {
        char *end;
        limit = strtol(lim, &end, 10);
        if (*lim == '\0' || *end != '\0' || limit < 1 || limit > LIST_MAX)
            return send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request", "limit: 1..1000");
    }
    e = hubstore_request_list(r->srv->store, status, (int)limit, &a);
    if (e != KERR_OK) return send_kerr(r, e, NULL);
    o = cJSON_CreateObject();
    if (!o) {
        cJSON_Delete(a);
        return send_kerr(r, KERR_NOMEM, NULL);
    }
    cJSON_AddItemToObject(o, "requests", a);
    ret = send_json(r, 200, o);
    cJSON_Delete(o);
    return ret;
}

static enum MHD_Result h_admin_request_get(struct hreq *r)
{
    cJSON *o = NULL;
    enum kerr e;
    enum MHD_Result ret;
    if (r->arg_long || !api_ticket_valid(r->arg))
        return send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request", "malformed ticket");
    e = hubstore_request_get(r->srv->store, r->arg, &o);
    if (e != KERR_OK) return send_kerr(r, e, "ticket unknown");
    ret = send_json(r, 200, o);
    cJSON_Delete(o);
    return ret;
}

static enum MHD_Result h_admin_status(struct hreq *r)
{
    cJSON *o, *st, *note;
    enum MHD_Result ret;
    if (r->arg_long || !api_ticket_valid(r->arg))
        return send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request", "malformed ticket");
    ret = admin_body(r, &o);
    if (!o) return ret;
    st = cJSON_GetObjectItemCaseSensitive(o, "status");
    note = cJSON_GetObjectItemCaseSensitive(o, "note");
    if (!cJSON_IsString(st) || !hubstore_status_valid(st->valuestring)) {
        cJSON_Delete(o);
        return send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request",
                            "status: one of new, accepted, in_progress, resolved, rejected");
    }
    if (note && !cJSON_IsNull(note) &&
        (!cJSON_IsString(note) || !utf8_valid(note->valuestring, strlen(note->valuestring)) ||
         utf8_count(note->valuestring) > API_NOTE_MAX_CP ||
         strlen(note->valuestring) > HUBSTORE_NOTE_MAX)) {
        cJSON_Delete(o);
        return send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request",
                            "note: a string of at most 500 characters, or null");
    }
    memset(&r->job, 0, sizeof r->job);
    r->job.op = HUBSTORE_STATUS_SET;
    snprintf(r->job.ticket, sizeof r->job.ticket, "%.*s", HUBSTORE_TICKET_MAX, r->arg);
    snprintf(r->job.status, sizeof r->job.status, "%s", st->valuestring);
    r->job.has_note = cJSON_IsString(note);
    if (r->job.has_note) snprintf(r->job.note, sizeof r->job.note, "%s", note->valuestring);
    cJSON_Delete(o);
    return submit(r);
}

static enum MHD_Result dispatch(struct hreq *r)
{
    switch (r->route) {
    case R_REQUESTS: return h_request_post(r);
    case R_TICKET: return h_ticket_get(r);
    case R_HEARTBEAT: return h_heartbeat(r);
    case R_ADMIN_KIOSKS:
        return strcmp(r->method, "POST") == 0 ? h_admin_kiosk_add(r) : h_admin_kiosk_list(r);
    case R_ADMIN_KIOSK: return h_admin_kiosk_revoke(r);
    case R_ADMIN_REQUESTS: return h_admin_request_list(r);
    case R_ADMIN_REQUEST: return h_admin_request_get(r);
    case R_ADMIN_STATUS: return h_admin_status(r);
    case R_HEALTH: return send_text(r, 200, API_CT_JSON, "{\"ok\":true}", 0, NULL);
    case R_NONE: break;
    }
    return send_problem(r, 404, API_SLUG_NOT_FOUND, "Not found", "no such endpoint");
}

/* First call for a request: route, method, auth, rate limit, size. Returns
 * true when an answer was already queued. */
static bool on_headers(struct hreq *r, enum MHD_Result *ret)
{
    bool revoked;
    const char *cl;
    int retry = 0;
    if (r->route == R_NONE) {
        *ret = send_problem(r, 404, API_SLUG_NOT_FOUND, "Not found", "no such endpoint");
        return true;
    }
    if (!method_ok(r->route, r->method)) {
        *ret = send_problem_ex(r, 405, "method-not-allowed", "Method not allowed", NULL, 0,
                               route_methods(r->route));
        return true;
    }
    if (r->route == R_HEALTH) return false;
    if (!auth_allowed(r, &retry)) {
        *ret = send_problem_ex(r, 429, API_SLUG_RATE_LIMITED, "Too many requests",
                               "too many failed authentications from this address", retry, NULL);
        return true;
    }
    r->who = authenticate(r, &revoked);
    {
        bool admin_route = r->route >= R_ADMIN_KIOSKS && r->route <= R_ADMIN_STATUS;
        bool allowed = admin_route ? r->who == WHO_ADMIN
                       : r->route == R_TICKET ? r->who != WHO_NONE
                                               : r->who == WHO_KIOSK;
        if (!allowed) {
            if (r->who == WHO_KIOSK) {
                *ret = send_problem(r, 403, API_SLUG_FORBIDDEN, "Forbidden",
                                    "this endpoint needs the admin token");
            } else {
                if (r->who == WHO_NONE) auth_failed(r);
                *ret = send_problem(r, 401, API_SLUG_UNAUTHORIZED, "Unauthorized",
                                    revoked ? "token revoked" : "missing or wrong bearer token");
            }
            return true;
        }
    }
    if (r->who == WHO_KIOSK &&
        !hubrate_take(r->srv->rate, r->kiosk, kclock_mono_ms(), &retry)) {
        *ret = send_problem_ex(r, 429, API_SLUG_RATE_LIMITED, "Too many requests",
                               "per-kiosk rate limit", retry, NULL);
        return true;
    }
    cl = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (cl && strtoull(cl, NULL, 10) > API_BODY_MAX) {
        *ret = send_problem(r, 413, API_SLUG_TOO_LARGE, "Body too large", "at most 16384 bytes");
        return true;
    }
    return false;
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *conn, const char *url,
                                 const char *method, const char *version, const char *upload,
                                 size_t *upload_size, void **con_cls)
{
    struct hubsrv *srv = cls;
    struct hreq *r = *con_cls;
    enum MHD_Result ret = MHD_YES;
    (void)version;
    if (!r) {
        r = calloc(1, sizeof *r);
        if (!r) return MHD_NO;
        *con_cls = r;
        r->srv = srv;
        r->conn = conn;
        r->t0 = kclock_mono_ms();
        snprintf(r->method, sizeof r->method, "%s", method);
        r->route = utf8_valid(url, strlen(url)) ? route_match(url, r->arg, &r->arg_long) : R_NONE;
        if (!hubconn_request_begin(srv->conn, conn, &r->client))
            return send_problem_ex(r, 429, API_SLUG_RATE_LIMITED, "Too many requests",
                                   "too many requests in flight from this address", 1, NULL);
        if (on_headers(r, &ret)) return ret;
        r->state = S_BODY;
        return MHD_YES;
    }
    if (r->state == S_DONE) {
        *upload_size = 0; /* an early answer is queued; drop what still comes */
        return MHD_YES;
    }
    if (*upload_size) {
        if (!route_has_body(r) || r->len + *upload_size > API_BODY_MAX) {
            r->too_big = true;
        } else {
            char *nb = realloc(r->body, r->len + *upload_size + 1);
            if (!nb) return MHD_NO;
            r->body = nb;
            memcpy(r->body + r->len, upload, *upload_size);
            r->len += *upload_size;
            r->body[r->len] = '\0';
        }
        *upload_size = 0;
        return MHD_YES;
    }
    if (r->state == S_READY) return finish_job(r);
    if (r->state == S_WAIT) return MHD_YES; /* spurious call while suspended */
    if (r->too_big) {
        if (!route_has_body(r))
            return send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request", "unexpected body");
        return send_problem(r, 413, API_SLUG_TOO_LARGE, "Body too large", "at most 16384 bytes");
    }
    hubconn_request_received(srv->conn, conn);
    return dispatch(r);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct hubsrv *srv = cls;
    struct hreq *r = *con_cls;
    hubconn_request_end(srv->conn, conn);
    if (!r) return;
    if (srv->log_requests) {
        uint64_t ms = kclock_mono_ms() - r->t0;
        klog(KLOG_INFO, "hub", "%s %s %d %llums kiosk=%s ip=%s%s", r->method,
             route_path[r->route], r->status, (unsigned long long)ms,
             r->who == WHO_ADMIN ? "admin" : r->kiosk[0] ? r->kiosk : "-", hreq_client_addr(r),
             toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " aborted");
    }
    free(r->body);
    free(r->canon);
    free(r);
    *con_cls = NULL;
}

enum kerr hubsrv_start(const struct hubsrv_config *cfg, struct hubsrv **out)
{
    struct hubsrv *s;
    struct sockaddr_in6 ss;
    unsigned sslen = 0;
    unsigned threads = cfg->threads;
    enum kerr res;
    const union MHD_DaemonInfo *info;
    struct hubconn_config cc = {
        .max_per_ip = cfg->max_conns_per_ip ? cfg->max_conns_per_ip : HUBSRV_MAX_CONNS_PER_IP,
        .head_ms = 1000u * (cfg->head_timeout_s ? cfg->head_timeout_s : HUBSRV_HEAD_TIMEOUT_S),
        .body_ms = 1000u * (cfg->body_timeout_s ? cfg->body_timeout_s : HUBSRV_BODY_TIMEOUT_S),
        .trusted = cfg->trusted_proxies,
        .ntrusted = cfg->n_trusted_proxies,
    };
    double fails = cfg->auth_fails_per_min ? cfg->auth_fails_per_min : HUBSRV_AUTH_FAILS_PER_MIN;
    *out = NULL;
    if (hubsrv_parse_listen(cfg->listen, &ss, &sslen) != KERR_OK) return KERR_USAGE;
    s = calloc(1, sizeof *s);
    if (!s) return KERR_NOMEM;
    memcpy(s->admin_hash, cfg->admin_hash, sizeof s->admin_hash);
    s->log_requests = cfg->log_requests;
    s->rate = hubrate_new(cfg->rate, cfg->burst);
    /* a bucket of `fails` failures that refills over a minute */
    s->auth_fails = hubrate_new(fails / 60.0, fails);
    s->lookups = hubrate_new(LOOKUP_PER_S, LOOKUP_BURST);
    res = KERR_NOMEM;
    if (!s->rate || !s->auth_fails || !s->lookups) goto fail;
    res = hubconn_new(&cc, &s->conn);
    if (res != KERR_OK) goto fail;
    {
        struct hubstore_config sc = {
            .retention_s = (int64_t)(cfg->retention_days > 0 ? cfg->retention_days : 30) * 86400};
        res = hubstore_open(cfg->db_path, &sc, &s->store);
    }
    if (res != KERR_OK) goto fail;
    if (threads == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        threads = n > 0 ? (unsigned)n : 1;
    }
    /* Per-address limits are hubconn's accept policy, not MHD's
     * PER_IP_CONNECTION_LIMIT: that one would count a trusted proxy as one
     * client. The connection timeout is MHD's idle timeout; the deadlines
     * for a whole head and body are hubconn's. */
    s->mhd = MHD_start_daemon(
        MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME |
            (((struct sockaddr *)&ss)->sa_family == AF_INET6 ? MHD_USE_IPv6 : 0),
        0, hubconn_on_accept, s->conn, on_access, s, MHD_OPTION_SOCK_ADDR,
        (struct sockaddr *)&ss, MHD_OPTION_THREAD_POOL_SIZE, threads,
        MHD_OPTION_CONNECTION_LIMIT, cfg->max_conns ? cfg->max_conns : HUBSRV_MAX_CONNS,
        MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_NOTIFY_CONNECTION,
        hubconn_on_connection, s->conn, MHD_OPTION_END);
    res = KERR_NET;
    if (!s->mhd) {
        KLOGE("hub", "cannot listen on %s", cfg->listen);
        goto fail;
    }
    info = MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info ? info->port : 0;
    *out = s;
    return KERR_OK;
fail:
    hubsrv_stop(s);
    return res;
}

uint16_t hubsrv_port(const struct hubsrv *s)
{
    return s->port;
}

void hubsrv_stop(struct hubsrv *s)
{
    if (!s) return;
    atomic_store(&s->stopping, true);
    if (s->mhd) {
        /* let every suspended write be answered before MHD goes away */
        for (int i = 0; i < 1000 && atomic_load(&s->inflight) > 0; i++) usleep(10000);
        usleep(50000);
        MHD_stop_daemon(s->mhd);
    }
    hubconn_free(s->conn);
    hubstore_close(s->store);
    hubrate_free(s->rate);
    hubrate_free(s->auth_fails);
    hubrate_free(s->lookups);
    free(s);
}
