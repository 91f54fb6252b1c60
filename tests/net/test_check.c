/* A ticket number alone reveals nothing (design D3, issue 10 item 7): every
 * request gets a random 6-digit check code, returned with its ticket; the
 * hub lookup sends it (?check=) and a wrong one is "not found" like an
 * unknown ticket; the local lookup answers only with the right code, and
 * after 10 wrong local lookups answers nothing, not even to the right code,
 * for a while. Loopback only; sample data. */
#include "api.h"
#include "ktest.h"
#include "nettest.h"

/* Waits for the answer to a query of ticket; returns its kind, 0 on timeout. */
static int answer(struct kclient *c, const char *ticket, struct kclient_event *out)
{
    uint64_t end = kclock_mono_ms() + 5000;
    while (kclock_mono_ms() < end) {
        while (kclient_next_event(c, out))
            if ((out->kind == KCLIENT_EV_TICKET_STATUS || out->kind == KCLIENT_EV_TICKET_FAILED) &&
                strcmp(out->ticket, ticket) == 0)
                return out->kind;
        usleep(5000);
    }
    return 0;
}

int main(void)
{
    struct tsrv *srv = tsrv_start(0);
    struct nt_env e;
    struct kclient *c = NULL;
    struct kclient_receipt a, b;
    struct kclient_local loc;
    struct kclient_event ev;
    struct tsrv_stats st;
    char wrong[KCLIENT_CHECK_SIZE];

    CHECK(srv != NULL);
    if (!srv) return ktest_done("ticket_lookup_needs_check_code");
    nt_env_init(&e, tsrv_port(srv));
    CHECK(kclient_open(&e.cfg, &c) == KERR_OK);
    if (!c) return ktest_done("ticket_lookup_needs_check_code");
    CHECK(nt_submit_r(c, &a) == KERR_OK);
    CHECK(nt_submit_r(c, &b) == KERR_OK);
    CHECK(api_check_valid(a.check) && api_check_valid(b.check));
    snprintf(wrong, sizeof wrong, "%06u", (unsigned)(atoi(a.check) + 1) % 1000000u);
    CHECK(nt_wait_drained(c, 10000));

    /* at the hub */
    CHECK(kclient_query_ticket(c, a.ticket, "") == KERR_INVALID);
    CHECK(kclient_query_ticket(c, a.ticket, wrong) == KERR_OK);
    CHECK(answer(c, a.ticket, &ev) == KCLIENT_EV_TICKET_FAILED);
    CHECK(ev.error == KERR_NOTFOUND);
    CHECK(!ev.has_note && ev.status[0] == '\0');
    tsrv_stats(srv, &st);
    CHECK(st.check_misses == 1);
    CHECK(kclient_query_ticket(c, a.ticket, a.check) == KERR_OK);
    CHECK(answer(c, a.ticket, &ev) == KCLIENT_EV_TICKET_STATUS);
    CHECK(ev.has_note);

    /* here */
    CHECK(kclient_local_ticket(c, a.ticket, a.check, &loc) == KERR_OK);
    CHECK(loc.state == KCLIENT_DELIVERED && strcmp(loc.category, "legal") == 0);
    CHECK(kclient_local_ticket(c, a.ticket, wrong, &loc) == KERR_NOTFOUND);
    CHECK(loc.category[0] == '\0');
    CHECK(kclient_local_ticket(c, a.ticket, b.check, &loc) == KERR_NOTFOUND ||
          strcmp(a.check, b.check) == 0);
    CHECK(kclient_local_ticket(c, a.ticket, NULL, &loc) == KERR_NOTFOUND);
    for (int i = 0; i < 7; i++) CHECK(kclient_local_ticket(c, b.ticket, wrong, &loc) == KERR_NOTFOUND);
    /* 10 wrong ones: now even the right code gets nothing */
    CHECK(kclient_local_ticket(c, b.ticket, b.check, &loc) == KERR_NOTFOUND);
    CHECK(loc.category[0] == '\0');
    kclient_close(c);
    nt_env_done(&e);
    tsrv_stop(srv);
    return ktest_done("ticket_lookup_needs_check_code");
}
