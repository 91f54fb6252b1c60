/* ui_damage: redraw only what changed.
 *
 * A frame's drawing is recorded as a list of fills and texture copies. At
 * the end of the frame the screen is cut into 32 px cells; each cell gets a
 * hash of the draws that touch it, in order. Only cells whose hash differs
 * from the previous frame's are drawn again: the list is replayed clipped to
 * those cells, merged into rectangles. The result is pixel for pixel what a
 * full redraw gives (tests/ui checks this on random frames), because every
 * draw that reaches a changed cell is replayed there, from the background up.
 *
 * This needs a renderer that keeps the last frame's pixels (SDL's software
 * renderer draws into the window surface). For other renderers make the
 * damage with retained = false: the whole list is drawn every frame.
 *
 * Surface mode (software renderers): fills and coverage masks are drawn by
 * hand straight into the surface the renderer draws into, and surfaces are
 * blitted there; only texture copies go through the renderer. A text is
 * then a mask of one byte per pixel instead of a texture of four, and a
 * blend touches only the pixels that have ink.
 *
 * Textures are told apart by address and a serial the caller gives: a
 * texture whose pixels change, or a freed texture whose address comes back,
 * must come with a new serial (or call ui_damage_invalidate). UI thread. */
#ifndef UI_DAMAGE_H
#define UI_DAMAGE_H

#include <SDL2/SDL.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kerr.h"

struct ui_damage;

#define UI_DAMAGE_CELL 32 /* px */

struct ui_damage_stats {
    size_t draws;      /* fills and copies recorded in the last frame */
    size_t rects;      /* rectangles redrawn */
    size_t px_redrawn; /* pixels inside them */
    size_t px_total;   /* pixels of the screen */
};

/* A recorder for renderer r whose output is w x h px. retained: r keeps
 * its pixels between frames, so only changed cells are drawn. surface_mode:
 * draw by hand into screen, the 32-bit surface r draws into (NULL: r's
 * window's surface, fetched at each flush). Returns KERR_NOMEM on
 * allocation failure. */
enum kerr ui_damage_create(SDL_Renderer *r, int w, int h, bool retained, bool surface_mode,
                          SDL_Surface *screen, struct ui_damage **out);
void ui_damage_destroy(struct ui_damage *d);

/* Surface mode shares a redraw of at least min_px pixels (default an
 * eighth of a 1080p screen) with a helper thread, started at the first such
 * redraw: tiles are taken by whichever thread is free, so the two cores of
 * a kiosk draw a new screen in about half the time. 0: never (and stops the
 * thread). Pixels are the same either way. */
void ui_damage_set_helper(struct ui_damage *d, size_t min_px);

/* A tap or a key came: a frame, maybe a new screen, follows. Wakes the
 * helper thread now and keeps it awake for a few ms, so that it is running
 * when the frame is painted (waking an idle core took 1-4 ms on the test
 * VM). No-op when the helper is off. */
void ui_damage_prewake(struct ui_damage *d);

/* retained as in ui_damage_create; false draws the whole list every frame. */
void ui_damage_set_retained(struct ui_damage *d, bool retained);

/* Starts a frame: forgets the last frame's list (not its cell hashes). */
void ui_damage_begin(struct ui_damage *d);

/* While direct is set, draws are not recorded but done at once: into
 * target (a 32-bit surface) in surface mode, else to the renderer's current
 * target texture. The frame's clip is put back when direct ends. */
void ui_damage_direct(struct ui_damage *d, bool direct, SDL_Surface *target);

/* Clip rectangle for the draws that follow; NULL for none. */
void ui_damage_clip(struct ui_damage *d, const SDL_Rect *clip);

/* A filled rectangle in colour rgba (0xRRGGBBAA); blended when alpha < 255. */
void ui_damage_fill(struct ui_damage *d, const SDL_Rect *r, uint32_t rgba);

/* A copy of the whole of tex (blend mode as set on tex) to dst, with colour
 * and alpha modulation mod (0xRRGGBBAA; 0xFFFFFFFF for none). serial tells
 * apart textures that reuse an address (see above). */
void ui_damage_copy(struct ui_damage *d, SDL_Texture *tex, uint32_t serial, const SDL_Rect *dst,
                    uint32_t mod);

/* Coverage mask (one byte per pixel, rows of pitch bytes, dst->w x dst->h)
 * in colour rgba, whose alpha scales the coverage. Surface mode only. The
 * mask must stay valid until the flush; serial as for copies. */
void ui_damage_mask(struct ui_damage *d, const uint8_t *mask, int pitch, uint32_t serial,
                    const SDL_Rect *dst, uint32_t rgba);

/* The same for a mask that is part of a filled shape (a rounded corner):
 * drawn alike, but ui_damage_colour_at counts its inside as a fill. */
void ui_damage_mask_shape(struct ui_damage *d, const uint8_t *mask, int pitch, uint32_t serial,
                          const SDL_Rect *dst, uint32_t rgba);

/* A blit of the whole of surf (its own blend mode) with its top-left at
 * (x, y). Surface mode only; serial as for copies. */
void ui_damage_surface(struct ui_damage *d, SDL_Surface *surf, uint32_t serial, int x, int y);

/* The colour at pixel (x, y) as this frame's list stands now, from its
 * fills: the topmost opaque fill there with the translucent fills above it
 * blended on (masks, i.e. texts and rounded corners, are looked through).
 * False where the topmost draw is a copy or a surface (an image, a map, a
 * keyboard) or nothing was drawn. For the legibility checks (ui_check). */
bool ui_damage_colour_at(const struct ui_damage *d, int x, int y, uint32_t *rgb);

/* The next flush redraws the whole screen (a window that was exposed or
 * resized, a lost render target, a new screen). */
void ui_damage_invalidate(struct ui_damage *d);

/* Draws what changed since the last flush (everything if not retained or
 * invalidated) and leaves the renderer's clip unset. Returns the pixels
 * drawn; st, if not NULL, gets the frame's figures. */
size_t ui_damage_flush(struct ui_damage *d, struct ui_damage_stats *st);

#endif
