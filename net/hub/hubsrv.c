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
#include "hubrate.h"
#include "hubsess.h"
#include "hubstore.h"
#include "hubstore_content.h"
#include "kclock.h"
#include "klog.h"
#include "utf8.h"

#include "hubsrv_booking.h"
#include "hubsrv_impl.h"

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
    "/api/v1/content/manifest",
    "/api/v1/content/bundles/{version}",
    "/api/v1/admin/content",
    "/api/v1/admin/content/status",
    "/api/v1/rooms/{id}/availability",
    "/api/v1/bookings",
    "/api/v1/bookings/{code}/check-in",
    "/api/v1/bookings/{code}/cancel",
    "/api/v1/admin/bookings",
    "/api/v1/admin/bookings/{code}",
    "/api/v1/admin/bookings/{code}/cancel",
    "/api/v1/kiosks/{id}/events",
    "/api/v1/kiosks/{id}/screenshots/{sid}",
    "/api/v1/admin/alerts",
    "/api/v1/admin/alerts/{id}",
    "/api/v1/admin/kiosks/{id}/screenshot",
    "/api/v1/admin/kiosks/{id}/screenshot/{sid}",
};
/* ---- helpers -------------------------------------------------------------- */

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

enum MHD_Result hubsrv_send_text(struct hreq *r, int status, const char *ctype, const char *text,
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
    /* stopping: a kept-alive connection (a proxy's) is closed after this answer */
    if (atomic_load(&r->srv->stopping))
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    r->status = status;
    r->state = S_DONE;
    ret = MHD_queue_response(r->conn, (unsigned)status, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* Every problem answered to POST /api/v1/requests names the request by its
 * Idempotency-Key when it had a valid one (instance "urn:uuid:<key>"): only
 * such an answer may make a kiosk give up an item (api_problem_is_hubs_answer). */
enum MHD_Result hubsrv_send_problem_ex(struct hreq *r, int status, const char *slug,
                                       const char *title, const char *detail, int retry_after,
                                       const char *allow)
{
    struct api_problem p;
    char *txt = NULL;
    enum MHD_Result ret;
    const char *key = r->route == R_REQUESTS || r->route == R_BOOKINGS
                          ? MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Idempotency-Key")
                          : NULL;
    enum kerr e = api_problem_make(&p, slug, status, title, detail ? detail : "");
    if (e == KERR_OK && key && api_uuid_v4_valid(key))
        snprintf(p.instance, sizeof p.instance, "%s%s", API_PROBLEM_INSTANCE_KEY, key);
    if (e != KERR_OK || api_problem_encode(&p, &txt) != KERR_OK) {
        return hubsrv_send_text(r, status, API_CT_PROBLEM, "{}", retry_after, allow);
    }
    ret = hubsrv_send_text(r, status, API_CT_PROBLEM, txt, retry_after, allow);
    free(txt);
    return ret;
}

enum MHD_Result hubsrv_send_problem(struct hreq *r, int status, const char *slug,
                                    const char *title, const char *detail)
{
    return hubsrv_send_problem_ex(r, status, slug, title, detail, 0, NULL);
}

enum MHD_Result hubsrv_send_json(struct hreq *r, int status, cJSON *o)
{
    char *txt = cJSON_PrintUnformatted(o);
    enum MHD_Result ret;
    if (!txt) return hubsrv_send_problem(r, 500, API_SLUG_INTERNAL, "Internal error", "out of memory");
    ret = hubsrv_send_text(r, status, API_CT_JSON, txt, 0, NULL);
    free(txt);
    return ret;
}

enum MHD_Result hubsrv_send_kerr(struct hreq *r, enum kerr e, const char *what)
{
    switch (e) {
    case KERR_NOTFOUND: return hubsrv_send_problem(r, 404, API_SLUG_NOT_FOUND, "Not found", what);
    case KERR_FULL:
    case KERR_BUSY:
        return hubsrv_send_problem_ex(r, 503, "unavailable", "Busy, try again", kerr_str(e), 1, NULL);
    default: return hubsrv_send_problem(r, 500, API_SLUG_INTERNAL, "Internal error", kerr_str(e));
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
    if ((rt = hubsrv_fleet_route(url, arg, arg_long)) != R_NONE) return rt;
    if (strcmp(url, "/api/v1/requests") == 0) return R_REQUESTS;
    if (strcmp(url, "/api/v1/admin/kiosks") == 0) return R_ADMIN_KIOSKS;
    if (strcmp(url, "/api/v1/admin/requests") == 0) return R_ADMIN_REQUESTS;
    if (strcmp(url, "/api/v1/health") == 0) return R_HEALTH;
    if (strcmp(url, "/api/v1/admin/users") == 0) return R_ADMIN_USERS;
    if (strcmp(url, "/api/v1/admin/audit") == 0) return R_ADMIN_AUDIT;
    if (strcmp(url, "/api/v1/admin/facets") == 0) return R_ADMIN_FACETS;
    if (strcmp(url, "/api/v1/admin/session") == 0) return R_SESSION;
    if (strcmp(url, "/") == 0 || strcmp(url, "/admin") == 0) return R_ROOT;
    if (strcmp(url, "/api/v1/content/manifest") == 0) return R_CONTENT_MANIFEST;
    if (strcmp(url, "/api/v1/admin/content") == 0) return R_ADMIN_CONTENT;
    if (strcmp(url, "/api/v1/admin/content/status") == 0) return R_ADMIN_CONTENT_STATUS;
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
    } else if (strncmp(url, "/api/v1/content/bundles/", 24) == 0) {
        p = url + 24;
        m = strlen(p);
        rt = R_CONTENT_BUNDLE;
    } else if (strncmp(url, phone, sizeof phone - 1) == 0) {
        p = url + sizeof phone - 1;
        m = strlen(p);
        rt = R_PHONE;
    } else if ((rt = hubsrv_booking_route(url, &p, &m)) == R_NONE) {
        return R_NONE;
    } else if (rt == R_BOOKINGS || rt == R_ADMIN_BOOKINGS) {
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

static const char *route_methods(enum route rt)
{
    switch (rt) {
    case R_REQUESTS:
    case R_HEARTBEAT:
    case R_ADMIN_ASSIGN:
    case R_ADMIN_STATUS:
    case R_BOOKINGS:
    case R_BOOKING_CHECKIN:
    case R_BOOKING_CANCEL:
    case R_ADMIN_BOOKING_CANCEL: return "POST";
    case R_ADMIN_USERS:
    case R_ADMIN_CONTENT:
    case R_ADMIN_KIOSKS: return "GET, POST";
    case R_ADMIN_KIOSK: return "DELETE";
    case R_ADMIN_USER: return "PATCH";
    case R_SESSION: return "GET, POST, DELETE";
    case R_PHONE:
    case R_STATIC:
    case R_ROOT: return "GET, HEAD";
    default: return hubsrv_fleet_methods(rt);
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

/* The largest body of r's route: a content bundle upload, a screenshot
 * upload, or a JSON body. */
static size_t body_max(const struct hreq *r)
{
    return r->route == R_ADMIN_CONTENT ? HUBCONTENT_BODY_MAX
           : r->route == R_SHOT_PUT    ? API_SHOT_MAX
                                       : API_BODY_MAX;
}

static bool is_admin_route(enum route rt)
{
    return (rt >= R_ADMIN_KIOSKS && rt <= R_ADMIN_STATUS) ||
           (rt >= R_ADMIN_ASSIGN && rt <= R_ADMIN_FACETS) || rt == R_ADMIN_CONTENT ||
           rt == R_ADMIN_CONTENT_STATUS ||
           (rt >= R_ADMIN_BOOKINGS && rt <= R_ADMIN_BOOKING_CANCEL) || hubsrv_fleet_is_admin(rt);
}

int hubsrv_role_rank(const char *role)
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
    case R_ADMIN_ASSIGN:
    case R_ADMIN_BOOKING_CANCEL: return 2;
    case R_ADMIN_KIOSKS:
    case R_ADMIN_CONTENT: return strcmp(method, "GET") == 0 ? 1 : 3;
    case R_ADMIN_KIOSK:
    case R_ADMIN_USERS:
    case R_ADMIN_USER:
    case R_ADMIN_AUDIT: return 3;
    default: return hubsrv_fleet_rank(rt, method);
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
void hubsrv_login_failed(const struct hreq *r)
{
    int retry;
    if (r->srv->auth_fails)
        (void)hubrate_take(r->srv->auth_fails, r->client.key, kclock_mono_ms(), &retry);
}

static enum MHD_Result dispatch(struct hreq *r)
{
    switch (r->route) {
    case R_REQUESTS: return hubsrv_request_post(r);
    case R_TICKET: return hubsrv_ticket_get(r);
    case R_HEARTBEAT: return hubsrv_heartbeat(r);
    case R_ADMIN_KIOSKS:
        return strcmp(r->method, "POST") == 0 ? hubsrv_admin_kiosk_add(r) : hubsrv_fleet_kiosk_list(r);
    case R_ADMIN_KIOSK: return hubsrv_admin_kiosk_revoke(r);
    case R_ADMIN_REQUESTS: return hubsrv_admin_request_list(r);
    case R_ADMIN_REQUEST: return hubsrv_admin_request_get(r);
    case R_ADMIN_STATUS: return hubsrv_admin_status(r);
    case R_HEALTH: return hubsrv_send_text(r, 200, API_CT_JSON, "{\"ok\":true}", 0, NULL);
    case R_ADMIN_ASSIGN: return hubsrv_assign(r);
    case R_ADMIN_USERS:
        return strcmp(r->method, "POST") == 0 ? hubsrv_user_add(r) : hubsrv_user_list(r);
    case R_ADMIN_USER: return hubsrv_user_update(r);
    case R_ADMIN_AUDIT: return hubsrv_audit(r);
    case R_ADMIN_FACETS: return hubsrv_facets(r);
    case R_SESSION: return hubsrv_session(r);
    case R_PHONE: return hubsrv_phone(r);
    case R_STATIC: return hubsrv_static(r);
    case R_CONTENT_MANIFEST: return hubsrv_content_manifest(r);
    case R_CONTENT_BUNDLE: return hubsrv_content_bundle(r);
    case R_ADMIN_CONTENT: return hubsrv_admin_content(r, false);
    case R_ADMIN_CONTENT_STATUS: return hubsrv_admin_content(r, true);
    case R_ROOT:
        snprintf(r->location, sizeof r->location, "/admin/");
        return hubsrv_send_text(r, 302, NULL, NULL, 0, NULL);
    case R_ROOM_AVAIL:
    case R_BOOKINGS:
    case R_BOOKING_CHECKIN:
    case R_BOOKING_CANCEL:
    case R_ADMIN_BOOKINGS:
    case R_ADMIN_BOOKING:
    case R_ADMIN_BOOKING_CANCEL: return hubsrv_booking_dispatch(r);
    case R_EVENTS: return hubsrv_fleet_events(r);
    case R_SHOT_PUT: return hubsrv_fleet_shot_put(r);
    case R_ADMIN_ALERTS:
    case R_ADMIN_ALERT: return hubsrv_fleet_alerts(r);
    case R_ADMIN_SHOT: return hubsrv_fleet_shot_ask(r);
    case R_ADMIN_SHOT_GET: return hubsrv_fleet_shot_get(r);
    case R_NONE: break;
    }
    return hubsrv_send_problem(r, 404, API_SLUG_NOT_FOUND, "Not found", "no such endpoint");
}

/* First call for a request: route, method, auth, rate limit, size. Returns
 * true when an answer was already queued. */
static bool on_headers(struct hreq *r, enum MHD_Result *ret)
{
    bool revoked;
    const char *cl;
    int retry = 0;
    if (r->route == R_NONE) {
        *ret = hubsrv_send_problem(r, 404, API_SLUG_NOT_FOUND, "Not found", "no such endpoint");
        return true;
    }
    if (!method_ok(r->route, r->method)) {
        *ret = hubsrv_send_problem_ex(r, 405, "method-not-allowed", "Method not allowed", NULL, 0,
                               route_methods(r->route));
        return true;
    }
    if (r->route == R_HEALTH || r->route == R_PHONE || r->route == R_STATIC || r->route == R_ROOT)
        return false;
    if (!auth_allowed(r, &retry)) {
        *ret = hubsrv_send_problem_ex(r, 429, API_SLUG_RATE_LIMITED, "Too many requests",
                               "too many failed authentications from this address", retry, NULL);
        return true;
    }
    if (r->route == R_SESSION && strcmp(r->method, "POST") == 0) {
        /* a login: no credentials yet, but only from the hub's own pages */
        if (!hubsrv_same_origin(r)) {
            *ret = hubsrv_send_problem(r, 403, API_SLUG_FORBIDDEN, "Forbidden", "cross-site request");
            return true;
        }
        goto size;
    }
    if ((is_admin_route(r->route) || r->route == R_SESSION) &&
        !hubsrv_hdr(r, MHD_HTTP_HEADER_AUTHORIZATION)) {
        /* the web console: a session cookie, its role, and on every change
         * its CSRF token, from the hub's own origin, as JSON */
        char token[HUBSESS_TOKEN_LEN + 1];
        if (!hubsess_cookie_token(hubsrv_hdr(r, MHD_HTTP_HEADER_COOKIE), token) ||
            !hubsess_find(r->srv->sessions, token, kclock_mono_ms(), &r->staff)) {
            *ret = hubsrv_send_problem(r, 401, API_SLUG_UNAUTHORIZED, "Unauthorized",
                                "not logged in, or the session expired");
            return true;
        }
        memset(token, 0, sizeof token);
        r->who = WHO_STAFF;
        r->rank = hubsrv_role_rank(r->staff.role);
        snprintf(r->actor, sizeof r->actor, "%s", r->staff.user);
        if (strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0) {
            const char *ct = hubsrv_hdr(r, MHD_HTTP_HEADER_CONTENT_TYPE);
            if (!hubsrv_same_origin(r) || !hubsess_csrf_ok(&r->staff, hubsrv_hdr(r, "X-CSRF-Token")) ||
                (route_has_body(r) && (!ct || strncasecmp(ct, API_CT_JSON, strlen(API_CT_JSON)) != 0))) {
                *ret = hubsrv_send_problem(r, 403, "csrf", "Forbidden",
                                    "a change needs the page's CSRF token, from the hub's own "
                                    "pages, as application/json");
                return true;
            }
        }
        if (r->route != R_SESSION && r->rank < route_rank(r->route, r->method)) {
            *ret = hubsrv_send_problem(r, 403, API_SLUG_FORBIDDEN, "Forbidden",
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
                *ret = hubsrv_send_problem(r, 403, API_SLUG_FORBIDDEN, "Forbidden",
                                    "this endpoint needs the admin token");
            } else {
                if (r->who == WHO_NONE) auth_failed(r);
                *ret = hubsrv_send_problem(r, 401, API_SLUG_UNAUTHORIZED, "Unauthorized",
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
        *ret = hubsrv_send_problem_ex(r, 429, API_SLUG_RATE_LIMITED, "Too many requests",
                               "per-kiosk rate limit", retry, NULL);
        return true;
    }
size:
    cl = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (cl && strtoull(cl, NULL, 10) > body_max(r)) {
        *ret = hubsrv_send_problem(r, 413, API_SLUG_TOO_LARGE, "Body too large", "at most 16384 bytes");
        return true;
    }
    return false;
}

enum MHD_Result hubsrv_on_access(void *cls, struct MHD_Connection *conn, const char *url,
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
        atomic_fetch_add(&srv->active, 1);
        r->srv = srv;
        r->conn = conn;
        r->t0 = kclock_mono_ms();
        snprintf(r->method, sizeof r->method, "%s", method);
        r->route = utf8_valid(url, strlen(url)) ? route_match(url, r->arg, &r->arg_long) : R_NONE;
        if (!hubconn_request_begin(srv->conn, conn, &r->client))
            return hubsrv_send_problem_ex(r, 429, API_SLUG_RATE_LIMITED, "Too many requests",
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
        if (!route_has_body(r) || r->len + *upload_size > body_max(r)) {
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
    if (r->state == S_READY) return hubsrv_finish_job(r);
    if (r->state == S_WOKEN) return hubsrv_fleet_resumed(r);
    if (r->state == S_WAIT || r->state == S_HELD) return MHD_YES; /* spurious call while suspended */
    if (r->too_big) {
        if (!route_has_body(r))
            return hubsrv_send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request", "unexpected body");
        return hubsrv_send_problem(r, 413, API_SLUG_TOO_LARGE, "Body too large", "at most 16384 bytes");
    }
    hubconn_request_received(srv->conn, conn);
    return dispatch(r);
}

void hubsrv_on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
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
    cJSON_Delete(r->hb_answer);
    free(r->ext);
    free(r);
    *con_cls = NULL;
    atomic_fetch_sub(&srv->active, 1);
}
