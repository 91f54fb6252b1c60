/* admin_pin: the PIN entry in front of the on-site admin panel, opened by
 * the hidden gesture (a 5 s press in the top-left corner, app_ops.c). A
 * digit keyboard, the PIN shown as dots, 确定. A right PIN replaces this
 * screen with `admin`; wrong ones are counted and lock the panel
 * (adminpin.h: admin_lock_after, admin_lock_s; kept in the state folder,
 * logged). The PIN is wiped on leave and after every try. */
#include <stdio.h>
#include <string.h>

#include "adminpin.h"
#include "screens.h"

enum msg { M_NONE, M_WRONG, M_LOCKED, M_SHORT };

struct admin_pin {
    char pin[ADMINPIN_MAX + 4];
    struct adminpin ap;
    enum msg msg;
    int left;
};

static const char *title(struct app *a, void *st)
{
    (void)st;
    return app_tr(a, S_ADMIN_PIN_TITLE);
}

static void enter(struct app *a, void *st, const void *arg)
{
    struct admin_pin *s = st;
    const struct app_config *cfg = app_cfg(a);
    (void)arg;
    adminpin_open(&s->ap, app_state_dir(a), cfg->admin_lock_after, cfg->admin_lock_s,
                  app_wall_s(a));
    if (adminpin_locked_for(&s->ap, app_wall_s(a)) > 0) s->msg = M_LOCKED;
}

static void leave(struct app *a, void *st)
{
    struct admin_pin *s = st;
    (void)a;
    explicit_bzero(s->pin, sizeof s->pin);
}

static void submit(struct app *a, struct admin_pin *s)
{
    enum adminpin_result r;
    if (!adminpin_valid(s->pin) && adminpin_locked_for(&s->ap, app_wall_s(a)) == 0) {
        s->msg = M_SHORT;
        return;
    }
    r = adminpin_try(&s->ap, app_cfg(a)->admin_pin_hash, s->pin, app_wall_s(a), &s->left);
    explicit_bzero(s->pin, sizeof s->pin);
    if (r == ADMINPIN_OK) {
        s->msg = M_NONE;
        app_pop(a);
        app_push(a, &screen_admin, NULL, 0);
    } else if (r == ADMINPIN_LOCKED) {
        s->msg = M_LOCKED;
    } else if (r == ADMINPIN_WRONG) {
        s->msg = M_WRONG;
    } else { /* no hash configured: cannot happen (the gesture needs one) */
        app_pop(a);
    }
}

static void frame(struct app *a, void *st, struct ui_rect body)
{
    struct admin_pin *s = st;
    struct ui *ui = app_ui(a);
    float w = ui_portrait(ui) ? body.w - 2 * scr_margin(ui) : 760;
    float x = body.x + (body.w - w) / 2, y = body.y + 40;
    float kh = ui_keyboard_height(UI_KBD_DIGITS, w);
    char dots[3 * (ADMINPIN_MAX + 4) + 1] = "", line[160];
    size_t n = strlen(s->pin);
    struct ui_key k;
    int64_t locked = adminpin_locked_for(&s->ap, app_wall_s(a));

    if (s->msg == M_LOCKED && locked == 0) s->msg = M_NONE; /* the lock ran out */
    ui_label(ui, x + w / 2, y, app_tr(a, S_ADMIN_PIN_PROMPT), UI_F_LARGE, UI_C_TEXT, UI_CENTER);
    y += 90;
    for (size_t i = 0; i < n && i < ADMINPIN_MAX + 3; i++) strcat(dots, "●");
    ui_fill_round(ui, (struct ui_rect){x, y, w, 110}, 16, UI_C_SURFACE);
    ui_label_in(ui, (struct ui_rect){x, y, w, 110}, dots, UI_F_TITLE, UI_C_TEXT, UI_CENTER);
    y += 130;
    line[0] = '\0';
    if (s->msg == M_WRONG) snprintf(line, sizeof line, app_tr(a, S_ADMIN_PIN_WRONG), s->left);
    if (s->msg == M_LOCKED)
        snprintf(line, sizeof line, app_tr(a, S_ADMIN_PIN_LOCKED), (int)((locked + 59) / 60));
    if (s->msg == M_SHORT) snprintf(line, sizeof line, "%s", app_tr(a, S_ADMIN_PIN_SHORT));
    if (line[0]) ui_label_in(ui, (struct ui_rect){x, y, w, 60}, line, UI_F_BODY, UI_C_ERR, UI_CENTER);
    y += 80;
    if (ui_keyboard(ui, (struct ui_rect){x, y, w, kh}, UI_KBD_DIGITS, &k)) {
        if (ui_key_apply(&k, s->pin, ADMINPIN_MAX + 1) < 0) s->msg = M_SHORT;
        else if (s->msg != M_LOCKED) s->msg = M_NONE;
    }
    y += kh + 24;
    if (ui_button(ui, (struct ui_rect){x, y, w, 100}, app_tr(a, S_ADMIN_PIN_OK), UI_PRIMARY))
        submit(a, s);
    /* the minutes of the lock count down on screen */
    if (locked > 0) app_timer_at(a, app_now_ms(a) + (uint64_t)((locked - 1) % 60 + 1) * 1000u);
}

const struct screen screen_admin_pin = {
    .id = "admin_pin",
    .state_size = sizeof(struct admin_pin),
    .enter = enter,
    .frame = frame,
    .leave = leave,
    .title = title,
};
