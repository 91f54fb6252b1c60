/* What the app draws itself, around and over the screens: the top bar, the
 * language toggle, the 还在吗？ dialog, and the order of a frame's ui calls. */
#include <math.h>
#include <stdio.h>
#include <time.h>

#include "app_impl.h"

/* The top bar's buttons: 86 tall, 96+ in elder mode. */
static float bar_btn_y(const struct app *a)
{
    return a->elder ? 8 : 14;
}
static float bar_btn_h(const struct app *a)
{
    return a->elder ? 100 : 86;
}
/* The width of the language and elder-mode buttons. */
static float bar_toggle_w(const struct app *a)
{
    return a->elder ? 280 : 230;
}

struct ui_rect app_lang_rect(const struct app *a)
{
    KASSERT_OWNER(&a->owner);
    float bw = bar_toggle_w(a);
    return (struct ui_rect){ui_width(a->ui) - 24 - bw, bar_btn_y(a), bw, bar_btn_h(a)};
}

struct ui_rect app_elder_rect(const struct app *a)
{
    KASSERT_OWNER(&a->owner);
    struct ui_rect r = app_lang_rect(a);
    r.x -= r.w + 16;
    return r;
}

bool app_elder_button(struct app *a, struct ui_rect r, enum ui_style style)
{
    KASSERT_OWNER(&a->owner);
    if (ui_button_icon(a->ui, r, "format_size", app_tr(a, a->elder ? S_ELDER_OFF : S_ELDER_ON),
                       style)) {
        app_toggle_elder(a);
        return true;
    }
    return false;
}

struct ui_rect app_voice_rect(const struct app *a)
{
    KASSERT_OWNER(&a->owner);
    struct ui_rect r = ui_portrait(a->ui) ? app_lang_rect(a) : app_elder_rect(a);
    if (ui_portrait(a->ui)) /* portrait: the second row, under the language */
        r.y += r.h + 8;
    else
        r.x -= r.w + 16;
    return r;
}

static float topbar_h(const struct app *a)
{
    if (ui_portrait(a->ui)) /* room for the second row's 语音播报 in elder mode */
        return a->elder ? APP_TOPBAR_H_PORTRAIT_ELDER : APP_TOPBAR_H_PORTRAIT;
    return APP_TOPBAR_H;
}

bool app_lang_button(struct app *a, struct ui_rect r, enum ui_style style)
{
    KASSERT_OWNER(&a->owner);
    if (ui_button_icon(a->ui, r, "translate", app_tr(a, S_LANG_TOGGLE), style)) {
        app_toggle_lang(a);
        return true;
    }
    return false;
}

void app_draw_topbar(struct app *a, const struct layer *top)
{
    struct ui *ui = a->ui;
    float w = ui_width(ui), bh = topbar_h(a), by = bar_btn_y(a), bbh = bar_btn_h(a);
    bool portrait = ui_portrait(ui);
    float bw = portrait && !a->elder ? 180 : a->elder ? 210 : 200;
    float right = w - 24;
    char hhmm[16];
    time_t now = (time_t)app_wall_s(a);
    struct tm tm;
    const char *title = top->s->title ? top->s->title(a, top->st) : "";

    ui_fill(ui, (struct ui_rect){0, 0, w, bh}, UI_C_RED);
    ui_fill(ui, (struct ui_rect){0, bh - 6, w, 6}, UI_C_GOLD);
    if (ui_button_icon(ui, (struct ui_rect){24, by, bw, bbh}, "arrow_back", app_tr(a, S_BACK),
                       UI_ON_RED))
        app_pop(a);
    if (ui_button_icon(ui, (struct ui_rect){24 + bw + 20, by, bw, bbh}, "home", app_tr(a, S_HOME),
                       UI_ON_RED))
        app_go_home(a);
    app_lang_button(a, app_lang_rect(a), UI_ON_RED);
    app_elder_button(a, app_elder_rect(a), UI_ON_RED);
    app_voice_button(a, app_voice_rect(a), UI_ON_RED);
    right = app_voice_rect(a).x - 16;
    if (portrait) {
        /* the title has the second row, left of 语音播报 */
        struct ui_rect vr = app_voice_rect(a);
        ui_label_fit(ui, (struct ui_rect){24, vr.y, vr.x - 16 - 24, vr.h}, title, UI_F_TITLE,
                     UI_C_WHITE, UI_CENTER);
        return;
    }
    {
        localtime_r(&now, &tm);
        strftime(hhmm, sizeof hhmm, "%H:%M", &tm);
        float cw = ui_text_w(ui, "00:00", UI_F_LARGE) + 8;
        float left = 24 + 2 * bw + 20 + 16;
        /* the clock gives its room to a title that would be cut even at the
         * smallest size (a long room name in elder mode's larger type) */
        if (ui_text_w(ui, title, UI_F_SMALL) <= right - cw - 16 - left) {
            ui_label_in(ui, (struct ui_rect){right - cw, by, cw, bbh}, hhmm, UI_F_LARGE,
                        UI_C_WHITE, UI_RIGHT);
            right -= cw + 16;
        }
    }
    {
        float left = 24 + 2 * bw + 20 + 16;
        float span = fminf(right - w / 2, w / 2 - left);
        /* centred on the screen when it fits there at full size, else in
         * all the room between the buttons (portrait) before it shrinks */
        struct ui_rect tr = {w / 2 - span, by, 2 * span, bbh};
        if (ui_text_w(ui, title, UI_F_TITLE) > tr.w) tr = (struct ui_rect){left, by, right - left, bbh};
        ui_label_fit(ui, tr, title, UI_F_TITLE, UI_C_WHITE, UI_CENTER);
    }
}

static void draw_still_there(struct app *a)
{
    char title[64];
    const char *buttons[2] = {app_tr(a, S_FINISH), app_tr(a, S_CONTINUE)};
    uint64_t now = app_now_ms(a);
    unsigned left = a->ask_until > now ? (unsigned)((a->ask_until - now + 999) / 1000) : 0;
    int r;
    snprintf(title, sizeof title, "%s  %u", app_tr(a, S_STILL_THERE), left);
    r = ui_modal(a->ui, title, app_tr(a, S_STILL_THERE_BODY), buttons, 2);
    if (r == 1) app_queue_op(a, OP_WIPE, NULL, NULL, 0);
    if (r == 2) {
        a->asking = false;
        a->last_input = now;
        a->dirty = true;
    }
    if (a->ask_until > now) app_timer_at(a, now + ((a->ask_until - now) % 1000 ? (a->ask_until - now) % 1000 : 1000));
}

struct ui_rect app_screen_body(struct app *a, const struct screen *s)
{
    if (s->flags & SCREEN_BARE) return (struct ui_rect){0, 0, ui_width(a->ui), ui_height(a->ui)};
    return (struct ui_rect){0, topbar_h(a), ui_width(a->ui), ui_height(a->ui) - topbar_h(a)};
}

void app_draw_screen(struct app *a)
{
    struct layer *top = &a->stack[a->depth - 1];
    if (app_fleet_draw(a)) return; /* an emergency alert covers every screen; they keep state */
    top->s->frame(a, top->st, app_screen_body(a, top->s));
    if (!(top->s->flags & SCREEN_BARE)) app_draw_topbar(a, top);
    if (a->asking) draw_still_there(a);
    ui_draw_overlays(a->ui);
}
