#include "mapview.h"

#include <cairo.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <time.h>
#include "klog.h"
#include "screens.h"
#include "walk.h"

#define MARGIN_PX 200        /* cache margin around the view, physical px */
#define LEVEL_STEP 1.6       /* zoom factor between levels */
#define SHADE_RADIUS_M 30.0  /* half width of the shaded band along reachable ways */
#define CIRCLE_S 600.0       /* ten minutes */
#define DEG (M_PI / 180.0)

static uint64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

struct proj {
    double lon0, lat0, kx, ky; /* degrees -> metres */
    double s;                  /* px per metre */
    double ox, oy;             /* metres at pixel (0,0) of the target: x left, y top */
};

static void proj_init(struct proj *p, const struct geomap *m)
{
    p->lat0 = (m->bbox[1] + m->bbox[3]) / 2;
    p->lon0 = (m->bbox[0] + m->bbox[2]) / 2;
    p->ky = 6371008.8 * DEG;
    p->kx = p->ky * cos(p->lat0 * DEG);
}

static void to_m(const struct proj *p, struct geomap_pt g, double *x, double *y)
{
    *x = (g.lon - p->lon0) * p->kx;
    *y = (g.lat - p->lat0) * p->ky;
}

static void to_px(const struct proj *p, struct geomap_pt g, double *x, double *y)
{
    double mx, my;
    to_m(p, g, &mx, &my);
    *x = (mx - p->ox) * p->s;
    *y = (p->oy - my) * p->s;
}

static void rgb(cairo_t *cr, uint32_t c, double alpha)
{
    cairo_set_source_rgba(cr, (c >> 16 & 255) / 255.0, (c >> 8 & 255) / 255.0, (c & 255) / 255.0,
                          alpha);
}

static void path_pts(cairo_t *cr, const struct proj *p, const struct geomap_pt *pts, size_t n,
                     bool close)
{
    for (size_t i = 0; i < n; i++) {
        double x, y;
        to_px(p, pts[i], &x, &y);
        if (i == 0)
            cairo_move_to(cr, x, y);
        else
            cairo_line_to(cr, x, y);
    }
    if (close) cairo_close_path(cr);
}

static void path_polygon(cairo_t *cr, const struct proj *p, const struct geomap *m,
                         const struct geomap_feature *f)
{
    size_t at = f->first;
    for (size_t r = 0; r < f->n_rings; r++) {
        path_pts(cr, p, m->pts + at, m->ring_len[f->ring0 + r], true);
        at += m->ring_len[f->ring0 + r];
    }
}

static void fill_kind(cairo_t *cr, const struct proj *p, const struct geomap *m,
                      enum geomap_kind k, uint32_t fill, uint32_t line, double lw)
{
    for (size_t i = 0; i < m->n_f; i++) {
        const struct geomap_feature *f = &m->f[i];
        if (f->kind != k || f->geom != GEOMAP_POLYGON) continue;
        cairo_new_path(cr);
        path_polygon(cr, p, m, f);
        rgb(cr, fill, 1);
        cairo_fill_preserve(cr);
        if (lw > 0) {
            rgb(cr, line, 1);
            cairo_set_line_width(cr, lw);
            cairo_stroke(cr);
        }
        cairo_new_path(cr);
    }
}

/* The reachable part of every way, as a wide translucent band. Cairo's
 * stroker took 60 ms at 1080p for these wide, overlapping round strokes, so
 * the band is rasterised here instead: a coverage mask at a quarter of the
 * resolution (the band is soft-edged anyway), each pixel near a reachable
 * segment covered by its distance to it, then scaled up smoothly. */
#define SHADE_DOWN 4

static void band(uint8_t *m, int stride, int mw, int mh, double x0, double y0, double x1,
                 double y1, double r)
{
    double dx = x1 - x0, dy = y1 - y0, ll = dx * dx + dy * dy;
    int bx0 = (int)floor(fmin(x0, x1) - r - 1), bx1 = (int)ceil(fmax(x0, x1) + r + 1);
    int by0 = (int)floor(fmin(y0, y1) - r - 1), by1 = (int)ceil(fmax(y0, y1) + r + 1);
    if (bx0 < 0) bx0 = 0;
    if (by0 < 0) by0 = 0;
    if (bx1 > mw) bx1 = mw;
    if (by1 > mh) by1 = mh;
    for (int y = by0; y < by1; y++)
        for (int x = bx0; x < bx1; x++) {
            double px = x + 0.5 - x0, py = y + 0.5 - y0;
            double tt = ll > 0 ? (px * dx + py * dy) / ll : 0, d2, ex, ey;
            uint8_t v;
            if (m[y * stride + x] == 255) continue;
            if (tt < 0) tt = 0;
            if (tt > 1) tt = 1;
            ex = px - tt * dx;
            ey = py - tt * dy;
            d2 = ex * ex + ey * ey;
            if (d2 >= (r + 0.5) * (r + 0.5)) continue;
            v = d2 <= (r - 0.5) * (r - 0.5) ? 255 : (uint8_t)((r - sqrt(d2) + 0.5) * 255);
            if (v > m[y * stride + x]) m[y * stride + x] = v;
        }
}
static void shade(cairo_t *cr, const struct proj *p, const struct walk *w, bool step_free)
{
    const struct walk_graph *g = walk_graph(w);
    const struct geomap_walking *wk = &g->map->walking;
    const double *t = walk_node_seconds(w, step_free);
    cairo_surface_t *target = cairo_get_target(cr);
    int mw = cairo_image_surface_get_width(target) / SHADE_DOWN + 2;
    int mh = cairo_image_surface_get_height(target) / SHADE_DOWN + 2;
    cairo_surface_t *mask = cairo_image_surface_create(CAIRO_FORMAT_A8, mw, mh);
    uint8_t *md;
    int stride;
    double r = SHADE_RADIUS_M * p->s / SHADE_DOWN;
    if (cairo_surface_status(mask) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(mask);
        return;
    }
    cairo_surface_flush(mask);
    md = cairo_image_surface_get_data(mask);
    stride = cairo_image_surface_get_stride(mask);
    memset(md, 0, (size_t)stride * (size_t)mh);
    for (size_t u = 0; u < g->n_nodes; u++)
        for (uint32_t e = g->adj_start[u]; e < g->adj_start[u + 1]; e++) {
            const struct walk_edge *ed = &g->adj[e];
            double cost, frac, x0, y0, x1, y1;
            if (step_free && ed->steps) continue;
            if (!(t[u] <= CIRCLE_S)) continue;
            cost = ed->metres / wk->speed_mps * (ed->steps ? wk->steps_factor : 1);
            frac = cost > 0 ? (CIRCLE_S - t[u]) / cost : 1;
            if (frac > 1) frac = 1;
            if (ed->to < u && t[ed->to] <= CIRCLE_S && frac >= 1) continue; /* drawn from the other end */
            to_px(p, g->node[u], &x0, &y0);
            to_px(p, g->node[ed->to], &x1, &y1);
            band(md, stride, mw, mh, x0 / SHADE_DOWN, y0 / SHADE_DOWN,
                 (x0 + (x1 - x0) * frac) / SHADE_DOWN, (y0 + (y1 - y0) * frac) / SHADE_DOWN, r);
        }
    /* scaled up (bilinear) and blended by hand: pixman's scaled mask
     * composite took 35-45 ms here, this takes a few */
    cairo_surface_flush(target);
    {
        uint8_t *d = cairo_image_surface_get_data(target);
        int ds = cairo_image_surface_get_stride(target);
        int tw = cairo_image_surface_get_width(target), th = cairo_image_surface_get_height(target);
        const uint32_t cr8 = 0xB7, cg8 = 0x19, cb8 = 0x1F, alpha = 33; /* 0.13 */
        for (int y = 0; y < th; y++) {
            int fy = ((2 * y + 1) * 256) / (2 * SHADE_DOWN) - 128, iy = fy >> 8, wy = fy & 255;
            const uint8_t *r0 = md + (size_t)(iy < 0 ? 0 : iy >= mh ? mh - 1 : iy) * (size_t)stride;
            const uint8_t *r1 = md + (size_t)(iy + 1 >= mh ? mh - 1 : iy + 1 < 0 ? 0 : iy + 1) *
                                         (size_t)stride;
            uint32_t *px = (uint32_t *)(d + (size_t)y * (size_t)ds);
            if (iy < 0) wy = 0;
            for (int x = 0; x < tw; x++) {
                int fx = ((2 * x + 1) * 256) / (2 * SHADE_DOWN) - 128, ix = fx >> 8, wx = fx & 255;
                int i0 = ix < 0 ? 0 : ix, i1 = ix + 1 >= mw ? mw - 1 : ix + 1;
                uint32_t top, bot, cov, a, p0, rr, gg, bb;
                if (ix < 0) wx = 0;
                if (!(r0[i0] | r0[i1] | r1[i0] | r1[i1])) continue;
                top = (uint32_t)(r0[i0] * (256 - wx) + r0[i1] * wx);
                bot = (uint32_t)(r1[i0] * (256 - wx) + r1[i1] * wx);
                cov = (top * (uint32_t)(256 - wy) + bot * (uint32_t)wy) >> 16; /* 0..255 */
                a = cov * alpha / 255;
                if (!a) continue;
                p0 = px[x];
                rr = ((p0 >> 16 & 255) * (255 - a) + cr8 * a) / 255;
                gg = ((p0 >> 8 & 255) * (255 - a) + cg8 * a) / 255;
                bb = ((p0 & 255) * (255 - a) + cb8 * a) / 255;
                px[x] = (p0 & 0xFF000000u) | rr << 16 | gg << 8 | bb;
            }
        }
    }
    cairo_surface_mark_dirty(target);
    cairo_surface_destroy(mask);
}

static void marker(cairo_t *cr, const struct proj *p, struct geomap_pt g, double r, uint32_t c)
{
    double x, y;
    to_px(p, g, &x, &y);
    cairo_new_path(cr);
    cairo_arc(cr, x, y, r * 1.45, 0, 2 * M_PI);
    rgb(cr, 0xFFFFFF, 1);
    cairo_fill(cr);
    cairo_arc(cr, x, y, r, 0, 2 * M_PI);
    rgb(cr, c, 1);
    cairo_fill(cr);
}

/* Draws the whole map into cr (the cache), proj p, ui scale k. */
static void render(cairo_t *cr, const struct proj *p, const struct walk *w,
                   const struct content *c, const char *here_tower,
                   const struct mapview_overlay *ov, double k)
{
    const struct geomap *m = walk_graph(w)->map;
    rgb(cr, 0xEFEAE0, 1);
    cairo_paint(cr);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
    fill_kind(cr, p, m, GEOMAP_PARK, 0xCFE2BF, 0xB5CFA3, 1.5 * k);
    fill_kind(cr, p, m, GEOMAP_PLAZA, 0xE7DCCA, 0xD8CBB5, 1 * k);
    fill_kind(cr, p, m, GEOMAP_WATER, 0xB8D6EA, 0x9CC3DD, 1.5 * k);
    fill_kind(cr, p, m, GEOMAP_STREET, 0xFFFFFF, 0xD6CCBD, 1.5 * k);
    /* streets drawn as lines: a casing, then the road */
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < m->n_f; i++) {
            const struct geomap_feature *f = &m->f[i];
            if (f->kind != GEOMAP_STREET || f->geom != GEOMAP_LINE) continue;
            cairo_new_path(cr);
            path_pts(cr, p, m->pts + f->first, f->n, false);
            rgb(cr, pass ? 0xFFFFFF : 0xD6CCBD, 1);
            cairo_set_line_width(cr, fmax(14 * p->s, 6 * k) + (pass ? 0 : 3 * k));
            cairo_stroke(cr);
        }
    if (ov->isochrone) shade(cr, p, w, ov->step_free);
    fill_kind(cr, p, m, GEOMAP_BUILDING, 0xDCD5CB, 0xC2B8AA, 1 * k);
    for (size_t i = 0; i < m->n_f; i++) { /* towers: this kiosk's in red */
        const struct geomap_feature *f = &m->f[i];
        const struct content_tower *t;
        bool here;
        if (f->kind != GEOMAP_TOWER) continue;
        t = content_tower(c, f->tower_id);
        here = t && here_tower && strcmp(t->id, here_tower) == 0;
        cairo_new_path(cr);
        path_polygon(cr, p, m, f);
        rgb(cr, here ? 0xF3C9C2 : 0xDDD2C3, 1);
        cairo_fill_preserve(cr);
        rgb(cr, here ? 0xB7191F : 0x9E9080, 1);
        cairo_set_line_width(cr, 2 * k);
        cairo_stroke(cr);
    }
    /* walkable ways: thin; steps dashed; indoor dotted */
    for (size_t i = 0; i < m->n_f; i++) {
        const struct geomap_feature *f = &m->f[i];
        double dash[2];
        if (f->kind != GEOMAP_WAY) continue;
        cairo_new_path(cr);
        path_pts(cr, p, m->pts + f->first, f->n, false);
        rgb(cr, f->steps ? 0x6B5E50 : 0x9A8D7E, 1);
        cairo_set_line_width(cr, (f->steps ? 4 : 2.5) * k);
        if (f->steps || f->indoor) {
            dash[0] = (f->steps ? 3 : 2) * k;
            dash[1] = (f->steps ? 4 : 6) * k;
            cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
            cairo_set_dash(cr, dash, 2, 0);
        }
        cairo_stroke(cr);
        cairo_set_dash(cr, NULL, 0, 0);
        cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
    }
    if (ov->route && ov->n_route > 1) {
        cairo_new_path(cr);
        path_pts(cr, p, ov->route, ov->n_route, false);
        rgb(cr, 0xFFFFFF, 1);
        cairo_set_line_width(cr, 14 * k);
        cairo_stroke_preserve(cr);
        rgb(cr, 0xB7191F, 1);
        cairo_set_line_width(cr, 8 * k);
        cairo_stroke(cr);
    }
    if (ov->have_dest) marker(cr, p, ov->dest, 11 * k, 0x2D5C8F);
    marker(cr, p, walk_here(w), 13 * k, 0xB7191F);
}

static void free_view(struct mapview *v)
{
    SDL_FreeSurface(v->view);
    v->view = NULL;
}

void mapview_release(struct mapview *v)
{
    free_view(v);
    SDL_FreeSurface(v->cache);
    v->cache = NULL;
    if (v->cairo) cairo_surface_destroy(v->cairo);
    v->cairo = NULL;
    if (v->tex) SDL_DestroyTexture(v->tex);
    v->tex = NULL;
    v->cw = v->ch = 0;
}

static double level_scale(const struct mapview *v, int level)
{
    double fw = v->ext[2] - v->ext[0], fh = v->ext[3] - v->ext[1];
    double s = fmin(v->vw / fmax(fw, 1), v->vh / fmax(fh, 1)) * 0.94;
    return s * pow(LEVEL_STEP, level);
}

static void init_view(struct mapview *v, const struct geomap *m)
{
    struct proj p;
    proj_init(&p, m);
    v->ext[0] = v->ext[1] = INFINITY;
    v->ext[2] = v->ext[3] = -INFINITY;
    for (size_t i = 0; i < m->n_f; i++) {
        const struct geomap_feature *f = &m->f[i];
        if (f->kind == GEOMAP_STREET) continue; /* streets run off the edge */
        for (size_t k = 0; k < f->n; k++) {
            double x, y;
            to_m(&p, m->pts[f->first + k], &x, &y);
            v->ext[0] = fmin(v->ext[0], x);
            v->ext[1] = fmin(v->ext[1], y);
            v->ext[2] = fmax(v->ext[2], x);
            v->ext[3] = fmax(v->ext[3], y);
        }
    }
    if (!isfinite(v->ext[0])) {
        v->ext[0] = v->ext[1] = -100;
        v->ext[2] = v->ext[3] = 100;
    }
    v->have_ext = true;
    if (!v->inited) { /* not set by mapview_focus */
        v->cx = (v->ext[0] + v->ext[2]) / 2;
        v->cy = (v->ext[1] + v->ext[3]) / 2;
        v->level = 0;
    }
    v->inited = true;
}

void mapview_focus(struct mapview *v, const struct geomap *m, struct geomap_pt pt, int min_level)
{
    struct proj p;
    proj_init(&p, m);
    to_m(&p, pt, &v->cx, &v->cy);
    if (v->level < min_level) v->level = min_level;
    v->inited = true; /* init_view keeps this centre */
}

/* (Re)draws the cache centred on the view when needed; false on failure. */
static bool ensure_cache(struct app *a, struct mapview *v, const struct walk *w,
                         const struct mapview_overlay *ov)
{
    struct ui *ui = app_ui(a);
    const struct geomap *m = walk_graph(w)->map;
    double s = level_scale(v, v->level);
    int cw = v->vw + 2 * MARGIN_PX, ch = v->vh + 2 * MARGIN_PX;
    double ox = (v->c_cx - v->cx) * -s + cw / 2.0 - v->vw / 2.0;
    double oy = (v->c_cy - v->cy) * s + ch / 2.0 - v->vh / 2.0;
    uint64_t t0;
    struct proj p;
    cairo_t *cr;
    uint32_t fmt = ui_screen_format(ui);
    if (v->cairo && v->cw == cw && v->ch == ch && v->c_level == v->level && v->c_key == ov->key &&
        ox >= 0 && oy >= 0 && ox <= cw - v->vw && oy <= ch - v->vh)
        return true;
    t0 = mono_us();
    if (!v->cairo || v->cw != cw || v->ch != ch) {
        mapview_release(v);
        v->cairo = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, cw, ch);
        if (cairo_surface_status(v->cairo) != CAIRO_STATUS_SUCCESS) {
            cairo_surface_destroy(v->cairo);
            v->cairo = NULL;
            return false;
        }
        if (fmt != SDL_PIXELFORMAT_ARGB8888 && fmt != SDL_PIXELFORMAT_RGB888)
            fmt = SDL_PIXELFORMAT_ARGB8888; /* SDL converts when it blits */
        v->cache = SDL_CreateRGBSurfaceWithFormatFrom(
            cairo_image_surface_get_data(v->cairo), cw, ch, 32,
            cairo_image_surface_get_stride(v->cairo), fmt);
        if (!v->cache) {
            mapview_release(v);
            return false;
        }
        SDL_SetSurfaceBlendMode(v->cache, SDL_BLENDMODE_NONE);
        v->cw = cw;
        v->ch = ch;
    }
    v->c_cx = v->cx;
    v->c_cy = v->cy;
    v->c_level = v->level;
    v->c_key = ov->key;
    v->serial++;
    proj_init(&p, m);
    p.s = s;
    p.ox = v->cx - cw / 2.0 / s;
    p.oy = v->cy + ch / 2.0 / s;
    cr = cairo_create(v->cairo);
    render(cr, &p, w, app_content(a), app_cfg(a)->tower_id, ov, ui_scale(ui));
    cairo_destroy(cr);
    cairo_surface_flush(v->cairo);
    free_view(v);
    v->last_render_ms = (mono_us() - t0) / 1000.0;
    v->renders++;
    KLOGI("map", "level %d drawn into a %dx%d cache in %.1f ms", v->level, cw, ch,
          v->last_render_ms);
    return true;
}

/* Labels already placed this frame: a label that would overlap one is left
 * out (the first placed wins: pills, then towers, then the rest). */
struct placed {
    struct ui_rect r[96];
    int n;
};

static bool free_spot(struct placed *pl, struct ui_rect b)
{
    for (int i = 0; i < pl->n; i++) {
        const struct ui_rect *o = &pl->r[i];
        if (b.x < o->x + o->w && o->x < b.x + b.w && b.y < o->y + o->h && o->y < b.y + b.h)
            return false;
    }
    if (pl->n < 96) pl->r[pl->n++] = b;
    return true;
}

/* A text on a pill centred above (x, y) logical, if it fits in r. */
static void pill(struct ui *ui, struct placed *pl, struct ui_rect r, float x, float y,
                 const char *text, uint32_t bg, uint32_t fg)
{
    float tw = ui_text_w(ui, text, UI_F_SMALL), w = tw + 28, h = 44;
    struct ui_rect b = {x - w / 2, y - h - 18, w, h};
    if (b.x < r.x || b.y < r.y || b.x + b.w > r.x + r.w || b.y + b.h > r.y + r.h) return;
    if (!free_spot(pl, b)) return;
    ui_fill_round(ui, b, 22, bg);
    ui_label(ui, x, b.y + 6, text, UI_F_SMALL, fg, UI_CENTER);
}

/* A label centred on (x, y) if it lies wholly inside r. */
static void label_at(struct ui *ui, struct placed *pl, struct ui_rect r, float x, float y,
                     const char *text, uint32_t rgba)
{
    float w = ui_text_w(ui, text, UI_F_SMALL);
    if (x - w / 2 < r.x + 4 || x + w / 2 > r.x + r.w - 4 || y - 18 < r.y + 4 || y + 18 > r.y + r.h - 4)
        return;
    if (!free_spot(pl, (struct ui_rect){x - w / 2 - 4, y - 18, w + 8, 36})) return;
    ui_label(ui, x, y - 17, text, UI_F_SMALL, rgba, UI_CENTER);
}

static void labels(struct app *a, struct mapview *v, struct ui_rect r, const struct walk *w,
                   const struct mapview_overlay *ov)
{
    struct ui *ui = app_ui(a);
    const struct geomap *m = walk_graph(w)->map;
    const struct content *c = app_content(a);
    enum content_lang l = app_lang(a);
    float k = ui_scale(ui);
    double s = level_scale(v, v->level);
    struct proj p;
    double x, y;
    struct placed pl;
    pl.n = 0;
    proj_init(&p, m);
    p.s = s / k; /* logical px per metre */
    p.ox = v->cx - r.w / 2.0 / p.s;
    p.oy = v->cy + r.h / 2.0 / p.s;
    /* the controls and the sample badge keep their corners */
    free_spot(&pl, (struct ui_rect){r.x, r.y, 420, 80});
    free_spot(&pl, (struct ui_rect){r.x + r.w - 110, r.y + r.h - 290, 110, 290});
    free_spot(&pl, (struct ui_rect){r.x + r.w - 480, r.y + r.h - 110, 480, 110});
    to_px(&p, walk_here(w), &x, &y);
    pill(ui, &pl, r, r.x + (float)x, r.y + (float)y, app_tr(a, S_MAP_HERE), UI_C_RED, UI_C_WHITE);
    if (ov->have_dest && ov->dest_label) {
        to_px(&p, ov->dest, &x, &y);
        pill(ui, &pl, r, r.x + (float)x, r.y + (float)y, ov->dest_label, 0x2D5C8FFFu, UI_C_WHITE);
    }
    for (int pass = 0; pass < 2; pass++)
    for (size_t i = 0; i < m->n_f; i++) {
        const struct geomap_feature *f = &m->f[i];
        const char *name = l == CONTENT_EN && f->name_en ? f->name_en : f->name;
        struct geomap_pt at = m->pts[f->first];
        if ((f->kind == GEOMAP_TOWER) != (pass == 0)) continue;
        if (f->kind == GEOMAP_TOWER) {
            const struct content_tower *t = content_tower(c, f->tower_id);
            double sx = 0, sy = 0;
            size_t n = f->n_rings ? m->ring_len[f->ring0] - 1 : f->n;
            for (size_t q = 0; q < n; q++) {
                sx += m->pts[f->first + q].lon;
                sy += m->pts[f->first + q].lat;
            }
            at = (struct geomap_pt){sx / (double)n, sy / (double)n};
            name = t ? content_tr(&t->short_name, l) : NULL;
        } else if (f->kind == GEOMAP_STREET && f->geom == GEOMAP_LINE) {
            /* along the street, the first of a few spots that is in view */
            bool found = false;
            for (int q = 1; q < 8 && !found && name; q++) {
                double tt = q / 8.0 * (double)(f->n - 1);
                size_t i0 = (size_t)tt;
                double fr = tt - (double)i0;
                struct geomap_pt a0 = m->pts[f->first + i0],
                                 a1 = m->pts[f->first + (i0 + 1 < f->n ? i0 + 1 : i0)];
                at = (struct geomap_pt){a0.lon + (a1.lon - a0.lon) * fr, a0.lat + (a1.lat - a0.lat) * fr};
                to_px(&p, at, &x, &y);
                found = x > 60 && x < r.w - 60 && y > 30 && y < r.h - 30 &&
                        !(q % 2 == 0 && (x - r.w / 2) * (x - r.w / 2) < 100);
            }
        } else if (f->kind == GEOMAP_PARK || f->kind == GEOMAP_WATER || f->kind == GEOMAP_PLAZA) {
            double sx = 0, sy = 0;
            size_t n = f->n_rings ? m->ring_len[f->ring0] - 1 : f->n;
            if (v->level == 0 && f->kind != GEOMAP_PARK) name = NULL; /* too small to read */
            for (size_t q = 0; q < n; q++) {
                sx += m->pts[f->first + q].lon;
                sy += m->pts[f->first + q].lat;
            }
            at = (struct geomap_pt){sx / (double)n, sy / (double)n};
        } else if (f->kind != GEOMAP_LANDMARK) {
            continue;
        }
        if (!name) continue;
        to_px(&p, at, &x, &y);
        label_at(ui, &pl, r, r.x + (float)x, r.y + (float)y, name,
                 f->kind == GEOMAP_TOWER ? UI_C_TEXT : UI_C_MUTED);
    }
}

void mapview_frame(struct app *a, struct mapview *v, struct ui_rect r,
                   const struct mapview_overlay *ov)
{
    struct ui *ui = app_ui(a);
    const struct walk *w = app_walk(a);
    const struct geomap *m;
    float k = ui_scale(ui), dx, dy, pinch;
    double s;
    int vw = (int)lroundf(r.w * k), vh = (int)lroundf(r.h * k);
    if (!w) {
        ui_fill_round(ui, r, 20, UI_C_SURFACE);
        ui_paragraph(ui, r.x + 40, r.y + 40, r.w - 80, app_tr(a, S_MAP_NONE), UI_F_BODY, UI_C_MUTED);
        return;
    }
    m = walk_graph(w)->map;
    v->vw = vw;
    v->vh = vh;
    if (!v->have_ext) init_view(v, m);
    /* input: drag pans, a pinch or the buttons zoom */
    s = level_scale(v, v->level) / k; /* logical px per metre */
    if (ui_pan_area(ui, r, app_tr(a, S_MAP_LABEL), &dx, &dy)) {
        v->cx -= dx / s;
        v->cy += dy / s;
    }
    pinch = ui_pinch_take(ui);
    if (pinch > 1.25f && v->level < MAPVIEW_LEVELS - 1) v->level++;
    if (pinch < 0.8f && v->level > 0) v->level--;
    v->cx = fmin(fmax(v->cx, v->ext[0]), v->ext[2]);
    v->cy = fmin(fmax(v->cy, v->ext[1]), v->ext[3]);
    if (!ensure_cache(a, v, w, ov)) {
        ui_fill(ui, r, 0xEFEAE0FFu);
    } else {
        double sp = level_scale(v, v->level);
        int ox = (int)lround((v->cx - v->c_cx) * sp + v->cw / 2.0 - vw / 2.0);
        int oy = (int)lround((v->c_cy - v->cy) * sp + v->ch / 2.0 - vh / 2.0);
        if (ox < 0) ox = 0;
        if (oy < 0) oy = 0;
        if (ox > v->cw - vw) ox = v->cw - vw;
        if (oy > v->ch - vh) oy = v->ch - vh;
        if (!v->view || ox != v->vox || oy != v->voy) {
            free_view(v);
            v->view = SDL_CreateRGBSurfaceWithFormatFrom(
                (uint8_t *)v->cache->pixels + (size_t)oy * (size_t)v->cache->pitch + (size_t)ox * 4,
                vw, vh, 32, v->cache->pitch, v->cache->format->format);
            if (v->view) SDL_SetSurfaceBlendMode(v->view, SDL_BLENDMODE_NONE);
            v->vox = ox;
            v->voy = oy;
        }
        {
            uint32_t serial = v->serial * 2654435761u ^ (uint32_t)ox * 73856093u ^
                              (uint32_t)oy * 19349663u;
            if (v->view && !ui_surface(ui, r.x, r.y, v->view, serial)) {
                /* GPU renderer: the view as a streaming texture */
                if (!v->tex)
                    v->tex = SDL_CreateTexture(ui_renderer(ui), v->cache->format->format,
                                               SDL_TEXTUREACCESS_STREAMING, vw, vh);
                if (v->tex && v->tex_serial != serial) {
                    SDL_UpdateTexture(v->tex, NULL, v->view->pixels, v->view->pitch);
                    v->tex_serial = serial;
                }
                if (v->tex) ui_image_id(ui, r, v->tex, serial);
            }
        }
    }
    labels(a, v, r, w, ov);
    if (m->sample) {
        const char *t = app_tr(a, S_MAP_SAMPLE);
        float tw = ui_text_w(ui, t, UI_F_SMALL);
        ui_fill_round(ui, (struct ui_rect){r.x + 16, r.y + 16, tw + 32, 48}, 24, 0x5F5A55E0u);
        ui_label(ui, r.x + 32, r.y + 24, t, UI_F_SMALL, UI_C_WHITE, UI_LEFT);
    }
    /* controls: at least 80 px, on top of the pan area */
    if (ui_button(ui, (struct ui_rect){r.x + r.w - 100, r.y + r.h - 280, 84, 84}, "＋",
                  UI_SECONDARY) &&
        v->level < MAPVIEW_LEVELS - 1)
        v->level++;
    if (ui_button(ui, (struct ui_rect){r.x + r.w - 100, r.y + r.h - 184, 84, 84}, "－",
                  UI_SECONDARY) &&
        v->level > 0)
        v->level--;
    {
        const char *t = app_tr(a, S_MAP_RECENTRE);
        float bw = ui_text_w(ui, t, UI_F_LARGE) + 110;
        if (ui_button_icon(ui, (struct ui_rect){r.x + r.w - 116 - bw, r.y + r.h - 100, bw, 84},
                           "my_location", t,
                           UI_SECONDARY)) {
            int lv = v->level;
            mapview_focus(v, m, walk_here(w), lv > 1 ? lv : 1);
        }
    }
}
