/* The toolkit is UI-thread only, and says so in code: ui_create binds the
 * struct ui to its thread and every public ui_* call checks it
 * (KASSERT_OWNER, kiosk/base/kthread.h). With asserts on (Debug, sanitizer
 * builds) a toolkit call from another thread must log its function and die
 * of SIGABRT, and the same calls on the UI thread must stay silent; with
 * asserts compiled out (release) both must run normally. Each case runs in
 * a forked child that builds its own ui. */
#include <SDL.h>
#include <SDL_ttf.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kassert.h"
#include "ktest.h"
#include "ktest_child.h"
#include "ui.h"
#include "ui_qr.h"

#define W 640
#define H 360

static struct ui *ui;
static struct ui_text *text;

/* A ui on a software renderer drawing into a plain surface (no window). */
static bool make_ui(void)
{
    SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, W, H, 32, SDL_PIXELFORMAT_ARGB8888);
    SDL_Renderer *r = s ? SDL_CreateSoftwareRenderer(s) : NULL;
    if (!r || TTF_Init() != 0) return false;
    return ui_text_create(r, NULL, 1.0f, &text) == KERR_OK &&
           ui_create(r, text, W, H, &ui) == KERR_OK;
}

/* A frame's worth of toolkit calls. */
static void frame(void)
{
    ui_begin(ui, 0);
    ui_fill(ui, (struct ui_rect){0, 0, 100, 100}, UI_C_RED);
    ui_button(ui, (struct ui_rect){10, 10, 200, 80}, "提交", UI_PRIMARY);
    ui_qr(ui, 300, 10, 200, "HL-A01-000001");
    ui_end(ui);
}

static void *frame_thread(void *arg)
{
    (void)arg;
    frame();
    return NULL;
}

static void on_ui_thread(void *ud)
{
    (void)ud;
    float x, y;
    if (!make_ui()) _exit(3);
    frame();
    frame();
    _exit(ui_find_widget(ui, "提交", &x, &y) ? 0 : 4);
}

static void on_another_thread(void *ud)
{
    (void)ud;
    pthread_t th;
    if (!make_ui()) _exit(3);
    frame(); /* the UI thread first: a ui in use */
    if (pthread_create(&th, NULL, frame_thread, NULL) != 0) _exit(5);
    pthread_join(th, NULL);
    _exit(0);
}

int main(void)
{
    char err[8192];
    int st;

    st = ktest_in_child(on_ui_thread, NULL, err, sizeof err);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0)) printf("child status %#x: %s\n", (unsigned)st, err);
    CHECK(strstr(err, "assert") == NULL);

    st = ktest_in_child(on_another_thread, NULL, err, sizeof err);
    if (KASSERT_ENABLED) {
        CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
        /* the first call of the frame is the one refused */
        CHECK(strstr(err, "ui_begin: failed: kthread_owner_is_current") != NULL);
    } else {
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
        CHECK(strstr(err, "assert") == NULL);
    }
    if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0)) printf("child status %#x: %s\n", (unsigned)st, err);
    printf("asserts %s in this build\n", KASSERT_ENABLED ? "on" : "compiled out");
    return ktest_done("ui_owner");
}
