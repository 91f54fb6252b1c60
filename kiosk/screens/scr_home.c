/* home: the district's name, the time, and one tile per feature that works.
 * A tile is listed here only once its feature is built (no tile leads
 * nowhere). The footer says plainly when the content is sample data. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "kclient.h"
#include "booking_ui.h"
#include "screens.h"

struct tile {
    enum str_id title, sub;
    const char *icon;
    uint32_t color;
    const struct screen *to;
};

static const struct tile all_tiles[] = {
    {S_TILE_SERVICES, S_TILE_SERVICES_SUB, "manage_search", 0xB7191FFFu, &screen_services},
    {S_TILE_HELP, S_TILE_HELP_SUB, "support_agent", 0x2D5C8FFFu, &screen_help},
    {S_TILE_BRANCH, S_TILE_BRANCH_SUB, "location_on", 0x8E1217FFu, &screen_circle},
    {S_TILE_NURSING, S_TILE_NURSING_SUB, "child_friendly", 0xA23B6BFFu, &screen_rooms},
    {S_TILE_NOTICES, S_TILE_NOTICES_SUB, "campaign", 0xA8470FFFu, &screen_notices},
    {S_TILE_ABOUT, S_TILE_ABOUT_SUB, "apartment", 0x1F5F7AFFu, &screen_about},
};
#define NALL (sizeof all_tiles / sizeof all_tiles[0])

#define STATUS_EVERY_MS 15000

struct home {
    struct kclient_status net;
    uint64_t net_at;
    unsigned gen; /* the screen stack when it was read: read again when back on top */
    bool have_net;
    struct ui_scroll scroll; /* elder mode: the tiles scroll */
};

/* The link to the service centre, read from the outbox at most every 15 s
 * (and whenever the sender reports something). */
static void net_line(struct app *a, struct home *s, float x, float y, enum ui_align align)
{
    struct ui *ui = app_ui(a);
    uint64_t now = app_now_ms(a);
    char line[256];
    if (!app_client(a)) return;
    if (!s->have_net || now - s->net_at >= STATUS_EVERY_MS || s->gen != app_stack_gen(a)) {
        kclient_status(app_client(a), &s->net);
        s->net_at = now;
        s->gen = app_stack_gen(a);
        s->have_net = true;
    }
    app_timer_at(a, s->net_at + STATUS_EVERY_MS);
    if (s->net.online && s->net.queue_depth == 0)
        snprintf(line, sizeof line, "● %s", app_tr(a, S_NET_ONLINE));
    else if (s->net.queue_depth > 0)
        snprintf(line, sizeof line, "● %d %s", s->net.queue_depth, app_tr(a, S_NET_QUEUED));
    else
        snprintf(line, sizeof line, "● %s", app_tr(a, S_NET_OFFLINE));
    ui_label(ui, x, y, line, UI_F_SMALL, s->net.online ? 0xC8F5C8FFu : 0xFFE2A8FFu, align);
}

static void net_event(struct app *a, void *st, const struct kclient_event *ev)
{
    struct home *s = st;
    (void)ev;
    s->have_net = false; /* read again at the next frame */
    app_invalidate(a);
}

/* The tiles of the features that work: 我要求助 needs the outbox, 找支部
 * the map. Returns how many. */
static size_t working_tiles(struct app *a, const struct tile **tiles)
{
    size_t n = 0;
    for (size_t i = 0; i < NALL; i++)
        if ((all_tiles[i].to != &screen_help || app_client(a)) &&
            (all_tiles[i].to != &screen_circle || app_walk_loaded(a)) && /* 找支部 needs the map */
            (all_tiles[i].to != &screen_rooms || (app_client(a) && bk_room(a, 0))))
            tiles[n++] = &all_tiles[i];
    return n;
}

/* The footer: the notice must say "sample data" in so many words. */
static void sample_line(struct app *a, char *line, size_t n)
{
    const struct content *c = app_content(a);
    const char *note = content_tr(&c->sample_notice, app_lang(a));
    if (strstr(note, app_tr(a, S_SAMPLE_DATA)))
        snprintf(line, n, "%s", note);
    else
        snprintf(line, n, "%s · %s", app_tr(a, S_SAMPLE_DATA), note);
}

/* Elder mode: larger tiles, one column in portrait and two in landscape,
 * and the footer after them, in a region that scrolls (the text is not
 * made smaller to fit). */
static void elder_tiles(struct app *a, struct home *s, struct ui_rect r)
{
    struct ui *ui = app_ui(a);
    const struct content *c = app_content(a);
    const struct tile *tiles[NALL];
    size_t n = working_tiles(a, tiles);
    float m = scr_margin(ui), gap = 28;
    int cols = ui_portrait(ui) ? 1 : 2;
    float tw = (r.w - 2 * m - (cols - 1) * gap) / cols, th = 260, y;
    ui_scroll_begin(ui, &s->scroll, r);
    y = r.y + 32;
    for (size_t i = 0; i < n; i++) {
        struct ui_rect t = {m + (i % (size_t)cols) * (tw + gap),
                            y + (i / (size_t)cols) * (th + gap), tw, th};
        if (ui_tile(ui, t, tiles[i]->icon, app_tr(a, tiles[i]->title), app_tr(a, tiles[i]->sub),
                    tiles[i]->color))
            app_push(a, tiles[i]->to, NULL, 0);
    }
    y += ((n + (size_t)cols - 1) / (size_t)cols) * (th + gap) + 8;
    if (c && c->sample) {
        char line[512];
        sample_line(a, line, sizeof line);
        y += ui_paragraph(ui, m, y, r.w - 2 * m, line, UI_F_SMALL, UI_C_MUTED) + 24;
    }
    ui_scroll_end(ui, &s->scroll, y - r.y);
}

static void frame(struct app *a, void *st, struct ui_rect body)
{
    struct ui *ui = app_ui(a);
    const struct content *c = app_content(a);
    enum content_lang l = app_lang(a);
    float w = body.w, h = body.h, m = scr_margin(ui);
    bool portrait = ui_portrait(ui);
    struct ui_rect er = app_elder_rect(a);
    time_t now = (time_t)app_wall_s(a);
    struct tm tm;
    char hhmm[16], date[96];
    const char *name = c ? content_tr(&c->district.name, l) : "黄龙商圈";

    localtime_r(&now, &tm);
    strftime(hhmm, sizeof hhmm, "%H:%M", &tm);
    i18n_date(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_wday, l, date, sizeof date);
    /* the head's texts stacked by their line heights (larger in elder mode),
     * under the top-right buttons where they share a column with them */
    float top_y = fmaxf(er.y + er.h, app_voice_rect(a).y + app_voice_rect(a).h) + 4;
    /* portrait: the clock and date left of the buttons, or the date under
     * the clock when they do not fit there; then the name */
    bool date_beside;
    float name_y, head_h;
    date_beside = portrait && m + ui_text_w(ui, "00:00", UI_F_TITLE) + 24 +
                                           ui_text_w(ui, date, UI_F_BODY) <= er.x - 16;
    name_y = date_beside ? fmaxf(top_y, 30 + ui_line_h(ui, UI_F_TITLE)) + 16
                               : fmaxf(top_y, 30 + ui_line_h(ui, UI_F_TITLE) + ui_line_h(ui, UI_F_BODY)) + 8;
    head_h = portrait ? fmaxf(420, name_y + ui_line_h(ui, UI_F_HUGE) + ui_line_h(ui, UI_F_LARGE) +
                                             4 + ui_line_h(ui, UI_F_SMALL) + 24)
                            : fmaxf(300, top_y + ui_line_h(ui, UI_F_HUGE) + ui_line_h(ui, UI_F_BODY) +
                                             ui_line_h(ui, UI_F_SMALL) + 16);

    ui_fill(ui, (struct ui_rect){0, 0, w, head_h}, UI_C_RED);
    ui_fill(ui, (struct ui_rect){0, head_h - 8, w, 8}, UI_C_GOLD);
    app_lang_button(a, app_lang_rect(a), UI_ON_RED);
    app_elder_button(a, app_elder_rect(a), UI_ON_RED);
    app_voice_button(a, app_voice_rect(a), UI_ON_RED);
    if (portrait) {
        /* the clock and date left of the buttons, or the date under the
         * clock when they do not fit there */
        float y = 30, tw = ui_label(ui, m, y, hhmm, UI_F_TITLE, UI_C_WHITE, UI_LEFT);
        if (date_beside)
            ui_label(ui, m + tw + 24, y + (ui_line_h(ui, UI_F_TITLE) - ui_line_h(ui, UI_F_BODY)) / 2,
                     date, UI_F_BODY, 0xFFFFFFDDu, UI_LEFT);
        else
            ui_label(ui, m, y + ui_line_h(ui, UI_F_TITLE), date, UI_F_BODY, 0xFFFFFFDDu, UI_LEFT);
        y = name_y;
        ui_label_fit(ui, (struct ui_rect){m, y, w - 2 * m, ui_line_h(ui, UI_F_HUGE)}, name,
                     UI_F_HUGE, UI_C_WHITE, UI_LEFT);
        y += ui_line_h(ui, UI_F_HUGE);
        ui_label_fit(ui, (struct ui_rect){m, y, w - 2 * m, ui_line_h(ui, UI_F_LARGE)},
                     app_tr(a, S_HOME_WELCOME), UI_F_LARGE, 0xFFFFFFDDu, UI_LEFT);
        net_line(a, st, m, y + ui_line_h(ui, UI_F_LARGE) + 4, UI_LEFT);
    } else {
        float y = top_y, cw = fmaxf(ui_text_w(ui, date, UI_F_BODY), ui_text_w(ui, hhmm, UI_F_HUGE));
        float tw = w - 2 * m - cw - 48;
        ui_label(ui, w - m, y, hhmm, UI_F_HUGE, UI_C_WHITE, UI_RIGHT);
        y += ui_line_h(ui, UI_F_HUGE);
        ui_label(ui, w - m, y, date, UI_F_BODY, 0xFFFFFFDDu, UI_RIGHT);
        net_line(a, st, w - m, y + ui_line_h(ui, UI_F_BODY), UI_RIGHT);
        ui_label_fit(ui, (struct ui_rect){m, head_h / 2 - ui_line_h(ui, UI_F_HUGE) + 10, tw,
                                          ui_line_h(ui, UI_F_HUGE)},
                     name, UI_F_HUGE, UI_C_WHITE, UI_LEFT);
        ui_label_fit(ui, (struct ui_rect){m, head_h / 2 + 20, tw, ui_line_h(ui, UI_F_LARGE)},
                     app_tr(a, S_HOME_WELCOME), UI_F_LARGE, 0xFFFFFFDDu, UI_LEFT);
    }

    if (ui_elder(ui)) {
        elder_tiles(a, st, (struct ui_rect){0, head_h, w, h - head_h});
        return;
    }
    {
        /* Only features that work get a tile: 我要求助 needs the outbox. */
        const struct tile *tiles[NALL];
        size_t ntiles = working_tiles(a, tiles);
        /* portrait: tiles stacked full width, so no cell stays empty */
        int cols = portrait ? (ntiles > 4 ? 2 : 1) : (ntiles <= 4 ? (int)ntiles : 3);
        int rows;
        float gap = 40, top = head_h + 56, bottom = h - (portrait ? 160 : 110);
        rows = (int)((ntiles + (size_t)cols - 1) / (size_t)cols);
        float tw = (w - 2 * m - (cols - 1) * gap) / cols;
        float th = (bottom - top - (rows - 1) * gap) / rows;
        if (th > 480) th = 480;
        for (size_t i = 0; i < ntiles; i++) {
            struct ui_rect r = {m + (i % (size_t)cols) * (tw + gap),
                                top + (i / (size_t)cols) * (th + gap), tw, th};
            if (ui_tile(ui, r, tiles[i]->icon, app_tr(a, tiles[i]->title), app_tr(a, tiles[i]->sub),
                        tiles[i]->color))
                app_push(a, tiles[i]->to, NULL, 0);
        }
    }
    {
        char stale[128]; /* the pushed content expired: say since when it is unchanged */
        if (app_content_stale(a, stale, sizeof stale))
            ui_label_in(ui, (struct ui_rect){m, head_h + 6, w - 2 * m, 46}, stale, UI_F_SMALL,
                        UI_C_ERR, UI_CENTER); /* between the header and the tiles */
    }
    if (c && c->sample) {
        char line[512];
        sample_line(a, line, sizeof line);
        if (ui_text_w(ui, line, UI_F_SMALL) <= w - 2 * m)
            ui_label_in(ui, (struct ui_rect){m, h - 90, w - 2 * m, 60}, line, UI_F_SMALL,
                        UI_C_MUTED, UI_CENTER);
        else
            ui_paragraph(ui, m, h - 130, w - 2 * m, line, UI_F_SMALL, UI_C_MUTED);
    } else if (!c) {
        ui_label_in(ui, (struct ui_rect){m, h - 90, w - 2 * m, 60}, app_tr(a, S_CONTENT_BROKEN),
                    UI_F_SMALL, UI_C_ERR, UI_CENTER);
    }
}

const struct screen screen_home = {
    .id = "home",
    .state_size = sizeof(struct home),
    .flags = SCREEN_BARE,
    .frame = frame,
    .net_event = net_event,
};
