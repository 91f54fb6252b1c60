/* walk: the walk graph (walk_build) and the circle (walk_create, the
 * nearest places); the route and its steps in words are in walk_steps.c.
 * Contracts in walk.h. */
#include "walk.h"
#include "walk_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEG (M_PI / 180.0)
#define EARTH_R 6371008.8
#define NONE WALK_NONE

/* ---- building the graph ------------------------------------------------- */

/* Vertices are merged through a hash of 0.5 m cells in a local plane: a
 * vertex joins a node of its own or a neighbouring cell within 0.5 m. */
struct grid {
    int64_t *key;    /* cell key per slot, INT64_MIN = empty */
    uint32_t *head;  /* first node in the cell */
    uint32_t *next;  /* next node in the same cell, per node */
    size_t mask;
    double lat0, lon0, kx, ky;
};

static int64_t cell_key(int64_t cx, int64_t cy)
{
    return (int64_t)(((uint64_t)cx << 32) ^ ((uint64_t)cy & 0xFFFFFFFFu));
}

static size_t slot_of(const struct grid *h, int64_t k)
{
    uint64_t x = (uint64_t)k * 0x9E3779B97F4A7C15ull;
    size_t i = (size_t)(x >> 17) & h->mask;
    while (h->key[i] != INT64_MIN && h->key[i] != k) i = (i + 1) & h->mask;
    return i;
}

static void local_xy(const struct grid *h, struct geomap_pt p, double *x, double *y)
{
    *x = (p.lon - h->lon0) * h->kx;
    *y = (p.lat - h->lat0) * h->ky;
}

/* The node within WALK_MERGE_M of p, or NONE. *best gets the distance of
 * the nearest node looked at (for messages). */
static uint32_t grid_find(const struct grid *h, const struct geomap_pt *nodes, struct geomap_pt p,
                          double *best)
{
    double x, y;
    int64_t cx, cy;
    uint32_t found = NONE;
    local_xy(h, p, &x, &y);
    cx = (int64_t)floor(x / WALK_MERGE_M);
    cy = (int64_t)floor(y / WALK_MERGE_M);
    if (best) *best = INFINITY;
    for (int64_t dx = -1; dx <= 1; dx++)
        for (int64_t dy = -1; dy <= 1; dy++) {
            size_t s = slot_of(h, cell_key(cx + dx, cy + dy));
            if (h->key[s] == INT64_MIN) continue;
            for (uint32_t n = h->head[s]; n != NONE; n = h->next[n]) {
                double nx, ny, d;
                local_xy(h, nodes[n], &nx, &ny);
                d = hypot(nx - x, ny - y);
                if (best && d < *best) *best = d;
                if (d <= WALK_MERGE_M && found == NONE) found = n;
            }
        }
    return found;
}

static void grid_add(struct grid *h, struct geomap_pt p, uint32_t n)
{
    double x, y;
    size_t s;
    local_xy(h, p, &x, &y);
    s = slot_of(h, cell_key((int64_t)floor(x / WALK_MERGE_M), (int64_t)floor(y / WALK_MERGE_M)));
    if (h->key[s] == INT64_MIN) {
        h->key[s] = cell_key((int64_t)floor(x / WALK_MERGE_M), (int64_t)floor(y / WALK_MERGE_M));
        h->head[s] = NONE;
    }
    h->next[n] = h->head[s];
    h->head[s] = n;
}

void walk_graph_free(struct walk_graph *g)
{
    if (!g) return;
    free(g->node);
    free(g->adj_start);
    free(g->adj);
    free(g->door_node);
    free(g);
}

struct tmp_edge {
    uint32_t a, b, feature;
    float metres;
    bool steps;
};

/* Reports every component but the largest, naming up to three of its ways. */
static bool check_islands(const struct walk_graph *g, struct content_report *rep)
{
    uint32_t *comp = malloc(g->n_nodes * sizeof *comp), *stack = malloc(g->n_nodes * sizeof *stack);
    size_t *size = calloc(g->n_nodes + 1, sizeof *size);
    uint32_t ncomp = 0, big = 0;
    bool ok = true;
    if (!comp || !stack || !size) {
        free(comp);
        free(stack);
        free(size);
        if (rep) content_report_add(rep, GEOMAP_FILE, "$", "out of memory");
        return false;
    }
    for (size_t i = 0; i < g->n_nodes; i++) comp[i] = NONE;
    for (size_t s = 0; s < g->n_nodes; s++) {
        size_t top = 0;
        if (comp[s] != NONE) continue;
        comp[s] = ncomp;
        stack[top++] = (uint32_t)s;
        while (top) {
            uint32_t u = stack[--top];
            size[ncomp]++;
            for (uint32_t e = g->adj_start[u]; e < g->adj_start[u + 1]; e++)
                if (comp[g->adj[e].to] == NONE) {
                    comp[g->adj[e].to] = ncomp;
                    stack[top++] = g->adj[e].to;
                }
        }
        if (size[ncomp] > size[big]) big = ncomp;
        ncomp++;
    }
    for (uint32_t c = 0; c < ncomp; c++) {
        char names[200] = "";
        size_t first = SIZE_MAX, nways = 0, len = 0;
        uint32_t last_f = NONE;
        if (c == big) continue;
        ok = false;
        /* the ways of the island, in feature order */
        for (size_t fi = 0; fi < g->map->n_f; fi++) {
            const struct geomap_feature *f = &g->map->f[fi];
            bool in = false;
            if (f->kind != GEOMAP_WAY) continue;
            for (size_t u = 0; u < g->n_nodes && !in; u++)
                if (comp[u] == c)
                    for (uint32_t e = g->adj_start[u]; e < g->adj_start[u + 1]; e++)
                        if (g->adj[e].feature == fi) {
                            in = true;
                            break;
                        }
            if (!in || fi == last_f) continue;
            last_f = (uint32_t)fi;
            if (first == SIZE_MAX) first = f->index;
            if (nways < 3 && len < sizeof names - 60)
                len += (size_t)snprintf(names + len, sizeof names - len, "%s%s", nways ? ", " : "",
                                        f->name ? f->name : "");
            if (nways < 3 && !f->name && len < sizeof names - 30)
                len += (size_t)snprintf(names + len, sizeof names - len, "$.features[%zu]",
                                        f->index);
            nways++;
        }
        if (rep) {
            char p[48];
            snprintf(p, sizeof p, "$.features[%zu]", first == SIZE_MAX ? (size_t)0 : first);
            content_report_add(rep, GEOMAP_FILE, p,
                               "the walk network is not connected: an island of %zu way%s (%s%s) "
                               "cannot be reached from the rest",
                               nways, nways == 1 ? "" : "s", names, nways > 3 ? ", ..." : "");
        }
    }
    free(comp);
    free(stack);
    free(size);
    return ok;
}

enum kerr walk_build(const struct geomap *m, struct walk_graph **out, struct content_report *rep)
{
    struct walk_graph *g = calloc(1, sizeof *g);
    struct grid h;
    struct tmp_edge *te = NULL;
    size_t nte = 0, nvert = 0, cap;
    uint32_t *deg = NULL;
    enum kerr res = KERR_NOMEM;
    *out = NULL;
    memset(&h, 0, sizeof h);
    if (!g) goto fail;
    g->map = m;
    for (size_t i = 0; i < m->n_f; i++)
        if (m->f[i].kind == GEOMAP_WAY) nvert += m->f[i].n;
    for (cap = 64; cap < nvert * 2 + 16; cap *= 2) {
    }
    h.key = malloc(cap * sizeof *h.key);
    h.head = malloc(cap * sizeof *h.head);
    h.next = malloc((nvert + 1) * sizeof *h.next);
    g->node = malloc((nvert + 1) * sizeof *g->node);
    te = malloc((nvert + 1) * sizeof *te);
    g->door_node = malloc((m->n_f + 1) * sizeof *g->door_node);
    if (!h.key || !h.head || !h.next || !g->node || !te || !g->door_node) goto fail;
    for (size_t i = 0; i < cap; i++) h.key[i] = INT64_MIN;
    h.mask = cap - 1;
    h.lat0 = (m->bbox[1] + m->bbox[3]) / 2;
    h.lon0 = (m->bbox[0] + m->bbox[2]) / 2;
    h.ky = EARTH_R * DEG;
    h.kx = h.ky * cos(h.lat0 * DEG);
    for (size_t i = 0; i < m->n_f; i++) {
        const struct geomap_feature *f = &m->f[i];
        uint32_t prev = NONE;
        if (f->kind != GEOMAP_WAY) continue;
        for (size_t k = 0; k < f->n; k++) {
            struct geomap_pt p = m->pts[f->first + k];
            uint32_t n = grid_find(&h, g->node, p, NULL);
            if (n == NONE) {
                n = (uint32_t)g->n_nodes++;
                g->node[n] = p;
                grid_add(&h, p, n);
            }
            if (prev != NONE && prev != n) {
                te[nte].a = prev;
                te[nte].b = n;
                te[nte].feature = (uint32_t)i;
                te[nte].metres = (float)geomap_metres(g->node[prev], g->node[n]);
                te[nte].steps = f->steps;
                nte++;
            }
            prev = n;
        }
    }
    deg = calloc(g->n_nodes + 1, sizeof *deg);
    g->adj_start = malloc((g->n_nodes + 1) * sizeof *g->adj_start);
    g->adj = malloc((nte * 2 + 1) * sizeof *g->adj);
    if (!deg || !g->adj_start || !g->adj) goto fail;
    for (size_t e = 0; e < nte; e++) {
        deg[te[e].a]++;
        deg[te[e].b]++;
    }
    g->adj_start[0] = 0;
    for (size_t n = 0; n < g->n_nodes; n++) g->adj_start[n + 1] = g->adj_start[n] + deg[n];
    memset(deg, 0, (g->n_nodes + 1) * sizeof *deg);
    for (size_t e = 0; e < nte; e++) {
        struct walk_edge ab = {te[e].b, te[e].feature, te[e].metres, te[e].steps};
        struct walk_edge ba = {te[e].a, te[e].feature, te[e].metres, te[e].steps};
        g->adj[g->adj_start[te[e].a] + deg[te[e].a]++] = ab;
        g->adj[g->adj_start[te[e].b] + deg[te[e].b]++] = ba;
    }
    g->n_adj = nte * 2;
    res = KERR_OK;
    for (size_t i = 0; i < m->n_f; i++) {
        const struct geomap_feature *f = &m->f[i];
        double best;
        g->door_node[i] = NONE;
        if (f->kind != GEOMAP_ENTRANCE) continue;
        g->door_node[i] = grid_find(&h, g->node, m->pts[f->first], &best);
        if (g->door_node[i] == NONE) {
            char p[64];
            snprintf(p, sizeof p, "$.features[%zu].geometry", f->index);
            if (rep) {
                if (isfinite(best))
                    content_report_add(rep, GEOMAP_FILE, p,
                                       "entrance of tower \"%s\" is not on a walkable way (the "
                                       "nearest way point is %.1f m away; at most %.1f m)",
                                       f->tower_id, best, WALK_MERGE_M);
                else
                    content_report_add(rep, GEOMAP_FILE, p,
                                       "entrance of tower \"%s\" is not on a walkable way (put a "
                                       "way's vertex on it)",
                                       f->tower_id);
            }
            res = KERR_INVALID;
        }
    }
    if (g->n_nodes == 0) {
        if (rep) content_report_add(rep, GEOMAP_FILE, "$.features", "no walkable way (LineString)");
        res = KERR_INVALID;
    } else if (!check_islands(g, rep)) {
        res = KERR_INVALID;
    }
    if (res != KERR_OK) goto fail_quiet;
    free(h.key);
    free(h.head);
    free(h.next);
    free(te);
    free(deg);
    *out = g;
    return KERR_OK;
fail:
    if (rep) content_report_add(rep, GEOMAP_FILE, "$", "out of memory");
fail_quiet:
    free(h.key);
    free(h.head);
    free(h.next);
    free(te);
    free(deg);
    walk_graph_free(g);
    return res;
}

/* ---- places and the circle ----------------------------------------------- */

static const char *const group_keys[WALK__GROUPS] = {
    "all", "party", "service", "union", "youth", "women", "nursing", "other",
};

static const struct content_text nursing_label = {"妈咪小屋", "Nursing room"};

const char *walk_group_key(enum walk_group g)
{
    return (unsigned)g < WALK__GROUPS ? group_keys[g] : "?";
}

static enum walk_group group_of_type(enum content_org_type t)
{
    switch (t) {
    case CONTENT_ORG_PARTY_BRANCH:
    case CONTENT_ORG_TOWER_PARTY_BRANCH:
        return WALK_PARTY;
    case CONTENT_ORG_SERVICE_CENTRE:
    case CONTENT_ORG_GRID_STATION:
        return WALK_SERVICE;
    case CONTENT_ORG_UNION:
        return WALK_UNION;
    case CONTENT_ORG_YOUTH_LEAGUE:
        return WALK_YOUTH;
    case CONTENT_ORG_WOMENS_COMMITTEE:
        return WALK_WOMEN;
    default:
        return WALK_OTHER;
    }
}

bool walk_group_parse(const char *s, enum walk_group *g, const char **type_key)
{
    *type_key = NULL;
    for (int k = 0; k < WALK__GROUPS; k++)
        if (strcmp(s, group_keys[k]) == 0) {
            *g = (enum walk_group)k;
            return true;
        }
    if (strcmp(s, "nursing_room") == 0) {
        *g = WALK_NURSING;
        *type_key = "nursing_room";
        return true;
    }
    for (int t = 0; t < CONTENT_ORG__COUNT; t++)
        if (strcmp(s, content_org_type_key((enum content_org_type)t)) == 0) {
            *g = group_of_type((enum content_org_type)t);
            *type_key = content_org_type_key((enum content_org_type)t);
            return true;
        }
    return false;
}

/* A binary heap of (seconds, node) with lazy deletion. */
struct heap_item {
    double t;
    uint32_t n;
};

static void heap_push(struct heap_item *hp, size_t *n, double t, uint32_t node)
{
    size_t i = (*n)++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (hp[p].t <= t) break;
        hp[i] = hp[p];
        i = p;
    }
    hp[i] = (struct heap_item){t, node};
}

static struct heap_item heap_pop(struct heap_item *hp, size_t *n)
{
    struct heap_item top = hp[0], last = hp[--(*n)];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= *n) break;
        if (c + 1 < *n && hp[c + 1].t < hp[c].t) c++;
        if (hp[c].t >= last.t) break;
        hp[i] = hp[c];
        i = c;
    }
    if (*n) hp[i] = last;
    return top;
}

/* Single-source shortest walking times from w->origin (step_free: no
 * steps). Each edge is pushed at most once per relaxation: the heap holds
 * at most n_adj + 1 items. */
static bool dijkstra(struct walk *w, int sf, const struct geomap_walking *wk)
{
    const struct walk_graph *g = w->g;
    size_t n = g->n_nodes, hn = 0;
    struct heap_item *hp = malloc((g->n_adj + 2) * sizeof *hp);
    double *t = w->sec[sf], *mt = w->met[sf];
    if (!hp) return false;
    for (size_t i = 0; i < n; i++) {
        t[i] = INFINITY;
        mt[i] = INFINITY;
        w->prev[sf][i] = NONE;
        w->prev_edge[sf][i] = NONE;
    }
    t[w->origin] = 0;
    mt[w->origin] = 0;
    heap_push(hp, &hn, 0, w->origin);
    while (hn) {
        struct heap_item it = heap_pop(hp, &hn);
        uint32_t u = it.n;
        if (it.t > t[u]) continue;
        for (uint32_t e = g->adj_start[u]; e < g->adj_start[u + 1]; e++) {
            const struct walk_edge *ed = &g->adj[e];
            double c;
            if (ed->steps && sf) continue;
            c = ed->metres / w->speed * (ed->steps ? wk->steps_factor : 1.0);
            if (t[u] + c < t[ed->to]) {
                t[ed->to] = t[u] + c;
                mt[ed->to] = mt[u] + ed->metres;
                w->prev[sf][ed->to] = u;
                w->prev_edge[sf][ed->to] = e;
                heap_push(hp, &hn, t[ed->to], ed->to);
            }
        }
    }
    free(hp);
    return true;
}

double walk_lift_seconds(const struct geomap_walking *wk, int floor)
{
    int floors = floor >= 1 ? floor - 1 : -floor; /* no floor 0 */
    return floors > 0 ? wk->lift_wait_s + wk->lift_s_per_floor * floors : 0;
}

static void place_times(struct walk *w, struct walk_place *p, const struct geomap_walking *wk)
{
    const struct geomap *m = w->g->map;
    double lift = walk_lift_seconds(wk, p->floor);
    for (int sf = 0; sf < 2; sf++) {
        p->reachable[sf] = false;
        p->door[sf] = NONE;
        if (!w->tower_id) { /* no location: the place's first entrance, for the map */
            for (size_t i = 0; i < m->n_f && p->door[sf] == NONE; i++)
                if (w->g->door_node[i] != NONE && strcmp(m->f[i].tower_id, p->place->tower_id) == 0)
                    p->door[sf] = w->g->door_node[i];
            continue;
        }
        if (strcmp(p->place->tower_id, w->tower_id) == 0) {
            p->reachable[sf] = true;
            p->seconds[sf] = lift;
            p->metres[sf] = 0;
            continue;
        }
        for (size_t i = 0; i < m->n_f; i++) {
            uint32_t d = w->g->door_node[i];
            if (d == NONE || strcmp(m->f[i].tower_id, p->place->tower_id) != 0) continue;
            if (!isfinite(w->sec[sf][d])) continue;
            if (!p->reachable[sf] || w->sec[sf][d] + lift < p->seconds[sf]) {
                p->reachable[sf] = true;
                p->seconds[sf] = w->sec[sf][d] + lift;
                p->metres[sf] = w->met[sf][d];
                p->door[sf] = d;
            }
        }
    }
}

void walk_free(struct walk *w)
{
    if (!w) return;
    for (int i = 0; i < 2; i++) {
        free(w->sec[i]);
        free(w->met[i]);
        free(w->prev[i]);
        free(w->prev_edge[i]);
    }
    free(w->places);
    free(w);
}

enum kerr walk_create(const struct content *c, const struct walk_graph *g, const char *tower_id,
                      const char *entrance, bool elder, struct walk **out, char *why,
                      size_t whysz)
{
    struct walk *w;
    const struct geomap *m = g->map;
    const struct geomap_walking *wk = &m->walking;
    size_t n = 0;
    bool here = tower_id && *tower_id;
    *out = NULL;
    if (here && !content_tower(c, tower_id)) {
        snprintf(why, whysz, "tower_id \"%s\" is not a tower of the content", tower_id);
        return KERR_INVALID;
    }
    w = calloc(1, sizeof *w);
    if (!w) return KERR_NOMEM;
    w->c = c;
    w->g = g;
    w->tower_id = here ? content_tower(c, tower_id)->id : NULL;
    w->speed = elder ? wk->elder_speed_mps : wk->speed_mps;
    w->origin = NONE;
    for (size_t i = 0; here && i < m->n_f && w->origin == NONE; i++) {
        const struct geomap_feature *f = &m->f[i];
        if (f->kind != GEOMAP_ENTRANCE || strcmp(f->tower_id, tower_id) != 0) continue;
        if (entrance && *entrance && (!f->entrance || strcmp(f->entrance, entrance) != 0)) continue;
        w->origin = g->door_node[i];
    }
    if (here && w->origin == NONE) {
        snprintf(why, whysz, "tower \"%s\" has no entrance%s%s%s on the map", tower_id,
                 entrance && *entrance ? " named \"" : "", entrance && *entrance ? entrance : "",
                 entrance && *entrance ? "\"" : "");
        walk_free(w);
        return KERR_INVALID;
    }
    for (int i = 0; i < 2; i++) {
        w->sec[i] = malloc(g->n_nodes * sizeof *w->sec[i]);
        w->met[i] = malloc(g->n_nodes * sizeof *w->met[i]);
        w->prev[i] = malloc(g->n_nodes * sizeof *w->prev[i]);
        w->prev_edge[i] = malloc(g->n_nodes * sizeof *w->prev_edge[i]);
        if (!w->sec[i] || !w->met[i] || !w->prev[i] || !w->prev_edge[i]) {
            walk_free(w);
            return KERR_NOMEM;
        }
        if (!here) { /* no location: nothing is reachable, nothing is shaded */
            for (size_t k = 0; k < g->n_nodes; k++) {
                w->sec[i][k] = w->met[i][k] = INFINITY;
                w->prev[i][k] = w->prev_edge[i][k] = NONE;
            }
        } else if (!dijkstra(w, i, wk)) {
            walk_free(w);
            return KERR_NOMEM;
        }
    }
    w->places = calloc(c->n_orgs + c->n_nursing_rooms + 1, sizeof *w->places);
    if (!w->places) {
        walk_free(w);
        return KERR_NOMEM;
    }
    for (size_t i = 0; i < c->n_orgs; i++) {
        const struct content_org *o = &c->orgs[i];
        struct walk_place *p = &w->places[n];
        if (!o->place.tower_id) continue; /* not in a tower: not on the map */
        p->id = o->id;
        p->type_key = content_org_type_key(o->type);
        p->group = group_of_type(o->type);
        p->name = &o->name;
        p->kind = content_org_type_label(o->type);
        p->place = &o->place;
        p->hours = &o->hours;
        p->phone = o->phone;
        p->floor = o->place.has_floor ? o->place.floor : 1;
        place_times(w, p, wk);
        n++;
    }
    for (size_t i = 0; i < c->n_nursing_rooms; i++) {
        const struct content_nursing_room *r = &c->nursing_rooms[i];
        struct walk_place *p = &w->places[n++];
        p->id = r->id;
        p->type_key = "nursing_room";
        p->group = WALK_NURSING;
        p->name = &r->name;
        p->kind = &nursing_label;
        p->place = &r->place;
        p->hours = &r->hours;
        p->phone = NULL;
        p->floor = r->place.has_floor ? r->place.floor : 1;
        place_times(w, p, wk);
    }
    w->n_places = n;
    *out = w;
    return KERR_OK;
}

static int cmp_place(const struct walk_place *a, const struct walk_place *b, int sf)
{
    if (a->seconds[sf] != b->seconds[sf]) return a->seconds[sf] < b->seconds[sf] ? -1 : 1;
    if (a->metres[sf] != b->metres[sf]) return a->metres[sf] < b->metres[sf] ? -1 : 1;
    return strcmp(a->id, b->id);
}

size_t walk_nearest(const struct walk *w, enum walk_group group, const char *type_key,
                    bool step_free, const struct walk_place **out, size_t max)
{
    int sf = step_free ? 1 : 0;
    size_t total = 0, k = 0;
    for (size_t i = 0; i < w->n_places; i++) {
        const struct walk_place *p = &w->places[i];
        size_t j;
        if (!p->reachable[sf] && w->tower_id) continue;
        if (group != WALK_ALL && p->group != group) continue;
        if (type_key && strcmp(p->type_key, type_key) != 0) continue;
        total++;
        if (!w->tower_id) { /* no location: bundle order */
            if (k < max) out[k++] = p;
            continue;
        }
        /* insertion into the first max: the lists are short */
        if (k == max && (max == 0 || cmp_place(p, out[max - 1], sf) >= 0)) continue;
        j = k < max ? k++ : max - 1;
        while (j > 0 && cmp_place(p, out[j - 1], sf) < 0) {
            out[j] = out[j - 1];
            j--;
        }
        out[j] = p;
    }
    return total;
}

const struct walk_place *walk_places(const struct walk *w, size_t *n)
{
    *n = w->n_places;
    return w->places;
}

const struct walk_place *walk_place(const struct walk *w, const char *id)
{
    for (size_t i = 0; id && i < w->n_places; i++)
        if (strcmp(w->places[i].id, id) == 0) return &w->places[i];
    return NULL;
}

struct geomap_pt walk_here(const struct walk *w)
{
    const double *b = w->g->map->bbox;
    if (w->origin == NONE) return (struct geomap_pt){(b[0] + b[2]) / 2, (b[1] + b[3]) / 2};
    return w->g->node[w->origin];
}

bool walk_has_here(const struct walk *w)
{
    return w->origin != NONE;
}

const struct walk_graph *walk_graph(const struct walk *w)
{
    return w->g;
}

const double *walk_node_seconds(const struct walk *w, bool step_free)
{
    return w->sec[step_free ? 1 : 0];
}

struct geomap_pt walk_place_pt(const struct walk *w, const struct walk_place *p, bool step_free)
{
    uint32_t d = p->door[step_free ? 1 : 0];
    return d == NONE ? walk_here(w) : w->g->node[d];
}
