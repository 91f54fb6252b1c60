/* mapworker: draws the map (mapdraw) off the UI thread. The map widget
 * (mapview) keeps one cache of the map (a margin larger than the view) and,
 * when it needs a new drawing (another zoom level, another overlay, a pan
 * nearing the margin), first turns its cache into a preview of it at once
 * (rescaled or shifted) and posts a job: the zoom level, the centre, the
 * cache's size, the overlay. The worker draws the job in bands of
 * MAPWORKER_BAND rows into a band buffer of its own and hands each band
 * over; the UI thread copies it into the cache on its next frame (the
 * worker calls app_wake, the one app call made from another thread). So
 * the map holds one cache, two band buffers and the shade mask of one level
 * (at most 1 MB), never two caches. A new job cancels the one being drawn;
 * bands of an older job are dropped. mapworker_start and every call below
 * are for the UI thread; the walk, content and app must outlive the worker
 * (mapworker_stop joins it). */
#ifndef MAPWORKER_H
#define MAPWORKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app.h"
#include "mapdraw.h"

#define MAPWORKER_BAND 64 /* rows of a band */

/* A cache of the map at one zoom level: px is w*h ARGB32 pixels (stride
 * w*4), centre (cx, cy) in metres, s pixels per metre. */
struct mapbuf {
    uint32_t *px;
    int w, h;
    int level;
    double s, cx, cy;
    uint32_t key; /* the overlay it shows or is being drawn with (mapview_overlay.key) */
    int vx0, vy0, vx1, vy1; /* the part that holds the map (all of it when drawn) */
};

struct mapworker_job {
    int level;
    double s, cx, cy;
    int w, h;
    uint32_t key;
    bool bottom_up; /* draw the last band first (a pan uncovered the bottom) */
    struct mapdraw_overlay ov; /* the route is copied by mapworker_post */
};

struct mapworker;

/* Starts the thread. scene: what every job draws (its overlay is replaced by
 * each job's). KERR_NOMEM, KERR_IO (no thread); *out NULL then. */
enum kerr mapworker_start(struct app *a, const struct mapdraw_scene *scene,
                          struct mapworker **out);

/* Queues job (replacing a queued one) and cancels the one being drawn; sets
 * *serial to the job's number, which its bands carry. KERR_NOMEM when the
 * route or the band buffers cannot be allocated. */
enum kerr mapworker_post(struct mapworker *mw, const struct mapworker_job *job, uint32_t *serial);

/* True while a job is queued or being drawn, or a band waits to be taken. */
bool mapworker_busy(struct mapworker *mw);

/* If a band of job serial is ready, copies it into its rows of front (which
 * has the job's size) and returns true; *last is set when it was the job's
 * last band. A ready band of another job is dropped. */
bool mapworker_take_band(struct mapworker *mw, uint32_t serial, struct mapbuf *front, bool *last);

/* Bytes the worker holds now: its band buffers and the shade mask. */
size_t mapworker_bytes(struct mapworker *mw);

/* Cancels, joins and frees the worker and its buffers; NULL is fine. */
void mapworker_stop(struct mapworker *mw);

#endif
