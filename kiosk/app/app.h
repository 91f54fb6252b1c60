/* app: the kiosk's shell. It owns the window, the toolkit, the screen stack,
 * the clock (real, or virtual for the scenario runner), the idle timer that
 * wipes personal data and returns to `attract`, the language, the content
 * bundle and the link to the hub. Screens are retained objects (struct
 * screen: enter / frame / leave, with state the app allocates zeroed on push
 * and frees after leave); they draw with the ui toolkit each frame. A frame is
 * drawn only when something changed; otherwise the loop sleeps until the next
 * timer. Everything here runs on the UI thread, the thread that called
 * app_create: every app_* function but app_wake() checks it (KASSERT_OWNER,
 * kiosk/base/kthread.h) and aborts a debug build when called from another
 * thread; app_wake() is the one call other threads may make. The shell's
 * files and what each does: docs/ARCHITECTURE.md; they share app_impl.h. */
#ifndef APP_H
#define APP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "content.h"
#include "i18n.h"
#include "kerr.h"
#include "search.h"
#include "ui.h"

struct app;
struct kclient;
struct kclient_event;
struct imew;

enum screen_flags {
    SCREEN_BARE = 1,     /* draws its own header (home, attract): no top bar */
    SCREEN_PERSONAL = 2, /* holds personal data: idle asks "还在吗？" first */
    SCREEN_PRIVATE = 4,  /* shows a person's data (a receipt, a ticket lookup): no remote
                            screenshot while it is on the stack (SCREEN_PERSONAL neither) */
};

struct screen {
    const char *id;    /* stable id for scripts and the README ("home") */
    size_t state_size; /* bytes the app allocates, zeroed, for the state */
    unsigned flags;
    /* arg is the app's copy of what the pusher passed to app_push (NULL if
     * nothing); it stays valid until after leave, then the app wipes and
     * frees it with st. */
    void (*enter)(struct app *a, void *st, const void *arg);
    /* Draws the screen into body (below the top bar) with ui calls. */
    void (*frame)(struct app *a, void *st, struct ui_rect body);
    /* Must wipe anything personal in st; the app frees st afterwards. */
    void (*leave)(struct app *a, void *st);
    /* Title for the top bar, in the current language. */
    const char *(*title)(struct app *a, void *st);
    /* An event from the hub link (delivered, ticket status...); may be NULL. */
    void (*net_event)(struct app *a, void *st, const struct kclient_event *ev);
};

/* Options that main passes to app_create. */
struct app_options {
    bool headless;       /* dummy video driver + software renderer */
    bool windowed;       /* a window of size w x h instead of fullscreen */
    int w, h;            /* 0 = display resolution (fullscreen) or 1920x1080 */
    bool virtual_time;   /* the scenario runner drives the clock */
    int64_t fake_wall_s; /* 0 = real wall clock; else the wall clock at start */
    const struct screen *home, *attract;
    /* Opened by the hidden gesture (a 5 s press in the top-left corner) when
     * the config has an admin_pin_hash: the PIN entry (NULL: no gesture). */
    const struct screen *admin;
    /* Screens composed in idle time after start-up, so that their first
     * visit draws from cached text (NULL: none); see scr_warm_target. */
    bool (*warm_target)(const struct content *c, enum content_lang lang, size_t k,
                        const struct screen **s, const void **arg);
    uint64_t t_process_start_us; /* for first_frame (monotonic, 0 = unknown) */
};

/* Creates the window, renderer, fonts and toolkit, loads the content (falling
 * back to the last good bundle), opens the hub link, and pushes home. On
 * failure logs why and returns KERR_NOTFOUND (font), KERR_IO (SDL) etc. */
enum kerr app_create(const struct app_config *cfg, const struct app_options *opt,
                     struct app **out);
void app_destroy(struct app *a);

/* Runs the real loop until quit (window closed, SIGTERM, Escape in windowed
 * mode). Returns the process exit code. */
int app_run(struct app *a);

/* ---- for screens --------------------------------------------------- */

/* Screen stack. Transitions take effect after the current frame.
 * app_push copies arg_size bytes of arg at once (arg may be a local, a
 * struct passed by value); s's enter gets the copy, which the app owns,
 * keeps until the screen is left and then wipes and frees. NULL and 0 pass
 * nothing. The copy is shallow: what it points to (a content item's strings,
 * owned by the bundle) must outlive the screen. On allocation failure the
 * screen is not opened (logged). */
void app_push(struct app *a, const struct screen *s, const void *arg, size_t arg_size);
void app_pop(struct app *a);
void app_go_home(struct app *a);
const char *app_screen_id(const struct app *a);
/* Changes each time a screen is pushed or popped (a screen below others can
 * tell that it is shown again). */
unsigned app_stack_gen(const struct app *a);

struct ui *app_ui(struct app *a);
enum content_lang app_lang(const struct app *a);
const char *app_tr(const struct app *a, enum str_id id);
/* Toggles the language (the button is drawn by the app and by bare screens
 * through app_lang_button). */
void app_toggle_lang(struct app *a);
/* 长辈模式 (elder mode: larger text and targets, higher contrast; ui.h) for
 * the session: wiped with it back to the config's elder_mode. The button
 * (长辈模式 / 标准模式, Large text / Standard) sits left of the language
 * toggle on every screen. */
bool app_elder(const struct app *a);
void app_toggle_elder(struct app *a);
struct ui_rect app_elder_rect(const struct app *a);
bool app_elder_button(struct app *a, struct ui_rect r, enum ui_style style);
/* 语音播报 (voice prompts, kiosk/voice) for the session: wiped with it back
 * to the config's voice_prompts. On, the kiosk says each screen's title and
 * what to do there when it is entered, and the label of what is tapped. The
 * button (语音播报 / Voice: a sounding speaker when on, a silent one when
 * off, one struck through when the kiosk has no audio, where a tap says so)
 * sits left of 长辈模式 in landscape and under the language toggle in
 * portrait. */
bool app_voice_on(const struct app *a);
void app_toggle_voice(struct app *a);
struct ui_rect app_voice_rect(const struct app *a);
bool app_voice_button(struct app *a, struct ui_rect r, enum ui_style style);
/* A screen's enter adds to what is said on entering it: text as written,
 * then spell (NULL: none) one symbol at a time (a ticket number, a booking
 * code). Nothing is said while the voice is off. */
void app_voice_note(struct app *a, const char *text, const char *spell);
/* Says text, then spell one symbol at a time, then after (each may be
 * NULL) at once, cutting what is said: a result that arrived (a ticket's
 * status). Nothing while the voice is off. */
void app_voice_say(struct app *a, const char *text, const char *spell, const char *after);
/* The fixed prompt of screen id in the current language (NULL: none). */
const char *app_voice_prompt_of(const struct app *a, const char *screen_id);
/* Where the language toggle sits on every screen (top right). */
struct ui_rect app_lang_rect(const struct app *a);
/* Draws the language toggle in r; returns true if it was tapped. */
bool app_lang_button(struct app *a, struct ui_rect r, enum ui_style style);

const struct app_config *app_cfg(const struct app *a);
/* The loaded bundle, or NULL when none is valid (screens then say so). */
const struct content *app_content(const struct app *a);
/* Company names with their pinyin, for the help form; built on first use. */
const struct helpform_companies *app_companies(struct app *a);
/* The search index, built on first use. NULL if content is missing. */
const struct search_index *app_search(struct app *a);
/* Loads an image file as a texture (NULL on failure, logged); the caller
 * destroys it with SDL_DestroyTexture. */
SDL_Texture *app_load_texture(struct app *a, const char *path, int *w, int *h);
/* The link to the hub (outbox + sender), or NULL if it could not be opened
 * (then the features that file requests show no tile). */
struct kclient *app_client(struct app *a);
/* The pinyin engine's thread (imew.h), with the content's names as phrases,
 * started after the first frame or on first use; NULL if the thread could
 * not start. Its session is wiped at every wipe. */
struct imew *app_ime(struct app *a);
/* Waits (real time, at most 10 s) until the pinyin engine has answered every
 * key posted, then settles: scripts see each key's candidates, as a person
 * does a frame later. On the real clock the loop runs meanwhile (the answer
 * is drawn when the engine wakes it). */
void app_ime_settle(struct app *a);

/* The ten-minute service circle from this kiosk's tower (config tower_id,
 * entrance): the bundle's map.geojson, its walk graph and every place,
 * loaded on first use. Without a tower_id (or one not on the map, logged)
 * it is a circle without a location (walk_has_here false): places listed,
 * no walking times. NULL only when the bundle has no valid map (logged
 * once); then the circle has no home tile. */
struct walk;
const struct walk *app_walk(struct app *a);

/* The same, but only once app_walk has run (right after the first frame, or
 * a screen that needed it): never loads, so home's first frame does not wait
 * for the map (about 0.1 s); the 找支部 tile appears with the next frame. */
const struct walk *app_walk_loaded(const struct app *a);

/* Milliseconds on the app clock (virtual under the scenario runner). */
uint64_t app_now_ms(const struct app *a);
/* Wall clock in Unix seconds (follows the virtual clock in scripts). */
int64_t app_wall_s(const struct app *a);

/* When the pushed content's manifest has expired (nothing newer could be
 * fetched), writes "内容更新于 11月20日" (or the English) into buf and
 * returns true; home and attract show it. */
bool app_content_stale(struct app *a, char *buf, size_t n);
/* Scripts (wait_content): true once for each content bundle the sender
 * installed (whether or not the screens switched to it yet). */
bool app_content_take_arrival(struct app *a);
/* Asks for a frame (after an asynchronous change). */
void app_invalidate(struct app *a);
/* Asks for a frame at app time at_ms (e.g. a countdown). */
void app_timer_at(struct app *a, uint64_t at_ms);
/* Registers a function run when a session is wiped (idle, 结束). */
void app_on_wipe(struct app *a, void (*fn)(void *ud), void *ud);

/* Any thread: wakes the UI loop (the hub link calls it, and a map's
 * drawing worker when a level is ready). */
void app_wake(struct app *a);
/* UI thread, during a frame: work started off the UI thread will call
 * app_wake when done and the frame after that shows its result. Only the
 * scenario runner cares: app_settle then waits (real time, at most 5 s in
 * all) for that wake-up, so scripts and screenshots see the result. Cleared
 * at the start of every frame. */
void app_expect_wake(struct app *a);

/* Ends the loop after this frame; app_run returns code (the admin panel:
 * KIOSK_EXIT_RESTART so systemd starts the kiosk again, or
 * KIOSK_EXIT_TO_SYSTEM). Logged. */
#define KIOSK_EXIT_RESTART 75  /* EX_TEMPFAIL: Restart=on-failure restarts it */
#define KIOSK_EXIT_TO_SYSTEM 0 /* clean: Restart=on-failure leaves it stopped */
void app_quit(struct app *a, int code);
/* True once app_quit (or a signal, a closed window) ended the loop; the
 * code app_run returns. */
bool app_quitting(const struct app *a);
int app_exit_code(const struct app *a);
/* The state folder (outbox.db, the last good content, admin_lock). */
const char *app_state_dir(const struct app *a);
/* True while the screen schedule has the screen dark (nothing drawn). */
bool app_screen_dark(const struct app *a);

/* ---- for the scenario runner and the benchmark ------------------------ */

/* Feeds one input event through the real event path (physical pixels). */
void app_handle_event(struct app *a, const SDL_Event *e);
/* Processes timers and transitions and draws until nothing is pending,
 * including work a screen said would wake the app (app_expect_wake). */
void app_settle(struct app *a);
/* Advances the virtual clock by ms, firing timers and animating on the way. */
void app_advance(struct app *a, uint64_t ms);
/* Draws a fresh frame and writes it to path as PNG. */
enum kerr app_screenshot(struct app *a, const char *path);
/* Physical size of the screen. */
void app_size(const struct app *a, int *w, int *h);

struct app_stats {
    uint64_t frames;
    double first_frame_ms; /* process start → first present (-1: unknown) */
    double *frame_ms;      /* input (or frame start) → present, per frame */
    size_t n_frame_ms, cap_frame_ms;
};
/* Starts recording frame times into a fresh array (bench). */
/* True until the idle-time warm-up after start-up (glyphs, then the content
 * screens of opt.warm_target) is finished. It runs only in the real loop
 * (app_run, and app_advance on the real clock), never on virtual time. */
bool app_warming(const struct app *a);
/* Runs what is left of that warm-up at once (the script step `warm`). Does
 * nothing while a form is on screen. */
void app_warm_finish(struct app *a);
/* Time spent in that warm-up so far, in microseconds. */
uint64_t app_warm_busy_us(const struct app *a);

void app_stats_record(struct app *a, bool on);
/* 语音播报 for scripts and the bench. ready: starts the worker and waits (real
 * time, at most wait_ms) until it is ready; false when unavailable. expect:
 * the prompt that met the last expectation or a newer one contains text, as
 * queued or as given to espeak-ng (waits up to wait_ms for the worker to
 * prepare it), and with want_cut it cut a prompt still being said; text NULL:
 * true when a prompt newer than that one was queued; said: the prompts
 * queued (for a failing step), returns how many. last: the newest prompt's
 * sequence number (0: none); heard_us: when its first non-silent sample went
 * to SDL audio (monotonic us, 0: not yet). */
bool app_voice_ready(struct app *a, unsigned wait_ms);
bool app_voice_expect(struct app *a, const char *text, bool want_cut, unsigned wait_ms);
size_t app_voice_said(struct app *a, char *out, size_t n);
uint64_t app_voice_last(struct app *a);
uint64_t app_voice_heard_us(struct app *a, uint64_t seq);
const struct app_stats *app_stats(const struct app *a);
/* Current content load problem, for the log/About ("" when none). */
const char *app_content_error(const struct app *a);

#endif
