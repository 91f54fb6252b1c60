/* ui_check: the legibility checks of a drawn frame, computed from what the
 * toolkit records of it (every widget, every text with its colour, font and
 * the colour under it: ui_set_checks must be on when the frame is drawn).
 * A frame passes when every text with a known background has a WCAG
 * contrast ratio of at least min_contrast (4.5:1; 7:1 in elder mode), every
 * tappable widget is at least min_target logical px in both dimensions (64;
 * 96 in elder mode), no text is under min_font_px (elder mode: 34, 18 dp),
 * and no text is clipped (cut with "…", past the screen's edge or a clip
 * outside a scroll region) or overlaps another text. Texts a modal dialog's
 * scrim covers (drawn before ui_modal) are dimmed on purpose: they are not
 * checked for contrast or overlap. The scenario runner
 * runs it on every screenshot with --a11y (and at the step `a11y`). UI
 * thread only. */
#ifndef UI_CHECK_H
#define UI_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ui.h"

struct ui_check_limits {
    double min_contrast;
    float min_target;
    int min_font_px; /* 0: none */
};

struct ui_check_report {
    size_t texts, texts_no_bg, targets, failures;
    double worst_contrast; /* 21 when no text had a known background */
    char worst_text[96];
    uint32_t worst_fg, worst_bg;  /* as drawn: fg with its alpha, bg opaque */
    float small_w, small_h;       /* the smallest target (by its smaller side) */
    char small_label[96];
    int min_font_px;
    size_t low_contrast, small_targets, small_fonts, cut, outside, overlaps;
    char first[320]; /* the first failure, in words ("" when it passes) */
};

/* The limits for the current mode (standard or elder). */
void ui_check_limits(const struct ui *ui, struct ui_check_limits *out);

/* Checks the last drawn frame. Returns true when it passes; out gets the
 * figures either way. */
bool ui_check_frame(const struct ui *ui, const struct ui_check_limits *lim,
                    struct ui_check_report *out);

/* True while ui_set_checks is on. */
bool ui_checks_on(const struct ui *ui);

#endif
