/* The admin panel's screen checks, full screen (no top bar):
 * admin_pattern: colour bars, a grey ramp and a 120-unit grid with a border,
 * to see dead pixels, colours, scaling and the panel's edges; a tap anywhere
 * goes back. admin_touch: five crosses (the corners, 100 units in, and the
 * centre); each tap within 250 units of a cross is given to the nearest
 * one and its offset from the cross's centre is shown (logical units, right and down positive); 完成 goes back. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "screens.h"

/* ---- admin_pattern ---- */

static void pattern_frame(struct app *a, void *st, struct ui_rect body)
{
    static const uint32_t bars[8] = {0xFFFFFFFFu, 0xFFFF00FFu, 0x00FFFFFFu, 0x00FF00FFu,
                                     0xFF00FFFFu, 0xFF0000FFu, 0x0000FFFFu, 0x000000FFu};
    struct ui *ui = app_ui(a);
    float w = body.w, h = body.h, bh = h * 0.55f, gh = h * 0.2f;
    (void)st;
    for (int i = 0; i < 8; i++)
        ui_fill(ui, (struct ui_rect){w * i / 8, 0, w / 8 + 1, bh}, bars[i]);
    for (int i = 0; i < 16; i++) {
        uint32_t g = (uint32_t)(i * 17);
        ui_fill(ui, (struct ui_rect){w * i / 16, bh, w / 16 + 1, gh},
                (g << 24) | (g << 16) | (g << 8) | 0xFFu);
    }
    ui_fill(ui, (struct ui_rect){0, bh + gh, w, h - bh - gh}, 0x202020FFu);
    for (float x = 0; x <= w; x += 120) ui_fill(ui, (struct ui_rect){x, 0, 2, h}, 0x808080FFu);
    for (float y = 0; y <= h; y += 120) ui_fill(ui, (struct ui_rect){0, y, w, 2}, 0x808080FFu);
    ui_fill(ui, (struct ui_rect){0, 0, w, 4}, 0xFF0000FFu);
    ui_fill(ui, (struct ui_rect){0, h - 4, w, 4}, 0xFF0000FFu);
    ui_fill(ui, (struct ui_rect){0, 0, 4, h}, 0xFF0000FFu);
    ui_fill(ui, (struct ui_rect){w - 4, 0, 4, h}, 0xFF0000FFu);
    ui_fill_round(ui, (struct ui_rect){w / 2 - 300, bh + gh + (h - bh - gh) / 2 - 45, 600, 90}, 45,
                  0x000000C0u);
    ui_label_in(ui, (struct ui_rect){w / 2 - 300, bh + gh + (h - bh - gh) / 2 - 45, 600, 90},
                app_tr(a, S_ADMIN_PATTERN_HINT), UI_F_BODY, UI_C_WHITE, UI_CENTER);
    if (ui_hit_area(ui, body, app_tr(a, S_ADMIN_PATTERN))) app_pop(a);
}

static const char *pattern_title(struct app *a, void *st)
{
    (void)st;
    return app_tr(a, S_ADMIN_PATTERN);
}

const struct screen screen_admin_pattern = {
    .id = "admin_pattern",
    .flags = SCREEN_BARE,
    .frame = pattern_frame,
    .title = pattern_title,
};

/* ---- admin_touch ---- */

#define TARGETS 5
#define INSET 100.0f
#define MAX_MISS 250.0f

struct touch {
    bool hit[TARGETS];
    int dx[TARGETS], dy[TARGETS];
};

static void target_at(struct ui_rect b, int i, float *x, float *y)
{
    *x = i == 4 ? b.w / 2 : (i % 2 ? b.w - INSET : INSET);
    *y = i == 4 ? b.h / 2 : (i / 2 ? b.h - INSET : INSET);
}

static void touch_frame(struct app *a, void *st, struct ui_rect body)
{
    struct touch *s = st;
    struct ui *ui = app_ui(a);
    char line[64];
    ui_fill(ui, body, UI_C_BG);
    ui_label(ui, body.w / 2, body.h / 2 - 220, app_tr(a, S_ADMIN_TOUCH_HINT), UI_F_BODY, UI_C_TEXT,
             UI_CENTER);
    if (ui_hit_area(ui, body, app_tr(a, S_ADMIN_TOUCH))) {
        float px, py, best = 1e9f;
        int k = -1;
        if (ui_pointer_pos(ui, &px, &py)) {
            for (int i = 0; i < TARGETS; i++) {
                float tx, ty, d;
                target_at(body, i, &tx, &ty);
                d = hypotf(px - tx, py - ty);
                if (d < best) {
                    best = d;
                    k = i;
                }
            }
        }
        if (k >= 0 && best <= MAX_MISS) { /* farther: a tap meant for no cross */
            float tx, ty;
            target_at(body, k, &tx, &ty);
            s->hit[k] = true;
            s->dx[k] = (int)lrintf(px - tx);
            s->dy[k] = (int)lrintf(py - ty);
        }
    }
    for (int i = 0; i < TARGETS; i++) {
        float tx, ty;
        uint32_t c = s->hit[i] ? UI_C_OK : UI_C_RED;
        target_at(body, i, &tx, &ty);
        ui_fill(ui, (struct ui_rect){tx - 40, ty - 2, 80, 4}, c);
        ui_fill(ui, (struct ui_rect){tx - 2, ty - 40, 4, 80}, c);
        if (s->hit[i]) {
            snprintf(line, sizeof line, app_tr(a, S_ADMIN_TOUCH_OFFSET), s->dx[i], s->dy[i]);
            ui_label(ui, tx + (i % 2 && i != 4 ? -60 : 60), ty + (i / 2 && i != 4 ? -100 : 50), line,
                     UI_F_SMALL, UI_C_TEXT, i % 2 && i != 4 ? UI_RIGHT : UI_LEFT);
        }
    }
    if (ui_button(ui, (struct ui_rect){body.w / 2 - 180, body.h / 2 + 160, 360, 100},
                  app_tr(a, S_ADMIN_TOUCH_DONE), UI_PRIMARY))
        app_pop(a);
}

static const char *touch_title(struct app *a, void *st)
{
    (void)st;
    return app_tr(a, S_ADMIN_TOUCH);
}

const struct screen screen_admin_touch = {
    .id = "admin_touch",
    .state_size = sizeof(struct touch),
    .flags = SCREEN_BARE,
    .frame = touch_frame,
    .title = touch_title,
};
