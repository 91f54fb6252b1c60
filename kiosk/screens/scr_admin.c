/* admin: the on-site admin panel, for service staff, after the PIN
 * (admin_pin). It shows the kiosk id, the program and content versions, the
 * content's and the link's last error, today's screen hours, a network test
 * to the hub (a heartbeat timed by the sender thread: kclient_ping, never on
 * this thread), the send queue (waiting and refused counts with their
 * reasons, and re-sending the refused ones: kclient_resend_dead), and the
 * tools: the screen test pattern (admin_pattern), the touch check
 * (admin_touch), restart (exit code KIOSK_EXIT_RESTART, which systemd's
 * Restart=on-failure restarts) and exit to the system (KIOSK_EXIT_TO_SYSTEM),
 * both behind a confirm dialog. Nothing personal is shown: reasons are error
 * words and the hub's problem titles. It leaves on idle like any screen. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "kclient.h"
#include "screens.h"

enum ping_state { PING_NONE, PING_WAIT, PING_DONE };
enum confirm { C_NONE, C_RESTART, C_EXIT };

struct admin {
    struct ui_scroll scroll;
    enum ping_state ping;
    struct kclient_event ping_ev;
    enum confirm confirm;
};

static const char *title(struct app *a, void *st)
{
    (void)st;
    return app_tr(a, S_ADMIN_TITLE);
}

static void enter(struct app *a, void *st, const void *arg)
{
    (void)st;
    (void)arg;
    if (app_client(a)) kclient_queue_refresh(app_client(a));
}

static void net_event(struct app *a, void *st, const struct kclient_event *ev)
{
    struct admin *s = st;
    char msg[120];
    if (ev->kind == KCLIENT_EV_PING) {
        s->ping = PING_DONE;
        s->ping_ev = *ev;
    } else if (ev->kind == KCLIENT_EV_DELIVERED || ev->kind == KCLIENT_EV_DEAD) {
        if (app_client(a)) kclient_queue_refresh(app_client(a)); /* the counts moved */
    } else if (ev->kind == KCLIENT_EV_RESENT) {
        if (ev->error == KERR_OK && ev->count > 0)
            snprintf(msg, sizeof msg, app_tr(a, S_ADMIN_RESENT), ev->count);
        else
            snprintf(msg, sizeof msg, "%s", app_tr(a, S_ADMIN_RESEND_NONE));
        ui_toast(app_ui(a), msg, 4000);
    }
    app_invalidate(a);
}

/* A card's label and value on one line at (x, y); returns the next y. */
static float row(struct ui *ui, float x, float y, float w, const char *label, const char *value)
{
    ui_label(ui, x, y, label, UI_F_SMALL, UI_C_MUTED, UI_LEFT);
    ui_label_fit(ui, (struct ui_rect){x + w * 0.34f, y - 6, w * 0.66f, 56}, value, UI_F_BODY,
                 UI_C_TEXT, UI_LEFT);
    return y + 62;
}

static void card(struct ui *ui, float x, float y, float w, float h, const char *heading)
{
    ui_fill_round(ui, (struct ui_rect){x, y, w, h}, 20, UI_C_SURFACE);
    ui_label(ui, x + 32, y + 22, heading, UI_F_LARGE, UI_C_RED, UI_LEFT);
}

/* Today's screen hours as "07:30–12:00, 13:00–21:00". */
static void hours_today(struct app *a, char *buf, size_t n)
{
    const struct schedule *sc = &app_cfg(a)->schedule;
    time_t t = (time_t)app_wall_s(a);
    struct tm tm;
    const struct schedule_day *d;
    size_t len = 0;
    if (!sc->set) {
        snprintf(buf, n, "%s", app_tr(a, S_ADMIN_SCHED_NONE));
        return;
    }
    localtime_r(&t, &tm);
    d = &sc->day[tm.tm_wday];
    len = (size_t)snprintf(buf, n, "%s ", app_tr(a, S_ADMIN_SCHED_TODAY));
    if (d->n == 0) snprintf(buf + len, n - len, "%s", app_tr(a, S_ADMIN_SCHED_OFF));
    for (int i = 0; i < d->n && len < n; i++)
        len += (size_t)snprintf(buf + len, n - len, "%s%02d:%02d–%02d:%02d", i ? ", " : "",
                                d->r[i].from_min / 60, d->r[i].from_min % 60, d->r[i].to_min / 60,
                                d->r[i].to_min % 60);
}

static float info_card(struct app *a, float x, float y, float w)
{
    struct ui *ui = app_ui(a);
    const struct content *c = app_content(a);
    struct kclient *kc = app_client(a);
    char v[300];
    float y0 = y, h = 32 + 70 + 5 * 62 + 16;
    card(ui, x, y, w, h, app_tr(a, S_ADMIN_INFO));
    y += 100;
    y = row(ui, x + 32, y, w - 64, app_tr(a, S_ADMIN_KIOSK), app_cfg(a)->kiosk_id);
    y = row(ui, x + 32, y, w - 64, app_tr(a, S_ADMIN_PROGRAM), KIOSK_VERSION);
    y = row(ui, x + 32, y, w - 64, app_tr(a, S_ADMIN_CONTENT), c ? c->version : "—");
    {
        const char *ce = app_content_error(a);
        struct kclient_status st;
        size_t len = 0;
        v[0] = '\0';
        if (ce && ce[0]) len = (size_t)snprintf(v, sizeof v, "%.200s", ce);
        if (kc && app_cfg(a)->hub_url[0] && kclient_status(kc, &st) != KERR_DB &&
            st.last_error != KERR_OK)
            snprintf(v + len, sizeof v - len, "%s%s (HTTP %d)", len ? " · " : "",
                     kerr_str(st.last_error), st.last_http_status);
        if (!v[0]) snprintf(v, sizeof v, "%s", app_tr(a, S_ADMIN_NONE));
        y = row(ui, x + 32, y, w - 64, app_tr(a, S_ADMIN_LAST_ERROR), v);
    }
    hours_today(a, v, sizeof v);
    row(ui, x + 32, y, w - 64, app_tr(a, S_ADMIN_SCHEDULE), v);
    return y0 + h;
}

static float net_card(struct app *a, struct admin *s, float x, float y, float w)
{
    struct ui *ui = app_ui(a);
    struct kclient *kc = app_client(a);
    char v[300];
    float bh = fmaxf(90, ui_min_target(ui)), h = 32 + 70 + 10 + bh + 100;
    card(ui, x, y, w, h, app_tr(a, S_ADMIN_NET));
    if (kc && s->ping != PING_WAIT &&
        ui_button_icon(ui, (struct ui_rect){x + 32, y + 96, w - 64, bh}, "network_check",
                       app_tr(a, S_ADMIN_NET_RUN), UI_SECONDARY)) {
        if (kclient_ping(kc) == KERR_OK) s->ping = PING_WAIT;
    }
    v[0] = '\0';
    if (!kc || !app_cfg(a)->hub_url[0])
        snprintf(v, sizeof v, "%s", app_tr(a, S_ADMIN_NET_NOHUB));
    if (s->ping == PING_WAIT) {
        snprintf(v, sizeof v, "%s", app_tr(a, S_ADMIN_NET_WAIT));
        app_expect_wake(a); /* the sender's answer wakes the loop */
    } else if (s->ping == PING_DONE && s->ping_ev.error == KERR_OK) {
        snprintf(v, sizeof v, app_tr(a, S_ADMIN_NET_OK), s->ping_ev.http_status, s->ping_ev.rtt_ms);
    } else if (s->ping == PING_DONE && app_cfg(a)->hub_url[0]) {
        snprintf(v, sizeof v, app_tr(a, S_ADMIN_NET_FAIL), kerr_str(s->ping_ev.error),
                 s->ping_ev.http_status, s->ping_ev.rtt_ms);
    }
    if (v[0])
        ui_label_fit(ui, (struct ui_rect){x + 32, y + 110 + bh, w - 64, 70}, v, UI_F_BODY,
                     s->ping == PING_DONE && s->ping_ev.error == KERR_OK ? UI_C_OK
                     : s->ping == PING_WAIT                             ? UI_C_MUTED
                                                                        : UI_C_ERR,
                     UI_LEFT);
    return y + h;
}

static float queue_card(struct app *a, float x, float y, float w)
{
    struct ui *ui = app_ui(a);
    struct kclient *kc = app_client(a);
    struct kclient_queue q;
    char v[200];
    float y0 = y, h, bh = fmaxf(90, ui_min_target(ui));
    memset(&q, 0, sizeof q);
    if (kc) kclient_queue_report(kc, &q);
    h = 32 + 70 + 70 + (float)(q.n_pending_why + q.n_dead_why) * 56 + (q.resendable > 0 ? bh + 30 : 10);
    card(ui, x, y, w, h, app_tr(a, S_ADMIN_QUEUE));
    y += 100;
    if (!q.ready) {
        ui_label(ui, x + 32, y, app_tr(a, S_ADMIN_QUEUE_WAIT), UI_F_BODY, UI_C_MUTED, UI_LEFT);
        if (kc) app_expect_wake(a);
    } else {
        snprintf(v, sizeof v, app_tr(a, S_ADMIN_QUEUE_LINE), q.pending, q.dead);
        ui_label(ui, x + 32, y, v, UI_F_BODY, UI_C_TEXT, UI_LEFT);
    }
    y += 70;
    for (int i = 0; i < q.n_pending_why + q.n_dead_why; i++) {
        bool dead = i >= q.n_pending_why;
        const struct kclient_reason *r = dead ? &q.dead_why[i - q.n_pending_why] : &q.pending_why[i];
        snprintf(v, sizeof v, "%s %d · %s", app_tr(a, dead ? S_ADMIN_REFUSED : S_ADMIN_WAITING),
                 r->count, r->reason[0] ? r->reason : "—");
        ui_label_fit(ui, (struct ui_rect){x + 32, y, w - 64, 50}, v, UI_F_SMALL,
                     dead ? UI_C_ERR : UI_C_MUTED, UI_LEFT);
        y += 56;
    }
    if (kc && q.ready && q.resendable > 0 &&
        ui_button_icon(ui, (struct ui_rect){x + 32, y + 10, w - 64, bh}, "replay",
                       app_tr(a, S_ADMIN_RESEND), UI_PRIMARY))
        kclient_resend_dead(kc);
    return y0 + h;
}

static float tools_card(struct app *a, struct admin *s, float x, float y, float w)
{
    struct ui *ui = app_ui(a);
    float bh = fmaxf(90, ui_min_target(ui)), bw = (w - 64 - 24) / 2,
          h = 32 + 70 + 2 * (bh + 20) + 10;
    card(ui, x, y, w, h, app_tr(a, S_ADMIN_TOOLS));
    y += 100;
    if (ui_button_icon(ui, (struct ui_rect){x + 32, y, bw, bh}, "grid_on", app_tr(a, S_ADMIN_PATTERN),
                       UI_SECONDARY))
        app_push(a, &screen_admin_pattern, NULL, 0);
    if (ui_button_icon(ui, (struct ui_rect){x + 32 + bw + 24, y, bw, bh}, "touch_app",
                       app_tr(a, S_ADMIN_TOUCH), UI_SECONDARY))
        app_push(a, &screen_admin_touch, NULL, 0);
    y += bh + 20;
    if (ui_button_icon(ui, (struct ui_rect){x + 32, y, bw, bh}, "restart_alt",
                       app_tr(a, S_ADMIN_RESTART), UI_SECONDARY))
        s->confirm = C_RESTART;
    if (ui_button_icon(ui, (struct ui_rect){x + 32 + bw + 24, y, bw, bh}, "logout",
                       app_tr(a, S_ADMIN_EXIT), UI_SECONDARY))
        s->confirm = C_EXIT;
    return y + bh + 20;
}

static void frame(struct app *a, void *st, struct ui_rect body)
{
    struct admin *s = st;
    struct ui *ui = app_ui(a);
    float m = scr_margin(ui), gap = 32, y;
    bool portrait = ui_portrait(ui);

    ui_scroll_begin(ui, &s->scroll, body);
    if (portrait) {
        float w = body.w - 2 * m;
        y = info_card(a, m, body.y + 32, w) + gap;
        y = net_card(a, s, m, y, w) + gap;
        y = queue_card(a, m, y, w) + gap;
        y = tools_card(a, s, m, y, w) + gap;
    } else {
        float w = (body.w - 2 * m - gap) / 2, yl, yr;
        yl = info_card(a, m, body.y + 32, w) + gap;
        yl = net_card(a, s, m, yl, w) + gap;
        yr = queue_card(a, m + w + gap, body.y + 32, w) + gap;
        yr = tools_card(a, s, m + w + gap, yr, w) + gap;
        y = yl > yr ? yl : yr;
    }
    ui_scroll_end(ui, &s->scroll, y - body.y);

    if (s->confirm != C_NONE) {
        const char *buttons[2] = {app_tr(a, S_ADMIN_CANCEL), app_tr(a, S_ADMIN_CONFIRM)};
        bool restart = s->confirm == C_RESTART;
        int r = ui_modal(ui, app_tr(a, restart ? S_ADMIN_RESTART_Q : S_ADMIN_EXIT_Q),
                         app_tr(a, restart ? S_ADMIN_RESTART_BODY : S_ADMIN_EXIT_BODY), buttons, 2);
        if (r == 1) s->confirm = C_NONE;
        if (r == 2) {
            s->confirm = C_NONE;
            app_quit(a, restart ? KIOSK_EXIT_RESTART : KIOSK_EXIT_TO_SYSTEM);
        }
    }
}

const struct screen screen_admin = {
    .id = "admin",
    .state_size = sizeof(struct admin),
    .enter = enter,
    .frame = frame,
    .title = title,
    .net_event = net_event,
};
