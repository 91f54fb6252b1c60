/* help_review: everything entered, once more (the phone masked), with what
 * is collected, why and for how long. Nothing is sent before the person
 * ticks 我已阅读并同意 and taps 提交; then the request is committed to the
 * outbox (durable, with its ticket) before the screen says anything. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpform.h"
#include "kclient.h"
#include "screens.h"

struct help_review {
    struct helpform *f; /* owned by help_form, below on the stack */
    bool consent;
    struct ui_scroll scroll;
    struct ui_scroll notice; /* elder mode, landscape: the privacy notice scrolls */
};

static void enter(struct app *a, void *st, const void *arg)
{
    struct help_review *s = st;
    (void)a;
    s->f = (struct helpform *)arg;
}

static const char *title(struct app *a, void *st)
{
    (void)st;
    return app_tr(a, S_REVIEW_TITLE);
}

static float line(struct app *a, float x, float y, float w, enum str_id label, const char *value)
{
    struct ui *ui = app_ui(a);
    float h;
    ui_label(ui, x, y, app_tr(a, label), UI_F_SMALL, UI_C_MUTED, UI_LEFT);
    if (ui_elder(ui)) { /* the value under its label: the larger label needs the width */
        float lh = ui_line_h(ui, UI_F_SMALL);
        h = ui_paragraph(ui, x, y + lh, w, value, UI_F_LARGE, UI_C_TEXT);
        return lh + (h > 50 ? h : 50) + 18;
    }
    h = ui_paragraph(ui, x + 220, y - 4, w - 220, value, UI_F_LARGE, UI_C_TEXT);
    return (h > 50 ? h : 50) + 18;
}

static void submit(struct app *a, struct help_review *s)
{
    const struct content *c = app_content(a);
    const struct content_request_category *cat = content_request_category(c, s->f->category_id);
    struct api_help_request req; /* the one copy of the request: wiped below */
    struct kclient_receipt rc;
    char msg[256];
    enum kerr e;
    if (!app_client(a)) return;
    e = helpform_request(s->f, app_lang(a), &req);
    if (e == KERR_OK) e = kclient_submit_request(app_client(a), &req, &rc);
    explicit_bzero(&req, sizeof req);
    if (e != KERR_OK) {
        /* Nothing was stored: the form stays filled so the person can retry. */
        snprintf(msg, sizeof msg, "%s%s", app_tr(a, S_SUBMIT_FAILED),
                 app_lang(a) == CONTENT_ZH ? kerr_zh(e) : kerr_str(e));
        ui_toast(app_ui(a), msg, 5000);
        return;
    }
    help_done_open(a, &rc, cat ? content_tr(&cat->name, app_lang(a)) : "");
}

static void frame(struct app *a, void *st, struct ui_rect body)
{
    struct help_review *s = st;
    struct ui *ui = app_ui(a);
    const struct content *c = app_content(a);
    enum content_lang l = app_lang(a);
    bool portrait = ui_portrait(ui), elder = ui_elder(ui);
    float m = scr_margin(ui), y, colw, x2, y2, w2;
    char phone[32];
    const struct content_request_category *rc;
    const struct content_tower *t;

    if (!c || !s->f) {
        scr_no_content(a, body);
        return;
    }
    rc = content_request_category(c, s->f->category_id);
    t = content_tower(c, s->f->tower_id);
    colw = portrait ? body.w - 2 * m : (body.w - 2 * m) * 0.52f;
    /* elder mode: consent and submit stay at the bottom, what is above them
     * scrolls (in portrait all of it, in landscape the notice) */
    float bottom = elder ? body.y + body.h - 150 : body.y + body.h;
    ui_scroll_begin(ui, &s->scroll, (struct ui_rect){0, body.y, portrait ? body.w : m + colw + 24,
                                                     portrait ? bottom - body.y : body.h});
    y = body.y + 40;
    y += line(a, m, y, colw, S_REVIEW_CATEGORY, rc ? content_tr(&rc->name, l) : "");
    {
        /* a company picked from the list reads in the current language;
         * one typed by hand as typed */
        const struct content_company *co =
            s->f->company_id[0] ? content_company(c, s->f->company_id) : NULL;
        y += line(a, m, y, colw, S_F_COMPANY, co ? content_tr(&co->name, l) : s->f->company);
    }
    y += line(a, m, y, colw, S_F_NAME, s->f->name);
    y += line(a, m, y, colw, S_F_PHONE, helpform_phone_masked(s->f->phone, phone, sizeof phone));
    y += line(a, m, y, colw, S_F_TOWER, t ? content_tr(&t->name, l) : "");
    y += line(a, m, y, colw, S_F_DESC, s->f->desc);
    if (!portrait) ui_scroll_end(ui, &s->scroll, y - body.y + 20);

    x2 = portrait ? m : m + colw + 56;
    w2 = portrait ? body.w - 2 * m : body.w - m - x2;
    y2 = portrait ? y + 16 : body.y + 40;
    {
        /* The whole notice stays on screen above the buttons; in landscape a
         * smaller font when the body font would push them off. */
        enum ui_font pf = UI_F_BODY;
        float ph = ui_paragraph_height(ui, w2 - 64, app_tr(a, S_PRIVACY_TEXT), pf);
        float th = elder ? ui_line_h(ui, UI_F_LARGE) + 40 : 86; /* the notice's title */
        if (!portrait && !elder && y2 + ph + 110 + 24 + 130 > body.y + body.h) {
            pf = UI_F_SMALL;
            ph = ui_paragraph_height(ui, w2 - 64, app_tr(a, S_PRIVACY_TEXT), pf);
        }
        if (!portrait && elder) { /* the notice fills the room above the buttons and scrolls */
            float bh = bottom - 24 - y2;
            ui_fill_round(ui, (struct ui_rect){x2, y2, w2, bh}, 20, UI_C_SURFACE);
            ui_icon(ui, x2 + 52, y2 + th / 2, "privacy_tip", UI_F_ICON, UI_C_RED);
            ui_label(ui, x2 + 96, y2 + 20, app_tr(a, S_PRIVACY_TITLE), UI_F_LARGE, UI_C_TEXT,
                     UI_LEFT);
            ui_scroll_begin(ui, &s->notice, (struct ui_rect){x2, y2 + th, w2, bh - th - 12});
            ui_paragraph(ui, x2 + 32, y2 + th, w2 - 64, app_tr(a, S_PRIVACY_TEXT), pf, UI_C_TEXT);
            ui_scroll_end(ui, &s->notice, ph + 12);
            y2 = bottom;
        } else {
            ui_fill_round(ui, (struct ui_rect){x2, y2, w2, ph + th + 24}, 20, UI_C_SURFACE);
            ui_icon(ui, x2 + 52, y2 + 46, "privacy_tip", UI_F_ICON, UI_C_RED);
            ui_label(ui, x2 + 96, y2 + 24, app_tr(a, S_PRIVACY_TITLE), UI_F_LARGE, UI_C_TEXT,
                     UI_LEFT);
            ui_paragraph(ui, x2 + 32, y2 + th, w2 - 64, app_tr(a, S_PRIVACY_TEXT), pf, UI_C_TEXT);
            y2 += ph + th + 24 + 24;
        }
    }
    if (portrait && elder) { /* the buttons stay at the bottom, out of the scroll region */
        ui_scroll_end(ui, &s->scroll, y2 - body.y);
        y2 = bottom + 20;
    }
    /* consent and submit side by side, each a large target */
    if (ui_button_icon(ui, (struct ui_rect){x2, y2, w2 * 0.58f, 110},
                       s->consent ? "check_box" : "check_box_outline_blank",
                       app_tr(a, S_CONSENT), s->consent ? UI_PRIMARY : UI_SECONDARY))
        s->consent = !s->consent;
    if (ui_button(ui, (struct ui_rect){x2 + w2 * 0.58f + 24, y2, w2 * 0.42f - 24, 110},
                  app_tr(a, S_SUBMIT), s->consent ? UI_PRIMARY : UI_SECONDARY)) {
        if (!s->consent)
            ui_toast(ui, app_tr(a, S_CONSENT_NEEDED), 3500);
        else
            submit(a, s);
    }
    y2 += 130;
    if (portrait && !elder) ui_scroll_end(ui, &s->scroll, y2 - body.y);
}

const struct screen screen_help_review = {
    .id = "help_review",
    .state_size = sizeof(struct help_review),
    .flags = SCREEN_PERSONAL,
    .enter = enter,
    .frame = frame,
    .title = title,
};
