/* ui: the kiosk's touch toolkit. Widgets are function calls made every frame
 * (immediate mode: `if (ui_button(ui, r, "提交", UI_PRIMARY)) ...`); screens
 * keep their own state (scroll positions, keyboard layout). Layout is in
 * logical units: the short side of the display is 1080 units, so landscape is
 * 1920x1080 and portrait 1080x1920 at any resolution; text is rasterised at
 * the physical size, once, through ui_text. Input is pushed in by the app loop
 * (pointer down/move/up in physical pixels, from mouse or finger); hit tests
 * use the widgets of the last drawn frame, topmost first. Every widget and
 * every visible string of a frame is recorded so that the scenario runner can
 * find "the visible widget whose label is TEXT". UI thread only: ui_create
 * binds the ui to the calling thread and every ui_* call that takes it checks
 * that (KASSERT_OWNER, kiosk/base/kthread.h: a debug build aborts). All of
 * the toolkit's state is in struct ui (no file-level state). Implemented by
 * ui.c (core), ui_widgets.c, ui_scroll.c and ui_kbd.c (ui_impl.h). */
#ifndef UI_H
#define UI_H

#include <SDL.h>
#include <stdbool.h>
#include <stdint.h>

#include "kerr.h"
#include "ui_text.h"

struct ui;

struct ui_rect {
    float x, y, w, h;
};

/* Theme colours, 0xRRGGBBAA. */
#define UI_C_BG 0xF6F2ECFFu      /* warm paper */
#define UI_C_SURFACE 0xFFFFFFFFu /* cards */
#define UI_C_RED 0xB7191FFFu     /* Party red: top bar, primary buttons */
#define UI_C_RED_DARK 0x8E1217FFu
#define UI_C_GOLD 0xD9A441FFu
#define UI_C_TEXT 0x1F1F1FFFu
#define UI_C_MUTED 0x5F5A55FFu
#define UI_C_LINE 0xDDD6CCFFu
#define UI_C_WHITE 0xFFFFFFFFu
#define UI_C_OK 0x2E7D32FFu
#define UI_C_WARN 0x995C00FFu  /* 5.4:1 on white, 4.8:1 on paper */
#define UI_C_ERR 0xC62828FFu

enum ui_align { UI_LEFT = 0, UI_CENTER = 1, UI_RIGHT = 2 };

enum ui_style { UI_PRIMARY, UI_SECONDARY, UI_GHOST, UI_CHIP, UI_KEY, UI_ON_RED };

/* Creates the toolkit on renderer r for a display of phys_w x phys_h pixels.
 * text must outlive the ui. Returns KERR_NOMEM on allocation failure. */
enum kerr ui_create(SDL_Renderer *r, struct ui_text *text, int phys_w, int phys_h,
                    struct ui **out);
void ui_destroy(struct ui *ui);

/* Logical size (1920x1080 or 1080x1920 for 16:9) and scale (phys/logical). */
float ui_width(const struct ui *ui);
float ui_height(const struct ui *ui);
float ui_scale(const struct ui *ui);
bool ui_portrait(const struct ui *ui);
struct ui_text *ui_texts(struct ui *ui);
SDL_Renderer *ui_renderer(struct ui *ui);

/* ---- elder mode, language, checks ----------------------------------------
 * Elder mode (长辈模式) is a property of the toolkit, so every screen has it:
 * every font is 1.4 times as large (ui_text_set_elder; nothing under 34
 * logical px), every colour drawn goes through the elder theme
 * (ui_contrast.h: text at least 7:1 on its ground), keyboards have keys of
 * at least UI_MIN_TARGET_ELDER. Screens read ui_elder to reflow (fewer
 * columns, taller rows, scrolling) and ui_min_target for the size of what
 * they make tappable. Switching redraws everything. */
#define UI_MIN_TARGET 64.0f        /* logical px, both dimensions */
#define UI_MIN_TARGET_ELDER 96.0f  /* 60 dp at 1.6 px a dp */
void ui_set_elder(struct ui *ui, bool on);
bool ui_elder(const struct ui *ui);
float ui_min_target(const struct ui *ui);
/* The toolkit's own labels (keyboard keys) in English (Delete, Clear,
 * Space) or Chinese (删除, 清空, 空格). */
void ui_set_english(struct ui *ui, bool on);
/* Record, for each text, the colour under it (ui_check.h): costs a scan of
 * the frame's fills per text, so it is on only for checks. */
void ui_set_checks(struct ui *ui, bool on);

/* Pointer input in physical pixels; now_ms on the app's clock. */
void ui_pointer_down(struct ui *ui, float px, float py, uint64_t now_ms);
void ui_pointer_move(struct ui *ui, float px, float py, uint64_t now_ms);
void ui_pointer_up(struct ui *ui, float px, float py, uint64_t now_ms);

/* Forgets the finger that is down: its release taps nothing and drags
 * nothing (the shell's hidden admin gesture took the press). */
void ui_pointer_cancel(struct ui *ui);
/* Where the pointer was last (down, move or up), logical units; false
 * before any pointer event. The admin panel's touch check reads it. */
bool ui_pointer_pos(const struct ui *ui, float *x, float *y);

/* True while something moves by itself (inertia): the app keeps drawing. */
bool ui_animating(const struct ui *ui);
/* True after a frame in which a widget reported a tap: what was drawn
 * before the tap was handled may be stale, so the app draws again. */
bool ui_needs_redraw(const struct ui *ui);
/* The next time (app clock) at which the ui must redraw by itself (a toast
 * expiring), or UINT64_MAX. */
uint64_t ui_next_deadline(const struct ui *ui);

/* Frame bracket: begin clears the per-frame records; end draws what
 * changed since the last frame (ui_damage.h: on a software renderer only
 * the changed cells are drawn again). */
void ui_begin(struct ui *ui, uint64_t now_ms);
void ui_end(struct ui *ui);

/* The next frame draws the whole screen: call it when the window was
 * exposed or resized, render targets were lost, or the screen changed. */
void ui_invalidate(struct ui *ui);

/* Every frame draws the whole screen, as on a GPU renderer (for tests that
 * compare it with the redraw of changes only: KIOSK_FULL_REDRAW=1). */
void ui_full_redraw(struct ui *ui);

/* Pixels the last frame drew, and (total_px) the screen's pixels. */
size_t ui_redrawn_px(const struct ui *ui, size_t *total_px);

/* A frame that lays out and takes input but draws nothing: when a tap is
 * pending the app runs one, so the screen the tap leads to is the first
 * one drawn (the tap's latency does not include drawing the old screen). */
void ui_begin_dry(struct ui *ui, uint64_t now_ms);
/* A warm-up pass, for idle time: the calls between ui_warm_begin and
 * ui_warm_end lay out, compose their texts into the text cache and bake
 * their keyboards into the keyboard slots, and do nothing else: nothing is drawn, no widget or text is recorded, no tap is
 * reported, and the frame, scroll and animation state of the screen on show
 * is left as it was. Between frames only. Returns false, and starts
 * nothing, while a finger is down or something moves (then try later). */
bool ui_warm_begin(struct ui *ui);
void ui_warm_end(struct ui *ui);
/* True between ui_warm_begin and ui_warm_end: a widget with work of its own
 * (a map's cache, a worker) starts none then and only lays out its texts. */
bool ui_warming(const struct ui *ui);
/* True when a tap waits to be reported by its widget in the next frame. */
bool ui_click_pending(const struct ui *ui);

/* Drawing primitives (logical units). */
void ui_fill(struct ui *ui, struct ui_rect r, uint32_t rgba);
void ui_fill_round(struct ui *ui, struct ui_rect r, float radius, uint32_t rgba);
/* tex scaled to r. A texture whose pixels change while it is shown must
 * come through ui_image_id with a new serial each time they change. */
void ui_image(struct ui *ui, struct ui_rect r, SDL_Texture *tex);
void ui_image_id(struct ui *ui, struct ui_rect r, SDL_Texture *tex, uint32_t serial);

/* A line of text with its top-left (UI_LEFT), top-centre or top-right at
 * (x, y). Returns its width in logical units. The text is recorded as
 * visible. */
float ui_label(struct ui *ui, float x, float y, const char *text, enum ui_font f, uint32_t rgba,
               enum ui_align align);
/* A line of text centred vertically in r with the given horizontal align;
 * cut with "…" if wider than r. */
void ui_label_in(struct ui *ui, struct ui_rect r, const char *text, enum ui_font f, uint32_t rgba,
                 enum ui_align align);
/* Like ui_label_in, but steps down from font largest (CLOCK, HUGE, TITLE, LARGE,
 * BODY, SMALL) until the text fits before cutting it. */
void ui_label_fit(struct ui *ui, struct ui_rect r, const char *text, enum ui_font largest,
                  uint32_t rgba, enum ui_align align);
/* A wrapped paragraph of width w at (x, y); returns its height. */
float ui_paragraph(struct ui *ui, float x, float y, float w, const char *text, enum ui_font f,
                   uint32_t rgba);
/* A paragraph cut to max_lines lines, the last ending in "…" if cut. */
float ui_paragraph_lines(struct ui *ui, float x, float y, float w, const char *text,
                         enum ui_font f, uint32_t rgba, int max_lines);
/* How many lines of a paragraph in font f fit in height h (at least 1). */
int ui_paragraph_fit_lines(struct ui *ui, enum ui_font f, float h);
/* Height a paragraph would take, without drawing it (cached texture). */
float ui_paragraph_height(struct ui *ui, float w, const char *text, enum ui_font f);
float ui_text_w(struct ui *ui, const char *text, enum ui_font f);
/* The height of one line of font f in logical units (elder mode counted):
 * what a label takes, for layouts that stack texts. */
float ui_line_h(struct ui *ui, enum ui_font f);
/* A Material icon by name centred on (cx, cy). */
void ui_icon(struct ui *ui, float cx, float cy, const char *name, enum ui_font f, uint32_t rgba);

/* Widgets: each returns true in the frame after it was tapped (pressed and
 * released inside, without a drag). Pressed state shows while held. */
bool ui_button(struct ui *ui, struct ui_rect r, const char *label, enum ui_style style);
/* The label of the widget a tap landed on since the last call (a tile's
 * title, a row's, a button's), copied into out; false when none (语音播报
 * reads it out). */
bool ui_take_tapped(struct ui *ui, char *out, size_t n);
bool ui_button_icon(struct ui *ui, struct ui_rect r, const char *icon, const char *label,
                    enum ui_style style);
bool ui_tile(struct ui *ui, struct ui_rect r, const char *icon, const char *title,
             const char *subtitle, uint32_t rgba);
/* A list row: title, optional subtitle, optional leading icon, a chevron. */
bool ui_row(struct ui *ui, struct ui_rect r, const char *icon, const char *title,
            const char *subtitle);
/* The height to give a row that is h tall in standard mode: in elder mode
 * at least what its larger title and (subtitle) two lines of subtitle take. */
float ui_row_h(struct ui *ui, float h, bool subtitle);
/* An invisible tap area (e.g. the whole attract screen), labelled for scripts. */
bool ui_hit_area(struct ui *ui, struct ui_rect r, const char *label);

/* Scrollable region with touch drag and inertia. The state is the screen's;
 * zero it on enter. Between begin and end, widgets are laid out from r.y as
 * if unscrolled; the ui shifts and clips them. end takes the content height. */
struct ui_scroll {
    float offset, vel, content_h, view_h;
    uint64_t last_ms;
    uint32_t id;
};
void ui_scroll_begin(struct ui *ui, struct ui_scroll *s, struct ui_rect r);
void ui_scroll_end(struct ui *ui, struct ui_scroll *s, float content_h);
/* Lets a screen jump (e.g. back to the top after a new search). */
void ui_scroll_reset(struct ui_scroll *s);

/* A modal dialog over everything drawn before it; the rest of the screen
 * takes no taps while it shows. Returns 0, or 1 + the index of the tapped
 * button. */
int ui_modal(struct ui *ui, const char *title, const char *body, const char *const *buttons,
             int nbuttons);

/* A short message at the bottom of the screen for ms milliseconds. */
void ui_toast(struct ui *ui, const char *text, uint32_t ms);
/* Drops the toast (session wipe). */
void ui_toast_clear(struct ui *ui);
/* Draws toasts; the app calls it last in a frame. */
void ui_draw_overlays(struct ui *ui);

/* On-screen keyboard. Key labels are what a script types: "a".."z", "0".."9",
 * and the named keys 删除 (backspace), 清空 (clear), 空格 (space), in
 * English Delete, Clear, Space (ui_key_label). In elder mode a letters
 * keyboard narrower than ten 96-px keys grows about its centre, inside the
 * screen. */
enum ui_kbd_layout { UI_KBD_LETTERS, UI_KBD_DIGITS };
enum ui_key_kind { UI_KEY_NONE, UI_KEY_CHAR, UI_KEY_BACKSPACE, UI_KEY_CLEAR, UI_KEY_SPACE };
struct ui_key {
    enum ui_key_kind kind;
    char text[8];
};
/* Draws the keyboard in r; returns true with *out set when a key was tapped. */
bool ui_keyboard(struct ui *ui, struct ui_rect r, enum ui_kbd_layout layout, struct ui_key *out);
/* Applies a key to an ASCII field buf of cap bytes (type, space, delete,
 * clear). Returns 1 if buf changed, 0 if not, -1 if a character did not fit. */
int ui_key_apply(const struct ui_key *k, char *buf, size_t cap);
/* Height the keyboard wants at width w (taller in elder mode). */
float ui_keyboard_height(const struct ui *ui, enum ui_kbd_layout layout, float w);
/* The width a keyboard given w will take: wide enough for ten keys of a
 * target's size (ui_min_target), at most the screen's width. */
float ui_keyboard_width(const struct ui *ui, enum ui_kbd_layout layout, float w);
/* The label of a named key in the current language ("" for others). */
const char *ui_key_label(const struct ui *ui, enum ui_key_kind kind);

/* ---- maps: free drag, pinch, cached surfaces ----------------------------
 * A pan area is a widget labelled label (scripts can tap it): while the
 * finger that went down on it moves, returns true with the movement since
 * the last frame in logical units (*dx, *dy). Widgets drawn after it on
 * top (buttons) still take their taps. */
bool ui_pan_area(struct ui *ui, struct ui_rect r, const char *label, float *dx, float *dy);
/* The shell pushes a two-finger pinch: factor > 1 spreads (zoom in). */
void ui_pinch_input(struct ui *ui, float factor);
/* The pinch factor gathered since the last call (1 = none), then reset. */
float ui_pinch_take(struct ui *ui);
/* An opaque 32-bit surface in the screen's format (ui_screen_format)
 * drawn with its top-left at (x, y) logical, unscaled; serial as for
 * ui_image_id. Surface mode only: returns false (nothing drawn) on a GPU
 * renderer, where the caller draws a texture with ui_image_id instead. The
 * surface must stay valid until the frame ends. */
bool ui_surface(struct ui *ui, float x, float y, SDL_Surface *s, uint32_t serial);
/* SDL pixel format of the screen's surface (for ui_surface). */
uint32_t ui_screen_format(const struct ui *ui);

/* For the scenario runner: the centre (logical) of the topmost visible
 * widget of the last frame whose label is exactly label. */
bool ui_find_widget(const struct ui *ui, const char *label, float *cx, float *cy);
/* True if a visible text of the last frame contains needle. */
bool ui_text_visible(const struct ui *ui, const char *needle);
/* Calls fn for each visible text of the last frame (diagnostics). */
void ui_each_text(const struct ui *ui, void (*fn)(const char *text, void *ud), void *ud);
/* Same for widget labels. */
void ui_each_widget(const struct ui *ui, void (*fn)(const char *label, void *ud), void *ud);

#endif
