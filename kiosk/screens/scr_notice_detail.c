/* notice_detail: one notice: title, validity, its image (loaded as a texture
 * when the screen opens, freed when it closes) and its text. */
#include <stdio.h>

#include "screens.h"

struct notice_detail {
    const struct content_notice *nt;
    SDL_Texture *img;
    int iw, ih;
    struct ui_scroll scroll;
};

static void enter(struct app *a, void *st, const void *arg)
{
    struct notice_detail *s = st;
    s->nt = arg;
    if (s->nt && s->nt->image) s->img = app_load_texture(a, s->nt->image, &s->iw, &s->ih);
}

static void leave(struct app *a, void *st)
{
    struct notice_detail *s = st;
    (void)a;
    if (s->img) SDL_DestroyTexture(s->img);
    s->img = NULL;
}

static const char *title(struct app *a, void *st)
{
    (void)st;
    return app_tr(a, S_NOTICES_TITLE);
}

static void frame(struct app *a, void *st, struct ui_rect body)
{
    struct notice_detail *s = st;
    struct ui *ui = app_ui(a);
    enum content_lang l = app_lang(a);
    bool portrait = ui_portrait(ui);
    float m = scr_margin(ui), y, tw;
    char d1[16], d2[16], valid[96];

    if (!app_content(a) || !s->nt) {
        scr_no_content(a, body);
        return;
    }
    ui_scroll_begin(ui, &s->scroll, body);
    y = body.y + 48;
    tw = body.w - 2 * m;
    if (s->img && !portrait) tw = (body.w - 2 * m) * 0.55f;
    y += ui_paragraph(ui, m, y, tw, content_tr(&s->nt->title, l), UI_F_TITLE, UI_C_TEXT) + 16;
    snprintf(valid, sizeof valid, "%s %s – %s", app_tr(a, S_NOTICE_VALID),
             scr_date(s->nt->start_s, d1, sizeof d1), scr_date(s->nt->end_s - 1, d2, sizeof d2));
    ui_label(ui, m, y, valid, UI_F_BODY, UI_C_MUTED, UI_LEFT);
    y += 70;
    if (s->img) {
        float iw = portrait ? body.w - 2 * m : (body.w - 2 * m) * 0.40f;
        float ih = iw * (float)s->ih / (float)(s->iw > 0 ? s->iw : 1);
        if (portrait) {
            ui_image(ui, (struct ui_rect){m, y, iw, ih}, s->img);
            y += ih + 40;
        } else {
            ui_image(ui, (struct ui_rect){body.w - m - iw, body.y + 48, iw, ih}, s->img);
        }
    }
    y += ui_paragraph(ui, m, y, tw, content_tr(&s->nt->body, l), UI_F_BODY, UI_C_TEXT) + 48;
    ui_scroll_end(ui, &s->scroll, y - body.y);
}

const struct screen screen_notice_detail = {
    .id = "notice_detail",
    .state_size = sizeof(struct notice_detail),
    .enter = enter,
    .leave = leave,
    .frame = frame,
    .title = title,
};
