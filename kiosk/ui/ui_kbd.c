/* The on-screen keyboard: letters or digits, drawn once per layout and size
 * into a slot (a surface or a texture, UI_KBD_SLOTS kept) and copied each
 * frame, with only a pressed key drawn on top. */
#include "ui_impl.h"

#include <string.h>

/* ---- keyboard --------------------------------------------------------- */

/* Elder mode: ten keys of a target's size and eleven 6 px gaps. */
#define KBD_ELDER_W (10 * UI_MIN_TARGET_ELDER + 11 * 6 + 4)

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

float ui_keyboard_height(const struct ui *ui, enum ui_kbd_layout layout, float w)
{
    KASSERT_OWNER(&ui->owner);
    (void)w;
    /* elder: keys at least 96 tall even at 0.88 of this (the pinyin keyboard) */
    if (ui->elder) return layout == UI_KBD_DIGITS ? 4 * 124 : 5 * 124;
    return layout == UI_KBD_DIGITS ? 4 * 104 : 5 * 100;
}

float ui_keyboard_width(const struct ui *ui, enum ui_kbd_layout layout, float w)
{
    KASSERT_OWNER(&ui->owner);
    /* ten keys of a target's size a row, at most the screen's width */
    float need = ui->elder ? KBD_ELDER_W : 10 * UI_MIN_TARGET + 11 * 10 + 4;
    if (layout == UI_KBD_LETTERS && w < need) return fminf(ui->lw, need);
    return w;
}

const char *ui_key_label(const struct ui *ui, enum ui_key_kind kind)
{
    KASSERT_OWNER(&ui->owner);
    switch (kind) {
    case UI_KEY_BACKSPACE:
        return ui->english ? "Delete" : "删除";
    case UI_KEY_CLEAR:
        return ui->english ? "Clear" : "清空";
    case UI_KEY_SPACE:
        return ui->english ? "Space" : "空格";
    case UI_KEY_CHAR:
    case UI_KEY_NONE:
        break;
    }
    return "";
}

static void key_draw(struct ui *ui, struct ui_rect r, const char *label, bool down)
{
    uint32_t fg;
    ui_button_body(ui, r, UI_KEY, down, &fg);
    ui_label_in(ui, (struct ui_rect){r.x + 8, r.y, r.w - 16, r.h}, label, UI_F_BODY, fg, UI_CENTER);
}

/* A key's label for the checks: the keyboard is one baked surface, so its
 * labels are recorded on the key's known colour (not visible to scripts:
 * `expect_no_text "a"` is about the screen, not the keys). */
static void key_record(struct ui *ui, struct ui_rect r, const char *label)
{
    struct ui_rect p = ui_place(ui, r);
    float tw = ui_text_w(ui, label, UI_F_BODY), th;
    th = ui_text_line_height(ui->text, UI_F_BODY) / ui->scale;
    ui_record_text_on(ui, (struct ui_rect){p.x + (p.w - tw) / 2, p.y + (p.h - th) / 2, tw, th},
                      label, ui_col_text(ui, UI_C_TEXT), UI_F_BODY,
                      UI_TX_HIDDEN | (tw > r.w - 16 ? UI_TX_CUT : 0),
                      ui_col_fill(ui, UI_C_SURFACE));
}

static bool key(struct ui *ui, struct ui_rect r, const char *label, enum ui_key_kind kind,
                const char *text, struct ui_key *out)
{
    uint32_t id;
    if (ui->baking) {
        key_draw(ui, r, label, false);
        return false;
    }
    id = ui_register_widget(ui, ui_place(ui, r), label, false);
    if (ui->checks && !ui->dry) key_record(ui, r, label);
    if (ui_pressed(ui, id)) key_draw(ui, r, label, true);
    if (ui_take_click(ui, id)) {
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
    const float gap = ui->elder ? 6 : 10;
    if (layout == UI_KBD_DIGITS) {
        const char *const pad[12] = {"1", "2", "3", "4", "5", "6",
                                     "7", "8", "9", ui_key_label(ui, UI_KEY_CLEAR), "0",
                                     ui_key_label(ui, UI_KEY_BACKSPACE)};
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
            hitk |= key(ui, k, ui_key_label(ui, UI_KEY_BACKSPACE), UI_KEY_BACKSPACE, NULL, out);
        }
    }
    {
        float y = r.y + gap + 4 * (kh + gap);
        float cw = 2 * kw + gap;
        struct ui_rect c = {r.x + gap, y, cw, kh};
        struct ui_rect s = {r.x + 2 * gap + cw, y, r.w - 3 * gap - cw, kh};
        hitk |= key(ui, c, ui_key_label(ui, UI_KEY_CLEAR), UI_KEY_CLEAR, NULL, out);
        hitk |= key(ui, s, ui_key_label(ui, UI_KEY_SPACE), UI_KEY_SPACE, " ", out);
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
    int variant = (ui->english ? 1 : 0) | (ui->elder ? 2 : 0);
    for (int i = 0; i < UI_KBD_SLOTS; i++) {
        struct kbd_slot *c = &ui->kbd[i];
        if ((c->tex || c->surf) && c->layout == (int)layout && c->w == p->w && c->h == p->h &&
            c->variant == variant) {
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
    k->variant = variant;
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
    KASSERT_OWNER(&ui->owner);
    SDL_Rect p;
    struct kbd_slot *k;
    if (ui_keyboard_width(ui, layout, r.w) > r.w) {
        /* elder: ten keys a row need the width; the keyboard grows about its
         * centre, inside the screen */
        float w = ui_keyboard_width(ui, layout, r.w), cx = r.x + r.w / 2;
        r.x = fminf(fmaxf(0, cx - w / 2), ui->lw - w);
        r.w = w;
    }
    p = ui_phys(ui, ui_place(ui, r));
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

