/* The pinyin keyboard of the help form while the engine's thread is stuck
 * (a job holds it): keys tapped meanwhile are answered at once by the UI
 * (no tap waits for the engine), the bar keeps showing the last answer whole,
 * and when the engine is free the keys waiting are applied in order, folded
 * into one request, giving the candidates typing them one by one gives.
 * The real app, headless, on virtual time. Waits are bounded (alarm). */
#include <pthread.h>
#include <semaphore.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "config.h"
#include "imew.h"
#include "ktest.h"
#include "screens.h"
#include "script.h"

static sem_t started, go;

static void stall_job(void *arg)
{
    (void)arg;
    sem_post(&started);
    sem_wait(&go);
}

static void *stall_thread(void *arg)
{
    imew_run(arg, stall_job, NULL);
    return NULL;
}

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static void inject(struct app *a, Uint32 type, float lx, float ly)
{
    SDL_Event e;
    float s = ui_scale(app_ui(a));
    memset(&e, 0, sizeof e);
    e.type = type;
    e.button.button = SDL_BUTTON_LEFT;
    e.button.x = (int)(lx * s);
    e.button.y = (int)(ly * s);
    app_handle_event(a, &e);
}

/* A tap on a key without waiting for the engine; returns how long the UI
 * took to draw its answer. */
static double tap_key(struct app *a, const char *label)
{
    float x, y;
    double t0 = now_ms();
    CHECK(ui_find_widget(app_ui(a), label, &x, &y));
    inject(a, SDL_MOUSEBUTTONDOWN, x, y);
    app_settle(a);
    app_advance(a, 80);
    inject(a, SDL_MOUSEBUTTONUP, x, y);
    app_settle(a);
    return now_ms() - t0;
}

int main(int argc, char **argv)
{
    struct app_config cfg;
    struct app_options opt;
    struct app *a = NULL;
    FILE *log = fopen("/dev/null", "w");
    pthread_t t;
    double worst = 0;
    static const char *const keys[] = {"w", "a", "n", "g", "x", "删除", "n", "v", "s", "h", "i"};
    alarm(240);
    CHECK(argc > 1);
    if (argc < 2 || !log) return ktest_done("imekbd_queue");
    config_defaults(&cfg, argv[1]);
    memset(&opt, 0, sizeof opt);
    opt.headless = true;
    opt.virtual_time = true;
    opt.fake_wall_s = 1795570200; /* 2026-11-25 09:30 */
    opt.home = &screen_home;
    opt.attract = &screen_attract;
    CHECK(app_create(&cfg, &opt, &a) == KERR_OK);
    if (!a) return ktest_done("imekbd_queue");
    CHECK(script_run_text(a, "to-the-form",
                          "tap \"我要求助\"\ntap \"法律咨询\"\nexpect_screen help_form\n"
                          "tap \"联系人\"\ntype \"li\"\nexpect_text \"李\"\n",
                          NULL, log) == 0);

    sem_init(&started, 0, 0);
    sem_init(&go, 0, 0);
    CHECK(app_ime(a) != NULL);
    CHECK(pthread_create(&t, NULL, stall_thread, app_ime(a)) == 0);
    sem_wait(&started); /* the engine is stuck from now on */
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        double ms = tap_key(a, keys[i]);
        if (ms > worst) worst = ms;
        CHECK(imew_busy(app_ime(a)));
    }
    printf("11 keys while the engine was stuck: slowest tap answered in %.1f ms\n", worst);
    CHECK(worst < 2000); /* a tap that waited for the engine would never end */
    /* The bar still shows the last answer, whole. */
    CHECK(ui_text_visible(app_ui(a), "li"));
    {
        float x, y;
        CHECK(ui_find_widget(app_ui(a), "李", &x, &y));
    }
    sem_post(&go);
    pthread_join(t, NULL);

    /* Now the waiting keys: "li" + "wangx", backspace, "nvshi", folded. */
    app_ime_settle(a);
    CHECK(!imew_busy(app_ime(a)));
    CHECK(ui_text_visible(app_ui(a), "li wang nv shi"));
    {
        const struct imew_view *v = imew_view(app_ime(a));
        char first[5][IME_MAX_TEXT];
        size_t n = v->n_cand < 5 ? v->n_cand : 5;
        float x, y;
        CHECK_STR(v->raw, "liwangnvshi");
        CHECK(n > 0);
        for (size_t i = 0; i < n; i++) snprintf(first[i], sizeof first[i], "%s", v->cand[i]);
        /* The same letters typed one at a time give the same candidates. */
        CHECK(script_run_text(a, "again", "tap \"清空\"\ntype \"liwangnvshi\"\n", NULL, log) == 0);
        app_ime_settle(a); /* the last key's answer (the runner's next step would) */
        v = imew_view(app_ime(a));
        CHECK_STR(v->raw, "liwangnvshi");
        CHECK(v->n_cand >= n);
        for (size_t i = 0; i < n && i < v->n_cand; i++) CHECK_STR(v->cand[i], first[i]);
        /* A candidate: into the field, the pinyin used up. */
        CHECK(ui_find_widget(app_ui(a), first[0], &x, &y));
        tap_key(a, first[0]);
        app_ime_settle(a);
        CHECK(ui_text_visible(app_ui(a), first[0]));
        CHECK_STR(imew_view(app_ime(a))->raw, "");
        CHECK(ui_text_visible(app_ui(a), "拼音输入"));
    }
    app_destroy(a);
    fclose(log);
    sem_destroy(&started);
    sem_destroy(&go);
    return ktest_done("imekbd_queue");
}
