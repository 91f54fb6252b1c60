/* The map's drawing thread (mapworker.h). */
#include "mapworker.h"

#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "klog.h"

struct mapworker {
    struct app *a; /* for app_wake only */
    struct mapdraw_scene scene;
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv; /* a job queued, a band taken, quit */
    atomic_bool cancel; /* the drawing under way is no longer wanted */
    /* under mu */
    bool quit, queued, drawing;
    uint32_t serial; /* of the last job posted */
    struct mapworker_job next, cur;
    struct geomap_pt *next_route, *cur_route; /* owned copies */
    uint32_t *bufs[2]; /* the band buffers, band_w wide: one being drawn, one ready */
    int band_w;
    int mine; /* index of the worker's buffer */
    bool ready; /* bufs[!mine] holds a band for the UI thread */
    int ready_y0, ready_rows;
    uint32_t ready_serial;
    bool ready_last;
    size_t shade_bytes;
    /* the worker's alone */
    struct mapdraw_shade shade;
};

static uint64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Hands the band just drawn over (waits until the last one was taken);
 * false when the job was cancelled or the worker quits meanwhile. Called
 * and returns with mu held. */
static bool hand_over(struct mapworker *mw, uint32_t serial, int y0, int rows, bool last)
{
    while (mw->ready && !mw->quit && !atomic_load(&mw->cancel)) pthread_cond_wait(&mw->cv, &mw->mu);
    if (mw->quit || atomic_load(&mw->cancel)) return false;
    mw->ready = true;
    mw->ready_serial = serial;
    mw->ready_y0 = y0;
    mw->ready_rows = rows;
    mw->ready_last = last;
    mw->mine = !mw->mine;
    mw->shade_bytes = mw->shade.mask ? (size_t)mw->shade.mw * (size_t)mw->shade.mh : 0;
    app_wake(mw->a);
    return true;
}

/* Draws job in bands; mu is held on entry and exit, not while drawing. */
static void draw_job(struct mapworker *mw, const struct mapworker_job *job, uint32_t serial)
{
    struct mapdraw_scene sc = mw->scene;
    struct mapdraw_proj p;
    int nb = (job->h + MAPWORKER_BAND - 1) / MAPWORKER_BAND;
    uint64_t spent = 0;
    sc.ov = job->ov;
    sc.ov.route = mw->cur_route;
    mapdraw_proj_init(&p, walk_graph(sc.w)->map);
    p.s = job->s;
    p.ox = job->cx - job->w / 2.0 / job->s;
    for (int i = 0; i < nb; i++) {
        int b = job->bottom_up ? nb - 1 - i : i;
        int y0 = b * MAPWORKER_BAND;
        int rows = job->h - y0 < MAPWORKER_BAND ? job->h - y0 : MAPWORKER_BAND;
        uint32_t *px = mw->bufs[mw->mine];
        uint64_t t0;
        bool ok;
        pthread_mutex_unlock(&mw->mu);
        t0 = mono_us();
        p.oy = job->cy + job->h / 2.0 / job->s - y0 / job->s;
        ok = mapdraw_render(px, job->w, rows, job->w * 4, &p, &sc, &mw->shade, &mw->cancel);
        spent += mono_us() - t0;
        pthread_mutex_lock(&mw->mu);
        if (!ok || !hand_over(mw, serial, y0, rows, i == nb - 1)) return;
    }
    KLOGI("map", "level %d drawn into a %dx%d cache in %.1f ms", job->level, job->w, job->h,
          spent / 1000.0);
}

static void *run(void *ud)
{
    struct mapworker *mw = ud;
    /* below the UI thread and the paint helper: a frame never waits for a
     * core the worker holds (Linux: a nice value per thread) */
    if (setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 10) != 0)
        KLOGW("map", "the drawing thread keeps the normal priority");
    pthread_mutex_lock(&mw->mu);
    for (;;) {
        struct mapworker_job job;
        uint32_t serial;
        while (!mw->queued && !mw->quit) pthread_cond_wait(&mw->cv, &mw->mu);
        if (mw->quit) break;
        job = mw->cur = mw->next;
        serial = mw->serial;
        free(mw->cur_route);
        mw->cur_route = mw->next_route;
        mw->next_route = NULL;
        mw->queued = false;
        mw->drawing = true;
        atomic_store(&mw->cancel, false);
        draw_job(mw, &job, serial);
        mw->drawing = false;
        if (!mw->quit) app_wake(mw->a); /* done or dropped: the frame looks again */
    }
    pthread_mutex_unlock(&mw->mu);
    return NULL;
}

enum kerr mapworker_start(struct app *a, const struct mapdraw_scene *scene, struct mapworker **out)
{
    struct mapworker *mw = calloc(1, sizeof *mw);
    *out = NULL;
    if (!mw) return KERR_NOMEM;
    mw->a = a;
    mw->scene = *scene;
    atomic_init(&mw->cancel, false);
    pthread_mutex_init(&mw->mu, NULL);
    pthread_cond_init(&mw->cv, NULL);
    if (pthread_create(&mw->th, NULL, run, mw) != 0) {
        KLOGE("map", "no drawing thread: the map is not shown");
        pthread_cond_destroy(&mw->cv);
        pthread_mutex_destroy(&mw->mu);
        free(mw);
        return KERR_IO;
    }
    *out = mw;
    return KERR_OK;
}

enum kerr mapworker_post(struct mapworker *mw, const struct mapworker_job *job, uint32_t *serial)
{
    struct geomap_pt *route = NULL;
    enum kerr e = KERR_OK;
    if (job->ov.route && job->ov.n_route) {
        route = malloc(job->ov.n_route * sizeof *route);
        if (!route) return KERR_NOMEM;
        memcpy(route, job->ov.route, job->ov.n_route * sizeof *route);
    }
    pthread_mutex_lock(&mw->mu);
    if (mw->band_w != job->w) { /* new band buffers: only while the worker holds none */
        atomic_store(&mw->cancel, true);
        mw->queued = false;
        pthread_cond_broadcast(&mw->cv);
        while (mw->drawing) {
            pthread_mutex_unlock(&mw->mu);
            sched_yield();
            pthread_mutex_lock(&mw->mu);
        }
        free(mw->bufs[0]);
        free(mw->bufs[1]);
        mw->bufs[0] = malloc((size_t)job->w * MAPWORKER_BAND * 4);
        mw->bufs[1] = malloc((size_t)job->w * MAPWORKER_BAND * 4);
        mw->ready = false;
        mw->band_w = mw->bufs[0] && mw->bufs[1] ? job->w : 0;
        if (!mw->band_w) e = KERR_NOMEM;
    }
    if (e == KERR_OK) {
        free(mw->next_route);
        mw->next = *job;
        mw->next_route = route;
        route = NULL;
        mw->queued = true;
        *serial = ++mw->serial;
        atomic_store(&mw->cancel, true); /* the drawing under way is superseded */
        pthread_cond_broadcast(&mw->cv);
    }
    pthread_mutex_unlock(&mw->mu);
    free(route);
    return e;
}

bool mapworker_busy(struct mapworker *mw)
{
    bool b;
    pthread_mutex_lock(&mw->mu);
    b = mw->queued || mw->drawing || mw->ready;
    pthread_mutex_unlock(&mw->mu);
    return b;
}

bool mapworker_take_band(struct mapworker *mw, uint32_t serial, struct mapbuf *front, bool *last)
{
    bool took = false;
    *last = false;
    pthread_mutex_lock(&mw->mu);
    if (mw->ready) {
        if (mw->ready_serial == serial && front->px && front->w == mw->band_w &&
            mw->ready_y0 + mw->ready_rows <= front->h) {
            memcpy(front->px + (size_t)mw->ready_y0 * (size_t)front->w, mw->bufs[!mw->mine],
                   (size_t)mw->ready_rows * (size_t)front->w * 4);
            *last = mw->ready_last;
            took = true;
        }
        mw->ready = false;
        pthread_cond_broadcast(&mw->cv);
    }
    pthread_mutex_unlock(&mw->mu);
    return took;
}

size_t mapworker_bytes(struct mapworker *mw)
{
    size_t n;
    if (!mw) return 0;
    pthread_mutex_lock(&mw->mu);
    n = (mw->bufs[0] ? 2 : 0) * (size_t)mw->band_w * MAPWORKER_BAND * 4 + mw->shade_bytes;
    pthread_mutex_unlock(&mw->mu);
    return n;
}

void mapworker_stop(struct mapworker *mw)
{
    if (!mw) return;
    pthread_mutex_lock(&mw->mu);
    mw->quit = true;
    atomic_store(&mw->cancel, true);
    pthread_cond_broadcast(&mw->cv);
    pthread_mutex_unlock(&mw->mu);
    pthread_join(mw->th, NULL);
    pthread_cond_destroy(&mw->cv);
    pthread_mutex_destroy(&mw->mu);
    free(mw->bufs[0]);
    free(mw->bufs[1]);
    free(mw->next_route);
    free(mw->cur_route);
    mapdraw_shade_free(&mw->shade);
    free(mw);
}
