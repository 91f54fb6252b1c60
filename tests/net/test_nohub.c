/* A kiosk with no hub configured yet: a request is still stored durably with
 * a ticket and waits (never dropped, never sent); a ticket query fails at
 * once with KERR_NET; reopening later with a hub delivers what waited. */
#include "ktest.h"
#include "nettest.h"

int main(void)
{
    struct nt_env env;
    struct kclient *c = NULL;
    struct kclient_status st;
    struct kclient_event ev;
    struct kclient_local loc;
    struct tsrv *srv = NULL;
    struct kclient_receipt rc;
    bool got = false;

    nt_env_init(&env, 1);
    env.cfg.hub_url = "";
    env.cfg.token = NULL;
    CHECK(kclient_open(&env.cfg, &c) == KERR_OK);
    if (!c) return ktest_done("outbox_waits_without_hub");
    CHECK(nt_submit_r(c, &rc) == KERR_OK);
    CHECK(api_ticket_of_kiosk(rc.ticket, env.kiosk));
    CHECK(kclient_local_ticket(c, rc.ticket, rc.check, &loc) == KERR_OK && loc.state == KCLIENT_PENDING);
    CHECK(kclient_query_ticket(c, rc.ticket, rc.check) == KERR_OK);
    for (int i = 0; i < 100 && !got; i++) {
        if (kclient_next_event(c, &ev)) got = true;
        else usleep(10000);
    }
    CHECK(got && ev.kind == KCLIENT_EV_TICKET_FAILED && ev.error == KERR_NET);
    usleep(300000);
    kclient_status(c, &st);
    CHECK(st.queue_depth == 1);
    CHECK(!st.online);
    kclient_close(c);

    /* Registered later: the same outbox, now with a hub, delivers it. */
    srv = tsrv_start(0);
    CHECK(srv != NULL);
    if (srv) {
        snprintf(env.url, sizeof env.url, "http://127.0.0.1:%d", tsrv_port(srv));
        env.cfg.hub_url = env.url;
        env.cfg.token = TSRV_TOKEN;
        CHECK(kclient_open(&env.cfg, &c) == KERR_OK);
        CHECK(c && nt_wait_drained(c, 10000));
        CHECK(nt_wait_receipts(srv, 1, 5000));
        kclient_close(c);
        tsrv_stop(srv);
    }
    nt_env_done(&env);
    return ktest_done("outbox_waits_without_hub");
}
