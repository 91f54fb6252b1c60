/* mapdraw: the district map drawn with cairo into a caller's ARGB32 pixels:
 * park, plaza, water, streets, the shaded ten-minute area, buildings, the
 * towers (this kiosk's in red), the walkable ways, a route and the markers.
 * No SDL, no app or ui call and no state outside its arguments, so the map
 * worker (mapworker.h) runs it off the UI thread. The shaded area is
 * rasterised once per zoom level into a coverage mask (struct mapdraw_shade,
 * owned by the caller) and only blended into each drawing. The walk, the
 * content and the map are read-only and must outlive the call. */
#ifndef MAPDRAW_H
#define MAPDRAW_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "content.h"
#include "geomap.h"
#include "walk.h"

#define MAPDRAW_BG 0xEFEAE0u /* the paper colour of the map, RGB */

/* Degrees to metres (equirectangular at the map's mid latitude), and
 * metres to pixels: s pixels per metre, (ox, oy) the metres at pixel (0, 0)
 * (x east, y north). */
struct mapdraw_proj {
    double lon0, lat0, kx, ky;
    double s, ox, oy;
};

/* The projection of m with s = ox = oy = 0. */
void mapdraw_proj_init(struct mapdraw_proj *p, const struct geomap *m);
/* g in metres east/north of the map's centre. */
void mapdraw_to_m(const struct mapdraw_proj *p, struct geomap_pt g, double *x, double *y);
/* g in pixels of the target. */
void mapdraw_to_px(const struct mapdraw_proj *p, struct geomap_pt g, double *x, double *y);

/* What is drawn over the base map. route (n_route points) may be NULL. */
struct mapdraw_overlay {
    bool isochrone; /* shade what is reachable in ten minutes */
    bool step_free; /* for the shading */
    const struct geomap_pt *route;
    size_t n_route;
    bool have_dest;
    struct geomap_pt dest;
};

/* The shaded area of one zoom level: a coverage mask of the reachable ways'
 * bounding box, at most 1024 px a side (a mask pixel covers `down` pixels
 * of the level a side). Zeroed = empty; mapdraw_shade_free frees it. */
struct mapdraw_shade {
    uint8_t *mask;
    int mw, mh;
    double down;      /* level pixels per mask pixel */
    double s;         /* the level's pixels per metre it was made for */
    double x0, y0;    /* metres at the mask's top-left corner */
    bool step_free;
    const struct walk *w;
};

void mapdraw_shade_free(struct mapdraw_shade *sh);

/* Everything one drawing needs. w may be a walk without a location (no
 * marker 您在这里, no shading). here_tower: this kiosk's tower id, or NULL. k:
 * physical pixels per logical unit (line widths). */
struct mapdraw_scene {
    const struct walk *w;
    const char *here_tower;
    struct mapdraw_overlay ov;
    double k;
};

/* Draws the map into px (width w, height h, stride bytes per row, cairo's
 * ARGB32, opaque) with projection p. sh (may be NULL: no shading) is the
 * shade mask cache, made again when p's scale or the overlay changed.
 * cancel (may be NULL) is polled: when it turns true the drawing stops and
 * false is returned (px is then partly drawn). False also when cairo cannot
 * draw (out of memory). */
bool mapdraw_render(uint32_t *px, int w, int h, int stride, const struct mapdraw_proj *p,
                    const struct mapdraw_scene *sc, struct mapdraw_shade *sh,
                    const atomic_bool *cancel);

#endif
