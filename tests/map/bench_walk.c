/* walk_bench: figures, printed, never asserted. Start-up cost of the map
 * (load + graph + the two Dijkstra runs) and its memory; nearest (all
 * places, sorted) and a route, p50/p99, on the default bundle and on a
 * generated network of 10,000 nodes (a 100 x 100 grid of ways, 10 m apart,
 * some of them steps, fixed seed); the same with the circle rebuilt for
 * every query (cold). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "geomap.h"
#include "walk.h"

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmpd(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void pct(const char *what, double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmpd);
    printf("bench %s n=%zu p50_us=%.1f p99_us=%.1f max_us=%.1f\n", what, n, v[n / 2],
           v[n * 99 / 100], v[n - 1]);
}

static void run(const char *name, const struct content *c, const struct geomap *m, int iters)
{
    struct walk_graph *g = NULL;
    struct walk *w = NULL;
    char why[200];
    double t0 = now_us(), t1, t2, *v = malloc((size_t)iters * sizeof *v);
    size_t np, mem;
    const struct walk_place **list;
    unsigned seed = 7;
    char label[128];
    if (walk_build(m, &g, NULL) != KERR_OK) {
        printf("bench %s: graph not built\n", name);
        return;
    }
    t1 = now_us();
    walk_create(c, g, "t01", NULL, false, &w, why, sizeof why);
    t2 = now_us();
    if (!w) {
        printf("bench %s: %s\n", name, why);
        return;
    }
    walk_places(w, &np);
    mem = m->n_pts * sizeof *m->pts + m->n_f * sizeof *m->f + g->n_nodes * (sizeof *g->node + 4) +
          g->n_adj * sizeof *g->adj + g->n_nodes * 2 * (8 + 8 + 4 + 4) + np * sizeof(struct walk_place);
    printf("bench %s nodes=%zu edges=%zu places=%zu graph_ms=%.2f circle_ms=%.2f model_kb=%zu\n",
           name, g->n_nodes, g->n_adj / 2, np, (t1 - t0) / 1000, (t2 - t1) / 1000, mem / 1024);
    list = malloc(np * sizeof *list);
    for (int i = 0; i < iters; i++) {
        double a = now_us();
        walk_nearest(w, (enum walk_group)(i % WALK__GROUPS), NULL, i & 1, list, np);
        v[i] = now_us() - a;
    }
    snprintf(label, sizeof label, "%s_nearest", name);
    pct(label, v, (size_t)iters);
    {
        size_t n;
        const struct walk_place *pl = walk_places(w, &n);
        for (int i = 0; i < iters; i++) {
            struct walk_route r;
            double a;
            seed = seed * 1103515245u + 12345u;
            a = now_us();
            if (walk_route(w, pl[(seed >> 8) % n].id, false, &r) == KERR_OK) walk_route_free(&r);
            v[i] = now_us() - a;
        }
        snprintf(label, sizeof label, "%s_route", name);
        pct(label, v, (size_t)iters);
        for (int i = 0; i < iters / 10; i++) { /* cold: the circle built for each query */
            struct walk *w2 = NULL;
            struct walk_route r;
            double a = now_us();
            walk_create(c, g, "t01", NULL, false, &w2, why, sizeof why);
            walk_nearest(w2, WALK_PARTY, NULL, false, list, np);
            if (walk_route(w2, pl[i % n].id, false, &r) == KERR_OK) walk_route_free(&r);
            v[i] = now_us() - a;
            walk_free(w2);
        }
        snprintf(label, sizeof label, "%s_cold_nearest_and_route", name);
        pct(label, v, (size_t)iters / 10);
    }
    free(list);
    free(v);
    walk_free(w);
    walk_graph_free(g);
}

/* A 100 x 100 grid, towers t01..t13 at fixed grid points. */
static char *grid_map(size_t *len)
{
    const double U = 180.0 / (M_PI * 6371008.8), LON = 120.12, LAT = 30.26;
    size_t cap = 8u << 20, n = 0;
    char *b = malloc(cap);
    unsigned seed = 12345;
    n += (size_t)snprintf(b + n, cap - n,
                          "{\"type\":\"FeatureCollection\",\"bbox\":[%.7f,%.7f,%.7f,%.7f],\"features\":[",
                          LON - 0.001, LAT - 0.001, LON + 1100 * U / cos(LAT * M_PI / 180),
                          LAT + 1100 * U);
    for (int dir = 0; dir < 2; dir++)
        for (int i = 0; i < 100; i++) {
            seed = seed * 1103515245u + 12345u;
            n += (size_t)snprintf(b + n, cap - n,
                                  "%s{\"type\":\"Feature\",\"properties\":{\"steps\":%s},\"geometry\":"
                                  "{\"type\":\"LineString\",\"coordinates\":[",
                                  dir || i ? "," : "", (seed >> 16) % 10 == 0 ? "true" : "false");
            for (int j = 0; j < 100; j++) {
                double x = (dir ? i : j) * 10.0, y = (dir ? j : i) * 10.0;
                n += (size_t)snprintf(b + n, cap - n, "%s[%.7f,%.7f]", j ? "," : "",
                                      LON + x * U / cos(LAT * M_PI / 180), LAT + y * U);
            }
            n += (size_t)snprintf(b + n, cap - n, "]}}");
        }
    for (int t = 0; t < 13; t++) {
        int gx = (t * 37) % 100, gy = (t * 53 + 11) % 100;
        n += (size_t)snprintf(b + n, cap - n,
                              ",{\"type\":\"Feature\",\"properties\":{\"tower\":\"t%02d\",\"entrance\":\"门\"},"
                              "\"geometry\":{\"type\":\"Point\",\"coordinates\":[%.7f,%.7f]}}",
                              t + 1, LON + gx * 10.0 * U / cos(LAT * M_PI / 180), LAT + gy * 10.0 * U);
    }
    n += (size_t)snprintf(b + n, cap - n, "]}");
    *len = n;
    return b;
}

int main(int argc, char **argv)
{
    struct content *c = NULL;
    struct geomap *m = NULL, *m2 = NULL;
    double t0, t1;
    size_t len;
    char *big;
    if (argc < 2 || content_load(argv[1], &c, NULL) != KERR_OK) return 1;
    t0 = now_us();
    if (geomap_load(argv[1], c, &m, NULL) != KERR_OK) return 1;
    t1 = now_us();
    printf("bench default map_load_ms=%.2f features=%zu points=%zu\n", (t1 - t0) / 1000, m->n_f,
           m->n_pts);
    run("default", c, m, 20000);
    big = grid_map(&len);
    t0 = now_us();
    if (geomap_load_mem(big, len, c, &m2, NULL) != KERR_OK) return 1;
    t1 = now_us();
    printf("bench grid10k map_load_ms=%.2f bytes=%zu\n", (t1 - t0) / 1000, len);
    run("grid10k", c, m2, 2000);
    free(big);
    geomap_free(m2);
    geomap_free(m);
    content_free(c);
    return 0;
}
