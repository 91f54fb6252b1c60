/* walk_impl.h: what walk.c (the graph and the circle) and walk_steps.c (routes
 * in words) share. Included by these two files only. */
#ifndef WALK_IMPL_H
#define WALK_IMPL_H

#include <stdint.h>

#include "walk.h"

#define WALK_NONE UINT32_MAX /* no node, no edge */

/* The circle (walk_create): places, and both Dijkstra runs from the origin
 * ([0] any way, [1] step-free), with each node's previous node and edge on
 * its shortest path (WALK_NONE at the origin and where unreachable). */
struct walk {
    const struct content *c;
    const struct walk_graph *g;
    struct walk_place *places;
    size_t n_places;
    const char *tower_id;
    uint32_t origin; /* WALK_NONE: a circle without a location */
    double speed;
    double *sec[2], *met[2]; /* per node, from the origin */
    uint32_t *prev[2], *prev_edge[2];
};

/* Seconds spent on the lift to floor (waiting + riding) under the walking
 * model wk; 0 on the ground floor (1; there is no floor 0). */
double walk_lift_seconds(const struct geomap_walking *wk, int floor);

#endif
