/* The booking rules shared by kiosk and hub (net/api/booking.c) and their
 * check in a content bundle (content_load, as --check-content runs it):
 * codes of an unambiguous alphabet, Beijing days, the slots of a day with
 * weekday hours and exceptions, what is bookable when, the check-in window
 * and release of a booking made late, and a clear reason for each bad rule. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "booking.h"
#include "content.h"
#include "ktest.h"

static const char *rules_json =
    "{\"week\":{\"mon\":[[\"08:00\",\"20:00\"]],\"tue\":[[\"08:00\",\"20:00\"]],"
    "\"wed\":[[\"08:00\",\"20:00\"]],\"thu\":[[\"08:00\",\"20:00\"]],\"fri\":[[\"08:00\",\"20:00\"]],"
    "\"sat\":[[\"09:00\",\"12:00\"],[\"13:00\",\"17:00\"]],\"sun\":[]},"
    "\"exceptions\":[{\"date\":\"2026-12-31\",\"hours\":[[\"08:00\",\"16:00\"]]},"
    "{\"date\":\"2027-01-01\",\"closed\":true}]}";

static int64_t t_of(const char *s)
{
    int64_t t = 0;
    CHECK(book_time_parse(s, &t));
    return t;
}

static void test_codes(void)
{
    int seen[128] = {0};
    char c[BOOK_CODE_SIZE], n[BOOK_CODE_SIZE];
    for (int i = 0; i < 2000; i++) {
        CHECK(book_code_make(c) == KERR_OK);
        if (!book_code_valid(c)) {
            CHECK(!"code outside the alphabet");
            break;
        }
        for (int k = 0; k < BOOK_CODE_LEN; k++) seen[(unsigned char)c[k]]++;
    }
    /* every symbol turns up, none of the look-alikes ever */
    for (const char *p = BOOK_ALPHABET; *p; p++) CHECK(seen[(unsigned char)*p] > 200);
    CHECK(seen['0'] == 0 && seen['O'] == 0 && seen['1'] == 0 && seen['I'] == 0 && seen['L'] == 0);
    CHECK(book_code_normalise("h2b752", n) && strcmp(n, "H2B752") == 0);
    CHECK(!book_code_normalise("H2B7O2", n)); /* O is not in the alphabet */
    CHECK(!book_code_valid("H2B75") && !book_code_valid("H2B7522"));
    CHECK(book_phone_valid("13800001234") && !book_phone_valid("12800001234") &&
          !book_phone_valid("1380000123") && !book_phone_valid("138000012345"));
    CHECK(book_last4_valid("0001") && !book_last4_valid("001") && !book_last4_valid("00a1"));
}

static void test_days_and_slots(void)
{
    struct book_rules r;
    char why[160], d[BOOK_DATE_SIZE];
    cJSON *b = cJSON_Parse(rules_json);
    int64_t day, s[BOOK_MAX_SLOTS];
    CHECK(book_rules_parse(b, &r, why, sizeof why) == KERR_OK);
    cJSON_Delete(b);
    /* defaults of issue 13 */
    CHECK(r.slot_min == 30 && r.days_ahead == 7 && r.max_per_phone_day == 2);
    CHECK(r.checkin_before_min == 10 && r.checkin_after_min == 10 && r.release_after_min == 10);
    /* 2026-11-29T16:30Z is Monday 30 Nov 00:30 in Beijing */
    day = book_local_day(t_of("2026-11-29T16:30:00Z"));
    book_date_format(day, d);
    CHECK_STR(d, "2026-11-30");
    CHECK(book_weekday(day) == 0);
    CHECK(book_day_start(day) == t_of("2026-11-29T16:00:00Z"));
    CHECK(book_slots(&r, day, s, BOOK_MAX_SLOTS) == 24);
    CHECK(s[0] == t_of("2026-11-30T00:00:00Z")); /* 08:00 Beijing */
    CHECK(book_date_parse("2026-12-05", &day) && book_slots(&r, day, s, BOOK_MAX_SLOTS) == 14);
    CHECK(s[6] == t_of("2026-12-05T05:00:00Z")); /* 13:00 after the lunch break */
    CHECK(book_date_parse("2026-12-06", &day) && book_slots(&r, day, s, BOOK_MAX_SLOTS) == 0);
    CHECK(book_date_parse("2026-12-31", &day) && book_slots(&r, day, s, BOOK_MAX_SLOTS) == 16);
    CHECK(book_date_parse("2027-01-01", &day) && book_slots(&r, day, s, BOOK_MAX_SLOTS) == 0);
    CHECK(!book_date_parse("2026-02-30", &day) && !book_date_parse("2026-1-1", &day));
    CHECK(book_slot_valid(&r, t_of("2026-11-30T06:00:00Z")));
    CHECK(!book_slot_valid(&r, t_of("2026-11-30T06:10:00Z")));
    CHECK(!book_slot_valid(&r, t_of("2026-11-30T12:00:00Z"))); /* 20:00, closed */
    /* bookable: from now until less than the release time of it is left,
     * and within 7 days (today counts) */
    {
        int64_t now = t_of("2026-11-30T01:30:00Z"), slot = t_of("2026-11-30T01:30:00Z");
        CHECK(book_slot_bookable(&r, slot, now));
        CHECK(book_slot_bookable(&r, slot, now + 19 * 60 + 59));
        CHECK(!book_slot_bookable(&r, slot, now + 20 * 60));
        CHECK(book_slot_bookable(&r, t_of("2026-12-04T02:00:00Z"), now));  /* Friday */
        CHECK(!book_slot_bookable(&r, t_of("2026-12-07T02:00:00Z"), now)); /* day 8 */
        /* a booking made 5 minutes into its slot gets its window from then */
        CHECK(book_checkin_from(&r, slot) == slot - 600);
        CHECK(book_checkin_until(&r, slot, slot - 3600) == slot + 600);
        CHECK(book_release_at(&r, slot, slot + 300) == slot + 900);
    }
}

static void bad(const char *json, const char *want)
{
    struct book_rules r;
    char why[160] = "";
    cJSON *b = cJSON_Parse(json);
    CHECK(b != NULL);
    CHECK(book_rules_parse(b, &r, why, sizeof why) == KERR_INVALID);
    if (!strstr(why, want)) fprintf(stderr, "reason \"%s\" lacks \"%s\"\n", why, want);
    CHECK(strstr(why, want) != NULL);
    cJSON_Delete(b);
}

#define WEEK(mon) "\"week\":{\"mon\":" mon ",\"tue\":[],\"wed\":[],\"thu\":[],\"fri\":[],\"sat\":[],\"sun\":[]}"

static void test_bad_rules(void)
{
    bad("{}", "week");
    bad("{\"week\":{\"mon\":[]}}", "week.tue: missing");
    bad("{" WEEK("[[\"08:00\",\"25:00\"]]") "}", "week.mon[0]");
    bad("{" WEEK("[[\"12:00\",\"08:00\"]]") "}", "closes before it opens");
    bad("{" WEEK("[[\"08:00\",\"12:00\"],[\"11:00\",\"14:00\"]]") "}", "overlaps");
    bad("{\"slot_min\":5," WEEK("[]") "}", "slot_min");
    bad("{\"release_after_min\":40," WEEK("[]") "}", "release_after_min");
    bad("{\"release_after_min\":5," WEEK("[]") "}", "release_after_min"); /* before check-in ends */
    bad("{\"colour\":1," WEEK("[]") "}", "colour: unknown");
    bad("{" WEEK("[]") ",\"exceptions\":[{\"date\":\"2026-13-01\",\"closed\":true}]}",
        "exceptions[0].date");
    bad("{" WEEK("[]") ",\"exceptions\":[{\"date\":\"2026-12-01\"}]}", "either");
    bad("{" WEEK("[]") ",\"exceptions\":[{\"date\":\"2026-12-01\",\"closed\":true},"
        "{\"date\":\"2026-12-01\",\"closed\":true}]}", "the same date");
}

/* --check-content's loader names the room and the member */
static void test_bundle(const char *content_json)
{
    FILE *f = fopen(content_json, "rb");
    char *txt, *p;
    long n;
    struct content *c = NULL;
    static struct content_report rep;
    bool named = false;
    if (!f) {
        CHECK(!"content.json");
        return;
    }
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    txt = calloc(1, (size_t)n + 64);
    CHECK(txt && fread(txt, 1, (size_t)n, f) == (size_t)n);
    fclose(f);
    CHECK(content_load_mem(txt, (size_t)n, NULL, &c, &rep) == KERR_OK);
    CHECK(c && c->n_nursing_rooms > 0 && c->nursing_rooms[0].booking != NULL);
    CHECK(c && c->nursing_rooms[0].booking->slot_min == 30);
    content_free(c);
    /* break the first room's slot length */
    p = strstr(txt, "\"slot_min\": 30");
    CHECK(p != NULL);
    if (p) memcpy(p, "\"slot_min\":  1", 14);
    c = NULL;
    CHECK(content_load_mem(txt, (size_t)n, NULL, &c, &rep) != KERR_OK);
    for (size_t i = 0; i < rep.count; i++)
        if (strstr(rep.lines[i], "$.nursing_rooms[0].booking") && strstr(rep.lines[i], "slot_min"))
            named = true;
    if (!named && rep.count) fprintf(stderr, "report: %s\n", rep.lines[0]);
    CHECK(named);
    content_free(c);
    free(txt);
}

int main(int argc, char **argv)
{
    test_codes();
    test_days_and_slots();
    test_bad_rules();
    if (argc > 1) test_bundle(argv[1]);
    return ktest_done("booking_rules_codes_slots_and_checks");
}
