/* The map's drawing thread (mapworker.h). */
#include "mapworker.h"

#include <pthread.h>
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
    pthread_cond_t cv;
    atomic_bool cancel; /* the drawing under way is no longer wanted */
    bool quit;
    /* under mu */
    bool queued, drawing, done;
    struct mapworker_job next, cur;
    struct geomap_pt *next_route, *cur_route; /* owned copies */
    struct mapbuf buf; /* the worker's buffer: being drawn, or the result when done */
    /* the worker's alone */
    struct mapdraw_shade shade;
};

static uint64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static bool ensure_buf(struct mapbuf *b, int w, int h)
{
    if (b->px && b->w == w && b->h == h) return true;
    free(b->px);
    b->px = malloc((size_t)w * (size_t)h * 4);
    b->w = b->px ? w : 0;
    b->h = b->px ? h : 0;
    return b->px != NULL;
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
        struct mapdraw_scene sc;
        struct mapdraw_proj p;
        bool ok;
        while (!mw->queued && !mw->quit) pthread_cond_wait(&mw->cv, &mw->mu);
        if (mw->quit) break;
        job = mw->cur = mw->next;
        free(mw->cur_route);
        mw->cur_route = mw->next_route;
        mw->next_route = NULL;
        mw->queued = false;
        mw->done = false;
        mw->drawing = true;
        atomic_store(&mw->cancel, false);
        ok = ensure_buf(&mw->buf, job.w, job.h);
        pthread_mutex_unlock(&mw->mu);

        sc = mw->scene;
        sc.ov = job.ov;
        sc.ov.route = mw->cur_route;
        mapdraw_proj_init(&p, walk_graph(sc.w)->map);
        p.s = job.s;
        p.ox = job.cx - job.w / 2.0 / job.s;
        p.oy = job.cy + job.h / 2.0 / job.s;
        if (ok) {
            uint64_t t0 = mono_us();
            ok = mapdraw_render(mw->buf.px, job.w, job.h, job.w * 4, &p, &sc, &mw->shade,
                                &mw->cancel);
            if (ok)
                KLOGI("map", "level %d drawn into a %dx%d cache in %.1f ms", job.level, job.w,
                      job.h, (mono_us() - t0) / 1000.0);
        }

        pthread_mutex_lock(&mw->mu);
        mw->drawing = false;
        if (ok && !mw->quit) {
            mw->buf.level = job.level;
            mw->buf.s = job.s;
            mw->buf.cx = job.cx;
            mw->buf.cy = job.cy;
            mw->buf.key = job.key;
            mw->buf.vx0 = mw->buf.vy0 = 0;
            mw->buf.vx1 = job.w;
            mw->buf.vy1 = job.h;
            mw->done = true;
        }
        if (!mw->quit) app_wake(mw->a); /* done, or dropped: the frame looks again */
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

enum kerr mapworker_post(struct mapworker *mw, const struct mapworker_job *job)
{
    struct geomap_pt *route = NULL;
    if (job->ov.route && job->ov.n_route) {
        route = malloc(job->ov.n_route * sizeof *route);
        if (!route) return KERR_NOMEM;
        memcpy(route, job->ov.route, job->ov.n_route * sizeof *route);
    }
    pthread_mutex_lock(&mw->mu);
    free(mw->next_route);
    mw->next = *job;
    mw->next_route = route;
    mw->queued = true;
    if (mw->drawing && (mw->cur.level != job->level || mw->cur.key != job->key))
        atomic_store(&mw->cancel, true);
    pthread_cond_signal(&mw->cv);
    pthread_mutex_unlock(&mw->mu);
    return KERR_OK;
}

bool mapworker_busy(struct mapworker *mw)
{
    bool b;
    pthread_mutex_lock(&mw->mu);
    b = mw->queued || mw->drawing || mw->done;
    pthread_mutex_unlock(&mw->mu);
    return b;
}

bool mapworker_take(struct mapworker *mw, struct mapbuf *front, int level, uint32_t key)
{
    uint32_t *old = NULL;
    bool took = false;
    pthread_mutex_lock(&mw->mu);
    if (mw->done) {
        mw->done = false;
        if (mw->buf.level == level && mw->buf.key == key) {
            old = front->px;
            *front = mw->buf;
            memset(&mw->buf, 0, sizeof mw->buf); /* the next job allocates its own */
            took = true;
        }
    }
    pthread_mutex_unlock(&mw->mu);
    free(old); /* idle, the map holds one cache, not two */
    return took;
}

void mapworker_stop(struct mapworker *mw)
{
    if (!mw) return;
    pthread_mutex_lock(&mw->mu);
    mw->quit = true;
    atomic_store(&mw->cancel, true);
    pthread_cond_signal(&mw->cv);
    pthread_mutex_unlock(&mw->mu);
    pthread_join(mw->th, NULL);
    pthread_cond_destroy(&mw->cv);
    pthread_mutex_destroy(&mw->mu);
    free(mw->buf.px);
    free(mw->next_route);
    free(mw->cur_route);
    mapdraw_shade_free(&mw->shade);
    free(mw);
}
