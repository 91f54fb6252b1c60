/* kclient: public face (UI thread); the sender thread is kclient_sender.c.
 * The UI thread owns c->ui_ob; the sender owns s->ob, the curl easy handles
 * and the schedule. They meet only in the fields under c->mu (events,
 * queries, published status, flags) and in curl_multi_wakeup, which is
 * thread-safe. */
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

#include "kclient_impl.h"


/* ---- small helpers ---- */

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

void kclient_wipe_str(char *s)
{
    if (s) explicit_bzero(s, strlen(s));
}


void kclient_push_event(struct kclient *c, const struct kclient_event *ev)
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
void kclient_publish_counts(struct kclient *c, struct outbox *ob)
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

void kclient_publish(struct kclient *c, bool online, enum kerr err, int http)
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
void kclient_trim_utf8(char *s)
{
    size_t n = strlen(s), i = n, need;
    unsigned char c;
    while (i > 0 && ((unsigned char)s[i - 1] & 0xC0) == 0x80) i--;
    if (i == 0) return;
    c = (unsigned char)s[i - 1];
    need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    if (n - (i - 1) < need) s[i - 1] = '\0';
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
    snprintf(c->hub_host, sizeof c->hub_host, "%s", host);
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
    if (cfg->tower_id && api_kiosk_id_valid(cfg->tower_id))
        snprintf(c->tower, sizeof c->tower, "%s", cfg->tower_id);
    c->fleet.on = cfg->events;
    if (cfg->tower && cfg->tower[0]) { /* reported with each event poll: alerts to its tower */
        char t[API_TOKEN_SIZE + 8];
        snprintf(t, sizeof t, "tower:%.39s", cfg->tower);
        if (api_alert_to_valid(t)) snprintf(c->fleet.tower, sizeof c->fleet.tower, "%s", cfg->tower);
        else KLOGW(MOD, "tower %.39s is not a valid id: alerts to a tower will not reach this kiosk",
                   cfg->tower);
    }
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
    c->beat_remind_ms = cfg->heartbeat_remind_ms > 0 ? cfg->heartbeat_remind_ms : 600000;
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
    e = kclient_content_open(c, cfg);
    if (e != KERR_OK) goto fail;
    c->multi = curl_multi_init();
    if (!c->multi) {
        e = KERR_NOMEM;
        goto fail;
    }
    /* Parallelism is bounded by max_in_flight (+ heartbeat + queries) in the
     * sender itself; CURLMOPT_MAX_HOST_CONNECTIONS is not used because curl
     * 7.88 can leave transfers queued behind it pending forever. */
    curl_multi_setopt(c->multi, CURLMOPT_MAXCONNECTS, 8L);
    kclient_publish_counts(c, c->ui_ob); /* the first snapshot, before anyone asks */
    if (pthread_create(&c->thread, NULL, kclient_sender_main, c) != 0) {
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
        kclient_push_event(c, &ev);
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

void kclient_set_screen_on(struct kclient *c, bool on)
{
    KASSERT_OWNER(&c->owner);
    bool changed;
    pthread_mutex_lock(&c->mu);
    changed = !c->screen_known || c->screen_on != on;
    c->screen_known = true;
    c->screen_on = on;
    if (changed) c->beat_now = true;
    pthread_mutex_unlock(&c->mu);
    if (changed) curl_multi_wakeup(c->multi);
}

void kclient_set_content_version(struct kclient *c, const char *version)
{
    KASSERT_OWNER(&c->owner);
    char *v = strdup(version ? version : "none"), *old;
    if (!v) return;
    pthread_mutex_lock(&c->mu);
    old = c->content_version;
    c->content_version = v;
    c->beat_now = true;
    pthread_mutex_unlock(&c->mu);
    free(old);
    curl_multi_wakeup(c->multi);
}

enum kerr kclient_ping(struct kclient *c)
{
    KASSERT_OWNER(&c->owner);
    enum kerr e = KERR_OK;
    if (c->no_hub) {
        struct kclient_event ev;
        memset(&ev, 0, sizeof ev);
        ev.kind = KCLIENT_EV_PING;
        ev.error = KERR_NET;
        snprintf(ev.text, sizeof ev.text, "no hub configured");
        kclient_push_event(c, &ev);
        return KERR_OK;
    }
    pthread_mutex_lock(&c->mu);
    if (c->ping_busy || c->ping_wanted) e = KERR_BUSY;
    else c->ping_wanted = true;
    pthread_mutex_unlock(&c->mu);
    if (e == KERR_OK) curl_multi_wakeup(c->multi);
    return e;
}

void kclient_queue_refresh(struct kclient *c)
{
    KASSERT_OWNER(&c->owner);
    pthread_mutex_lock(&c->mu);
    c->queue_wanted = true;
    pthread_mutex_unlock(&c->mu);
    curl_multi_wakeup(c->multi);
}

void kclient_queue_report(struct kclient *c, struct kclient_queue *out)
{
    KASSERT_OWNER(&c->owner);
    pthread_mutex_lock(&c->mu);
    *out = c->pub_queue;
    pthread_mutex_unlock(&c->mu);
}

void kclient_resend_dead(struct kclient *c)
{
    KASSERT_OWNER(&c->owner);
    pthread_mutex_lock(&c->mu);
    c->resend_wanted = true;
    pthread_mutex_unlock(&c->mu);
    curl_multi_wakeup(c->multi);
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
    kclient_booking_free(c);
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
    kclient_content_free(c);
    kclient_fleet_free(c);
    free(c);
}
