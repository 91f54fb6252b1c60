/* The on-site admin panel's side of the hub link (issue 15): the queue's
 * reasons, re-sending items the hub refused (once each at the hub, the same
 * key and ticket), the network test (a timed heartbeat), the screen
 * schedule's screen_on in heartbeats, and the content version after a
 * pushed bundle switched in. Against the test hub on 127.0.0.1.
 * Sample data only. */
#include <string.h>

#include "api.h"
#include "ktest.h"
#include "nettest.h"
#include "outbox.h"

/* Waits for an event of kind (others are counted into *others when not
 * NULL); false after timeout_ms. */
static bool wait_event(struct kclient *c, enum kclient_event_kind kind, struct kclient_event *out,
                       int timeout_ms, int *delivered, int *dead)
{
    uint64_t end = kclock_mono_ms() + (uint64_t)timeout_ms;
    struct kclient_event ev;
    while (kclock_mono_ms() < end) {
        while (kclient_next_event(c, &ev)) {
            if (ev.kind == KCLIENT_EV_DELIVERED && delivered) (*delivered)++;
            if (ev.kind == KCLIENT_EV_DEAD && dead) (*dead)++;
            if (ev.kind == kind) {
                if (out) *out = ev;
                return true;
            }
        }
        usleep(5000);
    }
    return false;
}

static void dead_items_are_resent_once(struct tsrv *srv)
{
    struct nt_env env;
    struct kclient *c = NULL;
    struct kclient_event ev;
    struct kclient_queue q;
    char tickets[3][KCLIENT_TICKET_SIZE];
    int dead = 0, delivered = 0;
    struct tsrv_stats st0, st;

    nt_env_init(&env, tsrv_port(srv));
    CHECK(kclient_open(&env.cfg, &c) == KERR_OK);
    if (!c) return;
    kclient_queue_report(c, &q);
    CHECK(!q.ready); /* nothing read yet */

    /* the hub refuses (its own 400 problem for each request): dead */
    tsrv_set_mode(srv, TS_400);
    for (int i = 0; i < 3; i++) CHECK(nt_submit(c, tickets[i]) == KERR_OK);
    for (uint64_t end = kclock_mono_ms() + 10000; dead < 3 && kclock_mono_ms() < end;)
        wait_event(c, KCLIENT_EV_DELIVERED, NULL, 20, &delivered, &dead);
    CHECK(dead == 3);
    CHECK(delivered == 0);

    kclient_queue_refresh(c);
    CHECK(wait_event(c, KCLIENT_EV_QUEUE, NULL, 5000, NULL, NULL));
    kclient_queue_report(c, &q);
    CHECK(q.ready);
    CHECK(q.pending == 0 && q.dead == 3 && q.resendable == 3);
    CHECK(q.n_dead_why == 1 && q.dead_why[0].count == 3);
    CHECK(strncmp(q.dead_why[0].reason, "400 ", 4) == 0);
    printf("dead reason: %s (%d)\n", q.dead_why[0].reason, q.dead_why[0].count);

    /* the hub takes them now: re-send puts all three back, each arrives once */
    tsrv_stats(srv, &st0);
    tsrv_set_mode(srv, TS_OK);
    kclient_resend_dead(c);
    CHECK(wait_event(c, KCLIENT_EV_RESENT, &ev, 5000, &delivered, NULL));
    CHECK(ev.error == KERR_OK && ev.count == 3);
    CHECK(nt_wait_drained(c, 10000));
    for (uint64_t end = kclock_mono_ms() + 5000; delivered < 3 && kclock_mono_ms() < end;)
        wait_event(c, KCLIENT_EV_TICKET_STATUS, NULL, 20, &delivered, NULL);
    CHECK(delivered == 3);
    for (int i = 0; i < 3; i++) CHECK(tsrv_has_ticket(srv, tickets[i]));
    tsrv_stats(srv, &st);
    CHECK(st.effects - st0.effects == 3);
    CHECK(st.conflicts == 0);

    /* nothing left to re-send: a second ask puts nothing back */
    kclient_resend_dead(c);
    CHECK(wait_event(c, KCLIENT_EV_RESENT, &ev, 5000, NULL, NULL));
    CHECK(ev.error == KERR_OK && ev.count == 0);
    CHECK(wait_event(c, KCLIENT_EV_QUEUE, NULL, 5000, NULL, NULL));
    kclient_queue_report(c, &q);
    CHECK(q.ready && q.dead == 0 && q.pending == 0 && q.resendable == 0);
    kclient_close(c);
    nt_env_done(&env);
}

static void ping_and_screen_on(struct tsrv *srv)
{
    struct nt_env env;
    struct kclient *c = NULL;
    struct kclient_event ev;
    struct tsrv_stats st;

    nt_env_init(&env, tsrv_port(srv));
    env.cfg.heartbeat_s = 3600; /* one at start, then only when the screen changes */
    CHECK(kclient_open(&env.cfg, &c) == KERR_OK);
    if (!c) return;

    CHECK(kclient_ping(c) == KERR_OK);
    CHECK(wait_event(c, KCLIENT_EV_PING, &ev, 5000, NULL, NULL));
    CHECK(ev.error == KERR_OK && ev.http_status == 204);
    CHECK(ev.rtt_ms >= 0 && ev.rtt_ms < 5000);
    printf("ping: http %d in %d ms\n", ev.http_status, ev.rtt_ms);

    /* the schedule says dark, then lit: a heartbeat at once each time */
    kclient_set_screen_on(c, false);
    for (uint64_t end = kclock_mono_ms() + 5000; kclock_mono_ms() < end; usleep(5000)) {
        tsrv_stats(srv, &st);
        if (st.screen_beats >= 1 && !st.screen_on) break;
    }
    tsrv_stats(srv, &st);
    CHECK(st.screen_beats >= 1 && !st.screen_on);
    kclient_set_screen_on(c, true);
    for (uint64_t end = kclock_mono_ms() + 5000; kclock_mono_ms() < end; usleep(5000)) {
        tsrv_stats(srv, &st);
        if (st.screen_on) break;
    }
    tsrv_stats(srv, &st);
    CHECK(st.screen_on);

    /* a pushed bundle switched in: the next heartbeat, at once, says its
     * version (not the one the kiosk started with) */
    CHECK_STR(st.content_version, env.cfg.content_version ? env.cfg.content_version : "none");
    kclient_set_content_version(c, "2026.11.27-sample-pushed");
    for (uint64_t end = kclock_mono_ms() + 5000; kclock_mono_ms() < end; usleep(5000)) {
        tsrv_stats(srv, &st);
        if (strcmp(st.content_version, "2026.11.27-sample-pushed") == 0) break;
    }
    tsrv_stats(srv, &st);
    CHECK_STR(st.content_version, "2026.11.27-sample-pushed");

    /* the hub down: the test says so, it does not hang */
    tsrv_pause(srv);
    CHECK(kclient_ping(c) == KERR_OK);
    CHECK(wait_event(c, KCLIENT_EV_PING, &ev, 8000, NULL, NULL));
    CHECK(ev.error == KERR_NET);
    CHECK(tsrv_resume(srv));
    kclient_close(c);
    nt_env_done(&env);

    /* no hub configured: answered at once */
    nt_env_init(&env, tsrv_port(srv));
    env.cfg.hub_url = NULL;
    CHECK(kclient_open(&env.cfg, &c) == KERR_OK);
    if (c) {
        CHECK(kclient_ping(c) == KERR_OK);
        CHECK(wait_event(c, KCLIENT_EV_PING, &ev, 2000, NULL, NULL));
        CHECK(ev.error == KERR_NET);
        kclient_close(c);
    }
    nt_env_done(&env);
}

/* outbox level: an erased dead item is not re-sent (its body is gone), a
 * kept one is; reasons group and count. */
static void revive_skips_erased(void)
{
    struct nt_env env;
    struct outbox *ob = NULL;
    struct outbox_opts o = {.check = true};
    struct outbox_receipt rc;
    struct outbox_reason r[4];
    char key[API_UUID_SIZE];
    struct api_help_request req;
    struct outbox_item it[4];
    int n = 0, erased = 0, revived = -1, gone = -1, resendable = -1;
    int64_t due = 0;

    nt_env_init(&env, 9);
    CHECK(outbox_open(env.db, &o, &ob, NULL) == KERR_OK);
    if (!ob) return;
    nt_request(&req, NULL);
    CHECK(outbox_push_request(ob, "HL-Q01", &req, 10, &rc, key, NULL) == KERR_OK);
    CHECK(outbox_list_pending(ob, 0, it, 4, &n) == KERR_OK && n == 1);
    CHECK(outbox_mark_dead(ob, it[0].id, 400, "400 Bad Request: category unknown") == KERR_OK);
    CHECK(outbox_erase_old(ob, kclock_wall_ms() + 10, 600000, 0, 1LL << 40, &erased, &due) ==
          KERR_OK);
    CHECK(erased == 1);
    nt_request(&req, NULL);
    CHECK(outbox_push_request(ob, "HL-Q01", &req, 10, &rc, key, NULL) == KERR_OK);
    CHECK(outbox_list_pending(ob, 0, it, 4, &n) == KERR_OK && n == 1);
    CHECK(outbox_mark_dead(ob, it[0].id, 400, "400 Bad Request: category unknown") == KERR_OK);
    nt_request(&req, NULL);
    CHECK(outbox_push_request(ob, "HL-Q01", &req, 10, &rc, key, NULL) == KERR_OK);
    CHECK(outbox_list_pending(ob, 0, it, 4, &n) == KERR_OK && n == 1);
    CHECK(outbox_mark_retry(ob, it[0].id, 503, "http_503", kclock_wall_ms()) == KERR_OK);

    CHECK(outbox_reasons(ob, OUTBOX_DEAD, r, 4, &n) == KERR_OK);
    CHECK(n == 1 && r[0].count == 2 && strcmp(r[0].reason, "400 Bad Request: category unknown") == 0);
    CHECK(outbox_reasons(ob, OUTBOX_PENDING, r, 4, &n) == KERR_OK);
    CHECK(n == 1 && r[0].count == 1 && strcmp(r[0].reason, "http_503") == 0);
    CHECK(outbox_resendable(ob, &resendable) == KERR_OK && resendable == 1);

    CHECK(outbox_revive_dead(ob, &revived, &gone) == KERR_OK);
    CHECK(revived == 1 && gone == 1);
    CHECK(outbox_list_pending(ob, 0, it, 4, &n) == KERR_OK && n == 2);
    CHECK(outbox_reasons(ob, OUTBOX_PENDING, r, 4, &n) == KERR_OK);
    CHECK(n == 2 && r[0].count == 1 && r[1].count == 1);
    CHECK(outbox_integrity_ok(ob));
    outbox_close(ob);
    nt_env_done(&env);
}

int main(void)
{
    struct tsrv *srv = tsrv_start(0);
    CHECK(srv != NULL);
    if (!srv) return ktest_done("admin_queue");
    revive_skips_erased();
    dead_items_are_resent_once(srv);
    ping_and_screen_on(srv);
    tsrv_stop(srv);
    return ktest_done("admin_queue");
}
