/* The hub link is used from one thread, the one that opened it (the UI
 * thread), and says so in code: every public kclient_* call checks it
 * (KASSERT_OWNER). With asserts on (Debug, sanitizer builds) a call from
 * another thread must log its function and die of SIGABRT; the same call on
 * the opening thread must stay silent; with asserts compiled out both run.
 * Each case runs in a forked child with its own outbox (no hub). */
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include "kassert.h"
#include "ktest.h"
#include "ktest_child.h"
#include "nettest.h"

static struct kclient *client;

static bool open_client(void *ud)
{
    struct nt_env *env = ud;
    return kclient_open(&env->cfg, &client) == KERR_OK;
}

static void *status_thread(void *arg)
{
    struct kclient_status st;
    (void)arg;
    kclient_status(client, &st);
    return NULL;
}

static void on_owner_thread(void *env)
{
    struct kclient_status st;
    if (!open_client(env)) _exit(3);
    kclient_status(client, &st);
    kclient_close(client);
    _exit(0);
}

static void on_another_thread(void *env)
{
    pthread_t th;
    if (!open_client(env)) _exit(3);
    if (pthread_create(&th, NULL, status_thread, NULL) != 0) _exit(5);
    pthread_join(th, NULL);
    kclient_close(client);
    _exit(0);
}

/* A fresh outbox folder for one case (no hub: nothing leaves the machine). */
static int run_case(void (*fn)(void *), char *err, size_t cap)
{
    struct nt_env env;
    int st;
    nt_env_init(&env, 1);
    env.cfg.hub_url = "";
    env.cfg.token = NULL;
    st = ktest_in_child(fn, &env, err, cap);
    nt_env_done(&env);
    return st;
}

int main(void)
{
    char err[8192];
    int st;

    st = run_case(on_owner_thread, err, sizeof err);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    CHECK(strstr(err, "assert") == NULL);
    if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0)) printf("child status %#x: %s\n", (unsigned)st, err);

    st = run_case(on_another_thread, err, sizeof err);
    if (KASSERT_ENABLED) {
        CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
        CHECK(strstr(err, "kclient_status: failed: kthread_owner_is_current") != NULL);
    } else {
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
        CHECK(strstr(err, "assert") == NULL);
    }
    if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0)) printf("child status %#x: %s\n", (unsigned)st, err);
    printf("asserts %s in this build\n", KASSERT_ENABLED ? "on" : "compiled out");
    return ktest_done("kclient_owner");
}
