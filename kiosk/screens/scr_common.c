#include <time.h>

#include "screens.h"

float scr_prompt(struct app *a, struct ui_rect body, const char *button, const char *prompt,
                 float *bw)
{
    struct ui *ui = app_ui(a);
    float m = scr_margin(ui), need = ui_text_w(ui, button, UI_F_BODY) + 58 + 8 + 40, ph;
    if (need > *bw) *bw = need;
    ph = ui_paragraph(ui, m, body.y + 28, body.w - 2 * m - *bw - 24, prompt, UI_F_BODY, UI_C_MUTED);
    return ph > 96 ? ph : 96;
}

float scr_margin(struct ui *ui)
{
    return ui_portrait(ui) ? 40 : 64;
}

float scr_info_card(struct app *a, float x, float y, float w, const char *icon,
                    const char *heading, const char *text)
{
    struct ui *ui = app_ui(a);
    float th = ui_paragraph_height(ui, w - 140, text, UI_F_BODY);
    float h = 70 + th + 36;
    ui_fill_round(ui, (struct ui_rect){x, y, w, h}, 20, UI_C_SURFACE);
    ui_icon(ui, x + 56, y + 52, icon, UI_F_ICON, UI_C_RED);
    ui_label(ui, x + 110, y + 26, heading, UI_F_SMALL, UI_C_MUTED, UI_LEFT);
    ui_paragraph(ui, x + 110, y + 66, w - 140, text, UI_F_BODY, UI_C_TEXT);
    return h;
}

bool scr_warm_target(const struct content *c, enum content_lang lang, size_t k,
                     const struct screen **s, const void **arg)
{
    static const struct screen *const fixed[] = {&screen_home, &screen_services, &screen_notices,
                                                 &screen_about, &screen_help, &screen_search};
    const size_t nf = sizeof fixed / sizeof fixed[0];
    *arg = NULL;
    if (k < nf) {
        *s = fixed[k];
        return true;
    }
    k -= nf;
    if (!c || lang != CONTENT_ZH) return false;
    /* the form of the first request category and the ticket screen: their
     * keyboards are baked too */
    if (k == 0) {
        *s = &screen_help_form;
        *arg = c->n_request_categories ? &c->request_categories[0] : NULL;
        return true;
    }
    if (k == 1) {
        *s = &screen_ticket;
        return true;
    }
    if (k == 2) { /* the circle in Chinese (in English too it cost 1.5 MB of peak RSS) */
        *s = &screen_circle;
        return true;
    }
    if (k == 3) { /* a place of the circle: its labels, panel and steps */
        const char *id = NULL;
        for (size_t i = 0; i < c->n_orgs && !id; i++)
            if (c->orgs[i].place.tower_id) id = c->orgs[i].id;
        if (c->n_nursing_rooms) id = c->nursing_rooms[0].id;
        *s = &screen_place;
        *arg = id;
        return true;
    }
    k -= 4;
    if (k < c->n_categories) {
        *s = &screen_service_list;
        *arg = &c->categories[k];
        return true;
    }
    k -= c->n_categories;
    if (k < c->n_notices) {
        *s = &screen_notice_detail;
        *arg = &c->notices[k];
        return true;
    }
    k -= c->n_notices;
    if (k < c->n_services) {
        *s = &screen_service_detail;
        *arg = &c->services[k];
        return true;
    }
    return false;
}

void scr_no_content(struct app *a, struct ui_rect body)
{
    struct ui *ui = app_ui(a);
    ui_icon(ui, body.x + body.w / 2, body.y + body.h / 2 - 80, "cloud_off", UI_F_ICON_L,
            UI_C_MUTED);
    ui_label(ui, body.x + body.w / 2, body.y + body.h / 2, app_tr(a, S_CONTENT_BROKEN),
             UI_F_LARGE, UI_C_MUTED, UI_CENTER);
}

const char *scr_date(int64_t t, char *buf, size_t n)
{
    time_t tt = (time_t)t;
    struct tm tm;
    localtime_r(&tt, &tm);
    strftime(buf, n, "%Y-%m-%d", &tm);
    return buf;
}
