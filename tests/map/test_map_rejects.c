/* map_check_rejects_bad_geometry: each broken map.geojson is refused with a
 * "map.geojson: JSON-PATH: reason" line naming the problem: an island of
 * the walk network (named), an unknown tower, a tower without an entrance,
 * a position outside the bounding box, a self-intersecting footprint, an
 * entrance off the network, an unknown kind, not GeoJSON. And through
 * `--check-content` (content_check_dir) the same island fails the bundle. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "contentcheck.h"
#include "geomap.h"
#include "ktest.h"
#include "map_fixture.h"
#include "walk.h"

static char buf[1 << 16];

static bool report_has(const struct content_report *rep, const char *needle)
{
    for (size_t i = 0; i < rep->count; i++)
        if (strstr(rep->lines[i], needle)) return true;
    for (size_t i = 0; i < rep->count; i++) fprintf(stderr, "  got: %s\n", rep->lines[i]);
    return false;
}

/* Loads the fixture map plus one extra feature; expects a refusal whose
 * report contains needle. */
static void expect(const struct content *c, char kind, const char *props, int npts,
                   const double *xy, const char *needle)
{
    char ex[4096] = "[";
    size_t n = 1, len;
    struct content_report rep;
    struct geomap *m = NULL;
    struct walk_graph *g = NULL;
    enum kerr e;
    fx_add(ex, sizeof ex, &n, kind, props, npts, xy);
    len = fx_map(buf, sizeof buf, ex + 1);
    content_report_init(&rep);
    e = geomap_load_mem(buf, len, c, &m, &rep);
    if (e == KERR_OK) e = walk_build(m, &g, &rep);
    CHECK(e != KERR_OK);
    CHECK(report_has(&rep, needle));
    walk_graph_free(g);
    geomap_free(m);
}

static void expect_text(const struct content *c, const char *text, const char *needle)
{
    struct content_report rep;
    struct geomap *m = NULL;
    content_report_init(&rep);
    CHECK(geomap_load_mem(text, strlen(text), c, &m, &rep) != KERR_OK);
    CHECK(m == NULL);
    CHECK(report_has(&rep, needle));
}

static int write_file(const char *dir, const char *name, const char *data, size_t len)
{
    char p[600];
    FILE *f;
    snprintf(p, sizeof p, "%s/%s", dir, name);
    f = fopen(p, "wb");
    if (!f) return -1;
    fwrite(data, 1, len, f);
    return fclose(f);
}

int main(void)
{
    struct content *c = NULL, *c2 = NULL;
    struct content_report rep;
    char *more;
    content_report_init(&rep);
    CHECK(content_load_mem(fx_content, strlen(fx_content), NULL, &c, &rep) == KERR_OK);
    if (!c) return ktest_done("map_check_rejects_bad_geometry");

    /* 0.8 m from C's door is not merged: the way is an island, named */
    expect(c, 'L', "\"name\":\"孤岛小径\"", 2, (double[]){300.8, 0, 400, 0},
           "map.geojson: $.features[13]: the walk network is not connected: an island of 1 way "
           "(孤岛小径)");
    expect(c, 'P', "\"tower\":\"tz\",\"entrance\":\"门\"", 1, (double[]){0, 0},
           "map.geojson: $.features[13].properties.tower: unknown tower \"tz\"");
    expect(c, 'L', "\"name\":\"远路\"", 2, (double[]){300, 0, 600, 0},
           "map.geojson: $.features[13].geometry.coordinates[1]: ");
    expect(c, 'L', "", 2, (double[]){300, 0, 600, 0}, "outside the district's bounding box");
    expect(c, 'G', "\"tower\":\"ta\"", 5, (double[]){0, 100, 40, 140, 40, 100, 0, 140, 0, 100},
           "map.geojson: $.features[13].geometry.coordinates[0]: the outline crosses itself");
    expect(c, 'G', "\"tower\":\"ta\"", 4, (double[]){0, 100, 40, 140, 40, 100, 0, 101},
           "the ring is not closed");
    expect(c, 'P', "\"tower\":\"tb\",\"entrance\":\"侧门\"", 1, (double[]){170, 45},
           "map.geojson: $.features[13].geometry: entrance of tower \"tb\" is not on a walkable way");
    expect(c, 'G', "\"kind\":\"lake\"", 4, (double[]){0, 100, 40, 140, 40, 100, 0, 100},
           "map.geojson: $.features[13].properties.kind: unknown kind");
    expect(c, 'G', "", 4, (double[]){0, 100, 40, 140, 40, 100, 0, 100}, "cannot tell what this is");
    expect(c, 'P', "\"kind\":\"landmark\"", 1, (double[]){10, 10}, "a landmark needs a name");
    expect_text(c, "{\"type\":\"Feature\"}", "map.geojson: $.type: must be \"FeatureCollection\"");
    expect_text(c, "{\"type\":\"FeatureCollection\",\"features\":[]}", "map.geojson: $.bbox:");
    expect_text(c, "[1,", "map.geojson: $: not a JSON object");
    expect_text(c,
                "{\"type\":\"FeatureCollection\",\"bbox\":[0,0,0.1,0.1],\"walking\":{\"speed_mps\":9},"
                "\"features\":[]}",
                "map.geojson: $.walking.speed_mps: must be a number");

    /* a tower of the content with no entrance: named at its footprint */
    more = malloc(strlen(fx_content) + 200);
    {
        const char *at = strstr(fx_content, "{\"id\":\"td\"");
        size_t a = (size_t)(at - fx_content);
        memcpy(more, fx_content, a);
        strcpy(more + a, "{\"id\":\"te\",\"name\":{\"zh\":\"示例E\"},\"grid\":2,\"x_m\":0,\"y_m\":0,"
                         "\"floors\":5},");
        strcat(more, at);
    }
    content_report_init(&rep);
    CHECK(content_load_mem(more, strlen(more), NULL, &c2, &rep) == KERR_OK);
    if (c2) {
        expect(c2, 'G', "\"tower\":\"te\"", 5, (double[]){0, 100, 40, 100, 40, 140, 0, 140, 0, 100},
               "map.geojson: $.features[13]: tower \"te\" has no entrance");
        expect(c2, 'L', "", 2, (double[]){0, 0, 0, -10}, "map.geojson: $: tower \"te\" has no entrance");
    }
    free(more);

    /* the whole check, as `kiosk --check-content DIR` runs it */
    {
        char dir[256], out_path[300], ex[1024] = "[", text[8192];
        size_t n = 1, len;
        FILE *out;
        snprintf(dir, sizeof dir, "/tmp/kmap-test-%d", (int)getpid());
        mkdir(dir, 0755);
        CHECK(write_file(dir, "content.json", fx_content, strlen(fx_content)) == 0);
        len = fx_map(buf, sizeof buf, "");
        CHECK(write_file(dir, "map.geojson", buf, len) == 0);
        snprintf(out_path, sizeof out_path, "%s/out.txt", dir);
        out = fopen(out_path, "w+");
        CHECK(content_check_dir(dir, NULL, out) == 0);
        fclose(out);
        fx_add(ex, sizeof ex, &n, 'L', "\"name\":\"孤岛小径\"", 2, (double[]){300.8, 0, 400, 0});
        len = fx_map(buf, sizeof buf, ex + 1);
        CHECK(write_file(dir, "map.geojson", buf, len) == 0);
        out = fopen(out_path, "w+");
        CHECK(content_check_dir(dir, NULL, out) == 1);
        rewind(out);
        n = fread(text, 1, sizeof text - 1, out);
        text[n] = 0;
        fclose(out);
        CHECK(strstr(text, "map.geojson: $.features[13]: the walk network is not connected") != NULL);
        fprintf(stderr, "%s", text);
        /* a name on the map needs glyphs like every string of the bundle
         * (U+13000, an Egyptian hieroglyph, is not in the UI font) */
        n = 1;
        fx_add(ex, sizeof ex, &n, 'P', "\"kind\":\"landmark\",\"name\":\"示例\xF0\x93\x80\x80\"", 1,
               (double[]){50, 10});
        len = fx_map(buf, sizeof buf, ex + 1);
        CHECK(write_file(dir, "map.geojson", buf, len) == 0);
        out = fopen(out_path, "w+");
        CHECK(content_check_dir(dir, NULL, out) == 1);
        rewind(out);
        n = fread(text, 1, sizeof text - 1, out);
        text[n] = 0;
        fclose(out);
        CHECK(strstr(text, "map.geojson: $.features[13].properties.name: character U+13000") != NULL);
        fprintf(stderr, "%s", text);
        /* map.geojson is opened like every bundle file: a symlink is refused */
        {
            char real[300], link[300];
            len = fx_map(buf, sizeof buf, "");
            CHECK(write_file(dir, "real.geojson", buf, len) == 0);
            snprintf(real, sizeof real, "%s/real.geojson", dir);
            snprintf(link, sizeof link, "%s/map.geojson", dir);
            unlink(link);
            CHECK(symlink("real.geojson", link) == 0);
            out = fopen(out_path, "w+");
            CHECK(content_check_dir(dir, NULL, out) == 1);
            rewind(out);
            n = fread(text, 1, sizeof text - 1, out);
            text[n] = 0;
            fclose(out);
            CHECK(strstr(text, "map.geojson: $: symlink refused") != NULL);
            fprintf(stderr, "%s", text);
            unlink(real);
        }
        unlink(out_path);
        snprintf(out_path, sizeof out_path, "%s/map.geojson", dir);
        unlink(out_path);
        snprintf(out_path, sizeof out_path, "%s/content.json", dir);
        unlink(out_path);
        rmdir(dir);
    }
    content_free(c2);
    content_free(c);
    return ktest_done("map_check_rejects_bad_geometry");
}
