/* klog: one line per event on stderr (journald picks it up under systemd):
 * "LEVEL module: message". Never pass personal data (names, phones, free
 * text) to it; log ids, counts and error names instead. Thread-safe: each
 * line is written with a single fprintf under stdio's own lock. */
#ifndef KLOG_H
#define KLOG_H

enum klog_level { KLOG_DEBUG, KLOG_INFO, KLOG_WARN, KLOG_ERROR };

/* Lines below this level are dropped (default KLOG_INFO; env KIOSK_LOG=debug). */
void klog_set_level(enum klog_level lvl);

void klog(enum klog_level lvl, const char *module, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define KLOGI(mod, ...) klog(KLOG_INFO, mod, __VA_ARGS__)
#define KLOGW(mod, ...) klog(KLOG_WARN, mod, __VA_ARGS__)
#define KLOGE(mod, ...) klog(KLOG_ERROR, mod, __VA_ARGS__)
#define KLOGD(mod, ...) klog(KLOG_DEBUG, mod, __VA_ARGS__)

#endif
