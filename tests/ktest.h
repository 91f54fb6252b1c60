/* ktest: a minimal assertion harness for the unit tests. CHECK records a
 * failure with file:line and goes on; ktest_done() prints the plain closing
 * line "N passed, N failed" and returns the exit code. */
#ifndef KTEST_H
#define KTEST_H

#include <stdio.h>

static int ktest_pass, ktest_fail;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (cond) {                                                                                \
            ktest_pass++;                                                                          \
        } else {                                                                                   \
            ktest_fail++;                                                                          \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);               \
        }                                                                                          \
    } while (0)

#define CHECK_STR(a, b)                                                                            \
    do {                                                                                           \
        const char *ka_ = (a), *kb_ = (b);                                                         \
        if (ka_ && kb_ && strcmp(ka_, kb_) == 0) {                                                 \
            ktest_pass++;                                                                          \
        } else {                                                                                   \
            ktest_fail++;                                                                          \
            fprintf(stderr, "%s:%d: CHECK_STR failed: \"%s\" != \"%s\"\n", __FILE__, __LINE__,     \
                    ka_ ? ka_ : "(null)", kb_ ? kb_ : "(null)");                                   \
        }                                                                                          \
    } while (0)

static inline int ktest_done(const char *name)
{
    printf("%s: %d passed, %d failed\n", name, ktest_pass, ktest_fail);
    return ktest_fail == 0 && ktest_pass > 0 ? 0 : 1;
}

#endif
