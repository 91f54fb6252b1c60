/* app_fleet: what the hub asks of the kiosk's screen: the emergency alert
 * drawn over every screen (the screens below keep their state; the idle
 * timer stands still while it shows) and the remote screenshot (the frame
 * copied on the UI thread, encoded to PNG on a short-lived thread, handed to
 * the hub link; refused while a screen with personal data is on the stack).
 * See app_impl.h; UI thread, except the encoder thread's own function. */
#include <cairo.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app_impl.h"
#include "api_fleet.h"
#include "kclient.h"
#include "kclock.h"
#include "klog.h"

#define MOD "fleet"

/* Urgent: a deep red; notice: the district's dark blue. Both carry white text. */
#define C_URGENT 0x9E1B1BFFu
#define C_NOTICE 0x1F3A5FFFu
#define C_SOFT 0xFFFFFFD9u /* English lines: white, a little quieter */

struct app_fleet {
    unsigned gen;                       /* kclient_alerts generation */
    struct api_alert alerts[API_ALERT_MAX];
    int n;
    int shown;                          /* index in alerts of the alert on screen, -1 none */
    int64_t logged_id;                  /* the last alert whose first draw was logged */
    /* screenshot */
    char want_sid[API_SHOT_ID_SIZE];    /* capture at the next frame */
    bool capture;
    pthread_t enc;
    bool enc_running;
    atomic_bool enc_done;
    char enc_sid[API_SHOT_ID_SIZE];
    unsigned char *pixels;              /* ARGB8888 copy of the frame (the encoder's) */
    int w, h;
    unsigned char *png;                 /* the encoder's result, or NULL */
    size_t png_len, png_cap;
    bool png_fail;
    struct app *app;                    /* for app_wake from the encoder */
};

static struct app_fleet *fleet(struct app *a)
{
    if (!a->fleet) {
        a->fleet = calloc(1, sizeof *a->fleet);
        if (a->fleet) {
            a->fleet->shown = -1;
            a->fleet->app = a;
        }
    }
    return a->fleet;
}

static int64_t wall_ms(const struct app *a)
{
    return a->wall0_ms + (int64_t)app_now_ms(a);
}

/* ---- alerts ------------------------------------------------------------------- */

/* The alert to show now: the first (urgent first, newest first) valid on
 * this kiosk's wall clock, or -1. */
static int pick(const struct app_fleet *f, int64_t now)
{
    for (int i = 0; i < f->n; i++)
        if (api_alert_valid_at(&f->alerts[i], now)) return i;
    return -1;
}

/* ---- screenshots ---------------------------------------------------------------- */

static cairo_status_t png_write(void *closure, const unsigned char *data, unsigned int len)
{
    struct app_fleet *f = closure;
    if (f->png_len + len > API_SHOT_MAX) return CAIRO_STATUS_WRITE_ERROR;
    if (f->png_len + len > f->png_cap) {
        size_t cap = f->png_cap ? f->png_cap * 2 : 512 * 1024;
        unsigned char *p;
        while (cap < f->png_len + len) cap *= 2;
        p = realloc(f->png, cap);
        if (!p) return CAIRO_STATUS_NO_MEMORY;
        f->png = p;
        f->png_cap = cap;
    }
    memcpy(f->png + f->png_len, data, len);
    f->png_len += len;
    return CAIRO_STATUS_SUCCESS;
}

/* The encoder thread: the frame's pixels (xRGB, as cairo's RGB24) to PNG. */
static void *encode_main(void *arg)
{
    struct app_fleet *f = arg;
    cairo_surface_t *s = cairo_image_surface_create_for_data(f->pixels, CAIRO_FORMAT_RGB24, f->w,
                                                             f->h, f->w * 4);
    f->png_fail = cairo_surface_status(s) != CAIRO_STATUS_SUCCESS ||
                  cairo_surface_write_to_png_stream(s, png_write, f) != CAIRO_STATUS_SUCCESS;
    cairo_surface_destroy(s);
    free(f->pixels);
    f->pixels = NULL;
    atomic_store(&f->enc_done, true);
    app_wake(f->app);
    return NULL;
}

/* Hands a finished encoding to the hub link. */
static void encode_collect(struct app *a, struct app_fleet *f)
{
    if (!f->enc_running || !atomic_load(&f->enc_done)) return;
    pthread_join(f->enc, NULL);
    f->enc_running = false;
    if (f->png_fail || !f->png) {
        KLOGW(MOD, "screenshot %s: PNG encoding failed", f->enc_sid);
        free(f->png);
        if (a->client) kclient_shot_answer(a->client, f->enc_sid, NULL, 0, "encoding failed");
    } else {
        KLOGI(MOD, "screenshot %s: %zu bytes PNG", f->enc_sid, f->png_len);
        if (a->client) kclient_shot_answer(a->client, f->enc_sid, f->png, f->png_len, NULL);
        else free(f->png);
    }
    f->png = NULL;
    f->png_len = f->png_cap = 0;
}

/* The id of the first screen on the stack that shows personal data (a form,
 * a receipt, a ticket lookup), or NULL. */
static const char *personal_screen(const struct app *a)
{
    for (int i = a->depth - 1; i >= 0; i--)
        if (a->stack[i].s->flags & (SCREEN_PERSONAL | SCREEN_PRIVATE)) return a->stack[i].s->id;
    return NULL;
}

void app_fleet_capture(struct app *a)
{
    struct app_fleet *f = a->fleet;
    size_t n;
    if (!f || !f->capture) return;
    f->capture = false;
    if (f->enc_running) { /* one at a time; the hub's request waits for its TTL */
        kclient_shot_answer(a->client, f->want_sid, NULL, 0, "busy: another screenshot is encoding");
        return;
    }
    n = (size_t)a->pw * (size_t)a->ph * 4;
    f->pixels = malloc(n);
    if (!f->pixels || SDL_RenderReadPixels(a->ren, NULL, SDL_PIXELFORMAT_ARGB8888, f->pixels,
                                           a->pw * 4) != 0) {
        KLOGW(MOD, "screenshot %s: cannot read the frame: %s", f->want_sid, SDL_GetError());
        free(f->pixels);
        f->pixels = NULL;
        kclient_shot_answer(a->client, f->want_sid, NULL, 0, "cannot read the frame");
        return;
    }
    f->w = a->pw;
    f->h = a->ph;
    memcpy(f->enc_sid, f->want_sid, sizeof f->enc_sid);
    atomic_store(&f->enc_done, false);
    f->png_fail = false;
    if (pthread_create(&f->enc, NULL, encode_main, f) != 0) {
        free(f->pixels);
        f->pixels = NULL;
        kclient_shot_answer(a->client, f->enc_sid, NULL, 0, "no thread to encode");
        return;
    }
    f->enc_running = true;
}

/* ---- each turn of the loop --------------------------------------------------------- */

void app_fleet_poll(struct app *a)
{
    struct app_fleet *f;
    int64_t now_wall;
    uint64_t now = app_now_ms(a);
    int cur;
    char sid[API_SHOT_ID_SIZE];
    if (!a->client || !(f = fleet(a))) return;
    encode_collect(a, f);
    if (kclient_alerts(a->client, &f->gen, f->alerts, &f->n)) a->dirty = true;
    now_wall = wall_ms(a);
    cur = pick(f, now_wall);
    if (cur != f->shown) {
        if (f->shown >= 0 && cur < 0) {
            KLOGI(MOD, "alert taken down (cleared or expired); back to %s", app_screen_id(a));
            /* the idle time starts again for the person at the screen below */
            a->last_input = now;
        }
        f->shown = cur;
        ui_invalidate(a->ui);
        a->dirty = true;
    }
    if (cur >= 0) {
        /* an alert lights a screen the schedule darkened, and keeps it lit
         * (as a touch does) until it is taken down */
        a->had_input = true;
        if (a->dark) {
            a->dark = false;
            ui_invalidate(a->ui);
            a->dirty = true;
            KLOGI(MOD, "screen on (an alert)");
        }
        /* the screen below is not used while the alert covers it: its idle
         * timeout (and a 还在吗？ countdown) stand still */
        a->last_input = now;
        if (a->asking) a->ask_until = now + (uint64_t)a->cfg.still_there_s * 1000u;
        if (f->alerts[cur].until_ms > now_wall)
            app_timer_at(a, now + (uint64_t)(f->alerts[cur].until_ms - now_wall));
    }
    if (kclient_shot_wanted(a->client, sid)) {
        const char *who = personal_screen(a);
        if (who) {
            char why[96];
            snprintf(why, sizeof why, "personal: a form or receipt is open (%s)", who);
            KLOGI(MOD, "screenshot %s refused: %s", sid, why);
            kclient_shot_answer(a->client, sid, NULL, 0, why);
        } else {
            memcpy(f->want_sid, sid, sizeof sid);
            f->capture = true;
            a->dirty = true; /* the next frame is copied before it is presented */
        }
    }
}

/* ---- drawing the alert ---------------------------------------------------------------- */

static void hhmm(int64_t ms, char out[8])
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(out, 8, "%H:%M", &tm);
}

bool app_fleet_draw(struct app *a)
{
    struct app_fleet *f = a->fleet;
    struct ui *ui = a->ui;
    const struct api_alert *al;
    float w, h, m, y, tw, bottom;
    bool urgent, portrait;
    const char *label;
    char foot[160], sent[8], until[8];
    if (!f || f->shown < 0) return false;
    al = &f->alerts[f->shown];
    urgent = strcmp(al->level, "urgent") == 0;
    portrait = ui_portrait(ui);
    w = ui_width(ui);
    h = ui_height(ui);
    m = portrait ? 70 : 110;
    tw = w - 2 * m;
    label = urgent ? "紧急通知 · URGENT" : "通知 · NOTICE";
    ui_fill(ui, (struct ui_rect){0, 0, w, h}, urgent ? C_URGENT : C_NOTICE);
    ui_fill(ui, (struct ui_rect){0, 0, w, 16}, UI_C_GOLD);
    ui_fill(ui, (struct ui_rect){0, h - 16, w, 16}, UI_C_GOLD);
    /* the whole screen takes (and drops) every tap while the alert shows */
    (void)ui_hit_area(ui, (struct ui_rect){0, 0, w, h}, label);
    y = portrait ? 120 : 80;
    ui_icon(ui, m + 36, y + 40, urgent ? "warning" : "campaign", UI_F_ICON_L, UI_C_WHITE);
    ui_label(ui, m + 100, y + 10, label, UI_F_TITLE, UI_C_WHITE, UI_LEFT);
    y += 140;
    y += ui_paragraph_lines(ui, m, y, tw, al->title, UI_F_HUGE, UI_C_WHITE, 3) + 16;
    if (al->title_en[0]) y += ui_paragraph_lines(ui, m, y, tw, al->title_en, UI_F_TITLE, C_SOFT, 2);
    y += 50;
    ui_fill(ui, (struct ui_rect){m, y, tw, 3}, 0xFFFFFF66u);
    y += 50;
    bottom = h - (portrait ? 200 : 130);
    if (al->body[0] && y < bottom) {
        int lines = ui_paragraph_fit_lines(ui, UI_F_TITLE, (bottom - y) * (al->body_en[0] ? 0.6f : 1));
        y += ui_paragraph_lines(ui, m, y, tw, al->body, UI_F_TITLE, UI_C_WHITE, lines) + 30;
    }
    if (al->body_en[0] && y < bottom) {
        int lines = ui_paragraph_fit_lines(ui, UI_F_LARGE, bottom - y);
        ui_paragraph_lines(ui, m, y, tw, al->body_en, UI_F_LARGE, C_SOFT, lines);
    }
    hhmm(al->sent_ms, sent);
    if (al->until_ms) {
        hhmm(al->until_ms, until);
        snprintf(foot, sizeof foot, "发布 %s · 有效至 %s      Sent %s · until %s", sent, until,
                 sent, until);
    } else {
        snprintf(foot, sizeof foot, "发布 %s · 直至另行通知      Sent %s · until further notice",
                 sent, sent);
    }
    ui_label_fit(ui, (struct ui_rect){m, h - (portrait ? 150 : 100), tw, 60}, foot, UI_F_BODY,
                 C_SOFT, UI_LEFT);
    if (al->id != f->logged_id && !ui_warming(ui)) {
        f->logged_id = al->id;
        /* the test of the push path reads this line (real wall clock, ms) */
        KLOGI(MOD, "alert %lld shown at wall_ms=%lld (%s, on %s)", (long long)al->id,
              (long long)kclock_wall_ms(), al->level, app_screen_id(a));
    }
    return true;
}

void app_fleet_free(struct app *a)
{
    struct app_fleet *f = a->fleet;
    if (!f) return;
    if (f->enc_running) pthread_join(f->enc, NULL);
    free(f->pixels);
    free(f->png);
    free(f);
    a->fleet = NULL;
}
