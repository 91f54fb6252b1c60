/* geomap: the district map of a content bundle -- map.geojson, a GeoJSON
 * FeatureCollection (RFC 7946, WGS 84 lon/lat) beside content.json. Tower
 * footprints (Polygon with `tower`), entrances (Point with `tower` and
 * `entrance`), walkable ways (LineString: `steps`, `indoor`, `level`,
 * `name`) and features for orientation (`kind`: street, park, water, plaza,
 * building, landmark). Foreign members of the collection give the district's
 * bounding box (`bbox`, required), whether it is sample data (`sample`), the
 * walking model (`walking`) and the phone link template (`route_url`).
 * Format: docs/content-guide.md "地图". geomap_load() parses and validates
 * the file and returns a whole valid map or nothing; every problem is
 * reported as "map.geojson: JSON-PATH: reason". The walk network's
 * connectivity is checked by walk_build (walk.h). Read-only after load; any
 * thread may load, any thread may read a loaded map. */
#ifndef GEOMAP_H
#define GEOMAP_H

#include <stdbool.h>
#include <stddef.h>

#include "content.h"
#include "kerr.h"

#define GEOMAP_FILE "map.geojson"
#define GEOMAP_MAX_FILE_BYTES (16u * 1024u * 1024u)
#define GEOMAP_MAX_POINTS 2000000u /* positions in the whole file */

struct geomap_pt {
    double lon, lat; /* degrees, WGS 84 */
};

enum geomap_kind {
    GEOMAP_TOWER,    /* footprint of a tower of content.json */
    GEOMAP_ENTRANCE, /* a tower's door, on the walk network */
    GEOMAP_WAY,      /* walkable line */
    GEOMAP_STREET,   /* road (Polygon or LineString), for orientation only */
    GEOMAP_PARK,
    GEOMAP_WATER,
    GEOMAP_PLAZA,
    GEOMAP_BUILDING, /* a building that is not one of the towers */
    GEOMAP_LANDMARK, /* Point or Polygon with a name */
    GEOMAP__KINDS
};

enum geomap_geom { GEOMAP_POINT, GEOMAP_LINE, GEOMAP_POLYGON };

struct geomap_feature {
    enum geomap_kind kind;
    enum geomap_geom geom;
    size_t index;         /* position in $.features, for reports */
    const char *tower_id; /* GEOMAP_TOWER / GEOMAP_ENTRANCE, else NULL */
    const char *entrance; /* entrance name ("北门"), NULL when none */
    const char *name;     /* `name` (Chinese), NULL when none */
    const char *name_en;  /* `name:en`, NULL when none */
    bool steps, indoor;   /* ways */
    int level;            /* ways: 0 = ground */
    size_t first, n;      /* points pts[first .. first+n); polygons: every ring, closed */
    size_t ring0, n_rings; /* polygons: ring lengths ring_len[ring0 ..]; outer ring first */
};

/* The walking model (defaults in brackets). */
struct geomap_walking {
    double speed_mps;        /* [1.0] metres per second on the level */
    double steps_factor;     /* [2.0] steps take this many times longer */
    double lift_wait_s;      /* [60] waiting for a lift */
    double lift_s_per_floor; /* [3] riding it, per floor */
    double elder_speed_mps;  /* [0.8] elder mode */
};

struct geomap {
    double bbox[4]; /* west, south, east, north */
    bool sample;    /* the geometry is invented: say 示例 on the map */
    struct geomap_walking walking;
    const char *route_url; /* "…{lon}…{lat}…{name}…", NULL when none */
    struct geomap_pt *pts;
    size_t n_pts;
    size_t *ring_len;
    size_t n_ring_len;
    struct geomap_feature *f;
    size_t n_f;
};

/* The default walking model. */
void geomap_walking_defaults(struct geomap_walking *w);

/* Loads and validates dir/map.geojson. c (may be NULL: no reference check)
 * gives the towers that `tower` may name; every tower of c then needs an
 * entrance. On KERR_OK *out is a whole valid map (geomap_free). Otherwise
 * *out is NULL and rep (may be NULL) holds at least one line: KERR_NOTFOUND
 * (no file: a bundle without a map), KERR_IO, KERR_TOOBIG, KERR_PARSE,
 * KERR_UTF8, KERR_INVALID, KERR_NOMEM. Never crashes on any input. */
enum kerr geomap_load(const char *dir, const struct content *c, struct geomap **out,
                      struct content_report *rep);

/* Same from memory (tests, fuzzer). */
enum kerr geomap_load_mem(const char *json, size_t len, const struct content *c,
                          struct geomap **out, struct content_report *rep);

/* Frees m; NULL is fine. */
void geomap_free(struct geomap *m);

/* Geodesic distance in metres between two points (haversine on the mean
 * earth radius; under 0.3 % from the ellipsoid at these scales). */
double geomap_metres(struct geomap_pt a, struct geomap_pt b);

/* Initial compass bearing from a to b, degrees clockwise from north. */
double geomap_bearing(struct geomap_pt a, struct geomap_pt b);

/* The JSON name of a kind ("street"). */
const char *geomap_kind_key(enum geomap_kind k);

#endif
