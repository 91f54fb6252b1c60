/* walk_nearest_equals_brute_force: on the default bundle, for every filter
 * chip and both route kinds, the nearest list holds exactly the places a
 * brute-force check finds (Bellman-Ford over every edge, then every place
 * and every entrance of its tower tried), with the same times, in order. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "geomap.h"
#include "ktest.h"
#include "walk.h"

struct expect {
    const char *id;
    int group;
    double seconds;
    bool ok;
};

static int group_of(const char *type)
{
    if (!strcmp(type, "party_branch") || !strcmp(type, "tower_party_branch")) return WALK_PARTY;
    if (!strcmp(type, "service_centre") || !strcmp(type, "grid_station")) return WALK_SERVICE;
    if (!strcmp(type, "union")) return WALK_UNION;
    if (!strcmp(type, "youth_league")) return WALK_YOUTH;
    if (!strcmp(type, "womens_committee")) return WALK_WOMEN;
    if (!strcmp(type, "nursing_room")) return WALK_NURSING;
    return WALK_OTHER;
}

static double lift(const struct geomap *m, const struct content_place *p)
{
    int f = p->has_floor ? p->floor : 1;
    int n = f >= 1 ? f - 1 : -f;
    return n ? m->walking.lift_wait_s + m->walking.lift_s_per_floor * n : 0;
}

static void brute(const struct content *c, const struct geomap *m, const struct walk_graph *g,
                  const char *tower, bool sf, struct expect *ex, size_t *nex)
{
    double *d = malloc(g->n_nodes * sizeof *d);
    uint32_t origin = UINT32_MAX;
    bool changed = true;
    for (size_t i = 0; i < m->n_f && origin == UINT32_MAX; i++)
        if (m->f[i].kind == GEOMAP_ENTRANCE && !strcmp(m->f[i].tower_id, tower)) origin = g->door_node[i];
    for (size_t i = 0; i < g->n_nodes; i++) d[i] = INFINITY;
    d[origin] = 0;
    while (changed) {
        changed = false;
        for (size_t u = 0; u < g->n_nodes; u++)
            for (uint32_t e = g->adj_start[u]; e < g->adj_start[u + 1]; e++) {
                const struct walk_edge *ed = &g->adj[e];
                double cost;
                if (sf && ed->steps) continue;
                cost = ed->metres / m->walking.speed_mps * (ed->steps ? m->walking.steps_factor : 1);
                if (d[u] + cost < d[ed->to] - 1e-9) {
                    d[ed->to] = d[u] + cost;
                    changed = true;
                }
            }
    }
    *nex = 0;
    for (size_t k = 0; k < c->n_orgs + c->n_nursing_rooms; k++) {
        const struct content_place *p;
        struct expect e = {0};
        if (k < c->n_orgs) {
            p = &c->orgs[k].place;
            e.id = c->orgs[k].id;
            e.group = group_of(content_org_type_key(c->orgs[k].type));
        } else {
            p = &c->nursing_rooms[k - c->n_orgs].place;
            e.id = c->nursing_rooms[k - c->n_orgs].id;
            e.group = WALK_NURSING;
        }
        if (!p->tower_id) continue;
        e.seconds = INFINITY;
        if (!strcmp(p->tower_id, tower)) e.seconds = 0;
        for (size_t i = 0; i < m->n_f; i++)
            if (m->f[i].kind == GEOMAP_ENTRANCE && !strcmp(m->f[i].tower_id, p->tower_id) &&
                d[g->door_node[i]] < e.seconds)
                e.seconds = d[g->door_node[i]];
        e.ok = isfinite(e.seconds);
        e.seconds += lift(m, p);
        ex[(*nex)++] = e;
    }
    free(d);
}

int main(int argc, char **argv)
{
    struct content *c = NULL;
    struct geomap *m = NULL;
    struct walk_graph *g = NULL;
    struct content_report rep;
    const char *towers[] = {"t01", "t07", "t13"};
    size_t compared = 0;
    content_report_init(&rep);
    if (argc < 2) return 2;
    CHECK(content_load(argv[1], &c, &rep) == KERR_OK);
    CHECK(c && geomap_load(argv[1], c, &m, &rep) == KERR_OK);
    CHECK(m && walk_build(m, &g, &rep) == KERR_OK);
    content_report_print(&rep, stderr);
    if (!g) return ktest_done("walk_nearest_equals_brute_force");
    for (size_t t = 0; t < 3; t++) {
        struct walk *w = NULL;
        char why[200];
        size_t np;
        struct expect *ex;
        const struct walk_place **list;
        CHECK(walk_create(c, g, towers[t], NULL, false, &w, why, sizeof why) == KERR_OK);
        if (!w) continue;
        walk_places(w, &np);
        ex = calloc(np + c->n_orgs + c->n_nursing_rooms, sizeof *ex);
        list = calloc(np + 1, sizeof *list);
        for (int sf = 0; sf < 2; sf++) {
            size_t nex;
            brute(c, m, g, towers[t], sf, ex, &nex);
            CHECK(nex == np);
            for (int grp = 0; grp < WALK__GROUPS; grp++) {
                size_t want = 0, n = walk_nearest(w, grp, NULL, sf, list, np);
                for (size_t i = 0; i < nex; i++)
                    if (ex[i].ok && (grp == WALK_ALL || ex[i].group == grp)) want++;
                CHECK(n == want);
                for (size_t i = 0; i < n && i < np; i++) {
                    const struct expect *e = NULL;
                    for (size_t k = 0; k < nex; k++)
                        if (!strcmp(ex[k].id, list[i]->id)) e = &ex[k];
                    CHECK(e && e->ok && fabs(e->seconds - list[i]->seconds[sf]) < 1e-6);
                    CHECK(grp == WALK_ALL || (e && e->group == grp));
                    if (i) CHECK(list[i - 1]->seconds[sf] <= list[i]->seconds[sf]);
                    compared++;
                }
            }
        }
        free(ex);
        free(list);
        walk_free(w);
    }
    printf("compared %zu list entries with the brute force\n", compared);
    CHECK(compared > 500);
    walk_graph_free(g);
    geomap_free(m);
    content_free(c);
    return ktest_done("walk_nearest_equals_brute_force");
}
