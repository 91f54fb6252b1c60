/* Only the hub may end a queued request (design D1, issue 10 item 1): a 4xx
 * ends an item only when it is application/problem+json naming the request's
 * Idempotency-Key in "instance". A proxy's HTML 404/400/413, a maintenance
 * page, a 502 HTML page, JSON without the instance, and a problem about
 * another request are all retried with backoff (error word http_<status>);
 * when the hub is back every item is delivered once, none dead. The hub's own
 * 400 (with the instance) still ends an item. Loopback only. Sample data. */
#include <sqlite3.h>

#include "api.h"
#include "ktest.h"
#include "nettest.h"

#define N 3

static void last_error_of(const char *db, char *out, size_t n)
{
    sqlite3 *h = NULL;
    sqlite3_stmt *st = NULL;
    out[0] = '\0';
    if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(h, "SELECT last_error FROM items WHERE state = 0 ORDER BY id LIMIT 1", -1,
                           &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        snprintf(out, n, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(h);
}

struct foreign {
    const char *name;
    int status;
    const char *ctype;
    const char *body;
};

static const struct foreign cases[] = {
    {"proxy_html_404", 404, "text/html; charset=utf-8",
     "<html><body><h1>404 Not Found</h1>nginx</body></html>"},
    {"proxy_html_400", 400, "text/html", "<html><body>400 Bad Request</body></html>"},
    {"proxy_html_413", 413, "text/html", "<html><body>413 Request Entity Too Large</body></html>"},
    {"maintenance_page_404", 404, "text/html", "<html>系统维护中 Maintenance</html>"},
    {"gateway_502_html", 502, "text/html", "<html>502 Bad Gateway</html>"},
    {"json_404_without_instance", 404, "application/json", "{\"error\":\"not found\"}"},
    {"problem_without_instance", 400, "application/problem+json",
     "{\"type\":\"" API_PROBLEM_BASE "bad-request\",\"title\":\"Bad Request\",\"status\":400}"},
    {"problem_for_another_request", 422, "application/problem+json",
     "{\"type\":\"" API_PROBLEM_BASE "idempotency-key-reused\",\"title\":\"Unprocessable\","
     "\"status\":422,\"instance\":\"urn:uuid:0b7f3f0e-9b1c-4c1e-8a35-3f1d1c2b4a5e\"}"},
    {"problem_409_not_from_hub", 409, "application/problem+json",
     "{\"type\":\"" API_PROBLEM_BASE "ticket-taken\",\"title\":\"Conflict\",\"status\":409}"},
    {"no_content_type_404", 404, NULL, "Not Found"},
};

static int dead_events(struct kclient *c, int *delivered)
{
    struct kclient_event ev;
    int dead = 0;
    while (kclient_next_event(c, &ev)) {
        if (ev.kind == KCLIENT_EV_DEAD) dead++;
        if (ev.kind == KCLIENT_EV_DELIVERED) (*delivered)++;
    }
    return dead;
}

int main(void)
{
    struct tsrv *srv = tsrv_start(0);
    CHECK(srv != NULL);
    if (!srv) return ktest_done("outbox_proxy_404_is_retried");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct foreign *f = &cases[i];
        struct nt_env e;
        struct kclient *c = NULL;
        struct kclient_status s;
        struct tsrv_stats b, a;
        char tickets[N][KCLIENT_TICKET_SIZE], err[64], want[16];
        int dead = 0, delivered = 0;
        nt_env_init(&e, tsrv_port(srv));
        tsrv_stats(srv, &b);
        tsrv_set_foreign(srv, f->status, f->ctype, f->body);
        CHECK(kclient_open(&e.cfg, &c) == KERR_OK);
        if (!c) break;
        for (int k = 0; k < N; k++) CHECK(nt_submit(c, tickets[k]) == KERR_OK);
        /* several rounds of answers; the old code ended every item in the first */
        CHECK(nt_wait_receipts(srv, b.receipts + N + 2, 5000));
        usleep(200000);
        dead = dead_events(c, &delivered);
        kclient_status(c, &s);
        last_error_of(e.db, err, sizeof err);
        snprintf(want, sizeof want, "http_%d", f->status);
        printf("%s: %d answers, queue %d, dead %d, error word %s\n", f->name,
               (tsrv_stats(srv, &a), a.receipts - b.receipts), s.queue_depth, s.dead, err);
        CHECK(dead == 0);
        CHECK(s.dead == 0);
        CHECK(s.queue_depth == N);
        CHECK_STR(err, want);
        /* the hub is back: each delivered once */
        tsrv_set_mode(srv, TS_OK);
        CHECK(nt_wait_drained(c, 10000));
        usleep(20000);
        dead += dead_events(c, &delivered);
        CHECK(dead == 0 && delivered == N);
        for (int k = 0; k < N; k++) CHECK(tsrv_has_ticket(srv, tickets[k]));
        tsrv_stats(srv, &a);
        CHECK(a.effects - b.effects == N);
        CHECK(a.conflicts == b.conflicts);
        kclient_close(c);
        nt_env_done(&e);
    }
    {
        /* the hub's own refusal, naming the request, still ends it */
        struct nt_env e;
        struct kclient *c = NULL;
        struct kclient_status s;
        int dead = 0, delivered = 0;
        uint64_t end;
        nt_env_init(&e, tsrv_port(srv));
        tsrv_set_mode(srv, TS_400);
        CHECK(kclient_open(&e.cfg, &c) == KERR_OK);
        if (c) {
            CHECK(nt_submit(c, NULL) == KERR_OK);
            end = kclock_mono_ms() + 5000;
            while (dead == 0 && kclock_mono_ms() < end) {
                dead += dead_events(c, &delivered);
                usleep(5000);
            }
            kclient_status(c, &s);
            printf("hub_problem_400_with_instance: dead %d\n", s.dead);
            CHECK(dead == 1 && s.dead == 1);
            kclient_close(c);
        }
        tsrv_set_mode(srv, TS_OK);
        nt_env_done(&e);
    }
    tsrv_stop(srv);
    return ktest_done("outbox_proxy_404_is_retried");
}
