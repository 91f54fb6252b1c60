/* kclient_impl: what the files of the hub client share and nothing else
 * sees: struct kclient, the transfer and slot records, and the internal calls
 * between the two threads' files. kclient.c is the public API (UI thread)
 * and the helpers both threads use, which meet only under c->mu;
 * kclient_sender.c is the sender thread: transfers, outcomes, recording,
 * backoff and maintenance. Include it only from net/client/kclient*.c. */
#ifndef KCLIENT_IMPL_H
#define KCLIENT_IMPL_H

#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "api.h"
#include "kclient.h"
#include "kclient_fleet.h"
#include "kthread.h"
#include "outbox.h"

#define MOD "kclient"
#define EVQ_CAP 256
#define QUERY_CAP 16
#define LIST_BATCH 256
#define MAINT_MS 30000
#define DEAD_RETENTION_MS (7LL * 24 * 3600 * 1000)
#define PRUNE_MS (30LL * 24 * 3600 * 1000)
#define REASON_SIZE 256
/* Personal fields are erased this much before retention_s ends, so the
 * sweep's own delay (a wake-up, one transaction) never makes it later. */
#define ERASE_EARLY_MS 500
#define RENUMBER_AT_ONCE 3 /* renumberings of one item sent at once; then backoff */
#define LOCAL_MISS_MAX 10  /* wrong local lookups allowed per window */
#define LOCAL_MISS_WINDOW_MS (10LL * 60 * 1000)

#ifndef KIOSK_VERSION
#define KIOSK_VERSION "0.0.0"
#endif

enum xkind { X_ITEM, X_QUERY, X_HEARTBEAT, X_PING, X_CONTENT, X_BOOKING, X_EVENTS, X_SHOT /* kclient_events.c */ };

struct xfer {
    struct xfer *prev, *next; /* c->active list */
    CURL *easy;
    enum xkind kind;
    int64_t item_id;
    char ticket[API_TICKET_SIZE];  /* on the wire (X_ITEM) or as asked (X_QUERY) */
    char key[API_UUID_SIZE];       /* X_ITEM: its idempotency key */
    char *body;                    /* personal: wiped before it is freed */
    struct curl_slist *hdrs;
    char *resp;
    size_t resp_len;
    bool too_big;
    uint64_t t0_ms;                /* X_PING: when it started (monotonic) */
    int fd;                        /* X_CONTENT: the download file */
    uint64_t file_len, file_max;   /* X_CONTENT: bytes written, announced size */
};

struct slot {
    int64_t id;
    char key[API_UUID_SIZE];
    char ticket[API_TICKET_SIZE];  /* on the wire */
    char receipt[API_TICKET_SIZE]; /* on the person's receipt: what events name */
    int tries;          /* failed attempts in this run (backoff exponent) */
    int renumbers;      /* 409 ticket-taken answers in this run */
    uint64_t due_ms;    /* monotonic */
    bool in_flight;
};

struct kclient {
    struct kthread_owner owner; /* the thread that opened it (the UI thread) */
    /* config (immutable after open) */
    char *db_path, *hub_url, *kiosk_id, *token, *ca_file, *pinned, *version;
    char *content_version; /* the exception: swapped under mu (kclient_set_content_version) */
    char tower[API_TOKEN_SIZE]; /* the config's tower ("" = none): heartbeats ask for its leases */
    char auth_header[64 + API_TOKEN_SIZE * 4];
    char user_agent[96];
    bool plain_http_ok;
    bool hub_is_loopback;
    bool no_hub; /* no hub_url configured: store, never send */
    int max_queued, heartbeat_ms, retention_s;
    uint64_t test_seed; /* KIOSK_TEST_RANDOM (tests only), else 0 */
    int backoff_base_ms, backoff_cap_ms, retry_after_cap_ms;
    int connect_timeout_ms, total_timeout_ms, low_speed_time_s, max_in_flight;
    int beat_remind_ms;
    char hub_host[256]; /* the hub URL's host, for the log ("" without a hub) */

    struct outbox *ui_ob;   /* UI thread only */
    CURLM *multi;           /* sender only, except curl_multi_wakeup */
    struct xfer *active;    /* sender only: transfers added to multi */
    pthread_t thread;
    bool thread_started;
    atomic_bool stop;

    pthread_mutex_t mu;     /* guards everything below */
    struct kclient_event evq[EVQ_CAP];
    int ev_head, ev_len, ev_dropped;
    struct query { char ticket[API_TICKET_SIZE], check[API_CHECK_SIZE]; } queries[QUERY_CAP];
    int nqueries;
    bool damage_unreported; /* a damaged outbox was found; heartbeats say "corrupt" until one
                               of them is accepted */
    bool items_added;
    struct kclient_bq *bq; /* booking calls and answers (kclient_booking.c), NULL until used */
    void (*notify)(void *);
    void *notify_ud;
    bool online;
    enum kerr last_error;
    int last_http;
    /* The outbox counts as the sender last read them (kclient_status reads
     * these, so the UI thread never waits on SQLite for them). */
    int pub_pending, pub_dead, pub_lost;
    int64_t pub_oldest_ms;
    enum kerr pub_counts_err;
    unsigned pub_adds; /* bumped by each submit; a count read across one is stale */

    /* the admin panel and the screen schedule (issue 15) */
    bool screen_known, screen_on; /* kclient_set_screen_on; heartbeats say it once known */
    bool beat_now;                /* the screen changed: a heartbeat at once */
    bool ping_wanted, ping_busy;  /* kclient_ping asked / a test in flight (until its event) */
    bool queue_wanted, resend_wanted;
    struct kclient_queue pub_queue;
    struct kclient_content *content; /* signed content updates, or NULL (kclient_content.c) */
    struct kclient_fleet fleet; /* event poll, alerts, screenshots (kclient_events.c) */

    /* UI thread only: wrong local lookups (kclient_local_ticket) */
    int local_misses;
    uint64_t local_window_ms;
};

/* ---- kclient.c (either thread) --------------------------------------------- */

/* wipe_str zeroes s in place (NULL is fine). push_event queues ev for the UI
 * (the oldest dropped when full) and calls the notify hook. publish_counts
 * reads the outbox counts on ob and publishes them, unless a submit raced
 * the read. publish sets the online state, last error and HTTP status the
 * UI sees. trim_utf8 cuts a trailing incomplete UTF-8 sequence. */
void kclient_wipe_str(char *s);
void kclient_push_event(struct kclient *c, const struct kclient_event *ev);
void kclient_publish_counts(struct kclient *c, struct outbox *ob);
void kclient_publish(struct kclient *c, bool online, enum kerr err, int http);
void kclient_trim_utf8(char *s);

/* ---- kclient_sender.c ------------------------------------------------------- */

/* The sender thread's body; arg is the struct kclient. kclient_open starts
 * it, kclient_close stops it (c->stop, curl_multi_wakeup) and joins it. */
void *kclient_sender_main(void *arg);

/* A transfer with every safety option, added to the multi handle; path is
 * appended to hub_url. body NULL → GET; else a POST of body_len bytes
 * (body_len 0: strlen) of type ctype (NULL: JSON). timeout_ms 0: the
 * configured total timeout; long_poll: no low-speed abort (an answer held
 * by the hub). Takes ownership of body. NULL on failure. */
struct xfer *kclient_xfer_new(struct kclient *c, enum xkind kind, const char *path, char *body,
                              size_t body_len, const char *ctype, const char *idem_key,
                              long timeout_ms, bool long_poll);

/* Starts a GET transfer of kind on path (sender thread); NULL on failure. */
struct xfer *kclient_xfer_start(struct kclient *c, enum xkind kind, const char *path);
/* Takes x off the active list and frees it with its handle, headers, body
 * (wiped) and answer; NULL is a no-op. Sender thread. */
void kclient_xfer_free(struct kclient *c, struct xfer *x);

/* What to do with a finished delivery of the outbox. */
enum outcome { OUT_DELIVERED, OUT_DEAD, OUT_RETRY, OUT_RENUMBER };
/* The outcome of x (curl's rc, the HTTP status http) with *err and a short
 * reason word or the hub's problem text (cut at a UTF-8 boundary). Only the
 * hub's own problem answer for this very request ends an item (OUT_DEAD);
 * a proxy's page, a timeout, 408/429/5xx, 401/403 are OUT_RETRY; the hub's
 * ticket-taken 409 is OUT_RENUMBER. */
enum outcome kclient_xfer_classify(struct xfer *x, CURLcode rc, long http, enum kerr *err,
                                   char reason[REASON_SIZE]);
/* The answer's Retry-After in ms, capped by the configuration; 0 if absent. */
uint64_t kclient_xfer_retry_after_ms(struct kclient *c, CURL *e);

/* ---- kclient_beatlog.c ------------------------------------------------------ */

/* What the log said about failing heartbeats (the sender's own). */
struct beatlog {
    int failed;        /* failed attempts since the last success */
    uint64_t since_ms; /* monotonic: the first of them */
    uint64_t said_ms;  /* monotonic: the last line about them */
};

/* A heartbeat ended with curl's rc and the HTTP status http at monotonic
 * now (sender thread). Logs one WARN line (the cause and the hub's host) at
 * the first failure after a success, then nothing while they keep failing
 * except one reminder with the count every c->beat_remind_ms, and one INFO
 * line when one succeeds again: for how long and how many failed. */
void kclient_beatlog_done(struct kclient *c, struct beatlog *b, CURLcode rc, long http,
                          uint64_t now);

/* ---- kclient_content.c ------------------------------------------------------ */

/* content_open copies cfg->content (nothing when NULL) and reads what is
 * installed; content_free frees it. On the sender thread: fill_heartbeat
 * adds tower, content_bundle and content_error; on_heartbeat reads a 2xx
 * answer's "content" member and may start the download; prepare opens the
 * download file and sets its limits on x (false: do not start); write takes
 * its bytes (0 aborts); done installs what came (cinstall_apply) or records
 * why not. */
enum kerr kclient_content_open(struct kclient *c, const struct kclient_config *cfg);
void kclient_content_free(struct kclient *c);
void kclient_content_fill_heartbeat(struct kclient *c, struct api_heartbeat *hb);
void kclient_content_on_heartbeat(struct kclient *c, const char *resp, size_t len);
bool kclient_content_prepare(struct kclient *c, struct xfer *x);
size_t kclient_content_write(struct xfer *x, const char *p, size_t n);
void kclient_content_done(struct kclient *c, struct xfer *x, CURLcode rc, long http);


/* ---- kclient_booking.c ------------------------------------------------------ */

/* start: the sender starts the booking calls waiting (sender thread);
 * finish: a booking transfer ended (its answer queued for the UI; the sender
 * frees x); free: kclient_close frees what is left (UI thread). */
void kclient_booking_start(struct kclient *c);
void kclient_booking_finish(struct kclient *c, struct xfer *x, CURLcode rc, long http);
void kclient_booking_free(struct kclient *c);
/* leases_in: a heartbeat answer's body (sender thread): its `leases` kept. */
void kclient_booking_leases_in(struct kclient *c, const char *json, size_t len);

#endif
