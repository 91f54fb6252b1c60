/* Tickets never collide into a dead request (design D2, issue 10 item 2).
 * A: the hub already holds HL-A01-000001..000050 (a reinstalled kiosk, a lost
 *    state folder); a kiosk with an empty state folder files 3 requests: all 3
 *    are stored at the hub, none dead, each receipt answers locally.
 * B: a hub that answers 409 ticket-taken for the first ticket it sees: the
 *    item is renumbered in a new epoch and sent again at once under the same
 *    key, the hub stores it with receipt_ticket = the receipt's ticket, the
 *    receipt still answers locally and at the hub, the delivery event names
 *    the receipt, nothing is dead.
 * C: the state folder is lost and the same (fixed) epoch is drawn again, so
 *    every new ticket is one the hub already holds: all renumbered, none dead.
 * Loopback only; sample data. */
#include "api.h"
#include "ktest.h"
#include "nettest.h"

#define N 3

struct run {
    struct nt_env env;
    struct kclient *c;
    struct kclient_receipt rc[N];
};

static void file_n(struct run *r, struct tsrv *srv, const char *kiosk)
{
    memset(r, 0, sizeof *r);
    nt_env_init(&r->env, tsrv_port(srv));
    r->env.cfg.kiosk_id = kiosk;
    CHECK(kclient_open(&r->env.cfg, &r->c) == KERR_OK);
    for (int i = 0; r->c && i < N; i++) CHECK(nt_submit_r(r->c, &r->rc[i]) == KERR_OK);
}

/* Drains; returns dead events, counts delivered events naming a receipt. */
static int drain(struct run *r, int *delivered_receipts)
{
    struct kclient_event ev;
    int dead = 0;
    CHECK(r->c && nt_wait_drained(r->c, 10000));
    usleep(30000);
    *delivered_receipts = 0;
    while (r->c && kclient_next_event(r->c, &ev)) {
        if (ev.kind == KCLIENT_EV_DEAD) dead++;
        for (int i = 0; ev.kind == KCLIENT_EV_DELIVERED && i < N; i++)
            if (strcmp(ev.ticket, r->rc[i].ticket) == 0) (*delivered_receipts)++;
    }
    return dead;
}

static void expect_local(struct run *r)
{
    struct kclient_local loc;
    struct kclient_status s;
    for (int i = 0; i < N; i++) {
        CHECK(kclient_local_ticket(r->c, r->rc[i].ticket, r->rc[i].check, &loc) == KERR_OK);
        CHECK(loc.state == KCLIENT_DELIVERED);
    }
    kclient_status(r->c, &s);
    CHECK(s.dead == 0 && s.queue_depth == 0);
}

int main(void)
{
    struct tsrv_stats st;
    struct run r;
    int dead, got;

    /* A */
    {
        struct tsrv *srv = tsrv_start(0);
        CHECK(srv && tsrv_preload_tickets(srv, "HL-A01", 1, 50));
        if (!srv) return ktest_done("outbox_ticket_taken_is_renumbered_never_dead");
        file_n(&r, srv, "HL-A01");
        dead = drain(&r, &got);
        tsrv_stats(srv, &st);
        printf("A, hub holding HL-A01-000001..000050: %d stored, %d dead, %d taken answers\n",
               st.effects, dead, st.taken);
        CHECK(dead == 0 && got == N);
        CHECK(st.effects == N && st.conflicts == 0);
        for (int i = 0; i < N; i++) CHECK(tsrv_has_ticket(srv, r.rc[i].ticket));
        expect_local(&r);
        kclient_close(r.c);
        nt_env_done(&r.env);
        tsrv_stop(srv);
    }
    /* B */
    {
        struct tsrv *srv = tsrv_start(0);
        char now[KCLIENT_TICKET_SIZE] = "", receipt[40], check[7];
        struct kclient_event ev;
        bool status = false;
        uint64_t end;
        CHECK(srv != NULL);
        if (!srv) return ktest_done("outbox_ticket_taken_is_renumbered_never_dead");
        tsrv_take_next_tickets(srv, 1);
        file_n(&r, srv, "HL-A01");
        dead = drain(&r, &got);
        tsrv_stats(srv, &st);
        /* the first ticket the hub saw (deliveries run in parallel: any of the three) */
        int k = -1, renumbered = 0;
        for (int i = 0; i < N; i++)
            if (tsrv_effects_with_receipt(srv, r.rc[i].ticket, NULL) == 1) {
                k = i;
                renumbered++;
            }
        CHECK(renumbered == 1 && k >= 0);
        if (k < 0) k = 0;
        tsrv_effects_with_receipt(srv, r.rc[k].ticket, now);
        printf("B, first ticket taken: %d stored, %d dead, %d taken; %s renumbered to %s\n",
               st.effects, dead, st.taken, r.rc[k].ticket, now);
        CHECK(dead == 0 && got == N);
        CHECK(st.effects == N && st.taken == 1 && st.conflicts == 0);
        CHECK(strcmp(now, r.rc[k].ticket) != 0 && api_ticket_of_kiosk(now, "HL-A01"));
        CHECK(tsrv_effect_of(srv, now, receipt, check));
        CHECK_STR(receipt, r.rc[k].ticket);
        CHECK_STR(check, r.rc[k].check);
        for (int i = 0; i < N; i++) CHECK(i == k || tsrv_has_ticket(srv, r.rc[i].ticket));
        expect_local(&r);
        /* the receipt answers at the hub too (it maps the receipt ticket) */
        CHECK(kclient_query_ticket(r.c, r.rc[k].ticket, r.rc[k].check) == KERR_OK);
        end = kclock_mono_ms() + 5000;
        while (!status && kclock_mono_ms() < end) {
            while (kclient_next_event(r.c, &ev))
                if (ev.kind == KCLIENT_EV_TICKET_STATUS && strcmp(ev.ticket, r.rc[k].ticket) == 0)
                    status = true;
            usleep(5000);
        }
        CHECK(status);
        kclient_close(r.c);
        nt_env_done(&r.env);
        tsrv_stop(srv);
    }
    /* C */
    {
        struct tsrv *srv = tsrv_start(0);
        struct run r2;
        CHECK(srv != NULL);
        if (!srv) return ktest_done("outbox_ticket_taken_is_renumbered_never_dead");
        setenv("KIOSK_TEST_RANDOM", "7", 1); /* the same epoch after the folder is lost */
        file_n(&r, srv, "HL-A02");
        dead = drain(&r, &got);
        CHECK(dead == 0 && got == N);
        kclient_close(r.c);
        nt_env_done(&r.env); /* the state folder is lost */
        file_n(&r2, srv, "HL-A02");
        for (int i = 0; i < N; i++) CHECK_STR(r2.rc[i].ticket, r.rc[i].ticket); /* same numbers */
        dead = drain(&r2, &got);
        tsrv_stats(srv, &st);
        printf("C, state folder lost, same epoch drawn: %d stored, %d dead, %d taken\n", st.effects,
               dead, st.taken);
        CHECK(dead == 0 && got == N);
        CHECK(st.effects == 2 * N && st.conflicts == N); /* each collided once, none stored twice */
        for (int i = 0; i < N; i++) CHECK(tsrv_effects_with_receipt(srv, r2.rc[i].ticket, NULL) == 1);
        expect_local(&r2);
        unsetenv("KIOSK_TEST_RANDOM");
        kclient_close(r2.c);
        nt_env_done(&r2.env);
        tsrv_stop(srv);
    }
    return ktest_done("outbox_ticket_taken_is_renumbered_never_dead");
}
