/* service_detail: one service: what it is, who provides it, where (tower,
 * floor, room), when, and the phone. Landscape puts the facts in a column
 * beside the description; portrait stacks them. */
#include <stdio.h>

#include "screens.h"

struct service_detail {
    const struct content_service *sv;
    struct ui_scroll scroll;
};

static void enter(struct app *a, void *st, const void *arg)
{
    struct service_detail *s = st;
    (void)a;
    s->sv = arg;
}

static const char *title(struct app *a, void *st)
{
    struct service_detail *s = st;
    return s->sv ? content_tr(&s->sv->name, app_lang(a)) : "";
}

static void frame(struct app *a, void *st, struct ui_rect body)
{
    struct service_detail *s = st;
    struct ui *ui = app_ui(a);
    const struct content *c = app_content(a);
    enum content_lang l = app_lang(a);
    const struct content_service *sv = s->sv;
    bool portrait = ui_portrait(ui);
    float m = scr_margin(ui), y, colw, x2, y2;
    char place[256];

    if (!c || !sv) {
        scr_no_content(a, body);
        return;
    }
    ui_scroll_begin(ui, &s->scroll, body);
    y = body.y + 48;
    colw = portrait ? body.w - 2 * m : (body.w - 2 * m) * 0.56f;
    y += ui_paragraph(ui, m, y, colw, content_tr(&sv->name, l), UI_F_HUGE, UI_C_TEXT) + 20;
    y += ui_paragraph(ui, m, y, colw, content_tr(&sv->summary, l), UI_F_LARGE, UI_C_RED) + 40;
    ui_label(ui, m, y, app_tr(a, S_SERVICE_WHAT), UI_F_SMALL, UI_C_MUTED, UI_LEFT);
    y += 50;
    y += ui_paragraph(ui, m, y, colw, content_tr(&sv->details, l), UI_F_BODY, UI_C_TEXT) + 48;

    x2 = portrait ? m : m + colw + 64;
    y2 = portrait ? y : body.y + 48;
    {
        float cw = portrait ? body.w - 2 * m : body.w - m - x2;
        y2 += scr_info_card(a, x2, y2, cw, "badge", app_tr(a, S_SERVICE_PROVIDER),
                            content_tr(&sv->provider, l)) + 24;
        content_place_format(c, &sv->place, l, place, sizeof place);
        if (place[0])
            y2 += scr_info_card(a, x2, y2, cw, "place", app_tr(a, S_SERVICE_PLACE), place) + 24;
        if (sv->hours.zh)
            y2 += scr_info_card(a, x2, y2, cw, "schedule", app_tr(a, S_SERVICE_HOURS),
                                content_tr(&sv->hours, l)) + 24;
        if (sv->phone)
            y2 += scr_info_card(a, x2, y2, cw, "call", app_tr(a, S_SERVICE_PHONE), sv->phone) + 24;
    }
    ui_scroll_end(ui, &s->scroll, (y > y2 ? y : y2) - body.y + 40);
}

const struct screen screen_service_detail = {
    .id = "service_detail",
    .state_size = sizeof(struct service_detail),
    .enter = enter,
    .frame = frame,
    .title = title,
};
