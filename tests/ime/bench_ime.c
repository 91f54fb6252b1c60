/* bench_ime: per-key candidate latency of the pinyin engine. Each realistic
 * input is typed one letter at a time (every prefix is one ime_input call,
 * as the keyboard does), ROUNDS times, and then chosen to the end; prints
 * p50/p99/max per key and per choice, plus open and phrase-import times.
 * The target is <= 10 ms per key on the kiosk. As a ctest (label bench) it
 * checks results only, never time. The phrase list is SAMPLE data shaped
 * like the content's names, not the content itself. Then the same keys
 * through the engine's thread: the UI's cost per key and the latency. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ime.h"
#include "ime_testutil.h"
#include "imew.h"
#include "ktest.h"

#define ROUNDS 5
#define MAX_SAMPLES 20000

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void report(const char *what, double *v, size_t n)
{
    if (n == 0) return;
    qsort(v, n, sizeof *v, cmp_double);
    printf("%-22s n=%-6zu p50=%6.3f ms  p99=%6.3f ms  max=%6.3f ms\n", what, n, v[n / 2],
           v[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1], v[n - 1]);
}

/* SAMPLE content names (shaped like the bundle's towers and services). */
static const char *const sample_names[] = {
    "黄龙", "妈咪小屋", "法律咨询", "黄龙商务中心", "灵隐街道", "西湖区", "党群服务中心",
    "红色引擎", "楼宇党建", "公共法律服务", "心理咨询", "人才服务", "政策咨询", "工商注册",
    "税务服务", "停车缴费", "物业报修", "黄龙万科中心", "世贸中心", "浙江世贸君澜",
};

/* Realistic inputs and, where the answer is certain, a word expected in
 * the first five candidates once the whole input is typed. */
static const struct {
    const char *letters, *expect;
} inputs[] = {
    {"falvzixun", "法律咨询"},
    {"huanglong", "黄龙"},
    {"mamixiaowu", "妈咪小屋"},
    {"huanglongshangwuzhongxin", "黄龙商务中心"},
    {"dangqunfuwuzhongxin", "党群服务中心"},
    {"gongsimingcheng", "公司名称"},
    {"lianxidianhua", "联系电话"},
    {"kongtiaobuleng", NULL},
    {"diantiguzhang", "电梯故障"},
    {"woxiangzixunfalvwenti", NULL},
    {"qingbangwolianxiyixia", NULL},
    {"shenqingfapiao", "申请发票"},
    {"tingchejiaofei", NULL},
    {"wuyebaoxiu", "物业报修"},
    {"shuidianfei", "水电费"},
    {"flzx", "法律咨询"},
    {"hlong", "黄龙"},
    {"mmxw", "妈咪小屋"},
    {"xi'anlu", NULL},
    {"zhejiangshenghangzhoushixihuqu", NULL},
};

/* The same keys through the engine's thread (imew.h), as the keyboard
 * posts them: what a key costs the UI thread (post; read the answer) and
 * how long after the key the answer is there. */
static void bench_thread(const char *parent)
{
    static double post_ms[MAX_SAMPLES], answer_ms[MAX_SAMPLES], read_ms[MAX_SAMPLES];
    size_t n = 0;
    char prefix[IME_MAX_INPUT + 1];
    struct imew *w = NULL;
    struct imew_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.engine.tmp_parent = parent;
    cfg.phrases = sample_names;
    cfg.n_phrases = sizeof sample_names / sizeof *sample_names;
    CHECK(imew_start(&cfg, &w) == KERR_OK);
    if (!w) return;
    CHECK(imew_pinyin_context(w) != NULL); /* open */
    for (int r = 0; r < ROUNDS; r++)
        for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
            const char *word = inputs[i].letters;
            size_t len = strlen(word);
            for (size_t k = 1; k <= len && n < MAX_SAMPLES; k++) {
                const struct imew_view *v;
                uint64_t seq;
                double t0, t1;
                memcpy(prefix, word, k);
                prefix[k] = '\0';
                t0 = now_ms();
                seq = imew_input(w, prefix);
                t1 = now_ms();
                CHECK(imew_settle(w, 20000));
                answer_ms[n] = now_ms() - t0;
                post_ms[n] = t1 - t0;
                t0 = now_ms();
                v = imew_view(w);
                read_ms[n] = now_ms() - t0;
                CHECK(v->seq == seq);
                CHECK_STR(v->raw, prefix);
                n++;
            }
            imew_reset(w);
        }
    report("thread: post (UI)", post_ms, n);
    report("thread: read answer (UI)", read_ms, n);
    report("thread: key -> answer", answer_ms, n);
    imew_stop(w);
}

int main(void)
{
    static double key_ms[MAX_SAMPLES], choose_ms[MAX_SAMPLES];
    size_t nk = 0, nc = 0, n_inputs = sizeof inputs / sizeof inputs[0];
    char parent[512], prefix[IME_MAX_INPUT + 1], out[IME_MAX_TEXT];
    struct ime *ime = NULL;
    double t;
    CHECK(test_parent(parent, sizeof parent, "bench") != NULL);
    struct ime_config cfg = {.tmp_parent = parent};

    t = now_ms();
    CHECK(ime_open(&cfg, &ime) == KERR_OK);
    printf("ime_open: %.1f ms\n", now_ms() - t);
    if (!ime) return ktest_done("bench_ime");
    t = now_ms();
    CHECK(ime_add_phrases_auto(ime, sample_names, sizeof sample_names / sizeof *sample_names) ==
          KERR_OK);
    printf("ime_add_phrases_auto: %zu sample names in %.1f ms\n",
           sizeof sample_names / sizeof *sample_names, now_ms() - t);

    for (int r = 0; r < ROUNDS; r++) {
        for (size_t i = 0; i < n_inputs; i++) {
            const char *w = inputs[i].letters;
            size_t len = strlen(w);
            double worst = 0;
            for (size_t k = 1; k <= len && nk < MAX_SAMPLES; k++) {
                memcpy(prefix, w, k);
                prefix[k] = '\0';
                t = now_ms();
                CHECK(ime_input(ime, prefix) == KERR_OK);
                key_ms[nk] = now_ms() - t;
                if (key_ms[nk] > worst) worst = key_ms[nk];
                nk++;
            }
            if (r == 0) {
                long at = inputs[i].expect ? cand_index(ime, inputs[i].expect) : -1;
                const char *top[3] = {"", "", ""};
                ime_candidates(ime, 0, top, 3);
                printf("  %-32s worst key %6.3f ms  top: %s %s %s", w, worst, top[0], top[1],
                       top[2]);
                if (inputs[i].expect) printf("  [%s at %ld]", inputs[i].expect, at);
                printf("\n");
                if (inputs[i].expect) CHECK(at >= 0 && at < 5);
            }
            /* Choose the first candidate until the input is used up. */
            for (int k = 0; k < IME_MAX_INPUT && ime_candidate_count(ime) > 0 && nc < MAX_SAMPLES;
                 k++) {
                t = now_ms();
                CHECK(ime_choose(ime, 0, out, sizeof out) == KERR_OK);
                choose_ms[nc++] = now_ms() - t;
            }
            CHECK(ime_candidate_count(ime) == 0);
            ime_reset(ime);
        }
    }
    report("per key (ime_input)", key_ms, nk);
    report("per choice (ime_choose)", choose_ms, nc);
    CHECK(nk > 0 && nc > 0);

    /* Pathological: letters that are all bare initials, at the length limit. */
    {
        double bad[ROUNDS];
        memset(prefix, 'z', IME_MAX_INPUT);
        prefix[IME_MAX_INPUT] = '\0';
        for (int r = 0; r < ROUNDS; r++) {
            t = now_ms();
            CHECK(ime_input(ime, prefix) == KERR_OK);
            bad[r] = now_ms() - t;
        }
        report("64 x 'z' (worst case)", bad, ROUNDS);
    }
    ime_close(ime);
    bench_thread(parent);
    CHECK(dir_entries(parent) == 0);
    rmdir(parent);
    return ktest_done("bench_ime");
}
