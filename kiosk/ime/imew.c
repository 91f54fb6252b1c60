/* imew.c: the pinyin engine's owner thread. See imew.h for the contract.
 *
 * Requests: one mailbox slot (the latest request wins) plus a wipe flag that
 * nothing replaces, so a wipe is never coalesced away. Answers: three views
 * (triple buffering): the owner fills its own, swaps it into the middle with
 * a FRESH mark; the UI swaps its own with the middle when the mark is set.
 * Neither side ever waits for the other to read or write a view. imew_run:
 * callers link a job on their stack into a list and wait for it to be done. */
#define _GNU_SOURCE
#include "imew.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "klog.h"

#define VIEW_FRESH 4u

enum req_kind { REQ_NONE, REQ_INPUT, REQ_CHOOSE };

struct req {
    enum req_kind kind;
    uint64_t seq, view_seq;
    size_t index;
    char letters[IME_MAX_INPUT + 1];
};

struct job {
    void (*fn)(void *arg);
    void *arg;
    bool done;
    struct job *next;
};

struct imew {
    void (*notify)(void *ud);
    void *notify_ud;
    pthread_t thread;

    pthread_mutex_t mu;
    pthread_cond_t work; /* the owner waits: a request, a job, stop */
    pthread_cond_t done; /* callers wait: an answer, a job done */
    /* under mu */
    struct req mailbox;
    bool wipe;
    uint64_t wipe_seq;
    struct job *jobs, **jobs_tail;
    bool stop;
    uint64_t answered;
    _Atomic uint64_t answered_seq; /* copy of answered, read without the lock */

    /* set before the owner starts, owner only afterwards */
    struct ime_config engine;
    char *system_dir, *tmp_parent;
    char **phrases;
    size_t n_phrases;
    struct ime *ime;
    bool failed;
    uint64_t state_seq; /* the answer that describes the engine's session */
    unsigned back;

    _Atomic unsigned mid; /* index of the middle view | VIEW_FRESH */

    /* UI thread only */
    int poster_cpu; /* the owner runs on any CPU but this one (-1: any) */
    uint64_t posted, floor;
    uint64_t told; /* newest answer imew_view returned or imew_settle reported */
    unsigned front;
    struct imew_view blank;

    struct imew_view views[3];
};

/* ---- owner side ---------------------------------------------------------- */

static void wipe_view(struct imew_view *v)
{
    volatile unsigned char *p = (volatile unsigned char *)v;
    for (size_t i = 0; i < sizeof *v; i++) p[i] = 0;
}

/* Fills the owner's view from the engine's session and swaps it in. */
static void publish(struct imew *w, uint64_t seq, enum kerr rc, const char *committed)
{
    struct imew_view *v = &w->views[w->back];
    unsigned old;
    v->seq = seq;
    v->rc = rc;
    v->ready = w->ime != NULL;
    v->failed = w->failed;
    v->n_cand = 0;
    v->raw[0] = v->preedit[0] = v->committed[0] = '\0';
    if (committed) snprintf(v->committed, sizeof v->committed, "%s", committed);
    if (w->ime) {
        const char *c[IME_MAX_CANDIDATES];
        size_t n = ime_candidates(w->ime, 0, c, IME_MAX_CANDIDATES);
        snprintf(v->raw, sizeof v->raw, "%s", ime_raw(w->ime));
        snprintf(v->preedit, sizeof v->preedit, "%s", ime_preedit(w->ime));
        size_t used = 0;
        for (size_t i = 0; i < n; i++) {
            size_t len = strlen(c[i]) + 1;
            if (used + len > sizeof v->pool) break; /* the tail, as ime drops it */
            memcpy(v->pool + used, c[i], len);
            v->cand[i] = v->pool + used;
            used += len;
            v->n_cand = i + 1;
        }
    }
    old = atomic_exchange(&w->mid, w->back | VIEW_FRESH);
    w->back = old & 3u;
    pthread_mutex_lock(&w->mu);
    w->answered = seq;
    atomic_store(&w->answered_seq, seq);
    pthread_cond_broadcast(&w->done);
    pthread_mutex_unlock(&w->mu);
    if (w->notify) w->notify(w->notify_ud);
}

static void answer(struct imew *w, const struct req *r)
{
    enum kerr rc = KERR_NOTFOUND;
    char committed[IME_MAX_TEXT] = "";
    if (r->kind == REQ_INPUT && w->ime) {
        rc = ime_input(w->ime, r->letters);
    } else if (r->kind == REQ_CHOOSE && w->ime) {
        /* Only on the session the chooser saw; a stale choice changes nothing. */
        if (r->view_seq == w->state_seq)
            rc = ime_choose(w->ime, r->index, committed, sizeof committed);
        else
            KLOGI("ime", "a choice made on an older answer was ignored");
    }
    w->state_seq = r->seq;
    publish(w, r->seq, rc, committed);
    memset(committed, 0, sizeof committed);
}

/* The session is wiped, and with it every copy of what it showed: the
 * owner's view before and after the swap (the UI clears its own). */
static void wipe_session(struct imew *w, uint64_t seq)
{
    if (w->ime) ime_reset(w->ime);
    wipe_view(&w->views[w->back]);
    w->state_seq = seq;
    publish(w, seq, KERR_OK, NULL);
    wipe_view(&w->views[w->back]);
}

static void open_engine(struct imew *w)
{
    struct timespec t0, t1;
    size_t added = 0;
    enum kerr rc;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    rc = ime_open(&w->engine, &w->ime);
    if (rc != KERR_OK) {
        w->failed = true;
        KLOGE("ime", "pinyin input unavailable: %s (libpinyin data missing?)", kerr_str(rc));
    } else {
        for (size_t i = 0; i < w->n_phrases; i++)
            if (ime_add_phrases_auto(w->ime, (const char *const *)&w->phrases[i], 1) == KERR_OK)
                added++;
        ime_reset(w->ime);
    }
    for (size_t i = 0; i < w->n_phrases; i++) free(w->phrases[i]);
    free(w->phrases);
    w->phrases = NULL;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (w->ime)
        KLOGI("ime", "pinyin engine ready on its thread in %.1f ms (%zu of %zu content names as phrases)",
              (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6, added,
              w->n_phrases);
}

static void *owner_main(void *arg)
{
    struct imew *w = arg;
    open_engine(w);
    publish(w, 0, w->ime ? KERR_OK : KERR_NOTFOUND, NULL);
    pthread_mutex_lock(&w->mu);
    for (;;) {
        if (w->wipe) {
            uint64_t seq = w->wipe_seq;
            w->wipe = false;
            pthread_mutex_unlock(&w->mu);
            wipe_session(w, seq);
            pthread_mutex_lock(&w->mu);
        } else if (w->mailbox.kind != REQ_NONE && !w->stop) {
            struct req r = w->mailbox;
            memset(&w->mailbox, 0, sizeof w->mailbox);
            pthread_mutex_unlock(&w->mu);
            answer(w, &r);
            memset(&r, 0, sizeof r);
            pthread_mutex_lock(&w->mu);
        } else if (w->jobs) {
            struct job *j = w->jobs;
            w->jobs = j->next;
            if (!w->jobs) w->jobs_tail = &w->jobs;
            pthread_mutex_unlock(&w->mu);
            j->fn(j->arg);
            pthread_mutex_lock(&w->mu);
            j->done = true;
            pthread_cond_broadcast(&w->done);
        } else if (w->stop) {
            break;
        } else {
            pthread_cond_wait(&w->work, &w->mu);
        }
    }
    memset(&w->mailbox, 0, sizeof w->mailbox);
    pthread_mutex_unlock(&w->mu);
    ime_close(w->ime); /* wipes the session first */
    w->ime = NULL;
    return NULL;
}

/* ---- caller side ---------------------------------------------------------- */

static void free_imew(struct imew *w)
{
    if (!w) return;
    if (w->phrases)
        for (size_t i = 0; i < w->n_phrases; i++) free(w->phrases[i]);
    free(w->phrases);
    free(w->system_dir);
    free(w->tmp_parent);
    for (int i = 0; i < 3; i++) wipe_view(&w->views[i]);
    free(w);
}

enum kerr imew_start(const struct imew_config *cfg, struct imew **out)
{
    static const struct imew_config none;
    struct imew *w;
    pthread_condattr_t ca;
    int err;

    *out = NULL;
    if (!cfg) cfg = &none;
    w = calloc(1, sizeof *w);
    if (!w) return KERR_NOMEM;
    w->notify = cfg->notify;
    w->notify_ud = cfg->notify_ud;
    w->engine = cfg->engine;
    /* The engine opens later, on the owner: keep copies of what it reads. */
    if (cfg->engine.system_dir && !(w->engine.system_dir = w->system_dir = strdup(cfg->engine.system_dir)))
        goto nomem;
    if (cfg->engine.tmp_parent && !(w->engine.tmp_parent = w->tmp_parent = strdup(cfg->engine.tmp_parent)))
        goto nomem;
    if (cfg->n_phrases) {
        w->phrases = calloc(cfg->n_phrases, sizeof *w->phrases);
        if (!w->phrases) goto nomem;
        w->n_phrases = cfg->n_phrases;
        for (size_t i = 0; i < cfg->n_phrases; i++)
            if (!cfg->phrases[i] || !(w->phrases[i] = strdup(cfg->phrases[i]))) goto nomem;
    }
    w->jobs_tail = &w->jobs;
    w->poster_cpu = -1;
    w->back = 0;
    atomic_init(&w->mid, 1u);
    w->front = 2;
    atomic_init(&w->answered_seq, 0);
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->work, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&w->done, &ca);
    pthread_condattr_destroy(&ca);
    err = pthread_create(&w->thread, NULL, owner_main, w);
    if (err != 0) {
        KLOGE("ime", "cannot start the engine's thread: %s", strerror(err));
        pthread_cond_destroy(&w->done);
        pthread_cond_destroy(&w->work);
        pthread_mutex_destroy(&w->mu);
        free_imew(w);
        return KERR_IO;
    }
    pthread_setname_np(w->thread, "kiosk-ime");
    *out = w;
    return KERR_OK;
nomem:
    free_imew(w);
    return KERR_NOMEM;
}

void imew_stop(struct imew *w)
{
    if (!w) return;
    pthread_mutex_lock(&w->mu);
    w->stop = true;
    pthread_cond_signal(&w->work);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    pthread_cond_destroy(&w->done);
    pthread_cond_destroy(&w->work);
    pthread_mutex_destroy(&w->mu);
    free_imew(w);
}

/* Keeps the owner off the CPU the poster (the UI thread) runs on: woken
 * there, it preempted the frame that posted the key and the key's frame took
 * as long as the answer (seen as 3-7 ms dry passes in KIOSK_FRAME_LOG), as
 * the paint helper did (ui_damage.c). */
static void place_owner(struct imew *w)
{
#ifdef __linux__
    int cpu = sched_getcpu();
    cpu_set_t set;
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (cpu < 0 || cpu == w->poster_cpu || n < 2 || n > CPU_SETSIZE) return;
    CPU_ZERO(&set);
    for (int i = 0; i < (int)n; i++)
        if (i != cpu) CPU_SET(i, &set);
    if (pthread_setaffinity_np(w->thread, sizeof set, &set) == 0) w->poster_cpu = cpu;
#else
    (void)w;
#endif
}

static uint64_t post(struct imew *w, const struct req *r)
{
    place_owner(w);
    pthread_mutex_lock(&w->mu);
    w->mailbox = *r;
    w->mailbox.seq = ++w->posted;
    pthread_cond_signal(&w->work);
    pthread_mutex_unlock(&w->mu);
    return w->posted;
}

uint64_t imew_input(struct imew *w, const char *letters)
{
    struct req r;
    size_t n = letters ? strlen(letters) : 0;
    if (n > IME_MAX_INPUT) return 0;
    memset(&r, 0, sizeof r);
    r.kind = REQ_INPUT;
    if (n) memcpy(r.letters, letters, n);
    return post(w, &r);
}

uint64_t imew_choose(struct imew *w, size_t index, uint64_t view_seq)
{
    struct req r;
    memset(&r, 0, sizeof r);
    r.kind = REQ_CHOOSE;
    r.index = index;
    r.view_seq = view_seq;
    return post(w, &r);
}

uint64_t imew_reset(struct imew *w)
{
    uint64_t seq;
    pthread_mutex_lock(&w->mu);
    memset(&w->mailbox, 0, sizeof w->mailbox); /* an older request: moot */
    seq = ++w->posted;
    w->wipe = true;
    w->wipe_seq = seq;
    pthread_cond_signal(&w->work);
    pthread_mutex_unlock(&w->mu);
    w->floor = seq;
    wipe_view(&w->views[w->front]);
    return seq;
}

const struct imew_view *imew_view(struct imew *w)
{
    const struct imew_view *v;
    if (atomic_load(&w->mid) & VIEW_FRESH) w->front = atomic_exchange(&w->mid, w->front) & 3u;
    v = &w->views[w->front];
    if (v->seq > w->told) w->told = v->seq;
    if (v->seq >= w->floor) return v;
    /* An answer to a request older than the last wipe: not shown. */
    memset(&w->blank, 0, sizeof w->blank);
    w->blank.seq = v->seq;
    w->blank.ready = v->ready;
    w->blank.failed = v->failed;
    return &w->blank;
}

bool imew_busy(const struct imew *w)
{
    return atomic_load(&((struct imew *)w)->answered_seq) < w->posted;
}

bool imew_settle(struct imew *w, unsigned timeout_ms)
{
    struct timespec until;
    uint64_t answered;
    bool fresh;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&w->mu);
    while (w->answered < w->posted)
        if (pthread_cond_timedwait(&w->done, &w->mu, &until) == ETIMEDOUT) break;
    answered = w->answered;
    pthread_mutex_unlock(&w->mu);
    /* Once per answer: a view nobody reads (no keyboard on screen) must not
     * ask for a frame at every call. */
    fresh = answered > w->told;
    if (fresh) w->told = answered;
    return fresh;
}

void imew_run(struct imew *w, void (*fn)(void *arg), void *arg)
{
    struct job j = {fn, arg, false, NULL};
    if (pthread_equal(pthread_self(), w->thread)) {
        fn(arg);
        return;
    }
    pthread_mutex_lock(&w->mu);
    *w->jobs_tail = &j;
    w->jobs_tail = &j.next;
    pthread_cond_signal(&w->work);
    while (!j.done) pthread_cond_wait(&w->done, &w->mu);
    pthread_mutex_unlock(&w->mu);
}

struct ctx_query {
    struct imew *w;
    void *ctx;
};

static void ctx_job(void *arg)
{
    struct ctx_query *q = arg;
    q->ctx = q->w->ime ? ime_pinyin_context(q->w->ime) : NULL;
}

void *imew_pinyin_context(struct imew *w)
{
    struct ctx_query q = {w, NULL};
    imew_run(w, ctx_job, &q);
    return q.ctx;
}
