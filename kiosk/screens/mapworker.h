/* mapworker: draws the map (mapdraw) off the UI thread. The map widget
 * (mapview) posts a job -- a zoom level and centre, the size of its cache,
 * the overlay -- and keeps showing what it has; the worker thread draws the
 * job into its own buffer and calls app_wake (the one app call made from
 * another thread). On a later frame the UI thread takes the result: the
 * worker's buffer becomes the cache and the old cache is freed, so the map
 * holds one cache's pixels while idle and two while a level is being drawn
 * (plus the shade mask of one level, at most 1 MB). A newer job
 * replaces one not yet started, and cancels the drawing of one at another
 * level. mapworker_start and every call below are for the UI thread; the
 * walk, content and app must outlive the worker (mapworker_stop joins it). */
#ifndef MAPWORKER_H
#define MAPWORKER_H

#include <stdbool.h>
#include <stdint.h>

#include "app.h"
#include "mapdraw.h"

/* A cache of the map at one zoom level: px is w*h ARGB32 pixels (stride
 * w*4), centre (cx, cy) in metres, s pixels per metre. */
struct mapbuf {
    uint32_t *px;
    int w, h;
    int level;
    double s, cx, cy;
    uint32_t key; /* the overlay it shows (mapview_overlay.key) */
    int vx0, vy0, vx1, vy1; /* the part that holds the map (all of it when drawn) */
};

struct mapworker_job {
    int level;
    double s, cx, cy;
    int w, h;
    uint32_t key;
    struct mapdraw_overlay ov; /* the route is copied by mapworker_post */
};

struct mapworker;

/* Starts the thread. scene: what every job draws (its overlay is replaced by
 * each job's). KERR_NOMEM, KERR_IO (no thread); *out NULL then. */
enum kerr mapworker_start(struct app *a, const struct mapdraw_scene *scene,
                          struct mapworker **out);

/* Queues job (replacing a queued one); cancels the one being drawn when its
 * level or key differs. KERR_NOMEM when the route cannot be copied. */
enum kerr mapworker_post(struct mapworker *mw, const struct mapworker_job *job);

/* True while a job is queued or being drawn, or a result waits to be taken. */
bool mapworker_busy(struct mapworker *mw);

/* If a result of level and key is ready, makes it *front (front's old
 * pixels are freed; the next job allocates anew) and returns true. A ready
 * result of another level or key is dropped. */
bool mapworker_take(struct mapworker *mw, struct mapbuf *front, int level, uint32_t key);

/* Cancels, joins and frees the worker and its buffer; NULL is fine. */
void mapworker_stop(struct mapworker *mw);

#endif
