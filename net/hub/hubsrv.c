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
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "api.h"
#include "hubauth.h"
#include "hubconn.h"
#include "hubpw.h"
#include "hubrate.h"
#include "hubsess.h"
#include "hubstore.h"
#include "hubweb.h"
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
#define AUDIT_DEFAULT 200
/* Every answer: no sniffing, no framing, no referrer (a phone page's URL
 * holds its check code), and a Content-Security-Policy that allows only the
 * hub's own files: no inline script, no inline style, nothing from elsewhere. */
#define CSP "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " \
            "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

struct hubsrv {
    struct MHD_Daemon *mhd;
    struct hubstore *store;
    struct hubrate *rate;
    struct hubrate *auth_fails; /* failed authentications per client address key */
    struct hubconn *conn;       /* connection-level defences */
    struct hubrate *lookups; /* ticket lookups per kiosk (LOOKUP_*) */
    struct hubrate *phone_misses; /* phone-page look-ups that found nothing, per address */
    struct hubsess *sessions;     /* the web console's logins */
    cJSON *labels;                /* category and tower names (hubweb_labels_load) or NULL */
    char dummy_hash[HUBPW_HASH_SIZE]; /* verified for unknown names: same time as a real one */
    bool secure_cookies;
    unsigned lock_after, lock_s;
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
    R_ADMIN_ASSIGN,    /* POST /api/v1/admin/requests/{ticket}/assign */
    R_ADMIN_USERS,     /* GET, POST /api/v1/admin/users */
    R_ADMIN_USER,      /* PATCH /api/v1/admin/users/{name} */
    R_ADMIN_AUDIT,     /* GET /api/v1/admin/audit */
    R_ADMIN_FACETS,    /* GET /api/v1/admin/facets */
    R_SESSION,         /* GET, POST, DELETE /api/v1/admin/session */
    R_PHONE,           /* GET /t/{ticket}?c=NNNNNN */
    R_STATIC,          /* GET /admin/..., /s/... (built-in files) */
    R_ROOT,            /* GET / and /admin: to /admin/ */
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
    "/api/v1/admin/requests/{ticket}/assign",
    "/api/v1/admin/users",
    "/api/v1/admin/users/{name}",
    "/api/v1/admin/audit",
    "/api/v1/admin/facets",
    "/api/v1/admin/session",
    "/t/{ticket}",
    "/{static}",
    "/",
};

enum who { WHO_NONE, WHO_KIOSK, WHO_ADMIN, WHO_STAFF };
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
    struct hubsess_info staff;         /* WHO_STAFF: the session's account */
    char actor[HUBSTORE_USER_MAX + 1]; /* staff name or "admin" (the token) */
    int rank;                          /* 0 none, 1 viewer, 2 handler, 3 admin */
    char password[HUBPW_MAX + 1];      /* a generated password, shown once */
    char set_cookie[256];              /* a Set-Cookie header to send, or "" */
    char location[64];                 /* a Location header to send, or "" */
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
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(resp, "Content-Security-Policy", CSP);
    if (r->set_cookie[0]) MHD_add_response_header(resp, MHD_HTTP_HEADER_SET_COOKIE, r->set_cookie);
    if (r->location[0]) MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, r->location);
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
                      beat[] = "/heartbeat", stat[] = "/status", asg[] = "/assign",
                      ausr[] = "/api/v1/admin/users/", phone[] = "/t/";
    size_t n = strlen(url), m;
    const char *p;
    enum route rt = R_NONE;
    arg[0] = '\0';
    *arg_long = false;
    if (strcmp(url, "/api/v1/requests") == 0) return R_REQUESTS;
    if (strcmp(url, "/api/v1/admin/kiosks") == 0) return R_ADMIN_KIOSKS;
    if (strcmp(url, "/api/v1/admin/requests") == 0) return R_ADMIN_REQUESTS;
    if (strcmp(url, "/api/v1/health") == 0) return R_HEALTH;
    if (strcmp(url, "/api/v1/admin/users") == 0) return R_ADMIN_USERS;
    if (strcmp(url, "/api/v1/admin/audit") == 0) return R_ADMIN_AUDIT;
    if (strcmp(url, "/api/v1/admin/facets") == 0) return R_ADMIN_FACETS;
    if (strcmp(url, "/api/v1/admin/session") == 0) return R_SESSION;
    if (strcmp(url, "/") == 0 || strcmp(url, "/admin") == 0) return R_ROOT;
    if (strncmp(url, "/admin/", 7) == 0 || strncmp(url, "/s/", 3) == 0) {
        p = url;
        m = n;
        rt = R_STATIC;
    } else if (strncmp(url, tick, sizeof tick - 1) == 0) {
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
        } else if (m > sizeof asg - 1 && strcmp(p + m - (sizeof asg - 1), asg) == 0) {
            m -= sizeof asg - 1;
            rt = R_ADMIN_ASSIGN;
        }
    } else if (strncmp(url, ausr, sizeof ausr - 1) == 0) {
        p = url + sizeof ausr - 1;
        m = strlen(p);
        rt = R_ADMIN_USER;
    } else if (strncmp(url, phone, sizeof phone - 1) == 0) {
        p = url + sizeof phone - 1;
        m = strlen(p);
        rt = R_PHONE;
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
    case R_ADMIN_ASSIGN:
    case R_ADMIN_STATUS: return "POST";
    case R_ADMIN_USERS:
    case R_ADMIN_KIOSKS: return "GET, POST";
    case R_ADMIN_KIOSK: return "DELETE";
    case R_ADMIN_USER: return "PATCH";
    case R_SESSION: return "GET, POST, DELETE";
    case R_PHONE:
    case R_STATIC:
    case R_ROOT: return "GET, HEAD";
    default: return "GET";
    }
}

static bool method_ok(enum route rt, const char *m)
{
    const char *list = route_methods(rt), *p = strstr(list, m);
    size_t n = strlen(m);
    /* m is a whole entry of the list */
    return p && (p == list || p[-1] == ' ') && (p[n] == '\0' || p[n] == ',');
}

static bool route_has_body(const struct hreq *r)
{
    return strcmp(r->method, "POST") == 0 || strcmp(r->method, "PATCH") == 0;
}

static bool is_admin_route(enum route rt)
{
    return (rt >= R_ADMIN_KIOSKS && rt <= R_ADMIN_STATUS) ||
           (rt >= R_ADMIN_ASSIGN && rt <= R_ADMIN_FACETS);
}

static int role_rank(const char *role)
{
    if (strcmp(role, "admin") == 0) return 3;
    if (strcmp(role, "handler") == 0) return 2;
    if (strcmp(role, "viewer") == 0) return 1;
    return 0;
}

/* The least role an admin route needs: reading is for every account,
 * handling requests for handlers, kiosks, accounts and the audit log for
 * admins (and the admin token). */
static int route_rank(enum route rt, const char *method)
{
    switch (rt) {
    case R_ADMIN_STATUS:
    case R_ADMIN_ASSIGN: return 2;
    case R_ADMIN_KIOSKS: return strcmp(method, "GET") == 0 ? 1 : 3;
    case R_ADMIN_KIOSK:
    case R_ADMIN_USERS:
    case R_ADMIN_USER:
    case R_ADMIN_AUDIT: return 3;
    default: return 1;
    }
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

/* A login failed (wrong name or password, locked or disabled account): it
 * counts against the client address like a wrong token. */
static void login_failed(const struct hreq *r)
{
    int retry;
    if (r->srv->auth_fails)
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

static enum MHD_Result user_answer(struct hreq *r);
static enum MHD_Result login_answer(struct hreq *r);
static enum MHD_Result assign_answer(struct hreq *r);

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
    case HUBSTORE_USER_ADD:
    case HUBSTORE_USER_UPDATE: return user_answer(r);
    case HUBSTORE_LOGIN: return login_answer(r);
    case HUBSTORE_ASSIGN: return assign_answer(r);
    case HUBSTORE_AUDIT:
        if (strcmp(r->method, "POST") == 0) return login_answer(r); /* a refused login */
        if (j->result == 200) return send_text(r, 204, NULL, NULL, 0, NULL); /* logout */
        break;
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
    snprintf(r->job.actor, sizeof r->job.actor, "%s", r->actor);
    snprintf(r->job.kiosk_id, sizeof r->job.kiosk_id, "%s", id->valuestring);
    cJSON_Delete(o);
    if (hubauth_token_new(token) != KERR_OK)
        return send_problem(r, 500, API_SLUG_INTERNAL, "Internal error", "no randomness");
    hubauth_sha256(token, strlen(token), r->job.token_hash);
    memcpy(r->token, token, sizeof token);
    memset(token, 0, sizeof token);
    return submit(r);
}

/* 200 {"<member>": a} when e is KERR_OK (a is taken), else the error's answer. */
static enum MHD_Result send_list(struct hreq *r, enum kerr e, const char *member, cJSON *a)
{
    cJSON *o;
    enum MHD_Result ret;
    if (e != KERR_OK) {
        cJSON_Delete(a);
        return send_kerr(r, e, NULL);
    }
    o = cJSON_CreateObject();
    if (!o) {
        cJSON_Delete(a);
        return send_kerr(r, KERR_NOMEM, NULL);
    }
    cJSON_AddItemToObject(o, member, a);
    ret = send_json(r, 200, o);
    cJSON_Delete(o);
    return ret;
}

static enum MHD_Result h_admin_kiosk_list(struct hreq *r)
{
    cJSON *a = NULL;
    enum kerr e = hubstore_kiosk_list(r->srv->store, &a);
    return send_list(r, e, "kiosks", a);
}

static enum MHD_Result h_admin_kiosk_revoke(struct hreq *r)
{
    if (r->arg_long || !api_kiosk_id_valid(r->arg))
        return send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request", "malformed kiosk id");
    memset(&r->job, 0, sizeof r->job);
    r->job.op = HUBSTORE_KIOSK_REVOKE;
    snprintf(r->job.actor, sizeof r->job.actor, "%s", r->actor);
    snprintf(r->job.kiosk_id, sizeof r->job.kiosk_id, "%.*s", HUBSTORE_ID_MAX, r->arg);
    return submit(r);
}

static enum MHD_Result h_admin_request_list(struct hreq *r)
{
    const char *status = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "status");
    const char *lim = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "limit");
    struct hubstore_filter f = {
        .status = status,
        .category = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "category"),
        .tower = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "tower"),
        .kiosk = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "kiosk"),
        .assignee = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "assignee"),
        .q = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "q"),
    };
    long limit = LIST_DEFAULT;
    cJSON *a = NULL;
    enum kerr e;
    if (status && !hubstore_status_valid(status) && strcmp(status, "open") != 0)
        return send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request",
                            "status: open, or one of new, accepted, in_progress, resolved, rejected");
    {
        const char *txt[] = {f.category, f.tower, f.kiosk, f.assignee, f.q};
        for (size_t i = 0; i < sizeof txt / sizeof txt[0]; i++)
            if (txt[i] && (strlen(txt[i]) > 100 || !utf8_valid(txt[i], strlen(txt[i]))))
                return send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request",
                                    "filters: UTF-8, at most 100 bytes each");
    }
    if (lim) {
        char *end;
        limit = strtol(lim, &end, 10);
        if (*lim == '\0' || *end != '\0' || limit < 1 || limit > LIST_MAX)
            return send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request", "limit: 1..1000");
    }
    f.limit = (int)limit;
    e = hubstore_request_query(r->srv->store, &f, &a);
    return send_list(r, e, "requests", a);
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
    snprintf(r->job.actor, sizeof r->job.actor, "%s", r->actor);
    snprintf(r->job.ticket, sizeof r->job.ticket, "%.*s", HUBSTORE_TICKET_MAX, r->arg);
    snprintf(r->job.status, sizeof r->job.status, "%s", st->valuestring);
    r->job.has_note = cJSON_IsString(note);
    if (r->job.has_note) snprintf(r->job.note, sizeof r->job.note, "%s", note->valuestring);
    cJSON_Delete(o);
    return submit(r);
}


/* ---- the web console: sessions, accounts, assignment, audit --------------- */

static const char *hdr(const struct hreq *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

/* The request came over TLS: through a trusted proxy that says so. */
static bool over_tls(const struct hreq *r)
{
    const char *p = hdr(r, "X-Forwarded-Proto");
    return r->client.via_proxy && p && strcasecmp(p, "https") == 0;
}

/* False for a request a browser sent from another site: Sec-Fetch-Site not
 * same-origin, or an Origin whose host is not the Host asked for. Requests
 * without those headers (kioskctl, scripts) pass; they carry no cookie. */
static bool same_origin(const struct hreq *r)
{
    const char *site = hdr(r, "Sec-Fetch-Site"), *origin = hdr(r, "Origin"), *host, *o;
    if (site && strcmp(site, "same-origin") != 0 && strcmp(site, "none") != 0) return false;
    if (!origin) return true;
    host = hdr(r, MHD_HTTP_HEADER_HOST);
    o = strstr(origin, "://");
    return host && o && strcasecmp(o + 3, host) == 0;
}

static void cookie_set(struct hreq *r, const char *token)
{
    snprintf(r->set_cookie, sizeof r->set_cookie,
             "%s=%s; Path=/; HttpOnly; SameSite=Strict%s", HUBSESS_COOKIE, token,
             r->srv->secure_cookies || over_tls(r) ? "; Secure" : "");
}

static enum MHD_Result send_session(struct hreq *r, int status, const struct hubsess_info *si)
{
    cJSON *o = cJSON_CreateObject();
    enum MHD_Result ret;
    uint64_t now = kclock_mono_ms();
    if (!o) return send_kerr(r, KERR_NOMEM, NULL);
    cJSON_AddStringToObject(o, "name", si->user);
    cJSON_AddStringToObject(o, "role", si->role);
    if (si->csrf[0]) cJSON_AddStringToObject(o, "csrf", si->csrf);
    else cJSON_AddNullToObject(o, "csrf");
    if (si->idle_ends_ms) {
        cJSON_AddNumberToObject(o, "expires_in_s",
                                (double)((si->idle_ends_ms > now ? si->idle_ends_ms - now : 0) / 1000));
    } else {
        cJSON_AddNullToObject(o, "expires_in_s");
    }
    ret = send_json(r, status, o);
    cJSON_Delete(o);
    return ret;
}

/* POST /api/v1/admin/session {name, password}: checks the password (scrypt
 * on this thread, ~0.1 s; a name that does not exist is checked against a
 * dummy hash, so both take as long) and records the outcome through the
 * writer. One answer for every failure: wrong name, wrong password, locked
 * or disabled account. */
static enum MHD_Result h_login(struct hreq *r)
{
    cJSON *o, *nm, *pw;
    struct hubstore_user u;
    enum kerr e;
    bool ok = false, known;
    enum MHD_Result ret = admin_body(r, &o);
    if (!o) return ret;
    nm = cJSON_GetObjectItemCaseSensitive(o, "name");
    pw = cJSON_GetObjectItemCaseSensitive(o, "password");
    if (!cJSON_IsString(nm) || !cJSON_IsString(pw) || strlen(pw->valuestring) > HUBPW_MAX ||
        strlen(nm->valuestring) > HUBSTORE_USER_MAX) {
        cJSON_Delete(o);
        return send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request",
                            "name and password: strings");
    }
    e = hubstore_user_name_valid(nm->valuestring)
            ? hubstore_user_get(r->srv->store, nm->valuestring, &u)
            : KERR_NOTFOUND;
    if (e != KERR_OK && e != KERR_NOTFOUND) {
        cJSON_Delete(o);
        return send_kerr(r, e, NULL);
    }
    known = e == KERR_OK;
    ok = hubpw_verify(pw->valuestring, strlen(pw->valuestring),
                      known ? u.pw_hash : r->srv->dummy_hash) &&
         known;
    memset(&r->job, 0, sizeof r->job);
    r->job.op = HUBSTORE_LOGIN;
    if (known) {
        snprintf(r->job.user, sizeof r->job.user, "%s", u.name);
        snprintf(r->job.actor, sizeof r->job.actor, "%s", u.name);
        snprintf(r->staff.user, sizeof r->staff.user, "%s", u.name);
        snprintf(r->staff.role, sizeof r->staff.role, "%s", u.role);
    } else {
        snprintf(r->job.actor, sizeof r->job.actor, "-");
    }
    cJSON_Delete(o);
    if (known && (u.disabled || u.locked)) {
        /* refused whatever the password; a locked account's count does not grow */
        login_failed(r);
        snprintf(r->job.action, sizeof r->job.action, "session.login_failed");
        snprintf(r->job.target, sizeof r->job.target, "%s", u.name);
        snprintf(r->job.detail, sizeof r->job.detail, "%s", u.disabled ? "disabled" : "locked");
        r->job.op = HUBSTORE_AUDIT;
        r->job.login_ok = false;
        return submit(r);
    }
    r->job.login_ok = ok;
    r->job.lock_after = (int)r->srv->lock_after;
    r->job.lock_s = r->srv->lock_s;
    if (!ok) login_failed(r);
    return submit(r);
}

static enum MHD_Result login_answer(struct hreq *r)
{
    struct hubsess_info si;
    char token[HUBSESS_TOKEN_LEN + 1];
    enum MHD_Result ret;
    if (r->job.result != 200) return send_problem(r, 500, API_SLUG_INTERNAL, "Internal error", "database");
    if (r->job.op != HUBSTORE_LOGIN || !r->job.login_ok)
        return send_problem(r, 401, API_SLUG_UNAUTHORIZED, "Login refused",
                            "wrong name or password, or the account is locked or disabled");
    if (hubsess_create(r->srv->sessions, r->staff.user, r->staff.role, kclock_mono_ms(), token,
                       &si) != KERR_OK)
        return send_problem(r, 500, API_SLUG_INTERNAL, "Internal error", "no randomness");
    cookie_set(r, token);
    memset(token, 0, sizeof token);
    snprintf(r->actor, sizeof r->actor, "%s", si.user);
    r->who = WHO_STAFF;
    ret = send_session(r, 200, &si);
    memset(r->set_cookie, 0, sizeof r->set_cookie);
    return ret;
}

static enum MHD_Result h_session(struct hreq *r)
{
    if (strcmp(r->method, "POST") == 0) return h_login(r);
    if (strcmp(r->method, "GET") == 0) {
        struct hubsess_info si;
        if (r->who == WHO_STAFF) return send_session(r, 200, &r->staff);
        memset(&si, 0, sizeof si);
        snprintf(si.user, sizeof si.user, "admin");
        snprintf(si.role, sizeof si.role, "admin");
        return send_session(r, 200, &si);
    }
    /* DELETE: logout */
    if (r->who == WHO_STAFF) {
        char token[HUBSESS_TOKEN_LEN + 1];
        if (hubsess_cookie_token(hdr(r, MHD_HTTP_HEADER_COOKIE), token))
            hubsess_end(r->srv->sessions, token);
    }
    snprintf(r->set_cookie, sizeof r->set_cookie,
             "%s=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0%s", HUBSESS_COOKIE,
             r->srv->secure_cookies || over_tls(r) ? "; Secure" : "");
    memset(&r->job, 0, sizeof r->job);
    r->job.op = HUBSTORE_AUDIT;
    snprintf(r->job.actor, sizeof r->job.actor, "%s", r->actor);
    snprintf(r->job.action, sizeof r->job.action, "session.logout");
    return submit(r);
}

/* Sets r->job's password hash from a given password (pw non-NULL) or a new
 * generated one (kept in r->password to show once). Answers 400 on a bad
 * password; *ok false then. */
static enum MHD_Result set_password(struct hreq *r, const char *pw, bool *ok)
{
    *ok = false;
    if (!pw) {
        if (hubpw_generate(r->password) != KERR_OK)
            return send_problem(r, 500, API_SLUG_INTERNAL, "Internal error", "no randomness");
        pw = r->password;
    } else if (!hubpw_acceptable(pw)) {
        return send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request",
                            "password: 10..128 bytes of UTF-8 without control characters");
    }
    if (hubpw_hash(pw, strlen(pw), r->job.pw_hash, sizeof r->job.pw_hash) != KERR_OK)
        return send_problem(r, 500, API_SLUG_INTERNAL, "Internal error", "hash");
    *ok = true;
    return MHD_YES;
}

static enum MHD_Result h_user_add(struct hreq *r)
{
    cJSON *o, *nm, *role, *pw;
    bool ok;
    enum MHD_Result ret = admin_body(r, &o);
    if (!o) return ret;
    nm = cJSON_GetObjectItemCaseSensitive(o, "name");
    role = cJSON_GetObjectItemCaseSensitive(o, "role");
    pw = cJSON_GetObjectItemCaseSensitive(o, "password");
    if (!cJSON_IsString(nm) || !hubstore_user_name_valid(nm->valuestring) ||
        !cJSON_IsString(role) || !hubstore_role_valid(role->valuestring) ||
        (pw && !cJSON_IsNull(pw) && !cJSON_IsString(pw))) {
        cJSON_Delete(o);
        return send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request",
                            "name: ^[a-z][a-z0-9._-]{1,31}$ and not admin; role: viewer, "
                            "handler or admin; password: a string or absent");
    }
    memset(&r->job, 0, sizeof r->job);
    r->job.op = HUBSTORE_USER_ADD;
    snprintf(r->job.actor, sizeof r->job.actor, "%s", r->actor);
    snprintf(r->job.user, sizeof r->job.user, "%s", nm->valuestring);
    snprintf(r->job.role, sizeof r->job.role, "%s", role->valuestring);
    ret = set_password(r, cJSON_IsString(pw) ? pw->valuestring : NULL, &ok);
    cJSON_Delete(o);
    if (!ok) return ret;
    return submit(r);
}

static enum MHD_Result h_user_update(struct hreq *r)
{
    cJSON *o, *role, *pw, *gen, *dis, *unl;
    bool ok = true;
    enum MHD_Result ret;
    if (r->arg_long || !hubstore_user_name_valid(r->arg))
        return send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request", "malformed account name");
    ret = admin_body(r, &o);
    if (!o) return ret;
    role = cJSON_GetObjectItemCaseSensitive(o, "role");
    pw = cJSON_GetObjectItemCaseSensitive(o, "password");
    gen = cJSON_GetObjectItemCaseSensitive(o, "new_password");
    dis = cJSON_GetObjectItemCaseSensitive(o, "disabled");
    unl = cJSON_GetObjectItemCaseSensitive(o, "unlock");
    if ((role && (!cJSON_IsString(role) || !hubstore_role_valid(role->valuestring))) ||
        (pw && !cJSON_IsString(pw)) || (gen && !cJSON_IsBool(gen)) || (dis && !cJSON_IsBool(dis)) ||
        (unl && !cJSON_IsBool(unl)) || (pw && cJSON_IsTrue(gen)) ||
        !(role || pw || cJSON_IsTrue(gen) || dis || cJSON_IsTrue(unl))) {
        cJSON_Delete(o);
        return send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request",
                            "one or more of role, password or new_password: true, disabled, "
                            "unlock: true");
    }
    memset(&r->job, 0, sizeof r->job);
    r->job.op = HUBSTORE_USER_UPDATE;
    snprintf(r->job.actor, sizeof r->job.actor, "%s", r->actor);
    snprintf(r->job.user, sizeof r->job.user, "%.*s", HUBSTORE_USER_MAX, r->arg);
    if (role) {
        r->job.set_role = true;
        snprintf(r->job.role, sizeof r->job.role, "%s", role->valuestring);
    }
    if (dis) {
        r->job.set_disabled = true;
        r->job.disabled = cJSON_IsTrue(dis);
    }
    r->job.unlock = cJSON_IsTrue(unl);
    if (pw || cJSON_IsTrue(gen)) {
        r->job.set_pw = true;
        ret = set_password(r, pw ? pw->valuestring : NULL, &ok);
    }
    cJSON_Delete(o);
    if (!ok) return ret;
    return submit(r);
}

static enum MHD_Result user_answer(struct hreq *r)
{
    struct hubstore_job *j = &r->job;
    cJSON *o;
    enum MHD_Result ret;
    if (j->result == 409)
        return send_problem(r, 409, "user-exists", "Account exists", "an account has this name");
    if (j->result == 404)
        return send_problem(r, 404, API_SLUG_NOT_FOUND, "Not found", "no account with this name");
    if (j->result != 200 && j->result != 201)
        return send_problem(r, 500, API_SLUG_INTERNAL, "Internal error", "database");
    /* a changed account logs in again with what it now is */
    if (j->op == HUBSTORE_USER_UPDATE && (j->set_role || j->set_pw || (j->set_disabled && j->disabled)))
        hubsess_end_user(r->srv->sessions, j->user);
    o = cJSON_CreateObject();
    if (!o) return send_kerr(r, KERR_NOMEM, NULL);
    cJSON_AddStringToObject(o, "name", j->user);
    if (j->op == HUBSTORE_USER_ADD || j->set_role) cJSON_AddStringToObject(o, "role", j->role);
    /* a generated password lives only in this answer */
    if (r->password[0]) cJSON_AddStringToObject(o, "password", r->password);
    ret = send_json(r, j->result, o);
    cJSON_Delete(o);
    memset(r->password, 0, sizeof r->password);
    return ret;
}

static enum MHD_Result h_user_list(struct hreq *r)
{
    cJSON *a = NULL;
    enum kerr e = hubstore_user_list(r->srv->store, &a);
    return send_list(r, e, "users", a);
}

static enum MHD_Result h_audit(struct hreq *r)
{
    const char *lim = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "limit");
    const char *bef = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "before");
    long limit = AUDIT_DEFAULT;
    long long before = 0;
    cJSON *a = NULL;
    enum kerr e;
    char *end;
    if (lim) {
        limit = strtol(lim, &end, 10);
        if (*lim == '\0' || *end != '\0' || limit < 1 || limit > LIST_MAX)
            return send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request", "limit: 1..1000");
    }
    if (bef) {
        before = strtoll(bef, &end, 10);
        if (*bef == '\0' || *end != '\0' || before < 1)
            return send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request",
                                "before: an audit id (1 or more)");
    }
    e = hubstore_audit_list(r->srv->store, before, (int)limit, &a);
    return send_list(r, e, "entries", a);
}

/* ids as [{id, zh, en}] with the names of kind in the labels (or null) */
static cJSON *named(const struct hubsrv *srv, const cJSON *ids, const char *kind)
{
    cJSON *a = cJSON_CreateArray(), *id;
    cJSON_ArrayForEach(id, ids)
    {
        cJSON *e = cJSON_CreateObject();
        const char *zh = hubweb_label(srv->labels, kind, id->valuestring, HUBWEB_ZH);
        const char *en = hubweb_label(srv->labels, kind, id->valuestring, HUBWEB_EN);
        if (!e) break;
        cJSON_AddItemToArray(a, e);
        cJSON_AddStringToObject(e, "id", id->valuestring);
        if (zh) cJSON_AddStringToObject(e, "zh", zh);
        else cJSON_AddNullToObject(e, "zh");
        if (en) cJSON_AddStringToObject(e, "en", en);
        else cJSON_AddNullToObject(e, "en");
    }
    return a;
}

/* GET /api/v1/admin/facets: what the inbox filters on, with names, and the
 * staff a request can be assigned to. */
static enum MHD_Result h_facets(struct hreq *r)
{
    cJSON *f = NULL, *users = NULL, *o, *staff, *u;
    enum kerr e = hubstore_facets(r->srv->store, &f);
    enum MHD_Result ret;
    if (e == KERR_OK) e = hubstore_user_list(r->srv->store, &users);
    if (e != KERR_OK) {
        cJSON_Delete(f);
        return send_kerr(r, e, NULL);
    }
    o = cJSON_CreateObject();
    staff = cJSON_CreateArray();
    cJSON_ArrayForEach(u, users)
    {
        const char *role = cJSON_GetObjectItem(u, "role")->valuestring;
        if (cJSON_IsString(cJSON_GetObjectItem(u, "disabled_at")) || role_rank(role) < 2) continue;
        cJSON *e2 = cJSON_CreateObject();
        cJSON_AddStringToObject(e2, "name", cJSON_GetObjectItem(u, "name")->valuestring);
        cJSON_AddStringToObject(e2, "role", role);
        cJSON_AddItemToArray(staff, e2);
    }
    cJSON_AddItemToObject(o, "categories", named(r->srv, cJSON_GetObjectItem(f, "categories"),
                                                 "categories"));
    cJSON_AddItemToObject(o, "towers", named(r->srv, cJSON_GetObjectItem(f, "towers"), "towers"));
    cJSON_AddItemToObject(o, "kiosks", cJSON_DetachItemFromObject(f, "kiosks"));
    cJSON_AddItemToObject(o, "staff", staff);
    ret = send_json(r, 200, o);
    cJSON_Delete(o);
    cJSON_Delete(f);
    cJSON_Delete(users);
    return ret;
}

static enum MHD_Result h_assign(struct hreq *r)
{
    cJSON *o, *as;
    enum MHD_Result ret;
    if (r->arg_long || !api_ticket_valid(r->arg))
        return send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request", "malformed ticket");
    ret = admin_body(r, &o);
    if (!o) return ret;
    as = cJSON_GetObjectItemCaseSensitive(o, "assignee");
    if (!as || !(cJSON_IsNull(as) || (cJSON_IsString(as) && hubstore_user_name_valid(as->valuestring)))) {
        cJSON_Delete(o);
        return send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request",
                            "assignee: an account name, or null for nobody");
    }
    memset(&r->job, 0, sizeof r->job);
    r->job.op = HUBSTORE_ASSIGN;
    snprintf(r->job.actor, sizeof r->job.actor, "%s", r->actor);
    snprintf(r->job.ticket, sizeof r->job.ticket, "%.*s", HUBSTORE_TICKET_MAX, r->arg);
    if (cJSON_IsString(as)) snprintf(r->job.user, sizeof r->job.user, "%s", as->valuestring);
    cJSON_Delete(o);
    return submit(r);
}

static enum MHD_Result assign_answer(struct hreq *r)
{
    struct hubstore_job *j = &r->job;
    cJSON *o;
    enum MHD_Result ret;
    if (j->result == 404)
        return send_problem(r, 404, API_SLUG_NOT_FOUND, "Not found", "ticket unknown");
    if (j->result == 422)
        return send_problem(r, 422, "not-staff", "Cannot assign",
                            "no active handler or admin account with this name");
    if (j->result != 200) return send_problem(r, 500, API_SLUG_INTERNAL, "Internal error", "database");
    o = cJSON_CreateObject();
    if (!o) return send_kerr(r, KERR_NOMEM, NULL);
    cJSON_AddStringToObject(o, "ticket", j->ticket);
    if (j->user[0]) cJSON_AddStringToObject(o, "assignee", j->user);
    else cJSON_AddNullToObject(o, "assignee");
    ret = send_json(r, 200, o);
    cJSON_Delete(o);
    return ret;
}

/* ---- browsers: built-in files and the phone pages ------------------------- */

static enum MHD_Result send_html(struct hreq *r, int status, char *page, int retry_after)
{
    enum MHD_Result ret;
    if (!page) return send_problem(r, 500, API_SLUG_INTERNAL, "Internal error", "out of memory");
    ret = send_text(r, status, "text/html; charset=utf-8", page, retry_after, NULL);
    free(page);
    return ret;
}

static enum MHD_Result h_static(struct hreq *r)
{
    const struct hubweb_file *f = r->arg_long ? NULL : hubweb_file_find(r->arg);
    const char *inm = hdr(r, MHD_HTTP_HEADER_IF_NONE_MATCH);
    struct MHD_Response *resp;
    enum MHD_Result ret;
    int status = 200;
    if (!f) return send_problem(r, 404, API_SLUG_NOT_FOUND, "Not found", "no such file");
    if (inm && strcmp(inm, f->etag) == 0) status = 304;
    resp = MHD_create_response_from_buffer(status == 304 ? 0 : f->len, (void *)f->data,
                                           MHD_RESPMEM_PERSISTENT);
    if (!resp) return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, f->ctype);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, f->etag);
    /* ask every time (304 when unchanged): a new hub brings new files */
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(resp, "Content-Security-Policy", CSP);
    r->status = status;
    r->state = S_DONE;
    ret = MHD_queue_response(r->conn, (unsigned)status, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* GET /t/{ticket}?c=NNNNNN: the status page the receipt's QR code opens.
 * No login. Unknown ticket, missing, malformed or wrong code: one page, 404.
 * Each miss counts against the client address; past the limit every look-up
 * from it is 429 before the database is asked, so the check codes of a
 * ticket cannot be tried one by one. Hits do not count: a person may reload. */
static enum MHD_Result h_phone(struct hreq *r)
{
    const char *c = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "c");
    const char *lang_q = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "lang");
    enum hubweb_lang lang = hubweb_lang_pick(hdr(r, MHD_HTTP_HEADER_ACCEPT_LANGUAGE), lang_q);
    struct hubstore_page *pg;
    char *page = NULL;
    int retry = 0;
    enum kerr e = KERR_NOTFOUND;
    if (!hubrate_peek(r->srv->phone_misses, r->client.key, kclock_mono_ms(), &retry)) {
        hubweb_phone_busy(lang, &page);
        return send_html(r, 429, page, retry);
    }
    pg = malloc(sizeof *pg);
    if (!pg) return send_kerr(r, KERR_NOMEM, NULL);
    if (!r->arg_long && api_ticket_valid(r->arg) && c && api_check_valid(c))
        e = hubstore_ticket_page(r->srv->store, r->arg, c, pg);
    if (e == KERR_OK) hubweb_phone_page(pg, c, r->srv->labels, lang, &page);
    free(pg);
    if (e == KERR_OK) return send_html(r, 200, page, 0);
    if (e != KERR_NOTFOUND) return send_kerr(r, e, NULL);
    (void)hubrate_take(r->srv->phone_misses, r->client.key, kclock_mono_ms(), &retry);
    hubweb_phone_not_found(lang, &page);
    return send_html(r, 404, page, 0);
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
    case R_ADMIN_ASSIGN: return h_assign(r);
    case R_ADMIN_USERS:
        return strcmp(r->method, "POST") == 0 ? h_user_add(r) : h_user_list(r);
    case R_ADMIN_USER: return h_user_update(r);
    case R_ADMIN_AUDIT: return h_audit(r);
    case R_ADMIN_FACETS: return h_facets(r);
    case R_SESSION: return h_session(r);
    case R_PHONE: return h_phone(r);
    case R_STATIC: return h_static(r);
    case R_ROOT:
        snprintf(r->location, sizeof r->location, "/admin/");
        return send_text(r, 302, NULL, NULL, 0, NULL);
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
    if (r->route == R_HEALTH || r->route == R_PHONE || r->route == R_STATIC || r->route == R_ROOT)
        return false;
    if (!auth_allowed(r, &retry)) {
        *ret = send_problem_ex(r, 429, API_SLUG_RATE_LIMITED, "Too many requests",
                               "too many failed authentications from this address", retry, NULL);
        return true;
    }
    if (r->route == R_SESSION && strcmp(r->method, "POST") == 0) {
        /* a login: no credentials yet, but only from the hub's own pages */
        if (!same_origin(r)) {
            *ret = send_problem(r, 403, API_SLUG_FORBIDDEN, "Forbidden", "cross-site request");
            return true;
        }
        goto size;
    }
    if ((is_admin_route(r->route) || r->route == R_SESSION) &&
        !hdr(r, MHD_HTTP_HEADER_AUTHORIZATION)) {
        /* the web console: a session cookie, its role, and on every change
         * its CSRF token, from the hub's own origin, as JSON */
        char token[HUBSESS_TOKEN_LEN + 1];
        if (!hubsess_cookie_token(hdr(r, MHD_HTTP_HEADER_COOKIE), token) ||
            !hubsess_find(r->srv->sessions, token, kclock_mono_ms(), &r->staff)) {
            *ret = send_problem(r, 401, API_SLUG_UNAUTHORIZED, "Unauthorized",
                                "not logged in, or the session expired");
            return true;
        }
        memset(token, 0, sizeof token);
        r->who = WHO_STAFF;
        r->rank = role_rank(r->staff.role);
        snprintf(r->actor, sizeof r->actor, "%s", r->staff.user);
        if (strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0) {
            const char *ct = hdr(r, MHD_HTTP_HEADER_CONTENT_TYPE);
            if (!same_origin(r) || !hubsess_csrf_ok(&r->staff, hdr(r, "X-CSRF-Token")) ||
                (route_has_body(r) && (!ct || strncasecmp(ct, API_CT_JSON, strlen(API_CT_JSON)) != 0))) {
                *ret = send_problem(r, 403, "csrf", "Forbidden",
                                    "a change needs the page's CSRF token, from the hub's own "
                                    "pages, as application/json");
                return true;
            }
        }
        if (r->route != R_SESSION && r->rank < route_rank(r->route, r->method)) {
            *ret = send_problem(r, 403, API_SLUG_FORBIDDEN, "Forbidden",
                                "the role of this account may not do this");
            return true;
        }
        goto size;
    }
    r->who = authenticate(r, &revoked);
    {
        bool admin_route = is_admin_route(r->route) || r->route == R_SESSION;
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
        if (r->who == WHO_ADMIN) {
            r->rank = 3;
            snprintf(r->actor, sizeof r->actor, "admin");
        }
    }
    if (r->who == WHO_KIOSK &&
        !hubrate_take(r->srv->rate, r->kiosk, kclock_mono_ms(), &retry)) {
        *ret = send_problem_ex(r, 429, API_SLUG_RATE_LIMITED, "Too many requests",
                               "per-kiosk rate limit", retry, NULL);
        return true;
    }
size:
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
             r->who == WHO_ADMIN ? "admin" : r->who == WHO_STAFF ? "staff" : r->kiosk[0] ? r->kiosk : "-",
             hreq_client_addr(r),
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
    {
        double misses = cfg->phone_misses_per_min ? cfg->phone_misses_per_min
                                                  : HUBSRV_PHONE_MISSES_PER_MIN;
        s->phone_misses = hubrate_new(misses / 60.0, misses);
    }
    s->sessions = hubsess_new(1000ull * (cfg->session_idle_s ? cfg->session_idle_s : 1800),
                              1000ull * (cfg->session_max_s ? cfg->session_max_s : 43200));
    s->secure_cookies = cfg->secure_cookies;
    s->lock_after = cfg->login_lock_after ? cfg->login_lock_after : 5;
    s->lock_s = cfg->login_lock_s ? cfg->login_lock_s : 900;
    res = KERR_NOMEM;
    if (!s->rate || !s->auth_fails || !s->lookups || !s->phone_misses || !s->sessions) goto fail;
    {
        /* unknown names are checked against this, so they take as long */
        char pw[HUBPW_GEN_LEN + 1];
        res = hubpw_generate(pw);
        if (res == KERR_OK) res = hubpw_hash(pw, strlen(pw), s->dummy_hash, sizeof s->dummy_hash);
        if (res != KERR_OK) goto fail;
    }
    if (cfg->content_path) {
        res = hubweb_labels_load(cfg->content_path, &s->labels);
        if (res != KERR_OK) {
            KLOGE("hub", "content file %s: %s", cfg->content_path, kerr_str(res));
            res = KERR_USAGE;
            goto fail;
        }
    }
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
    hubrate_free(s->phone_misses);
    hubsess_free(s->sessions);
    cJSON_Delete(s->labels);
    free(s);
}
