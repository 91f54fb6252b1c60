/* content_foreach_text is the one list of a bundle's strings: on the default
 * bundle (argv[1]) it gives every string of content.json that a person can
 * read (everything but ids, references, icon names, dates, image paths and
 * search tags), nothing else, content_text_path names where each one is in
 * the JSON (categories included, which are held sorted), and a call
 * allocates nothing (it runs on the UI thread in the idle warm-up). */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "content.h"
#include "ktest.h"

#define MAXS 20000

struct seen {
    const char *s[MAXS];
    size_t n;
};

static void collect(const char *text, void *ud)
{
    struct seen *v = ud;
    if (v->n < MAXS) v->s[v->n++] = text;
}

static void count(const char *text, void *ud)
{
    (void)text;
    (*(size_t *)ud)++;
}

/* Keys whose string values are not text for people. */
static int skipped_key(const char *k)
{
    static const char *const keys[] = {"$schema", "id", "category", "provider_org", "tower", "from",
                                       "to", "org", "icon", "type", "start", "end", "generated_at",
                                       "image", "tags",
                                       /* nursing-room booking rules: dates and HH:MM */
                                       "date", "mon", "tue", "wed", "thu", "fri", "sat", "sun",
                                       "hours", NULL};
    for (size_t i = 0; k && keys[i]; i++)
        if (strcmp(k, keys[i]) == 0) return 1;
    return 0;
}

static size_t json_missing, json_total;

static void walk_json(const cJSON *v, const char *key, const struct seen *seen)
{
    if (skipped_key(key)) return;
    if (cJSON_IsString(v)) {
        size_t i = 0;
        json_total++;
        while (i < seen->n && strcmp(seen->s[i], v->valuestring) != 0) i++;
        if (i == seen->n) {
            json_missing++;
            fprintf(stderr, "  not listed: %s = \"%.60s\"\n", key ? key : "?", v->valuestring);
        }
        return;
    }
    for (const cJSON *c = v->child; c; c = c->next) walk_json(c, cJSON_IsObject(v) ? c->string : key, seen);
}

/* The value at a path like $.a[1].b.zh in root. */
static const cJSON *at_path(const cJSON *root, const char *path)
{
    const cJSON *v = root;
    const char *p = path;
    if (*p++ != '$') return NULL;
    while (*p && v) {
        if (*p == '.') {
            char key[64];
            size_t n = strcspn(p + 1, ".[");
            if (n >= sizeof key) return NULL;
            memcpy(key, p + 1, n);
            key[n] = 0;
            v = cJSON_GetObjectItemCaseSensitive(v, key);
            p += 1 + n;
        } else if (*p == '[') {
            char *end;
            long i = strtol(p + 1, &end, 10);
            if (*end != ']') return NULL;
            v = cJSON_GetArrayItem(v, (int)i);
            p = end + 1;
        } else {
            return NULL;
        }
    }
    return v;
}

int main(int argc, char **argv)
{
    static struct seen seen;
    struct content_report rep;
    struct content *c = NULL;
    cJSON *root = NULL;
    char path[1024];
    FILE *f;
    char *buf;
    long n;
    if (argc < 2) {
        fprintf(stderr, "usage: %s DEFAULT_BUNDLE_DIR\n", argv[0]);
        return 2;
    }
    content_report_init(&rep);
    CHECK(content_load(argv[1], &c, &rep) == KERR_OK && c);
    if (!c) return ktest_done("content_foreach_text_lists_every_string");
    content_foreach_text(c, collect, &seen);
    printf("content_foreach_text: %zu strings\n", seen.n);
    CHECK(seen.n > 500 && seen.n < MAXS);

    /* every readable string of content.json is in the list */
    snprintf(path, sizeof path, "%s/content.json", argv[1]);
    f = fopen(path, "rb");
    CHECK(f != NULL);
    if (!f) return ktest_done("content_foreach_text_lists_every_string");
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)n + 1);
    CHECK(buf && fread(buf, 1, (size_t)n, f) == (size_t)n);
    fclose(f);
    root = buf ? cJSON_ParseWithLength(buf, (size_t)n) : NULL;
    CHECK(root != NULL);
    walk_json(root, NULL, &seen);
    printf("content.json: %zu readable strings, %zu not listed\n", json_total, json_missing);
    CHECK(json_total > 500 && json_missing == 0);
    /* the sections of issue 11 are in it: orgs, rooms, companies, phrases,
     * request categories, tower short names */
    {
        const char *want[] = {c->orgs[0].name.zh, c->companies[0].name.zh, c->phrases[0].text.zh,
                              c->request_categories[0].name.zh, c->towers[0].short_name.zh,
                              c->n_nursing_rooms ? c->nursing_rooms[0].name.zh : NULL};
        for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
            size_t i = 0;
            if (!want[k]) continue;
            while (i < seen.n && seen.s[i] != want[k]) i++;
            CHECK(i < seen.n);
        }
    }

    /* each listed string is at the path content_text_path gives */
    {
        size_t bad = 0;
        for (size_t i = 0; i < seen.n; i++) {
            char p[256];
            const cJSON *v;
            if (!content_text_path(c, seen.s[i], p, sizeof p)) {
                bad++;
                continue;
            }
            v = at_path(root, p);
            if (!cJSON_IsString(v) || strcmp(v->valuestring, seen.s[i]) != 0) {
                if (bad < 5) fprintf(stderr, "  %s does not hold \"%.40s\"\n", p, seen.s[i]);
                bad++;
            }
        }
        CHECK(bad == 0);
        CHECK(content_text_path(c, "not a string of the bundle", path, sizeof path) == NULL);
        CHECK_STR(content_text_path(c, c->categories[c->n_categories - 1].name.zh, path, sizeof path),
                  path);
        printf("last category by order is at %s\n", path);
    }

    /* no allocation per call, and NULL is harmless */
    {
        struct mallinfo2 m0, m1;
        size_t k = 0;
        m0 = mallinfo2();
        for (int r = 0; r < 100; r++) content_foreach_text(c, count, &k);
        m1 = mallinfo2();
        CHECK(k == 100 * seen.n);
        CHECK(m0.uordblks == m1.uordblks);
        content_foreach_text(NULL, count, &k);
        content_foreach_text(c, NULL, NULL);
        CHECK(k == 100 * seen.n);
    }
    cJSON_Delete(root);
    free(buf);
    content_free(c);
    return ktest_done("content_foreach_text_lists_every_string");
}
