#define _GNU_SOURCE /* sched_getcpu, pthread_setaffinity_np */
#include "ui_damage.h"

#include "kmem.h"
#include "kthread.h"
#include "ui_paint.h"

#include <pthread.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_RECTS 96 /* more changed areas than this: redraw their bounding box */
#define TILE_W 256   /* surface mode draws in tiles that stay in the cache */
#define TILE_H 128
#define HELPER_MIN_PX (1920 * 1080 / 8) /* a redraw this large is shared with the helper */
#define PREWAKE_US 12000                /* how long a prewoken helper waits awake for work */

enum draw_kind { D_FILL, D_COPY, D_MASK, D_SURF };

struct draw {
    enum draw_kind kind;
    SDL_Texture *tex;     /* D_COPY */
    const uint8_t *mask;  /* D_MASK: dst.w x dst.h coverage, rows of pitch bytes */
    int pitch;
    SDL_Surface *surf;    /* D_SURF */
    SDL_Rect dst, clip;
    uint32_t rgba;   /* fill or mask colour, or the copy's modulation */
    uint32_t key;    /* hash of all of the above and the serial */
    bool scaled;     /* a copy whose size differs from its texture's */
    bool opaque;     /* covers every pixel of dst inside clip */
    bool shape;      /* D_MASK: part of a filled shape (a rounded corner), not a text */
};

/* The second core's share of a large surface-mode redraw: tiles are taken one
 * at a time by whichever thread is free, so neither waits on the other's
 * slow tile. Only hand-drawn tiles (fills, masks, same-format opaque
 * surfaces) are shared; they touch nothing but their own pixels. */
struct helper {
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t wake, finished;
    bool started, stop;
    unsigned gen;       /* a new job (written under mu, read atomically while spinning) */
    unsigned prewake;   /* a tap came: be awake when its frame is painted */
    uint64_t spin_until_us;
    int main_cpu;       /* the helper runs on any CPU but this one */
    SDL_Surface *screen;
    SDL_Rect *tiles;
    size_t ntiles, cap, next, done;
};

struct ui_damage {
    struct kthread_owner owner; /* the UI thread: ui_damage_create binds it */
    SDL_Renderer *r;
    struct helper helper;
    size_t helper_min_px; /* 0: never */
    bool surface_mode;    /* fills, masks and surfaces are drawn by hand */
    SDL_Surface *fixed;   /* the surface r draws into, if given */
    SDL_Surface *target;  /* where direct draws go (NULL: the screen) */
    void *huge_pixels;    /* the screen pixels last backed by huge pages */
    int w, h, gw, gh;
    bool retained, direct, full;
    SDL_Rect clip; /* current clip (the screen when none) */
    bool clipped;
    SDL_Rect saved_clip; /* the frame's clip while drawing direct */
    bool saved_clipped;
    struct draw *list;
    size_t n, cap;
    uint32_t *cells, *last; /* this frame's and the last frame's cell hashes */
    uint8_t *dirty;
    SDL_Rect rects[MAX_RECTS]; /* groups of scaled copies first, then runs */
    size_t nrects, ngroups;
    struct ui_damage_stats st;
};

enum kerr ui_damage_create(SDL_Renderer *r, int w, int h, bool retained, bool surface_mode,
                          SDL_Surface *screen, struct ui_damage **out)
{
    struct ui_damage *d = calloc(1, sizeof *d);
    *out = NULL;
    if (!d) return KERR_NOMEM;
    kthread_owner_bind(&d->owner);
    d->r = r;
    d->surface_mode = surface_mode;
    d->fixed = screen;
    d->w = w;
    d->h = h;
    d->gw = (w + UI_DAMAGE_CELL - 1) / UI_DAMAGE_CELL;
    d->gh = (h + UI_DAMAGE_CELL - 1) / UI_DAMAGE_CELL;
    d->retained = retained;
    d->full = true;
    d->clip = (SDL_Rect){0, 0, w, h};
    d->helper_min_px = HELPER_MIN_PX;
    if (pthread_mutex_init(&d->helper.mu, NULL) != 0) {
        free(d);
        return KERR_NOMEM;
    }
    if (pthread_cond_init(&d->helper.wake, NULL) != 0 ||
        pthread_cond_init(&d->helper.finished, NULL) != 0) {
        pthread_mutex_destroy(&d->helper.mu);
        free(d);
        return KERR_NOMEM;
    }
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

static void helper_stop(struct ui_damage *d)
{
    struct helper *h = &d->helper;
    if (!h->started) return;
    pthread_mutex_lock(&h->mu);
    __atomic_store_n(&h->stop, true, __ATOMIC_RELEASE);
    pthread_cond_signal(&h->wake);
    pthread_mutex_unlock(&h->mu);
    pthread_join(h->th, NULL);
    h->started = false;
    h->stop = false;
}

void ui_damage_destroy(struct ui_damage *d)
{
    if (!d) return;
    KASSERT_OWNER(&d->owner);
    helper_stop(d);
    pthread_cond_destroy(&d->helper.wake);
    pthread_cond_destroy(&d->helper.finished);
    pthread_mutex_destroy(&d->helper.mu);
    free(d->helper.tiles);
    free(d->list);
    free(d->cells);
    free(d->last);
    free(d->dirty);
    free(d);
}

void ui_damage_set_helper(struct ui_damage *d, size_t min_px)
{
    KASSERT_OWNER(&d->owner);
    d->helper_min_px = min_px;
    if (!min_px) helper_stop(d);
}

void ui_damage_set_retained(struct ui_damage *d, bool retained)
{
    KASSERT_OWNER(&d->owner);
    d->retained = retained;
    d->full = true;
}

void ui_damage_begin(struct ui_damage *d)
{
    KASSERT_OWNER(&d->owner);
    d->n = 0;
    ui_damage_clip(d, NULL);
}

void ui_damage_direct(struct ui_damage *d, bool direct, SDL_Surface *target)
{
    KASSERT_OWNER(&d->owner);
    if (direct == d->direct) return;
    d->direct = direct;
    d->target = direct ? target : NULL;
    if (direct) {
        d->saved_clip = d->clip;
        d->saved_clipped = d->clipped;
        d->clipped = false;
        d->clip = target ? (SDL_Rect){0, 0, target->w, target->h} : (SDL_Rect){0, 0, d->w, d->h};
    } else {
        d->clip = d->saved_clip;
        d->clipped = d->saved_clipped;
    }
}

void ui_damage_invalidate(struct ui_damage *d)
{
    KASSERT_OWNER(&d->owner);
    d->full = true;
}

void ui_damage_clip(struct ui_damage *d, const SDL_Rect *clip)
{
    KASSERT_OWNER(&d->owner);
    SDL_Rect screen = {0, 0, d->w, d->h};
    if (d->direct && !d->surface_mode) {
        SDL_RenderSetClipRect(d->r, clip);
        return;
    }
    if (d->target) screen = (SDL_Rect){0, 0, d->target->w, d->target->h};
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

static uint32_t mix_ptr(uint32_t h, const void *ptr)
{
    uintptr_t p = (uintptr_t)ptr;
    h = mix(h, (uint32_t)p);
    return mix(h, (uint32_t)((uint64_t)p >> 32));
}

static uint32_t draw_key(const struct draw *w, uint32_t serial)
{
    uint32_t h = 2166136261u;
    h = mix(h, (uint32_t)w->kind);
    h = mix_ptr(h, w->tex);
    h = mix_ptr(h, w->mask);
    h = mix_ptr(h, w->surf);
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

/* True if surface blit w can be done by hand: an opaque surface in the
 * screen's own format is a copy of rows (what SDL_BlitSurface does too). */
static bool surf_by_hand(const SDL_Surface *s, const struct draw *w)
{
    return w->opaque && w->surf->format->format == s->format->format &&
           w->surf->format->BytesPerPixel == 4 && !SDL_MUSTLOCK(w->surf);
}

/* Runs one draw, clipped to c: by hand into surface s in surface mode (a
 * texture copy goes through the renderer, flushed at once to keep the
 * order), through the renderer otherwise. */
static void run(struct ui_damage *d, SDL_Surface *s, const struct draw *w, const SDL_Rect *c)
{
    SDL_Rect v;
    if (s && w->kind != D_COPY) {
        if (!SDL_IntersectRect(&w->dst, c, &v)) return;
        if (w->kind == D_FILL) ui_paint_fill(s, &v, w->rgba);
        if (w->kind == D_MASK) ui_paint_mask(s, w->mask, w->pitch, &w->dst, &v, w->rgba);
        if (w->kind == D_SURF && surf_by_hand(s, w)) {
            ui_paint_copy(s, w->surf, &w->dst, &v);
        } else if (w->kind == D_SURF) {
            SDL_Rect to = w->dst;
            SDL_SetClipRect(s, c);
            SDL_BlitSurface(w->surf, NULL, s, &to);
            SDL_SetClipRect(s, NULL);
        }
        return;
    }
    SDL_RenderSetClipRect(d->r, c);
    if (w->kind == D_FILL) {
        SDL_SetRenderDrawColor(d->r, (Uint8)(w->rgba >> 24), (Uint8)(w->rgba >> 16),
                               (Uint8)(w->rgba >> 8), (Uint8)w->rgba);
        SDL_SetRenderDrawBlendMode(d->r, (w->rgba & 0xFF) == 0xFF ? SDL_BLENDMODE_NONE
                                                                   : SDL_BLENDMODE_BLEND);
        SDL_RenderFillRect(d->r, &w->dst);
    } else if (w->kind == D_COPY) {
        SDL_SetTextureColorMod(w->tex, (Uint8)(w->rgba >> 24), (Uint8)(w->rgba >> 16),
                               (Uint8)(w->rgba >> 8));
        SDL_SetTextureAlphaMod(w->tex, (Uint8)w->rgba);
        SDL_RenderCopy(d->r, w->tex, NULL, &w->dst);
        if (s) SDL_RenderFlush(d->r);
    }
}

/* over (with its alpha) on the opaque under, per channel. */
static uint32_t blend_over(uint32_t over, uint32_t under)
{
    unsigned a = over & 0xFF;
    uint32_t out = 0xFF;
    for (int sh = 24; sh >= 8; sh -= 8) {
        unsigned o = (over >> sh) & 0xFF, u = (under >> sh) & 0xFF;
        out |= (uint32_t)((o * a + u * (255 - a) + 127) / 255) << sh;
    }
    return out;
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

/* Records w, or draws it at once in direct mode. */
static void emit(struct ui_damage *d, struct draw *w, uint32_t serial)
{
    struct draw *slot;
    w->clip = d->clip;
    if (d->direct) {
        SDL_Surface *s = d->target;
        if (d->surface_mode && !s) s = d->fixed ? d->fixed : SDL_GetWindowSurface(SDL_RenderGetWindow(d->r));
        if (d->surface_mode && s) {
            if (SDL_MUSTLOCK(s)) SDL_LockSurface(s);
            run(d, s, w, &w->clip);
            if (SDL_MUSTLOCK(s)) SDL_UnlockSurface(s);
        } else {
            run(d, NULL, w, d->clipped ? &w->clip : NULL);
        }
        return;
    }
    if (!(slot = push(d))) return;
    w->key = draw_key(w, serial);
    *slot = *w;
}

void ui_damage_fill(struct ui_damage *d, const SDL_Rect *r, uint32_t rgba)
{
    KASSERT_OWNER(&d->owner);
    struct draw w = {.kind = D_FILL, .dst = *r, .rgba = rgba, .opaque = (rgba & 0xFF) == 0xFF};
    if (r->w <= 0 || r->h <= 0) return;
    emit(d, &w, 0);
}

static bool rect_has(const SDL_Rect *r, int x, int y)
{
    return x >= r->x && y >= r->y && x < r->x + r->w && y < r->y + r->h;
}

bool ui_damage_colour_at(const struct ui_damage *d, int x, int y, uint32_t *rgb)
{
    KASSERT_OWNER(&d->owner);
    /* translucent fills above the opaque one, topmost first */
    uint32_t veil[16];
    size_t nveil = 0;
    for (size_t i = d->n; i-- > 0;) {
        const struct draw *w = &d->list[i];
        if (!rect_has(&w->dst, x, y) || !rect_has(&w->clip, x, y)) continue;
        if (w->kind == D_MASK) { /* a text is looked through, a shape's inside is a fill */
            const uint8_t *m = w->mask;
            if (!w->shape || m[(y - w->dst.y) * w->pitch + (x - w->dst.x)] < 128) continue;
            if ((w->rgba & 0xFF) != 0xFF) {
                if (nveil < 16) veil[nveil++] = w->rgba;
                continue;
            }
            {
                uint32_t c = w->rgba | 0xFF;
                while (nveil > 0) c = blend_over(veil[--nveil], c);
                *rgb = c;
                return true;
            }
        }
        if (w->kind != D_FILL) return false; /* an image, a map, a keyboard */
        if (!w->opaque) {
            if ((w->rgba & 0xFF) && nveil < 16) veil[nveil++] = w->rgba;
            continue;
        }
        {
            uint32_t c = w->rgba | 0xFF;
            while (nveil > 0) c = blend_over(veil[--nveil], c);
            *rgb = c;
            return true;
        }
    }
    return false;
}

void ui_damage_copy(struct ui_damage *d, SDL_Texture *tex, uint32_t serial, const SDL_Rect *dst,
                    uint32_t mod)
{
    KASSERT_OWNER(&d->owner);
    struct draw w = {.kind = D_COPY, .tex = tex, .dst = *dst, .rgba = mod};
    int tw = 0, th = 0;
    if (!tex || dst->w <= 0 || dst->h <= 0) return;
    SDL_QueryTexture(tex, NULL, NULL, &tw, &th);
    w.scaled = tw != dst->w || th != dst->h;
    emit(d, &w, serial);
}

void ui_damage_mask_shape(struct ui_damage *d, const uint8_t *mask, int pitch, uint32_t serial,
                          const SDL_Rect *dst, uint32_t rgba)
{
    KASSERT_OWNER(&d->owner);
    struct draw w = {.kind = D_MASK, .mask = mask, .pitch = pitch, .dst = *dst, .rgba = rgba,
                     .shape = true};
    if (!mask || dst->w <= 0 || dst->h <= 0) return;
    emit(d, &w, serial);
}

void ui_damage_mask(struct ui_damage *d, const uint8_t *mask, int pitch, uint32_t serial,
                    const SDL_Rect *dst, uint32_t rgba)
{
    KASSERT_OWNER(&d->owner);
    struct draw w = {.kind = D_MASK, .mask = mask, .pitch = pitch, .dst = *dst, .rgba = rgba};
    if (!mask || dst->w <= 0 || dst->h <= 0) return;
    emit(d, &w, serial);
}

void ui_damage_surface(struct ui_damage *d, SDL_Surface *surf, uint32_t serial, int x, int y)
{
    KASSERT_OWNER(&d->owner);
    struct draw w = {.kind = D_SURF, .surf = surf};
    SDL_BlendMode mode = SDL_BLENDMODE_BLEND;
    if (!surf) return;
    w.opaque = SDL_GetSurfaceBlendMode(surf, &mode) == 0 && mode == SDL_BLENDMODE_NONE;
    w.dst = (SDL_Rect){x, y, surf->w, surf->h};
    emit(d, &w, serial);
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

/* True if w paints every pixel of R. */
static bool covers(const struct draw *w, const SDL_Rect *R)
{
    SDL_Rect v;
    return w->opaque && SDL_IntersectRect(&w->dst, &w->clip, &v) && v.x <= R->x && v.y <= R->y &&
           v.x + v.w >= R->x + R->w && v.y + v.h >= R->y + R->h;
}

/* Replays the list clipped to R, from the last draw that covers all of R
 * (what lies under it would be painted over). */
static void draw_rect(struct ui_damage *d, SDL_Surface *screen, const SDL_Rect *R)
{
    size_t first = 0;
    for (size_t k = d->n; k-- > 0;)
        if (covers(&d->list[k], R)) {
            first = k;
            break;
        }
    for (size_t k = first; k < d->n; k++) {
        const struct draw *w = &d->list[k];
        SDL_Rect c;
        if (!SDL_HasIntersection(&w->dst, R) || !SDL_IntersectRect(&w->clip, R, &c)) continue;
        run(d, screen, w, &c);
    }
}

/* True if R can be drawn tile by tile by hand: no texture copy (drawn by
 * the renderer, whole, see find_groups) and no surface SDL must blit. */
static bool by_hand(const struct ui_damage *d, SDL_Surface *screen, const SDL_Rect *R)
{
    if (!screen) return false;
    for (size_t k = 0; k < d->n; k++) {
        const struct draw *w = &d->list[k];
        if ((w->kind == D_COPY || (w->kind == D_SURF && !surf_by_hand(screen, w))) &&
            SDL_HasIntersection(&w->dst, R))
            return false;
    }
    return true;
}

/* Appends R's tiles to the helper's list (256 x 128 px: the blends then read
 * pixels still in the cache). False when out of memory. */
static bool add_tiles(struct helper *h, const SDL_Rect *R)
{
    for (int y = R->y; y < R->y + R->h; y += TILE_H)
        for (int x = R->x; x < R->x + R->w; x += TILE_W) {
            if (h->ntiles == h->cap) {
                size_t cap = h->cap ? h->cap * 2 : 128;
                SDL_Rect *n = realloc(h->tiles, cap * sizeof *n);
                if (!n) return false;
                h->tiles = n;
                h->cap = cap;
            }
            h->tiles[h->ntiles++] = (SDL_Rect){x, y,
                                               R->x + R->w - x < TILE_W ? R->x + R->w - x : TILE_W,
                                               R->y + R->h - y < TILE_H ? R->y + R->h - y : TILE_H};
        }
    return true;
}

/* Takes and draws tiles until none is left; called by both threads. */
static void work(struct ui_damage *d)
{
    struct helper *h = &d->helper;
    for (;;) {
        size_t i;
        pthread_mutex_lock(&h->mu);
        if (h->next == h->ntiles) {
            pthread_mutex_unlock(&h->mu);
            return;
        }
        i = h->next++;
        pthread_mutex_unlock(&h->mu);
        draw_rect(d, h->screen, &h->tiles[i]);
        pthread_mutex_lock(&h->mu);
        if (++h->done == h->ntiles) pthread_cond_signal(&h->finished);
        pthread_mutex_unlock(&h->mu);
    }
}

static uint64_t now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000u + (uint64_t)t.tv_nsec / 1000u;
}

static void *helper_main(void *arg)
{
    struct ui_damage *d = arg;
    struct helper *h = &d->helper;
    unsigned seen = 0, woken = 0;
    for (;;) {
        pthread_mutex_lock(&h->mu);
        while (!h->stop && h->gen == seen && h->prewake == woken)
            pthread_cond_wait(&h->wake, &h->mu);
        if (h->stop) {
            pthread_mutex_unlock(&h->mu);
            return NULL;
        }
        woken = h->prewake;
        if (h->gen == seen) {
            /* Prewoken: a waking core can take milliseconds on a VM, more
             * than the frame has. Stay awake a little for the job. */
            uint64_t until = h->spin_until_us;
            pthread_mutex_unlock(&h->mu);
            while (now_us() < until && __atomic_load_n(&h->gen, __ATOMIC_ACQUIRE) == seen &&
                   !__atomic_load_n(&h->stop, __ATOMIC_ACQUIRE))
                sched_yield();
            continue;
        }
        seen = h->gen;
        pthread_mutex_unlock(&h->mu);
        work(d);
    }
}

/* Keeps the helper off the CPU the caller (the UI thread) runs on: woken on
 * the same CPU, it would only take turns with the UI thread. */
static void helper_place(struct helper *h)
{
#ifdef __linux__
    int cpu = sched_getcpu();
    cpu_set_t set;
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (cpu < 0 || cpu == h->main_cpu || n < 2 || n > CPU_SETSIZE) return;
    CPU_ZERO(&set);
    for (int i = 0; i < (int)n; i++)
        if (i != cpu) CPU_SET(i, &set);
    if (pthread_setaffinity_np(h->th, sizeof set, &set) == 0) h->main_cpu = cpu;
#else
    (void)h;
#endif
}

static bool helper_start(struct ui_damage *d)
{
    struct helper *h = &d->helper;
    if (h->started) return true;
    if (sysconf(_SC_NPROCESSORS_ONLN) < 2) return false; /* one core: nothing to share */
    if (pthread_create(&h->th, NULL, helper_main, d) != 0) return false;
    h->started = true;
    h->main_cpu = -1;
    return true;
}

void ui_damage_prewake(struct ui_damage *d)
{
    KASSERT_OWNER(&d->owner);
    struct helper *h = &d->helper;
    if (!d->surface_mode || !d->helper_min_px || !helper_start(d)) return;
    helper_place(h);
    pthread_mutex_lock(&h->mu);
    h->spin_until_us = now_us() + PREWAKE_US;
    h->prewake++;
    pthread_cond_signal(&h->wake);
    pthread_mutex_unlock(&h->mu);
}

/* Draws rectangles rs (n of them) tile by tile, sharing the tiles with the
 * helper thread when they hold at least helper_min_px pixels. The list is
 * built under the lock, so a helper that woke late for an earlier job finds
 * either nothing to take or whole tiles of this one; it is never read while
 * it changes, because this returns only when every tile is drawn. */
static void draw_tiles(struct ui_damage *d, SDL_Surface *screen, const SDL_Rect *rs, size_t n,
                       size_t px)
{
    struct helper *h = &d->helper;
    bool share = d->helper_min_px && px >= d->helper_min_px && helper_start(d);
    size_t i = 0;
    if (share) helper_place(h);
    pthread_mutex_lock(&h->mu);
    h->ntiles = h->next = h->done = 0;
    h->screen = screen;
    for (; i < n; i++) {
        size_t n0 = h->ntiles;
        if (!add_tiles(h, &rs[i])) {
            h->ntiles = n0; /* out of memory: the rest are drawn whole, below */
            break;
        }
    }
    if (share && h->ntiles > 1) {
        __atomic_store_n(&h->gen, h->gen + 1, __ATOMIC_RELEASE);
        pthread_cond_signal(&h->wake);
    }
    pthread_mutex_unlock(&h->mu);
    work(d);
    pthread_mutex_lock(&h->mu);
    while (h->done < h->ntiles) pthread_cond_wait(&h->finished, &h->mu);
    pthread_mutex_unlock(&h->mu);
    for (; i < n; i++) draw_rect(d, screen, &rs[i]);
}

/* Backs the screen's pixels with 2 MB pages (kmem_huge_pages), once per
 * surface. A full redraw writes all 8 MB of a 1080p screen; with 4 KB pages
 * that is 2,000 TLB entries, and after the kiosk slept between two taps the
 * page walks made such a frame three times slower on the test machine
 * (4.0 ms against 1.3 ms for the same writes). */
static void huge_pages(struct ui_damage *d, SDL_Surface *s)
{
    if (!s || s->pixels == d->huge_pixels) return;
    d->huge_pixels = s->pixels;
    kmem_huge_pages(s->pixels, (size_t)s->pitch * s->h);
}

size_t ui_damage_flush(struct ui_damage *d, struct ui_damage_stats *st)
{
    KASSERT_OWNER(&d->owner);
    uint32_t *t;
    SDL_Surface *screen = NULL;
    d->st = (struct ui_damage_stats){.draws = d->n, .px_total = (size_t)d->w * d->h};
    if (!d->retained) {
        d->nrects = 1;
        d->rects[0] = (SDL_Rect){0, 0, d->w, d->h};
    } else {
        find_dirty(d);
        find_rects(d);
    }
    if (d->surface_mode) {
        screen = d->fixed ? d->fixed : SDL_GetWindowSurface(SDL_RenderGetWindow(d->r));
        huge_pages(d, screen);
        SDL_RenderFlush(d->r); /* anything queued lands before the hand-drawn pixels */
        if (screen && SDL_MUSTLOCK(screen)) SDL_LockSurface(screen);
    }
    /* Rectangles do not overlap: those the renderer must draw go first,
     * then the tiles of all the others, on both cores when they are many. */
    {
        SDL_Rect hand[MAX_RECTS];
        size_t nhand = 0, hand_px = 0;
        for (size_t i = 0; i < d->nrects; i++) {
            size_t px = (size_t)d->rects[i].w * d->rects[i].h;
            d->st.px_redrawn += px;
            if (by_hand(d, screen, &d->rects[i])) {
                hand[nhand++] = d->rects[i];
                hand_px += px;
            } else {
                draw_rect(d, screen, &d->rects[i]);
            }
        }
        if (nhand) draw_tiles(d, screen, hand, nhand, hand_px);
    }
    if (screen && SDL_MUSTLOCK(screen)) SDL_UnlockSurface(screen);
    d->st.rects = d->nrects;
    SDL_RenderSetClipRect(d->r, NULL);
    t = d->last;
    d->last = d->cells;
    d->cells = t;
    d->full = false;
    if (st) *st = d->st;
    return d->st.px_redrawn;
}
