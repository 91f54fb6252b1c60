/* kclient_sender: the sender thread: starting transfers, their outcomes,
 * recording, backoff and maintenance (one transfer itself: kclient_xfer.c).
 * It owns s->ob, the curl easy handles and the schedule. See kclient_impl.h. */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "api.h"
#include "kclock.h"
#include "klog.h"
#include "kthread.h"
#include "outbox.h"

#include "kclient_impl.h"

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
/* A transfer with the default timeout and type (kclient_xfer.c). */
static struct xfer *xfer_new(struct kclient *c, enum xkind kind, const char *path, char *body,
                             const char *idem_key)
{
    return kclient_xfer_new(c, kind, path, body, 0, NULL, idem_key, 0, false);
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
    struct beatlog beats; /* what the log said about failing heartbeats */
    uint64_t rnd;       /* backoff jitter (xorshift64* state) */
};

static struct slot *find_slot(struct sender *s, int64_t id);

static void load_new_items(struct sender *s)
{
    struct outbox_item items[LIST_BATCH];
    int n;
    do {
        if (outbox_list_pending(s->ob, s->last_id, items, LIST_BATCH, &n) != KERR_OK) return;
        for (int i = 0; i < n; i++) {
            if (find_slot(s, items[i].id)) { /* a rescan (items re-sent): known already */
                s->last_id = items[i].id;
                continue;
            }
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
            kclient_push_event(c, &ev);
            continue;
        }
        memcpy(x->ticket, q[i].ticket, sizeof x->ticket);
    }
    explicit_bzero(q, sizeof q);
}

/* A heartbeat (kind X_HEARTBEAT, or X_PING for the admin panel's network
 * test, which is timed and answered with an event). */
static void start_beat(struct sender *s, enum xkind kind)
{
    struct kclient *c = s->c;
    struct api_heartbeat hb;
    struct outbox_counts n;
    struct xfer *x;
    char path[128], *body = NULL;
    memset(&hb, 0, sizeof hb);
    memset(&n, 0, sizeof n);
    outbox_counts(s->ob, &n);
    snprintf(hb.version, sizeof hb.version, "%s", c->version);
    snprintf(hb.tower, sizeof hb.tower, "%s", c->tower); /* booking leases */
    hb.queue_depth = n.pending;
    hb.oldest_pending_s = n.oldest_created_ms > 0 ? (kclock_wall_ms() - n.oldest_created_ms) / 1000 : 0;
    if (hb.oldest_pending_s < 0) hb.oldest_pending_s = 0;
    pthread_mutex_lock(&c->mu);
    snprintf(hb.content_version, sizeof hb.content_version, "%s", c->content_version);
    hb.online = c->online;
    s->hb_says_corrupt = c->damage_unreported;
    /* The contract's heartbeat has one error word: a damaged outbox is told
     * first (until a heartbeat saying so is accepted), then the link's. */
    hb.last_error_null = c->last_error == KERR_OK && !s->hb_says_corrupt;
    snprintf(hb.last_error, sizeof hb.last_error, "%s",
             kerr_str(s->hb_says_corrupt ? KERR_CORRUPT : c->last_error));
    hb.has_screen_on = c->screen_known;
    hb.screen_on = c->screen_on;
    pthread_mutex_unlock(&c->mu);
    kclient_content_fill_heartbeat(c, &hb);
    if (api_heartbeat_encode(&hb, &body) != KERR_OK) body = NULL;
    snprintf(path, sizeof path, "%s%s/heartbeat", API_PATH_KIOSKS, c->kiosk_id);
    x = body ? xfer_new(c, kind, path, body, NULL) : NULL;
    if (x && kind == X_HEARTBEAT) s->hb_in_flight = true;
    if (kind == X_PING) {
        if (x) {
            x->t0_ms = kclock_mono_ms();
        } else { /* answered at once, so the panel never waits for nothing */
            struct kclient_event ev = {.kind = KCLIENT_EV_PING, .error = KERR_NOMEM};
            pthread_mutex_lock(&c->mu);
            c->ping_busy = false;
            pthread_mutex_unlock(&c->mu);
            kclient_push_event(c, &ev);
        }
    }
}

static void start_heartbeat(struct sender *s)
{
    start_beat(s, X_HEARTBEAT);
}

/* The admin panel's asks: a network test, the queue's reasons, re-sending
 * dead items (their outcome is published before the events announcing it). */
_Static_assert(OUTBOX_REASON_SIZE == KCLIENT_REASON_SIZE, "reasons are copied whole");

static void admin_work(struct sender *s)
{
    struct kclient *c = s->c;
    struct kclient_queue q;
    struct outbox_reason r[KCLIENT_REASONS];
    bool ping, queue, resend;
    int n = 0;
    pthread_mutex_lock(&c->mu);
    ping = c->ping_wanted && !c->no_hub;
    if (ping) {
        c->ping_wanted = false;
        c->ping_busy = true;
    }
    queue = c->queue_wanted;
    resend = c->resend_wanted;
    c->queue_wanted = c->resend_wanted = false;
    pthread_mutex_unlock(&c->mu);
    if (ping) start_beat(s, X_PING);
    if (resend) {
        struct kclient_event ev;
        int revived = 0, gone = 0;
        memset(&ev, 0, sizeof ev);
        ev.kind = KCLIENT_EV_RESENT;
        ev.error = outbox_revive_dead(s->ob, &revived, &gone);
        ev.count = revived;
        if (ev.error == KERR_OK) {
            KLOGI(MOD, "admin: %d refused requests put back in the queue (%d erased ones cannot be)",
                  revived, gone);
            s->last_id = 0; /* rescan: the revived items are older than the last one listed */
            load_new_items(s);
        } else {
            KLOGE(MOD, "admin: refused requests not put back: %s", kerr_str(ev.error));
        }
        kclient_publish_counts(c, s->ob);
        kclient_push_event(c, &ev);
        queue = true;
    }
    if (!queue) return;
    memset(&q, 0, sizeof q);
    {
        struct outbox_counts oc;
        enum kerr e = outbox_counts(s->ob, &oc);
        if (e == KERR_OK) e = outbox_resendable(s->ob, &q.resendable);
        if (e == KERR_OK) e = outbox_reasons(s->ob, OUTBOX_PENDING, r, KCLIENT_REASONS, &n);
        for (int i = 0; e == KERR_OK && i < n; i++) {
            memcpy(q.pending_why[i].reason, r[i].reason, KCLIENT_REASON_SIZE);
            q.pending_why[i].count = r[i].count;
        }
        q.n_pending_why = e == KERR_OK ? n : 0;
        if (e == KERR_OK) e = outbox_reasons(s->ob, OUTBOX_DEAD, r, KCLIENT_REASONS, &n);
        for (int i = 0; e == KERR_OK && i < n; i++) {
            memcpy(q.dead_why[i].reason, r[i].reason, KCLIENT_REASON_SIZE);
            q.dead_why[i].count = r[i].count;
        }
        q.n_dead_why = e == KERR_OK ? n : 0;
        q.pending = oc.pending;
        q.dead = oc.dead;
        q.ready = e == KERR_OK;
        if (e != KERR_OK) KLOGW(MOD, "admin: the queue report could not be read: %s", kerr_str(e));
    }
    pthread_mutex_lock(&c->mu);
    c->pub_queue = q;
    pthread_mutex_unlock(&c->mu);
    {
        struct kclient_event ev = {.kind = KCLIENT_EV_QUEUE};
        kclient_push_event(c, &ev);
    }
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
    kclient_publish(s->c, rc == CURLE_OK && http < 500, ev.kind == KCLIENT_EV_TICKET_STATUS ? KERR_OK : ev.error,
            (int)http);
    kclient_push_event(s->c, &ev);
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
        if (x->kind == X_BOOKING) {
            kclient_booking_finish(c, x, rc, http);
        } else if (kclient_fleet_done(c, x, (int)rc, http)) {
            /* the event poll or a screenshot upload (kclient_events.c) */
        } else if (x->kind == X_QUERY) {
            finish_query(s, x, rc, http);
        } else if (x->kind == X_CONTENT) {
            kclient_content_done(c, x, rc, http);
            s->hb_due = kclock_mono_ms(); /* report the new version (or why not) at once */
        } else if (x->kind == X_HEARTBEAT || x->kind == X_PING) {
            if (x->kind == X_HEARTBEAT) {
                s->hb_in_flight = false;
                kclient_beatlog_done(c, &s->beats, rc, http, now);
            }
            /* the leases are kept before a ping's answer is told */
            if (rc == CURLE_OK && http == 200) kclient_booking_leases_in(c, x->resp, x->resp_len);
            if (x->kind == X_PING) {
                struct kclient_event ev;
                memset(&ev, 0, sizeof ev);
                ev.kind = KCLIENT_EV_PING;
                ev.http_status = (int)http;
                ev.rtt_ms = (int)(kclock_mono_ms() - x->t0_ms);
                ev.error = rc != CURLE_OK ? KERR_NET
                           : (http == 401 || http == 403) ? KERR_AUTH
                           : (http >= 200 && http < 300) ? KERR_OK : KERR_HTTP;
                if (rc != CURLE_OK) snprintf(ev.text, sizeof ev.text, "%s", curl_easy_strerror(rc));
                pthread_mutex_lock(&c->mu);
                c->ping_busy = false;
                pthread_mutex_unlock(&c->mu);
                kclient_push_event(c, &ev);
            }
            if (rc != CURLE_OK)
                kclient_publish(c, false, KERR_NET, 0);
            else if (http >= 500 || http == 429 || http == 408)
                kclient_publish(c, false, KERR_HTTP, (int)http);
            else if (http == 401 || http == 403)
                kclient_publish(c, true, KERR_AUTH, (int)http);
            else
                kclient_publish(c, true, http < 300 ? KERR_OK : KERR_HTTP, (int)http);
            if (rc == CURLE_OK && http >= 200 && http < 300)
                kclient_content_on_heartbeat(c, x->resp, x->resp_len);
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
            d->out = kclient_xfer_classify(x, rc, http, &err, d->reason);
            if (sl) sl->in_flight = false;
            if (d->out == OUT_RETRY) {
                ra = (http == 429 || http == 503) ? kclient_xfer_retry_after_ms(c, m->easy_handle) : 0;
                record_failure(s, sl, now, ra);
                KLOGD(MOD, "item %s: retry (%s)", x->ticket, d->reason);
                kclient_publish(c, err == KERR_AUTH || err == KERR_PARSE, err, (int)http);
            } else {
                s->host_tries = 0;
                s->host_due = 0;
                kclient_publish(c, true, KERR_OK, (int)http);
                if (d->out == OUT_DELIVERED) {
                    d->answer = x->resp;
                    x->resp = NULL;
                    delivered_any = true;
                }
            }
            ndone++;
        }
        kclient_xfer_free(c, x);
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
    if (e == KERR_OK) kclient_publish_counts(c, s->ob); /* before the events that announce it */
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
            kclient_push_event(c, &ev);
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
    kclient_publish_counts(c, s->ob);
    outbox_checkpoint(s->ob); /* keeps the WAL short; the UI connection never checkpoints */
}

void *kclient_sender_main(void *arg)
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
        kclient_publish(c, false, KERR_DB, 0);
        pthread_mutex_lock(&c->mu);
        c->pub_counts_err = KERR_DB;
        pthread_mutex_unlock(&c->mu);
        return NULL;
    }
    load_new_items(&s);
    kclient_publish_counts(c, s.ob);
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
            kclient_publish_counts(c, s.ob);
        }
        admin_work(&s);
        if (c->no_hub) { /* nothing to send to: keep the items, wait */
            if (now >= s.maint_due) maintenance(&s, now);
            curl_multi_poll(c->multi, NULL, 0,
                            (int)(s.maint_due > now ? s.maint_due - now : 0), NULL);
            continue;
        }
        start_queries(&s);
        pthread_mutex_lock(&c->mu);
        if (c->beat_now && !s.hb_in_flight) { /* the screen went on or off: say so now */
            c->beat_now = false;
            s.hb_due = now;
        }
        pthread_mutex_unlock(&c->mu);
        kclient_booking_start(c);
        kclient_fleet_tick(c, now);
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
        if (kclient_fleet_due(c) < next) next = kclient_fleet_due(c);
        if (s.items_in_flight < (s.host_tries > 0 ? 1 : c->max_in_flight)) {
            /* a free delivery slot: wake for the next due item */
            for (int i = 0; i < s.nslots; i++) {
                uint64_t due = s.slots[i].due_ms > s.host_due ? s.slots[i].due_ms : s.host_due;
                if (!s.slots[i].in_flight && due < next) next = due;
            }
        }
        if (next > now || running > 0) {
            int wait = next > now ? (int)(next - now) : 0;
            /* a transfer under way: look again soon (a held event poll is not one) */
            if (running > (c->fleet.poll_in_flight ? 1 : 0) && wait > 100) wait = 100;
            curl_multi_poll(c->multi, NULL, 0, wait, NULL);
        }
    }
    /* Abandon transfers in flight; their items stay pending in the outbox. */
    while (c->active) {
        struct xfer *x = c->active;
        curl_multi_remove_handle(c->multi, x->easy);
        kclient_xfer_free(c, x);
    }
    free(s.slots);
    outbox_close(s.ob);
    return NULL;
}
