#include "bench.h"

#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "app.h"
#include "kclock.h"
#include "script.h"

/* Every screen, both languages, scrolling by drag. Labels are the contract
 * listed in the README; coordinates are landscape logical units. */
const char bench_tour[] =
    "expect_screen home\n"
    "tap \"服务查询\"\n"
    "expect_screen services\n"
    "tap \"党群服务\"\n"
    "expect_screen service_list\n"
    "drag 960 900 960 400 200\n"
    "wait 600\n"
    "drag 960 400 960 900 200\n"
    "wait 600\n"
    "tap_at 700 250\n"
    "expect_screen service_detail\n"
    "tap \"返回\"\n"
    "tap \"返回\"\n"
    "tap \"搜索\"\n"
    "expect_screen search\n"
    "type \"flfw\"\n"
    "expect_text \"法律服务\"\n"
    "tap \"清空\"\n"
    "type \"zhengce\"\n"
    "tap \"首页\"\n"
    "tap \"通知公告\"\n"
    "expect_screen notices\n"
    "tap_at 700 300\n"
    "tap \"首页\"\n"
    "tap \"我要求助\"\n"
    "expect_screen help\n"
    "tap \"法律咨询\"\n"
    "expect_screen help_form\n"
    "type \"slgs\"\n"
    "tap \"需求描述\"\n"
    "type \"falvzixun\"\n"
    "tap \"法律咨询\"\n"
    "tap \"联系电话\"\n"
    "type \"13800001234\"\n"
    "tap \"返回\"\n"
    "tap \"查询进度\"\n"
    "expect_screen ticket\n"
    "type \"000001\"\n"
    "tap \"首页\"\n"
    "tap \"关于黄龙\"\n"
    "expect_screen about\n"
    "drag 960 900 960 300 150\n"
    "wait 800\n"
    "tap \"English\"\n"
    "drag 960 300 960 900 150\n"
    "wait 800\n"
    "tap \"Home\"\n"
    "tap \"Services\"\n"
    "tap \"Home\"\n"
    "tap \"中文\"\n"
    "expect_screen home\n";

/* Typing on the help form: (script, recorded). Recorded are the steps whose
 * frames answer a key of the pinyin keyboard (letters, candidates); the
 * others take the form there and back. */
static const struct {
    const char *step;
    bool rec;
} ime_tour[] = {
    {"tap \"我要求助\"\ntap \"法律咨询\"\nexpect_screen help_form\ntap \"联系人\"\n", false},
    {"type \"wangnvshi\"\n", true},
    {"tap \"王女士\"\n", true},
    {"tap \"需求描述\"\n", false},
    {"type \"falvzixun\"\n", true},
    {"tap \"法律咨询\"\n", true},
    {"type \"qingbangwolianxiyixia\"\n", true},
    {"tap \"清空\"\ntype \"huanglongshangwuzhongxin\"\n", true},
    {"tap \"首页\"\nexpect_screen home\n", false},
};

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

static double pct(const double *v, size_t n, double p)
{
    size_t i;
    if (n == 0) return 0;
    i = (size_t)(p * (double)(n - 1) + 0.5);
    return v[i < n ? i : n - 1];
}

static double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
           (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

int bench_run(struct app *a, int idle_s, FILE *out)
{
    const struct app_stats *st;
    double *v, before, idle_cpu;
    size_t n;
    struct rusage ru;
    FILE *log = fopen("/dev/null", "w");
    int rc = 0;
    uint64_t warm_wall_us = 0, t0;
    struct ui_text_stats ts;

    app_settle(a);
    /* A kiosk composes its screens in idle time after start-up; the tour
     * measures the steady state after that, and the warm-up is reported on
     * its own line (a touch during it waits for at most one screen). */
    t0 = kclock_mono_ms();
    while (app_warming(a) && kclock_mono_ms() - t0 < 30000) app_advance(a, 20);
    warm_wall_us = (kclock_mono_ms() - t0) * 1000;
    ui_text_stats(ui_texts(app_ui(a)), &ts);
    fprintf(out, "bench warm_busy_ms=%.0f warm_wall_ms=%.0f text_cache_kb=%zu warm_done=%d\n",
            app_warm_busy_us(a) / 1000.0, warm_wall_us / 1000.0, ts.bytes / 1024,
            !app_warming(a));
    if (app_warming(a)) fprintf(out, "bench: the idle warm-up did not finish within 30 s\n");
    app_stats_record(a, true);
    for (int pass = 0; pass < 3 && rc == 0; pass++)
        rc = script_run_text(a, "bench-tour", bench_tour, NULL, rc == 0 && log ? log : out);
    if (rc != 0) {
        /* Run once more to the visible output so the failing step is named. */
        script_run_text(a, "bench-tour", bench_tour, NULL, out);
    }
    app_stats_record(a, false);
    st = app_stats(a);
    n = st->n_frame_ms;
    v = malloc((n ? n : 1) * sizeof *v);
    if (!v) return 1;
    memcpy(v, st->frame_ms, n * sizeof *v);
    qsort(v, n, sizeof *v, cmp_double);

    /* Keystroke frames on the help form, three times; KIOSK_FRAME_LOG=1
     * shows them between the two marks on stderr. */
    {
        double *k = NULL;
        size_t nk = 0, capk = 0;
        fprintf(stderr, "bench: help-form typing begins\n");
        for (int pass = 0; pass < 3 && rc == 0; pass++)
            for (size_t i = 0; i < sizeof ime_tour / sizeof ime_tour[0] && rc == 0; i++) {
                const struct app_stats *ks;
                app_stats_record(a, ime_tour[i].rec);
                rc = script_run_text(a, "bench-ime", ime_tour[i].step, NULL, log ? log : out);
                ks = app_stats(a);
                if (ime_tour[i].rec && nk + ks->n_frame_ms > capk) {
                    size_t ncap = (nk + ks->n_frame_ms) * 2;
                    double *nv = realloc(k, ncap * sizeof *nv);
                    if (nv) {
                        k = nv;
                        capk = ncap;
                    }
                }
                if (ime_tour[i].rec && nk + ks->n_frame_ms <= capk) {
                    memcpy(k + nk, ks->frame_ms, ks->n_frame_ms * sizeof *k);
                    nk += ks->n_frame_ms;
                }
                app_stats_record(a, false);
            }
        fprintf(stderr, "bench: help-form typing ends\n");
        if (rc != 0) fprintf(out, "bench: the help-form typing failed\n");
        if (k) qsort(k, nk, sizeof *k, cmp_double);
        fprintf(out, "bench ime_key_frames=%zu p50_ms=%.2f p99_ms=%.2f max_ms=%.2f\n", nk,
                pct(k, nk, 0.50), pct(k, nk, 0.99), nk ? k[nk - 1] : 0.0);
        free(k);
    }

    before = cpu_s();
    app_advance(a, (uint64_t)idle_s * 1000u);
    idle_cpu = cpu_s() - before;

    getrusage(RUSAGE_SELF, &ru);
    fprintf(out, "bench idle_s=%d idle_cpu_s=%.3f screen_after_idle=%s\n", idle_s, idle_cpu,
            app_screen_id(a));
    fprintf(out, "bench first_frame_ms=%.1f frames=%zu p50_ms=%.2f p99_ms=%.2f max_ms=%.2f "
                 "peak_rss_mb=%.1f\n",
            st->first_frame_ms, n, pct(v, n, 0.50), pct(v, n, 0.99), n ? v[n - 1] : 0.0,
            ru.ru_maxrss / 1024.0);
    free(v);
    if (log) fclose(log);
    return rc == 0 && !app_warming(a) ? 0 : 1;
}
