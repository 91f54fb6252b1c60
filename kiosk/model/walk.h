/* walk: the ten-minute service circle. walk_build() turns a map's walkable
 * ways into a graph once (vertices within 0.5 m merged into one node, edges
 * weighted by geodesic length) and checks it is one network (an island is
 * reported naming its ways). walk_create() places this kiosk at its tower's
 * entrance, makes every organisation and nursing room of the content a
 * place, and computes the walking time from here to every node, with and
 * without steps (two Dijkstra runs, done once). A place's time = walk to
 * the best entrance of its tower + lift (wait + per floor above or below
 * the ground floor). After that, the nearest list and a route are lookups.
 * The graph and the circle are read-only after creation and borrow the map
 * and content they were made from (keep those alive). Any thread. Code:
 * walk.c (graph, circle, nearest), walk_steps.c (walk_route and its steps in
 * words, display rounding), sharing walk_impl.h. */
#ifndef WALK_H
#define WALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "content.h"
#include "geomap.h"
#include "kerr.h"

#define WALK_MERGE_M 0.5 /* vertices closer than this are one node */

struct walk_edge {
    uint32_t to;
    uint32_t feature; /* index into map->f of the way */
    float metres;
    bool steps;
};

struct walk_graph {
    const struct geomap *map;
    struct geomap_pt *node; /* n_nodes positions */
    size_t n_nodes;
    uint32_t *adj_start;    /* n_nodes + 1: node i's edges are adj[adj_start[i] ..] */
    struct walk_edge *adj;  /* each way segment twice (both directions) */
    size_t n_adj;
    uint32_t *door_node;    /* per map feature: its node if an entrance, else UINT32_MAX */
};

/* Builds the graph of m's ways. On KERR_OK *out is the graph
 * (walk_graph_free). KERR_INVALID when an entrance is not on a way or the
 * network is not connected (each island reported once on rep, e.g.
 * "map.geojson: $.features[40]: the walk network is not connected: ..."),
 * KERR_NOMEM. *out is NULL on failure. */
enum kerr walk_build(const struct geomap *m, struct walk_graph **out, struct content_report *rep);
void walk_graph_free(struct walk_graph *g);

/* What the filter chips of the circle screen select. */
enum walk_group {
    WALK_ALL,     /* 全部 */
    WALK_PARTY,   /* 党组织: party_branch, tower_party_branch */
    WALK_SERVICE, /* 党群服务: service_centre, grid_station */
    WALK_UNION,   /* 工会 */
    WALK_YOUTH,   /* 团组织 */
    WALK_WOMEN,   /* 妇联: womens_committee */
    WALK_NURSING, /* 妈咪小屋 */
    WALK_OTHER,   /* the rest (only under 全部) */
    WALK__GROUPS
};

/* "party", "service", ... ; walk_group_parse accepts these and a type key
 * ("party_branch", "nursing_room"): returns false when it knows neither. */
const char *walk_group_key(enum walk_group g);
bool walk_group_parse(const char *s, enum walk_group *g, const char **type_key);

struct walk_place {
    const char *id;
    const char *type_key;          /* "party_branch" ... "nursing_room" */
    enum walk_group group;
    const struct content_text *name;
    const struct content_text *kind; /* "党支部" / "妈咪小屋" */
    const struct content_place *place;
    const struct content_text *hours; /* zh NULL when none */
    const char *phone;                /* NULL when none */
    int floor;                        /* place floor, 1 when not given */
    /* [0] any way, [1] step-free */
    bool reachable[2];
    double seconds[2], metres[2];
    uint32_t door[2]; /* node of the entrance used, UINT32_MAX: in this tower */
};

struct walk;

/* The circle from tower_id's entrance (named entrance, or the first one
 * when entrance is NULL/""). elder: walk at the elder speed. Keeps
 * pointers to c, g and g->map. KERR_INVALID (why says: unknown tower, no
 * entrance of that name) or KERR_NOMEM; *out NULL then. tower_id NULL or
 * "": a circle without a location (a kiosk whose config names no tower):
 * every place is listed (walk_nearest in bundle order) and has a map
 * position (its tower's first entrance), none is reachable and there is no
 * route and no shading; walk_has_here says so. */
enum kerr walk_create(const struct content *c, const struct walk_graph *g, const char *tower_id,
                      const char *entrance, bool elder, struct walk **out, char *why,
                      size_t whysz);
void walk_free(struct walk *w);

/* Up to max reachable places of group (type_key, if not NULL, narrows it
 * to one type) by walking time (then metres, then id) into out; returns
 * how many there are in all. Without a location: every place of the group,
 * in bundle order. */
size_t walk_nearest(const struct walk *w, enum walk_group group, const char *type_key,
                    bool step_free, const struct walk_place **out, size_t max);

/* Every place (bundle order: orgs, then nursing rooms). */
const struct walk_place *walk_places(const struct walk *w, size_t *n);
const struct walk_place *walk_place(const struct walk *w, const char *id);
/* Where the kiosk stands (the map's centre when it has no location). */
struct geomap_pt walk_here(const struct walk *w);
/* False for a circle made without a tower (no location, no walking times). */
bool walk_has_here(const struct walk *w);
const struct walk_graph *walk_graph(const struct walk *w);
/* Seconds of walking from here to each node (INFINITY: unreachable). */
const double *walk_node_seconds(const struct walk *w, bool step_free);
/* The map position of a place (its entrance; here when in this tower). */
struct geomap_pt walk_place_pt(const struct walk *w, const struct walk_place *p, bool step_free);

#define WALK_MAX_STEPS 24
#define WALK_STEP_LEN 200
struct walk_route {
    const struct walk_place *to;
    double seconds, metres, walk_s, lift_s;
    struct geomap_pt *pts; /* the path from here, n_pts >= 1 */
    size_t n_pts;
    size_t n_steps;
    char steps[WALK_MAX_STEPS][2][WALK_STEP_LEN]; /* [zh, en] "出大堂向东 120 米" */
};

/* The route to place id. KERR_NOTFOUND (no such place), KERR_INVALID (not
 * reachable, e.g. only by steps when step_free), KERR_NOMEM. On KERR_OK
 * free r with walk_route_free. */
enum kerr walk_route(const struct walk *w, const char *id, bool step_free, struct walk_route *r);
void walk_route_free(struct walk_route *r);

/* Whole minutes shown for a time (at least 1) and metres rounded for
 * display (to 5 m under 100 m, else to 10 m). */
int walk_minutes(double seconds);
int walk_round_metres(double metres);

#endif
