#include "ui.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ui_damage.h"
#include "ui_icons.h"
#include "ui_qr.h"
#include "utf8.h"

#define MAX_WIDGETS 512
#define MAX_TEXTS 768
#define MAX_SCROLLS 8
#define ARENA_BYTES (256 * 1024)
#define DRAG_SLOP 14.0f    /* logical units a finger may wobble before a drag */
#define FLING_TAU_MS 325.0 /* inertia decay constant */
#define MIN_VEL 0.02f      /* units per ms under which inertia stops */
#define KBD_SLOTS 5        /* baked keyboards kept (1.6 MB each at 1080p) */

struct widget {
    uint32_t id;
    struct ui_rect r; /* logical, clipped */
    const char *label;
    bool blocker;
};

struct vtext {
    struct ui_rect r;
    const char *text;
};

struct scroll_rec {
    uint32_t id;
    struct ui_rect r;
};

/* One frame's records: the last complete frame is used for hit tests and
 * scripts while the next one is being built. */
struct frame {
    struct widget w[MAX_WIDGETS];
    size_t nw;
    struct vtext t[MAX_TEXTS];
    size_t nt;
    struct scroll_rec s[MAX_SCROLLS];
    size_t ns;
    char arena[ARENA_BYTES];
    size_t used;
};

struct ui {
    SDL_Renderer *r;
    struct ui_text *text;
    struct ui_damage *damage; /* every draw goes through it */
    struct ui_damage_stats damage_st;
    bool surface_mode;     /* texts, corners and keyboards are masks and surfaces */
    Uint32 screen_format;  /* of the window surface, for keyboards */
    int pw, ph; /* physical size */
    float scale, lw, lh;
    uint64_t now;
    struct frame frames[2];
    struct frame *cur, *prev;

    /* pointer */
    bool down;
    float down_x, down_y, px, py;
    uint32_t active_id;  /* widget being pressed */
    uint32_t clicked_id; /* tapped; consumed in the next frame */
    uint32_t scroll_cand, scroll_drag;
    bool dragging;
    float drag_pending; /* logical units the finger moved since last frame */
    struct {
        float y;
        uint64_t t;
    } samples[8];
    int nsamples;
    uint32_t fling_id;
    float fling_vel; /* units per ms */

    /* scroll region being laid out */
    struct ui_scroll *scroll;
    struct ui_rect clip;
    bool clipping;
    bool animating;

    char toast[256];
    uint64_t toast_until;

    SDL_Texture *corner[65][4]; /* anti-aliased quarter discs by radius (px), per corner */
    uint8_t *corner_mask[65][4]; /* the same as coverage masks (surface mode) */

    /* A keyboard is drawn once into a texture; a frame copies it and draws
     * only a pressed key on top. Screens use a few sizes (search, forms,
     * ticket): a handful are kept, so going back and forth bakes nothing. */
    struct kbd_slot {
        SDL_Texture *tex;  /* texture mode */
        SDL_Surface *surf; /* surface mode */
        int layout, w, h;
        uint32_t serial; /* new for each bake */
        uint64_t used;
    } kbd[KBD_SLOTS];
    uint32_t kbd_serial;
    uint64_t kbd_clock;
    bool baking; /* drawing into a cache: record no widgets or texts */
    bool redraw; /* a widget reported a tap: state may have changed mid-frame */
    bool dry;    /* layout and input only: nothing is drawn (see ui_begin_dry) */
    float pan_x, pan_y; /* ui_pan_area: where the finger was at the last frame */
    uint32_t pan_id;
    float pinch;        /* ui_pinch_input: gathered factor */
    bool warming; /* a warm-up pass: dry, but keyboards are baked (see ui_warm_begin) */
    struct warm_saved { /* what a warm-up pass must leave as it found */
        uint32_t clicked_id;
        struct ui_scroll *scroll;
        struct ui_rect clip;
        bool clipping, animating, redraw;
    } warm;
};

static SDL_Rect phys(const struct ui *ui, struct ui_rect r)
{
    SDL_Rect p;
    p.x = (int)lroundf(r.x * ui->scale);
    p.y = (int)lroundf(r.y * ui->scale);
    p.w = (int)lroundf((r.x + r.w) * ui->scale) - p.x;
    p.h = (int)lroundf((r.y + r.h) * ui->scale) - p.y;
    return p;
}

static const char *arena_dup(struct frame *f, const char *s)
{
    size_t n = strlen(s) + 1;
    char *d;
    if (f->used + n > ARENA_BYTES) return NULL;
    d = f->arena + f->used;
    memcpy(d, s, n);
    f->used += n;
    return d;
}

static uint32_t hash_str(const char *s)
{
    uint32_t h = 2166136261u;
    for (; s && *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static bool contains(struct ui_rect r, float x, float y)
{
    return x >= r.x && y >= r.y && x < r.x + r.w && y < r.y + r.h;
}

static struct ui_rect intersect(struct ui_rect a, struct ui_rect b)
{
    float x0 = fmaxf(a.x, b.x), y0 = fmaxf(a.y, b.y);
    float x1 = fminf(a.x + a.w, b.x + b.w), y1 = fminf(a.y + a.h, b.y + b.h);
    struct ui_rect r = {x0, y0, fmaxf(0, x1 - x0), fmaxf(0, y1 - y0)};
    return r;
}

/* Applies the scroll shift of the region being laid out. */
static struct ui_rect place(const struct ui *ui, struct ui_rect r)
{
    if (ui->scroll) r.y -= ui->scroll->offset;
    return r;
}

static struct ui_rect visible_part(const struct ui *ui, struct ui_rect r)
{
    struct ui_rect screen = {0, 0, ui->lw, ui->lh};
    r = intersect(r, screen);
    if (ui->clipping) r = intersect(r, ui->clip);
    return r;
}

enum kerr ui_create(SDL_Renderer *r, struct ui_text *text, int phys_w, int phys_h,
                    struct ui **out)
{
    struct ui *ui = calloc(1, sizeof *ui);
    if (!ui) return KERR_NOMEM;
    ui->r = r;
    ui->text = text;
    ui->scale = (float)(phys_w < phys_h ? phys_w : phys_h) / 1080.0f;
    ui->pw = phys_w;
    ui->ph = phys_h;
    ui->lw = phys_w / ui->scale;
    ui->lh = phys_h / ui->scale;
    ui->cur = &ui->frames[0];
    ui->prev = &ui->frames[1];
    ui->pinch = 1;
    {
        /* The software renderer draws into the window's surface, which keeps
         * the last frame: only what changed is drawn again. A GPU renderer's
         * back buffer is undefined after present: it draws everything. */
        SDL_RendererInfo info;
        bool retained = SDL_GetRendererInfo(r, &info) == 0 && (info.flags & SDL_RENDERER_SOFTWARE);
        SDL_Window *win = SDL_RenderGetWindow(r);
        SDL_Surface *ws = win && ui_text_masks(text) ? SDL_GetWindowSurface(win) : NULL;
        /* Masks need a 32-bit surface to draw into by hand. */
        ui->surface_mode = ws && ws->format->BytesPerPixel == 4;
        if (!ui->surface_mode) ui_text_use_masks(text, false);
        ui->screen_format = ws ? ws->format->format : SDL_PIXELFORMAT_ARGB8888;
        if (ui_damage_create(r, phys_w, phys_h, retained, ui->surface_mode, NULL, &ui->damage) !=
            KERR_OK) {
            free(ui);
            return KERR_NOMEM;
        }
    }
    *out = ui;
    return KERR_OK;
}

void ui_destroy(struct ui *ui)
{
    if (!ui) return;
    for (int i = 0; i < 65; i++)
        for (int q = 0; q < 4; q++)
        {
            if (ui->corner[i][q]) SDL_DestroyTexture(ui->corner[i][q]);
            free(ui->corner_mask[i][q]);
        }
    for (int i = 0; i < KBD_SLOTS; i++) {
        if (ui->kbd[i].tex) SDL_DestroyTexture(ui->kbd[i].tex);
        SDL_FreeSurface(ui->kbd[i].surf);
    }
    ui_qr_release();
    ui_damage_destroy(ui->damage);
    free(ui);
}

float ui_width(const struct ui *ui)
{
    return ui->lw;
}
float ui_height(const struct ui *ui)
{
    return ui->lh;
}
float ui_scale(const struct ui *ui)
{
    return ui->scale;
}
bool ui_portrait(const struct ui *ui)
{
    return ui->lh > ui->lw;
}
SDL_Renderer *ui_renderer(struct ui *ui)
{
    return ui->r;
}

struct ui_text *ui_texts(struct ui *ui)
{
    return ui->text;
}

/* ---- input ------------------------------------------------------------ */

static const struct widget *hit(const struct frame *f, float x, float y)
{
    for (size_t i = f->nw; i-- > 0;)
        if (contains(f->w[i].r, x, y)) return &f->w[i];
    return NULL;
}

void ui_pointer_down(struct ui *ui, float px, float py, uint64_t now_ms)
{
    float x = px / ui->scale, y = py / ui->scale;
    ui_damage_prewake(ui->damage); /* the frame that answers may be a new screen */
    const struct widget *w = hit(ui->prev, x, y);
    ui->down = true;
    ui->down_x = ui->px = x;
    ui->down_y = ui->py = y;
    ui->active_id = w && !w->blocker ? w->id : 0;
    ui->dragging = false;
    ui->scroll_cand = 0;
    /* The innermost scroll region under the finger may take a drag; a finger
     * landing on a moving list stops it. */
    for (size_t i = ui->prev->ns; i-- > 0;) {
        if (contains(ui->prev->s[i].r, x, y) && (!w || !w->blocker)) {
            ui->scroll_cand = ui->prev->s[i].id;
            break;
        }
    }
    if (w && w->blocker) ui->scroll_cand = 0;
    ui->fling_id = ui->scroll_cand;
    ui->fling_vel = 0;
    ui->nsamples = 0;
    ui->samples[ui->nsamples].y = y;
    ui->samples[ui->nsamples++].t = now_ms;
}

void ui_pointer_move(struct ui *ui, float px, float py, uint64_t now_ms)
{
    float x = px / ui->scale, y = py / ui->scale;
    if (!ui->down) return;
    if (!ui->dragging && ui->scroll_cand &&
        (fabsf(y - ui->down_y) > DRAG_SLOP || fabsf(x - ui->down_x) > DRAG_SLOP * 2)) {
        ui->dragging = true;
        ui->scroll_drag = ui->scroll_cand;
        ui->active_id = 0; /* a drag is not a tap */
        ui->drag_pending += y - ui->down_y;
    } else if (ui->dragging) {
        ui->drag_pending += y - ui->py;
    }
    ui->px = x;
    ui->py = y;
    if (ui->nsamples == 8) {
        memmove(ui->samples, ui->samples + 1, 7 * sizeof ui->samples[0]);
        ui->nsamples = 7;
    }
    ui->samples[ui->nsamples].y = y;
    ui->samples[ui->nsamples++].t = now_ms;
}

void ui_pointer_up(struct ui *ui, float px, float py, uint64_t now_ms)
{
    ui_damage_prewake(ui->damage);
    float x = px / ui->scale, y = py / ui->scale;
    if (!ui->down) return;
    ui_pointer_move(ui, px, py, now_ms);
    ui->down = false;
    if (ui->dragging) {
        /* Velocity over the last ~100 ms of the gesture. */
        int i = ui->nsamples - 1, j = i;
        while (j > 0 && now_ms - ui->samples[j - 1].t <= 100) j--;
        if (i > j && ui->samples[i].t > ui->samples[j].t)
            ui->fling_vel = (ui->samples[i].y - ui->samples[j].y) /
                            (float)(ui->samples[i].t - ui->samples[j].t);
        ui->fling_id = ui->scroll_drag;
        ui->dragging = false;
        ui->scroll_drag = 0;
    } else if (ui->active_id) {
        const struct widget *w = hit(ui->prev, x, y);
        if (w && w->id == ui->active_id) ui->clicked_id = ui->active_id;
    }
    ui->active_id = 0;
}

bool ui_animating(const struct ui *ui)
{
    return ui->animating || ui->drag_pending != 0 || ui->fling_vel != 0;
}

bool ui_needs_redraw(const struct ui *ui)
{
    return ui->redraw;
}

uint64_t ui_next_deadline(const struct ui *ui)
{
    return ui->toast_until ? ui->toast_until : UINT64_MAX;
}

/* ---- frame ------------------------------------------------------------ */

void ui_begin_dry(struct ui *ui, uint64_t now_ms)
{
    ui->dry = true;
    ui_begin(ui, now_ms);
}

bool ui_warm_begin(struct ui *ui)
{
    if (ui->down || ui_animating(ui)) return false;
    ui->warm = (struct warm_saved){ui->clicked_id, ui->scroll, ui->clip, ui->clipping,
                                   ui->animating, ui->redraw};
    ui->clicked_id = 0;
    ui->scroll = NULL;
    ui->clipping = false;
    ui->dry = true;
    ui->baking = true;
    ui->warming = true;
    /* cur is scratch between frames (hits and texts are read from prev) */
    ui->cur->nw = ui->cur->nt = ui->cur->ns = ui->cur->used = 0;
    return true;
}

void ui_warm_end(struct ui *ui)
{
    ui->dry = false;
    ui->baking = false;
    ui->warming = false;
    ui->clicked_id = ui->warm.clicked_id;
    ui->scroll = ui->warm.scroll;
    ui->clip = ui->warm.clip;
    ui->clipping = ui->warm.clipping;
    ui->animating = ui->warm.animating;
    ui->redraw = ui->warm.redraw;
    ui->cur->nw = ui->cur->nt = ui->cur->ns = ui->cur->used = 0;
}

void ui_invalidate(struct ui *ui)
{
    ui_damage_invalidate(ui->damage);
}

void ui_full_redraw(struct ui *ui)
{
    ui_damage_set_retained(ui->damage, false);
}

size_t ui_redrawn_px(const struct ui *ui, size_t *total_px)
{
    if (total_px) *total_px = ui->damage_st.px_total;
    return ui->damage_st.px_redrawn;
}

bool ui_click_pending(const struct ui *ui)
{
    return ui->clicked_id != 0;
}

void ui_begin(struct ui *ui, uint64_t now_ms)
{
    ui->now = now_ms;
    ui->cur->nw = ui->cur->nt = ui->cur->ns = ui->cur->used = 0;
    ui->animating = false;
    ui->redraw = false;
    ui->scroll = NULL;
    ui->clipping = false;
    if (ui->toast_until && now_ms >= ui->toast_until) {
        ui->toast_until = 0;
        ui->toast[0] = 0;
    }
    ui_text_frame(ui->text);
    if (ui->dry) return;
    ui_damage_begin(ui->damage);
    ui_damage_fill(ui->damage, &(SDL_Rect){0, 0, ui->pw, ui->ph}, UI_C_BG);
}

void ui_end(struct ui *ui)
{
    struct frame *t = ui->prev;
    if (!ui->dry) ui_damage_flush(ui->damage, &ui->damage_st);
    ui->dry = false;
    ui->clicked_id = 0;
    /* A fling whose list was not drawn this frame is dropped. */
    if (!ui->dragging) ui->drag_pending = 0;
    ui->prev = ui->cur;
    ui->cur = t;
}

static uint32_t register_widget(struct ui *ui, struct ui_rect r, const char *label, bool blocker)
{
    struct frame *f = ui->cur;
    uint32_t base = hash_str(label ? label : "#"), id = base;
    unsigned dup = 0;
    for (size_t i = 0; i < f->nw; i++)
        if (f->w[i].id == id) id = base + 0x9E3779B9u * ++dup;
    if (f->nw < MAX_WIDGETS) {
        struct ui_rect v = visible_part(ui, r);
        f->w[f->nw].id = id;
        f->w[f->nw].r = v;
        f->w[f->nw].label = label ? arena_dup(f, label) : NULL;
        f->w[f->nw].blocker = blocker;
        f->nw++;
    }
    return id;
}

static void record_text(struct ui *ui, struct ui_rect r, const char *text)
{
    struct frame *f = ui->cur;
    struct ui_rect v = visible_part(ui, r);
    if (ui->baking) return;
    if (v.w <= 0 || v.h <= 0 || f->nt >= MAX_TEXTS) return;
    f->t[f->nt].r = v;
    f->t[f->nt].text = arena_dup(f, text);
    if (f->t[f->nt].text) f->nt++;
}

/* ---- primitives ------------------------------------------------------- */

void ui_fill(struct ui *ui, struct ui_rect r, uint32_t rgba)
{
    SDL_Rect p = phys(ui, place(ui, r));
    if (ui->dry) return;
    ui_damage_fill(ui->damage, &p, rgba);
}

/* Coverage of a quarter disc of radius rad px for corner q (0 top-left, 1
 * top-right, 2 bottom-left, 3 bottom-right) with an anti-aliased edge. */
static uint8_t corner_cov(int rad, int q, int x, int y)
{
    /* the disc's centre is the corner of the square facing the shape */
    float cx = (q & 1) ? 0 : rad, cy = (q & 2) ? 0 : rad;
    float dx = cx - (x + 0.5f), dy = cy - (y + 0.5f);
    float cov = rad + 0.5f - sqrtf(dx * dx + dy * dy);
    return cov >= 1 ? 255 : cov <= 0 ? 0 : (uint8_t)(cov * 255);
}

/* The corner as a mask (surface mode). */
static const uint8_t *corner_mask(struct ui *ui, int rad, int q)
{
    uint8_t *m;
    if (rad < 1 || rad > 64) return NULL;
    if (ui->corner_mask[rad][q]) return ui->corner_mask[rad][q];
    m = malloc((size_t)rad * rad);
    if (!m) return NULL;
    for (int y = 0; y < rad; y++)
        for (int x = 0; x < rad; x++) m[y * rad + x] = corner_cov(rad, q, x, y);
    ui->corner_mask[rad][q] = m;
    return m;
}

/* The corner as a white texture to be colour-modulated: one texture per
 * corner, because the software renderer's flipped copy is slow. */
static SDL_Texture *corner_tex(struct ui *ui, int rad, int q)
{
    SDL_Surface *s;
    if (rad < 1 || rad > 64) return NULL;
    if (ui->corner[rad][q]) return ui->corner[rad][q];
    s = SDL_CreateRGBSurfaceWithFormat(0, rad, rad, 32, SDL_PIXELFORMAT_ARGB8888);
    if (!s) return NULL;
    for (int y = 0; y < rad; y++) {
        Uint32 *row = (Uint32 *)((Uint8 *)s->pixels + y * s->pitch);
        for (int x = 0; x < rad; x++) row[x] = (Uint32)corner_cov(rad, q, x, y) << 24 | 0xFFFFFFu;
    }
    ui->corner[rad][q] = SDL_CreateTextureFromSurface(ui->r, s);
    SDL_FreeSurface(s);
    if (ui->corner[rad][q]) SDL_SetTextureBlendMode(ui->corner[rad][q], SDL_BLENDMODE_BLEND);
    return ui->corner[rad][q];
}

/* Draws corner q of radius rad at d in rgba; false if it cannot be had.
 * Corners live as long as the ui: (rad, q) is their serial. */
static bool draw_corner(struct ui *ui, int rad, int q, const SDL_Rect *d, uint32_t rgba)
{
    if (ui->surface_mode) {
        const uint8_t *m = corner_mask(ui, rad, q);
        if (m && d) ui_damage_mask(ui->damage, m, rad, (uint32_t)(rad * 4 + q), d, rgba);
        return m != NULL;
    } else {
        SDL_Texture *ct = corner_tex(ui, rad, q);
        if (ct && d) ui_damage_copy(ui->damage, ct, (uint32_t)(rad * 4 + q), d, rgba);
        return ct != NULL;
    }
}

/* Rounded rectangle as three rectangles and four corners: plain fills and
 * small blends, the cheap operations of a software renderer. */
void ui_fill_round(struct ui *ui, struct ui_rect r, float radius, uint32_t rgba)
{
    SDL_Rect p = phys(ui, place(ui, r));
    int rad = (int)lroundf(radius * ui->scale);
    if (ui->dry) return;
    if (rad * 2 > p.w) rad = p.w / 2;
    if (rad * 2 > p.h) rad = p.h / 2;
    if (rad < 1 || !draw_corner(ui, rad, 0, NULL, rgba)) {
        ui_fill(ui, r, rgba);
        return;
    }
    {
        SDL_Rect bands[3] = {{p.x + rad, p.y, p.w - 2 * rad, p.h},
                             {p.x, p.y + rad, rad, p.h - 2 * rad},
                             {p.x + p.w - rad, p.y + rad, rad, p.h - 2 * rad}};
        for (int i = 0; i < 3; i++) ui_damage_fill(ui->damage, &bands[i], rgba);
    }
    for (int q = 0; q < 4; q++) {
        SDL_Rect d = {(q & 1) ? p.x + p.w - rad : p.x, (q & 2) ? p.y + p.h - rad : p.y, rad, rad};
        draw_corner(ui, rad, q, &d, rgba);
    }
}

void ui_image_id(struct ui *ui, struct ui_rect r, SDL_Texture *tex, uint32_t serial)
{
    SDL_Rect p = phys(ui, place(ui, r));
    if (tex && !ui->dry) ui_damage_copy(ui->damage, tex, serial, &p, 0xFFFFFFFFu);
}

void ui_image(struct ui *ui, struct ui_rect r, SDL_Texture *tex)
{
    ui_image_id(ui, r, tex, 0);
}

static void draw_tex(struct ui *ui, const struct ui_text_tex *t, float x, float y)
{
    SDL_Rect d = {(int)lroundf(x * ui->scale), (int)lroundf(y * ui->scale), t->w, t->h};
    if (ui->dry) return;
    if (t->mask)
        ui_damage_mask(ui->damage, t->mask, t->w, t->serial, &d, t->rgba);
    else
        ui_damage_copy(ui->damage, t->tex, t->serial, &d, 0xFFFFFFFFu);
}

float ui_label(struct ui *ui, float x, float y, const char *text, enum ui_font f, uint32_t rgba,
               enum ui_align align)
{
    struct ui_text_tex t;
    float w, h;
    struct ui_rect r;
    if (!ui_text_get(ui->text, f, text, 0, rgba, &t)) return 0;
    w = t.w / ui->scale;
    h = t.h / ui->scale;
    if (align == UI_CENTER) x -= w / 2;
    if (align == UI_RIGHT) x -= w;
    r = place(ui, (struct ui_rect){x, y, w, h});
    draw_tex(ui, &t, r.x, r.y);
    record_text(ui, r, text);
    return w;
}

void ui_label_in(struct ui *ui, struct ui_rect r, const char *text, enum ui_font f, uint32_t rgba,
                 enum ui_align align)
{
    struct ui_text_tex t;
    float w, h, x;
    char cut[512];
    if (!text || !*text) return;
    if (ui_text_width(ui->text, f, text) > r.w * ui->scale) {
        /* Shorten to fit with an ellipsis (by code points). */
        size_t n = utf8_count(text);
        while (n > 1) {
            size_t b = utf8_prefix_bytes(text, --n);
            if (b + 4 > sizeof cut) continue;
            memcpy(cut, text, b);
            memcpy(cut + b, "…", 4);
            if (ui_text_width(ui->text, f, cut) <= r.w * ui->scale) break;
        }
        text = cut;
    }
    if (!ui_text_get(ui->text, f, text, 0, rgba, &t)) return;
    w = t.w / ui->scale;
    h = t.h / ui->scale;
    x = align == UI_CENTER ? r.x + (r.w - w) / 2 : align == UI_RIGHT ? r.x + r.w - w : r.x;
    struct ui_rect pr = place(ui, (struct ui_rect){x, r.y + (r.h - h) / 2, w, h});
    draw_tex(ui, &t, pr.x, pr.y);
    record_text(ui, pr, text);
}

void ui_label_fit(struct ui *ui, struct ui_rect r, const char *text, enum ui_font largest,
                  uint32_t rgba, enum ui_align align)
{
    static const enum ui_font steps[] = {UI_F_CLOCK, UI_F_HUGE, UI_F_TITLE, UI_F_LARGE, UI_F_BODY,
                                         UI_F_SMALL};
    enum ui_font f = largest;
    bool from = false;
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        if (steps[i] == largest) from = true;
        if (!from) continue;
        f = steps[i];
        if (ui_text_w(ui, text, f) <= r.w) break;
    }
    ui_label_in(ui, r, text, f, rgba, align);
}

float ui_paragraph(struct ui *ui, float x, float y, float w, const char *text, enum ui_font f,
                   uint32_t rgba)
{
    struct ui_text_tex t;
    struct ui_rect r;
    if (!ui_text_get(ui->text, f, text, (int)(w * ui->scale), rgba, &t)) return 0;
    r = place(ui, (struct ui_rect){x, y, t.w / ui->scale, t.h / ui->scale});
    draw_tex(ui, &t, r.x, r.y);
    record_text(ui, r, text);
    return t.h / ui->scale;
}

float ui_paragraph_height(struct ui *ui, float w, const char *text, enum ui_font f)
{
    struct ui_text_tex t;
    /* Measures with the colour paragraphs are usually drawn in, so the
     * texture made here is the one the draw will use. */
    if (!ui_text_get(ui->text, f, text, (int)(w * ui->scale), UI_C_TEXT, &t)) return 0;
    return t.h / ui->scale;
}

float ui_text_w(struct ui *ui, const char *text, enum ui_font f)
{
    return ui_text_width(ui->text, f, text) / ui->scale;
}

void ui_icon(struct ui *ui, float cx, float cy, const char *name, enum ui_font f, uint32_t rgba)
{
    char s[8];
    struct ui_text_tex t;
    struct ui_rect r;
    if (!ui_icon_utf8(name, s) || !ui_text_get(ui->text, f, s, 0, rgba, &t)) return;
    r = place(ui, (struct ui_rect){cx - t.w / ui->scale / 2, cy - t.h / ui->scale / 2, 0, 0});
    draw_tex(ui, &t, r.x, r.y);
}

/* ---- widgets ---------------------------------------------------------- */

static bool pressed(const struct ui *ui, uint32_t id)
{
    return ui->down && ui->active_id == id;
}

static bool take_click(struct ui *ui, uint32_t id)
{
    if (ui->clicked_id && ui->clicked_id == id) {
        ui->clicked_id = 0;
        ui->redraw = true;
        return true;
    }
    return false;
}

static void style_colors(enum ui_style st, bool down, uint32_t *bg, uint32_t *fg, uint32_t *border)
{
    *border = 0;
    *bg = 0;
    *fg = UI_C_TEXT;
    switch (st) {
    case UI_PRIMARY:
        *bg = down ? UI_C_RED_DARK : UI_C_RED;
        *fg = UI_C_WHITE;
        break;
    case UI_SECONDARY:
        *bg = down ? 0xEADFD2FFu : UI_C_SURFACE;
        *fg = UI_C_RED;
        *border = UI_C_RED;
        break;
    case UI_GHOST:
        *bg = down ? 0x00000022u : 0;
        *fg = UI_C_TEXT;
        break;
    case UI_CHIP:
        *bg = down ? 0xF0C9C9FFu : 0xFBEDEDFFu;
        *fg = UI_C_RED_DARK;
        *border = 0xD98C8CFFu;
        break;
    case UI_KEY:
        *bg = down ? 0xC9C2B8FFu : UI_C_SURFACE;
        *fg = UI_C_TEXT;
        *border = UI_C_LINE;
        break;
    case UI_ON_RED:
        *bg = down ? 0xFFFFFF55u : 0xFFFFFF22u;
        *fg = UI_C_WHITE;
        break;
    }
}

static void button_body(struct ui *ui, struct ui_rect r, enum ui_style st, bool down,
                        uint32_t *fg)
{
    uint32_t bg, border;
    float rad = st == UI_CHIP ? r.h / 2 : 14;
    style_colors(st, down, &bg, fg, &border);
    if (border) {
        ui_fill_round(ui, r, rad, border);
        r.x += 2;
        r.y += 2;
        r.w -= 4;
        r.h -= 4;
        rad -= 2;
    }
    if (bg) ui_fill_round(ui, r, rad, bg);
}

bool ui_button(struct ui *ui, struct ui_rect r, const char *label, enum ui_style style)
{
    uint32_t id = register_widget(ui, place(ui, r), label, false);
    uint32_t fg;
    enum ui_font f = style == UI_KEY || r.h < 72 ? UI_F_BODY : UI_F_LARGE;
    button_body(ui, r, style, pressed(ui, id), &fg);
    ui_label_in(ui, (struct ui_rect){r.x + 12, r.y, r.w - 24, r.h}, label, f, fg, UI_CENTER);
    return take_click(ui, id);
}

bool ui_button_icon(struct ui *ui, struct ui_rect r, const char *icon, const char *label,
                    enum ui_style style)
{
    uint32_t id = register_widget(ui, place(ui, r), label, false);
    uint32_t fg;
    float iw = 44, gap = 6;
    /* the label steps down a size rather than being cut */
    enum ui_font f = ui_text_w(ui, label, UI_F_LARGE) + iw + gap + 24 <= r.w ? UI_F_LARGE : UI_F_BODY;
    float tw = ui_text_w(ui, label, f);
    float x0 = r.x + (r.w - (iw + gap + tw)) / 2;
    button_body(ui, r, style, pressed(ui, id), &fg);
    if (x0 < r.x + 8) x0 = r.x + 8;
    ui_icon(ui, x0 + iw / 2, r.y + r.h / 2, icon, UI_F_ICON, fg);
    ui_label_in(ui, (struct ui_rect){x0 + iw + gap, r.y, r.x + r.w - (x0 + iw + gap) - 4, r.h},
                label, f, fg, UI_LEFT);
    return take_click(ui, id);
}

bool ui_tile(struct ui *ui, struct ui_rect r, const char *icon, const char *title,
             const char *subtitle, uint32_t rgba)
{
    uint32_t id = register_widget(ui, place(ui, r), title, false);
    bool down = pressed(ui, id);
    struct ui_rect body = r;
    if (down) { /* sink by 4 units and darken: visible in the next frame */
        body.y += 4;
        rgba = (rgba & 0xFF) | (((rgba >> 24) * 3 / 4) << 24) |
               ((((rgba >> 16) & 0xFF) * 3 / 4) << 16) | ((((rgba >> 8) & 0xFF) * 3 / 4) << 8);
    } else {
        /* only the strip that shows below the tile */
        ui_fill_round(ui, (struct ui_rect){r.x, r.y + r.h - 42, r.w, 48}, 24, 0xD3CEC8FFu);
    }
    ui_fill_round(ui, body, 24, rgba);
    ui_icon(ui, body.x + 84, body.y + 96, icon, UI_F_ICON_L, UI_C_WHITE);
    ui_label_fit(ui, (struct ui_rect){body.x + 36, body.y + body.h - 150, body.w - 60, 70}, title,
                 UI_F_TITLE, UI_C_WHITE, UI_LEFT);
    if (subtitle)
        ui_label_fit(ui, (struct ui_rect){body.x + 36, body.y + body.h - 84, body.w - 60, 50},
                     subtitle, UI_F_BODY, 0xFFFFFFD9u, UI_LEFT);
    return take_click(ui, id);
}

int ui_paragraph_fit_lines(struct ui *ui, enum ui_font f, float h)
{
    /* lines are one line height tall and 1.25 line heights apart (ui_text) */
    float lh = (float)ui_text_line_height(ui->text, f) / ui->scale, step = lh * 1.25f;
    int n = h >= lh ? 1 + (int)((h - lh) / step) : 1;
    return n;
}

float ui_paragraph_lines(struct ui *ui, float x, float y, float w, const char *text,
                         enum ui_font f, uint32_t rgba, int max_lines)
{
    size_t starts[16];
    size_t n;
    char buf[2048];
    if (max_lines < 1) max_lines = 1;
    if (max_lines > 15) max_lines = 15;
    n = ui_text_wrap(ui->text, f, text, (int)(w * ui->scale), starts, 16);
    if (n <= (size_t)max_lines || strlen(text) >= sizeof buf - 4)
        return ui_paragraph(ui, x, y, w, text, f, rgba);
    /* Cut at the start of the first line that does not fit, then take code
     * points off until the ellipsis fits on the last line. */
    {
        size_t cut = starts[max_lines], line0 = starts[max_lines - 1];
        for (;;) {
            memcpy(buf, text, cut);
            while (cut > line0 && (buf[cut - 1] == ' ' || buf[cut - 1] == '\n')) cut--;
            memcpy(buf + cut, "…", 4);
            if (cut <= line0 ||
                ui_text_width(ui->text, f, buf + line0) <= (int)(w * ui->scale))
                break;
            do cut--;
            while (cut > line0 && ((unsigned char)text[cut] & 0xC0) == 0x80);
        }
    }
    return ui_paragraph(ui, x, y, w, buf, f, rgba);
}

bool ui_row(struct ui *ui, struct ui_rect r, const char *icon, const char *title,
            const char *subtitle)
{
    uint32_t id = register_widget(ui, place(ui, r), title, false);
    bool down = pressed(ui, id);
    float tx = r.x + (icon ? 110 : 36);
    float tw = r.w - (tx - r.x) - 70;
    /* A title too long for the large face steps down one size before it is
     * cut short. */
    enum ui_font tf = ui_text_w(ui, title, UI_F_LARGE) <= tw ? UI_F_LARGE : UI_F_BODY;
    ui_fill_round(ui, r, 16, down ? 0xEFE6DAFFu : UI_C_SURFACE);
    if (icon) ui_icon(ui, r.x + 60, r.y + r.h / 2, icon, UI_F_ICON, UI_C_RED);
    if (subtitle && r.h >= 160) {
        /* title, then up to two lines of subtitle, centred as a block */
        /* measured from the line breaks, not from a texture in another colour */
        size_t starts[4];
        size_t nl = ui_text_wrap(ui->text, UI_F_SMALL, subtitle, (int)(tw * ui->scale), starts, 4);
        float lh = ui_text_line_height(ui->text, UI_F_SMALL) / ui->scale;
        float sh = nl > 1 ? lh + lh * 1.25f : lh;
        float th = ui_text_line_height(ui->text, tf) / ui->scale;
        float y0 = r.y + (r.h - th - 6 - sh) / 2;
        ui_label_in(ui, (struct ui_rect){tx, y0, tw, th}, title, tf, UI_C_TEXT, UI_LEFT);
        ui_paragraph_lines(ui, tx, y0 + th + 6, tw, subtitle, UI_F_SMALL, UI_C_MUTED, 2);
    } else if (subtitle) {
        ui_label_in(ui, (struct ui_rect){tx, r.y + 14, tw, r.h / 2 - 8}, title, tf, UI_C_TEXT,
                    UI_LEFT);
        ui_label_in(ui, (struct ui_rect){tx, r.y + r.h / 2 + 2, tw, r.h / 2 - 16}, subtitle,
                    UI_F_SMALL, UI_C_MUTED, UI_LEFT);
    } else {
        ui_label_in(ui, (struct ui_rect){tx, r.y, tw, r.h}, title, tf, UI_C_TEXT, UI_LEFT);
    }
    ui_icon(ui, r.x + r.w - 44, r.y + r.h / 2, "chevron_right", UI_F_ICON, UI_C_MUTED);
    return take_click(ui, id);
}

bool ui_hit_area(struct ui *ui, struct ui_rect r, const char *label)
{
    uint32_t id = register_widget(ui, place(ui, r), label, false);
    return take_click(ui, id);
}

/* ---- scrolling -------------------------------------------------------- */

static float max_offset(const struct ui_scroll *s)
{
    return s->content_h > s->view_h ? s->content_h - s->view_h : 0;
}

void ui_scroll_begin(struct ui *ui, struct ui_scroll *s, struct ui_rect r)
{
    struct frame *f = ui->cur;
    uint32_t id = 0x5C0110u + (uint32_t)f->ns;
    float dt = s->last_ms && ui->now > s->last_ms ? (float)(ui->now - s->last_ms) : 0;
    s->id = id;
    s->view_h = r.h;
    if (f->ns < MAX_SCROLLS) {
        f->s[f->ns].id = id;
        f->s[f->ns].r = r;
        f->ns++;
    }
    if (ui->scroll_drag == id && ui->drag_pending != 0) {
        s->offset -= ui->drag_pending;
        ui->drag_pending = 0;
        s->vel = 0;
    }
    if (ui->fling_id == id && ui->fling_vel != 0 && !ui->down) {
        s->vel = -ui->fling_vel;
        ui->fling_vel = 0;
        dt = 0;
    } else if (ui->fling_id == id && ui->down) {
        s->vel = 0; /* a finger on the list stops it */
    }
    if (s->vel != 0 && dt > 0) {
        s->offset += s->vel * dt;
        s->vel *= (float)exp(-dt / FLING_TAU_MS);
        if (fabsf(s->vel) < MIN_VEL) s->vel = 0;
    }
    if (s->offset < 0) {
        s->offset = 0;
        s->vel = 0;
    }
    if (s->offset > max_offset(s)) {
        s->offset = max_offset(s);
        s->vel = 0;
    }
    if (s->vel != 0) ui->animating = true;
    s->last_ms = ui->now;
    ui->scroll = s;
    ui->clip = r;
    ui->clipping = true;
    SDL_Rect p = phys(ui, r);
    if (!ui->dry) ui_damage_clip(ui->damage, &p);
}

void ui_scroll_end(struct ui *ui, struct ui_scroll *s, float content_h)
{
    struct ui_rect r = ui->clip;
    s->content_h = content_h;
    ui->scroll = NULL;
    ui->clipping = false;
    if (!ui->dry) ui_damage_clip(ui->damage, NULL);
    if (content_h > r.h + 1) { /* scroll indicator */
        float bar_h = fmaxf(48, r.h * r.h / content_h);
        float y = r.y + (r.h - bar_h) * (s->offset / max_offset(s));
        ui_fill_round(ui, (struct ui_rect){r.x + r.w - 10, y, 6, bar_h}, 3, 0x00000040u);
    }
}

void ui_scroll_reset(struct ui_scroll *s)
{
    s->offset = 0;
    s->vel = 0;
}

/* ---- modal and toast -------------------------------------------------- */

int ui_modal(struct ui *ui, const char *title, const char *body, const char *const *buttons,
             int nbuttons)
{
    float w = fminf(1000, ui->lw - 120), x = (ui->lw - w) / 2;
    float bh = body ? ui_paragraph_height(ui, w - 120, body, UI_F_BODY) : 0;
    float h = 120 + 70 + bh + 60 + 110;
    float y = (ui->lh - h) / 2;
    float bw = (w - 120 - (nbuttons - 1) * 30) / (nbuttons > 0 ? nbuttons : 1);
    int result = 0;
    struct ui_scroll *saved = ui->scroll;
    ui->scroll = NULL;
    ui_fill(ui, (struct ui_rect){0, 0, ui->lw, ui->lh}, 0x00000099u);
    register_widget(ui, (struct ui_rect){0, 0, ui->lw, ui->lh}, NULL, true);
    ui_fill_round(ui, (struct ui_rect){x, y, w, h}, 28, UI_C_SURFACE);
    ui_label(ui, x + 60, y + 60, title, UI_F_TITLE, UI_C_TEXT, UI_LEFT);
    if (body) ui_paragraph(ui, x + 60, y + 150, w - 120, body, UI_F_BODY, UI_C_MUTED);
    for (int i = 0; i < nbuttons; i++) {
        struct ui_rect b = {x + 60 + i * (bw + 30), y + h - 140, bw, 96};
        if (ui_button(ui, b, buttons[i], i == nbuttons - 1 ? UI_PRIMARY : UI_SECONDARY))
            result = i + 1;
    }
    ui->scroll = saved;
    return result;
}

void ui_toast(struct ui *ui, const char *text, uint32_t ms)
{
    snprintf(ui->toast, sizeof ui->toast, "%s", text);
    ui->toast_until = ui->now + ms;
}

void ui_toast_clear(struct ui *ui)
{
    ui->toast[0] = 0;
    ui->toast_until = 0;
}

void ui_draw_overlays(struct ui *ui)
{
    if (ui->toast_until && ui->toast[0]) {
        float w = fminf(ui->lw - 120, ui_text_w(ui, ui->toast, UI_F_LARGE) + 96);
        /* under the top bar, where no keyboard is */
        struct ui_rect r = {(ui->lw - w) / 2, 140, w, 96};
        ui_fill_round(ui, r, 48, 0x222222FFu);
        ui_label_in(ui, (struct ui_rect){r.x + 48, r.y, r.w - 96, r.h}, ui->toast, UI_F_LARGE,
                    UI_C_WHITE, UI_CENTER);
    }
}

/* ---- keyboard --------------------------------------------------------- */

static const char *const kbd_letter_rows[] = {"1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm"};

int ui_key_apply(const struct ui_key *k, char *buf, size_t cap)
{
    size_t n = strlen(buf), add = strlen(k->text);
    switch (k->kind) {
    case UI_KEY_CHAR:
    case UI_KEY_SPACE:
        if (n + add + 1 > cap) return -1;
        memcpy(buf + n, k->text, add + 1);
        return 1;
    case UI_KEY_BACKSPACE:
        if (n == 0) return 0;
        buf[n - 1] = 0; /* the keyboards type ASCII only */
        return 1;
    case UI_KEY_CLEAR:
        if (n == 0) return 0;
        buf[0] = 0;
        return 1;
    case UI_KEY_NONE:
        break;
    }
    return 0;
}

float ui_keyboard_height(enum ui_kbd_layout layout, float w)
{
    (void)w;
    return layout == UI_KBD_DIGITS ? 4 * 104 : 5 * 100;
}

static void key_draw(struct ui *ui, struct ui_rect r, const char *label, bool down)
{
    uint32_t fg;
    button_body(ui, r, UI_KEY, down, &fg);
    ui_label_in(ui, (struct ui_rect){r.x + 8, r.y, r.w - 16, r.h}, label, UI_F_BODY, fg, UI_CENTER);
}

static bool key(struct ui *ui, struct ui_rect r, const char *label, enum ui_key_kind kind,
                const char *text, struct ui_key *out)
{
    uint32_t id;
    if (ui->baking) {
        key_draw(ui, r, label, false);
        return false;
    }
    id = register_widget(ui, place(ui, r), label, false);
    if (pressed(ui, id)) key_draw(ui, r, label, true);
    if (take_click(ui, id)) {
        out->kind = kind;
        snprintf(out->text, sizeof out->text, "%s", text ? text : "");
        return true;
    }
    return false;
}

/* Lays out the keys in r: in baking mode draws them all, otherwise
 * registers them, draws a pressed one and reports a tap. */
static bool keyboard_keys(struct ui *ui, struct ui_rect r, enum ui_kbd_layout layout,
                          struct ui_key *out)
{
    bool hitk = false;
    const float gap = 10;
    if (layout == UI_KBD_DIGITS) {
        static const char *const pad[12] = {"1", "2", "3", "4", "5", "6",
                                            "7", "8", "9", "清空", "0", "删除"};
        float kw = (r.w - 4 * gap) / 3, kh = (r.h - 5 * gap) / 4;
        for (int i = 0; i < 12; i++) {
            struct ui_rect k = {r.x + gap + (i % 3) * (kw + gap), r.y + gap + (i / 3) * (kh + gap),
                                kw, kh};
            enum ui_key_kind kind = i == 9 ? UI_KEY_CLEAR : i == 11 ? UI_KEY_BACKSPACE : UI_KEY_CHAR;
            hitk |= key(ui, k, pad[i], kind, kind == UI_KEY_CHAR ? pad[i] : NULL, out);
        }
        return hitk;
    }
    float kh = (r.h - 6 * gap) / 5, kw = (r.w - 11 * gap) / 10;
    for (int row = 0; row < 4; row++) {
        const char *keys = kbd_letter_rows[row];
        size_t n = strlen(keys);
        float x = r.x + gap + (10 - n) * (kw + gap) / 2;
        for (size_t i = 0; i < n; i++) {
            char lab[2] = {keys[i], 0};
            struct ui_rect k = {x + i * (kw + gap), r.y + gap + row * (kh + gap), kw, kh};
            hitk |= key(ui, k, lab, UI_KEY_CHAR, lab, out);
        }
        if (row == 3) {
            struct ui_rect k = {x + n * (kw + gap), r.y + gap + row * (kh + gap),
                                r.x + r.w - gap - (x + n * (kw + gap)), kh};
            hitk |= key(ui, k, "删除", UI_KEY_BACKSPACE, NULL, out);
        }
    }
    {
        float y = r.y + gap + 4 * (kh + gap);
        float cw = 2 * kw + gap;
        struct ui_rect c = {r.x + gap, y, cw, kh};
        struct ui_rect s = {r.x + 2 * gap + cw, y, r.w - 3 * gap - cw, kh};
        hitk |= key(ui, c, "清空", UI_KEY_CLEAR, NULL, out);
        hitk |= key(ui, s, "空格", UI_KEY_SPACE, " ", out);
    }
    return hitk;
}

/* Draws the keyboard's keys into the current direct target, at the origin. */
static void kbd_bake(struct ui *ui, enum ui_kbd_layout layout, const SDL_Rect *p,
                     struct ui_key *out)
{
    struct ui_scroll *saved = ui->scroll;
    struct ui_rect origin = {0, 0, p->w / ui->scale, p->h / ui->scale};
    ui->scroll = NULL;
    ui->baking = true;
    ui_fill_round(ui, origin, 20, 0xE8E1D7FFu);
    keyboard_keys(ui, origin, layout, out);
    ui->baking = false;
    ui->scroll = saved;
}

/* The slot holding the keyboard of this layout and size, baked if it was
 * not (into the least recently used slot). NULL if it cannot be baked. A
 * keyboard is baked opaque on the page colour: the copy each frame is then
 * a plain memory copy, not a blend of a third of the screen. */
static struct kbd_slot *kbd_slot(struct ui *ui, enum ui_kbd_layout layout, const SDL_Rect *p,
                                 struct ui_key *out)
{
    struct kbd_slot *k = &ui->kbd[0];
    for (int i = 0; i < KBD_SLOTS; i++) {
        struct kbd_slot *c = &ui->kbd[i];
        if ((c->tex || c->surf) && c->layout == (int)layout && c->w == p->w && c->h == p->h) {
            c->used = ++ui->kbd_clock;
            return c;
        }
        if ((!c->tex && !c->surf) || c->used < k->used) k = c;
    }
    if (k->tex) SDL_DestroyTexture(k->tex);
    SDL_FreeSurface(k->surf);
    k->tex = NULL;
    k->surf = NULL;
    k->layout = (int)layout;
    k->w = p->w;
    k->h = p->h;
    k->serial = ++ui->kbd_serial;
    k->used = ++ui->kbd_clock;
    if (ui->surface_mode) {
        k->surf = SDL_CreateRGBSurfaceWithFormat(0, p->w, p->h, 32, ui->screen_format);
        if (!k->surf) return NULL;
        SDL_SetSurfaceBlendMode(k->surf, SDL_BLENDMODE_NONE);
        SDL_FillRect(k->surf, NULL,
                     SDL_MapRGB(k->surf->format, (Uint8)(UI_C_BG >> 24), (Uint8)(UI_C_BG >> 16),
                                (Uint8)(UI_C_BG >> 8)));
        ui_damage_direct(ui->damage, true, k->surf);
        kbd_bake(ui, layout, p, out);
        ui_damage_direct(ui->damage, false, NULL);
        return k;
    }
    k->tex = SDL_CreateTexture(ui->r, SDL_PIXELFORMAT_ARGB8888, SDL_TEXTUREACCESS_TARGET, p->w,
                               p->h);
    if (k->tex && SDL_SetRenderTarget(ui->r, k->tex) == 0) {
        SDL_SetTextureBlendMode(k->tex, SDL_BLENDMODE_NONE);
        SDL_SetRenderDrawColor(ui->r, (Uint8)(UI_C_BG >> 24), (Uint8)(UI_C_BG >> 16),
                               (Uint8)(UI_C_BG >> 8), 0xFF);
        SDL_RenderClear(ui->r);
        ui_damage_direct(ui->damage, true, NULL);
        kbd_bake(ui, layout, p, out);
        ui_damage_direct(ui->damage, false, NULL);
        SDL_SetRenderTarget(ui->r, NULL);
        return k;
    }
    if (k->tex) SDL_DestroyTexture(k->tex);
    k->tex = NULL;
    return NULL;
}

bool ui_keyboard(struct ui *ui, struct ui_rect r, enum ui_kbd_layout layout, struct ui_key *out)
{
    SDL_Rect p = phys(ui, place(ui, r));
    struct kbd_slot *k;
    out->kind = UI_KEY_NONE;
    out->text[0] = 0;
    if (ui->warming) { /* bake it into its slot now, draw nothing */
        ui->dry = false;
        kbd_slot(ui, layout, &p, out);
        ui->dry = true;
        ui->baking = true;
    }
    if (ui->dry) return keyboard_keys(ui, r, layout, out);
    k = kbd_slot(ui, layout, &p, out);
    if (k && k->surf) {
        ui_damage_surface(ui->damage, k->surf, k->serial, p.x, p.y);
    } else if (k) {
        ui_damage_copy(ui->damage, k->tex, k->serial, &p, 0xFFFFFFFFu);
    } else { /* no target textures: draw it all every frame */
        ui->baking = true;
        ui_fill_round(ui, r, 20, 0xE8E1D7FFu);
        keyboard_keys(ui, r, layout, out);
        ui->baking = false;
    }
    return keyboard_keys(ui, r, layout, out);
}

/* ---- queries for the scenario runner ---------------------------------- */

bool ui_find_widget(const struct ui *ui, const char *label, float *cx, float *cy)
{
    const struct frame *f = ui->prev;
    for (size_t i = f->nw; i-- > 0;) {
        const struct widget *w = &f->w[i];
        if (w->label && strcmp(w->label, label) == 0 && w->r.w > 0 && w->r.h > 0) {
            /* Must not be covered by a later blocker (a modal). */
            bool covered = false;
            for (size_t j = i + 1; j < f->nw; j++)
                if (f->w[j].blocker) covered = true;
            if (covered) continue;
            *cx = w->r.x + w->r.w / 2;
            *cy = w->r.y + w->r.h / 2;
            return true;
        }
    }
    return false;
}

bool ui_text_visible(const struct ui *ui, const char *needle)
{
    const struct frame *f = ui->prev;
    for (size_t i = 0; i < f->nt; i++)
        if (strstr(f->t[i].text, needle)) return true;
    return false;
}

void ui_each_text(const struct ui *ui, void (*fn)(const char *text, void *ud), void *ud)
{
    for (size_t i = 0; i < ui->prev->nt; i++) fn(ui->prev->t[i].text, ud);
}

void ui_each_widget(const struct ui *ui, void (*fn)(const char *label, void *ud), void *ud)
{
    for (size_t i = 0; i < ui->prev->nw; i++)
        if (ui->prev->w[i].label) fn(ui->prev->w[i].label, ud);
}

/* ---- maps: free drag, pinch, cached surfaces --------------------------- */

bool ui_pan_area(struct ui *ui, struct ui_rect r, const char *label, float *dx, float *dy)
{
    uint32_t id = register_widget(ui, place(ui, r), label, false);
    *dx = *dy = 0;
    if (!ui->down || ui->active_id != id) {
        if (ui->pan_id == id) ui->pan_id = 0;
        return false;
    }
    if (ui->pan_id != id) { /* a new finger: start from where it went down */
        ui->pan_id = id;
        ui->pan_x = ui->down_x;
        ui->pan_y = ui->down_y;
    }
    *dx = ui->px - ui->pan_x;
    *dy = ui->py - ui->pan_y;
    ui->pan_x = ui->px;
    ui->pan_y = ui->py;
    return *dx != 0 || *dy != 0;
}

void ui_pinch_input(struct ui *ui, float factor)
{
    if (factor > 0) ui->pinch *= factor;
}

float ui_pinch_take(struct ui *ui)
{
    float f = ui->pinch;
    ui->pinch = 1;
    return f;
}

bool ui_surface(struct ui *ui, float x, float y, SDL_Surface *s, uint32_t serial)
{
    struct ui_rect r = place(ui, (struct ui_rect){x, y, 0, 0});
    if (!ui->surface_mode) return false;
    if (!ui->dry && s)
        ui_damage_surface(ui->damage, s, serial, (int)lroundf(r.x * ui->scale),
                          (int)lroundf(r.y * ui->scale));
    return true;
}

uint32_t ui_screen_format(const struct ui *ui)
{
    return ui->screen_format;
}
