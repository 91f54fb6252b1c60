#include "ui_qr.h"

#include <qrencode.h>
#include <stdlib.h>
#include <string.h>

#define QUIET 4

int ui_qr_modules(const char *text, unsigned char *modules, size_t cap)
{
    QRcode *q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    int w;
    if (!q) return 0;
    w = q->width;
    if ((size_t)w * (size_t)w > cap) {
        QRcode_free(q);
        return 0;
    }
    for (int i = 0; i < w * w; i++) modules[i] = q->data[i] & 1;
    QRcode_free(q);
    return w;
}

/* One cached texture: tickets change rarely, so the last text is enough. */
static struct {
    SDL_Renderer *r;
    SDL_Texture *tex;
    char text[512];
    int side;
    uint32_t serial; /* new for each code made */
} cache;

void ui_qr_release(void)
{
    uint32_t serial = cache.serial;
    if (cache.tex) SDL_DestroyTexture(cache.tex);
    memset(&cache, 0, sizeof cache);
    cache.serial = serial; /* never reused, even across a release */
}

static SDL_Texture *make(SDL_Renderer *r, const char *text, int *side)
{
    QRcode *q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    SDL_Surface *s;
    SDL_Texture *t = NULL;
    int w;
    if (!q) return NULL;
    w = q->width + 2 * QUIET;
    s = SDL_CreateRGBSurfaceWithFormat(0, w, w, 32, SDL_PIXELFORMAT_ARGB8888);
    if (s) {
        for (int y = 0; y < w; y++) {
            Uint32 *row = (Uint32 *)((Uint8 *)s->pixels + y * s->pitch);
            for (int x = 0; x < w; x++) {
                int mx = x - QUIET, my = y - QUIET;
                bool dark = mx >= 0 && my >= 0 && mx < q->width && my < q->width &&
                            (q->data[my * q->width + mx] & 1);
                row[x] = dark ? 0xFF000000u : 0xFFFFFFFFu;
            }
        }
        t = SDL_CreateTextureFromSurface(r, s);
        if (t) SDL_SetTextureScaleMode(t, SDL_ScaleModeNearest);
        SDL_FreeSurface(s);
    }
    QRcode_free(q);
    *side = w;
    return t;
}

bool ui_qr(struct ui *ui, float x, float y, float size, const char *text)
{
    if (!text || strlen(text) >= sizeof cache.text) return false;
    if (!cache.tex || strcmp(cache.text, text) != 0) {
        SDL_Renderer *ren = ui_renderer(ui);
        if (cache.tex) SDL_DestroyTexture(cache.tex);
        cache.tex = make(ren, text, &cache.side);
        cache.serial++;
        cache.r = ren;
        snprintf(cache.text, sizeof cache.text, "%s", text);
        if (!cache.tex) return false;
    }
    {
        /* whole pixels per module keep the modules sharp */
        float px = size * ui_scale(ui);
        int per = (int)(px / (float)cache.side);
        float s = per > 0 ? (float)(per * cache.side) / ui_scale(ui) : size;
        ui_fill(ui, (struct ui_rect){x, y, size, size}, UI_C_WHITE);
        ui_image_id(ui, (struct ui_rect){x + (size - s) / 2, y + (size - s) / 2, s, s}, cache.tex,
                    cache.serial);
    }
    return true;
}
