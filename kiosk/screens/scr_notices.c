/* notices: the notices current now (start <= now < end), highest priority
 * first; a row opens notice_detail. The list is taken when the screen opens
 * and again each time the clock passes a minute, so an expiring notice
 * leaves while the screen is shown. */
#include <stdio.h>

#include "screens.h"

#define MAX_NOTICES 64

struct notices {
    struct ui_scroll scroll;
};

static const char *title(struct app *a, void *st)
{
    (void)st;
    return app_tr(a, S_NOTICES_TITLE);
}

static void frame(struct app *a, void *st, struct ui_rect body)
{
    struct notices *s = st;
    struct ui *ui = app_ui(a);
    const struct content *c = app_content(a);
    enum content_lang l = app_lang(a);
    const struct content_notice *nt[MAX_NOTICES];
    size_t n;
    float m = scr_margin(ui), y;

    if (!c) {
        scr_no_content(a, body);
        return;
    }
    n = content_current_notices(c, app_wall_s(a), nt, MAX_NOTICES);
    if (n > MAX_NOTICES) n = MAX_NOTICES;
    if (n == 0) {
        ui_icon(ui, body.w / 2, body.y + body.h / 2 - 80, "notifications_none", UI_F_ICON_L,
                UI_C_MUTED);
        ui_label(ui, body.w / 2, body.y + body.h / 2, app_tr(a, S_NOTICES_NONE), UI_F_LARGE,
                 UI_C_MUTED, UI_CENTER);
        return;
    }
    ui_scroll_begin(ui, &s->scroll, body);
    y = body.y + 40;
    for (size_t i = 0; i < n; i++) {
        char d1[16], d2[16], sub[96];
        snprintf(sub, sizeof sub, "%s %s – %s", app_tr(a, S_NOTICE_VALID),
                 scr_date(nt[i]->start_s, d1, sizeof d1),
                 scr_date(nt[i]->end_s - 1, d2, sizeof d2));
        if (ui_row(ui, (struct ui_rect){m, y, body.w - 2 * m, ui_row_h(ui, 150, true)},
                   "campaign",
                   content_tr(&nt[i]->title, l), sub))
            app_push(a, &screen_notice_detail, nt[i], sizeof *nt[i]);
        y += ui_row_h(ui, 150, true) + 20;
    }
    ui_scroll_end(ui, &s->scroll, y - body.y + 40);
}

const struct screen screen_notices = {
    .id = "notices",
    .state_size = sizeof(struct notices),
    .frame = frame,
    .title = title,
};
