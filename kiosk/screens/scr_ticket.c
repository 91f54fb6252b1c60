/* ticket: 查询进度. A ticket number is typed on the number pad (this kiosk's
 * prefix is filled in; 字母键盘 edits the prefix for a ticket filed
 * elsewhere) and looked up at the hub without blocking the screen: the
 * status and the staff's latest note. Offline it says so, and shows what
 * this kiosk knows of a ticket filed here. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "kclient.h"
#include "screens.h"

enum phase { P_INPUT, P_WAIT, P_STATUS, P_FAILED };

struct ticket {
    char input[KCLIENT_TICKET_SIZE];
    char asked[KCLIENT_TICKET_SIZE];
    bool letters;
    enum phase phase;
    char status[16], updated[24];
    char note[KCLIENT_TEXT_SIZE];
    bool has_note;
    enum kerr error;
    bool has_local;
    struct kclient_local local;
};

static void enter(struct app *a, void *st, const void *arg)
{
    struct ticket *s = st;
    (void)arg;
    snprintf(s->input, sizeof s->input, "%s-", app_cfg(a)->kiosk_id);
}

static const char *title(struct app *a, void *st)
{
    (void)st;
    return app_tr(a, S_TICKET_TITLE);
}

static enum str_id status_name(const char *st)
{
    if (strcmp(st, "accepted") == 0) return S_ST_ACCEPTED;
    if (strcmp(st, "in_progress") == 0) return S_ST_IN_PROGRESS;
    if (strcmp(st, "resolved") == 0) return S_ST_RESOLVED;
    if (strcmp(st, "rejected") == 0) return S_ST_REJECTED;
    return S_ST_NEW;
}

static void net_event(struct app *a, void *st, const struct kclient_event *ev)
{
    struct ticket *s = st;
    if (s->phase != P_WAIT || strcmp(ev->ticket, s->asked) != 0) return;
    if (ev->kind == KCLIENT_EV_TICKET_STATUS) {
        s->phase = P_STATUS;
        snprintf(s->status, sizeof s->status, "%s", ev->status);
        snprintf(s->updated, sizeof s->updated, "%s", ev->updated_at);
        s->has_note = ev->has_note;
        snprintf(s->note, sizeof s->note, "%s", ev->has_note ? ev->text : "");
    } else if (ev->kind == KCLIENT_EV_TICKET_FAILED) {
        s->phase = P_FAILED;
        s->error = ev->error;
    } else {
        return;
    }
    /* what this kiosk itself knows, for a ticket filed here */
    s->has_local = app_client(a) && kclient_local_ticket(app_client(a), s->asked, &s->local) == KERR_OK;
    app_invalidate(a);
}

static void ask(struct app *a, struct ticket *s)
{
    enum kerr e;
    if (!app_client(a)) return;
    e = kclient_query_ticket(app_client(a), s->input);
    if (e == KERR_INVALID) {
        ui_toast(app_ui(a), app_tr(a, S_TICKET_BAD), 4000);
        return;
    }
    if (e != KERR_OK) {
        ui_toast(app_ui(a), app_tr(a, S_TICKET_ERROR), 4000);
        return;
    }
    snprintf(s->asked, sizeof s->asked, "%s", s->input);
    s->phase = P_WAIT;
    memset(s->note, 0, sizeof s->note);
}

static float result(struct app *a, struct ticket *s, float x, float y, float w)
{
    struct ui *ui = app_ui(a);
    char line[2200];
    float y0 = y;
    if (s->phase == P_INPUT)
        return ui_paragraph(ui, x, y, w, app_tr(a, S_TICKET_HINT), UI_F_BODY, UI_C_MUTED);
    ui_label(ui, x, y, s->asked, UI_F_TITLE, UI_C_TEXT, UI_LEFT);
    y += 80;
    if (s->phase == P_WAIT) {
        ui_label(ui, x, y, app_tr(a, S_TICKET_WAIT), UI_F_LARGE, UI_C_MUTED, UI_LEFT);
        return y + 60 - y0;
    }
    if (s->phase == P_STATUS) {
        snprintf(line, sizeof line, "%s%s", app_tr(a, S_TICKET_STATUS),
                 app_tr(a, status_name(s->status)));
        ui_label(ui, x, y, line, UI_F_TITLE, UI_C_OK, UI_LEFT);
        y += 80;
        if (s->has_note) {
            snprintf(line, sizeof line, "%s%s", app_tr(a, S_TICKET_NOTE), s->note);
            y += ui_paragraph(ui, x, y, w, line, UI_F_BODY, UI_C_TEXT) + 16;
        }
        snprintf(line, sizeof line, "%s%s", app_tr(a, S_TICKET_UPDATED), s->updated);
        ui_label(ui, x, y, line, UI_F_SMALL, UI_C_MUTED, UI_LEFT);
        return y + 50 - y0;
    }
    ui_paragraph(ui, x, y,  w,
                 app_tr(a, s->error == KERR_NET       ? S_TICKET_OFFLINE
                           : s->error == KERR_NOTFOUND ? S_TICKET_NOTFOUND
                                                       : S_TICKET_ERROR),
                 UI_F_LARGE, UI_C_WARN);
    y += 120;
    if (s->has_local) {
        snprintf(line, sizeof line, "%s%s", app_tr(a, S_TICKET_LOCAL),
                 app_tr(a, s->local.state == KCLIENT_DELIVERED ? S_DONE_SENT
                           : s->local.state == KCLIENT_DEAD    ? S_DONE_FAILED
                                                               : S_DONE_QUEUED));
        ui_paragraph(ui, x, y, w, line, UI_F_LARGE, UI_C_TEXT);
        y += 70;
    }
    return y - y0;
}

static void frame(struct app *a, void *st, struct ui_rect body)
{
    struct ticket *s = st;
    struct ui *ui = app_ui(a);
    bool portrait = ui_portrait(ui);
    float m = scr_margin(ui), lw, kw, kx, ky, kh;
    struct ui_key key;
    enum ui_kbd_layout lay = s->letters ? UI_KBD_LETTERS : UI_KBD_DIGITS;

    lw = portrait ? body.w - 2 * m : (body.w - 2 * m) * 0.5f;
    kw = portrait ? body.w - 2 * m : body.w - 2 * m - lw - 64;
    if (!s->letters && kw > 640) kw = 640;
    kh = ui_keyboard_height(lay, kw);
    kx = portrait ? (body.w - kw) / 2 : body.w - m - kw;
    ky = portrait ? body.y + body.h - kh - 40 : body.y + 100; /* level with the field */

    ui_label(ui, m, body.y + 40, app_tr(a, S_TICKET_PROMPT), UI_F_LARGE, UI_C_MUTED, UI_LEFT);
    ui_fill_round(ui, (struct ui_rect){m, body.y + 100, lw, 110}, 20, UI_C_RED);
    ui_fill_round(ui, (struct ui_rect){m + 3, body.y + 103, lw - 6, 104}, 18, UI_C_SURFACE);
    ui_label_fit(ui, (struct ui_rect){m + 32, body.y + 100, lw - 64, 110}, s->input, UI_F_TITLE,
                 UI_C_TEXT, UI_LEFT);
    if (ui_button(ui, (struct ui_rect){m, body.y + 230, lw * 0.6f, 100}, app_tr(a, S_TICKET_QUERY),
                  UI_PRIMARY))
        ask(a, s);
    if (ui_button(ui, (struct ui_rect){m + lw * 0.6f + 20, body.y + 230, lw * 0.4f - 20, 100},
                  app_tr(a, s->letters ? S_TICKET_DIGITS : S_TICKET_LETTERS), UI_SECONDARY))
        s->letters = !s->letters;
    result(a, s, m, body.y + 370, lw);
    if (s->letters && ui_button(ui, (struct ui_rect){kx, ky - 100, 160, 84}, "-", UI_KEY) &&
        strlen(s->input) + 1 < sizeof s->input)
        strcat(s->input, "-");

    if (ui_keyboard(ui, (struct ui_rect){kx, ky, kw, kh}, lay, &key) && key.kind != UI_KEY_SPACE &&
        ui_key_apply(&key, s->input, sizeof s->input) == 1 && key.kind == UI_KEY_CHAR) {
        size_t n = strlen(s->input); /* kiosk ids are written in capitals: HL-A01 */
        s->input[n - 1] = (char)toupper((unsigned char)s->input[n - 1]);
    }
}

const struct screen screen_ticket = {
    .id = "ticket",
    .state_size = sizeof(struct ticket),
    .enter = enter,
    .frame = frame,
    .title = title,
    .net_event = net_event,
};
