#include "ui_qr.h"

#include "ui_impl.h"

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
    KASSERT_OWNER(&ui->owner);
    if (!text || strlen(text) >= sizeof ui->qr.text) return false;
    if (!ui->qr.tex || strcmp(ui->qr.text, text) != 0) {
        if (ui->qr.tex) SDL_DestroyTexture(ui->qr.tex);
        ui->qr.tex = make(ui->r, text, &ui->qr.side);
        ui->qr.serial++;
        snprintf(ui->qr.text, sizeof ui->qr.text, "%s", text);
        if (!ui->qr.tex) return false;
    }
    {
        /* whole pixels per module keep the modules sharp */
        float px = size * ui->scale;
        int per = (int)(px / (float)ui->qr.side);
        float s = per > 0 ? (float)(per * ui->qr.side) / ui->scale : size;
        ui_fill(ui, (struct ui_rect){x, y, size, size}, UI_C_WHITE);
        ui_image_id(ui, (struct ui_rect){x + (size - s) / 2, y + (size - s) / 2, s, s}, ui->qr.tex,
                    ui->qr.serial);
    }
    return true;
}
