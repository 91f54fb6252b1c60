/* booking_manage: 签到 / 取消预约. The booking code (6 characters, letters
 * keyboard) and the last 4 digits of the phone (digits keyboard) → 签到 (only
 * inside the check-in window: outside it the hub says why, with the window's
 * times) or 取消预约. Asked of the hub without blocking the screen; any
 * kiosk may do it. A wrong code or last 4 gives one plain "not found". */
#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "booking_ui.h"
#include "kclient.h"
#include "kclient_booking.h"

enum phase { P_INPUT, P_WAIT, P_CHECKED_IN, P_CANCELLED, P_NOT_FOUND, P_EARLY, P_LATE,
             P_NOT_ACTIVE, P_OFFLINE, P_BUSY, P_ERROR };
enum field { F_CODE, F_LAST4 };

struct manage {
    char code[BOOK_CODE_SIZE];
    char last4[BOOK_LAST4_SIZE];
    enum field field;
    enum phase phase;
    uint32_t ask;
    char from[8], until[8]; /* the check-in window of a too-early / too-late answer */
};

static const char *title(struct app *a, void *st)
{
    (void)st;
    return bk_tr(a, BK_MANAGE);
}

static void leave(struct app *a, void *st)
{
    (void)a;
    explicit_bzero(st, sizeof(struct manage));
}

static void go(struct app *a, struct manage *s, enum kclient_bkind kind)
{
    struct kclient_bcall q;
    char code[BOOK_CODE_SIZE];
    if (!book_code_normalise(s->code, code)) {
        ui_toast(app_ui(a), bk_tr(a, BK_BAD_CODE), 4000);
        s->field = F_CODE;
        return;
    }
    if (!book_last4_valid(s->last4)) {
        ui_toast(app_ui(a), bk_tr(a, BK_BAD_LAST4), 4000);
        s->field = F_LAST4;
        return;
    }
    memset(&q, 0, sizeof q);
    q.kind = kind;
    snprintf(q.code, sizeof q.code, "%s", code);
    snprintf(q.last4, sizeof q.last4, "%s", s->last4);
    s->phase = P_OFFLINE;
    if (app_client(a) && kclient_booking_call(app_client(a), &q, &s->ask) == KERR_OK)
        s->phase = P_WAIT;
}

static void window_of(const char *json, size_t len, struct manage *s)
{
    cJSON *o = cJSON_ParseWithLength(json, len);
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(o, "checkin_from");
    const cJSON *u = cJSON_GetObjectItemCaseSensitive(o, "checkin_until");
    int64_t t;
    snprintf(s->from, sizeof s->from, "?");
    snprintf(s->until, sizeof s->until, "?");
    if (cJSON_IsString(f) && book_time_parse(f->valuestring, &t)) bk_hhmm(t, s->from);
    if (cJSON_IsString(u) && book_time_parse(u->valuestring, &t)) bk_hhmm(t, s->until);
    cJSON_Delete(o);
}

static void net_event(struct app *a, void *st, const struct kclient_event *ev)
{
    struct manage *s = st;
    struct kclient_banswer ans;
    char slug[48];
    if (ev->kind != KCLIENT_EV_BOOKING || s->phase != P_WAIT || !app_client(a) ||
        !kclient_booking_answer(app_client(a), s->ask, &ans))
        return;
    bk_problem_slug(ans.body, ans.len, slug, sizeof slug);
    if (ans.error != KERR_OK) s->phase = P_OFFLINE;
    else if (bk_hub_busy(ans.http)) s->phase = P_BUSY; /* online: the hub is busy */
    else if (ans.http == 200)
        s->phase = ans.kind == KCLIENT_B_CHECKIN ? P_CHECKED_IN : P_CANCELLED;
    else if (ans.http == 404) s->phase = P_NOT_FOUND;
    else if (ans.http == 409 && strcmp(slug, "too-early") == 0) s->phase = P_EARLY;
    else if (ans.http == 409 && strcmp(slug, "too-late") == 0) s->phase = P_LATE;
    else if (ans.http == 409) s->phase = P_NOT_ACTIVE;
    else s->phase = P_ERROR;
    if (s->phase == P_EARLY || s->phase == P_LATE) window_of(ans.body, ans.len, s);
    kclient_banswer_free(&ans);
    app_invalidate(a);
}

static void field_card(struct app *a, struct manage *s, enum field f, struct ui_rect r)
{
    struct ui *ui = app_ui(a);
    const char *label = f == F_CODE ? bk_tr(a, BK_CODE) : bk_tr(a, BK_LAST4);
    const char *value = f == F_CODE ? s->code : s->last4;
    bool focused = s->field == f;
    if (ui_hit_area(ui, r, label)) s->field = f;
    ui_fill_round(ui, r, 18, focused ? UI_C_RED : UI_C_LINE);
    ui_fill_round(ui, (struct ui_rect){r.x + 3, r.y + 3, r.w - 6, r.h - 6}, 16,
                  focused ? 0xFFFBF5FFu : UI_C_SURFACE);
    float lh = ui_line_h(ui, UI_F_SMALL); /* the value below its label, never under it */
    struct ui_rect v = {r.x + 28, r.y + 12 + lh, r.w - 56, r.h - 20 - lh};
    ui_label(ui, r.x + 28, r.y + 12, label, UI_F_SMALL, focused ? UI_C_RED : UI_C_MUTED, UI_LEFT);
    if (value[0])
        ui_label_fit(ui, v, value, UI_F_HUGE, UI_C_TEXT, UI_LEFT);
    else
        ui_label_fit(ui, v, app_tr(a, S_F_TAP_TO_FILL), UI_F_LARGE, 0x77706AFFu, UI_LEFT);
}

static void result(struct app *a, struct manage *s, float x, float y, float w)
{
    struct ui *ui = app_ui(a);
    char line[256];
    static const enum bk_str msg[] = {
        [P_WAIT] = BK_ASKING,           [P_CHECKED_IN] = BK_CHECKED_IN,
        [P_CANCELLED] = BK_CANCELLED,   [P_NOT_FOUND] = BK_NOT_FOUND,
        [P_EARLY] = BK_TOO_EARLY,       [P_LATE] = BK_TOO_LATE,
        [P_NOT_ACTIVE] = BK_NOT_ACTIVE, [P_OFFLINE] = BK_OFFLINE_MANAGE,
        [P_BUSY] = BK_HUB_BUSY,         [P_ERROR] = BK_ERROR};
    bool good = s->phase == P_CHECKED_IN || s->phase == P_CANCELLED;
    if (s->phase == P_INPUT) { /* the prompt is above: here, where the code is */
        ui_paragraph(ui, x, y, w, bk_tr(a, BK_MANAGE_WHERE), UI_F_BODY, UI_C_MUTED);
        return;
    }
    if (s->phase == P_EARLY || s->phase == P_LATE)
        snprintf(line, sizeof line, bk_tr(a, msg[s->phase]), s->from, s->until);
    else
        snprintf(line, sizeof line, "%s", bk_tr(a, msg[s->phase]));
    ui_paragraph(ui, x, y, w, line, UI_F_TITLE,
                 good ? UI_C_OK : s->phase == P_WAIT ? UI_C_MUTED : UI_C_WARN);
}

static void frame(struct app *a, void *st, struct ui_rect body)
{
    struct manage *s = st;
    struct ui *ui = app_ui(a);
    bool portrait = ui_portrait(ui);
    float m = scr_margin(ui), y = body.y + 30, lw, kw, kh, kx, ky;
    enum ui_kbd_layout lay = s->field == F_CODE ? UI_KBD_LETTERS : UI_KBD_DIGITS;
    struct ui_key key;

    lw = portrait ? body.w - 2 * m : (body.w - 2 * m) * 0.46f;
    kw = portrait ? body.w - 2 * m : body.w - 2 * m - lw - 64;
    if (lay == UI_KBD_DIGITS && kw > 640) kw = 640;
    kh = ui_keyboard_height(app_ui(a), lay, kw);
    kx = portrait ? (body.w - kw) / 2 : body.w - m - kw;
    ky = portrait ? body.y + body.h - kh - 40 : body.y + 100;

    /* wrapped, not cut (elder mode in English takes two lines) */
    y += ui_paragraph(ui, m, y, lw, bk_tr(a, BK_MANAGE_PROMPT), UI_F_LARGE, UI_C_MUTED) + 16;
    {
        float fh = 32 + ui_line_h(ui, UI_F_SMALL) + ui_line_h(ui, UI_F_HUGE) * 0.8f;
        if (fh < 130) fh = 130;
        field_card(a, s, F_CODE, (struct ui_rect){m, y, lw * 0.6f - 10, fh});
        field_card(a, s, F_LAST4, (struct ui_rect){m + lw * 0.6f + 10, y, lw * 0.4f - 10, fh});
        y += fh + 30;
    }
    if (ui_button(ui, (struct ui_rect){m, y, lw / 2 - 10, 110}, bk_tr(a, BK_CHECKIN), UI_PRIMARY) &&
        s->phase != P_WAIT)
        go(a, s, KCLIENT_B_CHECKIN);
    if (ui_button(ui, (struct ui_rect){m + lw / 2 + 10, y, lw / 2 - 10, 110}, bk_tr(a, BK_CANCEL),
                  UI_SECONDARY) &&
        s->phase != P_WAIT)
        go(a, s, KCLIENT_B_CANCEL);
    y += 150;
    result(a, s, m, y, lw);

    if (ui_keyboard(ui, (struct ui_rect){kx, ky, kw, kh}, lay, &key) && key.kind != UI_KEY_SPACE) {
        char *buf = s->field == F_CODE ? s->code : s->last4;
        size_t cap = s->field == F_CODE ? sizeof s->code : sizeof s->last4;
        char c[BOOK_CODE_SIZE + 1];
        snprintf(c, sizeof c, "%s", buf);
        if (ui_key_apply(&key, c, sizeof c) == 1) {
            size_t n = strlen(c);
            bool ok = n < cap;
            if (ok && n > 0 && key.kind == UI_KEY_CHAR) {
                c[n - 1] = (char)toupper((unsigned char)c[n - 1]);
                ok = s->field == F_CODE ? strchr(BOOK_ALPHABET, c[n - 1]) != NULL
                                        : isdigit((unsigned char)c[n - 1]);
            }
            if (ok) memcpy(buf, c, n + 1);
            /* six characters typed: the last 4 digits come next */
            if (ok && s->field == F_CODE && n == BOOK_CODE_LEN && key.kind == UI_KEY_CHAR)
                s->field = F_LAST4;
        }
        if (s->phase != P_WAIT) s->phase = P_INPUT;
    }
}

const struct screen screen_booking_manage = {
    .id = "booking_manage",
    .state_size = sizeof(struct manage),
    .flags = SCREEN_PERSONAL,
    .frame = frame,
    .leave = leave,
    .title = title,
    .net_event = net_event,
};
