/* rooms: 妈咪小屋. Every bookable nursing room with its tower, floor and
 * room, the walk from this kiosk (the ten-minute circle's walking times),
 * its amenities and hours, and whether it is free now (asked from the hub
 * without blocking the screen: one availability question per room on
 * enter). A room opens `room`; 签到 / 取消预约 opens booking_manage.
 * Offline every room says 联网后可预约; a room whose question the hub
 * answered busy (429, 5xx) says 服务繁忙 and is asked again after the hub's
 * Retry-After. */
#include <stdio.h>
#include <string.h>

#include "booking_ui.h"
#include "content.h"
#include "kclient.h"
#include "kclient_booking.h"

#define ROOMS_MAX 32

enum now_state { N_ASKING, N_FREE, N_BUSY, N_CLOSED, N_OFFLINE, N_HUB_BUSY };

struct rooms {
    struct ui_scroll scroll;
    int n;
    uint32_t ask[ROOMS_MAX];
    enum now_state now[ROOMS_MAX];
    uint64_t retry_at[ROOMS_MAX]; /* N_HUB_BUSY: app time of the next question */
};

static const char *title(struct app *a, void *st)
{
    (void)st;
    return app_tr(a, S_TILE_NURSING);
}

/* Asks the hub about room i today. */
static void ask_room(struct app *a, struct rooms *s, int i)
{
    struct kclient_bcall q;
    memset(&q, 0, sizeof q);
    q.kind = KCLIENT_B_AVAIL;
    snprintf(q.room, sizeof q.room, "%s", bk_room(a, i)->id);
    book_date_format(book_local_day(app_wall_s(a)), q.date);
    q.days = 1;
    s->now[i] = N_OFFLINE;
    if (app_client(a) && kclient_booking_call(app_client(a), &q, &s->ask[i]) == KERR_OK)
        s->now[i] = N_ASKING;
}

static void enter(struct app *a, void *st, const void *arg)
{
    struct rooms *s = st;
    (void)arg;
    s->n = bk_room_count(a);
    if (s->n > ROOMS_MAX) s->n = ROOMS_MAX;
    for (int i = 0; i < s->n; i++) ask_room(a, s, i);
}

static void net_event(struct app *a, void *st, const struct kclient_event *ev)
{
    struct rooms *s = st;
    int64_t now = app_wall_s(a);
    if (ev->kind != KCLIENT_EV_BOOKING || !app_client(a)) return;
    for (int i = 0; i < s->n; i++) {
        struct kclient_banswer ans;
        struct bk_slots sl;
        if (s->now[i] != N_ASKING || !kclient_booking_answer(app_client(a), s->ask[i], &ans))
            continue;
        s->now[i] = N_OFFLINE;
        if (ans.error == KERR_OK && bk_hub_busy(ans.http)) {
            s->now[i] = N_HUB_BUSY;
            s->retry_at[i] = app_now_ms(a) + bk_retry_ms(ans.retry_after_s);
            app_timer_at(a, s->retry_at[i]);
        } else if (ans.error == KERR_OK && ans.http == 200 && bk_slots_parse(ans.body, ans.len, &sl)) {
            const struct book_rules *r = bk_room(a, i)->booking;
            s->now[i] = N_CLOSED;
            for (int k = 0; k < sl.n; k++)
                if (sl.start[k] <= now && now < sl.start[k] + (int64_t)r->slot_min * 60)
                    s->now[i] = sl.state[k] == BK_S_TAKEN ? N_BUSY : N_FREE;
        }
        kclient_banswer_free(&ans);
        app_invalidate(a);
    }
}

static void frame(struct app *a, void *st, struct ui_rect body)
{
    struct rooms *s = st;
    struct ui *ui = app_ui(a);
    enum content_lang l = app_lang(a);
    bool portrait = ui_portrait(ui);
    float m = scr_margin(ui), y = body.y + 24, top, card_h;
    /* the card's lines stacked by their heights (elder mode: larger) */
    float h_name = ui_line_h(ui, UI_F_TITLE) > 64 ? ui_line_h(ui, UI_F_TITLE) : 64;
    float h_where = ui_line_h(ui, UI_F_LARGE) > 48 ? ui_line_h(ui, UI_F_LARGE) : 48;
    float h_body = ui_line_h(ui, UI_F_BODY) > 44 ? ui_line_h(ui, UI_F_BODY) : 44;
    float o_where = 20 + h_name + 12, o_am = o_where + h_where + 12, o_hours = o_am + h_body + 6;
    float o_chip = o_hours + h_body + 12, h_chip = h_body + 8 > 52 ? h_body + 8 : 52;
    float bw = portrait ? body.w - 2 * m : 460, chip_w = 264;
    static const uint32_t col[] = {UI_C_MUTED, UI_C_OK, UI_C_WARN, UI_C_MUTED, UI_C_WARN, UI_C_WARN};
    static const enum bk_str txt[] = {BK_ASKING,     BK_FREE_NOW, BK_BUSY_NOW,
                                      BK_CLOSED_NOW, BK_OFFLINE,  BK_HUB_BUSY_SHORT};
    card_h = portrait ? o_chip + h_chip + 16 : o_hours + h_body + 40;
    /* the state chips as wide as the widest one shown (elder mode in English:
     * "Bookable once online" is wider than the usual 264) */
    for (int i = 0; i < s->n; i++) {
        float w = ui_text_w(ui, bk_tr(a, txt[s->now[i]]), UI_F_BODY) + 48;
        if (w > chip_w) chip_w = w < 460 ? w : 460;
    }

    for (int i = 0; i < s->n; i++) /* the hub was busy: its Retry-After has passed */
        if (s->now[i] == N_HUB_BUSY && app_now_ms(a) >= s->retry_at[i]) ask_room(a, s, i);

    {
        float ph = ui_paragraph(ui, m, y + 10, portrait ? body.w - 2 * m : body.w - 2 * m - bw - 40,
                                bk_tr(a, BK_ROOMS_INTRO), UI_F_BODY, UI_C_MUTED);
        float by = portrait ? y + 10 + ph + 20 : y;
        if (ui_button_icon(ui, (struct ui_rect){portrait ? m : body.w - m - bw, by, bw, 100},
                           "event_available", bk_tr(a, BK_MANAGE), UI_SECONDARY))
            app_push(a, &screen_booking_manage, NULL, 0);
        top = by + 130;
        if (!portrait && y + 10 + ph + 24 > top) top = y + 10 + ph + 24; /* two lines (elder, English) */
    }
    if (s->n == 0) {
        ui_label(ui, m, top + 40, bk_tr(a, BK_NO_ROOMS), UI_F_LARGE, UI_C_MUTED, UI_LEFT);
        return;
    }
    ui_scroll_begin(ui, &s->scroll, (struct ui_rect){0, top, body.w, body.y + body.h - top});
    y = top + 8;
    for (int i = 0; i < s->n; i++) {
        const struct content_nursing_room *r = bk_room(a, i);
        struct ui_rect c = {m, y, body.w - 2 * m, card_h};
        char line[512], walk[128], am[400] = "";
        float tx = c.x + 36, tw = c.w - 72 - (portrait ? 0 : chip_w + 36);
        if (ui_hit_area(ui, c, content_tr(&r->name, l)))
            app_push(a, &screen_room, &(int){i}, sizeof(int));
        ui_fill_round(ui, c, 22, UI_C_SURFACE);
        ui_label_fit(ui, (struct ui_rect){tx, c.y + 20, tw, h_name}, content_tr(&r->name, l),
                     UI_F_TITLE, UI_C_TEXT, UI_LEFT);
        bk_where_text(a, r, line, sizeof line);
        bk_walk_text(a, r, walk, sizeof walk);
        if (walk[0]) {
            size_t k = strlen(line);
            snprintf(line + k, sizeof line - k, " · %s", walk);
        }
        ui_label_fit(ui, (struct ui_rect){tx, c.y + o_where, tw, h_where}, line, UI_F_LARGE, UI_C_RED,
                     UI_LEFT);
        for (size_t k = 0; k < r->n_amenities; k++) {
            size_t n = strlen(am);
            snprintf(am + n, sizeof am - n, "%s%s", k ? (l == CONTENT_EN ? ", " : "、") : "",
                     content_tr(&r->amenities[k], l));
        }
        snprintf(line, sizeof line, "%s%s%s", bk_tr(a, BK_AMENITIES), l == CONTENT_EN ? ": " : "：",
                 am);
        ui_label_fit(ui, (struct ui_rect){tx, c.y + o_am, tw, h_body}, line, UI_F_BODY, UI_C_MUTED,
                     UI_LEFT);
        snprintf(line, sizeof line, "%s%s%s", bk_tr(a, BK_HOURS), l == CONTENT_EN ? ": " : "：",
                 content_tr(&r->hours, l));
        ui_label_fit(ui, (struct ui_rect){tx, c.y + o_hours, tw, h_body}, line, UI_F_BODY, UI_C_MUTED,
                     UI_LEFT);
        {
            float sx = portrait ? tx : c.x + c.w - chip_w - 36, sy = portrait ? c.y + o_chip : c.y + 40;
            float sh = portrait ? h_chip : h_chip + 12;
            ui_fill_round(ui, (struct ui_rect){sx, sy, chip_w, sh}, 26,
                          col[s->now[i]] == UI_C_OK ? 0xE6F4E6FFu : 0xF3EEE6FFu);
            ui_label_fit(ui, (struct ui_rect){sx + 8, sy, chip_w - 16, sh}, bk_tr(a, txt[s->now[i]]),
                         UI_F_BODY, col[s->now[i]], UI_CENTER);
            if (!portrait)
                ui_label_in(ui, (struct ui_rect){sx, c.y + 150, chip_w, 90}, bk_tr(a, BK_BOOK),
                            UI_F_TITLE, UI_C_RED, UI_CENTER);
        }
        y += card_h + 28;
    }
    ui_scroll_end(ui, &s->scroll, y - top + 40);
}

const struct screen screen_rooms = {
    .id = "rooms",
    .state_size = sizeof(struct rooms),
    .enter = enter,
    .frame = frame,
    .title = title,
    .net_event = net_event,
};
