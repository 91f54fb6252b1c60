/* booking_form: the phone number for a chosen slot, typed on a digit
 * keyboard, the privacy text and 我已阅读并同意, then 确认预约. The booking goes
 * to the hub without blocking the screen, with one Idempotency-Key per slot
 * chosen here, so tapping 确认预约 again after a lost answer never books
 * twice. 201/200 → booking_done (the form is left and its phone wiped);
 * 409 slot-taken → the nearest free slots to choose from; the phone limit,
 * an unbookable slot and no answer each say so. SCREEN_PERSONAL: idle asks
 * 还在吗？ first, and leaving wipes the number. */
#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "booking_ui.h"
#include "content.h"
#include "kclient.h"
#include "kclient_booking.h"

enum phase { P_INPUT, P_SENDING, P_TAKEN, P_LIMIT, P_UNAVAILABLE, P_NET, P_BUSY, P_ERROR };

struct form {
    struct bk_pick pick;
    const struct content_nursing_room *r;
    char phone[BOOK_PHONE_SIZE];
    bool consent;
    enum phase phase;
    char key[API_UUID_SIZE]; /* the booking's Idempotency-Key, one per slot and number */
    bool sent;               /* key was sent: a changed number needs a new one */
    uint32_t ask;
    int n_alt;
    int64_t alt[BOOK_ALTERNATIVES];
};

static const char *title(struct app *a, void *st)
{
    (void)st;
    return bk_tr(a, BK_FORM_TITLE);
}

static void new_key(struct form *s)
{
    if (api_uuid_v4_make(s->key) != KERR_OK) s->key[0] = '\0';
}

static void enter(struct app *a, void *st, const void *arg)
{
    struct form *s = st;
    if (arg) s->pick = *(const struct bk_pick *)arg;
    s->r = bk_room(a, s->pick.room);
    new_key(s);
}

static void leave(struct app *a, void *st)
{
    struct form *s = st;
    (void)a;
    explicit_bzero(s->phone, sizeof s->phone);
}

static void submit(struct app *a, struct form *s)
{
    struct kclient_bcall q;
    enum kerr e;
    if (!book_phone_valid(s->phone)) {
        ui_toast(app_ui(a), bk_tr(a, BK_BAD_PHONE), 4000);
        return;
    }
    if (!s->consent) {
        ui_toast(app_ui(a), bk_tr(a, BK_NEED_CONSENT), 4000);
        return;
    }
    if (!app_client(a) || !s->key[0]) {
        s->phase = P_NET;
        return;
    }
    if (kclient_booking_slot(app_client(a), s->r->id, s->pick.start) != 0) {
        /* a slot the hub leased this kiosk: confirmed here (durably) and
         * sent to the hub exactly once, whether the network is up or not */
        struct bk_done d;
        memset(&d, 0, sizeof d);
        d.room = s->pick.room;
        d.start = s->pick.start;
        d.local = true;
        e = kclient_booking_local(app_client(a), s->r->id, s->pick.start, s->phone,
                                  app_lang(a) == CONTENT_EN ? "en" : "zh", d.code, d.last4);
        if (e == KERR_OK) {
            booking_done_open(a, &d);
        } else {
            s->n_alt = 0;
            s->phase = e == KERR_BUSY ? P_TAKEN : P_ERROR;
        }
        return;
    }
    memset(&q, 0, sizeof q);
    q.kind = KCLIENT_B_CREATE;
    snprintf(q.room, sizeof q.room, "%s", s->r->id);
    api_time_format(s->pick.start * 1000, q.start);
    snprintf(q.phone, sizeof q.phone, "%s", s->phone);
    snprintf(q.lang, sizeof q.lang, "%s", app_lang(a) == CONTENT_EN ? "en" : "zh");
    snprintf(q.key, sizeof q.key, "%s", s->key);
    e = kclient_booking_call(app_client(a), &q, &s->ask);
    s->sent = true;
    explicit_bzero(&q, sizeof q);
    s->phase = e == KERR_OK ? P_SENDING : P_ERROR;
}

static void answered(struct app *a, struct form *s, const struct kclient_banswer *ans)
{
    char slug[48];
    cJSON *o;
    if (ans->error != KERR_OK) {
        s->phase = P_NET; /* the same key again: the hub replays, never books twice */
        return;
    }
    if (ans->http == 201 || ans->http == 200) {
        struct bk_done d;
        const cJSON *code, *l4;
        o = cJSON_ParseWithLength(ans->body, ans->len);
        code = cJSON_GetObjectItemCaseSensitive(o, "code");
        l4 = cJSON_GetObjectItemCaseSensitive(o, "phone_last4");
        memset(&d, 0, sizeof d);
        d.room = s->pick.room;
        d.start = s->pick.start;
        if (cJSON_IsString(code) && book_code_valid(code->valuestring) && cJSON_IsString(l4) &&
            book_last4_valid(l4->valuestring)) {
            snprintf(d.code, sizeof d.code, "%s", code->valuestring);
            snprintf(d.last4, sizeof d.last4, "%s", l4->valuestring);
            cJSON_Delete(o);
            booking_done_open(a, &d);
            return;
        }
        cJSON_Delete(o);
        s->phase = P_NET; /* not the hub's answer (a proxy's page): ask again */
        return;
    }
    bk_problem_slug(ans->body, ans->len, slug, sizeof slug);
    if (ans->http == 409 && strcmp(slug, "slot-taken") == 0) {
        const cJSON *it;
        o = cJSON_ParseWithLength(ans->body, ans->len);
        s->n_alt = 0;
        cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(o, "alternatives")) {
            const cJSON *st = cJSON_GetObjectItemCaseSensitive(it, "start");
            int64_t t;
            if (s->n_alt < BOOK_ALTERNATIVES && cJSON_IsString(st) &&
                book_time_parse(st->valuestring, &t))
                s->alt[s->n_alt++] = t;
        }
        cJSON_Delete(o);
        s->phase = P_TAKEN;
    } else if (ans->http == 409 && strcmp(slug, "phone-limit") == 0) {
        s->phase = P_LIMIT;
    } else if (ans->http == 422 && strcmp(slug, "slot-unavailable") == 0) {
        s->phase = P_UNAVAILABLE;
    } else if (bk_hub_busy(ans->http)) { /* the same key again later: never twice */
        s->phase = P_BUSY;
    } else {
        s->phase = P_ERROR;
    }
}

static void net_event(struct app *a, void *st, const struct kclient_event *ev)
{
    struct form *s = st;
    struct kclient_banswer ans;
    if (ev->kind != KCLIENT_EV_BOOKING || s->phase != P_SENDING || !app_client(a) ||
        !kclient_booking_answer(app_client(a), s->ask, &ans))
        return;
    answered(a, s, &ans);
    kclient_banswer_free(&ans);
    app_invalidate(a);
}

/* The outcome under the button; the nearest free slots after a slot-taken. */
static void outcome(struct app *a, struct form *s, float x, float y, float w)
{
    struct ui *ui = app_ui(a);
    static const enum bk_str msg[] = {[P_SENDING] = BK_SENDING,      [P_TAKEN] = BK_TAKEN,
                                      [P_LIMIT] = BK_PHONE_LIMIT,    [P_UNAVAILABLE] = BK_UNAVAILABLE,
                                      [P_NET] = BK_NET_RETRY,        [P_BUSY] = BK_FORM_BUSY,
                                      [P_ERROR] = BK_ERROR};
    if (s->phase == P_INPUT) return;
    y += ui_paragraph(ui, x, y, w, bk_tr(a, msg[s->phase]), UI_F_LARGE,
                      s->phase == P_SENDING ? UI_C_MUTED : UI_C_WARN) + 16;
    if (s->phase != P_TAKEN) return;
    for (int i = 0; i < s->n_alt; i++) {
        char t[96];
        bk_slot_text(a, s->alt[i], s->r->booking->slot_min, t, sizeof t);
        if (ui_button(ui, (struct ui_rect){x + (i % 2) * (w / 2), y + (i / 2) * 100, w / 2 - 16, 84},
                      t, UI_SECONDARY)) {
            s->pick.start = s->alt[i];
            new_key(s); /* another slot: another booking */
            s->sent = false;
            submit(a, s);
        }
    }
}

static void frame(struct app *a, void *st, struct ui_rect body)
{
    struct form *s = st;
    struct ui *ui = app_ui(a);
    bool portrait = ui_portrait(ui);
    float m = scr_margin(ui), y = body.y + 24, lw, kw, kh, kx, ky;
    struct ui_key key;
    char line[256], shown[32];
    if (!s->r) {
        scr_no_content(a, body);
        return;
    }
    lw = portrait ? body.w - 2 * m : (body.w - 2 * m) * 0.56f;
    kw = portrait ? body.w - 2 * m : body.w - 2 * m - lw - 60;
    if (kw > 640) kw = 640;
    kh = ui_keyboard_height(app_ui(a), UI_KBD_DIGITS, kw);
    kx = portrait ? (body.w - kw) / 2 : body.w - m - kw;
    ky = portrait ? body.y + body.h - kh - 30 : body.y + 140;

    {
        /* a title line each, a line height apart (elder mode's are taller) */
        float th = fmaxf(60, ui_line_h(ui, UI_F_TITLE));
        ui_label_fit(ui, (struct ui_rect){m, y, lw, th}, content_tr(&s->r->name, app_lang(a)),
                     UI_F_TITLE, UI_C_TEXT, UI_LEFT);
        y += th + 10;
        bk_slot_text(a, s->pick.start, s->r->booking->slot_min, line, sizeof line);
        ui_label_fit(ui, (struct ui_rect){m, y, lw, th}, line, UI_F_TITLE, UI_C_RED, UI_LEFT);
        y += th + 20;
    }
    /* the phone field: digits grouped 3-4-4 as people read them */
    {
        size_t n = strlen(s->phone), k = 0;
        /* the label above the number, each its own line (elder mode: both larger) */
        float lh_l = ui_line_h(ui, UI_F_SMALL), lh_v = ui_line_h(ui, UI_F_HUGE);
        float fh = 12 + lh_l + lh_v + 8 > 130 ? 12 + lh_l + lh_v + 8 : 130;
        struct ui_rect r = {m, y, lw, fh};
        for (size_t i = 0; i < n && k + 2 < sizeof shown; i++) {
            if (i == 3 || i == 7) shown[k++] = ' ';
            shown[k++] = s->phone[i];
        }
        shown[k] = '\0';
        ui_fill_round(ui, r, 18, UI_C_RED);
        ui_fill_round(ui, (struct ui_rect){r.x + 3, r.y + 3, r.w - 6, r.h - 6}, 16, 0xFFFBF5FFu);
        ui_label(ui, r.x + 28, r.y + 12, bk_tr(a, BK_PHONE), UI_F_SMALL, UI_C_RED, UI_LEFT);
        ui_label_fit(ui, (struct ui_rect){r.x + 28, r.y + 12 + lh_l, r.w - 56, r.h - 20 - lh_l},
                     shown[0] ? shown : bk_tr(a, BK_PHONE_HINT), shown[0] ? UI_F_HUGE : UI_F_LARGE,
                     shown[0] ? UI_C_TEXT : 0x77706AFFu, UI_LEFT);
        y += fh + 20;
    }
    y += ui_paragraph(ui, m, y, lw, bk_tr(a, BK_PRIVACY), UI_F_SMALL, UI_C_MUTED) + 16;
    {
        struct ui_rect cr = {m, y, lw * 0.55f, 96};
        /* the box beside its label, never over it (elder mode: a wider label) */
        if (ui_button_icon(ui, cr, s->consent ? "check_box" : "check_box_outline_blank",
                           bk_tr(a, BK_CONSENT), s->consent ? UI_PRIMARY : UI_SECONDARY))
            s->consent = !s->consent;
        if (ui_button(ui, (struct ui_rect){m + lw * 0.55f + 20, y, lw * 0.45f - 20, 96},
                      bk_tr(a, BK_CONFIRM), UI_PRIMARY) &&
            s->phase != P_SENDING)
            submit(a, s);
        y += 116;
    }
    outcome(a, s, m, y, lw);

    if (ui_keyboard(ui, (struct ui_rect){kx, ky, kw, kh}, UI_KBD_DIGITS, &key) &&
        key.kind != UI_KEY_SPACE && s->phase != P_SENDING) {
        char c[BOOK_PHONE_SIZE + 1];
        snprintf(c, sizeof c, "%s", s->phone);
        if (ui_key_apply(&key, c, sizeof c) == 1) {
            size_t n = strlen(c);
            if (n < sizeof s->phone &&
                (n == 0 || key.kind != UI_KEY_CHAR || isdigit((unsigned char)c[n - 1]))) {
                memcpy(s->phone, c, n + 1);
                if (s->sent) { /* another number: another booking (and key) */
                    new_key(s);
                    s->sent = false;
                }
            }
        }
        explicit_bzero(c, sizeof c);
        if (s->phase != P_TAKEN) s->phase = P_INPUT;
    }
}

const struct screen screen_booking_form = {
    .id = "booking_form",
    .state_size = sizeof(struct form),
    .flags = SCREEN_PERSONAL,
    .enter = enter,
    .frame = frame,
    .leave = leave,
    .title = title,
    .net_event = net_event,
};
