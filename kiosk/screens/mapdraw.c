/* The map drawn with cairo (mapdraw.h); the shaded area rasterised by hand
 * into a mask once per zoom level, then blended. */
#include "mapdraw.h"

#include <cairo.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SHADE_RADIUS_M 30.0 /* half width of the shaded band along reachable ways */
#define SHADE_MAX_SIDE 1024 /* mask pixels a side at most */
#define CIRCLE_S 600.0      /* ten minutes */
#define DEG (M_PI / 180.0)

void mapdraw_proj_init(struct mapdraw_proj *p, const struct geomap *m)
{
    memset(p, 0, sizeof *p);
    p->lat0 = (m->bbox[1] + m->bbox[3]) / 2;
    p->lon0 = (m->bbox[0] + m->bbox[2]) / 2;
    p->ky = 6371008.8 * DEG;
    p->kx = p->ky * cos(p->lat0 * DEG);
}

void mapdraw_to_m(const struct mapdraw_proj *p, struct geomap_pt g, double *x, double *y)
{
    *x = (g.lon - p->lon0) * p->kx;
    *y = (g.lat - p->lat0) * p->ky;
}

void mapdraw_to_px(const struct mapdraw_proj *p, struct geomap_pt g, double *x, double *y)
{
    double mx, my;
    mapdraw_to_m(p, g, &mx, &my);
    *x = (mx - p->ox) * p->s;
    *y = (p->oy - my) * p->s;
}

static bool cancelled(const atomic_bool *cancel)
{
    return cancel && atomic_load_explicit(cancel, memory_order_relaxed);
}

static void rgb(cairo_t *cr, uint32_t c, double alpha)
{
    cairo_set_source_rgba(cr, (c >> 16 & 255) / 255.0, (c >> 8 & 255) / 255.0, (c & 255) / 255.0,
                          alpha);
}

static void path_pts(cairo_t *cr, const struct mapdraw_proj *p, const struct geomap_pt *pts, size_t n,
                     bool close)
{
    for (size_t i = 0; i < n; i++) {
        double x, y;
        mapdraw_to_px(p, pts[i], &x, &y);
        if (i == 0)
            cairo_move_to(cr, x, y);
        else
            cairo_line_to(cr, x, y);
    }
    if (close) cairo_close_path(cr);
}

static void path_polygon(cairo_t *cr, const struct mapdraw_proj *p, const struct geomap *m,
                         const struct geomap_feature *f)
{
    size_t at = f->first;
    for (size_t r = 0; r < f->n_rings; r++) {
        path_pts(cr, p, m->pts + at, m->ring_len[f->ring0 + r], true);
        at += m->ring_len[f->ring0 + r];
    }
}

static void fill_kind(cairo_t *cr, const struct mapdraw_proj *p, const struct geomap *m,
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
 * the band is rasterised here instead, once per zoom level: a coverage mask
 * at a fraction of the level's resolution (the band is soft-edged anyway),
 * each mask pixel near a reachable segment covered by its distance to it.
 * A drawing then only scales it up (bilinear) and blends it. */
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

void mapdraw_shade_free(struct mapdraw_shade *sh)
{
    free(sh->mask);
    memset(sh, 0, sizeof *sh);
}

/* Calls fn for the reachable part of every edge (metres, x east y north). */
static void each_reachable(const struct walk *w, bool step_free, const struct mapdraw_proj *p,
                           void (*fn)(void *ud, double x0, double y0, double x1, double y1),
                           void *ud)
{
    const struct walk_graph *g = walk_graph(w);
    const struct geomap_walking *wk = &g->map->walking;
    const double *t = walk_node_seconds(w, step_free);
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
            mapdraw_to_m(p, g->node[u], &x0, &y0);
            mapdraw_to_m(p, g->node[ed->to], &x1, &y1);
            fn(ud, x0, y0, x0 + (x1 - x0) * frac, y0 + (y1 - y0) * frac);
        }
}

static void grow_box(void *ud, double x0, double y0, double x1, double y1)
{
    double *b = ud;
    b[0] = fmin(b[0], fmin(x0, x1));
    b[1] = fmin(b[1], fmin(y0, y1));
    b[2] = fmax(b[2], fmax(x0, x1));
    b[3] = fmax(b[3], fmax(y0, y1));
}

static void mask_band(void *ud, double x0, double y0, double x1, double y1)
{
    struct mapdraw_shade *sh = ud;
    double k = sh->s / sh->down; /* mask pixels per metre */
    band(sh->mask, sh->mw, sh->mw, sh->mh, (x0 - sh->x0) * k, (sh->y0 - y0) * k, (x1 - sh->x0) * k,
         (sh->y0 - y1) * k, SHADE_RADIUS_M * k);
}

/* Makes sh the mask of scale s (pixels per metre); false when out of
 * memory or nothing is reachable. */
static bool shade_make(struct mapdraw_shade *sh, const struct walk *w, bool step_free,
                       const struct mapdraw_proj *p)
{
    double box[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY}, side;
    if (sh->mask && sh->w == w && sh->s == p->s && sh->step_free == step_free) return true;
    mapdraw_shade_free(sh);
    each_reachable(w, step_free, p, grow_box, box);
    if (!isfinite(box[0])) return false;
    box[0] -= SHADE_RADIUS_M + 2;
    box[1] -= SHADE_RADIUS_M + 2;
    box[2] += SHADE_RADIUS_M + 2;
    box[3] += SHADE_RADIUS_M + 2;
    side = fmax(box[2] - box[0], box[3] - box[1]) * p->s;
    sh->down = fmax(4, ceil(side / SHADE_MAX_SIDE));
    sh->s = p->s;
    sh->x0 = box[0];
    sh->y0 = box[3];
    sh->mw = (int)ceil((box[2] - box[0]) * p->s / sh->down) + 2;
    sh->mh = (int)ceil((box[3] - box[1]) * p->s / sh->down) + 2;
    sh->mask = calloc((size_t)sh->mw * (size_t)sh->mh, 1);
    if (!sh->mask) {
        mapdraw_shade_free(sh);
        return false;
    }
    sh->w = w;
    sh->step_free = step_free;
    each_reachable(w, step_free, p, mask_band, sh);
    return true;
}

/* Blends the mask, scaled up (bilinear), into the target: pixman's scaled
 * mask composite took 35-45 ms here, this takes a few. */
static bool shade_blend(uint8_t *d, int tw, int th, int ds, const struct mapdraw_proj *p,
                        const struct mapdraw_shade *sh, const atomic_bool *cancel)
{
    const uint32_t cr8 = 0xB7, cg8 = 0x19, cb8 = 0x1F, alpha = 33; /* 0.13 */
    double u0 = (p->ox - sh->x0) * p->s, v0 = (sh->y0 - p->oy) * p->s;
    int *ix = malloc((size_t)tw * 2 * sizeof *ix), *wx, xa = tw, xb = 0;
    if (!ix) return true; /* no shading rather than no map */
    wx = ix + tw;
    for (int x = 0; x < tw; x++) {
        int f = (int)floor(((u0 + x + 0.5) / sh->down - 0.5) * 256);
        ix[x] = f >> 8;
        wx[x] = f & 255;
        if (ix[x] >= 0 && ix[x] + 1 < sh->mw) {
            if (x < xa) xa = x;
            xb = x + 1;
        }
    }
    for (int y = 0; y < th; y++) {
        int f = (int)floor(((v0 + y + 0.5) / sh->down - 0.5) * 256), iy = f >> 8, wy = f & 255;
        const uint8_t *r0, *r1;
        uint32_t *px = (uint32_t *)(d + (size_t)y * (size_t)ds);
        if ((y & 31) == 0 && cancelled(cancel)) {
            free(ix);
            return false;
        }
        if (iy < 0 || iy + 1 >= sh->mh) continue;
        r0 = sh->mask + (size_t)iy * (size_t)sh->mw;
        r1 = r0 + sh->mw;
        for (int x = xa; x < xb; x++) {
            int i0 = ix[x], i1, w = wx[x];
            uint32_t top, bot, cov, a, q, rr, gg, bb;
            if (i0 < 0 || i0 + 1 >= sh->mw) continue;
            i1 = i0 + 1;
            if (!(r0[i0] | r0[i1] | r1[i0] | r1[i1])) continue;
            top = (uint32_t)(r0[i0] * (256 - w) + r0[i1] * w);
            bot = (uint32_t)(r1[i0] * (256 - w) + r1[i1] * w);
            cov = (top * (uint32_t)(256 - wy) + bot * (uint32_t)wy) >> 16; /* 0..255 */
            a = cov * alpha / 255;
            if (!a) continue;
            q = px[x];
            rr = ((q >> 16 & 255) * (255 - a) + cr8 * a) / 255;
            gg = ((q >> 8 & 255) * (255 - a) + cg8 * a) / 255;
            bb = ((q & 255) * (255 - a) + cb8 * a) / 255;
            px[x] = (q & 0xFF000000u) | rr << 16 | gg << 8 | bb;
        }
    }
    free(ix);
    return true;
}

static void marker(cairo_t *cr, const struct mapdraw_proj *p, struct geomap_pt g, double r, uint32_t c)
{
    double x, y;
    mapdraw_to_px(p, g, &x, &y);
    cairo_new_path(cr);
    cairo_arc(cr, x, y, r * 1.45, 0, 2 * M_PI);
    rgb(cr, 0xFFFFFF, 1);
    cairo_fill(cr);
    cairo_arc(cr, x, y, r, 0, 2 * M_PI);
    rgb(cr, c, 1);
    cairo_fill(cr);
}

/* Draws the map into cr with projection p; false when cancelled. */
static bool draw(cairo_t *cr, const struct mapdraw_proj *p, const struct mapdraw_scene *sc,
                 struct mapdraw_shade *sh, const atomic_bool *cancel)
{
    const struct walk *w = sc->w;
    const struct geomap *m = walk_graph(w)->map;
    const struct mapdraw_overlay *ov = &sc->ov;
    double k = sc->k;
    rgb(cr, MAPDRAW_BG, 1);
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
    if (cancelled(cancel)) return false;
    if (ov->isochrone && sh && walk_has_here(w) && shade_make(sh, w, ov->step_free, p)) {
        cairo_surface_t *t = cairo_get_target(cr);
        cairo_surface_flush(t);
        if (!shade_blend(cairo_image_surface_get_data(t), cairo_image_surface_get_width(t),
                         cairo_image_surface_get_height(t), cairo_image_surface_get_stride(t), p,
                         sh, cancel))
            return false;
        cairo_surface_mark_dirty(t);
    }
    fill_kind(cr, p, m, GEOMAP_BUILDING, 0xDCD5CB, 0xC2B8AA, 1 * k);
    for (size_t i = 0; i < m->n_f; i++) { /* towers: this kiosk's in red */
        const struct geomap_feature *f = &m->f[i];
        bool here;
        if (f->kind != GEOMAP_TOWER) continue;
        here = sc->here_tower && f->tower_id && strcmp(f->tower_id, sc->here_tower) == 0;
        cairo_new_path(cr);
        path_polygon(cr, p, m, f);
        rgb(cr, here ? 0xF3C9C2 : 0xDDD2C3, 1);
        cairo_fill_preserve(cr);
        rgb(cr, here ? 0xB7191F : 0x9E9080, 1);
        cairo_set_line_width(cr, 2 * k);
        cairo_stroke(cr);
    }
    if (cancelled(cancel)) return false;
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
    if (walk_has_here(w)) marker(cr, p, walk_here(w), 13 * k, 0xB7191F);
    return !cancelled(cancel);
}

bool mapdraw_render(uint32_t *px, int w, int h, int stride, const struct mapdraw_proj *p,
                    const struct mapdraw_scene *sc, struct mapdraw_shade *sh,
                    const atomic_bool *cancel)
{
    cairo_surface_t *s =
        cairo_image_surface_create_for_data((unsigned char *)px, CAIRO_FORMAT_ARGB32, w, h, stride);
    cairo_t *cr;
    bool ok;
    if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(s);
        return false;
    }
    cr = cairo_create(s);
    ok = cairo_status(cr) == CAIRO_STATUS_SUCCESS && draw(cr, p, sc, sh, cancel);
    cairo_destroy(cr);
    cairo_surface_flush(s);
    cairo_surface_destroy(s);
    return ok;
}
