/* kclient: public face (UI thread) and the sender thread. The UI thread owns
 * c->ui_ob; the sender owns s->ob, the curl easy handles and the schedule.
 * They meet only in the fields under c->mu (events, queries, published
 * status, flags) and in curl_multi_wakeup, which is thread-safe. */
#include "kclient.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "api.h"
#include "kclock.h"
#include "klog.h"
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

enum xkind { X_ITEM, X_QUERY, X_HEARTBEAT };

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
    char *db_path, *hub_url, *kiosk_id, *token, *ca_file, *pinned, *version, *content_version;
    char auth_header[64 + API_TOKEN_SIZE * 4];
    char user_agent[96];
    bool plain_http_ok;
    bool hub_is_loopback;
    bool no_hub; /* no hub_url configured: store, never send */
    int max_queued, heartbeat_ms, retention_s;
    uint64_t test_seed; /* KIOSK_TEST_RANDOM (tests only), else 0 */
    int backoff_base_ms, backoff_cap_ms, retry_after_cap_ms;
    int connect_timeout_ms, total_timeout_ms, low_speed_time_s, max_in_flight;

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

    /* UI thread only: wrong local lookups (kclient_local_ticket) */
    int local_misses;
    uint64_t local_window_ms;
};

/* ---- small helpers ---- */

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

static void wipe_str(char *s)
{
    if (s) explicit_bzero(s, strlen(s));
}

/* xorshift64*: jitter only, not security. The state is the sender's own,
 * seeded from getrandom when the sender starts. */
static uint64_t rnd_next(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 2685821657736338717ULL;
}

/* Full jitter: uniform in [0, min(cap, base * 2^tries)]. */
static uint64_t backoff_ms(const struct kclient *c, uint64_t *rnd, int tries)
{
    uint64_t ceil = (uint64_t)c->backoff_base_ms;
    for (int i = 0; i < tries && ceil < (uint64_t)c->backoff_cap_ms; i++) ceil *= 2;
    if (ceil > (uint64_t)c->backoff_cap_ms) ceil = (uint64_t)c->backoff_cap_ms;
    return rnd_next(rnd) % (ceil + 1);
}

static void push_event(struct kclient *c, const struct kclient_event *ev)
{
    pthread_mutex_lock(&c->mu);
    if (c->ev_len == EVQ_CAP) {
        /* The UI is not reading; delivery is recorded in the outbox anyway. */
        if (c->ev_dropped++ % 256 == 0)
            KLOGW(MOD, "event queue full; oldest events dropped (%d so far)", c->ev_dropped);
        c->ev_head = (c->ev_head + 1) % EVQ_CAP;
        c->ev_len--;
    }
    c->evq[(c->ev_head + c->ev_len) % EVQ_CAP] = *ev;
    c->ev_len++;
    if (c->notify) c->notify(c->notify_ud);
    pthread_mutex_unlock(&c->mu);
}

/* Reads the outbox counts on the sender's connection and publishes them.
 * Called after every change the sender makes or learns of (items added,
 * delivered, refused, erased), so the snapshot is at most one wake-up old. */
static void publish_counts(struct kclient *c, struct outbox *ob)
{
    struct outbox_counts n;
    unsigned adds;
    enum kerr e;
    pthread_mutex_lock(&c->mu);
    adds = c->pub_adds;
    pthread_mutex_unlock(&c->mu);
    e = outbox_counts(ob, &n);
    pthread_mutex_lock(&c->mu);
    /* A submit during the read may or may not be in it: keep the submitter's
     * own increment; items_added brings the sender back to count again. */
    if (adds != c->pub_adds) {
        pthread_mutex_unlock(&c->mu);
        return;
    }
    c->pub_counts_err = e;
    if (e == KERR_OK) {
        c->pub_pending = n.pending;
        c->pub_dead = n.dead;
        c->pub_lost = n.lost;
        c->pub_oldest_ms = n.oldest_created_ms;
    }
    pthread_mutex_unlock(&c->mu);
}

static void publish(struct kclient *c, bool online, enum kerr err, int http)
{
    pthread_mutex_lock(&c->mu);
    if (c->online != online)
        KLOGI(MOD, "hub %s (%s, http %d)", online ? "online" : "offline", kerr_str(err), http);
    c->online = online;
    c->last_error = err;
    c->last_http = http;
    pthread_mutex_unlock(&c->mu);
}

/* True when the URL host h (as curl gives it: IPv6 in brackets) is a
 * loopback address parsed as an address (127.0.0.0/8 dotted quad, ::1) or
 * the literal name localhost, which curl resolves to loopback itself. A name
 * that merely starts with "127." or "localhost" is not. */
static bool host_is_loopback(const char *h)
{
    struct in_addr a4;
    struct in6_addr a6;
    char v6[64];
    size_t n = strlen(h);
    if (strcasecmp(h, "localhost") == 0) return true;
    if (inet_pton(AF_INET, h, &a4) == 1) return (ntohl(a4.s_addr) >> 24) == 127;
    if (n >= 2 && h[0] == '[' && h[n - 1] == ']' && n - 2 < sizeof v6) {
        memcpy(v6, h + 1, n - 2);
        v6[n - 2] = '\0';
        return inet_pton(AF_INET6, v6, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
    }
    return false;
}

/* Cuts a trailing incomplete UTF-8 sequence left by a byte-bounded printf. */
static void trim_utf8(char *s)
{
    size_t n = strlen(s), i = n, need;
    unsigned char c;
    while (i > 0 && ((unsigned char)s[i - 1] & 0xC0) == 0x80) i--;
    if (i == 0) return;
    c = (unsigned char)s[i - 1];
    need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    if (n - (i - 1) < need) s[i - 1] = '\0';
}

/* ---- transfers ---- */

static size_t on_write(char *ptr, size_t size, size_t nmemb, void *ud)
{
    struct xfer *x = ud;
    size_t n = size * nmemb;
    char *p;
    if (x->resp_len + n > API_RESPONSE_MAX) {
        x->too_big = true;
        return 0; /* aborts the transfer: CURLE_WRITE_ERROR */
    }
    p = realloc(x->resp, x->resp_len + n + 1);
    if (!p) return 0;
    x->resp = p;
    memcpy(x->resp + x->resp_len, ptr, n);
    x->resp_len += n;
    x->resp[x->resp_len] = '\0';
    return n;
}

static void xfer_free(struct kclient *c, struct xfer *x)
{
    if (!x) return;
    if (x->prev) x->prev->next = x->next;
    else if (c->active == x) c->active = x->next;
    if (x->next) x->next->prev = x->prev;
    if (x->easy) curl_easy_cleanup(x->easy);
    curl_slist_free_all(x->hdrs);
    wipe_str(x->body);
    free(x->body);
    free(x->resp);
    free(x);
}

static bool add_hdr(struct xfer *x, const char *h)
{
    struct curl_slist *n = curl_slist_append(x->hdrs, h);
    if (!n) return false;
    x->hdrs = n;
    return true;
}

/* Builds a transfer with every safety option; path is appended to hub_url.
 * body NULL → GET. Takes ownership of body. NULL on failure. */
static struct xfer *xfer_new(struct kclient *c, enum xkind kind, const char *path, char *body,
                             const char *idem_key)
{
    struct xfer *x = calloc(1, sizeof *x);
    char url[1024], h[128];
    CURL *e;
    if (!x) {
        wipe_str(body);
        free(body);
        return NULL;
    }
    x->kind = kind;
    x->body = body;
    x->easy = e = curl_easy_init();
    if (!e) goto fail;
    if ((size_t)snprintf(url, sizeof url, "%s%s", c->hub_url, path) >= sizeof url) goto fail;
    if (!add_hdr(x, c->auth_header) || !add_hdr(x, "Accept: application/json, application/problem+json") ||
        !add_hdr(x, "Expect:"))
        goto fail;
    if (body && !add_hdr(x, "Content-Type: application/json")) goto fail;
    if (idem_key) {
        snprintf(h, sizeof h, "Idempotency-Key: %s", idem_key);
        if (!add_hdr(x, h)) goto fail;
    }
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, c->plain_http_ok ? "http,https" : "https");
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, 0L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(e, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
    if (c->ca_file) curl_easy_setopt(e, CURLOPT_CAINFO, c->ca_file);
    if (c->pinned) curl_easy_setopt(e, CURLOPT_PINNEDPUBLICKEY, c->pinned);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)c->connect_timeout_ms);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)c->total_timeout_ms);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 64L);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, (long)c->low_speed_time_s);
    curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)API_RESPONSE_MAX);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_USERAGENT, c->user_agent);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->hdrs);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(e, CURLOPT_PRIVATE, x);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    if (body) {
        curl_easy_setopt(e, CURLOPT_POST, 1L);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    }
    if (curl_multi_add_handle(c->multi, e) != CURLM_OK) goto fail;
    x->next = c->active;
    if (c->active) c->active->prev = x;
    c->active = x;
    return x;
fail:
    xfer_free(c, x);
    return NULL;
}

/* ---- the sender ---- */

struct sender {
    struct kclient *c;
    struct outbox *ob;
    struct slot *slots;
    int nslots, capslots;
    int64_t last_id;
    int items_in_flight;
    bool hb_in_flight;
    bool hb_says_corrupt; /* the heartbeat in flight reports the damaged outbox */
    uint64_t host_due;  /* no new delivery before this (monotonic ms) */
    int host_tries;
    uint64_t hb_due, maint_due;
    uint64_t rnd;       /* backoff jitter (xorshift64* state) */
};

static void load_new_items(struct sender *s)
{
    struct outbox_item items[LIST_BATCH];
    int n;
    do {
        if (outbox_list_pending(s->ob, s->last_id, items, LIST_BATCH, &n) != KERR_OK) return;
        for (int i = 0; i < n; i++) {
            if (s->nslots == s->capslots) {
                int cap = s->capslots ? s->capslots * 2 : 64;
                struct slot *ns = realloc(s->slots, (size_t)cap * sizeof *ns);
                if (!ns) return; /* retried on the next wake-up: last_id not advanced */
                s->slots = ns;
                s->capslots = cap;
            }
            struct slot *sl = &s->slots[s->nslots++];
            memset(sl, 0, sizeof *sl);
            sl->id = items[i].id;
            memcpy(sl->key, items[i].key, sizeof sl->key);
            memcpy(sl->ticket, items[i].ticket, sizeof sl->ticket);
            memcpy(sl->receipt, items[i].receipt, sizeof sl->receipt);
            sl->due_ms = 0;
            s->last_id = items[i].id;
        }
    } while (n == LIST_BATCH);
}

static struct slot *find_slot(struct sender *s, int64_t id)
{
    for (int i = 0; i < s->nslots; i++)
        if (s->slots[i].id == id) return &s->slots[i];
    return NULL;
}

static void drop_slot(struct sender *s, int64_t id)
{
    for (int i = 0; i < s->nslots; i++) {
        if (s->slots[i].id == id) {
            memmove(&s->slots[i], &s->slots[i + 1], (size_t)(s->nslots - i - 1) * sizeof *s->slots);
            s->nslots--;
            return;
        }
    }
}

/* Starts due deliveries up to the in-flight limit; returns how many started. */
static int start_items(struct sender *s, uint64_t now)
{
    struct kclient *c = s->c;
    int started = 0;
    if (now < s->host_due) return 0;
    /* While the hub is in trouble (host_tries > 0) send one probe at a time. */
    int limit = s->host_tries > 0 ? 1 : c->max_in_flight;
    for (int i = 0; i < s->nslots && s->items_in_flight < limit; i++) {
        struct slot *sl = &s->slots[i];
        char *body = NULL;
        struct xfer *x;
        enum kerr e;
        if (sl->in_flight || sl->due_ms > now) continue;
        e = outbox_body(s->ob, sl->id, &body);
        if (e == KERR_NOTFOUND) {
            drop_slot(s, sl->id);
            i--;
            continue;
        }
        if (e != KERR_OK) {
            sl->due_ms = now + 1000;
            continue;
        }
        x = xfer_new(c, X_ITEM, API_PATH_REQUESTS, body, sl->key);
        if (!x) {
            sl->due_ms = now + 1000;
            continue;
        }
        x->item_id = sl->id;
        memcpy(x->ticket, sl->ticket, sizeof x->ticket);
        memcpy(x->key, sl->key, sizeof x->key);
        sl->in_flight = true;
        s->items_in_flight++;
        started++;
    }
    return started;
}

static void start_queries(struct sender *s)
{
    struct kclient *c = s->c;
    struct query q[QUERY_CAP];
    char path[160];
    int n;
    pthread_mutex_lock(&c->mu);
    n = c->nqueries;
    memcpy(q, c->queries, sizeof q);
    c->nqueries = 0;
    pthread_mutex_unlock(&c->mu);
    for (int i = 0; i < n; i++) {
        struct xfer *x;
        /* both were validated (ticket and six digits): nothing to escape */
        snprintf(path, sizeof path, "%s%.39s?%s=%.6s", API_PATH_TICKETS, q[i].ticket,
                 API_QUERY_CHECK, q[i].check);
        x = xfer_new(c, X_QUERY, path, NULL, NULL);
        if (!x) {
            struct kclient_event ev = {.kind = KCLIENT_EV_TICKET_FAILED, .error = KERR_NOMEM};
            memcpy(ev.ticket, q[i].ticket, sizeof ev.ticket);
            push_event(c, &ev);
            continue;
        }
        memcpy(x->ticket, q[i].ticket, sizeof x->ticket);
    }
    explicit_bzero(q, sizeof q);
}

static void start_heartbeat(struct sender *s)
{
    struct kclient *c = s->c;
    struct api_heartbeat hb;
    struct outbox_counts n;
    char path[128], *body = NULL;
    memset(&hb, 0, sizeof hb);
    memset(&n, 0, sizeof n);
    outbox_counts(s->ob, &n);
    snprintf(hb.version, sizeof hb.version, "%s", c->version);
    snprintf(hb.content_version, sizeof hb.content_version, "%s", c->content_version);
    hb.queue_depth = n.pending;
    hb.oldest_pending_s = n.oldest_created_ms > 0 ? (kclock_wall_ms() - n.oldest_created_ms) / 1000 : 0;
    if (hb.oldest_pending_s < 0) hb.oldest_pending_s = 0;
    pthread_mutex_lock(&c->mu);
    hb.online = c->online;
    s->hb_says_corrupt = c->damage_unreported;
    /* The contract's heartbeat has one error word: a damaged outbox is told
     * first (until a heartbeat saying so is accepted), then the link's. */
    hb.last_error_null = c->last_error == KERR_OK && !s->hb_says_corrupt;
    snprintf(hb.last_error, sizeof hb.last_error, "%s",
             kerr_str(s->hb_says_corrupt ? KERR_CORRUPT : c->last_error));
    pthread_mutex_unlock(&c->mu);
    if (api_heartbeat_encode(&hb, &body) != KERR_OK) return;
    snprintf(path, sizeof path, "%s%s/heartbeat", API_PATH_KIOSKS, c->kiosk_id);
    if (xfer_new(c, X_HEARTBEAT, path, body, NULL)) s->hb_in_flight = true;
}

enum outcome { OUT_DELIVERED, OUT_DEAD, OUT_RETRY, OUT_RENUMBER };

/* True when the answer's Content-Type is application/problem+json. */
static bool is_problem_type(CURL *e)
{
    char *ct = NULL;
    size_t n = strlen(API_CT_PROBLEM);
    if (curl_easy_getinfo(e, CURLINFO_CONTENT_TYPE, &ct) != CURLE_OK || !ct) return false;
    return strncasecmp(ct, API_CT_PROBLEM, n) == 0 &&
           (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

/* What to do with a finished delivery; fills a short reason/error word. Only
 * the hub's own problem answer for this very request (D1: problem+json whose
 * instance names the idempotency key) may end an item; anything else in 4xx
 * (a proxy's HTML 404, a maintenance page, JSON without the instance, a
 * problem about another request) is retried like a 5xx. */
static enum outcome classify(struct xfer *x, CURLcode rc, long http, enum kerr *err,
                             char reason[REASON_SIZE])
{
    struct api_problem p;
    bool hubs;
    reason[0] = '\0';
    if (rc != CURLE_OK) {
        *err = KERR_NET;
        if (x->too_big || rc == CURLE_FILESIZE_EXCEEDED) {
            *err = KERR_TOOBIG;
            snprintf(reason, REASON_SIZE, "toobig");
        } else if (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CONNECT_ERROR ||
                   rc == CURLE_SSL_CACERT_BADFILE || rc == CURLE_SSL_PINNEDPUBKEYNOTMATCH ||
                   rc == CURLE_SSL_CERTPROBLEM || rc == CURLE_SSL_CIPHER) {
            snprintf(reason, REASON_SIZE, "tls");
        } else if (rc == CURLE_OPERATION_TIMEDOUT) {
            snprintf(reason, REASON_SIZE, "timeout");
        } else {
            snprintf(reason, REASON_SIZE, "net");
        }
        return OUT_RETRY;
    }
    if (http >= 200 && http < 300) {
        struct api_request_answer a;
        if (x->kind != X_ITEM) return OUT_DELIVERED;
        /* A captive portal or proxy can answer 200 with HTML: only the hub's
         * answer for this very ticket counts as delivery. */
        if (api_request_answer_decode(x->resp ? x->resp : "", x->resp_len, &a, NULL) != KERR_OK ||
            strcmp(a.ticket, x->ticket) != 0) {
            *err = KERR_PARSE;
            snprintf(reason, REASON_SIZE, "parse");
            return OUT_RETRY;
        }
        *err = KERR_OK;
        return OUT_DELIVERED;
    }
    *err = KERR_HTTP;
    if (http == 408 || http == 429 || http >= 500 || http < 200 || (http >= 300 && http < 400)) {
        snprintf(reason, REASON_SIZE, "http_%ld", http);
        return OUT_RETRY;
    }
    if (http == 401 || http == 403) {
        /* A revoked or rotated token: keep the items for the new token. */
        *err = KERR_AUTH;
        snprintf(reason, REASON_SIZE, "auth_%ld", http);
        return OUT_RETRY;
    }
    hubs = is_problem_type(x->easy) && x->resp &&
           api_problem_decode(x->resp, x->resp_len, &p, NULL) == KERR_OK &&
           api_problem_is_hubs_answer(&p, (int)http, x->key);
    if (!hubs) {
        char *ct = NULL;
        curl_easy_getinfo(x->easy, CURLINFO_CONTENT_TYPE, &ct);
        KLOGW(MOD, "item %s: %ld answer that is not the hub's (%.40s); retrying", x->ticket, http,
              ct ? ct : "no content type");
        snprintf(reason, REASON_SIZE, "http_%ld", http);
        return OUT_RETRY;
    }
    if (http == 409) {
        /* A 409 never ends an item: ticket-taken renumbers it, anything else
         * (not expected from the hub on this path) is retried. */
        if (strcmp(p.type, API_PROBLEM_BASE API_SLUG_TICKET_TAKEN) == 0) {
            snprintf(reason, REASON_SIZE, "ticket_taken");
            return OUT_RENUMBER;
        }
        snprintf(reason, REASON_SIZE, "http_409");
        return OUT_RETRY;
    }
    snprintf(reason, REASON_SIZE, "%ld %.100s: %.120s", http, p.title, p.detail);
    trim_utf8(reason);
    return OUT_DEAD;
}

/* Retry-After (seconds or HTTP-date, curl parses both) in ms, capped; 0 if absent. */
static uint64_t retry_after_ms(struct kclient *c, CURL *e)
{
    curl_off_t ra = 0;
    if (curl_easy_getinfo(e, CURLINFO_RETRY_AFTER, &ra) != CURLE_OK || ra <= 0) return 0;
    if ((uint64_t)ra * 1000 > (uint64_t)c->retry_after_cap_ms) return (uint64_t)c->retry_after_cap_ms;
    return (uint64_t)ra * 1000;
}

struct done_item {
    int64_t id;
    enum outcome out;
    long http;
    char reason[REASON_SIZE];
    char *answer;
    char ticket[API_TICKET_SIZE];     /* on the wire */
    char new_ticket[API_TICKET_SIZE]; /* OUT_RENUMBER: the ticket given now */
};

static void finish_query(struct sender *s, struct xfer *x, CURLcode rc, long http)
{
    struct kclient_event ev;
    struct api_ticket_status t;
    memset(&ev, 0, sizeof ev);
    memcpy(ev.ticket, x->ticket, sizeof ev.ticket);
    ev.http_status = (int)http;
    ev.kind = KCLIENT_EV_TICKET_FAILED;
    if (rc != CURLE_OK) {
        ev.error = KERR_NET;
        snprintf(ev.text, sizeof ev.text, "%s", curl_easy_strerror(rc));
    } else if (http == 200) {
        char kiosk[API_KIOSK_ID_SIZE];
        const char *dash = strrchr(x->ticket, '-');
        snprintf(kiosk, sizeof kiosk, "%.*s", dash ? (int)(dash - x->ticket) : 0, x->ticket);
        ev.error = api_ticket_status_decode(x->resp ? x->resp : "", x->resp_len, &t, NULL);
        /* The hub may answer a receipt ticket with the number the request
         * was renumbered to: same kiosk. The event keeps the ticket as asked. */
        if (ev.error == KERR_OK &&
            (strcmp(t.ticket, x->ticket) == 0 || api_ticket_of_kiosk(t.ticket, kiosk))) {
            ev.kind = KCLIENT_EV_TICKET_STATUS;
            snprintf(ev.status, sizeof ev.status, "%s", api_ticket_state_str(t.status));
            ev.has_note = !t.note_null;
            snprintf(ev.text, sizeof ev.text, "%s", t.note_null ? "" : t.note);
            memcpy(ev.updated_at, t.updated_at, sizeof ev.updated_at);
        } else if (ev.error == KERR_OK) {
            ev.error = KERR_PARSE;
        }
    } else if (http == 404) {
        ev.error = KERR_NOTFOUND;
    } else if (http == 401 || http == 403) {
        ev.error = KERR_AUTH;
    } else if (http == 429) {
        ev.error = KERR_BUSY;
    } else {
        ev.error = KERR_HTTP;
    }
    publish(s->c, rc == CURLE_OK && http < 500, ev.kind == KCLIENT_EV_TICKET_STATUS ? KERR_OK : ev.error,
            (int)http);
    push_event(s->c, &ev);
}

static void record_failure(struct sender *s, struct slot *sl, uint64_t now, uint64_t ra_ms)
{
    struct kclient *c = s->c;
    uint64_t d;
    if (sl) {
        d = ra_ms ? ra_ms : backoff_ms(c, &s->rnd, sl->tries);
        sl->tries++;
        sl->due_ms = now + d;
    }
    if (now >= s->host_due) {
        d = ra_ms ? ra_ms : backoff_ms(c, &s->rnd, s->host_tries);
        s->host_tries++;
        s->host_due = now + d;
    } else if (ra_ms && s->host_due < now + ra_ms) {
        s->host_due = now + ra_ms;
    }
}

/* The sweep that erases personal fields wakes this early, at the latest. */
static void erase_due_in(struct sender *s, uint64_t now, int64_t ms)
{
    uint64_t due = now + (uint64_t)(ms > 0 ? ms : 0);
    if (due < s->maint_due) s->maint_due = due;
}

/* Handles finished transfers; returns how many finished. */
static int process_done(struct sender *s)
{
    struct kclient *c = s->c;
    struct done_item done[64];
    int ndone = 0, left, nmsg = 0;
    bool delivered_any = false;
    CURLMsg *m;
    uint64_t now = kclock_mono_ms();
    while ((m = curl_multi_info_read(c->multi, &left))) {
        struct xfer *x = NULL;
        CURLcode rc;
        long http = 0;
        enum kerr err = KERR_OK;
        if (m->msg != CURLMSG_DONE) continue;
        nmsg++;
        rc = m->data.result;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
        curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &http);
        curl_multi_remove_handle(c->multi, m->easy_handle);
        if (x->kind == X_QUERY) {
            finish_query(s, x, rc, http);
        } else if (x->kind == X_HEARTBEAT) {
            s->hb_in_flight = false;
            if (rc != CURLE_OK)
                publish(c, false, KERR_NET, 0);
            else if (http >= 500 || http == 429 || http == 408)
                publish(c, false, KERR_HTTP, (int)http);
            else if (http == 401 || http == 403)
                publish(c, true, KERR_AUTH, (int)http);
            else
                publish(c, true, http < 300 ? KERR_OK : KERR_HTTP, (int)http);
            if (rc == CURLE_OK && http >= 200 && http < 300 && s->hb_says_corrupt) {
                pthread_mutex_lock(&c->mu);
                c->damage_unreported = false;
                pthread_mutex_unlock(&c->mu);
            }
        } else {
            struct done_item *d = &done[ndone];
            struct slot *sl = find_slot(s, x->item_id);
            uint64_t ra;
            s->items_in_flight--;
            memset(d, 0, sizeof *d);
            d->id = x->item_id;
            d->http = http;
            memcpy(d->ticket, x->ticket, sizeof d->ticket);
            d->out = classify(x, rc, http, &err, d->reason);
            if (sl) sl->in_flight = false;
            if (d->out == OUT_RETRY) {
                ra = (http == 429 || http == 503) ? retry_after_ms(c, m->easy_handle) : 0;
                record_failure(s, sl, now, ra);
                KLOGD(MOD, "item %s: retry (%s)", x->ticket, d->reason);
                publish(c, err == KERR_AUTH || err == KERR_PARSE, err, (int)http);
            } else {
                s->host_tries = 0;
                s->host_due = 0;
                publish(c, true, KERR_OK, (int)http);
                if (d->out == OUT_DELIVERED) {
                    d->answer = x->resp;
                    x->resp = NULL;
                    delivered_any = true;
                }
            }
            ndone++;
        }
        xfer_free(c, x);
        if (ndone == (int)(sizeof done / sizeof done[0])) break;
    }
    if (ndone == 0) return nmsg;

    /* One transaction (one fsync) for the whole round. */
    enum kerr e = outbox_begin(s->ob);
    const char *step = "begin", *item = "";
    for (int i = 0; e == KERR_OK && i < ndone; i++) {
        struct done_item *d = &done[i];
        static const char *const steps[] = {"delivered", "dead", "retry", "renumber"};
        step = (unsigned)d->out < sizeof steps / sizeof steps[0] ? steps[d->out] : "?";
        item = d->ticket;
        if (d->out == OUT_DELIVERED) {
            e = outbox_mark_delivered(s->ob, d->id, (int)d->http, d->answer);
        } else if (d->out == OUT_DEAD) {
            e = outbox_mark_dead(s->ob, d->id, (int)d->http, d->reason);
        } else if (d->out == OUT_RENUMBER) {
            e = outbox_mark_retry(s->ob, d->id, (int)d->http, d->reason, kclock_wall_ms());
            if (e == KERR_OK) {
                enum kerr r = outbox_renumber(s->ob, d->id, c->kiosk_id, d->new_ticket);
                if (r == KERR_NOTFOUND || r == KERR_CORRUPT || r == KERR_INVALID ||
                    r == KERR_TOOBIG) {
                    /* gone meanwhile, or a body that cannot take a new ticket
                     * (not in our form, another kiosk id): retry as it is; one
                     * such item must not keep the round from being recorded */
                    KLOGE(MOD, "item %s: cannot renumber (%s); retrying", d->ticket, kerr_str(r));
                    d->out = OUT_RETRY;
                    record_failure(s, find_slot(s, d->id), now, 0);
                } else {
                    e = r;
                }
            }
        } else {
            struct slot *sl = find_slot(s, d->id);
            e = outbox_mark_retry(s->ob, d->id, (int)d->http, d->reason,
                                  kclock_wall_ms() + (int64_t)(sl ? sl->due_ms - now : 0));
        }
    }
    if (e == KERR_OK) {
        step = "commit";
        e = outbox_commit(s->ob);
    } else {
        outbox_rollback(s->ob);
    }
    if (e == KERR_OK) publish_counts(c, s->ob); /* before the events that announce it */
    if (e == KERR_OK && delivered_any)
        erase_due_in(s, now, (int64_t)c->retention_s * 1000 - ERASE_EARLY_MS);
    for (int i = 0; i < ndone; i++) {
        struct done_item *d = &done[i];
        struct slot *sl = find_slot(s, d->id);
        if (d->out == OUT_RETRY) {
            /* nothing more */
        } else if (e != KERR_OK) {
            /* Not recorded: send again later; the hub replays its answer. */
            if (sl) sl->due_ms = now + 1000;
        } else if (d->out == OUT_RENUMBER) {
            /* The hub stored nothing under this key: resend at once with the
             * new ticket (a few times; then with backoff). */
            if (sl) {
                KLOGW(MOD, "item %s: ticket taken at the hub; renumbered to %s", sl->receipt,
                      d->new_ticket);
                memcpy(sl->ticket, d->new_ticket, sizeof sl->ticket);
                if (++sl->renumbers <= RENUMBER_AT_ONCE) sl->due_ms = now;
                else record_failure(s, sl, now, 0);
            }
        } else {
            struct kclient_event ev;
            memset(&ev, 0, sizeof ev);
            ev.kind = d->out == OUT_DELIVERED ? KCLIENT_EV_DELIVERED : KCLIENT_EV_DEAD;
            /* events name the ticket on the person's receipt */
            memcpy(ev.ticket, sl ? sl->receipt : d->ticket, sizeof ev.ticket);
            ev.http_status = (int)d->http;
            ev.error = d->out == OUT_DELIVERED ? KERR_OK : KERR_HTTP;
            snprintf(ev.text, sizeof ev.text, "%s", d->reason);
            if (d->out == OUT_DEAD) KLOGW(MOD, "item %s refused by hub (%ld)", d->ticket, d->http);
            drop_slot(s, d->id);
            push_event(c, &ev);
        }
        free(d->answer);
    }
    if (e != KERR_OK)
        KLOGE(MOD, "could not record delivery results: %s (%s of item %s)", kerr_str(e), step, item);
    return nmsg;
}

/* Erases what is due and schedules the next pass for when the next finished
 * item or damaged copy becomes due (at most MAINT_MS away, so a changed wall
 * clock is noticed). */
static void maintenance(struct sender *s, uint64_t now)
{
    struct kclient *c = s->c;
    int erased = 0;
    int64_t keep_ms = (int64_t)c->retention_s * 1000 - ERASE_EARLY_MS, due = 0, due2 = 0;
    int64_t wall = kclock_wall_ms();
    enum kerr e = outbox_erase_old(s->ob, wall, keep_ms, DEAD_RETENTION_MS, PRUNE_MS, &erased, &due);
    if (e != KERR_OK) KLOGW(MOD, "retention pass failed: %s", kerr_str(e));
    else if (erased) KLOGI(MOD, "erased personal fields of %d finished items", erased);
    outbox_remove_damaged(c->db_path, wall, keep_ms, &due2);
    if (due2 && (!due || due2 < due)) due = due2;
    s->maint_due = now + MAINT_MS;
    if (e != KERR_OK) s->maint_due = now + 1000;
    else if (due) erase_due_in(s, now, due - wall);
    publish_counts(c, s->ob);
    outbox_checkpoint(s->ob); /* keeps the WAL short; the UI connection never checkpoints */
}

static void *sender_main(void *arg)
{
    struct kclient *c = arg;
    struct sender s;
    struct outbox_opts opts = {.check = false, .ui_conn = false, .test_seed = c->test_seed};
    memset(&s, 0, sizeof s);
    s.c = c;
    if (getrandom(&s.rnd, sizeof s.rnd, 0) != (ssize_t)sizeof s.rnd || !s.rnd)
        s.rnd = kclock_mono_ms() | 1;
    if (c->test_seed) opts.test_seed = c->test_seed ^ 0x5e11de7ULL; /* another sequence */
    if (outbox_open(c->db_path, &opts, &s.ob, NULL) != KERR_OK) {
        KLOGE(MOD, "sender cannot open the outbox; nothing will be sent");
        publish(c, false, KERR_DB, 0);
        pthread_mutex_lock(&c->mu);
        c->pub_counts_err = KERR_DB;
        pthread_mutex_unlock(&c->mu);
        return NULL;
    }
    load_new_items(&s);
    publish_counts(c, s.ob);
    s.hb_due = kclock_mono_ms();
    s.maint_due = kclock_mono_ms();
    while (!atomic_load(&c->stop)) {
        uint64_t now = kclock_mono_ms(), next;
        bool added;
        int running = 0;
        pthread_mutex_lock(&c->mu);
        added = c->items_added;
        c->items_added = false;
        pthread_mutex_unlock(&c->mu);
        if (added) {
            load_new_items(&s);
            publish_counts(c, s.ob);
        }
        if (c->no_hub) { /* nothing to send to: keep the items, wait */
            if (now >= s.maint_due) maintenance(&s, now);
            curl_multi_poll(c->multi, NULL, 0,
                            (int)(s.maint_due > now ? s.maint_due - now : 0), NULL);
            continue;
        }
        start_queries(&s);
        if (c->heartbeat_ms > 0 && now >= s.hb_due && !s.hb_in_flight) {
            start_heartbeat(&s);
            s.hb_due = now + (uint64_t)c->heartbeat_ms;
        }
        if (now >= s.maint_due) maintenance(&s, now);
        start_items(&s, now);
        /* Drive curl until nothing more finishes or starts, so no finished
         * transfer waits in the message queue while we sleep. */
        for (int k = 0; k < 16; k++) {
            int finished, started;
            curl_multi_perform(c->multi, &running);
            finished = process_done(&s);
            started = start_items(&s, kclock_mono_ms());
            if (finished == 0 && started == 0) break;
        }

        /* Sleep until the next due item, heartbeat or maintenance, or a wake-up. */
        now = kclock_mono_ms();
        next = now + 1000;
        if (s.maint_due < next) next = s.maint_due;
        if (c->heartbeat_ms > 0 && !s.hb_in_flight && s.hb_due < next) next = s.hb_due;
        if (s.items_in_flight < (s.host_tries > 0 ? 1 : c->max_in_flight)) {
            /* a free delivery slot: wake for the next due item */
            for (int i = 0; i < s.nslots; i++) {
                uint64_t due = s.slots[i].due_ms > s.host_due ? s.slots[i].due_ms : s.host_due;
                if (!s.slots[i].in_flight && due < next) next = due;
            }
        }
        if (next > now || running > 0) {
            int wait = next > now ? (int)(next - now) : 0;
            if (running > 0 && wait > 100) wait = 100;
            curl_multi_poll(c->multi, NULL, 0, wait, NULL);
        }
    }
    /* Abandon transfers in flight; their items stay pending in the outbox. */
    while (c->active) {
        struct xfer *x = c->active;
        curl_multi_remove_handle(c->multi, x->easy);
        xfer_free(c, x);
    }
    free(s.slots);
    outbox_close(s.ob);
    return NULL;
}

/* ---- public API (UI thread) ---- */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init_once(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

static enum kerr read_token(const char *file, char **out)
{
    char buf[512];
    FILE *f = fopen(file, "r");
    size_t n;
    *out = NULL;
    if (!f) return KERR_IO;
    if (!fgets(buf, sizeof buf, f)) {
        fclose(f);
        return KERR_USAGE;
    }
    fclose(f);
    n = strcspn(buf, "\r\n");
    buf[n] = '\0';
    *out = strdup(buf);
    return *out ? KERR_OK : KERR_NOMEM;
}

static bool token_ok(const char *t)
{
    size_t n = t ? strlen(t) : 0;
    if (n == 0 || n > 200) return false;
    for (size_t i = 0; i < n; i++)
        if (t[i] <= ' ' || t[i] > '~') return false;
    return true;
}

static enum kerr check_url(struct kclient *c, bool allow_insecure)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL;
    enum kerr e = KERR_USAGE;
    if (!u) return KERR_NOMEM;
    if (curl_url_set(u, CURLUPART_URL, c->hub_url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
        KLOGE(MOD, "hub_url is not a URL");
        goto done;
    }
    c->hub_is_loopback = host_is_loopback(host);
    if (strcmp(scheme, "https") == 0) {
        c->plain_http_ok = false;
        e = KERR_OK;
    } else if (strcmp(scheme, "http") == 0) {
        if (c->hub_is_loopback) {
            c->plain_http_ok = true;
            e = KERR_OK;
        } else if (allow_insecure) {
            KLOGW(MOD, "INSECURE: plain http to %s; requests travel unencrypted", host);
            c->plain_http_ok = true;
            e = KERR_OK;
        } else {
            KLOGE(MOD, "plain http to a non-loopback host needs allow_insecure_http");
        }
    } else {
        KLOGE(MOD, "hub_url scheme must be https");
    }
done:
    curl_free(scheme);
    curl_free(host);
    curl_url_cleanup(u);
    return e;
}

enum kerr kclient_open(const struct kclient_config *cfg, struct kclient **out)
{
    struct kclient *c;
    enum kerr e = KERR_NOMEM;
    size_t n;
    struct outbox_damage dmg;
    struct outbox_opts opts = {.check = true, .ui_conn = true};
    const char *seed;
    *out = NULL;
    if (!cfg || !cfg->db_path || !api_kiosk_id_valid(cfg->kiosk_id)) {
        KLOGE(MOD, "config: db_path and a valid kiosk_id are required");
        return KERR_USAGE;
    }
    pthread_once(&curl_once, curl_init_once);
    c = calloc(1, sizeof *c);
    if (!c) return KERR_NOMEM;
    kthread_owner_bind(&c->owner); /* every other public call must come from this thread */
    pthread_mutex_init(&c->mu, NULL);
    c->db_path = strdup(cfg->db_path);
    /* No hub yet (a kiosk not registered): requests are stored and wait. */
    c->no_hub = !cfg->hub_url || !cfg->hub_url[0];
    c->hub_url = strdup(c->no_hub ? "" : cfg->hub_url);
    c->kiosk_id = strdup(cfg->kiosk_id);
    c->ca_file = dup_or_null(cfg->ca_file);
    c->pinned = dup_or_null(cfg->pinned_pubkey);
    c->version = strdup(cfg->version ? cfg->version : KIOSK_VERSION);
    c->content_version = strdup(cfg->content_version ? cfg->content_version : "none");
    if (!c->db_path || !c->hub_url || !c->kiosk_id || !c->version || !c->content_version ||
        (cfg->ca_file && !c->ca_file) || (cfg->pinned_pubkey && !c->pinned))
        goto fail;
    n = strlen(c->hub_url);
    while (n > 0 && c->hub_url[n - 1] == '/') c->hub_url[--n] = '\0';
    if (cfg->token) {
        c->token = strdup(cfg->token);
        if (!c->token) goto fail;
    } else if (c->no_hub) {
        c->token = strdup("none");
        if (!c->token) goto fail;
    } else if (cfg->token_file) {
        e = read_token(cfg->token_file, &c->token);
        if (e != KERR_OK) {
            KLOGE(MOD, "cannot read the token file: %s", kerr_str(e));
            e = KERR_USAGE;
            goto fail;
        }
    }
    if (!token_ok(c->token)) {
        KLOGE(MOD, "config: a bearer token (printable ASCII, no spaces) is required");
        e = KERR_USAGE;
        goto fail;
    }
    snprintf(c->auth_header, sizeof c->auth_header, "Authorization: Bearer %s", c->token);
    snprintf(c->user_agent, sizeof c->user_agent, "huanglong-kiosk/%s (%s)", c->version, c->kiosk_id);
    if (c->no_hub) {
        KLOGW(MOD, "no hub_url configured: requests are kept in the outbox until one is");
        c->last_error = KERR_NET;
    } else {
        e = check_url(c, cfg->allow_insecure_http);
        if (e != KERR_OK) goto fail;
    }
    c->max_queued = cfg->max_queued > 0 ? cfg->max_queued : 1000;
    c->heartbeat_ms = cfg->heartbeat_s == 0 ? 60000 : cfg->heartbeat_s < 0 ? 0 : cfg->heartbeat_s * 1000;
    c->retention_s = cfg->retention_s > 0 ? cfg->retention_s : 600;
    c->backoff_base_ms = cfg->backoff_base_ms > 0 ? cfg->backoff_base_ms : 1000;
    c->backoff_cap_ms = cfg->backoff_cap_ms > 0 ? cfg->backoff_cap_ms : 300000;
    c->retry_after_cap_ms = cfg->retry_after_cap_ms > 0 ? cfg->retry_after_cap_ms : 3600000;
    c->connect_timeout_ms = cfg->connect_timeout_ms > 0 ? cfg->connect_timeout_ms : 10000;
    c->total_timeout_ms = cfg->total_timeout_ms > 0 ? cfg->total_timeout_ms : 30000;
    c->low_speed_time_s = cfg->low_speed_time_s > 0 ? cfg->low_speed_time_s : 10;
    c->max_in_flight = cfg->max_in_flight > 0 ? cfg->max_in_flight : 4;
    if (c->max_in_flight > 32) c->max_in_flight = 32;

    seed = getenv("KIOSK_TEST_RANDOM");
    if (seed && seed[0]) {
        if (c->no_hub || c->hub_is_loopback) {
            c->test_seed = strtoull(seed, NULL, 10) | 1;
            KLOGW(MOD, "KIOSK_TEST_RANDOM: ticket epochs and check codes are PREDICTABLE (tests "
                       "only)");
        } else {
            KLOGW(MOD, "KIOSK_TEST_RANDOM ignored: the hub is not on this machine");
        }
    }
    opts.test_seed = c->test_seed;
    e = outbox_open(c->db_path, &opts, &c->ui_ob, &dmg);
    if (e != KERR_OK) goto fail;
    if (dmg.moved_aside) {
        c->last_error = KERR_CORRUPT;
        c->damage_unreported = true;
        if (dmg.unreadable < 0)
            KLOGE(MOD, "the outbox was damaged and moved aside; nothing could be read from it");
        else
            KLOGE(MOD, "the outbox was damaged and moved aside: %d pending requests salvaged, "
                       "%d unreadable rows", dmg.salvaged, dmg.unreadable);
    }
    c->multi = curl_multi_init();
    if (!c->multi) {
        e = KERR_NOMEM;
        goto fail;
    }
    /* Parallelism is bounded by max_in_flight (+ heartbeat + queries) in the
     * sender itself; CURLMOPT_MAX_HOST_CONNECTIONS is not used because curl
     * 7.88 can leave transfers queued behind it pending forever. */
    curl_multi_setopt(c->multi, CURLMOPT_MAXCONNECTS, 8L);
    publish_counts(c, c->ui_ob); /* the first snapshot, before anyone asks */
    if (pthread_create(&c->thread, NULL, sender_main, c) != 0) {
        e = KERR_NOMEM;
        goto fail;
    }
    c->thread_started = true;
    *out = c;
    return KERR_OK;
fail:
    kclient_close(c);
    return e;
}

enum kerr kclient_submit_request(struct kclient *c, struct api_help_request *req,
                                 struct kclient_receipt *out)
{
    KASSERT_OWNER(&c->owner);
    struct outbox_receipt r;
    char key[API_UUID_SIZE];
    const char *why = NULL;
    enum kerr e;
    memset(out, 0, sizeof *out);
    if (!req) return KERR_INVALID;
    e = outbox_push_request(c->ui_ob, c->kiosk_id, req, c->max_queued, &r, key, &why);
    if (e != KERR_OK) {
        KLOGW(MOD, "request not stored: %s (%s)", kerr_str(e), why ? why : "-");
        return e;
    }
    memcpy(out->ticket, r.ticket, sizeof out->ticket);
    memcpy(out->check, r.check, sizeof out->check);
    pthread_mutex_lock(&c->mu);
    c->items_added = true;
    c->pub_adds++;
    c->pub_pending++;
    if (c->pub_oldest_ms == 0) c->pub_oldest_ms = kclock_wall_ms();
    pthread_mutex_unlock(&c->mu);
    curl_multi_wakeup(c->multi);
    return KERR_OK;
}

enum kerr kclient_query_ticket(struct kclient *c, const char *ticket, const char *check)
{
    KASSERT_OWNER(&c->owner);
    enum kerr e = KERR_OK;
    if (!api_ticket_valid(ticket) || !api_check_valid(check)) return KERR_INVALID;
    if (c->no_hub) {
        struct kclient_event ev;
        memset(&ev, 0, sizeof ev);
        ev.kind = KCLIENT_EV_TICKET_FAILED;
        ev.error = KERR_NET;
        snprintf(ev.ticket, sizeof ev.ticket, "%s", ticket);
        snprintf(ev.text, sizeof ev.text, "no hub configured");
        push_event(c, &ev);
        return KERR_OK;
    }
    pthread_mutex_lock(&c->mu);
    if (c->nqueries == QUERY_CAP) {
        e = KERR_FULL;
    } else {
        snprintf(c->queries[c->nqueries].ticket, API_TICKET_SIZE, "%s", ticket);
        snprintf(c->queries[c->nqueries].check, API_CHECK_SIZE, "%s", check);
        c->nqueries++;
    }
    pthread_mutex_unlock(&c->mu);
    if (e == KERR_OK) curl_multi_wakeup(c->multi);
    return e;
}

enum kerr kclient_local_ticket(struct kclient *c, const char *ticket, const char *check,
                               struct kclient_local *out)
{
    KASSERT_OWNER(&c->owner);
    struct outbox_local l;
    uint64_t now = kclock_mono_ms();
    enum kerr e;
    memset(out, 0, sizeof *out);
    if (!api_ticket_valid(ticket)) return KERR_NOTFOUND;
    if (c->local_window_ms == 0 || now - c->local_window_ms >= (uint64_t)LOCAL_MISS_WINDOW_MS) {
        c->local_window_ms = now;
        c->local_misses = 0;
    }
    if (c->local_misses >= LOCAL_MISS_MAX) return KERR_NOTFOUND; /* guessing: no answers now */
    e = outbox_local(c->ui_ob, ticket, check ? check : "", &l);
    if (e == KERR_NOTFOUND && ++c->local_misses == LOCAL_MISS_MAX)
        KLOGW(MOD, "%d wrong ticket lookups: local answers paused for %lld min", LOCAL_MISS_MAX,
              LOCAL_MISS_WINDOW_MS / 60000);
    if (e != KERR_OK) return e;
    out->state = (enum kclient_item_state)l.state;
    snprintf(out->category, sizeof out->category, "%s", l.category);
    out->created_wall_ms = l.created_ms;
    out->attempts = l.attempts;
    return KERR_OK;
}

enum kerr kclient_status(struct kclient *c, struct kclient_status *out)
{
    KASSERT_OWNER(&c->owner);
    int64_t oldest;
    enum kerr e;
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&c->mu);
    out->queue_depth = c->pub_pending;
    out->dead = c->pub_dead;
    out->lost = c->pub_lost;
    oldest = c->pub_oldest_ms;
    e = c->pub_counts_err;
    out->online = c->online;
    out->last_error = c->last_error;
    out->last_http_status = c->last_http;
    pthread_mutex_unlock(&c->mu);
    out->oldest_pending_s = oldest > 0 ? (kclock_wall_ms() - oldest) / 1000 : 0;
    if (out->oldest_pending_s < 0) out->oldest_pending_s = 0;
    return e;
}

bool kclient_next_event(struct kclient *c, struct kclient_event *ev)
{
    KASSERT_OWNER(&c->owner);
    bool got = false;
    pthread_mutex_lock(&c->mu);
    if (c->ev_len > 0) {
        *ev = c->evq[c->ev_head];
        c->ev_head = (c->ev_head + 1) % EVQ_CAP;
        c->ev_len--;
        got = true;
    }
    pthread_mutex_unlock(&c->mu);
    return got;
}

void kclient_set_notify(struct kclient *c, void (*fn)(void *ud), void *ud)
{
    KASSERT_OWNER(&c->owner);
    pthread_mutex_lock(&c->mu);
    c->notify = fn;
    c->notify_ud = ud;
    pthread_mutex_unlock(&c->mu);
}

void kclient_close(struct kclient *c)
{
    if (!c) return;
    KASSERT_OWNER(&c->owner);
    if (c->thread_started) {
        atomic_store(&c->stop, true);
        curl_multi_wakeup(c->multi);
        pthread_join(c->thread, NULL);
    }
    if (c->multi) curl_multi_cleanup(c->multi);
    outbox_close(c->ui_ob);
    pthread_mutex_destroy(&c->mu);
    if (c->token) memset(c->token, 0, strlen(c->token));
    memset(c->auth_header, 0, sizeof c->auth_header);
    free(c->db_path);
    free(c->hub_url);
    free(c->kiosk_id);
    free(c->token);
    free(c->ca_file);
    free(c->pinned);
    free(c->version);
    free(c->content_version);
    free(c);
}
