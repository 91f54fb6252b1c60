/* The toolkit's core: creation, pointer input (taps, drags, the velocity of
 * a fling), the frame bracket and warm-up passes, the records of a frame's
 * widgets and texts, and the queries the scenario runner makes of them. */
#include "ui_impl.h"

#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "ui_contrast.h"
#include "ui_icons.h"

static const char *arena_dup(struct frame *f, const char *s)
{
    size_t n = strlen(s) + 1;
    char *d;
    if (f->used + n > UI_ARENA_BYTES) return NULL;
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
    kthread_owner_bind(&ui->owner); /* the UI thread is the one that creates the ui */
    ui->r = r;
    ui->text = text;
    ui->scale = (float)(phys_w < phys_h ? phys_w : phys_h) / 1080.0f;
    ui->pw = phys_w;
    ui->ph = phys_h;
    ui->lw = phys_w / ui->scale;
    ui->lh = phys_h / ui->scale;
    ui->cur = &ui->frames[0];
    ui->pinch = 1;
    ui->prev = &ui->frames[1];
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
    KASSERT_OWNER(&ui->owner);
    for (int i = 0; i < 65; i++)
        for (int q = 0; q < 4; q++)
        {
            if (ui->corner[i][q]) SDL_DestroyTexture(ui->corner[i][q]);
            free(ui->corner_mask[i][q]);
        }
    for (int i = 0; i < UI_KBD_SLOTS; i++) {
        if (ui->kbd[i].tex) SDL_DestroyTexture(ui->kbd[i].tex);
        SDL_FreeSurface(ui->kbd[i].surf);
    }
    if (ui->qr.tex) SDL_DestroyTexture(ui->qr.tex);
    ui_icons_free(ui->icons);
    ui_damage_destroy(ui->damage);
    free(ui);
}

float ui_width(const struct ui *ui)
{
    KASSERT_OWNER(&ui->owner);
    return ui->lw;
}
float ui_height(const struct ui *ui)
{
    KASSERT_OWNER(&ui->owner);
    return ui->lh;
}
float ui_scale(const struct ui *ui)
{
    KASSERT_OWNER(&ui->owner);
    return ui->scale;
}
bool ui_portrait(const struct ui *ui)
{
    KASSERT_OWNER(&ui->owner);
    return ui->lh > ui->lw;
}
SDL_Renderer *ui_renderer(struct ui *ui)
{
    KASSERT_OWNER(&ui->owner);
    return ui->r;
}

struct ui_text *ui_texts(struct ui *ui)
{
    KASSERT_OWNER(&ui->owner);
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
    KASSERT_OWNER(&ui->owner);
    float x = px / ui->scale, y = py / ui->scale;
    ui_damage_prewake(ui->damage); /* the frame that answers may be a new screen */
    const struct widget *w = hit(ui->prev, x, y);
    ui->down = true;
    ui->pointer_seen = true;
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

void ui_pointer_cancel(struct ui *ui)
{
    KASSERT_OWNER(&ui->owner);
    ui->down = false;
    ui->active_id = 0;
    ui->dragging = false;
    ui->scroll_cand = 0;
    ui->scroll_drag = 0;
    ui->drag_pending = 0;
    ui->nsamples = 0;
}

bool ui_pointer_pos(const struct ui *ui, float *x, float *y)
{
    KASSERT_OWNER(&ui->owner);
    *x = ui->px;
    *y = ui->py;
    return ui->pointer_seen;
}

void ui_pointer_move(struct ui *ui, float px, float py, uint64_t now_ms)
{
    KASSERT_OWNER(&ui->owner);
    float x = px / ui->scale, y = py / ui->scale;
    if (!ui->down) return;
    if (!ui->dragging && ui->scroll_cand &&
        (fabsf(y - ui->down_y) > UI_DRAG_SLOP || fabsf(x - ui->down_x) > UI_DRAG_SLOP * 2)) {
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
    KASSERT_OWNER(&ui->owner);
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
        if (w && w->id == ui->active_id) {
            ui->clicked_id = ui->active_id;
            snprintf(ui->tapped, sizeof ui->tapped, "%s", w->label ? w->label : "");
            ui->tapped_new = true;
        }
    }
    ui->active_id = 0;
}

bool ui_animating(const struct ui *ui)
{
    KASSERT_OWNER(&ui->owner);
    return ui->animating || ui->drag_pending != 0 || ui->fling_vel != 0;
}

bool ui_needs_redraw(const struct ui *ui)
{
    KASSERT_OWNER(&ui->owner);
    return ui->redraw;
}

uint64_t ui_next_deadline(const struct ui *ui)
{
    KASSERT_OWNER(&ui->owner);
    return ui->toast_until ? ui->toast_until : UINT64_MAX;
}

/* ---- frame ------------------------------------------------------------ */

void ui_begin_dry(struct ui *ui, uint64_t now_ms)
{
    KASSERT_OWNER(&ui->owner);
    ui->dry = true;
    ui_begin(ui, now_ms);
}

bool ui_warm_begin(struct ui *ui)
{
    KASSERT_OWNER(&ui->owner);
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
    KASSERT_OWNER(&ui->owner);
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

bool ui_warming(const struct ui *ui)
{
    KASSERT_OWNER(&ui->owner);
    return ui->warming;
}

void ui_set_elder(struct ui *ui, bool on)
{
    KASSERT_OWNER(&ui->owner);
    if (ui->elder == on) return;
    ui->elder = on;
    ui_text_set_elder(ui->text, on);
    ui_damage_invalidate(ui->damage);
}

bool ui_elder(const struct ui *ui)
{
    KASSERT_OWNER(&ui->owner);
    return ui->elder;
}

float ui_min_target(const struct ui *ui)
{
    KASSERT_OWNER(&ui->owner);
    return ui->elder ? UI_MIN_TARGET_ELDER : UI_MIN_TARGET;
}

void ui_set_english(struct ui *ui, bool on)
{
    KASSERT_OWNER(&ui->owner);
    ui->english = on;
}

void ui_set_checks(struct ui *ui, bool on)
{
    KASSERT_OWNER(&ui->owner);
    ui->checks = on;
}

void ui_invalidate(struct ui *ui)
{
    KASSERT_OWNER(&ui->owner);
    ui_damage_invalidate(ui->damage);
}

void ui_full_redraw(struct ui *ui)
{
    KASSERT_OWNER(&ui->owner);
    ui_damage_set_retained(ui->damage, false);
}

size_t ui_redrawn_px(const struct ui *ui, size_t *total_px)
{
    KASSERT_OWNER(&ui->owner);
    if (total_px) *total_px = ui->damage_st.px_total;
    return ui->damage_st.px_redrawn;
}

bool ui_click_pending(const struct ui *ui)
{
    KASSERT_OWNER(&ui->owner);
    return ui->clicked_id != 0;
}

void ui_begin(struct ui *ui, uint64_t now_ms)
{
    KASSERT_OWNER(&ui->owner);
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
    KASSERT_OWNER(&ui->owner);
    struct frame *t = ui->prev;
    if (!ui->dry) ui_damage_flush(ui->damage, &ui->damage_st);
    ui->dry = false;
    ui->clicked_id = 0;
    /* A fling whose list was not drawn this frame is dropped. */
    if (!ui->dragging) ui->drag_pending = 0;
    ui->prev = ui->cur;
    ui->cur = t;
}

uint32_t ui_register_widget(struct ui *ui, struct ui_rect r, const char *label, bool blocker)
{
    struct frame *f = ui->cur;
    uint32_t base = hash_str(label ? label : "#"), id = base;
    unsigned dup = 0;
    for (size_t i = 0; i < f->nw; i++)
        if (f->w[i].id == id) id = base + 0x9E3779B9u * ++dup;
    if (f->nw < UI_MAX_WIDGETS) {
        struct ui_rect v = visible_part(ui, r);
        f->w[f->nw].id = id;
        f->w[f->nw].r = v;
        f->w[f->nw].full = r;
        f->w[f->nw].label = label ? arena_dup(f, label) : NULL;
        f->w[f->nw].blocker = blocker;
        f->nw++;
    }
    return id;
}

uint32_t ui_col_text(const struct ui *ui, uint32_t rgba)
{
    return ui->elder ? ui_elder_text(rgba) : rgba;
}

uint32_t ui_col_fill(const struct ui *ui, uint32_t rgba)
{
    return ui->elder ? ui_elder_fill(rgba) : rgba;
}

/* The opaque colour under the logical point (x, y) as drawn so far this
 * frame (fills only; false over an image or a surface). */
static bool colour_at(const struct ui *ui, float x, float y, uint32_t *out)
{
    return ui_damage_colour_at(ui->damage, (int)lroundf(x * ui->scale),
                               (int)lroundf(y * ui->scale), out);
}

/* The background of a text: of five points (the centre and inside each
 * corner), the colour that contrasts least with fg. */
static bool text_bg(const struct ui *ui, struct ui_rect r, uint32_t fg, uint32_t *bg)
{
    const float px[5] = {0.5f, 0.15f, 0.85f, 0.15f, 0.85f};
    const float py[5] = {0.5f, 0.25f, 0.25f, 0.75f, 0.75f};
    double worst = 100;
    bool any = false;
    for (int i = 0; i < 5; i++) {
        uint32_t c;
        double k;
        if (!colour_at(ui, r.x + r.w * px[i], r.y + r.h * py[i], &c)) continue;
        k = ui_contrast_ratio(ui_blend(fg, c), c);
        if (k < worst) {
            worst = k;
            *bg = c;
        }
        any = true;
    }
    return any;
}

void ui_record_text(struct ui *ui, struct ui_rect r, const char *text, uint32_t fg,
                    enum ui_font font, unsigned flags)
{
    ui_record_text_on(ui, r, text, fg, font, flags, 0);
}

void ui_record_text_on(struct ui *ui, struct ui_rect r, const char *text, uint32_t fg,
                       enum ui_font font, unsigned flags, uint32_t bg)
{
    struct frame *f = ui->cur;
    struct ui_rect v = visible_part(ui, r);
    struct vtext *t;
    if (ui->baking) return;
    if (v.w <= 0 || v.h <= 0 || f->nt >= UI_MAX_TEXTS) return;
    t = &f->t[f->nt];
    t->r = v;
    t->full = r;
    t->fg = fg;
    t->bg = 0;
    t->flags = (uint8_t)(flags | (ui->scroll ? UI_TX_SCROLL : 0) | (ui->overlay ? UI_TX_OVERLAY : 0));
    t->font_px = (uint8_t)ui_text_font_px(ui->text, font);
    if (bg) {
        t->bg = bg | 0xFF;
        t->flags |= UI_TX_BG;
    } else if (ui->checks && !ui->dry && text_bg(ui, v, fg, &t->bg)) {
        t->flags |= UI_TX_BG;
    }
    t->text = arena_dup(f, text);
    if (t->text) f->nt++;
}

bool ui_take_tapped(struct ui *ui, char *out, size_t n)
{
    KASSERT_OWNER(&ui->owner);
    if (!ui->tapped_new) return false;
    ui->tapped_new = false;
    snprintf(out, n, "%s", ui->tapped);
    return true;
}

bool ui_take_click(struct ui *ui, uint32_t id)
{
    if (ui->clicked_id && ui->clicked_id == id) {
        ui->clicked_id = 0;
        ui->redraw = true;
        return true;
    }
    return false;
}

/* ---- queries for the scenario runner ---------------------------------- */

bool ui_find_widget(const struct ui *ui, const char *label, float *cx, float *cy)
{
    KASSERT_OWNER(&ui->owner);
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
    KASSERT_OWNER(&ui->owner);
    const struct frame *f = ui->prev;
    for (size_t i = 0; i < f->nt; i++)
        if (!(f->t[i].flags & UI_TX_HIDDEN) && strstr(f->t[i].text, needle)) return true;
    return false;
}

void ui_each_text(const struct ui *ui, void (*fn)(const char *text, void *ud), void *ud)
{
    KASSERT_OWNER(&ui->owner);
    for (size_t i = 0; i < ui->prev->nt; i++)
        if (!(ui->prev->t[i].flags & UI_TX_HIDDEN)) fn(ui->prev->t[i].text, ud);
}

void ui_each_widget(const struct ui *ui, void (*fn)(const char *label, void *ud), void *ud)
{
    KASSERT_OWNER(&ui->owner);
    for (size_t i = 0; i < ui->prev->nw; i++)
        if (ui->prev->w[i].label) fn(ui->prev->w[i].label, ud);
}

/* ---- maps: free drag and pinch ------------------------------------------ */

bool ui_pan_area(struct ui *ui, struct ui_rect r, const char *label, float *dx, float *dy)
{
    KASSERT_OWNER(&ui->owner);
    uint32_t id = ui_register_widget(ui, ui_place(ui, r), label, false);
    *dx = *dy = 0;
    if (ui->warming) return false; /* a warm-up pass touches no input state */
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
    KASSERT_OWNER(&ui->owner);
    if (factor > 0) ui->pinch *= factor;
}

float ui_pinch_take(struct ui *ui)
{
    KASSERT_OWNER(&ui->owner);
    float f = ui->pinch;
    if (ui->warming) return 1; /* left for the real frame */
    ui->pinch = 1;
    return f;
}
