/* kclient_booking: see kclient_booking.h. The calls wait in c->bq under
 * c->mu; the sender takes them (kclient_booking_start) and hands each
 * finished transfer back (kclient_booking_finish). */
#include "kclient_booking.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bookbox.h"
#include "kassert.h"
#include "kclock.h"
#include "klog.h"

#include "kclient_impl.h"

#define BQ_CALLS 16
#define BQ_ANSWERS 16

#define B_DELIVERY 7 /* x->item_id >> 32 of a delivery of a bookbox item */
#define DELIVER_RETRY_MIN_MS 2000
#define DELIVER_RETRY_MAX_MS 60000
#define SWEEP_EVERY_MS 30000

struct kclient_bq {
    struct { struct kclient_bcall q; uint32_t id; } calls[BQ_CALLS];
    int ncalls;
    struct kclient_banswer ans[BQ_ANSWERS];
    int nans;
    uint32_t next_id;
    /* bookbox handles: one per thread */
    struct bookbox *ui_bb;     /* UI thread */
    struct bookbox *snd_bb;    /* sender thread */
    bool delivering;           /* sender: a delivery in flight */
    uint64_t deliver_due, retry_ms, sweep_due; /* sender, monotonic */
};

/* c->mu held */
static struct kclient_bq *bq_of(struct kclient *c)
{
    if (!c->bq) c->bq = calloc(1, sizeof *c->bq);
    return c->bq;
}

/* Queues an answer for the UI (c->mu not held); the oldest is dropped when full. */
static void put_answer(struct kclient *c, struct kclient_banswer *a)
{
    struct kclient_event ev;
    pthread_mutex_lock(&c->mu);
    if (bq_of(c)) {
        struct kclient_bq *b = c->bq;
        if (b->nans == BQ_ANSWERS) {
            free(b->ans[0].body);
            memmove(&b->ans[0], &b->ans[1], sizeof b->ans[0] * (BQ_ANSWERS - 1));
            b->nans--;
        }
        b->ans[b->nans++] = *a;
        a->body = NULL;
    }
    pthread_mutex_unlock(&c->mu);
    free(a->body);
    memset(&ev, 0, sizeof ev);
    ev.kind = KCLIENT_EV_BOOKING;
    ev.error = a->error;
    ev.http_status = a->http;
    kclient_push_event(c, &ev);
}

static bool call_valid(const struct kclient_bcall *q)
{
    int64_t d;
    char code[BOOK_CODE_SIZE];
    switch (q->kind) {
    case KCLIENT_B_AVAIL:
        return api_kiosk_id_valid(q->room) && book_date_parse(q->date, &d) && q->days >= 1 &&
               q->days <= 30;
    case KCLIENT_B_CREATE:
        return api_kiosk_id_valid(q->room) && api_time_valid(q->start) &&
               book_phone_valid(q->phone) && api_uuid_v4_valid(q->key);
    case KCLIENT_B_CHECKIN:
    case KCLIENT_B_CANCEL: return book_code_normalise(q->code, code) && book_last4_valid(q->last4);
    }
    return false;
}

enum kerr kclient_booking_call(struct kclient *c, const struct kclient_bcall *q, uint32_t *id)
{
    KASSERT_OWNER(&c->owner);
    enum kerr e = KERR_OK;
    *id = 0;
    if (!call_valid(q)) return KERR_INVALID;
    pthread_mutex_lock(&c->mu);
    if (!bq_of(c)) {
        e = KERR_NOMEM;
    } else if (c->bq->ncalls == BQ_CALLS) {
        e = KERR_FULL;
    } else {
        *id = ++c->bq->next_id;
        if (!c->no_hub) {
            c->bq->calls[c->bq->ncalls].q = *q;
            c->bq->calls[c->bq->ncalls].id = *id;
            c->bq->ncalls++;
        }
    }
    pthread_mutex_unlock(&c->mu);
    if (e == KERR_OK && c->no_hub) {
        struct kclient_banswer a = {.id = *id, .kind = q->kind, .error = KERR_NET};
        put_answer(c, &a);
    } else if (e == KERR_OK) {
        curl_multi_wakeup(c->multi);
    }
    return e;
}

bool kclient_booking_answer(struct kclient *c, uint32_t id, struct kclient_banswer *out)
{
    KASSERT_OWNER(&c->owner);
    bool got = false;
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&c->mu);
    for (int i = 0; c->bq && i < c->bq->nans && !got; i++) {
        if (c->bq->ans[i].id != id) continue;
        *out = c->bq->ans[i];
        memmove(&c->bq->ans[i], &c->bq->ans[i + 1], sizeof c->bq->ans[0] * (size_t)(c->bq->nans - i - 1));
        c->bq->nans--;
        got = true;
    }
    pthread_mutex_unlock(&c->mu);
    return got;
}

void kclient_banswer_free(struct kclient_banswer *a)
{
    free(a->body);
    a->body = NULL;
}

/* ---- sender thread -------------------------------------------------------- */

static char *create_body(const struct kclient *c, const struct kclient_bcall *q)
{
    cJSON *o = cJSON_CreateObject();
    char *txt = NULL;
    if (o && cJSON_AddStringToObject(o, "kiosk_id", c->kiosk_id) &&
        cJSON_AddStringToObject(o, "room", q->room) && cJSON_AddStringToObject(o, "start", q->start) &&
        cJSON_AddStringToObject(o, "phone", q->phone) &&
        cJSON_AddStringToObject(o, "lang", q->lang[0] ? q->lang : "zh"))
        txt = cJSON_PrintUnformatted(o);
    cJSON_Delete(o); /* api_json_wipe_on_free: the phone's copies are wiped */
    return txt;
}

/* <dir of the outbox>/bookings.db */
static struct bookbox *bb_open(struct kclient *c)
{
    char path[1024];
    const char *slash = strrchr(c->db_path, '/');
    struct bookbox *bb = NULL;
    if (slash) snprintf(path, sizeof path, "%.*s/bookings.db", (int)(slash - c->db_path), c->db_path);
    else snprintf(path, sizeof path, "bookings.db");
    if (bookbox_open(path, &bb) != KERR_OK) return NULL;
    return bb;
}

static struct bookbox *ui_bb(struct kclient *c)
{
    struct bookbox *bb = NULL;
    pthread_mutex_lock(&c->mu);
    if (bq_of(c)) bb = c->bq->ui_bb;
    pthread_mutex_unlock(&c->mu);
    if (bb || !c->bq) return bb;
    bb = bb_open(c);
    pthread_mutex_lock(&c->mu);
    c->bq->ui_bb = bb;
    pthread_mutex_unlock(&c->mu);
    return bb;
}

static struct bookbox *snd_bb(struct kclient *c)
{
    struct bookbox *bb;
    pthread_mutex_lock(&c->mu);
    bb = bq_of(c) ? c->bq->snd_bb : NULL;
    pthread_mutex_unlock(&c->mu);
    if (bb || !c->bq) return bb;
    bb = bb_open(c);
    pthread_mutex_lock(&c->mu);
    c->bq->snd_bb = bb;
    pthread_mutex_unlock(&c->mu);
    return bb;
}

int kclient_booking_slot(struct kclient *c, const char *room, int64_t start)
{
    KASSERT_OWNER(&c->owner);
    struct bookbox *bb = ui_bb(c);
    return bb ? (int)bookbox_slot(bb, room, start) : 0;
}

int kclient_booking_held(struct kclient *c, const char *room, int64_t from, int64_t to,
                         int64_t *starts, bool *free, int cap)
{
    KASSERT_OWNER(&c->owner);
    struct bookbox *bb = ui_bb(c);
    return bb ? bookbox_held(bb, room, from, to, starts, free, cap) : 0;
}

enum kerr kclient_booking_local(struct kclient *c, const char *room, int64_t start,
                                const char *phone, const char *lang, char code[BOOK_CODE_SIZE],
                                char last4[BOOK_LAST4_SIZE])
{
    KASSERT_OWNER(&c->owner);
    struct bookbox *bb = ui_bb(c);
    struct bookbox_item it;
    enum kerr e;
    code[0] = last4[0] = '\0';
    if (!book_phone_valid(phone) || !api_kiosk_id_valid(room)) return KERR_INVALID;
    if (!bb) return KERR_DB;
    memset(&it, 0, sizeof it);
    snprintf(it.room, sizeof it.room, "%s", room);
    it.start = start;
    snprintf(it.phone, sizeof it.phone, "%s", phone);
    snprintf(it.lang, sizeof it.lang, "%s", lang && lang[0] ? lang : "zh");
    e = api_uuid_v4_make(it.key);
    if (e == KERR_OK) e = book_code_make(it.code);
    if (e == KERR_OK) e = bookbox_confirm(bb, &it);
    if (e == KERR_OK) {
        snprintf(code, BOOK_CODE_SIZE, "%s", it.code);
        book_phone_last4(phone, last4);
        KLOGI(MOD, "booking %s confirmed here on a leased slot; sending it to the hub", it.code);
        pthread_mutex_lock(&c->mu);
        if (c->bq) c->bq->deliver_due = 0;
        pthread_mutex_unlock(&c->mu);
        curl_multi_wakeup(c->multi);
    }
    explicit_bzero(&it, sizeof it);
    return e;
}

int kclient_booking_pending(struct kclient *c)
{
    KASSERT_OWNER(&c->owner);
    struct bookbox *bb = ui_bb(c);
    return bb ? bookbox_pending(bb) : -1;
}

void kclient_booking_leases_in(struct kclient *c, const char *json, size_t len)
{
    cJSON *o = json ? cJSON_ParseWithLength(json, len) : NULL;
    const cJSON *l = cJSON_GetObjectItemCaseSensitive(o, "leases");
    struct bookbox *bb = l ? snd_bb(c) : NULL;
    if (bb && bookbox_leases_set(bb, l) != KERR_OK) KLOGW(MOD, "could not keep the booking leases");
    /* the hub answered: a booking waiting out its backoff goes now (the
     * wake-up makes the sender's next poll return at once) */
    if (c->bq && !c->bq->delivering) {
        c->bq->retry_ms = 0;
        c->bq->deliver_due = 0;
        curl_multi_wakeup(c->multi);
    }
    cJSON_Delete(o);
}

/* The next booking confirmed here goes to the hub (one at a time). */
static void deliver_next(struct kclient *c, struct kclient_bq *b)
{
    struct bookbox *bb = snd_bb(c);
    struct bookbox_item it;
    uint64_t now = kclock_mono_ms();
    cJSON *o;
    char start[API_TIME_SIZE], *body = NULL;
    struct xfer *x;
    if (!bb) return;
    if (now >= b->sweep_due) {
        bookbox_sweep(bb, kclock_wall_ms(), (int64_t)c->retention_s * 1000);
        b->sweep_due = now + SWEEP_EVERY_MS;
    }
    if (b->delivering || now < b->deliver_due || !bookbox_next(bb, 0, &it)) return;
    api_time_format(it.start * 1000, start);
    o = cJSON_CreateObject();
    if (o && cJSON_AddStringToObject(o, "kiosk_id", c->kiosk_id) &&
        cJSON_AddStringToObject(o, "room", it.room) && cJSON_AddStringToObject(o, "start", start) &&
        cJSON_AddStringToObject(o, "phone", it.phone) && cJSON_AddStringToObject(o, "lang", it.lang) &&
        cJSON_AddStringToObject(o, "code", it.code) && cJSON_AddBoolToObject(o, "offline", true))
        body = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    x = body ? kclient_xfer_new(c, X_BOOKING, "/api/v1/bookings", body, 0, NULL, it.key, 0, false) : NULL;
    if (x) {
        x->item_id = it.id | ((int64_t)B_DELIVERY << 32);
        snprintf(x->key, sizeof x->key, "%s", it.key);
        b->delivering = true;
    } else {
        b->deliver_due = now + DELIVER_RETRY_MIN_MS;
    }
    explicit_bzero(&it, sizeof it);
}

/* A delivery ended: the hub has it (2xx, or its problem answer naming the
 * key: refused, kept as dead), or it is tried again later. */
static void delivered(struct kclient *c, struct xfer *x, CURLcode rc, long http)
{
    struct kclient_bq *b = c->bq;
    struct bookbox *bb = snd_bb(c);
    int64_t id = x->item_id & 0xffffffff;
    struct api_problem p;
    b->delivering = false;
    if (rc == CURLE_OK && (http == 201 || http == 200)) {
        if (bb) bookbox_done(bb, id, true, kclock_wall_ms());
        b->retry_ms = 0;
        b->deliver_due = 0;
        curl_multi_wakeup(c->multi); /* the next one at once, not at the next tick */
        kclient_publish(c, true, KERR_OK, (int)http);
        KLOGI(MOD, "booking confirmed here reached the hub (%ld)", http);
        return;
    }
    if (rc == CURLE_OK && (http == 409 || http == 422) && x->resp &&
        api_problem_decode(x->resp, x->resp_len, &p, NULL) == KERR_OK && x->key[0] &&
        api_problem_is_hubs_answer(&p, (int)http, x->key)) {
        if (bb) bookbox_done(bb, id, false, kclock_wall_ms());
        KLOGW(MOD, "the hub refused a booking confirmed here: %ld %.80s", http, p.detail);
        return;
    }
    b->retry_ms = b->retry_ms ? b->retry_ms * 2 : DELIVER_RETRY_MIN_MS;
    if (b->retry_ms > DELIVER_RETRY_MAX_MS) b->retry_ms = DELIVER_RETRY_MAX_MS;
    b->deliver_due = kclock_mono_ms() + b->retry_ms;
    if (rc != CURLE_OK) kclient_publish(c, false, KERR_NET, 0);
}

void kclient_booking_start(struct kclient *c)
{
    struct kclient_bq calls;
    int n;
    pthread_mutex_lock(&c->mu);
    n = c->bq ? c->bq->ncalls : 0;
    if (n) {
        memcpy(calls.calls, c->bq->calls, sizeof calls.calls[0] * (size_t)n);
        explicit_bzero(c->bq->calls, sizeof c->bq->calls);
        c->bq->ncalls = 0;
    }
    pthread_mutex_unlock(&c->mu);
    for (int i = 0; i < n; i++) {
        const struct kclient_bcall *q = &calls.calls[i].q;
        char path[160], *body = NULL, code[BOOK_CODE_SIZE] = "";
        const char *key = NULL;
        struct xfer *x;
        switch (q->kind) {
        case KCLIENT_B_AVAIL:
            snprintf(path, sizeof path, "/api/v1/rooms/%.39s/availability?date=%.10s&days=%d",
                     q->room, q->date, q->days);
            break;
        case KCLIENT_B_CREATE:
            snprintf(path, sizeof path, "/api/v1/bookings");
            body = create_body(c, q);
            key = q->key;
            break;
        case KCLIENT_B_CHECKIN:
        case KCLIENT_B_CANCEL: {
            cJSON *o = cJSON_CreateObject();
            book_code_normalise(q->code, code);
            snprintf(path, sizeof path, "/api/v1/bookings/%s/%s", code,
                     q->kind == KCLIENT_B_CHECKIN ? "check-in" : "cancel");
            if (o && cJSON_AddStringToObject(o, "last4", q->last4))
                body = cJSON_PrintUnformatted(o);
            cJSON_Delete(o);
            break;
        }
        }
        x = (q->kind == KCLIENT_B_AVAIL || body) ? kclient_xfer_new(c, X_BOOKING, path, body, 0, NULL, key, 0, false)
                                                 : NULL;
        if (!x) {
            struct kclient_banswer a = {.id = calls.calls[i].id, .kind = q->kind, .error = KERR_NOMEM};
            put_answer(c, &a);
            continue;
        }
        x->item_id = (int64_t)calls.calls[i].id | ((int64_t)q->kind << 32);
    }
    explicit_bzero(&calls, sizeof calls);
    if (c->bq) deliver_next(c, c->bq);
}

void kclient_booking_finish(struct kclient *c, struct xfer *x, CURLcode rc, long http)
{
    struct kclient_banswer a;
    if ((x->item_id >> 32) == B_DELIVERY) {
        delivered(c, x, rc, http);
        return;
    }
    memset(&a, 0, sizeof a);
    a.id = (uint32_t)(x->item_id & 0xffffffff);
    a.kind = (enum kclient_bkind)(x->item_id >> 32);
    a.http = (int)http;
    if (rc != CURLE_OK) {
        a.error = KERR_NET;
        KLOGD(MOD, "booking call %u: %s", a.id, curl_easy_strerror(rc));
    } else {
        curl_off_t ra = 0;
        a.error = KERR_OK;
        a.body = x->resp;
        a.len = x->resp_len;
        x->resp = NULL;
        /* the hub is busy (not offline): when to ask again */
        if ((http == 429 || http == 503) &&
            curl_easy_getinfo(x->easy, CURLINFO_RETRY_AFTER, &ra) == CURLE_OK && ra > 0)
            a.retry_after_s = ra > 3600 ? 3600 : (int)ra;
    }
    kclient_publish(c, rc == CURLE_OK && http < 500, rc == CURLE_OK ? KERR_OK : KERR_NET, (int)http);
    put_answer(c, &a);
}

void kclient_booking_free(struct kclient *c)
{
    if (!c->bq) return;
    for (int i = 0; i < c->bq->nans; i++) free(c->bq->ans[i].body);
    bookbox_close(c->bq->ui_bb);
    bookbox_close(c->bq->snd_bb); /* the sender has stopped */
    explicit_bzero(c->bq, sizeof *c->bq);
    free(c->bq);
    c->bq = NULL;
}
