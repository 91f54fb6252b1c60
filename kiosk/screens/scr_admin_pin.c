/* admin_pin: the PIN entry in front of the on-site admin panel, opened by
 * the hidden gesture (a 5 s press in the top-left corner, app_ops.c). A
 * digit keyboard, the PIN shown as dots, 确定. A right PIN replaces this
 * screen with `admin`; wrong ones are counted and lock the panel
 * (adminpin.h: admin_lock_after, admin_lock_s; kept in the state folder,
 * logged). The PIN is checked on a thread of its own (scrypt takes
 * 150-250 ms; the screen says 正在核对… meanwhile and keeps drawing). The PIN
 * is wiped on leave and after every try. */
#include <stdio.h>
#include <string.h>

#include "adminpin.h"
#include "screens.h"

enum msg { M_NONE, M_WRONG, M_LOCKED, M_SHORT };

struct admin_pin {
    char pin[ADMINPIN_MAX + 4];
    struct adminpin ap;
    struct adminpin_check *chk; /* the PIN being checked, or NULL */
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
    adminpin_check_free(s->chk); /* waits for a check under way (at most one) */
    s->chk = NULL;
    explicit_bzero(s->pin, sizeof s->pin);
}

/* Acts on the verdict r; true when this screen was left (s is gone then). */
static bool finish(struct app *a, struct admin_pin *s, enum adminpin_result r)
{
    if (r == ADMINPIN_OK) {
        s->msg = M_NONE;
        app_pop(a);
        app_push(a, &screen_admin, NULL, 0);
        return true;
    }
    if (r == ADMINPIN_LOCKED) {
        s->msg = M_LOCKED;
    } else if (r == ADMINPIN_WRONG) {
        s->msg = M_WRONG;
    } else { /* no hash configured: cannot happen (the gesture needs one) */
        app_pop(a);
        return true;
    }
    return false;
}

static void wake(void *ud) { app_wake(ud); }

/* 确定: the lock and the hash first, then the PIN checked off the UI thread
 * (on the calling thread only when no thread can start). */
static bool submit(struct app *a, struct admin_pin *s)
{
    const char *hash = app_cfg(a)->admin_pin_hash;
    enum adminpin_result r;
    if (s->chk) return false; /* one check at a time */
    if (!adminpin_valid(s->pin) && adminpin_locked_for(&s->ap, app_wall_s(a)) == 0) {
        s->msg = M_SHORT;
        return false;
    }
    r = adminpin_begin(&s->ap, hash, app_wall_s(a));
    if (r == ADMINPIN_OK && adminpin_check_start(hash, s->pin, wake, a, &s->chk) == KERR_OK) {
        explicit_bzero(s->pin, sizeof s->pin);
        s->msg = M_NONE;
        app_expect_wake(a);
        return false;
    }
    if (r == ADMINPIN_OK) r = adminpin_try(&s->ap, hash, s->pin, app_wall_s(a), &s->left);
    explicit_bzero(s->pin, sizeof s->pin);
    return finish(a, s, r);
}

static void frame(struct app *a, void *st, struct ui_rect body)
{
    struct admin_pin *s = st;
    struct ui *ui = app_ui(a);
    float w = ui_portrait(ui) ? body.w - 2 * scr_margin(ui) : 760;
    float x = body.x + (body.w - w) / 2, y = body.y + 40;
    float kh = ui_keyboard_height(ui, UI_KBD_DIGITS, w);
    char dots[3 * (ADMINPIN_MAX + 4) + 1] = "", line[160];
    size_t n = strlen(s->pin);
    struct ui_key k;
    int64_t locked;

    if (s->chk) { /* a PIN is being checked: its verdict, or a frame more */
        int v = adminpin_check_result(s->chk);
        if (v < 0) {
            app_expect_wake(a);
        } else {
            adminpin_check_free(s->chk);
            s->chk = NULL;
            if (finish(a, s, adminpin_record(&s->ap, v == 1, app_wall_s(a), &s->left))) return;
        }
    }
    locked = adminpin_locked_for(&s->ap, app_wall_s(a));
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
    if (s->chk) /* a neutral line, not an error */
        ui_label_in(ui, (struct ui_rect){x, y, w, 60}, app_tr(a, S_ADMIN_PIN_CHECKING), UI_F_BODY,
                    UI_C_TEXT, UI_CENTER);
    else if (line[0])
        ui_label_in(ui, (struct ui_rect){x, y, w, 60}, line, UI_F_BODY, UI_C_ERR, UI_CENTER);
    y += 80;
    /* keys are not taken while a PIN is being checked */
    if (ui_keyboard(ui, (struct ui_rect){x, y, w, kh}, UI_KBD_DIGITS, &k) && !s->chk) {
        if (ui_key_apply(&k, s->pin, ADMINPIN_MAX + 1) < 0) s->msg = M_SHORT;
        else if (s->msg != M_LOCKED) s->msg = M_NONE;
    }
    y += kh + 24;
    if (ui_button(ui, (struct ui_rect){x, y, w, 100}, app_tr(a, S_ADMIN_PIN_OK), UI_PRIMARY) &&
        submit(a, s))
        return;
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
