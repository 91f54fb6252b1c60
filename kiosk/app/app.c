/* The app's creation and teardown, its accessors, and what it opens on
 * first use: the pinyin engine, the search and company indexes, the hub
 * link. The loop is in app_loop.c, the stack in app_stack.c (app_impl.h). */
#define _GNU_SOURCE
#include "app_impl.h"

#include <SDL_image.h>
#include <SDL_ttf.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "geomap.h"
#include "helpform.h"
#include "hzpinyin.h"
#include "imew.h"
#include "kclient.h"
#include "kclock.h"
#include "klog.h"
#include "utf8.h"
#include "walk.h"

static bool env_is_1(const char *name)
{
    const char *v = getenv(name);
    return v && strcmp(v, "1") == 0;
}

uint64_t app_now_ms(const struct app *a)
{
    KASSERT_OWNER(&a->owner);
    return a->opt.virtual_time ? a->vnow : kclock_mono_ms() - a->t0_ms;
}

int64_t app_wall_s(const struct app *a)
{
    KASSERT_OWNER(&a->owner);
    return (a->wall0_ms + (int64_t)app_now_ms(a)) / 1000;
}

void app_invalidate(struct app *a)
{
    KASSERT_OWNER(&a->owner);
    a->dirty = true;
}

void app_timer_at(struct app *a, uint64_t at_ms)
{
    KASSERT_OWNER(&a->owner);
    if (!a->timer_at || at_ms < a->timer_at) a->timer_at = at_ms;
}

void app_on_wipe(struct app *a, void (*fn)(void *ud), void *ud)
{
    KASSERT_OWNER(&a->owner);
    if (a->nwipe < APP_MAX_WIPE_HOOKS) {
        a->wipe_hooks[a->nwipe].fn = fn;
        a->wipe_hooks[a->nwipe].ud = ud;
        a->nwipe++;
    }
}

/* Any thread: no owner check. */
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
    KASSERT_OWNER(&a->owner);
    return a->ui;
}
enum content_lang app_lang(const struct app *a)
{
    KASSERT_OWNER(&a->owner);
    return a->lang;
}
const char *app_tr(const struct app *a, enum str_id id)
{
    KASSERT_OWNER(&a->owner);
    return i18n(id, a->lang);
}
const struct app_config *app_cfg(const struct app *a)
{
    KASSERT_OWNER(&a->owner);
    return &a->cfg;
}
const struct content *app_content(const struct app *a)
{
    KASSERT_OWNER(&a->owner);
    return a->content;
}
struct kclient *app_client(struct app *a)
{
    KASSERT_OWNER(&a->owner);
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
    if (a->ime) imew_reset(a->ime); /* done on the engine's thread */
}

static void on_client_event(void *ud);

struct imew *app_ime(struct app *a)
{
    KASSERT_OWNER(&a->owner);
    if (!a->ime && !a->ime_failed) {
        struct imew_config cfg;
        const char **names = NULL;
        size_t n = 0, added = 0;
        memset(&cfg, 0, sizeof cfg);
        /* The content's names come first among candidates. */
        if (a->content) {
            const struct content *c = a->content;
            size_t cap = c->n_services + c->n_categories + c->n_towers +
                         c->n_request_categories + c->n_phrases + 4;
            names = calloc(cap, sizeof *names);
            if (names) {
                names[n++] = c->district.name.zh;
                if (c->district.short_name.zh) names[n++] = c->district.short_name.zh;
                for (size_t i = 0; i < c->n_services; i++) names[n++] = c->services[i].name.zh;
                for (size_t i = 0; i < c->n_categories; i++) names[n++] = c->categories[i].name.zh;
                for (size_t i = 0; i < c->n_towers; i++) names[n++] = c->towers[i].name.zh;
                for (size_t i = 0; i < c->n_request_categories; i++)
                    names[n++] = c->request_categories[i].name.zh;
                /* Hanzi-only names: a name with Latin letters or digits
                 * has no pinyin reading to type. */
                for (size_t i = 0; i < n; i++)
                    if (names[i] && all_hanzi(names[i])) names[added++] = names[i];
            }
        }
        cfg.phrases = names;
        cfg.n_phrases = added;
        cfg.notify = on_client_event; /* an answer wakes the loop (app_wake) */
        cfg.notify_ud = a;
        /* The engine opens on its own thread; keys wait for it there. Its
         * tables share the heap's malloc arena (an arena of its own cost
         * 4 MB of RSS); threads started later do too. */
        mallopt(M_ARENA_MAX, 1);
        if (imew_start(&cfg, &a->ime) != KERR_OK) {
            a->ime_failed = true;
            KLOGE("app", "pinyin input unavailable (no engine thread)");
        } else {
            app_on_wipe(a, ime_wipe, a);
        }
        free(names);
    }
    return a->ime;
}

void app_ime_settle(struct app *a)
{
    KASSERT_OWNER(&a->owner);
    /* A frame that draws an answer may post the keys that waited for it:
     * again, a few times at most. */
    for (int i = 0; i < 8; i++) {
        bool fresh;
        if (a->ime && !a->opt.virtual_time) {
            /* Real clock (the benchmark): the answer is drawn when the
             * engine wakes the loop, as for a person. */
            uint64_t t0 = kclock_mono_ms();
            while (imew_busy(a->ime) && kclock_mono_ms() - t0 < 10000 && !a->quit)
                app_loop_once(a, 5);
        }
        fresh = a->ime && imew_settle(a->ime, 10000);
        if (fresh) a->dirty = true;
        app_settle(a);
        if (!fresh) break; /* every answer is drawn */
    }
}

const char *app_content_error(const struct app *a)
{
    KASSERT_OWNER(&a->owner);
    return a->content_error;
}
void app_size(const struct app *a, int *w, int *h)
{
    KASSERT_OWNER(&a->owner);
    *w = a->pw;
    *h = a->ph;
}
const struct app_stats *app_stats(const struct app *a)
{
    KASSERT_OWNER(&a->owner);
    return &a->stats;
}

static void open_readings(struct app *a);

const struct search_index *app_search(struct app *a)
{
    KASSERT_OWNER(&a->owner);
    if (!a->search && a->content) {
        enum kerr err = KERR_OK;
        uint64_t t = app_mono_us();
        open_readings(a);
        a->search = search_build(a->content, &err);
        if (!a->search)
            KLOGE("app", "search index not built: %s", kerr_str(err));
        else
            KLOGI("app", "search index built in %.1f ms", (app_mono_us() - t) / 1000.0);
    }
    return a->search;
}

static void run_on_engine(void *ud, void (*fn)(void *arg), void *arg)
{
    imew_run(ud, fn, arg);
}

/* Hanzi readings come from the input engine's libpinyin context, on the
 * engine's thread (libpinyin's handles are not free-threaded), so the
 * dictionary is loaded once and the UI thread never calls libpinyin. */
static void open_readings(struct app *a)
{
    struct imew *w;
    struct hzpinyin_owner owner;
    if (hzpinyin_ready()) return;
    w = app_ime(a);
    if (!w) return; /* search.c then opens its own copy */
    owner.run = run_on_engine;
    owner.ud = w;
    owner.context = imew_pinyin_context(w); /* NULL: a copy on that thread */
    hzpinyin_open_owned(&owner);
}

const struct helpform_companies *app_companies(struct app *a)
{
    KASSERT_OWNER(&a->owner);
    if (!a->companies && a->content) {
        open_readings(a);
        a->companies = helpform_companies_build(a->content);
    }
    return a->companies;
}

const struct walk *app_walk(struct app *a)
{
    KASSERT_OWNER(&a->owner);
    if (!a->walk_tried && a->content) {
        a->walk_tried = true;
        app_files_load_map(a);
    }
    return a->walk;
}

const struct walk *app_walk_loaded(const struct app *a)
{
    KASSERT_OWNER(&a->owner);
    return a->walk;
}

void app_toggle_lang(struct app *a)
{
    KASSERT_OWNER(&a->owner);
    a->lang = a->lang == CONTENT_ZH ? CONTENT_EN : CONTENT_ZH;
    app_apply_session(a);
    a->dirty = true;
}

bool app_elder(const struct app *a)
{
    KASSERT_OWNER(&a->owner);
    return a->elder;
}

void app_toggle_elder(struct app *a)
{
    KASSERT_OWNER(&a->owner);
    a->elder = !a->elder;
    app_apply_session(a);
    a->dirty = true;
}

void app_apply_session(struct app *a)
{
    KASSERT_OWNER(&a->owner);
    if (!a->ui) return;
    ui_set_english(a->ui, a->lang == CONTENT_EN);
    ui_set_elder(a->ui, a->elder);
}

static void on_client_event(void *ud)
{
    app_wake(ud);
}

/* The outbox and sender. Without a hub_url requests are kept until one is
 * configured; a link that cannot open (bad token file...) is logged, and the
 * features that file requests stay hidden. */
void app_open_client(struct app *a)
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
    kc.content = a->push.on ? &a->push.cfg : NULL;
    kc.content_timeout_s = a->cfg.content_timeout_s;
    kc.tower_id = a->cfg.tower_id;
    kc.tower = a->cfg.tower_id; /* alerts sent to this kiosk's tower */
    kc.events = true;           /* alerts and screenshot requests from the hub */
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
    kthread_owner_bind(&a->owner); /* the UI thread is the one that creates the app */
    a->cfg = *cfg;
    a->opt = *opt;
    a->wake_fd[0] = a->wake_fd[1] = -1;
    a->finger = -1;
    a->screen_pub = -1; /* app_ops.c: kclient not told yet */
    a->sched_for_s = -1;
    a->lang = cfg->lang ? CONTENT_EN : CONTENT_ZH;
    a->elder = cfg->elder_mode;
    app_voice_init(a); /* 语音播报: off until wanted (config voice_prompts) */
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
    app_apply_session(a);

    rc = app_files_state_dir(a);
    if (rc != KERR_OK) {
        KLOGE("app", "cannot create the state folder %s", a->state_dir);
        goto fail;
    }
    app_content_init(a);
    app_files_load_content(a);
    /* The outbox (SQLite check, TLS library start-up) opens right after the
     * first frame, so the screen comes up first; 我要求助 appears with it. */
    a->client_pending = true;

    app_stack_push_now(a, opt->home, NULL, 0);
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
    KASSERT_OWNER(&a->owner);
    while (a->depth > 0) app_stack_pop_now(a);
    for (int i = 0; i < a->npend; i++) { /* queued, never applied */
        if (a->pend[i].arg) memset(a->pend[i].arg, 0, a->pend[i].arg_size);
        free(a->pend[i].arg);
    }
    a->npend = 0;
    app_fleet_free(a); /* joins a screenshot encoder first */
    if (a->client) {
        kclient_set_notify(a->client, NULL, NULL);
        kclient_close(a->client);
    }
    helpform_companies_free(a->companies);
    walk_free(a->walk);
    walk_graph_free(a->walk_graph);
    geomap_free(a->map);
    search_free(a->search);
    app_voice_free(a); /* stops the voice's worker and its audio */
    hzpinyin_close(); /* before the engine whose context it may borrow */
    imew_stop(a->ime);
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
    app_files_remove_state(a);
    free(a->stats.frame_ms);
    free(a->warm.cps);
    free(a);
}
