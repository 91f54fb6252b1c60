/* hzpinyin through the engine's thread: the readings are those of a
 * hzpinyin opened on the calling thread; every libpinyin job runs on the
 * engine's owner thread, never the caller's; lookups made while keys are
 * being answered neither deadlock nor disturb the answers; imew_run called
 * on the owner runs inline. Waits are bounded (alarm). */
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "hzpinyin.h"
#include "ime_testutil.h"
#include "imew.h"
#include "ktest.h"
#include "utf8.h"

struct probe {
    struct imew *w;
    pthread_t owner;
    int jobs, off_owner;
};

static void record_self(void *arg)
{
    *(pthread_t *)arg = pthread_self();
}

struct wrapped {
    struct probe *p;
    void (*fn)(void *arg);
    void *arg;
};

static void trampoline(void *arg)
{
    struct wrapped *x = arg;
    x->p->jobs++;
    if (!pthread_equal(pthread_self(), x->p->owner)) x->p->off_owner++;
    x->fn(x->arg);
}

/* The owner hook: imew_run, counting and checking where each job runs. */
static void run_counted(void *ud, void (*fn)(void *arg), void *arg)
{
    struct probe *p = ud;
    struct wrapped x = {p, fn, arg};
    imew_run(p->w, trampoline, &x);
}

static void nested(void *arg)
{
    struct probe *p = arg;
    pthread_t inner;
    /* On the owner, imew_run runs inline instead of waiting for itself. */
    imew_run(p->w, record_self, &inner);
    p->off_owner += !pthread_equal(inner, p->owner);
    p->jobs++;
}

static const char text[] = "黄龙商圈楼宇服务终端法律咨询妈咪小屋党群服务中心银行行长长城"
                           "示例科技有限公司西湖区灵隐街道人才服务政策咨询工商注册";

/* Readings of every character of text, joined, from the open hzpinyin. */
static void readings(char *out, size_t cap)
{
    const char *s = text;
    uint32_t cp;
    size_t o = 0;
    out[0] = '\0';
    while ((cp = utf8_next(&s)) != 0) {
        const char *r[HZPINYIN_MAX_READINGS];
        size_t n = hzpinyin_get(cp, r, HZPINYIN_MAX_READINGS);
        for (size_t i = 0; i < n; i++) o += (size_t)snprintf(out + o, cap - o, "%s,", r[i]);
        o += (size_t)snprintf(out + o, cap - o, ";");
        if (o >= cap) o = cap - 1;
    }
}

int main(void)
{
    static char want[16384], got[16384];
    char parent[512], word[64], word_want[64];
    struct imew *w = NULL;
    struct imew_config cfg;
    struct probe p;
    struct hzpinyin_owner owner;
    alarm(240);

    /* Reference: hzpinyin on this thread. */
    CHECK(hzpinyin_open(NULL) == KERR_OK);
    readings(want, sizeof want);
    CHECK(hzpinyin_phrase("银行", '\'', word_want, sizeof word_want) == KERR_OK);
    hzpinyin_close();
    CHECK(strstr(want, "hang,") != NULL);

    CHECK(test_parent(parent, sizeof parent, "imewhz") != NULL);
    memset(&cfg, 0, sizeof cfg);
    cfg.engine.tmp_parent = parent;
    CHECK(imew_start(&cfg, &w) == KERR_OK);
    if (!w) return ktest_done("imew_hzpinyin");
    memset(&p, 0, sizeof p);
    p.w = w;
    imew_run(w, record_self, &p.owner);
    CHECK(!pthread_equal(p.owner, pthread_self()));

    owner.run = run_counted;
    owner.ud = &p;
    owner.context = imew_pinyin_context(w);
    CHECK(owner.context != NULL);
    CHECK(hzpinyin_open_owned(&owner) == KERR_OK);
    CHECK(hzpinyin_ready());

    /* Lookups interleaved with keys being answered. */
    CHECK(imew_input(w, "huanglongshangquan") > 0);
    readings(got, sizeof got);
    CHECK(imew_input(w, "falvzixun") > 0);
    CHECK(hzpinyin_phrase("银行", '\'', word, sizeof word) == KERR_OK);
    CHECK(imew_settle(w, 20000));
    CHECK_STR(got, want);
    CHECK_STR(word, word_want);
    CHECK_STR(imew_view(w)->raw, "falvzixun");
    CHECK(cand_index_view(imew_view(w), "法律咨询") >= 0);

    imew_run(w, nested, &p);
    printf("%d libpinyin jobs of hzpinyin, %d off the owner thread\n", p.jobs, p.off_owner);
    CHECK(p.jobs > 10);
    CHECK(p.off_owner == 0);

    hzpinyin_close(); /* before the engine whose context it borrows */
    CHECK(!hzpinyin_ready());
    imew_stop(w);
    CHECK(dir_entries(parent) == 0);
    rmdir(parent);
    return ktest_done("imew_hzpinyin");
}
