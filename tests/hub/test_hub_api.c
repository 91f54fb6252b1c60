/* hub_http_api_endpoints_and_errors: every endpoint of kiosk-hub and every
 * error code over real HTTP on loopback, dedupe across a restart, 422 for a
 * reused key, revoked kiosks, bad input (invalid JSON and UTF-8, 10 MB,
 * 10,000-deep nesting, SQL-looking strings, ../ in a ticket), rate limit. */
#include <cjson/cJSON.h>

#include "api.h"
#include "harness.h"
#include "ktest.h"

static struct hub H;
/* the main hub allows this suite's bursts; test_rate_limit runs its own */
static const char *const FAST[] = {"--rate", "1000/s", "--burst", "1000", NULL};

static cJSON *json_of(const struct resp *r)
{
    return cJSON_ParseWithLength(r->body, r->len);
}

static const char *jstr(const cJSON *o, const char *name)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(it) ? it->valuestring : NULL;
}

/* Checks an RFC 9457 answer: status, content type, and type slug. */
static void check_problem(const struct resp *r, long status, const char *slug)
{
    cJSON *o = json_of(r);
    char type[160];
    snprintf(type, sizeof type, API_PROBLEM_BASE "%s", slug);
    CHECK(r->status == status);
    CHECK_STR(r->ctype, "application/problem+json");
    CHECK_STR(jstr(o, "type"), type);
    CHECK(cJSON_GetNumberValue(cJSON_GetObjectItem(o, "status")) == (double)status);
    CHECK(jstr(o, "title") != NULL);
    if (r->status != status) fprintf(stderr, "  got %ld %s\n", r->status, r->body);
    cJSON_Delete(o);
}

static void add_kiosk(const char *id, char *token_out)
{
    struct resp r;
    char body[64];
    cJSON *o;
    snprintf(body, sizeof body, "{\"id\":\"%s\"}", id);
    http(&H, "POST", "/api/v1/admin/kiosks", ADMIN_TOKEN, NULL, body, &r);
    CHECK(r.status == 201);
    o = json_of(&r);
    CHECK_STR(jstr(o, "id"), id);
    token_out[0] = '\0';
    if (jstr(o, "token")) snprintf(token_out, 80, "%s", jstr(o, "token"));
    CHECK(strlen(token_out) == 64);
    cJSON_Delete(o);
    free(r.body);
}

static long count_requests(const char *status)
{
    struct resp r;
    char path[128];
    cJSON *o;
    long n = -1;
    snprintf(path, sizeof path, "/api/v1/admin/requests?limit=1000%s%s", status ? "&status=" : "",
             status ? status : "");
    http(&H, "GET", path, ADMIN_TOKEN, NULL, NULL, &r);
    o = json_of(&r);
    if (r.status == 200 && cJSON_IsArray(cJSON_GetObjectItem(o, "requests")))
        n = cJSON_GetArraySize(cJSON_GetObjectItem(o, "requests"));
    cJSON_Delete(o);
    free(r.body);
    return n;
}

static void test_auth_and_admin_kiosks(char *tok_a, char *tok_b)
{
    struct resp r;
    http(&H, "GET", "/api/v1/health", NULL, NULL, NULL, &r);
    CHECK(r.status == 200);
    free(r.body);

    add_kiosk("HL-A01", tok_a);
    add_kiosk("HL-B02", tok_b);
    http(&H, "POST", "/api/v1/admin/kiosks", ADMIN_TOKEN, NULL, "{\"id\":\"HL-A01\"}", &r);
    check_problem(&r, 409, "kiosk-exists");
    free(r.body);
    http(&H, "POST", "/api/v1/admin/kiosks", ADMIN_TOKEN, NULL, "{\"id\":\"../etc\"}", &r);
    check_problem(&r, 400, "bad-request");
    free(r.body);
    http(&H, "POST", "/api/v1/admin/kiosks", ADMIN_TOKEN, NULL, "{\"id\":42}", &r);
    check_problem(&r, 400, "bad-request");
    free(r.body);

    /* missing, wrong, kiosk-instead-of-admin */
    http(&H, "GET", "/api/v1/admin/kiosks", NULL, NULL, NULL, &r);
    check_problem(&r, 401, "unauthorized");
    free(r.body);
    http(&H, "GET", "/api/v1/admin/kiosks", "wrong-token-wrong-token", NULL, NULL, &r);
    check_problem(&r, 401, "unauthorized");
    free(r.body);
    http(&H, "GET", "/api/v1/admin/kiosks", tok_a, NULL, NULL, &r);
    check_problem(&r, 403, "forbidden");
    free(r.body);
    http(&H, "POST", "/api/v1/requests", NULL, NULL, "{}", &r);
    check_problem(&r, 401, "unauthorized");
    free(r.body);
    http(&H, "POST", "/api/v1/requests", ADMIN_TOKEN, NULL, "{}", &r);
    check_problem(&r, 401, "unauthorized"); /* the admin is not a kiosk */
    free(r.body);

    http(&H, "GET", "/api/v1/admin/kiosks", ADMIN_TOKEN, NULL, NULL, &r);
    CHECK(r.status == 200);
    CHECK_STR(r.ctype, "application/json");
    CHECK(strstr(r.body, "\"HL-A01\"") && strstr(r.body, "\"HL-B02\""));
    CHECK(!strstr(r.body, tok_a)); /* tokens are stored hashed, never listed */
    free(r.body);

    /* unknown path, wrong method */
    http(&H, "GET", "/api/v1/nothing", ADMIN_TOKEN, NULL, NULL, &r);
    check_problem(&r, 404, "not-found");
    free(r.body);
    http(&H, "PUT", "/api/v1/requests", tok_a, NULL, "{}", &r);
    check_problem(&r, 405, "method-not-allowed");
    free(r.body);
}

static void test_help_requests(const char *tok_a, const char *tok_b)
{
    struct resp r, r2;
    char body[2048], other[2048], key[API_UUID_SIZE], key2[API_UUID_SIZE];
    cJSON *o;

    api_uuid_v4_make(key);
    api_uuid_v4_make(key2);
    sample_request_with(body, sizeof body, "HL-A01", "HL-A01-000042", "示例：合同纠纷咨询（样例数据）",
                        "424242", NULL);
    sample_request_with(other, sizeof other, "HL-A01", "HL-A01-000042", "另一段描述（样例数据）",
                        "424242", NULL);

    http(&H, "POST", "/api/v1/requests", tok_a, key, body, &r);
    CHECK(r.status == 201);
    CHECK_STR(r.ctype, "application/json");
    o = json_of(&r);
    CHECK_STR(jstr(o, "ticket"), "HL-A01-000042");
    CHECK_STR(jstr(o, "status"), "new");
    CHECK(jstr(o, "received_at") && api_time_valid(jstr(o, "received_at")));
    cJSON_Delete(o);

    /* same key, same body: the stored answer again, no new row */
    http(&H, "POST", "/api/v1/requests", tok_a, key, body, &r2);
    CHECK(r2.status == 200);
    CHECK_STR(r2.body, r.body);
    free(r2.body);
    CHECK(count_requests(NULL) == 1);

    /* same key, other body → 422; other key, same ticket → 409 */
    http(&H, "POST", "/api/v1/requests", tok_a, key, other, &r2);
    check_problem(&r2, 422, "idempotency-key-reused");
    free(r2.body);
    http(&H, "POST", "/api/v1/requests", tok_a, key2, body, &r2);
    check_problem(&r2, 409, "ticket-taken");
    free(r2.body);
    CHECK(count_requests(NULL) == 1);

    /* key missing or not a UUIDv4 */
    http(&H, "POST", "/api/v1/requests", tok_a, NULL, body, &r2);
    check_problem(&r2, 400, "bad-request");
    free(r2.body);
    http(&H, "POST", "/api/v1/requests", tok_a, "not-a-uuid", body, &r2);
    check_problem(&r2, 400, "bad-request");
    free(r2.body);

    /* kiosk B may not post as kiosk A */
    api_uuid_v4_make(key2);
    http(&H, "POST", "/api/v1/requests", tok_b, key2, body, &r2);
    check_problem(&r2, 403, "forbidden");
    free(r2.body);

    /* ticket status with the check code: kiosk A, and kiosk B too (a person
     * may file in one tower and ask in another); the admin without it; no
     * personal data */
    http(&H, "GET", "/api/v1/tickets/HL-A01-000042?check=424242", tok_a, NULL, NULL, &r2);
    CHECK(r2.status == 200);
    o = json_of(&r2);
    CHECK_STR(jstr(o, "status"), "new");
    CHECK_STR(jstr(o, "category"), "legal");
    CHECK(cJSON_IsNull(cJSON_GetObjectItem(o, "note")));
    CHECK(!strstr(r2.body, "13800000000") && !strstr(r2.body, "王女士"));
    cJSON_Delete(o);
    free(r2.body);
    http(&H, "GET", "/api/v1/tickets/HL-A01-000042", ADMIN_TOKEN, NULL, NULL, &r2);
    CHECK(r2.status == 200);
    free(r2.body);
    http(&H, "GET", "/api/v1/tickets/HL-A01-000042?check=424242", tok_b, NULL, NULL, &r2);
    CHECK(r2.status == 200);
    free(r2.body);
    /* without the check code, or with another, it is not found */
    http(&H, "GET", "/api/v1/tickets/HL-A01-000042", tok_b, NULL, NULL, &r2);
    check_problem(&r2, 404, "not-found");
    free(r2.body);
    http(&H, "GET", "/api/v1/tickets/HL-A01-000042?check=424243", tok_a, NULL, NULL, &r2);
    check_problem(&r2, 404, "not-found");
    free(r2.body);
    http(&H, "GET", "/api/v1/tickets/HL-A01-999999?check=424242", tok_a, NULL, NULL, &r2);
    check_problem(&r2, 404, "not-found");
    free(r2.body);
    http(&H, "GET", "/api/v1/tickets/HL-A01-000042", NULL, NULL, NULL, &r2);
    check_problem(&r2, 401, "unauthorized");
    free(r2.body);
    free(r.body);
}

static void test_bad_input(const char *tok_a)
{
    struct resp r;
    char key[API_UUID_SIZE], body[2048];
    char *big;
    size_t deep = 10000;

    api_uuid_v4_make(key);
    http(&H, "POST", "/api/v1/requests", tok_a, key, "{\"ticket\":", &r);
    check_problem(&r, 400, "bad-request");
    free(r.body);
    http(&H, "POST", "/api/v1/requests", tok_a, key, "[1,2,3]", &r);
    check_problem(&r, 400, "bad-request");
    free(r.body);
    sample_request(body, sizeof body, "HL-A01", "HL-A01-000043", "bad \xC0\xAF utf8");
    http(&H, "POST", "/api/v1/requests", tok_a, key, body, &r);
    check_problem(&r, 400, "bad-request");
    CHECK(strstr(r.body, "UTF-8") != NULL);
    free(r.body);
    /* an escaped lone surrogate is invalid too */
    sample_request(body, sizeof body, "HL-A01", "HL-A01-000043", "\\ud800");
    http(&H, "POST", "/api/v1/requests", tok_a, key, body, &r);
    check_problem(&r, 400, "bad-request");
    free(r.body);
    /* a description over 500 characters */
    {
        char desc[1600];
        memset(desc, 'x', 501);
        desc[501] = '\0';
        sample_request(body, sizeof body, "HL-A01", "HL-A01-000043", desc);
        http(&H, "POST", "/api/v1/requests", tok_a, key, body, &r);
        check_problem(&r, 400, "bad-request");
        free(r.body);
    }

    /* 10 MB, with a Content-Length and chunked */
    big = malloc((10u << 20) + 1);
    memset(big, 'a', 10u << 20);
    big[10u << 20] = '\0'; /* chunked mode takes the length from strlen */
    http_ex(&H, "POST", "/api/v1/requests", tok_a, key, big, 10u << 20, 0, &r);
    check_problem(&r, 413, "too-large");
    free(r.body);
    http_ex(&H, "POST", "/api/v1/requests", tok_a, key, big, 10u << 20, HTTP_CHUNKED, &r);
    CHECK(r.status == 413);
    free(r.body);
    /* A client that pushes 10 MB without asking first gets the 413 or, when
     * the hub closes while bytes are still in flight, a reset: either way
     * nothing is stored and the hub goes on serving. */
    {
        long before = count_requests(NULL);
        CHECK(before >= 0);
        http_ex(&H, "POST", "/api/v1/requests", tok_a, key, big, 10u << 20, HTTP_NO_EXPECT, &r);
        CHECK(r.status == 413 || r.status == -1);
        free(r.body);
        CHECK(count_requests(NULL) == before);
    }
    /* nesting 10,000 deep: balanced it is over the size limit (413); the
     * 10,000 openers alone fit and meet the depth guard (400) */
    for (size_t i = 0; i < deep; i++) big[i] = '[';
    for (size_t i = 0; i < deep; i++) big[deep + i] = ']';
    big[2 * deep] = '\0';
    http(&H, "POST", "/api/v1/requests", tok_a, key, big, &r);
    check_problem(&r, 413, "too-large");
    free(r.body);
    big[deep] = '\0';
    http(&H, "POST", "/api/v1/requests", tok_a, key, big, &r);
    check_problem(&r, 400, "bad-request");
    CHECK(strstr(r.body, "deep") != NULL);
    free(r.body);
    for (size_t i = 0; i < deep; i++) big[i] = i % 2 ? '[' : '{';
    http(&H, "POST", "/api/v1/kiosks/HL-A01/heartbeat", tok_a, NULL, big, &r);
    check_problem(&r, 400, "bad-request");
    free(r.body);
    /* 40 deep inside strings is not nesting; 40 deep for real is */
    http(&H, "POST", "/api/v1/requests", tok_a, key,
         "{\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}", &r);
    check_problem(&r, 400, "bad-request");
    CHECK(strstr(r.body, "deep") != NULL);
    free(r.body);
    free(big);

    /* ../ in a ticket, raw and percent-encoded; an over-long ticket */
    http(&H, "GET", "/api/v1/tickets/../../etc/passwd", tok_a, NULL, NULL, &r);
    check_problem(&r, 400, "bad-request");
    free(r.body);
    http(&H, "GET", "/api/v1/tickets/HL-A01-..%2F..%2F000042", tok_a, NULL, NULL, &r);
    check_problem(&r, 400, "bad-request");
    free(r.body);
    http(&H, "GET", "/api/v1/admin/requests/..%2Fx", ADMIN_TOKEN, NULL, NULL, &r);
    check_problem(&r, 400, "bad-request");
    free(r.body);
    http(&H, "GET",
         "/api/v1/tickets/HL-A01-0000000000000000000000000000000000000000000000000000000001",
         tok_a, NULL, NULL, &r);
    check_problem(&r, 400, "bad-request");
    free(r.body);
    http(&H, "GET", "/api/v1/tickets/%FF%FE", tok_a, NULL, NULL, &r);
    CHECK(r.status == 400 || r.status == 404);
    free(r.body);

    /* SQL-looking strings are data: stored and shown verbatim */
    {
        const char *sql = "Robert'); DROP TABLE requests;-- \\\" OR 1=1 --";
        cJSON *o;
        api_uuid_v4_make(key);
        sample_request(body, sizeof body, "HL-A01", "HL-A01-000044", sql);
        http(&H, "POST", "/api/v1/requests", tok_a, key, body, &r);
        CHECK(r.status == 201);
        free(r.body);
        http(&H, "GET", "/api/v1/admin/requests/HL-A01-000044", ADMIN_TOKEN, NULL, NULL, &r);
        CHECK(r.status == 200);
        o = json_of(&r);
        CHECK_STR(jstr(o, "description"), "Robert'); DROP TABLE requests;-- \" OR 1=1 --");
        cJSON_Delete(o);
        free(r.body);
        CHECK(count_requests(NULL) == 2);
    }

    /* still serving */
    http(&H, "GET", "/api/v1/health", NULL, NULL, NULL, &r);
    CHECK(r.status == 200);
    free(r.body);
}

static void test_heartbeat(const char *tok_a)
{
    struct resp r;
    const char *beat = "{\"version\":\"0.1.0\",\"queue_depth\":3,\"oldest_pending_s\":120,"
                       "\"content_version\":\"2026.11.1\",\"online\":true,\"last_error\":\"net\"}";
    cJSON *o, *k;
    http(&H, "POST", "/api/v1/kiosks/HL-A01/heartbeat", tok_a, NULL, beat, &r);
    CHECK(r.status == 204);
    CHECK(r.len == 0);
    free(r.body);
    http(&H, "POST", "/api/v1/kiosks/HL-B02/heartbeat", tok_a, NULL, beat, &r);
    check_problem(&r, 403, "forbidden");
    free(r.body);
    http(&H, "POST", "/api/v1/kiosks/..%2F..%2Fx/heartbeat", tok_a, NULL, beat, &r);
    check_problem(&r, 400, "bad-request");
    free(r.body);
    http(&H, "POST", "/api/v1/kiosks/HL-A01/heartbeat", tok_a, NULL,
         "{\"version\":\"0.1.0\",\"queue_depth\":-1}", &r);
    check_problem(&r, 400, "bad-request");
    free(r.body);
    http(&H, "POST", "/api/v1/kiosks/HL-A01/heartbeat", NULL, NULL, beat, &r);
    check_problem(&r, 401, "unauthorized");
    free(r.body);

    http(&H, "GET", "/api/v1/admin/kiosks", ADMIN_TOKEN, NULL, NULL, &r);
    o = json_of(&r);
    k = cJSON_GetArrayItem(cJSON_GetObjectItem(o, "kiosks"), 0);
    CHECK_STR(jstr(k, "id"), "HL-A01");
    CHECK_STR(jstr(k, "version"), "0.1.0");
    CHECK_STR(jstr(k, "content_version"), "2026.11.1");
    CHECK_STR(jstr(k, "last_error"), "net");
    CHECK(cJSON_GetNumberValue(cJSON_GetObjectItem(k, "queue_depth")) == 3);
    CHECK(cJSON_GetNumberValue(cJSON_GetObjectItem(k, "oldest_pending_s")) == 120);
    CHECK(cJSON_IsTrue(cJSON_GetObjectItem(k, "online")));
    CHECK(jstr(k, "last_seen") && api_time_valid(jstr(k, "last_seen")));
    /* the beat did not say screen_on: null, not false */
    CHECK(cJSON_IsNull(cJSON_GetObjectItem(k, "screen_on")));
    cJSON_Delete(o);
    free(r.body);

    /* the screen schedule (issue 15): screen_on is stored with the beat and
     * listed; a later beat without it clears it to null */
    for (int i = 0; i < 3; i++) {
        static const char *const tail[] = {",\"screen_on\":false}", ",\"screen_on\":true}", "}"};
        char b2[400];
        snprintf(b2, sizeof b2,
                 "{\"version\":\"0.1.0\",\"queue_depth\":0,\"oldest_pending_s\":0,"
                 "\"content_version\":\"2026.11.1\",\"online\":true,\"last_error\":null%s",
                 tail[i]);
        http(&H, "POST", "/api/v1/kiosks/HL-A01/heartbeat", tok_a, NULL, b2, &r);
        CHECK(r.status == 204);
        free(r.body);
        http(&H, "GET", "/api/v1/admin/kiosks", ADMIN_TOKEN, NULL, NULL, &r);
        o = json_of(&r);
        k = cJSON_GetArrayItem(cJSON_GetObjectItem(o, "kiosks"), 0);
        if (i == 0) CHECK(cJSON_IsFalse(cJSON_GetObjectItem(k, "screen_on")));
        if (i == 1) CHECK(cJSON_IsTrue(cJSON_GetObjectItem(k, "screen_on")));
        if (i == 2) CHECK(cJSON_IsNull(cJSON_GetObjectItem(k, "screen_on")));
        cJSON_Delete(o);
        free(r.body);
    }
    http(&H, "POST", "/api/v1/kiosks/HL-A01/heartbeat", tok_a, NULL,
         "{\"version\":\"0.1.0\",\"queue_depth\":0,\"oldest_pending_s\":0,"
         "\"content_version\":\"x\",\"online\":true,\"last_error\":null,\"screen_on\":\"yes\"}", &r);
    check_problem(&r, 400, "bad-request");
    free(r.body);
}

static void set_status(const char *ticket, const char *status, const char *note, long expect,
                       const char *slug)
{
    struct resp r;
    char path[128], body[512];
    snprintf(path, sizeof path, "/api/v1/admin/requests/%s/status", ticket);
    if (note) snprintf(body, sizeof body, "{\"status\":\"%s\",\"note\":\"%s\"}", status, note);
    else snprintf(body, sizeof body, "{\"status\":\"%s\"}", status);
    http(&H, "POST", path, ADMIN_TOKEN, NULL, body, &r);
    if (slug) check_problem(&r, expect, slug);
    else CHECK(r.status == expect);
    if (expect == 200) {
        cJSON *o = json_of(&r);
        CHECK_STR(jstr(o, "status"), status);
        cJSON_Delete(o);
    }
    free(r.body);
}

static void test_staff_lifecycle(const char *tok_a)
{
    struct resp r;
    cJSON *o, *h;
    CHECK(count_requests("new") == 2);
    set_status("HL-A01-000042", "accepted", "已受理，稍后联系（样例）", 200, NULL);
    set_status("HL-A01-000042", "resolved", NULL, 409, "bad-transition");
    set_status("HL-A01-000042", "new", NULL, 409, "bad-transition");
    set_status("HL-A01-000042", "in_progress", "处理中", 200, NULL);
    set_status("HL-A01-000042", "finished", NULL, 400, "bad-request");
    set_status("HL-A01-999999", "accepted", NULL, 404, "not-found");
    CHECK(count_requests("in_progress") == 1);
    CHECK(count_requests("new") == 1);

    /* the kiosk sees the current status and the latest note */
    http(&H, "GET", "/api/v1/tickets/HL-A01-000042?check=424242", tok_a, NULL, NULL, &r);
    o = json_of(&r);
    CHECK_STR(jstr(o, "status"), "in_progress");
    CHECK_STR(jstr(o, "note"), "处理中");
    cJSON_Delete(o);
    free(r.body);

    set_status("HL-A01-000042", "resolved", "已解决", 200, NULL);
    set_status("HL-A01-000042", "rejected", NULL, 409, "bad-transition");
    set_status("HL-A01-000044", "rejected", "重复提交（样例）", 200, NULL);

    http(&H, "GET", "/api/v1/admin/requests/HL-A01-000042", ADMIN_TOKEN, NULL, NULL, &r);
    CHECK(r.status == 200);
    o = json_of(&r);
    CHECK_STR(jstr(o, "status"), "resolved");
    CHECK_STR(jstr(o, "contact_name"), "王女士");
    CHECK_STR(jstr(o, "phone"), "13800000000");
    h = cJSON_GetObjectItem(o, "history");
    CHECK(cJSON_GetArraySize(h) == 4);
    CHECK(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetArrayItem(h, 0), "from")));
    CHECK_STR(jstr(cJSON_GetArrayItem(h, 1), "note"), "已受理，稍后联系（样例）");
    CHECK_STR(jstr(cJSON_GetArrayItem(h, 3), "to"), "resolved");
    cJSON_Delete(o);
    free(r.body);

    http(&H, "GET", "/api/v1/admin/requests?status=done", ADMIN_TOKEN, NULL, NULL, &r);
    check_problem(&r, 400, "bad-request");
    free(r.body);
    http(&H, "GET", "/api/v1/admin/requests?limit=0", ADMIN_TOKEN, NULL, NULL, &r);
    check_problem(&r, 400, "bad-request");
    free(r.body);
    http(&H, "GET", "/api/v1/admin/requests/HL-A01-999999", ADMIN_TOKEN, NULL, NULL, &r);
    check_problem(&r, 404, "not-found");
    free(r.body);
    http(&H, "POST", "/api/v1/admin/requests/HL-A01-000042/status", ADMIN_TOKEN, NULL,
         "{\"status\":\"accepted\",\"note\":\"\xff\"}", &r);
    check_problem(&r, 400, "bad-request");
    free(r.body);
}

static void test_revoke(const char *tok_b, char *tok_b2)
{
    struct resp r;
    char key[API_UUID_SIZE], body[2048];
    http(&H, "DELETE", "/api/v1/admin/kiosks/HL-B02", ADMIN_TOKEN, NULL, NULL, &r);
    CHECK(r.status == 204);
    free(r.body);
    http(&H, "DELETE", "/api/v1/admin/kiosks/HL-B02", ADMIN_TOKEN, NULL, NULL, &r);
    check_problem(&r, 404, "not-found");
    free(r.body);
    http(&H, "DELETE", "/api/v1/admin/kiosks/a%2F..", ADMIN_TOKEN, NULL, NULL, &r);
    check_problem(&r, 400, "bad-request");
    free(r.body);
    api_uuid_v4_make(key);
    sample_request(body, sizeof body, "HL-B02", "HL-B02-000001", "样例");
    http(&H, "POST", "/api/v1/requests", tok_b, key, body, &r);
    check_problem(&r, 401, "unauthorized");
    CHECK(strstr(r.body, "revoked") != NULL);
    free(r.body);
    /* registering the id again issues a new token; the old one stays dead */
    add_kiosk("HL-B02", tok_b2);
    CHECK(strcmp(tok_b, tok_b2) != 0);
    http(&H, "POST", "/api/v1/requests", tok_b, key, body, &r);
    CHECK(r.status == 401);
    free(r.body);
    http(&H, "POST", "/api/v1/requests", tok_b2, key, body, &r);
    CHECK(r.status == 201);
    free(r.body);
}

static void test_restart_dedupe(const char *tok_a)
{
    struct resp r;
    char key[API_UUID_SIZE], body[2048], first[256];
    long before;
    api_uuid_v4_make(key);
    sample_request(body, sizeof body, "HL-A01", "HL-A01-000100", "重启前提交（样例）");
    http(&H, "POST", "/api/v1/requests", tok_a, key, body, &r);
    CHECK(r.status == 201);
    snprintf(first, sizeof first, "%s", r.body);
    free(r.body);
    before = count_requests(NULL);
    CHECK(hub_stop(&H, SIGTERM) == 0); /* clean exit status 0 */
    CHECK(hub_start(&H, FAST) == 0);
    http(&H, "POST", "/api/v1/requests", tok_a, key, body, &r);
    CHECK(r.status == 200);
    CHECK_STR(r.body, first);
    free(r.body);
    CHECK(count_requests(NULL) == before);
    sample_request(body, sizeof body, "HL-A01", "HL-A01-000100", "换了内容（样例）");
    http(&H, "POST", "/api/v1/requests", tok_a, key, body, &r);
    CHECK(r.status == 422);
    free(r.body);
}

static void test_rate_limit(const char *bin)
{
    struct hub h2;
    struct resp r;
    const char *flags[] = {"--rate", "1/s", "--burst", "3", NULL};
    char tok[80] = "";
    const char *beat = "{\"version\":\"0.1.0\",\"queue_depth\":0,\"oldest_pending_s\":0,"
                       "\"content_version\":\"2026.11.1\",\"online\":true,\"last_error\":null}";
    int ok = 0, limited = 0;
    CHECK(hub_init(&h2, bin) == 0);
    CHECK(hub_start(&h2, flags) == 0);
    http(&h2, "POST", "/api/v1/admin/kiosks", ADMIN_TOKEN, NULL, "{\"id\":\"HL-R01\"}", &r);
    {
        cJSON *o = json_of(&r);
        if (jstr(o, "token")) snprintf(tok, sizeof tok, "%s", jstr(o, "token"));
        cJSON_Delete(o);
    }
    free(r.body);
    for (int i = 0; i < 5; i++) {
        http(&h2, "POST", "/api/v1/kiosks/HL-R01/heartbeat", tok, NULL, beat, &r);
        if (r.status == 204) ok++;
        if (r.status == 429) {
            limited++;
            CHECK_STR(r.ctype, "application/problem+json");
            CHECK(atoi(r.retry_after) >= 1);
        }
        free(r.body);
    }
    CHECK(ok == 3);
    CHECK(limited == 2);
    /* the admin is not rate limited */
    for (int i = 0; i < 10; i++) {
        http(&h2, "GET", "/api/v1/admin/kiosks", ADMIN_TOKEN, NULL, NULL, &r);
        CHECK(r.status == 200);
        free(r.body);
    }
    hub_cleanup(&h2);
}

static void test_log_has_no_personal_data(void)
{
    FILE *f = fopen(H.logfile, "r");
    char line[1024];
    int lines = 0, leaks = 0;
    if (!f) {
        CHECK(!"log file missing");
        return;
    }
    while (fgets(line, sizeof line, f)) {
        if (strstr(line, "/api/v1/")) lines++;
        if (strstr(line, "13800000000") || strstr(line, "王女士") || strstr(line, "示例") ||
            strstr(line, ADMIN_TOKEN))
            leaks++;
    }
    fclose(f);
    CHECK(lines > 40);
    CHECK(leaks == 0);
}

int main(int argc, char **argv)
{
    char tok_a[80], tok_b[80], tok_b2[80];
    if (argc < 2) {
        fprintf(stderr, "usage: %s PATH/kiosk-hub\n", argv[0]);
        return 2;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CHECK(hub_init(&H, argv[1]) == 0);
    CHECK(hub_start(&H, FAST) == 0);
    if (H.pid <= 0) return ktest_done("hub_http_api");
    test_auth_and_admin_kiosks(tok_a, tok_b);
    test_help_requests(tok_a, tok_b);
    test_bad_input(tok_a);
    test_heartbeat(tok_a);
    test_staff_lifecycle(tok_a);
    test_revoke(tok_b, tok_b2);
    test_restart_dedupe(tok_a);
    test_rate_limit(argv[1]);
    CHECK(hub_stop(&H, SIGTERM) == 0);
    test_log_has_no_personal_data();
    hub_cleanup(&H);
    curl_global_cleanup();
    return ktest_done("hub_http_api");
}
