/* kassert: checks of the rules the code relies on. kerr.h says bugs are
 * asserts; this is the assert. KASSERT(cond) is on in Debug builds (NDEBUG not
 * defined), in sanitizer builds and in any build with KIOSK_ASSERTS defined
 * (cmake -DKIOSK_ASSERTS=ON); otherwise it compiles to nothing and cond is
 * not evaluated, so cond must have no side effects. A failed check logs one
 * line, "ERROR assert: FILE:LINE FUNCTION: failed: COND", and aborts: it is
 * never a way to handle a condition (network down, bad input), only a bug.
 * Any thread may use it. */
#ifndef KASSERT_H
#define KASSERT_H

#if !defined(NDEBUG) || defined(KIOSK_ASSERTS)
#define KASSERT_ENABLED 1
#else
#define KASSERT_ENABLED 0
#endif

/* Logs where and what failed and aborts (SIGABRT). Not for direct use. */
_Noreturn void kassert_fail(const char *file, int line, const char *func, const char *what);

#if KASSERT_ENABLED
#define KASSERT(cond) ((cond) ? (void)0 : kassert_fail(__FILE__, __LINE__, __func__, #cond))
#else
/* sizeof keeps cond type-checked and its variables used, without running it. */
#define KASSERT(cond) ((void)sizeof(!(cond)))
#endif

#endif
