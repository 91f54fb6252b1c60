/* Search over the default bundle (argv[1]) and a small bundle with
 * polyphones: hanzi, full pinyin, initials, prefixes, mixed input, tags,
 * English, ranking and the empty-result suggestion. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "content.h"
#include "hzpinyin.h"
#include "ktest.h"
#include "search.h"

static struct search_hit hits[32];

static const char *hit_name(const struct search_hit *h)
{
    if (h->service) return h->service->name.zh;
    if (h->category) return h->category->name.zh;
    if (h->org) return h->org->name.zh;
    if (h->nursing_room) return h->nursing_room->name.zh;
    return "?";
}

/* Position (0-based) of the hit named want in the results of q, or -1. */
static int rank_of(const struct search_index *ix, const char *q, const char *want)
{
    size_t n = search_query(ix, q, hits, 32);
    for (size_t i = 0; i < n; i++)
        if (strcmp(hit_name(&hits[i]), want) == 0) return (int)i;
    fprintf(stderr, "query \"%s\": \"%s\" not found in %zu hits:", q, want, n);
    for (size_t i = 0; i < n && i < 5; i++) fprintf(stderr, " %s", hit_name(&hits[i]));
    fprintf(stderr, "\n");
    return -1;
}

static const char poly[] =
    "{\"schema\":1,\"version\":\"p\",\"generated_at\":\"2026-11-25T09:00:00+08:00\",\"sample\":false,"
    "\"district\":{\"name\":{\"zh\":\"黄龙\"},\"about\":[{\"zh\":\"段\"}]},"
    "\"towers\":[],\"orgs\":[],"
    "\"categories\":[{\"id\":\"k\",\"name\":{\"zh\":\"金融\"},\"icon\":\"paid\",\"order\":1}],"
    "\"services\":["
    "{\"id\":\"bank\",\"category\":\"k\",\"name\":{\"zh\":\"银行开户\"},\"summary\":{\"zh\":\"开户\"},\"provider\":{\"zh\":\"银行\"}},"
    "{\"id\":\"elder\",\"category\":\"k\",\"name\":{\"zh\":\"长者关爱\"},\"summary\":{\"zh\":\"关爱\"},\"provider\":{\"zh\":\"中心\"}},"
    "{\"id\":\"green\",\"category\":\"k\",\"name\":{\"zh\":\"绿色出行\"},\"summary\":{\"zh\":\"出行\"},\"provider\":{\"zh\":\"中心\"}},"
    "{\"id\":\"quote\",\"category\":\"k\",\"name\":{\"zh\":\"“九个一”服务包\"},\"summary\":{\"zh\":\"包\"},\"provider\":{\"zh\":\"中心\"}},"
    "{\"id\":\"wifi\",\"category\":\"k\",\"name\":{\"zh\":\"WiFi上网\"},\"summary\":{\"zh\":\"网\"},\"provider\":{\"zh\":\"中心\"}}"
    "]}";

int main(int argc, char **argv)
{
    struct content *c = NULL, *p = NULL;
    struct content_report rep;
    struct search_index *ix, *px;
    enum kerr err;
    const struct content_category *sug[4];
    size_t n;

    if (argc < 2) return 2;
    content_report_init(&rep);
    CHECK(content_load(argv[1], &c, &rep) == KERR_OK);
    if (!c) return ktest_done("search_finds_flfw");
    ix = search_build(c, &err);
    CHECK(ix != NULL && err == KERR_OK);
    if (!ix) return ktest_done("search_finds_flfw");

    /* The examples: first hit is the service 法律服务. */
    CHECK(rank_of(ix, "flfw", "法律服务") == 0);
    CHECK(rank_of(ix, "falv", "法律服务") == 0);
    CHECK(rank_of(ix, "falvfuwu", "法律服务") == 0);
    CHECK(rank_of(ix, "法律服务", "法律服务") == 0);
    CHECK(search_query(ix, "falvfuwu", hits, 32) > 0 && hits[0].how == SEARCH_EXACT);
    CHECK(search_query(ix, "法律服务", hits, 32) > 0 && hits[0].how == SEARCH_EXACT &&
          hits[0].kind == SEARCH_SERVICE && strcmp(hits[0].service->id, "legal-aid") == 0);
    CHECK(rank_of(ix, "法律", "法律服务") == 0);
    CHECK(rank_of(ix, "法律", "法律与权益") == 1); /* the category, a longer name */
    CHECK(rank_of(ix, "法lv", "法律服务") == 0);
    CHECK(rank_of(ix, "FLFW", "法律服务") == 0);
    CHECK(rank_of(ix, "fl fw", "法律服务") == 0);
    CHECK(rank_of(ix, "fa'lv", "法律服务") == 0);
    CHECK(rank_of(ix, "falfw", "法律服务") == 0);
    /* every keystroke of "falvfuwu" keeps it in the top three */
    {
        const char *full = "falvfuwu";
        char q[16];
        for (size_t k = 1; k <= strlen(full); k++) {
            int r;
            memcpy(q, full, k);
            q[k] = 0;
            r = rank_of(ix, q, "法律服务");
            if (k >= 2) CHECK(r >= 0 && r < 3);
        }
    }
    /* substring and initials inside the name, tags, English */
    CHECK(rank_of(ix, "fuwu", "法律服务") >= 0);
    CHECK(rank_of(ix, "服务", "法律服务") >= 0);
    CHECK(rank_of(ix, "律师", "法律服务") >= 0);
    CHECK(search_query(ix, "律师", hits, 32) > 0 && hits[0].how == SEARCH_TAG);
    CHECK(rank_of(ix, "lvshi", "法律服务") >= 0);
    CHECK(rank_of(ix, "legal", "法律服务") >= 0);
    CHECK(rank_of(ix, "mmxw", "妈咪小屋") == 0);
    CHECK(rank_of(ix, "mami", "妈咪小屋") == 0);
    CHECK(rank_of(ix, "qqzx", "亲清在线 补助申领") == 0);
    CHECK(rank_of(ix, "buzhu", "亲清在线 补助申领") >= 0);
    CHECK(rank_of(ix, "hlluntan", "黄龙论坛") == 0);
    CHECK(rank_of(ix, "jiugeyi", "“九个一”服务包") == 0); /* quotes skipped */
    CHECK(rank_of(ix, "tongxinhui", "同心荟") == 0);
    CHECK(rank_of(ix, "zhaopin", "商圈专场招聘会") >= 0);
    /* the map's places: every organisation type and the nursing rooms, by
     * name, pinyin or initials; the directory's search keeps its kinds */
    n = search_query_kinds(ix, "mmxw", SEARCH_PLACES, hits, 32);
    CHECK(n >= c->n_nursing_rooms);
    {
        size_t rooms = 0;
        for (size_t i = 0; i < n; i++) {
            CHECK(hits[i].kind == SEARCH_ORG || hits[i].kind == SEARCH_NURSING);
            if (hits[i].kind == SEARCH_NURSING) {
                CHECK(hits[i].nursing_room != NULL && !hits[i].org && !hits[i].service);
                rooms++;
            }
        }
        CHECK(rooms == c->n_nursing_rooms);
    }
    for (size_t i = 0; i < c->n_nursing_rooms; i++) {
        n = search_query_kinds(ix, c->nursing_rooms[i].name.zh, SEARCH_PLACES, hits, 32);
        CHECK(n > 0 && hits[0].nursing_room == &c->nursing_rooms[i]);
    }
    for (size_t i = 0; i < c->n_orgs; i++) { /* every type of organisation too */
        char q[128];
        size_t k = strcspn(c->orgs[i].name.zh, " "); /* the name up to a space */
        snprintf(q, sizeof q, "%.*s", (int)k, c->orgs[i].name.zh);
        n = search_query_kinds(ix, q, SEARCH_PLACES, hits, 32);
        {
            bool found = false;
            for (size_t h = 0; h < n; h++) found |= hits[h].org == &c->orgs[i];
            if (!found) fprintf(stderr, "place search \"%s\" misses %s\n", q, c->orgs[i].id);
            CHECK(found);
        }
    }
    CHECK(rank_of(ix, "dyfwwg", "第一服务网格 网格站") == 0);
    n = search_query(ix, "mmxw", hits, 32);
    for (size_t i = 0; i < n; i++) CHECK(hits[i].kind != SEARCH_NURSING);
    CHECK(search_query_kinds(ix, "flfw", SEARCH_KIND(SEARCH_NURSING), hits, 32) == 0);
    /* hits are ordered by how they matched */
    n = search_query(ix, "fuwu", hits, 32);
    CHECK(n > 3);
    for (size_t i = 1; i < n; i++) CHECK(hits[i - 1].how <= hits[i].how);
    /* max is respected; zero max, empty, blank, junk and bad UTF-8 give nothing */
    CHECK(search_query(ix, "fuwu", hits, 2) == 2);
    CHECK(search_query(ix, "fuwu", hits, 0) == 0);
    CHECK(search_query(ix, "", hits, 32) == 0);
    CHECK(search_query(ix, "   ", hits, 32) == 0);
    CHECK(search_query(ix, "xqxqxq", hits, 32) == 0);
    CHECK(search_query(ix, "\xff\xfe", hits, 32) == 0);
    CHECK(search_query(NULL, "flfw", hits, 32) == 0);
    {
        char longq[400];
        memset(longq, 'a', sizeof longq - 1);
        longq[sizeof longq - 1] = 0;
        CHECK(search_query(ix, longq, hits, 32) == 0);
    }
    /* the empty result suggests categories and a hint */
    n = search_suggest(ix, sug, 4);
    CHECK(n == 4 && sug[0] == &c->categories[0]);
    CHECK(strstr(search_hint(CONTENT_ZH), "flfw") != NULL);
    CHECK(strstr(search_hint(CONTENT_EN), "flfw") != NULL);

    /* Polyphones: any reading matches. */
    CHECK(content_load_mem(poly, strlen(poly), NULL, &p, &rep) == KERR_OK);
    content_report_print(&rep, stderr);
    px = p ? search_build(p, &err) : NULL;
    CHECK(px != NULL);
    if (px) {
        CHECK(rank_of(px, "yinhang", "银行开户") == 0);
        CHECK(rank_of(px, "yinxing", "银行开户") == 0);
        CHECK(rank_of(px, "yhkh", "银行开户") == 0);
        CHECK(rank_of(px, "yxkh", "银行开户") == 0);
        CHECK(rank_of(px, "zhangzhe", "长者关爱") == 0);
        CHECK(rank_of(px, "changzhe", "长者关爱") == 0);
        CHECK(rank_of(px, "lvse", "绿色出行") == 0);  /* lü */
        CHECK(rank_of(px, "luse", "绿色出行") == 0);  /* lù */
        CHECK(rank_of(px, "lu:se", "绿色出行") == 0);
        CHECK(rank_of(px, "l\xc3\xbcse", "绿色出行") == 0); /* ü */
        CHECK(rank_of(px, "wifi", "WiFi上网") == 0);
        CHECK(rank_of(px, "wifisw", "WiFi上网") == 0);
        CHECK(rank_of(px, "jgyfwb", "“九个一”服务包") == 0);
        search_free(px);
    }
    content_free(p);

    /* Without pinyin data, hanzi search still works. */
    search_free(ix);
    hzpinyin_close();
    setenv("KIOSK_PINYIN_DATA", "/nonexistent", 1);
    ix = search_build(c, &err);
    CHECK(ix != NULL);
    CHECK(rank_of(ix, "法律服务", "法律服务") == 0);
    CHECK(search_query(ix, "flfw", hits, 32) == 0);
    search_free(ix);
    search_free(NULL);
    content_free(c);
    return ktest_done("search_finds_flfw");
}
