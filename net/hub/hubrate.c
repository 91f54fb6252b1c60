#include "hubrate.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 32768 /* power of two; kiosks after auth, addresses after a failure */

struct slot {
    char id[HUBRATE_KEY_MAX + 1];
    double tokens;
    uint64_t last_ms;
};

struct hubrate {
    pthread_mutex_t lock;
    double rate, burst;
    int used;
    struct slot *slots;
};

struct hubrate *hubrate_new(double rate, double burst)
{
    struct hubrate *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->slots = calloc(SLOTS, sizeof *r->slots);
    if (!r->slots) {
        free(r);
        return NULL;
    }
    pthread_mutex_init(&r->lock, NULL);
    r->rate = rate > 0 ? rate : 1;
    r->burst = burst >= 1 ? burst : 1;
    return r;
}

void hubrate_free(struct hubrate *r)
{
    if (!r) return;
    pthread_mutex_destroy(&r->lock);
    free(r->slots);
    free(r);
}

static uint32_t hash(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    while (*s) h = (h ^ (uint8_t)*s++) * 16777619u;
    return h;
}

/* The slot of id, a new full one when insert (NULL when absent and not
 * insert), refilled up to now_ms. Called with the lock held. */
static struct slot *slot_find(struct hubrate *r, const char *id, uint64_t now_ms, bool insert)
{
    struct slot *s;
    uint32_t i;
    char key[HUBRATE_KEY_MAX + 1];
    snprintf(key, sizeof key, "%s", id);
    if (insert && r->used > SLOTS * 3 / 4) {
        /* more keys than a district has: forget every bucket (all full) */
        memset(r->slots, 0, SLOTS * sizeof *r->slots);
        r->used = 0;
    }
    for (i = hash(key) & (SLOTS - 1);; i = (i + 1) & (SLOTS - 1)) {
        s = &r->slots[i];
        if (s->id[0] == '\0') {
            if (!insert) return NULL;
            memcpy(s->id, key, sizeof key);
            s->tokens = r->burst;
            s->last_ms = now_ms;
            r->used++;
            break;
        }
        if (strcmp(s->id, key) == 0) break;
    }
    if (now_ms > s->last_ms) {
        s->tokens += (double)(now_ms - s->last_ms) * r->rate / 1000.0;
        if (s->tokens > r->burst) s->tokens = r->burst;
        s->last_ms = now_ms;
    }
    return s;
}

static int retry_after(const struct hubrate *r, const struct slot *s)
{
    double wait = (1.0 - s->tokens) / r->rate;
    int w = (int)wait;
    if (w < wait) w++;
    return w < 1 ? 1 : w;
}

bool hubrate_take(struct hubrate *r, const char *id, uint64_t now_ms, int *retry_after_s)
{
    struct slot *s;
    bool ok;
    pthread_mutex_lock(&r->lock);
    s = slot_find(r, id, now_ms, true);
    ok = s->tokens >= 1.0;
    if (ok) s->tokens -= 1.0;
    else *retry_after_s = retry_after(r, s);
    pthread_mutex_unlock(&r->lock);
    return ok;
}

bool hubrate_peek(struct hubrate *r, const char *id, uint64_t now_ms, int *retry_after_s)
{
    struct slot *s;
    bool ok;
    pthread_mutex_lock(&r->lock);
    s = slot_find(r, id, now_ms, false);
    ok = !s || s->tokens >= 1.0;
    if (!ok) *retry_after_s = retry_after(r, s);
    pthread_mutex_unlock(&r->lock);
    return ok;
}
