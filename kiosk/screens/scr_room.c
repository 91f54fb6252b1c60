/* room: one nursing room's days (tabs, as many as its days ahead) and the
 * slot grid of the chosen day: free / taken / past, each slot a large tap
 * target labelled with its start ("14:00"). Only free is shown, never who
 * booked. The availability comes from the hub without blocking the screen,
 * asked again whenever the screen is back on top; offline, or on a slot this
 * kiosk cannot confirm, it says 联网后可预约 and nothing is bookable. When the
 * hub answers but is busy (429, 5xx) it says 服务繁忙，请稍后再试 and asks
 * again by itself after the hub's Retry-After, counting down. */
#include <stdio.h>
#include <string.h>

#include "booking_ui.h"
#include "content.h"
#include "kclient.h"
#include "kclient_booking.h"

enum phase { P_ASKING, P_SHOWN, P_OFFLINE, P_BUSY, P_ERROR };

struct room {
    int idx;
    const struct content_nursing_room *r;
    int64_t today;
    int day; /* 0 .. days_ahead - 1 */
    enum phase phase;
    uint32_t ask;
    unsigned gen;
    uint64_t retry_at; /* P_BUSY: app time of the next question */
    struct bk_slots slots;
};

static const char *title(struct app *a, void *st)
{
    struct room *s = st;
    return s->r ? content_tr(&s->r->name, app_lang(a)) : app_tr(a, S_TILE_NURSING);
}

static void ask(struct app *a, struct room *s)
{
    struct kclient_bcall q;
    memset(&q, 0, sizeof q);
    q.kind = KCLIENT_B_AVAIL;
    snprintf(q.room, sizeof q.room, "%s", s->r->id);
    s->today = book_local_day(app_wall_s(a));
    book_date_format(s->today, q.date);
    q.days = s->r->booking->days_ahead;
    s->phase = P_OFFLINE;
    if (app_client(a) && kclient_booking_call(app_client(a), &q, &s->ask) == KERR_OK)
        s->phase = P_ASKING;
    s->gen = app_stack_gen(a);
}

static void enter(struct app *a, void *st, const void *arg)
{
    struct room *s = st;
    s->idx = arg ? *(const int *)arg : 0;
    s->r = bk_room(a, s->idx);
    if (s->r) ask(a, s);
}

/* Offline: the slots this kiosk holds (leased by the hub) of the shown
 * days, from its own record: those it may still confirm. */
static void held_slots(struct app *a, struct room *s)
{
    int64_t st[BK_SLOTS_MAX];
    bool fr[BK_SLOTS_MAX];
    int n = app_client(a) ? kclient_booking_held(app_client(a), s->r->id, book_day_start(s->today),
                                                 book_day_start(s->today + s->r->booking->days_ahead),
                                                 st, fr, BK_SLOTS_MAX)
                          : 0;
    int64_t now = app_wall_s(a);
    s->slots.n = 0;
    for (int i = 0; i < n; i++) {
        if (!book_slot_bookable(s->r->booking, st[i], now) && fr[i]) continue;
        s->slots.start[s->slots.n] = st[i];
        s->slots.state[s->slots.n] = fr[i] ? BK_S_FREE : BK_S_TAKEN;
        s->slots.n++;
    }
}

static void net_event(struct app *a, void *st, const struct kclient_event *ev)
{
    struct room *s = st;
    struct kclient_banswer ans;
    if (ev->kind != KCLIENT_EV_BOOKING || s->phase != P_ASKING || !app_client(a) ||
        !kclient_booking_answer(app_client(a), s->ask, &ans))
        return;
    if (ans.error != KERR_OK) {
        s->phase = P_OFFLINE;
    } else if (ans.http == 200 && bk_slots_parse(ans.body, ans.len, &s->slots)) {
        s->phase = P_SHOWN;
    } else if (bk_hub_busy(ans.http)) { /* online, the hub is busy: not 联网后可预约 */
        s->phase = P_BUSY;
        s->retry_at = app_now_ms(a) + bk_retry_ms(ans.retry_after_s);
    } else {
        s->phase = P_ERROR;
    }
    if (s->phase == P_SHOWN) { /* the slots this kiosk holds: its own record says taken or free */
        for (int k = 0; k < s->slots.n; k++) {
            int held = kclient_booking_slot(app_client(a), s->r->id, s->slots.start[k]);
            if (held == 2) s->slots.state[k] = BK_S_TAKEN;
        }
    } else if (s->phase == P_OFFLINE) {
        held_slots(a, s);
    }
    kclient_banswer_free(&ans);
    app_invalidate(a);
}

/* A warning box across w at y: the icon, a title line and body wrapped
 * under it (elder mode in English takes two lines), as tall as they need. */
static void warn_box(struct ui *ui, float x, float y, float w, const char *icon, const char *head,
                     const char *body)
{
    float th = ui_line_h(ui, UI_F_TITLE) > 60 ? ui_line_h(ui, UI_F_TITLE) : 60;
    float bh = body && body[0] ? ui_paragraph_height(ui, w - 150, body, UI_F_BODY) : 0;
    float h = 14 + th + 8 + bh + 20;
    if (h < 150) h = 150;
    ui_fill_round(ui, (struct ui_rect){x, y, w, h}, 20, 0xFFF4E0FFu);
    ui_icon(ui, x + 60, y + h / 2, icon, UI_F_ICON, UI_C_WARN);
    ui_label_fit(ui, (struct ui_rect){x + 120, y + 14, w - 150, th}, head, UI_F_TITLE, UI_C_WARN,
                 UI_LEFT);
    if (bh > 0) ui_paragraph(ui, x + 120, y + 14 + th + 8, w - 150, body, UI_F_BODY, UI_C_TEXT);
}

static void frame(struct app *a, void *st, struct ui_rect body)
{
    struct room *s = st;
    struct ui *ui = app_ui(a);
    bool portrait = ui_portrait(ui);
    float m = scr_margin(ui), y = body.y + 24, w = body.w - 2 * m;
    const struct book_rules *rules;
    int days, cols = portrait ? 4 : 6, n = 0;
    char line[256], walk[128];
    if (!s->r) {
        scr_no_content(a, body);
        return;
    }
    rules = s->r->booking;
    if (s->gen != app_stack_gen(a) && s->phase != P_ASKING) ask(a, s); /* back on top: afresh */
    if (s->phase == P_BUSY && app_now_ms(a) >= s->retry_at) ask(a, s); /* the hub's Retry-After */
    bk_where_text(a, s->r, line, sizeof line);
    bk_walk_text(a, s->r, walk, sizeof walk);
    if (walk[0]) {
        size_t k = strlen(line);
        snprintf(line + k, sizeof line - k, " · %s", walk);
    }
    ui_label_fit(ui, (struct ui_rect){m, y, w, 56}, line, UI_F_LARGE, UI_C_RED, UI_LEFT);
    y += 66;
    {
        char pick[160];
        bool en = app_lang(a) == CONTENT_EN;
        snprintf(pick, sizeof pick, "%s%s", bk_tr(a, BK_ROOM_PICK), en ? " (" : "（");
        snprintf(pick + strlen(pick), sizeof pick - strlen(pick), bk_tr(a, BK_SLOT_MIN),
                 rules->slot_min);
        snprintf(pick + strlen(pick), sizeof pick - strlen(pick), en ? ")" : "）");
        ui_label_fit(ui, (struct ui_rect){m, y, w, 48}, pick, UI_F_BODY, UI_C_MUTED, UI_LEFT);
    }
    y += 64;
    /* day tabs */
    days = rules->days_ahead;
    {
        int per_row = portrait ? 4 : 7, rows = (days + per_row - 1) / per_row;
        float gap = 16, tw = (w - (per_row - 1) * gap) / per_row;
        for (int d = 0; d < days; d++) {
            char t[48];
            struct ui_rect r = {m + (d % per_row) * (tw + gap), y + (d / per_row) * (96 + gap), tw,
                                96};
            bk_day_text(a, s->today + d, s->today, t, sizeof t);
            if (ui_button(ui, r, t, d == s->day ? UI_PRIMARY : UI_CHIP)) s->day = d;
        }
        y += rows * (96 + gap) + 24;
    }
    if (s->phase == P_ASKING) {
        ui_label(ui, m, y + 20, bk_tr(a, BK_ASKING), UI_F_LARGE, UI_C_MUTED, UI_LEFT);
        return;
    }
    if (s->phase == P_OFFLINE && s->slots.n > 0) {
        /* held slots only, with the reason the others are missing (wrapped) */
        float h = ui_paragraph_height(ui, w - 60, bk_tr(a, BK_OFFLINE_HELD), UI_F_BODY) + 28;
        if (h < 90) h = 90;
        ui_fill_round(ui, (struct ui_rect){m, y, w, h}, 20, 0xFFF4E0FFu);
        ui_paragraph(ui, m + 30, y + 14, w - 60, bk_tr(a, BK_OFFLINE_HELD), UI_F_BODY, UI_C_WARN);
        y += h + 20;
    } else if (s->phase == P_BUSY || s->phase == P_ERROR) {
        char again[96] = "";
        if (s->phase == P_BUSY) {
            uint64_t now = app_now_ms(a), left = s->retry_at > now ? s->retry_at - now : 0;
            snprintf(again, sizeof again, bk_tr(a, BK_RETRY_IN), (int)((left + 999) / 1000));
            app_timer_at(a, now + (left % 1000 ? left % 1000 : 1000)); /* the countdown */
        }
        warn_box(ui, m, y, w, s->phase == P_BUSY ? "schedule" : "search_off",
                 bk_tr(a, s->phase == P_BUSY ? BK_HUB_BUSY : BK_AVAIL_ERROR), again);
        return;
    } else if (s->phase != P_SHOWN) {
        warn_box(ui, m, y, w, "cloud_off", bk_tr(a, BK_OFFLINE), bk_tr(a, BK_OFFLINE_LONG));
        return;
    }
    {
        /* a slot: its start over its state, each a line of its own (elder
         * mode: larger lines, so a taller cell and the start one size down
         * in landscape, where four rows must fit) */
        enum ui_font tf = ui_elder(ui) && !portrait ? UI_F_LARGE : UI_F_TITLE;
        float lt = ui_line_h(ui, tf), lb = ui_line_h(ui, UI_F_BODY);
        float gap = 18, cw = (w - (cols - 1) * gap) / cols, ch = portrait ? 150 : 118;
        int64_t d0 = book_day_start(s->today + s->day), d1 = book_day_start(s->today + s->day + 1);
        if (ch < lt + lb + 12) ch = lt + lb + 12;
        for (int k = 0; k < s->slots.n; k++) {
            int64_t t = s->slots.start[k];
            enum bk_state state = (enum bk_state)s->slots.state[k];
            struct ui_rect r;
            char hm[8];
            uint32_t bg, fg;
            enum bk_str label;
            if (t < d0 || t >= d1) continue;
            r = (struct ui_rect){m + (n % cols) * (cw + gap), y + (n / cols) * (ch + gap), cw, ch};
            n++;
            bk_hhmm(t, hm);
            bg = state == BK_S_FREE ? 0xE6F4E6FFu : state == BK_S_TAKEN ? 0xF6DCDCFFu : 0xEAE6E0FFu;
            /* the darker red: UI_C_ERR on this pink is 4.3:1, under 4.5 */
            fg = state == BK_S_FREE ? UI_C_OK : state == BK_S_TAKEN ? UI_C_RED_DARK : UI_C_MUTED;
            label = state == BK_S_FREE    ? BK_SLOT_FREE
                    : state == BK_S_TAKEN ? BK_SLOT_TAKEN
                    : state == BK_S_HELD  ? BK_SLOT_HELD
                                          : BK_SLOT_PAST;
            if (state == BK_S_FREE && ui_hit_area(ui, r, hm)) {
                struct bk_pick p = {s->idx, t};
                app_push(a, &screen_booking_form, &p, sizeof p);
            }
            ui_fill_round(ui, r, 16, bg);
            {
                float pad = (r.h - lt - lb) / 2;
                ui_label_in(ui, (struct ui_rect){r.x, r.y + pad, r.w, lt}, hm, tf,
                            state == BK_S_FREE ? UI_C_TEXT : UI_C_MUTED, UI_CENTER);
                ui_label_in(ui, (struct ui_rect){r.x, r.y + pad + lt, r.w, lb}, bk_tr(a, label),
                            UI_F_BODY, fg, UI_CENTER);
            }
        }
        if (n == 0)
            ui_label(ui, m, y + 20, bk_tr(a, BK_DAY_CLOSED), UI_F_LARGE, UI_C_MUTED, UI_LEFT);
    }
}

const struct screen screen_room = {
    .id = "room",
    .state_size = sizeof(struct room),
    .enter = enter,
    .frame = frame,
    .title = title,
    .net_event = net_event,
};
