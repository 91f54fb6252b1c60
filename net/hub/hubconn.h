/* hubconn: the hub's connection-level defences, between libmicrohttpd's
 * accept and the request handlers (issue 10 item 5: slow clients). It
 *  - refuses a client address's connections beyond max_per_ip (accept policy
 *    callback, made exact at the connection-started notification);
 *  - closes a connection whose request head is not complete head_ms after it
 *    opened (or after the previous answer, on a kept-alive one), or whose
 *    body is not complete body_ms after its head. libmicrohttpd's own
 *    timeout is an idle timeout that each trickled byte resets; these are
 *    deadlines. A reaper thread owned by the hubconn shuts late sockets down
 *    with shutdown(2) and libmicrohttpd closes them through its own path;
 *  - tells the handlers who the client is: the TCP peer, or, when the peer is
 *    a trusted proxy, the rightmost X-Forwarded-For entry that is not itself
 *    a trusted proxy. Behind a proxy every connection is the proxy's, so the
 *    per-address limit then counts requests in flight per forwarded address.
 * Limits key IPv4 per address and IPv6 per /64 (one site's share). Refusals
 * and cuts are logged by the reaper, at most one line per kind per second.
 * The server owns the hubconn; its callbacks run on libmicrohttpd's threads
 * and everything is under one mutex. */
#ifndef HUBCONN_H
#define HUBCONN_H

#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "kerr.h"

#define HUBCONN_ADDR_SIZE 48 /* an address or an address key as text, with NUL */

struct hubconn;

struct hubconn_config {
    unsigned max_per_ip;        /* connections (or proxied requests) per address; 0 = no limit */
    unsigned head_ms;           /* deadline of a request head; 0 = none */
    unsigned body_ms;           /* deadline of a request body after its head; 0 = none */
    const char *const *trusted; /* proxies: "10.0.0.1", "::1", "10.0.0.0/8", "fd00::/8" */
    size_t ntrusted;
};

/* Who sent a request: addr for log lines, key for per-address limits (the
 * address itself for IPv4, "prefix::/64" for IPv6). */
struct hubconn_client {
    char addr[HUBCONN_ADDR_SIZE];
    char key[HUBCONN_ADDR_SIZE];
    bool via_proxy; /* the TCP peer is a trusted proxy (its X-Forwarded-* headers count) */
};

/* True when s is an IPv4 or IPv6 literal, optionally with "/prefix" (0..32,
 * 0..128): what --trusted-proxy accepts. */
bool hubconn_net_valid(const char *s);

/* Starts the defences (and the reaper thread). KERR_USAGE when a trusted
 * entry is not valid (hubconn_net_valid), KERR_NOMEM or KERR_IO (no thread);
 * *out is then NULL. */
enum kerr hubconn_new(const struct hubconn_config *cfg, struct hubconn **out);

/* Stops the reaper and frees everything. Call after MHD_stop_daemon (no
 * callback may run any more). NULL is a no-op. */
void hubconn_free(struct hubconn *hc);

/* MHD_AcceptPolicyCallback (cls = the hubconn): MHD_NO for a peer that
 * already holds max_per_ip connections. Trusted proxies are never refused. */
enum MHD_Result hubconn_on_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen);

/* MHD_NotifyConnectionCallback (MHD_OPTION_NOTIFY_CONNECTION, cls = the
 * hubconn): counts and times each connection from start to close. */
void hubconn_on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                           enum MHD_ConnectionNotificationCode code);

/* The head of a request on c is complete: fills *out (hubconn_client_addr),
 * starts the body deadline and, behind a trusted proxy, counts the request
 * for its forwarded address. False when that address already has
 * max_per_ip requests in flight (answer 429; nothing was counted). */
bool hubconn_request_begin(struct hubconn *hc, struct MHD_Connection *c,
                           struct hubconn_client *out);

/* The body is complete: no deadline while the hub works on the answer. */
void hubconn_request_received(struct hubconn *hc, struct MHD_Connection *c);

/* The request on c is over (MHD_OPTION_NOTIFY_COMPLETED): releases its
 * count and starts the head deadline of the next request. Idempotent. */
void hubconn_request_end(struct hubconn *hc, struct MHD_Connection *c);

/* The client of the request now on c (see the top of this file). Never
 * fails: an unknown peer is "-". Any thread that handles c. */
void hubconn_client_addr(const struct hubconn *hc, struct MHD_Connection *c,
                         struct hubconn_client *out);

#endif
