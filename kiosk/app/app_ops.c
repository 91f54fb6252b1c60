/* Fleet operations in the shell (issue 15): the screen schedule's dark mode
 * and the hidden gesture that opens the on-site admin panel. The schedule's
 * rules are pure functions (schedule.c); this file is the state around them
 * and the hooks the loop calls (app_impl.h: app_ops_*).
 *
 * Dark: outside the schedule's on-times, once nobody has touched the screen
 * for screen_wake_s, the session is wiped, one black frame is drawn and no
 * other until the next on-time or a touch; the loop sleeps that long (no
 * clock minute, no idle timer). The touch that lights a dark screen taps
 * nothing; the screen then stays lit screen_wake_s after the last touch.
 * kclient is told (heartbeat screen_on) at every change.
 *
 * The gesture: a finger held ADMIN_HOLD_MS in the top-left corner
 * (ADMIN_CORNER logical units square), moving less than ADMIN_SLOP, opens
 * opt.admin (the PIN entry). The press is then forgotten by the toolkit, so
 * releasing it taps nothing (the corner holds 返回 on most screens); a
 * shorter press is an ordinary tap. */
#include "app_impl.h"

#include <math.h>

#include "kclient.h"
#include "klog.h"
#include "schedule.h"

#define ADMIN_HOLD_MS 5000
#define ADMIN_CORNER 100.0f
#define ADMIN_SLOP 40.0f

void app_quit(struct app *a, int code)
{
    KASSERT_OWNER(&a->owner);
    KLOGI("app", "quitting with exit code %d", code);
    a->exit_code = code;
    a->quit = true;
}

bool app_quitting(const struct app *a)
{
    KASSERT_OWNER(&a->owner);
    return a->quit;
}

int app_exit_code(const struct app *a)
{
    KASSERT_OWNER(&a->owner);
    return a->exit_code;
}

const char *app_state_dir(const struct app *a)
{
    KASSERT_OWNER(&a->owner);
    return a->state_dir;
}

bool app_screen_dark(const struct app *a)
{
    KASSERT_OWNER(&a->owner);
    return a->dark;
}

/* The next schedule change after wall time now_s, computed once a minute. */
static int64_t next_change(struct app *a, int64_t now_s)
{
    if (a->sched_for_s != now_s / 60) {
        a->sched_for_s = now_s / 60;
        a->sched_next_s = schedule_next_change(&a->cfg.schedule, now_s);
    }
    return a->sched_next_s;
}

static void publish(struct app *a)
{
    int on = a->dark ? 0 : 1;
    if (!a->client || a->screen_pub == on) return;
    kclient_set_screen_on(a->client, on);
    a->screen_pub = on;
}

void app_ops_tick(struct app *a)
{
    uint64_t now = app_now_ms(a);
    int64_t now_s = app_wall_s(a);

    /* the hidden gesture */
    if (a->hold && now >= a->hold_since + ADMIN_HOLD_MS) {
        a->hold = false;
        ui_pointer_cancel(a->ui);
        if (!a->opt.admin) {
            /* no admin screen in this program */
        } else if (!a->cfg.admin_pin_hash[0]) {
            KLOGW("admin", "hidden gesture: no admin_pin_hash in the config, the panel stays closed");
        } else {
            KLOGI("admin", "hidden gesture: PIN entry opened");
            app_queue_op(a, OP_PUSH, a->opt.admin, NULL, 0);
        }
        a->dirty = true;
    }

    if (a->cfg.schedule.set) {
        bool on = schedule_on(&a->cfg.schedule, now_s);
        bool touched = a->had_input &&
                       now < a->last_input + (uint64_t)a->cfg.screen_wake_s * 1000u;
        next_change(a, now_s);
        if (a->dark && on) {
            a->dark = false;
            ui_invalidate(a->ui);
            a->dirty = true;
            KLOGI("app", "screen on (schedule)");
        } else if (!a->dark && !on && !touched) {
            a->dark = true;
            a->dark_drawn = false;
            a->hold = false;
            app_queue_op(a, OP_WIPE, NULL, NULL, 0); /* nobody is there: wipe the session */
            a->dirty = true;
            KLOGI("app", "screen off (schedule): dark until the next on-time or a touch");
        }
    }
    publish(a);
}

bool app_ops_pointer(struct app *a, int kind, float lx, float ly)
{
    uint64_t now = app_now_ms(a);
    a->had_input = true;
    if (a->dark && kind == 0) {
        a->dark = false;
        a->swallow = true;
        a->last_input = now;
        ui_invalidate(a->ui);
        a->dirty = true;
        KLOGI("app", "screen on (a touch) for %d s", a->cfg.screen_wake_s);
        publish(a);
        return true;
    }
    if (a->swallow) {
        a->last_input = now;
        if (kind == 2) a->swallow = false;
        return true;
    }
    if (kind == 0) {
        a->hold = lx < ADMIN_CORNER && ly < ADMIN_CORNER;
        a->hold_since = now;
        a->hold_x = lx;
        a->hold_y = ly;
        if (a->hold) app_timer_at(a, now + ADMIN_HOLD_MS);
    } else if (kind == 1) {
        if (a->hold && (fabsf(lx - a->hold_x) > ADMIN_SLOP || fabsf(ly - a->hold_y) > ADMIN_SLOP))
            a->hold = false;
    } else {
        a->hold = false;
    }
    return false;
}

uint64_t app_ops_deadline(struct app *a)
{
    uint64_t d = UINT64_MAX, now = app_now_ms(a);
    if (a->hold) d = a->hold_since + ADMIN_HOLD_MS;
    if (a->cfg.schedule.set) {
        int64_t now_s = app_wall_s(a), next = next_change(a, now_s);
        if (next > now_s) {
            uint64_t at = now + (uint64_t)(next - now_s) * 1000u;
            if (at < d) d = at;
        }
        if (!a->dark && a->had_input && !schedule_on(&a->cfg.schedule, now_s)) {
            uint64_t off = a->last_input + (uint64_t)a->cfg.screen_wake_s * 1000u;
            if (off < d) d = off > now ? off : now;
        }
    }
    return d;
}
