#define _GNU_SOURCE
#include "app.h"

#include <SDL_image.h>
#include <SDL_ttf.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "contentcheck.h"
#include "geomap.h"
#include "helpform.h"
#include "hzpinyin.h"
#include "ime.h"
#include "kclient.h"
#include "kclock.h"
#include "klog.h"
#include "kmem.h"
#include "utf8.h"
#include "walk.h"

#define MAX_DEPTH 16
#define MAX_WIPE_HOOKS 8
#define TOPBAR_H 120.0f
#define FRAME_MS 16

struct layer {
    const struct screen *s;
    void *st;
};

enum pending_op { OP_NONE, OP_PUSH, OP_POP, OP_HOME, OP_WIPE };

struct app {
    struct app_config cfg;
    struct app_options opt;
    SDL_Window *win;
    SDL_Renderer *ren;
    struct ui_text *text;
    struct ui *ui;
    int pw, ph;

    /* clock */
    uint64_t t0_ms, vnow;
    int64_t wall0_ms; /* wall clock at app time 0 */

    /* screens */
    struct layer stack[MAX_DEPTH];
    int depth;
    unsigned stack_gen;
    unsigned drawn_gen; /* stack_gen of the last frame drawn */
    struct {
        enum pending_op op;
        const struct screen *s;
        const void *arg;
    } pend[4];
    int npend;

    enum content_lang lang;
    struct kclient *client;
    bool client_pending; /* opened right after the first frame */
    struct ime *ime;
    bool ime_failed;
    struct content *content;
    struct search_index *search;
    struct helpform_companies *companies;
    struct geomap *map; /* app_walk: loaded on first use */
    struct walk_graph *walk_graph;
    struct walk *walk;
    bool walk_tried;
    char content_error[512];
    char state_dir[1024];
    bool temp_state;

    bool dirty, quit;
    uint64_t last_input;
    int64_t shown_minute;
    uint64_t timer_at;
    bool asking;
    uint64_t ask_until;

    struct {
        void (*fn)(void *);
        void *ud;
    } wipe_hooks[MAX_WIPE_HOOKS];
    int nwipe;

    int wake_fd[2];
    uint32_t wake_event;

    /* glyphs of the content rasterised in idle time after start-up */
    struct {
        uint32_t *cps;
        size_t n, i;
        int font;
        bool done;         /* glyphs */
        size_t screen_k;   /* next scr_warm_target index */
        int screen_pass;   /* 0: Chinese, 1: English */
        bool screens_done;
        uint64_t busy_us;  /* time spent warming (diagnostics, bench) */
    } warm;

    /* statistics */
    struct app_stats stats;
    SDL_FingerID finger; /* the one finger being followed, -1 = none */
    bool recording;
    bool frame_log; /* KIOSK_FRAME_LOG=1: one stderr line per frame (diagnostics) */
    uint64_t input_since_us; /* first unanswered input, 0 = none */
};

static volatile sig_atomic_t got_signal;

static bool env_is_1(const char *name)
{
    const char *v = getenv(name);
    return v && strcmp(v, "1") == 0;
}

static void on_signal(int sig)
{
    (void)sig;
    got_signal = 1;
}

static uint64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t app_now_ms(const struct app *a)
{
    return a->opt.virtual_time ? a->vnow : kclock_mono_ms() - a->t0_ms;
}

int64_t app_wall_s(const struct app *a)
{
    return (a->wall0_ms + (int64_t)app_now_ms(a)) / 1000;
}

void app_invalidate(struct app *a)
{
    a->dirty = true;
}

void app_timer_at(struct app *a, uint64_t at_ms)
{
    if (!a->timer_at || at_ms < a->timer_at) a->timer_at = at_ms;
}

void app_on_wipe(struct app *a, void (*fn)(void *ud), void *ud)
{
    if (a->nwipe < MAX_WIPE_HOOKS) {
        a->wipe_hooks[a->nwipe].fn = fn;
        a->wipe_hooks[a->nwipe].ud = ud;
        a->nwipe++;
    }
}

void app_wake(struct app *a)
{
    SDL_Event e;
    char b = 1;
    memset(&e, 0, sizeof e);
    e.type = a->wake_event;
    SDL_PushEvent(&e);
    if (a->wake_fd[1] >= 0 && write(a->wake_fd[1], &b, 1) < 0) {
        /* a full pipe already means "wake up" */
    }
}

struct ui *app_ui(struct app *a)
{
    return a->ui;
}
enum content_lang app_lang(const struct app *a)
{
    return a->lang;
}
const char *app_tr(const struct app *a, enum str_id id)
{
    return i18n(id, a->lang);
}
const struct app_config *app_cfg(const struct app *a)
{
    return &a->cfg;
}
const struct content *app_content(const struct app *a)
{
    return a->content;
}
struct kclient *app_client(struct app *a)
{
    return a->client;
}

static bool all_hanzi(const char *s)
{
    uint32_t cp;
    size_t n = 0;
    while ((cp = utf8_next(&s)) != 0) {
        if (cp < 0x4E00 || cp > 0x9FFF) return false;
        n++;
    }
    return n >= 2;
}

static void ime_wipe(void *ud)
{
    struct app *a = ud;
    if (a->ime) ime_reset(a->ime);
}

struct ime *app_ime(struct app *a)
{
    if (!a->ime && !a->ime_failed) {
        struct ime_config cfg;
        uint64_t t = mono_us();
        memset(&cfg, 0, sizeof cfg);
        if (ime_open(&cfg, &a->ime) != KERR_OK) {
            a->ime_failed = true;
            KLOGE("app", "pinyin input unavailable (libpinyin data missing?)");
            return NULL;
        }
        /* The content's names come first among candidates. */
        if (a->content) {
            const struct content *c = a->content;
            size_t n = 0, cap = c->n_services + c->n_categories + c->n_towers +
                                c->n_request_categories + c->n_phrases + 4;
            const char **names = calloc(cap, sizeof *names);
            if (names) {
                names[n++] = c->district.name.zh;
                if (c->district.short_name.zh) names[n++] = c->district.short_name.zh;
                for (size_t i = 0; i < c->n_services; i++) names[n++] = c->services[i].name.zh;
                for (size_t i = 0; i < c->n_categories; i++) names[n++] = c->categories[i].name.zh;
                for (size_t i = 0; i < c->n_towers; i++) names[n++] = c->towers[i].name.zh;
                for (size_t i = 0; i < c->n_request_categories; i++)
                    names[n++] = c->request_categories[i].name.zh;
                /* One at a time, hanzi-only names: a name with Latin
                 * letters or digits has no pinyin reading to type. */
                size_t added = 0;
                for (size_t i = 0; i < n; i++)
                    if (names[i] && all_hanzi(names[i]) &&
                        ime_add_phrases_auto(a->ime, &names[i], 1) == KERR_OK)
                        added++;
                KLOGI("app", "%zu of %zu content names added as input phrases", added, n);
                free(names);
            }
        }
        app_on_wipe(a, ime_wipe, a);
        KLOGI("app", "pinyin input ready in %.1f ms", (mono_us() - t) / 1000.0);
    }
    return a->ime;
}
SDL_Texture *app_load_texture(struct app *a, const char *path, int *w, int *h)
{
    SDL_Texture *t = IMG_LoadTexture(a->ren, path);
    if (!t) {
        KLOGW("app", "cannot load image %s: %s", path, IMG_GetError());
        return NULL;
    }
    SDL_QueryTexture(t, NULL, NULL, w, h);
    return t;
}

const char *app_content_error(const struct app *a)
{
    return a->content_error;
}
void app_size(const struct app *a, int *w, int *h)
{
    *w = a->pw;
    *h = a->ph;
}
const struct app_stats *app_stats(const struct app *a)
{
    return &a->stats;
}

static void open_readings(struct app *a);

const struct search_index *app_search(struct app *a)
{
    if (!a->search && a->content) {
        enum kerr err = KERR_OK;
        uint64_t t = mono_us();
        open_readings(a);
        a->search = search_build(a->content, &err);
        if (!a->search)
            KLOGE("app", "search index not built: %s", kerr_str(err));
        else
            KLOGI("app", "search index built in %.1f ms", (mono_us() - t) / 1000.0);
    }
    return a->search;
}

/* Hanzi readings come from the input engine's libpinyin context when it
 * can be opened, so libpinyin's dictionary is loaded once, not twice. */
static void open_readings(struct app *a)
{
    struct ime *ime;
    if (hzpinyin_ready()) return;
    ime = app_ime(a);
    if (!ime || hzpinyin_open_shared(ime_pinyin_context(ime)) != KERR_OK) hzpinyin_open(NULL);
}

const struct walk *app_walk(struct app *a)
{
    if (!a->walk_tried && a->content) {
        struct content_report *rep = calloc(1, sizeof *rep);
        uint64_t t = mono_us();
        char why[CONTENT_REPORT_LINE] = "";
        enum kerr e = KERR_NOMEM;
        a->walk_tried = true;
        if (rep) {
            content_report_init(rep);
            e = geomap_load(a->content->dir, a->content, &a->map, rep);
            if (e == KERR_OK) e = walk_build(a->map, &a->walk_graph, rep);
            if (e == KERR_OK)
                e = walk_create(a->content, a->walk_graph, a->cfg.tower_id, a->cfg.entrance, false,
                                &a->walk, why, sizeof why);
            if (e != KERR_OK && !why[0] && rep->count)
                snprintf(why, sizeof why, "%s", rep->lines[0]);
            free(rep);
        }
        if (e == KERR_OK)
            KLOGI("app", "map: %zu nodes, service circle from %s ready in %.1f ms",
                  a->walk_graph->n_nodes, a->cfg.tower_id, (mono_us() - t) / 1000.0);
        else
            KLOGW("app", "no service circle map: %s", why[0] ? why : kerr_str(e));
    }
    return a->walk;
}

const struct helpform_companies *app_companies(struct app *a)
{
    if (!a->companies && a->content) {
        open_readings(a);
        a->companies = helpform_companies_build(a->content);
    }
    return a->companies;
}

void app_toggle_lang(struct app *a)
{
    a->lang = a->lang == CONTENT_ZH ? CONTENT_EN : CONTENT_ZH;
    a->dirty = true;
}

struct ui_rect app_lang_rect(const struct app *a)
{
    return (struct ui_rect){ui_width(a->ui) - 24 - 230, 14, 230, 86};
}

bool app_lang_button(struct app *a, struct ui_rect r, enum ui_style style)
{
    if (ui_button_icon(a->ui, r, "translate", app_tr(a, S_LANG_TOGGLE), style)) {
        app_toggle_lang(a);
        return true;
    }
    return false;
}

/* ---- screen stack ------------------------------------------------------ */

static void queue_op(struct app *a, enum pending_op op, const struct screen *s, const void *arg)
{
    if (a->npend < 4) {
        a->pend[a->npend].op = op;
        a->pend[a->npend].s = s;
        a->pend[a->npend].arg = arg;
        a->npend++;
    }
    a->dirty = true;
}

void app_push(struct app *a, const struct screen *s, const void *arg)
{
    queue_op(a, OP_PUSH, s, arg);
}
void app_pop(struct app *a)
{
    queue_op(a, OP_POP, NULL, NULL);
}
void app_go_home(struct app *a)
{
    queue_op(a, OP_HOME, NULL, NULL);
}

unsigned app_stack_gen(const struct app *a)
{
    return a->stack_gen;
}

const char *app_screen_id(const struct app *a)
{
    return a->depth > 0 ? a->stack[a->depth - 1].s->id : "";
}

static void do_push(struct app *a, const struct screen *s, const void *arg)
{
    struct layer *l;
    if (a->depth == MAX_DEPTH) {
        KLOGW("app", "screen stack full; %s not opened", s->id);
        return;
    }
    l = &a->stack[a->depth++];
    a->stack_gen++;
    l->s = s;
    l->st = s->state_size ? calloc(1, s->state_size) : NULL;
    if (s->state_size && !l->st) {
        a->depth--;
        KLOGE("app", "out of memory opening %s", s->id);
        return;
    }
    if (s->enter) s->enter(a, l->st, arg);
}

static void do_pop(struct app *a)
{
    struct layer *l;
    if (a->depth <= 0) return;
    l = &a->stack[--a->depth];
    a->stack_gen++;
    if (l->s->leave) l->s->leave(a, l->st);
    if (l->st) {
        memset(l->st, 0, l->s->state_size); /* nothing personal lingers in freed memory */
        free(l->st);
    }
    l->st = NULL;
}

static void wipe_session(struct app *a)
{
    while (a->depth > 0) do_pop(a);
    for (int i = 0; i < a->nwipe; i++) a->wipe_hooks[i].fn(a->wipe_hooks[i].ud);
    ui_toast_clear(a->ui);
    a->asking = false;
    a->lang = a->cfg.lang ? CONTENT_EN : CONTENT_ZH;
    do_push(a, a->opt.home, NULL);
    do_push(a, a->opt.attract, NULL);
    KLOGI("app", "session wiped; attract");
}

static bool apply_pending(struct app *a)
{
    bool any = a->npend > 0;
    for (int i = 0; i < a->npend; i++) {
        switch (a->pend[i].op) {
        case OP_PUSH:
            do_push(a, a->pend[i].s, a->pend[i].arg);
            break;
        case OP_POP:
            if (a->depth > 1) do_pop(a);
            break;
        case OP_HOME:
            while (a->depth > 1) do_pop(a);
            break;
        case OP_WIPE:
            wipe_session(a);
            break;
        case OP_NONE:
            break;
        }
    }
    a->npend = 0;
    if (any) {
        a->dirty = true;
        ui_toast_clear(a->ui); /* a message belongs to the screen it was shown on */
    }
    return any;
}

/* ---- drawing ----------------------------------------------------------- */

static void draw_topbar(struct app *a, const struct layer *top)
{
    struct ui *ui = a->ui;
    float w = ui_width(ui);
    bool portrait = ui_portrait(ui);
    float bw = portrait ? 180 : 200;
    float right = w - 24;
    char hhmm[16];
    time_t now = (time_t)app_wall_s(a);
    struct tm tm;
    const char *title = top->s->title ? top->s->title(a, top->st) : "";

    ui_fill(ui, (struct ui_rect){0, 0, w, TOPBAR_H}, UI_C_RED);
    ui_fill(ui, (struct ui_rect){0, TOPBAR_H - 6, w, 6}, UI_C_GOLD);
    if (ui_button_icon(ui, (struct ui_rect){24, 14, bw, 86}, "arrow_back", app_tr(a, S_BACK),
                       UI_ON_RED))
        app_pop(a);
    if (ui_button_icon(ui, (struct ui_rect){24 + bw + 20, 14, bw, 86}, "home", app_tr(a, S_HOME),
                       UI_ON_RED))
        app_go_home(a);
    app_lang_button(a, app_lang_rect(a), UI_ON_RED);
    right -= 230 + 16;
    if (!portrait) {
        localtime_r(&now, &tm);
        strftime(hhmm, sizeof hhmm, "%H:%M", &tm);
        ui_label_in(ui, (struct ui_rect){right - 120, 14, 120, 86}, hhmm, UI_F_LARGE, UI_C_WHITE,
                    UI_RIGHT);
        right -= 120 + 16;
    }
    {
        float left = 24 + 2 * bw + 20 + 16;
        float span = fminf(right - w / 2, w / 2 - left);
        ui_label_fit(ui, (struct ui_rect){w / 2 - span, 14, 2 * span, 86}, title, UI_F_TITLE,
                     UI_C_WHITE, UI_CENTER);
    }
}

static void draw_still_there(struct app *a)
{
    char title[64];
    const char *buttons[2] = {app_tr(a, S_FINISH), app_tr(a, S_CONTINUE)};
    uint64_t now = app_now_ms(a);
    unsigned left = a->ask_until > now ? (unsigned)((a->ask_until - now + 999) / 1000) : 0;
    int r;
    snprintf(title, sizeof title, "%s  %u", app_tr(a, S_STILL_THERE), left);
    r = ui_modal(a->ui, title, app_tr(a, S_STILL_THERE_BODY), buttons, 2);
    if (r == 1) queue_op(a, OP_WIPE, NULL, NULL);
    if (r == 2) {
        a->asking = false;
        a->last_input = now;
        a->dirty = true;
    }
    if (a->ask_until > now) app_timer_at(a, now + ((a->ask_until - now) % 1000 ? (a->ask_until - now) % 1000 : 1000));
}

/* The area screen s draws in: all of it, or below the top bar. */
static struct ui_rect screen_body(struct app *a, const struct screen *s)
{
    if (s->flags & SCREEN_BARE) return (struct ui_rect){0, 0, ui_width(a->ui), ui_height(a->ui)};
    return (struct ui_rect){0, TOPBAR_H, ui_width(a->ui), ui_height(a->ui) - TOPBAR_H};
}

/* The ui calls of one frame: the top screen, its top bar, the app's own
 * dialog, toasts. */
static void draw_screen(struct app *a)
{
    struct layer *top = &a->stack[a->depth - 1];
    top->s->frame(a, top->st, screen_body(a, top->s));
    if (!(top->s->flags & SCREEN_BARE)) draw_topbar(a, top);
    if (a->asking) draw_still_there(a);
    ui_draw_overlays(a->ui);
}

static void render(struct app *a, const char *shot, enum kerr *shot_rc)
{
    uint64_t start = mono_us();

    a->shown_minute = app_wall_s(a) / 60;

    /* A pending tap is handled in a frame that draws nothing, so that the
     * first frame drawn is the one that answers it. */
    uint64_t t_dry, t_layout, t_paint;
    if (ui_click_pending(a->ui)) {
        ui_begin_dry(a->ui, app_now_ms(a));
        draw_screen(a);
        ui_end(a->ui);
        apply_pending(a);
    }
    t_dry = mono_us();
    a->dirty = false;
    if (a->drawn_gen != a->stack_gen) ui_invalidate(a->ui); /* a new screen: draw it all */
    a->drawn_gen = a->stack_gen;
    ui_begin(a->ui, app_now_ms(a));
    draw_screen(a);
    t_layout = mono_us();
    ui_end(a->ui);
    t_paint = mono_us();
    if (ui_needs_redraw(a->ui)) a->dirty = true;

    if (shot) {
        SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, a->pw, a->ph, 32,
                                                        SDL_PIXELFORMAT_ARGB8888);
        *shot_rc = KERR_IO;
        if (s && SDL_RenderReadPixels(a->ren, NULL, SDL_PIXELFORMAT_ARGB8888, s->pixels,
                                      s->pitch) == 0 &&
            IMG_SavePNG(s, shot) == 0)
            *shot_rc = KERR_OK;
        else
            KLOGE("app", "screenshot %s failed: %s", shot, SDL_GetError());
        SDL_FreeSurface(s);
    }
    SDL_RenderPresent(a->ren);

    {
        uint64_t end = mono_us();
        uint64_t from = a->input_since_us ? a->input_since_us : start;
        if (a->stats.frames == 0 && a->opt.t_process_start_us)
            a->stats.first_frame_ms = (end - a->opt.t_process_start_us) / 1000.0;
        a->stats.frames++;
        bool answered = !a->dirty; /* a redraw is pending: not yet the answer */
        if (a->recording && answered) {
            if (a->stats.n_frame_ms == a->stats.cap_frame_ms) {
                size_t cap = a->stats.cap_frame_ms ? a->stats.cap_frame_ms * 2 : 1024;
                double *n = realloc(a->stats.frame_ms, cap * sizeof *n);
                if (n) {
                    a->stats.frame_ms = n;
                    a->stats.cap_frame_ms = cap;
                }
            }
            if (a->stats.n_frame_ms < a->stats.cap_frame_ms)
                a->stats.frame_ms[a->stats.n_frame_ms++] = (end - from) / 1000.0;
        }
        if (a->frame_log) {
            struct ui_text_stats ts;
            size_t total, px = ui_redrawn_px(a->ui, &total);
            ui_text_stats(a->text, &ts);
            fprintf(stderr,
                    "frame %s total_ms=%.2f draw_ms=%.2f dry_ms=%.2f layout_ms=%.2f "
                    "paint_ms=%.2f answered=%d text_misses=%lu redrawn=%.0f%%\n",
                    app_screen_id(a), (end - from) / 1000.0, (end - start) / 1000.0,
                    (t_dry - start) / 1000.0, (t_layout - t_dry) / 1000.0,
                    (t_paint - t_layout) / 1000.0, answered,
                    (unsigned long)ts.misses, total ? 100.0 * (double)px / (double)total : 0.0);
        }
        if (answered) a->input_since_us = 0;
    }
}

void app_stats_record(struct app *a, bool on)
{
    a->recording = on;
    if (on) a->stats.n_frame_ms = 0;
}

/* ---- input and timers -------------------------------------------------- */

static void note_input(struct app *a)
{
    a->last_input = app_now_ms(a);
    if (!a->input_since_us) a->input_since_us = mono_us();
    a->dirty = true;
}

static bool on_attract(const struct app *a)
{
    return a->depth > 0 && a->stack[a->depth - 1].s == a->opt.attract;
}

static void pointer(struct app *a, int kind, float x, float y)
{
    uint64_t now = app_now_ms(a);
    note_input(a);
    if (kind == 0) ui_pointer_down(a->ui, x, y, now);
    if (kind == 1) ui_pointer_move(a->ui, x, y, now);
    if (kind == 2) ui_pointer_up(a->ui, x, y, now);
}

void app_handle_event(struct app *a, const SDL_Event *e)
{
    switch (e->type) {
    case SDL_QUIT:
        a->quit = true;
        break;
    case SDL_MOUSEBUTTONDOWN:
        if (e->button.which != SDL_TOUCH_MOUSEID && e->button.button == SDL_BUTTON_LEFT)
            pointer(a, 0, (float)e->button.x, (float)e->button.y);
        break;
    case SDL_MOUSEMOTION:
        if (e->motion.which != SDL_TOUCH_MOUSEID && (e->motion.state & SDL_BUTTON_LMASK))
            pointer(a, 1, (float)e->motion.x, (float)e->motion.y);
        break;
    case SDL_MOUSEBUTTONUP:
        if (e->button.which != SDL_TOUCH_MOUSEID && e->button.button == SDL_BUTTON_LEFT)
            pointer(a, 2, (float)e->button.x, (float)e->button.y);
        break;
    case SDL_FINGERDOWN:
        if (a->finger == -1) {
            a->finger = e->tfinger.fingerId;
            pointer(a, 0, e->tfinger.x * a->pw, e->tfinger.y * a->ph);
        }
        break;
    case SDL_FINGERMOTION:
        if (e->tfinger.fingerId == a->finger) pointer(a, 1, e->tfinger.x * a->pw, e->tfinger.y * a->ph);
        break;
    case SDL_FINGERUP:
        if (e->tfinger.fingerId == a->finger) {
            pointer(a, 2, e->tfinger.x * a->pw, e->tfinger.y * a->ph);
            a->finger = -1;
        }
        break;
    case SDL_MULTIGESTURE: /* two fingers: a pinch zooms the map */
        if (e->mgesture.numFingers == 2 && e->mgesture.dDist != 0) {
            ui_pinch_input(a->ui, expf(e->mgesture.dDist * 4.0f));
            note_input(a);
        }
        break;
    case SDL_WINDOWEVENT:
        if (e->window.event == SDL_WINDOWEVENT_EXPOSED ||
            e->window.event == SDL_WINDOWEVENT_SIZE_CHANGED) {
            ui_invalidate(a->ui);
            a->dirty = true;
        }
        break;
    case SDL_RENDER_TARGETS_RESET:
    case SDL_RENDER_DEVICE_RESET:
        ui_invalidate(a->ui);
        a->dirty = true;
        break;
    case SDL_KEYDOWN:
        if (e->key.keysym.sym == SDLK_ESCAPE && a->opt.windowed) a->quit = true;
        break;
    default:
        if (e->type == a->wake_event) a->dirty = true;
        break;
    }
}

static uint64_t next_deadline(const struct app *a)
{
    uint64_t d = UINT64_MAX, now = app_now_ms(a);
    int64_t wall_ms = a->wall0_ms + (int64_t)now;
    if (!on_attract(a)) {
        uint64_t idle = a->last_input + (uint64_t)a->cfg.idle_timeout_s * 1000u;
        if (!a->asking && idle < d) d = idle;
        if (a->asking && a->ask_until < d) d = a->ask_until;
    }
    /* the clock on screen changes at the next minute */
    {
        uint64_t to_minute = (uint64_t)(60000 - (wall_ms % 60000));
        if (now + to_minute < d) d = now + to_minute;
    }
    if (a->timer_at && a->timer_at < d) d = a->timer_at;
    if (ui_next_deadline(a->ui) < d) d = ui_next_deadline(a->ui);
    return d;
}

static void net_events(struct app *a)
{
    struct kclient_event ev;
    if (!a->client) return;
    while (kclient_next_event(a->client, &ev)) {
        for (int i = a->depth - 1; i >= 0; i--)
            if (a->stack[i].s->net_event) a->stack[i].s->net_event(a, a->stack[i].st, &ev);
        a->dirty = true;
    }
}

static void fire_timers(struct app *a)
{
    uint64_t now = app_now_ms(a);
    net_events(a);
    if (a->timer_at && now >= a->timer_at) {
        a->timer_at = 0;
        a->dirty = true;
    }
    if (app_wall_s(a) / 60 != a->shown_minute) a->dirty = true;
    if (ui_next_deadline(a->ui) <= now) a->dirty = true;
    if (on_attract(a)) return;
    if (a->asking) {
        if (now >= a->ask_until) queue_op(a, OP_WIPE, NULL, NULL);
        return;
    }
    if (now >= a->last_input + (uint64_t)a->cfg.idle_timeout_s * 1000u) {
        const struct layer *top = &a->stack[a->depth - 1];
        bool personal = false;
        for (int i = 0; i < a->depth; i++)
            if (a->stack[i].s->flags & SCREEN_PERSONAL) personal = true;
        if (personal) {
            a->asking = true;
            a->ask_until = now + (uint64_t)a->cfg.still_there_s * 1000u;
            a->dirty = true;
            KLOGI("app", "idle on %s: asking if the person is still there", top->s->id);
        } else {
            queue_op(a, OP_WIPE, NULL, NULL);
        }
    }
}

static void open_client(struct app *a);

/* Work deferred until a first frame is on screen. */
static void after_first_frame(struct app *a)
{
    if (a->client_pending && a->stats.frames > 0) {
        a->client_pending = false;
        open_client(a);
        a->dirty = true;
    }
}

void app_settle(struct app *a)
{
    for (int i = 0; i < 32; i++) {
        after_first_frame(a);
        fire_timers(a);
        apply_pending(a);
        if (!a->dirty) break;
        render(a, NULL, NULL);
        apply_pending(a);
    }
}

/* ---- idle-time glyph prewarming ---------------------------------------- */

static const enum ui_font warm_fonts[] = {UI_F_BODY, UI_F_LARGE, UI_F_SMALL, UI_F_TITLE, UI_F_HUGE};

static void warm_add(uint8_t *seen, const char *s)
{
    uint32_t cp;
    while (s && (cp = utf8_next(&s)) != 0)
        if (cp < 0x30000) seen[cp >> 3] |= (uint8_t)(1u << (cp & 7));
}

static void warm_text(uint8_t *seen, const struct content_text *t)
{
    warm_add(seen, t->zh);
    warm_add(seen, t->en);
}

/* Collects every code point the content and the UI strings use, so that
 * the first visit of a screen composes its text from cached glyphs. */
static void warm_collect(struct app *a)
{
    const struct content *c = a->content;
    uint8_t *seen = calloc(0x30000 / 8, 1);
    size_t n = 0;
    a->warm.done = true;
    if (!seen) return;
    for (int id = 0; id < S__COUNT; id++) {
        warm_add(seen, i18n((enum str_id)id, CONTENT_ZH));
        warm_add(seen, i18n((enum str_id)id, CONTENT_EN));
    }
    warm_add(seen, "0123456789:-–·年月日星期一二三四五六 ");
    if (c) {
        warm_text(seen, &c->district.name);
        for (size_t i = 0; i < c->district.n_about; i++) warm_text(seen, &c->district.about[i]);
        for (size_t i = 0; i < c->district.n_facts; i++) {
            warm_add(seen, c->district.facts[i].value);
            warm_text(seen, &c->district.facts[i].label);
        }
        warm_text(seen, &c->sample_notice);
        for (size_t i = 0; i < c->n_categories; i++) warm_text(seen, &c->categories[i].name);
        for (size_t i = 0; i < c->n_services; i++) {
            const struct content_service *sv = &c->services[i];
            warm_text(seen, &sv->name);
            warm_text(seen, &sv->summary);
            warm_text(seen, &sv->details);
            warm_text(seen, &sv->provider);
            warm_text(seen, &sv->hours);
        }
        for (size_t i = 0; i < c->n_notices; i++) {
            warm_text(seen, &c->notices[i].title);
            warm_text(seen, &c->notices[i].body);
        }
        for (size_t i = 0; i < c->n_towers; i++) warm_text(seen, &c->towers[i].name);
    }
    for (uint32_t cp = 0x21; cp < 0x30000; cp++)
        if (seen[cp >> 3] & (1u << (cp & 7))) n++;
    a->warm.cps = malloc((n ? n : 1) * sizeof *a->warm.cps);
    if (a->warm.cps) {
        a->warm.n = 0;
        for (uint32_t cp = 0x21; cp < 0x30000; cp++)
            if (seen[cp >> 3] & (1u << (cp & 7))) a->warm.cps[a->warm.n++] = cp;
        a->warm.done = false;
    }
    free(seen);
}

/* Asks for 2 MB pages for the heap (kmem_huge_pages), once the warm-up has
 * filled it: text masks, glyphs, the pinyin engine's tables, tens of MB that
 * frames read. */
static void heap_huge_pages(void)
{
    FILE *f = fopen("/proc/self/maps", "r");
    char line[512];
    while (f && fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        if (strstr(line, "[heap]") && sscanf(line, "%lx-%lx", &lo, &hi) == 2) {
            kmem_huge_pages((void *)lo, hi - lo);
            break;
        }
    }
    if (f) fclose(f);
}

/* Composes one screen of opt.warm_target in a warm-up pass (ui_warm_begin):
 * its texts go into the text cache, nothing is drawn and nothing changes on
 * the screen on show. Chinese first, then English. Returns true while there
 * is more to do. */
static bool warm_screen_step(struct app *a)
{
    const struct screen *s = NULL;
    const void *arg = NULL;
    enum content_lang lang = a->lang;
    struct layer l;
    struct ui_text_stats ts;
    bool full;
    if (a->warm.screens_done) return false;
    if (!a->opt.warm_target || !a->content) {
        a->warm.screens_done = true;
        return false;
    }
    ui_text_stats(a->text, &ts);
    /* Half the cache at most: a warm-up must not evict what it warmed, nor
     * what the screens visited meanwhile use. Masks (software renderer)
     * stay far below; textures (a GPU renderer, four bytes a pixel) stop
     * after the Chinese screens. */
    full = ts.bytes > ts.budget / 2;
    if (full || !a->opt.warm_target(a->content, a->warm.screen_pass == 0 ? CONTENT_ZH : CONTENT_EN,
                                    a->warm.screen_k, &s, &arg)) {
        a->warm.screen_k = 0;
        if (++a->warm.screen_pass == 2 || full) {
            a->warm.screens_done = true;
            heap_huge_pages();
            KLOGI("app", "prewarmed the content screens in %.0f ms (text cache %zu entries, %zu KiB%s)",
                  a->warm.busy_us / 1000.0, ts.entries, ts.bytes / 1024,
                  full ? ", stopped at half the cache" : "");
            return false;
        }
        return true;
    }
    /* A form on screen: its IME session is shared with the help form this
     * may warm. Later, when the form is left. */
    if (a->stack[a->depth - 1].s->flags & SCREEN_PERSONAL) return false;
    if (!ui_warm_begin(a->ui)) return false; /* a finger is down: later */
    a->warm.screen_k++;
    a->lang = a->warm.screen_pass == 0 ? CONTENT_ZH : CONTENT_EN;
    l.s = s;
    l.st = calloc(1, s->state_size ? s->state_size : 1);
    if (l.st) {
        if (s->enter) s->enter(a, l.st, arg);
        s->frame(a, l.st, screen_body(a, s));
        if (!(s->flags & SCREEN_BARE)) draw_topbar(a, &l);
    }
    ui_warm_end(a->ui);
    if (l.st) {
        if (s->leave) s->leave(a, l.st);
        free(l.st);
    }
    a->lang = lang;
    return true;
}

/* Rasterises glyphs for up to budget_us, or once they are all done composes
 * one screen; returns true while work remains. */
static bool warm_step(struct app *a, uint64_t budget_us)
{
    uint64_t start = mono_us();
    bool more = true;
    if (a->warm.done) {
        more = warm_screen_step(a);
        a->warm.busy_us += mono_us() - start;
        return more;
    }
    if (!a->warm.cps) {
        warm_collect(a);
        if (a->warm.done) return true;
    }
    while (mono_us() - start < budget_us) {
        char buf[8];
        size_t len;
        if (a->warm.i == a->warm.n) {
            a->warm.i = 0;
            if (++a->warm.font == (int)(sizeof warm_fonts / sizeof warm_fonts[0])) {
                struct ui_text_stats st;
                ui_text_stats(a->text, &st);
                KLOGI("app", "prewarmed %zu glyphs (%zu KiB) of %zu code points", st.glyphs,
                      st.glyph_bytes / 1024, a->warm.n);
                free(a->warm.cps);
                a->warm.cps = NULL;
                a->warm.done = true;
                /* The pinyin engine and the pinyin indexes, so the first
                 * search and the first form open at once. */
                app_search(a);
                if (a->client) app_companies(a);
                break;
            }
        }
        len = utf8_encode(a->warm.cps[a->warm.i++], buf);
        buf[len] = 0;
        ui_text_prewarm(a->text, warm_fonts[a->warm.font], buf);
    }
    a->warm.busy_us += mono_us() - start;
    return more;
}

bool app_warming(const struct app *a)
{
    return !a->warm.done || !a->warm.screens_done;
}

void app_warm_finish(struct app *a)
{
    while (app_warming(a) && warm_step(a, 1000000)) {
    }
}

uint64_t app_warm_busy_us(const struct app *a)
{
    return a->warm.busy_us;
}

/* One turn of the real loop: timers, transitions, a frame if needed, then
 * sleep until input, a wake-up, the next timer or max_wait_ms. */
static void loop_once(struct app *a, uint64_t max_wait_ms)
{
    SDL_Event e;
    uint64_t now, d;
    int timeout;
    fire_timers(a);
    apply_pending(a);
    if (a->dirty || ui_animating(a->ui)) {
        render(a, NULL, NULL);
        apply_pending(a);
    }
    after_first_frame(a);
    now = app_now_ms(a);
    d = next_deadline(a);
    if (a->dirty || a->npend)
        timeout = 0;
    else if (ui_animating(a->ui))
        timeout = FRAME_MS;
    else if (warm_step(a, 2000))
        timeout = 0; /* more to warm: look for input, then go on */
    else
        timeout = d == UINT64_MAX ? 60000 : d <= now ? 0 : (int)(d - now);
    if ((uint64_t)timeout > max_wait_ms) timeout = (int)max_wait_ms;
    if (a->opt.headless) {
        /* The dummy driver has no way to sleep on events: SDL would poll
         * every millisecond. Sleep on our wake pipe instead. */
        struct pollfd pfd = {a->wake_fd[0], POLLIN, 0};
        char buf[64];
        if (poll(&pfd, 1, timeout) > 0)
            while (read(a->wake_fd[0], buf, sizeof buf) > 0) {
            }
        while (SDL_PollEvent(&e)) app_handle_event(a, &e);
    } else if (SDL_WaitEventTimeout(&e, timeout)) {
        app_handle_event(a, &e);
        while (SDL_PollEvent(&e)) app_handle_event(a, &e);
    }
}

void app_advance(struct app *a, uint64_t ms)
{
    uint64_t target = app_now_ms(a) + ms;
    app_settle(a);
    if (!a->opt.virtual_time) {
        uint64_t now;
        while ((now = app_now_ms(a)) < target && !a->quit && !got_signal)
            loop_once(a, target - now);
        app_settle(a);
        return;
    }
    while (a->vnow < target) {
        uint64_t step, d = next_deadline(a);
        if (ui_animating(a->ui))
            step = FRAME_MS;
        else
            step = d > a->vnow ? d - a->vnow : 1;
        if (a->vnow + step > target) step = target - a->vnow;
        a->vnow += step;
        if (ui_animating(a->ui)) a->dirty = true;
        app_settle(a);
    }
}

enum kerr app_screenshot(struct app *a, const char *path)
{
    enum kerr rc = KERR_IO;
    app_settle(a);
    render(a, path, &rc);
    return rc;
}

int app_run(struct app *a)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    a->dirty = true;
    while (!a->quit && !got_signal) loop_once(a, 60000);
    return 0;
}

/* ---- creation ---------------------------------------------------------- */

static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(p);
}

static enum kerr mkdir_p(const char *path)
{
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p == '/') {
            *p = 0;
            if (mkdir(tmp, 0700) != 0 && errno != EEXIST) return KERR_IO;
            *p = '/';
        }
    }
    if (mkdir(tmp, 0700) != 0 && errno != EEXIST) return KERR_IO;
    return KERR_OK;
}

static enum kerr setup_state_dir(struct app *a)
{
    if (a->cfg.state_dir[0]) {
        snprintf(a->state_dir, sizeof a->state_dir, "%s", a->cfg.state_dir);
    } else if (a->opt.headless) {
        /* Tests and tours leave nothing behind. */
        snprintf(a->state_dir, sizeof a->state_dir, "/tmp/kiosk-state-XXXXXX");
        if (!mkdtemp(a->state_dir)) return KERR_IO;
        a->temp_state = true;
        return KERR_OK;
    } else {
        const char *home = getenv("HOME");
        snprintf(a->state_dir, sizeof a->state_dir, "%s/.local/state/huanglong-kiosk",
                 home ? home : "/tmp");
    }
    return mkdir_p(a->state_dir);
}

static void load_content(struct app *a)
{
    char last_good[1100];
    struct content_report *rep = calloc(1, sizeof *rep);
    enum kerr rc;
    uint64_t t = mono_us();
    if (!rep) return;
    content_report_init(rep);
    snprintf(last_good, sizeof last_good, "%s/content-last-good", a->state_dir);
    /* A throw-away state folder (headless runs) keeps no last good copy. */
    rc = content_load_safe(a->cfg.content_dir, a->temp_state ? NULL : last_good, content_check_deep,
                           a->cfg.font[0] ? a->cfg.font : NULL, &a->content, rep);
    if (rc != KERR_OK || !a->content) {
        snprintf(a->content_error, sizeof a->content_error, "%s",
                 rep->count ? rep->lines[0] : kerr_str(rc));
        KLOGE("app", "no valid content bundle (%s): %s", a->cfg.content_dir, a->content_error);
    } else {
        if (content_report_total(rep) > 0)
            snprintf(a->content_error, sizeof a->content_error, "%s", rep->lines[0]);
        KLOGI("app", "content %s (%zu services, %zu notices) loaded in %.1f ms",
              a->content->version, a->content->n_services, a->content->n_notices,
              (mono_us() - t) / 1000.0);
    }
    free(rep);
}

static void on_client_event(void *ud)
{
    app_wake(ud);
}

/* The outbox and sender. Without a hub_url requests are kept until one is
 * configured; a link that cannot open (bad token file...) is logged, and the
 * features that file requests stay hidden. */
static void open_client(struct app *a)
{
    struct kclient_config kc;
    char db[1100];
    enum kerr e;
    memset(&kc, 0, sizeof kc);
    snprintf(db, sizeof db, "%s/outbox.db", a->state_dir);
    kc.db_path = db;
    kc.hub_url = a->cfg.hub_url;
    kc.kiosk_id = a->cfg.kiosk_id;
    kc.token_file = a->cfg.token_file[0] ? a->cfg.token_file : NULL;
    kc.ca_file = a->cfg.ca_file[0] ? a->cfg.ca_file : NULL;
    kc.pinned_pubkey = a->cfg.pinned_pubkey[0] ? a->cfg.pinned_pubkey : NULL;
    kc.allow_insecure_http = a->cfg.allow_insecure_http;
    kc.max_queued = a->cfg.outbox_max_items;
    kc.heartbeat_s = a->cfg.heartbeat_s;
    kc.content_version = a->content ? a->content->version : NULL;
    e = kclient_open(&kc, &a->client);
    if (e != KERR_OK) {
        KLOGE("app", "hub link not opened (%s): help requests are unavailable", kerr_str(e));
        a->client = NULL;
        return;
    }
    kclient_set_notify(a->client, on_client_event, a);
}

enum kerr app_create(const struct app_config *cfg, const struct app_options *opt,
                     struct app **out)
{
    struct app *a = calloc(1, sizeof *a);
    enum kerr rc = KERR_IO;
    Uint32 wflags = 0, rflags;
    struct ui_text_config tc;

    if (!a) return KERR_NOMEM;
    a->cfg = *cfg;
    a->opt = *opt;
    a->wake_fd[0] = a->wake_fd[1] = -1;
    a->finger = -1;
    a->lang = cfg->lang ? CONTENT_EN : CONTENT_ZH;
    a->stats.first_frame_ms = -1;
    a->frame_log = env_is_1("KIOSK_FRAME_LOG");
    a->t0_ms = kclock_mono_ms();
    a->wall0_ms = opt->fake_wall_s ? opt->fake_wall_s * 1000 : kclock_wall_ms();

    if (pipe2(a->wake_fd, O_NONBLOCK | O_CLOEXEC) != 0) goto fail;
    if (opt->headless) SDL_SetHint(SDL_HINT_VIDEODRIVER, "dummy");
    SDL_SetHint(SDL_HINT_TOUCH_MOUSE_EVENTS, "1"); /* synthetic mouse is ignored (which) */
    SDL_SetHint(SDL_HINT_MOUSE_TOUCH_EVENTS, "0");
    SDL_SetHint(SDL_HINT_VIDEO_X11_NET_WM_BYPASS_COMPOSITOR, "0");
    if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_EVENTS) != 0) {
        KLOGE("app", "SDL_Init: %s", SDL_GetError());
        goto fail;
    }
    if (TTF_Init() != 0) {
        KLOGE("app", "TTF_Init: %s", TTF_GetError());
        goto fail;
    }
    IMG_Init(IMG_INIT_PNG | IMG_INIT_JPG);
    a->wake_event = SDL_RegisterEvents(1);

    a->pw = opt->w > 0 ? opt->w : 1920;
    a->ph = opt->h > 0 ? opt->h : 1080;
    if (!opt->headless && !opt->windowed) {
        SDL_DisplayMode dm;
        wflags |= SDL_WINDOW_FULLSCREEN_DESKTOP;
        if (SDL_GetDesktopDisplayMode(0, &dm) == 0) {
            a->pw = dm.w;
            a->ph = dm.h;
        }
        SDL_ShowCursor(SDL_DISABLE);
    }
    a->win = SDL_CreateWindow("黄龙商圈服务终端", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED,
                              a->pw, a->ph, wflags | SDL_WINDOW_ALLOW_HIGHDPI);
    if (!a->win) {
        KLOGE("app", "cannot open a window: %s", SDL_GetError());
        goto fail;
    }
    rflags = opt->headless ? SDL_RENDERER_SOFTWARE : SDL_RENDERER_ACCELERATED;
    a->ren = SDL_CreateRenderer(a->win, -1, rflags);
    if (!a->ren && !opt->headless) a->ren = SDL_CreateRenderer(a->win, -1, SDL_RENDERER_SOFTWARE);
    if (!a->ren) {
        KLOGE("app", "cannot create a renderer: %s", SDL_GetError());
        goto fail;
    }
    SDL_GetRendererOutputSize(a->ren, &a->pw, &a->ph);

    memset(&tc, 0, sizeof tc);
    tc.font_spec = cfg->font[0] ? cfg->font : NULL;
    tc.icon_spec = cfg->icon_font[0] ? cfg->icon_font : NULL;
    {
        float scale = (float)(a->pw < a->ph ? a->pw : a->ph) / 1080.0f;
        rc = ui_text_create(a->ren, &tc, scale, &a->text);
        if (rc != KERR_OK) goto fail;
    }
    {
        /* On the software renderer texts are coverage masks drawn by hand
         * (kiosk/ui/ui_damage.h); KIOSK_TEXTURES=1 keeps the texture path a
         * GPU renderer takes, for tests. */
        SDL_RendererInfo info;
        bool soft = SDL_GetRendererInfo(a->ren, &info) == 0 &&
                    (info.flags & SDL_RENDERER_SOFTWARE);
        ui_text_use_masks(a->text, soft && !env_is_1("KIOSK_TEXTURES"));
    }
    rc = ui_create(a->ren, a->text, a->pw, a->ph, &a->ui);
    if (rc != KERR_OK) goto fail;
    if (env_is_1("KIOSK_FULL_REDRAW")) ui_full_redraw(a->ui);

    rc = setup_state_dir(a);
    if (rc != KERR_OK) {
        KLOGE("app", "cannot create the state folder %s", a->state_dir);
        goto fail;
    }
    load_content(a);
    /* The outbox (SQLite check, TLS library start-up) opens right after the
     * first frame, so the screen comes up first; 我要求助 appears with it. */
    a->client_pending = true;

    do_push(a, opt->home, NULL);
    a->dirty = true;
    KLOGI("app", "kiosk %s %dx%d%s", cfg->kiosk_id, a->pw, a->ph,
          opt->headless ? " headless" : "");
    *out = a;
    return KERR_OK;
fail:
    app_destroy(a);
    return rc == KERR_OK ? KERR_IO : rc;
}

void app_destroy(struct app *a)
{
    if (!a) return;
    while (a->depth > 0) do_pop(a);
    if (a->client) {
        kclient_set_notify(a->client, NULL, NULL);
        kclient_close(a->client);
    }
    helpform_companies_free(a->companies);
    walk_free(a->walk);
    walk_graph_free(a->walk_graph);
    geomap_free(a->map);
    search_free(a->search);
    hzpinyin_close(); /* before the engine whose context it may borrow */
    ime_close(a->ime);
    content_free(a->content);
    ui_destroy(a->ui);
    ui_text_destroy(a->text);
    if (a->ren) SDL_DestroyRenderer(a->ren);
    if (a->win) SDL_DestroyWindow(a->win);
    if (TTF_WasInit()) TTF_Quit();
    IMG_Quit();
    SDL_Quit();
    if (a->wake_fd[0] >= 0) close(a->wake_fd[0]);
    if (a->wake_fd[1] >= 0) close(a->wake_fd[1]);
    if (a->temp_state) nftw(a->state_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(a->stats.frame_ms);
    free(a->warm.cps);
    free(a);
}
