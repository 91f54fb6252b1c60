/* about: the district in the product's own words, its figures, and, when
 * the bundle is sample data, a plain 示例数据 notice saying which names are
 * invented. */
#include <stdio.h>
#include <string.h>

#include "screens.h"

struct about {
    struct ui_scroll scroll;
};

static const char *title(struct app *a, void *st)
{
    (void)st;
    return app_tr(a, S_ABOUT_TITLE);
}

static void frame(struct app *a, void *st, struct ui_rect body)
{
    struct about *s = st;
    struct ui *ui = app_ui(a);
    const struct content *c = app_content(a);
    enum content_lang l = app_lang(a);
    bool portrait = ui_portrait(ui);
    float m = scr_margin(ui), y, w = body.w - 2 * m;
    float tw = w > 1100 ? 1100 : w; /* readable line length for paragraphs */

    if (!c) {
        scr_no_content(a, body);
        return;
    }
    ui_scroll_begin(ui, &s->scroll, body);
    y = body.y + 48;
    if (c->sample) {
        char line[1024];
        float h;
        const char *note = content_tr(&c->sample_notice, l);
        size_t pl = strlen(app_tr(a, S_SAMPLE_DATA));
        /* the pill already says 示例数据: drop it from the start of the text */
        if (strncmp(note, app_tr(a, S_SAMPLE_DATA), pl) == 0) {
            note += pl;
            while (*note == ':' || *note == ' ') note++;
            if (strncmp(note, "：", 3) == 0) note += 3;
        }
        snprintf(line, sizeof line, "%s", note);
        h = ui_paragraph_height(ui, w - 72 - ui_text_w(ui, app_tr(a, S_SAMPLE_DATA), UI_F_BODY) - 48,
                                line, UI_F_BODY) + 48;
        if (h < 110) h = 110;
        ui_fill_round(ui, (struct ui_rect){m, y, w, h}, 20, 0xFFF3D6FFu);
        float pw = ui_text_w(ui, app_tr(a, S_SAMPLE_DATA), UI_F_BODY) + 48;
        ui_fill_round(ui, (struct ui_rect){m + 24, y + (h - 64) / 2, pw, 64}, 32, UI_C_WARN);
        ui_label_in(ui, (struct ui_rect){m + 24, y + (h - 64) / 2, pw, 64},
                    app_tr(a, S_SAMPLE_DATA), UI_F_BODY, UI_C_WHITE, UI_CENTER);
        ui_paragraph(ui, m + 48 + pw, y + 24, w - 72 - pw, line, UI_F_BODY, UI_C_TEXT);
        y += h + 40;
    }
    y += ui_paragraph(ui, m, y, w, content_tr(&c->district.name, l), UI_F_HUGE, UI_C_RED) + 32;
    for (size_t i = 0; i < c->district.n_about; i++)
        y += ui_paragraph(ui, m, y, tw, content_tr(&c->district.about[i], l), UI_F_BODY,
                          UI_C_TEXT) + 28;
    if (c->district.n_facts) {
        int cols = portrait ? 2 : 4;
        float gap = 28, fw = (w - (cols - 1) * gap) / cols, fh = 190;
        y += 20;
        ui_label(ui, m, y, app_tr(a, S_ABOUT_FIGURES), UI_F_TITLE, UI_C_TEXT, UI_LEFT);
        y += 90;
        for (size_t i = 0; i < c->district.n_facts; i++) {
            const struct content_fact *f = &c->district.facts[i];
            float x = m + (i % (size_t)cols) * (fw + gap);
            float fy = y + (i / (size_t)cols) * (fh + gap);
            ui_fill_round(ui, (struct ui_rect){x, fy, fw, fh}, 20, UI_C_SURFACE);
            ui_label(ui, x + 32, fy + 24, f->value, UI_F_HUGE, UI_C_RED, UI_LEFT);
            ui_label_in(ui, (struct ui_rect){x + 32, fy + 118, fw - 48, 50}, content_tr(&f->label, l),
                        UI_F_BODY, UI_C_MUTED, UI_LEFT);
        }
        y += ((c->district.n_facts + (size_t)cols - 1) / (size_t)cols) * (fh + gap) + 20;
    }
    {
        char ver[256];
        snprintf(ver, sizeof ver, "%s %s · kiosk %s", app_tr(a, S_ABOUT_VERSION), c->version,
                 KIOSK_VERSION);
        ui_label(ui, m, y, ver, UI_F_SMALL, UI_C_MUTED, UI_LEFT);
        y += 80;
    }
    ui_scroll_end(ui, &s->scroll, y - body.y);
}

const struct screen screen_about = {
    .id = "about",
    .state_size = sizeof(struct about),
    .frame = frame,
    .title = title,
};
