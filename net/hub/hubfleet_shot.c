/* hubfleet_shot: the screenshots the admin asks of a kiosk (see
 * hubfleet.h): in this process's memory (one hub), or, with a shared store
 * (hubfleet_use_shots), in the database, where this file keeps only which
 * kiosk has a request waiting, as the store's log tells every hub. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "hubfleet_impl.h"
#include "kclock.h"
#include "klog.h"

#define MOD "hubfleet"

void hubfleet_use_shots(struct hubfleet *f, const struct hubfleet_shots *shots)
{
    pthread_mutex_lock(&f->mu);
    f->store = *shots;
    pthread_mutex_unlock(&f->mu);
}

/* The request sid of kiosk. Locked. */
static struct shot *shot_find(struct hubfleet *f, const char *kiosk, const char *sid)
{
    (void)hubfleet_shot_pending(f, kiosk);
    for (int i = 0; i < HUBFLEET_SHOTS_MAX; i++)
        if (f->shots[i].used && strcmp(f->shots[i].sid, sid) == 0 &&
            strcmp(f->shots[i].kiosk, kiosk) == 0)
            return &f->shots[i];
    return NULL;
}

/* Notes the request sid of kiosk asked at `at` (wall ms) as waiting, unless
 * known already: true when it is new. With a shared store the hubs' lists
 * may hold a request a moment longer than the database (their clocks): the
 * oldest makes room. Locked. */
static bool note_asked(struct hubfleet *f, const char *kiosk, const char *sid, int64_t at)
{
    struct shot *slot = NULL;
    if (shot_find(f, kiosk, sid)) return false;
    for (int i = 0; i < HUBFLEET_SHOTS_MAX; i++) {
        struct shot *s = &f->shots[i];
        if (!s->used) {
            slot = s;
            break;
        }
        if (f->store.ask && (!slot || s->asked_ms < slot->asked_ms)) slot = s;
    }
    if (!slot) return false;
    free(slot->png);
    memset(slot, 0, sizeof *slot);
    slot->used = true;
    snprintf(slot->sid, sizeof slot->sid, "%s", sid);
    snprintf(slot->kiosk, sizeof slot->kiosk, "%s", kiosk);
    slot->asked_ms = at;
    return true;
}

/* Forgets the request sid of kiosk (answered on some hub). Locked. */
static void note_done(struct hubfleet *f, const char *kiosk, const char *sid)
{
    struct shot *s = shot_find(f, kiosk, sid);
    if (s) memset(s, 0, sizeof *s);
}

void hubfleet_shot_event(struct hubfleet *f, const cJSON *shot, const cJSON *done)
{
    const cJSON *o = shot ? shot : done;
    const cJSON *kiosk = cJSON_GetObjectItemCaseSensitive(o, "kiosk");
    const cJSON *sid = cJSON_GetObjectItemCaseSensitive(o, "sid");
    const cJSON *at = cJSON_GetObjectItemCaseSensitive(o, "at");
    bool wake = false;
    if (!o) return;
    if (!cJSON_IsString(kiosk) || !api_kiosk_id_valid(kiosk->valuestring) || !cJSON_IsString(sid) ||
        strlen(sid->valuestring) != API_SHOT_ID_SIZE - 1 || (shot && !cJSON_IsNumber(at))) {
        KLOGE(MOD, "a screenshot event skipped (malformed)");
        return;
    }
    pthread_mutex_lock(&f->mu);
    if (done) {
        note_done(f, kiosk->valuestring, sid->valuestring);
    } else if ((int64_t)at->valuedouble + HUBFLEET_SHOT_TTL_S * 1000LL > kclock_wall_ms()) {
        wake = note_asked(f, kiosk->valuestring, sid->valuestring, (int64_t)at->valuedouble);
    }
    pthread_mutex_unlock(&f->mu);
    if (wake) hubfleet_bump(f, kiosk->valuestring);
}

/* The log event of a request ({"shot":...}, at >= 0) or of its answer
 * ({"shot_done":...}, at < 0) into out. */
static void shot_event_text(char *out, size_t cap, const char *kiosk, const char *sid, int64_t at)
{
    if (at >= 0)
        snprintf(out, cap, "{\"shot\":{\"kiosk\":\"%s\",\"sid\":\"%s\",\"at\":%lld}}", kiosk, sid,
                 (long long)at);
    else
        snprintf(out, cap, "{\"shot_done\":{\"kiosk\":\"%s\",\"sid\":\"%s\"}}", kiosk, sid);
}

enum kerr hubfleet_shot_ask(struct hubfleet *f, const char *kiosk, char sid[API_SHOT_ID_SIZE])
{
    uint8_t r[8];
    int64_t now = kclock_wall_ms();
    bool added = false, full = false;
    if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r) return KERR_IO;
    for (int i = 0; i < 8; i++) snprintf(sid + 2 * i, 3, "%02x", r[i]);
    if (f->store.ask) {
        char ev[160];
        enum kerr e;
        shot_event_text(ev, sizeof ev, kiosk, sid, now);
        e = f->store.ask(f->store.arg, kiosk, sid, now, HUBFLEET_SHOT_TTL_S, HUBFLEET_SHOTS_MAX, ev);
        if (e != KERR_OK) {
            if (e != KERR_FULL) KLOGE(MOD, "the screenshot request could not be stored");
            return e == KERR_FULL ? KERR_FULL : KERR_IO;
        }
        /* a poll of this hub hears of it now; the others through the log */
        pthread_mutex_lock(&f->mu);
        added = note_asked(f, kiosk, sid, now);
        pthread_mutex_unlock(&f->mu);
        if (added) hubfleet_bump(f, kiosk);
        return KERR_OK;
    }
    pthread_mutex_lock(&f->mu);
    (void)hubfleet_shot_pending(f, kiosk); /* drops the expired */
    full = true;
    for (int i = 0; i < HUBFLEET_SHOTS_MAX; i++)
        if (!f->shots[i].used) full = false;
    if (!full) added = note_asked(f, kiosk, sid, now);
    pthread_mutex_unlock(&f->mu);
    if (!added) return KERR_FULL;
    hubfleet_bump(f, kiosk);
    return KERR_OK;
}

enum kerr hubfleet_shot_put(struct hubfleet *f, const char *kiosk, const char *sid,
                            unsigned char *png, size_t len, const char *reason)
{
    struct shot *s;
    enum kerr e = KERR_NOTFOUND;
    if (f->store.put) {
        char ev[160];
        shot_event_text(ev, sizeof ev, kiosk, sid, -1);
        e = f->store.put(f->store.arg, kiosk, sid, kclock_wall_ms(), HUBFLEET_SHOT_TTL_S, png, len,
                         png ? NULL : reason ? reason : "refused", ev);
        if (e == KERR_OK) {
            free(png); /* taken over: the database has it */
            pthread_mutex_lock(&f->mu);
            note_done(f, kiosk, sid);
            pthread_mutex_unlock(&f->mu);
        } else if (e != KERR_NOTFOUND) {
            KLOGE(MOD, "the screenshot could not be stored");
            e = KERR_IO;
        }
        return e;
    }
    pthread_mutex_lock(&f->mu);
    s = shot_find(f, kiosk, sid);
    if (s && !s->answered) {
        s->answered = true;
        s->png = png;
        s->len = len;
        snprintf(s->reason, sizeof s->reason, "%s", png ? "" : reason ? reason : "refused");
        e = KERR_OK;
    }
    pthread_mutex_unlock(&f->mu);
    return e;
}

enum kerr hubfleet_shot_take(struct hubfleet *f, const char *kiosk, const char *sid,
                             unsigned char **png, size_t *len, char reason[HUBFLEET_REASON_SIZE])
{
    struct shot *s;
    enum kerr e = KERR_NOTFOUND;
    *png = NULL;
    *len = 0;
    reason[0] = '\0';
    if (f->store.take) {
        e = f->store.take(f->store.arg, kiosk, sid, kclock_wall_ms(), HUBFLEET_SHOT_TTL_S, png, len,
                          reason);
        if (e == KERR_DB) e = KERR_IO;
        return e;
    }
    pthread_mutex_lock(&f->mu);
    s = shot_find(f, kiosk, sid);
    if (s && !s->answered) {
        e = KERR_BUSY;
    } else if (s) {
        /* handed over once, then forgotten */
        *png = s->png;
        *len = s->len;
        snprintf(reason, HUBFLEET_REASON_SIZE, "%s", s->reason);
        e = s->png ? KERR_OK : KERR_CONFLICT;
        memset(s, 0, sizeof *s);
    }
    pthread_mutex_unlock(&f->mu);
    return e;
}
