/* kclient_events: the event long-poll (alerts, screenshot requests) and the
 * screenshot upload on the sender thread, and their UI-thread calls (see
 * kclient.h "fleet operations" and kclient_fleet.h). */
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "api.h"
#include "api_fleet.h"
#include "kclock.h"
#include "klog.h"
#include "kthread.h"

#include "kclient_impl.h"

#define POLL_BACKOFF_BASE_MS 1000
#define POLL_BACKOFF_CAP_MS 30000
/* longer than the hub holds a poll, so its answer, not our timeout, ends it */
#define POLL_TIMEOUT_MS ((API_EVENTS_HOLD_S + 15) * 1000L)
#define SHOT_TIMEOUT_MS 60000L

static void notify(struct kclient *c)
{
    pthread_mutex_lock(&c->mu);
    if (c->notify) c->notify(c->notify_ud);
    pthread_mutex_unlock(&c->mu);
}

/* ---- sender thread ------------------------------------------------------------ */

static void start_poll(struct kclient *c)
{
    struct kclient_fleet *f = &c->fleet;
    char path[256];
    snprintf(path, sizeof path, "%s%s/events?since=%llu%s%s", API_PATH_KIOSKS, c->kiosk_id, f->seq,
             f->tower[0] ? "&tower=" : "", f->tower);
    if (kclient_xfer_new(c, X_EVENTS, path, NULL, 0, NULL, NULL, POLL_TIMEOUT_MS, true))
        f->poll_in_flight = true;
    else
        f->poll_due = kclock_mono_ms() + POLL_BACKOFF_BASE_MS;
}

static void start_upload(struct kclient *c)
{
    struct kclient_fleet *f = &c->fleet;
    char path[256], sid[API_SHOT_ID_SIZE], *body;
    size_t len;
    bool png;
    pthread_mutex_lock(&c->mu);
    if (!f->up_ready) {
        pthread_mutex_unlock(&c->mu);
        return;
    }
    memcpy(sid, f->up_sid, sizeof sid);
    png = f->up_png != NULL;
    body = (char *)f->up_png;
    len = f->up_len;
    if (!png) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "refused", f->up_reason);
        body = cJSON_PrintUnformatted(o);
        cJSON_Delete(o);
        len = body ? strlen(body) : 0;
    }
    f->up_png = NULL;
    f->up_len = 0;
    f->up_ready = false;
    pthread_mutex_unlock(&c->mu);
    if (!body) return;
    snprintf(path, sizeof path, "%s%s/screenshots/%s", API_PATH_KIOSKS, c->kiosk_id, sid);
    if (kclient_xfer_new(c, X_SHOT, path, body, len, png ? "image/png" : NULL, NULL,
                         SHOT_TIMEOUT_MS, false))
        f->shot_in_flight = true;
    else
        KLOGW(MOD, "screenshot %s: could not start the upload", sid);
}

void kclient_fleet_tick(struct kclient *c, uint64_t now)
{
    struct kclient_fleet *f = &c->fleet;
    if (!f->on) return;
    if (!f->poll_in_flight && now >= f->poll_due) start_poll(c);
    if (!f->shot_in_flight) start_upload(c);
}

uint64_t kclient_fleet_due(const struct kclient *c)
{
    return c->fleet.poll_in_flight || !c->fleet.on ? UINT64_MAX : c->fleet.poll_due;
}

/* Reads an events answer; false when it is not one (nothing changed). */
static bool take_answer(struct kclient *c, const char *txt, size_t len)
{
    struct kclient_fleet *f = &c->fleet;
    cJSON *o = txt ? cJSON_ParseWithLength(txt, len) : NULL, *it;
    const cJSON *seq = cJSON_GetObjectItemCaseSensitive(o, "seq");
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(o, "alerts");
    const cJSON *shot = cJSON_GetObjectItemCaseSensitive(o, "screenshot");
    struct api_alert *al = calloc(API_ALERT_MAX, sizeof *al);
    int n = 0;
    bool changed = false, ok = false;
    if (!al || !cJSON_IsNumber(seq) || seq->valuedouble < 0 || !cJSON_IsArray(arr)) goto out;
    cJSON_ArrayForEach(it, arr)
    {
        const char *why = "";
        if (n == API_ALERT_MAX) break;
        if (api_alert_from_json(it, false, &al[n], &why) != KERR_OK) {
            KLOGW(MOD, "an alert from the hub skipped: %s", why);
            continue;
        }
        n++;
    }
    f->seq = (unsigned long long)seq->valuedouble;
    pthread_mutex_lock(&c->mu);
    if (n != f->nalerts || memcmp(al, f->alerts, (size_t)n * sizeof *al) != 0) {
        memcpy(f->alerts, al, (size_t)n * sizeof *al);
        f->nalerts = n;
        f->gen++;
        changed = true;
    }
    if (cJSON_IsString(shot) && api_shot_id_valid(shot->valuestring) &&
        strcmp(shot->valuestring, f->shot_seen) != 0 && strcmp(shot->valuestring, f->shot_sid) != 0) {
        snprintf(f->shot_sid, sizeof f->shot_sid, "%s", shot->valuestring);
        changed = true;
    }
    if (!f->connected) changed = true;
    f->connected = true;
    pthread_mutex_unlock(&c->mu);
    if (changed) KLOGI(MOD, "events: %d alerts, screenshot %s", n,
                       cJSON_IsString(shot) ? shot->valuestring : "none");
    ok = true;
out:
    free(al);
    cJSON_Delete(o);
    if (changed) notify(c);
    return ok;
}

bool kclient_fleet_done(struct kclient *c, struct xfer *x, int rc, long http)
{
    struct kclient_fleet *f = &c->fleet;
    uint64_t now = kclock_mono_ms();
    if (x->kind == X_SHOT) {
        f->shot_in_flight = false;
        if (rc != CURLE_OK || http != 204)
            KLOGW(MOD, "screenshot upload: %s %ld", rc != CURLE_OK ? "net" : "http", http);
        else
            KLOGI(MOD, "screenshot uploaded");
        return true;
    }
    if (x->kind != X_EVENTS) return false;
    f->poll_in_flight = false;
    if (rc == CURLE_OK && http == 200 && take_answer(c, x->resp, x->resp_len)) {
        f->tries = 0;
        f->poll_due = now; /* at once: the next answer is held until something changes */
        return true;
    }
    {
        /* full jitter over a doubling ceiling */
        uint64_t ceil = POLL_BACKOFF_BASE_MS, r = 0;
        for (int i = 0; i < f->tries && ceil < POLL_BACKOFF_CAP_MS; i++) ceil *= 2;
        if (ceil > POLL_BACKOFF_CAP_MS) ceil = POLL_BACKOFF_CAP_MS;
        if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r) r = now;
        f->poll_due = now + ceil / 2 + r % (ceil / 2 + 1);
        if (f->tries++ == 0 || f->tries % 10 == 0)
            KLOGW(MOD, "event poll failed (%s %ld); again in %llu ms", rc != CURLE_OK ? "net" : "http",
                  http, (unsigned long long)(f->poll_due - now));
        if (rc == CURLE_OK && http != 200) f->seq = 0; /* ask for the whole state next time */
        pthread_mutex_lock(&c->mu);
        f->connected = false;
        pthread_mutex_unlock(&c->mu);
    }
    return true;
}

void kclient_fleet_free(struct kclient *c)
{
    free(c->fleet.up_png);
    c->fleet.up_png = NULL;
}

/* ---- UI thread ------------------------------------------------------------------ */

bool kclient_alerts(struct kclient *c, unsigned *gen, struct api_alert *out, int *n)
{
    bool changed;
    KASSERT_OWNER(&c->owner);
    pthread_mutex_lock(&c->mu);
    changed = *gen != c->fleet.gen;
    if (changed) {
        *n = c->fleet.nalerts;
        memcpy(out, c->fleet.alerts, (size_t)*n * sizeof *out);
        *gen = c->fleet.gen;
    }
    pthread_mutex_unlock(&c->mu);
    return changed;
}

bool kclient_events_connected(struct kclient *c)
{
    bool on;
    KASSERT_OWNER(&c->owner);
    pthread_mutex_lock(&c->mu);
    on = c->fleet.connected;
    pthread_mutex_unlock(&c->mu);
    return on;
}

bool kclient_shot_wanted(struct kclient *c, char sid[API_SHOT_ID_SIZE])
{
    bool want;
    KASSERT_OWNER(&c->owner);
    pthread_mutex_lock(&c->mu);
    want = c->fleet.shot_sid[0] != '\0';
    if (want) {
        memcpy(sid, c->fleet.shot_sid, API_SHOT_ID_SIZE);
        memcpy(c->fleet.shot_seen, c->fleet.shot_sid, API_SHOT_ID_SIZE);
        c->fleet.shot_sid[0] = '\0';
    }
    pthread_mutex_unlock(&c->mu);
    return want;
}

enum kerr kclient_shot_answer(struct kclient *c, const char *sid, unsigned char *png, size_t len,
                              const char *reason)
{
    enum kerr e = KERR_OK;
    KASSERT_OWNER(&c->owner);
    if (!api_shot_id_valid(sid)) {
        free(png);
        return KERR_INVALID;
    }
    if (png && len > API_SHOT_MAX) {
        free(png);
        return KERR_TOOBIG;
    }
    pthread_mutex_lock(&c->mu);
    if (c->fleet.up_ready) {
        e = KERR_BUSY;
        free(png);
    } else {
        c->fleet.up_ready = true;
        snprintf(c->fleet.up_sid, sizeof c->fleet.up_sid, "%s", sid);
        c->fleet.up_png = png;
        c->fleet.up_len = png ? len : 0;
        snprintf(c->fleet.up_reason, sizeof c->fleet.up_reason, "%s", reason ? reason : "refused");
    }
    pthread_mutex_unlock(&c->mu);
    if (e == KERR_OK && c->multi) curl_multi_wakeup(c->multi);
    return e;
}
