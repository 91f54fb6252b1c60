/* attract: what the screen shows while nobody uses it. A big clock, the
 * date, the district's name and a highlight that changes every few seconds
 * (current notices and the district's figures). Any tap leaves for home; the
 * session was already wiped when the kiosk came here. */
#include <stdio.h>
#include <time.h>

#include "screens.h"

struct attract {
    uint64_t entered;
};

static void enter(struct app *a, void *st, const void *arg)
{
    struct attract *s = st;
    (void)arg;
    s->entered = app_now_ms(a);
}

/* The n-th highlight: notices first, then figures. Returns false if none. */
static bool highlight(struct app *a, size_t i, char *head, size_t hn, char *text, size_t tn)
{
    const struct content *c = app_content(a);
    const struct content_notice *nt[16];
    size_t nn, total;
    enum content_lang l = app_lang(a);
    if (!c) return false;
    nn = content_current_notices(c, app_wall_s(a), nt, 16);
    if (nn > 16) nn = 16;
    total = nn + c->district.n_facts;
    if (total == 0) return false;
    i %= total;
    if (i < nn) {
        snprintf(head, hn, "%s", app_tr(a, S_NOTICES_TITLE));
        snprintf(text, tn, "%s", content_tr(&nt[i]->title, l));
    } else {
        const struct content_fact *f = &c->district.facts[i - nn];
        snprintf(head, hn, "%s", app_tr(a, S_ABOUT_FIGURES));
        snprintf(text, tn, "%s %s", f->value, content_tr(&f->label, l));
    }
    return true;
}

static void frame(struct app *a, void *st, struct ui_rect body)
{
    struct attract *s = st;
    struct ui *ui = app_ui(a);
    const struct content *c = app_content(a);
    float w = body.w, h = body.h, m = scr_margin(ui);
    time_t now = (time_t)app_wall_s(a);
    struct tm tm;
    char hhmm[16], date[96], head[128], text[512];
    uint64_t period = (uint64_t)app_cfg(a)->attract_rotate_s * 1000u;
    uint64_t since = app_now_ms(a) - s->entered;
    const char *name = c ? content_tr(&c->district.name, app_lang(a)) : "黄龙商圈";

    localtime_r(&now, &tm);
    strftime(hhmm, sizeof hhmm, "%H:%M", &tm);
    i18n_date(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_wday, app_lang(a), date,
              sizeof date);

    /* The whole screen is one tap target; the toggle sits on top of it. */
    if (ui_hit_area(ui, body, app_tr(a, S_ATTRACT_HINT))) app_go_home(a);
    ui_fill(ui, body, UI_C_RED_DARK);
    ui_fill(ui, (struct ui_rect){0, h * 0.62f, w, h * 0.38f}, UI_C_RED);
    ui_fill(ui, (struct ui_rect){0, h * 0.62f - 8, w, 8}, UI_C_GOLD);
    ui_label(ui, m, 20, name, UI_F_HUGE, UI_C_WHITE, UI_LEFT);
    ui_label(ui, w / 2, h * 0.62f / 2 - 150, hhmm, UI_F_CLOCK, UI_C_WHITE, UI_CENTER);
    ui_label(ui, w / 2, h * 0.62f / 2 + 90, date, UI_F_LARGE, 0xFFFFFFD0u, UI_CENTER);
    if (app_content_stale(a, text, sizeof text)) /* the pushed content expired */
        ui_label(ui, w / 2, h * 0.62f / 2 + 170, text, UI_F_BODY, 0xFFE2A8FFu, UI_CENTER);

    if (highlight(a, (size_t)(since / period), head, sizeof head, text, sizeof text)) {
        float cw = w - 2 * m;
        float y = h * 0.62f + 60;
        ui_label(ui, m, y, head, UI_F_BODY, 0xF8D58CFFu, UI_LEFT);
        ui_paragraph(ui, m, y + 60, cw, text, UI_F_TITLE, UI_C_WHITE);
    }
    ui_icon(ui, w / 2 - ui_text_w(ui, app_tr(a, S_ATTRACT_HINT), UI_F_LARGE) / 2 - 40,
            h - m - 30, "touch_app", UI_F_ICON, UI_C_WHITE);
    ui_label(ui, w / 2, h - m - 56, app_tr(a, S_ATTRACT_HINT), UI_F_LARGE, UI_C_WHITE, UI_CENTER);
    if (c && c->sample)
        ui_label(ui, w - m, h - m - 50, app_tr(a, S_SAMPLE_DATA), UI_F_SMALL, 0xFFFFFFE6u,
                 UI_RIGHT);
    if (app_lang_button(a, app_lang_rect(a), UI_ON_RED)) app_go_home(a);
    if (app_elder_button(a, app_elder_rect(a), UI_ON_RED)) app_go_home(a);
    if (app_voice_button(a, app_voice_rect(a), UI_ON_RED)) app_go_home(a);
    app_timer_at(a, s->entered + (since / period + 1) * period);
}

const struct screen screen_attract = {
    .id = "attract",
    .state_size = sizeof(struct attract),
    .flags = SCREEN_BARE,
    .enter = enter,
    .frame = frame,
};
