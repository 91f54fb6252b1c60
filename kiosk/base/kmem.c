#include "kmem.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#ifdef __linux__
#include <sys/mman.h>
#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25 /* Linux 6.1 */
#endif
#endif

#define HUGE ((uintptr_t)2 << 20)

bool kmem_huge_pages(void *p, size_t n)
{
#ifdef __linux__
    uintptr_t from = ((uintptr_t)p + HUGE - 1) & ~(HUGE - 1);
    uintptr_t to = ((uintptr_t)p + n) & ~(HUGE - 1);
    if (!p || to <= from || madvise((void *)from, to - from, MADV_HUGEPAGE) != 0) return false;
    return madvise((void *)from, to - from, MADV_COLLAPSE) == 0;
#else
    (void)p;
    (void)n;
    return false;
#endif
}

bool kmem_heap_huge_pages(void)
{
    FILE *f = fopen("/proc/self/maps", "r");
    char line[512];
    bool ok = false;
    while (f && fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        if (strstr(line, "[heap]") && sscanf(line, "%lx-%lx", &lo, &hi) == 2) {
            ok = kmem_huge_pages((void *)lo, hi - lo);
            break;
        }
    }
    if (f) fclose(f);
    return ok;
}
