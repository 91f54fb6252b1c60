/* Benchmark: durable enqueue latency (p50/p99 over 2,000 submits, each one
 * SQLite transaction with fsync) and the time a 1,000-item backlog takes to
 * drain to the loopback test hub. Prints the figures and the targets
 * (p99 <= 5 ms, drain <= 3 s); fails only on wrong results, never on time. */
#include <time.h>

#include "ktest.h"
#include "nettest.h"

#define N_ENQ 2000
#define N_DRAIN 1000

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int main(void)
{
    static uint64_t lat[N_ENQ];
    struct tsrv *srv = tsrv_start(0);
    struct nt_env e;
    struct kclient *c = NULL;
    struct tsrv_stats st;
    char t[KCLIENT_TICKET_SIZE];
    int ok = 0;
    uint64_t t0, drain_ms;

    CHECK(srv != NULL);
    if (!srv) return ktest_done("outbox_bench_enqueue_and_drain");

    /* 1. enqueue latency with the hub unreachable (nothing drains meanwhile) */
    tsrv_pause(srv);
    nt_env_init(&e, tsrv_port(srv));
    e.cfg.max_queued = N_ENQ + 10;
    e.cfg.backoff_base_ms = 10000; /* keep the sender quiet during the measurement */
    e.cfg.backoff_cap_ms = 10000;
    CHECK(kclient_open(&e.cfg, &c) == KERR_OK);
    if (!c) return ktest_done("outbox_bench_enqueue_and_drain");
    for (int i = 0; i < N_ENQ; i++) {
        uint64_t a = now_us();
        ok += nt_submit(c, t) == KERR_OK;
        lat[i] = now_us() - a;
    }
    CHECK(ok == N_ENQ);
    qsort(lat, N_ENQ, sizeof lat[0], cmp_u64);
    printf("durable enqueue over %d items: p50 %.2f ms, p99 %.2f ms, max %.2f ms (target p99 <= 5 ms)\n",
           N_ENQ, lat[N_ENQ / 2] / 1000.0, lat[N_ENQ * 99 / 100] / 1000.0, lat[N_ENQ - 1] / 1000.0);
    kclient_close(c);
    c = NULL;
    nt_env_done(&e);

    /* 2. a 1,000-item backlog drains to loopback */
    nt_env_init(&e, tsrv_port(srv));
    e.cfg.max_queued = N_DRAIN + 10;
    CHECK(kclient_open(&e.cfg, &c) == KERR_OK); /* hub still down: items pile up */
    if (!c) return ktest_done("outbox_bench_enqueue_and_drain");
    ok = 0;
    for (int i = 0; i < N_DRAIN; i++) ok += nt_submit(c, t) == KERR_OK;
    CHECK(ok == N_DRAIN);
    kclient_close(c);
    c = NULL;
    CHECK(tsrv_resume(srv));
    t0 = kclock_mono_ms();
    CHECK(kclient_open(&e.cfg, &c) == KERR_OK); /* as after a reboot with a backlog */
    CHECK(c && nt_wait_drained(c, 30000));
    drain_ms = kclock_mono_ms() - t0;
    tsrv_stats(srv, &st);
    printf("drain of %d items to loopback: %llu ms over %d connections, %d effects, %d receipts "
           "(target <= 3000 ms)\n",
           N_DRAIN, (unsigned long long)drain_ms, st.connections, st.effects, st.receipts);
    CHECK(st.effects == N_DRAIN);
    CHECK(st.conflicts == 0);
    kclient_close(c);
    nt_env_done(&e);
    tsrv_stop(srv);
    return ktest_done("outbox_bench_enqueue_and_drain");
}
