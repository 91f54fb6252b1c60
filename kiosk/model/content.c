/* content: the loaded bundle. The report of problems, the arena that owns
 * every string and array of a bundle, lookups and queries, and the one list
 * of every user-visible string (content_foreach_text). Loading is in
 * content_validate.c and content_json.c, the last good copy in
 * content_lastgood.c. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "content_int.h"
#include "utf8.h"

/* ---- report -------------------------------------------------------------- */

void content_report_init(struct content_report *rep)
{
    rep->count = 0;
    rep->dropped = 0;
}

void content_report_add(struct content_report *rep, const char *file, const char *path,
                        const char *fmt, ...)
{
    va_list ap;
    int n;
    char *line;
    if (!rep) return;
    if (rep->count >= CONTENT_REPORT_MAX) {
        rep->dropped++;
        return;
    }
    line = rep->lines[rep->count++];
    n = snprintf(line, CONTENT_REPORT_LINE, "%s: %s: ", file ? file : CONTENT_FILE,
                 path && *path ? path : "$");
    if (n < 0 || n >= CONTENT_REPORT_LINE) return;
    va_start(ap, fmt);
    vsnprintf(line + n, CONTENT_REPORT_LINE - (size_t)n, fmt, ap);
    va_end(ap);
    /* A truncated line must still be valid UTF-8: cut back to a boundary. */
    {
        size_t len = strlen(line);
        while (len > 0 && !utf8_valid(line, len)) line[--len] = 0;
    }
}

size_t content_report_total(const struct content_report *rep)
{
    return rep ? rep->count + rep->dropped : 0;
}

void content_report_print(const struct content_report *rep, FILE *out)
{
    if (!rep) return;
    for (size_t i = 0; i < rep->count; i++) fprintf(out, "%s\n", rep->lines[i]);
    if (rep->dropped) fprintf(out, "... and %zu more problems\n", rep->dropped);
}


/* ---- arena --------------------------------------------------------------- */

void *content_arena_alloc(struct content_priv *p, size_t n)
{
    struct content_chunk *c = p->chunks;
    size_t al = (n + 15) & ~(size_t)15;
    void *r;
    if (n == 0) al = 16;
    if (!c || c->cap - c->used < al) {
        size_t cap = al > 65536 ? al : 65536;
        c = malloc(sizeof *c + cap);
        if (!c) return NULL;
        c->cap = cap;
        c->used = 0;
        c->next = p->chunks;
        p->chunks = c;
    }
    r = (char *)c->data + c->used;
    c->used += al;
    memset(r, 0, al);
    return r;
}

char *content_arena_strdup(struct content_priv *p, const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = content_arena_alloc(p, n);
    if (d) memcpy(d, s, n);
    return d;
}


static const char *const org_keys[CONTENT_ORG__COUNT] = {
    "party_branch", "tower_party_branch", "union", "youth_league", "womens_committee",
    "next_gen_enterprise", "next_gen_tower", "tongxinhui", "service_centre", "grid_station",
    "other"};

static const struct content_text org_labels[CONTENT_ORG__COUNT] = {
    {"党支部", "Party branch"},
    {"楼宇党支部", "Tower Party branch"},
    {"工会", "Trade union"},
    {"团支部", "Youth League branch"},
    {"妇委会", "Women's committee"},
    {"企业关工委", "Next-generation committee (enterprise)"},
    {"楼宇关工委", "Next-generation committee (tower)"},
    {"同心荟", "Tongxinhui"},
    {"服务中心", "Service centre"},
    {"网格服务站", "Grid service station"},
    {"其他组织", "Other organisation"},
};

const char *content_org_type_key(enum content_org_type t)
{
    return (unsigned)t < CONTENT_ORG__COUNT ? org_keys[t] : NULL;
}

const struct content_text *content_org_type_label(enum content_org_type t)
{
    return &org_labels[(unsigned)t < CONTENT_ORG__COUNT ? t : CONTENT_ORG_OTHER];
}


long content_find_ix(const struct content_priv *p, int which, const char *id)
{
    size_t lo = 0, hi;
    if (!p || !id || !p->ix[which]) return -1;
    hi = p->nix[which];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int r = strcmp(p->ix[which][mid].id, id);
        if (r == 0) return (long)p->ix[which][mid].i;
        if (r < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}


void content_free(struct content *c)
{
    struct content_priv *p;
    struct content_chunk *ch;
    if (!c) return;
    p = c->arena_;
    if (p) {
        ch = p->chunks;
        while (ch) {
            struct content_chunk *next = ch->next;
            free(ch);
            ch = next;
        }
        free(p);
    }
    free(c);
}



/* ---- queries ------------------------------------------------------------- */

const char *content_tr(const struct content_text *t, enum content_lang lang)
{
    if (!t || !t->zh) return "";
    return lang == CONTENT_EN && t->en ? t->en : t->zh;
}

#define LOOKUP(fn, type, arr, which)                                                               \
    const type *fn(const struct content *c, const char *id)                                        \
    {                                                                                              \
        long i;                                                                                    \
        if (!c) return NULL;                                                                       \
        i = content_find_ix(c->arena_, which, id);                                                         \
        return i < 0 ? NULL : &c->arr[i];                                                          \
    }

LOOKUP(content_tower, struct content_tower, towers, IX_TOWER)
LOOKUP(content_org, struct content_org, orgs, IX_ORG)
LOOKUP(content_category, struct content_category, categories, IX_CAT)
LOOKUP(content_service, struct content_service, services, IX_SERVICE)
LOOKUP(content_nursing_room, struct content_nursing_room, nursing_rooms, IX_ROOM)
LOOKUP(content_company, struct content_company, companies, IX_COMPANY)
LOOKUP(content_request_category, struct content_request_category, request_categories, IX_REQCAT)
LOOKUP(content_notice, struct content_notice, notices, IX_NOTICE)

static int notice_cmp(const void *a, const void *b)
{
    const struct content_notice *x = *(const struct content_notice *const *)a;
    const struct content_notice *y = *(const struct content_notice *const *)b;
    if (x->priority != y->priority) return x->priority > y->priority ? -1 : 1;
    if (x->start_s != y->start_s) return x->start_s > y->start_s ? -1 : 1;
    return strcmp(x->id, y->id);
}

size_t content_current_notices(const struct content *c, int64_t now_s,
                               const struct content_notice **out, size_t max)
{
    const struct content_notice *best[64];
    size_t total = 0, kept = 0;
    if (!c) return 0;
    for (size_t i = 0; i < c->n_notices; i++) {
        const struct content_notice *n = &c->notices[i];
        if (now_s < n->start_s || now_s >= n->end_s) continue;
        total++;
        if (kept < sizeof best / sizeof best[0]) {
            best[kept++] = n;
        } else {
            /* keep the 64 best: replace the worst if n beats it */
            size_t worst = 0;
            for (size_t k = 1; k < kept; k++)
                if (notice_cmp(&best[k], &best[worst]) > 0) worst = k;
            if (notice_cmp(&n, &best[worst]) < 0) best[worst] = n;
        }
    }
    qsort(best, kept, sizeof best[0], notice_cmp);
    for (size_t i = 0; i < kept && i < max; i++) out[i] = best[i];
    return total;
}

size_t content_services_in(const struct content *c, const char *cat_id,
                           const struct content_service **out, size_t max)
{
    size_t n = 0;
    if (!c || !cat_id) return 0;
    for (size_t i = 0; i < c->n_services; i++)
        if (strcmp(c->services[i].category_id, cat_id) == 0) {
            if (n < max) out[n] = &c->services[i];
            n++;
        }
    return n;
}

size_t content_orgs_of_type(const struct content *c, enum content_org_type type,
                            const struct content_org **out, size_t max)
{
    size_t n = 0;
    if (!c) return 0;
    for (size_t i = 0; i < c->n_orgs; i++)
        if (c->orgs[i].type == type) {
            if (n < max) out[n] = &c->orgs[i];
            n++;
        }
    return n;
}

const char *content_place_format(const struct content *c, const struct content_place *p,
                                 enum content_lang lang, char *buf, size_t bufsz)
{
    const struct content_tower *t = p ? content_tower(c, p->tower_id) : NULL;
    size_t n = 0;
    bool en = lang == CONTENT_EN;
    if (!bufsz) return buf;
    buf[0] = 0;
    if (!p) return buf;
#define APPEND(...)                                                                                \
    do {                                                                                           \
        if (n < bufsz) {                                                                           \
            int k_ = snprintf(buf + n, bufsz - n, __VA_ARGS__);                                    \
            if (k_ > 0) n += (size_t)k_;                                                           \
        }                                                                                          \
    } while (0)
    if (t) APPEND("%s", content_tr(&t->name, lang));
    if (p->has_floor) {
        if (en)
            APPEND("%s%s %d", n ? ", " : "", p->floor < 0 ? "basement" : "floor",
                   p->floor < 0 ? -p->floor : p->floor);
        else if (p->floor < 0)
            APPEND("%s地下%d层", n ? " " : "", -p->floor);
        else
            APPEND("%s%d层", n ? " " : "", p->floor);
    }
    if (p->room) {
        if (en)
            APPEND("%sroom %s", n ? ", " : "", p->room);
        else
            APPEND("%s%s室", n ? " " : "", p->room);
    }
    if (p->note.zh) APPEND("%s%s", n ? (en ? ", " : " ") : "", content_tr(&p->note, lang));
#undef APPEND
    if (n >= bufsz) {
        /* truncated: cut back to a UTF-8 boundary */
        size_t len = strlen(buf);
        while (len > 0 && !utf8_valid(buf, len)) buf[--len] = 0;
    }
    return buf;
}

uint64_t content_hash(const void *data, size_t len)
{
    const unsigned char *p = data;
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++) h = (h ^ p[i]) * 1099511628211ull;
    return h ? h : 1;
}

/* ---- every string -------------------------------------------------------- */

#define NO_INDEX ((size_t)-1)

/* Where a string is: $.sec[i].sub[j].field.lang, parts absent when NULL /
 * NO_INDEX. Built only when a path is asked for. */
struct where {
    const char *sec;
    size_t i;
    const char *sub;
    size_t j;
    const char *field;
    const char *lang;
};

struct walk {
    bool (*visit)(const char *s, const struct where *w, void *ud); /* false: stop */
    void *ud;
    bool stop;
    struct where w;
};

static void visit(struct walk *k, const char *s, const char *field, const char *lang)
{
    if (k->stop || !s) return;
    k->w.field = field;
    k->w.lang = lang;
    if (!k->visit(s, &k->w, k->ud)) k->stop = true;
}

/* zh and en of t; `same` (a fallback sharing t's strings, e.g. short_name =
 * name) is not visited twice. */
static void text(struct walk *k, const struct content_text *t, const char *field,
                 const struct content_text *same)
{
    if (same && t->zh == same->zh && t->en == same->en) return;
    visit(k, t->zh, field, "zh");
    visit(k, t->en, field, "en");
}

static void place(struct walk *k, const struct content_place *p)
{
    const char *sub = k->w.sub;
    k->w.sub = "place";
    text(k, &p->note, "note", NULL);
    visit(k, p->room, "room", NULL);
    k->w.sub = sub;
}

#define EACH(k, name, n)                                                                           \
    for (k.w = (struct where){name, 0, NULL, NO_INDEX, NULL, NULL}; !k.stop && k.w.i < (n); k.w.i++)

static void walk(const struct content *c, struct walk *k)
{
    const struct content_district *d = &c->district;
    const struct content_priv *p = c->arena_;
    k->w = (struct where){NULL, NO_INDEX, NULL, NO_INDEX, NULL, NULL};
    visit(k, c->version, "version", NULL);
    text(k, &c->sample_notice, "sample_notice", NULL);
    k->w.sec = "district";
    text(k, &d->name, "name", NULL);
    text(k, &d->short_name, "short_name", &d->name);
    k->w.sub = "about";
    for (k->w.j = 0; k->w.j < d->n_about; k->w.j++) text(k, &d->about[k->w.j], NULL, NULL);
    k->w.sub = "facts";
    for (k->w.j = 0; k->w.j < d->n_facts; k->w.j++) {
        visit(k, d->facts[k->w.j].value, "value", NULL);
        text(k, &d->facts[k->w.j].label, "label", NULL);
    }
    EACH((*k), "towers", c->n_towers) {
        text(k, &c->towers[k->w.i].name, "name", NULL);
        text(k, &c->towers[k->w.i].short_name, "short_name", &c->towers[k->w.i].name);
    }
    EACH((*k), "orgs", c->n_orgs) {
        const struct content_org *o = &c->orgs[k->w.i];
        text(k, &o->name, "name", NULL);
        place(k, &o->place);
        text(k, &o->hours, "hours", NULL);
        visit(k, o->phone, "phone", NULL);
    }
    /* categories are held sorted by order; paths give their JSON index */
    for (size_t n = 0; !k->stop && n < c->n_categories; n++) {
        k->w = (struct where){"categories", p && p->cat_json ? p->cat_json[n] : n, NULL, NO_INDEX, NULL, NULL};
        text(k, &c->categories[n].name, "name", NULL);
    }
    EACH((*k), "services", c->n_services) {
        const struct content_service *s = &c->services[k->w.i];
        text(k, &s->name, "name", NULL);
        text(k, &s->summary, "summary", NULL);
        text(k, &s->details, "details", NULL);
        text(k, &s->provider, "provider", NULL);
        place(k, &s->place);
        text(k, &s->hours, "hours", NULL);
        visit(k, s->phone, "phone", NULL);
    }
    EACH((*k), "nursing_rooms", c->n_nursing_rooms) {
        const struct content_nursing_room *m = &c->nursing_rooms[k->w.i];
        text(k, &m->name, "name", NULL);
        place(k, &m->place);
        k->w.sub = "amenities";
        for (k->w.j = 0; k->w.j < m->n_amenities; k->w.j++) text(k, &m->amenities[k->w.j], NULL, NULL);
        k->w.sub = NULL;
        k->w.j = NO_INDEX;
        text(k, &m->hours, "hours", NULL);
    }
    EACH((*k), "companies", c->n_companies) text(k, &c->companies[k->w.i].name, "name", NULL);
    EACH((*k), "request_categories", c->n_request_categories)
        text(k, &c->request_categories[k->w.i].name, "name", NULL);
    EACH((*k), "quick_phrases", c->n_phrases) text(k, &c->phrases[k->w.i].text, NULL, NULL);
    EACH((*k), "notices", c->n_notices) {
        text(k, &c->notices[k->w.i].title, "title", NULL);
        text(k, &c->notices[k->w.i].body, "body", NULL);
    }
}

struct each_ud {
    void (*fn)(const char *text, void *ud);
    void *ud;
};

static bool each_visit(const char *s, const struct where *w, void *ud)
{
    struct each_ud *e = ud;
    (void)w;
    e->fn(s, e->ud);
    return true;
}

void content_foreach_text(const struct content *c, void (*fn)(const char *text, void *ud), void *ud)
{
    struct each_ud e = {fn, ud};
    struct walk k;
    if (!c || !fn) return;
    memset(&k, 0, sizeof k);
    k.visit = each_visit;
    k.ud = &e;
    walk(c, &k);
}

struct path_ud {
    const char *want;
    char *buf;
    size_t n;
    bool found;
};

static bool path_visit(const char *s, const struct where *w, void *ud)
{
    struct path_ud *q = ud;
    size_t n = 0;
    if (s != q->want) return true;
#define PUT(...)                                                                                   \
    do {                                                                                           \
        if (n < q->n) {                                                                            \
            int k_ = snprintf(q->buf + n, q->n - n, __VA_ARGS__);                                  \
            if (k_ > 0) n += (size_t)k_;                                                           \
        }                                                                                          \
    } while (0)
    PUT("$");
    if (w->sec) PUT(".%s", w->sec);
    if (w->i != NO_INDEX) PUT("[%zu]", w->i);
    if (w->sub) PUT(".%s", w->sub);
    if (w->j != NO_INDEX) PUT("[%zu]", w->j);
    if (w->field) PUT(".%s", w->field);
    if (w->lang) PUT(".%s", w->lang);
#undef PUT
    q->found = true;
    return false;
}

const char *content_text_path(const struct content *c, const char *text, char *buf, size_t bufsz)
{
    struct path_ud q = {text, buf, bufsz, false};
    struct walk k;
    if (!c || !text || !buf || !bufsz) return NULL;
    buf[0] = 0;
    memset(&k, 0, sizeof k);
    k.visit = path_visit;
    k.ud = &q;
    walk(c, &k);
    return q.found ? buf : NULL;
}
