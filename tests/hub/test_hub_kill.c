/* hub_kill9_under_load_keeps_every_2xx: five rounds of four kiosks posting
 * help requests as fast as they can while the hub is killed with SIGKILL at
 * a random moment; after each restart every request the hub had answered
 * with 2xx must be in its database, and sending it again must replay (200),
 * never create a second row. Bounded: 5 rounds, at most ~1.5 s of load each,
 * at most 20,000 posts per kiosk per round. */
#include <pthread.h>
#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "api.h"
#include "harness.h"
#include "ktest.h"
#include "kclock.h"

#define ROUNDS 5
#define KIOSKS 4
#define MAX_PER_ROUND 20000

static struct hub H;
static const char *const FAST[] = {"--rate", "1000000/s", "--burst", "1000000", "--quiet", NULL};

struct sent {
    char ticket[API_TICKET_SIZE];
    char key[API_UUID_SIZE];
    int status; /* 0: no answer (the hub died), else the HTTP status */
};

struct poster {
    pthread_t th;
    char id[API_KIOSK_ID_SIZE];
    char token[80];
    long seq;          /* next ticket sequence, kept across rounds */
    struct sent *sent; /* this round */
    long n;
    long unexpected;
};

struct easy {
    CURL *c;
    struct curl_slist *hdr;
};

static long post_once(CURL *c, const struct hub *h, const char *token, const char *key,
                      const char *body, struct resp *r)
{
    struct curl_slist *hdr = NULL;
    char url[128], a[160], k[80];
    memset(r, 0, sizeof *r);
    r->status = -1;
    r->body = calloc(1, 1);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/api/v1/requests", h->port);
    snprintf(a, sizeof a, "Authorization: Bearer %s", token);
    snprintf(k, sizeof k, "Idempotency-Key: %s", key);
    hdr = curl_slist_append(hdr, a);
    hdr = curl_slist_append(hdr, k);
    hdr = curl_slist_append(hdr, "Content-Type: application/json");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, harness_write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10000L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    if (curl_easy_perform(c) == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    curl_slist_free_all(hdr);
    return r->status;
}

static void *poster_main(void *arg)
{
    struct poster *p = arg;
    CURL *c = curl_easy_init();
    char body[2048];
    uint64_t end = kclock_mono_ms() + 5000; /* the kill comes well before */
    p->n = 0;
    while (c && p->n < MAX_PER_ROUND && kclock_mono_ms() < end) {
        struct sent *s = &p->sent[p->n];
        struct resp r;
        long st;
        api_ticket_format(s->ticket, p->id, (uint64_t)++p->seq);
        api_uuid_v4_make(s->key);
        sample_request(body, sizeof body, p->id, s->ticket, "崩溃测试样例数据 crash-test sample");
        st = post_once(c, &H, p->token, s->key, body, &r);
        free(r.body);
        s->status = st > 0 ? (int)st : 0;
        p->n++;
        if (st <= 0) break; /* the hub is gone */
        if (st != 201) p->unexpected++;
    }
    curl_easy_cleanup(c);
    return NULL;
}

int main(int argc, char **argv)
{
    struct poster ps[KIOSKS];
    long total_sent = 0, acked_total = 0, lost = 0, dup = 0, unexpected = 0, verify_fail = 0;
    unsigned seed = (unsigned)getpid();
    if (argc < 2) return 2;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CHECK(hub_init(&H, argv[1]) == 0);
    CHECK(hub_start(&H, FAST) == 0);
    if (H.pid <= 0) return ktest_done("hub_kill9");
    memset(ps, 0, sizeof ps);
    for (int i = 0; i < KIOSKS; i++) {
        struct resp r;
        char b[64];
        cJSON *o;
        snprintf(ps[i].id, sizeof ps[i].id, "HL-K%02d", i);
        snprintf(b, sizeof b, "{\"id\":\"%s\"}", ps[i].id);
        http(&H, "POST", "/api/v1/admin/kiosks", ADMIN_TOKEN, NULL, b, &r);
        CHECK(r.status == 201);
        o = cJSON_Parse(r.body);
        if (cJSON_IsString(cJSON_GetObjectItem(o, "token")))
            snprintf(ps[i].token, sizeof ps[i].token, "%s", cJSON_GetObjectItem(o, "token")->valuestring);
        cJSON_Delete(o);
        free(r.body);
        ps[i].sent = calloc(MAX_PER_ROUND, sizeof *ps[i].sent);
    }

    for (int round = 0; round < ROUNDS; round++) {
        long acked = 0, round_lost = 0;
        CURL *c;
        if (round > 0 && hub_start(&H, FAST) != 0) {
            CHECK(!"hub restarts after kill -9");
            break;
        }
        for (int i = 0; i < KIOSKS; i++) pthread_create(&ps[i].th, NULL, poster_main, &ps[i]);
        usleep(300000 + (rand_r(&seed) % 1200) * 1000u); /* kill somewhere in 0.3..1.5 s */
        CHECK(WIFSIGNALED(hub_stop(&H, SIGKILL)));
        for (int i = 0; i < KIOSKS; i++) pthread_join(ps[i].th, NULL);
        CHECK(hub_start(&H, FAST) == 0);

        /* every 2xx is stored; a resend replays it (200), never a new row */
        c = curl_easy_init();
        for (int i = 0; i < KIOSKS; i++) {
            total_sent += ps[i].n;
            unexpected += ps[i].unexpected;
            ps[i].unexpected = 0;
            for (long k = 0; k < ps[i].n; k++) {
                struct sent *s = &ps[i].sent[k];
                char body[2048];
                struct resp r;
                long st;
                sample_request(body, sizeof body, ps[i].id, s->ticket,
                               "崩溃测试样例数据 crash-test sample");
                st = post_once(c, &H, ps[i].token, s->key, body, &r);
                free(r.body);
                if (s->status >= 200 && s->status < 300) {
                    acked++;
                    if (st == 201) round_lost++; /* it had to be stored again: lost */
                    else if (st != 200) verify_fail++;
                } else if (st != 200 && st != 201) {
                    verify_fail++; /* unanswered: either state is fine, errors are not */
                }
            }
        }
        curl_easy_cleanup(c);
        printf("round %d: %ld answered 2xx before the kill, %ld of them missing after restart\n",
               round + 1, acked, round_lost);
        acked_total += acked;
        lost += round_lost;
        CHECK(acked > 0);
        if (round < ROUNDS - 1) hub_stop(&H, SIGTERM);
    }
    /* a second resend of everything is a replay as well: no duplicate rows */
    {
        CURL *c = curl_easy_init();
        for (int i = 0; i < KIOSKS; i++)
            for (long k = 0; k < ps[i].n; k += 50) {
                struct sent *s = &ps[i].sent[k];
                char body[2048];
                struct resp r;
                sample_request(body, sizeof body, ps[i].id, s->ticket,
                               "崩溃测试样例数据 crash-test sample");
                if (post_once(c, &H, ps[i].token, s->key, body, &r) != 200) dup++;
                free(r.body);
            }
        curl_easy_cleanup(c);
    }
    printf("kill -9: %d rounds, %ld answers 2xx, %ld lost, %ld unexpected statuses, "
           "%ld failed checks\n",
           ROUNDS, acked_total, lost, unexpected, verify_fail + dup);
    CHECK(acked_total > 100);
    CHECK(lost == 0);
    CHECK(unexpected == 0);
    CHECK(verify_fail == 0);
    CHECK(dup == 0);
    CHECK(hub_stop(&H, SIGTERM) == 0);
    {
        /* exactly one row per ticket ever sent: nothing lost, nothing doubled */
        long rows = hub_db_num(&H, "SELECT count(*) FROM requests", NULL);
        printf("rows in the database: %ld, tickets sent: %ld\n", rows, total_sent);
        CHECK(rows == total_sent);
    }
    for (int i = 0; i < KIOSKS; i++) free(ps[i].sent);
    hub_cleanup(&H);
    curl_global_cleanup();
    return ktest_done("hub_kill9");
}
