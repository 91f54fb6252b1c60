/* ui_qr: a QR code (libqrencode, error correction M) drawn as a widget. The
 * code is made once per text into a small texture of one pixel per module
 * (with the 4-module quiet zone) and scaled up without smoothing. The last
 * code made is kept in the struct ui and freed with it (ui_destroy). ui_qr is
 * a toolkit call: UI thread only (checked, kthread.h); ui_qr_modules is pure,
 * any thread. */
#ifndef UI_QR_H
#define UI_QR_H

#include "ui.h"

/* Draws the QR code of text as a white square of side size (logical) at
 * (x, y). Returns false if the text cannot be encoded (too long). */
bool ui_qr(struct ui *ui, float x, float y, float size, const char *text);

/* The module matrix of text: writes width*width bytes (1 = dark) into
 * modules (cap bytes) and returns width, or 0 on failure. For tests. */
int ui_qr_modules(const char *text, unsigned char *modules, size_t cap);

#endif
