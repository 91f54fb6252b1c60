/* imghdr reads the decoded size of PNG, JPEG and SVG files from their
 * headers, the way SDL2_image's decoders will (nanosvg at 96 dpi), and
 * refuses what it cannot know: an SVG sized by its drawing, em units, an
 * <svg> inside <defs>, a JPEG with its height in a DNL marker. Also checks
 * the real images of the default bundle (argv[1]) read as their true size. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imghdr.h"
#include "ktest.h"

static size_t png_header(unsigned char *b, uint32_t w, uint32_t h)
{
    static const unsigned char sig[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R'};
    memcpy(b, sig, sizeof sig);
    b[16] = (unsigned char)(w >> 24); b[17] = (unsigned char)(w >> 16); b[18] = (unsigned char)(w >> 8); b[19] = (unsigned char)w;
    b[20] = (unsigned char)(h >> 24); b[21] = (unsigned char)(h >> 16); b[22] = (unsigned char)(h >> 8); b[23] = (unsigned char)h;
    memcpy(b + 24, "\x08\x02\x00\x00\x00" "\0\0\0\0", 9); /* depth, colour, ..., (bad) CRC */
    return 33;
}

/* SOI, an APP0 segment, a COM segment with fill bytes before it, then SOFn. */
static size_t jpeg_header(unsigned char *b, unsigned char sof, uint32_t w, uint32_t h)
{
    size_t n = 0;
    static const unsigned char app0[] = {0xFF, 0xE0, 0, 16, 'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0};
    b[n++] = 0xFF; b[n++] = 0xD8;
    memcpy(b + n, app0, sizeof app0); n += sizeof app0;
    b[n++] = 0xFF; b[n++] = 0xFF; b[n++] = 0xFE; b[n++] = 0; b[n++] = 5; b[n++] = 'a'; b[n++] = 'b'; b[n++] = 'c';
    b[n++] = 0xFF; b[n++] = sof; b[n++] = 0; b[n++] = 17; b[n++] = 8;
    b[n++] = (unsigned char)(h >> 8); b[n++] = (unsigned char)h;
    b[n++] = (unsigned char)(w >> 8); b[n++] = (unsigned char)w;
    b[n++] = 3;
    for (int i = 0; i < 9; i++) b[n++] = 1;
    return n;
}

static void expect_size(const char *what, const void *b, size_t n, enum imghdr_format f, uint32_t w, uint32_t h)
{
    struct imghdr ih;
    const char *why = "";
    enum kerr e = imghdr_probe(b, n, &ih, &why);
    if (e != KERR_OK || ih.format != f || ih.w != w || ih.h != h)
        fprintf(stderr, "%s: got %s %s %ux%u (%s), want %s %ux%u\n", what, kerr_str(e),
                imghdr_format_name(ih.format), ih.w, ih.h, why, imghdr_format_name(f), w, h);
    CHECK(e == KERR_OK && ih.format == f && ih.w == w && ih.h == h);
}

static void expect_refused(const char *what, const void *b, size_t n, const char *want_why)
{
    struct imghdr ih;
    const char *why = NULL;
    enum kerr e = imghdr_probe(b, n, &ih, &why);
    if (e == KERR_OK || !why || !strstr(why, want_why))
        fprintf(stderr, "%s: got %s %ux%u (%s), want refusal \"%s\"\n", what, kerr_str(e), ih.w, ih.h,
                why ? why : "-", want_why);
    CHECK(e != KERR_OK && why && strstr(why, want_why));
    CHECK(ih.w == 0 && ih.h == 0);
}

static void svg_size(const char *svg, uint32_t w, uint32_t h)
{
    expect_size(svg, svg, strlen(svg), IMGHDR_SVG, w, h);
}

static void svg_refused(const char *svg, const char *want_why)
{
    expect_refused(svg, svg, strlen(svg), want_why);
}

int main(int argc, char **argv)
{
    unsigned char b[256];
    size_t n;

    /* PNG */
    n = png_header(b, 480, 270);
    expect_size("png 480x270", b, n, IMGHDR_PNG, 480, 270);
    n = png_header(b, 16000, 16000);
    expect_size("png 16000x16000 (33 bytes)", b, n, IMGHDR_PNG, 16000, 16000);
    n = png_header(b, 0, 10);
    expect_refused("png width 0", b, n, "invalid size");
    n = png_header(b, 10, 10);
    memcpy(b + 12, "IDAT", 4);
    expect_refused("png without IHDR first", b, n, "IHDR");
    expect_refused("png truncated", b, 20, "IHDR");

    /* JPEG: baseline, progressive, the height in a DNL marker, segments */
    n = jpeg_header(b, 0xC0, 640, 480);
    expect_size("jpeg baseline", b, n, IMGHDR_JPEG, 640, 480);
    n = jpeg_header(b, 0xC2, 16000, 16000);
    expect_size("jpeg progressive 16000x16000", b, n, IMGHDR_JPEG, 16000, 16000);
    n = jpeg_header(b, 0xC0, 640, 0);
    expect_refused("jpeg DNL", b, n, "DNL");
    n = jpeg_header(b, 0xC4, 640, 480); /* DHT is not a frame header */
    expect_refused("jpeg only DHT", b, n, "ends before");
    n = jpeg_header(b, 0xC0, 640, 480);
    b[20] = 0x00; /* a stray byte between two segments */
    expect_refused("jpeg garbage between segments", b, n, "between its segments");
    {
        static const unsigned char sos[] = {0xFF, 0xD8, 0xFF, 0xDA, 0, 2, 0xFF, 0xD9};
        expect_refused("jpeg SOS first", sos, sizeof sos, "before its data");
    }
    {
        /* 2,000 empty COM segments before the SOF: the walk is bounded */
        size_t big = 2 + 2000 * 4 + 32;
        unsigned char *j = malloc(big);
        size_t k = 0;
        CHECK(j != NULL);
        if (j) {
            j[k++] = 0xFF; j[k++] = 0xD8;
            for (int i = 0; i < 2000; i++) { j[k++] = 0xFF; j[k++] = 0xFE; j[k++] = 0; j[k++] = 2; }
            memcpy(j + k, "\xFF\xC0\x00\x11\x08\x00\x0A\x00\x0A\x03", 10); /* SOF0 10x10 */
            k += 10;
            expect_refused("jpeg 2000 segments", j, k, "too many segments");
            free(j);
        }
    }
    /* every cut before the frame size is refused, without reading past it */
    for (size_t cut = 3; cut < jpeg_header(b, 0xC0, 640, 480) - 10; cut++) {
        struct imghdr ih;
        jpeg_header(b, 0xC0, 640, 480);
        CHECK(imghdr_probe(b, cut, &ih, NULL) != KERR_OK);
    }

    /* SVG: the 122-byte file of the issue, units, viewBox, what is refused */
    svg_size("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"16000\" height=\"16000\">"
             "<rect width=\"1\" height=\"1\"/></svg>", 16000, 16000);
    svg_size("<svg width=\"480\" height=\"270\"></svg>", 480, 270);
    svg_size("<?xml version=\"1.0\"?>\n<!-- a comment -->\n<svg\n  width='100px'\n  height=\"50.5\">", 100, 51);
    svg_size("<svg width=\"10in\" height=\"1in\"/ >", 960, 96);
    svg_size("<svg width=\"210mm\" height=\"297mm\">", 794, 1123);
    svg_size("<svg width=\"72pt\" height=\"6pc\" >", 96, 96);
    svg_size("<svg width=\"1e3\" height=\"2E2px\">", 1000, 200);
    svg_size("<svg viewBox=\"0 0 640 480\">", 640, 480);
    svg_size("<svg viewBox=\"-10,-10,64.2,48\">", 65, 48);
    svg_size("<svg width=\"100%\" height=\"100%\" viewBox=\"0 0 300 200\">", 300, 200);
    svg_size("<svg width=\"800\" height=\"600\" viewBox=\"0 0 10000 10000\">", 800, 600);
    /* a nested <svg> sets the size again in nanosvg: the largest counts */
    svg_size("<svg width=\"10\" height=\"10\"><g><svg width=\"16000\" height=\"9000\"/></g></svg>", 16000, 9000);
    svg_size("<svg width=\"10\" height=\"10\" width=\"20000\">", 20000, 10);
    /* a '>' inside a comment ends nanosvg's tag there: the <svg after it counts */
    svg_size("<svg width=\"5\" height=\"5\"><!-- > <svg width=\"7000\" height=\"7000\"> --></svg>", 7000, 7000);
    /* after a NUL nanosvg reads nothing */
    {
        static const char nul[] = "<svg width=\"5\" height=\"5\">\0<svg width=\"7000\" height=\"7000\">";
        expect_size("svg NUL", nul, sizeof nul - 1, IMGHDR_SVG, 5, 5);
    }
    svg_refused("<svg><rect width=\"16000\" height=\"16000\"/></svg>", "needs width and height");
    svg_refused("<svg width=\"100\"><rect/></svg>", "needs width and height");
    svg_refused("<svg width=\"50%\" height=\"50%\">", "needs width and height");
    svg_refused("<svg width=\"10em\" height=\"10em\">", "unit other than");
    svg_refused("<svg width=\" 10\" height=\"10\">", "not a plain number");
    svg_refused("<svg width=\"&#49;0\" height=\"10\">", "not a plain number");
    svg_refused("<svg width=\"1000000000000000000000000000000000000000e-30\" height=\"1\">", "not a plain number");
    svg_refused("<svg width=\"0\" height=\"10\">", "not positive");
    svg_refused("<svg width=\"-5\" height=\"10\">", "not positive");
    svg_refused("<svg viewBox=\" 0 0 10 10\">", "viewBox");
    svg_refused("<svg viewBox=\"0 0 10\">", "viewBox");
    svg_refused("<svg viewBox=\"0 0 0 10\">", "not positive");
    svg_refused("<svg width=\"1e400\" height=\"1\">", "2^30");
    svg_refused("<?xml version=\"1.0\"?><defs><svg width=\"1\" height=\"1\"/></defs>", "inside <defs>");
    svg_refused("<?xml version=\"1.0\"?><svg/>", "without an <svg> element");
    svg_refused("<?xml version=\"1.0\"?>", "without an <svg> element");
    svg_size("<svg width=\"9\" height=\"9\"><defs /><svg width=\"20\" height=\"20\"/></svg>", 20, 20);

    /* Unknown formats */
    expect_refused("gif", "GIF89a\x01\x00\x01\x00", 10, "not PNG, JPEG or SVG");
    expect_refused("empty", "", 0, "not PNG, JPEG or SVG");
    expect_refused("bmp", "BM\0\0\0\0", 6, "not PNG, JPEG or SVG");

    /* The default bundle's images read as what `file` says: 480x270 PNGs. */
    if (argc > 1) {
        static const char *const names[] = {"forum", "jobs", "legal", "lights", "nursing"};
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
            char path[1024];
            unsigned char buf[4096];
            FILE *f;
            snprintf(path, sizeof path, "%s/images/%s.png", argv[1], names[i]);
            f = fopen(path, "rb");
            CHECK(f != NULL);
            if (!f) continue;
            n = fread(buf, 1, sizeof buf, f);
            fclose(f);
            expect_size(path, buf, n, IMGHDR_PNG, 480, 270);
        }
    }
    return ktest_done("imghdr_reads_sizes_from_headers");
}
