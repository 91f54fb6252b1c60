/* Fault matrix against the test hub: each fault keeps the items in the outbox
 * and, once it clears, every item is delivered exactly once (one effect per
 * idempotency key, no conflicting bodies, never two attempts of one item at
 * the same time). Also: Retry-After in both forms, 400 → dead with its
 * reason, an oversized answer aborted, connection reuse, ticket queries,
 * heartbeats, and the config's refusal of plain http. Sample data only. */
#include <stdatomic.h>

#include "api.h"
#include "ktest.h"
#include "nettest.h"

#define N_ITEMS 5

static struct tsrv *srv;

struct run {
    struct nt_env env;
    struct kclient *c;
    char tickets[64][KCLIENT_TICKET_SIZE];
    char checks[64][KCLIENT_CHECK_SIZE];
    int n;
};

static atomic_int notified;
static void on_notify(void *ud)
{
    (void)ud;
    atomic_fetch_add(&notified, 1);
}

static void run_open(struct run *r, void (*tune)(struct kclient_config *))
{
    memset(r, 0, sizeof *r);
    nt_env_init(&r->env, tsrv_port(srv));
    if (tune) tune(&r->env.cfg);
    CHECK(kclient_open(&r->env.cfg, &r->c) == KERR_OK);
    if (r->c) kclient_set_notify(r->c, on_notify, NULL);
}

static void run_submit(struct run *r, int n)
{
    for (int i = 0; i < n && r->c && r->n < 64; i++) {
        struct kclient_receipt rc;
        enum kerr e = nt_submit_r(r->c, &rc);
        CHECK(e == KERR_OK);
        CHECK(api_check_valid(rc.check));
        memcpy(r->tickets[r->n], rc.ticket, sizeof rc.ticket);
        memcpy(r->checks[r->n], rc.check, sizeof rc.check);
        if (e == KERR_OK) r->n++;
    }
}

/* Drains, then checks every ticket reached the hub once. */
static void run_expect_all_delivered(struct run *r, const char *name)
{
    struct tsrv_stats st;
    struct kclient_event ev;
    int delivered = 0;
    bool drained = r->c && nt_wait_drained(r->c, 15000);
    if (!drained) fprintf(stderr, "%s: not drained (depth %d)\n", name, r->c ? nt_depth(r->c) : -1);
    CHECK(drained);
    for (int i = 0; i < r->n; i++) CHECK(tsrv_has_ticket(srv, r->tickets[i]));
    usleep(20000);
    while (r->c && kclient_next_event(r->c, &ev))
        if (ev.kind == KCLIENT_EV_DELIVERED) delivered++;
    CHECK(delivered == r->n);
    tsrv_stats(srv, &st);
    CHECK(st.conflicts == 0);
    CHECK(st.overlaps == 0);
    CHECK(st.bad_headers == 0);
    printf("%s: %d items delivered\n", name, delivered);
}

static void run_close(struct run *r)
{
    kclient_close(r->c);
    nt_env_done(&r->env);
}

static void test_refused_then_up(void)
{
    struct run r;
    struct kclient_status s;
    tsrv_pause(srv);
    run_open(&r, NULL);
    run_submit(&r, N_ITEMS);
    usleep(600000);
    kclient_status(r.c, &s);
    CHECK(!s.online);
    CHECK(s.last_error == KERR_NET);
    CHECK(s.queue_depth == N_ITEMS);
    CHECK(tsrv_resume(srv));
    run_expect_all_delivered(&r, "fault_connection_refused");
    kclient_status(r.c, &s);
    CHECK(s.online && s.last_error == KERR_OK);
    run_close(&r);
}

static void test_server_down_midway(void)
{
    struct run r;
    run_open(&r, NULL);
    run_submit(&r, 3);
    CHECK(nt_wait_drained(r.c, 5000));
    tsrv_pause(srv);
    run_submit(&r, 3);
    usleep(500000);
    CHECK(nt_depth(r.c) == 3);
    CHECK(tsrv_resume(srv));
    run_expect_all_delivered(&r, "fault_server_down");
    run_close(&r);
}

/* The server stores the effect, then the answer is lost in some way. */
static void test_lost_answer(enum tsrv_mode m, const char *name, int hold_ms)
{
    struct run r;
    struct tsrv_stats before, after;
    tsrv_stats(srv, &before);
    tsrv_set_mode(srv, m);
    run_open(&r, NULL);
    run_submit(&r, 2);
    CHECK(nt_wait_receipts(srv, before.receipts + 1, 5000));
    usleep((useconds_t)hold_ms * 1000);
    CHECK(nt_depth(r.c) > 0); /* not delivered while the answer is lost */
    tsrv_set_mode(srv, TS_OK);
    run_expect_all_delivered(&r, name);
    tsrv_stats(srv, &after);
    CHECK(after.replays > before.replays); /* the retry got the stored answer */
    CHECK(after.effects - before.effects == r.n);
    run_close(&r);
}

static void test_status_then_ok(enum tsrv_mode m, const char *name)
{
    struct run r;
    struct tsrv_stats before;
    struct kclient_status s;
    tsrv_stats(srv, &before);
    tsrv_set_mode(srv, m);
    run_open(&r, NULL);
    run_submit(&r, N_ITEMS);
    CHECK(nt_wait_receipts(srv, before.receipts + 3, 5000));
    kclient_status(r.c, &s);
    CHECK(s.queue_depth == N_ITEMS);
    CHECK(!s.online);
    tsrv_set_mode(srv, TS_OK);
    run_expect_all_delivered(&r, name);
    run_close(&r);
}

/* 503 / 429 with Retry-After: the next attempt waits at least that long. */
static void test_retry_after(enum tsrv_mode m, const char *name)
{
    struct run r;
    struct tsrv_stats before;
    uint64_t prev, last;
    tsrv_stats(srv, &before);
    tsrv_set_mode(srv, m);
    run_open(&r, NULL);
    run_submit(&r, 1);
    CHECK(nt_wait_receipts(srv, before.receipts + 1, 5000));
    tsrv_set_mode(srv, TS_OK);
    CHECK(nt_wait_receipts(srv, before.receipts + 2, 5000));
    tsrv_last_arrivals(srv, &prev, &last);
    printf("%s: next attempt after %llu ms\n", name, (unsigned long long)(last - prev));
    CHECK(last - prev >= 900);
    run_expect_all_delivered(&r, name);
    run_close(&r);
}

static void test_bad_request_is_dead(void)
{
    struct run r;
    struct kclient_event ev;
    struct kclient_local loc;
    struct kclient_status s;
    int dead = 0;
    uint64_t end;
    tsrv_set_mode(srv, TS_400);
    run_open(&r, NULL);
    run_submit(&r, 2);
    end = kclock_mono_ms() + 5000;
    while (dead < 2 && kclock_mono_ms() < end) {
        while (kclient_next_event(r.c, &ev)) {
            if (ev.kind == KCLIENT_EV_DEAD) {
                dead++;
                CHECK(strstr(ev.text, "400") != NULL);
                CHECK(ev.http_status == 400);
            }
        }
        usleep(5000);
    }
    CHECK(dead == 2);
    CHECK(kclient_local_ticket(r.c, r.tickets[0], r.checks[0], &loc) == KERR_OK);
    CHECK(loc.state == KCLIENT_DEAD);
    CHECK_STR(loc.category, "legal");
    kclient_status(r.c, &s);
    CHECK(s.dead == 2 && s.queue_depth == 0);
    tsrv_set_mode(srv, TS_OK);
    {
        char first[KCLIENT_TICKET_SIZE];
        memcpy(first, r.tickets[0], sizeof first);
        r.n = 0; /* the dead ones are not expected at the hub */
        run_submit(&r, 1);
        run_expect_all_delivered(&r, "fault_400_dead_reason_kept");
        CHECK(!tsrv_has_ticket(srv, first));
    }
    run_close(&r);
}

static void test_huge_answer(void)
{
    struct run r;
    struct tsrv_stats before;
    struct kclient_status s;
    tsrv_stats(srv, &before);
    tsrv_set_mode(srv, TS_HUGE);
    run_open(&r, NULL);
    run_submit(&r, 1);
    CHECK(nt_wait_receipts(srv, before.receipts + 2, 5000));
    kclient_status(r.c, &s);
    CHECK(s.queue_depth == 1);
    CHECK(s.last_error == KERR_TOOBIG);
    tsrv_set_mode(srv, TS_OK);
    run_expect_all_delivered(&r, "fault_50mb_answer_aborted");
    run_close(&r);
}

static void set_parallel(struct kclient_config *c) { c->max_in_flight = 4; }

static void test_connection_reuse_and_queries(void)
{
    struct run r;
    struct tsrv_stats before, after;
    struct kclient_event ev;
    int got_status = 0, got_missing = 0, got_offline = 0;
    uint64_t end;
    tsrv_stats(srv, &before);
    run_open(&r, set_parallel);
    run_submit(&r, 40);
    run_expect_all_delivered(&r, "sender_reuses_connections");
    tsrv_stats(srv, &after);
    printf("sender_reuses_connections: %d connections for 40 items\n",
           after.connections - before.connections);
    CHECK(after.connections - before.connections <= 6);
    CHECK(atomic_load(&notified) > 0);

    CHECK(kclient_query_ticket(r.c, r.tickets[0], r.checks[0]) == KERR_OK);
    CHECK(kclient_query_ticket(r.c, "HL-T01-999999", "123456") == KERR_OK);
    CHECK(kclient_query_ticket(r.c, "../../etc-000001", "123456") == KERR_INVALID);
    CHECK(kclient_query_ticket(r.c, r.tickets[0], "12345") == KERR_INVALID);
    CHECK(kclient_query_ticket(r.c, r.tickets[0], "12345&x=1") == KERR_INVALID);
    end = kclock_mono_ms() + 5000;
    while ((got_status == 0 || got_missing == 0) && kclock_mono_ms() < end) {
        while (kclient_next_event(r.c, &ev)) {
            if (ev.kind == KCLIENT_EV_TICKET_STATUS && strcmp(ev.ticket, r.tickets[0]) == 0) {
                got_status++;
                CHECK_STR(ev.status, "accepted");
                CHECK(ev.has_note);
            }
            if (ev.kind == KCLIENT_EV_TICKET_FAILED && ev.error == KERR_NOTFOUND) got_missing++;
        }
        usleep(5000);
    }
    CHECK(got_status == 1 && got_missing == 1);
    tsrv_pause(srv);
    CHECK(kclient_query_ticket(r.c, r.tickets[0], r.checks[0]) == KERR_OK);
    end = kclock_mono_ms() + 5000;
    while (!got_offline && kclock_mono_ms() < end) {
        while (kclient_next_event(r.c, &ev))
            if (ev.kind == KCLIENT_EV_TICKET_FAILED && ev.error == KERR_NET) got_offline++;
        usleep(5000);
    }
    CHECK(got_offline == 1);
    CHECK(tsrv_resume(srv));
    run_close(&r);
}

static void set_heartbeat(struct kclient_config *c) { c->heartbeat_s = 1; }

static void test_heartbeat(void)
{
    struct run r;
    struct tsrv_stats before, after;
    tsrv_stats(srv, &before);
    run_open(&r, set_heartbeat);
    usleep(1300000);
    tsrv_stats(srv, &after);
    CHECK(after.heartbeats - before.heartbeats >= 2);
    run_close(&r);
}

static void test_config_refusals(void)
{
    struct nt_env e;
    struct kclient *c = NULL;
    nt_env_init(&e, 1);
    e.cfg.hub_url = "http://192.0.2.1:8080";
    CHECK(kclient_open(&e.cfg, &c) == KERR_USAGE && c == NULL);
    e.cfg.hub_url = "ftp://127.0.0.1/";
    CHECK(kclient_open(&e.cfg, &c) == KERR_USAGE && c == NULL);
    e.cfg.hub_url = "http://192.0.2.1:8080";
    e.cfg.allow_insecure_http = true; /* logs a warning */
    CHECK(kclient_open(&e.cfg, &c) == KERR_OK);
    kclient_close(c);
    c = NULL;
    e.cfg.token = NULL;
    CHECK(kclient_open(&e.cfg, &c) == KERR_USAGE);
    e.cfg.token = "two words";
    CHECK(kclient_open(&e.cfg, &c) == KERR_USAGE);
    e.cfg.token = TSRV_TOKEN;
    e.cfg.kiosk_id = "bad/id";
    CHECK(kclient_open(&e.cfg, &c) == KERR_USAGE);
    nt_env_done(&e);
}

static void test_close_is_bounded(void)
{
    struct run r;
    uint64_t t0;
    tsrv_set_mode(srv, TS_HANG);
    run_open(&r, NULL);
    run_submit(&r, 1);
    nt_wait_receipts(srv, 1, 2000);
    t0 = kclock_mono_ms();
    kclient_close(r.c);
    r.c = NULL;
    printf("kclient_close with a hanging transfer: %llu ms\n",
           (unsigned long long)(kclock_mono_ms() - t0));
    CHECK(kclock_mono_ms() - t0 < 1000);
    tsrv_set_mode(srv, TS_OK);
    nt_env_done(&r.env);
}

int main(void)
{
    srv = tsrv_start(0);
    CHECK(srv != NULL);
    if (!srv) return ktest_done("fault_matrix_delivers_once_after_fault");
    test_config_refusals();
    test_refused_then_up();
    test_server_down_midway();
    test_lost_answer(TS_HANG, "fault_accept_then_hang", 1700);
    test_lost_answer(TS_DRIP, "fault_drip_byte_per_second", 1700);
    test_lost_answer(TS_RESET, "fault_reset_mid_response", 200);
    test_status_then_ok(TS_500, "fault_http_500");
    test_retry_after(TS_503_RA, "fault_503_retry_after_seconds");
    test_retry_after(TS_429_DATE, "fault_429_retry_after_http_date");
    test_bad_request_is_dead();
    test_huge_answer();
    test_connection_reuse_and_queries();
    test_heartbeat();
    test_close_is_bounded();
    tsrv_stop(srv);
    return ktest_done("fault_matrix_delivers_once_after_fault");
}
