/* pytone: see pytone.h. The text is walked once: runs of hanzi go through
 * libpinyin's phrase segmentation, digits through a Chinese number reader,
 * letters are spelled, punctuation becomes a pause. */
#include "pytone.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PINYIN_C_TU pytone
#include "pinyin_c.h"

#include "klog.h"
#include "pytone_table.h"
#include "utf8.h"

#define PYTONE_DEFAULT_DIR "/usr/lib/x86_64-linux-gnu/libpinyin/data"
#define PYTONE_CHEWINGKEY_SIZE 2 /* libpinyin's ChewingKey: a 16-bit bit-field (see hzpinyin.c) */
#define PYTONE_MAX_RUN 256       /* hanzi segmented at once; longer runs are cut */

struct pytone {
    pinyin_context_t *ctx;
    pinyin_instance_t *inst;
    char userdir[PATH_MAX]; /* private and empty but for user.conf; removed at close */
};

/* Readings that come out wrong after libpinyin's phrase choice, for this
 * kiosk's texts, each with the reading wanted (tests/voice/test_pytone.c):
 * a character libpinyin leaves alone (no word around it) whose customary
 * reading is not the one the kiosk's texts use. */
static const struct {
    const char *word;
    const char *pinyin;
} overrides[] = {
    /* 服务圈, 商圈: libpinyin has no word 服务圈, and a lone 圈's customary
     * reading (kMandarin) is juan4 (a pen); the kiosk's 圈 is always quan1 */
    {"圈", "quan1"},
    /* 一幢楼, 13 幢商务楼宇: the measure word for buildings is zhuang4; a lone
     * 幢's customary reading is chuang2 (a banner), no word holds it */
    {"幢", "zhuang4"},
    /* 拼音太长: 太长 is no word, and a lone 长 reads zhang3 (kMandarin, "to
     * grow"); long is chang2 */
    {"太长", "tai4 chang2"},
};

struct out {
    char *buf;
    size_t cap, len;
    bool full;
};

static void put(struct out *o, const char *s)
{
    size_t n = strlen(s);
    if (o->full) return;
    if (o->len + n + 1 > o->cap) {
        o->full = true;
        return;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
    o->buf[o->len] = 0;
}

/* A syllable, separated from what came before by a space. */
static void put_syl(struct out *o, const char *s)
{
    if (o->len && o->buf[o->len - 1] != ' ') put(o, " ");
    put(o, s);
}

/* A pause: ", " or ". " (never two in a row, never at the start). */
static void put_pause(struct out *o, char mark)
{
    while (o->len && o->buf[o->len - 1] == ' ') o->buf[--o->len] = 0;
    if (!o->len) return;
    char c = o->buf[o->len - 1];
    if (c == ',' || c == '.') {
        if (mark == '.') o->buf[o->len - 1] = '.';
        put(o, " ");
        return;
    }
    put(o, mark == '.' ? ". " : ", ");
}

static int cmp_cp(const void *k, const void *e)
{
    uint32_t cp = *(const uint32_t *)k, ecp = ((const struct pytone_entry *)e)->cp;
    return cp < ecp ? -1 : cp > ecp;
}

/* The first row of cp in the table, NULL if none. */
static const struct pytone_entry *rows_of(uint32_t cp, size_t *n)
{
    const struct pytone_entry *e = bsearch(&cp, pytone_table, pytone_table_n, sizeof *e, cmp_cp);
    if (!e) return NULL;
    while (e > pytone_table && e[-1].cp == cp) e--;
    *n = 0;
    while (e + *n < pytone_table + pytone_table_n && e[*n].cp == cp) (*n)++;
    return e;
}

int pytone_tone(uint32_t cp, const char *syl)
{
    size_t n = 0;
    const struct pytone_entry *e = rows_of(cp, &n);
    for (size_t i = 0; e && i < n; i++)
        if (strcmp(e[i].syl, syl) == 0) return e[i].tone;
    return 0;
}

bool pytone_default(uint32_t cp, char out[8])
{
    size_t n = 0;
    const struct pytone_entry *e = rows_of(cp, &n);
    for (size_t i = 0; e && i < n; i++)
        if (e[i].is_default) {
            snprintf(out, 8, "%.6s%u", e[i].syl, (unsigned)(e[i].tone % 10));
            return true;
        }
    if (e && n) {
        snprintf(out, 8, "%.6s%u", e[0].syl, (unsigned)(e[0].tone % 10));
        return true;
    }
    return false;
}

/* ---- numbers and letters -------------------------------------------------- */

static const char *const digit_py[10] = {"ling2", "yi1", "er4", "san1", "si4",
                                         "wu3",   "liu4", "qi1", "ba1", "jiu3"};

/* 0..9999 as Chinese (一千零五, 十二 when lead and < 20). */
static void put_group(struct out *o, unsigned v, bool lead)
{
    static const char *const unit[4] = {"qian1", "bai3", "shi2", ""};
    unsigned d[4] = {v / 1000, v / 100 % 10, v / 10 % 10, v % 10};
    bool started = false, zero = false;
    for (int i = 0; i < 4; i++) {
        if (!d[i]) {
            if (started) zero = true;
            continue;
        }
        if (zero) put_syl(o, "ling2");
        zero = false;
        if (!(i == 2 && d[i] == 1 && lead && !started)) /* 十二, not 一十二 */
            put_syl(o, d[i] == 2 && i == 0  ? "liang3"
                       : d[i] == 1 && i < 2 ? "yi4" /* 一千, 一百: yi4 before the first tone and the third */
                                            : digit_py[d[i]]);
        if (*unit[i]) put_syl(o, unit[i]);
        started = true;
    }
}

/* A whole number (at most 12 digits) as Chinese: 2026 -> 两千零二十六. */
static void put_number(struct out *o, unsigned long long v)
{
    static const char *const big[3] = {"yi4", "wan4", ""};
    unsigned g[3] = {(unsigned)(v / 100000000ULL), (unsigned)(v / 10000 % 10000), (unsigned)(v % 10000)};
    bool started = false;
    if (v == 0) {
        put_syl(o, "ling2");
        return;
    }
    for (int i = 0; i < 3; i++) {
        if (!g[i]) continue;
        if (started && g[i] < 1000) put_syl(o, "ling2");
        if (g[i] == 1 && *big[i]) /* 一万 yi2 wan4, 一亿 yi2 yi4: before a fourth tone */
            put_syl(o, "yi2");
        else
            put_group(o, g[i], !started);
        if (*big[i]) put_syl(o, big[i]);
        started = true;
    }
}

static void put_digits(struct out *o, const char *d, size_t n, bool spell)
{
    if (spell || n > 12 || (n > 1 && d[0] == '0')) {
        /* digit by digit, 1 as yao1 (as a ticket or phone number is read
         * aloud, so that it is not heard as 7, qi1) */
        for (size_t i = 0; i < n; i++) put_syl(o, d[i] == '1' ? "yao1" : digit_py[d[i] - '0']);
        return;
    }
    unsigned long long v = 0;
    for (size_t i = 0; i < n; i++) v = v * 10 + (unsigned)(d[i] - '0');
    put_number(o, v);
}

/* English letter names as Mandarin speakers say them. */
static const char *const letter_py[26] = {
    "ei1",  "bi4",  "xi1",        "di4",       "yi4",  "ai2 fu1", "ji4",       "ai2 qi1", "ai4",
    "jie4", "kai4", "ai2 ou1",    "ai2 mu3",   "en1",  "ou1",     "pi4",       "kiu1",    "a1 er3",
    "ai2 si1", "ti4", "you1", "wei1", "da2 bu3 liu3", "ai2 ke4 si1", "wai4", "zei4",
};

/* ---- hanzi ---------------------------------------------------------------- */

static bool is_hanzi(uint32_t cp)
{
    return (cp >= 0x3400 && cp <= 0x9FFF) || (cp >= 0xF900 && cp <= 0xFAFF) ||
           (cp >= 0x20000 && cp <= 0x3134F);
}

/* The syllables of a run of hanzi before they are written out: the tone
 * sandhi needs the neighbours and the word boundaries. */
struct syls {
    size_t n;
    char s[PYTONE_MAX_RUN][8]; /* "hao3" */
    uint32_t cp[PYTONE_MAX_RUN]; /* the character read */
    int word[PYTONE_MAX_RUN];  /* syllables of one word share a number */
    int words;
};

static void add_syl(struct syls *sy, uint32_t cp, const char *syl, bool new_word)
{
    if (sy->n == PYTONE_MAX_RUN || strlen(syl) >= sizeof sy->s[0]) return;
    if (new_word || !sy->n) sy->words++;
    snprintf(sy->s[sy->n], sizeof sy->s[0], "%s", syl);
    sy->cp[sy->n] = cp;
    sy->word[sy->n] = sy->words;
    sy->n++;
}

/* One character read alone: its customary reading. */
static void put_char(struct syls *sy, uint32_t cp)
{
    char r[8];
    if (pytone_default(cp, r)) add_syl(sy, cp, r, true);
}

/* The libpinyin pronunciation of a word token of n characters (cps), with
 * tones from the table; false when libpinyin gives none that fits. */
static bool put_word(struct pytone *p, struct syls *sy, phrase_token_t tok, const uint32_t *cps,
                     size_t n)
{
    guint np = 0;
    bool ok = false;
    GArray *keys = g_array_new(FALSE, TRUE, PYTONE_CHEWINGKEY_SIZE);
    char syl[PYTONE_MAX_RUN][8];
    if (!keys) return false;
    if (pinyin_token_get_n_pronunciation(p->inst, tok, &np) && np > 0 &&
        pinyin_token_get_nth_pronunciation(p->inst, tok, 0, keys) && keys->len == n) {
        ok = true;
        for (guint k = 0; k < keys->len && ok; k++) {
            gchar *s = NULL;
            ChewingKey *key = (ChewingKey *)(void *)(keys->data + k * PYTONE_CHEWINGKEY_SIZE);
            size_t m = 0;
            ok = pinyin_get_pinyin_string(p->inst, key, &s) && s;
            for (const char *c = s; ok && *c; c++) {
                if (*c >= 'a' && *c <= 'z' && m < 6)
                    syl[k][m++] = *c;
                else if (!(*c >= '0' && *c <= '9'))
                    ok = false;
            }
            syl[k][m] = 0;
            ok = ok && m > 0;
            g_free(s);
        }
    }
    g_array_free(keys, TRUE);
    if (!ok) return false;
    for (size_t k = 0; k < n; k++) {
        char r[12];
        int tone = pytone_tone(cps[k], syl[k]);
        snprintf(r, sizeof r, "%s%d", syl[k], tone ? tone : 5);
        add_syl(sy, cps[k], r, k == 0);
    }
    return true;
}

/* A run of n hanzi: overrides first, then libpinyin's words. */
static void collect_run(struct pytone *p, struct syls *sy, const uint32_t *cps, size_t n)
{
    char utf[PYTONE_MAX_RUN * 4 + 1];
    size_t len = 0;
    guint nt = 0;
    if (!n) return;
    /* an override splits the run around it */
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < sizeof overrides / sizeof overrides[0]; k++) {
            const char *w = overrides[k].word;
            size_t j = i;
            while (*w && j < n && utf8_next(&w) == cps[j]) j++;
            if (!*w && j > i) {
                const char *py = overrides[k].pinyin;
                collect_run(p, sy, cps, i);
                /* one syllable per character of the word */
                for (size_t c = i; c < j && *py; c++) {
                    char one[8];
                    size_t m = strcspn(py, " ");
                    snprintf(one, sizeof one, "%.*s", (int)(m < sizeof one ? m : sizeof one - 1), py);
                    add_syl(sy, cps[c], one, c == i);
                    py += m;
                    while (*py == ' ') py++;
                }
                collect_run(p, sy, cps + j, n - j);
                return;
            }
        }
    for (size_t i = 0; i < n; i++) len += utf8_encode(cps[i], utf + len);
    utf[len] = 0;
    if (!p || !pinyin_phrase_segment(p->inst, utf) || !pinyin_get_n_phrase(p->inst, &nt)) {
        for (size_t i = 0; i < n; i++) put_char(sy, cps[i]);
        return;
    }
    for (size_t i = 0; i < n;) {
        phrase_token_t tok = 0;
        guint wl = 0;
        gchar *ph = NULL;
        if (i < nt && pinyin_get_phrase_token(p->inst, (guint)i, &tok) && tok &&
            pinyin_token_get_phrase(p->inst, tok, &wl, &ph) && wl >= 2 && i + wl <= n &&
            put_word(p, sy, tok, cps + i, wl)) {
            g_free(ph);
            i += wl;
            continue;
        }
        g_free(ph);
        put_char(sy, cps[i]);
        i++;
    }
}

/* ---- tone sandhi ------------------------------------------------------------ */

static int tone_of(const char *syl)
{
    size_t n = strlen(syl);
    return n && syl[n - 1] >= '1' && syl[n - 1] <= '5' ? syl[n - 1] - '0' : 0;
}

static void set_tone(char *syl, int tone)
{
    size_t n = strlen(syl);
    if (n && syl[n - 1] >= '1' && syl[n - 1] <= '5') syl[n - 1] = (char)('0' + tone);
}

/* A hanzi numeral (with units: 十百千万亿 when units is true). 一 between
 * digits keeps its first tone (十一, 一一, 第一, 万一); before a unit it
 * changes (一百 yi4 bai3, 一万 yi2 wan4). */
static bool is_numeral(uint32_t cp, bool units)
{
    static const uint32_t digits[] = {0x3007, 0x96F6, 0x4E00, 0x4E8C, 0x4E09, 0x56DB, 0x4E94,
                                      0x516D, 0x4E03, 0x516B, 0x4E5D, 0x4E24, 0x5341};
    static const uint32_t big[] = {0x767E, 0x5343, 0x4E07, 0x4EBF};
    for (size_t i = 0; i < sizeof digits / sizeof digits[0]; i++)
        if (digits[i] == cp) return true;
    for (size_t i = 0; units && i < sizeof big / sizeof big[0]; i++)
        if (big[i] == cp) return true;
    return false;
}

/* Changes the tones of a run of n syllables (syl, the characters read, their
 * words) as they are spoken: 一 and 不 by the tone that follows, then the
 * third-tone sandhi. */
static void sandhi(char (*syl)[8], const uint32_t *cp, const int *word, size_t n)
{
    /* 一 and 不 first: they are read by what follows */
    for (size_t i = 0; i < n; i++) {
        int next = i + 1 < n ? tone_of(syl[i + 1]) : 0;
        if (cp[i] == 0x4E0D && tone_of(syl[i]) == 4 && next == 4) { /* 不是 bu2 shi4 */
            set_tone(syl[i], 2);
        } else if (cp[i] == 0x4E00 && tone_of(syl[i]) == 1 && next && i + 1 < n &&
                   !is_numeral(cp[i + 1], false) && !(i > 0 && (is_numeral(cp[i - 1], true) ||
                                                        cp[i - 1] == 0x7B2C /* 第一 */))) {
            set_tone(syl[i], next == 4 || next == 5 ? 2 : 4); /* 一定 yi2, 一天 yi4 */
        }
    }
    /* third tones: inside a word every third tone before another becomes a
     * second (展览馆 zhan2 lan2 guan3); between words, from the right, a
     * third tone before a third becomes a second (我很好 wo3 hen2 hao3) */
    for (size_t i = 0; i + 1 < n; i++)
        if (word[i] == word[i + 1] && tone_of(syl[i]) == 3) {
            size_t j = i;
            while (j + 1 < n && word[j + 1] == word[i] && tone_of(syl[j + 1]) == 3) j++;
            for (size_t k = i; k < j; k++) set_tone(syl[k], 2);
            i = j;
        }
    for (size_t i = n; i-- > 1;)
        if (word[i - 1] != word[i] && tone_of(syl[i - 1]) == 3 && tone_of(syl[i]) == 3)
            set_tone(syl[i - 1], 2);
}

/* A run of n hanzi read, with the sandhi, into o. */
static void put_run(struct pytone *p, struct out *o, const uint32_t *cps, size_t n)
{
    struct syls sy;
    sy.n = 0;
    sy.words = 0;
    collect_run(p, &sy, cps, n);
    sandhi(sy.s, sy.cp, sy.word, sy.n);
    for (size_t i = 0; i < sy.n; i++) put_syl(o, sy.s[i]);
}

/* ---- the walk ------------------------------------------------------------- */

static uint32_t fold_width(uint32_t cp)
{
    if (cp >= 0xFF01 && cp <= 0xFF5E) return cp - 0xFF01 + 0x21; /* full-width ASCII */
    return cp;
}

enum kerr pytone_text(struct pytone *p, const char *utf8, unsigned flags, char *outbuf, size_t outsz)
{
    struct out o = {outbuf, outsz, 0, false};
    uint32_t run[PYTONE_MAX_RUN];
    size_t nrun = 0;
    char digits[64];
    size_t nd = 0;
    bool spell = flags & PYTONE_SPELL;
    bool number_end = false; /* a number was just read */
    const char *s = utf8;
    if (!outsz) return KERR_TOOBIG;
    outbuf[0] = 0;
    if (!utf8_valid(utf8, strlen(utf8))) return KERR_UTF8;
    for (;;) {
        uint32_t cp = *s ? fold_width(utf8_next(&s)) : 0;
        if (nrun && (!is_hanzi(cp) || nrun == PYTONE_MAX_RUN)) {
            put_run(p, &o, run, nrun);
            nrun = 0;
        }
        if (nd && !(cp >= '0' && cp <= '9' && nd < sizeof digits)) {
            put_digits(&o, digits, nd, spell);
            nd = 0;
            if (cp == ':' && s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9' &&
                !(s[2] >= '0' && s[2] <= '9')) { /* 09:30 -> 9 点 30, 21:00 -> 21 点整, 8:05 -> 8 点零 5 */
                put_syl(&o, "dian3");
                if (s[0] == '0' && s[1] == '0') {
                    put_syl(&o, "zheng3");
                } else {
                    if (s[0] == '0') put_syl(&o, "ling2");
                    put_digits(&o, s[0] == '0' ? s + 1 : s, s[0] == '0' ? 1 : 2, false);
                }
                s += 2;
                number_end = true;
                continue;
            }
            if (cp == '.' && *s >= '0' && *s <= '9' && !spell) { /* 3.5 -> 3 点 5 */
                put_syl(&o, "dian3");
                while (*s >= '0' && *s <= '9') put_syl(&o, digit_py[*s++ - '0']);
                continue;
            }
            number_end = true;
        }
        /* 9:00–17:00, 3~5: "to" between two numbers (not '-': HL-A01-437 is a code) */
        if (number_end && (cp == 0x2013 || cp == 0x2014 || cp == '~') && *s >= '0' && *s <= '9') {
            put_syl(&o, "dao4");
            number_end = false;
            continue;
        }
        number_end = false;
        if (!cp) break;
        if (is_hanzi(cp)) {
            run[nrun++] = cp;
        } else if (cp >= '0' && cp <= '9') {
            digits[nd++] = (char)cp;
        } else if ((cp | 32) >= 'a' && (cp | 32) <= 'z') {
            put_syl(&o, letter_py[(cp | 32) - 'a']);
        } else if (cp == 0x3002 || cp == '.' || cp == '!' || cp == '?' || cp == '\n') {
            put_pause(&o, '.');
        } else if (cp == 0xFF0C || cp == ',' || cp == 0x3001 || cp == ';' || cp == ':' ||
                   cp == 0x00B7 || cp == 0x30FB || cp == '(' || cp == ')' || cp == 0x300A ||
                   cp == 0x300B || cp == 0x201C || cp == 0x201D || cp == 0x2014 || cp == 0x2013 ||
                   cp == '/' || cp == '|') {
            put_pause(&o, ',');
        }
        /* anything else (spaces, symbols, emoji) only separates */
    }
    while (o.len && (o.buf[o.len - 1] == ' ' || o.buf[o.len - 1] == ',')) o.buf[--o.len] = 0;
    return o.full ? KERR_TOOBIG : KERR_OK;
}

/* ---- open / close --------------------------------------------------------- */

/* libpinyin prints "open <dir>/user.conf failed." without a newline into
 * the log when its user folder has none: a private folder gets a copy of the
 * data's version lines (as kiosk/ime does); nothing else is written there. */
static bool make_userdir(struct pytone *p, const char *data_dir)
{
    char conf[PATH_MAX], path[PATH_MAX + 16], line[128];
    const char *tmp = getenv("TMPDIR");
    FILE *in, *out;
    if (!tmp || !*tmp) tmp = "/tmp";
    if ((size_t)snprintf(p->userdir, sizeof p->userdir, "%s/kiosk-voice-XXXXXX", tmp) >= sizeof p->userdir ||
        !mkdtemp(p->userdir)) {
        KLOGW("pytone", "cannot create a private libpinyin folder: %s", strerror(errno));
        p->userdir[0] = 0;
        return false;
    }
    snprintf(conf, sizeof conf, "%s/table.conf", data_dir);
    snprintf(path, sizeof path, "%s/user.conf", p->userdir);
    in = fopen(conf, "r");
    out = in ? fopen(path, "w") : NULL;
    for (int i = 0; out && i < 2 && fgets(line, sizeof line, in); i++) fputs(line, out);
    if (out) fclose(out);
    if (in) fclose(in);
    return true;
}

static void remove_userdir(struct pytone *p)
{
    DIR *d;
    if (!p->userdir[0]) return;
    d = opendir(p->userdir);
    if (d) {
        struct dirent *e;
        char f[PATH_MAX + 300];
        while ((e = readdir(d)) != NULL)
            if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
                snprintf(f, sizeof f, "%s/%s", p->userdir, e->d_name);
                unlink(f);
            }
        closedir(d);
    }
    if (rmdir(p->userdir) != 0) KLOGW("pytone", "cannot remove the private libpinyin folder: %s", strerror(errno));
    p->userdir[0] = 0;
}

enum kerr pytone_open(const char *data_dir, struct pytone **out)
{
    char probe[1024];
    FILE *f;
    struct pytone *p;
    *out = NULL;
    if (!data_dir) data_dir = getenv("KIOSK_PINYIN_DATA");
    if (!data_dir || !*data_dir) data_dir = PYTONE_DEFAULT_DIR;
    snprintf(probe, sizeof probe, "%s/pinyin_index.bin", data_dir);
    f = fopen(probe, "rb");
    if (!f) {
        KLOGW("pytone", "no libpinyin data in %s", data_dir);
        return KERR_NOTFOUND;
    }
    fclose(f);
    p = calloc(1, sizeof *p);
    if (!p) return KERR_NOMEM;
    if (!make_userdir(p, data_dir)) {
        free(p);
        return KERR_IO;
    }
    p->ctx = pinyin_init(data_dir, p->userdir);
    if (p->ctx) p->inst = pinyin_alloc_instance(p->ctx);
    if (!p->inst) {
        enum kerr rc = p->ctx ? KERR_NOMEM : KERR_NOTFOUND;
        pytone_close(p);
        return rc;
    }
    *out = p;
    return KERR_OK;
}

void pytone_close(struct pytone *p)
{
    if (!p) return;
    if (p->inst) pinyin_free_instance(p->inst);
    if (p->ctx) pinyin_fini(p->ctx);
    remove_userdir(p);
    free(p);
}
