/* kclient_booking: see kclient_booking.h. The calls wait in c->bq under
 * c->mu; the sender takes them (kclient_booking_start) and hands each
 * finished transfer back (kclient_booking_finish). */
#include "kclient_booking.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kassert.h"
#include "klog.h"

#include "kclient_impl.h"

#define BQ_CALLS 16
#define BQ_ANSWERS 16

struct kclient_bq {
    struct { struct kclient_bcall q; uint32_t id; } calls[BQ_CALLS];
    int ncalls;
    struct kclient_banswer ans[BQ_ANSWERS];
    int nans;
    uint32_t next_id;
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
        x = (q->kind == KCLIENT_B_AVAIL || body) ? kclient_xfer_new(c, X_BOOKING, path, body, key)
                                                 : NULL;
        if (!x) {
            struct kclient_banswer a = {.id = calls.calls[i].id, .kind = q->kind, .error = KERR_NOMEM};
            put_answer(c, &a);
            continue;
        }
        x->item_id = (int64_t)calls.calls[i].id | ((int64_t)q->kind << 32);
    }
    explicit_bzero(&calls, sizeof calls);
}

void kclient_booking_finish(struct kclient *c, struct xfer *x, CURLcode rc, long http)
{
    struct kclient_banswer a;
    memset(&a, 0, sizeof a);
    a.id = (uint32_t)(x->item_id & 0xffffffff);
    a.kind = (enum kclient_bkind)(x->item_id >> 32);
    a.http = (int)http;
    if (rc != CURLE_OK) {
        a.error = KERR_NET;
        KLOGD(MOD, "booking call %u: %s", a.id, curl_easy_strerror(rc));
    } else {
        a.error = KERR_OK;
        a.body = x->resp;
        a.len = x->resp_len;
        x->resp = NULL;
    }
    kclient_publish(c, rc == CURLE_OK && http < 500, rc == CURLE_OK ? KERR_OK : KERR_NET, (int)http);
    put_answer(c, &a);
}

void kclient_booking_free(struct kclient *c)
{
    if (!c->bq) return;
    for (int i = 0; i < c->bq->nans; i++) free(c->bq->ans[i].body);
    explicit_bzero(c->bq, sizeof *c->bq);
    free(c->bq);
    c->bq = NULL;
}
