/* The map widget (mapview.h): input, the cache on the UI thread, the
 * labels; the drawing itself is mapdraw's, on the worker (mapworker). */
#include "mapview.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "klog.h"
#include "screens.h"
#include "walk.h"

#define MARGIN_PX 128 /* cache margin around the view, physical px */
#define LEVEL_STEP 1.6 /* zoom factor between levels */

static void free_view(struct mapview *v)
{
    SDL_FreeSurface(v->view);
    v->view = NULL;
}

void mapview_release(struct mapview *v)
{
    if (v->peak_bytes)
        KLOGI("map", "memory peak %.2f MB (cache, band buffers and shade mask)",
              v->peak_bytes / 1048576.0);
    v->peak_bytes = 0;
    mapworker_stop(v->worker);
    v->worker = NULL;
    free_view(v);
    free(v->front.px);
    memset(&v->front, 0, sizeof v->front);
    if (v->tex) SDL_DestroyTexture(v->tex);
    v->tex = NULL;
    v->posted = false;
}

static double level_scale(const struct mapview *v, int level)
{
    double fw = v->ext[2] - v->ext[0], fh = v->ext[3] - v->ext[1];
    double s = fmin(v->vw / fmax(fw, 1), v->vh / fmax(fh, 1)) * 0.94;
    return s * pow(LEVEL_STEP, level);
}

static void init_view(struct mapview *v, const struct geomap *m)
{
    struct mapdraw_proj p;
    mapdraw_proj_init(&p, m);
    v->ext[0] = v->ext[1] = INFINITY;
    v->ext[2] = v->ext[3] = -INFINITY;
    for (size_t i = 0; i < m->n_f; i++) {
        const struct geomap_feature *f = &m->f[i];
        if (f->kind == GEOMAP_STREET) continue; /* streets run off the edge */
        for (size_t k = 0; k < f->n; k++) {
            double x, y;
            mapdraw_to_m(&p, m->pts[f->first + k], &x, &y);
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
    struct mapdraw_proj p;
    mapdraw_proj_init(&p, m);
    mapdraw_to_m(&p, pt, &v->cx, &v->cy);
    if (v->level < min_level) v->level = min_level;
    v->inited = true; /* init_view keeps this centre */
}

/* One row of the in-place rescale: dst row y (columns x0..x1) from source
 * row sy (through line, so a row may be its own source); bg where there is
 * no source. */
static void scale_row(const struct mapbuf *b, int y, int sy, const uint32_t *saved, int saved_row,
                      uint32_t *line, const int *xmap, int x0, int x1, uint32_t bg)
{
    uint32_t *out = b->px + (size_t)y * (size_t)b->w;
    if (sy < b->vy0 || sy >= b->vy1) {
        for (int x = x0; x < x1; x++) out[x] = bg;
        return;
    }
    memcpy(line + b->vx0, sy == saved_row ? saved + b->vx0 : b->px + (size_t)sy * (size_t)b->w + b->vx0,
           (size_t)(b->vx1 - b->vx0) * 4);
    for (int x = x0; x < x1; x++) out[x] = xmap[x] >= 0 ? line[xmap[x]] : bg;
}

static int src_row(int y, double f, double by)
{
    return (int)floor((y + 0.5) / f + by);
}

/* Rescales the part (x0, y0)-(x1, y1) of the cache in place by f (nearest
 * pixel: a preview until the worker delivers the level): the pixel at
 * (x, y) comes from (x / f + bx, y / f + by) of the cache's valid part. Rows
 * are rewritten in an order that never reads a row already rewritten
 * (towards the fixed row when magnifying, away from it when shrinking; the
 * fixed row is kept aside); a row whose source is the last row's is copied
 * from it. Afterwards only that part is valid. False when out of memory
 * (the cache is then unchanged). */
static bool scale_in_place(struct mapbuf *b, double f, double bx, double by, int x0, int y0, int x1,
                           int y1)
{
    int w = b->w, h = b->h, r, last_sy = INT32_MIN, last_y = -1;
    uint32_t bg = 0xFF000000u | MAPDRAW_BG;
    uint32_t *line = malloc((size_t)w * 8), *saved;
    int *xmap = malloc((size_t)w * sizeof *xmap);
    double ystar = by / (1 - 1 / f) + 0.5 / (f - 1);
    if (!line || !xmap) {
        free(line);
        free(xmap);
        return false;
    }
    saved = line + w;
    for (int x = 0; x < w; x++) {
        int sx = (int)floor((x + 0.5) / f + bx);
        xmap[x] = sx >= b->vx0 && sx < b->vx1 ? sx : -1;
    }
    r = isfinite(ystar) ? (int)floor(fmin(fmax(ystar, -1), h - 1)) : -1;
    if (r >= 0) memcpy(saved, b->px + (size_t)r * (size_t)w, (size_t)w * 4);
    for (int pass = 0; pass < 2; pass++) {
        /* magnifying: sources lie between a row and the fixed row; shrinking:
         * beyond it, away from the fixed row */
        int from, to, step;
        if (f > 1) {
            from = pass ? h - 1 : 0, to = pass ? r : r + 1, step = pass ? -1 : 1;
        } else {
            from = pass ? r + 1 : r, to = pass ? h : -1, step = pass ? 1 : -1;
        }
        for (int y = from; y != to; y += step) {
            int sy = src_row(y, f, by);
            if (y < y0 || y >= y1) continue;
            if (sy == last_sy && last_y >= 0) /* the same source as the last row */
                memcpy(b->px + (size_t)y * (size_t)w + x0, b->px + (size_t)last_y * (size_t)w + x0,
                       (size_t)(x1 - x0) * 4);
            else
                scale_row(b, y, sy, saved, pass && f > 1 ? r : -2, line, xmap, x0, x1, bg);
            last_sy = sy;
            last_y = y;
        }
    }
    free(line);
    free(xmap);
    b->vx0 = x0, b->vy0 = y0, b->vx1 = x1, b->vy1 = y1;
    return true;
}

/* Pixels outside the valid part become paper; then all of the cache is
 * valid (what the worker has not drawn yet shows as paper). */
static void fill_outside(struct mapbuf *b)
{
    uint32_t bg = 0xFF000000u | MAPDRAW_BG;
    for (int y = 0; y < b->h; y++) {
        uint32_t *row = b->px + (size_t)y * (size_t)b->w;
        int x0 = y < b->vy0 || y >= b->vy1 ? b->w : b->vx0, x1 = x0 == b->w ? b->w : b->vx1;
        for (int x = 0; x < (x0 < b->w ? x0 : b->w); x++) row[x] = bg;
        for (int x = x1; x < b->w; x++) row[x] = bg;
    }
    b->vx0 = b->vy0 = 0;
    b->vx1 = b->w;
    b->vy1 = b->h;
}

/* Moves the cache's pixels by (-dx, -dy): the pixel at (x, y) becomes the
 * one at (x + dx, y + dy); what comes in from past the edge is paper. */
static void shift_in_place(struct mapbuf *b, int dx, int dy)
{
    uint32_t bg = 0xFF000000u | MAPDRAW_BG;
    int w = b->w, h = b->h, n = w - abs(dx);
    for (int i = 0; i < h; i++) {
        int y = dy > 0 ? i : h - 1 - i, sy = y + dy;
        uint32_t *out = b->px + (size_t)y * (size_t)w;
        if (sy < 0 || sy >= h || n <= 0) {
            for (int x = 0; x < w; x++) out[x] = bg;
            continue;
        }
        memmove(out + (dx < 0 ? -dx : 0), b->px + (size_t)sy * (size_t)w + (dx > 0 ? dx : 0),
                (size_t)n * 4);
        for (int x = 0; x < -dx && x < w; x++) out[x] = bg;
        for (int x = w - dx; x < w; x++) if (x >= 0) out[x] = bg;
    }
}

/* The cache for this frame: copies in the bands the worker has drawn;
 * when the level, the overlay or a pan nearing the cache's edge asks for a
 * new drawing, turns the cache into its preview at once (rescaled about the
 * view's centre, or shifted) and posts the job, centred where the cache now
 * is. The map holds one cache; the worker only bands of it. */
static void update_cache(struct app *a, struct mapview *v, const struct walk *w,
                         const struct mapview_overlay *ov)
{
    int cw = v->vw + 2 * MARGIN_PX, ch = v->vh + 2 * MARGIN_PX;
    double s = level_scale(v, v->level);
    bool need = false, bottom_up = false, last;
    size_t bytes;
    if (!v->worker) {
        struct mapdraw_scene sc = {.w = w, .here_tower = app_cfg(a)->tower_id, .k = ui_scale(app_ui(a))};
        if (mapworker_start(a, &sc, &v->worker) != KERR_OK) return;
    }
    if (v->front.px && (v->front.w != cw || v->front.h != ch)) { /* another size: start again */
        free(v->front.px);
        memset(&v->front, 0, sizeof v->front);
        free_view(v);
        v->posted = false;
    }
    while (v->posted && mapworker_take_band(v->worker, v->job_serial, &v->front, &last)) {
        v->serial++;
        if (last) v->posted = false;
    }
    if (!v->front.px) { /* the first drawing: paper until its bands arrive */
        v->front.px = malloc((size_t)cw * (size_t)ch * 4);
        if (!v->front.px) return;
        v->front = (struct mapbuf){.px = v->front.px, .w = cw, .h = ch, .level = v->level, .s = s,
                                   .cx = v->cx, .cy = v->cy, .vx1 = 0, .vy1 = 0};
        fill_outside(&v->front);
        v->serial++;
        need = true;
    } else if (v->front.level != v->level) {
        /* a zoom: the cache it has, scaled about the view's centre, at once */
        double f = s / v->front.s;
        double bx = (v->cx - v->front.cx) * v->front.s + cw / 2.0 - cw / 2.0 / f;
        double by = (v->front.cy - v->cy) * v->front.s + ch / 2.0 - ch / 2.0 / f;
        /* only what is in view is rescaled; the rest is paper until drawn */
        int x0 = (int)fmax(0, floor(cw / 2.0 - v->vw / 2.0)), y0 = (int)fmax(0, floor(ch / 2.0 - v->vh / 2.0));
        if (!scale_in_place(&v->front, f, bx, by, x0, y0, (int)fmin(cw, x0 + v->vw + 1),
                            (int)fmin(ch, y0 + v->vh + 1)))
            return;
        fill_outside(&v->front);
        v->front.level = v->level;
        v->front.s = s;
        v->front.cx = v->cx;
        v->front.cy = v->cy;
        need = true;
        v->serial++;
    } else {
        /* a pan nearing the cache's edge: the cache moves under the view */
        double ox = (v->cx - v->front.cx) * s, oy = (v->front.cy - v->cy) * s;
        if (fabs(ox) > MARGIN_PX / 2.0 || fabs(oy) > MARGIN_PX / 2.0) {
            int dx = (int)lround(ox), dy = (int)lround(oy);
            shift_in_place(&v->front, dx, dy);
            v->front.cx += dx / s;
            v->front.cy -= dy / s;
            bottom_up = dy > 0;
            need = true;
            v->serial++;
        }
    }
    if (need || v->front.key != ov->key) {
        uint32_t serial;
        struct mapworker_job j = {.level = v->level, .s = s, .cx = v->front.cx, .cy = v->front.cy,
                                  .w = cw, .h = ch, .key = ov->key, .bottom_up = bottom_up};
        j.ov = (struct mapdraw_overlay){.isochrone = ov->isochrone, .step_free = ov->step_free,
                                        .route = ov->route, .n_route = ov->n_route,
                                        .have_dest = ov->have_dest, .dest = ov->dest};
        if (mapworker_post(v->worker, &j, &serial) == KERR_OK) {
            v->job_serial = serial;
            v->posted = true;
            v->front.key = ov->key;
        }
    }
    bytes = (size_t)cw * (size_t)ch * 4 + mapworker_bytes(v->worker);
    if (bytes > v->peak_bytes) v->peak_bytes = bytes;
    if (mapworker_busy(v->worker)) app_expect_wake(a);
}

/* Shows the part of the cache under the view; the paper colour where the
 * view has gone past it (until the worker's next cache arrives). */
static void show_cache(struct app *a, struct mapview *v, struct ui_rect r)
{
    struct ui *ui = app_ui(a);
    float k = ui_scale(ui);
    uint32_t fmt = ui_screen_format(ui);
    double s = v->front.s;
    int ox = (int)lround((v->cx - v->front.cx) * s + v->front.w / 2.0 - v->vw / 2.0);
    int oy = (int)lround((v->front.cy - v->cy) * s + v->front.h / 2.0 - v->vh / 2.0);
    int x0 = ox < v->front.vx0 ? v->front.vx0 : ox, y0 = oy < v->front.vy0 ? v->front.vy0 : oy;
    int x1 = ox + v->vw > v->front.vx1 ? v->front.vx1 : ox + v->vw;
    int y1 = oy + v->vh > v->front.vy1 ? v->front.vy1 : oy + v->vh;
    bool whole = x0 == ox && y0 == oy && x1 - x0 == v->vw && y1 - y0 == v->vh;
    uint32_t serial;
    if (!v->front.px || x1 <= x0 || y1 <= y0) {
        ui_fill(ui, r, MAPDRAW_BG << 8 | 0xFFu);
        return;
    }
    if (fmt != SDL_PIXELFORMAT_ARGB8888 && fmt != SDL_PIXELFORMAT_RGB888)
        fmt = SDL_PIXELFORMAT_ARGB8888; /* SDL converts when it blits */
    if (!v->view || x0 != v->vox || y0 != v->voy || x1 - x0 != v->view->w || y1 - y0 != v->view->h) {
        free_view(v);
        v->view = SDL_CreateRGBSurfaceWithFormatFrom(
            v->front.px + (size_t)y0 * (size_t)v->front.w + (size_t)x0, x1 - x0, y1 - y0, 32,
            v->front.w * 4, fmt);
        if (!v->view) return;
        SDL_SetSurfaceBlendMode(v->view, SDL_BLENDMODE_NONE);
        v->vox = x0;
        v->voy = y0;
    }
    serial = v->serial * 2654435761u ^ (uint32_t)x0 * 73856093u ^ (uint32_t)y0 * 19349663u ^
             (uint32_t)(x1 - x0) * 83492791u;
    if (!whole) ui_fill(ui, r, MAPDRAW_BG << 8 | 0xFFu);
    if (ui_surface(ui, r.x + (x0 - ox) / k, r.y + (y0 - oy) / k, v->view, serial)) return;
    /* GPU renderer: the view as a streaming texture, whole views only */
    if (!whole) return;
    if (!v->tex)
        v->tex = SDL_CreateTexture(ui_renderer(ui), fmt, SDL_TEXTUREACCESS_STREAMING, v->vw, v->vh);
    if (v->tex && v->tex_serial != serial) {
        SDL_UpdateTexture(v->tex, NULL, v->view->pixels, v->view->pitch);
        v->tex_serial = serial;
    }
    if (v->tex) ui_image_id(ui, r, v->tex, serial);
}

/* What labels must not cover this frame: the controls, the markers and
 * their pills, the labels already placed. A label that would overlap one is
 * left out (the first placed wins: pills, then towers, then the rest). */
struct placed {
    struct ui_rect r[96];
    int n;
    const struct geomap *m;        /* tower footprints, for tower labels */
    const struct mapdraw_proj *p;  /* logical px relative to ox, oy */
    float ox, oy;                  /* the map rect's corner */
};

static bool overlap(struct ui_rect a, struct ui_rect b)
{
    return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

/* Keeps b clear of labels, whatever is there already. */
static void reserve(struct placed *pl, struct ui_rect b)
{
    if (pl->n < 96) pl->r[pl->n++] = b;
}

/* Takes b for a label when it overlaps nothing reserved or placed. */
static bool free_spot(struct placed *pl, struct ui_rect b)
{
    for (int i = 0; i < pl->n; i++)
        if (overlap(b, pl->r[i])) return false;
    reserve(pl, b);
    return true;
}

/* The box on screen (logical px) of a footprint's outer ring. */
static struct ui_rect footprint_box(const struct placed *pl, const struct geomap_feature *f)
{
    const struct geomap *m = pl->m;
    size_t n = f->n_rings ? m->ring_len[f->ring0] : f->n;
    double x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY, x, y;
    for (size_t q = 0; q < n; q++) {
        mapdraw_to_px(pl->p, m->pts[f->first + q], &x, &y);
        x0 = fmin(x0, x);
        x1 = fmax(x1, x);
        y0 = fmin(y0, y);
        y1 = fmax(y1, y);
    }
    return (struct ui_rect){pl->ox + (float)x0, pl->oy + (float)y0, (float)(x1 - x0), (float)(y1 - y0)};
}

/* True when b overlaps the footprint (its box on screen) of a tower other
 * than the feature self: a wide (English) label must not run onto its
 * neighbours. */
static bool on_other_tower(const struct placed *pl, size_t self, struct ui_rect b)
{
    const struct geomap *m = pl->m;
    for (size_t i = 0; i < m->n_f; i++) {
        if (i == self || m->f[i].kind != GEOMAP_TOWER) continue;
        if (overlap(b, footprint_box(pl, &m->f[i]))) return true;
    }
    return false;
}

/* A marker's dot (mapdraw's, radius at most 13 logical px) at (x, y). */
static void reserve_marker(struct placed *pl, float x, float y)
{
    reserve(pl, (struct ui_rect){x - 16, y - 16, 32, 32});
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

/* A label centred on (x, y) if it lies wholly inside r and covers nothing
 * placed; a tower's label (tower: its feature index, else SIZE_MAX) also
 * stays off the other towers' footprints. */
static bool label_at(struct ui *ui, struct placed *pl, struct ui_rect r, float x, float y,
                     const char *text, uint32_t rgba, size_t tower)
{
    float w = ui_text_w(ui, text, UI_F_SMALL);
    struct ui_rect b = {x - w / 2 - 4, y - 18, w + 8, 36};
    if (x - w / 2 < r.x + 4 || x + w / 2 > r.x + r.w - 4 || y - 18 < r.y + 4 || y + 18 > r.y + r.h - 4)
        return false;
    if (tower != SIZE_MAX && on_other_tower(pl, tower, b)) return false;
    if (!free_spot(pl, b)) return false;
    ui_label(ui, x, y - 17, text, UI_F_SMALL, rgba, UI_CENTER);
    return true;
}

/* A tower's label: on its footprint, or else (a marker or its pill is
 * there) just below it, or above it, so no tower goes unnamed. */
static void tower_label(struct ui *ui, struct placed *pl, struct ui_rect r, float x, float y,
                        const char *text, size_t tower)
{
    struct ui_rect fb = footprint_box(pl, &pl->m->f[tower]);
    float hw = ui_text_w(ui, text, UI_F_SMALL) / 2 + 8;
    /* the entrance marker sits on the footprint's edge: keep 36 px off it */
    const float alt[4][2] = {{x, fb.y + fb.h + 36}, {x, fb.y - 36}, {fb.x - hw - 8, y},
                             {fb.x + fb.w + hw + 8, y}};
    if (label_at(ui, pl, r, x, y, text, UI_C_TEXT, tower)) return;
    for (int i = 0; i < 4; i++)
        if (label_at(ui, pl, r, alt[i][0], alt[i][1], text, UI_C_TEXT, SIZE_MAX)) return;
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
    struct mapdraw_proj p;
    double x, y;
    double hx = 0, hy = 0, dx = 0, dy = 0;
    struct placed pl = {.n = 0, .m = m, .p = &p, .ox = r.x, .oy = r.y};
    mapdraw_proj_init(&p, m);
    p.s = s / k; /* logical px per metre */
    p.ox = v->cx - r.w / 2.0 / p.s;
    p.oy = v->cy + r.h / 2.0 / p.s;
    /* the controls and the sample badge keep their corners, the markers
     * (drawn in the map) stay visible, then their pills */
    reserve(&pl, (struct ui_rect){r.x, r.y, 420, 80});
    reserve(&pl, (struct ui_rect){r.x + r.w - 110, r.y + r.h - 290, 110, 290});
    reserve(&pl, (struct ui_rect){r.x + r.w - 480, r.y + r.h - 110, 480, 110});
    if (walk_has_here(w)) {
        mapdraw_to_px(&p, walk_here(w), &hx, &hy);
        reserve_marker(&pl, r.x + (float)hx, r.y + (float)hy);
    }
    if (ov->have_dest) {
        mapdraw_to_px(&p, ov->dest, &dx, &dy);
        reserve_marker(&pl, r.x + (float)dx, r.y + (float)dy);
    }
    if (walk_has_here(w))
        pill(ui, &pl, r, r.x + (float)hx, r.y + (float)hy, app_tr(a, S_MAP_HERE), UI_C_RED,
             UI_C_WHITE);
    if (ov->have_dest && ov->dest_label)
        pill(ui, &pl, r, r.x + (float)dx, r.y + (float)dy, ov->dest_label, 0x2D5C8FFFu, UI_C_WHITE);
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
            /* along the street, the first of a few spots in view that is free */
            bool found = false;
            for (int q = 1; q < 8 && !found && name; q++) {
                double tt = q / 8.0 * (double)(f->n - 1);
                size_t i0 = (size_t)tt;
                double fr = tt - (double)i0;
                struct geomap_pt a0 = m->pts[f->first + i0],
                                 a1 = m->pts[f->first + (i0 + 1 < f->n ? i0 + 1 : i0)];
                at = (struct geomap_pt){a0.lon + (a1.lon - a0.lon) * fr, a0.lat + (a1.lat - a0.lat) * fr};
                mapdraw_to_px(&p, at, &x, &y);
                found = x > 60 && x < r.w - 60 && y > 30 && y < r.h - 30 &&
                        !(q % 2 == 0 && (x - r.w / 2) * (x - r.w / 2) < 100) &&
                        label_at(ui, &pl, r, r.x + (float)x, r.y + (float)y, name, UI_C_MUTED,
                                 SIZE_MAX);
            }
            continue; /* placed, or no room */
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
        mapdraw_to_px(&p, at, &x, &y);
        if (f->kind == GEOMAP_TOWER)
            tower_label(ui, &pl, r, r.x + (float)x, r.y + (float)y, name, i);
        else
            label_at(ui, &pl, r, r.x + (float)x, r.y + (float)y, name, UI_C_MUTED, SIZE_MAX);
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
    /* a pinch gathers over frames; a level per factor LEVEL_STEP */
    pinch = ui_pinch_take(ui);
    if (v->pinch <= 0) v->pinch = 1;
    v->pinch *= pinch;
    while (v->pinch > 1.26f && v->level < MAPVIEW_LEVELS - 1) {
        v->level++;
        v->pinch /= (float)LEVEL_STEP;
    }
    while (v->pinch < 1 / 1.26f && v->level > 0) {
        v->level--;
        v->pinch *= (float)LEVEL_STEP;
    }
    if (v->pinch > 1.26f || v->pinch < 1 / 1.26f) v->pinch = 1; /* at the last level */
    v->cx = fmin(fmax(v->cx, v->ext[0]), v->ext[2]);
    v->cy = fmin(fmax(v->cy, v->ext[1]), v->ext[3]);
    if (!ui_warming(ui)) { /* a warm-up pass lays out the texts only */
        update_cache(a, v, w, ov);
        show_cache(a, v, r);
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
    if (walk_has_here(w)) { /* 回到当前位置 needs a location */
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
