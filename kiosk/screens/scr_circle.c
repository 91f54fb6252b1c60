/* circle: the ten-minute service circle. The map with 您在这里 at this
 * kiosk and the area reachable in ten minutes shaded; beside it (below in
 * portrait) the nearest places by walking time, narrowed by the chips
 * 全部 党组织 党群服务 工会 团组织 妇联 妈咪小屋, or found by name or pinyin
 * initials in the search box. A place opens `place`. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "mapview.h"
#include "screens.h"
#include "search.h"
#include "walk.h"

#define MAX_LIST 200
#define MAX_QUERY 32

struct circle {
    struct mapview map;
    enum walk_group chip;
    bool searching;
    char q[MAX_QUERY + 1];
    const struct walk_place *list[MAX_LIST];
    size_t n;
    bool listed; /* list matches chip / q */
    struct ui_scroll scroll;
};

static const struct {
    enum walk_group g;
    enum str_id label;
} chips[] = {
    {WALK_ALL, S_CHIP_ALL},       {WALK_PARTY, S_CHIP_PARTY}, {WALK_SERVICE, S_CHIP_SERVICE},
    {WALK_UNION, S_CHIP_UNION},   {WALK_YOUTH, S_CHIP_YOUTH}, {WALK_WOMEN, S_CHIP_WOMEN},
    {WALK_NURSING, S_CHIP_NURSING},
};
#define NCHIPS (sizeof chips / sizeof chips[0])

static const char *title(struct app *a, void *st)
{
    (void)st;
    return app_tr(a, S_CIRCLE_TITLE);
}

static void leave(struct app *a, void *st)
{
    struct circle *s = st;
    (void)a;
    mapview_release(&s->map);
}

const char *circle_group_icon(int g)
{
    switch ((enum walk_group)g) {
    case WALK_PARTY: return "flag";
    case WALK_SERVICE: return "home_work";
    case WALK_UNION: return "groups";
    case WALK_YOUTH: return "volunteer_activism";
    case WALK_WOMEN: return "woman";
    case WALK_NURSING: return "child_friendly";
    default: return "apartment";
    }
}

/* "步行 4 分钟 · 280 米 · A座 12层" into buf; without a location the kind
 * instead of the walk ("党支部 · A座 12层"). */
const char *circle_place_line(struct app *a, const struct walk_place *p, bool step_free, char *buf,
                              size_t n)
{
    const struct content *c = app_content(a);
    enum content_lang l = app_lang(a);
    const struct content_tower *t = content_tower(c, p->place->tower_id);
    int sf = step_free ? 1 : 0;
    char walk[96], where[96];
    if (!walk_has_here(app_walk(a)))
        snprintf(walk, sizeof walk, "%s", content_tr(p->kind, l));
    else if (p->metres[sf] == 0)
        snprintf(walk, sizeof walk, "%s", app_tr(a, S_WALK_HERE));
    else
        snprintf(walk, sizeof walk, app_tr(a, S_WALK_FMT), walk_minutes(p->seconds[sf]),
                 walk_round_metres(p->metres[sf]));
    if (l == CONTENT_EN)
        snprintf(where, sizeof where, "%s, floor %d", t ? content_tr(&t->short_name, l) : "",
                 p->floor);
    else
        snprintf(where, sizeof where, "%s %d层", t ? content_tr(&t->short_name, l) : "", p->floor);
    snprintf(buf, n, "%s · %s", walk, where);
    return buf;
}

static void relist(struct app *a, struct circle *s)
{
    const struct walk *w = app_walk(a);
    s->n = 0;
    s->listed = true;
    ui_scroll_reset(&s->scroll);
    if (!w) return;
    if (s->searching && s->q[0]) {
        const struct search_index *ix = app_search(a);
        struct search_hit hits[MAX_LIST];
        size_t nh = ix ? search_query_kinds(ix, s->q, SEARCH_PLACES, hits, MAX_LIST) : 0;
        for (size_t i = 0; i < nh && s->n < MAX_LIST; i++) {
            /* organisations of every type and nursing rooms */
            const char *id = hits[i].kind == SEARCH_ORG       ? hits[i].org->id
                             : hits[i].kind == SEARCH_NURSING ? hits[i].nursing_room->id
                                                              : NULL;
            const struct walk_place *p = id ? walk_place(w, id) : NULL;
            if (p && (p->reachable[0] || !walk_has_here(w))) s->list[s->n++] = p;
        }
        return;
    }
    if (s->searching) return;
    s->n = walk_nearest(w, s->chip, NULL, false, s->list, MAX_LIST);
    if (s->n > MAX_LIST) s->n = MAX_LIST;
}

static void search_field(struct app *a, struct circle *s, struct ui_rect f)
{
    struct ui *ui = app_ui(a);
    const char *ph = app_tr(a, S_CIRCLE_SEARCH);
    ui_fill_round(ui, f, 20, s->searching ? UI_C_RED : UI_C_LINE);
    ui_fill_round(ui, (struct ui_rect){f.x + 3, f.y + 3, f.w - 6, f.h - 6}, 18, UI_C_SURFACE);
    ui_icon(ui, f.x + 46, f.y + f.h / 2, "search", UI_F_ICON, UI_C_RED);
    if (s->q[0])
        ui_label_in(ui, (struct ui_rect){f.x + 90, f.y, f.w - 120, f.h}, s->q, UI_F_LARGE,
                    UI_C_TEXT, UI_LEFT);
    if (s->searching) {
        float bw = ui_text_w(ui, app_tr(a, S_CIRCLE_DONE), UI_F_LARGE) + 48;
        if (!s->q[0])
            ui_label_fit(ui, (struct ui_rect){f.x + 90, f.y, f.w - 120 - bw, f.h}, ph, UI_F_BODY,
                         UI_C_MUTED, UI_LEFT);
        if (ui_button(ui, (struct ui_rect){f.x + f.w - bw - 10, f.y + 8, bw, f.h - 16},
                      app_tr(a, S_CIRCLE_DONE), UI_PRIMARY)) {
            s->searching = false;
            s->q[0] = 0;
            s->listed = false;
        }
    } else if (ui_hit_area(ui, f, ph)) {
        s->searching = true;
        s->listed = false;
    } else if (!s->q[0]) {
        ui_label_fit(ui, (struct ui_rect){f.x + 90, f.y, f.w - 120, f.h}, ph, UI_F_BODY, UI_C_MUTED,
                     UI_LEFT);
    }
}

static float chip_rows(struct app *a, struct circle *s, struct ui_rect r, bool draw)
{
    struct ui *ui = app_ui(a);
    float x = r.x, y = r.y, h = fmaxf(72, ui_min_target(app_ui(a))), gap = 14;
    for (size_t i = 0; i < NCHIPS; i++) {
        const char *t = app_tr(a, chips[i].label);
        float w = ui_text_w(ui, t, UI_F_LARGE) + 48;
        if (w < 96) w = 96;
        if (x + w > r.x + r.w) {
            x = r.x;
            y += h + gap;
        }
        if (draw && ui_button(ui, (struct ui_rect){x, y, w, h}, t,
                              s->chip == chips[i].g ? UI_PRIMARY : UI_CHIP)) {
            s->chip = chips[i].g;
            s->listed = false;
        }
        x += w + gap;
    }
    return y + h - r.y;
}

static void list(struct app *a, struct circle *s, struct ui_rect r)
{
    struct ui *ui = app_ui(a);
    enum content_lang l = app_lang(a);
    float y = r.y, rh = ui_row_h(ui, 108, true) + 10;
    char line[256];
    ui_scroll_begin(ui, &s->scroll, r);
    if (s->n == 0 && (s->q[0] || !s->searching)) {
        ui_paragraph(ui, r.x + 8, y + 16, r.w - 16, app_tr(a, S_CIRCLE_NONE), UI_F_BODY, UI_C_MUTED);
        y += 80;
    }
    for (size_t i = 0; i < s->n; i++) {
        const struct walk_place *p = s->list[i];
        /* rows outside the view are laid out but not drawn */
        if (y + rh >= r.y + s->scroll.offset - rh && y <= r.y + s->scroll.offset + r.h + rh) {
            if (ui_row(ui, (struct ui_rect){r.x, y, r.w, rh - 10}, circle_group_icon(p->group),
                       content_tr(p->name, l), circle_place_line(a, p, false, line, sizeof line)))
                app_push(a, &screen_place, p->id, strlen(p->id) + 1);
        }
        y += rh;
    }
    ui_scroll_end(ui, &s->scroll, y - r.y);
}

static void frame(struct app *a, void *st, struct ui_rect body)
{
    struct circle *s = st;
    struct ui *ui = app_ui(a);
    bool portrait = ui_portrait(ui);
    float m = scr_margin(ui);
    struct ui_rect mr, pr, field;
    struct mapview_overlay ov = {.isochrone = true, .key = 1};
    float y;
    if (!app_content(a)) {
        scr_no_content(a, body);
        return;
    }
    if (!s->listed) relist(a, s);
    if (portrait) {
        /* elder mode: a smaller map, so the larger chips and rows have room */
        mr = (struct ui_rect){m, body.y + 24, body.w - 2 * m,
                              s->searching ? (ui_elder(ui) ? 280 : 520) : ui_elder(ui) ? 600 : 820};
        pr = (struct ui_rect){m, mr.y + mr.h + 24, body.w - 2 * m, 0};
        pr.h = body.y + body.h - 24 - pr.y;
    } else {
        /* elder: room for the larger names; while searching, the keyboard
         * goes under a shorter map and the list keeps the panel's height */
        bool under = ui_elder(ui) && s->searching;
        float pw = under ? body.w - 2 * m - ui_keyboard_width(ui, UI_KBD_LETTERS, 0) - 40
                         : ui_elder(ui) ? 900 : 700;
        float kh = under ? ui_keyboard_height(ui, UI_KBD_LETTERS, 0) + 16 : 0;
        mr = (struct ui_rect){m, body.y + 24, body.w - 2 * m - pw - 40, body.h - 48 - kh};
        pr = (struct ui_rect){mr.x + mr.w + 40, body.y + 24, pw, body.h - 48};
    }
    mapview_frame(a, &s->map, mr, &ov);
    field = (struct ui_rect){pr.x, pr.y, pr.w, fmaxf(96, ui_min_target(ui) + 16)};
    y = field.y + field.h + 20;
    if (s->searching) {
        struct ui_key key;
        float kw = ui_keyboard_width(ui, UI_KBD_LETTERS, portrait ? body.w - 2 * m : pr.w);
        float kh = ui_keyboard_height(ui, UI_KBD_LETTERS, kw);
        bool under = !portrait && ui_elder(ui); /* the keyboard under the map (above) */
        struct ui_rect kb = {portrait || under ? m : fminf(pr.x, body.w - kw),
                             body.y + body.h - kh - 16, kw, kh};
        list(a, s, (struct ui_rect){pr.x, y, pr.w, (under ? pr.y + pr.h : kb.y - 16) - y});
        search_field(a, s, field);
        if (s->searching && ui_keyboard(ui, kb, UI_KBD_LETTERS, &key) &&
            ui_key_apply(&key, s->q, sizeof s->q) == 1)
            s->listed = false;
        return;
    }
    search_field(a, s, field);
    y += chip_rows(a, s, (struct ui_rect){pr.x, y, pr.w, 0}, true) + 16;
    if (app_walk(a) && !walk_has_here(app_walk(a))) /* no location: say so plainly */
        y += ui_paragraph(ui, pr.x + 4, y, pr.w - 8, app_tr(a, S_CIRCLE_NO_HERE), UI_F_SMALL,
                          UI_C_TEXT) + 12;
    else {
        ui_label(ui, pr.x + 4, y, app_tr(a, S_CIRCLE_SHADED), UI_F_SMALL, UI_C_MUTED, UI_LEFT);
        y += fmaxf(44, ui_line_h(ui, UI_F_SMALL) + 4);
    }
    list(a, s, (struct ui_rect){pr.x, y, pr.w, pr.y + pr.h - y});
}

const struct screen screen_circle = {
    .id = "circle",
    .state_size = sizeof(struct circle),
    .frame = frame,
    .leave = leave,
    .title = title,
};
