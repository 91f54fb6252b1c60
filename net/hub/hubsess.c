#include "hubsess.h"

#include <openssl/crypto.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hubauth.h"
#include "kclock.h"

struct sess {
    bool used;
    uint8_t hash[32];
    struct hubsess_info info;
    uint64_t created_ms, last_ms;
};

struct hubsess {
    pthread_mutex_t lock;
    uint64_t idle_ms, max_ms;
    struct sess *s;
    struct hubsess_store store; /* store.put set: the sessions live there */
};

void hubsess_use_store(struct hubsess *t, const struct hubsess_store *store)
{
    t->store = *store;
}

/* A wall-clock end in the caller's monotonic clock. */
static uint64_t mono_of(int64_t ends_wall, uint64_t now_mono)
{
    int64_t left = ends_wall - kclock_wall_ms();
    return left > 0 ? now_mono + (uint64_t)left : now_mono;
}

struct hubsess *hubsess_new(uint64_t idle_ms, uint64_t max_ms)
{
    struct hubsess *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    t->s = calloc(HUBSESS_MAX, sizeof *t->s);
    if (!t->s) {
        free(t);
        return NULL;
    }
    pthread_mutex_init(&t->lock, NULL);
    t->idle_ms = idle_ms;
    t->max_ms = max_ms;
    return t;
}

void hubsess_free(struct hubsess *t)
{
    if (!t) return;
    OPENSSL_cleanse(t->s, HUBSESS_MAX * sizeof *t->s);
    pthread_mutex_destroy(&t->lock);
    free(t->s);
    free(t);
}

static bool expired(const struct hubsess *t, const struct sess *s, uint64_t now)
{
    return now >= s->last_ms + t->idle_ms || now >= s->created_ms + t->max_ms;
}

static uint64_t idle_end(const struct hubsess *t, const struct sess *s)
{
    uint64_t a = s->last_ms + t->idle_ms, b = s->created_ms + t->max_ms;
    return a < b ? a : b;
}

enum kerr hubsess_create(struct hubsess *t, const char *user, const char *role, uint64_t now_ms,
                         char *token_out, struct hubsess_info *info)
{
    struct sess *slot = NULL;
    char csrf[HUBSESS_TOKEN_LEN + 1];
    token_out[0] = '\0';
    if (hubauth_token_new(token_out) != KERR_OK || hubauth_token_new(csrf) != KERR_OK) {
        token_out[0] = '\0';
        return KERR_IO;
    }
    if (t->store.put) {
        uint8_t h[32];
        enum kerr e;
        hubauth_sha256(token_out, HUBSESS_TOKEN_LEN, h);
        memset(info, 0, sizeof *info);
        snprintf(info->user, sizeof info->user, "%s", user);
        snprintf(info->role, sizeof info->role, "%s", role);
        memcpy(info->csrf, csrf, sizeof csrf);
        OPENSSL_cleanse(csrf, sizeof csrf);
        e = t->store.put(t->store.arg, h, info, kclock_wall_ms());
        if (e != KERR_OK) {
            OPENSSL_cleanse(token_out, HUBSESS_TOKEN_LEN);
            token_out[0] = '\0';
            return e;
        }
        info->idle_ends_ms = now_ms + (t->idle_ms < t->max_ms ? t->idle_ms : t->max_ms);
        return KERR_OK;
    }
    pthread_mutex_lock(&t->lock);
    /* a free or expired slot, else the one idle longest */
    for (int i = 0; i < HUBSESS_MAX; i++) {
        struct sess *s = &t->s[i];
        if (!s->used || expired(t, s, now_ms)) {
            slot = s;
            break;
        }
        if (!slot || s->last_ms < slot->last_ms) slot = s;
    }
    memset(slot, 0, sizeof *slot);
    slot->used = true;
    hubauth_sha256(token_out, HUBSESS_TOKEN_LEN, slot->hash);
    snprintf(slot->info.user, sizeof slot->info.user, "%s", user);
    snprintf(slot->info.role, sizeof slot->info.role, "%s", role);
    memcpy(slot->info.csrf, csrf, sizeof csrf);
    slot->created_ms = slot->last_ms = now_ms;
    slot->info.idle_ends_ms = idle_end(t, slot);
    *info = slot->info;
    pthread_mutex_unlock(&t->lock);
    OPENSSL_cleanse(csrf, sizeof csrf);
    return KERR_OK;
}

static bool token_ok(const char *token)
{
    return token && strlen(token) == HUBSESS_TOKEN_LEN &&
           strspn(token, "0123456789abcdef") == HUBSESS_TOKEN_LEN;
}

/* The slot of token's hash (lock held), or NULL. */
static struct sess *slot_of(struct hubsess *t, const uint8_t h[32])
{
    struct sess *hit = NULL;
    for (int i = 0; i < HUBSESS_MAX; i++)
        if (t->s[i].used && hubauth_hash_eq(t->s[i].hash, h)) hit = &t->s[i];
    return hit;
}

bool hubsess_find(struct hubsess *t, const char *token, uint64_t now_ms, struct hubsess_info *out)
{
    uint8_t h[32];
    struct sess *s;
    bool ok = false;
    if (!token_ok(token)) return false;
    hubauth_sha256(token, HUBSESS_TOKEN_LEN, h);
    if (t->store.put) {
        int64_t ends = 0;
        if (t->store.find(t->store.arg, h, kclock_wall_ms(), (int64_t)t->idle_ms,
                          (int64_t)t->max_ms, out, &ends) != 1)
            return false;
        out->idle_ends_ms = mono_of(ends, now_ms);
        return true;
    }
    pthread_mutex_lock(&t->lock);
    s = slot_of(t, h);
    if (s && expired(t, s, now_ms)) {
        memset(s, 0, sizeof *s);
    } else if (s) {
        s->last_ms = now_ms;
        s->info.idle_ends_ms = idle_end(t, s);
        *out = s->info;
        ok = true;
    }
    pthread_mutex_unlock(&t->lock);
    return ok;
}

void hubsess_end(struct hubsess *t, const char *token)
{
    uint8_t h[32];
    struct sess *s;
    if (!token_ok(token)) return;
    hubauth_sha256(token, HUBSESS_TOKEN_LEN, h);
    if (t->store.put) {
        t->store.end(t->store.arg, h);
        return;
    }
    pthread_mutex_lock(&t->lock);
    s = slot_of(t, h);
    if (s) memset(s, 0, sizeof *s);
    pthread_mutex_unlock(&t->lock);
}

int hubsess_end_user(struct hubsess *t, const char *user)
{
    int n = 0;
    if (t->store.put) return t->store.end_user(t->store.arg, user);
    pthread_mutex_lock(&t->lock);
    for (int i = 0; i < HUBSESS_MAX; i++) {
        if (t->s[i].used && strcmp(t->s[i].info.user, user) == 0) {
            memset(&t->s[i], 0, sizeof t->s[i]);
            n++;
        }
    }
    pthread_mutex_unlock(&t->lock);
    return n;
}

bool hubsess_csrf_ok(const struct hubsess_info *info, const char *hdr)
{
    return hdr && strlen(hdr) == HUBSESS_TOKEN_LEN &&
           CRYPTO_memcmp(hdr, info->csrf, HUBSESS_TOKEN_LEN) == 0;
}

bool hubsess_cookie_token(const char *cookie_hdr, char *out)
{
    static const char name[] = HUBSESS_COOKIE "=";
    const char *p = cookie_hdr;
    out[0] = '\0';
    while (p && *p) {
        while (*p == ' ' || *p == ';') p++;
        if (strncmp(p, name, sizeof name - 1) == 0) {
            const char *v = p + sizeof name - 1;
            size_t n = strcspn(v, "; ");
            if (n != HUBSESS_TOKEN_LEN) return false;
            memcpy(out, v, n);
            out[n] = '\0';
            if (!token_ok(out)) {
                out[0] = '\0';
                return false;
            }
            return true;
        }
        p = strchr(p, ';');
    }
    return false;
}
