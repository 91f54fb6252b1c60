/* search: find a service by typing on the on-screen keyboard: pinyin
 * ("falv"), initials ("flfw") or a prefix of either; results update on every
 * key. An empty result says what to try and offers categories. A hit that is
 * an organisation opens a dialog with its details. */
#include <stdio.h>
#include <string.h>

#include "screens.h"

#define MAX_QUERY 32
#define MAX_HITS 40

struct search {
    char q[MAX_QUERY + 1];
    struct search_hit hits[MAX_HITS];
    size_t nhits;
    const struct content_category *sugg[6];
    size_t nsugg;
    const struct content_org *org; /* dialog open for this organisation */
    struct ui_scroll scroll;
};

static const char *title(struct app *a, void *st)
{
    (void)st;
    return app_tr(a, S_SEARCH_TITLE);
}

static void requery(struct app *a, struct search *s)
{
    const struct search_index *ix = app_search(a);
    s->nhits = ix && s->q[0] ? search_query(ix, s->q, s->hits, MAX_HITS) : 0;
    s->nsugg = ix && s->q[0] && s->nhits == 0 ? search_suggest(ix, s->sugg, 6) : 0;
    ui_scroll_reset(&s->scroll);
}

static void on_key(struct app *a, struct search *s, const struct ui_key *k)
{
    if (ui_key_apply(k, s->q, sizeof s->q) == 1) requery(a, s);
}

static void results(struct app *a, struct search *s, struct ui_rect r)
{
    struct ui *ui = app_ui(a);
    const struct content *c = app_content(a);
    enum content_lang l = app_lang(a);
    float y;
    ui_scroll_begin(ui, &s->scroll, r);
    y = r.y + 8;
    if (!s->q[0]) {
        y += ui_paragraph(ui, r.x + 8, y, r.w - 16, app_tr(a, S_SEARCH_PROMPT), UI_F_LARGE,
                          UI_C_MUTED) + 24;
    } else if (s->nhits == 0) {
        ui_icon(ui, r.x + 40, y + 30, "search_off", UI_F_ICON, UI_C_MUTED);
        ui_label(ui, r.x + 90, y + 6, app_tr(a, S_SEARCH_EMPTY), UI_F_LARGE, UI_C_TEXT, UI_LEFT);
        y += 80;
        y += ui_paragraph(ui, r.x + 8, y, r.w - 16, search_hint(l), UI_F_BODY, UI_C_MUTED) + 24;
        ui_label(ui, r.x + 8, y, app_tr(a, S_SEARCH_TRY), UI_F_BODY, UI_C_MUTED, UI_LEFT);
        y += 60;
        {
            float x = r.x + 8;
            for (size_t i = 0; i < s->nsugg; i++) {
                const char *name = content_tr(&s->sugg[i]->name, l);
                float bw = ui_text_w(ui, name, UI_F_BODY) + 64, ch = fmaxf(80, ui_min_target(ui));
                if (x + bw > r.x + r.w) {
                    x = r.x + 8;
                    y += ch + 16;
                }
                if (ui_button(ui, (struct ui_rect){x, y, bw, ch}, name, UI_CHIP))
                    app_push(a, &screen_service_list, s->sugg[i], sizeof *s->sugg[i]);
                x += bw + 16;
            }
            y += fmaxf(80, ui_min_target(ui)) + 20;
        }
    } else {
        char count[64];
        snprintf(count, sizeof count, "%zu %s", s->nhits,
                 app_tr(a, s->nhits == 1 ? S_SEARCH_RESULT_ONE : S_SEARCH_RESULTS));
        ui_label(ui, r.x + 8, y, count, UI_F_SMALL, UI_C_MUTED, UI_LEFT);
        y += 48;
        for (size_t i = 0; i < s->nhits; i++) {
            const struct search_hit *h = &s->hits[i];
            char sub[512];
            const char *name = "", *icon = "article";
            if (h->kind == SEARCH_SERVICE) {
                const struct content_category *cat = content_category(c, h->service->category_id);
                name = content_tr(&h->service->name, l);
                icon = cat ? cat->icon : icon;
                snprintf(sub, sizeof sub, "%s · %s", app_tr(a, S_KIND_SERVICE),
                         content_tr(&h->service->summary, l));
            } else if (h->kind == SEARCH_CATEGORY) {
                name = content_tr(&h->category->name, l);
                icon = h->category->icon;
                snprintf(sub, sizeof sub, "%s", app_tr(a, S_KIND_CATEGORY));
            } else {
                name = content_tr(&h->org->name, l);
                icon = "groups";
                snprintf(sub, sizeof sub, "%s · %s", app_tr(a, S_KIND_ORG),
                         content_tr(content_org_type_label(h->org->type), l));
            }
            /* elder: two lines more of summary than other lists */
            float rh = ui_row_h(ui, 170, true) + (ui_elder(ui) ? 2.5f * ui_line_h(ui, UI_F_SMALL) : 0);
            if (ui_row(ui, (struct ui_rect){r.x, y, r.w, rh}, icon, name, sub)) {
                if (h->kind == SEARCH_SERVICE)
                    app_push(a, &screen_service_detail, h->service, sizeof *h->service);
                if (h->kind == SEARCH_CATEGORY)
                    app_push(a, &screen_service_list, h->category, sizeof *h->category);
                if (h->kind == SEARCH_ORG) s->org = h->org;
            }
            y += rh + 16;
        }
    }
    ui_scroll_end(ui, &s->scroll, y - r.y);
}

static void org_dialog(struct app *a, struct search *s)
{
    const struct content *c = app_content(a);
    enum content_lang l = app_lang(a);
    const char *close[1] = {app_tr(a, S_CLOSE)};
    char place[256], body[1024];
    content_place_format(c, &s->org->place, l, place, sizeof place);
    snprintf(body, sizeof body, "%s\n%s%s%s%s%s",
             content_tr(content_org_type_label(s->org->type), l), place,
             s->org->hours.zh ? "\n" : "", s->org->hours.zh ? content_tr(&s->org->hours, l) : "",
             s->org->phone ? "\n" : "", s->org->phone ? s->org->phone : "");
    if (ui_modal(app_ui(a), content_tr(&s->org->name, l), body, close, 1)) s->org = NULL;
}

static void frame(struct app *a, void *st, struct ui_rect body)
{
    struct search *s = st;
    struct ui *ui = app_ui(a);
    bool portrait = ui_portrait(ui);
    float m = scr_margin(ui);
    struct ui_rect field, list, kb;
    struct ui_key key;

    if (!app_content(a)) {
        scr_no_content(a, body);
        return;
    }
    if (portrait) {
        float kh = ui_keyboard_height(ui, UI_KBD_LETTERS, body.w - 2 * m);
        field = (struct ui_rect){m, body.y + 32, body.w - 2 * m, 110};
        kb = (struct ui_rect){m, body.y + body.h - kh - 32, body.w - 2 * m, kh};
        list = (struct ui_rect){m, field.y + field.h + 24, body.w - 2 * m,
                                kb.y - 24 - (field.y + field.h + 24)};
    } else {
        float kw = ui_keyboard_width(ui, UI_KBD_LETTERS, 900), kh = ui_keyboard_height(ui, UI_KBD_LETTERS, kw);
        float lx = m, lw = body.w - 2 * m - kw - 48;
        field = (struct ui_rect){lx + lw + 48, body.y + 40, kw, 110};
        kb = (struct ui_rect){lx + lw + 48, field.y + field.h + 40, kw, kh};
        list = (struct ui_rect){lx, body.y + 40, lw, body.h - 80};
    }
    ui_fill_round(ui, field, 20, UI_C_RED);
    ui_fill_round(ui, (struct ui_rect){field.x + 3, field.y + 3, field.w - 6, field.h - 6}, 18,
                  UI_C_SURFACE);
    ui_icon(ui, field.x + 56, field.y + field.h / 2, "search", UI_F_ICON, UI_C_RED);
    if (s->q[0])
        ui_label_in(ui, (struct ui_rect){field.x + 110, field.y, field.w - 140, field.h}, s->q,
                    UI_F_TITLE, UI_C_TEXT, UI_LEFT);
    else
        ui_label_in(ui, (struct ui_rect){field.x + 110, field.y, field.w - 140, field.h},
                    portrait ? app_tr(a, S_SEARCH) : "falv / flfw", UI_F_LARGE, UI_C_MUTED,
                    UI_LEFT);
    results(a, s, list);
    if (ui_keyboard(ui, kb, UI_KBD_LETTERS, &key)) on_key(a, s, &key);
    if (s->org) org_dialog(a, s);
}

const struct screen screen_search = {
    .id = "search",
    .state_size = sizeof(struct search),
    .frame = frame,
    .title = title,
};
