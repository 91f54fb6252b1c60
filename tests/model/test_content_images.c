/* A tiny image declaring a huge size (a 33-byte PNG header, a JPEG header,
 * the 122-byte SVG of issue 10 that decoded to 976 MB) is refused by
 * content_load from its header, with a "FILE: JSON-PATH: reason" line, and
 * never decoded: `kiosk --check-content` (content_check_dir) does not grow
 * the peak RSS, and neither does the deep check when the file is swapped
 * after the load. The pixels of all images of a bundle are bounded too.
 * argv[1] is the default bundle folder (for a real PNG). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "bundle_util.h"
#include "content.h"
#include "contentcheck.h"
#include "ktest.h"

static char png[1024];

static long peak_rss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static int report_has(const struct content_report *rep, const char *want)
{
    for (size_t i = 0; i < rep->count; i++)
        if (strstr(rep->lines[i], want)) return 1;
    fprintf(stderr, "  expected a line containing: %s\n  got:\n", want);
    for (size_t i = 0; i < rep->count; i++) fprintf(stderr, "    %s\n", rep->lines[i]);
    return 0;
}

static size_t png_header(unsigned char *b, uint32_t w, uint32_t h)
{
    static const unsigned char sig[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R'};
    memcpy(b, sig, sizeof sig);
    for (int i = 0; i < 4; i++) {
        b[16 + i] = (unsigned char)(w >> (24 - 8 * i));
        b[20 + i] = (unsigned char)(h >> (24 - 8 * i));
    }
    memcpy(b + 24, "\x08\x06\x00\x00\x00\x00\x00\x00\x00", 9);
    return 33;
}

static size_t jpeg_header(unsigned char *b, uint32_t w, uint32_t h)
{
    static const unsigned char head[] = {0xFF, 0xD8, 0xFF, 0xE0, 0, 16, 'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0,
                                         0xFF, 0xC0, 0, 17, 8};
    size_t n = sizeof head;
    memcpy(b, head, n);
    b[n++] = (unsigned char)(h >> 8); b[n++] = (unsigned char)h;
    b[n++] = (unsigned char)(w >> 8); b[n++] = (unsigned char)w;
    b[n++] = 3;
    for (int i = 0; i < 9; i++) b[n++] = 1;
    return n;
}

/* The bundle with images/a.png = img must be refused with want, by
 * content_load and by content_check_dir, without decoding it. */
static void expect_refused(const char *name, const void *img, size_t len, enum kerr want_err, const char *want)
{
    const char *dir = bundle_write(name, bundle_minimal, strlen(bundle_minimal), png);
    struct content_report rep;
    struct content *c = NULL;
    long rss0;
    FILE *out = tmpfile();
    char text[4096];
    size_t n;
    enum kerr e;
    CHECK(dir != NULL && out != NULL);
    if (!dir || !out) return;
    CHECK(bundle_put_file(dir, "images/a.png", img, len) == 0);
    content_report_init(&rep);
    e = content_load(dir, &c, &rep);
    if (e != want_err) fprintf(stderr, "%s: got %s, want %s\n", name, kerr_str(e), kerr_str(want_err));
    CHECK(e == want_err && c == NULL);
    CHECK(report_has(&rep, want));
    printf("%-14s %s\n", name, rep.count ? rep.lines[0] : "(no line)");
    rss0 = peak_rss_kb();
    CHECK(content_check_dir(dir, NULL, out) == 1);
    rewind(out);
    n = fread(text, 1, sizeof text - 1, out);
    text[n] = 0;
    CHECK(strstr(text, want) != NULL);
    if (peak_rss_kb() - rss0 > 32 * 1024)
        fprintf(stderr, "%s: peak RSS grew by %ld MB in the check\n", name, (peak_rss_kb() - rss0) / 1024);
    CHECK(peak_rss_kb() - rss0 <= 32 * 1024);
    fclose(out);
    content_free(c);
    bundle_remove(dir);
}

int main(int argc, char **argv)
{
    static const char svg_issue[] = /* 122 bytes, as in the issue */
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"16000\" height=\"16000\">"
        "<rect width=\"100\" height=\"16\" fill=\"#ff0000\"/></svg>\n";
    unsigned char b[128];
    size_t n;
    if (argc < 2) {
        fprintf(stderr, "usage: %s DEFAULT_BUNDLE_DIR\n", argv[0]);
        return 2;
    }
    snprintf(png, sizeof png, "%s/images/legal.png", argv[1]);

    /* A normal bundle loads, with the image's size, and passes the deep check
     * (which also warms up SDL_image and the fonts before RSS is compared). */
    {
        const char *dir = bundle_write("img_ok", bundle_minimal, strlen(bundle_minimal), png);
        struct content_report rep;
        struct content *c = NULL;
        long rss0;
        content_report_init(&rep);
        CHECK(dir && content_load(dir, &c, &rep) == KERR_OK && c);
        content_report_print(&rep, stderr);
        if (c) {
            CHECK(c->notices[0].image_w == 480 && c->notices[0].image_h == 270);
            CHECK(content_check_deep(c, &rep, NULL) == KERR_OK);
            /* The file is swapped for a huge SVG after the load: the deep
             * check reads the header again and does not decode it. */
            CHECK(bundle_put_file(dir, "images/a.png", svg_issue, sizeof svg_issue - 1) == 0);
            content_report_init(&rep);
            rss0 = peak_rss_kb();
            CHECK(content_check_deep(c, &rep, NULL) == KERR_TOOBIG);
            CHECK(report_has(&rep, "content.json: $.notices[0].image: images/a.png: SVG of 16000x16000 pixels is over the limit"));
            CHECK(peak_rss_kb() - rss0 <= 32 * 1024);
        }
        content_free(c);
        if (dir) bundle_remove(dir);
    }

    CHECK(sizeof svg_issue - 1 == 122);
    expect_refused("svg_16000", svg_issue, sizeof svg_issue - 1, KERR_TOOBIG,
                   "content.json: $.notices[0].image: images/a.png: SVG of 16000x16000 pixels is over the limit");
    n = png_header(b, 16000, 16000);
    expect_refused("png_16000", b, n, KERR_TOOBIG,
                   "content.json: $.notices[0].image: images/a.png: PNG of 16000x16000 pixels is over the limit");
    n = png_header(b, 4000, 4000); /* each side fits, the area does not */
    expect_refused("png_16mpx", b, n, KERR_TOOBIG, "PNG of 4000x4000 pixels is over the limit");
    n = jpeg_header(b, 16000, 16000);
    expect_refused("jpeg_16000", b, n, KERR_TOOBIG,
                   "content.json: $.notices[0].image: images/a.png: JPEG of 16000x16000 pixels is over the limit");
    {
        static const char nosize[] = "<svg><rect width=\"16000\" height=\"16000\"/></svg>";
        expect_refused("svg_nosize", nosize, sizeof nosize - 1, KERR_INVALID,
                       "images/a.png: SVG needs width and height in px");
    }

    /* Twelve notices each with a 2800x2800 image (7.8 Mpx, under the limit of
     * one image): together 94 Mpx, over the bundle's 64. */
    {
        char *json = malloc(16384), *notices = malloc(12000);
        const char *dir;
        struct content_report rep;
        struct content *c = NULL;
        size_t k = 0;
        CHECK(json && notices);
        if (json && notices) {
            for (int i = 0; i < 12; i++)
                k += (size_t)snprintf(notices + k, 12000 - k,
                                      "%s{\"id\":\"n%d\",\"title\":{\"zh\":\"通知\"},\"body\":{\"zh\":\"内容\"},"
                                      "\"image\":\"images/b%d.png\",\"start\":\"2026-01-01T00:00:00+08:00\","
                                      "\"end\":\"2027-01-01T00:00:00+08:00\"}",
                                      i ? "," : "", i, i);
            {
                const char *at = strstr(bundle_minimal, "\"notices\":[");
                size_t pre = (size_t)(at - bundle_minimal) + strlen("\"notices\":[");
                snprintf(json, 16384, "%.*s%s]}", (int)pre, bundle_minimal, notices);
            }
            dir = bundle_write("bundle_pixels", json, strlen(json), png);
            CHECK(dir != NULL);
            n = png_header(b, 2800, 2800);
            for (int i = 0; dir && i < 12; i++) {
                char rel[32];
                snprintf(rel, sizeof rel, "images/b%d.png", i);
                CHECK(bundle_put_file(dir, rel, b, n) == 0);
            }
            content_report_init(&rep);
            CHECK(dir && content_load(dir, &c, &rep) == KERR_TOOBIG && c == NULL);
            CHECK(report_has(&rep, "content.json: $.notices[8].image: images/b8.png: the images so far add up to "));
            CHECK(report_has(&rep, "over the bundle's limit of 67108864"));
            if (dir) bundle_remove(dir);
        }
        free(json);
        free(notices);
    }
    return ktest_done("content_refuses_huge_images_before_decoding");
}
