/* booking: see booking.h. */
#include "booking.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

static const char *const wdays[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

int64_t book_local_day(int64_t t)
{
    int64_t x = t + BOOK_TZ_OFFSET_S;
    return x >= 0 ? x / 86400 : -((-x + 86399) / 86400);
}

int64_t book_day_start(int64_t day)
{
    return day * 86400 - BOOK_TZ_OFFSET_S;
}

int book_weekday(int64_t day)
{
    /* 1970-01-01 was a Thursday (3 counting from Monday = 0) */
    int64_t w = (day + 3) % 7;
    return (int)(w < 0 ? w + 7 : w);
}

static bool digits(const char *s, int n)
{
    for (int i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i])) return false;
    return true;
}

bool book_date_parse(const char *s, int64_t *day)
{
    struct tm tm;
    int y, m, d;
    time_t t;
    if (!s || strlen(s) != 10 || !digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) ||
        s[7] != '-' || !digits(s + 8, 2))
        return false;
    y = atoi(s);
    m = atoi(s + 5);
    d = atoi(s + 8);
    if (y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31) return false;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = y - 1900;
    tm.tm_mon = m - 1;
    tm.tm_mday = d;
    t = timegm(&tm);
    if (tm.tm_mday != d || tm.tm_mon != m - 1) return false; /* 2026-02-30 */
    *day = (int64_t)t / 86400;
    return true;
}

void book_date_format(int64_t day, char out[BOOK_DATE_SIZE])
{
    time_t t = (time_t)(day * 86400);
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(out, BOOK_DATE_SIZE, "%04u-%02u-%02u", (unsigned)(tm.tm_year + 1900) % 10000u,
             (unsigned)(tm.tm_mon + 1) % 100u, (unsigned)tm.tm_mday % 100u);
}

bool book_time_parse(const char *s, int64_t *t)
{
    int64_t day;
    char date[BOOK_DATE_SIZE];
    int hh, mm, ss;
    if (!s || strlen(s) != 20 || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != 'Z' ||
        !digits(s + 11, 2) || !digits(s + 14, 2) || !digits(s + 17, 2))
        return false;
    memcpy(date, s, 10);
    date[10] = '\0';
    if (!book_date_parse(date, &day)) return false;
    hh = atoi(s + 11);
    mm = atoi(s + 14);
    ss = atoi(s + 17);
    if (hh > 23 || mm > 59 || ss > 59) return false;
    /* date parsed as a UTC day here: day * 86400 is its UTC midnight */
    *t = day * 86400 + hh * 3600 + mm * 60 + ss;
    return true;
}

/* "HH:MM" -> minutes; "24:00" allowed as a closing time. -1 when malformed. */
static int hhmm(const char *s, bool closing)
{
    int h, m;
    if (!s || strlen(s) != 5 || !digits(s, 2) || s[2] != ':' || !digits(s + 3, 2)) return -1;
    h = atoi(s);
    m = atoi(s + 3);
    if (m > 59 || h > 24 || (h == 24 && (m != 0 || !closing))) return -1;
    return h * 60 + m;
}

static bool parse_day(const cJSON *arr, struct book_day *out, const char *path, char *why,
                      size_t cap)
{
    const cJSON *iv;
    int i = 0;
    memset(out, 0, sizeof *out);
    if (!cJSON_IsArray(arr)) {
        snprintf(why, cap, "%s: expected an array of [\"HH:MM\", \"HH:MM\"] (may be empty)", path);
        return false;
    }
    if (cJSON_GetArraySize(arr) > BOOK_MAX_INTERVALS) {
        snprintf(why, cap, "%s: at most %d opening intervals a day", path, BOOK_MAX_INTERVALS);
        return false;
    }
    cJSON_ArrayForEach(iv, arr) {
        const cJSON *a = cJSON_GetArrayItem(iv, 0), *b = cJSON_GetArrayItem(iv, 1);
        int o = -1, c = -1;
        if (cJSON_IsArray(iv) && cJSON_GetArraySize(iv) == 2 && cJSON_IsString(a) &&
            cJSON_IsString(b)) {
            o = hhmm(a->valuestring, false);
            c = hhmm(b->valuestring, true);
        }
        if (o < 0 || c < 0) {
            snprintf(why, cap, "%s[%d]: expected [\"HH:MM\", \"HH:MM\"]", path, i);
            return false;
        }
        if (c <= o) {
            snprintf(why, cap, "%s[%d]: closes before it opens", path, i);
            return false;
        }
        if (i > 0 && o < out->iv[i - 1].close_min) {
            snprintf(why, cap, "%s[%d]: overlaps or comes before the interval before it", path, i);
            return false;
        }
        out->iv[i].open_min = o;
        out->iv[i].close_min = c;
        out->n = ++i;
    }
    return true;
}

static bool get_int(const cJSON *o, const char *name, int lo, int hi, int dflt, int *out,
                    char *why, size_t cap)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    *out = dflt;
    if (!v) return true;
    if (!cJSON_IsNumber(v) || v->valuedouble != (double)(int)v->valuedouble ||
        v->valueint < lo || v->valueint > hi) {
        snprintf(why, cap, "%s: expected a whole number %d..%d", name, lo, hi);
        return false;
    }
    *out = v->valueint;
    return true;
}

enum kerr book_rules_parse(const cJSON *b, struct book_rules *out, char *why, size_t cap)
{
    static const char *const keys[] = {"slot_min", "days_ahead", "max_per_phone_day",
                                       "checkin_before_min", "checkin_after_min",
                                       "release_after_min", "week", "exceptions", NULL};
    const cJSON *week, *exs, *it;
    char path[64];
    memset(out, 0, sizeof *out);
    if (!cJSON_IsObject(b)) {
        snprintf(why, cap, "expected an object");
        return KERR_INVALID;
    }
    cJSON_ArrayForEach(it, b) {
        bool known = false;
        for (int i = 0; keys[i]; i++) known = known || strcmp(it->string, keys[i]) == 0;
        if (!known) {
            snprintf(why, cap, "%.40s: unknown member", it->string);
            return KERR_INVALID;
        }
    }
    if (!get_int(b, "slot_min", 15, 240, BOOK_DEFAULT_SLOT_MIN, &out->slot_min, why, cap) ||
        !get_int(b, "days_ahead", 1, 30, BOOK_DEFAULT_DAYS_AHEAD, &out->days_ahead, why, cap) ||
        !get_int(b, "max_per_phone_day", 1, 10, BOOK_DEFAULT_MAX_PER_PHONE_DAY,
                 &out->max_per_phone_day, why, cap) ||
        !get_int(b, "checkin_before_min", 0, 60, BOOK_DEFAULT_CHECKIN_BEFORE_MIN,
                 &out->checkin_before_min, why, cap) ||
        !get_int(b, "checkin_after_min", 0, 60, BOOK_DEFAULT_CHECKIN_AFTER_MIN,
                 &out->checkin_after_min, why, cap) ||
        !get_int(b, "release_after_min", 1, 60, BOOK_DEFAULT_RELEASE_AFTER_MIN,
                 &out->release_after_min, why, cap))
        return KERR_INVALID;
    if (out->release_after_min < out->checkin_after_min) {
        snprintf(why, cap, "release_after_min: must not be before the check-in window closes "
                           "(checkin_after_min)");
        return KERR_INVALID;
    }
    if (out->release_after_min >= out->slot_min) {
        snprintf(why, cap, "release_after_min: must be shorter than the slot (slot_min)");
        return KERR_INVALID;
    }
    week = cJSON_GetObjectItemCaseSensitive(b, "week");
    if (!cJSON_IsObject(week)) {
        snprintf(why, cap, "week: expected an object with mon..sun");
        return KERR_INVALID;
    }
    cJSON_ArrayForEach(it, week) {
        bool known = false;
        for (int i = 0; i < 7; i++) known = known || strcmp(it->string, wdays[i]) == 0;
        if (!known) {
            snprintf(why, cap, "week.%.20s: not a weekday (mon, tue, wed, thu, fri, sat, sun)",
                     it->string);
            return KERR_INVALID;
        }
    }
    for (int i = 0; i < 7; i++) {
        const cJSON *d = cJSON_GetObjectItemCaseSensitive(week, wdays[i]);
        snprintf(path, sizeof path, "week.%s", wdays[i]);
        if (!d) {
            snprintf(why, cap, "%s: missing (an empty array means closed)", path);
            return KERR_INVALID;
        }
        if (!parse_day(d, &out->week[i], path, why, cap)) return KERR_INVALID;
    }
    exs = cJSON_GetObjectItemCaseSensitive(b, "exceptions");
    if (exs && !cJSON_IsArray(exs)) {
        snprintf(why, cap, "exceptions: expected an array");
        return KERR_INVALID;
    }
    if (cJSON_GetArraySize(exs) > BOOK_MAX_EXCEPTIONS) {
        snprintf(why, cap, "exceptions: at most %d", BOOK_MAX_EXCEPTIONS);
        return KERR_INVALID;
    }
    cJSON_ArrayForEach(it, exs) {
        int k = out->n_ex;
        const cJSON *date = cJSON_GetObjectItemCaseSensitive(it, "date"),
                    *closed = cJSON_GetObjectItemCaseSensitive(it, "closed"),
                    *hours = cJSON_GetObjectItemCaseSensitive(it, "hours"), *m;
        snprintf(path, sizeof path, "exceptions[%d]", k);
        if (!cJSON_IsObject(it)) {
            snprintf(why, cap, "%s: expected an object", path);
            return KERR_INVALID;
        }
        cJSON_ArrayForEach(m, it) {
            if (strcmp(m->string, "date") && strcmp(m->string, "closed") &&
                strcmp(m->string, "hours")) {
                snprintf(why, cap, "%s.%.40s: unknown member", path, m->string);
                return KERR_INVALID;
            }
        }
        if (!cJSON_IsString(date) || !book_date_parse(date->valuestring, &out->ex[k].day)) {
            snprintf(why, cap, "%s.date: expected an existing date YYYY-MM-DD", path);
            return KERR_INVALID;
        }
        for (int j = 0; j < k; j++) {
            if (out->ex[j].day == out->ex[k].day) {
                snprintf(why, cap, "%s.date: the same date as exceptions[%d]", path, j);
                return KERR_INVALID;
            }
        }
        if (cJSON_IsTrue(closed) == !!hours || (closed && !cJSON_IsBool(closed))) {
            snprintf(why, cap, "%s: give either \"closed\": true or \"hours\"", path);
            return KERR_INVALID;
        }
        if (hours) {
            char hp[80];
            snprintf(hp, sizeof hp, "%s.hours", path);
            if (!parse_day(hours, &out->ex[k].hours, hp, why, cap)) return KERR_INVALID;
        }
        out->n_ex++;
    }
    return KERR_OK;
}

const struct book_day *book_rules_day(const struct book_rules *r, int64_t day)
{
    for (int i = 0; i < r->n_ex; i++)
        if (r->ex[i].day == day) return &r->ex[i].hours;
    return &r->week[book_weekday(day)];
}

int book_slots(const struct book_rules *r, int64_t day, int64_t *starts, int cap)
{
    const struct book_day *d = book_rules_day(r, day);
    int64_t base = book_day_start(day);
    int n = 0;
    if (r->slot_min <= 0) return 0;
    for (int i = 0; i < d->n; i++)
        for (int m = d->iv[i].open_min; m + r->slot_min <= d->iv[i].close_min && n < cap;
             m += r->slot_min)
            starts[n++] = base + (int64_t)m * 60;
    return n;
}

bool book_slot_valid(const struct book_rules *r, int64_t start)
{
    int64_t s[BOOK_MAX_SLOTS];
    int n = book_slots(r, book_local_day(start), s, BOOK_MAX_SLOTS);
    for (int i = 0; i < n; i++)
        if (s[i] == start) return true;
    return false;
}

bool book_slot_bookable(const struct book_rules *r, int64_t start, int64_t now)
{
    int64_t d = book_local_day(start) - book_local_day(now);
    int64_t left = start + (int64_t)(r->slot_min - r->release_after_min) * 60;
    return now < left && d >= 0 && d < r->days_ahead && book_slot_valid(r, start);
}

int64_t book_checkin_from(const struct book_rules *r, int64_t start)
{
    return start - (int64_t)r->checkin_before_min * 60;
}

int64_t book_checkin_until(const struct book_rules *r, int64_t start, int64_t booked)
{
    return (booked > start ? booked : start) + (int64_t)r->checkin_after_min * 60;
}

int64_t book_release_at(const struct book_rules *r, int64_t start, int64_t booked)
{
    return (booked > start ? booked : start) + (int64_t)r->release_after_min * 60;
}

enum kerr book_code_make(char out[BOOK_CODE_SIZE])
{
    static const char a[] = BOOK_ALPHABET;
    const unsigned n = sizeof a - 1, lim = 256 - 256 % n; /* rejection: no bias */
    int k = 0;
    out[0] = '\0';
    while (k < BOOK_CODE_LEN) {
        unsigned char b[16];
        if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b) return KERR_IO;
        for (size_t i = 0; i < sizeof b && k < BOOK_CODE_LEN; i++)
            if (b[i] < lim) out[k++] = a[b[i] % n];
    }
    out[k] = '\0';
    return KERR_OK;
}

bool book_code_valid(const char *s)
{
    if (!s || strlen(s) != BOOK_CODE_LEN) return false;
    for (int i = 0; i < BOOK_CODE_LEN; i++)
        if (!s[i] || !strchr(BOOK_ALPHABET, s[i])) return false;
    return true;
}

bool book_code_normalise(const char *s, char out[BOOK_CODE_SIZE])
{
    size_t i = 0;
    out[0] = '\0';
    if (!s || strlen(s) != BOOK_CODE_LEN) return false;
    for (; s[i]; i++) out[i] = (char)toupper((unsigned char)s[i]);
    out[i] = '\0';
    return book_code_valid(out);
}

bool book_phone_valid(const char *s)
{
    return s && strlen(s) == 11 && digits(s, 11) && s[0] == '1' && s[1] >= '3';
}

bool book_last4_valid(const char *s)
{
    return s && strlen(s) == 4 && digits(s, 4);
}

void book_phone_last4(const char *phone, char out[BOOK_LAST4_SIZE])
{
    size_t n = strlen(phone);
    snprintf(out, BOOK_LAST4_SIZE, "%s", n >= 4 ? phone + n - 4 : phone);
}
