/* hzpinyin: per-character readings from libpinyin's system dictionary,
 * looked up on first use and cached in an open-addressing table.
 * libpinyin's C header leaves ChewingKey incomplete; its size (2 bytes: a
 * bit-field of initial, middle, final, tone) is checked at open time by
 * looking up characters whose readings are known, so a changed ABI is
 * refused instead of misread.
 *
 * Every libpinyin call is in a job (job_*) run through hz_run: inline after
 * hzpinyin_open(), on the owner's thread after hzpinyin_open_owned(). The
 * cache table is only touched by the caller, between jobs. */
#include "hzpinyin.h"

#include <assert.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pinyin.h>

#include "klog.h"
#include "utf8.h"

#define HZ_DEFAULT_DIR "/usr/lib/x86_64-linux-gnu/libpinyin/data"
#define HZ_CHEWINGKEY_SIZE 2
#define HZ_CACHE_MAX (1u << 17) /* distinct characters cached at most */

struct hz_entry {
    uint32_t cp; /* 0 = empty slot */
    uint8_t n;   /* readings */
    char r[HZPINYIN_MAX_READINGS][HZPINYIN_MAX_LEN];
};

static struct {
    struct hzpinyin_owner owner; /* run == NULL: the calling thread */
    pthread_t owner_thread;      /* where libpinyin is called (debug check) */
    pinyin_context_t *ctx;
    bool borrowed; /* ctx belongs to someone else (the input engine) */
    pinyin_instance_t *inst;
    struct hz_entry *tab;
    size_t cap, used;
    char ascii[128][2];
} hz;

#define HZ_ON_OWNER() assert(pthread_equal(pthread_self(), hz.owner_thread))

static void hz_run(void (*fn)(void *arg), void *arg)
{
    if (hz.owner.run)
        hz.owner.run(hz.owner.ud, fn, arg);
    else
        fn(arg);
}

static uint32_t hz_hash(uint32_t cp)
{
    cp ^= cp >> 16;
    cp *= 0x7feb352dU;
    cp ^= cp >> 15;
    return cp;
}

static struct hz_entry *hz_slot(struct hz_entry *tab, size_t cap, uint32_t cp)
{
    size_t i = hz_hash(cp) & (cap - 1);
    while (tab[i].cp && tab[i].cp != cp) i = (i + 1) & (cap - 1);
    return &tab[i];
}

static bool hz_grow(void)
{
    size_t ncap = hz.cap ? hz.cap * 2 : 1024;
    struct hz_entry *nt;
    if (ncap > HZ_CACHE_MAX * 2) return false;
    nt = calloc(ncap, sizeof *nt);
    if (!nt) return false;
    for (size_t i = 0; i < hz.cap; i++)
        if (hz.tab[i].cp) *hz_slot(nt, ncap, hz.tab[i].cp) = hz.tab[i];
    free(hz.tab);
    hz.tab = nt;
    hz.cap = ncap;
    return true;
}

/* Copies a libpinyin pinyin string as lowercase ASCII letters; false when it
 * is not a plain syllable (then it is not kept). */
static bool hz_clean(const char *s, char out[HZPINYIN_MAX_LEN])
{
    size_t n = 0;
    for (; *s; s++) {
        char ch = *s;
        if (ch >= 'A' && ch <= 'Z') ch = (char)(ch - 'A' + 'a');
        if (ch < 'a' || ch > 'z') return false;
        if (n + 1 >= HZPINYIN_MAX_LEN) return false;
        out[n++] = ch;
    }
    out[n] = 0;
    return n > 0;
}

static void hz_add_reading(struct hz_entry *e, const char *s)
{
    char clean[HZPINYIN_MAX_LEN];
    if (e->n >= HZPINYIN_MAX_READINGS || !hz_clean(s, clean)) return;
    for (uint8_t i = 0; i < e->n; i++)
        if (strcmp(e->r[i], clean) == 0) return;
    memcpy(e->r[e->n++], clean, sizeof clean);
}

/* Fills e with the readings of the UTF-8 text utf8 when it is a single
 * libpinyin phrase of nchar characters; readings joined without separator
 * for multi-character phrases are not stored here (see hzpinyin_phrase). */
static void hz_lookup(const char *utf8, struct hz_entry *e)
{
    GArray *toks;
    HZ_ON_OWNER();
    toks = g_array_new(FALSE, FALSE, sizeof(phrase_token_t));
    if (!toks) return;
    if (pinyin_lookup_tokens(hz.inst, utf8, toks)) {
        for (guint i = 0; i < toks->len; i++) {
            phrase_token_t tok = g_array_index(toks, phrase_token_t, i);
            guint n = 0;
            if (!pinyin_token_get_n_pronunciation(hz.inst, tok, &n)) continue;
            for (guint k = 0; k < n && k < 32; k++) {
                GArray *keys = g_array_new(FALSE, TRUE, HZ_CHEWINGKEY_SIZE);
                gchar *s = NULL;
                if (!keys) break;
                if (pinyin_token_get_nth_pronunciation(hz.inst, tok, k, keys) && keys->len == 1 &&
                    pinyin_get_pinyin_string(hz.inst, (ChewingKey *)(void *)keys->data, &s) && s)
                    hz_add_reading(e, s);
                g_free(s);
                g_array_free(keys, TRUE);
            }
        }
    }
    g_array_free(toks, TRUE);
}

static bool hz_has(uint32_t cp, const char *want)
{
    const char *r[HZPINYIN_MAX_READINGS];
    size_t n = hzpinyin_get(cp, r, HZPINYIN_MAX_READINGS);
    for (size_t i = 0; i < n; i++)
        if (strcmp(r[i], want) == 0) return true;
    return false;
}

struct lookup_job {
    const char *utf8;
    struct hz_entry *e;
};

static void job_lookup(void *arg)
{
    struct lookup_job *j = arg;
    hz_lookup(j->utf8, j->e);
}

static void job_start(void *arg)
{
    (void)arg;
    hz.owner_thread = pthread_self();
    hz.inst = pinyin_alloc_instance(hz.ctx);
}

static void job_open(void *arg)
{
    hz.ctx = pinyin_init((const char *)arg, NULL);
}

static void job_close(void *arg)
{
    (void)arg;
    HZ_ON_OWNER();
    if (hz.inst) pinyin_free_instance(hz.inst);
    if (hz.ctx && !hz.borrowed) pinyin_fini(hz.ctx);
}

static void hz_ascii_init(void)
{
    for (int c = 0; c < 128; c++) {
        int l = c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
        hz.ascii[c][0] = (char)l;
        hz.ascii[c][1] = 0;
    }
}

static enum kerr hz_start(void)
{
    hz_run(job_start, NULL);
    if (!hz.inst || !hz_grow()) {
        hzpinyin_close();
        return KERR_NOMEM;
    }
    /* Known readings: 法 fa, 律 lv, 行 hang+xing. */
    if (!hz_has(0x6CD5, "fa") || !hz_has(0x5F8B, "lv") || !hz_has(0x884C, "xing") ||
        !hz_has(0x884C, "hang")) {
        KLOGE("hzpinyin", "libpinyin data gives unexpected readings; pinyin search disabled");
        hzpinyin_close();
        return KERR_CORRUPT;
    }
    return KERR_OK;
}

/* The data folder, checked: pinyin_init() with a missing folder aborts
 * inside libpinyin on some versions. NULL when there is no data. */
static const char *hz_data_dir(const char *data_dir)
{
    char probe[1024];
    FILE *f;
    if (!data_dir) data_dir = getenv("KIOSK_PINYIN_DATA");
    if (!data_dir || !*data_dir) data_dir = HZ_DEFAULT_DIR;
    snprintf(probe, sizeof probe, "%s/pinyin_index.bin", data_dir);
    f = fopen(probe, "rb");
    if (!f) {
        KLOGW("hzpinyin", "no libpinyin data in %s", data_dir);
        return NULL;
    }
    fclose(f);
    return data_dir;
}

static enum kerr hz_open_on(const struct hzpinyin_owner *owner, const char *data_dir)
{
    if (hz.ctx) return KERR_OK;
    memset(&hz.owner, 0, sizeof hz.owner);
    if (owner) hz.owner = *owner;
    hz_ascii_init();
    if (owner && owner->context) {
        hz.ctx = owner->context;
        hz.borrowed = true;
        return hz_start();
    }
    data_dir = hz_data_dir(data_dir);
    if (!data_dir) {
        memset(&hz.owner, 0, sizeof hz.owner);
        return KERR_NOTFOUND;
    }
    hz_run(job_open, (void *)data_dir);
    if (!hz.ctx) {
        memset(&hz.owner, 0, sizeof hz.owner);
        return KERR_NOTFOUND;
    }
    return hz_start();
}

enum kerr hzpinyin_open_owned(const struct hzpinyin_owner *owner)
{
    return hz_open_on(owner, NULL);
}

enum kerr hzpinyin_open(const char *data_dir)
{
    return hz_open_on(NULL, data_dir);
}

bool hzpinyin_ready(void)
{
    return hz.ctx != NULL;
}

size_t hzpinyin_get(uint32_t cp, const char **out, size_t max)
{
    struct hz_entry *e;
    if (cp < 128) {
        if (((cp | 32) >= 'a' && (cp | 32) <= 'z') || (cp >= '0' && cp <= '9')) {
            if (max == 0) return 0;
            out[0] = hz.ascii[cp];
            return 1;
        }
        return 0;
    }
    if (!hz.ctx || cp < 0x2E80 || cp > 0x3FFFF) return 0;
    e = hz_slot(hz.tab, hz.cap, cp);
    if (!e->cp) {
        char buf[5];
        size_t len;
        struct hz_entry fresh;
        if (hz.used + 1 > hz.cap / 2 && !hz_grow()) return 0;
        len = utf8_encode(cp, buf);
        if (!len) return 0;
        buf[len] = 0;
        memset(&fresh, 0, sizeof fresh);
        fresh.cp = cp;
        {
            struct lookup_job j = {buf, &fresh};
            hz_run(job_lookup, &j);
        }
        e = hz_slot(hz.tab, hz.cap, cp);
        *e = fresh;
        hz.used++;
    }
    for (size_t i = 0; i < e->n && i < max; i++) out[i] = e->r[i];
    return e->n < max ? e->n : max;
}

static enum kerr hz_put(char *out, size_t outsz, size_t *len, const char *s, char sep)
{
    size_t sl = strlen(s);
    size_t need = sl + (sep && *len ? 1 : 0);
    if (*len + need + 1 > outsz) return KERR_TOOBIG;
    if (sep && *len) out[(*len)++] = sep;
    memcpy(out + *len, s, sl);
    *len += sl;
    out[*len] = 0;
    return KERR_OK;
}

/* The whole phrase as one libpinyin word ("银行" -> yin hang), if known. */
static bool hz_word(const char *utf8, char sep, char *out, size_t outsz)
{
    size_t nchar = utf8_count(utf8);
    bool done = false;
    GArray *toks;
    if (nchar < 2 || nchar > 16) return false;
    HZ_ON_OWNER();
    toks = g_array_new(FALSE, FALSE, sizeof(phrase_token_t));
    if (!toks) return false;
    if (pinyin_lookup_tokens(hz.inst, utf8, toks)) {
        for (guint i = 0; i < toks->len && !done; i++) {
            phrase_token_t tok = g_array_index(toks, phrase_token_t, i);
            GArray *keys = g_array_new(FALSE, TRUE, HZ_CHEWINGKEY_SIZE);
            guint n = 0;
            if (!keys) break;
            if (pinyin_token_get_n_pronunciation(hz.inst, tok, &n) && n > 0 &&
                pinyin_token_get_nth_pronunciation(hz.inst, tok, 0, keys) && keys->len == nchar) {
                size_t len = 0;
                done = true;
                out[0] = 0;
                for (guint k = 0; k < keys->len && done; k++) {
                    gchar *s = NULL;
                    char clean[HZPINYIN_MAX_LEN];
                    ChewingKey *key = (ChewingKey *)(void *)(keys->data + k * HZ_CHEWINGKEY_SIZE);
                    if (!pinyin_get_pinyin_string(hz.inst, key, &s) || !s || !hz_clean(s, clean) ||
                        hz_put(out, outsz, &len, clean, sep) != KERR_OK)
                        done = false;
                    g_free(s);
                }
            }
            g_array_free(keys, TRUE);
        }
    }
    g_array_free(toks, TRUE);
    if (!done && outsz) out[0] = 0;
    return done;
}

struct word_job {
    const char *utf8;
    char sep;
    char *out;
    size_t outsz;
    bool done;
};

static void job_word(void *arg)
{
    struct word_job *j = arg;
    j->done = hz_word(j->utf8, j->sep, j->out, j->outsz);
}

enum kerr hzpinyin_phrase(const char *utf8, char sep, char *out, size_t outsz)
{
    enum kerr res = KERR_OK;
    size_t len = 0;
    const char *p = utf8;
    if (!outsz) return KERR_TOOBIG;
    out[0] = 0;
    if (!utf8_valid(utf8, strlen(utf8))) return KERR_UTF8;
    if (hz.ctx) {
        struct word_job j = {utf8, sep, out, outsz, false};
        hz_run(job_word, &j);
        if (j.done) return KERR_OK;
    }
    while (*p) {
        uint32_t cp = utf8_next(&p);
        const char *r[1];
        if (cp < 128) {
            if (hzpinyin_get(cp, r, 1)) {
                /* letters and digits run together, no separator inside a word */
                if (len + 2 > outsz) return KERR_TOOBIG;
                out[len++] = r[0][0];
                out[len] = 0;
            }
            continue;
        }
        if (hzpinyin_get(cp, r, 1)) {
            enum kerr e = hz_put(out, outsz, &len, r[0], sep);
            if (e != KERR_OK) return e;
        } else if (cp >= 0x3400 && cp <= 0x2FFFF) {
            res = KERR_NOTFOUND;
        }
    }
    return res;
}

void hzpinyin_close(void)
{
    if (hz.inst || (hz.ctx && !hz.borrowed)) hz_run(job_close, NULL);
    free(hz.tab);
    memset(&hz, 0, sizeof hz);
}
