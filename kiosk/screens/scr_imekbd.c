/* The pinyin keyboard used by forms: a candidate bar (pinyin being typed,
 * candidates as buttons, paging), the letters keyboard, and a row with the
 * 中/英 switch and common punctuation. In 中 mode letters go to the engine
 * (kiosk/ime) and a tapped candidate is written into the field; in 英 mode
 * letters go straight into the field. Nothing is learned (see ime.h). */
#include <string.h>

#include "helpform.h"
#include "ime.h"
#include "screens.h"

#define BAR_H 96.0f
#define ROW_H 84.0f
#define GAP 12.0f

float imekbd_height(float w)
{
    return BAR_H + GAP + ui_keyboard_height(UI_KBD_LETTERS, w) * 0.88f + GAP + ROW_H;
}

void imekbd_reset(struct app *a, struct imekbd *k)
{
    struct ime *ime = app_ime(a);
    if (ime) ime_reset(ime);
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

static int choose(struct app *a, struct imekbd *k, size_t idx, char *buf, size_t cap,
                  size_t max_cp)
{
    struct ime *ime = app_ime(a);
    char out[256];
    if (!ime || ime_choose(ime, idx, out, sizeof out) != KERR_OK) return IMEKBD_NONE;
    k->page = 0;
    k->page_start[0] = 0;
    return commit(a, buf, cap, max_cp, out);
}

/* The candidate bar; returns what a tap did. */
static int bar(struct app *a, struct imekbd *k, struct ui_rect r, char *buf, size_t cap,
               size_t max_cp)
{
    struct ui *ui = app_ui(a);
    struct ime *ime = app_ime(a);
    const char *cand[32];
    size_t n, first = k->page_start[k->page];
    float x = r.x + 16, right = r.x + r.w - 2 * 88 - 16;
    int res = IMEKBD_NONE;
    bool more = false;

    ui_fill_round(ui, r, 16, UI_C_SURFACE);
    if (!ime || k->english || !ime_raw(ime)[0]) {
        ui_label_in(ui, (struct ui_rect){r.x + 24, r.y, r.w - 48, r.h},
                    k->english ? "English" : "拼音输入：直接按字母键", UI_F_BODY, UI_C_MUTED,
                    UI_LEFT);
        return res;
    }
    {
        const char *pre = ime_preedit(ime);
        float pw = ui_text_w(ui, pre, UI_F_SMALL) + 24;
        if (pw > 320) pw = 320;
        ui_label_in(ui, (struct ui_rect){x, r.y, pw, r.h}, pre, UI_F_SMALL, UI_C_RED, UI_LEFT);
        x += pw + 8;
    }
    n = ime_candidates(ime, first, cand, 32);
    for (size_t i = 0; i < n; i++) {
        float bw = ui_text_w(ui, cand[i], UI_F_LARGE) + 40;
        if (bw < 80) bw = 80;
        if (x + bw > right) {
            more = true;
            k->next_start = first + i;
            break;
        }
        if (ui_button(ui, (struct ui_rect){x, r.y + 8, bw, r.h - 16}, cand[i], UI_GHOST))
            res = choose(a, k, first + i, buf, cap, max_cp);
        x += bw + 6;
    }
    if (k->page > 0 &&
        ui_button(ui, (struct ui_rect){r.x + r.w - 2 * 88 - 8, r.y + 8, 88, r.h - 16}, "‹",
                  UI_SECONDARY))
        k->page--;
    if (more && k->page + 1 < 32 &&
        ui_button(ui, (struct ui_rect){r.x + r.w - 88 - 4, r.y + 8, 88, r.h - 16}, "›",
                  UI_SECONDARY)) {
        k->page_start[k->page + 1] = k->next_start;
        k->page++;
    }
    return res;
}

int imekbd(struct app *a, struct imekbd *k, struct ui_rect r, char *buf, size_t cap, size_t max_cp)
{
    struct ui *ui = app_ui(a);
    struct ime *ime = app_ime(a);
    struct ui_key key;
    float kh = ui_keyboard_height(UI_KBD_LETTERS, r.w) * 0.88f;
    struct ui_rect rb = {r.x, r.y, r.w, BAR_H};
    struct ui_rect rk = {r.x, r.y + BAR_H + GAP, r.w, kh};
    float ry = rk.y + kh + GAP;
    int res;
    static const char *const punct[] = {"，", "。", "？", "！", "、", "："};

    if (!ime) k->english = true;
    res = bar(a, k, rb, buf, cap, max_cp);
    if (ui_keyboard(ui, rk, UI_KBD_LETTERS, &key)) {
        const char *raw = ime ? ime_raw(ime) : "";
        switch (key.kind) {
        case UI_KEY_CHAR:
            if (!k->english && ime && key.text[0] >= 'a' && key.text[0] <= 'z') {
                char nraw[80];
                snprintf(nraw, sizeof nraw, "%s%s", raw, key.text);
                if (ime_input(ime, nraw) == KERR_TOOBIG)
                    ui_toast(ui, app_tr(a, S_IME_TOO_LONG), 2500);
                k->page = 0;
                k->page_start[0] = 0;
            } else {
                res = commit(a, buf, cap, max_cp, key.text);
            }
            break;
        case UI_KEY_BACKSPACE:
            if (!k->english && ime && raw[0]) {
                char nraw[80];
                snprintf(nraw, sizeof nraw, "%s", raw);
                nraw[strlen(nraw) - 1] = 0;
                if (nraw[0])
                    ime_input(ime, nraw);
                else
                    ime_reset(ime);
                k->page = 0;
                k->page_start[0] = 0;
            } else if (buf[0]) {
                helpform_backspace(buf);
                res = IMEKBD_CHANGED;
            }
            break;
        case UI_KEY_CLEAR:
            if (ime) ime_reset(ime);
            buf[0] = 0;
            res = IMEKBD_CHANGED;
            break;
        case UI_KEY_SPACE:
            if (!k->english && ime && raw[0] && ime_candidate_count(ime) > 0)
                res = choose(a, k, 0, buf, cap, max_cp);
            else
                res = commit(a, buf, cap, max_cp, " ");
            break;
        case UI_KEY_NONE:
            break;
        }
    }
    {
        float bw = (r.w - 6 * 10) / 7;
        if (ui_button(ui, (struct ui_rect){r.x, ry, bw, ROW_H}, app_tr(a, S_IME_TOGGLE),
                      k->english ? UI_SECONDARY : UI_PRIMARY)) {
            k->english = !k->english;
            if (ime) ime_reset(ime);
        }
        for (int i = 0; i < 6; i++)
            if (ui_button(ui, (struct ui_rect){r.x + (i + 1) * (bw + 10), ry, bw, ROW_H}, punct[i],
                          UI_KEY))
                res = commit(a, buf, cap, max_cp, punct[i]);
    }
    return res;
}
