/* walk_steps: what a route looks like to a person -- the path from here to a
 * place, its steps in words in both languages ("出大堂向东 120 米",
 * "进入C座，乘电梯到 12 层"), and the rounding of minutes and metres for
 * display. Reads the circle that walk.c made (walk_impl.h). */
#include "walk.h"
#include "walk_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int walk_minutes(double seconds)
{
    int m = (int)ceil(seconds / 60.0 - 1e-9);
    return m < 1 ? 1 : m;
}

int walk_round_metres(double metres)
{
    if (metres < 100) {
        int r = (int)lround(metres / 5.0) * 5;
        return r < 5 && metres > 0 ? 5 : r;
    }
    return (int)lround(metres / 10.0) * 10;
}

static const char *const dir_zh[8] = {"北", "东北", "东", "东南", "南", "西南", "西", "西北"};
static const char *const dir_en[8] = {"north",      "north-east", "east",       "south-east",
                                      "south",      "south-west", "west",       "north-west"};

static int dir8(double bearing)
{
    return (int)floor(fmod(bearing + 22.5, 360.0) / 45.0) & 7;
}

static void floor_words(int floor, char *zh, size_t zn, char *en, size_t enn)
{
    if (floor < 0) {
        snprintf(zh, zn, "地下 %d 层", -floor);
        snprintf(en, enn, "basement %d", -floor);
    } else {
        snprintf(zh, zn, "%d 层", floor);
        snprintf(en, enn, "floor %d", floor);
    }
}

static void add_step(struct walk_route *r, const char *zh, const char *en)
{
    if (r->n_steps >= WALK_MAX_STEPS) return;
    snprintf(r->steps[r->n_steps][0], WALK_STEP_LEN, "%s", zh);
    snprintf(r->steps[r->n_steps][1], WALK_STEP_LEN, "%s", en);
    r->n_steps++;
}

struct seg {
    uint32_t from, to, feature;
    bool steps;
    double metres;
};

static void words(const struct walk *w, struct walk_route *r, const uint32_t *nodes,
                  const uint32_t *edges, size_t k)
{
    const struct walk_graph *g = w->g;
    struct seg seg[WALK_MAX_STEPS];
    size_t ns = 0;
    const struct content_tower *t = content_tower(w->c, r->to->place->tower_id);
    const char *tz = t ? content_tr(&t->short_name, CONTENT_ZH) : "";
    const char *te = t ? content_tr(&t->short_name, CONTENT_EN) : "";
    char fz[32], fe[32], zh[WALK_STEP_LEN], en[WALK_STEP_LEN];
    /* edges i: nodes[i] -> nodes[i+1] */
    for (size_t i = 0; i < k; i++) {
        const struct walk_edge *e = &g->adj[edges[i]];
        double b = geomap_bearing(g->node[nodes[i]], g->node[nodes[i + 1]]);
        if (ns > 0) {
            struct seg *s = &seg[ns - 1];
            double sb = geomap_bearing(g->node[s->from], g->node[s->to]);
            double diff = fabs(fmod(b - sb + 540.0, 360.0) - 180.0);
            if ((s->feature == e->feature && s->steps == e->steps && diff < 35) ||
                e->metres < 3 || ns == WALK_MAX_STEPS - 1) {
                s->to = nodes[i + 1];
                s->metres += e->metres;
                continue;
            }
        }
        seg[ns++] = (struct seg){nodes[i], nodes[i + 1], e->feature, e->steps, e->metres};
    }
    for (size_t i = 0; i < ns; i++) {
        const struct geomap_feature *f = &g->map->f[seg[i].feature];
        int d = dir8(geomap_bearing(g->node[seg[i].from], g->node[seg[i].to]));
        int m = walk_round_metres(seg[i].metres);
        if (i == 0 && seg[i].steps) {
            snprintf(zh, sizeof zh, "出大堂后走台阶向%s %d 米", dir_zh[d], m);
            snprintf(en, sizeof en, "Leave the lobby and take the steps %s, %d m", dir_en[d], m);
        } else if (i == 0) {
            snprintf(zh, sizeof zh, "出大堂向%s %d 米", dir_zh[d], m);
            snprintf(en, sizeof en, "Leave the lobby and walk %s, %d m", dir_en[d], m);
        } else if (seg[i].steps) {
            snprintf(zh, sizeof zh, "走台阶向%s %d 米", dir_zh[d], m);
            snprintf(en, sizeof en, "Take the steps %s, %d m", dir_en[d], m);
        } else if (f->name) {
            snprintf(zh, sizeof zh, "沿%s向%s %d 米", f->name, dir_zh[d], m);
            snprintf(en, sizeof en, "Walk %s along %s, %d m", dir_en[d],
                     f->name_en ? f->name_en : f->name, m);
        } else {
            snprintf(zh, sizeof zh, "向%s走 %d 米", dir_zh[d], m);
            snprintf(en, sizeof en, "Walk %s, %d m", dir_en[d], m);
        }
        add_step(r, zh, en);
    }
    floor_words(r->to->floor, fz, sizeof fz, fe, sizeof fe);
    if (k == 0 && r->to->floor == 1) {
        add_step(r, "就在本楼 1 层", "In this tower, on the ground floor");
        return;
    }
    if (k == 0) {
        snprintf(zh, sizeof zh, "就在本楼：乘电梯到 %s", fz);
        snprintf(en, sizeof en, "In this tower: take the lift to %s", fe);
    } else if (r->to->floor == 1) {
        snprintf(zh, sizeof zh, "进入%s，就在 1 层", tz);
        snprintf(en, sizeof en, "Enter %s; it is on the ground floor", te);
    } else {
        snprintf(zh, sizeof zh, "进入%s，乘电梯到 %s", tz, fz);
        snprintf(en, sizeof en, "Enter %s and take the lift to %s", te, fe);
    }
    add_step(r, zh, en);
}

void walk_route_free(struct walk_route *r)
{
    if (!r) return;
    free(r->pts);
    r->pts = NULL;
    r->n_pts = 0;
}

enum kerr walk_route(const struct walk *w, const char *id, bool step_free, struct walk_route *r)
{
    const struct walk_place *p = walk_place(w, id);
    int sf = step_free ? 1 : 0;
    uint32_t *nodes = NULL, *edges = NULL;
    size_t k = 0;
    memset(r, 0, sizeof *r);
    if (!p) return KERR_NOTFOUND;
    if (!p->reachable[sf]) return KERR_INVALID;
    r->to = p;
    r->seconds = p->seconds[sf];
    r->metres = p->metres[sf];
    r->lift_s = walk_lift_seconds(&w->g->map->walking, p->floor);
    r->walk_s = r->seconds - r->lift_s;
    if (p->door[sf] != WALK_NONE)
        for (uint32_t n = p->door[sf]; n != w->origin; n = w->prev[sf][n]) k++;
    r->pts = malloc((k + 1) * sizeof *r->pts);
    nodes = malloc((k + 1) * sizeof *nodes);
    edges = malloc((k + 1) * sizeof *edges);
    if (!r->pts || !nodes || !edges) {
        free(nodes);
        free(edges);
        walk_route_free(r);
        return KERR_NOMEM;
    }
    nodes[k] = p->door[sf] == WALK_NONE ? w->origin : p->door[sf];
    for (size_t i = k; i > 0; i--) {
        edges[i - 1] = w->prev_edge[sf][nodes[i]];
        nodes[i - 1] = w->prev[sf][nodes[i]];
    }
    for (size_t i = 0; i <= k; i++) r->pts[i] = w->g->node[nodes[i]];
    r->n_pts = k + 1;
    words(w, r, nodes, edges, k);
    free(nodes);
    free(edges);
    return KERR_OK;
}
