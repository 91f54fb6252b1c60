#include "klog.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static enum klog_level min_level = KLOG_INFO;
static int env_read;
/* stderr is systemd's journal stream (JOURNAL_STREAM names its device and
 * inode): each line starts with its syslog priority, "<6>", which journald
 * takes as the level of the entry (sd-daemon(3)) and strips. */
static int to_journal;

static int stderr_is_journal(void)
{
    const char *e = getenv("JOURNAL_STREAM");
    unsigned long long dev, ino;
    struct stat st;
    if (!e || sscanf(e, "%llu:%llu", &dev, &ino) != 2 || fstat(2, &st) != 0) return 0;
    return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void klog_set_level(enum klog_level lvl)
{
    min_level = lvl;
    to_journal = stderr_is_journal();
    env_read = 1;
}

void klog(enum klog_level lvl, const char *module, const char *fmt, ...)
{
    static const char *names[] = {"DEBUG", "INFO", "WARN", "ERROR"};
    static const int prio[] = {7, 6, 4, 3}; /* LOG_DEBUG, LOG_INFO, LOG_WARNING, LOG_ERR */
    char msg[1024];
    va_list ap;
    if (!env_read) {
        const char *e = getenv("KIOSK_LOG");
        if (e && strcmp(e, "debug") == 0) min_level = KLOG_DEBUG;
        to_journal = stderr_is_journal();
        env_read = 1;
    }
    if (lvl < min_level) return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (to_journal)
        fprintf(stderr, "<%d>%s %s: %s\n", prio[lvl], names[lvl], module, msg);
    else
        fprintf(stderr, "%s %s: %s\n", names[lvl], module, msg);
}
