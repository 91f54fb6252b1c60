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
#include "ktest_child.h"

static int evaluated;
static int touch(void)
{
    evaluated = 1;
    return 0;
}

static void fails(void *ud)
{
    (void)ud;
    int x = 2;
    KASSERT(x + touch() == 3);
}

static struct kthread_owner owner;

static void owner_here(void *ud)
{
    (void)ud;
    kthread_owner_bind(&owner);
    KASSERT_OWNER(&owner);
}

static void *other_thread(void *arg)
{
    (void)arg;
    KASSERT_OWNER(&owner);
    return NULL;
}

static void owner_elsewhere(void *ud)
{
    (void)ud;
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

    st = ktest_in_child(fails, NULL, err, sizeof err);
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

    st = ktest_in_child(owner_here, NULL, err, sizeof err);
    CHECK(exited_0(st));
    CHECK(err[0] == 0);

    st = ktest_in_child(owner_elsewhere, NULL, err, sizeof err);
    if (KASSERT_ENABLED) {
        CHECK(died_of_abort(st));
        CHECK(strstr(err, "other_thread: failed: kthread_owner_is_current") != NULL);
    } else {
        CHECK(exited_0(st));
    }
    printf("asserts %s in this build\n", KASSERT_ENABLED ? "on" : "compiled out");
    return ktest_done("base_kassert");
}
