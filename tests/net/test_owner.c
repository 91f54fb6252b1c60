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
#include "nettest.h"

static struct kclient *client;

static bool open_client(struct nt_env *env)
{
    return kclient_open(&env->cfg, &client) == KERR_OK;
}

static void *status_thread(void *arg)
{
    struct kclient_status st;
    (void)arg;
    kclient_status(client, &st);
    return NULL;
}

static void on_owner_thread(struct nt_env *env)
{
    struct kclient_status st;
    if (!open_client(env)) _exit(3);
    kclient_status(client, &st);
    kclient_close(client);
    _exit(0);
}

static void on_another_thread(struct nt_env *env)
{
    pthread_t th;
    if (!open_client(env)) _exit(3);
    if (pthread_create(&th, NULL, status_thread, NULL) != 0) _exit(5);
    pthread_join(th, NULL);
    kclient_close(client);
    _exit(0);
}

static int in_child(void (*fn)(struct nt_env *), char *err, size_t cap)
{
    struct nt_env env;
    int fd[2], status = -1;
    size_t n = 0;
    ssize_t k;
    pid_t pid;
    nt_env_init(&env, 1);
    env.cfg.hub_url = ""; /* no hub: nothing leaves the machine */
    env.cfg.token = NULL;
    if (pipe(fd) != 0) return -1;
    pid = fork();
    if (pid == 0) {
        close(fd[0]);
        dup2(fd[1], 2);
        fn(&env);
        _exit(0);
    }
    close(fd[1]);
    while (n + 1 < cap && (k = read(fd[0], err + n, cap - 1 - n)) > 0) n += (size_t)k;
    err[n] = 0;
    close(fd[0]);
    waitpid(pid, &status, 0);
    nt_env_done(&env);
    return status;
}

int main(void)
{
    char err[8192];
    int st;

    st = in_child(on_owner_thread, err, sizeof err);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    CHECK(strstr(err, "assert") == NULL);
    if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0)) printf("child status %#x: %s\n", (unsigned)st, err);

    st = in_child(on_another_thread, err, sizeof err);
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
