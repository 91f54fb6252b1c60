/* Search benchmark: prints the build time and milliseconds per keystroke
 * (typing a query one character at a time) over the default bundle
 * (argv[1]) and over a generated bundle of 10,000 services. It checks the
 * results (法律服务 is found, generated services are found) but never fails
 * on timing. Targets: <= 2 ms per keystroke (default), <= 10 ms (10,000). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "content.h"
#include "hzpinyin.h"
#include "ktest.h"
#include "search.h"

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static const char *const queries[] = {"flfw", "falvfuwu", "法律服务", "mmxw", "zhaopin",
                                      "jiugeyi", "法lv", "qqzx", "xyzxyz", "fuwu"};

/* Types every query key by key; returns the worst and mean ms per key. */
static void type_all(const struct search_index *ix, const char *label)
{
    struct search_hit hits[20];
    double worst = 0, total = 0;
    int keys = 0;
    for (int rep = 0; rep < 5; rep++)
        for (size_t qi = 0; qi < sizeof queries / sizeof queries[0]; qi++) {
            const char *q = queries[qi];
            char buf[64];
            size_t len = strlen(q);
            for (size_t k = 1; k <= len; k++) {
                double t0, dt;
                if ((q[k - 1] & 0xC0) == 0x80 || (k < len && (q[k] & 0xC0) == 0x80)) continue;
                memcpy(buf, q, k);
                buf[k] = 0;
                t0 = now_ms();
                search_query(ix, buf, hits, 20);
                dt = now_ms() - t0;
                total += dt;
                keys++;
                if (dt > worst) worst = dt;
            }
        }
    printf("%s: %d keystrokes, mean %.3f ms, worst %.3f ms per keystroke\n", label, keys,
           total / keys, worst);
}

/* A bundle with n services named from a pool of real words. */
static char *make_big(size_t n, size_t *len)
{
    static const char *const words[] = {"法律", "服务", "咨询", "招聘", "培训", "党建", "工会",
                                        "青年", "创业", "补助", "政策", "办事", "会议", "场地",
                                        "妈咪", "小屋", "论坛", "学社", "企业", "人才", "网格",
                                        "走访", "银行", "长者", "绿色", "出行", "健康", "体检"};
    size_t nw = sizeof words / sizeof words[0], cap = n * 400 + 4096, l = 0;
    char *s = malloc(cap);
    if (!s) return NULL;
    l += (size_t)snprintf(s + l, cap - l,
                          "{\"schema\":1,\"version\":\"big\",\"generated_at\":\"2026-11-25T09:00:00+08:00\","
                          "\"sample\":false,\"district\":{\"name\":{\"zh\":\"黄龙\"},\"about\":[{\"zh\":\"段\"}]},"
                          "\"towers\":[],\"orgs\":[],\"categories\":[");
    for (size_t k = 0; k < 20; k++)
        l += (size_t)snprintf(s + l, cap - l, "%s{\"id\":\"c%zu\",\"name\":{\"zh\":\"%s%s\"},\"icon\":\"work\",\"order\":%zu}",
                              k ? "," : "", k, words[k % nw], words[(k * 7 + 3) % nw], k);
    l += (size_t)snprintf(s + l, cap - l, "],\"services\":[");
    for (size_t i = 0; i < n; i++) {
        const char *a = words[i % nw], *b = words[(i / nw) % nw], *c = words[(i / (nw * nw)) % nw];
        l += (size_t)snprintf(s + l, cap - l,
                              "%s{\"id\":\"s%zu\",\"category\":\"c%zu\",\"name\":{\"zh\":\"%s%s%s%zu\"},"
                              "\"summary\":{\"zh\":\"%s和%s的示例服务\"},\"provider\":{\"zh\":\"示例中心\"},"
                              "\"tags\":[\"%s\",\"%s\"]}",
                              i ? "," : "", i, i % 20, a, b, c, i, b, c, a, c);
    }
    l += (size_t)snprintf(s + l, cap - l, "]}");
    *len = l;
    return s;
}

int main(int argc, char **argv)
{
    struct content *c = NULL, *big = NULL;
    struct content_report rep;
    struct search_index *ix;
    struct search_hit hits[20];
    enum kerr err;
    double t0;
    char *json;
    size_t len = 0;

    if (argc < 2) return 2;
    t0 = now_ms();
    CHECK(hzpinyin_open(NULL) == KERR_OK);
    printf("hzpinyin_open: %.2f ms\n", now_ms() - t0);

    content_report_init(&rep);
    t0 = now_ms();
    CHECK(content_load(argv[1], &c, &rep) == KERR_OK);
    printf("default bundle: load %.2f ms\n", now_ms() - t0);
    if (c) {
        t0 = now_ms();
        ix = search_build(c, &err);
        printf("default bundle: index build %.2f ms (%zu services, %zu orgs)\n", now_ms() - t0,
               c->n_services, c->n_orgs);
        CHECK(ix != NULL);
        if (ix) {
            CHECK(search_query(ix, "flfw", hits, 20) > 0 && hits[0].service &&
                  strcmp(hits[0].service->name.zh, "法律服务") == 0);
            type_all(ix, "default bundle");
            search_free(ix);
        }
        content_free(c);
    }

    json = make_big(10000, &len);
    CHECK(json != NULL);
    if (json) {
        t0 = now_ms();
        CHECK(content_load_mem(json, len, NULL, &big, &rep) == KERR_OK);
        printf("10,000 services: %zu KB JSON, load %.2f ms\n", len / 1024, now_ms() - t0);
        content_report_print(&rep, stderr);
        free(json);
    }
    if (big) {
        t0 = now_ms();
        ix = search_build(big, &err);
        printf("10,000 services: index build %.2f ms\n", now_ms() - t0);
        CHECK(ix != NULL);
        if (ix) {
            size_t n = search_query(ix, "flfw", hits, 20);
            CHECK(n == 20);
            CHECK(search_query(ix, "服务咨询法律57", hits, 20) > 0 && hits[0].how == SEARCH_EXACT);
            n = search_query(ix, "yhczfl", hits, 20); /* 银行长者法律 */
            CHECK(n > 0 && hits[0].service && strncmp(hits[0].service->name.zh, "银行长者法律", 18) == 0);
            type_all(ix, "10,000 services");
            search_free(ix);
        }
        content_free(big);
    }
    hzpinyin_close();
    return ktest_done("search_bench");
}
