/* ui_paint: drawing by hand into a 32-bit surface with 8-bit channels (the
 * window surface of the software renderer, a baked keyboard): opaque fills
 * with plain cached stores, blended fills, coverage masks painted in a
 * colour, row copies of an opaque surface. The result is what SDL's own
 * blend gives for the same colours (tests/ui/test_ui_damage.c). Pure
 * functions of their arguments: ui_damage calls them from the UI thread and
 * its paint helper at once, on disjoint rectangles. */
#ifndef UI_PAINT_H
#define UI_PAINT_H

#include <SDL.h>
#include <stdint.h>

/* Fills v (inside s) with rgba (0xRRGGBBAA), blended by its alpha. */
void ui_paint_fill(SDL_Surface *s, const SDL_Rect *v, uint32_t rgba);

/* Paints the coverage mask placed at dst (rows of pitch bytes, one byte a
 * pixel), clipped to v (inside dst and s), in colour rgba; its alpha scales
 * the coverage. */
void ui_paint_mask(SDL_Surface *s, const uint8_t *mask, int pitch, const SDL_Rect *dst,
                   const SDL_Rect *v, uint32_t rgba);

/* Copies the pixels of src placed at dst, clipped to v (inside dst and s),
 * into s: src must be opaque, unlocked and in s's 4-byte format. */
void ui_paint_copy(SDL_Surface *s, const SDL_Surface *src, const SDL_Rect *dst, const SDL_Rect *v);

#endif
