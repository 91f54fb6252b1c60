/* Scroll regions: touch drag, inertia (a fling decays with a time constant
 * of UI_FLING_TAU_MS), clipping and the scroll indicator. The drag and the
 * fling's velocity come from the pointer input in ui.c. */
#include "ui_impl.h"

/* ---- scrolling -------------------------------------------------------- */

static float max_offset(const struct ui_scroll *s)
{
    return s->content_h > s->view_h ? s->content_h - s->view_h : 0;
}

void ui_scroll_begin(struct ui *ui, struct ui_scroll *s, struct ui_rect r)
{
    KASSERT_OWNER(&ui->owner);
    struct frame *f = ui->cur;
    uint32_t id = 0x5C0110u + (uint32_t)f->ns;
    float dt = s->last_ms && ui->now > s->last_ms ? (float)(ui->now - s->last_ms) : 0;
    s->id = id;
    s->view_h = r.h;
    if (f->ns < UI_MAX_SCROLLS) {
        f->s[f->ns].id = id;
        f->s[f->ns].r = r;
        f->ns++;
    }
    if (ui->scroll_drag == id && ui->drag_pending != 0) {
        s->offset -= ui->drag_pending;
        ui->drag_pending = 0;
        s->vel = 0;
    }
    if (ui->fling_id == id && ui->fling_vel != 0 && !ui->down) {
        s->vel = -ui->fling_vel;
        ui->fling_vel = 0;
        dt = 0;
    } else if (ui->fling_id == id && ui->down) {
        s->vel = 0; /* a finger on the list stops it */
    }
    if (s->vel != 0 && dt > 0) {
        s->offset += s->vel * dt;
        s->vel *= (float)exp(-dt / UI_FLING_TAU_MS);
        if (fabsf(s->vel) < UI_MIN_VEL) s->vel = 0;
    }
    if (s->offset < 0) {
        s->offset = 0;
        s->vel = 0;
    }
    if (s->offset > max_offset(s)) {
        s->offset = max_offset(s);
        s->vel = 0;
    }
    if (s->vel != 0) ui->animating = true;
    s->last_ms = ui->now;
    ui->scroll = s;
    ui->clip = r;
    ui->clipping = true;
    SDL_Rect p = ui_phys(ui, r);
    if (!ui->dry) ui_damage_clip(ui->damage, &p);
}

void ui_scroll_end(struct ui *ui, struct ui_scroll *s, float content_h)
{
    KASSERT_OWNER(&ui->owner);
    struct ui_rect r = ui->clip;
    s->content_h = content_h;
    ui->scroll = NULL;
    ui->clipping = false;
    if (!ui->dry) ui_damage_clip(ui->damage, NULL);
    if (content_h > r.h + 1) { /* scroll indicator */
        float bar_h = fmaxf(48, r.h * r.h / content_h);
        float y = r.y + (r.h - bar_h) * (s->offset / max_offset(s));
        ui_fill_round(ui, (struct ui_rect){r.x + r.w - 10, y, 6, bar_h}, 3, 0x00000040u);
    }
}

void ui_scroll_reset(struct ui_scroll *s)
{
    s->offset = 0;
    s->vel = 0;
}

