#include "kassert.h"

#include <stdlib.h>

#include "klog.h"

void kassert_fail(const char *file, int line, const char *func, const char *what)
{
    klog(KLOG_ERROR, "assert", "%s:%d %s: failed: %s", file, line, func, what);
    abort();
}
