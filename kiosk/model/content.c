/* content: loads content.json in three passes. (1) Raw bytes: size, NUL,
 * UTF-8 and nesting depth are checked before cJSON sees the text, so a
 * 10,000-deep document never reaches cJSON's recursion. (2) The tree is
 * walked field by field against the schema (assets/content.schema.json) and
 * copied into an arena; unknown keys are errors so typos surface. (3) Ids
 * are indexed, duplicates and references are checked. Any problem -> the
 * whole bundle is dropped. */
#include "content.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "bundlefs.h"
#include "imghdr.h"
#include "klog.h"
#include "utf8.h"

#define FILE_NAME "content.json"
#define PATH_MAX_LEN 200
#define ID_MAX 32

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
    n = snprintf(line, CONTENT_REPORT_LINE, "%s: %s: ", file ? file : FILE_NAME,
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

struct chunk {
    struct chunk *next;
    size_t used, cap;
    max_align_t data[];
};

struct priv {
    struct chunk *chunks;
    /* id indexes, sorted by id, for lookups */
    struct idx *ix[8];
    size_t nix[8];
};

enum { IX_TOWER, IX_ORG, IX_CAT, IX_SERVICE, IX_ROOM, IX_COMPANY, IX_REQCAT, IX_NOTICE };

struct idx {
    const char *id;
    size_t i;
};

static void *arena_alloc(struct priv *p, size_t n)
{
    struct chunk *c = p->chunks;
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

static char *arena_strdup(struct priv *p, const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = arena_alloc(p, n);
    if (d) memcpy(d, s, n);
    return d;
}

/* ---- loader context ------------------------------------------------------ */

struct ld {
    struct content *c;
    struct priv *p;
    struct content_report *rep;
    enum kerr err; /* first error kind */
    size_t nerr;
    const char *dir; /* for images, may be NULL */
    uint64_t pixels; /* decoded pixels of the images checked so far */
};

static void ld_fail(struct ld *l, enum kerr e, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void ld_fail(struct ld *l, enum kerr e, const char *path, const char *fmt, ...)
{
    char msg[CONTENT_REPORT_LINE];
    va_list ap;
    if (l->err == KERR_OK) l->err = e;
    l->nerr++;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    content_report_add(l->rep, FILE_NAME, path, "%s", msg);
}

static void ld_nomem(struct ld *l)
{
    if (l->err != KERR_NOMEM) ld_fail(l, KERR_NOMEM, "$", "out of memory");
}

/* Paths are built by hand: bounded, truncated silently (paths are short). */
static const char *path_join(char *buf, const char *parent, const char *sep, const char *tail)
{
    size_t n = 0;
    for (const char *parts[3] = {parent, sep, tail}, **pp = parts; pp < parts + 3; pp++)
        for (const char *s = *pp; *s && n + 1 < PATH_MAX_LEN; s++) buf[n++] = *s;
    buf[n] = 0;
    return buf;
}

static const char *kpath(char *buf, const char *parent, const char *key)
{
    return path_join(buf, parent, ".", key);
}

static const char *ipath(char *buf, const char *parent, size_t i)
{
    char num[24];
    int k = snprintf(num, sizeof num, "%zu]", i);
    (void)k;
    return path_join(buf, parent, "[", num);
}

static const char *type_name(const cJSON *v)
{
    if (cJSON_IsString(v)) return "a string";
    if (cJSON_IsNumber(v)) return "a number";
    if (cJSON_IsBool(v)) return "a boolean";
    if (cJSON_IsNull(v)) return "null";
    if (cJSON_IsArray(v)) return "an array";
    if (cJSON_IsObject(v)) return "an object";
    return "invalid";
}

/* Reports keys of obj not in allowed (NULL-terminated, at most 32) and
 * repeated keys. Linear in the number of keys, so an object with 100,000
 * copies of one key costs nothing special. */
static void check_keys(struct ld *l, const cJSON *obj, const char *path, const char *const *allowed)
{
    char p[PATH_MAX_LEN];
    bool seen[32] = {false};
    for (const cJSON *it = obj->child; it; it = it->next) {
        size_t k = 0;
        while (allowed[k] && k < 32 && !(it->string && strcmp(it->string, allowed[k]) == 0)) k++;
        if (!allowed[k] || k >= 32) {
            char shown[40];
            size_t n = it->string ? strlen(it->string) : 0;
            if (n >= sizeof shown) n = sizeof shown - 1;
            memcpy(shown, it->string ? it->string : "", n);
            shown[n] = 0;
            while (n > 0 && !utf8_valid(shown, n)) shown[--n] = 0;
            ld_fail(l, KERR_INVALID, path, "unknown key \"%s\"", shown);
            continue;
        }
        if (seen[k]) ld_fail(l, KERR_INVALID, kpath(p, path, it->string), "duplicate key");
        seen[k] = true;
    }
}

/* A string value: valid UTF-8 (cJSON lets anything through), within the
 * limit, not empty or blank. Returns the arena copy or NULL (reported). */
static const char *take_str(struct ld *l, const cJSON *v, const char *path, size_t maxlen)
{
    size_t n;
    const char *s;
    char *d;
    if (!cJSON_IsString(v) || !v->valuestring) {
        ld_fail(l, KERR_INVALID, path, "expected a string, got %s", type_name(v));
        return NULL;
    }
    s = v->valuestring;
    n = strlen(s);
    if (n > maxlen) {
        ld_fail(l, KERR_TOOBIG, path, "string of %zu bytes is over the limit of %zu", n, maxlen);
        return NULL;
    }
    if (!utf8_valid(s, n)) {
        ld_fail(l, KERR_UTF8, path, "string is not valid UTF-8");
        return NULL;
    }
    {
        bool blank = true;
        for (size_t i = 0; i < n; i++)
            if (!isspace((unsigned char)s[i])) blank = false;
        if (blank) {
            ld_fail(l, KERR_INVALID, path, "string is empty");
            return NULL;
        }
    }
    d = arena_strdup(l->p, s);
    if (!d) ld_nomem(l);
    return d;
}

static const cJSON *field(struct ld *l, const cJSON *obj, const char *key, const char *path,
                          bool required)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v && required) {
        char p[PATH_MAX_LEN];
        ld_fail(l, KERR_INVALID, kpath(p, path, key), "missing required field");
    }
    return v;
}

static const char *get_str(struct ld *l, const cJSON *obj, const char *key, const char *path,
                           bool required, size_t maxlen)
{
    char p[PATH_MAX_LEN];
    const cJSON *v = field(l, obj, key, path, required);
    return v ? take_str(l, v, kpath(p, path, key), maxlen) : NULL;
}

static bool id_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > ID_MAX) return false;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
                  (i > 0 && (ch == '_' || ch == '-'));
        if (!ok) return false;
    }
    return true;
}

/* An id or a reference to one: ^[a-z0-9][a-z0-9_-]{0,31}$ */
static const char *get_id(struct ld *l, const cJSON *obj, const char *key, const char *path,
                          bool required)
{
    char p[PATH_MAX_LEN];
    const char *s = get_str(l, obj, key, path, required, 64);
    if (s && !id_ok(s)) {
        ld_fail(l, KERR_INVALID, kpath(p, path, key),
                "\"%s\" is not an id (a-z, 0-9, _ and -, at most %d)", s, ID_MAX);
        return NULL;
    }
    return s;
}

static bool phone_ok(const char *s)
{
    size_t n = strlen(s), digits = 0;
    if (n < 3 || n > 32) return false;
    for (size_t i = 0; i < n; i++) {
        if (isdigit((unsigned char)s[i]))
            digits++;
        else if (!strchr("+-() ", s[i]))
            return false;
    }
    return digits >= 3;
}

static const char *get_phone(struct ld *l, const cJSON *obj, const char *path)
{
    char p[PATH_MAX_LEN];
    const char *s = get_str(l, obj, "phone", path, false, 32);
    if (s && !phone_ok(s)) {
        ld_fail(l, KERR_INVALID, kpath(p, path, "phone"),
                "not a phone number (digits, spaces, + - ( ) only)");
        return NULL;
    }
    return s;
}

/* {"zh": "...", "en": "..."}; returns zh NULL when absent or bad. */
static struct content_text get_text(struct ld *l, const cJSON *obj, const char *key,
                                    const char *path, bool required)
{
    static const char *const keys[] = {"zh", "en", NULL};
    struct content_text t = {NULL, NULL};
    char p[PATH_MAX_LEN];
    const cJSON *v = key ? field(l, obj, key, path, required) : obj;
    if (!v) return t;
    if (key) path = kpath(p, path, key);
    if (!cJSON_IsObject(v)) {
        ld_fail(l, KERR_INVALID, path, "expected an object {\"zh\": ..., \"en\": ...}, got %s",
                type_name(v));
        return t;
    }
    check_keys(l, v, path, keys);
    t.zh = get_str(l, v, "zh", path, true, CONTENT_MAX_STRING_BYTES);
    t.en = get_str(l, v, "en", path, false, CONTENT_MAX_STRING_BYTES);
    return t;
}

static bool get_int(struct ld *l, const cJSON *obj, const char *key, const char *path,
                    bool required, long min, long max, int *out)
{
    char p[PATH_MAX_LEN];
    const cJSON *v = field(l, obj, key, path, required);
    double d;
    if (!v) return false;
    kpath(p, path, key);
    if (!cJSON_IsNumber(v)) {
        ld_fail(l, KERR_INVALID, p, "expected an integer, got %s", type_name(v));
        return false;
    }
    d = v->valuedouble;
    /* range first: converting an out-of-range double to long is undefined */
    if (!(d >= (double)min && d <= (double)max) || d != (double)(long)d) {
        ld_fail(l, KERR_INVALID, p, "expected an integer from %ld to %ld", min, max);
        return false;
    }
    *out = (int)d;
    return true;
}

static bool get_num(struct ld *l, const cJSON *obj, const char *key, const char *path,
                    double min, double max, double *out)
{
    char p[PATH_MAX_LEN];
    const cJSON *v = field(l, obj, key, path, true);
    if (!v) return false;
    kpath(p, path, key);
    if (!cJSON_IsNumber(v) || !(v->valuedouble >= min && v->valuedouble <= max)) {
        ld_fail(l, KERR_INVALID, p, "expected a number from %g to %g", min, max);
        return false;
    }
    *out = v->valuedouble;
    return true;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    int64_t era;
    unsigned yoe, doy, doe;
    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = (unsigned)(y - era * 400);
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

/* "YYYY-MM-DDTHH:MM:SS" + "Z" or "+HH:MM"/"-HH:MM" (RFC 3339), 2000..2099. */
static bool parse_time(const char *s, int64_t *out)
{
    int Y, M, D, h, m, sec, oh = 0, om = 0, n = 0;
    char sign;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (strlen(s) < 20 || strlen(s) > 25) return false;
    for (int i = 0; i < 19; i++) {
        bool digit = isdigit((unsigned char)s[i]) != 0;
        bool want = !(i == 4 || i == 7 || i == 10 || i == 13 || i == 16);
        if (digit != want) return false;
    }
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &Y, &M, &D, &h, &m, &sec, &n) != 6 || n != 19)
        return false;
    sign = s[19];
    if (sign == 'Z') {
        if (s[20]) return false;
    } else if (sign == '+' || sign == '-') {
        if (strlen(s + 20) != 5 || !isdigit((unsigned char)s[20]) ||
            !isdigit((unsigned char)s[21]) || s[22] != ':' || !isdigit((unsigned char)s[23]) ||
            !isdigit((unsigned char)s[24]))
            return false;
        oh = (s[20] - '0') * 10 + (s[21] - '0');
        om = (s[23] - '0') * 10 + (s[24] - '0');
        if (oh > 14 || om > 59) return false;
    } else {
        return false;
    }
    if (Y < 2000 || Y > 2099 || M < 1 || M > 12 || D < 1 || D > mdays[M - 1] || h > 23 || m > 59 ||
        sec > 59)
        return false;
    if (M == 2 && D == 29 && !((Y % 4 == 0 && Y % 100 != 0) || Y % 400 == 0)) return false;
    *out = days_from_civil(Y, (unsigned)M, (unsigned)D) * 86400 + h * 3600 + m * 60 + sec;
    if (sign == '+') *out -= oh * 3600 + om * 60;
    if (sign == '-') *out += oh * 3600 + om * 60;
    return true;
}

static bool get_time(struct ld *l, const cJSON *obj, const char *key, const char *path,
                     int64_t *out)
{
    char p[PATH_MAX_LEN];
    const char *s = get_str(l, obj, key, path, true, 64);
    if (!s) return false;
    if (!parse_time(s, out)) {
        ld_fail(l, KERR_INVALID, kpath(p, path, key),
                "\"%s\" is not a date-time like 2026-11-25T09:00:00+08:00 (years 2000-2099)", s);
        return false;
    }
    return true;
}

/* An array field; returns its size (0 when absent/bad) and sets *arr. */
static size_t get_array(struct ld *l, const cJSON *obj, const char *key, const char *path,
                        bool required, const cJSON **arr)
{
    char p[PATH_MAX_LEN];
    const cJSON *v = field(l, obj, key, path, required);
    int n;
    *arr = NULL;
    if (!v) return 0;
    kpath(p, path, key);
    if (!cJSON_IsArray(v)) {
        ld_fail(l, KERR_INVALID, p, "expected an array, got %s", type_name(v));
        return 0;
    }
    n = cJSON_GetArraySize(v);
    if ((size_t)n > CONTENT_MAX_ITEMS) {
        ld_fail(l, KERR_TOOBIG, p, "%d entries is over the limit of %u", n, CONTENT_MAX_ITEMS);
        return 0;
    }
    *arr = v;
    return (size_t)n;
}

static bool want_object(struct ld *l, const cJSON *v, const char *path)
{
    if (cJSON_IsObject(v)) return true;
    ld_fail(l, KERR_INVALID, path, "expected an object, got %s", type_name(v));
    return false;
}

static void get_place(struct ld *l, const cJSON *obj, const char *path, bool required,
                      struct content_place *pl)
{
    static const char *const keys[] = {"tower", "floor", "room", "note", NULL};
    char p[PATH_MAX_LEN];
    const cJSON *v = field(l, obj, "place", path, required);
    memset(pl, 0, sizeof *pl);
    if (!v) return;
    kpath(p, path, "place");
    if (!want_object(l, v, p)) return;
    check_keys(l, v, p, keys);
    pl->tower_id = get_id(l, v, "tower", p, false);
    if (cJSON_GetObjectItemCaseSensitive(v, "floor"))
        pl->has_floor = get_int(l, v, "floor", p, false, -5, 200, &pl->floor);
    if (pl->has_floor && pl->floor == 0) {
        char q[PATH_MAX_LEN];
        ld_fail(l, KERR_INVALID, kpath(q, p, "floor"), "floor 0 does not exist (1 = ground)");
    }
    pl->room = get_str(l, v, "room", p, false, 32);
    pl->note = get_text(l, v, "note", p, false);
}

/* ---- sections ------------------------------------------------------------ */

#define ALLOC_ARRAY(l, ptr, n)                                                                     \
    do {                                                                                           \
        (ptr) = arena_alloc((l)->p, sizeof *(ptr) * ((n) ? (n) : 1));                              \
        if (!(ptr)) {                                                                              \
            ld_nomem(l);                                                                           \
            return;                                                                                \
        }                                                                                          \
    } while (0)

static void load_district(struct ld *l, const cJSON *root)
{
    static const char *const keys[] = {"name", "short_name", "about", "facts", NULL};
    static const char *const fkeys[] = {"value", "label", NULL};
    const char *path = "$.district";
    const cJSON *v = field(l, root, "district", "$", true), *arr;
    struct content_district *d = &l->c->district;
    char p[PATH_MAX_LEN], q[PATH_MAX_LEN];
    size_t n, i = 0;
    const cJSON *it;
    if (!v || !want_object(l, v, path)) return;
    check_keys(l, v, path, keys);
    d->name = get_text(l, v, "name", path, true);
    d->short_name = get_text(l, v, "short_name", path, false);
    if (!d->short_name.zh) d->short_name = d->name;
    n = get_array(l, v, "about", path, true, &arr);
    if (arr && n == 0) ld_fail(l, KERR_INVALID, "$.district.about", "needs at least one paragraph");
    ALLOC_ARRAY(l, d->about, n);
    cJSON_ArrayForEach(it, arr) {
        d->about[i] = get_text(l, it, NULL, ipath(p, "$.district.about", i), true);
        i++;
    }
    d->n_about = n;
    n = get_array(l, v, "facts", path, false, &arr);
    ALLOC_ARRAY(l, d->facts, n);
    i = 0;
    cJSON_ArrayForEach(it, arr) {
        ipath(q, "$.district.facts", i);
        if (want_object(l, it, q)) {
            check_keys(l, it, q, fkeys);
            d->facts[i].value = get_str(l, it, "value", q, true, 32);
            d->facts[i].label = get_text(l, it, "label", q, true);
        }
        i++;
    }
    d->n_facts = n;
}

static void load_towers(struct ld *l, const cJSON *root)
{
    static const char *const keys[] = {"id", "name", "short_name", "grid", "x_m", "y_m", "floors", NULL};
    const cJSON *arr, *it;
    size_t n = get_array(l, root, "towers", "$", true, &arr), i = 0;
    char p[PATH_MAX_LEN];
    ALLOC_ARRAY(l, l->c->towers, n);
    cJSON_ArrayForEach(it, arr) {
        struct content_tower *t = &l->c->towers[i];
        ipath(p, "$.towers", i++);
        if (!want_object(l, it, p)) continue;
        check_keys(l, it, p, keys);
        t->id = get_id(l, it, "id", p, true);
        t->name = get_text(l, it, "name", p, true);
        t->short_name = get_text(l, it, "short_name", p, false);
        if (!t->short_name.zh) t->short_name = t->name;
        get_int(l, it, "grid", p, true, 1, 3, &t->grid);
        get_num(l, it, "x_m", p, -5000, 5000, &t->x_m);
        get_num(l, it, "y_m", p, -5000, 5000, &t->y_m);
        get_int(l, it, "floors", p, true, 1, 200, &t->floors);
    }
    l->c->n_towers = n;
}

static void load_walkways(struct ld *l, const cJSON *root)
{
    static const char *const keys[] = {"from", "to", "metres", NULL};
    const cJSON *arr, *it;
    size_t n = get_array(l, root, "walkways", "$", false, &arr), i = 0;
    char p[PATH_MAX_LEN];
    ALLOC_ARRAY(l, l->c->walkways, n);
    cJSON_ArrayForEach(it, arr) {
        struct content_walkway *w = &l->c->walkways[i];
        ipath(p, "$.walkways", i++);
        if (!want_object(l, it, p)) continue;
        check_keys(l, it, p, keys);
        w->from = get_id(l, it, "from", p, true);
        w->to = get_id(l, it, "to", p, true);
        get_num(l, it, "metres", p, 1, 5000, &w->metres);
        if (w->from && w->to && strcmp(w->from, w->to) == 0)
            ld_fail(l, KERR_INVALID, p, "a walkway from \"%s\" to itself", w->from);
    }
    l->c->n_walkways = n;
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

static void load_orgs(struct ld *l, const cJSON *root)
{
    static const char *const keys[] = {"id", "type", "name", "place", "hours", "phone", "companies", NULL};
    const cJSON *arr, *it;
    size_t n = get_array(l, root, "orgs", "$", true, &arr), i = 0;
    char p[PATH_MAX_LEN], q[PATH_MAX_LEN];
    ALLOC_ARRAY(l, l->c->orgs, n);
    cJSON_ArrayForEach(it, arr) {
        struct content_org *o = &l->c->orgs[i];
        const char *type;
        ipath(p, "$.orgs", i++);
        if (!want_object(l, it, p)) continue;
        check_keys(l, it, p, keys);
        o->id = get_id(l, it, "id", p, true);
        type = get_str(l, it, "type", p, true, 32);
        o->type = CONTENT_ORG__COUNT;
        for (int k = 0; type && k < CONTENT_ORG__COUNT; k++)
            if (strcmp(type, org_keys[k]) == 0) o->type = (enum content_org_type)k;
        if (type && o->type == CONTENT_ORG__COUNT)
            ld_fail(l, KERR_INVALID, kpath(q, p, "type"), "unknown organisation type \"%s\"", type);
        if (o->type == CONTENT_ORG__COUNT) o->type = CONTENT_ORG_OTHER;
        o->name = get_text(l, it, "name", p, true);
        get_place(l, it, p, false, &o->place);
        o->hours = get_text(l, it, "hours", p, false);
        o->phone = get_phone(l, it, p);
        get_int(l, it, "companies", p, false, 0, 100000, &o->companies);
    }
    l->c->n_orgs = n;
}

static int cat_cmp(const void *a, const void *b)
{
    const struct content_category *x = a, *y = b;
    if (x->order != y->order) return x->order < y->order ? -1 : 1;
    if (!x->id || !y->id) return x->id ? -1 : (y->id ? 1 : 0);
    return strcmp(x->id, y->id);
}

static bool icon_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 40) return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return false;
    return true;
}

static void load_categories(struct ld *l, const cJSON *root)
{
    static const char *const keys[] = {"id", "name", "icon", "order", NULL};
    const cJSON *arr, *it;
    size_t n = get_array(l, root, "categories", "$", true, &arr), i = 0;
    char p[PATH_MAX_LEN], q[PATH_MAX_LEN];
    if (arr && n == 0) ld_fail(l, KERR_INVALID, "$.categories", "needs at least one category");
    ALLOC_ARRAY(l, l->c->categories, n);
    cJSON_ArrayForEach(it, arr) {
        struct content_category *k = &l->c->categories[i];
        ipath(p, "$.categories", i++);
        if (!want_object(l, it, p)) continue;
        check_keys(l, it, p, keys);
        k->id = get_id(l, it, "id", p, true);
        k->name = get_text(l, it, "name", p, true);
        k->icon = get_str(l, it, "icon", p, true, 40);
        if (k->icon && !icon_ok(k->icon)) {
            ld_fail(l, KERR_INVALID, kpath(q, p, "icon"),
                    "\"%s\" is not a Material Icons name (a-z, 0-9, _)", k->icon);
        }
        get_int(l, it, "order", p, true, 0, 100000, &k->order);
    }
    l->c->n_categories = n;
}

static void load_services(struct ld *l, const cJSON *root)
{
    static const char *const keys[] = {"id", "category", "name", "summary", "details", "provider",
                                       "provider_org", "place", "hours", "phone", "tags", NULL};
    const cJSON *arr, *it, *tags, *tg;
    size_t n = get_array(l, root, "services", "$", true, &arr), i = 0;
    char p[PATH_MAX_LEN], q[PATH_MAX_LEN], r[PATH_MAX_LEN];
    ALLOC_ARRAY(l, l->c->services, n);
    cJSON_ArrayForEach(it, arr) {
        struct content_service *s = &l->c->services[i];
        size_t nt, k = 0;
        ipath(p, "$.services", i++);
        if (!want_object(l, it, p)) continue;
        check_keys(l, it, p, keys);
        s->id = get_id(l, it, "id", p, true);
        s->category_id = get_id(l, it, "category", p, true);
        s->name = get_text(l, it, "name", p, true);
        s->summary = get_text(l, it, "summary", p, true);
        s->details = get_text(l, it, "details", p, false);
        s->provider = get_text(l, it, "provider", p, true);
        s->provider_org_id = get_id(l, it, "provider_org", p, false);
        get_place(l, it, p, false, &s->place);
        s->hours = get_text(l, it, "hours", p, false);
        s->phone = get_phone(l, it, p);
        nt = get_array(l, it, "tags", p, false, &tags);
        kpath(q, p, "tags");
        if (nt > CONTENT_MAX_TAGS) {
            ld_fail(l, KERR_TOOBIG, q, "%zu tags is over the limit of %d", nt, CONTENT_MAX_TAGS);
            continue;
        }
        cJSON_ArrayForEach(tg, tags) {
            s->tags[k] = take_str(l, tg, ipath(r, q, k), 64);
            k++;
        }
        s->n_tags = nt;
    }
    l->c->n_services = n;
}

static void load_rooms(struct ld *l, const cJSON *root)
{
    static const char *const keys[] = {"id", "name", "place", "amenities", "hours", "capacity", NULL};
    const cJSON *arr, *it, *am, *a;
    size_t n = get_array(l, root, "nursing_rooms", "$", false, &arr), i = 0;
    char p[PATH_MAX_LEN], q[PATH_MAX_LEN];
    ALLOC_ARRAY(l, l->c->nursing_rooms, n);
    cJSON_ArrayForEach(it, arr) {
        struct content_nursing_room *m = &l->c->nursing_rooms[i];
        size_t na, k = 0;
        ipath(p, "$.nursing_rooms", i++);
        if (!want_object(l, it, p)) continue;
        check_keys(l, it, p, keys);
        m->id = get_id(l, it, "id", p, true);
        m->name = get_text(l, it, "name", p, true);
        get_place(l, it, p, true, &m->place);
        if (!m->place.tower_id) ld_fail(l, KERR_INVALID, p, "a nursing room needs place.tower");
        na = get_array(l, it, "amenities", p, false, &am);
        if (na > 32) {
            ld_fail(l, KERR_TOOBIG, p, "more than 32 amenities");
            continue;
        }
        m->amenities = arena_alloc(l->p, sizeof *m->amenities * (na ? na : 1));
        if (!m->amenities) {
            ld_nomem(l);
            return;
        }
        kpath(q, p, "amenities");
        cJSON_ArrayForEach(a, am) {
            char r[PATH_MAX_LEN];
            m->amenities[k] = get_text(l, a, NULL, ipath(r, q, k), true);
            k++;
        }
        m->n_amenities = na;
        m->hours = get_text(l, it, "hours", p, true);
        m->capacity = 1;
        get_int(l, it, "capacity", p, false, 1, 20, &m->capacity);
    }
    l->c->n_nursing_rooms = n;
}

static void load_companies(struct ld *l, const cJSON *root)
{
    static const char *const keys[] = {"id", "name", "tower", NULL};
    const cJSON *arr, *it;
    size_t n = get_array(l, root, "companies", "$", false, &arr), i = 0;
    char p[PATH_MAX_LEN];
    ALLOC_ARRAY(l, l->c->companies, n);
    cJSON_ArrayForEach(it, arr) {
        struct content_company *m = &l->c->companies[i];
        ipath(p, "$.companies", i++);
        if (!want_object(l, it, p)) continue;
        check_keys(l, it, p, keys);
        m->id = get_id(l, it, "id", p, true);
        m->name = get_text(l, it, "name", p, true);
        m->tower_id = get_id(l, it, "tower", p, true);
    }
    l->c->n_companies = n;
}

static void load_reqcats(struct ld *l, const cJSON *root)
{
    static const char *const keys[] = {"id", "name", "org", NULL};
    const cJSON *arr, *it;
    size_t n = get_array(l, root, "request_categories", "$", false, &arr), i = 0;
    char p[PATH_MAX_LEN];
    ALLOC_ARRAY(l, l->c->request_categories, n);
    cJSON_ArrayForEach(it, arr) {
        struct content_request_category *m = &l->c->request_categories[i];
        ipath(p, "$.request_categories", i++);
        if (!want_object(l, it, p)) continue;
        check_keys(l, it, p, keys);
        m->id = get_id(l, it, "id", p, true);
        m->name = get_text(l, it, "name", p, true);
        m->org_id = get_id(l, it, "org", p, true);
    }
    l->c->n_request_categories = n;
}

static void load_phrases(struct ld *l, const cJSON *root)
{
    const cJSON *arr, *it;
    size_t n = get_array(l, root, "quick_phrases", "$", false, &arr), i = 0;
    char p[PATH_MAX_LEN];
    ALLOC_ARRAY(l, l->c->phrases, n);
    cJSON_ArrayForEach(it, arr) {
        l->c->phrases[i].text = get_text(l, it, NULL, ipath(p, "$.quick_phrases", i), true);
        i++;
    }
    l->c->n_phrases = n;
}

/* Image files: a path inside the bundle (no "..", no symlink anywhere on
 * it), a regular file of at most CONTENT_MAX_IMAGE_BYTES, PNG, JPEG or SVG,
 * and a pixel size read from the header (imghdr) within the limits of one
 * image and of the whole bundle: an image that would decode to too many
 * pixels is refused here and never reaches a decoder. */
static const char *check_image(struct ld *l, const char *rel, const char *path, int *w, int *h)
{
    char full[PATH_MAX];
    struct stat st;
    struct imghdr ih;
    const char *why = NULL;
    char *buf = NULL;
    enum kerr err = KERR_OK;
    uint64_t px;
    int fd;
    if (!bundlefs_rel_ok(rel)) {
        ld_fail(l, KERR_INVALID, path, "image path \"%s\" must be relative inside the bundle", rel);
        return NULL;
    }
    if (!l->dir) return rel;
    if (snprintf(full, sizeof full, "%s/%s", l->dir, rel) >= (int)sizeof full) {
        ld_fail(l, KERR_TOOBIG, path, "image path too long");
        return NULL;
    }
    fd = bundlefs_open(l->dir, rel, &st, &why, &err);
    if (fd < 0) {
        if (err == KERR_NOTFOUND)
            ld_fail(l, KERR_INVALID, path, "image \"%s\" does not exist", rel);
        else
            ld_fail(l, err, path, "%s: %s", rel, why);
        return NULL;
    }
    if (st.st_size > (off_t)CONTENT_MAX_IMAGE_BYTES) {
        close(fd);
        ld_fail(l, KERR_TOOBIG, path, "image \"%s\" is %lld bytes, over the limit of %u", rel,
                (long long)st.st_size, CONTENT_MAX_IMAGE_BYTES);
        return NULL;
    }
    err = bundlefs_read_all(fd, (size_t)st.st_size, &buf);
    close(fd);
    if (err != KERR_OK) {
        if (err == KERR_NOMEM)
            ld_nomem(l);
        else
            ld_fail(l, KERR_IO, path, "image \"%s\" cannot be read", rel);
        return NULL;
    }
    if (imghdr_format_of((const unsigned char *)buf, (size_t)st.st_size) == IMGHDR_UNKNOWN) {
        free(buf);
        ld_fail(l, KERR_INVALID, path, "image \"%s\" is not PNG, JPEG or SVG", rel);
        return NULL;
    }
    err = imghdr_probe((const unsigned char *)buf, (size_t)st.st_size, &ih, &why);
    free(buf);
    if (err != KERR_OK) {
        ld_fail(l, err, path, "%s: %s", rel, why);
        return NULL;
    }
    px = (uint64_t)ih.w * ih.h;
    if (ih.w > CONTENT_MAX_IMAGE_SIDE || ih.h > CONTENT_MAX_IMAGE_SIDE || px > CONTENT_MAX_IMAGE_PIXELS) {
        ld_fail(l, KERR_TOOBIG, path,
                "%s: %s of %ux%u pixels is over the limit (each side %d, %u pixels); not decoded",
                rel, imghdr_format_name(ih.format), (unsigned)ih.w, (unsigned)ih.h,
                CONTENT_MAX_IMAGE_SIDE, CONTENT_MAX_IMAGE_PIXELS);
        return NULL;
    }
    l->pixels += px;
    if (l->pixels > CONTENT_MAX_BUNDLE_PIXELS) {
        ld_fail(l, KERR_TOOBIG, path,
                "%s: the images so far add up to %llu pixels, over the bundle's limit of %u",
                rel, (unsigned long long)l->pixels, CONTENT_MAX_BUNDLE_PIXELS);
        return NULL;
    }
    *w = (int)ih.w;
    *h = (int)ih.h;
    {
        const char *d = arena_strdup(l->p, full);
        if (!d) ld_nomem(l);
        return d;
    }
}

static void load_notices(struct ld *l, const cJSON *root)
{
    static const char *const keys[] = {"id", "title", "body", "image", "start", "end", "priority", NULL};
    const cJSON *arr, *it;
    size_t n = get_array(l, root, "notices", "$", false, &arr), i = 0;
    char p[PATH_MAX_LEN], q[PATH_MAX_LEN];
    ALLOC_ARRAY(l, l->c->notices, n);
    cJSON_ArrayForEach(it, arr) {
        struct content_notice *m = &l->c->notices[i];
        const char *img;
        bool a, b;
        ipath(p, "$.notices", i++);
        if (!want_object(l, it, p)) continue;
        check_keys(l, it, p, keys);
        m->id = get_id(l, it, "id", p, true);
        m->title = get_text(l, it, "title", p, true);
        m->body = get_text(l, it, "body", p, true);
        img = get_str(l, it, "image", p, false, 256);
        if (img) m->image = check_image(l, img, kpath(q, p, "image"), &m->image_w, &m->image_h);
        a = get_time(l, it, "start", p, &m->start_s);
        b = get_time(l, it, "end", p, &m->end_s);
        if (a && b && m->end_s <= m->start_s)
            ld_fail(l, KERR_INVALID, kpath(q, p, "end"), "the notice ends before it starts");
        get_int(l, it, "priority", p, false, 0, 100, &m->priority);
    }
    l->c->n_notices = n;
}

/* ---- ids and references -------------------------------------------------- */

static int idx_cmp(const void *a, const void *b)
{
    const struct idx *x = a, *y = b;
    int r = strcmp(x->id, y->id);
    if (r) return r;
    return x->i < y->i ? -1 : (x->i > y->i);
}

/* Builds the sorted index of one array (stride bytes apart, id first field
 * of each element) and reports duplicates. */
static void build_index(struct ld *l, int which, const void *base, size_t n, size_t stride,
                        const char *arrpath)
{
    struct idx *ix = arena_alloc(l->p, sizeof *ix * (n ? n : 1));
    size_t m = 0;
    char p[PATH_MAX_LEN], q[PATH_MAX_LEN];
    if (!ix) {
        ld_nomem(l);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const char *id = *(const char *const *)(const void *)((const char *)base + i * stride);
        if (id) {
            ix[m].id = id;
            ix[m].i = i;
            m++;
        }
    }
    qsort(ix, m, sizeof *ix, idx_cmp);
    for (size_t i = 1; i < m; i++)
        if (strcmp(ix[i].id, ix[i - 1].id) == 0) {
            kpath(p, ipath(q, arrpath, ix[i].i), "id");
            ld_fail(l, KERR_INVALID, p, "duplicate id \"%s\" (also at [%zu])", ix[i].id, ix[i - 1].i);
        }
    l->p->ix[which] = ix;
    l->p->nix[which] = m;
}

static long find_ix(const struct priv *p, int which, const char *id)
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

static void check_ref(struct ld *l, int which, const char *id, const char *what, const char *path,
                      const char *key)
{
    char p[PATH_MAX_LEN];
    if (id && find_ix(l->p, which, id) < 0)
        ld_fail(l, KERR_INVALID, kpath(p, path, key), "unknown %s \"%s\"", what, id);
}

static void check_refs(struct ld *l)
{
    struct content *c = l->c;
    char p[PATH_MAX_LEN], q[PATH_MAX_LEN];
    build_index(l, IX_TOWER, c->towers, c->n_towers, sizeof *c->towers, "$.towers");
    build_index(l, IX_ORG, c->orgs, c->n_orgs, sizeof *c->orgs, "$.orgs");
    build_index(l, IX_CAT, c->categories, c->n_categories, sizeof *c->categories, "$.categories");
    build_index(l, IX_SERVICE, c->services, c->n_services, sizeof *c->services, "$.services");
    build_index(l, IX_ROOM, c->nursing_rooms, c->n_nursing_rooms, sizeof *c->nursing_rooms,
                "$.nursing_rooms");
    build_index(l, IX_COMPANY, c->companies, c->n_companies, sizeof *c->companies, "$.companies");
    build_index(l, IX_REQCAT, c->request_categories, c->n_request_categories,
                sizeof *c->request_categories, "$.request_categories");
    build_index(l, IX_NOTICE, c->notices, c->n_notices, sizeof *c->notices, "$.notices");
    if (l->err == KERR_NOMEM) return;
    for (size_t i = 0; i < c->n_walkways; i++) {
        ipath(p, "$.walkways", i);
        check_ref(l, IX_TOWER, c->walkways[i].from, "tower", p, "from");
        check_ref(l, IX_TOWER, c->walkways[i].to, "tower", p, "to");
    }
    for (size_t i = 0; i < c->n_orgs; i++) {
        ipath(p, "$.orgs", i);
        check_ref(l, IX_TOWER, c->orgs[i].place.tower_id, "tower", kpath(q, p, "place"), "tower");
    }
    for (size_t i = 0; i < c->n_services; i++) {
        const struct content_service *s = &c->services[i];
        ipath(p, "$.services", i);
        check_ref(l, IX_CAT, s->category_id, "category", p, "category");
        check_ref(l, IX_ORG, s->provider_org_id, "organisation", p, "provider_org");
        check_ref(l, IX_TOWER, s->place.tower_id, "tower", kpath(q, p, "place"), "tower");
    }
    for (size_t i = 0; i < c->n_nursing_rooms; i++) {
        ipath(p, "$.nursing_rooms", i);
        check_ref(l, IX_TOWER, c->nursing_rooms[i].place.tower_id, "tower", kpath(q, p, "place"),
                  "tower");
    }
    for (size_t i = 0; i < c->n_companies; i++)
        check_ref(l, IX_TOWER, c->companies[i].tower_id, "tower", ipath(p, "$.companies", i), "tower");
    for (size_t i = 0; i < c->n_request_categories; i++)
        check_ref(l, IX_ORG, c->request_categories[i].org_id, "organisation",
                  ipath(p, "$.request_categories", i), "org");
}

/* ---- raw text checks ----------------------------------------------------- */

/* Offset of the first byte that is not valid UTF-8 (or NUL), or len. */
static size_t utf8_bad_offset(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned char b = s[i];
        size_t need;
        uint32_t cp, min;
        if (b == 0) return i;
        if (b < 0x80) {
            i++;
            continue;
        }
        if (b >= 0xC2 && b <= 0xDF) {
            need = 1;
            cp = b & 0x1F;
            min = 0x80;
        } else if (b >= 0xE0 && b <= 0xEF) {
            need = 2;
            cp = b & 0x0F;
            min = 0x800;
        } else if (b >= 0xF0 && b <= 0xF4) {
            need = 3;
            cp = b & 0x07;
            min = 0x10000;
        } else {
            return i;
        }
        for (size_t k = 1; k <= need; k++) {
            if (i + k >= len || (s[i + k] & 0xC0) != 0x80) return i;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
        i += need + 1;
    }
    return len;
}

static void line_col(const char *buf, size_t off, size_t *line, size_t *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < off; i++) {
        if (buf[i] == '\n') {
            (*line)++;
            *col = 1;
        } else if (((unsigned char)buf[i] & 0xC0) != 0x80) {
            (*col)++;
        }
    }
}

/* Nesting depth and \u0000 escapes, outside and inside strings. */
static bool raw_scan(struct ld *l, const char *buf, size_t len)
{
    int depth = 0;
    bool in_str = false;
    size_t line, col;
    for (size_t i = 0; i < len; i++) {
        char ch = buf[i];
        if (in_str) {
            if (ch == '\\') {
                if (i + 5 < len && buf[i + 1] == 'u' && memcmp(buf + i + 2, "0000", 4) == 0) {
                    line_col(buf, i, &line, &col);
                    ld_fail(l, KERR_INVALID, "$", "line %zu column %zu: \\u0000 (NUL) in a string",
                            line, col);
                    return false;
                }
                i++;
            } else if (ch == '"') {
                in_str = false;
            }
            continue;
        }
        if (ch == '"') {
            in_str = true;
        } else if (ch == '[' || ch == '{') {
            if (++depth > CONTENT_MAX_DEPTH) {
                line_col(buf, i, &line, &col);
                ld_fail(l, KERR_TOOBIG, "$", "line %zu column %zu: nesting deeper than %d", line,
                        col, CONTENT_MAX_DEPTH);
                return false;
            }
        } else if (ch == ']' || ch == '}') {
            depth--;
        }
    }
    return true;
}

/* ---- load ---------------------------------------------------------------- */

static void load_root(struct ld *l, const cJSON *root)
{
    static const char *const keys[] = {"$schema", "schema", "version", "generated_at", "sample",
                                       "sample_notice", "district", "towers", "walkways", "orgs",
                                       "categories", "services", "nursing_rooms", "companies",
                                       "request_categories", "quick_phrases", "notices", NULL};
    struct content *c = l->c;
    const cJSON *v;
    int schema = 0;
    check_keys(l, root, "$", keys);
    if (get_int(l, root, "schema", "$", true, 1, 1000, &schema) && schema != CONTENT_SCHEMA_VERSION)
        ld_fail(l, KERR_INVALID, "$.schema", "schema %d is not supported (this kiosk reads %d)",
                schema, CONTENT_SCHEMA_VERSION);
    c->version = get_str(l, root, "version", "$", true, 64);
    get_time(l, root, "generated_at", "$", &c->generated_at);
    v = field(l, root, "sample", "$", true);
    if (v && !cJSON_IsBool(v))
        ld_fail(l, KERR_INVALID, "$.sample", "expected a boolean, got %s", type_name(v));
    c->sample = cJSON_IsTrue(v);
    c->sample_notice = get_text(l, root, "sample_notice", "$", c->sample);
    load_district(l, root);
    load_towers(l, root);
    load_walkways(l, root);
    load_orgs(l, root);
    load_categories(l, root);
    load_services(l, root);
    load_rooms(l, root);
    load_companies(l, root);
    load_reqcats(l, root);
    load_phrases(l, root);
    load_notices(l, root);
    if (l->err == KERR_NOMEM) return;
    check_refs(l);
    if (l->err == KERR_OK && c->n_categories > 1)
        qsort(c->categories, c->n_categories, sizeof *c->categories, cat_cmp);
    if (l->err == KERR_OK)
        build_index(l, IX_CAT, c->categories, c->n_categories, sizeof *c->categories,
                    "$.categories");
}

static void content_destroy(struct content *c)
{
    struct priv *p;
    struct chunk *ch;
    if (!c) return;
    p = c->arena_;
    if (p) {
        ch = p->chunks;
        while (ch) {
            struct chunk *next = ch->next;
            free(ch);
            ch = next;
        }
        free(p);
    }
    free(c);
}

void content_free(struct content *c)
{
    content_destroy(c);
}

enum kerr content_load_mem(const char *json, size_t len, const char *dir, struct content **out,
                           struct content_report *rep)
{
    struct ld l;
    cJSON *root = NULL;
    const char *end = NULL;
    size_t bad;
    memset(&l, 0, sizeof l);
    l.rep = rep;
    *out = NULL;
    if (len == 0) {
        ld_fail(&l, KERR_PARSE, "$", "the file is empty");
        return l.err;
    }
    if (len > CONTENT_MAX_FILE_BYTES) {
        ld_fail(&l, KERR_TOOBIG, "$", "%zu bytes is over the limit of %u", len,
                CONTENT_MAX_FILE_BYTES);
        return l.err;
    }
    bad = utf8_bad_offset((const unsigned char *)json, len);
    if (bad < len) {
        size_t line, col;
        line_col(json, bad, &line, &col);
        if (json[bad] == 0)
            ld_fail(&l, KERR_UTF8, "$", "line %zu column %zu: NUL byte", line, col);
        else
            ld_fail(&l, KERR_UTF8, "$", "line %zu column %zu: invalid UTF-8", line, col);
        return l.err;
    }
    if (!raw_scan(&l, json, len)) return l.err;
    root = cJSON_ParseWithLengthOpts(json, len, &end, false);
    if (!root) {
        size_t off = end && end >= json && end <= json + len ? (size_t)(end - json) : 0, line, col;
        line_col(json, off, &line, &col);
        ld_fail(&l, KERR_PARSE, "$", "line %zu column %zu: not valid JSON", line, col);
        return l.err;
    }
    /* Only whitespace may follow the document. */
    for (const char *t = end; t && t < json + len; t++)
        if (!isspace((unsigned char)*t)) {
            size_t line, col;
            line_col(json, (size_t)(t - json), &line, &col);
            ld_fail(&l, KERR_PARSE, "$", "line %zu column %zu: text after the JSON document",
                    line, col);
            goto fail;
        }
    if (!cJSON_IsObject(root)) {
        ld_fail(&l, KERR_INVALID, "$", "the root must be an object, got %s", type_name(root));
        goto fail;
    }
    l.c = calloc(1, sizeof *l.c);
    l.p = calloc(1, sizeof *l.p);
    if (!l.c || !l.p) {
        free(l.c);
        free(l.p);
        l.c = NULL;
        ld_nomem(&l);
        goto fail;
    }
    l.c->arena_ = l.p;
    if (dir) {
        char abs[PATH_MAX];
        const char *d = realpath(dir, abs) ? abs : dir;
        l.c->dir = arena_strdup(l.p, d);
        if (!l.c->dir) ld_nomem(&l);
        l.dir = l.c->dir;
    }
    if (l.err == KERR_OK) load_root(&l, root);
    if (l.err != KERR_OK) goto fail;
    cJSON_Delete(root);
    *out = l.c;
    return KERR_OK;
fail:
    cJSON_Delete(root);
    content_destroy(l.c);
    return l.err != KERR_OK ? l.err : KERR_INVALID;
}

enum kerr content_load(const char *dir, struct content **out, struct content_report *rep)
{
    struct stat st;
    char *buf = NULL;
    const char *why = NULL;
    int fd;
    enum kerr res;
    *out = NULL;
    if (!dir || strlen(dir) > PATH_MAX - 64) {
        content_report_add(rep, FILE_NAME, "$", "bundle folder name is too long");
        return KERR_USAGE;
    }
    fd = bundlefs_open(dir, FILE_NAME, &st, &why, &res);
    if (fd < 0) {
        if (res == KERR_NOTFOUND)
            content_report_add(rep, FILE_NAME, "$", "cannot open %s/" FILE_NAME ": %s", dir, why);
        else
            content_report_add(rep, FILE_NAME, "$", "%s", why);
        return res;
    }
    if ((unsigned long long)st.st_size > CONTENT_MAX_FILE_BYTES) {
        content_report_add(rep, FILE_NAME, "$", "%lld bytes is over the limit of %u",
                           (long long)st.st_size, CONTENT_MAX_FILE_BYTES);
        close(fd);
        return KERR_TOOBIG;
    }
    res = bundlefs_read_all(fd, (size_t)st.st_size, &buf);
    close(fd);
    if (res != KERR_OK) {
        content_report_add(rep, FILE_NAME, "$", res == KERR_NOMEM ? "out of memory" : "read failed");
        return res;
    }
    res = content_load_mem(buf, (size_t)st.st_size, dir, out, rep);
    free(buf);
    return res;
}

/* ---- last good copy ------------------------------------------------------ */

static enum kerr copy_file(const char *from, const char *to)
{
    char buf[65536];
    int in = open(from, O_RDONLY | O_CLOEXEC), o;
    enum kerr res = KERR_OK;
    if (in < 0) return KERR_IO;
    o = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (o < 0) {
        close(in);
        return KERR_IO;
    }
    for (;;) {
        ssize_t r = read(in, buf, sizeof buf), w = 0;
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) res = KERR_IO;
        if (r <= 0) break;
        while (w < r) {
            ssize_t k = write(o, buf + w, (size_t)(r - w));
            if (k < 0 && errno == EINTR) continue;
            if (k <= 0) {
                res = KERR_IO;
                break;
            }
            w += k;
        }
        if (res != KERR_OK) break;
    }
    if (res == KERR_OK && fsync(o) != 0) res = KERR_IO;
    if (close(o) != 0) res = KERR_IO;
    close(in);
    return res;
}

/* Copies regular files and folders (depth <= 3, <= 4096 entries). */
static enum kerr copy_tree(const char *from, const char *to, int depth, size_t *budget)
{
    DIR *d;
    struct dirent *e;
    enum kerr res = KERR_OK;
    if (depth > 3) return KERR_TOOBIG;
    if (mkdir(to, 0755) != 0 && errno != EEXIST) return KERR_IO;
    d = opendir(from);
    if (!d) return KERR_IO;
    while (res == KERR_OK && (e = readdir(d))) {
        char a[PATH_MAX], b[PATH_MAX];
        struct stat st;
        if (e->d_name[0] == '.') continue;
        if (*budget == 0) {
            res = KERR_TOOBIG;
            break;
        }
        (*budget)--;
        if (snprintf(a, sizeof a, "%s/%s", from, e->d_name) >= (int)sizeof a ||
            snprintf(b, sizeof b, "%s/%s", to, e->d_name) >= (int)sizeof b) {
            res = KERR_TOOBIG;
            break;
        }
        if (lstat(a, &st) != 0) {
            res = KERR_IO;
        } else if (S_ISDIR(st.st_mode)) {
            res = copy_tree(a, b, depth + 1, budget);
        } else if (S_ISREG(st.st_mode)) {
            res = copy_file(a, b);
        }
    }
    closedir(d);
    return res;
}

static void remove_tree(const char *path, int depth)
{
    DIR *d;
    struct dirent *e;
    if (depth > 4) return;
    d = opendir(path);
    if (!d) {
        unlink(path);
        return;
    }
    while ((e = readdir(d))) {
        char a[PATH_MAX];
        struct stat st;
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        if (snprintf(a, sizeof a, "%s/%s", path, e->d_name) >= (int)sizeof a) continue;
        if (lstat(a, &st) == 0 && S_ISDIR(st.st_mode))
            remove_tree(a, depth + 1);
        else
            unlink(a);
    }
    closedir(d);
    rmdir(path);
}

/* dir -> last_good: copy to "<last_good>.tmp", move the old copy aside to
 * "<last_good>.old", rename the new one in, then delete the old one. A crash
 * at any point leaves either the old or the new copy under one of the names;
 * content_load_safe() also tries "<last_good>.old". */
static bool same_file(const char *a, const char *b, off_t size)
{
    char ba[65536], bb[65536];
    int fa = open(a, O_RDONLY | O_CLOEXEC), fb = open(b, O_RDONLY | O_CLOEXEC);
    bool same = fa >= 0 && fb >= 0;
    off_t done = 0;
    while (same && done < size) {
        ssize_t ra = read(fa, ba, sizeof ba), rb;
        if (ra <= 0) {
            same = false;
            break;
        }
        rb = read(fb, bb, (size_t)ra);
        same = rb == ra && memcmp(ba, bb, (size_t)ra) == 0;
        done += ra;
    }
    if (fa >= 0) close(fa);
    if (fb >= 0) close(fb);
    return same;
}

/* True when tree b holds exactly the files of tree a, byte for byte (depth
 * <= 3): then the last good copy is already this bundle and is not written
 * again (no fsync at every start). */
static bool same_tree(const char *a, const char *b, int depth)
{
    DIR *d;
    struct dirent *e;
    size_t na = 0, nb = 0;
    bool same = true;
    if (depth > 3 || !(d = opendir(a))) return false;
    while (same && (e = readdir(d))) {
        char pa[PATH_MAX], pb[PATH_MAX];
        struct stat sa, sb;
        if (e->d_name[0] == '.') continue;
        if (snprintf(pa, sizeof pa, "%s/%s", a, e->d_name) >= (int)sizeof pa ||
            snprintf(pb, sizeof pb, "%s/%s", b, e->d_name) >= (int)sizeof pb ||
            stat(pa, &sa) != 0 || stat(pb, &sb) != 0) {
            same = false;
            break;
        }
        na++;
        if (S_ISDIR(sa.st_mode))
            same = S_ISDIR(sb.st_mode) && same_tree(pa, pb, depth + 1);
        else
            same = S_ISREG(sb.st_mode) && sa.st_size == sb.st_size &&
                   same_file(pa, pb, sa.st_size);
    }
    closedir(d);
    if (!same || !(d = opendir(b))) return false;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.') nb++;
    closedir(d);
    return na == nb;
}

static enum kerr save_last_good(const char *dir, const char *last_good)
{
    char tmp[PATH_MAX], old[PATH_MAX];
    size_t budget = 4096;
    enum kerr res;
    if (snprintf(tmp, sizeof tmp, "%s.tmp", last_good) >= (int)sizeof tmp ||
        snprintf(old, sizeof old, "%s.old", last_good) >= (int)sizeof old)
        return KERR_TOOBIG;
    remove_tree(tmp, 0);
    res = copy_tree(dir, tmp, 0, &budget);
    if (res != KERR_OK) {
        remove_tree(tmp, 0);
        return res;
    }
    remove_tree(old, 0);
    if (rename(last_good, old) != 0 && errno != ENOENT) {
        remove_tree(tmp, 0);
        return KERR_IO;
    }
    if (rename(tmp, last_good) != 0) {
        rename(old, last_good);
        remove_tree(tmp, 0);
        return KERR_IO;
    }
    remove_tree(old, 0);
    return KERR_OK;
}

static enum kerr load_checked(const char *dir, content_deep_check_fn deep, void *ud,
                              struct content **out, struct content_report *rep)
{
    enum kerr res = content_load(dir, out, rep);
    if (res == KERR_OK && deep) {
        res = deep(*out, rep, ud);
        if (res != KERR_OK) {
            content_free(*out);
            *out = NULL;
        }
    }
    return res;
}

static bool same_dir(const char *a, const char *b)
{
    struct stat x, y;
    return stat(a, &x) == 0 && stat(b, &y) == 0 && x.st_dev == y.st_dev && x.st_ino == y.st_ino;
}

enum kerr content_load_safe(const char *dir, const char *last_good_dir,
                            content_deep_check_fn deep_check, void *deep_ud, struct content **out,
                            struct content_report *rep)
{
    enum kerr res, res2;
    struct content_report scratch;
    *out = NULL;
    res = load_checked(dir, deep_check, deep_ud, out, rep);
    if (res == KERR_OK) {
        if (last_good_dir && !same_dir(dir, last_good_dir) && !same_tree(dir, last_good_dir, 0)) {
            enum kerr cr = save_last_good(dir, last_good_dir);
            if (cr != KERR_OK)
                KLOGW("content", "could not keep a last good copy of %s: %s", dir, kerr_str(cr));
        }
        KLOGI("content", "loaded bundle %s (version %s, %zu services, %zu notices)", dir,
              (*out)->version, (*out)->n_services, (*out)->n_notices);
        return KERR_OK;
    }
    KLOGE("content", "refused bundle %s (%s, %zu problems): %s%s%s", dir, kerr_str(res),
          content_report_total(rep), rep && rep->count ? rep->lines[0] : "",
          rep && rep->count > 1 ? " | " : "", rep && rep->count > 1 ? rep->lines[1] : "");
    if (!last_good_dir || same_dir(dir, last_good_dir)) return res;
    content_report_init(&scratch);
    res2 = load_checked(last_good_dir, deep_check, deep_ud, out, &scratch);
    if (res2 != KERR_OK) {
        char old[PATH_MAX];
        if (snprintf(old, sizeof old, "%s.old", last_good_dir) < (int)sizeof old) {
            content_report_init(&scratch);
            res2 = load_checked(old, deep_check, deep_ud, out, &scratch);
        }
    }
    if (res2 == KERR_OK) {
        KLOGW("content", "showing the last good bundle instead (version %s)", (*out)->version);
        return KERR_OK;
    }
    KLOGE("content", "no valid bundle: %s is broken and the last good copy %s is not usable (%s)",
          dir, last_good_dir, kerr_str(res2));
    return res;
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
        i = find_ix(c->arena_, which, id);                                                         \
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
