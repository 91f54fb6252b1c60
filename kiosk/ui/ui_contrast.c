#include "ui_contrast.h"

#include <math.h>

/* Text at least this dark or this light, and dark fills at most this dark:
 * white on the darkest fill is 9.5:1, light text 8:1, dark text on paper
 * (0.89) 13:1. */
#define DARK_TEXT_L 0.025
#define LIGHT_TEXT_L 0.86
#define DARK_FILL_L 0.06
#define DARK_TEXT_BELOW 0.40 /* luminance under which a text counts as dark */
#define DARK_FILL_BELOW 0.30 /* and a fill */

static double lin(unsigned c8)
{
    double c = c8 / 255.0;
    return c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4);
}

static unsigned unlin(double l)
{
    double c;
    if (l <= 0) return 0;
    if (l >= 1) return 255;
    c = l <= 0.0031308 ? l * 12.92 : 1.055 * pow(l, 1 / 2.4) - 0.055;
    return (unsigned)lround(c * 255);
}

double ui_luminance(uint32_t rgba)
{
    return 0.2126 * lin(rgba >> 24) + 0.7152 * lin((rgba >> 16) & 0xFF) +
           0.0722 * lin((rgba >> 8) & 0xFF);
}

double ui_contrast_ratio(uint32_t a, uint32_t b)
{
    double la = ui_luminance(a), lb = ui_luminance(b);
    return la > lb ? (la + 0.05) / (lb + 0.05) : (lb + 0.05) / (la + 0.05);
}

uint32_t ui_blend(uint32_t over, uint32_t under)
{
    unsigned a = over & 0xFF;
    uint32_t out = 0xFF;
    for (int sh = 24; sh >= 8; sh -= 8) {
        unsigned o = (over >> sh) & 0xFF, u = (under >> sh) & 0xFF;
        out |= (uint32_t)((o * a + u * (255 - a) + 127) / 255) << sh;
    }
    return out;
}

/* The colour with its linear channels scaled so its luminance is target
 * (hue kept); alpha kept. */
static uint32_t to_luminance(uint32_t rgba, double target)
{
    double l = ui_luminance(rgba);
    uint32_t out = rgba & 0xFF;
    if (l <= 0) return rgba;
    for (int sh = 24; sh >= 8; sh -= 8) {
        double c = lin((rgba >> sh) & 0xFF) * target / l;
        out |= (uint32_t)unlin(c) << sh;
    }
    return out;
}

/* Mixes the colour towards white (linear light) until its luminance is at
 * least target; opaque. */
static uint32_t lighten(uint32_t rgba, double target)
{
    double l = ui_luminance(rgba), k;
    uint32_t out = 0xFF;
    if (l >= target) return rgba | 0xFF;
    k = (target - l) / (1 - l); /* share of white */
    for (int sh = 24; sh >= 8; sh -= 8) {
        double c = lin((rgba >> sh) & 0xFF);
        out |= (uint32_t)unlin(c + (1 - c) * k + 0.002) << sh;
    }
    return out;
}

uint32_t ui_elder_text(uint32_t rgba)
{
    double l = ui_luminance(rgba);
    if (l < DARK_TEXT_BELOW)
        return l <= DARK_TEXT_L * 1.05 ? rgba | 0xFF : to_luminance(rgba | 0xFF, DARK_TEXT_L);
    return lighten(rgba, LIGHT_TEXT_L);
}

uint32_t ui_elder_fill(uint32_t rgba)
{
    double l = ui_luminance(rgba);
    unsigned a = rgba & 0xFF;
    if (a == 0) return rgba;
    /* the darker of two dark fills stays the darker (the attract screen's two reds) */
    if (l < DARK_FILL_BELOW)
        return l <= DARK_FILL_L ? rgba
                                : to_luminance(rgba, l < 0.1 ? DARK_FILL_L * 2 / 3 : DARK_FILL_L);
    /* a light veil (a button on the red bar) is kept faint, so the text on
     * it stays on a dark ground */
    if (a < 255 && l > 0.5) return (rgba & 0xFFFFFF00u) | (a > 0x18 ? 0x18u : a);
    return rgba;
}
