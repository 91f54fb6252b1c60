/* kclient: the kiosk's link to the hub, the only header the UI includes from
 * net/. It owns a durable SQLite outbox (WAL, synchronous=FULL) and a sender
 * thread (libcurl multi) that delivers each help request exactly once, with
 * backoff, while the UI goes on. Every function here is called from ONE
 * thread, the one that called kclient_open (the UI thread; builds with
 * asserts on abort on a call from any other, KASSERT_OWNER), and never waits
 * on the network; results come back as events (kclient_next_event), copied
 * out under a mutex. The handle is opaque;
 * kclient_close frees it. See net/client/README.md for states and retention. */
#ifndef KCLIENT_H
#define KCLIENT_H

#include <stdbool.h>
#include <stdint.h>

#include "api.h"
#include "cinstall.h"
#include "api_fleet.h"
#include "kerr.h"

#define KCLIENT_TICKET_SIZE API_TICKET_SIZE
#define KCLIENT_CHECK_SIZE API_CHECK_SIZE /* 6 digits + NUL */
#define KCLIENT_TEXT_SIZE 2001 /* note (500 code points) or a reason */

struct kclient;

struct kclient_config {
    const char *db_path;          /* outbox file, e.g. /var/lib/huanglong-kiosk/outbox.db */
    const char *hub_url;          /* "https://hub.example:8443" (no trailing path); NULL or ""
                                     = no hub yet: requests are stored and wait, ticket
                                     queries fail at once with KERR_NET */
    const char *kiosk_id;         /* ^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$ */
    const char *token;            /* bearer token, or NULL to read token_file */
    const char *token_file;       /* first line is the token */
    const char *ca_file;          /* NULL: system CAs */
    const char *pinned_pubkey;    /* NULL or "sha256//base64..." / a PEM file (CURLOPT_PINNEDPUBLICKEY) */
    bool allow_insecure_http;     /* http:// to a non-loopback host; logs a warning */
    int max_queued;               /* pending items allowed (0 → 1000) */
    int heartbeat_s;              /* heartbeat interval (0 → 60, <0 → none) */
    const char *version;          /* NULL → KIOSK_VERSION */
    const char *content_version;  /* NULL → "none" */
    const char *tower_id;         /* NULL or "": none; else heartbeats ask for booking leases */
    const char *tower;            /* the tower it stands in (config tower_id), for alerts to a
                                     tower; NULL or "" = none */
    bool events;                  /* hold the event long-poll (alerts, screenshots); the kiosk
                                     app sets it, tools and tests of the outbox need not */
    int retention_s;              /* personal fields erased this long after delivery (0 → 600) */
    /* Tuning; 0 means the production default (tests shorten them). */
    int backoff_base_ms;          /* 1000 */
    int backoff_cap_ms;           /* 300000 */
    int retry_after_cap_ms;       /* 3600000 */
    int connect_timeout_ms;       /* 10000 */
    int total_timeout_ms;         /* 30000 */
    int low_speed_time_s;         /* abort when below 64 B/s for this long: 10 */
    int max_in_flight;            /* parallel deliveries: 4 */
    int heartbeat_remind_ms;      /* while heartbeats keep failing, one log line per: 600000 */
    /* Signed content updates (NULL: none). The sender downloads what the
     * heartbeat answer announces and installs it with cinstall_apply. */
    const struct cinstall_cfg *content;
    int content_timeout_s;        /* whole download deadline: 120 */
};

/* Opens (creating or migrating) the outbox, checks it (quick_check: a damaged
 * file is renamed to <db>.corrupt-<time>, a fresh one is made, every readable
 * pending row is copied into it and the unreadable ones are counted, with a
 * warning; the damaged copy is deleted retention_s later), reads the token,
 * then starts the sender thread. On failure *out is NULL and nothing is left
 * running: KERR_USAGE for a bad config (bad kiosk id, plain http to a host
 * that is not a loopback address or `localhost` without allow_insecure_http,
 * no token), KERR_DB / KERR_IO when the outbox cannot be opened, KERR_NOMEM.
 * Tests only: the environment variable KIOSK_TEST_RANDOM=<seed> makes ticket
 * epochs and check codes a fixed sequence; it is honoured only without a hub
 * or with a loopback hub, and logs a warning. */
enum kerr kclient_open(const struct kclient_config *cfg, struct kclient **out);

/* What the person takes away: both are needed to look the request up. */
struct kclient_receipt {
    char ticket[KCLIENT_TICKET_SIZE]; /* <kiosk id>-<epoch 100..999><6 digits> */
    char check[KCLIENT_CHECK_SIZE];   /* 查询码: 6 random digits */
};

/* Files a help request. The caller fills req's content (category, company,
 * contact_name, phone, tower, description, lang; created_at may be "");
 * this stamps ticket, kiosk_id, created_at and a check code into *req,
 * validates it and encodes it once, and in ONE SQLite transaction takes the
 * next ticket, stores the item with a fresh UUIDv4 idempotency key and
 * commits durably; then wakes the sender. Every buffer made on the way is
 * wiped; *req stays the caller's to wipe. Only after KERR_OK may the UI say
 * "saved"; *out then holds the ticket and check code. Errors (*out zeroed;
 * nothing stored): KERR_INVALID / KERR_UTF8 / KERR_TOOBIG for a request the
 * hub would refuse, KERR_FULL when the queue holds max_queued pending items
 * or the disk is full, KERR_IO / KERR_DB when the write was not made durable. */
enum kerr kclient_submit_request(struct kclient *c, struct api_help_request *req,
                                 struct kclient_receipt *out);

/* Asks the hub for a ticket's status; check is the receipt's check code (the
 * hub answers 404 for a wrong one, as for an unknown ticket). Returns at once:
 * KERR_OK when the question was queued (the answer arrives as
 * KCLIENT_EV_TICKET_STATUS or KCLIENT_EV_TICKET_FAILED, with the ticket as
 * asked), KERR_INVALID for a malformed ticket or check code, KERR_FULL when
 * too many questions are waiting. */
enum kerr kclient_query_ticket(struct kclient *c, const char *ticket, const char *check);

enum kclient_item_state { KCLIENT_PENDING = 0, KCLIENT_DELIVERED = 1, KCLIENT_DEAD = 2 };

struct kclient_local {
    enum kclient_item_state state;
    char category[40];
    int64_t created_wall_ms;
    int attempts;
};

/* The state of a ticket filed at this kiosk, from the outbox (no network),
 * by the ticket on its receipt (or its new number after a renumbering).
 * KERR_NOTFOUND when it was not filed here (or has been pruned), when check is
 * not its check code, and for every lookup for 10 minutes after 10 wrong ones
 * (no hint which); KERR_DB. */
enum kerr kclient_local_ticket(struct kclient *c, const char *ticket, const char *check,
                               struct kclient_local *out);

struct kclient_status {
    bool online;              /* the last exchange with the hub got a usable answer */
    int queue_depth;          /* pending items */
    int dead;                 /* items the hub refused (kept for the admin panel) */
    int lost;                 /* rows of a damaged outbox file that could not be read (an upper
                                 bound of requests lost), since the current file was made */
    int64_t oldest_pending_s; /* age of the oldest pending item, 0 when none */
    enum kerr last_error;     /* KERR_OK when the last exchange succeeded */
    int last_http_status;     /* 0 when none */
};

/* Fills *out from the sender's last published state: no SQLite on the
 * caller's thread. The counts are re-read by the sender after every change it
 * makes or is told of (kclient_submit_request wakes it), so they lag a change
 * by one sender wake-up (milliseconds). KERR_DB when the sender's last read
 * of the outbox failed (the other fields are still filled). */
enum kerr kclient_status(struct kclient *c, struct kclient_status *out);

enum kclient_event_kind {
    KCLIENT_EV_DELIVERED = 1,   /* delivered (201/200); ticket = the receipt's ticket */
    KCLIENT_EV_DEAD,            /* refused by the hub; text = reason; ticket = the receipt's */
    KCLIENT_EV_TICKET_STATUS,   /* answer to kclient_query_ticket */
    KCLIENT_EV_TICKET_FAILED,   /* error: KERR_NET (offline), KERR_NOTFOUND, KERR_HTTP, KERR_PARSE */
    KCLIENT_EV_PING,            /* answer to kclient_ping: error, http_status, rtt_ms */
    KCLIENT_EV_QUEUE,           /* a fresh kclient_queue_report (after kclient_queue_refresh
                                   or kclient_resend_dead) */
    KCLIENT_EV_RESENT,          /* answer to kclient_resend_dead: count = items put back,
                                   error = KERR_OK or why nothing was */
    KCLIENT_EV_BOOKING,         /* a booking answer waits: kclient_booking_answer (kclient_booking.h) */
};

struct kclient_event {
    enum kclient_event_kind kind;
    char ticket[KCLIENT_TICKET_SIZE];
    char status[16];               /* TICKET_STATUS: "new", "accepted"... */
    bool has_note;
    char text[KCLIENT_TEXT_SIZE];  /* note (TICKET_STATUS) or reason (DEAD, FAILED) */
    char updated_at[21];
    enum kerr error;
    int http_status;
    int count;                     /* RESENT: items put back in the queue */
    int rtt_ms;                    /* PING: request to answer, in milliseconds */
};

/* Non-blocking: copies the oldest event into *ev and returns true, or false
 * when there is none. */
bool kclient_next_event(struct kclient *c, struct kclient_event *ev);

/* fn(ud) is called from the SENDER thread each time an event is queued (the
 * UI pushes an SDL user event from it; it must not call back into kclient).
 * NULL fn stops the calls. */
void kclient_set_notify(struct kclient *c, void (*fn)(void *ud), void *ud);

/* ---- for the on-site admin panel and the screen schedule (issue 15) ---- */

/* The screen schedule's state, for the heartbeat's screen_on (true lit,
 * false dark). Until the first call the heartbeat leaves the field out. A
 * change wakes the sender, which sends a heartbeat at once, so the hub knows
 * within a round trip. */
void kclient_set_screen_on(struct kclient *c, bool on);

/* The content version the screens show now (after a pushed bundle switched
 * in), for the heartbeat's content_version; NULL says "none". Wakes the
 * sender, which sends a heartbeat at once. On out-of-memory the old value
 * stays. UI thread. */
void kclient_set_content_version(struct kclient *c, const char *version);

/* The network test: the sender sends a heartbeat now (the real path: TLS,
 * the token, the hub's store) and times it. The answer comes as
 * KCLIENT_EV_PING: error KERR_OK with a 2xx http_status when the hub took it,
 * else why (KERR_NET no answer, KERR_AUTH token refused, KERR_HTTP), and
 * rtt_ms. Returns KERR_BUSY while a test is in flight; without a hub_url the
 * event (KERR_NET) is queued at once. Never waits. */
enum kerr kclient_ping(struct kclient *c);

#define KCLIENT_REASONS 6
#define KCLIENT_REASON_SIZE 96
struct kclient_reason {
    char reason[KCLIENT_REASON_SIZE]; /* an error word or the hub's problem title; never personal */
    int count;
};
struct kclient_queue {
    bool ready;      /* false until the sender has read the outbox once */
    int pending, dead;
    int resendable;  /* dead items whose body is still kept (7 days), so re-sendable */
    struct kclient_reason pending_why[KCLIENT_REASONS], dead_why[KCLIENT_REASONS];
    int n_pending_why, n_dead_why; /* the largest groups first */
};

/* Asks the sender to read the queue's reasons from the outbox (its own
 * connection: no SQLite on the caller's thread); KCLIENT_EV_QUEUE says the
 * report is fresh. */
void kclient_queue_refresh(struct kclient *c);
/* Copies the last report the sender published (ready false before the
 * first). */
void kclient_queue_report(struct kclient *c, struct kclient_queue *out);

/* Asks the sender to put every dead item whose body is still kept back in
 * the queue (outbox_revive_dead: same key and ticket, so the hub stores it
 * once at most) and send it; KCLIENT_EV_RESENT gives the count, then
 * KCLIENT_EV_QUEUE the new report. Logged. Never waits. */
void kclient_resend_dead(struct kclient *c);
/* True once after the sender installed (and switched to) a new content
 * version: *version is it. The UI loads it at its next idle moment. */
bool kclient_content_ready(struct kclient *c, int64_t *version);

/* The UI rolled the content back (cinstall_rollback): what is installed now
 * and why, for the next heartbeat. */
void kclient_content_rolled_back(struct kclient *c, int64_t now_installed, const char *why);

/* ---- fleet operations (kclient_events.c) ----
 * The sender holds one event long-poll to the hub (GET .../events, answered
 * at once when something changed, else after up to API_EVENTS_HOLD_S; again
 * at once after each answer, with backoff after a failure). Its answers are
 * the emergency alerts for this kiosk and screenshot requests; each change
 * wakes the UI through the notify hook. */

/* When the alerts differ from generation *gen: copies them (urgent first,
 * newest first; at most API_ALERT_MAX, whatever their `until`: the caller
 * checks it against its own clock) into out, sets *n and *gen, returns true.
 * False when nothing changed. */
bool kclient_alerts(struct kclient *c, unsigned *gen, struct api_alert *out, int *n);

/* True while the last event poll was answered (the hub can reach us). */
bool kclient_events_connected(struct kclient *c);

/* A screenshot the hub asked for and not yet handed out: true with its id
 * (each request once). */
bool kclient_shot_wanted(struct kclient *c, char sid[API_SHOT_ID_SIZE]);

/* The answer to request sid: png (malloc'd, len ≤ API_SHOT_MAX; taken over
 * in every case) or, png NULL, a refusal reason (a short ASCII word or
 * phrase). The sender uploads it. KERR_BUSY (png freed) while an earlier
 * answer is still being sent; KERR_TOOBIG (png freed) above API_SHOT_MAX. */
enum kerr kclient_shot_answer(struct kclient *c, const char *sid, unsigned char *png, size_t len,
                              const char *reason);

/* Stops the sender (transfers in flight are abandoned and retried at the next
 * start; their items stay pending), joins it within about a second, closes
 * the outbox and frees c. NULL is a no-op. */
void kclient_close(struct kclient *c);

#endif
