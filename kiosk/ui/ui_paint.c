#include "ui_paint.h"

#include <stdbool.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* Blends colour (r, g, b) with coverage a (0..255) over a pixel whose 8-bit
 * channels sit at bit 16, 8 and 0 (ARGB8888, XRGB8888): red and blue in one
 * multiply, green in another; a = 255 gives the colour exactly. */
static inline Uint32 blend_888(Uint32 px, Uint32 rb, Uint32 g, uint32_t a)
{
    uint32_t w = a + (a >> 7), iw = 256 - w; /* 0..256 */
    Uint32 drb = px & 0xFF00FFu, dg = px & 0x00FF00u;
    Uint32 orb = ((rb * w + drb * iw) >> 8) & 0xFF00FFu;
    Uint32 og = ((g * w + dg * iw) >> 8) & 0x00FF00u;
    return (px & 0xFF000000u) | orb | og;
}

/* The same for any 32-bit layout with 8-bit channels. */
static inline Uint32 blend_any(Uint32 px, const SDL_PixelFormat *f, uint32_t r, uint32_t g,
                               uint32_t b, uint32_t a)
{
    uint32_t w = a + (a >> 7), iw = 256 - w;
    uint32_t dr = (px >> f->Rshift) & 0xFF, dg = (px >> f->Gshift) & 0xFF,
             db = (px >> f->Bshift) & 0xFF;
    Uint32 keep = px & ~(f->Rmask | f->Gmask | f->Bmask);
    return keep | ((r * w + dr * iw) >> 8) << f->Rshift | ((g * w + dg * iw) >> 8) << f->Gshift |
           ((b * w + db * iw) >> 8) << f->Bshift;
}

static bool is_888(const SDL_PixelFormat *f)
{
    return f->Rshift == 16 && f->Gshift == 8 && f->Bshift == 0 && f->Rmask == 0xFF0000u &&
           f->Gmask == 0xFF00u && f->Bmask == 0xFFu;
}

/* n pixels of px with ordinary (cached) 16-byte stores. */
static void fill_row(Uint32 *row, Uint32 px, int n)
{
    int x = 0;
#ifdef __SSE2__
    __m128i v4 = _mm_set1_epi32((int)px);
    for (; x + 16 <= n; x += 16) {
        _mm_storeu_si128((__m128i *)(row + x), v4);
        _mm_storeu_si128((__m128i *)(row + x + 4), v4);
        _mm_storeu_si128((__m128i *)(row + x + 8), v4);
        _mm_storeu_si128((__m128i *)(row + x + 12), v4);
    }
    for (; x + 4 <= n; x += 4) _mm_storeu_si128((__m128i *)(row + x), v4);
#endif
    for (; x < n; x++) row[x] = px;
}

void ui_paint_fill(SDL_Surface *s, const SDL_Rect *v, uint32_t rgba)
{
    uint32_t r = rgba >> 24, g = (rgba >> 16) & 0xFF, b = (rgba >> 8) & 0xFF, a = rgba & 0xFF;
    const SDL_PixelFormat *f = s->format;
    bool fast = is_888(f);
    if (a == 0) return;
    if (a == 255) {
        /* Plain stores: SDL_FillRect's non-temporal stores push the rows
         * out of the cache, and the blends that follow read them back. */
        Uint32 px = SDL_MapRGB(f, (Uint8)r, (Uint8)g, (Uint8)b);
        for (int y = v->y; y < v->y + v->h; y++)
            fill_row((Uint32 *)((Uint8 *)s->pixels + y * s->pitch) + v->x, px, v->w);
        return;
    }
    for (int y = v->y; y < v->y + v->h; y++) {
        Uint32 *row = (Uint32 *)((Uint8 *)s->pixels + y * s->pitch) + v->x;
        if (fast)
            for (int x = 0; x < v->w; x++) row[x] = blend_888(row[x], r << 16 | b, g << 8, a);
        else
            for (int x = 0; x < v->w; x++) row[x] = blend_any(row[x], f, r, g, b, a);
    }
}

/* Runs of empty coverage are skipped eight bytes at a time. */
void ui_paint_mask(SDL_Surface *s, const uint8_t *mask, int pitch, const SDL_Rect *dst,
                   const SDL_Rect *v, uint32_t rgba)
{
    uint32_t r = rgba >> 24, g = (rgba >> 16) & 0xFF, b = (rgba >> 8) & 0xFF, ca = rgba & 0xFF;
    const SDL_PixelFormat *f = s->format;
    Uint32 solid = SDL_MapRGB(f, (Uint8)r, (Uint8)g, (Uint8)b);
    Uint32 rb = r << 16 | b, gg = g << 8;
    bool fast = is_888(f);
    if (ca == 0) return;
    for (int y = v->y; y < v->y + v->h; y++) {
        const uint8_t *m = mask + (size_t)(y - dst->y) * pitch + (v->x - dst->x);
        Uint32 *row = (Uint32 *)((Uint8 *)s->pixels + y * s->pitch) + v->x;
        for (int x = 0; x < v->w; x++) {
            uint32_t a;
            if (x + 8 <= v->w) {
                uint64_t eight;
                memcpy(&eight, m + x, 8);
                if (!eight) {
                    x += 7;
                    continue;
                }
            }
            a = m[x];
            if (a == 0) continue;
            if (ca != 255) a = (a * ca + 127) / 255;
            if (a == 255)
                row[x] = (row[x] & ~(f->Rmask | f->Gmask | f->Bmask)) | solid;
            else
                row[x] = fast ? blend_888(row[x], rb, gg, a) : blend_any(row[x], f, r, g, b, a);
        }
    }
}

void ui_paint_copy(SDL_Surface *s, const SDL_Surface *src, const SDL_Rect *dst, const SDL_Rect *v)
{
    for (int y = v->y; y < v->y + v->h; y++)
        memcpy((Uint8 *)s->pixels + (size_t)y * s->pitch + (size_t)v->x * 4,
               (const Uint8 *)src->pixels + (size_t)(y - dst->y) * src->pitch +
                   (size_t)(v->x - dst->x) * 4,
               (size_t)v->w * 4);
}

