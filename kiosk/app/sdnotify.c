#include "sdnotify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "klog.h"

void sdnotify_init(struct sdnotify *n, uint64_t now_ms)
{
    uint64_t usec = 0;
    const char *sock = getenv("NOTIFY_SOCKET");
    memset(n, 0, sizeof *n);
    n->active = sock && *sock;
    if (!n->active) return;
    /* >0: the watchdog is on for this process; 0: off; <0: a bad value */
    if (sd_watchdog_enabled(0, &usec) > 0 && usec >= 2000) {
        n->interval_ms = usec / 2000u; /* half the interval, in ms */
        n->last_ping_ms = now_ms;
        KLOGI("sdnotify", "systemd watchdog %.1f s: pinging every %.1f s from the UI loop",
              (double)usec / 1e6, (double)n->interval_ms / 1e3);
    }
}

void sdnotify_ready(struct sdnotify *n, const char *kiosk_id)
{
    char msg[128];
    if (!n->active || n->ready_sent) return;
    n->ready_sent = true;
    /* MAINPID: under the cage session the unit's first process is cage and
     * the kiosk its child (NotifyAccess=all). Naming the kiosk the main
     * process points the watchdog's signal and the stop's SIGTERM
     * (KillMode=mixed) at the kiosk, which ends cleanly; cage exits when its
     * only client does. Run directly, it is the same pid. */
    snprintf(msg, sizeof msg, "READY=1\nMAINPID=%ld\nSTATUS=kiosk %s: first frame on screen",
             (long)getpid(), kiosk_id);
    if (sd_notify(0, msg) < 0) KLOGW("sdnotify", "READY=1 could not be sent");
    if (n->interval_ms) sd_notify(0, "WATCHDOG=1");
}

void sdnotify_tick(struct sdnotify *n, uint64_t now_ms)
{
    if (!n->interval_ms || now_ms < n->last_ping_ms + n->interval_ms) return;
    n->last_ping_ms = now_ms;
    sd_notify(0, "WATCHDOG=1");
}

uint64_t sdnotify_deadline(const struct sdnotify *n)
{
    return n->interval_ms ? n->last_ping_ms + n->interval_ms : UINT64_MAX;
}

void sdnotify_stopping(struct sdnotify *n)
{
    if (n->active) sd_notify(0, "STOPPING=1");
}
