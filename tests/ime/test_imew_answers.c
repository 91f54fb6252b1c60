/* The engine on its own thread (imew.h): each answer is whole and is the
 * one a synchronous engine gives for the same letters; a burst of keys while
 * the engine is stuck never blocks the poster and costs one answer; a choice
 * made on an overtaken answer changes nothing; after a wipe no older answer
 * is ever returned, and what was shown is cleared at once; stop joins with
 * work pending. Waits are bounded (alarm). */
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ime.h"
#include "ime_testutil.h"
#include "imew.h"
#include "ktest.h"

static atomic_int answers;
static sem_t notified, release_notify;
static atomic_int hold_notify; /* 1: the next notify waits for release_notify */

static void on_answer(void *ud)
{
    (void)ud;
    atomic_fetch_add(&answers, 1);
    if (atomic_exchange(&hold_notify, 0)) {
        sem_post(&notified);
        sem_wait(&release_notify);
    }
}

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* The same letters on a synchronous engine give the same answer. */
static void check_same_as_sync(struct imew *w, struct ime *sync, const char *letters)
{
    const struct imew_view *v;
    uint64_t seq = imew_input(w, letters);
    CHECK(seq > 0);
    CHECK(imew_settle(w, 20000));
    CHECK(!imew_busy(w));
    v = imew_view(w);
    CHECK(v->seq == seq);
    CHECK(v->ready && !v->failed);
    CHECK(v->rc == KERR_OK);
    CHECK(ime_input(sync, letters) == KERR_OK);
    CHECK_STR(v->raw, ime_raw(sync));
    CHECK_STR(v->preedit, ime_preedit(sync));
    CHECK(v->n_cand == ime_candidate_count(sync));
    {
        const char *c[IME_MAX_CANDIDATES];
        size_t n = ime_candidates(sync, 0, c, IME_MAX_CANDIDATES);
        for (size_t i = 0; i < n && i < v->n_cand; i++) CHECK_STR(v->cand[i], c[i]);
    }
}

struct stall {
    struct imew *w;
    sem_t started, go;
};

static void stall_job(void *arg)
{
    struct stall *s = arg;
    sem_post(&s->started);
    sem_wait(&s->go);
}

static void *stall_thread(void *arg)
{
    struct stall *s = arg;
    imew_run(s->w, stall_job, s);
    return NULL;
}

/* Keys while the engine is stuck: posting stays instant, the latest wins. */
static void check_burst(struct imew *w)
{
    static const char word[] = "huanglongshangwuzhongxin";
    struct stall s;
    pthread_t t;
    double worst = 0;
    uint64_t last = 0;
    int before;
    char prefix[IME_MAX_INPUT + 1];
    const struct imew_view *v;

    s.w = w;
    sem_init(&s.started, 0, 0);
    sem_init(&s.go, 0, 0);
    CHECK(pthread_create(&t, NULL, stall_thread, &s) == 0);
    sem_wait(&s.started); /* the owner is inside stall_job now */
    before = atomic_load(&answers);
    for (int round = 0; round < 40; round++)
        for (size_t k = 1; k < sizeof word; k++) {
            double t0 = now_ms(), dt;
            memcpy(prefix, word, k);
            prefix[k] = '\0';
            last = imew_input(w, prefix);
            dt = now_ms() - t0;
            if (dt > worst) worst = dt;
            CHECK(imew_busy(w));
        }
    printf("burst: %d keys posted while the engine was stuck, slowest post %.3f ms\n",
           40 * (int)(sizeof word - 1), worst);
    CHECK(worst < 50); /* a mutex for a copy; the engine held it would take seconds */
    CHECK(atomic_load(&answers) == before); /* nothing answered while stuck */
    sem_post(&s.go);
    pthread_join(t, NULL);
    CHECK(imew_settle(w, 20000));
    v = imew_view(w);
    CHECK(v->seq == last);
    CHECK_STR(v->raw, word);
    CHECK(cand_index_view(v, "黄龙商务中心") >= 0);
    /* notify comes just after the answer is visible: let it, and any
     * second answer there should not be, arrive. */
    for (int i = 0; i < 200 && atomic_load(&answers) == before; i++) usleep(1000);
    usleep(20000);
    printf("burst: answered with %d answer(s)\n", atomic_load(&answers) - before);
    CHECK(atomic_load(&answers) - before == 1); /* coalesced */
    sem_destroy(&s.started);
    sem_destroy(&s.go);
}

/* A choice on an answer overtaken by a key changes nothing; on the current
 * answer it commits that candidate and keeps the rest of the input. */
static void check_choose(struct imew *w)
{
    const struct imew_view *v;
    uint64_t old_seq, seq;
    char first[IME_MAX_TEXT];
    CHECK(imew_input(w, "falvzixun") > 0);
    CHECK(imew_settle(w, 20000));
    v = imew_view(w);
    old_seq = v->seq;
    CHECK(imew_input(w, "falvzixunx") > 0);
    CHECK(imew_settle(w, 20000));
    seq = imew_choose(w, 0, old_seq);
    CHECK(imew_settle(w, 20000));
    v = imew_view(w);
    CHECK(v->seq == seq);
    CHECK(v->rc == KERR_NOTFOUND);
    CHECK_STR(v->raw, "falvzixunx");
    CHECK(v->committed[0] == '\0');

    CHECK(imew_input(w, "falvzixun") > 0);
    CHECK(imew_settle(w, 20000));
    v = imew_view(w);
    {
        long at = cand_index_view(v, "法律");
        CHECK(at >= 0);
        if (at < 0) return;
        snprintf(first, sizeof first, "%s", v->cand[at]);
        seq = imew_choose(w, (size_t)at, v->seq);
    }
    CHECK(imew_settle(w, 20000));
    v = imew_view(w);
    CHECK(v->seq == seq && v->rc == KERR_OK);
    CHECK_STR(v->committed, first);
    CHECK_STR(v->raw, "zixun");
    CHECK(cand_index_view(v, "咨询") >= 0);
}

/* After a wipe, an answer to an older key is never returned, even when it
 * is published after the wipe was asked for; the view held is cleared. */
static void check_wipe(struct imew *w)
{
    const struct imew_view *v;
    const char *held;
    uint64_t wipe;
    CHECK(imew_input(w, "zhangsan") > 0);
    CHECK(imew_settle(w, 20000));
    v = imew_view(w);
    CHECK(v->n_cand > 0);
    held = v->cand[0];
    CHECK(held[0] != '\0');

    /* An answer for "lisi" is published, and its notify held, before the
     * wipe: the UI has not read it yet. */
    atomic_store(&hold_notify, 1);
    CHECK(imew_input(w, "lisi") > 0);
    sem_wait(&notified);
    wipe = imew_reset(w);
    CHECK(held[0] == '\0'); /* what was on screen is gone at once */
    v = imew_view(w);
    CHECK(v->n_cand == 0);
    CHECK_STR(v->raw, "");
    CHECK_STR(v->preedit, "");
    sem_post(&release_notify);
    CHECK(imew_settle(w, 20000));
    v = imew_view(w);
    CHECK(v->seq == wipe);
    CHECK(v->n_cand == 0);
    CHECK_STR(v->raw, "");
    /* The engine itself starts afresh: empty input, no candidates. */
    CHECK(imew_input(w, "") > 0);
    CHECK(imew_settle(w, 20000));
    CHECK(imew_view(w)->n_cand == 0);
}

int main(void)
{
    char parent[512];
    struct ime *sync = NULL;
    struct imew *w = NULL;
    struct imew_config cfg;
    static const char *const names[] = {"黄龙商务中心", "法律咨询"};
    alarm(240);
    sem_init(&notified, 0, 0);
    sem_init(&release_notify, 0, 0);
    CHECK(test_parent(parent, sizeof parent, "imew") != NULL);
    memset(&cfg, 0, sizeof cfg);
    cfg.engine.tmp_parent = parent;
    cfg.phrases = names;
    cfg.n_phrases = 2;
    cfg.notify = on_answer;
    CHECK(imew_start(&cfg, &w) == KERR_OK);
    if (!w) return ktest_done("imew_answers");
    /* Keys posted before the engine is open (it takes ~85 ms) wait there. */
    CHECK(imew_input(w, "hl") > 0);
    CHECK(imew_busy(w));
    {
        struct ime_config sc = {.tmp_parent = parent};
        CHECK(ime_open(&sc, &sync) == KERR_OK);
        CHECK(ime_add_phrases_auto(sync, &names[0], 1) == KERR_OK);
        CHECK(ime_add_phrases_auto(sync, &names[1], 1) == KERR_OK);
    }
    if (sync) {
        check_same_as_sync(w, sync, "hl");
        check_same_as_sync(w, sync, "huanglong");
        check_same_as_sync(w, sync, "nihao'");
        check_same_as_sync(w, sync, "zzzzzzzz");
    }
    /* Too long: nothing posted, the caller is told. */
    {
        char a65[IME_MAX_INPUT + 2];
        memset(a65, 'a', IME_MAX_INPUT + 1);
        a65[IME_MAX_INPUT + 1] = '\0';
        CHECK(imew_input(w, a65) == 0);
        CHECK(!imew_busy(w));
    }
    /* Refused letters: the answer says why and the session is unchanged. */
    CHECK(imew_input(w, "FALV") > 0);
    CHECK(imew_settle(w, 20000));
    CHECK(imew_view(w)->rc == KERR_INVALID);
    CHECK_STR(imew_view(w)->raw, "zzzzzzzz");

    check_burst(w);
    check_choose(w);
    check_wipe(w);

    /* Stop with a request not started and the engine busy: joins, frees. */
    CHECK(imew_input(w, "zhejiangshenghangzhoushixihuqu") > 0);
    CHECK(imew_input(w, "zhejiangshenghangzhoushixihuquhuanglong") > 0);
    imew_stop(w);
    ime_close(sync);
    CHECK(dir_entries(parent) == 0); /* both private directories removed */
    rmdir(parent);
    return ktest_done("imew_answers");
}
