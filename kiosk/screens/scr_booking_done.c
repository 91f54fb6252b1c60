/* booking_done: a confirmed booking: the code in large type (the person's
 * key, with the last 4 digits of the phone, to check in or cancel), the
 * room, date and time, where it is and the walk there (查看路线 opens the
 * circle's `place` screen for the room), the check-in rule, and a QR code
 * of the same for a phone. The kiosk keeps no phone number: this screen has
 * only the code and the last 4 digits, and goes home after a minute. */
#include <stdio.h>
#include <string.h>

#include "booking_ui.h"
#include "content.h"
#include "ui_qr.h"
#include "walk.h"

#define AUTO_HOME_MS 60000

struct done {
    struct bk_done d;
    uint64_t entered;
};

void booking_done_open(struct app *a, const struct bk_done *d)
{
    app_go_home(a);
    app_push(a, &screen_booking_done, d, sizeof *d);
}

static void enter(struct app *a, void *st, const void *arg)
{
    struct done *s = st;
    if (arg) s->d = *(const struct bk_done *)arg;
    s->entered = app_now_ms(a);
    ui_toast_clear(app_ui(a));
    app_voice_note(a, app_tr(a, S_VOICE_CODE), s->d.code); /* 语音播报: one by one */
}

static const char *title(struct app *a, void *st)
{
    (void)st;
    return bk_tr(a, BK_DONE_TITLE);
}

static void frame(struct app *a, void *st, struct ui_rect body)
{
    struct done *s = st;
    struct ui *ui = app_ui(a);
    const struct content_nursing_room *r = bk_room(a, s->d.room);
    bool portrait = ui_portrait(ui);
    float m = scr_margin(ui), qr = portrait ? 380 : 400, x = m, y = body.y + 40, w, lw;
    uint64_t now = app_now_ms(a), left_ms;
    char when[96], where[256], walk[128], text[640], line[560];
    if (!r) {
        scr_no_content(a, body);
        return;
    }
    if (now - s->entered >= AUTO_HOME_MS) {
        app_go_home(a);
        return;
    }
    left_ms = AUTO_HOME_MS - (now - s->entered);
    app_timer_at(a, now + (left_ms % 1000 ? left_ms % 1000 : 1000));
    w = portrait ? body.w - 2 * m : body.w - 2 * m - qr - 80;
    bk_slot_text(a, s->d.start, r->booking->slot_min, when, sizeof when);
    bk_where_text(a, r, where, sizeof where);
    bk_walk_text(a, r, walk, sizeof walk);

    if (portrait) { /* the code under its label, as wide as the screen allows */
        float lh = ui_line_h(ui, UI_F_TITLE);
        ui_label(ui, x, y, bk_tr(a, BK_CODE), UI_F_TITLE, UI_C_TEXT, UI_LEFT);
        ui_label_fit(ui, (struct ui_rect){x, y + lh + 10, w, 200}, s->d.code, UI_F_CLOCK, UI_C_RED,
                     UI_LEFT);
        y += lh + 230;
    } else {
        lw = ui_label(ui, x, y + 40, bk_tr(a, BK_CODE), UI_F_TITLE, UI_C_TEXT, UI_LEFT);
        ui_label_fit(ui, (struct ui_rect){x + lw + 40, y - 20, w - lw - 40, 200}, s->d.code,
                     UI_F_CLOCK, UI_C_RED, UI_LEFT);
        y += 230;
    }
    snprintf(line, sizeof line, app_lang(a) == CONTENT_EN ? "%s (%s)" : "%s（%s）",
             bk_tr(a, BK_CODE_HINT), s->d.last4);
    y += ui_paragraph(ui, x, y, w, line, UI_F_BODY, UI_C_MUTED) + 24;
    ui_label_fit(ui, (struct ui_rect){x, y, w, 60}, content_tr(&r->name, app_lang(a)), UI_F_TITLE,
                 UI_C_TEXT, UI_LEFT);
    y += 72;
    snprintf(line, sizeof line, "%s%s%s", bk_tr(a, BK_WHEN),
             app_lang(a) == CONTENT_EN ? ": " : "：", when);
    y += ui_paragraph(ui, x, y, w, line, UI_F_LARGE, UI_C_TEXT) + 4;
    snprintf(line, sizeof line, "%s%s%s%s%s", bk_tr(a, BK_WHERE),
             app_lang(a) == CONTENT_EN ? ": " : "：", where, walk[0] ? " · " : "", walk);
    /* wrapped, never cut: the walk is what takes the person there */
    y += ui_paragraph(ui, x, y, w, line, UI_F_LARGE, UI_C_TEXT) + 10;
    snprintf(line, sizeof line, bk_tr(a, BK_CHECKIN_RULE), r->booking->checkin_before_min,
             r->booking->checkin_after_min);
    y += ui_paragraph(ui, x, y, w, line, UI_F_BODY, UI_C_WARN) + 16;
    if (s->d.local)
        y += ui_paragraph(ui, x, y, w, bk_tr(a, BK_LOCAL_NOTE), UI_F_BODY, UI_C_OK) + 16;
    y += 8;

    snprintf(text, sizeof text, bk_tr(a, BK_QR_TEXT), s->d.code,
             content_tr(&r->name, app_lang(a)), when);
    if (portrait) {
        ui_qr(ui, (body.w - qr) / 2, y, qr, text);
        ui_label(ui, body.w / 2, y + qr + 12, bk_tr(a, BK_SCAN), UI_F_BODY, UI_C_MUTED, UI_CENTER);
        /* below the caption whatever its height (elder mode: larger) */
        y += qr + 12 + (ui_line_h(ui, UI_F_BODY) + 24 > 58 ? ui_line_h(ui, UI_F_BODY) + 24 : 58);
    } else {
        float qx = body.w - m - qr, qy = body.y + 60;
        ui_qr(ui, qx, qy, qr, text);
        ui_label(ui, qx + qr / 2, qy + qr + 20, bk_tr(a, BK_SCAN), UI_F_BODY, UI_C_MUTED,
                 UI_CENTER);
    }
    {
        float bw = portrait ? (body.w - 2 * m - 30) / 2 : 360;
        /* landscape, when the left column has no room left under its text
         * (elder mode, long English lines): the buttons stack under the QR */
        bool stack = !portrait && y + 104 + 24 + ui_line_h(ui, UI_F_SMALL) > body.y + body.h;
        struct ui_rect route = {x, y, bw, 104}, fin = {x + bw + 30, y, bw, 104};
        float ly = y + 124;
        const struct walk *wk = app_walk_loaded(a);
        if (stack) {
            float qx = body.w - m - qr, by = body.y + 60 + qr + 20 + ui_line_h(ui, UI_F_BODY) + 20;
            route = (struct ui_rect){qx, by, qr, 104};
            fin = (struct ui_rect){qx, by + 124, qr, 104};
            ly = by + 248;
        }
        if (wk && walk_place(wk, r->id) &&
            ui_button_icon(ui, route, "directions_walk", bk_tr(a, BK_ROUTE), UI_SECONDARY))
            app_push(a, &screen_place, r->id, strlen(r->id) + 1);
        if (ui_button(ui, fin, bk_tr(a, BK_FINISH), UI_PRIMARY)) app_go_home(a);
        snprintf(line, sizeof line, "%u %s", (unsigned)((left_ms + 999) / 1000),
                 app_tr(a, S_DONE_AUTOHOME));
        if (stack) /* wider than the QR column: flush with the screen's margin */
            ui_label(ui, body.w - m, ly, line, UI_F_SMALL, UI_C_MUTED, UI_RIGHT);
        else
            ui_label(ui, x, ly, line, UI_F_SMALL, UI_C_MUTED, UI_LEFT);
    }
}

const struct screen screen_booking_done = {
    .id = "booking_done",
    .state_size = sizeof(struct done),
    .enter = enter,
    .frame = frame,
    .title = title,
};
