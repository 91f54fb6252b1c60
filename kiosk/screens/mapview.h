/* mapview: the district map as a widget, for the circle and place screens.
 * The map (footprints, streets, ways, park, the shaded ten-minute area, a
 * route, the markers) is drawn by cairo (mapdraw), anti-aliased, on a worker
 * thread (mapworker) into a cache a margin larger than the view; panning
 * copies the visible part of it (no drawing), and a zoom rescales the cache
 * at once (a coarse preview) while the worker draws the new level band by
 * band into it; a pan nearing the margin shifts the cache and the worker
 * draws it again around the new centre. The UI thread never
 * draws the map. Labels (tower names, streets, 您在这里) are the kiosk's
 * own cached texts drawn on top, so Chinese looks as everywhere else. Pan by
 * drag, zoom by pinch or ＋ / －, 回到当前位置 re-centres. The state lives
 * in a screen's state (zeroed on enter); mapview_release frees the cache
 * (call it from leave). UI thread only. */
#ifndef MAPVIEW_H
#define MAPVIEW_H

#include <stdbool.h>
#include <stdint.h>

#include "app.h"
#include "geomap.h"
#include "mapworker.h"

#define MAPVIEW_LEVELS 5

struct mapview_overlay {
    bool isochrone;               /* shade what is reachable in 10 minutes */
    bool step_free;               /* for the shading */
    const struct geomap_pt *route; /* a path to draw, n_route points (may be NULL) */
    size_t n_route;
    bool have_dest;
    struct geomap_pt dest;         /* destination marker */
    const char *dest_label;        /* its pill, e.g. "C座 12层" (may be NULL) */
    uint32_t key;                  /* changes whenever the above change */
};

struct mapview {
    bool inited, have_ext;
    int level;            /* 0 = the whole district */
    double cx, cy;        /* view centre, metres east/north of the map's centre */
    double ext[4];        /* the features' extent, metres: x0 y0 x1 y1 */
    float pinch;          /* pinch gathered towards the next level (1 = none) */
    int vw, vh;           /* the view, physical px */
    /* the cache: drawn by the worker, a margin larger than the view */
    struct mapworker *worker;
    struct mapbuf front;  /* what is shown; px NULL until the first drawing */
    bool posted;          /* a job is being drawn into front */
    uint32_t job_serial;  /* its number: bands of other jobs are dropped */
    uint32_t serial;      /* changes whenever front's pixels change */
    size_t peak_bytes;    /* the most the map held (logged by mapview_release) */
    SDL_Surface *view;    /* a window into front (no copy) */
    int vox, voy;
    SDL_Texture *tex;     /* GPU renderers: the view as a texture */
    uint32_t tex_serial;
};

/* Draws the map in r (logical) with its controls, takes pan/pinch/zoom
 * input. Does nothing when the app has no service circle. */
void mapview_frame(struct app *a, struct mapview *v, struct ui_rect r,
                   const struct mapview_overlay *ov);

/* Centres the view on p at zoom level at least min_level (next frame). */
void mapview_focus(struct mapview *v, const struct geomap *m, struct geomap_pt p, int min_level);

/* Stops the worker and frees the cache; the state may be used again (it
 * draws anew). */
void mapview_release(struct mapview *v);

#endif
