/* ui_impl: what the files of the toolkit share and nothing else sees: the
 * struct ui (all of the toolkit's state: frames, pointer, scrolling, corner
 * and keyboard caches, icons, the QR code) and the internal calls between
 * ui.c (creation, input, frames, records, queries), ui_widgets.c (drawing
 * primitives, texts, widgets, modal, toast), ui_scroll.c (scroll regions
 * and inertia), ui_kbd.c (the on-screen keyboard) and ui_qr.c. The public
 * API is ui.h. Include it only from kiosk/ui/ui*.c. UI thread only. */
#ifndef UI_IMPL_H
#define UI_IMPL_H

#include <math.h>

#include "kthread.h"
#include "ui.h"
#include "ui_damage.h"

#define UI_MAX_WIDGETS 512
#define UI_MAX_TEXTS 768
#define UI_MAX_SCROLLS 8
#define UI_ARENA_BYTES (256 * 1024)
#define UI_DRAG_SLOP 14.0f    /* logical units a finger may wobble before a drag */
#define UI_FLING_TAU_MS 325.0 /* inertia decay constant */
#define UI_MIN_VEL 0.02f      /* units per ms under which inertia stops */
#define UI_KBD_SLOTS 5        /* baked keyboards kept (1.6 MB each at 1080p) */

struct widget {
    uint32_t id;
    struct ui_rect r;    /* logical, clipped */
    struct ui_rect full; /* logical, as laid out (the touch target's size) */
    const char *label;
    bool blocker;
};

/* What the checks know of a text (ui_check.c). */
enum {
    UI_TX_CUT = 1,    /* shortened with "…" to fit */
    UI_TX_BG = 2,     /* bg is known (an opaque fill under every sampled point) */
    UI_TX_HIDDEN = 4, /* not a visible text for scripts (a baked key's label) */
    UI_TX_SCROLL = 8, /* inside a scroll region (its edge may cut it) */
    UI_TX_OVERLAY = 16, /* a toast: covers the screen for a moment, on purpose */
    UI_TX_UNDER = 32,   /* under a modal's scrim: dimmed, not for reading now */
};

struct vtext {
    struct ui_rect r;    /* logical, clipped */
    struct ui_rect full; /* logical, as drawn */
    const char *text;
    uint32_t fg;  /* colour drawn, with its alpha */
    uint32_t bg;  /* opaque colour under it of least contrast (UI_TX_BG) */
    uint8_t flags;
    uint8_t font_px; /* logical size of its font */
};

struct scroll_rec {
    uint32_t id;
    struct ui_rect r;
};

/* One frame's records: the last complete frame is used for hit tests and
 * scripts while the next one is being built. */
struct frame {
    struct widget w[UI_MAX_WIDGETS];
    size_t nw;
    struct vtext t[UI_MAX_TEXTS];
    size_t nt;
    struct scroll_rec s[UI_MAX_SCROLLS];
    size_t ns;
    char arena[UI_ARENA_BYTES];
    size_t used;
};

struct ui {
    struct kthread_owner owner; /* the UI thread: ui_create binds it */
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
    bool pointer_seen; /* a pointer went down since creation (ui_pointer_pos) */
    bool down;
    float down_x, down_y, px, py;
    uint32_t active_id;  /* widget being pressed */
    uint32_t clicked_id; /* tapped; consumed in the next frame */
    char tapped[128];    /* the label of the widget tapped last (ui_take_tapped) */
    bool tapped_new;
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
        int variant;     /* english | elder << 1: labels and colours differ */
        uint32_t serial; /* new for each bake */
        uint64_t used;
    } kbd[UI_KBD_SLOTS];
    uint32_t kbd_serial;
    uint64_t kbd_clock;
    bool baking; /* drawing into a cache: record no widgets or texts */
    bool redraw; /* a widget reported a tap: state may have changed mid-frame */
    bool dry;    /* layout and input only: nothing is drawn (see ui_begin_dry) */
    bool warming; /* a warm-up pass: dry, but keyboards are baked (see ui_warm_begin) */
    bool elder;   /* elder mode: larger text and targets, the elder theme (ui_set_elder) */
    bool english; /* the toolkit's own labels (keys) in English (ui_set_english) */
    bool checks;  /* record each text's background for ui_check (ui_set_checks) */
    bool overlay; /* drawing the toast (texts recorded UI_TX_OVERLAY) */
    float pan_x, pan_y; /* ui_pan_area: where the finger was at the last frame */
    uint32_t pan_id;
    float pinch;        /* ui_pinch_input: gathered factor */
    struct warm_saved { /* what a warm-up pass must leave as it found */
        uint32_t clicked_id;
        struct ui_scroll *scroll;
        struct ui_rect clip;
        bool clipping, animating, redraw;
    } warm;

    /* Material icon names to code points, loaded on first use (ui_icons.h). */
    struct ui_icons *icons;
    bool icons_tried;

    /* The last QR code made (ui_qr.c): tickets change rarely, so the last
     * text is enough. */
    struct {
        SDL_Texture *tex;
        char text[512];
        int side;
        uint32_t serial; /* new for each code made */
    } qr;
};

/* Logical rectangle to physical pixels. */
static inline SDL_Rect ui_phys(const struct ui *ui, struct ui_rect r)
{
    SDL_Rect p;
    p.x = (int)lroundf(r.x * ui->scale);
    p.y = (int)lroundf(r.y * ui->scale);
    p.w = (int)lroundf((r.x + r.w) * ui->scale) - p.x;
    p.h = (int)lroundf((r.y + r.h) * ui->scale) - p.y;
    return p;
}

/* Applies the scroll shift of the region being laid out. */
static inline struct ui_rect ui_place(const struct ui *ui, struct ui_rect r)
{
    if (ui->scroll) r.y -= ui->scroll->offset;
    return r;
}

/* True while the widget id is held down. */
static inline bool ui_pressed(const struct ui *ui, uint32_t id)
{
    return ui->down && ui->active_id == id;
}

/* ---- ui.c ---- */
/* Records a widget of this frame at r (already placed) for hit tests and
 * scripts; returns its id (from the label, made unique in the frame). A
 * blocker takes every tap under it (a modal). */
uint32_t ui_register_widget(struct ui *ui, struct ui_rect r, const char *label, bool blocker);
/* Records a visible text of this frame at r (already placed), drawn in
 * colour fg in font f; flags: UI_TX_CUT if it was shortened, UI_TX_HIDDEN
 * for a text the checks see but scripts do not. */
void ui_record_text(struct ui *ui, struct ui_rect r, const char *text, uint32_t fg,
                    enum ui_font f, unsigned flags);
/* The same for a text drawn on a known background bg (a baked keyboard's
 * key, which the damage list sees as one surface). */
void ui_record_text_on(struct ui *ui, struct ui_rect r, const char *text, uint32_t fg,
                       enum ui_font f, unsigned flags, uint32_t bg);
/* The colours drawn in the current theme (elder mode: ui_contrast.h). */
uint32_t ui_col_text(const struct ui *ui, uint32_t rgba);
uint32_t ui_col_fill(const struct ui *ui, uint32_t rgba);
/* True (once) if widget id was tapped; the frame then asks for a redraw. */
bool ui_take_click(struct ui *ui, uint32_t id);

/* ---- ui_widgets.c ---- */
/* ui_paragraph with record flags (UI_TX_CUT for a paragraph cut short). */
float ui_paragraph_flags(struct ui *ui, float x, float y, float w, const char *text,
                         enum ui_font f, uint32_t rgba, unsigned flags);
/* A button's background and border in style st; sets the label colour. */
void ui_button_body(struct ui *ui, struct ui_rect r, enum ui_style st, bool down, uint32_t *fg);

#endif
