/* The screen schedule as pure functions of a time value; see schedule.h. */
#include "schedule.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

int schedule_weekday(const char *key)
{
    static const char *const names[7] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
    for (int i = 0; key && i < 7; i++)
        if (strcmp(key, names[i]) == 0) return i;
    return -1;
}

/* "HH:MM" at *p (H one or two digits) → minutes; advances *p. -1 if not. */
static int hhmm(const char **p)
{
    const char *s = *p;
    int h = 0, m, nd = 0;
    while (*s >= '0' && *s <= '9' && nd < 2) {
        h = h * 10 + (*s++ - '0');
        nd++;
    }
    if (nd == 0 || *s != ':' || s[1] < '0' || s[1] > '9' || s[2] < '0' || s[2] > '9') return -1;
    m = (s[1] - '0') * 10 + (s[2] - '0');
    s += 3;
    if (h > 24 || m > 59 || (h == 24 && m != 0)) return -1;
    *p = s;
    return h * 60 + m;
}

static void skip_spaces(const char **p)
{
    while (**p == ' ') (*p)++;
}

enum kerr schedule_parse_day(const char *text, struct schedule_day *out, char *why, size_t whysz)
{
    const char *p = text;
    memset(out, 0, sizeof *out);
    if (why && whysz) why[0] = '\0';
    if (!text) {
        snprintf(why, whysz, "missing");
        return KERR_INVALID;
    }
    if (strcmp(text, "off") == 0) return KERR_OK;
    if (strcmp(text, "on") == 0) {
        out->n = 1;
        out->r[0].from_min = 0;
        out->r[0].to_min = 1440;
        return KERR_OK;
    }
    for (;;) {
        int from, to;
        skip_spaces(&p);
        from = hhmm(&p);
        skip_spaces(&p);
        if (from < 0 || from == 1440) {
            snprintf(why, whysz, "\"%.60s\": expected HH:MM-HH:MM (e.g. 07:30-21:00), \"off\" or \"on\"", text);
            return KERR_INVALID;
        }
        if (*p == '-' || *p == '~') p++;
        else if (strncmp(p, "\xe2\x80\x93", 3) == 0) p += 3; /* – en dash */
        else {
            snprintf(why, whysz, "\"%.60s\": expected a '-' between the two times (e.g. 07:30-21:00)", text);
            return KERR_INVALID;
        }
        skip_spaces(&p);
        to = hhmm(&p);
        skip_spaces(&p);
        if (to < 0) {
            snprintf(why, whysz, "\"%.60s\": the end is not a time HH:MM from 00:00 to 24:00", text);
            return KERR_INVALID;
        }
        if (to <= from) {
            snprintf(why, whysz,
                     "\"%.60s\": the end must be after the start (no range across midnight: "
                     "split it over two days)", text);
            return KERR_INVALID;
        }
        if (out->n == SCHEDULE_RANGES) {
            snprintf(why, whysz, "\"%.60s\": at most %d ranges a day", text, SCHEDULE_RANGES);
            return KERR_INVALID;
        }
        if (out->n && from < out->r[out->n - 1].to_min) {
            snprintf(why, whysz, "\"%.60s\": ranges must be in order and must not overlap", text);
            return KERR_INVALID;
        }
        out->r[out->n].from_min = from;
        out->r[out->n].to_min = to;
        out->n++;
        if (*p == ',') {
            p++;
            continue;
        }
        if (*p) {
            snprintf(why, whysz, "\"%.60s\": unexpected text after the last range", text);
            return KERR_INVALID;
        }
        return KERR_OK;
    }
}

static bool day_on(const struct schedule_day *d, int min)
{
    for (int i = 0; i < d->n; i++)
        if (min >= d->r[i].from_min && min < d->r[i].to_min) return true;
    return false;
}

bool schedule_on(const struct schedule *s, int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!s->set) return true;
    localtime_r(&tt, &tm);
    return day_on(&s->day[tm.tm_wday], tm.tm_hour * 60 + tm.tm_min);
}

int64_t schedule_next_change(const struct schedule *s, int64_t t)
{
    bool now;
    int64_t m0;
    if (!s->set) return 0;
    now = schedule_on(s, t);
    m0 = t - (t % 60 + 60) % 60; /* the start of this minute */
    /* minute by minute through one week and a day: at most 11,520 local
     * times, a few hundred microseconds, once per change */
    for (int64_t k = 1; k <= 8 * 1440; k++) {
        int64_t c = m0 + k * 60;
        if (schedule_on(s, c) != now) return c;
    }
    return 0;
}
