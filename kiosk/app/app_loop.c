/* The loop: input events, timers (idle, the clock's minute, a screen's
 * countdown), net events, transitions, and the frames drawn only when
 * something changed; the virtual clock of the scenario runner; frame
 * statistics. */
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app_impl.h"

#include <math.h>
#include "kclient.h"
#include "kclock.h"
#include "klog.h"

/* Set by SIGTERM/SIGINT: the one file-level variable of the shell, because
 * a signal handler can reach nothing else (volatile sig_atomic_t). */
static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
    (void)sig;
    got_signal = 1;
}

/* When the parts of a frame ended (app_mono_us), for the frame log. */
struct frame_times {
    uint64_t start, dry, layout, paint;
};

/* Draws a frame into the renderer, not yet presented. */
static void frame_draw(struct app *a, struct frame_times *t)
{
    t->start = app_mono_us();

    a->shown_minute = app_wall_s(a) / 60;
    if (a->dark) { /* the screen schedule: one black frame (app_ops.c) */
        ui_invalidate(a->ui);
        ui_begin(a->ui, app_now_ms(a));
        ui_fill(a->ui, (struct ui_rect){0, 0, ui_width(a->ui), ui_height(a->ui)}, 0x000000FFu);
        ui_end(a->ui);
        a->dirty = false;
        a->dark_drawn = true;
        t->dry = t->layout = t->paint = app_mono_us();
        return;
    }

    /* A pending tap is handled in a frame that draws nothing, so that the
     * first frame drawn is the one that answers it. */
    if (ui_click_pending(a->ui)) {
        ui_begin_dry(a->ui, app_now_ms(a));
        app_draw_screen(a);
        ui_end(a->ui);
        app_apply_pending(a);
    }
    t->dry = app_mono_us();
    a->dirty = false;
    a->expect_wake = false;
    if (a->drawn_gen != a->stack_gen) ui_invalidate(a->ui); /* a new screen: draw it all */
    a->drawn_gen = a->stack_gen;
    ui_begin(a->ui, app_now_ms(a));
    app_draw_screen(a);
    t->layout = app_mono_us();
    ui_end(a->ui);
    t->paint = app_mono_us();
    if (ui_needs_redraw(a->ui)) a->dirty = true;
}

/* Presents the frame drawn and records its time. */
static void frame_present(struct app *a, const struct frame_times *t)
{
    uint64_t start = t->start, t_dry = t->dry, t_layout = t->layout, t_paint = t->paint;
    SDL_RenderPresent(a->ren);

    {
        uint64_t end = app_mono_us();
        uint64_t from = a->input_since_us ? a->input_since_us : start;
        if (a->stats.frames == 0 && a->opt.t_process_start_us)
            a->stats.first_frame_ms = (end - a->opt.t_process_start_us) / 1000.0;
        a->stats.frames++;
        bool answered = !a->dirty; /* a redraw is pending: not yet the answer */
        if (a->recording && answered) {
            if (a->stats.n_frame_ms == a->stats.cap_frame_ms) {
                size_t cap = a->stats.cap_frame_ms ? a->stats.cap_frame_ms * 2 : 1024;
                double *n = realloc(a->stats.frame_ms, cap * sizeof *n);
                if (n) {
                    a->stats.frame_ms = n;
                    a->stats.cap_frame_ms = cap;
                }
            }
            if (a->stats.n_frame_ms < a->stats.cap_frame_ms)
                a->stats.frame_ms[a->stats.n_frame_ms++] = (end - from) / 1000.0;
        }
        if (a->frame_log) {
            struct ui_text_stats ts;
            size_t total, px = ui_redrawn_px(a->ui, &total);
            ui_text_stats(a->text, &ts);
            fprintf(stderr,
                    "frame %s total_ms=%.2f draw_ms=%.2f dry_ms=%.2f layout_ms=%.2f "
                    "paint_ms=%.2f answered=%d input=%d text_misses=%lu redrawn=%.0f%%\n",
                    app_screen_id(a), (end - from) / 1000.0, (end - start) / 1000.0,
                    (t_dry - start) / 1000.0, (t_layout - t_dry) / 1000.0,
                    (t_paint - t_layout) / 1000.0, answered, a->input_since_us != 0,
                    (unsigned long)ts.misses, total ? 100.0 * (double)px / (double)total : 0.0);
        }
        if (answered) a->input_since_us = 0;
    }
}

static void render(struct app *a)
{
    struct frame_times t;
    if (a->dark && a->dark_drawn) { /* dark: nothing more to draw */
        a->dirty = false;
        return;
    }
    frame_draw(a, &t);
    app_fleet_capture(a); /* a remote screenshot asked for: this frame */
    frame_present(a, &t);
    app_voice_tick(a); /* 语音播报: the screen entered, or what was tapped */
}

void app_stats_record(struct app *a, bool on)
{
    KASSERT_OWNER(&a->owner);
    a->recording = on;
    if (on) a->stats.n_frame_ms = 0;
}

/* ---- input and timers -------------------------------------------------- */

static void note_input(struct app *a)
{
    a->last_input = app_now_ms(a);
    if (!a->input_since_us) a->input_since_us = app_mono_us();
    a->dirty = true;
}

static bool on_attract(const struct app *a)
{
    return a->depth > 0 && a->stack[a->depth - 1].s == a->opt.attract;
}

static void pointer(struct app *a, int kind, float x, float y)
{
    uint64_t now = app_now_ms(a);
    float sc = ui_scale(a->ui);
    if (app_ops_pointer(a, kind, x / sc, y / sc)) return; /* lit a dark screen */
    note_input(a);
    if (kind == 0) ui_pointer_down(a->ui, x, y, now);
    if (kind == 1) ui_pointer_move(a->ui, x, y, now);
    if (kind == 2) ui_pointer_up(a->ui, x, y, now);
}

void app_handle_event(struct app *a, const SDL_Event *e)
{
    KASSERT_OWNER(&a->owner);
    switch (e->type) {
    case SDL_QUIT:
        a->quit = true;
        break;
    case SDL_MOUSEBUTTONDOWN:
        if (e->button.which != SDL_TOUCH_MOUSEID && e->button.button == SDL_BUTTON_LEFT)
            pointer(a, 0, (float)e->button.x, (float)e->button.y);
        break;
    case SDL_MOUSEMOTION:
        if (e->motion.which != SDL_TOUCH_MOUSEID && (e->motion.state & SDL_BUTTON_LMASK))
            pointer(a, 1, (float)e->motion.x, (float)e->motion.y);
        break;
    case SDL_MOUSEBUTTONUP:
        if (e->button.which != SDL_TOUCH_MOUSEID && e->button.button == SDL_BUTTON_LEFT)
            pointer(a, 2, (float)e->button.x, (float)e->button.y);
        break;
    case SDL_FINGERDOWN:
        if (a->finger == -1) {
            a->finger = e->tfinger.fingerId;
            pointer(a, 0, e->tfinger.x * a->pw, e->tfinger.y * a->ph);
        }
        break;
    case SDL_FINGERMOTION:
        if (e->tfinger.fingerId == a->finger) pointer(a, 1, e->tfinger.x * a->pw, e->tfinger.y * a->ph);
        break;
    case SDL_FINGERUP:
        if (e->tfinger.fingerId == a->finger) {
            pointer(a, 2, e->tfinger.x * a->pw, e->tfinger.y * a->ph);
            a->finger = -1;
        }
        break;
    case SDL_MULTIGESTURE: /* two fingers: a pinch zooms the map */
        if (e->mgesture.numFingers == 2 && e->mgesture.dDist != 0) {
            ui_pinch_input(a->ui, expf(e->mgesture.dDist * 4.0f));
            note_input(a);
        }
        break;
    case SDL_WINDOWEVENT:
        if (e->window.event == SDL_WINDOWEVENT_EXPOSED ||
            e->window.event == SDL_WINDOWEVENT_SIZE_CHANGED) {
            ui_invalidate(a->ui);
            a->dirty = true;
        }
        break;
    case SDL_RENDER_TARGETS_RESET:
    case SDL_RENDER_DEVICE_RESET:
        ui_invalidate(a->ui);
        a->dirty = true;
        break;
    case SDL_KEYDOWN:
        if (e->key.keysym.sym == SDLK_ESCAPE && a->opt.windowed) a->quit = true;
        break;
    default:
        if (e->type == a->wake_event) a->dirty = true;
        break;
    }
}

static uint64_t next_deadline(struct app *a)
{
    uint64_t d = app_ops_deadline(a), now = app_now_ms(a);
    int64_t wall_ms = a->wall0_ms + (int64_t)now;
    if (a->dark) return d; /* dark: only the schedule (or a touch) wakes it */
    if (!on_attract(a)) {
        uint64_t idle = a->last_input + (uint64_t)a->cfg.idle_timeout_s * 1000u;
        if (!a->asking && idle < d) d = idle;
        if (a->asking && a->ask_until < d) d = a->ask_until;
    }
    /* the clock on screen changes at the next minute */
    {
        uint64_t to_minute = (uint64_t)(60000 - (wall_ms % 60000));
        if (now + to_minute < d) d = now + to_minute;
    }
    if (a->timer_at && a->timer_at < d) d = a->timer_at;
    if (ui_next_deadline(a->ui) < d) d = ui_next_deadline(a->ui);
    return d;
}

static void net_events(struct app *a)
{
    struct kclient_event ev;
    if (!a->client) return;
    while (kclient_next_event(a->client, &ev)) {
        for (int i = a->depth - 1; i >= 0; i--)
            if (a->stack[i].s->net_event) a->stack[i].s->net_event(a, a->stack[i].st, &ev);
        a->dirty = true;
    }
}

static void fire_timers(struct app *a)
{
    uint64_t now = app_now_ms(a);
    net_events(a);
    app_fleet_poll(a); /* alerts (the idle timer stands still under one), screenshots */
    app_ops_tick(a);
    app_content_tick(a);
    if (a->dark) return;
    if (a->timer_at && now >= a->timer_at) {
        a->timer_at = 0;
        a->dirty = true;
    }
    if (app_wall_s(a) / 60 != a->shown_minute) a->dirty = true;
    if (ui_next_deadline(a->ui) <= now) a->dirty = true;
    if (on_attract(a)) return;
    if (a->asking) {
        if (now >= a->ask_until) app_queue_op(a, OP_WIPE, NULL, NULL, 0);
        return;
    }
    if (now >= a->last_input + (uint64_t)a->cfg.idle_timeout_s * 1000u) {
        const struct layer *top = &a->stack[a->depth - 1];
        bool personal = false;
        for (int i = 0; i < a->depth; i++)
            if (a->stack[i].s->flags & SCREEN_PERSONAL) personal = true;
        if (personal) {
            a->asking = true;
            a->ask_until = now + (uint64_t)a->cfg.still_there_s * 1000u;
            a->dirty = true;
            KLOGI("app", "idle on %s: asking if the person is still there", top->s->id);
        } else {
            app_queue_op(a, OP_WIPE, NULL, NULL, 0);
        }
    }
}

/* Work deferred until a first frame is on screen. */
static void after_first_frame(struct app *a)
{
    app_voice_poll(a); /* 语音播报's worker got ready (or found no audio): draw, then say */
    if (a->client_pending && a->stats.frames > 0) {
        a->client_pending = false;
        app_ime(a); /* the engine opens on its thread meanwhile */
        app_open_client(a);
        app_walk(a); /* the map and walk graph: home shows 找支部 once they are there */
        a->dirty = true;
    }
}

void app_expect_wake(struct app *a)
{
    KASSERT_OWNER(&a->owner);
    a->expect_wake = true;
}

/* Waits (real time) for an app_wake, at most ms; drains the pipe. */
static bool wait_wake(struct app *a, int ms)
{
    struct pollfd pfd = {.fd = a->wake_fd[0], .events = POLLIN};
    char buf[64];
    if (a->wake_fd[0] < 0 || poll(&pfd, 1, ms) <= 0) return false;
    while (read(a->wake_fd[0], buf, sizeof buf) == (ssize_t)sizeof buf) {
    }
    return true;
}

void app_settle(struct app *a)
{
    uint64_t t0 = 0;
    KASSERT_OWNER(&a->owner);
    for (int i = 0; i < 32; i++) {
        after_first_frame(a);
        fire_timers(a);
        app_apply_pending(a);
        if (!a->dirty) {
            /* a worker's result is on its way: wait for it, then draw */
            if (!a->expect_wake) break;
            if (!t0) t0 = app_mono_us();
            if (app_mono_us() - t0 > 5000000u) {
                KLOGW("app", "settle: the wake-up a screen expected did not come in 5 s");
                break;
            }
            wait_wake(a, 200);
            a->dirty = true;
            i = 0;
        }
        render(a);
        app_apply_pending(a);
    }
}

/* One turn of the real loop: timers, transitions, a frame if needed, then
 * sleep until input, a wake-up, the next timer or max_wait_ms. */
void app_loop_once(struct app *a, uint64_t max_wait_ms)
{
    SDL_Event e;
    uint64_t now, d;
    int timeout;
    sdnotify_tick(&a->sd, kclock_mono_ms()); /* systemd's watchdog: this thread is alive */
    fire_timers(a);
    app_apply_pending(a);
    if (a->dirty || (ui_animating(a->ui) && !a->dark)) {
        render(a);
        app_apply_pending(a);
    }
    after_first_frame(a);
    if (a->stats.frames > 0) sdnotify_ready(&a->sd, a->cfg.kiosk_id);
    now = app_now_ms(a);
    d = next_deadline(a);
    if (!a->opt.virtual_time && sdnotify_deadline(&a->sd) != UINT64_MAX &&
        sdnotify_deadline(&a->sd) - a->t0_ms < d)
        d = sdnotify_deadline(&a->sd) - a->t0_ms; /* wake for the next watchdog ping */
    if (a->dirty || a->npend)
        timeout = 0;
    else if (a->dark)
        timeout = d == UINT64_MAX ? 60000 : d <= now ? 0 : (int)(d - now); /* asleep */
    else if (ui_animating(a->ui))
        timeout = APP_FRAME_MS;
    else if (app_warm_step(a, 2000))
        timeout = 0; /* more to warm: look for input, then go on */
    else
        timeout = d == UINT64_MAX ? 60000 : d <= now ? 0 : (int)(d - now);
    if ((uint64_t)timeout > max_wait_ms) timeout = (int)max_wait_ms;
    if (a->opt.headless) {
        /* The dummy driver has no way to sleep on events: SDL would poll
         * every millisecond. Sleep on our wake pipe instead. */
        struct pollfd pfd = {a->wake_fd[0], POLLIN, 0};
        char buf[64];
        if (poll(&pfd, 1, timeout) > 0)
            while (read(a->wake_fd[0], buf, sizeof buf) > 0) {
            }
        while (SDL_PollEvent(&e)) app_handle_event(a, &e);
    } else if (SDL_WaitEventTimeout(&e, timeout)) {
        app_handle_event(a, &e);
        while (SDL_PollEvent(&e)) app_handle_event(a, &e);
    }
}

void app_advance(struct app *a, uint64_t ms)
{
    KASSERT_OWNER(&a->owner);
    uint64_t target = app_now_ms(a) + ms;
    app_settle(a);
    if (!a->opt.virtual_time) {
        uint64_t now;
        while ((now = app_now_ms(a)) < target && !a->quit && !got_signal)
            app_loop_once(a, target - now);
        app_settle(a);
        return;
    }
    while (a->vnow < target) {
        uint64_t step, d = next_deadline(a);
        if (ui_animating(a->ui) && !a->dark)
            step = APP_FRAME_MS;
        else
            step = d > a->vnow ? d - a->vnow : 1;
        if (a->vnow + step > target) step = target - a->vnow;
        a->vnow += step;
        if (ui_animating(a->ui)) a->dirty = true;
        app_settle(a);
    }
}

enum kerr app_screenshot(struct app *a, const char *path)
{
    struct frame_times t;
    enum kerr rc;
    KASSERT_OWNER(&a->owner);
    app_settle(a);
    frame_draw(a, &t);
    rc = app_files_save_screen(a, path);
    frame_present(a, &t);
    return rc;
}

int app_run(struct app *a)
{
    struct sigaction sa;
    KASSERT_OWNER(&a->owner);
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    a->dirty = true;
    sdnotify_init(&a->sd, kclock_mono_ms());
    while (!a->quit && !got_signal) app_loop_once(a, 60000);
    sdnotify_stopping(&a->sd);
    return a->exit_code;
}

