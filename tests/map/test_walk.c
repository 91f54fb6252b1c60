/* walk_routes_match_known_lengths: on the hand-made network of
 * map_fixture.h, the nearest list and the routes have the lengths and times
 * known by construction; the step-free route avoids the stair; vertices
 * 0.3 m apart are one node; a named entrance is honoured; a place behind a
 * stair is unreachable step-free. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "geomap.h"
#include "ktest.h"
#include "map_fixture.h"
#include "walk.h"

#define NEAR(a, b) (fabs((a) - (b)) < 0.01)

static bool has_step(const struct walk_route *r, const char *needle)
{
    for (size_t i = 0; i < r->n_steps; i++)
        if (strstr(r->steps[i][0], needle) || strstr(r->steps[i][1], needle)) return true;
    return false;
}

int main(void)
{
    static char buf[1 << 16];
    struct content *c = NULL;
    struct geomap *m = NULL;
    struct walk_graph *g = NULL;
    struct walk *w = NULL, *wn = NULL, *we = NULL;
    struct content_report rep;
    char why[200];
    size_t len = fx_map(buf, sizeof buf, "");
    const struct walk_place *list[16];
    size_t n;
    struct walk_route r;

    content_report_init(&rep);
    CHECK(content_load_mem(fx_content, strlen(fx_content), NULL, &c, &rep) == KERR_OK);
    if (!c) {
        content_report_print(&rep, stderr);
        return ktest_done("walk_routes_match_known_lengths");
    }
    CHECK(geomap_load_mem(buf, len, c, &m, &rep) == KERR_OK);
    CHECK(m && walk_build(m, &g, &rep) == KERR_OK);
    content_report_print(&rep, stderr);
    if (!g) return ktest_done("walk_routes_match_known_lengths");
    CHECK(m->sample);
    CHECK(m->walking.speed_mps == 1.0 && m->walking.lift_wait_s == 60);
    /* 8 distinct points: (0,0) (100,0) (200,0) (300,0) (100,40) (100,80)
     * (160,40) (200,40) (0,50); (200,0.3) merged */
    CHECK(g->n_nodes == 9);
    CHECK(walk_create(c, g, "ta", NULL, false, &w, why, sizeof why) == KERR_OK);
    CHECK(walk_create(c, g, "ta", "北门", false, &wn, why, sizeof why) == KERR_OK);
    CHECK(walk_create(c, g, "ta", "西门", false, &we, why, sizeof why) == KERR_INVALID);
    CHECK(strstr(why, "西门") != NULL);
    CHECK(walk_create(c, g, "zz", NULL, false, &we, why, sizeof why) == KERR_INVALID);
    walk_free(we);
    we = NULL;
    CHECK(walk_create(c, g, "ta", NULL, true, &we, why, sizeof why) == KERR_OK);
    if (!w || !wn || !we) return ktest_done("walk_routes_match_known_lengths");

    /* places: 4 orgs with a tower + 1 nursing room; "ox" has no place */
    walk_places(w, &n);
    CHECK(n == 5);
    CHECK(walk_place(w, "ox") == NULL);

    {
        const struct walk_place *a = walk_place(w, "oa"), *b = walk_place(w, "ob"),
                                *cc = walk_place(w, "oc"), *mr = walk_place(w, "mr"),
                                *d = walk_place(w, "od");
        CHECK(a && NEAR(a->seconds[0], 60 + 3 * 2) && NEAR(a->metres[0], 0));
        CHECK(b && NEAR(b->metres[0], 200) && NEAR(b->seconds[0], 240 + 60 + 3 * 4));
        CHECK(b && NEAR(b->metres[1], 280) && NEAR(b->seconds[1], 280 + 72));
        CHECK(cc && NEAR(cc->metres[0], 300) && NEAR(cc->seconds[0], 300));
        CHECK(mr && NEAR(mr->seconds[0], 300 + 63));
        CHECK(d && d->reachable[0] && !d->reachable[1]);
        CHECK(d && NEAR(d->metres[0], 180) && NEAR(d->seconds[0], 100 + 160));
        /* from the north door: 50 m more */
        CHECK(NEAR(walk_place(wn, "oc")->metres[0], 350));
        /* elder mode: 0.8 m/s */
        CHECK(NEAR(walk_place(we, "oc")->seconds[0], 300 / 0.8));
    }

    /* nearest: by seconds */
    n = walk_nearest(w, WALK_ALL, NULL, false, list, 16);
    CHECK(n == 5);
    CHECK_STR(list[0]->id, "oa");
    CHECK_STR(list[1]->id, "od");
    CHECK_STR(list[2]->id, "oc");
    CHECK_STR(list[3]->id, "ob");
    CHECK_STR(list[4]->id, "mr");
    n = walk_nearest(w, WALK_ALL, NULL, true, list, 16);
    CHECK(n == 4); /* od only by the stair */
    n = walk_nearest(w, WALK_PARTY, NULL, false, list, 1);
    CHECK(n == 2 && strcmp(list[0]->id, "od") == 0);
    n = walk_nearest(w, WALK_NURSING, NULL, false, list, 16);
    CHECK(n == 1 && strcmp(list[0]->id, "mr") == 0);

    /* the route to B: by the stair, or around it */
    CHECK(walk_route(w, "ob", false, &r) == KERR_OK);
    CHECK(NEAR(r.metres, 200) && r.n_pts == 4);
    CHECK(has_step(&r, "走台阶"));
    CHECK(has_step(&r, "出大堂向东 100 米"));
    CHECK(has_step(&r, "进入B座，乘电梯到 5 层"));
    CHECK(has_step(&r, "Enter Tower B and take the lift to floor 5"));
    CHECK(r.pts[0].lon == 0 && fabs(r.pts[r.n_pts - 1].lon - 160 * FX_U) < 1e-9);
    walk_route_free(&r);
    CHECK(walk_route(w, "ob", true, &r) == KERR_OK);
    CHECK(NEAR(r.metres, 280) && r.n_pts == 5);
    CHECK(!has_step(&r, "台阶"));
    CHECK(has_step(&r, "出大堂向东 200 米"));
    CHECK(has_step(&r, "沿坡道向北 40 米"));
    CHECK(has_step(&r, "Walk west along 中路, 40 m"));
    walk_route_free(&r);
    CHECK(walk_route(w, "od", true, &r) == KERR_INVALID);
    CHECK(walk_route(w, "nope", false, &r) == KERR_NOTFOUND);
    CHECK(walk_route(w, "oa", false, &r) == KERR_OK);
    CHECK(r.n_pts == 1 && r.n_steps == 1 && has_step(&r, "就在本楼：乘电梯到 3 层"));
    walk_route_free(&r);

    CHECK(walk_minutes(0) == 1 && walk_minutes(60) == 1 && walk_minutes(61) == 2);
    CHECK(walk_round_metres(283) == 280 && walk_round_metres(42) == 40 && walk_round_metres(1) == 5);

    walk_free(w);
    walk_free(wn);
    walk_free(we);
    walk_graph_free(g);
    geomap_free(m);
    content_free(c);
    return ktest_done("walk_routes_match_known_lengths");
}
