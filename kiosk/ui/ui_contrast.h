/* ui_contrast: colour arithmetic for legibility, pure functions on
 * 0xRRGGBBAA colours (any thread). The WCAG 2 relative luminance and
 * contrast ratio; alpha compositing; and the elder-mode theme, which the
 * toolkit applies to every colour a screen draws with, so every screen (and
 * every screen added later) gets it without work: dark fills (the Party red,
 * tile colours) get darker, dark text gets nearly black, light text on dark
 * opaque and near white, so text reaches 7:1 on its background. */
#ifndef UI_CONTRAST_H
#define UI_CONTRAST_H

#include <stdint.h>

/* WCAG 2 relative luminance of the colour's RGB (alpha ignored), 0..1. */
double ui_luminance(uint32_t rgba);
/* WCAG 2 contrast ratio of two colours' RGB (alpha ignored), 1..21. */
double ui_contrast_ratio(uint32_t a, uint32_t b);
/* over (with its alpha) composited on under (taken as opaque); the result
 * is opaque. */
uint32_t ui_blend(uint32_t over, uint32_t under);
/* The elder theme: the colour to draw a text (or icon) in, and the colour
 * to fill with. The text colour is idempotent; the fill is not quite (a
 * fill just over 0.06 of luminance goes to 0.04, so the darker of two reds
 * stays the darker): apply it once per colour drawn. */
uint32_t ui_elder_text(uint32_t rgba);
uint32_t ui_elder_fill(uint32_t rgba);

#endif
