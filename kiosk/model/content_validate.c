/* content_validate: content_load in three passes. (1) Raw bytes: size, NUL,
 * UTF-8 and nesting depth are checked before cJSON sees the text, so a
 * 10,000-deep document never reaches cJSON's recursion. (2) The tree is
 * walked section by section against the schema (assets/content.schema.json,
 * field readers in content_json.c) and copied into an arena; unknown keys
 * are errors so typos surface; image files are opened (bundlefs) and their
 * size read from their header (imghdr). (3) Ids are indexed, duplicates and
 * references are checked. Any problem -> the whole bundle is dropped. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "booking.h"
#include "bundlefs.h"
#include "content_int.h"
#include "imghdr.h"

/* ---- sections ------------------------------------------------------------ */

#define ALLOC_ARRAY(l, ptr, n)                                                                     \
    do {                                                                                           \
        (ptr) = content_arena_alloc((l)->p, sizeof *(ptr) * ((n) ? (n) : 1));                              \
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
    const cJSON *v = ld_field(l, root, "district", "$", true), *arr;
    struct content_district *d = &l->c->district;
    char p[CONTENT_PATH_LEN], q[CONTENT_PATH_LEN];
    size_t n, i = 0;
    const cJSON *it;
    if (!v || !ld_want_object(l, v, path)) return;
    ld_check_keys(l, v, path, keys);
    d->name = ld_get_text(l, v, "name", path, true);
    d->short_name = ld_get_text(l, v, "short_name", path, false);
    if (!d->short_name.zh) d->short_name = d->name;
    n = ld_get_array(l, v, "about", path, true, &arr);
    if (arr && n == 0) ld_fail(l, KERR_INVALID, "$.district.about", "needs at least one paragraph");
    ALLOC_ARRAY(l, d->about, n);
    cJSON_ArrayForEach(it, arr) {
        d->about[i] = ld_get_text(l, it, NULL, ld_ipath(p, "$.district.about", i), true);
        i++;
    }
    d->n_about = n;
    n = ld_get_array(l, v, "facts", path, false, &arr);
    ALLOC_ARRAY(l, d->facts, n);
    i = 0;
    cJSON_ArrayForEach(it, arr) {
        ld_ipath(q, "$.district.facts", i);
        if (ld_want_object(l, it, q)) {
            ld_check_keys(l, it, q, fkeys);
            d->facts[i].value = ld_get_str(l, it, "value", q, true, 32);
            d->facts[i].label = ld_get_text(l, it, "label", q, true);
        }
        i++;
    }
    d->n_facts = n;
}

static void load_towers(struct ld *l, const cJSON *root)
{
    static const char *const keys[] = {"id", "name", "short_name", "grid", "x_m", "y_m", "floors", NULL};
    const cJSON *arr, *it;
    size_t n = ld_get_array(l, root, "towers", "$", true, &arr), i = 0;
    char p[CONTENT_PATH_LEN];
    ALLOC_ARRAY(l, l->c->towers, n);
    cJSON_ArrayForEach(it, arr) {
        struct content_tower *t = &l->c->towers[i];
        ld_ipath(p, "$.towers", i++);
        if (!ld_want_object(l, it, p)) continue;
        ld_check_keys(l, it, p, keys);
        t->id = ld_get_id(l, it, "id", p, true);
        t->name = ld_get_text(l, it, "name", p, true);
        t->short_name = ld_get_text(l, it, "short_name", p, false);
        if (!t->short_name.zh) t->short_name = t->name;
        ld_get_int(l, it, "grid", p, true, 1, 3, &t->grid);
        ld_get_num(l, it, "x_m", p, -5000, 5000, &t->x_m);
        ld_get_num(l, it, "y_m", p, -5000, 5000, &t->y_m);
        ld_get_int(l, it, "floors", p, true, 1, 200, &t->floors);
    }
    l->c->n_towers = n;
}

static void load_walkways(struct ld *l, const cJSON *root)
{
    static const char *const keys[] = {"from", "to", "metres", NULL};
    const cJSON *arr, *it;
    size_t n = ld_get_array(l, root, "walkways", "$", false, &arr), i = 0;
    char p[CONTENT_PATH_LEN];
    ALLOC_ARRAY(l, l->c->walkways, n);
    cJSON_ArrayForEach(it, arr) {
        struct content_walkway *w = &l->c->walkways[i];
        ld_ipath(p, "$.walkways", i++);
        if (!ld_want_object(l, it, p)) continue;
        ld_check_keys(l, it, p, keys);
        w->from = ld_get_id(l, it, "from", p, true);
        w->to = ld_get_id(l, it, "to", p, true);
        ld_get_num(l, it, "metres", p, 1, 5000, &w->metres);
        if (w->from && w->to && strcmp(w->from, w->to) == 0)
            ld_fail(l, KERR_INVALID, p, "a walkway from \"%s\" to itself", w->from);
    }
    l->c->n_walkways = n;
}


static void load_orgs(struct ld *l, const cJSON *root)
{
    static const char *const keys[] = {"id", "type", "name", "place", "hours", "phone", "companies", NULL};
    const cJSON *arr, *it;
    size_t n = ld_get_array(l, root, "orgs", "$", true, &arr), i = 0;
    char p[CONTENT_PATH_LEN], q[CONTENT_PATH_LEN];
    ALLOC_ARRAY(l, l->c->orgs, n);
    cJSON_ArrayForEach(it, arr) {
        struct content_org *o = &l->c->orgs[i];
        const char *type;
        ld_ipath(p, "$.orgs", i++);
        if (!ld_want_object(l, it, p)) continue;
        ld_check_keys(l, it, p, keys);
        o->id = ld_get_id(l, it, "id", p, true);
        type = ld_get_str(l, it, "type", p, true, 32);
        o->type = CONTENT_ORG__COUNT;
        for (int k = 0; type && k < CONTENT_ORG__COUNT; k++)
            if (strcmp(type, content_org_type_key((enum content_org_type)k)) == 0) o->type = (enum content_org_type)k;
        if (type && o->type == CONTENT_ORG__COUNT)
            ld_fail(l, KERR_INVALID, ld_kpath(q, p, "type"), "unknown organisation type \"%s\"", type);
        if (o->type == CONTENT_ORG__COUNT) o->type = CONTENT_ORG_OTHER;
        o->name = ld_get_text(l, it, "name", p, true);
        ld_get_place(l, it, p, false, &o->place);
        o->hours = ld_get_text(l, it, "hours", p, false);
        o->phone = ld_get_phone(l, it, p);
        ld_get_int(l, it, "companies", p, false, 0, 100000, &o->companies);
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
    size_t n = ld_get_array(l, root, "categories", "$", true, &arr), i = 0;
    char p[CONTENT_PATH_LEN], q[CONTENT_PATH_LEN];
    if (arr && n == 0) ld_fail(l, KERR_INVALID, "$.categories", "needs at least one category");
    ALLOC_ARRAY(l, l->c->categories, n);
    cJSON_ArrayForEach(it, arr) {
        struct content_category *k = &l->c->categories[i];
        ld_ipath(p, "$.categories", i++);
        if (!ld_want_object(l, it, p)) continue;
        ld_check_keys(l, it, p, keys);
        k->id = ld_get_id(l, it, "id", p, true);
        k->name = ld_get_text(l, it, "name", p, true);
        k->icon = ld_get_str(l, it, "icon", p, true, 40);
        if (k->icon && !icon_ok(k->icon)) {
            ld_fail(l, KERR_INVALID, ld_kpath(q, p, "icon"),
                    "\"%s\" is not a Material Icons name (a-z, 0-9, _)", k->icon);
        }
        ld_get_int(l, it, "order", p, true, 0, 100000, &k->order);
    }
    l->c->n_categories = n;
}

static void load_services(struct ld *l, const cJSON *root)
{
    static const char *const keys[] = {"id", "category", "name", "summary", "details", "provider",
                                       "provider_org", "place", "hours", "phone", "tags", NULL};
    const cJSON *arr, *it, *tags, *tg;
    size_t n = ld_get_array(l, root, "services", "$", true, &arr), i = 0;
    char p[CONTENT_PATH_LEN], q[CONTENT_PATH_LEN], r[CONTENT_PATH_LEN];
    ALLOC_ARRAY(l, l->c->services, n);
    cJSON_ArrayForEach(it, arr) {
        struct content_service *s = &l->c->services[i];
        size_t nt, k = 0;
        ld_ipath(p, "$.services", i++);
        if (!ld_want_object(l, it, p)) continue;
        ld_check_keys(l, it, p, keys);
        s->id = ld_get_id(l, it, "id", p, true);
        s->category_id = ld_get_id(l, it, "category", p, true);
        s->name = ld_get_text(l, it, "name", p, true);
        s->summary = ld_get_text(l, it, "summary", p, true);
        s->details = ld_get_text(l, it, "details", p, false);
        s->provider = ld_get_text(l, it, "provider", p, true);
        s->provider_org_id = ld_get_id(l, it, "provider_org", p, false);
        ld_get_place(l, it, p, false, &s->place);
        s->hours = ld_get_text(l, it, "hours", p, false);
        s->phone = ld_get_phone(l, it, p);
        nt = ld_get_array(l, it, "tags", p, false, &tags);
        ld_kpath(q, p, "tags");
        if (nt > CONTENT_MAX_TAGS) {
            ld_fail(l, KERR_TOOBIG, q, "%zu tags is over the limit of %d", nt, CONTENT_MAX_TAGS);
            continue;
        }
        cJSON_ArrayForEach(tg, tags) {
            s->tags[k] = ld_take_str(l, tg, ld_ipath(r, q, k), 64);
            k++;
        }
        s->n_tags = nt;
    }
    l->c->n_services = n;
}

/* A room's booking rules (issue 13), checked by book_rules_parse: the
 * kiosk and the hub read them with the same code. */
static void load_room_booking(struct ld *l, const cJSON *it, const char *p,
                              struct content_nursing_room *m)
{
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(it, "booking");
    struct book_rules *r;
    char why[160], q[CONTENT_PATH_LEN];
    m->booking = NULL;
    if (!b) return;
    r = content_arena_alloc(l->p, sizeof *r);
    if (!r) {
        ld_nomem(l);
        return;
    }
    if (book_rules_parse(b, r, why, sizeof why) != KERR_OK) {
        ld_fail(l, KERR_INVALID, ld_kpath(q, p, "booking"), "%s", why);
        return;
    }
    m->booking = r;
}

static void load_rooms(struct ld *l, const cJSON *root)
{
    static const char *const keys[] = {"id",    "name",     "place",   "amenities",
                                       "hours", "capacity", "booking", NULL};
    const cJSON *arr, *it, *am, *a;
    size_t n = ld_get_array(l, root, "nursing_rooms", "$", false, &arr), i = 0;
    char p[CONTENT_PATH_LEN], q[CONTENT_PATH_LEN];
    ALLOC_ARRAY(l, l->c->nursing_rooms, n);
    cJSON_ArrayForEach(it, arr) {
        struct content_nursing_room *m = &l->c->nursing_rooms[i];
        size_t na, k = 0;
        ld_ipath(p, "$.nursing_rooms", i++);
        if (!ld_want_object(l, it, p)) continue;
        ld_check_keys(l, it, p, keys);
        m->id = ld_get_id(l, it, "id", p, true);
        m->name = ld_get_text(l, it, "name", p, true);
        ld_get_place(l, it, p, true, &m->place);
        if (!m->place.tower_id) ld_fail(l, KERR_INVALID, p, "a nursing room needs place.tower");
        na = ld_get_array(l, it, "amenities", p, false, &am);
        if (na > 32) {
            ld_fail(l, KERR_TOOBIG, p, "more than 32 amenities");
            continue;
        }
        m->amenities = content_arena_alloc(l->p, sizeof *m->amenities * (na ? na : 1));
        if (!m->amenities) {
            ld_nomem(l);
            return;
        }
        ld_kpath(q, p, "amenities");
        cJSON_ArrayForEach(a, am) {
            char r[CONTENT_PATH_LEN];
            m->amenities[k] = ld_get_text(l, a, NULL, ld_ipath(r, q, k), true);
            k++;
        }
        m->n_amenities = na;
        m->hours = ld_get_text(l, it, "hours", p, true);
        m->capacity = 1;
        ld_get_int(l, it, "capacity", p, false, 1, 20, &m->capacity);
        load_room_booking(l, it, p, m);
    }
    l->c->n_nursing_rooms = n;
}

static void load_companies(struct ld *l, const cJSON *root)
{
    static const char *const keys[] = {"id", "name", "tower", NULL};
    const cJSON *arr, *it;
    size_t n = ld_get_array(l, root, "companies", "$", false, &arr), i = 0;
    char p[CONTENT_PATH_LEN];
    ALLOC_ARRAY(l, l->c->companies, n);
    cJSON_ArrayForEach(it, arr) {
        struct content_company *m = &l->c->companies[i];
        ld_ipath(p, "$.companies", i++);
        if (!ld_want_object(l, it, p)) continue;
        ld_check_keys(l, it, p, keys);
        m->id = ld_get_id(l, it, "id", p, true);
        m->name = ld_get_text(l, it, "name", p, true);
        m->tower_id = ld_get_id(l, it, "tower", p, true);
    }
    l->c->n_companies = n;
}

static void load_reqcats(struct ld *l, const cJSON *root)
{
    static const char *const keys[] = {"id", "name", "org", NULL};
    const cJSON *arr, *it;
    size_t n = ld_get_array(l, root, "request_categories", "$", false, &arr), i = 0;
    char p[CONTENT_PATH_LEN];
    ALLOC_ARRAY(l, l->c->request_categories, n);
    cJSON_ArrayForEach(it, arr) {
        struct content_request_category *m = &l->c->request_categories[i];
        ld_ipath(p, "$.request_categories", i++);
        if (!ld_want_object(l, it, p)) continue;
        ld_check_keys(l, it, p, keys);
        m->id = ld_get_id(l, it, "id", p, true);
        m->name = ld_get_text(l, it, "name", p, true);
        m->org_id = ld_get_id(l, it, "org", p, true);
    }
    l->c->n_request_categories = n;
}

static void load_phrases(struct ld *l, const cJSON *root)
{
    const cJSON *arr, *it;
    size_t n = ld_get_array(l, root, "quick_phrases", "$", false, &arr), i = 0;
    char p[CONTENT_PATH_LEN];
    ALLOC_ARRAY(l, l->c->phrases, n);
    cJSON_ArrayForEach(it, arr) {
        l->c->phrases[i].text = ld_get_text(l, it, NULL, ld_ipath(p, "$.quick_phrases", i), true);
        i++;
    }
    l->c->n_phrases = n;
}

/* Image files: a path inside the bundle (no "..", no symlink anywhere on
 * it), a regular file of at most CONTENT_MAX_IMAGE_BYTES, PNG, JPEG or SVG,
 * and a pixel size read from the header (imghdr) within the limits of one
 * image and of the whole bundle: an image that would decode to too many
 * pixels is refused here and never reaches a decoder. */
static const char *check_image(struct ld *l, const char *rel, const char *path, int *w, int *h,
                               uint64_t *hash)
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
    *hash = content_hash(buf, (size_t)st.st_size);
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
        const char *d = content_arena_strdup(l->p, full);
        if (!d) ld_nomem(l);
        return d;
    }
}

static void load_notices(struct ld *l, const cJSON *root)
{
    static const char *const keys[] = {"id", "title", "body", "image", "start", "end", "priority", NULL};
    const cJSON *arr, *it;
    size_t n = ld_get_array(l, root, "notices", "$", false, &arr), i = 0;
    char p[CONTENT_PATH_LEN], q[CONTENT_PATH_LEN];
    ALLOC_ARRAY(l, l->c->notices, n);
    ALLOC_ARRAY(l, l->p->img_hash, n);
    cJSON_ArrayForEach(it, arr) {
        struct content_notice *m = &l->c->notices[i];
        const char *img;
        bool a, b;
        ld_ipath(p, "$.notices", i++);
        if (!ld_want_object(l, it, p)) continue;
        ld_check_keys(l, it, p, keys);
        m->id = ld_get_id(l, it, "id", p, true);
        m->title = ld_get_text(l, it, "title", p, true);
        m->body = ld_get_text(l, it, "body", p, true);
        img = ld_get_str(l, it, "image", p, false, 256);
        if (img)
            m->image = check_image(l, img, ld_kpath(q, p, "image"), &m->image_w, &m->image_h,
                                   &l->p->img_hash[i - 1]);
        a = ld_get_time(l, it, "start", p, &m->start_s);
        b = ld_get_time(l, it, "end", p, &m->end_s);
        if (a && b && m->end_s <= m->start_s)
            ld_fail(l, KERR_INVALID, ld_kpath(q, p, "end"), "the notice ends before it starts");
        ld_get_int(l, it, "priority", p, false, 0, 100, &m->priority);
    }
    l->c->n_notices = n;
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
    ld_check_keys(l, root, "$", keys);
    if (ld_get_int(l, root, "schema", "$", true, 1, 1000, &schema) && schema != CONTENT_SCHEMA_VERSION)
        ld_fail(l, KERR_INVALID, "$.schema", "schema %d is not supported (this kiosk reads %d)",
                schema, CONTENT_SCHEMA_VERSION);
    c->version = ld_get_str(l, root, "version", "$", true, 64);
    ld_get_time(l, root, "generated_at", "$", &c->generated_at);
    v = ld_field(l, root, "sample", "$", true);
    if (v && !cJSON_IsBool(v))
        ld_fail(l, KERR_INVALID, "$.sample", "expected a boolean, got %s", ld_type_name(v));
    c->sample = cJSON_IsTrue(v);
    c->sample_notice = ld_get_text(l, root, "sample_notice", "$", c->sample);
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
    content_check_refs(l);
    if (l->err == KERR_OK && c->n_categories > 1)
        qsort(c->categories, c->n_categories, sizeof *c->categories, cat_cmp);
    /* where each sorted category was in the JSON (the index still has the
     * JSON order), for report paths (content_text_path) */
    if (l->err == KERR_OK) {
        l->p->cat_json = content_arena_alloc(l->p, sizeof *l->p->cat_json * (c->n_categories + 1));
        if (!l->p->cat_json) {
            ld_nomem(l);
            return;
        }
        for (size_t k = 0; k < c->n_categories; k++) {
            long j = content_find_ix(l->p, IX_CAT, c->categories[k].id);
            l->p->cat_json[k] = j < 0 ? k : (size_t)j;
        }
    }
    if (l->err == KERR_OK)
        content_build_index(l, IX_CAT, c->categories, c->n_categories, sizeof *c->categories,
                    "$.categories");
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
    bad = ld_utf8_bad_offset((const unsigned char *)json, len);
    if (bad < len) {
        size_t line, col;
        ld_line_col(json, bad, &line, &col);
        if (json[bad] == 0)
            ld_fail(&l, KERR_UTF8, "$", "line %zu column %zu: NUL byte", line, col);
        else
            ld_fail(&l, KERR_UTF8, "$", "line %zu column %zu: invalid UTF-8", line, col);
        return l.err;
    }
    if (!ld_raw_scan(&l, json, len)) return l.err;
    root = cJSON_ParseWithLengthOpts(json, len, &end, false);
    if (!root) {
        size_t off = end && end >= json && end <= json + len ? (size_t)(end - json) : 0, line, col;
        ld_line_col(json, off, &line, &col);
        ld_fail(&l, KERR_PARSE, "$", "line %zu column %zu: not valid JSON", line, col);
        return l.err;
    }
    /* Only whitespace may follow the document. */
    for (const char *t = end; t && t < json + len; t++)
        if (!isspace((unsigned char)*t)) {
            size_t line, col;
            ld_line_col(json, (size_t)(t - json), &line, &col);
            ld_fail(&l, KERR_PARSE, "$", "line %zu column %zu: text after the JSON document",
                    line, col);
            goto fail;
        }
    if (!cJSON_IsObject(root)) {
        ld_fail(&l, KERR_INVALID, "$", "the root must be an object, got %s", ld_type_name(root));
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
        l.c->dir = content_arena_strdup(l.p, d);
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
    content_free(l.c);
    return l.err != KERR_OK ? l.err : KERR_INVALID;
}

enum kerr content_load_keep(const char *dir, struct content **out, struct content_report *rep,
                            char **json, size_t *len)
{
    struct stat st;
    char *buf = NULL;
    const char *why = NULL;
    int fd;
    enum kerr res;
    *out = NULL;
    if (json) *json = NULL;
    if (!dir || strlen(dir) > PATH_MAX - 64) {
        content_report_add(rep, CONTENT_FILE, "$", "bundle folder name is too long");
        return KERR_USAGE;
    }
    fd = bundlefs_open(dir, CONTENT_FILE, &st, &why, &res);
    if (fd < 0) {
        if (res == KERR_NOTFOUND)
            content_report_add(rep, CONTENT_FILE, "$", "cannot open %s/" CONTENT_FILE ": %s", dir, why);
        else
            content_report_add(rep, CONTENT_FILE, "$", "%s", why);
        return res;
    }
    if ((unsigned long long)st.st_size > CONTENT_MAX_FILE_BYTES) {
        content_report_add(rep, CONTENT_FILE, "$", "%lld bytes is over the limit of %u",
                           (long long)st.st_size, CONTENT_MAX_FILE_BYTES);
        close(fd);
        return KERR_TOOBIG;
    }
    res = bundlefs_read_all(fd, (size_t)st.st_size, &buf);
    close(fd);
    if (res != KERR_OK) {
        content_report_add(rep, CONTENT_FILE, "$", res == KERR_NOMEM ? "out of memory" : "read failed");
        return res;
    }
    res = content_load_mem(buf, (size_t)st.st_size, dir, out, rep);
    if (res == KERR_OK && json) {
        *json = buf;
        *len = (size_t)st.st_size;
    } else {
        free(buf);
    }
    return res;
}

enum kerr content_load(const char *dir, struct content **out, struct content_report *rep)
{
    return content_load_keep(dir, out, rep, NULL, NULL);
}
