/* search: every searchable name becomes a run of characters, each with its
 * toneless readings (copied from hzpinyin into the index). A pinyin query is
 * matched against the run by a small memoised walk: each character eats
 * either a whole reading or a prefix of one (an initial "f", or "zh"), an
 * ASCII letter eats itself, a hanzi in the query must equal the character,
 * and punctuation in the name is skipped. "Full" mode allows only whole
 * syllables (except a prefix of the last one); "abbreviated" mode any prefix,
 * which is how "flfw" finds 法律服务. A letter mask per field rejects most
 * entries before the walk. */
#include "search.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hzpinyin.h"
#include "klog.h"
#include "utf8.h"

#define MAXC 48                /* characters of a field used for matching */
#define ASCII_FLAG 0x80000000u /* chars[] entry is an ASCII letter/digit */
#define NONE 0x7FFFFFFFu       /* chars[] entry without readings */

struct cpinfo {
    uint32_t cp;
    uint8_t n;
    char r[HZPINYIN_MAX_READINGS][HZPINYIN_MAX_LEN];
};

struct field {
    uint32_t off; /* into ix->chars / ix->cps */
    uint16_t len;
    uint32_t letters; /* bit per letter a-z that any reading contains */
    uint32_t firsts;  /* bit per letter that starts any reading */
};

struct entry {
    enum search_kind kind;
    const void *item;
    struct field name;
    struct field tags[CONTENT_MAX_TAGS];
    uint8_t ntags;
    const char *en_lower; /* lowercased English name, or NULL */
    const char *zh_text;  /* summary (services) for hanzi substring, or NULL */
    const char *en_text;  /* lowercased English summary, or NULL */
    const char *provider; /* provider zh, or NULL */
    uint16_t name_chars;
};

struct search_index {
    const struct content *c;
    struct entry *e;
    size_t ne;
    uint32_t *chars; /* cpinfo index | ASCII_FLAG|ascii | NONE */
    uint32_t *cps;   /* the code points themselves */
    size_t nchars, capchars, capcps;
    struct cpinfo *cpt; /* distinct code points with readings */
    size_t ncpt, capcpt;
    uint32_t *cph; /* hash: cp -> cpt index + 1 */
    size_t caph;
    char **strs; /* owned lowercased strings */
    size_t nstrs, capstrs;
};

/* ---- building ------------------------------------------------------------ */

static uint32_t hash32(uint32_t x)
{
    x ^= x >> 16;
    x *= 0x7feb352dU;
    x ^= x >> 15;
    x *= 0x846ca68bU;
    x ^= x >> 16;
    return x;
}

static bool grow(void **p, size_t *cap, size_t need, size_t elem)
{
    size_t ncap;
    void *np;
    if (need <= *cap) return true;
    ncap = *cap ? *cap : 64;
    while (ncap < need) ncap *= 2;
    np = realloc(*p, ncap * elem);
    if (!np) return false;
    *p = np;
    *cap = ncap;
    return true;
}

/* Index of cp in cpt (adding it with its readings); NONE if no readings. */
static uint32_t cp_index(struct search_index *ix, uint32_t cp, bool *oom)
{
    size_t h;
    const char *r[HZPINYIN_MAX_READINGS];
    size_t n;
    if (ix->caph == 0 || ix->ncpt * 2 >= ix->caph) {
        size_t ncap = ix->caph ? ix->caph * 2 : 4096;
        uint32_t *nh = calloc(ncap, sizeof *nh);
        if (!nh) {
            *oom = true;
            return NONE;
        }
        for (size_t i = 0; i < ix->ncpt; i++) {
            h = hash32(ix->cpt[i].cp) & (ncap - 1);
            while (nh[h]) h = (h + 1) & (ncap - 1);
            nh[h] = (uint32_t)i + 1;
        }
        free(ix->cph);
        ix->cph = nh;
        ix->caph = ncap;
    }
    h = hash32(cp) & (ix->caph - 1);
    while (ix->cph[h]) {
        if (ix->cpt[ix->cph[h] - 1].cp == cp) return ix->cph[h] - 1;
        h = (h + 1) & (ix->caph - 1);
    }
    n = hzpinyin_get(cp, r, HZPINYIN_MAX_READINGS);
    if (!grow((void **)&ix->cpt, &ix->capcpt, ix->ncpt + 1, sizeof *ix->cpt)) {
        *oom = true;
        return NONE;
    }
    memset(&ix->cpt[ix->ncpt], 0, sizeof ix->cpt[0]);
    ix->cpt[ix->ncpt].cp = cp;
    ix->cpt[ix->ncpt].n = (uint8_t)n;
    for (size_t i = 0; i < n; i++) {
        strncpy(ix->cpt[ix->ncpt].r[i], r[i], HZPINYIN_MAX_LEN - 1);
    }
    ix->cph[h] = (uint32_t)ix->ncpt + 1;
    return (uint32_t)ix->ncpt++;
}

static bool add_field(struct search_index *ix, const char *s, struct field *f)
{
    bool oom = false;
    memset(f, 0, sizeof *f);
    if (!s) return true;
    f->off = (uint32_t)ix->nchars;
    while (*s && f->len < MAXC) {
        uint32_t cp = utf8_next(&s), v;
        if (cp >= 'A' && cp <= 'Z') cp += 32;
        if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9')) {
            v = ASCII_FLAG | cp;
            if (cp >= 'a') f->letters |= 1u << (cp - 'a'), f->firsts |= 1u << (cp - 'a');
        } else if (cp >= 0x2E80) {
            v = cp_index(ix, cp, &oom);
            if (oom) return false;
            if (v != NONE) {
                const struct cpinfo *ci = &ix->cpt[v];
                if (ci->n == 0) v = NONE;
                for (size_t k = 0; k < ci->n; k++) {
                    f->firsts |= 1u << (ci->r[k][0] - 'a');
                    for (const char *p = ci->r[k]; *p; p++) f->letters |= 1u << (*p - 'a');
                }
            }
        } else {
            v = NONE;
        }
        if (!grow((void **)&ix->chars, &ix->capchars, ix->nchars + 1, sizeof *ix->chars) ||
            !grow((void **)&ix->cps, &ix->capcps, ix->nchars + 1, sizeof *ix->cps))
            return false;
        ix->chars[ix->nchars] = v;
        ix->cps[ix->nchars] = cp;
        ix->nchars++;
        f->len++;
    }
    return true;
}

static const char *own_lower(struct search_index *ix, const char *s, bool *oom)
{
    char *d;
    size_t n;
    if (!s) return NULL;
    n = strlen(s);
    d = malloc(n + 1);
    if (!d || !grow((void **)&ix->strs, &ix->capstrs, ix->nstrs + 1, sizeof *ix->strs)) {
        free(d);
        *oom = true;
        return NULL;
    }
    for (size_t i = 0; i <= n; i++) d[i] = (s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] + 32) : s[i];
    ix->strs[ix->nstrs++] = d;
    return d;
}

static bool add_entry(struct search_index *ix, enum search_kind kind, const void *item,
                      const struct content_text *name, const char *const *tags, size_t ntags,
                      const struct content_text *summary, const struct content_text *provider)
{
    struct entry *e = &ix->e[ix->ne];
    bool oom = false;
    memset(e, 0, sizeof *e);
    e->kind = kind;
    e->item = item;
    if (!add_field(ix, name->zh, &e->name)) return false;
    e->name_chars = (uint16_t)(utf8_count(name->zh) > 0xFFFF ? 0xFFFF : utf8_count(name->zh));
    for (size_t i = 0; i < ntags && i < CONTENT_MAX_TAGS; i++) {
        if (!tags[i]) continue;
        if (!add_field(ix, tags[i], &e->tags[e->ntags])) return false;
        e->ntags++;
    }
    e->en_lower = own_lower(ix, name->en, &oom);
    if (summary) {
        e->zh_text = summary->zh;
        e->en_text = own_lower(ix, summary->en, &oom);
    }
    if (provider) e->provider = provider->zh;
    if (oom) return false;
    ix->ne++;
    return true;
}

struct search_index *search_build(const struct content *c, enum kerr *err)
{
    struct search_index *ix = calloc(1, sizeof *ix);
    size_t total;
    if (err) *err = KERR_OK;
    if (!ix) goto fail;
    ix->c = c;
    if (!hzpinyin_ready() && hzpinyin_open(NULL) != KERR_OK)
        KLOGW("search", "no pinyin data: only hanzi and English search");
    total = c->n_services + c->n_categories + c->n_orgs + c->n_nursing_rooms;
    ix->e = calloc(total ? total : 1, sizeof *ix->e);
    if (!ix->e) goto fail;
    for (size_t i = 0; i < c->n_categories; i++)
        if (!add_entry(ix, SEARCH_CATEGORY, &c->categories[i], &c->categories[i].name, NULL, 0, NULL,
                       NULL))
            goto fail;
    for (size_t i = 0; i < c->n_services; i++) {
        const struct content_service *s = &c->services[i];
        if (!add_entry(ix, SEARCH_SERVICE, s, &s->name, s->tags, s->n_tags, &s->summary, &s->provider))
            goto fail;
    }
    for (size_t i = 0; i < c->n_orgs; i++)
        if (!add_entry(ix, SEARCH_ORG, &c->orgs[i], &c->orgs[i].name, NULL, 0, NULL, NULL)) goto fail;
    for (size_t i = 0; i < c->n_nursing_rooms; i++)
        if (!add_entry(ix, SEARCH_NURSING, &c->nursing_rooms[i], &c->nursing_rooms[i].name, NULL, 0,
                       NULL, NULL))
            goto fail;
    return ix;
fail:
    if (err) *err = KERR_NOMEM;
    search_free(ix);
    return NULL;
}

void search_free(struct search_index *ix)
{
    if (!ix) return;
    for (size_t i = 0; i < ix->nstrs; i++) free(ix->strs[i]);
    free(ix->strs);
    free(ix->e);
    free(ix->chars);
    free(ix->cps);
    free(ix->cpt);
    free(ix->cph);
    free(ix);
}

/* ---- matching ------------------------------------------------------------ */

struct query {
    uint32_t q[SEARCH_MAX_QUERY]; /* code points; ASCII lowercased, v for u-umlaut */
    size_t n;
    bool all_ascii, any_ascii;
    uint32_t letters; /* mask of the query's ASCII letters */
    char zh[SEARCH_MAX_QUERY * 4 + 1]; /* the query as UTF-8, normalised */
    char en[SEARCH_MAX_QUERY + 1];     /* ASCII query lowercased, spaces kept */
};

struct walker {
    const struct search_index *ix;
    const struct query *q;
    const struct field *f;
    bool full;
    /* memo[i][j]: 0 unknown, 1 fails, 2 matches (end of query reached) */
    uint8_t memo[MAXC + 1][SEARCH_MAX_QUERY + 1];
    bool exact_end; /* set when a full match also ends at the field's end */
};

/* Can q[j..] be matched starting at field char i? */
static bool walk(struct walker *w, size_t i, size_t j)
{
    const struct query *q = w->q;
    uint8_t *m;
    bool ok = false;
    uint32_t v;
    if (j == q->n) {
        if (i == w->f->len) w->exact_end = true;
        return true;
    }
    if (i == w->f->len) return false;
    m = &w->memo[i][j];
    if (*m) return *m == 2;
    v = w->ix->chars[w->f->off + i];
    if (q->q[j] >= 128) {
        ok = w->ix->cps[w->f->off + i] == q->q[j] && walk(w, i + 1, j + 1);
    } else if (v & ASCII_FLAG) {
        ok = (v & 0x7F) == q->q[j] && walk(w, i + 1, j + 1);
    } else if (v == NONE) {
        /* punctuation and unknown characters are skipped, but a query must
         * not start by skipping */
        ok = walk(w, i + 1, j);
    } else {
        const struct cpinfo *ci = &w->ix->cpt[v];
        for (size_t r = 0; r < ci->n && !ok; r++) {
            const char *s = ci->r[r];
            size_t k = 0;
            while (s[k] && j + k < q->n && q->q[j + k] == (uint32_t)(unsigned char)s[k]) k++;
            if (k == 0) continue;
            if (j + k == q->n) {
                /* the query ends inside or at the end of this syllable */
                ok = true;
                if (i + 1 == w->f->len && !s[k]) w->exact_end = true;
                break;
            }
            if (!s[k] && walk(w, i + 1, j + k)) ok = true;
            /* abbreviated: shorter prefixes of the syllable (initials) */
            for (size_t kk = w->full ? 0 : k; kk > 0 && !ok; kk--) {
                if (kk == strlen(s)) continue;
                if (walk(w, i + 1, j + kk)) ok = true;
            }
        }
    }
    *m = ok ? 2 : 1;
    return ok;
}

/* Best match of the ASCII/mixed query in field f: returns the start char
 * (or -1), sets *exact when it spans the whole field with full syllables. */
static long match_field(struct walker *w, const struct field *f, bool full, bool *exact)
{
    const struct query *q = w->q;
    *exact = false;
    if (f->len == 0) return -1;
    if (q->all_ascii && ((q->letters & f->letters) != q->letters)) return -1;
    w->f = f;
    w->full = full;
    memset(w->memo, 0, sizeof w->memo);
    if (q->q[0] >= 'a' && q->q[0] <= 'z' && !(f->firsts & (1u << (q->q[0] - 'a')))) return -1;
    for (size_t i = 0; i < f->len; i++) {
        uint32_t v = w->ix->chars[f->off + i];
        if (v == NONE) continue;
        w->exact_end = false;
        if (walk(w, i, 0)) {
            *exact = full && i == 0 && w->exact_end;
            return (long)i;
        }
    }
    return -1;
}

/* Hanzi substring over the field's code points. */
static long find_cps(const struct search_index *ix, const struct field *f, const struct query *q)
{
    if (q->n > f->len) return -1;
    for (size_t i = 0; i + q->n <= f->len; i++) {
        size_t k = 0;
        while (k < q->n && ix->cps[f->off + i + k] == q->q[k]) k++;
        if (k == q->n) return (long)i;
    }
    return -1;
}

static void normalise(const char *in, struct query *q)
{
    const char *p = in;
    size_t zl = 0, el = 0;
    memset(q, 0, sizeof *q);
    q->all_ascii = true;
    if (!in || !utf8_valid(in, strnlen(in, SEARCH_MAX_QUERY * 4 + 1))) return;
    while (*p && q->n < SEARCH_MAX_QUERY) {
        uint32_t cp = utf8_next(&p);
        if (cp >= 'A' && cp <= 'Z') cp += 32;
        if (cp < 128 && el < SEARCH_MAX_QUERY && (cp != ' ' || el > 0)) q->en[el++] = (char)cp;
        if (cp == ' ' || cp == '\'' || cp == '\t' || cp == 0x3000) continue;
        if (cp == ':' && q->n > 0 && q->q[q->n - 1] == 'u') {
            q->q[q->n - 1] = 'v';
            continue;
        }
        if (cp == 0xFC || cp == 0xDC) cp = 'v';
        if (cp < 128 && !((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9'))) continue;
        q->q[q->n++] = cp;
        if (cp >= 128) {
            q->all_ascii = false;
        } else {
            q->any_ascii = true;
            if (cp >= 'a' && cp <= 'z') q->letters |= 1u << (cp - 'a');
        }
        if (zl + 4 < sizeof q->zh) zl += utf8_encode(cp, q->zh + zl);
    }
    while (el > 0 && q->en[el - 1] == ' ') el--;
    q->en[el] = 0;
    q->zh[zl] = 0;
}

static int kind_rank(enum search_kind k)
{
    return k == SEARCH_CATEGORY ? 0 : k == SEARCH_SERVICE ? 1 : k == SEARCH_ORG ? 2 : 3;
}

static bool better(const struct search_hit *a, const struct search_hit *b)
{
    if (a->how != b->how) return a->how < b->how;
    return a->score < b->score;
}

/* Scores one entry; false when it does not match. */
static bool score_entry(struct walker *w, const struct entry *e, struct search_hit *hit)
{
    const struct search_index *ix = w->ix;
    const struct query *q = w->q;
    enum search_how how = SEARCH_TEXT;
    long pos = -1;
    bool found = false, exact;
    /* name: hanzi substring, or pinyin full, or abbreviated */
    if (!q->any_ascii) {
        pos = find_cps(ix, &e->name, q);
        if (pos >= 0) {
            found = true;
            how = pos == 0 ? (q->n == e->name.len ? SEARCH_EXACT : SEARCH_PREFIX) : SEARCH_NAME;
        }
    } else {
        pos = match_field(w, &e->name, true, &exact);
        if (pos >= 0) {
            found = true;
            how = exact ? SEARCH_EXACT : pos == 0 ? SEARCH_PREFIX : SEARCH_NAME;
        } else {
            pos = match_field(w, &e->name, false, &exact);
            if (pos >= 0) {
                found = true;
                /* initials from the first character ("flfw") rank with prefixes */
                how = pos == 0 ? SEARCH_PREFIX : SEARCH_INITIALS;
            }
        }
    }
    if (!found && q->all_ascii && e->en_lower && q->en[0]) {
        const char *at = strstr(e->en_lower, q->en);
        if (at) {
            found = true;
            pos = at - e->en_lower;
            how = strcmp(e->en_lower, q->en) == 0 ? SEARCH_EXACT
                  : pos == 0                        ? SEARCH_PREFIX
                                                    : SEARCH_NAME;
        }
    }
    for (size_t t = 0; !found && t < e->ntags; t++) {
        long tp = q->any_ascii ? match_field(w, &e->tags[t], false, &exact)
                               : find_cps(ix, &e->tags[t], q);
        if (tp >= 0) {
            found = true;
            how = SEARCH_TAG;
            pos = tp;
        }
    }
    if (!found && !q->any_ascii && q->zh[0]) {
        const char *at = e->zh_text ? strstr(e->zh_text, q->zh) : NULL;
        if (!at && e->provider) at = strstr(e->provider, q->zh);
        if (at) {
            found = true;
            how = SEARCH_TEXT;
            pos = 0;
        }
    }
    if (!found && q->all_ascii && q->en[0] && strlen(q->en) >= 3 && e->en_text) {
        if (strstr(e->en_text, q->en)) {
            found = true;
            how = SEARCH_TEXT;
            pos = 0;
        }
    }
    if (!found) return false;
    memset(hit, 0, sizeof *hit);
    hit->kind = e->kind;
    hit->how = how;
    /* earlier match, then shorter name, then categories before services
     * before organisations */
    hit->score = (int)(pos > 99 ? 99 : pos) * 10000 + (e->name_chars > 99 ? 99 : e->name_chars) * 10 +
                 kind_rank(e->kind);
    if (e->kind == SEARCH_SERVICE) hit->service = e->item;
    if (e->kind == SEARCH_CATEGORY) hit->category = e->item;
    if (e->kind == SEARCH_ORG) hit->org = e->item;
    if (e->kind == SEARCH_NURSING) hit->nursing_room = e->item;
    return true;
}

size_t search_query(const struct search_index *ix, const char *query, struct search_hit *hits,
                    size_t max)
{
    return search_query_kinds(ix, query, SEARCH_DIRECTORY, hits, max);
}

size_t search_query_kinds(const struct search_index *ix, const char *query, unsigned kinds,
                          struct search_hit *hits, size_t max)
{
    struct query q;
    struct walker *w;
    size_t n = 0;
    if (!ix || !query || max == 0) return 0;
    normalise(query, &q);
    if (q.n == 0) return 0;
    w = malloc(sizeof *w);
    if (!w) return 0;
    w->ix = ix;
    w->q = &q;
    for (size_t i = 0; i < ix->ne; i++) {
        struct search_hit h;
        size_t at;
        if (!(kinds & SEARCH_KIND(ix->e[i].kind))) continue;
        if (!score_entry(w, &ix->e[i], &h)) continue;
        /* insertion into the bounded, sorted result (stable: bundle order) */
        if (n == max && !better(&h, &hits[n - 1])) continue;
        at = n < max ? n : max - 1;
        while (at > 0 && better(&h, &hits[at - 1])) {
            hits[at] = hits[at - 1];
            at--;
        }
        hits[at] = h;
        if (n < max) n++;
    }
    free(w);
    return n;
}

size_t search_suggest(const struct search_index *ix, const struct content_category **out,
                      size_t max)
{
    size_t n = 0;
    if (!ix) return 0;
    for (size_t i = 0; i < ix->c->n_categories && n < max; i++) out[n++] = &ix->c->categories[i];
    return n;
}

const char *search_hint(enum content_lang lang)
{
    return lang == CONTENT_EN ? "Try pinyin initials (flfw) or a shorter word"
                              : "试试拼音首字母（如 flfw），或换个短一点的词";
}
