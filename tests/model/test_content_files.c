/* Bundle files are opened safely: content.json or an image that is a FIFO is
 * refused at once (it used to hang the loader in open()), and a symlink
 * anywhere inside the bundle (the file, or the images folder) is refused
 * instead of being followed out of it. The bundle folder itself may be a
 * symlink. An alarm turns a hang into a failure. argv[1] is the default
 * bundle folder (for a real PNG). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle_util.h"
#include "content.h"
#include "contentcheck.h"
#include "kclock.h"
#include "ktest.h"

static char png[1024];

static int report_has(const struct content_report *rep, const char *want)
{
    for (size_t i = 0; i < rep->count; i++)
        if (strstr(rep->lines[i], want)) return 1;
    fprintf(stderr, "  expected a line containing: %s\n  got:\n", want);
    for (size_t i = 0; i < rep->count; i++) fprintf(stderr, "    %s\n", rep->lines[i]);
    return 0;
}

static void on_alarm(int sig)
{
    static const char msg[] = "content_fifo_and_symlink_refused: the loader hung (FIFO opened blocking?)\n";
    (void)sig;
    (void)!write(2, msg, sizeof msg - 1);
    _exit(1);
}

/* Loads dir: must fail with want_err and a line containing want, in < 2 s. */
static void expect_refused(const char *dir, enum kerr want_err, const char *want)
{
    struct content_report rep;
    struct content *c = (struct content *)1;
    uint64_t t0 = kclock_mono_ms();
    enum kerr e;
    content_report_init(&rep);
    e = content_load(dir, &c, &rep);
    if (e != want_err) fprintf(stderr, "got %s, want %s\n", kerr_str(e), kerr_str(want_err));
    CHECK(e == want_err);
    CHECK(c == NULL);
    CHECK(report_has(&rep, want));
    CHECK(kclock_mono_ms() - t0 < 2000);
    printf("  %s\n", rep.count ? rep.lines[0] : "(no line)");
}

int main(int argc, char **argv)
{
    const char *m = bundle_minimal;
    char dir[1024], outside[1024], path[2200], link[2200];
    if (argc < 2) {
        fprintf(stderr, "usage: %s DEFAULT_BUNDLE_DIR\n", argv[0]);
        return 2;
    }
    signal(SIGALRM, on_alarm);
    alarm(20);
    snprintf(png, sizeof png, "%s/images/legal.png", argv[1]);

    /* content.json is a FIFO with no writer. */
    {
        const char *d = bundle_write("fifo", m, strlen(m), png);
        CHECK(d != NULL);
        if (!d) return ktest_done("content_fifo_and_symlink_refused");
        snprintf(dir, sizeof dir, "%s", d);
        snprintf(path, sizeof path, "%s/content.json", dir);
        CHECK(unlink(path) == 0 && mkfifo(path, 0644) == 0);
        expect_refused(dir, KERR_INVALID, "content.json: $: not a regular file (FIFO)");
        {
            FILE *out = tmpfile();
            CHECK(out && content_check_dir(dir, NULL, out) == 1);
            if (out) fclose(out);
        }
        bundle_remove(dir);
    }
    /* content.json is a symlink to a valid content.json outside the bundle. */
    {
        const char *d = bundle_write("json_link_target", m, strlen(m), png);
        CHECK(d != NULL);
        snprintf(outside, sizeof outside, "%s", d ? d : "");
        d = bundle_write("json_link", m, strlen(m), png);
        CHECK(d != NULL);
        snprintf(dir, sizeof dir, "%s", d ? d : "");
        snprintf(path, sizeof path, "%s/content.json", dir);
        snprintf(link, sizeof link, "%s/content.json", outside);
        CHECK(unlink(path) == 0 && symlink(link, path) == 0);
        expect_refused(dir, KERR_INVALID, "content.json: $: symlink refused");
        bundle_remove(dir);
    }
    /* images/a.png is a symlink to a real PNG outside the bundle. */
    {
        const char *d = bundle_write("image_link", m, strlen(m), png);
        CHECK(d != NULL);
        snprintf(dir, sizeof dir, "%s", d ? d : "");
        snprintf(path, sizeof path, "%s/images/a.png", dir);
        CHECK(unlink(path) == 0 && symlink(png, path) == 0);
        expect_refused(dir, KERR_INVALID, "content.json: $.notices[0].image: images/a.png: symlink refused");
        bundle_remove(dir);
    }
    /* images/a.png is a FIFO. */
    {
        const char *d = bundle_write("image_fifo", m, strlen(m), png);
        CHECK(d != NULL);
        snprintf(dir, sizeof dir, "%s", d ? d : "");
        snprintf(path, sizeof path, "%s/images/a.png", dir);
        CHECK(unlink(path) == 0 && mkfifo(path, 0644) == 0);
        expect_refused(dir, KERR_INVALID,
                       "content.json: $.notices[0].image: images/a.png: not a regular file (FIFO)");
        bundle_remove(dir);
    }
    /* The images folder is a symlink to the outside bundle's images folder. */
    {
        const char *d = bundle_write("images_link", m, strlen(m), png);
        CHECK(d != NULL);
        snprintf(dir, sizeof dir, "%s", d ? d : "");
        snprintf(path, sizeof path, "%s/images/a.png", dir);
        CHECK(unlink(path) == 0);
        snprintf(path, sizeof path, "%s/images", dir);
        snprintf(link, sizeof link, "%s/images", outside);
        CHECK(rmdir(path) == 0 && symlink(link, path) == 0);
        expect_refused(dir, KERR_INVALID, "content.json: $.notices[0].image: images/a.png: symlink refused");
        CHECK(unlink(path) == 0); /* the link, not the outside files */
        bundle_remove(dir);
    }
    /* The bundle folder itself may be a symlink (atomic switch of bundles). */
    {
        struct content_report rep;
        struct content *c = NULL;
        snprintf(link, sizeof link, "%s.link", outside);
        unlink(link);
        CHECK(symlink(outside, link) == 0);
        content_report_init(&rep);
        CHECK(content_load(link, &c, &rep) == KERR_OK && c != NULL);
        content_report_print(&rep, stderr);
        content_free(c);
        unlink(link);
    }
    bundle_remove(outside);
    return ktest_done("content_fifo_and_symlink_refused");
}
