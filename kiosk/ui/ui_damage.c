#include "ui_damage.h"

#include <stdlib.h>
#include <string.h>

#define MAX_RECTS 96 /* more changed areas than this: redraw their bounding box */

struct draw {
    SDL_Texture *tex; /* NULL: a fill */
    SDL_Rect dst, clip;
    uint32_t rgba;   /* fill colour, or the copy's modulation */
    uint32_t key;    /* hash of all of the above and the serial */
    bool scaled;     /* a copy whose size differs from its texture's */
};

struct ui_damage {
    SDL_Renderer *r;
    int w, h, gw, gh;
    bool retained, direct, full;
    SDL_Rect clip; /* current clip (the screen when none) */
    bool clipped;
    struct draw *list;
    size_t n, cap;
    uint32_t *cells, *last; /* this frame's and the last frame's cell hashes */
    uint8_t *dirty;
    SDL_Rect rects[MAX_RECTS]; /* groups of scaled copies first, then runs */
    size_t nrects, ngroups;
    struct ui_damage_stats st;
};

enum kerr ui_damage_create(SDL_Renderer *r, int w, int h, bool retained, struct ui_damage **out)
{
    struct ui_damage *d = calloc(1, sizeof *d);
    *out = NULL;
    if (!d) return KERR_NOMEM;
    d->r = r;
    d->w = w;
    d->h = h;
    d->gw = (w + UI_DAMAGE_CELL - 1) / UI_DAMAGE_CELL;
    d->gh = (h + UI_DAMAGE_CELL - 1) / UI_DAMAGE_CELL;
    d->retained = retained;
    d->full = true;
    d->clip = (SDL_Rect){0, 0, w, h};
    d->cells = calloc((size_t)d->gw * d->gh, sizeof *d->cells);
    d->last = calloc((size_t)d->gw * d->gh, sizeof *d->last);
    d->dirty = calloc((size_t)d->gw * d->gh, 1);
    if (!d->cells || !d->last || !d->dirty) {
        ui_damage_destroy(d);
        return KERR_NOMEM;
    }
    *out = d;
    return KERR_OK;
}

void ui_damage_destroy(struct ui_damage *d)
{
    if (!d) return;
    free(d->list);
    free(d->cells);
    free(d->last);
    free(d->dirty);
    free(d);
}

void ui_damage_set_retained(struct ui_damage *d, bool retained)
{
    d->retained = retained;
    d->full = true;
}

void ui_damage_begin(struct ui_damage *d)
{
    d->n = 0;
    ui_damage_clip(d, NULL);
}

void ui_damage_direct(struct ui_damage *d, bool direct)
{
    d->direct = direct;
}

void ui_damage_invalidate(struct ui_damage *d)
{
    d->full = true;
}

void ui_damage_clip(struct ui_damage *d, const SDL_Rect *clip)
{
    SDL_Rect screen = {0, 0, d->w, d->h};
    if (d->direct) {
        SDL_RenderSetClipRect(d->r, clip);
        return;
    }
    d->clipped = clip != NULL;
    d->clip = screen;
    if (clip && !SDL_IntersectRect(clip, &screen, &d->clip)) d->clip = (SDL_Rect){0, 0, 0, 0};
}

static uint32_t mix(uint32_t h, uint32_t v)
{
    h ^= v;
    h *= 0x01000193u;
    return h ^ (h >> 15);
}

static uint32_t draw_key(const struct draw *w, uint32_t serial)
{
    uint32_t h = 2166136261u;
    uintptr_t p = (uintptr_t)w->tex;
    h = mix(h, (uint32_t)p);
    h = mix(h, (uint32_t)((uint64_t)p >> 32));
    h = mix(h, serial);
    h = mix(h, (uint32_t)w->dst.x);
    h = mix(h, (uint32_t)w->dst.y);
    h = mix(h, (uint32_t)w->dst.w);
    h = mix(h, (uint32_t)w->dst.h);
    h = mix(h, (uint32_t)w->clip.x);
    h = mix(h, (uint32_t)w->clip.y);
    h = mix(h, (uint32_t)w->clip.w);
    h = mix(h, (uint32_t)w->clip.h);
    return mix(h, w->rgba);
}

static void set_fill_state(SDL_Renderer *r, uint32_t rgba)
{
    SDL_SetRenderDrawColor(r, (Uint8)(rgba >> 24), (Uint8)(rgba >> 16), (Uint8)(rgba >> 8),
                           (Uint8)rgba);
    SDL_SetRenderDrawBlendMode(r, (rgba & 0xFF) == 0xFF ? SDL_BLENDMODE_NONE : SDL_BLENDMODE_BLEND);
}

static void run(SDL_Renderer *r, const struct draw *w)
{
    if (!w->tex) {
        set_fill_state(r, w->rgba);
        SDL_RenderFillRect(r, &w->dst);
        return;
    }
    SDL_SetTextureColorMod(w->tex, (Uint8)(w->rgba >> 24), (Uint8)(w->rgba >> 16),
                           (Uint8)(w->rgba >> 8));
    SDL_SetTextureAlphaMod(w->tex, (Uint8)w->rgba);
    SDL_RenderCopy(r, w->tex, NULL, &w->dst);
}

static struct draw *push(struct ui_damage *d)
{
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 512;
        struct draw *n = realloc(d->list, cap * sizeof *n);
        if (!n) { /* cannot record: draw everything from here on */
            d->full = true;
            return NULL;
        }
        d->list = n;
        d->cap = cap;
    }
    return &d->list[d->n++];
}

void ui_damage_fill(struct ui_damage *d, const SDL_Rect *r, uint32_t rgba)
{
    struct draw *w;
    if (r->w <= 0 || r->h <= 0) return;
    if (d->direct) {
        struct draw tmp = {.dst = *r, .rgba = rgba};
        run(d->r, &tmp);
        return;
    }
    if (!(w = push(d))) return;
    memset(w, 0, sizeof *w);
    w->dst = *r;
    w->clip = d->clip;
    w->rgba = rgba;
    w->key = draw_key(w, 0);
}

void ui_damage_copy(struct ui_damage *d, SDL_Texture *tex, uint32_t serial, const SDL_Rect *dst,
                    uint32_t mod)
{
    struct draw *w;
    int tw = 0, th = 0;
    if (!tex || dst->w <= 0 || dst->h <= 0) return;
    if (d->direct) {
        struct draw tmp = {.tex = tex, .dst = *dst, .rgba = mod};
        run(d->r, &tmp);
        return;
    }
    if (!(w = push(d))) return;
    SDL_QueryTexture(tex, NULL, NULL, &tw, &th);
    w->tex = tex;
    w->dst = *dst;
    w->clip = d->clip;
    w->rgba = mod;
    w->scaled = tw != dst->w || th != dst->h;
    w->key = draw_key(w, serial);
}

/* The cells a draw reaches (its destination inside its clip), as a
 * rectangle in cell units. False if it reaches none. */
static bool cell_span(const struct ui_damage *d, const struct draw *w, SDL_Rect *c)
{
    SDL_Rect v;
    int x0, y0;
    (void)d;
    if (!SDL_IntersectRect(&w->dst, &w->clip, &v)) return false;
    x0 = v.x / UI_DAMAGE_CELL;
    y0 = v.y / UI_DAMAGE_CELL;
    *c = (SDL_Rect){x0, y0, (v.x + v.w - 1) / UI_DAMAGE_CELL - x0 + 1,
                    (v.y + v.h - 1) / UI_DAMAGE_CELL - y0 + 1};
    return true;
}

/* Adds a run of changed cells [cx0, cx1] in row cy, growing a rectangle
 * that ends just above with the same columns. False when full. */
static bool add_run(struct ui_damage *d, int cx0, int cx1, int cy)
{
    int x = cx0 * UI_DAMAGE_CELL, y = cy * UI_DAMAGE_CELL;
    int w = (cx1 + 1) * UI_DAMAGE_CELL - x;
    for (size_t i = d->ngroups; i < d->nrects; i++) {
        SDL_Rect *r = &d->rects[i];
        if (r->x == x && r->w == w && r->y + r->h == y) {
            r->h += UI_DAMAGE_CELL;
            return true;
        }
    }
    if (d->nrects == MAX_RECTS) return false;
    d->rects[d->nrects++] = (SDL_Rect){x, y, w, UI_DAMAGE_CELL};
    return true;
}

static bool span_dirty(const struct ui_damage *d, const SDL_Rect *c)
{
    for (int cy = c->y; cy < c->y + c->h; cy++)
        for (int cx = c->x; cx < c->x + c->w; cx++)
            if (d->dirty[cy * d->gw + cx]) return true;
    return false;
}

/* A scaled copy clipped to part of itself samples its texture a pixel off
 * from the unclipped copy. So every scaled copy that reaches a changed cell
 * is redrawn whole, inside one rectangle (a "group", in cell units) that
 * no other rectangle overlaps and that holds every scaled copy it touches.
 * False when there are too many. */
static bool find_groups(struct ui_damage *d)
{
    SDL_Rect *g = d->rects; /* groups first, in cell units until converted */
    bool grew = true;
    d->ngroups = 0;
    for (size_t k = 0; k < d->n; k++) {
        SDL_Rect c;
        if (!d->list[k].scaled || !cell_span(d, &d->list[k], &c) || !span_dirty(d, &c)) continue;
        if (d->ngroups == MAX_RECTS) return false;
        g[d->ngroups++] = c;
    }
    while (grew) {
        grew = false;
        for (size_t i = 0; i < d->ngroups; i++) {
            for (size_t j = i + 1; j < d->ngroups; j++) {
                if (!SDL_HasIntersection(&g[i], &g[j])) continue;
                SDL_UnionRect(&g[i], &g[j], &g[i]);
                g[j--] = g[--d->ngroups];
                grew = true;
            }
            for (size_t k = 0; k < d->n; k++) {
                SDL_Rect c, u;
                if (!d->list[k].scaled || !cell_span(d, &d->list[k], &c) ||
                    !SDL_HasIntersection(&g[i], &c))
                    continue;
                SDL_UnionRect(&g[i], &c, &u);
                if (u.w != g[i].w || u.h != g[i].h) {
                    g[i] = u;
                    grew = true;
                }
            }
        }
    }
    for (size_t i = 0; i < d->ngroups; i++) {
        for (int cy = g[i].y; cy < g[i].y + g[i].h; cy++)
            for (int cx = g[i].x; cx < g[i].x + g[i].w; cx++) d->dirty[cy * d->gw + cx] = 2;
        g[i] = (SDL_Rect){g[i].x * UI_DAMAGE_CELL, g[i].y * UI_DAMAGE_CELL,
                          g[i].w * UI_DAMAGE_CELL, g[i].h * UI_DAMAGE_CELL};
    }
    return true;
}

static void find_rects(struct ui_damage *d)
{
    bool ok = find_groups(d);
    d->nrects = d->ngroups;
    for (int cy = 0; ok && cy < d->gh; cy++) {
        for (int cx = 0; ok && cx < d->gw;) {
            int start;
            if (d->dirty[cy * d->gw + cx] != 1) {
                cx++;
                continue;
            }
            start = cx;
            while (cx < d->gw && d->dirty[cy * d->gw + cx] == 1) cx++;
            ok = add_run(d, start, cx - 1, cy);
        }
    }
    if (!ok) { /* too scattered: all of it */
        d->ngroups = 0;
        d->nrects = 1;
        d->rects[0] = (SDL_Rect){0, 0, d->w, d->h};
    }
    for (size_t i = 0; i < d->nrects; i++) { /* the last row and column may be partial */
        SDL_Rect screen = {0, 0, d->w, d->h};
        SDL_IntersectRect(&d->rects[i], &screen, &d->rects[i]);
    }
}

/* Marks the cells whose draws changed (all of them after an invalidate). */
static void find_dirty(struct ui_damage *d)
{
    size_t ncell = (size_t)d->gw * d->gh;
    for (size_t i = 0; i < ncell; i++) d->cells[i] = 0x811C9DC5u;
    for (size_t k = 0; k < d->n; k++) {
        SDL_Rect c;
        if (!cell_span(d, &d->list[k], &c)) continue;
        for (int cy = c.y; cy < c.y + c.h; cy++)
            for (int cx = c.x; cx < c.x + c.w; cx++) {
                uint32_t *h = &d->cells[cy * d->gw + cx];
                *h = mix(*h, d->list[k].key);
            }
    }
    for (size_t i = 0; i < ncell; i++) d->dirty[i] = d->full || d->cells[i] != d->last[i];
}

size_t ui_damage_flush(struct ui_damage *d, struct ui_damage_stats *st)
{
    uint32_t *t;
    d->st = (struct ui_damage_stats){.draws = d->n, .px_total = (size_t)d->w * d->h};
    if (!d->retained) {
        d->nrects = 1;
        d->rects[0] = (SDL_Rect){0, 0, d->w, d->h};
    } else {
        find_dirty(d);
        find_rects(d);
    }
    for (size_t i = 0; i < d->nrects; i++) {
        const SDL_Rect *R = &d->rects[i];
        d->st.px_redrawn += (size_t)R->w * R->h;
        for (size_t k = 0; k < d->n; k++) {
            const struct draw *w = &d->list[k];
            SDL_Rect c;
            if (!SDL_HasIntersection(&w->dst, R) || !SDL_IntersectRect(&w->clip, R, &c)) continue;
            SDL_RenderSetClipRect(d->r, &c);
            run(d->r, w);
        }
    }
    d->st.rects = d->nrects;
    SDL_RenderSetClipRect(d->r, NULL);
    t = d->last;
    d->last = d->cells;
    d->cells = t;
    d->full = false;
    if (st) *st = d->st;
    return d->st.px_redrawn;
}
