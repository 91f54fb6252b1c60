/* service_list: the services of one category, a row each (name and one-line
 * summary), scrollable by drag with inertia. A row opens service_detail. */
#include "screens.h"

struct service_list {
    const struct content_category *cat;
    struct ui_scroll scroll;
};

static void enter(struct app *a, void *st, const void *arg)
{
    struct service_list *s = st;
    (void)a;
    s->cat = arg;
}

static const char *title(struct app *a, void *st)
{
    struct service_list *s = st;
    return s->cat ? content_tr(&s->cat->name, app_lang(a)) : "";
}

static void frame(struct app *a, void *st, struct ui_rect body)
{
    struct service_list *s = st;
    struct ui *ui = app_ui(a);
    const struct content *c = app_content(a);
    enum content_lang l = app_lang(a);
    const struct content_service *sv[256];
    size_t n;
    float m = scr_margin(ui), row_h = ui_row_h(ui, 176, true), gap = 20, y;

    if (!c || !s->cat) {
        scr_no_content(a, body);
        return;
    }
    n = content_services_in(c, s->cat->id, sv, 256);
    if (n > 256) n = 256;
    ui_scroll_begin(ui, &s->scroll, body);
    y = body.y + 40;
    for (size_t i = 0; i < n; i++) {
        struct ui_rect r = {m, y, body.w - 2 * m, row_h};
        if (ui_row(ui, r, s->cat->icon, content_tr(&sv[i]->name, l),
                   content_tr(&sv[i]->summary, l)))
            app_push(a, &screen_service_detail, sv[i], sizeof *sv[i]);
        y += row_h + gap;
    }
    ui_scroll_end(ui, &s->scroll, y - body.y + 40);
}

const struct screen screen_service_list = {
    .id = "service_list",
    .state_size = sizeof(struct service_list),
    .enter = enter,
    .frame = frame,
    .title = title,
};
