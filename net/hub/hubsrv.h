/* hubsrv: the hub's HTTP service (libmicrohttpd, epoll, one thread per core)
 * implementing net/api/openapi.yaml and net/api/admin.openapi.yaml on top of
 * hubstore. Writes are suspended connections resumed by the store's writer
 * after its group commit. One log line per request: method, path template,
 * status, milliseconds, kiosk id, client address (hubconn: behind a trusted
 * proxy the forwarded one); never a body field. The caller owns the
 * server: start and stop it from one thread (main); MHD runs its own. */
#ifndef HUBSRV_H
#define HUBSRV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kerr.h"

struct hubsrv;

struct hubsrv_config {
    const char *listen;     /* "127.0.0.1:8080", "[::1]:8080"; port 0 picks a free one */
    const char *db_path;    /* SQLite file, created if missing, or a PostgreSQL URL */
    const char *state_dir;  /* NULL: the files beside db_path (SQLite); else the folder of
                               hub.content/ and hub.alerts.json (required for PostgreSQL) */
    uint8_t admin_hash[32]; /* SHA-256 of the admin token (hubauth_admin_load) */
    double rate;            /* kiosk requests per second per kiosk (token bucket) */
    double burst;           /* bucket size */
    unsigned threads;       /* MHD worker threads; 0 = one per core */
    unsigned max_conns;     /* simultaneous connections; 0 = HUBSRV_MAX_CONNS */
    bool log_requests;      /* one line per request on stderr */
    /* connection-level defences (hubconn) */
    unsigned max_conns_per_ip;   /* per client address; 0 = HUBSRV_MAX_CONNS_PER_IP */
    unsigned head_timeout_s;     /* whole request head; 0 = HUBSRV_HEAD_TIMEOUT_S */
    unsigned body_timeout_s;     /* whole body after the head; 0 = HUBSRV_BODY_TIMEOUT_S */
    unsigned auth_fails_per_min; /* per client address, then 429; 0 = HUBSRV_AUTH_FAILS_PER_MIN */
    const char *const *trusted_proxies; /* addresses or CIDRs whose X-Forwarded-For counts */
    size_t n_trusted_proxies;
    int retention_days;     /* personal fields of closed requests kept; 0 = 30 */
    unsigned sweep_every_s; /* the retention sweep's interval; 0 = 3600 */
    /* the web console (hubsess, hubpw) and the phone pages (hubweb) */
    unsigned session_idle_s;   /* a session ends this long after its last use; 0 = 1800 */
    unsigned session_max_s;    /* and at the latest this long after login; 0 = 43200 */
    unsigned login_lock_after; /* failed logins in a row that lock an account; 0 = 5 */
    unsigned login_lock_s;     /* for how long; 0 = 900 */
    bool secure_cookies;       /* always mark the session cookie Secure (else: only when a
                                  trusted proxy says X-Forwarded-Proto: https) */
    const char *content_path;  /* a content.json for category and tower names; NULL: ids */
    unsigned phone_misses_per_min; /* phone-page look-ups that find nothing, per client
                                      address, then 429; 0 = HUBSRV_PHONE_MISSES_PER_MIN */
    unsigned stale_after_s;    /* kiosk list: a last heartbeat older than this is stale;
                                  0 = HUBSRV_STALE_AFTER_S (alerts: <db>.alerts.json) */
};

#define HUBSRV_MAX_CONNS 512          /* ~100 kiosks x 3 + admins, doubled */
#define HUBSRV_MAX_CONNS_PER_IP 32
#define HUBSRV_HEAD_TIMEOUT_S 10
#define HUBSRV_BODY_TIMEOUT_S 20
#define HUBSRV_AUTH_FAILS_PER_MIN 10
#define HUBSRV_PHONE_MISSES_PER_MIN 20
#define HUBSRV_STALE_AFTER_S 180      /* three heartbeats of 60 s */

/* Opens the store and starts listening. On failure returns KERR_USAGE (bad
 * listen address or trusted proxy, unreadable content file), KERR_DB/KERR_IO (database), KERR_NET
 * (cannot bind) or KERR_NOMEM, and *out is NULL. */
enum kerr hubsrv_start(const struct hubsrv_config *cfg, struct hubsrv **out);

/* The TCP port actually bound (useful with port 0). */
uint16_t hubsrv_port(const struct hubsrv *s);

/* Drains, then stops: stops listening (connections already accepted are
 * served, new ones refused), answers held event polls, serves requests on
 * open connections (writes too) with Connection: close until none has been
 * in progress for 200 ms (at most 10 s), lets every queued write commit and
 * be answered, stops the HTTP threads and closes the store. Called once,
 * from the thread that started it. NULL is a no-op. */
void hubsrv_stop(struct hubsrv *s);

/* Parses "host:port" / "[v6]:port" into the sockaddr storage ss (at least
 * sizeof(struct sockaddr_in6) bytes). KERR_USAGE when it is not one. */
enum kerr hubsrv_parse_listen(const char *listen, void *ss, unsigned *sslen);

/* Highest nesting of [ and { in json[0..len), strings skipped; stops counting
 * (returns limit + 1) once it passes limit. Cheap guard before parsing. */
int hubsrv_json_depth(const char *json, size_t len, int limit);

#endif
