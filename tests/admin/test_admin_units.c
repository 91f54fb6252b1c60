/* The admin panel's and the screen schedule's pure parts: the PIN hash and
 * lock (counted, kept across a reopen, run out, a lock from a clock set back
 * cut short), the schedule's parser (with its messages), lit or dark at a
 * moment and the next change, and the config keys with their refusals. */
#define _GNU_SOURCE
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "adminpin.h"
#include "config.h"
#include "ktest.h"
#include "schedule.h"

/* 2026-11-25 (a Wednesday) at HH:MM, Beijing time. */
static int64_t at(int day, int h, int m)
{
    struct tm tm = {.tm_year = 126, .tm_mon = 10, .tm_mday = 25 + day, .tm_hour = h, .tm_min = m,
                    .tm_isdst = -1};
    return (int64_t)mktime(&tm);
}

static void pin_and_lock(void)
{
    char dir[] = "/tmp/adminpin_XXXXXX", hash[ADMINPIN_HASH_SIZE];
    struct adminpin p;
    int left = -1;
    int64_t t = 1764000000;
    CHECK(mkdtemp(dir) != NULL);
    CHECK(adminpin_valid("0000") && adminpin_valid("123456789012"));
    CHECK(!adminpin_valid("123") && !adminpin_valid("1234567890123") && !adminpin_valid("12a4") &&
          !adminpin_valid(""));
    CHECK(adminpin_hash("12a4", hash, sizeof hash) == KERR_INVALID && hash[0] == 0);
    CHECK(adminpin_hash("2468", hash, sizeof hash) == KERR_OK);
    CHECK(adminpin_hash_shaped(hash) && strstr(hash, "2468") == NULL);
    CHECK(!adminpin_hash_shaped("2468") && !adminpin_hash_shaped(""));

    adminpin_open(&p, dir, 3, 300, t);
    CHECK(adminpin_try(&p, "", "2468", t, &left) == ADMINPIN_UNSET);
    CHECK(adminpin_try(&p, hash, "2468", t, &left) == ADMINPIN_OK);
    CHECK(adminpin_try(&p, hash, "1111", t, &left) == ADMINPIN_WRONG && left == 2);
    CHECK(adminpin_try(&p, hash, "1111", t, &left) == ADMINPIN_WRONG && left == 1);
    /* kept: a new process sees the count */
    adminpin_open(&p, dir, 3, 300, t + 1);
    CHECK(p.failures == 2);
    CHECK(adminpin_try(&p, hash, "1111", t + 2, &left) == ADMINPIN_LOCKED);
    CHECK(adminpin_locked_for(&p, t + 2) == 300);
    /* locked: the right PIN does not open, before or after a reopen */
    CHECK(adminpin_try(&p, hash, "2468", t + 10, &left) == ADMINPIN_LOCKED);
    adminpin_open(&p, dir, 3, 300, t + 20);
    CHECK(adminpin_locked_for(&p, t + 20) == 282);
    CHECK(adminpin_try(&p, hash, "2468", t + 20, &left) == ADMINPIN_LOCKED);
    /* the lock runs out and the count starts again */
    CHECK(adminpin_locked_for(&p, t + 302) == 0 && p.failures == 0);
    CHECK(adminpin_try(&p, hash, "2468", t + 303, &left) == ADMINPIN_OK);
    /* a lock far ahead (the clock was set back) is cut to lock_s */
    CHECK(adminpin_try(&p, hash, "1", t + 400, &left) == ADMINPIN_WRONG);
    CHECK(adminpin_try(&p, hash, "1", t + 400, &left) == ADMINPIN_WRONG);
    CHECK(adminpin_try(&p, hash, "1", t + 400, &left) == ADMINPIN_LOCKED);
    adminpin_open(&p, dir, 3, 300, t - 100000);
    CHECK(adminpin_locked_for(&p, t - 100000) == 300);
    /* an unreadable state file is a fresh start */
    {
        char path[128];
        FILE *f;
        snprintf(path, sizeof path, "%s/admin_lock", dir);
        f = fopen(path, "w");
        if (f) {
            fputs("garbage\n", f);
            fclose(f);
        }
        adminpin_open(&p, dir, 3, 300, t);
        CHECK(p.failures == 0 && p.locked_until_s == 0);
        unlink(path);
    }
    rmdir(dir);
}

static void schedule_rules(void)
{
    struct schedule s;
    struct schedule_day d;
    char why[200];
    memset(&s, 0, sizeof s);
    CHECK(schedule_parse_day("07:30-21:00", &d, why, sizeof why) == KERR_OK && d.n == 1 &&
          d.r[0].from_min == 450 && d.r[0].to_min == 1260);
    CHECK(schedule_parse_day("07:30–21:00", &d, why, sizeof why) == KERR_OK && d.n == 1);
    CHECK(schedule_parse_day("7:30 - 12:00, 13:00-24:00", &d, why, sizeof why) == KERR_OK &&
          d.n == 2 && d.r[1].to_min == 1440);
    CHECK(schedule_parse_day("off", &d, why, sizeof why) == KERR_OK && d.n == 0);
    CHECK(schedule_parse_day("on", &d, why, sizeof why) == KERR_OK && d.n == 1);
    CHECK(schedule_parse_day("21:00-07:30", &d, why, sizeof why) == KERR_INVALID &&
          strstr(why, "across midnight"));
    CHECK(schedule_parse_day("25:00-26:00", &d, why, sizeof why) == KERR_INVALID &&
          strstr(why, "HH:MM"));
    CHECK(schedule_parse_day("07:30", &d, why, sizeof why) == KERR_INVALID && strstr(why, "'-'"));
    CHECK(schedule_parse_day("12:00-13:00,09:00-10:00", &d, why, sizeof why) == KERR_INVALID &&
          strstr(why, "in order"));
    CHECK(schedule_parse_day("07:30-21:00 late", &d, why, sizeof why) == KERR_INVALID);
    CHECK(schedule_parse_day("07:60-21:00", &d, why, sizeof why) == KERR_INVALID);
    CHECK(schedule_weekday("sun") == 0 && schedule_weekday("sat") == 6 &&
          schedule_weekday("Mon") == -1);

    /* no schedule: always lit, never changes */
    CHECK(schedule_on(&s, at(0, 3, 0)) && schedule_next_change(&s, at(0, 3, 0)) == 0);
    /* every day 07:30-21:00, Sunday off (2026-11-29 is a Sunday) */
    s.set = true;
    for (int i = 0; i < 7; i++) schedule_parse_day("07:30-21:00", &s.day[i], why, sizeof why);
    schedule_parse_day("off", &s.day[0], why, sizeof why);
    CHECK(!schedule_on(&s, at(0, 7, 29)) && schedule_on(&s, at(0, 7, 30)));
    CHECK(schedule_on(&s, at(0, 20, 59)) && !schedule_on(&s, at(0, 21, 0)));
    CHECK(schedule_next_change(&s, at(0, 7, 0) + 17) == at(0, 7, 30));
    CHECK(schedule_next_change(&s, at(0, 12, 0)) == at(0, 21, 0));
    /* Saturday 21:00 → Monday 07:30 (Sunday is off) */
    CHECK(!schedule_on(&s, at(4, 12, 0)));
    CHECK(schedule_next_change(&s, at(3, 21, 0)) == at(5, 7, 30));
}

static int load(const char *json, struct app_config *c, char *err, size_t n)
{
    char path[] = "/tmp/admincfg_XXXXXX";
    int fd = mkstemp(path), rc;
    if (fd < 0) return -1;
    if (write(fd, json, strlen(json)) < 0) rc = -1;
    close(fd);
    config_defaults(c, "/nonexistent");
    rc = config_load(path, c, err, n);
    unlink(path);
    return rc;
}

static void config_keys(void)
{
    struct app_config c;
    char err[1400];
    CHECK(load("{}", &c, err, sizeof err) == KERR_OK);
    CHECK(!c.schedule.set && c.screen_wake_s == 180 && c.admin_lock_after == 5 &&
          c.admin_lock_s == 300 && c.admin_pin_hash[0] == 0);
    CHECK(load("{\"screen_schedule\": {\"all\": \"07:30-21:00\", \"sun\": \"off\"},"
               " \"screen_wake_s\": 120, \"admin_lock_after\": 3, \"admin_lock_s\": 600}",
               &c, err, sizeof err) == KERR_OK);
    CHECK(c.schedule.set && c.schedule.day[0].n == 0 && c.schedule.day[3].n == 1 &&
          c.schedule.day[3].r[0].from_min == 450 && c.screen_wake_s == 120);
    CHECK(load("{\"screen_schedule\": {\"mon\": \"08:00-18:00\"}}", &c, err, sizeof err) == KERR_OK);
    CHECK(c.schedule.day[1].n == 1 && c.schedule.day[2].n == 0); /* unnamed days: off */
    CHECK(load("{\"screen_schedule\": {\"monday\": \"08:00-18:00\"}}", &c, err, sizeof err) ==
          KERR_USAGE);
    CHECK(strstr(err, "screen_schedule: monday: unknown key") != NULL);
    CHECK(load("{\"screen_schedule\": {\"all\": \"21:00-07:30\"}}", &c, err, sizeof err) ==
          KERR_USAGE);
    CHECK(strstr(err, "screen_schedule: all: \"21:00-07:30\": the end must be after the start"));
    printf("refused: %s\n", err);
    CHECK(load("{\"screen_schedule\": \"07:30-21:00\"}", &c, err, sizeof err) == KERR_USAGE);
    CHECK(load("{\"screen_schedule\": {\"all\": 730}}", &c, err, sizeof err) == KERR_USAGE);
    CHECK(load("{\"admin_pin_hash\": \"2468\"}", &c, err, sizeof err) == KERR_USAGE);
    CHECK(strstr(err, "admin_pin_hash") && strstr(err, "--hash-pin"));
    CHECK(load("{\"admin_lock_after\": 1}", &c, err, sizeof err) == KERR_USAGE);
    CHECK(load("{\"screen_wake_s\": 5}", &c, err, sizeof err) == KERR_USAGE);
}

/* The check off the UI thread: the verdict comes later (scrypt takes
 * ~0.2 s), done is called once on the checking thread, and the two steps
 * count and lock as adminpin_try does. */
static atomic_int done_calls;
static void on_done(void *ud)
{
    (void)ud;
    atomic_fetch_add(&done_calls, 1);
}

static int verdict(const char *hash, const char *pin, bool *was_pending)
{
    struct adminpin_check *c = NULL;
    int v = -1;
    CHECK(adminpin_check_start(hash, pin, on_done, NULL, &c) == KERR_OK);
    if (!c) return -2;
    *was_pending = adminpin_check_result(c) < 0;
    for (int i = 0; i < 1000 && (v = adminpin_check_result(c)) < 0; i++) usleep(10000);
    adminpin_check_free(c);
    return v;
}

static void pin_off_thread(void)
{
    char hash[ADMINPIN_HASH_SIZE];
    struct adminpin p;
    bool pending = false;
    int left = -1, t = 1764000000;
    CHECK(adminpin_hash("2468", hash, sizeof hash) == KERR_OK);
    adminpin_open(&p, NULL, 2, 300, t);
    CHECK(verdict(hash, "2468", &pending) == 1);
    CHECK(pending); /* the caller was not held for the scrypt */
    CHECK(verdict(hash, "1357", &pending) == 0);
    CHECK(verdict(hash, "12", &pending) == 0);              /* not a PIN */
    CHECK(verdict(hash, "1234567890123456789", &pending) == 0); /* too long, cut: still wrong */
    CHECK(atomic_load(&done_calls) == 4);
    adminpin_check_free(NULL);
    /* the two steps */
    CHECK(adminpin_begin(&p, "", t) == ADMINPIN_UNSET);
    CHECK(adminpin_begin(&p, hash, t) == ADMINPIN_OK);
    CHECK(adminpin_record(&p, false, t, &left) == ADMINPIN_WRONG && left == 1);
    CHECK(adminpin_record(&p, false, t, &left) == ADMINPIN_LOCKED);
    CHECK(adminpin_begin(&p, hash, t + 10) == ADMINPIN_LOCKED);
    CHECK(adminpin_begin(&p, hash, t + 301) == ADMINPIN_OK); /* the lock ran out */
    CHECK(adminpin_record(&p, true, t + 301, &left) == ADMINPIN_OK && p.failures == 0);
}

int main(void)
{
    setenv("TZ", "CST-8", 1);
    tzset();
    pin_and_lock();
    pin_off_thread();
    schedule_rules();
    config_keys();
    return ktest_done("admin_units");
}
