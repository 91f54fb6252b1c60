/* Every malformed bundle is rejected with a precise "content.json: PATH:
 * reason" line, no half-loaded content, and kcontentcheck (what
 * `kiosk --check-content` runs) answers 1. Also runs under ASan. argv[1] is
 * the default bundle folder (for a real PNG). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Loads json (len bytes) as a bundle; expects error `want_err` and a report
 * line containing `want`; then the full check must print it and return 1. */
static void expect_reject(const char *name, const char *json, size_t len, enum kerr want_err,
                          const char *want)
{
    static struct content_report rep;
    struct content *c = (struct content *)1;
    const char *dir;
    enum kerr e;
    uint64_t t0;
    FILE *out;
    char text[8192];
    size_t n;
    if (!json) {
        CHECK(!"test input missing");
        return;
    }
    dir = bundle_write(name, json, len, png);
    CHECK(dir != NULL);
    if (!dir) return;
    content_report_init(&rep);
    t0 = kclock_mono_ms();
    e = content_load(dir, &c, &rep);
    if (kclock_mono_ms() - t0 > 500) printf("%s: load took %llu ms\n", name,
                                            (unsigned long long)(kclock_mono_ms() - t0));
    if (e != want_err) fprintf(stderr, "%s: got %s, want %s\n", name, kerr_str(e), kerr_str(want_err));
    CHECK(e == want_err);
    CHECK(c == NULL);
    CHECK(report_has(&rep, want));
    out = tmpfile();
    CHECK(out != NULL);
    if (out) {
        CHECK(content_check_dir(dir, NULL, out) == 1);
        rewind(out);
        n = fread(text, 1, sizeof text - 1, out);
        text[n] = 0;
        CHECK(strstr(text, want) != NULL);
        fclose(out);
    }
    printf("%-22s %s\n", name, rep.count ? rep.lines[0] : "(no line)");
    bundle_remove(dir);
}

static void expect_reject_str(const char *name, char *json, enum kerr want_err, const char *want)
{
    expect_reject(name, json, json ? strlen(json) : 0, want_err, want);
    free(json);
}

/* Valid for content_load, rejected by the full check (decode, glyphs, icons). */
static void expect_deep_reject(const char *name, const char *json, const char *want,
                               const void *img, size_t img_len)
{
    const char *dir = bundle_write(name, json, strlen(json), png);
    struct content *c = NULL;
    struct content_report rep;
    FILE *out = tmpfile();
    char text[8192];
    size_t n;
    CHECK(dir != NULL && out != NULL);
    if (!dir || !out) return;
    if (img) CHECK(bundle_put_file(dir, "images/a.png", img, img_len) == 0);
    content_report_init(&rep);
    CHECK(content_load(dir, &c, &rep) == KERR_OK);
    content_free(c);
    CHECK(content_check_dir(dir, NULL, out) == 1);
    rewind(out);
    n = fread(text, 1, sizeof text - 1, out);
    text[n] = 0;
    if (!strstr(text, want)) fprintf(stderr, "%s: want \"%s\" in:\n%s", name, want, text);
    CHECK(strstr(text, want) != NULL);
    printf("%-22s %.*s", name, (int)strcspn(text, "\n") + 1, text);
    fclose(out);
    bundle_remove(dir);
}

int main(int argc, char **argv)
{
    const char *m = bundle_minimal;
    size_t big;
    char *s;

    if (argc < 2) {
        fprintf(stderr, "usage: %s DEFAULT_BUNDLE_DIR\n", argv[0]);
        return 2;
    }
    snprintf(png, sizeof png, "%s/images/legal.png", argv[1]);

    /* The minimal bundle itself is valid (else every case below is moot). */
    {
        const char *dir = bundle_write("minimal", m, strlen(m), png);
        struct content *c = NULL;
        struct content_report rep;
        FILE *out = tmpfile();
        content_report_init(&rep);
        CHECK(dir && content_load(dir, &c, &rep) == KERR_OK && c != NULL);
        content_report_print(&rep, stderr);
        content_free(c);
        CHECK(out && content_check_dir(dir, NULL, out) == 0);
        if (out) fclose(out);
        if (dir) bundle_remove(dir);
    }

    expect_reject("invalid_json", "{\"schema\":1,", 12, KERR_PARSE, "content.json: $: line 1 column 12: not valid JSON");
    expect_reject("empty_file", "", 0, KERR_PARSE, "content.json: $: the file is empty");
    expect_reject("root_array", "[1,2]", 5, KERR_INVALID, "$: the root must be an object, got an array");
    expect_reject("root_string", "\"x\"", 3, KERR_INVALID, "the root must be an object, got a string");
    expect_reject("trailing_text", "{} x", 4, KERR_PARSE, "text after the JSON document");
    {
        char nul[] = "{\"schema\":1,\"version\":\"a\0b\"}";
        expect_reject("nul_byte", nul, sizeof nul - 1, KERR_UTF8, "line 1 column 25: NUL byte");
    }
    expect_reject_str("nul_escape", str_replace1(m, "\"t1\"", "\"t\\u0000\""), KERR_INVALID,
                      "\\u0000 (NUL) in a string");
    expect_reject_str("invalid_utf8", str_replace1(m, "段落", "\xE6\xAE"), KERR_UTF8, "invalid UTF-8");
    expect_reject_str("overlong_utf8", str_replace1(m, "段落", "\xC0\xAF"), KERR_UTF8, "invalid UTF-8");
    expect_reject_str("lone_surrogate", str_replace1(m, "段落", "\\ud800"), KERR_PARSE,
                      "line 1 column 150: not valid JSON");
    expect_reject_str("wrong_type_int", str_replace1(m, "\"grid\":1", "\"grid\":\"1\""), KERR_INVALID,
                      "content.json: $.towers[0].grid: expected an integer, got a string");
    expect_reject_str("wrong_type_text", str_replace1(m, "\"name\":{\"zh\":\"法律服务\"}", "\"name\":\"法律服务\""),
                      KERR_INVALID, "$.services[0].name: expected an object");
    expect_reject_str("wrong_type_array", str_replace1(m, "\"services\":[", "\"services\":{\"a\":["),
                      KERR_PARSE, "not valid JSON");
    expect_reject_str("services_not_array",
                      str_replace1(m, "\"towers\":[{\"id\":\"t01\",\"name\":{\"zh\":\"楼A\"},\"grid\":1,\"x_m\":0,\"y_m\":0,\"floors\":10}]", "\"towers\":7"),
                      KERR_INVALID, "$.towers: expected an array, got a number");
    expect_reject_str("missing_field", str_replace1(m, "\"summary\":{\"zh\":\"咨询\"},", ""), KERR_INVALID,
                      "$.services[0].summary: missing required field");
    expect_reject_str("unknown_key", str_replace1(m, "\"floors\":10", "\"floors\":10,\"flors\":3"),
                      KERR_INVALID, "$.towers[0]: unknown key \"flors\"");
    expect_reject_str("duplicate_key", str_replace1(m, "\"floors\":10", "\"floors\":10,\"floors\":11"),
                      KERR_INVALID, "content.json: $.towers[0].floors: duplicate key");
    expect_reject_str("duplicate_id",
                      str_replace1(m, "\"notices\":", "\"companies\":[{\"id\":\"c1\",\"name\":{\"zh\":\"甲\"},\"tower\":\"t01\"},"
                                                      "{\"id\":\"c1\",\"name\":{\"zh\":\"乙\"},\"tower\":\"t01\"}],\"notices\":"),
                      KERR_INVALID, "content.json: $.companies[1].id: duplicate id \"c1\"");
    expect_reject_str("unknown_category", str_replace1(m, "\"category\":\"legal\"", "\"category\":\"lgl\""),
                      KERR_INVALID, "content.json: $.services[0].category: unknown category \"lgl\"");
    expect_reject_str("unknown_tower", str_replace1(m, "\"tower\":\"t01\"", "\"tower\":\"t99\""), KERR_INVALID,
                      "$.services[0].place.tower: unknown tower \"t99\"");
    expect_reject_str("bad_id", str_replace1(m, "\"id\":\"s1\"", "\"id\":\"S 1\""), KERR_INVALID,
                      "$.services[0].id: \"S 1\" is not an id");
    expect_reject_str("missing_image", str_replace1(m, "images/a.png", "images/none.png"), KERR_INVALID,
                      "$.notices[0].image: image \"images/none.png\" does not exist");
    expect_reject_str("image_escapes", str_replace1(m, "images/a.png", "../a.png"), KERR_INVALID,
                      "must be relative inside the bundle");
    expect_reject_str("notice_ends_first",
                      str_replace1(m, "\"end\":\"2027-01-01T00:00:00+08:00\"", "\"end\":\"2025-01-01T00:00:00+08:00\""),
                      KERR_INVALID, "content.json: $.notices[0].end: the notice ends before it starts");
    expect_reject_str("bad_date", str_replace1(m, "2026-01-01T00:00:00+08:00", "2026-13-01T00:00:00+08:00"),
                      KERR_INVALID, "$.notices[0].start: \"2026-13-01T00:00:00+08:00\" is not a date-time");
    expect_reject_str("feb_30", str_replace1(m, "2026-01-01T00:00:00+08:00", "2026-02-30T00:00:00+08:00"),
                      KERR_INVALID, "is not a date-time");
    expect_reject_str("bad_schema", str_replace1(m, "\"schema\":1", "\"schema\":2"), KERR_INVALID,
                      "$.schema: schema 2 is not supported");
    expect_reject_str("blank_text", str_replace1(m, "\"zh\":\"咨询\"", "\"zh\":\"  \""), KERR_INVALID,
                      "$.services[0].summary.zh: string is empty");
    expect_reject_str("floor_zero", str_replace1(m, "\"floor\":3", "\"floor\":0"), KERR_INVALID,
                      "$.services[0].place.floor: floor 0 does not exist");
    expect_reject_str("grid_range", str_replace1(m, "\"grid\":1", "\"grid\":4"), KERR_INVALID,
                      "$.towers[0].grid: expected an integer from 1 to 3");
    expect_reject_str("sample_needs_notice", str_replace1(m, "\"sample\":false", "\"sample\":true"),
                      KERR_INVALID, "$.sample_notice: missing required field");

    /* Not an image at all: content_load already says so. */
    {
        const char *dir = bundle_write("not_image", m, strlen(m), png);
        struct content *c = NULL;
        struct content_report rep;
        content_report_init(&rep);
        CHECK(dir && bundle_put_file(dir, "images/a.png", "hello, world", 12) == 0);
        CHECK(content_load(dir, &c, &rep) == KERR_INVALID && c == NULL);
        CHECK(report_has(&rep, "$.notices[0].image: image \"images/a.png\" is not PNG, JPEG or SVG"));
        if (dir) bundle_remove(dir);
    }
    /* A PNG header (10x10) with garbage after it: only decoding finds out. */
    {
        static const char fake[] = "\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\0\x0a\0\0\0\x0a"
                                   "\x08\x02\0\0\0 garbage that is not a PNG stream";
        expect_deep_reject("image_no_decode", m, "$.notices[0].image: image \"a.png\" does not decode",
                           fake, sizeof fake - 1);
    }
    /* A character the UI font cannot draw (U+10000 LINEAR B SYLLABLE B008 A). */
    s = str_replace1(m, "段落", "段落\xF0\x90\x80\x80");
    if (s) expect_deep_reject("missing_glyph", s, "$.district.about[0].zh: character U+10000", NULL, 0);
    free(s);
    s = str_replace1(m, "\"icon\":\"gavel\"", "\"icon\":\"lgl\"");
    if (s) expect_deep_reject("unknown_icon", s, "$.categories[0].icon: \"lgl\" is not an icon", NULL, 0);
    free(s);

    /* A string over 8 KB in a small file. */
    {
        char *long_zh = malloc(9001 + 2);
        memset(long_zh, 'a', 9001);
        long_zh[9001] = 0;
        s = str_replace1(m, "咨询", long_zh);
        expect_reject_str("string_9k", s, KERR_TOOBIG,
                          "$.services[0].summary.zh: string of 9001 bytes is over the limit of 8192");
        free(long_zh);
    }
    /* A 50 MB string: the file is over the 20 MB limit and never parsed. */
    big = 50u * 1024u * 1024u;
    {
        char *doc = malloc(big + 64);
        if (doc) {
            size_t n = (size_t)sprintf(doc, "{\"version\":\"");
            memset(doc + n, 'x', big);
            n += big;
            n += (size_t)sprintf(doc + n, "\"}");
            expect_reject("string_50mb", doc, n, KERR_TOOBIG, "content.json: $: 52428814 bytes is over the limit of 20971520");
            free(doc);
        }
    }
    /* 10,000 levels of nesting, bare and inside a field. */
    {
        size_t depth = 10000, n = 0;
        char *doc = malloc(depth * 2 + 64);
        if (doc) {
            for (size_t i = 0; i < depth; i++) doc[n++] = '[';
            for (size_t i = 0; i < depth; i++) doc[n++] = ']';
            expect_reject("nesting_10000", doc, n, KERR_TOOBIG, "$: line 1 column 33: nesting deeper than 32");
            n = (size_t)sprintf(doc, "{\"district\":");
            for (size_t i = 0; i < depth; i++) doc[n++] = '{', doc[n++] = i + 1 < depth ? ' ' : '}';
            expect_reject("nesting_object", doc, n, KERR_TOOBIG, "nesting deeper than 32");
            free(doc);
        }
    }
    /* 300,000 copies of one key: rejected in linear time. */
    {
        size_t reps = 300000, n = 0;
        char *doc = malloc(reps * 9 + 64);
        uint64_t t0 = kclock_mono_ms();
        struct content_report rep;
        struct content *c = NULL;
        if (doc) {
            n += (size_t)sprintf(doc, "{\"district\":{\"name\":{");
            for (size_t i = 0; i < reps; i++) n += (size_t)sprintf(doc + n, "%s\"zh\":\"a\"", i ? "," : "");
            n += (size_t)sprintf(doc + n, "}}}");
            content_report_init(&rep);
            CHECK(content_load_mem(doc, n, NULL, &c, &rep) == KERR_INVALID && c == NULL);
            CHECK(report_has(&rep, "$.district.name.zh: duplicate key"));
            printf("%-22s %llu ms for %zu keys\n", "many_duplicate_keys",
                   (unsigned long long)(kclock_mono_ms() - t0), reps);
            free(doc);
        }
    }
    /* Many problems: bounded report, total counted. */
    {
        char *doc = malloc(200 * 40 + 64);
        size_t n = (size_t)sprintf(doc, "{\"towers\":[");
        struct content_report rep;
        struct content *c = NULL;
        for (int i = 0; i < 200; i++) n += (size_t)sprintf(doc + n, "%s{\"id\":\"t\"}", i ? "," : "");
        n += (size_t)sprintf(doc + n, "]}");
        content_report_init(&rep);
        CHECK(content_load_mem(doc, n, NULL, &c, &rep) == KERR_INVALID && c == NULL);
        CHECK(rep.count == CONTENT_REPORT_MAX && rep.dropped > 0);
        CHECK(content_report_total(&rep) > 200);
        free(doc);
    }
    /* Missing folder. */
    {
        struct content_report rep;
        struct content *c = NULL;
        content_report_init(&rep);
        CHECK(content_load("/nonexistent/bundle", &c, &rep) == KERR_NOTFOUND && c == NULL);
        CHECK(report_has(&rep, "content.json: $: cannot open"));
    }
    return ktest_done("content_rejects_malformed_bundles");
}
