/* ime.c: the pinyin engine over libpinyin. See ime.h for the contract.
 *
 * How it stays forgetful: libpinyin learns only through pinyin_train,
 * pinyin_remember_user_input, pinyin_choose_predicted_candidate,
 * pinyin_token_add_unigram_frequency and (for addon dictionaries)
 * pinyin_choose_candidate; it persists only through pinyin_save. None of
 * these is called here (no addon dictionary is loaded), DYNAMIC_ADJUST is
 * off, and every input is parsed from a freshly reset instance, so a choice
 * leaves nothing behind but the text handed to the caller.
 *
 * libpinyin asserts (aborts) on some separator shapes ("'" alone, trailing
 * "'" when its keys are walked), so the raw input is normalised before it is
 * fed: no leading ', no doubled '', and a trailing ' is kept in ime_raw but
 * never passed to libpinyin. */
#include "ime.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PINYIN_C_TU kime_ime
#include "pinyin_c.h"

#include "klog.h"
#include "utf8.h"

#ifndef IME_DEFAULT_SYSTEM_DIR
#define IME_DEFAULT_SYSTEM_DIR "/usr/lib/x86_64-linux-gnu/libpinyin/data"
#endif

#define IME_MAX_PHRASES 4096
#define IME_PHRASE_SLOTS 8192 /* open addressing, load <= 1/2 */
#define IME_MAX_PHRASE_CHARS 15
#define IME_AUTO_MAX_COMBOS 16
#define IME_PHRASE_COUNT 50 /* libpinyin "count" for an added phrase */
#define IME_PREEDIT_CAP IME_MAX_PREEDIT

/* No learning: DYNAMIC_ADJUST left out on purpose (it reads user bigrams). */
#define IME_OPTIONS                                                                                \
    (IS_PINYIN | PINYIN_INCOMPLETE | PINYIN_CORRECT_ALL | USE_DIVIDED_TABLE | USE_RESPLIT_TABLE)
#define IME_SORT SORT_BY_PHRASE_LENGTH_AND_PINYIN_LENGTH_AND_FREQUENCY

struct ime {
    pthread_t owner; /* the thread that opened it: the only one that calls libpinyin */
    pinyin_context_t *ctx;
    pinyin_instance_t *inst;
    char userdir[PATH_MAX];

    char raw[IME_MAX_INPUT + 1];
    size_t feed_len; /* bytes of raw given to libpinyin (no trailing ') */
    char preedit[IME_PREEDIT_CAP];

    size_t n_cand;
    guint lp_index[IME_MAX_CANDIDATES]; /* libpinyin's index of each candidate */
    const char *cand[IME_MAX_CANDIDATES];
    char text[IME_MAX_CANDIDATES][IME_MAX_TEXT];

    size_t n_phrases;
    char *phrase_slot[IME_PHRASE_SLOTS];
};

/* libpinyin handles are not free-threaded: every entry point that reaches
 * libpinyin checks (debug builds) that it runs on the thread that opened. */
#define IME_ON_OWNER(ime) assert(pthread_equal(pthread_self(), (ime)->owner))

/* ---- added phrase set ------------------------------------------------- */

static uint32_t phrase_hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 16777619u;
    }
    return h;
}

static bool phrase_known(const struct ime *ime, const char *s)
{
    uint32_t i = phrase_hash(s) & (IME_PHRASE_SLOTS - 1);
    while (ime->phrase_slot[i]) {
        if (strcmp(ime->phrase_slot[i], s) == 0) return true;
        i = (i + 1) & (IME_PHRASE_SLOTS - 1);
    }
    return false;
}

static enum kerr phrase_remember(struct ime *ime, const char *s)
{
    uint32_t i = phrase_hash(s) & (IME_PHRASE_SLOTS - 1);
    while (ime->phrase_slot[i]) {
        if (strcmp(ime->phrase_slot[i], s) == 0) return KERR_OK;
        i = (i + 1) & (IME_PHRASE_SLOTS - 1);
    }
    if (ime->n_phrases >= IME_MAX_PHRASES) return KERR_TOOBIG;
    ime->phrase_slot[i] = strdup(s);
    if (!ime->phrase_slot[i]) return KERR_NOMEM;
    ime->n_phrases++;
    return KERR_OK;
}

/* ---- private user directory ------------------------------------------ */

static void remove_dir(const char *path)
{
    DIR *d = opendir(path);
    if (d) {
        struct dirent *e;
        char p[PATH_MAX];
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
            if ((size_t)snprintf(p, sizeof p, "%s/%s", path, e->d_name) >= sizeof p) continue;
            if (unlink(p) != 0) KLOGW("ime", "cannot remove a file of the user dir: %s", strerror(errno));
        }
        closedir(d);
    }
    if (rmdir(path) != 0 && errno != ENOENT)
        KLOGW("ime", "cannot remove the user dir: %s", strerror(errno));
}

/* ---- session ----------------------------------------------------------- */

static void clear_candidates(struct ime *ime)
{
    ime->n_cand = 0;
}

/* Display form of the fed input from libpinyin's keys ("fa lv zi xun"), then
 * whatever did not parse, as typed. */
static void build_preedit(struct ime *ime, size_t parsed)
{
    size_t o = 0, off = 0;
    char *out = ime->preedit;
    out[0] = '\0';
    /* Each step advances off by at least one byte: bounded by parsed. */
    while (off < parsed) {
        ChewingKey *key = NULL;
        ChewingKeyRest *rest = NULL;
        guint16 b = 0, e = 0;
        gchar *py = NULL;
        if (!pinyin_get_pinyin_key(ime->inst, off, &key) ||
            !pinyin_get_pinyin_key_rest(ime->inst, off, &rest) ||
            !pinyin_get_pinyin_key_rest_positions(ime->inst, rest, &b, &e)) {
            off++;
            continue;
        }
        if (pinyin_get_pinyin_string(ime->inst, key, &py) && py) {
            size_t n = strlen(py);
            if (o + n + 2 < IME_PREEDIT_CAP) {
                if (o) out[o++] = ' ';
                memcpy(out + o, py, n);
                o += n;
                out[o] = '\0';
            }
            g_free(py);
        }
        off = e > off ? e : off + 1;
    }
    if (parsed < ime->feed_len) {
        size_t n = ime->feed_len - parsed;
        if (o + n + 2 < IME_PREEDIT_CAP) {
            if (o) out[o++] = ' ';
            memcpy(out + o, ime->raw + parsed, n);
            o += n;
            out[o] = '\0';
        }
    }
}

static const char *lp_string(struct ime *ime, guint i, lookup_candidate_t **cd_out)
{
    lookup_candidate_t *cd = NULL;
    const gchar *s = NULL;
    if (!pinyin_get_candidate(ime->inst, i, &cd) || !cd) return NULL;
    if (!pinyin_get_candidate_string(ime->inst, cd, &s) || !s) return NULL;
    if (cd_out) *cd_out = cd;
    return s;
}

static void push_candidate(struct ime *ime, guint i, const char *s)
{
    size_t n = strlen(s);
    if (ime->n_cand >= IME_MAX_CANDIDATES || n == 0 || n >= IME_MAX_TEXT) return;
    memcpy(ime->text[ime->n_cand], s, n + 1);
    ime->cand[ime->n_cand] = ime->text[ime->n_cand];
    ime->lp_index[ime->n_cand] = i;
    ime->n_cand++;
}

/* Recomputes candidates and preedit for ime->raw / ime->feed_len. Order:
 * added phrases at least as long as libpinyin's first (whole-input)
 * candidate, that candidate, shorter added phrases, then the rest. */
static void refresh(struct ime *ime)
{
    char feed[IME_MAX_INPUT + 1];
    guint total = 0;
    size_t parsed, first_chars = 0;
    const char *first = NULL;
    bool first_is_phrase = false;

    pinyin_reset(ime->inst);
    clear_candidates(ime);
    ime->preedit[0] = '\0';
    if (ime->feed_len == 0) return;

    memcpy(feed, ime->raw, ime->feed_len);
    feed[ime->feed_len] = '\0';
    parsed = pinyin_parse_more_full_pinyins(ime->inst, feed);
    if (parsed > ime->feed_len) parsed = ime->feed_len;
    build_preedit(ime, parsed);
    if (parsed == 0) return;

    pinyin_guess_sentence(ime->inst);
    pinyin_guess_candidates(ime->inst, 0, IME_SORT);
    if (!pinyin_get_n_candidate(ime->inst, &total) || total == 0) return;

    first = lp_string(ime, 0, NULL);
    if (first) {
        first_chars = utf8_count(first);
        first_is_phrase = phrase_known(ime, first);
    }
    /* Pass 1: added phrases as long as the whole-input guess. */
    if (ime->n_phrases) {
        for (guint i = 0; i < total; i++) {
            const char *s = lp_string(ime, i, NULL);
            if (s && phrase_known(ime, s) && (i == 0 || utf8_count(s) >= first_chars))
                push_candidate(ime, i, s);
        }
    }
    if (first && !first_is_phrase) push_candidate(ime, 0, first);
    /* Pass 2: shorter added phrases. */
    if (ime->n_phrases) {
        for (guint i = 1; i < total; i++) {
            const char *s = lp_string(ime, i, NULL);
            if (s && phrase_known(ime, s) && utf8_count(s) < first_chars) push_candidate(ime, i, s);
        }
    }
    /* Pass 3: everything else in libpinyin's order. */
    for (guint i = 1; i < total && ime->n_cand < IME_MAX_CANDIDATES; i++) {
        const char *s = lp_string(ime, i, NULL);
        if (s && !(ime->n_phrases && phrase_known(ime, s))) push_candidate(ime, i, s);
    }
}

/* Validates letters and stores its canonical form (no leading ', no ''). */
static enum kerr set_raw(struct ime *ime, const char *letters)
{
    char canon[IME_MAX_INPUT + 1];
    size_t len, o = 0;
    if (!letters) letters = "";
    len = strlen(letters);
    if (!utf8_valid(letters, len)) return KERR_UTF8;
    for (size_t i = 0; i < len; i++) {
        char c = letters[i];
        if (!((c >= 'a' && c <= 'z') || c == '\'')) return KERR_INVALID;
    }
    if (len > IME_MAX_INPUT) return KERR_TOOBIG;
    for (size_t i = 0; i < len; i++) {
        char c = letters[i];
        if (c == '\'' && (o == 0 || canon[o - 1] == '\'')) continue;
        canon[o++] = c;
    }
    canon[o] = '\0';
    memcpy(ime->raw, canon, o + 1);
    ime->feed_len = (o > 0 && canon[o - 1] == '\'') ? o - 1 : o;
    return KERR_OK;
}

enum kerr ime_input(struct ime *ime, const char *letters)
{
    IME_ON_OWNER(ime);
    enum kerr rc = set_raw(ime, letters);
    if (rc != KERR_OK) return rc;
    refresh(ime);
    return KERR_OK;
}

size_t ime_candidate_count(const struct ime *ime)
{
    return ime->n_cand;
}

size_t ime_candidates(const struct ime *ime, size_t first, const char **out, size_t max)
{
    size_t n = 0;
    for (size_t i = first; i < ime->n_cand && n < max; i++) out[n++] = ime->cand[i];
    return n;
}

enum kerr ime_choose(struct ime *ime, size_t index, char *committed, size_t cap)
{
    lookup_candidate_t *cd = NULL;
    const char *s;
    size_t n, cursor;
    int cur;
    char rest[IME_MAX_INPUT + 1];

    IME_ON_OWNER(ime);
    if (index >= ime->n_cand) return KERR_NOTFOUND;
    n = strlen(ime->cand[index]);
    if (!committed || cap <= n) return KERR_TOOBIG;
    s = lp_string(ime, ime->lp_index[index], &cd);
    if (!s || strcmp(s, ime->cand[index]) != 0) return KERR_NOTFOUND; /* cannot happen */

    /* Only used to learn how much input the candidate covers: the constraint
     * it records dies with the pinyin_reset in refresh(). */
    cur = pinyin_choose_candidate(ime->inst, 0, cd);
    cursor = cur > 0 ? (size_t)cur : ime->feed_len;
    if (cursor > ime->feed_len) cursor = ime->feed_len;

    memcpy(committed, ime->cand[index], n + 1);
    {
        const char *r = ime->raw + cursor;
        while (*r == '\'') r++;
        snprintf(rest, sizeof rest, "%s", r);
    }
    if (cursor >= ime->feed_len) rest[0] = '\0'; /* a trailing ' goes with it */
    if (set_raw(ime, rest) != KERR_OK) ime->raw[0] = '\0', ime->feed_len = 0;
    refresh(ime);
    return KERR_OK;
}

const char *ime_raw(const struct ime *ime)
{
    return ime->raw;
}

const char *ime_preedit(const struct ime *ime)
{
    return ime->preedit;
}

void ime_reset(struct ime *ime)
{
    if (!ime) return;
    IME_ON_OWNER(ime);
    pinyin_reset(ime->inst);
    memset(ime->raw, 0, sizeof ime->raw);
    memset(ime->preedit, 0, sizeof ime->preedit);
    memset(ime->text, 0, ime->n_cand * IME_MAX_TEXT);
    ime->feed_len = 0;
    clear_candidates(ime);
}

/* ---- phrases ------------------------------------------------------------ */

/* Canonical reading "fa'lv'zi'xun" from "fa lv zi xun" / "fa'lv'zi'xun". */
static enum kerr canon_reading(const char *in, char *out, size_t cap)
{
    size_t o = 0;
    for (const char *p = in; *p; p++) {
        char c = *p;
        if (c == ' ' || c == '\'') {
            if (o > 0 && out[o - 1] != '\'') {
                if (o + 1 >= cap) return KERR_TOOBIG;
                out[o++] = '\'';
            }
            continue;
        }
        if (c < 'a' || c > 'z') return KERR_INVALID;
        if (o + 1 >= cap) return KERR_TOOBIG;
        out[o++] = c;
    }
    while (o > 0 && out[o - 1] == '\'') o--;
    out[o] = '\0';
    return o ? KERR_OK : KERR_INVALID;
}

/* True when reading (canonical) parses completely into exactly nchars full
 * syllables. Uses (and resets) the session instance. */
static bool reading_fits(struct ime *ime, const char *reading, size_t nchars)
{
    size_t len = strlen(reading), parsed, off = 0, keys = 0;
    bool ok = true;
    pinyin_reset(ime->inst);
    parsed = pinyin_parse_more_full_pinyins(ime->inst, reading);
    if (parsed != len) ok = false;
    while (ok && off < parsed) {
        ChewingKey *key = NULL;
        ChewingKeyRest *rest = NULL;
        guint16 b = 0, e = 0;
        gchar *py = NULL;
        if (!pinyin_get_pinyin_key(ime->inst, off, &key) ||
            !pinyin_get_pinyin_key_rest(ime->inst, off, &rest) ||
            !pinyin_get_pinyin_key_rest_positions(ime->inst, rest, &b, &e)) {
            ok = false;
            break;
        }
        if (pinyin_get_pinyin_string(ime->inst, key, &py) && py) {
            if (pinyin_get_pinyin_is_incomplete(ime->inst, key)) ok = false;
            keys++;
            g_free(py);
        }
        off = e > off ? e : off + 1;
    }
    pinyin_reset(ime->inst);
    return ok && keys == nchars;
}

static enum kerr check_phrase(const char *phrase, size_t *nchars)
{
    size_t len;
    if (!phrase) return KERR_INVALID;
    len = strlen(phrase);
    if (len >= IME_MAX_TEXT) return KERR_TOOBIG;
    if (!utf8_valid(phrase, len)) return KERR_UTF8;
    *nchars = utf8_count(phrase);
    if (*nchars == 0 || *nchars > IME_MAX_PHRASE_CHARS) return KERR_INVALID;
    return KERR_OK;
}

/* Adds validated pairs; readings[i] canonical. */
static enum kerr add_pairs(struct ime *ime, const char *const *phrases, char (*readings)[IME_MAX_TEXT],
                           size_t n)
{
    enum kerr rc = KERR_OK;
    import_iterator_t *it = pinyin_begin_add_phrases(ime->ctx, USER_DICTIONARY);
    if (!it) return KERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        if (!pinyin_iterator_add_phrase(it, phrases[i], readings[i], IME_PHRASE_COUNT)) {
            KLOGW("ime", "libpinyin refused content phrase %zu", i);
            if (rc == KERR_OK) rc = KERR_INVALID;
            continue;
        }
        enum kerr r = phrase_remember(ime, phrases[i]);
        if (r != KERR_OK && rc == KERR_OK) rc = r;
    }
    pinyin_end_add_phrases(it);
    return rc;
}

enum kerr ime_add_phrases(struct ime *ime, const char *const *phrases, const char *const *pinyins,
                          size_t n)
{
    enum kerr rc = KERR_OK;
    char(*readings)[IME_MAX_TEXT] = NULL;

    IME_ON_OWNER(ime);
    ime_reset(ime);
    if (n == 0) return KERR_OK;
    if (!phrases || !pinyins) return KERR_INVALID;
    if (n > IME_MAX_PHRASES || ime->n_phrases + n > IME_MAX_PHRASES) return KERR_TOOBIG;
    readings = calloc(n, sizeof *readings);
    if (!readings) return KERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        size_t nchars = 0, rlen;
        rc = check_phrase(phrases[i], &nchars);
        if (rc != KERR_OK) goto fail;
        if (!pinyins[i]) {
            rc = KERR_INVALID;
            goto fail;
        }
        rlen = strlen(pinyins[i]);
        if (rlen >= IME_MAX_TEXT) {
            rc = KERR_TOOBIG;
            goto fail;
        }
        if (!utf8_valid(pinyins[i], rlen)) {
            rc = KERR_UTF8;
            goto fail;
        }
        rc = canon_reading(pinyins[i], readings[i], IME_MAX_TEXT);
        if (rc != KERR_OK) goto fail;
        if (!reading_fits(ime, readings[i], nchars)) {
            rc = KERR_INVALID;
            goto fail;
        }
    }
    rc = add_pairs(ime, phrases, readings, n);
fail:
    if (rc != KERR_OK) KLOGW("ime", "content phrases not added: %s", kerr_str(rc));
    free(readings);
    return rc;
}

/* Readings of one token (a character or a word) as canonical strings,
 * appended to out[*n] (at most max). */
static void token_readings(struct ime *ime, phrase_token_t token, char (*out)[IME_MAX_TEXT], size_t *n,
                           size_t max)
{
    guint npron = 0;
    guint len = 0;
    gchar *phrase = NULL;
    /* libpinyin's ChewingKey is a 16-bit bit-field struct; the public C
     * header keeps it opaque, so the vector is created with that size and
     * every result is re-validated by reading_fits() before use. */
    GArray *keys = g_array_new(FALSE, TRUE, sizeof(guint16));
    if (!keys) return;
    if (!pinyin_token_get_phrase(ime->inst, token, &len, &phrase)) goto done;
    if (!pinyin_token_get_n_pronunciation(ime->inst, token, &npron)) goto done;
    for (guint p = 0; p < npron && *n < max; p++) {
        char buf[IME_MAX_TEXT];
        size_t o = 0;
        bool ok = true;
        if (!pinyin_token_get_nth_pronunciation(ime->inst, token, p, keys) || keys->len != len) continue;
        for (guint k = 0; k < keys->len && ok; k++) {
            gchar *py = NULL;
            ChewingKey *key = (ChewingKey *)(void *)(keys->data + (size_t)k * sizeof(guint16));
            if (!pinyin_get_pinyin_string(ime->inst, key, &py) || !py) {
                ok = false;
                break;
            }
            if (o && o + 1 < sizeof buf) buf[o++] = '\'';
            for (const char *c = py; *c && o + 1 < sizeof buf; c++)
                if (*c >= 'a' && *c <= 'z') buf[o++] = *c; /* drop tone digits */
            g_free(py);
        }
        buf[o] = '\0';
        if (!ok || o == 0) continue;
        bool dup = false;
        for (size_t j = 0; j < *n; j++)
            if (strcmp(out[j], buf) == 0) dup = true;
        if (!dup) memcpy(out[(*n)++], buf, o + 1);
    }
done:
    g_free(phrase);
    g_array_free(keys, TRUE);
}

/* All readings of text (a word or one character) known to libpinyin. */
static void text_readings(struct ime *ime, const char *text, char (*out)[IME_MAX_TEXT], size_t *n,
                          size_t max)
{
    GArray *tokens = g_array_new(FALSE, TRUE, sizeof(phrase_token_t));
    *n = 0;
    if (!tokens) return;
    if (pinyin_lookup_tokens(ime->inst, text, tokens))
        for (guint i = 0; i < tokens->len; i++)
            token_readings(ime, g_array_index(tokens, phrase_token_t, i), out, n, max);
    g_array_free(tokens, TRUE);
}

enum kerr ime_add_phrases_auto(struct ime *ime, const char *const *phrases, size_t n)
{
    enum kerr rc = KERR_OK;
    /* One slot per (phrase, combination). */
    const char **pp = NULL;
    char(*readings)[IME_MAX_TEXT] = NULL;
    char(*per_char)[IME_AUTO_MAX_COMBOS][IME_MAX_TEXT] = NULL;
    size_t n_pairs = 0, cap;

    IME_ON_OWNER(ime);
    ime_reset(ime);
    if (n == 0) return KERR_OK;
    if (!phrases) return KERR_INVALID;
    if (n > IME_MAX_PHRASES || ime->n_phrases + n > IME_MAX_PHRASES) return KERR_TOOBIG;
    cap = n * IME_AUTO_MAX_COMBOS;
    pp = calloc(cap, sizeof *pp);
    readings = calloc(cap, sizeof *readings);
    per_char = calloc(IME_MAX_PHRASE_CHARS, sizeof *per_char);
    if (!pp || !readings || !per_char) {
        rc = KERR_NOMEM;
        goto fail;
    }
    for (size_t i = 0; i < n; i++) {
        size_t nchars = 0, nr = 0;
        char word[IME_AUTO_MAX_COMBOS][IME_MAX_TEXT];
        rc = check_phrase(phrases[i], &nchars);
        if (rc != KERR_OK) goto fail;

        /* The word as libpinyin knows it, with its own readings. */
        if (nchars > 1) text_readings(ime, phrases[i], word, &nr, IME_AUTO_MAX_COMBOS);
        if (nr == 0) {
            size_t counts[IME_MAX_PHRASE_CHARS], combos = 1;
            const char *s = phrases[i];
            for (size_t c = 0; c < nchars; c++) {
                char ch[8];
                const char *start = s;
                utf8_next(&s);
                snprintf(ch, sizeof ch, "%.*s", (int)(s - start), start);
                text_readings(ime, ch, per_char[c], &counts[c], IME_AUTO_MAX_COMBOS);
                if (counts[c] == 0) {
                    rc = KERR_INVALID;
                    goto fail;
                }
                combos = combos * counts[c] > IME_AUTO_MAX_COMBOS ? IME_AUTO_MAX_COMBOS + 1
                                                                   : combos * counts[c];
            }
            if (combos > IME_AUTO_MAX_COMBOS) {
                for (size_t c = 0; c < nchars; c++) counts[c] = 1;
                combos = 1;
            }
            /* Mixed-radix walk over the readings of each character. */
            for (size_t k = 0; k < combos; k++) {
                size_t rem = k, o = 0;
                for (size_t c = 0; c < nchars; c++) {
                    const char *r = per_char[c][rem % counts[c]];
                    rem /= counts[c];
                    o += (size_t)snprintf(word[nr] + o, IME_MAX_TEXT - o, "%s%s", c ? "'" : "", r);
                    if (o >= IME_MAX_TEXT) o = IME_MAX_TEXT - 1;
                }
                nr++;
            }
        }
        for (size_t r = 0; r < nr; r++) {
            if (!reading_fits(ime, word[r], nchars)) continue;
            pp[n_pairs] = phrases[i];
            memcpy(readings[n_pairs], word[r], IME_MAX_TEXT);
            n_pairs++;
        }
        if (n_pairs == 0 || pp[n_pairs - 1] != phrases[i]) {
            rc = KERR_INVALID;
            goto fail;
        }
    }
    rc = add_pairs(ime, pp, readings, n_pairs);
fail:
    if (rc != KERR_OK) KLOGW("ime", "content phrases not added: %s", kerr_str(rc));
    free(pp);
    free(readings);
    free(per_char);
    return rc;
}

/* ---- open / close -------------------------------------------------------- */

/* Gives the private user directory a user.conf matching the system data
 * (its first two lines), so libpinyin does not print "open .../user.conf
 * failed." without a newline into the log on every open. */
static void write_user_conf(const char *sysconf, const char *userdir)
{
    char path[PATH_MAX], line[128];
    FILE *in = NULL, *out = NULL;
    if ((size_t)snprintf(path, sizeof path, "%s/user.conf", userdir) >= sizeof path) return;
    in = fopen(sysconf, "r");
    if (!in) return;
    out = fopen(path, "w");
    if (out)
        for (int i = 0; i < 2 && fgets(line, sizeof line, in); i++) fputs(line, out);
    if (out && fclose(out) != 0) KLOGW("ime", "cannot write user.conf: %s", strerror(errno));
    fclose(in);
}

enum kerr ime_open(const struct ime_config *cfg, struct ime **out)
{
    static const struct ime_config defaults = {0};
    const char *sysdir, *parent;
    char conf[PATH_MAX];
    struct ime *ime = NULL;
    enum kerr rc = KERR_OK;

    *out = NULL;
    if (!cfg) cfg = &defaults;
    sysdir = cfg->system_dir ? cfg->system_dir : IME_DEFAULT_SYSTEM_DIR;
    parent = cfg->tmp_parent ? cfg->tmp_parent : getenv("TMPDIR");
    if (!parent || !*parent) parent = "/tmp";

    if ((size_t)snprintf(conf, sizeof conf, "%s/table.conf", sysdir) >= sizeof conf) return KERR_TOOBIG;
    if (access(conf, R_OK) != 0) {
        KLOGE("ime", "libpinyin data not found (%s)", sysdir);
        return KERR_NOTFOUND;
    }
    ime = calloc(1, sizeof *ime);
    if (!ime) return KERR_NOMEM;
    ime->owner = pthread_self();
    if ((size_t)snprintf(ime->userdir, sizeof ime->userdir, "%s/kiosk-ime-XXXXXX", parent) >=
        sizeof ime->userdir) {
        rc = KERR_TOOBIG;
        goto fail;
    }
    if (!mkdtemp(ime->userdir)) {
        KLOGE("ime", "cannot create a private user dir: %s", strerror(errno));
        ime->userdir[0] = '\0';
        rc = KERR_IO;
        goto fail;
    }
    write_user_conf(conf, ime->userdir);
    ime->ctx = pinyin_init(sysdir, ime->userdir);
    if (!ime->ctx) {
        rc = KERR_NOTFOUND;
        goto fail;
    }
    pinyin_set_options(ime->ctx, IME_OPTIONS);
    if (!cfg->gbk) pinyin_unload_phrase_library(ime->ctx, GBK_DICTIONARY);
    ime->inst = pinyin_alloc_instance(ime->ctx);
    if (!ime->inst) {
        rc = KERR_NOMEM;
        goto fail;
    }
    *out = ime;
    return KERR_OK;
fail:
    ime_close(ime);
    return rc;
}

void ime_close(struct ime *ime)
{
    if (!ime) return;
    IME_ON_OWNER(ime);
    if (ime->inst) {
        ime_reset(ime);
        pinyin_free_instance(ime->inst);
    }
    if (ime->ctx) pinyin_fini(ime->ctx);
    if (ime->userdir[0]) remove_dir(ime->userdir);
    for (size_t i = 0; i < IME_PHRASE_SLOTS; i++) free(ime->phrase_slot[i]);
    free(ime);
}

void *ime_pinyin_context(struct ime *ime)
{
    return ime ? ime->ctx : NULL;
}
