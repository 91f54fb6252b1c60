/* sdnotify: the kiosk's side of systemd's service protocol (sd_notify(3),
 * libsystemd). Under a unit with Type=notify it says READY=1 once the first
 * frame is on screen, and with WatchdogSec= it sends WATCHDOG=1 from the UI
 * loop at half the watchdog interval, so a UI thread that hangs stops the
 * pings and systemd restarts the unit. Outside systemd (no NOTIFY_SOCKET) every
 * call does nothing. The struct lives in struct app; UI thread only. */
#ifndef SDNOTIFY_H
#define SDNOTIFY_H

#include <stdbool.h>
#include <stdint.h>

struct sdnotify {
    bool active;          /* NOTIFY_SOCKET is set: tell systemd */
    bool ready_sent;
    uint64_t interval_ms; /* WATCHDOG_USEC / 2 in ms; 0 = no watchdog */
    uint64_t last_ping_ms;
};

/* Reads NOTIFY_SOCKET and WATCHDOG_USEC (only when WATCHDOG_PID is this
 * process or unset, as sd_watchdog_enabled(3) does) at start-up; now_ms is
 * the monotonic clock in ms. Logs the watchdog interval it will keep. */
void sdnotify_init(struct sdnotify *n, uint64_t now_ms);

/* Sends READY=1 with MAINPID=<this process> (the kiosk, also when cage
 * started it) and a STATUS= line naming the kiosk id, once; later calls do
 * nothing. Call after the first frame was presented. */
void sdnotify_ready(struct sdnotify *n, const char *kiosk_id);

/* Sends WATCHDOG=1 if half the watchdog interval has passed since the last
 * ping; call on every turn of the UI loop. */
void sdnotify_tick(struct sdnotify *n, uint64_t now_ms);

/* When the loop must wake at the latest for the next ping (monotonic ms), or
 * UINT64_MAX without a watchdog. */
uint64_t sdnotify_deadline(const struct sdnotify *n);

/* Sends STOPPING=1 (on a clean exit, so systemd does not count it a crash). */
void sdnotify_stopping(struct sdnotify *n);

#endif
