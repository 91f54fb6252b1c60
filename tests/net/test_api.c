/* The wire codecs: valid messages round-trip to the same canonical JSON;
 * malformed ids, tickets, lengths, charsets and types are refused with the
 * right kerr. All data here is sample data. */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "ktest.h"

static const char sample_req[] =
    "{\"ticket\":\"HL-A01-000042\",\"kiosk_id\":\"HL-A01\",\"category\":\"legal\","
    "\"company\":{\"id\":\"c012\",\"name\":\"示例科技有限公司\"},\"contact_name\":\"王女士\","
    "\"phone\":\"13800000000\",\"tower\":\"t03\",\"description\":\"示例：合同咨询（样例数据）\","
    "\"lang\":\"zh\",\"created_at\":\"2026-11-25T14:00:00Z\"}";

static enum kerr decode_with(const char *from, const char *to)
{
    /* sample_req with one substring replaced */
    char buf[4096];
    const char *p = strstr(sample_req, from);
    struct api_help_request r;
    if (!p) return KERR__COUNT;
    snprintf(buf, sizeof buf, "%.*s%s%s", (int)(p - sample_req), sample_req, to, p + strlen(from));
    return api_help_request_decode(buf, strlen(buf), &r, NULL);
}

int main(void)
{
    struct api_help_request r, r2;
    const char *why = NULL;
    char *out = NULL, t[API_TICKET_SIZE], u[API_UUID_SIZE], u2[API_UUID_SIZE];

    /* ids and tickets */
    CHECK(api_kiosk_id_valid("HL-A01"));
    CHECK(!api_kiosk_id_valid("-HL"));
    CHECK(!api_kiosk_id_valid(""));
    CHECK(!api_kiosk_id_valid("a23456789012345678901234567890123")); /* 33 chars */
    CHECK(api_ticket_valid("HL-A01-000042"));
    CHECK(!api_ticket_valid("HL-A01-00042"));  /* 5 digits */
    CHECK(!api_ticket_valid("../etc-000001"));
    CHECK(!api_ticket_valid("HL A01-000001"));
    CHECK(!api_ticket_valid("000001"));
    CHECK(api_ticket_of_kiosk("HL-A01-000042", "HL-A01"));
    CHECK(!api_ticket_of_kiosk("HL-A01-000042", "HL-A0"));
    CHECK(!api_ticket_of_kiosk("HL-A011-000042", "HL-A01"));
    CHECK(api_ticket_format(t, "HL-A01", 42) == KERR_OK);
    CHECK_STR(t, "HL-A01-000042");
    CHECK(api_ticket_format(t, "HL-A01", 1234567) == KERR_OK);
    CHECK_STR(t, "HL-A01-1234567");
    CHECK(api_ticket_format(t, "bad id", 1) == KERR_INVALID);
    CHECK(api_ticket_format(t, "a2345678901234567890123456789012", 1ULL << 40) == KERR_TOOBIG);

    CHECK(api_uuid_v4_make(u) == KERR_OK && api_uuid_v4_make(u2) == KERR_OK);
    CHECK(api_uuid_v4_valid(u));
    CHECK(strcmp(u, u2) != 0);
    CHECK(!api_uuid_v4_valid("3b241101-e2bb-1255-8caf-4136c566a962")); /* version 1 */
    CHECK(!api_uuid_v4_valid("3b241101-e2bb-4255-caf-4136c566a9622"));

    CHECK(api_time_valid("2026-11-25T14:00:00Z"));
    CHECK(api_time_valid("2028-02-29T00:00:00Z"));
    CHECK(!api_time_valid("2026-02-29T00:00:00Z"));
    CHECK(!api_time_valid("2026-11-25 14:00:00Z"));
    CHECK(!api_time_valid("2026-11-25T14:00:00+08:00"));
    {
        char tm[API_TIME_SIZE];
        api_time_format(1764079200000LL, tm);
        CHECK_STR(tm, "2025-11-25T14:00:00Z");
    }

    /* help request: decode → encode gives the same canonical text */
    CHECK(api_help_request_decode(sample_req, strlen(sample_req), &r, &why) == KERR_OK);
    CHECK_STR(r.contact_name, "王女士");
    CHECK(!r.company_id_null);
    CHECK(api_help_request_encode(&r, &out) == KERR_OK);
    CHECK_STR(out, sample_req);
    CHECK(api_help_request_decode(out, strlen(out), &r2, NULL) == KERR_OK);
    CHECK(memcmp(&r, &r2, sizeof r) == 0);
    free(out);

    CHECK(decode_with("\"id\":\"c012\"", "\"id\":null") == KERR_OK);
    CHECK(decode_with("\"phone\":\"13800000000\"", "\"phone\":\"138-0000 0000\"") == KERR_INVALID);
    CHECK(decode_with("\"phone\":\"13800000000\"", "\"phone\":13800000000") == KERR_PARSE);
    CHECK(decode_with("\"ticket\":\"HL-A01-000042\"", "\"ticket\":\"HL-B02-000042\"") == KERR_INVALID);
    CHECK(decode_with("\"contact_name\":\"王女士\"", "\"contact_name\":\"\"") == KERR_INVALID);
    CHECK(decode_with("\"contact_name\":\"王女士\"", "\"contact_name\":\"a\\u0001b\"") == KERR_INVALID);
    {
        /* cJSON refuses a lone surrogate escape itself; either way it is not accepted */
        enum kerr e = decode_with("\"contact_name\":\"王女士\"", "\"contact_name\":\"\\ud800\"");
        CHECK(e == KERR_PARSE || e == KERR_UTF8);
    }
    CHECK(decode_with("\"contact_name\":\"王女士\"", "\"contact_name\":\"\xff\xfe\"") == KERR_UTF8);
    CHECK(decode_with("\"created_at\":\"2026-11-25T14:00:00Z\"", "\"created_at\":\"yesterday\"") ==
          KERR_INVALID);
    CHECK(decode_with("\"company\":{", "\"company\":7,\"x\":{") == KERR_PARSE);
    CHECK(decode_with("\"lang\":\"zh\"", "\"lang\":\"z\"") == KERR_INVALID);
    {
        /* description: 500 code points ok, 501 too big */
        char d[600 * 3 + 64];
        size_t n = 0;
        for (int i = 0; i < 500; i++) n += (size_t)snprintf(d + n, sizeof d - n, "字");
        CHECK(decode_with("示例：合同咨询（样例数据）", d) == KERR_OK);
        snprintf(d + n, sizeof d - n, "字");
        CHECK(decode_with("示例：合同咨询（样例数据）", d) == KERR_TOOBIG);
    }
    CHECK(api_help_request_decode("[1,2]", 5, &r, NULL) == KERR_PARSE);
    CHECK(api_help_request_decode("{\"ticket\":", 10, &r, NULL) == KERR_PARSE);
    {
        char *big = malloc(API_BODY_MAX + 2);
        memset(big, ' ', API_BODY_MAX + 1);
        big[API_BODY_MAX + 1] = '\0';
        CHECK(api_help_request_decode(big, API_BODY_MAX + 1, &r, NULL) == KERR_TOOBIG);
        free(big);
    }

    /* answer */
    {
        struct api_request_answer a, b;
        const char *j = "{\"ticket\":\"HL-A01-000042\",\"status\":\"new\",\"received_at\":\"2026-11-25T14:00:01Z\"}";
        CHECK(api_request_answer_decode(j, strlen(j), &a, NULL) == KERR_OK);
        CHECK(api_request_answer_encode(&a, &out) == KERR_OK);
        CHECK_STR(out, j);
        free(out);
        CHECK(api_request_answer_decode("<html>portal</html>", 19, &b, NULL) == KERR_PARSE);
        j = "{\"ticket\":\"HL-A01-000042\",\"status\":\"lost\",\"received_at\":\"2026-11-25T14:00:01Z\"}";
        CHECK(api_request_answer_decode(j, strlen(j), &b, NULL) == KERR_INVALID);
    }

    /* ticket status */
    {
        struct api_ticket_status s;
        const char *j = "{\"ticket\":\"HL-A01-000042\",\"status\":\"in_progress\",\"note\":null,"
                        "\"updated_at\":\"2026-11-25T15:00:00Z\",\"category\":\"legal\"}";
        CHECK(api_ticket_status_decode(j, strlen(j), &s, NULL) == KERR_OK);
        CHECK(s.status == API_TICKET_IN_PROGRESS && s.note_null);
        CHECK(api_ticket_status_encode(&s, &out) == KERR_OK);
        CHECK_STR(out, j);
        free(out);
        CHECK(api_ticket_transition_ok(API_TICKET_NEW, API_TICKET_ACCEPTED));
        CHECK(api_ticket_transition_ok(API_TICKET_NEW, API_TICKET_REJECTED));
        CHECK(!api_ticket_transition_ok(API_TICKET_NEW, API_TICKET_RESOLVED));
        CHECK(!api_ticket_transition_ok(API_TICKET_RESOLVED, API_TICKET_REJECTED));
    }

    /* heartbeat */
    {
        struct api_heartbeat h;
        const char *j = "{\"version\":\"0.1.0\",\"queue_depth\":3,\"oldest_pending_s\":120,"
                        "\"content_version\":\"2026.11.1\",\"online\":true,\"last_error\":\"net\"}";
        CHECK(api_heartbeat_decode(j, strlen(j), &h, NULL) == KERR_OK);
        CHECK(h.queue_depth == 3 && h.oldest_pending_s == 120 && h.online && !h.last_error_null);
        CHECK(api_heartbeat_encode(&h, &out) == KERR_OK);
        CHECK_STR(out, j);
        free(out);
        j = "{\"version\":\"0.1.0\",\"queue_depth\":-1,\"oldest_pending_s\":0,"
            "\"content_version\":\"x\",\"online\":true,\"last_error\":null}";
        CHECK(api_heartbeat_decode(j, strlen(j), &h, NULL) == KERR_INVALID);
        j = "{\"version\":\"0.1.0\",\"queue_depth\":1.5,\"oldest_pending_s\":0,"
            "\"content_version\":\"x\",\"online\":true,\"last_error\":null}";
        CHECK(api_heartbeat_decode(j, strlen(j), &h, NULL) == KERR_INVALID);
    }

    /* problem+json */
    {
        struct api_problem p, q;
        CHECK(api_problem_make(&p, API_SLUG_KEY_REUSED, 422, "Unprocessable Content",
                               "same key, other body") == KERR_OK);
        CHECK(api_problem_encode(&p, &out) == KERR_OK);
        CHECK(api_problem_decode(out, strlen(out), &q, NULL) == KERR_OK);
        CHECK(q.status == 422);
        CHECK_STR(q.type, API_PROBLEM_BASE "idempotency-key-reused");
        free(out);
        CHECK(api_problem_make(&p, "Bad Slug", 400, "x", NULL) == KERR_INVALID);
        CHECK(api_problem_decode("{\"status\":99}", 13, &q, NULL) == KERR_INVALID);
        CHECK(api_problem_decode("{\"status\":404,\"title\":7}", 25, &q, NULL) == KERR_PARSE);
    }
    return ktest_done("api_codecs_roundtrip_and_reject");
}
