/* ticket: 查询进度. The ticket number and its check code (查询码) are typed
 * into two fields (tap a field to type into it; this kiosk's prefix is filled
 * in, as it is printed on every receipt of this kiosk and is no secret: the
 * six random digits of the check code are what keep a ticket private). The
 * lookup goes to the hub without blocking the screen: the status and the
 * staff's latest note. Offline it says so, and shows what this kiosk knows of
 * a ticket filed here, again only with the right check code. A wrong code
 * shows the same "not found" as an unknown ticket, nothing more. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "kclient.h"
#include "screens.h"

enum phase { P_INPUT, P_WAIT, P_STATUS, P_FAILED };
enum field { F_TICKET, F_CHECK };

struct ticket {
    char input[KCLIENT_TICKET_SIZE];
    char check[KCLIENT_CHECK_SIZE];
    enum field field;
    char asked[KCLIENT_TICKET_SIZE];
    char asked_check[KCLIENT_CHECK_SIZE];
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
        app_voice_say(a, NULL, s->asked, app_tr(a, status_name(s->status))); /* 语音播报 */
    } else if (ev->kind == KCLIENT_EV_TICKET_FAILED) {
        s->phase = P_FAILED;
        s->error = ev->error;
    } else {
        return;
    }
    /* what this kiosk itself knows, for a ticket filed here (with its code) */
    s->has_local = ev->kind == KCLIENT_EV_TICKET_FAILED && app_client(a) &&
                   kclient_local_ticket(app_client(a), s->asked, s->asked_check, &s->local) == KERR_OK;
    app_invalidate(a);
}

static void ask(struct app *a, struct ticket *s)
{
    enum kerr e;
    if (!app_client(a)) return;
    if (!api_ticket_valid(s->input)) {
        ui_toast(app_ui(a), app_tr(a, S_TICKET_BAD), 4000);
        return;
    }
    if (!api_check_valid(s->check)) {
        ui_toast(app_ui(a), app_tr(a, S_TICKET_BAD_CHECK), 4000);
        s->field = F_CHECK;
        return;
    }
    e = kclient_query_ticket(app_client(a), s->input, s->check);
    if (e == KERR_INVALID) {
        ui_toast(app_ui(a), app_tr(a, S_TICKET_BAD), 4000);
        return;
    }
    if (e != KERR_OK) {
        ui_toast(app_ui(a), app_tr(a, S_TICKET_ERROR), 4000);
        return;
    }
    snprintf(s->asked, sizeof s->asked, "%s", s->input);
    snprintf(s->asked_check, sizeof s->asked_check, "%s", s->check);
    s->phase = P_WAIT;
    s->has_local = false;
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
                           : s->error == KERR_BUSY     ? S_TICKET_TOO_MANY
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

/* One input field, a card labelled with its name: tapping it types into it. */
static void field_card(struct app *a, struct ticket *s, enum field f, struct ui_rect r)
{
    struct ui *ui = app_ui(a);
    const char *label = app_tr(a, f == F_TICKET ? S_TICKET_NUMBER : S_TICKET_CHECK);
    const char *value = f == F_TICKET ? s->input : s->check;
    bool focused = s->field == f;
    if (ui_hit_area(ui, r, label)) s->field = f;
    ui_fill_round(ui, r, 18, focused ? UI_C_RED : UI_C_LINE);
    ui_fill_round(ui, (struct ui_rect){r.x + 3, r.y + 3, r.w - 6, r.h - 6}, 16,
                  focused ? 0xFFFBF5FFu : UI_C_SURFACE);
    ui_label(ui, r.x + 28, r.y + 12, label, UI_F_SMALL, focused ? UI_C_RED : UI_C_MUTED, UI_LEFT);
    /* the value under the label's line (taller in elder mode) */
    float vy = ui_elder(ui) ? r.y + 12 + ui_line_h(ui, UI_F_SMALL) : r.y + 44;
    if (value[0])
        ui_label_fit(ui, (struct ui_rect){r.x + 28, vy, r.w - 56, r.y + r.h - 8 - vy}, value,
                     UI_F_TITLE, UI_C_TEXT, UI_LEFT);
    else
        ui_label_in(ui, (struct ui_rect){r.x + 28, vy, r.w - 56, r.y + r.h - 8 - vy},
                    app_tr(a, S_F_TAP_TO_FILL), UI_F_LARGE, 0x77706AFFu, UI_LEFT);
}

static void frame(struct app *a, void *st, struct ui_rect body)
{
    struct ticket *s = st;
    struct ui *ui = app_ui(a);
    bool portrait = ui_portrait(ui);
    float m = scr_margin(ui), lw, kw, kx, ky, kh, y;
    struct ui_key key;
    /* the check code is digits only */
    enum ui_kbd_layout lay = s->letters && s->field == F_TICKET ? UI_KBD_LETTERS : UI_KBD_DIGITS;

    lw = portrait ? body.w - 2 * m : (body.w - 2 * m) * 0.5f;
    kw = portrait ? body.w - 2 * m : body.w - 2 * m - lw - 64;
    if (lay == UI_KBD_DIGITS && kw > 640) kw = 640;
    kh = ui_keyboard_height(ui, lay, kw);
    kx = portrait ? (body.w - kw) / 2 : body.w - m - kw;
    /* level with the first field (the "-" key fits above it) */
    ky = portrait ? body.y + body.h - kh - 40 : body.y + (ui_elder(ui) ? 130 : 100);

    /* elder mode: fields as tall as their lines, buttons as a target */
    float fh = ui_elder(ui) ? 20 + ui_line_h(ui, UI_F_SMALL) + ui_line_h(ui, UI_F_LARGE) : 120;
    float bh = fmaxf(90, ui_min_target(ui));
    y = body.y + 30;
    ui_label_fit(ui, (struct ui_rect){m, y, lw, ui_line_h(ui, UI_F_LARGE)},
                 app_tr(a, S_TICKET_PROMPT), UI_F_LARGE, UI_C_MUTED, UI_LEFT);
    y += fmaxf(70, ui_line_h(ui, UI_F_LARGE) + 8);
    field_card(a, s, F_TICKET, (struct ui_rect){m, y, lw, fh});
    y += fh + 20;
    field_card(a, s, F_CHECK, (struct ui_rect){m, y, lw * 0.6f, fh});
    if (ui_button(ui, (struct ui_rect){m + lw * 0.6f + 20, y + (fh - 100) / 2, lw * 0.4f - 20, 100},
                  app_tr(a, S_TICKET_QUERY), UI_PRIMARY))
        ask(a, s);
    y += fh + 20;
    if (s->field == F_TICKET &&
        ui_button(ui, (struct ui_rect){m, y, lw * 0.6f, bh},
                  app_tr(a, s->letters ? S_TICKET_DIGITS : S_TICKET_LETTERS), UI_SECONDARY))
        s->letters = !s->letters;
    y += bh + 30;
    result(a, s, m, y, lw);
    if (lay == UI_KBD_LETTERS &&
        ui_button(ui, (struct ui_rect){kx, ky - 16 - fmaxf(84, ui_min_target(ui)), 160,
                                       fmaxf(84, ui_min_target(ui))},
                  "-", UI_KEY) &&
        strlen(s->input) + 1 < sizeof s->input)
        strcat(s->input, "-");

    if (ui_keyboard(ui, (struct ui_rect){kx, ky, kw, kh}, lay, &key) && key.kind != UI_KEY_SPACE) {
        if (s->field == F_TICKET) {
            if (ui_key_apply(&key, s->input, sizeof s->input) == 1 && key.kind == UI_KEY_CHAR) {
                size_t n = strlen(s->input); /* kiosk ids are written in capitals: HL-A01 */
                s->input[n - 1] = (char)toupper((unsigned char)s->input[n - 1]);
            }
        } else {
            char c[KCLIENT_CHECK_SIZE + 1];
            snprintf(c, sizeof c, "%s", s->check);
            if (ui_key_apply(&key, c, sizeof c) == 1) {
                size_t n = strlen(c);
                if (n < sizeof s->check && (n == 0 || isdigit((unsigned char)c[n - 1]) ||
                                            key.kind != UI_KEY_CHAR))
                    memcpy(s->check, c, n + 1);
            }
        }
    }
}

const struct screen screen_ticket = {
    .id = "ticket",
    .flags = SCREEN_PRIVATE, /* a receipt / a ticket's status: no remote screenshot */
    .state_size = sizeof(struct ticket),
    .enter = enter,
    .frame = frame,
    .title = title,
    .net_event = net_event,
};
