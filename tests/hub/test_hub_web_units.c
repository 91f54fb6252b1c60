/* Units of the web console and phone pages: scrypt passwords (hubpw),
 * sessions with idle expiry and CSRF tokens (hubsess), and what the phone page
 * is made of (hubweb: escaping, language, Beijing time, the built-in files). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hubpw.h"
#include "hubsess.h"
#include "hubweb.h"

static int fails;
#define CHECK(c)                                                                                \
    do {                                                                                       \
        if (!(c)) {                                                                            \
            fprintf(stderr, "%s:%d: FAIL %s\n", __FILE__, __LINE__, #c);                       \
            fails++;                                                                           \
        }                                                                                      \
    } while (0)

static void passwords(void)
{
    char h[HUBPW_HASH_SIZE], h2[HUBPW_HASH_SIZE], gen[HUBPW_GEN_LEN + 1];
    const char *pw = "correct horse 样例";
    CHECK(hubpw_hash(pw, strlen(pw), h, sizeof h) == KERR_OK);
    CHECK(strncmp(h, "$scrypt$ln=15,r=8,p=1$", 22) == 0);
    CHECK(hubpw_verify(pw, strlen(pw), h));
    CHECK(!hubpw_verify("correct horse 样伢", strlen(pw), h));
    CHECK(!hubpw_verify(pw, strlen(pw) - 1, h));
    /* a new salt each time */
    CHECK(hubpw_hash(pw, strlen(pw), h2, sizeof h2) == KERR_OK && strcmp(h, h2) != 0);
    /* tampered or malformed stored text never verifies */
    h2[strlen(h2) - 3] ^= 1;
    CHECK(!hubpw_verify(pw, strlen(pw), h2));
    CHECK(!hubpw_verify(pw, strlen(pw), "$scrypt$ln=40,r=8,p=1$AAAA$AAAA"));
    CHECK(!hubpw_verify(pw, strlen(pw), "plain"));
    CHECK(!hubpw_verify(pw, strlen(pw), NULL));
    CHECK(hubpw_hash(pw, strlen(pw), h2, 10) == KERR_TOOBIG);
    CHECK(hubpw_generate(gen) == KERR_OK && strlen(gen) == HUBPW_GEN_LEN &&
          strspn(gen, "abcdefghijkmnpqrstuvwxyz23456789") == HUBPW_GEN_LEN);
    CHECK(hubpw_acceptable("ten chars!"));
    CHECK(!hubpw_acceptable("short"));
    CHECK(!hubpw_acceptable("with\ttab-0123"));
    CHECK(!hubpw_acceptable("bad \xff utf-8 text"));
}

static void sessions(void)
{
    struct hubsess *t = hubsess_new(1000, 5000);
    struct hubsess_info a, b;
    char tok[HUBSESS_TOKEN_LEN + 1], tok2[HUBSESS_TOKEN_LEN + 1], cookie[200], got[HUBSESS_TOKEN_LEN + 1];
    CHECK(t != NULL);
    CHECK(hubsess_create(t, "li.wei", "handler", 100, tok, &a) == KERR_OK);
    CHECK(strlen(tok) == HUBSESS_TOKEN_LEN && strlen(a.csrf) == HUBSESS_TOKEN_LEN);
    CHECK(strcmp(tok, a.csrf) != 0);
    CHECK(hubsess_find(t, tok, 900, &b) && strcmp(b.user, "li.wei") == 0 &&
          strcmp(b.role, "handler") == 0 && strcmp(b.csrf, a.csrf) == 0);
    /* each use starts the idle time again, up to the absolute end */
    CHECK(hubsess_find(t, tok, 1800, &b));
    CHECK(hubsess_find(t, tok, 2700, &b));
    CHECK(!hubsess_find(t, tok, 3800, &b)); /* idle 1100 ms > 1000 */
    CHECK(!hubsess_find(t, tok, 3801, &b)); /* and forgotten */
    CHECK(hubsess_create(t, "li.wei", "handler", 0, tok, &a) == KERR_OK);
    for (uint64_t now = 900; now < 5000; now += 900) CHECK(hubsess_find(t, tok, now, &b));
    CHECK(!hubsess_find(t, tok, 5000, &b)); /* max lifetime */
    /* CSRF */
    CHECK(hubsess_create(t, "zhao", "viewer", 0, tok2, &a) == KERR_OK);
    CHECK(hubsess_csrf_ok(&a, a.csrf));
    CHECK(!hubsess_csrf_ok(&a, NULL));
    CHECK(!hubsess_csrf_ok(&a, tok2));
    /* logout and account changes */
    hubsess_end(t, tok2);
    CHECK(!hubsess_find(t, tok2, 10, &b));
    CHECK(hubsess_create(t, "zhao", "viewer", 0, tok2, &a) == KERR_OK);
    CHECK(hubsess_end_user(t, "zhao") == 1 && !hubsess_find(t, tok2, 10, &b));
    CHECK(!hubsess_find(t, "not-a-token", 10, &b));
    /* the cookie */
    snprintf(cookie, sizeof cookie, "a=1; hub_session=%s; b=2", tok);
    CHECK(hubsess_cookie_token(cookie, got) && strcmp(got, tok) == 0);
    CHECK(!hubsess_cookie_token("hub_session=../../etc", got));
    CHECK(!hubsess_cookie_token("xhub_session=abc", got));
    CHECK(!hubsess_cookie_token(NULL, got));
    hubsess_free(t);
}

static void pages(void)
{
    char *buf = NULL, t[32], *page = NULL;
    size_t len = 0, cap = 0;
    struct hubstore_page *p = calloc(1, sizeof *p);
    CHECK(hubweb_escape_append(&buf, &len, &cap, "<img src=x onerror=\"a('1')\"> & ") == KERR_OK);
    CHECK(strcmp(buf, "&lt;img src=x onerror=&quot;a(&#39;1&#39;)&quot;&gt; &amp; ") == 0);
    free(buf);
    CHECK(hubweb_lang_pick(NULL, NULL) == HUBWEB_ZH);
    CHECK(hubweb_lang_pick("en-US,en;q=0.9", NULL) == HUBWEB_EN);
    CHECK(hubweb_lang_pick("zh-CN,zh;q=0.9,en;q=0.8", NULL) == HUBWEB_ZH);
    CHECK(hubweb_lang_pick("en;q=0.5,zh-TW;q=0.8", NULL) == HUBWEB_ZH);
    CHECK(hubweb_lang_pick("fr-FR,en;q=0.7", NULL) == HUBWEB_EN);
    CHECK(hubweb_lang_pick("fr-FR", NULL) == HUBWEB_ZH);
    CHECK(hubweb_lang_pick("engl", NULL) == HUBWEB_ZH);
    CHECK(hubweb_lang_pick("zh-CN", "en") == HUBWEB_EN);
    hubweb_time_local("2026-11-25T17:31:00Z", t, sizeof t);
    CHECK(strcmp(t, "2026-11-26 01:31") == 0);
    hubweb_time_local("nonsense", t, sizeof t);
    CHECK(strcmp(t, "nonsense") == 0);
    CHECK(hubweb_file_find("/admin/") && hubweb_file_find("/admin/app.js") &&
          strstr(hubweb_file_find("/admin/app.js")->ctype, "javascript"));
    CHECK(hubweb_file_find("/s/phone.css") && !hubweb_file_find("/admin/../hubsrv.c") &&
          !hubweb_file_find("/etc/passwd"));
    /* the page: stored text escaped, no phone, erased details said so */
    snprintf(p->ticket, sizeof p->ticket, "HL-A01-000042");
    snprintf(p->status, sizeof p->status, "resolved");
    snprintf(p->category, sizeof p->category, "legal");
    snprintf(p->updated_at, sizeof p->updated_at, "2026-11-25T02:00:00Z");
    snprintf(p->description, sizeof p->description, "<script>alert(1)</script>");
    p->nhist = 1;
    snprintf(p->hist[0].to, sizeof p->hist[0].to, "resolved");
    snprintf(p->hist[0].at, sizeof p->hist[0].at, "2026-11-25T02:00:00Z");
    snprintf(p->hist[0].note, sizeof p->hist[0].note, "<b>ok</b>");
    p->hist[0].has_note = true;
    CHECK(hubweb_phone_page(p, "123456", NULL, HUBWEB_ZH, &page) == KERR_OK);
    CHECK(page && strstr(page, "&lt;script&gt;alert(1)&lt;/script&gt;") && !strstr(page, "<script>"));
    CHECK(page && strstr(page, "&lt;b&gt;ok&lt;/b&gt;") && strstr(page, "已解决") &&
          strstr(page, "2026-11-25 10:00"));
    free(page);
    snprintf(p->erased_at, sizeof p->erased_at, "2026-12-25T02:00:00Z");
    CHECK(hubweb_phone_page(p, "123456", NULL, HUBWEB_EN, &page) == KERR_OK);
    CHECK(page && strstr(page, "were erased on 2026-12-25 10:00") && strstr(page, "Resolved") &&
          !strstr(page, "alert(1)"));
    free(page);
    free(p);
}

int main(void)
{
    passwords();
    sessions();
    pages();
    if (fails) fprintf(stderr, "%d checks failed\n", fails);
    else printf("hub web units: ok\n");
    return fails ? 1 : 0;
}
