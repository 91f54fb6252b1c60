/* place: one place of the service circle. Name, kind, tower/floor/room,
 * hours, phone; the route drawn on the map from 您在这里; the steps in
 * words; walking time and distance; the toggle 无障碍路线 (step-free); a QR
 * code that opens the walk on a phone (the map's route_url template with
 * the destination's coordinates and name). */
#include <stdio.h>
#include <string.h>

#include "mapview.h"
#include "screens.h"
#include "ui_qr.h"
#include "walk.h"

struct place {
    char id[64];
    bool step_free;
    bool routed, have_route, focused;
    struct walk_route route;
    struct mapview map;
    struct ui_scroll scroll;
    char url[1024];
    char dest_label[96];
};

static const char *title(struct app *a, void *st)
{
    (void)st;
    return app_tr(a, S_PLACE_TITLE);
}

static void enter(struct app *a, void *st, const void *arg)
{
    struct place *s = st;
    (void)a;
    snprintf(s->id, sizeof s->id, "%s", arg ? (const char *)arg : "");
}

static void leave(struct app *a, void *st)
{
    struct place *s = st;
    (void)a;
    walk_route_free(&s->route);
    mapview_release(&s->map);
}

/* Percent-encodes src (UTF-8) into dst for a URL query. */
static void url_escape(char *dst, size_t n, const char *src)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t k = 0;
    for (const unsigned char *p = (const unsigned char *)src; *p && k + 4 < n; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '_' || *p == '.' || *p == '~') {
            dst[k++] = (char)*p;
        } else {
            dst[k++] = '%';
            dst[k++] = hex[*p >> 4];
            dst[k++] = hex[*p & 15];
        }
    }
    dst[k] = 0;
}

/* route_url with {lon}, {lat} and {name} filled in. */
static void make_url(const char *tpl, struct geomap_pt pt, const char *name, char *out, size_t n)
{
    char ename[512], num[32];
    size_t k = 0;
    url_escape(ename, sizeof ename, name);
    for (const char *p = tpl; *p && k + 1 < n;) {
        const char *rep = NULL;
        size_t skip = 0;
        if (strncmp(p, "{lon}", 5) == 0) {
            snprintf(num, sizeof num, "%.6f", pt.lon);
            rep = num;
            skip = 5;
        } else if (strncmp(p, "{lat}", 5) == 0) {
            snprintf(num, sizeof num, "%.6f", pt.lat);
            rep = num;
            skip = 5;
        } else if (strncmp(p, "{name}", 6) == 0) {
            rep = ename;
            skip = 6;
        }
        if (rep) {
            for (; *rep && k + 1 < n; rep++) out[k++] = *rep;
            p += skip;
        } else {
            out[k++] = *p++;
        }
    }
    out[k] = 0;
}

static void reroute(struct app *a, struct place *s)
{
    const struct walk *w = app_walk(a);
    const struct walk_place *p = w ? walk_place(w, s->id) : NULL;
    walk_route_free(&s->route);
    s->routed = true;
    s->have_route = p && walk_route(w, s->id, s->step_free, &s->route) == KERR_OK;
    s->url[0] = 0;
    if (p) {
        const struct geomap *m = walk_graph(w)->map;
        const struct content_tower *t = content_tower(app_content(a), p->place->tower_id);
        struct geomap_pt dest = walk_place_pt(w, p, s->step_free);
        if (m->route_url) make_url(m->route_url, dest, content_tr(p->name, CONTENT_ZH), s->url, sizeof s->url);
        snprintf(s->dest_label, sizeof s->dest_label, "%s", t ? content_tr(&t->short_name, app_lang(a)) : "");
        if (!s->focused && !walk_has_here(w)) {
            mapview_focus(&s->map, m, dest, 1);
            s->focused = true;
        } else if (!s->focused) {
            struct geomap_pt here = walk_here(w);
            mapview_focus(&s->map, m,
                          (struct geomap_pt){(here.lon + dest.lon) / 2, (here.lat + dest.lat) / 2}, 0);
            s->focused = true;
        }
    }
}

/* The panel of facts, steps and the QR code; returns its height. */
static float panel(struct app *a, struct place *s, const struct walk_place *p, float x, float y,
                   float w)
{
    struct ui *ui = app_ui(a);
    const struct content *c = app_content(a);
    enum content_lang l = app_lang(a);
    float y0 = y;
    char buf[512];
    y += ui_paragraph_lines(ui, x, y, w, content_tr(p->name, l), UI_F_TITLE, UI_C_TEXT, 2) + 6;
    ui_icon(ui, x + 22, y + 22, circle_group_icon(p->group), UI_F_ICON, UI_C_RED);
    ui_label(ui, x + 56, y + 2, content_tr(p->kind, l), UI_F_BODY, UI_C_MUTED, UI_LEFT);
    y += fmaxf(54, ui_line_h(ui, UI_F_BODY) + 4);
    content_place_format(c, p->place, l, buf, sizeof buf);
    ui_icon(ui, x + 22, y + 22, "place", UI_F_ICON, UI_C_MUTED);
    y += ui_paragraph(ui, x + 56, y, w - 56, buf, UI_F_BODY, UI_C_TEXT) + 10;
    if (p->hours && p->hours->zh) {
        ui_icon(ui, x + 22, y + 22, "schedule", UI_F_ICON, UI_C_MUTED);
        y += ui_paragraph(ui, x + 56, y, w - 56, content_tr(p->hours, l), UI_F_BODY, UI_C_TEXT) + 10;
    }
    if (p->phone) {
        ui_icon(ui, x + 22, y + 22, "call", UI_F_ICON, UI_C_MUTED);
        ui_label(ui, x + 56, y, p->phone, UI_F_BODY, UI_C_TEXT, UI_LEFT);
        y += fmaxf(52, ui_line_h(ui, UI_F_BODY) + 4);
    }
    y += 14;
    ui_fill(ui, (struct ui_rect){x, y, w, 2}, UI_C_LINE);
    y += 22;
    if (!walk_has_here(app_walk(a))) { /* no location: no walk, no toggle, a plain note */
        y += ui_paragraph(ui, x, y, w, app_tr(a, S_PLACE_NO_HERE), UI_F_BODY, UI_C_TEXT) + 16;
    } else {
        /* time, distance and the step-free toggle */
        {
            const char *t = app_tr(a, S_STEP_FREE);
            float bw = ui_text_w(ui, t, UI_F_LARGE) + 110, bh = fmaxf(80, ui_min_target(ui));
            /* elder mode: the time on a line of its own, the button under it */
            float by = ui_elder(ui) ? y + ui_line_h(ui, UI_F_TITLE) + 8 : y;
            if (ui_button_icon(ui, (struct ui_rect){x + w - bw, by, bw, bh}, "accessible", t,
                               s->step_free ? UI_PRIMARY : UI_CHIP)) {
                s->step_free = !s->step_free;
                s->routed = false;
            }
            if (s->have_route) {
                if (s->route.metres == 0)
                    snprintf(buf, sizeof buf, "%s", app_tr(a, S_WALK_HERE));
                else
                    snprintf(buf, sizeof buf, app_tr(a, S_WALK_FMT), walk_minutes(s->route.seconds),
                             walk_round_metres(s->route.metres));
                ui_label_fit(ui, (struct ui_rect){x, y, ui_elder(ui) ? w : w - bw - 16,
                                                  ui_elder(ui) ? ui_line_h(ui, UI_F_TITLE) : 80},
                             buf, UI_F_TITLE, UI_C_RED, UI_LEFT);
            }
            y = by + bh + 12;
        }
        if (!s->have_route) {
            y += ui_paragraph(ui, x, y, w, app_tr(a, S_ROUTE_NONE), UI_F_BODY, UI_C_ERR) + 16;
            return y - y0;
        }
        if (s->route.lift_s > 0) {
            snprintf(buf, sizeof buf, app_tr(a, S_ROUTE_LIFT), (int)(s->route.lift_s + 0.5));
            ui_label(ui, x, y, buf, UI_F_SMALL, UI_C_MUTED, UI_LEFT);
            y += fmaxf(44, ui_line_h(ui, UI_F_SMALL) + 4);
        }
        ui_label(ui, x, y, app_tr(a, S_ROUTE_STEPS), UI_F_LARGE, UI_C_TEXT, UI_LEFT);
        y += fmaxf(60, ui_line_h(ui, UI_F_LARGE) + 4);
        for (size_t i = 0; i < s->route.n_steps; i++) {
            char num[24];
            /* the number's disc as tall as its line (elder mode) */
            float d = fmaxf(40, ui_line_h(ui, UI_F_SMALL));
            snprintf(num, sizeof num, "%zu", i + 1);
            ui_fill_round(ui, (struct ui_rect){x, y + 2, d, d}, d / 2, UI_C_RED);
            ui_label(ui, x + d / 2, y + 2 + (d - ui_line_h(ui, UI_F_SMALL)) / 2 + (d > 40 ? 0 : 3), num,
                     UI_F_SMALL, UI_C_WHITE, UI_CENTER);
            y += ui_paragraph(ui, x + 56, y, w - 56, s->route.steps[i][l == CONTENT_EN], UI_F_BODY,
                              UI_C_TEXT) + 12;
        }
    }
    if (s->url[0]) {
        float q = 220;
        y += 12;
        if (ui_qr(ui, x, y, q, s->url)) {
            ui_paragraph(ui, x + q + 24, y + 40, w - q - 24, app_tr(a, S_ROUTE_QR), UI_F_BODY,
                         UI_C_MUTED);
            y += q;
        }
    }
    return y - y0 + 24;
}

static void frame(struct app *a, void *st, struct ui_rect body)
{
    struct place *s = st;
    struct ui *ui = app_ui(a);
    const struct walk *w = app_walk(a);
    const struct walk_place *p = w ? walk_place(w, s->id) : NULL;
    bool portrait = ui_portrait(ui);
    float m = scr_margin(ui);
    struct ui_rect mr, pr;
    struct mapview_overlay ov = {0};
    float h;
    if (!app_content(a) || !p) {
        scr_no_content(a, body);
        return;
    }
    if (!s->routed) reroute(a, s);
    if (portrait) {
        mr = (struct ui_rect){m, body.y + 24, body.w - 2 * m, 760};
        pr = (struct ui_rect){m, mr.y + mr.h + 24, body.w - 2 * m, body.y + body.h - mr.y - mr.h - 48};
    } else {
        float pw = 760;
        mr = (struct ui_rect){m, body.y + 24, body.w - 2 * m - pw - 40, body.h - 48};
        pr = (struct ui_rect){mr.x + mr.w + 40, body.y + 24, pw, body.h - 48};
    }
    ov.step_free = s->step_free;
    ov.route = s->have_route ? s->route.pts : NULL;
    ov.n_route = s->have_route ? s->route.n_pts : 0;
    ov.have_dest = true;
    ov.dest = walk_place_pt(w, p, s->step_free);
    ov.dest_label = s->dest_label;
    ov.key = 2 + (s->step_free ? 1u : 0u);
    mapview_frame(a, &s->map, mr, &ov);
    ui_scroll_begin(ui, &s->scroll, pr);
    h = panel(a, s, p, pr.x, pr.y, pr.w);
    ui_scroll_end(ui, &s->scroll, h);
}

const struct screen screen_place = {
    .id = "place",
    .state_size = sizeof(struct place),
    .enter = enter,
    .frame = frame,
    .leave = leave,
    .title = title,
};
