/* help: what a person can ask the service centre for (the bundle's request
 * categories, each with the organisation that handles it), and 查询进度 to
 * follow a ticket. A category opens help_form. */
#include <stdio.h>

#include "screens.h"

struct help {
    struct ui_scroll scroll;
};

static const char *title(struct app *a, void *st)
{
    (void)st;
    return app_tr(a, S_HELP_TITLE);
}

static void frame(struct app *a, void *st, struct ui_rect body)
{
    struct help *s = st;
    struct ui *ui = app_ui(a);
    const struct content *c = app_content(a);
    enum content_lang l = app_lang(a);
    bool portrait = ui_portrait(ui);
    float m = scr_margin(ui), w = body.w, y;
    int cols = portrait ? 1 : 2;
    float gap = 24, rh = ui_row_h(ui, 150, true), cw = (w - 2 * m - (cols - 1) * gap) / cols,
          top = body.y + 150, bw = 300;

    if (!c) {
        scr_no_content(a, body);
        return;
    }
    if (ui_elder(ui)) /* the prompt wraps beside a button as wide as its label */
        top = body.y + 28 + scr_prompt(a, body, app_tr(a, S_HELP_TRACK), app_tr(a, S_HELP_PICK), &bw) + 28;
    else
        ui_label_fit(ui, (struct ui_rect){m, body.y + 28, w - 2 * m - 300 - 24, 96},
                     app_tr(a, S_HELP_PICK), UI_F_LARGE, UI_C_MUTED, UI_LEFT);
    if (ui_button_icon(ui, (struct ui_rect){w - m - bw, body.y + 28, bw, 96}, "manage_search",
                       app_tr(a, S_HELP_TRACK), UI_PRIMARY))
        app_push(a, &screen_ticket, NULL, 0);
    ui_scroll_begin(ui, &s->scroll, (struct ui_rect){0, top, w, body.y + body.h - top});
    y = top + 8;
    for (size_t i = 0; i < c->n_request_categories; i++) {
        const struct content_request_category *rc = &c->request_categories[i];
        const struct content_org *org = content_org(c, rc->org_id);
        char sub[256];
        struct ui_rect r = {m + (i % (size_t)cols) * (cw + gap), y + (i / (size_t)cols) * (rh + gap),
                            cw, rh};
        snprintf(sub, sizeof sub, "%s%s", app_tr(a, S_HELP_HANDLED_BY),
                 org ? content_tr(&org->name, l) : "");
        if (ui_row(ui, r, "support_agent", content_tr(&rc->name, l), sub))
            app_push(a, &screen_help_form, rc, sizeof *rc);
    }
    {
        size_t rows = (c->n_request_categories + (size_t)cols - 1) / (size_t)cols;
        ui_scroll_end(ui, &s->scroll, 8 + rows * (rh + gap) + 40);
    }
}

const struct screen screen_help = {
    .id = "help",
    .state_size = sizeof(struct help),
    .frame = frame,
    .title = title,
};
