/* hubsrv_impl: what the files of the hub's HTTP server share and nothing else
 * sees: struct hubsrv, struct hreq (one request's state) and the internal
 * calls between the files. hubsrv.c owns the daemon (start, stop), routing,
 * authentication, each request's state and the send_* answers;
 * hubsrv_kiosk.c checks JSON bodies, submits the store's writes and answers
 * them, and serves the kiosk API (requests, heartbeats, tickets), the
 * built-in files and the phone pages; hubsrv_admin.c serves /api/v1/admin/...
 * and the staff console's sessions, users, facets, assignment and audit.
 * Include it only from net/hub/hubsrv*.c. Every call here runs on the
 * daemon's thread for a request it is answering, like the handlers did when
 * they were one file. */
#ifndef HUBSRV_IMPL_H
#define HUBSRV_IMPL_H

#include <cjson/cJSON.h>
#include <microhttpd.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api.h"
#include "hubauth.h"
#include "hubbook.h"
#include "hubconn.h"
#include "hubfleet.h"
#include "hubpw.h"
#include "hubrate.h"
#include "hubsess.h"
#include "hubsrv.h"
#include "hubstore.h"
#include "kerr.h"

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
    struct hubbook_rooms *rooms;  /* bookable nursing rooms (hubbook_rooms_load) or NULL */
    char dummy_hash[HUBPW_HASH_SIZE]; /* verified for unknown names: same time as a real one */
    bool secure_cookies;
    unsigned lock_after, lock_s;
    uint8_t admin_hash[32];
    bool log_requests;
    uint16_t port;
    struct hubcontent *content;   /* signed content releases (hubstore_content.h) */
    atomic_int inflight; /* jobs submitted (and polls held) whose connection is not yet resumed */
    struct hubfleet *fleet;    /* alerts, towers, held event polls, screenshots (hubsrv_fleet.c) */
    unsigned stale_after_s;    /* a kiosk's last heartbeat older than this: stale */
    atomic_bool stopping;
    atomic_int active;   /* requests begun and not yet completed (the SIGTERM drain waits) */
    atomic_bool closing; /* the drain is over: a write is refused (503), never suspended */
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
    R_CONTENT_MANIFEST,     /* GET /api/v1/content/manifest (kiosk) */
    R_CONTENT_BUNDLE,       /* GET /api/v1/content/bundles/{version} (kiosk) */
    R_ADMIN_CONTENT,        /* GET, POST /api/v1/admin/content */
    R_ADMIN_CONTENT_STATUS, /* GET /api/v1/admin/content/status */
    /* nursing-room bookings (hubsrv_booking.c) */
    R_ROOM_AVAIL,      /* GET /api/v1/rooms/{id}/availability */
    R_BOOKINGS,        /* POST /api/v1/bookings */
    R_BOOKING_CHECKIN, /* POST /api/v1/bookings/{code}/check-in */
    R_BOOKING_CANCEL,  /* POST /api/v1/bookings/{code}/cancel */
    R_ADMIN_BOOKINGS,  /* GET /api/v1/admin/bookings */
    R_ADMIN_BOOKING,   /* GET /api/v1/admin/bookings/{code} */
    R_ADMIN_BOOKING_CANCEL, /* POST /api/v1/admin/bookings/{code}/cancel */
    /* hubsrv_fleet.c */
    R_EVENTS,          /* GET /api/v1/kiosks/{id}/events?since=N&tower=T (long-poll) */
    R_SHOT_PUT,        /* POST /api/v1/kiosks/{id}/screenshots/{sid} */
    R_ADMIN_ALERTS,    /* GET, POST, DELETE /api/v1/admin/alerts */
    R_ADMIN_ALERT,     /* DELETE /api/v1/admin/alerts/{id} */
    R_ADMIN_SHOT,      /* POST /api/v1/admin/kiosks/{id}/screenshot */
    R_ADMIN_SHOT_GET,  /* GET /api/v1/admin/kiosks/{id}/screenshot/{sid} */
};

enum who { WHO_NONE, WHO_KIOSK, WHO_ADMIN, WHO_STAFF };
enum rstate { S_NEW, S_BODY, S_WAIT, S_READY, S_DONE, S_HELD, S_WOKEN /* an event poll */ };

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
    cJSON *hb_answer;                  /* the heartbeat's answer, one member per feature */
    void *ext; /* a feature's state for its job (a booking's), freed with r */
    struct hubfleet_waiter wait; /* R_EVENTS while held */
};

/* The client address of r for log lines ("-" when unknown): the TCP peer, or
 * behind a trusted proxy the forwarded one. Request handlers use this, never
 * the socket's peer or X-Forwarded-For themselves. */
static inline const char *hreq_client_addr(const struct hreq *r)
{
    return r->client.addr[0] ? r->client.addr : "-";
}

/* ---- hubsrv.c ------------------------------------------------------------ */

/* Answers r: a body text of type ctype (either may be NULL), with
 * Retry-After when retry_after > 0 and Allow when allow is not NULL, plus the
 * headers every answer carries. send_problem* answer an RFC 9457 problem,
 * send_json a cJSON object (not freed), send_kerr the status that fits e. */
enum MHD_Result hubsrv_send_text(struct hreq *r, int status, const char *ctype, const char *text,
                                 int retry_after, const char *allow);
enum MHD_Result hubsrv_send_problem_ex(struct hreq *r, int status, const char *slug,
                                       const char *title, const char *detail, int retry_after,
                                       const char *allow);
enum MHD_Result hubsrv_send_problem(struct hreq *r, int status, const char *slug,
                                    const char *title, const char *detail);
enum MHD_Result hubsrv_send_json(struct hreq *r, int status, cJSON *o);
enum MHD_Result hubsrv_send_kerr(struct hreq *r, enum kerr e, const char *what);
int hubsrv_role_rank(const char *role);
void hubsrv_login_failed(const struct hreq *r);

/* libmicrohttpd's callbacks (hubsrv.c), given to it by hubsrv_start
 * (hubsrv_life.c): a request's parts as they come, and its end. */
enum MHD_Result hubsrv_on_access(void *cls, struct MHD_Connection *conn, const char *url,
                                 const char *method, const char *version, const char *upload,
                                 size_t *upload_size, void **con_cls);
void hubsrv_on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode why);

/* ---- hubsrv_kiosk.c ------------------------------------------------------ */

/* body_guard: the checks every JSON body passes before a decoder sees it
 * (*ok false: an answer was queued). submit: hands r->job to the store's
 * writer and suspends the connection until it is done; finish_job answers
 * the job once it is. The others answer their routes (see enum route). */
enum MHD_Result hubsrv_submit(struct hreq *r);
enum MHD_Result hubsrv_finish_job(struct hreq *r);
enum MHD_Result hubsrv_body_guard(struct hreq *r, bool *ok);
enum MHD_Result hubsrv_request_post(struct hreq *r);
enum MHD_Result hubsrv_heartbeat(struct hreq *r);
enum MHD_Result hubsrv_ticket_get(struct hreq *r);
enum MHD_Result hubsrv_static(struct hreq *r);
enum MHD_Result hubsrv_phone(struct hreq *r);

/* ---- hubsrv_admin.c ------------------------------------------------------ */

/* hdr: a request header or NULL; same_origin: whether a browser's write
 * came from the hub's own pages; login_answer, user_answer, assign_answer:
 * the answers to those store jobs (see finish_job). The others answer their
 * routes (see enum route). */
enum MHD_Result hubsrv_admin_kiosk_add(struct hreq *r);
enum MHD_Result hubsrv_admin_kiosk_revoke(struct hreq *r);
enum MHD_Result hubsrv_admin_request_list(struct hreq *r);
enum MHD_Result hubsrv_admin_request_get(struct hreq *r);
enum MHD_Result hubsrv_admin_status(struct hreq *r);
const char *hubsrv_hdr(const struct hreq *r, const char *name);
bool hubsrv_same_origin(const struct hreq *r);
enum MHD_Result hubsrv_login_answer(struct hreq *r);
enum MHD_Result hubsrv_session(struct hreq *r);
enum MHD_Result hubsrv_user_add(struct hreq *r);
enum MHD_Result hubsrv_user_update(struct hreq *r);
enum MHD_Result hubsrv_user_answer(struct hreq *r);
enum MHD_Result hubsrv_user_list(struct hreq *r);
enum MHD_Result hubsrv_audit(struct hreq *r);
enum MHD_Result hubsrv_facets(struct hreq *r);
enum MHD_Result hubsrv_assign(struct hreq *r);
enum MHD_Result hubsrv_assign_answer(struct hreq *r);

/* ---- hubsrv_content.c ---------------------------------------------------- */

/* content_heartbeat adds the "content" member to r->hb_answer (creating it)
 * and records the kiosk's content state; the others answer their routes. */
void hubsrv_content_heartbeat(struct hreq *r, const struct api_heartbeat *hb);
/* Sends the heartbeat's answer: 200 with r->hb_answer, the object to which
 * each feature added its member ({} when none has anything to say); 204
 * only when out of memory. */
enum MHD_Result hubsrv_heartbeat_answer(struct hreq *r);
enum MHD_Result hubsrv_content_manifest(struct hreq *r);
enum MHD_Result hubsrv_content_bundle(struct hreq *r);
enum MHD_Result hubsrv_admin_content(struct hreq *r, bool status);
/* ---- hubsrv_fleet.c ------------------------------------------------------ */

/* route: the fleet's routes of url (R_NONE when none), arg as route_match;
 * is_admin, methods, rank: as hubsrv.c asks of every route. The others
 * answer their routes; resumed answers an event poll that was held. */
enum route hubsrv_fleet_route(const char *url, char *arg, bool *arg_long);
bool hubsrv_fleet_is_admin(enum route rt);
const char *hubsrv_fleet_methods(enum route rt);
int hubsrv_fleet_rank(enum route rt, const char *method);
enum MHD_Result hubsrv_fleet_events(struct hreq *r);
enum MHD_Result hubsrv_fleet_resumed(struct hreq *r);
enum MHD_Result hubsrv_fleet_shot_put(struct hreq *r);
enum MHD_Result hubsrv_fleet_shot_ask(struct hreq *r);
enum MHD_Result hubsrv_fleet_shot_get(struct hreq *r);
enum MHD_Result hubsrv_fleet_alerts(struct hreq *r);
/* The fleet's screenshots kept in the store shared by several hubs
 * (hubfleet_use_shots); at start, only when hubstore_shared. */
void hubsrv_fleet_use_store(struct hubsrv *s);
enum MHD_Result hubsrv_fleet_kiosk_list(struct hreq *r);

#endif
