/* ui_text: the kiosk's fonts and its text cache. A string (or a wrapped
 * paragraph) is composed once from a glyph cache (SDL_ttf's own holds 256
 * glyphs, far too few for Chinese; SDL_ttf's renderer is only the fallback)
 * into a coverage mask, and kept in an LRU cache keyed by (font, width,
 * colour, text). Paragraphs wrap with Chinese line-breaking rules (no line
 * starts with ，。、）」 etc., none ends with （「《 etc.). In mask mode (the
 * software renderer) the mask itself is kept, one byte per pixel, keyed by
 * the colour's alpha only and painted in the caller's colour when drawn;
 * otherwise it becomes a texture in its final colour. Owned by the UI
 * thread; not thread-safe. */
#ifndef UI_TEXT_H
#define UI_TEXT_H

#include <SDL.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kerr.h"

enum ui_font {
    UI_F_SMALL,   /* 24 logical px: captions, hints */
    UI_F_BODY,    /* 30: paragraphs, list rows */
    UI_F_LARGE,   /* 38: buttons, row titles */
    UI_F_TITLE,   /* 50 bold: screen titles, tile labels */
    UI_F_HUGE,    /* 72 bold: district name, ticket numbers */
    UI_F_CLOCK,   /* 180: attract clock */
    UI_F_ICON,    /* 48: Material Icons */
    UI_F_ICON_L,  /* 96: Material Icons on tiles */
    UI_F__COUNT
};

struct ui_text;

struct ui_text_config {
    const char *font_spec; /* NULL: Noto Sans CJK SC via fontconfig */
    const char *bold_spec; /* NULL: Noto Sans CJK SC Bold, else regular */
    const char *icon_spec; /* NULL: Material Icons via fontconfig */
    size_t cache_bytes;    /* texture budget; 0: 32 MiB */
};

/* Opens every font at its size times scale (physical px per logical px).
 * Returns KERR_NOTFOUND if a font file cannot be found or opened; nothing is
 * allocated then. TTF_Init must have been called. */
enum kerr ui_text_create(SDL_Renderer *r, const struct ui_text_config *cfg, float scale,
                         struct ui_text **out);

void ui_text_destroy(struct ui_text *t);

/* Mask mode: strings are kept as coverage masks of one byte per pixel and
 * drawn by hand (ui_damage surface mode) instead of as textures of four.
 * Switching drops the cache. */
void ui_text_use_masks(struct ui_text *t, bool on);
bool ui_text_masks(const struct ui_text *t);

/* Elder mode: every public call's font stands for one 1.4 times as large
 * (SMALL 34, BODY 42, LARGE 53, TITLE 70, HUGE 100 logical px; the clock
 * as it is). Both sets stay cached, so switching costs nothing already
 * rasterised. The caller (ui_set_elder) redraws everything. */
void ui_text_set_elder(struct ui_text *t, bool on);
bool ui_text_elder(const struct ui_text *t);
/* Logical pixel size of font f now (elder mode counted). */
int ui_text_font_px(const struct ui_text *t, enum ui_font f);

/* Drops every cached texture and reopens the fonts at a new scale. */
enum kerr ui_text_set_scale(struct ui_text *t, float scale);

/* A cached texture: w and h in physical pixels. Valid until the next call
 * that may evict (any ui_text_get); do not keep it across frames. */
struct ui_text_tex {
    SDL_Texture *tex;    /* texture mode */
    const uint8_t *mask; /* mask mode: w x h coverage, paint it in rgba */
    uint32_t rgba;
    int w, h;
    uint32_t serial; /* unique per texture made: a freed texture's address may come back */
};

/* The texture of text in font and colour rgba (0xRRGGBBAA), wrapped at
 * max_w physical px (0: one line, '\n' still breaks). Rasterises only on a
 * cache miss. Returns false (and a zero-sized tex) for empty text or when SDL
 * fails (logged once). */
bool ui_text_get(struct ui_text *t, enum ui_font f, const char *text, int max_w, uint32_t rgba,
                 struct ui_text_tex *out);

/* Width in physical px of text on one line, from cached glyph advances. */
int ui_text_width(struct ui_text *t, enum ui_font f, const char *text);

/* Line height in physical px. */
int ui_text_line_height(struct ui_text *t, enum ui_font f);

/* Splits text into lines no wider than max_w physical px following the
 * line-breaking rules; writes up to max byte offsets of line starts into
 * starts (starts[0] == 0) and returns the line count (may exceed max: then
 * only the first max are written). Exposed for tests. */
size_t ui_text_wrap(struct ui_text *t, enum ui_font f, const char *text, int max_w,
                    size_t *starts, size_t max);

/* True if the text face has a glyph for cp. */
bool ui_text_has_glyph(struct ui_text *t, uint32_t cp);

/* Cache statistics, for the benchmark and tests. */
struct ui_text_stats {
    uint64_t hits, misses, rasterised_bytes;
    size_t entries, bytes, budget; /* budget: bytes kept before the LRU evicts */
    size_t glyphs, glyph_bytes; /* the glyph cache strings are composed from */
};
void ui_text_stats(const struct ui_text *t, struct ui_text_stats *out);

/* Rasterises the glyphs of text in font f into the glyph cache (strings are
 * composed from it, so a new string made of known glyphs costs no FreeType
 * work). For idle time after start-up. Returns how many glyphs were new. */
size_t ui_text_prewarm(struct ui_text *t, enum ui_font f, const char *text);

/* Marks the start of a frame (LRU clock). */
void ui_text_frame(struct ui_text *t);

/* True for code points that may not start a line (closing punctuation). */
bool ui_text_no_line_start(uint32_t cp);
/* True for code points that may not end a line (opening punctuation). */
bool ui_text_no_line_end(uint32_t cp);

#endif
