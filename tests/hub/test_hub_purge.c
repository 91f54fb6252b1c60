/* hub_purges_unneeded_content_bundles_and_revoked_polls: the retention sweep
 * (kiosk-hub --sweep-every 1) removes the bundles of content releases no
 * kiosk can still need and forgets revoked kiosks' polls. Five releases
 * signed with kioskctl and published; three kiosks: K1 stays on v1, K2 goes
 * to v5, K3 installed v2 and is revoked. Expected: the bundles of v1 (K1's),
 * v4 and v5 (the two newest) stay, those of v2 (only the revoked kiosk had
 * it) and v3 (nobody) go, bytes counted on disk (SQLite: the bundle files)
 * or in content_bundles (PostgreSQL); the release rows all stay and the list
 * says "bundle_removed_at"; K1 still downloads v1; v2 answers 410
 * bundle-removed, an unknown version 404; K3's tower (its kiosk_polls row on
 * PostgreSQL, the fleet's memory on SQLite) is gone; the log's sweep lines
 * add up to the bytes freed. The _pg twin (KIOSK_HUB_PG) also runs a second
 * hub on the database: its cached file of v2 is removed at its own sweep.
 * Bounded waits (20 s at most); sample data only. */
#include <cjson/cJSON.h>
#include <pthread.h>
#include <sqlite3.h>

#include "harness.h"
#include "ktest.h"

#ifdef KIOSK_HUB_PG
#define TEST_NAME "hub_purges_unneeded_content_bundles_and_revoked_polls_pg"
#else
#define TEST_NAME "hub_purges_unneeded_content_bundles_and_revoked_polls"
#endif

#define NV 5
static struct hub H;
static const char *ctl;
static char bundle[NV + 1][256]; /* the signed bundle file of each version */
static long bsize[NV + 1];

static const char *str_or(const cJSON *x, const char *dflt)
{
    const char *v = cJSON_GetStringValue(x);
    return v ? v : dflt;
}

static int run(const char *cmd)
{
    int rc = system(cmd);
    if (rc != 0) fprintf(stderr, "failed (%d): %s\n", rc, cmd);
    return rc;
}

/* Keys and five bundles of the assets' content, as tests/content/push_e2e.sh
 * signs them (the hub checks no signature; the kiosks do). */
static int sign_bundles(const char *assets)
{
    char cmd[2048], d[128];
    snprintf(d, sizeof d, "%s/sign", H.dir);
    snprintf(cmd, sizeof cmd,
             "mkdir -p %s/keys %s/off && cp -r '%s' %s/c && cd %s/off &&"
             " '%s' content keygen -o root >/dev/null && cd %s/keys &&"
             " '%s' content keygen -o editor >/dev/null &&"
             " '%s' content keys --key %s/off/root.key --version 1 -o %s/keys/keys.json"
             " %s/keys/editor.pub >/dev/null",
             d, d, assets, d, d, ctl, d, ctl, ctl, d, d, d);
    if (run(cmd) != 0) return -1;
    for (int v = 1; v <= NV; v++) {
        struct stat sb;
        snprintf(bundle[v], sizeof bundle[v], "%s/v%d.tar", d, v);
        snprintf(cmd, sizeof cmd,
                 "'%s' content sign --key %s/keys/editor.key --version %d --expires-days 1 %s/c"
                 " -o %s >/dev/null",
                 ctl, d, v, d, bundle[v]);
        if (run(cmd) != 0 || stat(bundle[v], &sb) != 0) return -1;
        bsize[v] = (long)sb.st_size;
    }
    return 0;
}

static char *read_all(const char *path, long *len)
{
    FILE *f = fopen(path, "rb");
    char *b = NULL;
    *len = 0;
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    *len = ftell(f);
    rewind(f);
    b = malloc((size_t)*len + 1);
    if (b && fread(b, 1, (size_t)*len, f) != (size_t)*len) {
        free(b);
        b = NULL;
    }
    fclose(f);
    return b;
}

static void publish(int v)
{
    struct resp r;
    long len;
    char *b = read_all(bundle[v], &len);
    CHECK(b != NULL);
    http_ex(&H, "POST", "/api/v1/admin/content?to=all", ADMIN_TOKEN, NULL, b, (size_t)len, 0, &r);
    CHECK(r.status == 201);
    if (r.status != 201) fprintf(stderr, "publish v%d: %ld %s\n", v, r.status, r.body);
    free(r.body);
    free(b);
}

static void add_kiosk(const char *id, char *tok, size_t cap)
{
    CHECK(hub_add_kiosk(&H, id, tok, cap) == 201);
    CHECK(strlen(tok) == 64);
}

/* A heartbeat saying the kiosk has content version v installed. */
static void beat(const char *id, const char *tok, int v)
{
    struct resp r;
    char path[96], body[400];
    snprintf(path, sizeof path, "/api/v1/kiosks/%s/heartbeat", id);
    snprintf(body, sizeof body,
             "{\"version\":\"0.1.0\",\"queue_depth\":0,\"oldest_pending_s\":0,"
             "\"content_version\":\"1\",\"online\":true,\"last_error\":null,\"tower\":\"t03\","
             "\"content_bundle\":\"%d\"}",
             v);
    http(&H, "POST", path, tok, NULL, body, &r);
    CHECK(r.status == 200);
    free(r.body);
}

static long get_bundle(const struct hub *h, const char *tok, int v, struct resp *r)
{
    char path[64];
    snprintf(path, sizeof path, "/api/v1/content/bundles/%d", v);
    http(h, "GET", path, tok, NULL, NULL, r);
    return r->status;
}

/* The releases whose list entry says their bundle was removed, as a bit set
 * (bit v); -1 when the list could not be read. */
static long removed_set(void)
{
    struct resp r;
    cJSON *o, *x;
    long set = 0;
    http(&H, "GET", "/api/v1/admin/content", ADMIN_TOKEN, NULL, NULL, &r);
    o = r.status == 200 ? cJSON_Parse(r.body) : NULL;
    free(r.body);
    if (!o) return -1;
    cJSON_ArrayForEach(x, cJSON_GetObjectItem(o, "releases"))
    {
        int v = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(x, "version"));
        if (cJSON_IsString(cJSON_GetObjectItem(x, "bundle_removed_at")) && v > 0 && v < 31)
            set |= 1L << v;
    }
    cJSON_Delete(o);
    return set;
}

/* The tower the admin kiosk list shows for id ("" for null). */
static void tower_of(const char *id, char *out, size_t cap)
{
    struct resp r;
    cJSON *o, *k;
    out[0] = '\0';
    http(&H, "GET", "/api/v1/admin/kiosks", ADMIN_TOKEN, NULL, NULL, &r);
    o = cJSON_Parse(r.body);
    free(r.body);
    cJSON_ArrayForEach(k, cJSON_GetObjectItem(o, "kiosks"))
    {
        const char *t = cJSON_GetStringValue(cJSON_GetObjectItem(k, "tower"));
        if (strcmp(str_or(cJSON_GetObjectItem(k, "id"), ""), id) == 0 && t)
            snprintf(out, cap, "%s", t);
    }
    cJSON_Delete(o);
}

/* The kiosk's event poll with its tower; held (PostgreSQL: that is when
 * kiosk_polls gets the row) until the client gives up after 1 s. */
static void poll_events(const char *id, const char *tok, bool held)
{
    struct resp r;
    char path[128];
    snprintf(path, sizeof path, "/api/v1/kiosks/%s/events?tower=t03", id);
    http(&H, "GET", path, tok, NULL, NULL, &r);
    CHECK(r.status == 200);
    if (held) {
        cJSON *o = cJSON_Parse(r.body);
        long seq = (long)cJSON_GetNumberValue(cJSON_GetObjectItem(o, "seq"));
        char url[256], auth[160];
        CURL *c = curl_easy_init();
        struct curl_slist *hdr = NULL;
        snprintf(url, sizeof url, "http://127.0.0.1:%d%s&since=%ld", H.port, path, seq);
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", tok);
        hdr = curl_slist_append(hdr, auth);
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 1000L);
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        CHECK(curl_easy_perform(c) == CURLE_OPERATION_TIMEDOUT); /* held */
        curl_slist_free_all(hdr);
        curl_easy_cleanup(c);
        cJSON_Delete(o);
    }
    free(r.body);
}

/* Sums what the log's sweep lines say was removed: releases purged,
 * database bytes, files and their bytes, polls forgotten. */
static void log_sums(const char *logfile, long long s[5])
{
    FILE *f = fopen(logfile, "r");
    char line[1024];
    memset(s, 0, 5 * sizeof s[0]);
    if (!f) return;
    while (fgets(line, sizeof line, f)) {
        long long a[5] = {0, 0, 0, 0, 0};
        char *p = strstr(line, "retention: purged the bundles of ");
        char *q = strstr(line, "content: removed ");
        if (p && sscanf(p, "retention: purged the bundles of %lld content releases (%lld bytes in"
                           " the database), removed %lld bundle files (%lld bytes), forgot the"
                           " polls of %lld revoked kiosks", &a[0], &a[1], &a[2], &a[3], &a[4]) == 5)
            printf("log: %s", p);
        else if (q && sscanf(q, "content: removed %lld bundle files of purged releases from %*s"
                                " (%lld bytes)", &a[2], &a[3]) == 2)
            printf("log: %s", q);
        for (int i = 0; i < 5; i++) s[i] += a[i];
    }
    fclose(f);
}

static bool exists(const char *dir, int v)
{
    char p[320];
    snprintf(p, sizeof p, "%.256s/bundle-%d.tar", dir, v);
    return access(p, F_OK) == 0;
}

int main(int argc, char **argv)
{
    const char *extra[] = {"--sweep-every", "1", "--quiet", NULL};
    char tok[4][128], folder[256], t[64];
    struct resp r;
    long set = -1, freed, freed_files;
    int nfiles = 2;
    long long sums[5];
#ifdef KIOSK_HUB_PG
    struct hub peer;
    char peer_folder[256];
#endif
    if (argc < 4) return 2;
    ctl = argv[2];
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CHECK(hub_init(&H, argv[1]) == 0);
    CHECK(sign_bundles(argv[3]) == 0);
    CHECK(hub_start(&H, extra) == 0);
#ifdef KIOSK_HUB_PG
    snprintf(folder, sizeof folder, "%s/hub.content", H.dir); /* this hub's cache */
    CHECK(hub_init_peer(&peer, &H) == 0);
    CHECK(hub_start(&peer, extra) == 0);
    snprintf(peer_folder, sizeof peer_folder, "%s/hub.content", peer.dir);
#else
    snprintf(folder, sizeof folder, "%s.content", H.db); /* the only copy */
#endif
    add_kiosk("HL-P01", tok[1], sizeof tok[1]);
    add_kiosk("HL-P02", tok[2], sizeof tok[2]);
    add_kiosk("HL-P03", tok[3], sizeof tok[3]);
    /* the sweep runs every second all along: each step leaves nothing it
     * may purge that the end state keeps */
    publish(1);
    for (int k = 1; k <= 3; k++) beat(k == 1 ? "HL-P01" : k == 2 ? "HL-P02" : "HL-P03", tok[k], 1);
    publish(2);
    beat("HL-P03", tok[3], 2);
#ifdef KIOSK_HUB_PG
    poll_events("HL-P03", tok[3], true);
    CHECK(hub_db_num(&H, "SELECT count(*) FROM kiosk_polls WHERE kiosk = ?1", "HL-P03") == 1);
    /* the second hub caches v2 (kept while K3 has it) */
    CHECK(get_bundle(&peer, tok[1], 2, &r) == 200 && r.len == (size_t)bsize[2]);
    free(r.body);
    CHECK(exists(peer_folder, 2));
#else
    poll_events("HL-P03", tok[3], false);
#endif
    tower_of("HL-P03", t, sizeof t);
    CHECK_STR(t, "t03");
    publish(3);
    publish(4);
    publish(5);
    beat("HL-P01", tok[1], 1); /* offered v5, stays on v1 */
    beat("HL-P02", tok[2], 4);
    beat("HL-P02", tok[2], 5);
    http(&H, "DELETE", "/api/v1/admin/kiosks/HL-P03", ADMIN_TOKEN, NULL, NULL, &r);
    CHECK(r.status == 200 || r.status == 204);
    free(r.body);
    /* bounded: 2 s sweeps would do; 20 s for a loaded machine */
    for (int i = 0; i < 200; i++) {
        set = removed_set();
        tower_of("HL-P03", t, sizeof t);
        if (set == ((1L << 2) | (1L << 3)) && !t[0] && !exists(folder, 2) && !exists(folder, 3)
#ifdef KIOSK_HUB_PG
            && !exists(peer_folder, 2)
#endif
        )
            break;
        usleep(100000);
    }
    usleep(2500000); /* two more sweeps purge nothing else */
    set = removed_set();
    printf("bundles removed: bit set 0x%lx (want 0xc: v2, v3)\n", set);
    CHECK(set == ((1L << 2) | (1L << 3)));
    freed = bsize[2] + bsize[3];
    freed_files = freed;
#ifdef KIOSK_HUB_PG
    CHECK(hub_db_num(&H, "SELECT count(*) FROM content_releases", NULL) == NV);
    CHECK(hub_db_num(&H, "SELECT count(*) FROM content_bundles", NULL) == 3);
    CHECK(hub_db_num(&H, "SELECT count(*) FROM content_bundles WHERE version IN (1, 4, 5)", NULL)
          == 3);
    CHECK(hub_db_num(&H, "SELECT coalesce(sum(length(data)), 0) FROM content_bundles", NULL) ==
          bsize[1] + bsize[4] + bsize[5]);
    CHECK(hub_db_num(&H, "SELECT count(*) FROM kiosk_polls WHERE kiosk = ?1", "HL-P03") == 0);
    /* the second hub's cache: v2 removed at its own sweep, v2 gone for it too */
    CHECK(!exists(peer_folder, 2));
    CHECK(get_bundle(&peer, tok[1], 2, &r) == 410);
    free(r.body);
    CHECK(get_bundle(&peer, tok[1], 1, &r) == 200 && r.len == (size_t)bsize[1]);
    free(r.body);
#else
    CHECK(hub_db_num(&H, "SELECT count(*) FROM content_releases", NULL) == NV);
#endif
    /* the files: the SQLite hub's bundles, the PostgreSQL hub's cache */
    CHECK(!exists(folder, 2) && !exists(folder, 3));
    CHECK(exists(folder, 1) && exists(folder, 4) && exists(folder, 5));
    tower_of("HL-P03", t, sizeof t);
    CHECK_STR(t, "");
    /* K1, still on v1, downloads it byte for byte */
    CHECK(get_bundle(&H, tok[1], 1, &r) == 200);
    {
        long len;
        char *b = read_all(bundle[1], &len);
        CHECK(b && r.len == (size_t)len && memcmp(b, r.body, (size_t)len) == 0);
        free(b);
    }
    free(r.body);
    /* a purged bundle: 410 with its slug; an unknown version: 404 */
    CHECK(get_bundle(&H, tok[1], 2, &r) == 410);
    CHECK(strstr(r.body, "bundle-removed") != NULL);
    CHECK(strstr(r.ctype, "application/problem+json") != NULL);
    free(r.body);
    CHECK(get_bundle(&H, tok[1], 3, &r) == 410);
    free(r.body);
    CHECK(get_bundle(&H, tok[1], 99, &r) == 404);
    free(r.body);
    CHECK(get_bundle(&H, tok[2], 5, &r) == 200 && r.len == (size_t)bsize[5]);
    free(r.body);
    /* the log: one line per sweep that removed something, adding up (on
     * PostgreSQL over both hubs: either may hold the lease at a sweep) */
    log_sums(H.logfile, sums);
#ifdef KIOSK_HUB_PG
    {
        long long p[5];
        log_sums(peer.logfile, p);
        for (int i = 0; i < 5; i++) sums[i] += p[i];
        freed_files = freed + bsize[2]; /* and the peer's cached v2 */
        nfiles = 3;
    }
#endif
    printf("log sums: releases %lld, database bytes %lld, files %lld (%lld bytes), polls %lld;"
           " bundles of v2+v3: %ld bytes\n", sums[0], sums[1], sums[2], sums[3], sums[4], freed);
    CHECK(sums[0] == 2);
    CHECK(sums[2] == nfiles && sums[3] == freed_files);
    CHECK(sums[4] == 1);
#ifdef KIOSK_HUB_PG
    CHECK(sums[1] == freed);
    hub_cleanup(&peer);
#else
    CHECK(sums[1] == 0);
#endif
    hub_cleanup(&H);
    curl_global_cleanup();
    return ktest_done(TEST_NAME);
}
