#include "klog.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static enum klog_level min_level = KLOG_INFO;
static int env_read;

void klog_set_level(enum klog_level lvl)
{
    min_level = lvl;
    env_read = 1;
}

void klog(enum klog_level lvl, const char *module, const char *fmt, ...)
{
    static const char *names[] = {"DEBUG", "INFO", "WARN", "ERROR"};
    char msg[1024];
    va_list ap;
    if (!env_read) {
        const char *e = getenv("KIOSK_LOG");
        if (e && strcmp(e, "debug") == 0) min_level = KLOG_DEBUG;
        env_read = 1;
    }
    if (lvl < min_level) return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s %s: %s\n", names[lvl], module, msg);
}
