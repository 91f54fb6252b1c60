/* schedule: the screen's on-times per weekday (config screen_schedule) and
 * what follows from them: is the screen lit at a given moment, and when does
 * that change next. Pure functions over a wall-clock time in Unix seconds,
 * read in the process's local zone (Beijing time unless TZ says otherwise;
 * see kiosk/main/main.c); no state, no I/O, any thread. The shell's dark
 * mode (app_sched.c) and config.c use them.
 *
 * A day is "HH:MM-HH:MM" (an en dash "–" or "~" also separates; end 24:00
 * allowed; end after start, no range across midnight), several of them
 * separated by commas ("07:30-12:00,13:00-21:00", at most 4, in order, not
 * overlapping), "off" (dark all day) or "on" (lit all day). */
#ifndef SCHEDULE_H
#define SCHEDULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kerr.h"

#define SCHEDULE_RANGES 4

struct schedule_day {
    int n; /* ranges; 0 = off all day */
    struct {
        int from_min, to_min; /* minutes of the day, from < to <= 1440 */
    } r[SCHEDULE_RANGES];
};

struct schedule {
    bool set;                     /* false: no schedule, always lit */
    struct schedule_day day[7];   /* 0 = Sunday ... 6 = Saturday */
};

/* Parses one day's text into *out. KERR_INVALID with a reason in why
 * (e.g. "\"21:00-07:30\": the end must be after the start (no range across
 * midnight: split it over two days)") for anything else. */
enum kerr schedule_parse_day(const char *text, struct schedule_day *out, char *why, size_t whysz);

/* The weekday index (0 Sunday) of a key "sun", "mon", ... "sat"; -1 if not one. */
int schedule_weekday(const char *key);

/* True when the screen is lit by the schedule at wall time t (always when
 * !s->set). */
bool schedule_on(const struct schedule *s, int64_t t);

/* The next wall time after t at which schedule_on changes (whole minutes);
 * 0 when it never does (no schedule, or the same state all week). */
int64_t schedule_next_change(const struct schedule *s, int64_t t);

#endif
