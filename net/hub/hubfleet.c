/* hubfleet: alerts, towers, held event polls and screenshots in memory
 * (see hubfleet.h). */
#include "hubfleet.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "hubfleet_impl.h"
#include "kclock.h"
#include "klog.h"

#define MOD "hubfleet"
#define ALERTS_FILE_MAX (1u << 20)

/* ---- alerts file ---------------------------------------------------------- */

/* Writes the alerts atomically (temporary file, fsync, rename). Locked. */
static enum kerr save_alerts(struct hubfleet *f)
{
    cJSON *a;
    char *txt, tmp[4200];
    int fd;
    size_t n;
    bool ok;
    if (!f->alerts_path) return KERR_OK;
    a = cJSON_CreateArray();
    if (!a) return KERR_NOMEM;
    for (int i = 0; i < f->nalerts; i++) {
        cJSON *o = api_alert_to_json(&f->alerts[i], true);
        if (!o) {
            cJSON_Delete(a);
            return KERR_NOMEM;
        }
        cJSON_AddItemToArray(a, o);
    }
    txt = cJSON_PrintUnformatted(a);
    cJSON_Delete(a);
    if (!txt) return KERR_NOMEM;
    snprintf(tmp, sizeof tmp, "%s.tmp", f->alerts_path);
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    n = strlen(txt);
    ok = fd >= 0 && write(fd, txt, n) == (ssize_t)n && fsync(fd) == 0;
    if (fd >= 0 && close(fd) != 0) ok = false;
    ok = ok && rename(tmp, f->alerts_path) == 0;
    free(txt);
    if (!ok) {
        KLOGE(MOD, "cannot save the alerts to %s: %s", f->alerts_path, strerror(errno));
        unlink(tmp);
        return KERR_IO;
    }
    return KERR_OK;
}

static void load_alerts(struct hubfleet *f)
{
    FILE *fp = fopen(f->alerts_path, "rb");
    char *buf;
    size_t n;
    cJSON *a, *o;
    int64_t now = kclock_wall_ms();
    if (!fp) return;
    buf = malloc(ALERTS_FILE_MAX + 1);
    n = buf ? fread(buf, 1, ALERTS_FILE_MAX, fp) : 0;
    fclose(fp);
    if (!buf) return;
    a = cJSON_ParseWithLength(buf, n);
    free(buf);
    if (!cJSON_IsArray(a)) {
        KLOGE(MOD, "%s is not a JSON array: no alerts loaded", f->alerts_path);
        cJSON_Delete(a);
        return;
    }
    cJSON_ArrayForEach(o, a)
    {
        struct api_alert al;
        const char *why = "";
        const cJSON *to = cJSON_GetObjectItemCaseSensitive(o, "to");
        /* stored as a kiosk receives it, plus its target */
        if (api_alert_from_json(o, false, &al, &why) != KERR_OK || !cJSON_IsString(to) ||
            !api_alert_to_valid(to->valuestring)) {
            KLOGE(MOD, "%s: an alert skipped (%s)", f->alerts_path, why);
            continue;
        }
        snprintf(al.to, sizeof al.to, "%s", to->valuestring);
        if (al.id > f->last_id) f->last_id = al.id;
        if (!api_alert_valid_at(&al, now) || f->nalerts == API_ALERT_MAX) continue;
        f->alerts[f->nalerts++] = al;
    }
    cJSON_Delete(a);
    KLOGI(MOD, "%d active alerts loaded", f->nalerts);
}

/* ---- waiters -------------------------------------------------------------- */

/* Takes every held poll that must be answered now (all, or those of kiosk,
 * or those past their deadline) out of the list into out[]. Locked. */
static int take_held(struct hubfleet *f, bool all, const char *kiosk, uint64_t now,
                     struct hubfleet_waiter **out, int cap)
{
    int n = 0;
    for (int i = 0; i < f->nheld && n < cap;) {
        struct held *h = &f->held[i];
        if (all || (kiosk && strcmp(h->kiosk, kiosk) == 0) || h->w->deadline_ms <= now) {
            for (int k = 0; k < f->nkiosks; k++)
                if (strcmp(f->kiosks[k].id, h->kiosk) == 0 && f->kiosks[k].held > 0)
                    f->kiosks[k].held--;
            out[n++] = h->w;
            f->held[i] = f->held[--f->nheld];
        } else {
            i++;
        }
    }
    return n;
}

/* Wakes the waiters taken (outside the lock). */
static void wake_all(struct hubfleet_waiter **w, int n)
{
    for (int i = 0; i < n; i++) w[i]->wake(w[i]);
}

/* Bumps the sequence and wakes every held poll (or those of kiosk). */
void hubfleet_bump(struct hubfleet *f, const char *kiosk)
{
    struct hubfleet_waiter *w[256];
    int n;
    pthread_mutex_lock(&f->mu);
    if (!kiosk && !f->log.put) f->seq++; /* with a log, the log's ids (hubfleet_log_event) */
    do {
        n = take_held(f, kiosk == NULL, kiosk, 0, w, 256);
        pthread_mutex_unlock(&f->mu);
        wake_all(w, n);
        pthread_mutex_lock(&f->mu);
    } while (n == 256);
    pthread_mutex_unlock(&f->mu);
}

static void *deadline_main(void *arg)
{
    struct hubfleet *f = arg;
    pthread_mutex_lock(&f->mu);
    while (!f->stopping) {
        struct hubfleet_waiter *w[256];
        uint64_t now = kclock_mono_ms(), next = now + 1000;
        int n = take_held(f, false, NULL, now, w, 256);
        if (n) {
            pthread_mutex_unlock(&f->mu);
            wake_all(w, n);
            pthread_mutex_lock(&f->mu);
            continue;
        }
        for (int i = 0; i < f->nheld; i++)
            if (f->held[i].w->deadline_ms < next) next = f->held[i].w->deadline_ms;
        {
            struct timespec ts;
            uint64_t wait = next > now ? next - now : 1;
            clock_gettime(CLOCK_MONOTONIC, &ts);
            ts.tv_sec += (time_t)(wait / 1000);
            ts.tv_nsec += (long)(wait % 1000) * 1000000L;
            if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&f->cv, &f->mu, &ts);
        }
    }
    pthread_mutex_unlock(&f->mu);
    return NULL;
}

/* ---- open / close ----------------------------------------------------------- */

enum kerr hubfleet_open(const char *alerts_path, struct hubfleet **out)
{
    struct hubfleet *f = calloc(1, sizeof *f);
    pthread_condattr_t ca;
    *out = NULL;
    if (!f) return KERR_NOMEM;
    pthread_mutex_init(&f->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&f->cv, &ca);
    pthread_cond_init(&f->applied, &ca);
    pthread_condattr_destroy(&ca);
    /* a new hub's sequence never equals an old one's a kiosk may still send */
    f->seq = (uint64_t)kclock_wall_ms();
    f->kiosks = calloc(KIOSKS_MAX, sizeof *f->kiosks);
    if (!f->kiosks) goto fail;
    if (alerts_path) {
        f->alerts_path = strdup(alerts_path);
        if (!f->alerts_path) goto fail;
        load_alerts(f);
    }
    if (pthread_create(&f->thread, NULL, deadline_main, f) != 0) goto fail;
    f->thread_started = true;
    *out = f;
    return KERR_OK;
fail:
    hubfleet_close(f);
    return KERR_NOMEM;
}

void hubfleet_release_all(struct hubfleet *f)
{
    if (!f) return;
    pthread_mutex_lock(&f->mu);
    f->stopping = true;
    pthread_cond_signal(&f->cv);
    pthread_mutex_unlock(&f->mu);
    hubfleet_bump(f, NULL);
}

void hubfleet_close(struct hubfleet *f)
{
    if (!f) return;
    hubfleet_release_all(f);
    if (f->thread_started) pthread_join(f->thread, NULL);
    for (int i = 0; i < HUBFLEET_SHOTS_MAX; i++) free(f->shots[i].png);
    free(f->held);
    free(f->kiosks);
    free(f->alerts_path);
    pthread_mutex_destroy(&f->mu);
    pthread_cond_destroy(&f->cv);
    pthread_cond_destroy(&f->applied);
    free(f);
}

/* ---- alerts --------------------------------------------------------------- */

/* Drops expired alerts. Locked. True when some were dropped. */
static bool drop_expired(struct hubfleet *f, int64_t now)
{
    int k = 0;
    for (int i = 0; i < f->nalerts; i++)
        if (api_alert_valid_at(&f->alerts[i], now)) f->alerts[k++] = f->alerts[i];
    if (k == f->nalerts) return false;
    f->nalerts = k;
    return true;
}

void hubfleet_use_log(struct hubfleet *f, const struct hubfleet_log *log)
{
    pthread_mutex_lock(&f->mu);
    f->log = *log;
    /* Every hub on the log has the same sequence: 1 + the id of the last
     * alert event applied, so a kiosk's poll that a load balancer sends to
     * another hub than the last is held there too (and never 0: that is
     * "answer now"). */
    f->seq = 1;
    pthread_mutex_unlock(&f->mu);
}

/* Stores event in the log and waits (at most 2 s) until it was applied;
 * *id = its id. KERR_IO when it could not be stored. */
static enum kerr log_put(struct hubfleet *f, const char *event, int64_t *id)
{
    struct timespec until;
    enum kerr e = f->log.put(f->log.arg, event, id);
    if (e != KERR_OK) {
        KLOGE(MOD, "the alert could not be stored in the database");
        return KERR_IO;
    }
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += 2;
    pthread_mutex_lock(&f->mu);
    while (f->log_applied < *id && !f->stopping)
        if (pthread_cond_timedwait(&f->applied, &f->mu, &until) != 0) break;
    pthread_mutex_unlock(&f->mu);
    return KERR_OK;
}

static enum kerr alert_add_log(struct hubfleet *f, struct api_alert *a, int64_t now)
{
    cJSON *ev = cJSON_CreateObject(), *o;
    char *txt;
    enum kerr e = KERR_NOMEM;
    pthread_mutex_lock(&f->mu);
    drop_expired(f, now);
    if (f->nalerts == API_ALERT_MAX) {
        pthread_mutex_unlock(&f->mu);
        cJSON_Delete(ev);
        return KERR_FULL;
    }
    pthread_mutex_unlock(&f->mu);
    a->sent_ms = now;
    a->id = 1; /* a kiosk's alert has one; the hub-wide id is the event's */
    o = api_alert_to_json(a, true);
    if (ev && o) {
        cJSON_AddItemToObject(ev, "add", o);
        o = NULL;
        txt = cJSON_PrintUnformatted(ev);
        if (txt) e = log_put(f, txt, &a->id);
        free(txt);
    }
    cJSON_Delete(o);
    cJSON_Delete(ev);
    return e;
}

void hubfleet_log_event(struct hubfleet *f, int64_t id, const char *event)
{
    cJSON *ev = cJSON_Parse(event);
    const cJSON *add = cJSON_GetObjectItemCaseSensitive(ev, "add");
    const cJSON *clear = cJSON_GetObjectItemCaseSensitive(ev, "clear");
    int64_t now = kclock_wall_ms();
    bool changed = false, fresh = false;
    pthread_mutex_lock(&f->mu);
    if (id > f->log_applied) {
        fresh = true;
        if (add) {
            struct api_alert al;
            const char *why = "";
            const cJSON *to = cJSON_GetObjectItemCaseSensitive(add, "to");
            if (api_alert_from_json(add, false, &al, &why) == KERR_OK && cJSON_IsString(to) &&
                api_alert_to_valid(to->valuestring)) {
                snprintf(al.to, sizeof al.to, "%s", to->valuestring);
                al.id = id;
                drop_expired(f, now);
                if (api_alert_valid_at(&al, now) && f->nalerts < API_ALERT_MAX) {
                    f->alerts[f->nalerts++] = al;
                    changed = true;
                    KLOGI(MOD, "alert %lld (%s) to %s", (long long)al.id, al.level, al.to);
                }
            } else {
                KLOGE(MOD, "alert event %lld skipped (%s)", (long long)id, why);
            }
        } else if (cJSON_IsNumber(clear)) {
            int k = 0, n = 0;
            int64_t which = (int64_t)clear->valuedouble;
            for (int i = 0; i < f->nalerts; i++) {
                if (which == 0 || f->alerts[i].id == which) n++;
                else f->alerts[k++] = f->alerts[i];
            }
            f->nalerts = k;
            changed = n > 0;
            if (n) KLOGI(MOD, "%d alerts cleared", n);
        }
        if (add || cJSON_IsNumber(clear)) f->seq = (uint64_t)id + 1;
        f->log_applied = id;
        pthread_cond_broadcast(&f->applied);
    }
    pthread_mutex_unlock(&f->mu);
    if (fresh) /* a screenshot's event: not an alert */
        hubfleet_shot_event(f, cJSON_GetObjectItemCaseSensitive(ev, "shot"),
                            cJSON_GetObjectItemCaseSensitive(ev, "shot_done"));
    cJSON_Delete(ev);
    if (changed) hubfleet_bump(f, NULL);
}

enum kerr hubfleet_alert_add(struct hubfleet *f, struct api_alert *a)
{
    int64_t now = kclock_wall_ms();
    enum kerr e;
    if (a->until_ms && a->until_ms <= now) return KERR_INVALID;
    if (f->log.put) return alert_add_log(f, a, now);
    pthread_mutex_lock(&f->mu);
    if (drop_expired(f, now)) (void)save_alerts(f);
    if (f->nalerts == API_ALERT_MAX) {
        pthread_mutex_unlock(&f->mu);
        return KERR_FULL;
    }
    a->sent_ms = now;
    a->id = now > f->last_id ? now : f->last_id + 1; /* unique, and growing */
    f->alerts[f->nalerts++] = *a;
    e = save_alerts(f);
    if (e != KERR_OK) f->nalerts--;
    else f->last_id = a->id;
    pthread_mutex_unlock(&f->mu);
    if (e == KERR_OK) {
        KLOGI(MOD, "alert %lld (%s) to %s", (long long)a->id, a->level, a->to);
        hubfleet_bump(f, NULL);
    }
    return e;
}

enum kerr hubfleet_alert_clear(struct hubfleet *f, int64_t id, int *n)
{
    int k = 0;
    enum kerr e = KERR_OK;
    *n = 0;
    if (f->log.put) {
        char ev[48];
        int64_t eid;
        pthread_mutex_lock(&f->mu);
        for (int i = 0; i < f->nalerts; i++)
            if (id == 0 || f->alerts[i].id == id) (*n)++;
        pthread_mutex_unlock(&f->mu);
        if (id != 0 && *n == 0) return KERR_NOTFOUND;
        if (*n == 0) return KERR_OK;
        snprintf(ev, sizeof ev, "{\"clear\":%lld}", (long long)id);
        return log_put(f, ev, &eid);
    }
    pthread_mutex_lock(&f->mu);
    for (int i = 0; i < f->nalerts; i++) {
        if (id == 0 || f->alerts[i].id == id) (*n)++;
        else f->alerts[k++] = f->alerts[i];
    }
    f->nalerts = k;
    if (*n) e = save_alerts(f);
    pthread_mutex_unlock(&f->mu);
    if (*n) {
        KLOGI(MOD, "%d alerts cleared", *n);
        hubfleet_bump(f, NULL);
    }
    if (id != 0 && *n == 0) return KERR_NOTFOUND;
    return e;
}

/* Sorts urgent first, then newest first. */
static int alert_order(const void *pa, const void *pb)
{
    const struct api_alert *a = pa, *b = pb;
    bool ua = strcmp(a->level, "urgent") == 0, ub = strcmp(b->level, "urgent") == 0;
    if (ua != ub) return ua ? -1 : 1;
    return a->id > b->id ? -1 : a->id < b->id ? 1 : 0;
}

/* Copies the active alerts, sorted, into out. Locked. */
static int sorted_alerts(struct hubfleet *f, struct api_alert *out)
{
    int n;
    drop_expired(f, kclock_wall_ms());
    n = f->nalerts;
    memcpy(out, f->alerts, (size_t)n * sizeof *out);
    qsort(out, (size_t)n, sizeof *out, alert_order);
    return n;
}

cJSON *hubfleet_alert_list(struct hubfleet *f)
{
    struct api_alert *al = malloc(API_ALERT_MAX * sizeof *al);
    cJSON *a = cJSON_CreateArray();
    int n;
    if (!al || !a) {
        free(al);
        cJSON_Delete(a);
        return NULL;
    }
    pthread_mutex_lock(&f->mu);
    n = sorted_alerts(f, al);
    pthread_mutex_unlock(&f->mu);
    for (int i = 0; i < n; i++) cJSON_AddItemToArray(a, api_alert_to_json(&al[i], true));
    free(al);
    return a;
}

/* ---- kiosks and their polls -------------------------------------------------- */

/* The record of kiosk, made when new (NULL when the table is full). Locked. */
static struct kiosk_seen *seen(struct hubfleet *f, const char *kiosk, bool make)
{
    for (int i = 0; i < f->nkiosks; i++)
        if (strcmp(f->kiosks[i].id, kiosk) == 0) return &f->kiosks[i];
    if (!make || f->nkiosks == KIOSKS_MAX) return NULL;
    snprintf(f->kiosks[f->nkiosks].id, API_KIOSK_ID_SIZE, "%s", kiosk);
    return &f->kiosks[f->nkiosks++];
}

/* The pending screenshot request of kiosk not yet answered. Locked. */
struct shot *hubfleet_shot_pending(struct hubfleet *f, const char *kiosk)
{
    int64_t now = kclock_wall_ms();
    for (int i = 0; i < HUBFLEET_SHOTS_MAX; i++) {
        struct shot *s = &f->shots[i];
        if (s->used && now - s->asked_ms > HUBFLEET_SHOT_TTL_S * 1000LL) { /* expired */
            free(s->png);
            memset(s, 0, sizeof *s);
        }
        if (s->used && !s->answered && strcmp(s->kiosk, kiosk) == 0) return s;
    }
    return NULL;
}

cJSON *hubfleet_events(struct hubfleet *f, const char *kiosk, const char *tower)
{
    struct api_alert *al = malloc(API_ALERT_MAX * sizeof *al);
    cJSON *o = cJSON_CreateObject(), *arr = cJSON_CreateArray();
    struct kiosk_seen *k;
    struct shot *sh;
    char my_tower[API_TOKEN_SIZE] = "", sid[API_SHOT_ID_SIZE] = "";
    uint64_t seq;
    int n;
    if (!al || !o || !arr) {
        free(al);
        cJSON_Delete(o);
        cJSON_Delete(arr);
        return NULL;
    }
    pthread_mutex_lock(&f->mu);
    k = seen(f, kiosk, true);
    if (k && tower && tower[0]) snprintf(k->tower, sizeof k->tower, "%s", tower);
    if (k) snprintf(my_tower, sizeof my_tower, "%s", k->tower);
    n = sorted_alerts(f, al);
    seq = f->seq;
    sh = hubfleet_shot_pending(f, kiosk);
    if (sh) {
        snprintf(sid, sizeof sid, "%s", sh->sid);
        sh->told = true;
    }
    pthread_mutex_unlock(&f->mu);
    cJSON_AddNumberToObject(o, "seq", (double)seq);
    cJSON_AddItemToObject(o, "alerts", arr);
    for (int i = 0; i < n; i++)
        if (api_alert_targets(&al[i], kiosk, my_tower))
            cJSON_AddItemToArray(arr, api_alert_to_json(&al[i], false));
    if (sid[0]) cJSON_AddStringToObject(o, "screenshot", sid);
    else cJSON_AddNullToObject(o, "screenshot");
    free(al);
    return o;
}

bool hubfleet_hold(struct hubfleet *f, struct hubfleet_waiter *w, const char *kiosk,
                   uint64_t since)
{
    struct kiosk_seen *k;
    bool held = false;
    struct shot *sh;
    pthread_mutex_lock(&f->mu);
    sh = hubfleet_shot_pending(f, kiosk);
    if (!f->stopping && since == f->seq && (!sh || sh->told)) {
        if (f->nheld == f->capheld) {
            int cap = f->capheld ? f->capheld * 2 : 64;
            struct held *nh = realloc(f->held, (size_t)cap * sizeof *nh);
            if (nh) {
                f->held = nh;
                f->capheld = cap;
            }
        }
        if (f->nheld < f->capheld) {
            struct held *h = &f->held[f->nheld++];
            h->w = w;
            h->since = since;
            snprintf(h->kiosk, sizeof h->kiosk, "%s", kiosk);
            k = seen(f, kiosk, true);
            if (k) k->held++;
            held = true;
            pthread_cond_signal(&f->cv); /* a new, maybe earlier, deadline */
        }
    }
    pthread_mutex_unlock(&f->mu);
    return held;
}

bool hubfleet_kiosk_info(struct hubfleet *f, const char *kiosk, char *out)
{
    struct kiosk_seen *k;
    bool held = false;
    out[0] = '\0';
    pthread_mutex_lock(&f->mu);
    k = seen(f, kiosk, false);
    if (k) {
        snprintf(out, API_TOKEN_SIZE, "%s", k->tower);
        held = k->held > 0;
    }
    pthread_mutex_unlock(&f->mu);
    return held;
}

int hubfleet_forget(struct hubfleet *f, bool (*keep)(const char *kiosk, void *arg), void *arg)
{
    int n = 0;
    pthread_mutex_lock(&f->mu);
    for (int i = 0; i < f->nkiosks;) {
        if (f->kiosks[i].held > 0 || keep(f->kiosks[i].id, arg)) {
            i++;
            continue;
        }
        f->kiosks[i] = f->kiosks[--f->nkiosks]; /* the order means nothing */
        n++;
    }
    pthread_mutex_unlock(&f->mu);
    return n;
}
