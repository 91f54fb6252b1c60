/* ktest_child: runs one case of a test in a forked child, for checks that
 * the process dies as it should (an assert's SIGABRT) and what it logged. */
#ifndef KTEST_CHILD_H
#define KTEST_CHILD_H

#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* Runs fn(ud) in a child whose stderr goes into a pipe; returns the child's
 * wait status (-1 if no pipe) and what it wrote in err (up to cap - 1 bytes,
 * NUL-terminated). The child exits 0 when fn returns. */
static inline int ktest_in_child(void (*fn)(void *ud), void *ud, char *err, size_t cap)
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
        fn(ud);
        _exit(0);
    }
    close(fd[1]);
    while (n + 1 < cap && (k = read(fd[0], err + n, cap - 1 - n)) > 0) n += (size_t)k;
    err[n] = 0;
    close(fd[0]);
    waitpid(pid, &status, 0);
    return status;
}

#endif
