/* What is checked and kept is what was loaded, not the files on disk a
 * moment later: (1) the glyph check of content_check_deep walks the loaded
 * bundle, so a content.json changed on disk after the load does not change
 * its answer (it used to read the file again); (2) content_load_safe writes
 * the last good copy from the validated bytes: content.json or an image
 * changed between the check and the copy (here by the deep-check callback,
 * which runs in between) never becomes the last good copy. argv[1] is the
 * default bundle folder (for a real PNG). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle_util.h"
#include "content.h"
#include "contentcheck.h"
#include "ktest.h"

static char png[1024], last_good[512];

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *b;
    long n;
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    b = malloc((size_t)n + 1);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    if (b) b[n] = 0;
    *len = (size_t)n;
    return b;
}

static void rm_last_good(void)
{
    char p[600];
    bundle_remove(last_good);
    snprintf(p, sizeof p, "%s.old", last_good);
    bundle_remove(p);
    snprintf(p, sizeof p, "%s.tmp", last_good);
    bundle_remove(p);
}

/* A deep check that passes, after changing the bundle on disk. */
struct change {
    const char *dir, *rel;
    const char *data;
    size_t len;
};

static enum kerr change_then_pass(const struct content *c, struct content_report *rep, void *ud)
{
    const struct change *ch = ud;
    (void)c;
    (void)rep;
    return bundle_put_file(ch->dir, ch->rel, ch->data, ch->len) == 0 ? KERR_OK : KERR_IO;
}

int main(int argc, char **argv)
{
    const char *m = bundle_minimal;
    char dir[512], p[700];
    char *bad = NULL;
    struct content_report rep;
    struct content *c = NULL;
    const char *d;
    size_t n;
    if (argc < 2) return 2;
    snprintf(png, sizeof png, "%s/images/legal.png", argv[1]);
    snprintf(last_good, sizeof last_good, "/tmp/kmodel-test-%d-race-lastgood", (int)getpid());
    rm_last_good();
    bad = str_replace1(m, "段落", "段落\xF0\x90\x80\x80"); /* U+10000: no glyph in the UI font */
    CHECK(bad != NULL);
    if (!bad) return ktest_done("content_checks_and_saves_what_was_loaded");

    /* 1a. loaded a good bundle, the file turns bad: the check says good */
    d = bundle_write("race_glyph_good", m, strlen(m), png);
    CHECK(d != NULL);
    snprintf(dir, sizeof dir, "%s", d ? d : "");
    content_report_init(&rep);
    CHECK(content_load(dir, &c, &rep) == KERR_OK && c);
    CHECK(bundle_put_file(dir, "content.json", bad, strlen(bad)) == 0);
    content_report_init(&rep);
    CHECK(c && content_check_deep(c, &rep, NULL) == KERR_OK);
    content_report_print(&rep, stderr);
    content_free(c);
    c = NULL;
    bundle_remove(dir);
    /* 1b. loaded a bad bundle, the file turns good: the check says bad */
    d = bundle_write("race_glyph_bad", bad, strlen(bad), png);
    CHECK(d != NULL);
    snprintf(dir, sizeof dir, "%s", d ? d : "");
    content_report_init(&rep);
    CHECK(content_load(dir, &c, &rep) == KERR_OK && c);
    CHECK(bundle_put_file(dir, "content.json", m, strlen(m)) == 0);
    content_report_init(&rep);
    CHECK(c && content_check_deep(c, &rep, NULL) == KERR_INVALID);
    CHECK(rep.count == 1 && strstr(rep.lines[0], "content.json: $.district.about[0].zh: character U+10000"));
    content_free(c);
    c = NULL;
    bundle_remove(dir);

    /* 2a. content.json changes between validation and the copy: the copy
     * holds the validated bytes */
    d = bundle_write("race_json", m, strlen(m), png);
    CHECK(d != NULL);
    snprintf(dir, sizeof dir, "%s", d ? d : "");
    {
        struct change ch = {dir, "content.json", "{\"not\": \"valid\"}", 16};
        char *kept;
        content_report_init(&rep);
        CHECK(content_load_safe(dir, last_good, change_then_pass, &ch, &c, &rep) == KERR_OK && c);
        content_free(c);
        c = NULL;
        snprintf(p, sizeof p, "%s/content.json", last_good);
        kept = read_all(p, &n);
        CHECK(kept && n == strlen(m) && memcmp(kept, m, n) == 0);
        free(kept);
        /* the last good copy loads */
        content_report_init(&rep);
        CHECK(content_load(last_good, &c, &rep) == KERR_OK);
        content_free(c);
        c = NULL;
    }
    bundle_remove(dir);
    rm_last_good();

    /* 2b. the image changes between validation and the copy (to a tiny
     * file declaring 16000x16000): no last good copy is made from it */
    d = bundle_write("race_image", m, strlen(m), png);
    CHECK(d != NULL);
    snprintf(dir, sizeof dir, "%s", d ? d : "");
    {
        static const char huge[] = "<svg width=\"16000\" height=\"16000\"></svg>";
        struct change ch = {dir, "images/a.png", huge, sizeof huge - 1};
        struct stat st;
        char *kept;
        CHECK(bundle_put_file(dir, "notes.txt", "not part of the bundle", 22) == 0);
        content_report_init(&rep);
        CHECK(content_load_safe(dir, last_good, change_then_pass, &ch, &c, &rep) == KERR_OK && c);
        content_free(c);
        c = NULL;
        snprintf(p, sizeof p, "%s/images/a.png", last_good);
        kept = read_all(p, &n);
        CHECK(!kept || n != sizeof huge - 1 || memcmp(kept, huge, n) != 0);
        free(kept);
        CHECK(stat(last_good, &st) != 0); /* the copy failed as a whole */
        snprintf(p, sizeof p, "%s.tmp", last_good);
        CHECK(stat(p, &st) != 0); /* and left no temp behind */
        /* unchanged this time: copied, referenced files only */
        CHECK(bundle_put_file(dir, "images/a.png", "x", 1) == 0);
        bundle_remove(dir);
        d = bundle_write("race_image", m, strlen(m), png);
        CHECK(d && bundle_put_file(dir, "notes.txt", "not part of the bundle", 22) == 0);
        content_report_init(&rep);
        CHECK(content_load_safe(dir, last_good, content_check_deep, NULL, &c, &rep) == KERR_OK && c);
        content_free(c);
        c = NULL;
        snprintf(p, sizeof p, "%s/images/a.png", last_good);
        CHECK(stat(p, &st) == 0 && st.st_size > 100);
        snprintf(p, sizeof p, "%s/notes.txt", last_good);
        CHECK(stat(p, &st) != 0);
    }
    bundle_remove(dir);
    rm_last_good();
    free(bad);
    return ktest_done("content_checks_and_saves_what_was_loaded");
}
