/* map_reads_multi_geometries: on the hand-made network of map_fixture.h,
 * the same ways and footprints given as MultiLineString and MultiPolygon
 * (as OSM exports write them) load as one feature per part with the same
 * properties, make the same walk graph and the same route lengths; an empty
 * Multi- geometry is refused naming its path. And a circle made without a
 * tower (walk_create with no tower_id) lists every place in bundle order,
 * reaches none and has no route. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geomap.h"
#include "ktest.h"
#include "map_fixture.h"
#include "walk.h"

/* "[x,y]" in degrees for metres x, y into buf at *n. */
static void pt(char *buf, size_t cap, size_t *n, double x, double y, bool comma)
{
    *n += (size_t)snprintf(buf + *n, cap - *n, "%s[%.10f,%.10f]", comma ? "," : "", x * FX_U, y * FX_U);
}

static size_t multi_map(char *buf, size_t cap)
{
    size_t n = fx_begin(buf, cap);
    /* tower ta: two footprints; both named by the same property */
    n += (size_t)snprintf(buf + n, cap - n, "{\"type\":\"Feature\",\"properties\":{\"tower\":\"ta\"},"
                                            "\"geometry\":{\"type\":\"MultiPolygon\",\"coordinates\":[[[");
    pt(buf, cap, &n, -20, 0, false), pt(buf, cap, &n, 20, 0, true), pt(buf, cap, &n, 20, 30, true);
    pt(buf, cap, &n, -20, 30, true), pt(buf, cap, &n, -20, 0, true);
    n += (size_t)snprintf(buf + n, cap - n, "]],[[");
    pt(buf, cap, &n, -20, 40, false), pt(buf, cap, &n, 20, 40, true), pt(buf, cap, &n, 20, 45, true);
    pt(buf, cap, &n, -20, 40, true);
    n += (size_t)snprintf(buf + n, cap - n, "]]]}}");
    fx_add(buf, cap, &n, 'P', "\"tower\":\"ta\",\"entrance\":\"南门\"", 1, (double[]){0, 0});
    fx_add(buf, cap, &n, 'P', "\"tower\":\"ta\",\"entrance\":\"北门\"", 1, (double[]){0, 50});
    fx_add(buf, cap, &n, 'P', "\"tower\":\"tb\",\"entrance\":\"门\"", 1, (double[]){160, 40});
    fx_add(buf, cap, &n, 'P', "\"tower\":\"tc\",\"entrance\":\"门\"", 1, (double[]){300, 0});
    fx_add(buf, cap, &n, 'P', "\"tower\":\"td\",\"entrance\":\"门\"", 1, (double[]){100, 80});
    /* 南路 and 东段 as one MultiLineString of two parts */
    n += (size_t)snprintf(buf + n, cap - n, ",{\"type\":\"Feature\",\"properties\":{\"name\":\"南路\"},"
                                            "\"geometry\":{\"type\":\"MultiLineString\",\"coordinates\":[[");
    pt(buf, cap, &n, 0, 0, false), pt(buf, cap, &n, 100, 0, true), pt(buf, cap, &n, 200, 0, true);
    n += (size_t)snprintf(buf + n, cap - n, "],[");
    pt(buf, cap, &n, 200, 0.3, false), pt(buf, cap, &n, 300, 0, true);
    n += (size_t)snprintf(buf + n, cap - n, "]]}}");
    fx_add(buf, cap, &n, 'L', "\"name\":\"台阶\",\"steps\":true", 3, (double[]){100, 0, 100, 40, 100, 80});
    fx_add(buf, cap, &n, 'L', "\"name\":\"中路\"", 3, (double[]){100, 40, 160, 40, 200, 40});
    fx_add(buf, cap, &n, 'L', "\"name\":\"坡道\"", 2, (double[]){200, 0, 200, 40});
    fx_add(buf, cap, &n, 'L', "\"name\":\"北路\"", 2, (double[]){0, 50, 0, 0});
    fx_end(buf, cap, &n);
    return n;
}

int main(void)
{
    static char buf[1 << 16];
    struct content *c = NULL;
    struct geomap *m = NULL, *bad = NULL;
    struct walk_graph *g = NULL;
    struct walk *w = NULL, *nw = NULL;
    struct content_report rep;
    struct walk_route r;
    const struct walk_place *list[16];
    char why[200];
    size_t len = multi_map(buf, sizeof buf), towers = 0, south = 0, n;
    static const char empty[] =
        "{\"type\":\"FeatureCollection\",\"bbox\":[120.1,30.2,120.2,30.3],\"features\":[{\"type\":\"Feature\","
        "\"properties\":{\"kind\":\"park\"},\"geometry\":{\"type\":\"MultiPolygon\",\"coordinates\":[]}}]}";

    content_report_init(&rep);
    CHECK(content_load_mem(fx_content, strlen(fx_content), NULL, &c, &rep) == KERR_OK);
    if (!c) return ktest_done("map_reads_multi_geometries");
    CHECK(geomap_load_mem(buf, len, c, &m, &rep) == KERR_OK);
    content_report_print(&rep, stderr);
    if (!m) return ktest_done("map_reads_multi_geometries");
    for (size_t i = 0; i < m->n_f; i++) {
        if (m->f[i].kind == GEOMAP_TOWER) {
            towers++;
            CHECK(strcmp(m->f[i].tower_id, "ta") == 0 && m->f[i].index == 0 && m->f[i].n_rings == 1);
        }
        if (m->f[i].name && strcmp(m->f[i].name, "南路") == 0) {
            south++;
            CHECK(m->f[i].kind == GEOMAP_WAY && m->f[i].geom == GEOMAP_LINE && m->f[i].index == 6);
        }
    }
    CHECK(towers == 2); /* one feature per part, same properties */
    CHECK(south == 2);
    CHECK(walk_build(m, &g, &rep) == KERR_OK);
    CHECK(g && g->n_nodes == 9); /* as the single-part map (test_walk.c) */
    if (g) CHECK(walk_create(c, g, "ta", "南门", false, &w, why, sizeof why) == KERR_OK);
    if (w) {
        CHECK(walk_route(w, "oc", false, &r) == KERR_OK);
        CHECK(fabs(r.metres - 300) < 0.01);
        walk_route_free(&r);
    }
    /* an empty Multi- geometry: refused with its path */
    content_report_init(&rep);
    CHECK(geomap_load_mem(empty, strlen(empty), NULL, &bad, &rep) == KERR_INVALID && !bad);
    content_report_print(&rep, stderr);
    CHECK(rep.count >= 1 && strstr(rep.lines[0], "$.features[0].geometry.coordinates") &&
          strstr(rep.lines[0], "at least one part"));

    /* a circle without a location */
    if (g) CHECK(walk_create(c, g, NULL, NULL, false, &nw, why, sizeof why) == KERR_OK);
    if (nw) {
        size_t np;
        const struct walk_place *all = walk_places(nw, &np);
        CHECK(!walk_has_here(nw) && w && walk_has_here(w));
        n = walk_nearest(nw, WALK_ALL, NULL, false, list, 16);
        CHECK(n == np && n == 5); /* 4 organisations in towers + 1 nursing room */
        for (size_t i = 0; i < n && i < 16; i++) {
            CHECK(list[i] == &all[i]); /* bundle order */
            CHECK(!list[i]->reachable[0] && !list[i]->reachable[1]);
        }
        CHECK(walk_nearest(nw, WALK_NURSING, NULL, false, list, 16) == 1 &&
              strcmp(list[0]->id, "mr") == 0);
        CHECK(walk_route(nw, "oc", false, &r) == KERR_INVALID);
        {
            struct geomap_pt d = walk_place_pt(nw, walk_place(nw, "oc"), false);
            CHECK(fabs(d.lon - 300 * FX_U) < 1e-9 && fabs(d.lat) < 1e-9); /* tc's door */
        }
        CHECK(isinf(walk_node_seconds(nw, false)[0]));
    }
    walk_free(nw);
    walk_free(w);
    walk_graph_free(g);
    geomap_free(m);
    content_free(c);
    return ktest_done("map_reads_multi_geometries");
}
