/* The pinyin keyboard used by forms: a candidate bar (pinyin being typed,
 * candidates as buttons, paging), the letters keyboard, and a row with the
 * 中/英 switch and common punctuation. In 中 mode letters go to the engine
 * (kiosk/ime, on its own thread: imew.h) and a tapped candidate is written
 * into the field; in 英 mode letters go straight into the field. Nothing is
 * learned (see ime.h).
 *
 * The engine answers a key a frame or so later. The bar always draws one
 * answer whole (its pinyin with its candidates); a key's own frame shows the
 * key pressed and the previous answer. Keys are applied in order against the
 * current answer only: while a request is unanswered they wait in k->queue,
 * and when the answer comes the letters and backspaces waiting are folded
 * into one request (so a burst costs one answer); a space, a punctuation key
 * or a backspace into the field waits for the answer to the letters before
 * it. A candidate can be tapped only on the current answer. */
#include <string.h>

#include "helpform.h"
#include "imew.h"
#include "screens.h"

#define BAR_H 96.0f
#define ROW_H 84.0f
#define GAP 12.0f

static const char *const punct[] = {"，", "。", "？", "！", "、", "："};
#define N_PUNCT (sizeof punct / sizeof punct[0])

/* The candidate bar: its buttons (16 less) as tall as a target. */
static float bar_h(struct ui *ui)
{
    return ui_elder(ui) ? UI_MIN_TARGET_ELDER + 20 : BAR_H;
}

/* The row under the letters: 中/英 and punctuation, as tall as a target. */
static float row_h(struct ui *ui)
{
    return ui_elder(ui) ? UI_MIN_TARGET_ELDER : ROW_H;
}

float imekbd_height(struct ui *ui, float w)
{
    return bar_h(ui) + GAP + ui_keyboard_height(ui, UI_KBD_LETTERS, w) * 0.88f + GAP + row_h(ui);
}

void imekbd_reset(struct app *a, struct imekbd *k)
{
    struct imew *w = app_ime(a);
    if (w) imew_reset(w);
    memset(k->queue, 0, sizeof k->queue);
    k->nq = 0;
    k->page = 0;
    k->page_start[0] = 0;
}

static int commit(struct app *a, char *buf, size_t cap, size_t max_cp, const char *text)
{
    if (!helpform_append(buf, cap, max_cp, text)) {
        ui_toast(app_ui(a), app_tr(a, S_F_LIMIT), 2500);
        return IMEKBD_LIMIT;
    }
    return IMEKBD_CHANGED;
}

/* Candidate idx of the current answer v: its text goes into the field now,
 * the engine works out what input remains. */
static int choose(struct app *a, struct imekbd *k, struct imew *w, const struct imew_view *v,
                  size_t idx, char *buf, size_t cap, size_t max_cp)
{
    char text[IME_MAX_TEXT];
    if (idx >= v->n_cand) return IMEKBD_NONE;
    snprintf(text, sizeof text, "%s", v->cand[idx]);
    imew_choose(w, idx, v->seq);
    k->page = 0;
    k->page_start[0] = 0;
    return commit(a, buf, cap, max_cp, text);
}

/* True when the engine has answered everything and no key waits: what the
 * bar shows is the session as it is. */
static bool current(const struct imekbd *k, const struct imew *w)
{
    return k->nq == 0 && !imew_busy(w);
}

/* Applies the waiting keys that the current answer allows, in order. */
static int drain(struct app *a, struct imekbd *k, struct imew *w, char *buf, size_t cap,
                 size_t max_cp)
{
    const struct imew_view *v;
    char raw[IME_MAX_INPUT + 1];
    bool edited = false;
    size_t i;
    int res = IMEKBD_NONE, r;

    if (k->nq == 0 || imew_busy(w)) return res;
    v = imew_view(w);
    snprintf(raw, sizeof raw, "%s", v->raw);
    for (i = 0; i < k->nq; i++) {
        char c = k->queue[i];
        size_t n = strlen(raw);
        r = IMEKBD_NONE;
        if (c >= 'a' && c <= 'z') {
            if (n >= IME_MAX_INPUT) {
                ui_toast(app_ui(a), app_tr(a, S_IME_TOO_LONG), 2500);
            } else {
                raw[n] = c;
                raw[n + 1] = '\0';
                edited = true;
            }
        } else if (c == '\b' && n > 0) {
            raw[n - 1] = '\0';
            edited = true;
        } else if (edited) {
            break; /* it depends on the answer to the letters before it */
        } else if (c == '\b') {
            if (buf[0]) {
                helpform_backspace(buf);
                r = IMEKBD_CHANGED;
            }
        } else if (c == ' ' && n > 0 && v->n_cand > 0) {
            res = choose(a, k, w, v, 0, buf, cap, max_cp);
            i++;
            break; /* what follows waits for what the choice leaves */
        } else if (c == ' ') {
            r = commit(a, buf, cap, max_cp, " ");
        } else if (c >= 1 && (size_t)c <= N_PUNCT) {
            r = commit(a, buf, cap, max_cp, punct[c - 1]);
        }
        if (r != IMEKBD_NONE) res = r;
    }
    memmove(k->queue, k->queue + i, k->nq - i);
    k->nq -= i;
    memset(k->queue + k->nq, 0, sizeof k->queue - k->nq);
    if (edited) {
        if (raw[0])
            imew_input(w, raw);
        else
            imew_reset(w);
        k->page = 0;
        k->page_start[0] = 0;
    }
    memset(raw, 0, sizeof raw);
    return res;
}

/* A key for the engine: it waits its turn (never the UI). */
static int press(struct app *a, struct imekbd *k, struct imew *w, char code, char *buf,
                 size_t cap, size_t max_cp)
{
    if (k->nq == IMEKBD_QUEUE) {
        /* 64 keys within one answer: the engine is stuck, not a person. */
        ui_toast(app_ui(a), app_tr(a, S_IME_TOO_LONG), 2500);
        return IMEKBD_NONE;
    }
    k->queue[k->nq++] = code;
    return drain(a, k, w, buf, cap, max_cp);
}

/* The candidate bar; returns what a tap did. */
static int bar(struct app *a, struct imekbd *k, struct imew *w, struct ui_rect r, char *buf,
               size_t cap, size_t max_cp)
{
    struct ui *ui = app_ui(a);
    const struct imew_view *v = w ? imew_view(w) : NULL;
    const char *cand[32];
    size_t n, first;
    float pg = ui_elder(ui) ? UI_MIN_TARGET_ELDER : 88; /* a paging button's width */
    float x = r.x + 16, right = r.x + r.w - 2 * pg - 16;
    int res = IMEKBD_NONE;
    bool more = false, live;

    ui_fill_round(ui, r, 16, UI_C_SURFACE);
    if (!v || k->english || !v->raw[0]) {
        ui_label_in(ui, (struct ui_rect){r.x + 24, r.y, r.w - 48, r.h},
                    app_tr(a, k->english ? S_IME_ENGLISH : S_IME_HINT), UI_F_BODY, UI_C_MUTED,
                    UI_LEFT);
        return res;
    }
    /* Taps are taken on the current answer, and only once it has been
     * drawn: a tap lands on what the person saw. */
    live = current(k, w) && v->seq == k->shown_seq;
    if (v->seq != k->shown_seq) { /* a new answer: its own pages */
        k->shown_seq = v->seq;
        k->page = 0;
        k->page_start[0] = 0;
    }
    first = k->page_start[k->page];
    {
        const char *pre = v->preedit;
        float pw = ui_text_w(ui, pre, UI_F_SMALL) + 24;
        if (pw > 320) pw = 320;
        ui_label_in(ui, (struct ui_rect){x, r.y, pw, r.h}, pre, UI_F_SMALL, UI_C_RED, UI_LEFT);
        x += pw + 8;
    }
    n = 0;
    for (size_t i = first; i < v->n_cand && n < 32; i++) cand[n++] = v->cand[i];
    for (size_t i = 0; i < n; i++) {
        float bw = ui_text_w(ui, cand[i], UI_F_LARGE) + 40;
        if (bw < ui_min_target(ui)) bw = ui_min_target(ui);
        if (x + bw > right) {
            more = true;
            k->next_start = first + i;
            break;
        }
        /* A candidate of an answer already overtaken by a key is drawn,
         * for one frame, but not taken. */
        if (ui_button(ui, (struct ui_rect){x, r.y + 8, bw, r.h - 16}, cand[i], UI_GHOST) && live)
            res = choose(a, k, w, v, first + i, buf, cap, max_cp);
        x += bw + 6;
    }
    if (k->page > 0 &&
        ui_button(ui, (struct ui_rect){r.x + r.w - 2 * pg - 8, r.y + 8, pg, r.h - 16}, "‹",
                  UI_SECONDARY))
        k->page--;
    if (more && k->page + 1 < 32 &&
        ui_button(ui, (struct ui_rect){r.x + r.w - pg - 4, r.y + 8, pg, r.h - 16}, "›",
                  UI_SECONDARY)) {
        k->page_start[k->page + 1] = k->next_start;
        k->page++;
    }
    return res;
}

int imekbd(struct app *a, struct imekbd *k, struct ui_rect r, char *buf, size_t cap, size_t max_cp)
{
    struct ui *ui = app_ui(a);
    struct imew *w = app_ime(a);
    struct ui_key key;
    float kh = ui_keyboard_height(ui, UI_KBD_LETTERS, r.w) * 0.88f;
    struct ui_rect rb = {r.x, r.y, r.w, bar_h(ui)};
    struct ui_rect rk = {r.x, r.y + bar_h(ui) + GAP, r.w, kh};
    float ry = rk.y + kh + GAP;
    int res, d;

    if (!w || imew_view(w)->failed) {
        w = NULL;
        k->english = true;
    }
    /* Keys that waited for the answer now drawn. */
    res = w ? drain(a, k, w, buf, cap, max_cp) : IMEKBD_NONE;
    d = bar(a, k, w, rb, buf, cap, max_cp);
    if (d != IMEKBD_NONE) res = d;
    if (ui_keyboard(ui, rk, UI_KBD_LETTERS, &key)) {
        bool pinyin = !k->english && w;
        d = IMEKBD_NONE;
        switch (key.kind) {
        case UI_KEY_CHAR:
            if (pinyin && key.text[0] >= 'a' && key.text[0] <= 'z' && !key.text[1])
                d = press(a, k, w, key.text[0], buf, cap, max_cp);
            else
                d = commit(a, buf, cap, max_cp, key.text);
            break;
        case UI_KEY_BACKSPACE:
            if (pinyin) {
                d = press(a, k, w, '\b', buf, cap, max_cp);
            } else if (buf[0]) {
                helpform_backspace(buf);
                d = IMEKBD_CHANGED;
            }
            break;
        case UI_KEY_CLEAR:
            imekbd_reset(a, k);
            buf[0] = 0;
            d = IMEKBD_CHANGED;
            break;
        case UI_KEY_SPACE:
            d = pinyin ? press(a, k, w, ' ', buf, cap, max_cp) : commit(a, buf, cap, max_cp, " ");
            break;
        case UI_KEY_NONE:
            break;
        }
        if (d != IMEKBD_NONE) res = d;
    }
    {
        float bw = (r.w - 6 * 10) / 7;
        if (ui_button(ui, (struct ui_rect){r.x, ry, bw, row_h(ui)}, app_tr(a, S_IME_TOGGLE),
                      k->english ? UI_SECONDARY : UI_PRIMARY)) {
            k->english = !k->english;
            imekbd_reset(a, k);
        }
        for (int i = 0; i < (int)N_PUNCT; i++)
            if (ui_button(ui, (struct ui_rect){r.x + (i + 1) * (bw + 10), ry, bw, row_h(ui)}, punct[i],
                          UI_KEY)) {
                /* After keys still waiting, in order; else at once. */
                if (w && !k->english && k->nq > 0)
                    d = press(a, k, w, (char)(i + 1), buf, cap, max_cp);
                else
                    d = commit(a, buf, cap, max_cp, punct[i]);
                if (d != IMEKBD_NONE) res = d;
            }
    }
    return res;
}
