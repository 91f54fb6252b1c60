/* help_done: the ticket number and its check code (查询码), large, and a QR
 * code to follow it on a phone (<ticket_url_base><ticket>?c=<check>);
 * whether the request reached the service centre (已提交) or waits in the
 * outbox (已保存，联网后自动提交), updated live when it is delivered. The form
 * screens were left (wiped) on the way here; after a minute the kiosk goes
 * home by itself. */
#include <stdio.h>
#include <string.h>

#include "kclient.h"
#include "screens.h"
#include "ui_qr.h"

#define AUTO_HOME_MS 60000

struct help_done {
    char ticket[KCLIENT_TICKET_SIZE];
    char check[KCLIENT_CHECK_SIZE];
    char category[160];
    enum kclient_item_state state;
    uint64_t entered;
    struct ui_scroll scroll; /* elder mode: the receipt scrolls */
};

/* The hand-over is a struct help_done passed by value: app_push copies it. */
void help_done_open(struct app *a, const struct kclient_receipt *r, const char *category)
{
    struct help_done d;
    memset(&d, 0, sizeof d);
    snprintf(d.ticket, sizeof d.ticket, "%s", r->ticket);
    snprintf(d.check, sizeof d.check, "%s", r->check);
    snprintf(d.category, sizeof d.category, "%s", category);
    app_go_home(a);
    app_push(a, &screen_help_done, &d, sizeof d);
}

static void refresh(struct app *a, struct help_done *s)
{
    struct kclient_local loc;
    if (app_client(a) && kclient_local_ticket(app_client(a), s->ticket, s->check, &loc) == KERR_OK)
        s->state = loc.state;
}

static void enter(struct app *a, void *st, const void *arg)
{
    struct help_done *s = st;
    if (arg) *s = *(const struct help_done *)arg;
    s->entered = app_now_ms(a);
    ui_toast_clear(app_ui(a));
    refresh(a, s);
    /* 语音播报: the ticket read one by one; not the check code, which keeps
     * others in the lobby from looking the request up */
    app_voice_note(a, app_tr(a, S_VOICE_TICKET), s->ticket);
}

static void net_event(struct app *a, void *st, const struct kclient_event *ev)
{
    struct help_done *s = st;
    if (strcmp(ev->ticket, s->ticket) != 0) return;
    if (ev->kind == KCLIENT_EV_DELIVERED) s->state = KCLIENT_DELIVERED;
    if (ev->kind == KCLIENT_EV_DEAD) s->state = KCLIENT_DEAD;
    app_invalidate(a);
}

static const char *title(struct app *a, void *st)
{
    (void)st;
    return app_tr(a, S_DONE_TITLE);
}

/* A line's step down: fixed, or its font's height and a gap if more. */
#define STEP(fixed, font) fmaxf((fixed), ui_line_h(ui, (font)) + 12)

static void frame(struct app *a, void *st, struct ui_rect body)
{
    struct help_done *s = st;
    struct ui *ui = app_ui(a);
    bool portrait = ui_portrait(ui), elder = ui_elder(ui);
    float m = scr_margin(ui), qr = portrait ? 460 : 420, x, y, w, lw, qcap = 0;
    uint64_t now = app_now_ms(a), left_ms;
    char url[700], count[96];
    const char *status;
    uint32_t scol;

    if (now - s->entered >= AUTO_HOME_MS) {
        app_go_home(a);
        return;
    }
    left_ms = AUTO_HOME_MS - (now - s->entered);
    app_timer_at(a, now + (left_ms % 1000 ? left_ms % 1000 : 1000));
    snprintf(url, sizeof url, "%s%s?c=%s", app_cfg(a)->ticket_url_base, s->ticket, s->check);

    switch (s->state) {
    case KCLIENT_DELIVERED:
        status = app_tr(a, S_DONE_SENT);
        scol = UI_C_OK;
        break;
    case KCLIENT_DEAD:
        status = app_tr(a, S_DONE_FAILED);
        scol = UI_C_ERR;
        break;
    default:
        status = app_tr(a, S_DONE_QUEUED);
        scol = UI_C_WARN;
        break;
    }
    x = m;
    y = body.y + 50;
    w = portrait ? body.w - 2 * m : body.w - 2 * m - qr - 80;
    /* elder mode: each line steps by its (larger) height, and it all scrolls */
    if (elder) ui_scroll_begin(ui, &s->scroll, body);
    ui_label(ui, x, y, s->category, UI_F_LARGE, UI_C_MUTED, UI_LEFT);
    y += STEP(70, UI_F_LARGE);
    ui_label(ui, x, y, app_tr(a, S_DONE_TICKET), UI_F_TITLE, UI_C_TEXT, UI_LEFT);
    y += STEP(70, UI_F_TITLE);
    ui_label_fit(ui, (struct ui_rect){x, y, w, STEP(130, UI_F_HUGE) - 10}, s->ticket, UI_F_HUGE,
                 UI_C_RED, UI_LEFT);
    y += STEP(140, UI_F_HUGE);
    /* the check code, labelled, in the ticket's size: both are needed */
    lw = ui_label(ui, x, y + 22, app_tr(a, S_DONE_CHECK), UI_F_TITLE, UI_C_TEXT, UI_LEFT);
    ui_label(ui, x + lw + 40, y, s->check, UI_F_HUGE, UI_C_RED, UI_LEFT);
    y += STEP(120, UI_F_HUGE);
    y += ui_paragraph(ui, x, y, w, app_tr(a, S_DONE_CHECK_HINT), UI_F_BODY, UI_C_MUTED) + 30;
    ui_fill_round(ui, (struct ui_rect){x, y, w, 110}, 20, UI_C_SURFACE);
    ui_icon(ui, x + 60, y + 55,
            s->state == KCLIENT_DELIVERED ? "check_circle" : s->state == KCLIENT_DEAD ? "error"
                                                                                     : "cloud_upload",
            UI_F_ICON, scol);
    if (elder) /* the status in words may take two lines */
        ui_paragraph(ui, x + 110, y + (110 - ui_paragraph_height(ui, w - 140, status, UI_F_BODY)) / 2,
                     w - 140, status, UI_F_BODY, scol);
    else
        ui_label_fit(ui, (struct ui_rect){x + 110, y, w - 140, 110}, status, UI_F_TITLE, scol,
                     UI_LEFT);
    y += 150;
    if (portrait) {
        ui_qr(ui, (body.w - qr) / 2, y, qr, url);
        ui_label(ui, body.w / 2, y + qr + 16, app_tr(a, S_DONE_SCAN), UI_F_BODY, UI_C_MUTED,
                 UI_CENTER);
        y += qr + 90;
    } else {
        float qx = body.w - m - qr, qy = body.y + 80;
        ui_qr(ui, qx, qy, qr, url);
        const char *t = app_tr(a, S_DONE_SCAN);
        if (elder) /* wrapped to the code's width; the countdown and 完成 follow */
            qcap = ui_paragraph(ui, qx, qy + qr + 20, qr, t, UI_F_BODY, UI_C_MUTED);
        else if (ui_text_w(ui, t, UI_F_BODY) > qr) /* wider than the code: flush with the margin */
            ui_label(ui, body.w - m, qy + qr + 20, t, UI_F_BODY, UI_C_MUTED, UI_RIGHT);
        else
            ui_label(ui, qx + qr / 2, qy + qr + 20, t, UI_F_BODY, UI_C_MUTED, UI_CENTER);
    }
    snprintf(count, sizeof count, "%u %s", (unsigned)((left_ms + 999) / 1000),
             app_tr(a, S_DONE_AUTOHOME));
    if (elder && !portrait) { /* under the QR code, where there is room, wrapped to its width */
        x = body.w - m - qr;
        y = body.y + 80 + qr + 20 + qcap + 24;
        y += ui_paragraph(ui, x, y, qr, count, UI_F_BODY, UI_C_MUTED) + 16 - STEP(60, UI_F_BODY);
    } else {
        ui_label(ui, x, y, count, UI_F_BODY, UI_C_MUTED, UI_LEFT);
    }
    if (ui_button(ui, (struct ui_rect){x, y + STEP(60, UI_F_BODY), portrait ? body.w - 2 * m : 420, 110},
                  app_tr(a, S_DONE_FINISH), UI_PRIMARY))
        app_go_home(a);
    if (elder) ui_scroll_end(ui, &s->scroll, y + STEP(60, UI_F_BODY) + 140 - body.y);
}

const struct screen screen_help_done = {
    .id = "help_done",
    .flags = SCREEN_PRIVATE, /* a receipt / a ticket's status: no remote screenshot */
    .state_size = sizeof(struct help_done),
    .enter = enter,
    .frame = frame,
    .title = title,
    .net_event = net_event,
};
