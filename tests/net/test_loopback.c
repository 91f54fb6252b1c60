/* Plain http only to this machine (issue 10 item 8): the hub_url's host is
 * parsed as an address (127.0.0.0/8, ::1) or is the literal name localhost.
 * Names that merely begin like one, and user-info that looks like one, are
 * refused (KERR_USAGE) unless allow_insecure_http. No connection is made. */
#include "ktest.h"
#include "nettest.h"

static enum kerr try_open(struct nt_env *e, const char *url, bool insecure)
{
    struct kclient *c = NULL;
    enum kerr r;
    e->cfg.hub_url = url;
    e->cfg.allow_insecure_http = insecure;
    r = kclient_open(&e->cfg, &c);
    kclient_close(c);
    return r;
}

int main(void)
{
    static const char *const refused[] = {
        "http://127.attacker.example",  "http://127.attacker.example:8080/",
        "http://127.0.0.1@evil.example/", "http://localhost.evil.example",
        "http://localhost@evil.example:80", "http://127.0.0.1.evil.example",
        "http://[::ffff:8.8.8.8]/",       "http://[::2]/",
        "http://192.0.2.1:8080",          "http://128.0.0.1/",
        "ftp://127.0.0.1/",
    };
    static const char *const allowed[] = {
        "http://[::1]:8080", "http://127.1.2.3:9", "http://127.0.0.1:8080/",
        "http://localhost:8080", "http://LOCALHOST:9", "https://hub.example:8443",
        "http://0x7f000001/", /* curl normalises it to 127.0.0.1, where it connects */
    };
    struct nt_env e;
    nt_env_init(&e, 9);
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        enum kerr r = try_open(&e, refused[i], false);
        if (r != KERR_USAGE) fprintf(stderr, "not refused: %s (%s)\n", refused[i], kerr_str(r));
        CHECK(r == KERR_USAGE);
    }
    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++) {
        enum kerr r = try_open(&e, allowed[i], false);
        if (r != KERR_OK) fprintf(stderr, "refused: %s (%s)\n", allowed[i], kerr_str(r));
        CHECK(r == KERR_OK);
    }
    /* an explicit, logged choice still allows another host */
    CHECK(try_open(&e, "http://127.attacker.example", true) == KERR_OK);
    CHECK(try_open(&e, "ftp://127.0.0.1/", true) == KERR_USAGE);
    nt_env_done(&e);
    return ktest_done("hub_url_plain_http_only_to_loopback_address");
}
