/* The kiosk ↔ hub contract of issue 10 (D1-D3), over real HTTP on loopback
 * against the real kiosk-hub; one executable, three ctests (argv[2]):
 *   problem — hub_problem_names_the_request: every problem+json answer to
 *     POST /api/v1/requests with a valid Idempotency-Key carries instance
 *     "urn:uuid:<key>" (400, 401, 403, 409, 413, 422, 429), none without one;
 *   taken — hub_409_ticket_taken_stores_nothing_and_key_reusable: a ticket
 *     stored under another key is 409 and stores nothing under the new key,
 *     which then files the request under a new ticket with receipt_ticket;
 *   lookup — hub_ticket_lookup_needs_check_code: a lookup needs the check
 *     code (by ticket or by the receipt's ticket, from any kiosk), every
 *     miss is the same 404, and lookups are rate-limited per kiosk.
 * Sample data only. */
#include <ctype.h>
#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "api.h"
#include "harness.h"
#include "ktest.h"

static struct hub H;

static const char *jstr(const cJSON *o, const char *name)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(it) ? it->valuestring : NULL;
}

static void add_kiosk(const char *id, char *token_out)
{
    struct resp r;
    char body[64];
    cJSON *o;
    snprintf(body, sizeof body, "{\"id\":\"%s\"}", id);
    http(&H, "POST", "/api/v1/admin/kiosks", ADMIN_TOKEN, NULL, body, &r);
    CHECK(r.status == 201);
    o = cJSON_ParseWithLength(r.body, r.len);
    token_out[0] = '\0';
    if (jstr(o, "token")) snprintf(token_out, 80, "%s", jstr(o, "token"));
    CHECK(strlen(token_out) == 64);
    cJSON_Delete(o);
    free(r.body);
}

/* r is a problem+json answer with this status and slug that names key (or,
 * key NULL, names no request). */
static void check_named(const struct resp *r, long status, const char *slug, const char *key)
{
    struct api_problem p;
    char type[160];
    snprintf(type, sizeof type, API_PROBLEM_BASE "%s", slug);
    if (r->status != status) fprintf(stderr, "  wanted %ld, got %ld %s\n", status, r->status, r->body);
    CHECK(r->status == status);
    CHECK_STR(r->ctype, API_CT_PROBLEM);
    CHECK(api_problem_decode(r->body, r->len, &p, NULL) == KERR_OK);
    CHECK_STR(p.type, type);
    if (key) {
        char want[API_PROBLEM_TYPE_SIZE];
        snprintf(want, sizeof want, "%s%s", API_PROBLEM_INSTANCE_KEY, key);
        CHECK_STR(p.instance, want);
        CHECK(api_problem_is_hubs_answer(&p, (int)status, key));
    } else {
        CHECK_STR(p.instance, "");
    }
}

static void post(const char *token, const char *key, const char *body, struct resp *r)
{
    http(&H, "POST", "/api/v1/requests", token, key, body, r);
}

static void test_problem(void)
{
    const char *const flags[] = {"--rate", "0.01/s", "--burst", "14", "--quiet", NULL};
    char tok_a[80], tok_b[80], key[API_UUID_SIZE], key2[API_UUID_SIZE], body[2048], *big;
    struct resp r;
    int i;
    CHECK(hub_start(&H, flags) == 0);
    add_kiosk("HL-P01", tok_a);
    add_kiosk("HL-P02", tok_b);
    api_uuid_v4_make(key);
    api_uuid_v4_make(key2);
    sample_request_with(body, sizeof body, "HL-P01", "HL-P01-100000001", "样例", "111111", NULL);
    post(tok_a, key, body, &r); /* 1 */
    CHECK(r.status == 201);
    CHECK_STR(r.ctype, API_CT_JSON);
    free(r.body);

    /* 400: not JSON, a bad field, invalid UTF-8, too deep */
    post(tok_a, key2, "{\"ticket\":", &r); /* 2 */
    check_named(&r, 400, API_SLUG_BAD_REQUEST, key2);
    free(r.body);
    sample_request_with(body, sizeof body, "HL-P01", "HL-P01-100000002", "样例", "12345", NULL);
    post(tok_a, key2, body, &r); /* 3 */
    check_named(&r, 400, API_SLUG_BAD_REQUEST, key2);
    free(r.body);
    post(tok_a, key2, "{\"a\":\"\xC0\xAF\"}", &r); /* 4 */
    check_named(&r, 400, API_SLUG_BAD_REQUEST, key2);
    free(r.body);
    post(tok_a, key2, "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]", &r);
    check_named(&r, 400, API_SLUG_BAD_REQUEST, key2); /* 5 */
    free(r.body);
    /* 409: the ticket under another key; 422: the key with another body */
    sample_request_with(body, sizeof body, "HL-P01", "HL-P01-100000001", "另一个", "222222", NULL);
    post(tok_a, key2, body, &r); /* 6 */
    check_named(&r, 409, API_SLUG_TICKET_TAKEN, key2);
    free(r.body);
    post(tok_a, key, body, &r); /* 7 */
    check_named(&r, 422, API_SLUG_KEY_REUSED, key);
    free(r.body);
    /* 413: by Content-Length and chunked */
    big = malloc(API_BODY_MAX + 2);
    memset(big, ' ', API_BODY_MAX + 1);
    big[API_BODY_MAX + 1] = '\0';
    http_ex(&H, "POST", "/api/v1/requests", tok_a, key2, big, API_BODY_MAX + 1, 0, &r); /* 8 */
    check_named(&r, 413, API_SLUG_TOO_LARGE, key2);
    free(r.body);
    http_ex(&H, "POST", "/api/v1/requests", tok_a, key2, big, 0, HTTP_CHUNKED, &r); /* 9 */
    check_named(&r, 413, API_SLUG_TOO_LARGE, key2);
    free(r.body);
    free(big);
    /* 403: as another kiosk; 401: no token, a wrong one, the admin's */
    post(tok_b, key2, body, &r);
    check_named(&r, 403, API_SLUG_FORBIDDEN, key2);
    free(r.body);
    post(NULL, key2, body, &r);
    check_named(&r, 401, API_SLUG_UNAUTHORIZED, key2);
    free(r.body);
    post("wrong-token-wrong-token", key2, body, &r);
    check_named(&r, 401, API_SLUG_UNAUTHORIZED, key2);
    free(r.body);
    /* an upper-case key is still the key */
    for (i = 0; key2[i]; i++) key2[i] = (char)toupper((unsigned char)key2[i]);
    post(tok_a, key2, "{}", &r); /* 10 */
    check_named(&r, 400, API_SLUG_BAD_REQUEST, key2);
    free(r.body);
    /* no key, a key that is not a UUIDv4: nothing to name */
    post(tok_a, NULL, body, &r); /* 11 */
    check_named(&r, 400, API_SLUG_BAD_REQUEST, NULL);
    free(r.body);
    post(tok_a, "3b241101-e2bb-1255-8caf-4136c566a962", body, &r); /* 12: version 1 */
    check_named(&r, 400, API_SLUG_BAD_REQUEST, NULL);
    free(r.body);
    /* 429 once the burst is spent, with Retry-After */
    for (i = 0; i < 10; i++) {
        api_uuid_v4_make(key2);
        post(tok_a, key2, "{}", &r);
        if (r.status == 429) break;
        free(r.body);
    }
    CHECK(i < 10);
    if (i < 10) {
        check_named(&r, 429, API_SLUG_RATE_LIMITED, key2);
        CHECK(atoi(r.retry_after) >= 1);
        free(r.body);
    }
    /* another endpoint's problems name nothing */
    http(&H, "GET", "/api/v1/tickets/../x", tok_b, key2, NULL, &r);
    check_named(&r, 400, API_SLUG_BAD_REQUEST, NULL);
    free(r.body);
}

static long rows_where(const char *sql, const char *arg)
{
    return hub_db_num(&H, sql, arg);
}

static void test_taken(void)
{
    const char *const flags[] = {"--rate", "1000/s", "--burst", "1000", "--quiet", NULL};
    const char *T1 = "HL-K01-100000001", *T2 = "HL-K01-517000001";
    char tok[80], k1[API_UUID_SIZE], k2[API_UUID_SIZE], body[2048], first[512];
    struct resp r;
    cJSON *o;
    CHECK(hub_start(&H, flags) == 0);
    add_kiosk("HL-K01", tok);
    api_uuid_v4_make(k1);
    api_uuid_v4_make(k2);
    /* an earlier request holds T1 */
    sample_request_with(body, sizeof body, "HL-K01", T1, "先来的请求（样例）", "111111", NULL);
    post(tok, k1, body, &r);
    CHECK(r.status == 201);
    free(r.body);
    CHECK(rows_where("SELECT count(*) FROM requests", NULL) == 1);
    CHECK(rows_where("SELECT count(*) FROM history", NULL) == 1);

    /* another request drew the same ticket: 409, and nothing under k2 */
    sample_request_with(body, sizeof body, "HL-K01", T1, "后来的请求（样例）", "222222", NULL);
    post(tok, k2, body, &r);
    check_named(&r, 409, API_SLUG_TICKET_TAKEN, k2);
    free(r.body);
    CHECK(rows_where("SELECT count(*) FROM requests", NULL) == 1);
    CHECK(rows_where("SELECT count(*) FROM requests WHERE idem_key=lower(?1)", k2) == 0);
    CHECK(rows_where("SELECT count(*) FROM history", NULL) == 1);
    /* so the same again is 409 again, not a replay and not 422 */
    post(tok, k2, body, &r);
    check_named(&r, 409, API_SLUG_TICKET_TAKEN, k2);
    free(r.body);

    /* the kiosk renumbers: next ticket T2, receipt_ticket T1, the SAME key */
    sample_request_with(body, sizeof body, "HL-K01", T2, "后来的请求（样例）", "222222", T1);
    post(tok, k2, body, &r);
    CHECK(r.status == 201);
    o = cJSON_ParseWithLength(r.body, r.len);
    CHECK_STR(jstr(o, "ticket"), T2); /* the 201 names the ticket stored */
    cJSON_Delete(o);
    snprintf(first, sizeof first, "%s", r.body);
    free(r.body);
    post(tok, k2, body, &r); /* and replays as any other */
    CHECK(r.status == 200);
    CHECK_STR(r.body, first);
    free(r.body);
    CHECK(rows_where("SELECT count(*) FROM requests", NULL) == 2);
    CHECK(rows_where("SELECT count(*) FROM requests WHERE receipt_ticket=?1", T1) == 1);

    /* the receipt's number with its check code finds the renumbered request;
     * the first request keeps its own */
    http(&H, "GET", "/api/v1/tickets/HL-K01-100000001?check=222222", tok, NULL, NULL, &r);
    CHECK(r.status == 200);
    o = cJSON_ParseWithLength(r.body, r.len);
    CHECK_STR(jstr(o, "ticket"), T1); /* the number the person holds */
    cJSON_Delete(o);
    free(r.body);
    http(&H, "GET", "/api/v1/tickets/HL-K01-517000001?check=222222", tok, NULL, NULL, &r);
    CHECK(r.status == 200);
    free(r.body);
    http(&H, "GET", "/api/v1/tickets/HL-K01-100000001?check=111111", tok, NULL, NULL, &r);
    CHECK(r.status == 200);
    free(r.body);
    http(&H, "GET", "/api/v1/tickets/HL-K01-517000001?check=111111", tok, NULL, NULL, &r);
    CHECK(r.status == 404);
    free(r.body);
    /* staff see the receipt's ticket */
    http(&H, "GET", "/api/v1/admin/requests/HL-K01-517000001", ADMIN_TOKEN, NULL, NULL, &r);
    o = cJSON_ParseWithLength(r.body, r.len);
    CHECK_STR(jstr(o, "receipt_ticket"), T1);
    cJSON_Delete(o);
    free(r.body);
}

static void test_lookup(void)
{
    const char *const flags[] = {"--rate", "1000/s", "--burst", "1000", "--quiet", NULL};
    char tok_a[80], tok_b[80], key[API_UUID_SIZE], body[2048], miss[1024];
    struct resp r;
    int i;
    CHECK(hub_start(&H, flags) == 0);
    add_kiosk("HL-L01", tok_a);
    add_kiosk("HL-L02", tok_b);
    api_uuid_v4_make(key);
    sample_request_with(body, sizeof body, "HL-L01", "HL-L01-100000001", "样例", "123456", NULL);
    post(tok_a, key, body, &r);
    CHECK(r.status == 201);
    free(r.body);
    api_uuid_v4_make(key); /* filed without a check code (an older kiosk) */
    sample_request_with(body, sizeof body, "HL-L01", "HL-L01-000003", "样例", NULL, NULL);
    post(tok_a, key, body, &r);
    CHECK(r.status == 201);
    free(r.body);
    api_uuid_v4_make(key); /* renumbered: the receipt says HL-L01-100000009 */
    sample_request_with(body, sizeof body, "HL-L01", "HL-L01-200000001", "样例", "654321",
                        "HL-L01-100000009");
    post(tok_a, key, body, &r);
    CHECK(r.status == 201);
    free(r.body);

    /* right check: 200 from the filing kiosk and from another one */
    http(&H, "GET", "/api/v1/tickets/HL-L01-100000001?check=123456", tok_a, NULL, NULL, &r);
    CHECK(r.status == 200);
    CHECK(strstr(r.body, "\"HL-L01-100000001\"") && strstr(r.body, "\"new\""));
    free(r.body);
    http(&H, "GET", "/api/v1/tickets/HL-L01-100000001?check=123456", tok_b, NULL, NULL, &r);
    CHECK(r.status == 200);
    free(r.body);
    http(&H, "GET", "/api/v1/tickets/HL-L01-100000009?check=654321", tok_b, NULL, NULL, &r);
    CHECK(r.status == 200);
    CHECK(strstr(r.body, "\"HL-L01-100000009\"") != NULL);
    free(r.body);

    /* every miss is the same 404: wrong check, missing check, unknown
     * ticket, a request without a check code, the receipt with another's code */
    http(&H, "GET", "/api/v1/tickets/HL-L01-100000001?check=123457", tok_a, NULL, NULL, &r);
    check_named(&r, 404, API_SLUG_NOT_FOUND, NULL);
    snprintf(miss, sizeof miss, "%s", r.body);
    free(r.body);
    {
        static const char *const misses[] = {
            "/api/v1/tickets/HL-L01-100000001",
            "/api/v1/tickets/HL-L01-100000002?check=123456",
            "/api/v1/tickets/HL-L01-000003?check=000000",
            "/api/v1/tickets/HL-L01-100000009?check=123456",
        };
        for (size_t k = 0; k < sizeof misses / sizeof misses[0]; k++) {
            http(&H, "GET", misses[k], tok_a, NULL, NULL, &r);
            CHECK(r.status == 404);
            CHECK_STR(r.body, miss);
            free(r.body);
        }
    }
    /* 400 only for a malformed ticket or check */
    {
        static const char *const bad[] = {
            "/api/v1/tickets/HL-L01-100000001?check=12345",
            "/api/v1/tickets/HL-L01-100000001?check=1234567",
            "/api/v1/tickets/HL-L01-100000001?check=abcdef",
            "/api/v1/tickets/HL-L01-100000001?check=",
            "/api/v1/tickets/HL-L01-1?check=123456",
        };
        for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
            http(&H, "GET", bad[k], tok_a, NULL, NULL, &r);
            check_named(&r, 400, API_SLUG_BAD_REQUEST, NULL);
            free(r.body);
        }
    }
    /* the admin may leave the check out */
    http(&H, "GET", "/api/v1/tickets/HL-L01-000003", ADMIN_TOKEN, NULL, NULL, &r);
    CHECK(r.status == 200);
    free(r.body);

    /* guessing: kiosk B runs out of lookups (burst 20, 2 used); then even the
     * right code is 429, so a right guess cannot be told from the wrong ones */
    for (i = 0; i < 30; i++) {
        char path[96];
        snprintf(path, sizeof path, "/api/v1/tickets/HL-L01-100000001?check=%06d", 900000 + i);
        http(&H, "GET", path, tok_b, NULL, NULL, &r);
        if (r.status == 429) break;
        CHECK(r.status == 404);
        free(r.body);
    }
    CHECK(i == 18);
    if (i < 30) {
        check_named(&r, 429, API_SLUG_RATE_LIMITED, NULL);
        CHECK(atoi(r.retry_after) >= 1);
        free(r.body);
    }
    http(&H, "GET", "/api/v1/tickets/HL-L01-100000001?check=123456", tok_b, NULL, NULL, &r);
    CHECK(r.status == 429);
    free(r.body);
    /* per kiosk: A still looks up; the admin is not limited */
    http(&H, "GET", "/api/v1/tickets/HL-L01-100000001?check=123456", tok_a, NULL, NULL, &r);
    CHECK(r.status == 200);
    free(r.body);
    for (i = 0; i < 25; i++) {
        http(&H, "GET", "/api/v1/tickets/HL-L01-100000001", ADMIN_TOKEN, NULL, NULL, &r);
        if (r.status != 200) break;
        free(r.body);
    }
    CHECK(i == 25);
}

int main(int argc, char **argv)
{
    const char *name = "hub_contract";
    if (argc < 3) return 2;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CHECK(hub_init(&H, argv[1]) == 0);
    if (strcmp(argv[2], "problem") == 0) {
        name = "hub_problem_names_the_request";
        test_problem();
    } else if (strcmp(argv[2], "taken") == 0) {
        name = "hub_409_ticket_taken_stores_nothing_and_key_reusable";
        test_taken();
    } else if (strcmp(argv[2], "lookup") == 0) {
        name = "hub_ticket_lookup_needs_check_code";
        test_lookup();
    } else {
        CHECK(!"unknown part");
    }
    if (H.pid > 0) CHECK(hub_stop(&H, SIGTERM) == 0);
    hub_cleanup(&H);
    curl_global_cleanup();
    return ktest_done(name);
}
