/* kiosk-hub on PostgreSQL when the database drops every connection of the
 * hub (a restarted or failed-over server): the kiosk's resend of the same
 * request (same Idempotency-Key and body, as net/client does after a 5xx)
 * ends in a 2xx; what the hub answered meanwhile is 503 (nothing claimed),
 * never a 2xx for a row it lost; every acknowledged request is stored exactly
 * once; the hub logs one line when it loses the database and one when it is
 * back; an alert is a row of the database, there again after a restart; and
 * a second hub on the same database starts and serves beside the first. Built with KIOSK_HUB_PG (tests/hub/harness.h). */
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "harness.h"
#include "ktest.h"

static struct hub H;

static void add_kiosk(const char *id, char *token_out)
{
    struct resp r;
    char body[64];
    cJSON *o;
    snprintf(body, sizeof body, "{\"id\":\"%s\"}", id);
    http(&H, "POST", "/api/v1/admin/kiosks", ADMIN_TOKEN, NULL, body, &r);
    CHECK(r.status == 201);
    o = cJSON_ParseWithLength(r.body, r.len);
    token_out[0] = '\0';
    if (cJSON_IsString(cJSON_GetObjectItem(o, "token")))
        snprintf(token_out, 80, "%s", cJSON_GetObjectItem(o, "token")->valuestring);
    cJSON_Delete(o);
    free(r.body);
}

/* The server ends every session of the hub's database. */
static void cut(void)
{
    char sql[512];
    const char *db = strstr(H.db, ":///") + 4; /* postgresql:///NAME?host=... */
    PGconn *c = pgtest_conn("postgres");
    snprintf(sql, sizeof sql,
             "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname ="
             " '%.*s'", (int)strcspn(db, "?"), db);
    CHECK(pgtest_num(c, sql) >= 2); /* the writer and at least one reader */
    PQfinish(c);
    usleep(100 * 1000);
}

/* Sends the request (ticket, key) as a kiosk does until a 2xx, at most 40
 * times: the statuses before it must be 503 (or 500); *tries = sends. */
static long send_until_2xx(const char *tok, const char *ticket, const char *key, int *tries,
                           int *not503)
{
    char body[1024];
    struct resp r;
    sample_request(body, sizeof body, "HL-PG1", ticket, "示例：数据库重连");
    for (*tries = 1; *tries <= 40; ++*tries) {
        long st;
        http(&H, "POST", "/api/v1/requests", tok, key, body, &r);
        st = r.status;
        free(r.body);
        if (st == 200 || st == 201) return st;
        if (st != 503 && st != 500) ++*not503;
        usleep(100 * 1000);
    }
    return -1;
}

/* True when the sample alert is in h's list within 5 s. */
static bool alert_listed(struct hub *h)
{
    for (int i = 0; i < 50; i++) {
        struct resp r;
        bool found;
        http(h, "GET", "/api/v1/admin/alerts", ADMIN_TOKEN, NULL, NULL, &r);
        found = r.status == 200 && r.body && strstr(r.body, "示例：消防演练");
        free(r.body);
        if (found) return true;
        usleep(100 * 1000);
    }
    return false;
}

int main(int argc, char **argv)
{
    const char *const flags[] = {"--rate", "1000/s", "--burst", "1000", NULL};
    char tok[80], ticket[API_TICKET_SIZE], key[API_UUID_SIZE];
    int tries = 0, not503 = 0, acked = 0;
    if (argc < 2 || hub_init(&H, argv[1]) != 0) return 2;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CHECK(hub_start(&H, flags) == 0);
    add_kiosk("HL-PG1", tok);
    for (int round = 1; round <= 5; round++) {
        long st;
        snprintf(ticket, sizeof ticket, "HL-PG1-%06d", round);
        CHECK(api_uuid_v4_make(key) == KERR_OK);
        if (round > 1 && round < 5) cut();
        /* round 5: a second later, the hub's next write takes its one-hub
         * lock again (the cut ended that connection too) */
        if (round == 5) usleep(1100 * 1000);
        st = send_until_2xx(tok, ticket, key, &tries, &not503);
        printf("round %d: %s after %d sends\n", round, st == 201 ? "201" : st == 200 ? "200" : "none",
               tries);
        CHECK(st == 201 || st == 200);
        acked += st == 201 || st == 200;
    }
    CHECK(not503 == 0);
    {
        /* an alert is a row of the database (no file in --state-dir) and is
         * there again after a restart */
        struct resp r;
        char path[300];
        http(&H, "POST", "/api/v1/admin/alerts", ADMIN_TOKEN, NULL,
             "{\"to\":\"all\",\"level\":\"notice\",\"title\":\"示例：消防演练\",\"body\":\"\"}", &r);
        CHECK(r.status == 201);
        free(r.body);
        CHECK(hub_db_num(&H, "SELECT count(*) FROM alerts", NULL) == 1);
        snprintf(path, sizeof path, "%s/hub.alerts.json", H.dir);
        CHECK(access(path, F_OK) != 0);
        CHECK(hub_stop(&H, SIGTERM) == 0);
        CHECK(hub_start(&H, flags) == 0);
        CHECK(alert_listed(&H)); /* the listener replays the log at start */
    }
    {
        /* a second hub on the same database starts and serves what the first
         * stored (several hubs behind a load balancer), and so does the first */
        struct hub h2;
        struct resp r;
        CHECK(hub_init_peer(&h2, &H) == 0);
        CHECK(hub_start(&h2, flags) == 0);
        CHECK(alert_listed(&h2)); /* its listener replays the log at start */
        http(&h2, "GET", "/api/v1/admin/requests?limit=1", ADMIN_TOKEN, NULL, NULL, &r);
        CHECK(r.status == 200);
        free(r.body);
        http(&H, "GET", "/api/v1/admin/requests?limit=1", ADMIN_TOKEN, NULL, NULL, &r);
        CHECK(r.status == 200);
        free(r.body);
        CHECK(hub_stop(&h2, SIGTERM) == 0);
        hub_cleanup(&h2);
    }
    CHECK(hub_stop(&H, SIGTERM) == 0);
    CHECK(hub_db_num(&H, "SELECT count(*) FROM requests", NULL) == acked);
    CHECK(hub_db_num(&H, "SELECT count(*) FROM history", NULL) == acked);
    {
        char cmd[1024];
        snprintf(cmd, sizeof cmd, "grep -q 'lost the PostgreSQL connection' '%s' && grep -q"
                                  " 'connected to PostgreSQL again' '%s'",
                 H.logfile, H.logfile);
        CHECK(system(cmd) == 0);
    }
    hub_cleanup(&H);
    curl_global_cleanup();
    return ktest_done("hub_pg_lost");
}
