/* content_load_safe: a valid bundle becomes the last good copy; a broken one
 * is refused and the last good copy is shown; neither valid -> an error and
 * nothing shown. argv[1] = default bundle folder. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle_util.h"
#include "content.h"
#include "contentcheck.h"
#include "ktest.h"

static char last_good[512];

static void rm_last_good(void)
{
    char p[600];
    bundle_remove(last_good);
    snprintf(p, sizeof p, "%s.old", last_good);
    bundle_remove(p);
    snprintf(p, sizeof p, "%s.tmp", last_good);
    bundle_remove(p);
}

int main(int argc, char **argv)
{
    char png[1024], dir[512];
    struct content *c = NULL;
    struct content_report rep;
    struct stat st;
    char *v2, *broken;
    const char *d;

    if (argc < 2) return 2;
    snprintf(png, sizeof png, "%s/images/legal.png", argv[1]);
    snprintf(last_good, sizeof last_good, "/tmp/kmodel-test-%d-lastgood", (int)getpid());
    rm_last_good();

    /* 1. valid -> loaded and copied (with its image) */
    d = bundle_write("safe_v1", bundle_minimal, strlen(bundle_minimal), png);
    CHECK(d != NULL);
    snprintf(dir, sizeof dir, "%s", d ? d : "");
    content_report_init(&rep);
    CHECK(content_load_safe(dir, last_good, content_check_deep, NULL, &c, &rep) == KERR_OK);
    CHECK(c && strcmp(c->version, "t1") == 0);
    content_free(c);
    CHECK(stat(last_good, &st) == 0 && S_ISDIR(st.st_mode));
    {
        char p[700];
        snprintf(p, sizeof p, "%s/images/a.png", last_good);
        CHECK(stat(p, &st) == 0 && st.st_size > 100);
        snprintf(p, sizeof p, "%s.tmp", last_good);
        CHECK(stat(p, &st) != 0); /* no temp left behind */
    }
    /* the same bundle again: the last good copy is not rewritten */
    {
        char p[700];
        struct stat before, after;
        snprintf(p, sizeof p, "%s/content.json", last_good);
        CHECK(stat(p, &before) == 0);
        usleep(20000);
        content_report_init(&rep);
        CHECK(content_load_safe(dir, last_good, NULL, NULL, &c, &rep) == KERR_OK);
        content_free(c);
        CHECK(stat(p, &after) == 0);
        CHECK(before.st_ino == after.st_ino && before.st_mtim.tv_sec == after.st_mtim.tv_sec &&
              before.st_mtim.tv_nsec == after.st_mtim.tv_nsec);
    }
    bundle_remove(dir);

    /* 2. a newer valid version replaces the last good copy */
    v2 = str_replace1(bundle_minimal, "\"version\":\"t1\"", "\"version\":\"t2\"");
    d = v2 ? bundle_write("safe_v2", v2, strlen(v2), png) : NULL;
    CHECK(d != NULL);
    snprintf(dir, sizeof dir, "%s", d ? d : "");
    CHECK(content_load_safe(dir, last_good, NULL, NULL, &c, &rep) == KERR_OK);
    CHECK(c && strcmp(c->version, "t2") == 0);
    content_free(c);
    bundle_remove(dir);
    free(v2);

    /* 3. broken -> refused, last good (t2) shown, problems reported */
    broken = str_replace1(bundle_minimal, "\"category\":\"legal\"", "\"category\":\"lgl\"");
    d = broken ? bundle_write("safe_broken", broken, strlen(broken), png) : NULL;
    snprintf(dir, sizeof dir, "%s", d ? d : "");
    content_report_init(&rep);
    CHECK(content_load_safe(dir, last_good, content_check_deep, NULL, &c, &rep) == KERR_OK);
    CHECK(c && strcmp(c->version, "t2") == 0);
    CHECK(rep.count >= 1 && strstr(rep.lines[0], "$.services[0].category: unknown category \"lgl\""));
    content_free(c);

    /* 4. valid for content_load but fails the deep check (image does not
     * decode) -> also refused */
    {
        char p[700];
        d = bundle_write("safe_badimg", bundle_minimal, strlen(bundle_minimal), png);
        snprintf(p, sizeof p, "%s", d ? d : "");
        CHECK(d && bundle_put_file(p, "images/a.png", "\x89PNG\r\n\x1a\nxx", 10) == 0);
        content_report_init(&rep);
        CHECK(content_load_safe(p, last_good, content_check_deep, NULL, &c, &rep) == KERR_OK);
        CHECK(c && strcmp(c->version, "t2") == 0);
        content_free(c);
        bundle_remove(p);
    }

    /* 5. broken and no last good copy -> error, nothing */
    rm_last_good();
    content_report_init(&rep);
    c = (struct content *)1;
    CHECK(content_load_safe(dir, last_good, NULL, NULL, &c, &rep) == KERR_INVALID);
    CHECK(c == NULL);
    /* 6. no fallback folder given */
    c = (struct content *)1;
    CHECK(content_load_safe(dir, NULL, NULL, NULL, &c, &rep) == KERR_INVALID && c == NULL);
    bundle_remove(dir);
    free(broken);
    rm_last_good();
    return ktest_done("content_load_safe_keeps_last_good");
}
