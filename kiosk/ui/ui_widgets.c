/* Drawing primitives (fills, rounded corners, images), texts (labels,
 * paragraphs, icons), the widgets (buttons, tiles, rows, tap areas), the
 * modal and the toast. Every draw goes through ui_damage. */
#include "ui_impl.h"

#include <stdlib.h>
#include <string.h>

#include "klog.h"
#include "ui_icons.h"
#include "utf8.h"

/* ---- primitives ------------------------------------------------------- */

void ui_fill(struct ui *ui, struct ui_rect r, uint32_t rgba)
{
    KASSERT_OWNER(&ui->owner);
    SDL_Rect p = ui_phys(ui, ui_place(ui, r));
    if (ui->dry) return;
    ui_damage_fill(ui->damage, &p, ui_col_fill(ui, rgba));
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
        if (m && d) ui_damage_mask_shape(ui->damage, m, rad, (uint32_t)(rad * 4 + q), d, rgba);
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
    KASSERT_OWNER(&ui->owner);
    SDL_Rect p = ui_phys(ui, ui_place(ui, r));
    int rad = (int)lroundf(radius * ui->scale);
    if (ui->dry) return;
    rgba = ui_col_fill(ui, rgba);
    if (rad * 2 > p.w) rad = p.w / 2;
    if (rad * 2 > p.h) rad = p.h / 2;
    if (rad < 1 || !draw_corner(ui, rad, 0, NULL, rgba)) {
        ui_damage_fill(ui->damage, &p, rgba); /* rgba is already the theme's */
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
    KASSERT_OWNER(&ui->owner);
    SDL_Rect p = ui_phys(ui, ui_place(ui, r));
    if (tex && !ui->dry) ui_damage_copy(ui->damage, tex, serial, &p, 0xFFFFFFFFu);
}

void ui_image(struct ui *ui, struct ui_rect r, SDL_Texture *tex)
{
    KASSERT_OWNER(&ui->owner);
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
    KASSERT_OWNER(&ui->owner);
    struct ui_text_tex t;
    float w, h;
    struct ui_rect r;
    rgba = ui_col_text(ui, rgba);
    if (!ui_text_get(ui->text, f, text, 0, rgba, &t)) return 0;
    w = t.w / ui->scale;
    h = t.h / ui->scale;
    if (align == UI_CENTER) x -= w / 2;
    if (align == UI_RIGHT) x -= w;
    r = ui_place(ui, (struct ui_rect){x, y, w, h});
    draw_tex(ui, &t, r.x, r.y);
    ui_record_text(ui, r, text, rgba, f, 0);
    return w;
}

void ui_label_in(struct ui *ui, struct ui_rect r, const char *text, enum ui_font f, uint32_t rgba,
                 enum ui_align align)
{
    KASSERT_OWNER(&ui->owner);
    struct ui_text_tex t;
    float w, h, x;
    char cut[512];
    unsigned flags = 0;
    if (!text || !*text) return;
    rgba = ui_col_text(ui, rgba);
    if (ui_text_width(ui->text, f, text) > r.w * ui->scale) {
        flags = UI_TX_CUT;
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
    struct ui_rect pr = ui_place(ui, (struct ui_rect){x, r.y + (r.h - h) / 2, w, h});
    draw_tex(ui, &t, pr.x, pr.y);
    ui_record_text(ui, pr, text, rgba, f, flags);
}

void ui_label_fit(struct ui *ui, struct ui_rect r, const char *text, enum ui_font largest,
                  uint32_t rgba, enum ui_align align)
{
    KASSERT_OWNER(&ui->owner);
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
    KASSERT_OWNER(&ui->owner);
    return ui_paragraph_flags(ui, x, y, w, text, f, rgba, 0);
}

float ui_paragraph_flags(struct ui *ui, float x, float y, float w, const char *text,
                         enum ui_font f, uint32_t rgba, unsigned flags)
{
    struct ui_text_tex t;
    struct ui_rect r;
    rgba = ui_col_text(ui, rgba);
    if (!ui_text_get(ui->text, f, text, (int)(w * ui->scale), rgba, &t)) return 0;
    r = ui_place(ui, (struct ui_rect){x, y, t.w / ui->scale, t.h / ui->scale});
    draw_tex(ui, &t, r.x, r.y);
    ui_record_text(ui, r, text, rgba, f, flags);
    return t.h / ui->scale;
}

float ui_paragraph_height(struct ui *ui, float w, const char *text, enum ui_font f)
{
    KASSERT_OWNER(&ui->owner);
    struct ui_text_tex t;
    /* Measures with the colour paragraphs are usually drawn in, so the
     * texture made here is the one the draw will use. */
    if (!ui_text_get(ui->text, f, text, (int)(w * ui->scale), ui_col_text(ui, UI_C_TEXT), &t))
        return 0;
    return t.h / ui->scale;
}

float ui_text_w(struct ui *ui, const char *text, enum ui_font f)
{
    KASSERT_OWNER(&ui->owner);
    return ui_text_width(ui->text, f, text) / ui->scale;
}

float ui_line_h(struct ui *ui, enum ui_font f)
{
    KASSERT_OWNER(&ui->owner);
    return ui_text_line_height(ui->text, f) / ui->scale;
}

void ui_icon(struct ui *ui, float cx, float cy, const char *name, enum ui_font f, uint32_t rgba)
{
    KASSERT_OWNER(&ui->owner);
    char s[8];
    struct ui_text_tex t;
    struct ui_rect r;
    if (!ui->icons_tried) { /* the map is read once, at the first icon */
        ui->icons_tried = true;
        if (ui_icons_load(NULL, &ui->icons) != KERR_OK) KLOGE("ui", "icon map: out of memory");
    }
    rgba = ui_col_text(ui, rgba);
    if (!ui_icon_utf8(ui->icons, name, s) || !ui_text_get(ui->text, f, s, 0, rgba, &t)) return;
    r = ui_place(ui, (struct ui_rect){cx - t.w / ui->scale / 2, cy - t.h / ui->scale / 2, 0, 0});
    draw_tex(ui, &t, r.x, r.y);
}

/* ---- widgets ---------------------------------------------------------- */

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

void ui_button_body(struct ui *ui, struct ui_rect r, enum ui_style st, bool down,
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
    KASSERT_OWNER(&ui->owner);
    uint32_t id = ui_register_widget(ui, ui_place(ui, r), label, false);
    uint32_t fg;
    enum ui_font f = style == UI_KEY || r.h < 72 ? UI_F_BODY : UI_F_LARGE;
    /* a label steps down a size or two before it is cut */
    if (f == UI_F_LARGE && ui_text_w(ui, label, f) > r.w - 24) f = UI_F_BODY;
    if (ui_text_w(ui, label, f) > r.w - 24) f = UI_F_SMALL;
    ui_button_body(ui, r, style, ui_pressed(ui, id), &fg);
    ui_label_in(ui, (struct ui_rect){r.x + 12, r.y, r.w - 24, r.h}, label, f, fg, UI_CENTER);
    return ui_take_click(ui, id);
}

bool ui_button_icon(struct ui *ui, struct ui_rect r, const char *icon, const char *label,
                    enum ui_style style)
{
    KASSERT_OWNER(&ui->owner);
    uint32_t id = ui_register_widget(ui, ui_place(ui, r), label, false);
    uint32_t fg;
    float iw = ui->elder ? 58 : 44, gap = ui->elder ? 8 : 6; /* the icon is larger in elder mode */
    /* the label steps down a size rather than being cut */
    enum ui_font f = ui_text_w(ui, label, UI_F_LARGE) + iw + gap + 24 <= r.w  ? UI_F_LARGE
                     : ui_text_w(ui, label, UI_F_BODY) + iw + gap + 24 <= r.w ? UI_F_BODY
                                                                              : UI_F_SMALL;
    float tw = ui_text_w(ui, label, f);
    float x0 = r.x + (r.w - (iw + gap + tw)) / 2;
    ui_button_body(ui, r, style, ui_pressed(ui, id), &fg);
    if (x0 < r.x + 8) x0 = r.x + 8;
    ui_icon(ui, x0 + iw / 2, r.y + r.h / 2, icon, UI_F_ICON, fg);
    ui_label_in(ui, (struct ui_rect){x0 + iw + gap, r.y, r.x + r.w - (x0 + iw + gap) - 4, r.h},
                label, f, fg, UI_LEFT);
    return ui_take_click(ui, id);
}

bool ui_tile(struct ui *ui, struct ui_rect r, const char *icon, const char *title,
             const char *subtitle, uint32_t rgba)
{
    KASSERT_OWNER(&ui->owner);
    uint32_t id = ui_register_widget(ui, ui_place(ui, r), title, false);
    bool down = ui_pressed(ui, id);
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
    if (!ui->elder) {
        ui_icon(ui, body.x + 84, body.y + 96, icon, UI_F_ICON_L, UI_C_WHITE);
        ui_label_fit(ui, (struct ui_rect){body.x + 36, body.y + body.h - 150, body.w - 60, 70},
                     title, UI_F_TITLE, UI_C_WHITE, UI_LEFT);
        if (subtitle)
            ui_label_fit(ui, (struct ui_rect){body.x + 36, body.y + body.h - 84, body.w - 60, 50},
                         subtitle, UI_F_BODY, 0xFFFFFFD9u, UI_LEFT);
    } else {
        /* stacked from the bottom by line heights; the icon where room is left */
        float sh = subtitle ? ui_line_h(ui, UI_F_BODY) : 0, th = ui_line_h(ui, UI_F_TITLE);
        float sy = body.y + body.h - 20 - sh, ty = sy - th;
        float tw = body.w - 60;
        if (ty - body.y >= 110) { /* above the title, smaller, or else at the right */
            ui_icon(ui, body.x + 84, body.y + fminf(96, (ty - body.y) / 2 + 10), icon, UI_F_ICON_L,
                    UI_C_WHITE);
        } else if (ty - body.y >= 72) {
            ui_icon(ui, body.x + 66, body.y + (ty - body.y) / 2 + 6, icon, UI_F_ICON, UI_C_WHITE);
        } else {
            ui_icon(ui, body.x + body.w - 90, body.y + body.h / 2, icon, UI_F_ICON_L, UI_C_WHITE);
            tw -= 130;
        }
        ui_label_fit(ui, (struct ui_rect){body.x + 36, ty, tw, th}, title, UI_F_TITLE,
                     UI_C_WHITE, UI_LEFT);
        if (subtitle)
            ui_label_fit(ui, (struct ui_rect){body.x + 36, sy, tw, sh}, subtitle, UI_F_BODY,
                         0xFFFFFFD9u, UI_LEFT);
    }
    return ui_take_click(ui, id);
}

int ui_paragraph_fit_lines(struct ui *ui, enum ui_font f, float h)
{
    KASSERT_OWNER(&ui->owner);
    /* lines are one line height tall and 1.25 line heights apart (ui_text) */
    float lh = (float)ui_text_line_height(ui->text, f) / ui->scale, step = lh * 1.25f;
    int n = h >= lh ? 1 + (int)((h - lh) / step) : 1;
    return n;
}

float ui_paragraph_lines(struct ui *ui, float x, float y, float w, const char *text,
                         enum ui_font f, uint32_t rgba, int max_lines)
{
    KASSERT_OWNER(&ui->owner);
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
    return ui_paragraph_flags(ui, x, y, w, buf, f, rgba, UI_TX_CUT);
}

float ui_row_h(struct ui *ui, float h, bool subtitle)
{
    KASSERT_OWNER(&ui->owner);
    float need = 40 + ui_line_h(ui, UI_F_LARGE) +
                 (subtitle ? 6 + 2.25f * ui_line_h(ui, UI_F_SMALL) : 0);
    return ui->elder && need > h ? need : h;
}

bool ui_row(struct ui *ui, struct ui_rect r, const char *icon, const char *title,
            const char *subtitle)
{
    KASSERT_OWNER(&ui->owner);
    uint32_t id = ui_register_widget(ui, ui_place(ui, r), title, false);
    bool down = ui_pressed(ui, id);
    float tx = r.x + (icon ? 110 : 36);
    float tw = r.w - (tx - r.x) - 70;
    /* A title too long for the large face steps down one size before it is
     * cut short. */
    enum ui_font tf = ui_text_w(ui, title, UI_F_LARGE) <= tw  ? UI_F_LARGE
                      : ui_text_w(ui, title, UI_F_BODY) <= tw ? UI_F_BODY
                                                              : UI_F_SMALL;
    ui_fill_round(ui, r, 16, down ? 0xEFE6DAFFu : UI_C_SURFACE);
    if (icon) ui_icon(ui, r.x + 60, r.y + r.h / 2, icon, UI_F_ICON, UI_C_RED);
    if (subtitle && (r.h >= 160 || ui->elder)) {
        /* title, then up to two lines of subtitle (more in elder mode, as
         * many as the row has room for), centred as a block */
        /* measured from the line breaks, not from a texture in another colour */
        size_t starts[8];
        float lh = ui_text_line_height(ui->text, UI_F_SMALL) / ui->scale;
        float th = ui_text_line_height(ui->text, tf) / ui->scale;
        size_t maxl = ui->elder ? (size_t)fmaxf(1, fminf(4, 1 + (r.h - 16 - th - 6 - lh) / (lh * 1.25f)))
                                : 2;
        size_t nl = ui_text_wrap(ui->text, UI_F_SMALL, subtitle, (int)(tw * ui->scale), starts, 8);
        float sh;
        float y0;
        if (nl > maxl) nl = maxl;
        sh = lh + (float)(nl - 1) * lh * 1.25f;
        y0 = r.y + (r.h - th - 6 - sh) / 2;
        ui_label_in(ui, (struct ui_rect){tx, y0, tw, th}, title, tf, UI_C_TEXT, UI_LEFT);
        ui_paragraph_lines(ui, tx, y0 + th + 6, tw, subtitle, UI_F_SMALL, UI_C_MUTED, (int)maxl);
    } else if (subtitle) {
        ui_label_in(ui, (struct ui_rect){tx, r.y + 14, tw, r.h / 2 - 8}, title, tf, UI_C_TEXT,
                    UI_LEFT);
        ui_label_in(ui, (struct ui_rect){tx, r.y + r.h / 2 + 2, tw, r.h / 2 - 16}, subtitle,
                    UI_F_SMALL, UI_C_MUTED, UI_LEFT);
    } else {
        ui_label_in(ui, (struct ui_rect){tx, r.y, tw, r.h}, title, tf, UI_C_TEXT, UI_LEFT);
    }
    ui_icon(ui, r.x + r.w - 44, r.y + r.h / 2, "chevron_right", UI_F_ICON, UI_C_MUTED);
    return ui_take_click(ui, id);
}

bool ui_hit_area(struct ui *ui, struct ui_rect r, const char *label)
{
    KASSERT_OWNER(&ui->owner);
    uint32_t id = ui_register_widget(ui, ui_place(ui, r), label, false);
    return ui_take_click(ui, id);
}

/* ---- modal and toast -------------------------------------------------- */

int ui_modal(struct ui *ui, const char *title, const char *body, const char *const *buttons,
             int nbuttons)
{
    KASSERT_OWNER(&ui->owner);
    float w = fminf(1000, ui->lw - 120), x = (ui->lw - w) / 2;
    float bh = body ? ui_paragraph_height(ui, w - 120, body, UI_F_BODY) : 0;
    float h = 120 + 70 + bh + 60 + 110;
    float y = (ui->lh - h) / 2;
    float bw = (w - 120 - (nbuttons - 1) * 30) / (nbuttons > 0 ? nbuttons : 1);
    int result = 0;
    struct ui_scroll *saved = ui->scroll;
    ui->scroll = NULL;
    ui_fill(ui, (struct ui_rect){0, 0, ui->lw, ui->lh}, 0x00000099u);
    /* what the scrim dims is not read while the dialog is up (ui_check) */
    for (size_t i = 0; i < ui->cur->nt; i++) ui->cur->t[i].flags |= UI_TX_UNDER;
    ui_register_widget(ui, (struct ui_rect){0, 0, ui->lw, ui->lh}, NULL, true);
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
    KASSERT_OWNER(&ui->owner);
    snprintf(ui->toast, sizeof ui->toast, "%s", text);
    ui->toast_until = ui->now + ms;
}

void ui_toast_clear(struct ui *ui)
{
    KASSERT_OWNER(&ui->owner);
    ui->toast[0] = 0;
    ui->toast_until = 0;
}

void ui_draw_overlays(struct ui *ui)
{
    KASSERT_OWNER(&ui->owner);
    if (ui->toast_until && ui->toast[0]) {
        float w = fminf(ui->lw - 120, ui_text_w(ui, ui->toast, UI_F_LARGE) + 96);
        /* under the top bar (two rows in portrait), where no keyboard is */
        struct ui_rect r = {(ui->lw - w) / 2, ui->lh > ui->lw ? 224 : 140, w, 96};
        bool wrap = ui_text_w(ui, ui->toast, UI_F_LARGE) > w - 96; /* two lines, not cut */
        float ph = wrap ? ui_paragraph_height(ui, w - 96, ui->toast, UI_F_LARGE) : 0;
        if (wrap) r.h = ph + 40;
        ui_fill_round(ui, r, wrap ? 32 : 48, 0x222222FFu);
        ui->overlay = true; /* its text covers the screen's on purpose (ui_check) */
        if (wrap)
            ui_paragraph(ui, r.x + 48, r.y + 20, w - 96, ui->toast, UI_F_LARGE, UI_C_WHITE);
        else
            ui_label_in(ui, (struct ui_rect){r.x + 48, r.y, r.w - 96, r.h}, ui->toast, UI_F_LARGE,
                        UI_C_WHITE, UI_CENTER);
        ui->overlay = false;
    }
}


/* ---- cached surfaces (maps) ---------------------------------------------- */

bool ui_surface(struct ui *ui, float x, float y, SDL_Surface *s, uint32_t serial)
{
    KASSERT_OWNER(&ui->owner);
    struct ui_rect r = ui_place(ui, (struct ui_rect){x, y, 0, 0});
    if (!ui->surface_mode) return false;
    if (!ui->dry && s)
        ui_damage_surface(ui->damage, s, serial, (int)lroundf(r.x * ui->scale),
                          (int)lroundf(r.y * ui->scale));
    return true;
}

uint32_t ui_screen_format(const struct ui *ui)
{
    KASSERT_OWNER(&ui->owner);
    return ui->screen_format;
}
