#include "geomap.h"

#include <cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundlefs.h"
#include "utf8.h"

#define EARTH_R 6371008.8
#define DEG (M_PI / 180.0)
#define MAX_STR 512
#define PATH_LEN 160

static const char *const kind_keys[GEOMAP__KINDS] = {
    "tower", "entrance", "way", "street", "park", "water", "plaza", "building", "landmark",
};

const char *geomap_kind_key(enum geomap_kind k)
{
    return (unsigned)k < GEOMAP__KINDS ? kind_keys[k] : "?";
}

void geomap_walking_defaults(struct geomap_walking *w)
{
    w->speed_mps = 1.0;
    w->steps_factor = 2.0;
    w->lift_wait_s = 60;
    w->lift_s_per_floor = 3;
    w->elder_speed_mps = 0.8;
}

double geomap_metres(struct geomap_pt a, struct geomap_pt b)
{
    double dlat = (b.lat - a.lat) * DEG, dlon = (b.lon - a.lon) * DEG;
    double s = sin(dlat / 2), t = sin(dlon / 2);
    double h = s * s + cos(a.lat * DEG) * cos(b.lat * DEG) * t * t;
    if (h > 1) h = 1;
    return 2 * EARTH_R * asin(sqrt(h));
}

double geomap_bearing(struct geomap_pt a, struct geomap_pt b)
{
    double p1 = a.lat * DEG, p2 = b.lat * DEG, dl = (b.lon - a.lon) * DEG;
    double y = sin(dl) * cos(p2), x = cos(p1) * sin(p2) - sin(p1) * cos(p2) * cos(dl);
    double d = atan2(y, x) / DEG;
    return d < 0 ? d + 360 : d;
}

/* ---- loader ----------------------------------------------------------- */

struct ld {
    struct geomap *m;
    const struct content *c;
    struct content_report *rep;
    enum kerr err;
    size_t cap_pts, cap_rings, cap_f;
    char **strs; /* every string the map owns */
    size_t n_strs, cap_strs;
};

static void fail(struct ld *l, enum kerr e, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void fail(struct ld *l, enum kerr e, const char *path, const char *fmt, ...)
{
    char msg[CONTENT_REPORT_LINE];
    va_list ap;
    if (l->err == KERR_OK) l->err = e;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (l->rep) content_report_add(l->rep, GEOMAP_FILE, path, "%s", msg);
}

static bool grow(struct ld *l, void **arr, size_t *cap, size_t need, size_t elem)
{
    size_t nc;
    void *n;
    if (need <= *cap) return true;
    nc = *cap ? *cap * 2 : 64;
    while (nc < need) nc *= 2;
    n = realloc(*arr, nc * elem);
    if (!n) {
        fail(l, KERR_NOMEM, "$", "out of memory");
        return false;
    }
    *arr = n;
    *cap = nc;
    return true;
}

static const char *own(struct ld *l, const char *s)
{
    char *d;
    if (!grow(l, (void **)&l->strs, &l->cap_strs, l->n_strs + 1, sizeof *l->strs)) return NULL;
    d = strdup(s);
    if (!d) {
        fail(l, KERR_NOMEM, "$", "out of memory");
        return NULL;
    }
    l->strs[l->n_strs++] = d;
    return d;
}

/* A string property: valid UTF-8, 1..MAX_STR bytes. NULL (reported) if not. */
static const char *str_prop(struct ld *l, const cJSON *v, const char *path)
{
    size_t n;
    if (!cJSON_IsString(v) || !v->valuestring) {
        fail(l, KERR_INVALID, path, "expected a string");
        return NULL;
    }
    n = strlen(v->valuestring);
    if (!utf8_valid(v->valuestring, n)) {
        fail(l, KERR_UTF8, path, "string is not valid UTF-8");
        return NULL;
    }
    if (n == 0 || n > MAX_STR) {
        fail(l, KERR_INVALID, path, "string must have 1 to %d bytes", MAX_STR);
        return NULL;
    }
    return own(l, v->valuestring);
}

static bool in_bbox(const struct geomap *m, double lon, double lat)
{
    return lon >= m->bbox[0] && lon <= m->bbox[2] && lat >= m->bbox[1] && lat <= m->bbox[3];
}

/* One position [lon, lat(, alt)] appended to pts. */
static bool position(struct ld *l, const cJSON *v, const char *path)
{
    const cJSON *x = cJSON_IsArray(v) ? v->child : NULL, *y = x ? x->next : NULL;
    struct geomap *m = l->m;
    int n = cJSON_GetArraySize(v);
    if (!cJSON_IsArray(v) || n < 2 || n > 3 || !cJSON_IsNumber(x) || !cJSON_IsNumber(y)) {
        fail(l, KERR_INVALID, path, "a position is [longitude, latitude]");
        return false;
    }
    if (!isfinite(x->valuedouble) || !isfinite(y->valuedouble) || fabs(x->valuedouble) > 180 ||
        fabs(y->valuedouble) > 90) {
        fail(l, KERR_INVALID, path, "not a longitude/latitude in degrees");
        return false;
    }
    if (!in_bbox(m, x->valuedouble, y->valuedouble)) {
        fail(l, KERR_INVALID, path, "[%.6f, %.6f] is outside the district's bounding box",
             x->valuedouble, y->valuedouble);
        return false;
    }
    if (m->n_pts >= GEOMAP_MAX_POINTS) {
        fail(l, KERR_TOOBIG, path, "more than %u positions in the file", GEOMAP_MAX_POINTS);
        return false;
    }
    if (!grow(l, (void **)&m->pts, &l->cap_pts, m->n_pts + 1, sizeof *m->pts)) return false;
    m->pts[m->n_pts++] = (struct geomap_pt){x->valuedouble, y->valuedouble};
    return true;
}

/* Segments (a,b) and (c,d) meet (touching counts), in a local plane. */
static double orient(const double *p, const double *q, const double *r)
{
    return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0]);
}
static bool on_seg(const double *p, const double *q, const double *r)
{
    return fmin(p[0], r[0]) <= q[0] && q[0] <= fmax(p[0], r[0]) && fmin(p[1], r[1]) <= q[1] &&
           q[1] <= fmax(p[1], r[1]);
}
static bool seg_meet(const double *a, const double *b, const double *c, const double *d)
{
    double o1 = orient(a, b, c), o2 = orient(a, b, d), o3 = orient(c, d, a), o4 = orient(c, d, b);
    if (((o1 > 0 && o2 < 0) || (o1 < 0 && o2 > 0)) && ((o3 > 0 && o4 < 0) || (o3 < 0 && o4 > 0)))
        return true;
    if (o1 == 0 && on_seg(a, c, b)) return true;
    if (o2 == 0 && on_seg(a, d, b)) return true;
    if (o3 == 0 && on_seg(c, a, d)) return true;
    if (o4 == 0 && on_seg(c, b, d)) return true;
    return false;
}

/* A closed ring of n points at pts[first]: true if two edges that are not
 * neighbours meet (*ei, *ej: the edges). O(n^2), rings are small. */
static bool ring_crosses(const struct geomap_pt *pts, size_t n, size_t *ei, size_t *ej)
{
    size_t e = n - 1; /* edges */
    for (size_t i = 0; i < e; i++)
        for (size_t j = i + 2; j < e; j++) {
            if (i == 0 && j == e - 1) continue; /* neighbours across the closing point */
            double a[2] = {pts[i].lon, pts[i].lat}, b[2] = {pts[i + 1].lon, pts[i + 1].lat};
            double c[2] = {pts[j].lon, pts[j].lat}, d[2] = {pts[j + 1].lon, pts[j + 1].lat};
            if (seg_meet(a, b, c, d)) {
                *ei = i;
                *ej = j;
                return true;
            }
        }
    return false;
}

/* One simple geometry of type t (Point, LineString, Polygon) from its
 * coordinates co at JSON path p into f. */
static bool geometry(struct ld *l, struct geomap_feature *f, const char *t, const cJSON *co,
                     const char *p, const char *gpath)
{
    char q[PATH_LEN + 40], r[PATH_LEN + 80];
    struct geomap *m = l->m;
    size_t i = 0;
    bool ok = true;
    f->first = m->n_pts;
    if (strcmp(t, "Point") == 0) {
        f->geom = GEOMAP_POINT;
        if (!position(l, co, p)) return false;
    } else if (strcmp(t, "LineString") == 0) {
        const cJSON *v;
        f->geom = GEOMAP_LINE;
        if (!cJSON_IsArray(co) || cJSON_GetArraySize(co) < 2) {
            fail(l, KERR_INVALID, p, "a LineString needs at least 2 positions");
            return false;
        }
        cJSON_ArrayForEach(v, co)
        {
            snprintf(q, sizeof q, "%s[%zu]", p, i++);
            ok &= position(l, v, q);
        }
    } else if (strcmp(t, "Polygon") == 0) {
        const cJSON *ring;
        f->geom = GEOMAP_POLYGON;
        f->ring0 = m->n_ring_len;
        if (!cJSON_IsArray(co) || cJSON_GetArraySize(co) < 1) {
            fail(l, KERR_INVALID, p, "a Polygon needs an outer ring");
            return false;
        }
        cJSON_ArrayForEach(ring, co)
        {
            size_t j = 0, start = m->n_pts;
            const cJSON *v;
            snprintf(q, sizeof q, "%s[%zu]", p, i++);
            if (!cJSON_IsArray(ring) || cJSON_GetArraySize(ring) < 4) {
                fail(l, KERR_INVALID, q, "a ring needs at least 4 positions");
                ok = false;
                continue;
            }
            cJSON_ArrayForEach(v, ring)
            {
                snprintf(r, sizeof r, "%s[%zu]", q, j++);
                ok &= position(l, v, r);
            }
            if (!ok) continue;
            if (m->pts[start].lon != m->pts[m->n_pts - 1].lon ||
                m->pts[start].lat != m->pts[m->n_pts - 1].lat) {
                fail(l, KERR_INVALID, q, "the ring is not closed (the last position must repeat the first)");
                ok = false;
                continue;
            }
            {
                size_t ei, ej;
                if (ring_crosses(m->pts + start, m->n_pts - start, &ei, &ej)) {
                    fail(l, KERR_INVALID, q, "the outline crosses itself (edges %zu and %zu)", ei, ej);
                    ok = false;
                    continue;
                }
            }
            if (!grow(l, (void **)&m->ring_len, &l->cap_rings, m->n_ring_len + 1,
                      sizeof *m->ring_len))
                return false;
            m->ring_len[m->n_ring_len++] = m->n_pts - start;
            f->n_rings++;
        }
    } else {
        fail(l, KERR_INVALID, gpath,
             "geometry type \"%s\" is not used here (Point, LineString, Polygon or their Multi- forms)",
             t);
        return false;
    }
    f->n = m->n_pts - f->first;
    return ok;
}

static int kind_of(const char *s)
{
    for (int k = 0; k < GEOMAP__KINDS; k++)
        if (strcmp(kind_keys[k], s) == 0) return k;
    return -1;
}

/* One feature of the map from feature ft's properties and one simple
 * geometry (t, co at JSON path cpath); a Multi- geometry calls it per part. */
static void feature_part(struct ld *l, const cJSON *ft, size_t idx, const char *t, const cJSON *co,
                         const char *cpath)
{
    char path[64], p[128];
    const cJSON *props, *v;
    struct geomap_feature f;
    struct geomap *m = l->m;
    size_t err0 = l->rep ? content_report_total(l->rep) : 0;
    enum kerr e0 = l->err;
    memset(&f, 0, sizeof f);
    f.index = idx;
    snprintf(path, sizeof path, "$.features[%zu]", idx);
    props = cJSON_GetObjectItemCaseSensitive(ft, "properties");
    snprintf(p, sizeof p, "%s.geometry", path);
    if (!geometry(l, &f, t, co, cpath, p)) return;
    if (props && !cJSON_IsObject(props) && !cJSON_IsNull(props)) {
        snprintf(p, sizeof p, "%s.properties", path);
        fail(l, KERR_INVALID, p, "expected an object or null");
        return;
    }
#define PP(key) (snprintf(p, sizeof p, "%s.properties.%s", path, key), p)
    if ((v = cJSON_GetObjectItemCaseSensitive(props, "name"))) f.name = str_prop(l, v, PP("name"));
    if ((v = cJSON_GetObjectItemCaseSensitive(props, "name:en")))
        f.name_en = str_prop(l, v, PP("name:en"));
    if ((v = cJSON_GetObjectItemCaseSensitive(props, "tower"))) {
        f.tower_id = str_prop(l, v, PP("tower"));
        if (f.tower_id && l->c && !content_tower(l->c, f.tower_id))
            fail(l, KERR_INVALID, PP("tower"), "unknown tower \"%s\" (not in content.json)",
                 f.tower_id);
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(props, "entrance")))
        f.entrance = str_prop(l, v, PP("entrance"));
    if ((v = cJSON_GetObjectItemCaseSensitive(props, "steps"))) {
        if (!cJSON_IsBool(v)) fail(l, KERR_INVALID, PP("steps"), "must be true or false");
        f.steps = cJSON_IsTrue(v);
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(props, "indoor"))) {
        if (!cJSON_IsBool(v)) fail(l, KERR_INVALID, PP("indoor"), "must be true or false");
        f.indoor = cJSON_IsTrue(v);
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(props, "level"))) {
        double d = cJSON_IsNumber(v) ? v->valuedouble
                   : cJSON_IsString(v) ? strtod(v->valuestring, NULL) : NAN;
        if (!isfinite(d) || d != floor(d) || fabs(d) > 200)
            fail(l, KERR_INVALID, PP("level"), "must be a whole number (0 = ground)");
        else
            f.level = (int)d;
    }
    v = cJSON_GetObjectItemCaseSensitive(props, "kind");
    if (v) {
        int k = cJSON_IsString(v) ? kind_of(v->valuestring) : -1;
        if (k < 0 || k == GEOMAP_TOWER || k == GEOMAP_ENTRANCE) {
            fail(l, KERR_INVALID, PP("kind"),
                 "unknown kind (way, street, park, water, plaza, building, landmark)");
            return;
        }
        f.kind = (enum geomap_kind)k;
        if (f.tower_id) fail(l, KERR_INVALID, PP("tower"), "a feature with a kind names no tower");
    } else if (f.tower_id && f.geom == GEOMAP_POLYGON) {
        f.kind = GEOMAP_TOWER;
    } else if (f.tower_id && f.geom == GEOMAP_POINT) {
        f.kind = GEOMAP_ENTRANCE;
    } else if (f.geom == GEOMAP_LINE && !f.tower_id) {
        f.kind = GEOMAP_WAY;
    } else {
        fail(l, KERR_INVALID, path,
             "cannot tell what this is: a Polygon or Point with \"tower\", a LineString, or a \"kind\"");
        return;
    }
#undef PP
    if (f.kind == GEOMAP_WAY && f.geom != GEOMAP_LINE)
        fail(l, KERR_INVALID, p, "a walkable way is a LineString");
    if (f.kind == GEOMAP_LANDMARK && !f.name)
        fail(l, KERR_INVALID, path, "a landmark needs a name");
    if (l->err != e0 || (l->rep && content_report_total(l->rep) != err0)) return;
    if (!grow(l, (void **)&m->f, &l->cap_f, m->n_f + 1, sizeof *m->f)) return;
    m->f[m->n_f++] = f;
}

/* A Feature: its geometry, a Multi- one (MultiPoint, MultiLineString,
 * MultiPolygon, common in OSM exports) read as one feature per part with
 * the same properties. */
static void feature(struct ld *l, const cJSON *ft, size_t idx)
{
    static const char *const multi[][2] = {
        {"MultiPoint", "Point"}, {"MultiLineString", "LineString"}, {"MultiPolygon", "Polygon"}};
    char path[64], gpath[96], cpath[PATH_LEN];
    const cJSON *g, *type, *co, *part;
    const char *t;
    snprintf(path, sizeof path, "$.features[%zu]", idx);
    if (!cJSON_IsObject(ft) || !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(ft, "type")) ||
        strcmp(cJSON_GetObjectItemCaseSensitive(ft, "type")->valuestring, "Feature") != 0) {
        fail(l, KERR_INVALID, path, "expected a Feature object");
        return;
    }
    g = cJSON_GetObjectItemCaseSensitive(ft, "geometry");
    snprintf(gpath, sizeof gpath, "%s.geometry", path);
    if (!cJSON_IsObject(g)) {
        fail(l, KERR_INVALID, gpath, "missing geometry");
        return;
    }
    type = cJSON_GetObjectItemCaseSensitive(g, "type");
    co = cJSON_GetObjectItemCaseSensitive(g, "coordinates");
    t = cJSON_IsString(type) ? type->valuestring : "";
    snprintf(cpath, sizeof cpath, "%s.coordinates", gpath);
    for (size_t k = 0; k < sizeof multi / sizeof multi[0]; k++) {
        size_t i = 0;
        if (strcmp(t, multi[k][0]) != 0) continue;
        if (!cJSON_IsArray(co) || cJSON_GetArraySize(co) < 1) {
            fail(l, KERR_INVALID, cpath, "a %s needs at least one part", t);
            return;
        }
        cJSON_ArrayForEach(part, co)
        {
            char pp[PATH_LEN + 24];
            snprintf(pp, sizeof pp, "%s[%zu]", cpath, i++);
            feature_part(l, ft, idx, multi[k][1], part, pp);
        }
        return;
    }
    feature_part(l, ft, idx, t, co, cpath);
}

static double num_or(struct ld *l, const cJSON *obj, const char *key, double def, double lo,
                     double hi)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    char p[PATH_LEN];
    if (!v) return def;
    if (!cJSON_IsNumber(v) || !(v->valuedouble >= lo && v->valuedouble <= hi)) {
        snprintf(p, sizeof p, "$.walking.%s", key);
        fail(l, KERR_INVALID, p, "must be a number from %g to %g", lo, hi);
        return def;
    }
    return v->valuedouble;
}

/* Every tower of the content has an entrance. */
static void check_towers(struct ld *l)
{
    const struct content *c = l->c;
    if (!c) return;
    for (size_t t = 0; t < c->n_towers; t++) {
        bool door = false;
        size_t fp = SIZE_MAX;
        char p[PATH_LEN];
        for (size_t i = 0; i < l->m->n_f; i++) {
            const struct geomap_feature *f = &l->m->f[i];
            if (!f->tower_id || strcmp(f->tower_id, c->towers[t].id) != 0) continue;
            if (f->kind == GEOMAP_ENTRANCE) door = true;
            if (f->kind == GEOMAP_TOWER && fp == SIZE_MAX) fp = f->index;
        }
        if (door) continue;
        if (fp != SIZE_MAX)
            snprintf(p, sizeof p, "$.features[%zu]", fp);
        else
            snprintf(p, sizeof p, "$");
        fail(l, KERR_INVALID, p, "tower \"%s\" has no entrance (a Point with \"tower\": \"%s\")",
             c->towers[t].id, c->towers[t].id);
    }
}

/* A loaded map and the strings it owns (the map is the first member, so
 * geomap_free gets back to its owner). */
struct geomap_owned {
    struct geomap m;
    char **strs;
    size_t n_strs;
};

static void owned_free(struct geomap_owned *o);
void geomap_free(struct geomap *m)
{
    owned_free((struct geomap_owned *)m);
}

static void owned_free(struct geomap_owned *o)
{
    if (!o) return;
    for (size_t i = 0; i < o->n_strs; i++) free(o->strs[i]);
    free(o->strs);
    free(o->m.pts);
    free(o->m.ring_len);
    free(o->m.f);
    free(o);
}

enum kerr geomap_load_mem(const char *json, size_t len, const struct content *c,
                          struct geomap **out, struct content_report *rep)
{
    struct geomap_owned *o = calloc(1, sizeof *o);
    struct ld l;
    cJSON *root = NULL;
    const cJSON *v, *bb, *feats;
    *out = NULL;
    memset(&l, 0, sizeof l);
    l.rep = rep;
    l.c = c;
    if (!o) {
        if (rep) content_report_add(rep, GEOMAP_FILE, "$", "out of memory");
        return KERR_NOMEM;
    }
    l.m = &o->m;
    geomap_walking_defaults(&o->m.walking);
    if (len > GEOMAP_MAX_FILE_BYTES) {
        fail(&l, KERR_TOOBIG, "$", "%zu bytes is over the limit of %u", len, GEOMAP_MAX_FILE_BYTES);
        goto done;
    }
    if (!utf8_valid(json, len)) {
        fail(&l, KERR_UTF8, "$", "the file is not valid UTF-8");
        goto done;
    }
    root = cJSON_ParseWithLength(json, len);
    if (!root || !cJSON_IsObject(root)) {
        fail(&l, KERR_PARSE, "$", "not a JSON object");
        goto done;
    }
    v = cJSON_GetObjectItemCaseSensitive(root, "type");
    if (!cJSON_IsString(v) || strcmp(v->valuestring, "FeatureCollection") != 0) {
        fail(&l, KERR_INVALID, "$.type", "must be \"FeatureCollection\"");
        goto done;
    }
    bb = cJSON_GetObjectItemCaseSensitive(root, "bbox");
    if (!cJSON_IsArray(bb) || cJSON_GetArraySize(bb) != 4) {
        fail(&l, KERR_INVALID, "$.bbox",
             "the district's bounding box [west, south, east, north] is required");
        goto done;
    }
    for (int i = 0; i < 4; i++) {
        const cJSON *n = cJSON_GetArrayItem(bb, i);
        if (!cJSON_IsNumber(n) || !isfinite(n->valuedouble)) {
            fail(&l, KERR_INVALID, "$.bbox", "expected 4 numbers");
            goto done;
        }
        o->m.bbox[i] = n->valuedouble;
    }
    if (!(o->m.bbox[0] < o->m.bbox[2] && o->m.bbox[1] < o->m.bbox[3]) || o->m.bbox[0] < -180 ||
        o->m.bbox[2] > 180 || o->m.bbox[1] < -90 || o->m.bbox[3] > 90 ||
        o->m.bbox[2] - o->m.bbox[0] > 0.5 || o->m.bbox[3] - o->m.bbox[1] > 0.5) {
        fail(&l, KERR_INVALID, "$.bbox",
             "must be west < east and south < north, in degrees, at most 0.5 degrees across");
        goto done;
    }
    v = cJSON_GetObjectItemCaseSensitive(root, "sample");
    if (v && !cJSON_IsBool(v)) fail(&l, KERR_INVALID, "$.sample", "must be true or false");
    o->m.sample = cJSON_IsTrue(v);
    v = cJSON_GetObjectItemCaseSensitive(root, "walking");
    if (v && !cJSON_IsObject(v)) fail(&l, KERR_INVALID, "$.walking", "expected an object");
    if (cJSON_IsObject(v)) {
        struct geomap_walking *w = &o->m.walking;
        w->speed_mps = num_or(&l, v, "speed_mps", w->speed_mps, 0.2, 3);
        w->steps_factor = num_or(&l, v, "steps_factor", w->steps_factor, 1, 10);
        w->lift_wait_s = num_or(&l, v, "lift_wait_s", w->lift_wait_s, 0, 600);
        w->lift_s_per_floor = num_or(&l, v, "lift_s_per_floor", w->lift_s_per_floor, 0, 60);
        w->elder_speed_mps = num_or(&l, v, "elder_speed_mps", w->elder_speed_mps, 0.2, 3);
    }
    v = cJSON_GetObjectItemCaseSensitive(root, "route_url");
    if (v) {
        o->m.route_url = str_prop(&l, v, "$.route_url");
        if (o->m.route_url && strncmp(o->m.route_url, "https://", 8) != 0)
            fail(&l, KERR_INVALID, "$.route_url", "must start with https://");
    }
    feats = cJSON_GetObjectItemCaseSensitive(root, "features");
    if (!cJSON_IsArray(feats)) {
        fail(&l, KERR_INVALID, "$.features", "expected an array of features");
        goto done;
    }
    {
        size_t i = 0;
        const cJSON *ft;
        cJSON_ArrayForEach(ft, feats)
        {
            if (l.err == KERR_NOMEM || l.err == KERR_TOOBIG) break;
            feature(&l, ft, i++);
        }
    }
    if (l.err == KERR_OK) check_towers(&l);
done:
    cJSON_Delete(root);
    o->strs = l.strs;
    o->n_strs = l.n_strs;
    if (l.err != KERR_OK) {
        owned_free(o);
        return l.err;
    }
    *out = &o->m;
    return KERR_OK;
}

enum kerr geomap_load(const char *dir, const struct content *c, struct geomap **out,
                      struct content_report *rep)
{
    struct stat st;
    char *buf = NULL;
    const char *why = "cannot be opened";
    enum kerr res = KERR_IO;
    int fd;
    *out = NULL;
    if (!dir) {
        if (rep) content_report_add(rep, GEOMAP_FILE, "$", "no bundle folder");
        return KERR_USAGE;
    }
    /* like every file of a bundle: no symlink, no FIFO, regular files only */
    fd = bundlefs_open(dir, GEOMAP_FILE, &st, &why, &res);
    if (fd < 0) {
        if (rep) content_report_add(rep, GEOMAP_FILE, "$", "%s", why);
        return res;
    }
    if ((unsigned long long)st.st_size > GEOMAP_MAX_FILE_BYTES) {
        close(fd);
        if (rep)
            content_report_add(rep, GEOMAP_FILE, "$", "larger than %u bytes", GEOMAP_MAX_FILE_BYTES);
        return KERR_TOOBIG;
    }
    res = bundlefs_read_all(fd, (size_t)st.st_size, &buf);
    close(fd);
    if (res != KERR_OK) {
        if (rep) content_report_add(rep, GEOMAP_FILE, "$", "cannot read the file");
        return res;
    }
    res = geomap_load_mem(buf, (size_t)st.st_size, c, out, rep);
    free(buf);
    return res;
}
