/* Debug builds: a call that reaches libpinyin from a thread other than the
 * one that opened the engine aborts (assert), instead of racing inside
 * libpinyin. Checked in a child process; registered for Debug builds only. */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ime.h"
#include "ktest.h"

static void *type_elsewhere(void *arg)
{
    ime_input(arg, "nihao");
    return NULL;
}

int main(void)
{
    struct ime *ime = NULL;
    pid_t pid;
    int status = 0;
#ifdef NDEBUG
    CHECK(!"built with NDEBUG: the owner check is compiled out");
#endif
    CHECK(ime_open(NULL, &ime) == KERR_OK);
    if (!ime) return ktest_done("ime_owner");
    CHECK(ime_input(ime, "nihao") == KERR_OK); /* the owner itself: fine */
    fflush(NULL);
    pid = fork();
    if (pid == 0) {
        pthread_t t;
        close(2); /* the assert's message is expected */
        pthread_create(&t, NULL, type_elsewhere, ime);
        pthread_join(t, NULL);
        _exit(0);
    }
    CHECK(pid > 0);
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
    ime_close(ime);
    return ktest_done("ime_owner");
}
