/* services: the service categories of the bundle as large cards (icon, name,
 * how many services), and 搜索 for the search screen. A card opens
 * service_list for its category. */
#include <stdio.h>

#include "screens.h"

struct services {
    struct ui_scroll scroll;
};

static const char *title(struct app *a, void *st)
{
    (void)st;
    return app_tr(a, S_SERVICES_TITLE);
}

static void frame(struct app *a, void *st, struct ui_rect body)
{
    struct services *s = st;
    struct ui *ui = app_ui(a);
    const struct content *c = app_content(a);
    enum content_lang l = app_lang(a);
    float m = scr_margin(ui), w = body.w;
    bool portrait = ui_portrait(ui);
    int cols = portrait ? 1 : ui_elder(ui) ? 2 : 3;
    float gap = portrait ? 22 : 32, card_h = ui_row_h(ui, portrait ? 150 : 200, true),
          top = body.y + 150, bw = 260;
    float cw = (w - 2 * m - (cols - 1) * gap) / cols;
    float y;

    if (!c) {
        scr_no_content(a, body);
        return;
    }
    if (ui_elder(ui)) /* the prompt wraps beside a button as wide as its label */
        top = body.y + 28 + scr_prompt(a, body, app_tr(a, S_SEARCH), app_tr(a, S_SERVICES_PICK), &bw) + 28;
    else
        ui_label_fit(ui, (struct ui_rect){m, body.y + 28, w - 2 * m - 260 - 24, 96},
                     app_tr(a, S_SERVICES_PICK), UI_F_LARGE, UI_C_MUTED, UI_LEFT);
    if (ui_button_icon(ui, (struct ui_rect){w - m - bw, body.y + 28, bw, 96}, "search",
                       app_tr(a, S_SEARCH), UI_PRIMARY))
        app_push(a, &screen_search, NULL, 0);

    ui_scroll_begin(ui, &s->scroll, (struct ui_rect){0, top, w, body.y + body.h - top});
    y = top + 8;
    for (size_t i = 0; i < c->n_categories; i++) {
        const struct content_category *cat = &c->categories[i];
        char sub[64];
        size_t n = content_services_in(c, cat->id, NULL, 0);
        struct ui_rect r = {m + (i % (size_t)cols) * (cw + gap), y + (i / (size_t)cols) * (card_h + gap),
                            cw, card_h};
        snprintf(sub, sizeof sub, "%zu %s", n, app_tr(a, S_SERVICE_COUNT));
        if (ui_row(ui, r, cat->icon, content_tr(&cat->name, l), sub))
            app_push(a, &screen_service_list, cat, sizeof *cat);
    }
    {
        size_t rows = (c->n_categories + (size_t)cols - 1) / (size_t)cols;
        ui_scroll_end(ui, &s->scroll, 8 + rows * (card_h + gap) + 40);
    }
}

const struct screen screen_services = {
    .id = "services",
    .state_size = sizeof(struct services),
    .frame = frame,
    .title = title,
};
