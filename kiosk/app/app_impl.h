/* app_impl: what the files of the app shell share and nothing else sees: the
 * struct app and the internal calls between its parts. app.c creates and owns
 * it (window, toolkit, content, hub link, pinyin engine); app_stack.c keeps
 * the screen stack; app_loop.c runs the loop, input, timers and frames;
 * app_draw.c draws the top bar and the app's dialog; app_warm.c is the
 * idle-time warm-up; app_files.c is everything the app reads or writes on
 * disk (state folder, content bundle, screenshots, images). Include it only
 * from kiosk/app/app*.c. UI thread only, like app.h. */
#ifndef APP_IMPL_H
#define APP_IMPL_H

#include <SDL.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "app.h"
#include "cinstall.h"
#include "kthread.h"
#include "sdnotify.h"

#define APP_MAX_DEPTH 16
#define APP_MAX_PENDING 4
#define APP_MAX_WIPE_HOOKS 8
#define APP_TOPBAR_H 120.0f          /* landscape: one row */
#define APP_TOPBAR_H_PORTRAIT 204.0f /* portrait: the buttons, then the title */
#define APP_TOPBAR_H_PORTRAIT_ELDER 230.0f /* the same with 100-unit buttons */
#define APP_FRAME_MS 16

/* One screen on the stack: its state and the copy of its app_push argument,
 * both owned by the app, wiped and freed after leave. */
struct layer {
    const struct screen *s;
    void *st;
    void *arg;
    size_t arg_size;
};

enum pending_op { OP_NONE, OP_PUSH, OP_POP, OP_HOME, OP_WIPE };

struct app {
    struct kthread_owner owner; /* the UI thread: app_create binds it */
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
    struct layer stack[APP_MAX_DEPTH];
    int depth;
    unsigned stack_gen;
    unsigned drawn_gen; /* stack_gen of the last frame drawn */
    struct {
        enum pending_op op;
        const struct screen *s;
        void *arg; /* OP_PUSH: the app's copy of the argument, or NULL */
        size_t arg_size;
    } pend[APP_MAX_PENDING];
    int npend;

    enum content_lang lang;
    bool elder; /* 长辈模式: for the session, like the language (app_toggle_elder) */
    struct app_voice *voice; /* 语音播报: the toggle, prompts, the worker (app_voice.c) */
    struct kclient *client;
    struct app_fleet *fleet; /* the alert on screen, remote screenshots (app_fleet.c) */
    bool client_pending; /* opened right after the first frame */
    struct imew *ime; /* the pinyin engine's thread */
    bool ime_failed;
    struct content *content;
    struct search_index *search;
    struct helpform_companies *companies;
    struct geomap *map; /* app_walk: loaded on first use */
    struct walk_graph *walk_graph;
    struct walk *walk;
    bool walk_tried;
    char content_error[512];
    struct { /* signed content updates (app_content.c) */
        bool on;                 /* content_root configured */
        struct cinstall_cfg cfg; /* given to the sender */
        char dir[1100];          /* <state>/content */
        int64_t version, created, expires; /* the pushed bundle shown; 0 none */
        int64_t pending;         /* installed by the sender, not yet shown */
        uint64_t good_at;        /* app time to mark it good; 0 done */
        unsigned arrivals, waited; /* bundles the sender installed; those a script waited for */
    } push;
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
    } wipe_hooks[APP_MAX_WIPE_HOOKS];
    int nwipe;

    int wake_fd[2];
    uint32_t wake_event;
    bool expect_wake; /* app_expect_wake: set by the last frame */

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
    struct sdnotify sd; /* systemd readiness and watchdog (app_run only) */

    /* fleet operations (app_ops.c): the screen schedule, the hidden gesture */
    bool dark;            /* the schedule has the screen dark: one black frame, then none */
    bool dark_drawn;      /* the black frame is on screen */
    bool swallow;         /* the touch that lit a dark screen: it taps nothing */
    bool had_input;       /* a touch since start (before one, off-hours start dark) */
    int64_t sched_next_s; /* cached schedule_next_change (wall s; 0 = none) */
    int64_t sched_for_s;  /* the wall minute it was computed for (-1 = stale) */
    int screen_pub;       /* what kclient was told: -1 nothing yet, 0 dark, 1 lit */
    bool hold;            /* a finger went down in the gesture's corner and stays */
    uint64_t hold_since;
    float hold_x, hold_y; /* logical */
    int exit_code;        /* app_quit */
};

/* Microseconds on the monotonic clock, for timing. */
static inline uint64_t app_mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* ---- app.c ---- */
/* Opens the outbox and sender (after the first frame); logs a failure. */
void app_open_client(struct app *a);
/* One turn of the real loop (app_loop.c): timers, transitions, a frame if
 * needed, then sleep until input, a wake-up, the next timer or max_wait_ms. */
void app_loop_once(struct app *a, uint64_t max_wait_ms);

/* ---- app_stack.c ---- */
/* Queues a transition for after the frame; OP_PUSH takes ownership of arg
 * (the app's copy, or NULL), which is freed if the queue is full. */
void app_queue_op(struct app *a, enum pending_op op, const struct screen *s, void *arg,
                  size_t arg_size);
/* Pushes s at once (start-up, wipe); takes ownership of arg as above. */
void app_stack_push_now(struct app *a, const struct screen *s, void *arg, size_t arg_size);
/* Leaves the top screen at once and wipes and frees its state and argument. */
void app_stack_pop_now(struct app *a);
/* Applies the queued transitions; true if there were any. */
bool app_apply_pending(struct app *a);

/* ---- app_draw.c ---- */
/* The area screen s draws in: all of it, or below the top bar. */
struct ui_rect app_screen_body(struct app *a, const struct screen *s);
/* Tells the toolkit the session's language and mode (its key labels, its
 * fonts and theme): after a toggle, a wipe and at start. */
void app_apply_session(struct app *a);
/* The top bar over screen l: 返回, 首页, the title, the clock, the language. */
void app_draw_topbar(struct app *a, const struct layer *l);
/* The ui calls of one frame: the top screen, its top bar, the app's own
 * dialog (还在吗？), toasts. */
void app_draw_screen(struct app *a);

/* ---- app_ops.c ---- */
/* The screen schedule and the hidden admin gesture, hooked into the loop:
 * tick runs with the timers (lights or darkens the screen, opens the admin
 * PIN screen after a 5 s hold); pointer sees every pointer event first and
 * returns true when it takes it (the touch that lights a dark screen);
 * deadline is the next app time tick must run (UINT64_MAX: none). */
void app_ops_tick(struct app *a);
bool app_ops_pointer(struct app *a, int kind, float lx, float ly);
uint64_t app_ops_deadline(struct app *a);

/* ---- app_fleet.c ---- */
/* poll: each turn, takes the hub's alerts and screenshot requests from the
 * link (and a finished encoding to it), keeps the idle timer still while an
 * alert shows. draw: draws the alert over everything and returns true, or
 * false when none shows. capture: between drawing and presenting a frame,
 * copies it for a screenshot that was asked for. free: at destroy. */
void app_fleet_poll(struct app *a);
bool app_fleet_draw(struct app *a);
void app_fleet_capture(struct app *a);
void app_fleet_free(struct app *a);

/* ---- app_voice.c ---- */
/* init at create (the session's toggle from the config, the wipe hook), free
 * at destroy (stops the worker); tick after every frame drawn: says the
 * screen just entered, or the label of what was tapped. */
void app_voice_init(struct app *a);
void app_voice_free(struct app *a);
void app_voice_tick(struct app *a);
/* Every loop turn: asks for a frame when the worker has become ready or
 * unavailable since the last turn (its announcement and the button follow). */
void app_voice_poll(struct app *a);

/* ---- app_warm.c ---- */
/* One slice of the idle-time warm-up, at most about budget_us of glyphs or
 * one screen; true while work remains. */
bool app_warm_step(struct app *a, uint64_t budget_us);

/* ---- app_content.c ---- */
/* init reads the config (after the state folder is known); load_pushed
 * loads the pushed bundle cinstall_boot chooses (true when a->content is
 * it); tick takes a bundle the sender installed, switches to it on attract
 * and marks it good after its trial (every loop turn). */
void app_content_init(struct app *a);
bool app_content_load_pushed(struct app *a);
void app_content_tick(struct app *a);

/* ---- app_files.c ---- */
/* Picks and creates the state folder (a throw-away one when headless and
 * none is configured). */
enum kerr app_files_state_dir(struct app *a);
/* Removes a throw-away state folder. */
void app_files_remove_state(struct app *a);
/* Loads the content bundle with the deep check, falling back to the last
 * good copy in the state folder; sets a->content or a->content_error. */
void app_files_load_content(struct app *a);
/* Loads the bundle's map.geojson and builds its walk graph and the service
 * circle from the configured tower into a->map, a->walk_graph, a->walk;
 * logs the outcome. Leaves them NULL when the bundle has no valid map. */
void app_files_load_map(struct app *a);
/* Writes what the renderer holds now (a frame drawn, not yet presented) to
 * path as PNG. KERR_IO on failure (logged). */
enum kerr app_files_save_screen(struct app *a, const char *path);

#endif
