/* The hub's store on PostgreSQL (net/hub/hubstore_pg*.c) against a real
 * server (the ctest fixture pg: tests/pg/pg_server.sh), one database per
 * part. Two stores opened on one database stand for two hub processes.
 * Parts: idem (exactly once under 16 threads on two hubs, replays, 422, 409),
 * kiosk (kiosk add/revoke/heartbeat/token), lost (a connection lost before
 * COMMIT answers 503 and the resend stores once), booking (the no-overlap
 * constraint under contention), lease (one holder at a time), alerts (fan-out
 * to another hub within 2 s, catch-up after a lost listener connection).
 * The parts that compare with the SQLite store: test_hubstore_pg_same.c. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>


#include "hubstore.h"
#include "hubstore_impl.h"
#include "hubstore_pg.h"
#include "kclock.h"
#include "ktest.h"
#include "pgstore_test.h"

static unsigned rnd_state = 12345;
static unsigned rnd(void) /* KIOSK_TEST_RANDOM=1: the same sequence every run */
{
    rnd_state = rnd_state * 1103515245u + 12345u;
    return (rnd_state >> 16) & 0x7fff;
}


/* ---- idem --------------------------------------------------------------- */

#define KEYS 201
#define THREADS 16
#define PER_THREAD 250

struct idem_arg {
    struct hubstore *st;
    int keys[PER_THREAD], result[PER_THREAD];
    char answer[PER_THREAD][128];
};

static void *idem_thread(void *p)
{
    struct idem_arg *a = p;
    for (int i = 0; i < PER_THREAD; i++) {
        struct hubstore_job j;
        char body[64];
        snprintf(body, sizeof body, "{\"n\":%d,\"pad\":\"xxxxxxxxxxxxxxxxxxxxxx\"}", a->keys[i]);
        req_job(&j, a->keys[i], body);
        a->result[i] = hubstore_run(a->st, &j) == KERR_OK ? j.result : -1;
        snprintf(a->answer[i], sizeof a->answer[i], "%.127s", j.answer);
    }
    return NULL;
}

static void part_idem(const char *url)
{
    struct hubstore *hub[2] = {NULL, NULL};
    static struct idem_arg args[THREADS];
    pthread_t t[THREADS];
    int created[KEYS] = {0}, bad = 0, used[KEYS] = {0}, nused = 0;
    char first[KEYS][128];
    PGconn *c;
    CHECK(hubstore_open(url, NULL, &hub[0]) == KERR_OK);
    CHECK(hubstore_open(url, NULL, &hub[1]) == KERR_OK); /* the schema exists: no migration */
    if (!hub[0] || !hub[1]) return;
    for (int i = 0; i < THREADS; i++) {
        args[i].st = hub[i % 2];
        for (int k = 0; k < PER_THREAD; k++) args[i].keys[k] = (int)(rnd() % KEYS);
    }
    for (int i = 0; i < THREADS; i++) pthread_create(&t[i], NULL, idem_thread, &args[i]);
    for (int i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
    memset(first, 0, sizeof first);
    for (int i = 0; i < THREADS; i++)
        for (int k = 0; k < PER_THREAD; k++) {
            int key = args[i].keys[k];
            if (!used[key]) nused++;
            used[key] = 1;
            if (args[i].result[k] == 201) {
                created[key]++;
                snprintf(first[key], sizeof first[key], "%s", args[i].answer[k]);
            } else if (args[i].result[k] != 200) {
                bad++;
            }
        }
    CHECK(bad == 0);
    for (int k = 0; k < KEYS; k++)
        if (used[k] && created[k] != 1) {
            fprintf(stderr, "key %d created %d times\n", k, created[k]);
            bad++;
        }
    CHECK(bad == 0);
    /* every replay is the stored answer of the one 201 */
    for (int i = 0; i < THREADS; i++)
        for (int k = 0; k < PER_THREAD; k++)
            if (args[i].result[k] == 200 && strcmp(args[i].answer[k], first[args[i].keys[k]]) != 0)
                bad++;
    CHECK(bad == 0);
    {
        int64_t n = -1;
        CHECK(hubstore_request_count(hub[0], &n) == KERR_OK);
        CHECK(n == nused);
        printf("idem: %d posts from %d threads on 2 hubs, %d keys: %lld rows\n",
               THREADS * PER_THREAD, THREADS, nused, (long long)n);
    }
    c = pgtest_conn("hubpg_idem");
    CHECK(pgtest_num(c, "SELECT count(*) FROM history") == nused);
    CHECK(pgtest_num(c, "SELECT max(version) FROM schema_version") == 4); /* 4: content_releases.purged */
    PQfinish(c);
    {
        struct hubstore_job j;
        struct api_ticket_status ts;
        req_job(&j, 7, "{\"other\":true,\"pad\":\"yyyyyyyyyyyyyyyyyyyyyyy\"}");
        CHECK(hubstore_run(hub[1], &j) == KERR_OK && j.result == 422); /* same key, other body */
        req_job(&j, 7, "{\"n\":7,\"pad\":\"xxxxxxxxxxxxxxxxxxxxxx\"}");
        snprintf(j.idem_key, sizeof j.idem_key, "00000000-0000-4000-8000-999999999999");
        CHECK(hubstore_run(hub[1], &j) == KERR_OK && j.result == 409); /* ticket of another key */
        if (used[7]) {
            CHECK(hubstore_ticket_status(hub[0], "k7-000008", NULL, &ts) == KERR_OK);
            CHECK(ts.status == API_TICKET_NEW);
        }
        CHECK(hubstore_ticket_status(hub[0], "k7-099999", NULL, &ts) == KERR_NOTFOUND);
    }
    hubstore_close(hub[0]);
    hubstore_close(hub[1]);
}

/* ---- kiosk -------------------------------------------------------------- */

static int run_op(struct hubstore *st, enum hubstore_op op, const char *kiosk, uint8_t tok)
{
    struct hubstore_job j;
    memset(&j, 0, sizeof j);
    j.op = op;
    snprintf(j.kiosk_id, sizeof j.kiosk_id, "%s", kiosk);
    memset(j.token_hash, tok, 32);
    snprintf(j.version, sizeof j.version, "1.0");
    j.queue_depth = 3;
    j.online = true;
    return hubstore_run(st, &j) == KERR_OK ? j.result : -1;
}

static void part_kiosk(const char *url)
{
    struct hubstore *st = NULL;
    uint8_t h[32];
    char id[HUBSTORE_ID_MAX + 1];
    bool revoked = true;
    PGconn *c;
    CHECK(hubstore_open(url, NULL, &st) == KERR_OK);
    if (!st) return;
    CHECK(run_op(st, HUBSTORE_HEARTBEAT, "lobby-1", 0) == 404); /* unknown */
    CHECK(run_op(st, HUBSTORE_KIOSK_ADD, "lobby-1", 1) == 201);
    CHECK(run_op(st, HUBSTORE_KIOSK_ADD, "lobby-1", 2) == 409); /* active: keeps its token */
    CHECK(run_op(st, HUBSTORE_HEARTBEAT, "lobby-1", 0) == 204);
    memset(h, 1, sizeof h);
    CHECK(hubstore_kiosk_by_token(st, h, id, &revoked) == KERR_OK);
    CHECK_STR(id, "lobby-1");
    CHECK(!revoked);
    CHECK(run_op(st, HUBSTORE_KIOSK_REVOKE, "lobby-1", 0) == 204);
    CHECK(run_op(st, HUBSTORE_KIOSK_REVOKE, "lobby-1", 0) == 404);
    CHECK(hubstore_kiosk_by_token(st, h, id, &revoked) == KERR_OK && revoked);
    CHECK(run_op(st, HUBSTORE_HEARTBEAT, "lobby-1", 0) == 404); /* revoked */
    CHECK(run_op(st, HUBSTORE_KIOSK_ADD, "lobby-1", 3) == 201); /* a new token */
    memset(h, 3, sizeof h);
    CHECK(hubstore_kiosk_by_token(st, h, id, &revoked) == KERR_OK && !revoked);
    memset(h, 9, sizeof h);
    CHECK(hubstore_kiosk_by_token(st, h, id, &revoked) == KERR_NOTFOUND);
    c = pgtest_conn("hubpg_kiosk");
    CHECK(pgtest_num(c, "SELECT count(*) FROM audit WHERE action IN ('kiosk.add','kiosk.revoke')") == 3);
    CHECK(pgtest_num(c, "SELECT count(*) FROM audit WHERE detail = 'new token'") == 1);
    CHECK(pgtest_num(c, "SELECT queue_depth FROM kiosks WHERE id='lobby-1'") == 3);
    PQfinish(c);
    hubstore_close(st);
}

/* ---- lost --------------------------------------------------------------- */

static void part_lost(const char *url)
{
    struct hubstore *st = NULL;
    struct hubstore_job j;
    const char *body = "{\"lost\":1,\"pad\":\"zzzzzzzzzzzzzzzzzzzzzzzzzzzz\"}";
    PGconn *c = pgtest_conn("hubpg_lost");
    CHECK(hubstore_open(url, NULL, &st) == KERR_OK);
    if (!st) return;
    req_job(&j, 2, body); /* the writer is up (and its first sweep done) */
    CHECK(hubstore_run(st, &j) == KERR_OK && j.result == 201);
    for (int i = 0; i < 100 && pgtest_num(c, "SELECT count(*) FROM hub_leases") < 1; i++)
        usleep(20 * 1000);
    usleep(200 * 1000);
    /* the server ends the writer's session, as a failover or a network cut would */
    CHECK(pgtest_num(c, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                        " WHERE application_name = 'kiosk-hub writer' AND datname = 'hubpg_lost'") == 1);
    usleep(100 * 1000);
    req_job(&j, 1, body);
    CHECK(hubstore_run(st, &j) == KERR_OK);
    CHECK(j.result == 503);  /* nothing claimed */
    req_job(&j, 1, body);     /* the kiosk's resend, same key */
    CHECK(hubstore_run(st, &j) == KERR_OK);
    CHECK(j.result == 201 || j.result == 200);
    req_job(&j, 1, body);
    CHECK(hubstore_run(st, &j) == KERR_OK && j.result == 200);
    CHECK(pgtest_num(c, "SELECT count(*) FROM requests") == 2);
    PQfinish(c);
    hubstore_close(st);
}

/* ---- booking ------------------------------------------------------------ */

#define BK_THREADS 8
#define BK_TRIES 300
/* A deadlocked insert is tried again, for up to BK_RETRY_MS (a test's
 * bound; the hub's writer tries a batch HUBPG_RACE_TRIES times) */
#define BK_RETRY_MS 30000

struct bk_arg {
    int idx, ok, refused, retried, other, most_in_row;
    bool locked; /* takes the room's lock first, as the hub's writer does */
    long long longest_ms;
};

static void *bk_thread(void *p)
{
    struct bk_arg *a = p;
    PGconn *c = pgtest_conn("hubpg_booking");
    unsigned s = 99u + (unsigned)a->idx;
    for (int i = 0; i < BK_TRIES; i++) {
        char sql[900], lock[160] = "", tag = a->locked ? 'l' : 'c';
        PGresult *r;
        long long start, t0 = (long long)kclock_mono_ms();
        int room, len;
        s = s * 1103515245u + 12345u;
        room = (int)((s >> 16) % 3);
        start = 1800000000LL + (long long)((s >> 8) % 40) * 900; /* 15-minute grid... */
        len = ((s >> 4) % 3 + 1) * 900;                      /* ...of 15, 30 or 45 minutes */
        if (a->locked) /* the room's lock, with hubstore_booking.c's key */
            snprintf(lock, sizeof lock, "BEGIN; SELECT pg_advisory_xact_lock("
                     "hashtextextended('room:lroom%d', 0)); ", room);
        snprintf(sql, sizeof sql,
                 "%sINSERT INTO bookings(code,room,tower,slot_start,slot_end,checkin_from,"
                 "checkin_until,release_at,state,kiosk_id,idem_key,body_hash,phone_last4,"
                 "phone_day,created_at,updated_at) VALUES('%c%d_%d','%sroom%d','t1',%lld,%lld,"
                 "0,0,0,'%s','k%d','%c%d',''::bytea,'0000',0,'-','-')%s",
                 lock, tag, a->idx, i, a->locked ? "l" : "", room, start, start + len,
                 i % 5 == 0 ? "cancelled" : "confirmed", a->idx, tag, i,
                 a->locked ? "; COMMIT" : "");
        /* two inserts that wait on each other's exclusion check end in a
         * deadlock error for one of them (40P01). Under load the one tried
         * again kept meeting a new insert in progress (51 in a row, 17 s,
         * with a pause shorter than deadlock_timeout): so the pause is of
         * random length, doubling up to 200 ms */
        for (int attempt = 0;; attempt++) {
            char st[8] = "";
            const char *state = NULL;
            bool more = (long long)kclock_mono_ms() - t0 < BK_RETRY_MS;
            unsigned most = 4u << (attempt < 6 ? attempt : 6);
            r = PQexec(c, sql);
            if (PQresultErrorField(r, PG_DIAG_SQLSTATE)) {
                snprintf(st, sizeof st, "%s", PQresultErrorField(r, PG_DIAG_SQLSTATE));
                state = st; /* kept after PQclear */
            }
            if (PQresultStatus(r) == PGRES_COMMAND_OK) a->ok++;
            else if (state && strcmp(state, "23P01") == 0) a->refused++;
            else if (state && strcmp(state, "40P01") == 0 && more) a->retried++;
            else if (++a->other < 3)
                fprintf(stderr, "booking insert: %s %s", state ? state : "-", PQresultErrorMessage(r));
            PQclear(r);
            if (a->locked && state) PQclear(PQexec(c, "ROLLBACK")); /* the rest was not run */
            if (!state || strcmp(state, "40P01") != 0 || !more) {
                long long took = (long long)kclock_mono_ms() - t0;
                if (attempt > a->most_in_row) a->most_in_row = attempt;
                if (took > a->longest_ms) a->longest_ms = took;
                break;
            }
            s = s * 1103515245u + 12345u;
            usleep(1000u * (1u + (s >> 16) % (most < 200u ? most : 200u)));
        }
    }
    PQfinish(c);
    return NULL;
}

/* BK_THREADS threads, each BK_TRIES overlapping bookings of 3 rooms; locked:
 * they take the room's lock first. Prints the figures; the deadlocks met
 * into *deadlocks. */
static void bk_round(bool locked, int *deadlocks)
{
    struct bk_arg a[BK_THREADS];
    pthread_t t[BK_THREADS];
    int ok = 0, refused = 0, retried = 0, other = 0, most_in_row = 0;
    long long longest_ms = 0;
    for (int i = 0; i < BK_THREADS; i++) {
        memset(&a[i], 0, sizeof a[i]);
        a[i].idx = i;
        a[i].locked = locked;
        pthread_create(&t[i], NULL, bk_thread, &a[i]);
    }
    for (int i = 0; i < BK_THREADS; i++) {
        pthread_join(t[i], NULL);
        ok += a[i].ok;
        refused += a[i].refused;
        retried += a[i].retried;
        other += a[i].other;
        if (a[i].most_in_row > most_in_row) most_in_row = a[i].most_in_row;
        if (a[i].longest_ms > longest_ms) longest_ms = a[i].longest_ms;
    }
    printf("booking, %s: %d attempts, %d stored, %d refused by the constraint, %d deadlocks"
           " retried (at most %d in a row; the longest insert took %lld ms)\n",
           locked ? "the room locked first (the hub's writer)" : "plain inserts",
           BK_THREADS * BK_TRIES, ok, refused, retried, most_in_row, longest_ms);
    CHECK(other == 0);
    CHECK(ok + refused == BK_THREADS * BK_TRIES);
    CHECK(refused > 0); /* contended: the constraint did refuse some */
    *deadlocks = retried;
}

static void part_booking(const char *url)
{
    struct hubstore *st = NULL;
    int plain = 0, locked = -1;
    PGconn *c;
    CHECK(hubstore_open(url, NULL, &st) == KERR_OK); /* creates the schema */
    if (!st) return;
    bk_round(false, &plain);
    bk_round(true, &locked);
    CHECK(locked == 0); /* one writer at a time per room: no two in progress to deadlock */
    c = pgtest_conn("hubpg_booking");
    CHECK(pgtest_num(c, "SELECT count(*) FROM bookings a JOIN bookings b ON a.room = b.room"
                        " AND a.id < b.id AND a.slot_start < b.slot_end AND b.slot_start < a.slot_end"
                        " WHERE a.state IN ('confirmed','checked_in')"
                        " AND b.state IN ('confirmed','checked_in')") == 0);
    CHECK(pgtest_num(c, "SELECT count(*) FROM bookings WHERE state = 'cancelled'") > 0);
    CHECK(pgtest_num(c, "SELECT count(*) FROM bookings WHERE room LIKE 'lroom%'") > 0);
    PQfinish(c);
    hubstore_close(st);
}

/* ---- lease -------------------------------------------------------------- */

static void part_lease(const char *url)
{
    struct hubstore *a = NULL, *b = NULL;
    PGconn *c;
    CHECK(hubstore_open(url, NULL, &a) == KERR_OK);
    CHECK(hubstore_open(url, NULL, &b) == KERR_OK);
    if (!a || !b) return;
    CHECK(strcmp(hubpg_holder(a->pg), hubpg_holder(b->pg)) != 0);
    CHECK(hubpg_lease(a->pg, "sweep", 60) == 1);
    CHECK(hubpg_lease(b->pg, "sweep", 60) == 0); /* a holds it */
    CHECK(hubpg_lease(a->pg, "sweep", 60) == 1); /* renewed */
    CHECK(hubpg_lease(b->pg, "release", 60) == 1); /* another chore, another lease */
    c = pgtest_conn("hubpg_lease");
    PQclear(PQexec(c, "UPDATE hub_leases SET expires_at = now() - interval '1 second'"
                      " WHERE name = 'sweep'")); /* a dies and its lease runs out */
    CHECK(hubpg_lease(b->pg, "sweep", 60) == 1);
    CHECK(hubpg_lease(a->pg, "sweep", 60) == 0);
    {
        /* the sweep job asks for the lease itself: b sweeps, a answers 0 */
        struct hubstore_job j;
        memset(&j, 0, sizeof j);
        j.op = HUBSTORE_SWEEP;
        CHECK(hubstore_run(a, &j) == KERR_OK && j.result == 200);
        CHECK_STR(j.answer, "0");
        memset(&j, 0, sizeof j);
        j.op = HUBSTORE_SWEEP;
        CHECK(hubstore_run(b, &j) == KERR_OK && j.result == 200);
    }
    PQfinish(c);
    hubstore_close(a);
    hubstore_close(b);
}

/* ---- alerts ------------------------------------------------------------- */

struct seen {
    pthread_mutex_t m;
    int n;
    int64_t ids[64];
    uint64_t at[64];
};

static void on_alert(int64_t id, const char *json, void *arg)
{
    struct seen *s = arg;
    (void)json;
    pthread_mutex_lock(&s->m);
    if (s->n < 64) {
        s->ids[s->n] = id;
        s->at[s->n++] = kclock_mono_ms();
    }
    pthread_mutex_unlock(&s->m);
}

static int seen_wait(struct seen *s, int n, int ms)
{
    for (int i = 0; i < ms / 10; i++) {
        int have;
        pthread_mutex_lock(&s->m);
        have = s->n;
        pthread_mutex_unlock(&s->m);
        if (have >= n) return have;
        usleep(10 * 1000);
    }
    return s->n;
}

static void part_alerts(const char *url)
{
    struct hubstore *a = NULL, *b = NULL;
    struct seen sb = {PTHREAD_MUTEX_INITIALIZER, 0, {0}, {0}};
    struct seen late = {PTHREAD_MUTEX_INITIALIZER, 0, {0}, {0}};
    int64_t id = 0, first = 0;
    uint64_t t0;
    int got;
    CHECK(hubstore_open(url, NULL, &a) == KERR_OK);
    CHECK(hubstore_open(url, NULL, &b) == KERR_OK);
    if (!a || !b) return;
    CHECK(hubpg_listen_start(b->pg, 0, on_alert, &sb) == KERR_OK);
    usleep(300 * 1000); /* b is listening */
    t0 = kclock_mono_ms();
    CHECK(hubpg_alert_put(a->pg, "{\"level\":\"urgent\",\"text\":\"示例\"}", &first) == KERR_OK);
    got = seen_wait(&sb, 1, 2000);
    CHECK(got == 1);
    if (got == 1) {
        printf("alerts: hub b saw hub a's alert after %llu ms\n",
               (unsigned long long)(sb.at[0] - t0));
        CHECK(sb.at[0] - t0 < 2000);
        CHECK(sb.ids[0] == first);
    }
    /* b's listener loses its connection; alerts sent meanwhile arrive once
     * each, in order, after it reconnects and catches up */
    for (int i = 0; i < 5; i++) {
        if (i == 1) hubpg_listen_break(b->pg);
        CHECK(hubpg_alert_put(a->pg, "{\"level\":\"info\",\"text\":\"示例\"}", &id) == KERR_OK);
    }
    got = seen_wait(&sb, 6, 5000);
    CHECK(got == 6);
    for (int i = 0; i < got; i++) CHECK(sb.ids[i] == first + i);
    /* a hub started later catches up from the id it was given */
    CHECK(hubpg_listen_start(a->pg, first + 3, on_alert, &late) == KERR_OK);
    CHECK(seen_wait(&late, 2, 3000) == 2);
    CHECK(late.ids[0] == first + 4 && late.ids[1] == first + 5);
    hubstore_close(a);
    hubstore_close(b);
}

int main(int argc, char **argv)
{
    static const struct pgstore_part parts[] = {
        {"idem", part_idem},       {"kiosk", part_kiosk}, {"lost", part_lost},
        {"booking", part_booking}, {"lease", part_lease}, {"alerts", part_alerts}};
    if (getenv("KIOSK_TEST_RANDOM")) rnd_state = 4242;
    return pgstore_main(argc, argv, parts, sizeof parts / sizeof parts[0]);
}
