/* contentcheck: the full check of a content bundle, as run by
 * `kiosk --check-content DIR` and at start-up: everything content_load()
 * checks, plus every image decodes (SDL2_image) within the size limits and
 * every string renders with the UI font (no missing glyph, SDL2_ttf on the
 * face fontfind_text() finds). Uses SDL2_ttf/SDL2_image without a window;
 * initialises TTF if needed and leaves it as it found it. One thread at a
 * time (SDL_ttf is not thread-safe). */
#ifndef CONTENTCHECK_H
#define CONTENTCHECK_H

#include <stdio.h>

#include "content.h"

/* Checks the bundle in dir with the UI font font_spec (NULL = default, see
 * fontfind_text). Prints each problem as "FILE: JSON-PATH: reason" to out
 * (one per line) and a closing line; returns 0 when valid, 1 when not
 * (including a missing font, which is reported). */
int content_check_dir(const char *dir, const char *font_spec, FILE *out);

/* A content_deep_check_fn for content_load_safe(): ud is the font spec
 * (const char *, may be NULL). Checks image decode + sizes and glyphs of
 * every string of c; adds problems to rep; KERR_OK when none, KERR_INVALID
 * when some, KERR_NOTFOUND when the font cannot be found. */
enum kerr content_check_deep(const struct content *c, struct content_report *rep, void *ud);

#endif
