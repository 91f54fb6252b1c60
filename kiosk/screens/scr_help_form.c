/* help_form: the request itself. Five fields, each a card that takes the
 * focus when tapped; the editor for the focused field fills the other half
 * of the screen: the company list (matched by hanzi or pinyin) or the pinyin
 * keyboard to type one, the pinyin keyboard for the name and the
 * description (with quick phrases and a counter), a number pad for the
 * phone, tower chips. A field's error shows next to it once it has been
 * left, or after 下一步. Holds personal data: idle asks 还在吗？, leaving wipes. */
#include <stdio.h>
#include <string.h>

#include "helpform.h"
#include "ime.h"
#include "screens.h"
#include "ui_text.h"
#include "utf8.h"

#define MAX_MATCH 64

struct help_form {
    const struct content_request_category *cat;
    struct helpform f;
    enum helpform_field focus;
    bool touched[HF__COUNT];
    bool tried_next;
    bool company_manual;
    char company_q[33];
    struct imekbd kb;
    struct ui_scroll list, fields;
    /* elder mode, portrait: the fields scroll so the chosen card is at the top */
    float card_y[HF__COUNT]; /* each card's top in the fields, from the last frame */
    int shown_focus;         /* 1 + the focus the fields were scrolled to, 0 none */
};

static bool has_glyph(uint32_t cp, void *ud)
{
    return ui_text_has_glyph(ui_texts(app_ui(ud)), cp);
}

static const char *error_of(struct app *a, struct help_form *s, enum helpform_field f)
{
    if (!s->touched[f] && !s->tried_next) return NULL;
    return helpform_check(&s->f, f, app_content(a), has_glyph, a, app_lang(a));
}

static void enter(struct app *a, void *st, const void *arg)
{
    struct help_form *s = st;
    const struct content *c = app_content(a);
    s->cat = arg;
    if (s->cat) snprintf(s->f.category_id, sizeof s->f.category_id, "%s", s->cat->id);
    if (c && content_tower(c, app_cfg(a)->tower_id))
        snprintf(s->f.tower_id, sizeof s->f.tower_id, "%s", app_cfg(a)->tower_id);
    s->focus = HF_COMPANY;
    imekbd_reset(a, &s->kb);
}

static void leave(struct app *a, void *st)
{
    struct help_form *s = st;
    imekbd_reset(a, &s->kb);
    helpform_wipe(&s->f);
    memset(s->company_q, 0, sizeof s->company_q);
}

static const char *title(struct app *a, void *st)
{
    struct help_form *s = st;
    return s->cat ? content_tr(&s->cat->name, app_lang(a)) : app_tr(a, S_FORM_TITLE);
}

static void focus(struct app *a, struct help_form *s, enum helpform_field f)
{
    if (f == s->focus) return;
    s->touched[s->focus] = true;
    s->focus = f;
    imekbd_reset(a, &s->kb);
    ui_scroll_reset(&s->list);
}

static const enum str_id field_label[HF__COUNT] = {S_F_COMPANY, S_F_NAME, S_F_PHONE, S_F_TOWER,
                                                   S_F_DESC};

/* One field card; returns its height. */
static float field_card(struct app *a, struct help_form *s, enum helpform_field f, float x,
                        float y, float w, float h)
{
    struct ui *ui = app_ui(a);
    const struct content *c = app_content(a);
    enum content_lang l = app_lang(a);
    const char *err = error_of(a, s, f);
    char value[1400] = "", extra[32] = "";
    bool focused = s->focus == f;
    struct ui_rect r;
    /* elder mode: the card is as tall as its larger lines, and an error has
     * a line of its own under the value */
    bool elder = ui_elder(ui);
    float vy = elder ? y + 12 + ui_line_h(ui, UI_F_SMALL) : y + 50;

    switch (f) {
    case HF_COMPANY:
        snprintf(value, sizeof value, "%s", s->f.company);
        break;
    case HF_NAME:
        snprintf(value, sizeof value, "%s", s->f.name);
        break;
    case HF_PHONE:
        /* masked once entered: digits show only while a number is incomplete */
        if (focused && !helpform_phone_valid(s->f.phone))
            snprintf(value, sizeof value, "%s", s->f.phone);
        else
            helpform_phone_masked(s->f.phone, value, sizeof value);
        break;
    case HF_TOWER: {
        const struct content_tower *t = content_tower(c, s->f.tower_id);
        if (t) snprintf(value, sizeof value, "%s", content_tr(&t->name, l));
        break;
    }
    case HF_DESC:
        snprintf(value, sizeof value, "%s", s->f.desc);
        snprintf(extra, sizeof extra, "%zu/%d", utf8_count(s->f.desc), HELPFORM_DESC_MAX);
        break;
    case HF__COUNT:
        break;
    }
    if (elder)
        h = vy - y + (f == HF_DESC ? 2.25f * ui_line_h(ui, UI_F_BODY) : ui_line_h(ui, UI_F_LARGE)) +
            (err ? ui_line_h(ui, UI_F_SMALL) : 0) + 14;
    r = (struct ui_rect){x, y, w, h};
    /* The card is a button labelled with the field's name. */
    if (ui_hit_area(ui, r, app_tr(a, field_label[f]))) focus(a, s, f);
    ui_fill_round(ui, r, 18, focused ? UI_C_RED : err ? UI_C_ERR : UI_C_LINE);
    ui_fill_round(ui, (struct ui_rect){x + 3, y + 3, w - 6, h - 6}, 16,
                  focused ? 0xFFFBF5FFu : UI_C_SURFACE);
    ui_label(ui, x + 28, y + 14, app_tr(a, field_label[f]), UI_F_SMALL,
             focused ? UI_C_RED : UI_C_MUTED, UI_LEFT);
    if (extra[0]) ui_label(ui, x + w - 28, y + 14, extra, UI_F_SMALL, UI_C_MUTED, UI_RIGHT);
    if (f == HF_DESC && value[0])
        ui_paragraph_lines(ui, x + 28, elder ? vy : y + 54, w - 56, value, UI_F_BODY, UI_C_TEXT,
                           err && !elder ? 1
                                         : ui_paragraph_fit_lines(ui, UI_F_BODY,
                                                                  elder ? 2.25f * ui_line_h(ui, UI_F_BODY)
                                                                        : h - 54 - 10));
    else
        ui_label_in(ui, (struct ui_rect){x + 28, vy, w - 56, elder ? ui_line_h(ui, UI_F_LARGE) : 50},
                    value[0] ? value : app_tr(a, S_F_TAP_TO_FILL), UI_F_LARGE,
                    value[0] ? UI_C_TEXT : 0x77706AFFu, UI_LEFT);
    if (err && elder)
        ui_label_in(ui, (struct ui_rect){x + 28, y + h - 10 - ui_line_h(ui, UI_F_SMALL), w - 56,
                                         ui_line_h(ui, UI_F_SMALL)},
                    err, UI_F_SMALL, UI_C_ERR, UI_LEFT);
    else if (err && f == HF_DESC) /* under the text, which keeps one line then */
        ui_label_in(ui, (struct ui_rect){x + 28, y + h - 44, w - 56, 36}, err, UI_F_SMALL,
                    UI_C_ERR, UI_LEFT);
    else if (err) /* on the label's line, right-aligned, clear of the value */
        ui_label_in(ui, (struct ui_rect){x + 28 + ui_text_w(ui, app_tr(a, field_label[f]), UI_F_SMALL) + 16,
                                         y + 10, w - 72 - ui_text_w(ui, app_tr(a, field_label[f]), UI_F_SMALL),
                                         36},
                    err, UI_F_SMALL, UI_C_ERR, UI_RIGHT);
    return h;
}

/* The text being typed, large, above the keyboard. */
static void preview(struct app *a, struct ui_rect r, const char *label, const char *text)
{
    struct ui *ui = app_ui(a);
    char shown[600];
    ui_label(ui, r.x, r.y, label, UI_F_SMALL, UI_C_MUTED, UI_LEFT);
    ui_fill_round(ui, (struct ui_rect){r.x, r.y + 44, r.w, 100}, 16, UI_C_SURFACE);
    snprintf(shown, sizeof shown, "%s|", text);
    ui_label_fit(ui, (struct ui_rect){r.x + 28, r.y + 44, r.w - 56, 100}, shown, UI_F_TITLE,
                 UI_C_TEXT, UI_LEFT);
}

static void company_editor(struct app *a, struct help_form *s, struct ui_rect r)
{
    struct ui *ui = app_ui(a);
    enum content_lang l = app_lang(a);
    float kh = ui_keyboard_height(ui, UI_KBD_LETTERS, r.w) * 0.88f;
    struct ui_rect kb = {r.x, r.y + r.h - kh, r.w, kh};
    struct ui_key key;

    float qh = fmaxf(80, ui_min_target(ui)); /* the query line and its button */
    if (s->company_manual) {
        float ih = imekbd_height(ui, r.w);
        if (ui_button(ui, (struct ui_rect){r.x, r.y, 360, qh}, app_tr(a, S_F_COMPANY_PICK),
                      UI_SECONDARY)) {
            s->company_manual = false;
            imekbd_reset(a, &s->kb);
        }
        if (r.h - ih > 260)
            preview(a, (struct ui_rect){r.x, r.y + 100, r.w, 150}, app_tr(a, S_F_COMPANY),
                    s->f.company);
        if (imekbd(a, &s->kb, (struct ui_rect){r.x, r.y + r.h - ih, r.w, ih}, s->f.company,
                   sizeof s->f.company, HELPFORM_COMPANY_MAX) == IMEKBD_CHANGED)
            s->f.company_id[0] = 0;
        return;
    }
    /* the query line */
    /* elder mode: the query line has the width to itself, the button goes under it */
    float qw = ui_elder(ui) ? r.w : r.w - 380;
    struct ui_rect mb = ui_elder(ui) ? (struct ui_rect){r.x, r.y + qh + 12, 360, qh}
                                     : (struct ui_rect){r.x + r.w - 360, r.y, 360, qh};
    float ly = mb.y + qh + 16; /* the list's top */
    ui_fill_round(ui, (struct ui_rect){r.x, r.y, qw, qh}, 16, UI_C_SURFACE);
    ui_icon(ui, r.x + 44, r.y + qh / 2, "search", UI_F_ICON, UI_C_RED);
    ui_label_in(ui, (struct ui_rect){r.x + 84, r.y, qw - 100, qh},
                s->company_q[0] ? s->company_q : app_tr(a, S_F_COMPANY_SEARCH),
                s->company_q[0] ? UI_F_LARGE : UI_F_SMALL, s->company_q[0] ? UI_C_TEXT : UI_C_MUTED,
                UI_LEFT);
    if (ui_button(ui, mb, app_tr(a, S_F_COMPANY_MANUAL), UI_SECONDARY)) {
        s->company_manual = true;
        s->f.company_id[0] = 0;
        imekbd_reset(a, &s->kb);
    }
    /* the matches */
    {
        const struct content_company *m[MAX_MATCH];
        size_t n = helpform_match_companies(app_companies(a), s->company_q, m, MAX_MATCH);
        struct ui_rect lr = {r.x, ly, r.w, kb.y - 16 - ly};
        float y = lr.y;
        if (n > MAX_MATCH) n = MAX_MATCH;
        ui_scroll_begin(ui, &s->list, lr);
        if (n == 0)
            ui_label(ui, lr.x + 16, y + 20, app_tr(a, S_F_COMPANY_NONE), UI_F_BODY, UI_C_MUTED,
                     UI_LEFT);
        for (size_t i = 0; i < n; i++) {
            if (ui_row(ui, (struct ui_rect){lr.x, y, lr.w, 96}, "business",
                       content_tr(&m[i]->name, l), NULL)) {
                snprintf(s->f.company, sizeof s->f.company, "%s", m[i]->name.zh);
                snprintf(s->f.company_id, sizeof s->f.company_id, "%s", m[i]->id);
                if (!s->f.tower_id[0] && m[i]->tower_id)
                    snprintf(s->f.tower_id, sizeof s->f.tower_id, "%s", m[i]->tower_id);
                focus(a, s, HF_NAME);
            }
            y += 104;
        }
        ui_scroll_end(ui, &s->list, y - lr.y);
    }
    if (ui_keyboard(ui, kb, UI_KBD_LETTERS, &key) &&
        ui_key_apply(&key, s->company_q, sizeof s->company_q) == 1)
        ui_scroll_reset(&s->list);
}

static void tower_editor(struct app *a, struct help_form *s, struct ui_rect r)
{
    struct ui *ui = app_ui(a);
    const struct content *c = app_content(a);
    int cols = r.w > 800 ? 3 : 2;
    float gap = 16, bw = (r.w - (cols - 1) * gap) / cols, bh = 96;
    for (size_t i = 0; c && i < c->n_towers; i++) {
        const struct content_tower *t = &c->towers[i];
        struct ui_rect b = {r.x + (i % (size_t)cols) * (bw + gap), r.y + (i / (size_t)cols) * (bh + gap),
                            bw, bh};
        bool sel = strcmp(s->f.tower_id, t->id) == 0;
        if (ui_button(ui, b, content_tr(&t->name, app_lang(a)), sel ? UI_PRIMARY : UI_SECONDARY)) {
            snprintf(s->f.tower_id, sizeof s->f.tower_id, "%s", t->id);
            focus(a, s, HF_DESC);
        }
    }
}

static void desc_editor(struct app *a, struct help_form *s, struct ui_rect r)
{
    struct ui *ui = app_ui(a);
    const struct content *c = app_content(a);
    float ih = imekbd_height(ui, r.w), x = r.x, y = r.y;
    float ch = fmaxf(68, ui_min_target(ui)); /* a phrase chip's height */
    if (y + ch + 2 > r.y + r.h - ih - 8) { /* no room for one row of phrases */
        if (imekbd(a, &s->kb, (struct ui_rect){r.x, r.y + r.h - ih, r.w, ih}, s->f.desc,
                   sizeof s->f.desc, HELPFORM_DESC_MAX) != IMEKBD_NONE)
            s->touched[HF_DESC] = true;
        return;
    }
    ui_label(ui, x, y + (ch - ui_line_h(ui, UI_F_SMALL)) / 2, app_tr(a, S_F_PHRASES), UI_F_SMALL,
             UI_C_MUTED, UI_LEFT);
    x += ui_text_w(ui, app_tr(a, S_F_PHRASES), UI_F_SMALL) + 12;
    for (size_t i = 0; c && i < c->n_phrases; i++) {
        const char *p = content_tr(&c->phrases[i].text, app_lang(a));
        float bw = ui_text_w(ui, p, UI_F_BODY) + 56;
        if (x + bw > r.x + r.w) {
            x = r.x;
            y += ch + 12;
        }
        if (y + ch + 2 > r.y + r.h - ih - 8) break;
        if (ui_button(ui, (struct ui_rect){x, y, bw, ch}, p, UI_CHIP)) {
            char add[512];
            snprintf(add, sizeof add, "%s%s", s->f.desc[0] ? "，" : "", p);
            if (!helpform_append(s->f.desc, sizeof s->f.desc, HELPFORM_DESC_MAX, add))
                ui_toast(ui, app_tr(a, S_F_LIMIT), 2500);
        }
        x += bw + 12;
    }
    if (imekbd(a, &s->kb, (struct ui_rect){r.x, r.y + r.h - ih, r.w, ih}, s->f.desc,
               sizeof s->f.desc, HELPFORM_DESC_MAX) != IMEKBD_NONE)
        s->touched[HF_DESC] = true;
}

static void editor(struct app *a, struct help_form *s, struct ui_rect r)
{
    struct ui *ui = app_ui(a);
    switch (s->focus) {
    case HF_COMPANY:
        company_editor(a, s, r);
        break;
    case HF_NAME: {
        float ih = imekbd_height(ui, r.w);
        if (r.h - ih > 170)
            preview(a, (struct ui_rect){r.x, r.y, r.w, 150}, app_tr(a, S_F_NAME), s->f.name);
        imekbd(a, &s->kb, (struct ui_rect){r.x, r.y + r.h - ih, r.w, ih}, s->f.name,
               sizeof s->f.name, HELPFORM_NAME_MAX);
        break;
    }
    case HF_PHONE: {
        struct ui_key key;
        float kw = r.w > 720 ? 720 : r.w, kh = ui_keyboard_height(ui, UI_KBD_DIGITS, kw);
        if (ui_keyboard(ui, (struct ui_rect){r.x + (r.w - kw) / 2, r.y + r.h - kh, kw, kh},
                        UI_KBD_DIGITS, &key) &&
            ui_key_apply(&key, s->f.phone, sizeof s->f.phone) < 0)
            ui_toast(ui, app_tr(a, S_F_LIMIT), 2500);
        break;
    }
    case HF_TOWER:
        tower_editor(a, s, r);
        break;
    case HF_DESC:
        desc_editor(a, s, r);
        break;
    case HF__COUNT:
        break;
    }
}

static void frame(struct app *a, void *st, struct ui_rect body)
{
    struct help_form *s = st;
    struct ui *ui = app_ui(a);
    bool portrait = ui_portrait(ui);
    float m = scr_margin(ui);
    struct ui_rect fields, ed, next;
    static const float hts[HF__COUNT] = {124, 124, 124, 124, 190};
    float y;

    if (!app_content(a)) {
        scr_no_content(a, body);
        return;
    }
    if (portrait) {
        /* elder mode: fewer cards in view (they scroll), the editor's larger
         * keyboard and list need the room */
        fields = (struct ui_rect){m, body.y + 24, body.w - 2 * m, ui_elder(ui) ? 470 : 760};
        next = (struct ui_rect){m, fields.y + fields.h + 12, body.w - 2 * m, 96};
        ed = (struct ui_rect){m, next.y + next.h + 24, body.w - 2 * m,
                              body.y + body.h - 24 - (next.y + next.h + 24)};
    } else {
        fields = (struct ui_rect){m, body.y + 24, 760, body.h - 24 - 130};
        next = (struct ui_rect){m, body.y + body.h - 24 - 100, 760, 100};
        ed = (struct ui_rect){m + 760 + 48, body.y + 24, body.w - 2 * m - 760 - 48, body.h - 48};
    }
    if (portrait && ui_elder(ui) && s->shown_focus != 1 + (int)s->focus) {
        s->fields.offset = s->card_y[s->focus]; /* ui_scroll_begin keeps it in range */
        s->fields.vel = 0;
        s->shown_focus = 1 + (int)s->focus;
    }
    ui_scroll_begin(ui, &s->fields, fields);
    y = fields.y;
    for (int f = 0; f < HF__COUNT; f++) {
        float h = hts[f];
        if (portrait) h = f == HF_DESC ? 170 : 112;
        s->card_y[f] = y - fields.y;
        y += field_card(a, s, (enum helpform_field)f, fields.x, y, fields.w, h) + 14;
    }
    ui_scroll_end(ui, &s->fields, y - fields.y);

    if (ui_button(ui, next, app_tr(a, S_NEXT), UI_PRIMARY)) {
        int first_bad = -1;
        s->tried_next = true;
        for (int f = 0; f < HF__COUNT; f++)
            if (first_bad < 0 &&
                helpform_check(&s->f, (enum helpform_field)f, app_content(a), has_glyph, a,
                               app_lang(a)))
                first_bad = f;
        if (first_bad >= 0) {
            ui_toast(ui, app_tr(a, S_FIX_ERRORS), 3000);
            focus(a, s, (enum helpform_field)first_bad);
        } else {
            imekbd_reset(a, &s->kb);
            app_push(a, &screen_help_review, &s->f, sizeof s->f);
        }
    }
    editor(a, s, ed);
}

const struct screen screen_help_form = {
    .id = "help_form",
    .state_size = sizeof(struct help_form),
    .flags = SCREEN_PERSONAL,
    .enter = enter,
    .leave = leave,
    .frame = frame,
    .title = title,
};
