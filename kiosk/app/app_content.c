/* app_content: the app's side of signed content updates (net/content,
 * cinstall.h). At start it asks cinstall_boot which pushed bundle to show
 * (a bundle that failed its check is rolled back here); while running it
 * switches the screens to a bundle the sender installed, on attract only
 * (never under someone's form), restarts the idle warm-up for its texts,
 * counts its trial and marks it good after content_trial_s; and it says
 * since when the content is stale when the installed manifest expired.
 * The content check the sender runs on a new bundle is this executable run
 * again with --check-content (a crash there cannot take the kiosk down).
 * UI thread, except app_content_check (the sender thread, no app state). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "app_impl.h"
#include "contentcheck.h"
#include "geomap.h"
#include "helpform.h"
#include "kclient.h"
#include "klog.h"
#include "search.h"
#include "walk.h"

extern char **environ;

#define CHECK_TIMEOUT_MS 60000

/* Runs `<this executable> --check-content dir`; 0 when it exits 0, else the
 * first problem line in why. Sender thread; touches no app state. */
static int check_bundle(const char *dir, char *why, size_t n, void *ud)
{
    char *argv[] = {"kiosk", "--check-content", (char *)dir, NULL};
    posix_spawn_file_actions_t fa;
    int pfd[2], status = 0;
    pid_t pid;
    char buf[512];
    size_t got = 0;
    uint64_t t0 = app_mono_us();
    (void)ud;
    why[0] = 0;
    if (pipe2(pfd, O_CLOEXEC) != 0) {
        snprintf(why, n, "cannot run the check");
        return 1;
    }
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, pfd[1], 1);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    if (posix_spawn(&pid, "/proc/self/exe", &fa, NULL, argv, environ) != 0) {
        posix_spawn_file_actions_destroy(&fa);
        close(pfd[0]);
        close(pfd[1]);
        snprintf(why, n, "cannot run the check");
        return 1;
    }
    posix_spawn_file_actions_destroy(&fa);
    close(pfd[1]);
    for (;;) {
        struct pollfd p = {.fd = pfd[0], .events = POLLIN};
        int left = CHECK_TIMEOUT_MS - (int)((app_mono_us() - t0) / 1000);
        ssize_t k;
        if (left <= 0 || poll(&p, 1, left) <= 0) {
            kill(pid, SIGKILL);
            snprintf(why, n, "the content check did not finish in %d s", CHECK_TIMEOUT_MS / 1000);
            break;
        }
        k = read(pfd[0], buf + got, sizeof buf - 1 - got);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) break;
        got += (size_t)k;
        if (got == sizeof buf - 1) { /* enough for the first line; drain the rest */
            char sink[4096];
            while (read(pfd[0], sink, sizeof sink) > 0) {
            }
            break;
        }
    }
    close(pfd[0]);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    buf[got] = 0;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && !why[0]) return 0;
    if (!why[0]) {
        char *nl = strchr(buf, '\n');
        if (nl) *nl = 0;
        snprintf(why, n, "%s", buf[0] ? buf : "the content check failed");
    }
    return 1;
}

void app_content_init(struct app *a)
{
    struct cinstall_cfg *k = &a->push.cfg;
    memset(&a->push, 0, sizeof a->push);
    if (!a->cfg.content_root[0]) return;
    snprintf(a->push.dir, sizeof a->push.dir, "%s/content", a->state_dir);
    k->dir = a->push.dir;
    k->root_file = a->cfg.content_root;
    k->kiosk_id = a->cfg.kiosk_id;
    k->tower = a->cfg.tower_id;
    k->kiosk_version = KIOSK_VERSION;
    k->max_bytes = (uint64_t)a->cfg.content_max_mb << 20;
    k->check = check_bundle;
    a->push.on = true;
}

/* Loads the pushed bundle cinstall_boot chose, rolling back each one that
 * fails the deep check. */
bool app_content_load_pushed(struct app *a)
{
    struct content_report *rep;
    if (!a->push.on) return false;
    rep = calloc(1, sizeof *rep);
    if (!rep) return false;
    for (int round = 0; round < 4; round++) {
        struct cinstall_info info;
        enum kerr rc;
        cinstall_boot(&a->push.cfg, &info);
        if (!info.version) break;
        content_report_init(rep);
        rc = content_load_safe(info.bundle_dir, NULL, content_check_deep,
                               a->cfg.font[0] ? a->cfg.font : NULL, &a->content, rep);
        if (rc == KERR_OK && a->content) {
            a->push.version = info.version;
            a->push.created = info.created;
            a->push.expires = info.expires;
            a->push.good_at = app_now_ms(a) + (uint64_t)a->cfg.content_trial_s * 1000u;
            KLOGI("app", "content: pushed bundle v%lld", (long long)info.version);
            free(rep);
            return true;
        }
        {
            char why[CINSTALL_WHY_SIZE];
            snprintf(why, sizeof why, "check: %.140s", rep->count ? rep->lines[0] : kerr_str(rc));
            cinstall_rollback(&a->push.cfg, why);
        }
    }
    free(rep);
    return false;
}

/* Swaps in the content of the bundle the sender installed; the derived
 * indexes are rebuilt on use and the warm-up starts over. */
static void switch_now(struct app *a)
{
    struct cinstall_info info;
    struct content_report *rep = calloc(1, sizeof *rep);
    struct content *c = NULL;
    enum kerr rc = KERR_NOMEM;
    uint64_t t = app_mono_us();
    if (!rep) return;
    content_report_init(rep);
    if (cinstall_current(a->push.dir, &info) == KERR_OK && info.version)
        rc = content_load_safe(info.bundle_dir, NULL, content_check_deep,
                               a->cfg.font[0] ? a->cfg.font : NULL, &c, rep);
    else
        rc = KERR_NOTFOUND;
    if (rc != KERR_OK || !c) {
        char why[CINSTALL_WHY_SIZE];
        struct cinstall_info now;
        snprintf(why, sizeof why, "check: %.140s", rep->count ? rep->lines[0] : kerr_str(rc));
        cinstall_rollback(&a->push.cfg, why);
        if (cinstall_current(a->push.dir, &now) != KERR_OK) now.version = 0;
        if (a->client) kclient_content_rolled_back(a->client, now.version, why);
        KLOGW("app", "content: new bundle refused, screens keep the old one: %s", why);
        free(rep);
        return;
    }
    free(rep);
    helpform_companies_free(a->companies);
    a->companies = NULL;
    search_free(a->search);
    a->search = NULL;
    walk_free(a->walk);
    walk_graph_free(a->walk_graph);
    geomap_free(a->map);
    a->walk = NULL;
    a->walk_graph = NULL;
    a->map = NULL;
    a->walk_tried = false;
    content_free(a->content);
    a->content = c;
    a->content_error[0] = 0;
    if (a->client) kclient_set_content_version(a->client, c->version);
    free(a->warm.cps);
    {
        uint64_t busy = a->warm.busy_us;
        memset(&a->warm, 0, sizeof a->warm);
        a->warm.busy_us = busy;
    }
    a->push.version = info.version;
    a->push.created = info.created;
    a->push.expires = info.expires;
    a->push.good_at = app_now_ms(a) + (uint64_t)a->cfg.content_trial_s * 1000u;
    cinstall_trial_started(a->push.dir, info.version);
    /* home and attract again, on the new content (as after a wipe) */
    while (a->depth > 0) app_stack_pop_now(a);
    app_stack_push_now(a, a->opt.home, NULL, 0);
    app_stack_push_now(a, a->opt.attract, NULL, 0);
    app_walk(a);
    a->dirty = true;
    KLOGI("app", "content: screens switched to v%lld in %.1f ms", (long long)info.version,
          (app_mono_us() - t) / 1000.0);
}

void app_content_tick(struct app *a)
{
    int64_t v;
    if (!a->push.on) return;
    if (a->client && kclient_content_ready(a->client, &v)) {
        a->push.pending = v;
        a->push.arrivals++;
        KLOGI("app", "content: v%lld installed; shown at the next idle moment", (long long)v);
    }
    if (a->push.pending && a->depth > 0 && a->stack[a->depth - 1].s == a->opt.attract &&
        !a->asking && a->npend == 0) {
        /* attract: nobody is using the kiosk (a form below it would have
         * been wiped on the way here, but check) */
        bool personal = false;
        for (int i = 0; i < a->depth; i++)
            if (a->stack[i].s->flags & SCREEN_PERSONAL) personal = true;
        if (!personal) {
            a->push.pending = 0;
            switch_now(a);
        }
    }
    if (a->push.version && a->push.good_at && app_now_ms(a) >= a->push.good_at) {
        a->push.good_at = 0;
        cinstall_mark_good(a->push.dir, a->push.version);
    }
}

bool app_content_take_arrival(struct app *a)
{
    KASSERT_OWNER(&a->owner);
    if (a->push.arrivals == a->push.waited) return false;
    a->push.waited++;
    return true;
}

bool app_content_stale(struct app *a, char *buf, size_t n)
{
    struct tm tm;
    time_t created;
    static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    KASSERT_OWNER(&a->owner);
    if (!a->push.version || !a->push.expires || app_wall_s(a) < a->push.expires) return false;
    created = (time_t)a->push.created;
    localtime_r(&created, &tm);
    if (a->lang == CONTENT_EN)
        snprintf(buf, n, "%s %d %s", app_tr(a, S_CONTENT_STALE), tm.tm_mday, mon[tm.tm_mon]);
    else
        snprintf(buf, n, "%s %d月%d日", app_tr(a, S_CONTENT_STALE), tm.tm_mon + 1, tm.tm_mday);
    return true;
}
