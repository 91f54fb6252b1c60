/* booking: the nursing-room booking rules and identifiers shared by the kiosk
 * and the hub (pure functions, no I/O but getrandom; any thread). A room's
 * rules come from its `booking` object in the content bundle
 * (assets/content.schema.json): opening hours per weekday, exceptions by
 * date, slot length, days ahead, bookings per phone per day, the check-in
 * window and the no-show release. Days and hours are Beijing time (UTC+8,
 * no daylight saving), whatever the machine's zone; times on the wire are
 * UTC (api_time_format). A booking's code is 6 characters of an alphabet
 * without look-alikes (no 0/O, 1/I/L). */
#ifndef BOOKING_H
#define BOOKING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kerr.h"

struct cJSON;

#define BOOK_CODE_LEN 6
#define BOOK_CODE_SIZE (BOOK_CODE_LEN + 1)
#define BOOK_ALPHABET "ABCDEFGHJKMNPQRSTUVWXYZ23456789" /* 31 symbols */
#define BOOK_LAST4_SIZE 5
#define BOOK_PHONE_SIZE 12 /* a mainland mobile number: 11 digits */
#define BOOK_DATE_SIZE 11  /* "2026-11-27" */
#define BOOK_TZ_OFFSET_S (8 * 3600)
#define BOOK_MAX_INTERVALS 4  /* opening intervals per day */
#define BOOK_MAX_EXCEPTIONS 64
#define BOOK_MAX_SLOTS 96     /* slots per day (15-minute slots around the clock) */
#define BOOK_ALTERNATIVES 4   /* nearest free slots offered with a 409 slot-taken */

/* The defaults of issue 13, used when the bundle leaves a member out. */
#define BOOK_DEFAULT_SLOT_MIN 30
#define BOOK_DEFAULT_DAYS_AHEAD 7
#define BOOK_DEFAULT_MAX_PER_PHONE_DAY 2
#define BOOK_DEFAULT_CHECKIN_BEFORE_MIN 10
#define BOOK_DEFAULT_CHECKIN_AFTER_MIN 10
#define BOOK_DEFAULT_RELEASE_AFTER_MIN 10

struct book_day {
    int n;                                       /* 0: closed */
    struct { int open_min, close_min; } iv[BOOK_MAX_INTERVALS]; /* minutes after midnight */
};

struct book_rules {
    struct book_day week[7]; /* [0] Monday .. [6] Sunday */
    struct { int64_t day; struct book_day hours; } ex[BOOK_MAX_EXCEPTIONS]; /* by local day */
    int n_ex;
    int slot_min, days_ahead, max_per_phone_day;
    int checkin_before_min, checkin_after_min, release_after_min;
};

/* Reads a room's `booking` object into *out (defaults for the members left
 * out). On a problem returns KERR_INVALID and writes "PATH: reason" (PATH
 * relative to the object, e.g. "week.mon[0]") into why (cap bytes). */
enum kerr book_rules_parse(const struct cJSON *booking, struct book_rules *out, char *why,
                           size_t cap);

/* The local (Beijing) day number of Unix time t (days since 1970-01-01 local),
 * and the Unix time of that day's midnight. */
int64_t book_local_day(int64_t t);
int64_t book_day_start(int64_t day);

/* "YYYY-MM-DD" <-> local day number. parse: false for anything else or a date
 * that does not exist. */
bool book_date_parse(const char *s, int64_t *day);
void book_date_format(int64_t day, char out[BOOK_DATE_SIZE]);

/* "YYYY-MM-DDTHH:MM:SSZ" -> Unix seconds (false when malformed). */
bool book_time_parse(const char *s, int64_t *t);

/* Weekday of a local day, 0 Monday .. 6 Sunday. */
int book_weekday(int64_t day);

/* The opening hours that apply on day (an exception or the weekday's). */
const struct book_day *book_rules_day(const struct book_rules *r, int64_t day);

/* Writes the Unix start times of day's slots (whole slots inside the opening
 * intervals, in order) into starts (cap entries); returns how many. */
int book_slots(const struct book_rules *r, int64_t day, int64_t *starts, int cap);

/* True when start is the start of one of the slots of its day. */
bool book_slot_valid(const struct book_rules *r, int64_t start);

/* True when a slot starting at start may be booked at now: more of it is
 * left than the no-show release time (a slot released by a no-show can be
 * booked for what is left of it; one that cannot is "past"), and its day is
 * at most days_ahead - 1 days after today. */
bool book_slot_bookable(const struct book_rules *r, int64_t start, int64_t now);

/* Check-in window and no-show release of a booking of the slot starting at
 * start made at booked (a booking made after the slot began gets the same
 * minutes from the time it was made). */
int64_t book_checkin_from(const struct book_rules *r, int64_t start);
int64_t book_checkin_until(const struct book_rules *r, int64_t start, int64_t booked);
int64_t book_release_at(const struct book_rules *r, int64_t start, int64_t booked);

/* A fresh uniformly random code of BOOK_ALPHABET (getrandom). KERR_IO when
 * the kernel gave no randomness. */
enum kerr book_code_make(char out[BOOK_CODE_SIZE]);

/* True for 6 characters of BOOK_ALPHABET. */
bool book_code_valid(const char *s);

/* Upper-cases s (at most 6 characters) into out; returns
 * book_code_valid(out). */
bool book_code_normalise(const char *s, char out[BOOK_CODE_SIZE]);

/* True for an 11-digit mainland mobile number (1[3-9] and 9 digits). */
bool book_phone_valid(const char *s);

/* True for exactly 4 ASCII digits. */
bool book_last4_valid(const char *s);

/* The last 4 digits of a valid phone number. */
void book_phone_last4(const char *phone, char out[BOOK_LAST4_SIZE]);

#endif
