/* The wire codecs: valid messages round-trip to the same canonical JSON;
 * malformed ids, tickets, lengths, charsets and types are refused with the
 * right kerr. All data here is sample data. */
#include <stdio.h>
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

/* plain http may carry a secret only to this machine */
static void test_loopback_url(void)
{
    static const char *const yes[] = {
        "http://127.0.0.1", "http://127.0.0.1/", "http://127.0.0.1:8080", "http://127.0.0.1:8080/",
        "http://127.1.2.3:1/api", "http://127.255.255.255", "http://[::1]", "http://[::1]:8080/x",
        "http://[0:0:0:0:0:0:0:1]:80", "http://localhost", "http://LocalHost:65535/",
        "HTTP://127.0.0.1:8080", "Http://localhost?x", "http://127.0.0.1#frag",
    };
    static const char *const no[] = {
        "https://127.0.0.1", "https://localhost:8443", "ftp://127.0.0.1", "http:/127.0.0.1",
        "127.0.0.1:8080", "http://", "http:///x", "http://127.attacker.example",
        "http://127.attacker.example:8080/", "http://127.0.0.1.attacker.example",
        "http://localhost.attacker.example", "http://localhost.", "http://localhostx",
        "http://127.0.0.1@evil.example/", "http://user@127.0.0.1/", "http://a:b@localhost/",
        "http://evil.example#@127.0.0.1", "http://evil.example/?@127.0.0.1",
        "http://evil.example\\@127.0.0.1", "http://127.0.0.1\\@evil.example",
        "http://127.1", "http://127.0.1", "http://0177.0.0.1", "http://0x7f.0.0.1",
        "http://127.0.0.01", "http://127.0.0.256", "http://127.0.0.1.", "http://128.0.0.1",
        "http://10.0.0.1", "http://0.0.0.0", "http://[::2]", "http://[::ffff:127.0.0.1]",
        "http://[::1", "http://[::1]x", "http://::1", "http://127.0.0.1:", "http://127.0.0.1:0",
        "http://127.0.0.1:65536", "http://127.0.0.1:123456", "http://127.0.0.1:80a",
        "http://%31%32%37.0.0.1", "http://127.0.0.1%2f@evil.example", "http://127.0.0.1 x",
        "http://evil.example/127.0.0.1", "", "http://localhost:8080@evil.example",
    };
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        if (!api_url_is_loopback_http(yes[i])) fprintf(stderr, "  refused %s\n", yes[i]);
        CHECK(api_url_is_loopback_http(yes[i]));
    }
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
        if (api_url_is_loopback_http(no[i])) fprintf(stderr, "  accepted %s\n", no[i]);
        CHECK(!api_url_is_loopback_http(no[i]));
    }
    CHECK(!api_url_is_loopback_http(NULL));
}

/* Check codes: six ASCII digits, nothing else; made uniformly at random. */
static void test_check_code(void)
{
    char c[API_CHECK_SIZE], d[API_CHECK_SIZE];
    int differ = 0;
    CHECK(api_check_valid("000000"));
    CHECK(api_check_valid("123456"));
    CHECK(!api_check_valid("12345"));
    CHECK(!api_check_valid("1234567"));
    CHECK(!api_check_valid("12345a"));
    CHECK(!api_check_valid(" 12345"));
    CHECK(!api_check_valid("１２３４５６")); /* full-width digits */
    CHECK(!api_check_valid(""));
    CHECK(!api_check_valid(NULL));
    for (int i = 0; i < 8; i++) {
        CHECK(api_check_make(c) == KERR_OK);
        CHECK(api_check_valid(c));
        CHECK(api_check_make(d) == KERR_OK);
        if (strcmp(c, d) != 0) differ++;
    }
    CHECK(differ >= 7); /* two equal draws of 10^6 values eight times: practically never */
}

/* check and receipt_ticket: on the wire only when set; absent or null → "". */
static void test_optional_members(void)
{
    struct api_help_request r, r2;
    char *out = NULL;
    const char *why = NULL;
    CHECK(api_help_request_decode(sample_req, strlen(sample_req), &r, NULL) == KERR_OK);
    CHECK_STR(r.check, "");
    CHECK_STR(r.receipt_ticket, "");
    CHECK(decode_with("\"lang\":\"zh\"", "\"lang\":\"zh\",\"check\":null,\"receipt_ticket\":null") ==
          KERR_OK);
    CHECK(decode_with("\"lang\":\"zh\"", "\"lang\":\"zh\",\"check\":\"012345\"") == KERR_OK);
    CHECK(decode_with("\"lang\":\"zh\"", "\"lang\":\"zh\",\"check\":\"01234\"") == KERR_INVALID);
    CHECK(decode_with("\"lang\":\"zh\"", "\"lang\":\"zh\",\"check\":12345") == KERR_PARSE);
    CHECK(decode_with("\"lang\":\"zh\"", "\"lang\":\"zh\",\"check\":\"\"") == KERR_OK);
    CHECK(decode_with("\"lang\":\"zh\"", "\"lang\":\"zh\",\"receipt_ticket\":\"HL-A01-000041\"") ==
          KERR_OK);
    /* of another kiosk, the ticket itself, malformed */
    CHECK(decode_with("\"lang\":\"zh\"", "\"lang\":\"zh\",\"receipt_ticket\":\"HL-B02-000041\"") ==
          KERR_INVALID);
    CHECK(decode_with("\"lang\":\"zh\"", "\"lang\":\"zh\",\"receipt_ticket\":\"HL-A01-000042\"") ==
          KERR_INVALID);
    CHECK(decode_with("\"lang\":\"zh\"", "\"lang\":\"zh\",\"receipt_ticket\":\"../x\"") ==
          KERR_INVALID);
    /* set → encoded after created_at, and decoded back equal */
    snprintf(r.check, sizeof r.check, "987654");
    snprintf(r.receipt_ticket, sizeof r.receipt_ticket, "HL-A01-000041");
    CHECK(api_help_request_encode(&r, &out) == KERR_OK);
    CHECK(out && strstr(out, "\"created_at\":\"2026-11-25T14:00:00Z\",\"check\":\"987654\","
                             "\"receipt_ticket\":\"HL-A01-000041\"}") != NULL);
    CHECK(api_help_request_decode(out, strlen(out), &r2, &why) == KERR_OK);
    CHECK(memcmp(&r, &r2, sizeof r) == 0);
    free(out);
    snprintf(r.check, sizeof r.check, "98765x");
    CHECK(api_help_request_encode(&r, &out) == KERR_INVALID && out == NULL);
}

/* instance names the request; only the hub's own answer to this key counts */
static void test_problem_instance(void)
{
    const char *key = "3b241101-e2bb-4255-8caf-4136c566a962";
    struct api_problem p, q;
    char *out = NULL;
    CHECK(api_problem_make(&p, API_SLUG_TICKET_TAKEN, 409, "Ticket already taken", NULL) ==
          KERR_OK);
    snprintf(p.instance, sizeof p.instance, "%s%s", API_PROBLEM_INSTANCE_KEY, key);
    CHECK(api_problem_encode(&p, &out) == KERR_OK);
    CHECK(api_problem_decode(out, strlen(out), &q, NULL) == KERR_OK);
    free(out);
    CHECK_STR(q.instance, "urn:uuid:3b241101-e2bb-4255-8caf-4136c566a962");
    CHECK(api_problem_is_hubs_answer(&q, 409, key));
    CHECK(api_problem_is_hubs_answer(&q, 409, "3B241101-E2BB-4255-8CAF-4136C566A962"));
    CHECK(!api_problem_is_hubs_answer(&q, 400, key));                 /* other status */
    CHECK(!api_problem_is_hubs_answer(&q, 409, "3b241101-e2bb-4255-8caf-4136c566a963"));
    CHECK(!api_problem_is_hubs_answer(&q, 409, "not-a-uuid"));
    CHECK(!api_problem_is_hubs_answer(&q, 409, NULL));
    CHECK(!api_problem_is_hubs_answer(NULL, 409, key));
    q.instance[0] = '\0';                                             /* JSON without instance */
    CHECK(!api_problem_is_hubs_answer(&q, 409, key));
    snprintf(q.instance, sizeof q.instance, "urn:uuid:%s", key);
    snprintf(q.type, sizeof q.type, "about:blank");                   /* not the hub's type */
    CHECK(!api_problem_is_hubs_answer(&q, 409, key));
    snprintf(q.type, sizeof q.type, "%s", API_PROBLEM_BASE);          /* base without a slug */
    CHECK(!api_problem_is_hubs_answer(&q, 409, key));
    /* a proxy's page is not even a problem */
    CHECK(api_problem_decode("<html>404</html>", 16, &q, NULL) == KERR_PARSE);
    {
        const char *j = "{\"type\":\"" API_PROBLEM_BASE "bad-request\",\"title\":\"x\","
                        "\"status\":400,\"instance\":\"urn:uuid:3b241101-e2bb-4255-8caf-4136c566a962\"}";
        CHECK(api_problem_decode(j, strlen(j), &q, NULL) == KERR_OK);
        CHECK(api_problem_is_hubs_answer(&q, 400, key));
        CHECK(api_problem_decode("{\"status\":400,\"instance\":5}", 27, &q, NULL) == KERR_PARSE);
    }
}

/* The canonical encodings, byte for byte: the hub compares them for
 * idempotency, so a codec change must not move a single byte. */
static void test_canonical_bytes(void)
{
    char *out = NULL;
    {
        struct api_help_request r;
        memset(&r, 0, sizeof r);
        snprintf(r.ticket, sizeof r.ticket, "HL-A01-123000042");
        snprintf(r.kiosk_id, sizeof r.kiosk_id, "HL-A01");
        snprintf(r.category, sizeof r.category, "legal");
        r.company_id_null = true;
        snprintf(r.company_name, sizeof r.company_name, "示例\"手填\"公司\\");
        snprintf(r.contact_name, sizeof r.contact_name, "王女士");
        snprintf(r.phone, sizeof r.phone, "0571-88888888");
        snprintf(r.tower, sizeof r.tower, "t03");
        snprintf(r.description, sizeof r.description, "第一行\n第二行 /样例/ é");
        snprintf(r.lang, sizeof r.lang, "zh-Hans");
        snprintf(r.created_at, sizeof r.created_at, "2026-11-25T14:00:00Z");
        snprintf(r.check, sizeof r.check, "004217");
        snprintf(r.receipt_ticket, sizeof r.receipt_ticket, "HL-A01-517000042");
        CHECK(api_help_request_encode(&r, &out) == KERR_OK);
        CHECK_STR(out, "{\"ticket\":\"HL-A01-123000042\",\"kiosk_id\":\"HL-A01\",\"category\":\"legal\","
                       "\"company\":{\"id\":null,\"name\":\"示例\\\"手填\\\"公司\\\\\"},"
                       "\"contact_name\":\"王女士\",\"phone\":\"0571-88888888\",\"tower\":\"t03\","
                       "\"description\":\"第一行\\n第二行 /样例/ é\",\"lang\":\"zh-Hans\","
                       "\"created_at\":\"2026-11-25T14:00:00Z\",\"check\":\"004217\","
                       "\"receipt_ticket\":\"HL-A01-517000042\"}");
        free(out);
        r.company_id_null = false;
        snprintf(r.company_id, sizeof r.company_id, "c012");
        r.check[0] = r.receipt_ticket[0] = '\0';
        CHECK(api_help_request_encode(&r, &out) == KERR_OK);
        CHECK_STR(out, "{\"ticket\":\"HL-A01-123000042\",\"kiosk_id\":\"HL-A01\",\"category\":\"legal\","
                       "\"company\":{\"id\":\"c012\",\"name\":\"示例\\\"手填\\\"公司\\\\\"},"
                       "\"contact_name\":\"王女士\",\"phone\":\"0571-88888888\",\"tower\":\"t03\","
                       "\"description\":\"第一行\\n第二行 /样例/ é\",\"lang\":\"zh-Hans\","
                       "\"created_at\":\"2026-11-25T14:00:00Z\"}");
        free(out);
    }
    {
        struct api_request_answer a;
        memset(&a, 0, sizeof a);
        snprintf(a.ticket, sizeof a.ticket, "HL-A01-000042");
        snprintf(a.status, sizeof a.status, "accepted");
        snprintf(a.received_at, sizeof a.received_at, "2026-11-25T14:00:01Z");
        CHECK(api_request_answer_encode(&a, &out) == KERR_OK);
        CHECK_STR(out, "{\"ticket\":\"HL-A01-000042\",\"status\":\"accepted\","
                       "\"received_at\":\"2026-11-25T14:00:01Z\"}");
        free(out);
    }
    {
        struct api_ticket_status t;
        memset(&t, 0, sizeof t);
        snprintf(t.ticket, sizeof t.ticket, "HL-A01-000042");
        t.status = API_TICKET_REJECTED;
        snprintf(t.note, sizeof t.note, "重复（样例）");
        snprintf(t.updated_at, sizeof t.updated_at, "2026-11-25T15:00:00Z");
        snprintf(t.category, sizeof t.category, "hr");
        CHECK(api_ticket_status_encode(&t, &out) == KERR_OK);
        CHECK_STR(out, "{\"ticket\":\"HL-A01-000042\",\"status\":\"rejected\",\"note\":\"重复（样例）\","
                       "\"updated_at\":\"2026-11-25T15:00:00Z\",\"category\":\"hr\"}");
        free(out);
    }
    {
        struct api_heartbeat h;
        memset(&h, 0, sizeof h);
        snprintf(h.version, sizeof h.version, "0.1.0+g1");
        h.queue_depth = 999999999999999LL;
        h.oldest_pending_s = 0;
        snprintf(h.content_version, sizeof h.content_version, "2026.11.1");
        h.online = false;
        h.last_error_null = true;
        CHECK(api_heartbeat_encode(&h, &out) == KERR_OK);
        CHECK_STR(out, "{\"version\":\"0.1.0+g1\",\"queue_depth\":999999999999999,"
                       "\"oldest_pending_s\":0,\"content_version\":\"2026.11.1\",\"online\":false,"
                       "\"last_error\":null}");
        free(out);
        /* the largest count the contract allows is written exactly (cJSON's
         * own printer gave 9.00719925474099e+15, which decodes to another value) */
        {
            struct api_heartbeat h2;
            h.queue_depth = 9007199254740991LL;
            CHECK(api_heartbeat_encode(&h, &out) == KERR_OK);
            CHECK(out && strstr(out, "\"queue_depth\":9007199254740991,") != NULL);
            CHECK(out && api_heartbeat_decode(out, strlen(out), &h2, NULL) == KERR_OK &&
                  h2.queue_depth == h.queue_depth);
            free(out);
        }
    }
    {
        struct api_problem p;
        CHECK(api_problem_make(&p, API_SLUG_RATE_LIMITED, 429, "Too many requests", "") == KERR_OK);
        CHECK(api_problem_encode(&p, &out) == KERR_OK);
        CHECK_STR(out, "{\"type\":\"https://huanglong-kiosk.example/problems/rate-limited\","
                       "\"title\":\"Too many requests\",\"status\":429}");
        free(out);
        snprintf(p.detail, sizeof p.detail, "每个终端的限速");
        snprintf(p.instance, sizeof p.instance, "urn:uuid:3b241101-e2bb-4255-8caf-4136c566a962");
        CHECK(api_problem_encode(&p, &out) == KERR_OK);
        CHECK_STR(out, "{\"type\":\"https://huanglong-kiosk.example/problems/rate-limited\","
                       "\"title\":\"Too many requests\",\"status\":429,\"detail\":\"每个终端的限速\","
                       "\"instance\":\"urn:uuid:3b241101-e2bb-4255-8caf-4136c566a962\"}");
        free(out);
        memset(&p, 0, sizeof p);
        p.status = 502;
        CHECK(api_problem_encode(&p, &out) == KERR_OK);
        CHECK_STR(out, "{\"type\":\"about:blank\",\"title\":\"\",\"status\":502}");
        free(out);
    }
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
        /* screen_on (the screen schedule) is optional: absent or null is "not
         * said", true/false round-trip, anything else is refused */
        j = "{\"version\":\"0.1.0\",\"queue_depth\":0,\"oldest_pending_s\":0,"
            "\"content_version\":\"x\",\"online\":true,\"last_error\":null,\"screen_on\":false}";
        CHECK(api_heartbeat_decode(j, strlen(j), &h, NULL) == KERR_OK);
        CHECK(h.has_screen_on && !h.screen_on);
        CHECK(api_heartbeat_encode(&h, &out) == KERR_OK);
        CHECK_STR(out, j);
        free(out);
        h.screen_on = true;
        CHECK(api_heartbeat_encode(&h, &out) == KERR_OK);
        CHECK(out && strstr(out, ",\"screen_on\":true}") != NULL);
        free(out);
        j = "{\"version\":\"0.1.0\",\"queue_depth\":0,\"oldest_pending_s\":0,"
            "\"content_version\":\"x\",\"online\":true,\"last_error\":null,\"screen_on\":null}";
        CHECK(api_heartbeat_decode(j, strlen(j), &h, NULL) == KERR_OK);
        CHECK(!h.has_screen_on);
        CHECK(api_heartbeat_encode(&h, &out) == KERR_OK);
        CHECK(out && strstr(out, "screen_on") == NULL);
        free(out);
        j = "{\"version\":\"0.1.0\",\"queue_depth\":0,\"oldest_pending_s\":0,"
            "\"content_version\":\"x\",\"online\":true,\"last_error\":null,\"screen_on\":1}";
        CHECK(api_heartbeat_decode(j, strlen(j), &h, NULL) == KERR_PARSE);
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
    test_check_code();
    test_loopback_url();
    test_optional_members();
    test_problem_instance();
    test_canonical_bytes();
    return ktest_done("api_codecs_roundtrip_and_reject");
}
