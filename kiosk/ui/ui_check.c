/* The legibility checks over the records of the last drawn frame. */
#include "ui_check.h"

#include <stdio.h>
#include <string.h>

#include "ui_contrast.h"
#include "ui_impl.h"

#define ELDER_MIN_FONT 34 /* logical px: 18 dp at 1.6 px a dp (96 px = 60 dp) */
/* Lines are laid out a line height apart and a glyph fills about four
 * fifths of it: two texts overlap when their rects, less this share at the
 * top and bottom, meet by more than OVERLAP_PX each way. */
#define LINE_PAD 0.12f
#define OVERLAP_PX 3.0f

void ui_check_limits(const struct ui *ui, struct ui_check_limits *out)
{
    KASSERT_OWNER(&ui->owner);
    out->min_contrast = ui->elder ? 7.0 : 4.5;
    out->min_target = ui->elder ? UI_MIN_TARGET_ELDER : UI_MIN_TARGET;
    out->min_font_px = ui->elder ? ELDER_MIN_FONT : 0;
}

bool ui_checks_on(const struct ui *ui)
{
    KASSERT_OWNER(&ui->owner);
    return ui->checks;
}

/* Counts a failure; the first one is kept in words: msg, then what. */
static void fail(struct ui_check_report *r, const char *msg, const char *what)
{
    r->failures++;
    if (!r->first[0]) snprintf(r->first, sizeof r->first, "%s: \"%.80s\"", msg, what ? what : "");
}

static void copy_cut(char *dst, size_t cap, const char *s)
{
    size_t n = 0;
    /* whole UTF-8 sequences only */
    while (s && s[n] && n + 4 < cap) {
        size_t k = 1;
        while (((unsigned char)s[n + k] & 0xC0) == 0x80) k++;
        if (n + k + 1 > cap) break;
        n += k;
    }
    memcpy(dst, s ? s : "", n);
    dst[n] = 0;
}

static bool overlap(const struct ui_rect *a, const struct ui_rect *b)
{
    float ay0 = a->y + a->h * LINE_PAD, ay1 = a->y + a->h * (1 - LINE_PAD);
    float by0 = b->y + b->h * LINE_PAD, by1 = b->y + b->h * (1 - LINE_PAD);
    float w = fminf(a->x + a->w, b->x + b->w) - fmaxf(a->x, b->x);
    float h = fminf(ay1, by1) - fmaxf(ay0, by0);
    return w > OVERLAP_PX && h > OVERLAP_PX;
}

static bool same_rect(const struct ui_rect *a, const struct ui_rect *b)
{
    return fabsf(a->x - b->x) < 0.5f && fabsf(a->y - b->y) < 0.5f && fabsf(a->w - b->w) < 0.5f &&
           fabsf(a->h - b->h) < 0.5f;
}

bool ui_check_frame(const struct ui *ui, const struct ui_check_limits *lim,
                    struct ui_check_report *r)
{
    KASSERT_OWNER(&ui->owner);
    const struct frame *f = ui->prev;
    char msg[200];
    memset(r, 0, sizeof *r);
    r->worst_contrast = 21;
    r->small_w = r->small_h = 1e9f;
    r->min_font_px = 1000;
    for (size_t i = 0; i < f->nt; i++) {
        const struct vtext *t = &f->t[i];
        r->texts++;
        if (t->font_px < r->min_font_px) r->min_font_px = t->font_px;
        if (lim->min_font_px && t->font_px < lim->min_font_px) {
            r->small_fonts++;
            snprintf(msg, sizeof msg, "text of %d px, under %d px", t->font_px, lim->min_font_px);
            fail(r, msg, t->text);
        }
        /* a text a scroll region's edge cuts to a sliver is read when it
         * scrolls in, not now */
        if ((t->flags & UI_TX_BG) && !(t->flags & UI_TX_UNDER) &&
            !((t->flags & UI_TX_SCROLL) && t->r.h < 0.6f * t->full.h)) {
            double k = ui_contrast_ratio(ui_blend(t->fg, t->bg), t->bg);
            if (k < r->worst_contrast) {
                r->worst_contrast = k;
                r->worst_fg = t->fg;
                r->worst_bg = t->bg;
                copy_cut(r->worst_text, sizeof r->worst_text, t->text);
            }
            if (k < lim->min_contrast) {
                r->low_contrast++;
                snprintf(msg, sizeof msg, "contrast %.2f:1 (#%06X on #%06X), under %.1f:1", k,
                         (unsigned)(t->fg >> 8), (unsigned)(t->bg >> 8), lim->min_contrast);
                fail(r, msg, t->text);
            }
        } else {
            r->texts_no_bg++;
        }
        if (t->flags & UI_TX_CUT) {
            r->cut++;
            fail(r, "text cut short to fit", t->text);
        }
        /* a scroll region's edge cuts what scrolls out of it: only its
         * sides count */
        if (t->full.x < -0.5f || t->full.x + t->full.w > ui->lw + 0.5f ||
            (!(t->flags & UI_TX_SCROLL) &&
             (t->full.y < -0.5f || t->full.y + t->full.h > ui->lh + 0.5f ||
              !same_rect(&t->r, &t->full)))) {
            r->outside++;
            snprintf(msg, sizeof msg, "text clipped at x %.0f, y %.0f", t->full.x, t->full.y);
            fail(r, msg, t->text);
        }
        if (t->flags & (UI_TX_HIDDEN | UI_TX_OVERLAY | UI_TX_UNDER)) continue;
        for (size_t j = i + 1; j < f->nt; j++) {
            if (f->t[j].flags & (UI_TX_HIDDEN | UI_TX_OVERLAY | UI_TX_UNDER)) continue;
            if (overlap(&t->r, &f->t[j].r)) {
                r->overlaps++;
                snprintf(msg, sizeof msg, "text overlaps \"%.60s\" at x %.0f, y %.0f",
                         f->t[j].text, t->r.x, t->r.y);
                fail(r, msg, t->text);
            }
        }
    }
    for (size_t i = 0; i < f->nw; i++) {
        const struct widget *w = &f->w[i];
        float side;
        if (w->blocker || w->r.w < 1 || w->r.h < 1) continue;
        r->targets++;
        side = fminf(w->full.w, w->full.h);
        if (side < fminf(r->small_w, r->small_h)) {
            r->small_w = w->full.w;
            r->small_h = w->full.h;
            copy_cut(r->small_label, sizeof r->small_label, w->label ? w->label : "(unlabelled)");
        }
        if (side < lim->min_target - 0.01f) {
            r->small_targets++;
            snprintf(msg, sizeof msg, "target %.0f x %.0f px", w->full.w, w->full.h);
            fail(r, msg, w->label ? w->label : "(unlabelled)");
        }
    }
    if (r->targets == 0) r->small_w = r->small_h = 0;
    if (r->texts == 0) r->min_font_px = 0;
    return r->failures == 0;
}
