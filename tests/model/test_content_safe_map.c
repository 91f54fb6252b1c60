/* The last good copy keeps the bundle's map: a bundle with map.geojson that
 * is later broken falls back to a last good copy whose map still loads (the
 * 找支部 feature survives). The map is copied only when it is a regular file
 * that validates against the content and has one connected walk network; a
 * map changed or removed in a newer valid bundle changes the copy.
 * argv[1] = default bundle folder (for a real PNG). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle_util.h"
#include "content.h"
#include "contentcheck.h"
#include "geomap.h"
#include "ktest.h"
#include "walk.h"

static char last_good[512], png[1024];

/* A map for bundle_minimal's tower t01: footprint, door, a way through it.
 * %s is put after the way: "" or more features. */
#define MAP_FMT                                                                                    \
    "{\"type\":\"FeatureCollection\",\"bbox\":[120.0,30.0,120.01,30.01],\"features\":["           \
    "{\"type\":\"Feature\",\"properties\":{\"tower\":\"t01\"},\"geometry\":{\"type\":\"Polygon\"," \
    "\"coordinates\":[[[120.002,30.002],[120.004,30.002],[120.004,30.004],[120.002,30.004],"       \
    "[120.002,30.002]]]}},"                                                                        \
    "{\"type\":\"Feature\",\"properties\":{\"tower\":\"%s\",\"entrance\":\"南门\"},"               \
    "\"geometry\":{\"type\":\"Point\",\"coordinates\":[120.003,30.002]}},"                         \
    "{\"type\":\"Feature\",\"properties\":{\"name\":\"%s\"},\"geometry\":{\"type\":\"LineString\"," \
    "\"coordinates\":[[120.001,30.002],[120.003,30.002],[120.005,30.002]]}}%s]}"

/* An island: a way that touches nothing else (the network is not connected). */
#define ISLAND                                                                                     \
    ",{\"type\":\"Feature\",\"properties\":{\"name\":\"孤路\"},\"geometry\":{\"type\":"           \
    "\"LineString\",\"coordinates\":[[120.001,30.008],[120.005,30.008]]}}"

static void rm_last_good(void)
{
    char p[600];
    bundle_remove(last_good);
    snprintf(p, sizeof p, "%s.old", last_good);
    bundle_remove(p);
    snprintf(p, sizeof p, "%s.tmp", last_good);
    bundle_remove(p);
}

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *b = NULL;
    long n;
    *len = 0;
    if (!f) return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (b = malloc((size_t)n + 1)) != NULL) {
        if (fread(b, 1, (size_t)n, f) != (size_t)n) {
            free(b);
            b = NULL;
        } else {
            b[n] = 0;
            *len = (size_t)n;
        }
    }
    fclose(f);
    return b;
}

/* True when the last good copy's map.geojson holds exactly map (NULL: the
 * copy has no map.geojson). */
static int last_good_map_is(const char *map)
{
    char p[700];
    size_t n;
    char *b;
    int same;
    snprintf(p, sizeof p, "%s/" GEOMAP_FILE, last_good);
    b = read_all(p, &n);
    same = map ? b && n == strlen(map) && memcmp(b, map, n) == 0 : !b;
    free(b);
    return same;
}

/* Writes a bundle (content json, the PNG, map text or NULL) under name. */
static const char *bundle_with_map(const char *name, const char *json, const char *map)
{
    const char *d = bundle_write(name, json, strlen(json), png);
    if (d && map && bundle_put_file(d, GEOMAP_FILE, map, strlen(map)) != 0) return NULL;
    return d;
}

/* content_load_safe(dir) without the deep check; 1 when it loaded. */
static int load_plain(const char *dir)
{
    struct content *c = NULL;
    struct content_report rep;
    enum kerr e;
    content_report_init(&rep);
    e = content_load_safe(dir, last_good, NULL, NULL, &c, &rep);
    content_free(c);
    return e == KERR_OK;
}

int main(int argc, char **argv)
{
    char map[4096], map2[4096], bad_tower[4096], island[4096], dir[512];
    struct content_report rep;
    struct content *c = NULL;
    struct geomap *m = NULL;
    struct walk_graph *g = NULL;
    char *broken;
    const char *d;

    if (argc < 2) return 2;
    snprintf(png, sizeof png, "%s/images/legal.png", argv[1]);
    snprintf(last_good, sizeof last_good, "/tmp/kmodel-test-%d-map-lastgood", (int)getpid());
    rm_last_good();
    snprintf(map, sizeof map, MAP_FMT, "t01", "南路", "");
    snprintf(map2, sizeof map2, MAP_FMT, "t01", "新南路", "");
    snprintf(bad_tower, sizeof bad_tower, MAP_FMT, "t99", "南路", "");
    snprintf(island, sizeof island, MAP_FMT, "t01", "南路", ISLAND);

    /* 1. a valid bundle with a valid map (the deep check passes): the last
     * good copy holds the map, byte for byte */
    d = bundle_with_map("map_v1", bundle_minimal, map);
    CHECK(d != NULL);
    snprintf(dir, sizeof dir, "%s", d ? d : "");
    content_report_init(&rep);
    CHECK(content_load_safe(dir, last_good, content_check_deep, NULL, &c, &rep) == KERR_OK);
    CHECK(c && strcmp(c->version, "t1") == 0);
    content_free(c);
    c = NULL;
    CHECK(last_good_map_is(map));
    bundle_remove(dir);

    /* 2. then a broken bundle: the last good copy is shown, and its map
     * loads as the app loads it (from the shown bundle's folder) */
    broken = str_replace1(bundle_minimal, "\"category\":\"legal\"", "\"category\":\"lgl\"");
    d = broken ? bundle_with_map("map_broken", broken, map) : NULL;
    CHECK(d != NULL);
    snprintf(dir, sizeof dir, "%s", d ? d : "");
    content_report_init(&rep);
    CHECK(content_load_safe(dir, last_good, content_check_deep, NULL, &c, &rep) == KERR_OK);
    CHECK(c && strcmp(c->version, "t1") == 0 && c->dir && strcmp(c->dir, last_good) == 0);
    content_report_init(&rep);
    CHECK(c && geomap_load(c->dir, c, &m, &rep) == KERR_OK);
    CHECK(m && walk_build(m, &g, &rep) == KERR_OK);
    CHECK(m && m->n_f == 3);
    walk_graph_free(g);
    geomap_free(m);
    content_free(c);
    c = NULL;
    bundle_remove(dir);

    /* 3. a newer bundle whose map alone changed: the copy takes the new map */
    d = bundle_with_map("map_v2", bundle_minimal, map2);
    snprintf(dir, sizeof dir, "%s", d ? d : "");
    CHECK(d && load_plain(dir));
    CHECK(last_good_map_is(map2));
    bundle_remove(dir);

    /* 4. maps that do not validate are left out (content_load alone accepts
     * these bundles: no deep check here), the rest is copied */
    d = bundle_with_map("map_bad_tower", bundle_minimal, bad_tower);
    snprintf(dir, sizeof dir, "%s", d ? d : "");
    CHECK(d && load_plain(dir));
    CHECK(last_good_map_is(NULL));
    {
        char p[700];
        struct stat st;
        snprintf(p, sizeof p, "%s/content.json", last_good);
        CHECK(stat(p, &st) == 0 && st.st_size == (off_t)strlen(bundle_minimal));
    }
    bundle_remove(dir);

    d = bundle_with_map("map_v1b", bundle_minimal, map); /* a map again */
    snprintf(dir, sizeof dir, "%s", d ? d : "");
    CHECK(d && load_plain(dir) && last_good_map_is(map));
    bundle_remove(dir);

    d = bundle_with_map("map_island", bundle_minimal, island); /* not connected */
    snprintf(dir, sizeof dir, "%s", d ? d : "");
    CHECK(d && load_plain(dir));
    CHECK(last_good_map_is(NULL));
    bundle_remove(dir);

    /* 5. a map.geojson that is not a regular file: no hang, no map copied */
    d = bundle_with_map("map_v1c", bundle_minimal, map);
    snprintf(dir, sizeof dir, "%s", d ? d : "");
    CHECK(d && load_plain(dir) && last_good_map_is(map));
    bundle_remove(dir);
    d = bundle_with_map("map_fifo", bundle_minimal, NULL);
    snprintf(dir, sizeof dir, "%s", d ? d : "");
    {
        char p[700];
        snprintf(p, sizeof p, "%s/" GEOMAP_FILE, dir);
        CHECK(d && mkfifo(p, 0644) == 0);
    }
    CHECK(d && load_plain(dir));
    CHECK(last_good_map_is(NULL));
    bundle_remove(dir);

    /* 6. a bundle without a map after one with: the copy has none either */
    d = bundle_with_map("map_v1d", bundle_minimal, map);
    snprintf(dir, sizeof dir, "%s", d ? d : "");
    CHECK(d && load_plain(dir) && last_good_map_is(map));
    bundle_remove(dir);
    d = bundle_with_map("map_none", bundle_minimal, NULL);
    snprintf(dir, sizeof dir, "%s", d ? d : "");
    CHECK(d && load_plain(dir));
    CHECK(last_good_map_is(NULL));
    bundle_remove(dir);

    free(broken);
    rm_last_good();
    return ktest_done("content_last_good_keeps_the_map");
}
