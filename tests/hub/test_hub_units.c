/* hub_units_rate_depth_listen_auth: the hub's small pure parts: the token
 * bucket, the JSON depth guard, listen-address parsing, bearer parsing and
 * token generation, status transitions. */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "hubauth.h"
#include "hubconn.h"
#include "hubrate.h"
#include "hubsrv.h"
#include "hubstore.h"
#include "ktest.h"

static void test_rate(void)
{
    struct hubrate *r = hubrate_new(2, 3); /* 2/s, burst 3 */
    int retry = 0, ok = 0;
    CHECK(r != NULL);
    for (int i = 0; i < 5; i++) ok += hubrate_take(r, "HL-A01", 1000, &retry);
    CHECK(ok == 3);
    CHECK(retry == 1);
    CHECK(hubrate_take(r, "HL-B02", 1000, &retry)); /* each kiosk its own bucket */
    CHECK(!hubrate_take(r, "HL-A01", 1200, &retry)); /* 0.4 tokens back */
    CHECK(hubrate_take(r, "HL-A01", 1600, &retry));  /* 1.2 tokens back */
    CHECK(!hubrate_take(r, "HL-A01", 1600, &retry));
    ok = 0;
    for (int i = 0; i < 10; i++) ok += hubrate_take(r, "HL-A01", 100000, &retry);
    CHECK(ok == 3); /* refill stops at the burst */
    hubrate_free(r);
    r = hubrate_new(0.1, 1);
    CHECK(hubrate_take(r, "x", 0, &retry));
    CHECK(!hubrate_take(r, "x", 0, &retry));
    CHECK(retry == 10);
    hubrate_free(r);
}

/* The auth-failure limiter: peek never takes, an unknown key is allowed,
 * and keys as long as an IPv6 address in text are told apart. */
static void test_rate_peek(void)
{
    struct hubrate *r = hubrate_new(10.0 / 60.0, 10); /* 10 a minute */
    const char *a = "2001:db8:aaaa:bbbb::/64", *b = "2001:db8:aaaa:bbbc::/64";
    int retry = 0;
    CHECK(hubrate_peek(r, a, 0, &retry));
    for (int i = 0; i < 10; i++) CHECK(hubrate_take(r, a, 0, &retry));
    CHECK(!hubrate_peek(r, a, 0, &retry));
    CHECK(retry == 6);
    CHECK(!hubrate_peek(r, a, 5900, &retry)); /* peeking took nothing back */
    CHECK(hubrate_peek(r, a, 6000, &retry));
    CHECK(hubrate_peek(r, b, 0, &retry));
    CHECK(hubrate_peek(r, "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255", 0, &retry));
    hubrate_free(r);
}

static void test_trusted_proxy_syntax(void)
{
    CHECK(hubconn_net_valid("127.0.0.1"));
    CHECK(hubconn_net_valid("10.0.0.0/8"));
    CHECK(hubconn_net_valid("::1"));
    CHECK(hubconn_net_valid("fd00::/8"));
    CHECK(hubconn_net_valid("0.0.0.0/0"));
    CHECK(!hubconn_net_valid("10.0.0.0/33"));
    CHECK(!hubconn_net_valid("fd00::/129"));
    CHECK(!hubconn_net_valid("10.0.0.0/"));
    CHECK(!hubconn_net_valid("proxy.local"));
    CHECK(!hubconn_net_valid("10.0.0.1:80"));
    CHECK(!hubconn_net_valid(""));
    CHECK(!hubconn_net_valid(NULL));
}

static void test_depth(void)
{
    CHECK(hubsrv_json_depth("{}", 2, 32) == 1);
    CHECK(hubsrv_json_depth("{\"a\":[{\"b\":1}]}", 15, 32) == 3);
    CHECK(hubsrv_json_depth("\"[[[[[[\"", 8, 3) == 0);       /* inside a string */
    CHECK(hubsrv_json_depth("\"\\\"[[[[\"", 8, 3) == 0);     /* escaped quote */
    CHECK(hubsrv_json_depth("[[[[[", 5, 3) == 4);            /* stops at limit + 1 */
    CHECK(hubsrv_json_depth("[][][]", 6, 3) == 1);
}

static void test_listen(void)
{
    struct sockaddr_in6 ss;
    unsigned len = 0;
    CHECK(hubsrv_parse_listen("127.0.0.1:8080", &ss, &len) == KERR_OK);
    CHECK(((struct sockaddr_in *)&ss)->sin_family == AF_INET);
    CHECK(ntohs(((struct sockaddr_in *)&ss)->sin_port) == 8080);
    CHECK(hubsrv_parse_listen("[::1]:0", &ss, &len) == KERR_OK);
    CHECK(ss.sin6_family == AF_INET6 && len == sizeof ss);
    CHECK(hubsrv_parse_listen("localhost:80", &ss, &len) == KERR_USAGE);
    CHECK(hubsrv_parse_listen("127.0.0.1", &ss, &len) == KERR_USAGE);
    CHECK(hubsrv_parse_listen("127.0.0.1:65536", &ss, &len) == KERR_USAGE);
    CHECK(hubsrv_parse_listen("127.0.0.1:", &ss, &len) == KERR_USAGE);
    CHECK(hubsrv_parse_listen("[::1:80", &ss, &len) == KERR_USAGE);
}

static void test_auth(void)
{
    char a[HUBAUTH_TOKEN_LEN + 1], b[HUBAUTH_TOKEN_LEN + 1];
    uint8_t h1[32], h2[32];
    const char *tok;
    size_t len;
    FILE *f;
    CHECK(hubauth_token_new(a) == KERR_OK);
    CHECK(hubauth_token_new(b) == KERR_OK);
    CHECK(strlen(a) == 64 && strspn(a, "0123456789abcdef") == 64);
    CHECK(strcmp(a, b) != 0);
    hubauth_sha256("abc", 3, h1);
    CHECK(h1[0] == 0xba && h1[1] == 0x78 && h1[31] == 0xad); /* FIPS 180-2 vector */
    hubauth_sha256("abd", 3, h2);
    CHECK(!hubauth_hash_eq(h1, h2));
    CHECK(hubauth_hash_eq(h1, h1));
    CHECK(hubauth_bearer("Bearer xyz", &tok, &len) && len == 3 && strncmp(tok, "xyz", 3) == 0);
    CHECK(hubauth_bearer("bearer  xyz ", &tok, &len) && len == 3);
    CHECK(!hubauth_bearer("Basic eHl6", &tok, &len));
    CHECK(!hubauth_bearer("Bearer ", &tok, &len));
    CHECK(!hubauth_bearer(NULL, &tok, &len));
    f = fopen("/tmp/hub_units_admin.token", "w");
    if (f) {
        fputs("  short\n", f);
        fclose(f);
    }
    CHECK(hubauth_admin_load("/tmp/hub_units_admin.token", h1) == KERR_INVALID);
    f = fopen("/tmp/hub_units_admin.token", "w");
    if (f) {
        fputs("0123456789abcdef-admin\n", f);
        fclose(f);
    }
    CHECK(hubauth_admin_load("/tmp/hub_units_admin.token", h1) == KERR_OK);
    hubauth_sha256("0123456789abcdef-admin", 22, h2);
    CHECK(hubauth_hash_eq(h1, h2)); /* the newline is not part of the token */
    remove("/tmp/hub_units_admin.token");
    CHECK(hubauth_admin_load("/nonexistent/token", h1) == KERR_IO);
}

static void test_transitions(void)
{
    CHECK(hubstore_transition_ok("new", "accepted"));
    CHECK(hubstore_transition_ok("new", "rejected"));
    CHECK(hubstore_transition_ok("accepted", "in_progress"));
    CHECK(hubstore_transition_ok("in_progress", "resolved"));
    CHECK(!hubstore_transition_ok("new", "resolved"));
    CHECK(!hubstore_transition_ok("resolved", "new"));
    CHECK(!hubstore_transition_ok("rejected", "accepted"));
    CHECK(!hubstore_transition_ok("new", "new"));
    CHECK(!hubstore_transition_ok("bogus", "new"));
    CHECK(hubstore_status_valid("in_progress"));
    CHECK(!hubstore_status_valid("done"));
}

int main(void)
{
    test_rate();
    test_rate_peek();
    test_trusted_proxy_syntax();
    test_depth();
    test_listen();
    test_auth();
    test_transitions();
    return ktest_done("hub_units");
}
