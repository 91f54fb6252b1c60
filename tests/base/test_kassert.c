/* KASSERT and KASSERT_OWNER (kiosk/base): with asserts on (Debug, sanitizer
 * or KIOSK_ASSERTS builds) a failed check logs "FILE:LINE FUNCTION: failed:
 * COND" and dies of SIGABRT, and an owner check passes on the owner thread
 * and aborts on any other; with asserts compiled out nothing is evaluated and
 * nothing dies. Each case runs in a forked child. */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kassert.h"
#include "kthread.h"
#include "ktest.h"

/* Runs fn in a child with stderr into a pipe; returns its wait status and
 * what it wrote (up to cap - 1 bytes). */
static int in_child(void (*fn)(void), char *err, size_t cap)
{
    int fd[2], status = -1;
    size_t n = 0;
    ssize_t k;
    pid_t pid;
    if (pipe(fd) != 0) return -1;
    pid = fork();
    if (pid == 0) {
        close(fd[0]);
        dup2(fd[1], 2);
        fn();
        _exit(0);
    }
    close(fd[1]);
    while (n + 1 < cap && (k = read(fd[0], err + n, cap - 1 - n)) > 0) n += (size_t)k;
    err[n] = 0;
    close(fd[0]);
    waitpid(pid, &status, 0);
    return status;
}

static int evaluated;
static int touch(void)
{
    evaluated = 1;
    return 0;
}

static void fails(void)
{
    int x = 2;
    KASSERT(x + touch() == 3);
}

static struct kthread_owner owner;

static void owner_here(void)
{
    kthread_owner_bind(&owner);
    KASSERT_OWNER(&owner);
}

static void *other_thread(void *arg)
{
    (void)arg;
    KASSERT_OWNER(&owner);
    return NULL;
}

static void owner_elsewhere(void)
{
    pthread_t th;
    kthread_owner_bind(&owner);
    if (pthread_create(&th, NULL, other_thread, NULL) == 0) pthread_join(th, NULL);
}

static bool died_of_abort(int st)
{
    return WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT;
}

static bool exited_0(int st)
{
    return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

int main(void)
{
    char err[2048];
    int st;

    /* A bound owner is current on its thread only; an unbound one nowhere. */
    {
        struct kthread_owner o;
        memset(&o, 0, sizeof o);
        CHECK(!kthread_owner_is_current(&o));
        kthread_owner_bind(&o);
        CHECK(kthread_owner_is_current(&o));
    }

    st = in_child(fails, err, sizeof err);
    if (KASSERT_ENABLED) {
        CHECK(died_of_abort(st));
        CHECK(strstr(err, "test_kassert.c:") != NULL);
        CHECK(strstr(err, "fails: failed: x + touch() == 3") != NULL);
    } else {
        CHECK(exited_0(st));
        CHECK(err[0] == 0);
    }
    /* compiled out: the condition is not even evaluated (in this process) */
    KASSERT(touch() == 0);
    CHECK(evaluated == KASSERT_ENABLED);

    st = in_child(owner_here, err, sizeof err);
    CHECK(exited_0(st));
    CHECK(err[0] == 0);

    st = in_child(owner_elsewhere, err, sizeof err);
    if (KASSERT_ENABLED) {
        CHECK(died_of_abort(st));
        CHECK(strstr(err, "other_thread: failed: kthread_owner_is_current") != NULL);
    } else {
        CHECK(exited_0(st));
    }
    printf("asserts %s in this build\n", KASSERT_ENABLED ? "on" : "compiled out");
    return ktest_done("base_kassert");
}
