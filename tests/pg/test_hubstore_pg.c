/* The hub's store on PostgreSQL (net/hub/hubstore_pg*.c) against a real
 * server (the ctest fixture pg: tests/pg/pg_server.sh), one database per
 * part. Two stores opened on one database stand for two hub processes.
 * Parts: idem (exactly once under 16 threads on two hubs, replays, 422, 409),
 * kiosk (kiosk add/revoke/heartbeat/token), lost (a connection lost before
 * COMMIT answers 503 and the resend stores once), booking (the no-overlap
 * constraint under contention), lease (one holder at a time), alerts (fan-out
 * to another hub within 2 s, catch-up after a lost listener connection),
 * staff (status, accounts, login and lock, assignment, audit: the same
 * answers as the SQLite store; kiosk and staff jobs in one batch), bookings
 * (the same answers and reads as SQLite; 16 people on two hubs for one slot:
 * one booking). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "hubbook.h"
#include "hubstore.h"
#include "hubstore_booking.h"
#include "hubstore_impl.h"
#include "hubstore_pg.h"
#include "kclock.h"
#include "ktest.h"
#include "pgtest.h"

static unsigned rnd_state = 12345;
static unsigned rnd(void) /* KIOSK_TEST_RANDOM=1: the same sequence every run */
{
    rnd_state = rnd_state * 1103515245u + 12345u;
    return (rnd_state >> 16) & 0x7fff;
}

static void req_job(struct hubstore_job *j, int key, const char *body)
{
    memset(j, 0, sizeof *j);
    j->op = HUBSTORE_REQ_PUT;
    snprintf(j->kiosk_id, sizeof j->kiosk_id, "k%d", key % 13);
    snprintf(j->idem_key, sizeof j->idem_key, "00000000-0000-4000-8000-%012d", key);
    api_ticket_format(j->ticket, j->kiosk_id, (uint64_t)key + 1);
    snprintf(j->category, sizeof j->category, "it");
    j->body = body;
    memset(j->body_hash, 0, 32);
    memcpy(j->body_hash, body, strlen(body) < 32 ? strlen(body) : 32);
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
    CHECK(pgtest_num(c, "SELECT max(version) FROM schema_version") == 1);
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

struct bk_arg {
    int idx, ok, refused, retried, other;
};

static void *bk_thread(void *p)
{
    struct bk_arg *a = p;
    PGconn *c = pgtest_conn("hubpg_booking");
    unsigned s = 99u + (unsigned)a->idx;
    for (int i = 0; i < BK_TRIES; i++) {
        char sql[640];
        PGresult *r;
        long long start;
        int room, len;
        s = s * 1103515245u + 12345u;
        room = (int)((s >> 16) % 3);
        start = 1800000000LL + (long long)((s >> 8) % 40) * 900; /* 15-minute grid... */
        len = ((s >> 4) % 3 + 1) * 900;                      /* ...of 15, 30 or 45 minutes */
        snprintf(sql, sizeof sql,
                 "INSERT INTO bookings(code,room,tower,slot_start,slot_end,checkin_from,"
                 "checkin_until,release_at,state,kiosk_id,idem_key,body_hash,phone_last4,phone_day,"
                 "created_at,updated_at) VALUES('c%d_%d','room%d','t1',%lld,%lld,0,0,0,'%s',"
                 "'k%d','%d',''::bytea,'0000',0,'-','-')",
                 a->idx, i, room, start, start + len, i % 5 == 0 ? "cancelled" : "confirmed",
                 a->idx, i);
        /* two inserts that wait on each other's exclusion check end in a
         * deadlock error for one of them (40P01): it is tried again, as the
         * booking writer must */
        for (int attempt = 0; attempt < 5; attempt++) {
            char st[8] = "";
            const char *state = NULL;
            r = PQexec(c, sql);
            if (PQresultErrorField(r, PG_DIAG_SQLSTATE)) {
                snprintf(st, sizeof st, "%s", PQresultErrorField(r, PG_DIAG_SQLSTATE));
                state = st; /* kept after PQclear */
            }
            if (PQresultStatus(r) == PGRES_COMMAND_OK) a->ok++;
            else if (state && strcmp(state, "23P01") == 0) a->refused++;
            else if (state && strcmp(state, "40P01") == 0 && attempt < 4) a->retried++;
            else if (++a->other < 3)
                fprintf(stderr, "booking insert: %s %s", state ? state : "-", PQresultErrorMessage(r));
            PQclear(r);
            if (!state || strcmp(state, "40P01") != 0) break;
        }
    }
    PQfinish(c);
    return NULL;
}

static void part_booking(const char *url)
{
    struct hubstore *st = NULL;
    struct bk_arg a[BK_THREADS];
    pthread_t t[BK_THREADS];
    int ok = 0, refused = 0, retried = 0, other = 0;
    PGconn *c;
    CHECK(hubstore_open(url, NULL, &st) == KERR_OK); /* creates the schema */
    if (!st) return;
    for (int i = 0; i < BK_THREADS; i++) {
        memset(&a[i], 0, sizeof a[i]);
        a[i].idx = i;
        pthread_create(&t[i], NULL, bk_thread, &a[i]);
    }
    for (int i = 0; i < BK_THREADS; i++) {
        pthread_join(t[i], NULL);
        ok += a[i].ok;
        refused += a[i].refused;
        retried += a[i].retried;
        other += a[i].other;
    }
    printf("booking: %d attempts, %d stored, %d refused by the constraint, %d deadlocks retried\n",
           BK_THREADS * BK_TRIES, ok, refused, retried);
    CHECK(other == 0);
    CHECK(refused > 0); /* contended: the constraint did refuse some */
    c = pgtest_conn("hubpg_booking");
    CHECK(pgtest_num(c, "SELECT count(*) FROM bookings a JOIN bookings b ON a.room = b.room"
                        " AND a.id < b.id AND a.slot_start < b.slot_end AND b.slot_start < a.slot_end"
                        " WHERE a.state IN ('confirmed','checked_in')"
                        " AND b.state IN ('confirmed','checked_in')") == 0);
    CHECK(pgtest_num(c, "SELECT count(*) FROM bookings WHERE state = 'cancelled'") > 0);
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

/* ---- staff: the same job functions on both backends --------------------- */

/* One staff sequence on st; each job's result and answer appended to out
 * (one line each), so both backends can be compared line by line. */
static void staff_sequence(struct hubstore *st, char *out, size_t cap)
{
    struct hubstore_job j;
    size_t o = 0;
    const char *body = "{\"sample\":\"示例\",\"pad\":\"qqqqqqqqqqqqqqqqqqqqqqqqqqqqqq\"}";
#define JOB(setup)                                                                         \
    do {                                                                                   \
        memset(&j, 0, sizeof j);                                                           \
        setup;                                                                             \
        if (hubstore_run(st, &j) != KERR_OK) j.result = -1;                                \
        o += (size_t)snprintf(out + o, cap - o, "%d %s\n", j.result,                      \
                              j.op == HUBSTORE_REQ_PUT ? "" : j.answer);                   \
    } while (0)
    JOB((j.op = HUBSTORE_KIOSK_ADD, snprintf(j.kiosk_id, sizeof j.kiosk_id, "k1")));
    JOB((req_job(&j, 1, body)));
    JOB((j.op = HUBSTORE_STATUS_SET, snprintf(j.ticket, sizeof j.ticket, "k1-000002"),
         snprintf(j.status, sizeof j.status, "accepted"), snprintf(j.note, sizeof j.note, "示例"),
         j.has_note = true));
    JOB((j.op = HUBSTORE_STATUS_SET, snprintf(j.ticket, sizeof j.ticket, "k1-000002"),
         snprintf(j.status, sizeof j.status, "new"))); /* 409: not allowed back */
    JOB((j.op = HUBSTORE_STATUS_SET, snprintf(j.ticket, sizeof j.ticket, "k1-000999"),
         snprintf(j.status, sizeof j.status, "accepted"))); /* 404 */
    JOB((j.op = HUBSTORE_USER_ADD, snprintf(j.user, sizeof j.user, "wang.li"),
         snprintf(j.role, sizeof j.role, "handler"), snprintf(j.pw_hash, sizeof j.pw_hash, "h1")));
    JOB((j.op = HUBSTORE_USER_ADD, snprintf(j.user, sizeof j.user, "wang.li"),
         snprintf(j.role, sizeof j.role, "viewer"), snprintf(j.pw_hash, sizeof j.pw_hash, "h2")));
    JOB((j.op = HUBSTORE_USER_UPDATE, snprintf(j.user, sizeof j.user, "wang.li"), j.set_disabled = true,
         j.disabled = true));
    JOB((j.op = HUBSTORE_ASSIGN, snprintf(j.ticket, sizeof j.ticket, "k1-000002"),
         snprintf(j.user, sizeof j.user, "wang.li"))); /* 422: disabled */
    JOB((j.op = HUBSTORE_USER_UPDATE, snprintf(j.user, sizeof j.user, "wang.li"), j.set_disabled = true,
         j.disabled = false, j.set_role = true, snprintf(j.role, sizeof j.role, "admin"),
         j.set_pw = true, snprintf(j.pw_hash, sizeof j.pw_hash, "h3")));
    JOB((j.op = HUBSTORE_USER_UPDATE, snprintf(j.user, sizeof j.user, "nobody.x"), j.unlock = true));
    JOB((j.op = HUBSTORE_ASSIGN, snprintf(j.ticket, sizeof j.ticket, "k1-000002"),
         snprintf(j.user, sizeof j.user, "wang.li")));
    JOB((j.op = HUBSTORE_ASSIGN, snprintf(j.ticket, sizeof j.ticket, "k1-000999"))); /* 404 */
    for (int i = 0; i < 3; i++)
        JOB((j.op = HUBSTORE_LOGIN, snprintf(j.user, sizeof j.user, "wang.li"), j.lock_after = 3,
             j.lock_s = 60)); /* the third locks */
    JOB((j.op = HUBSTORE_LOGIN, snprintf(j.user, sizeof j.user, "wang.li"), j.login_ok = true));
    JOB((j.op = HUBSTORE_LOGIN)); /* an unknown name */
    JOB((j.op = HUBSTORE_AUDIT, snprintf(j.actor, sizeof j.actor, "wang.li"),
         snprintf(j.action, sizeof j.action, "session.logout")));
#undef JOB
}

/* Times differ between the two runs: every RFC 3339 string becomes "T". */
static void untime(cJSON *x)
{
    cJSON *c;
    if (cJSON_IsString(x) && strlen(x->valuestring) == 20 && x->valuestring[10] == 'T' &&
        x->valuestring[19] == 'Z')
        cJSON_SetValuestring(x, "T");
    cJSON_ArrayForEach(c, x) untime(c);
}

/* Every read of hubstore.h on st as one JSON text (the caller frees). */
static char *reads_of(struct hubstore *st)
{
    cJSON *all = cJSON_CreateObject(), *x = NULL;
    struct hubstore_filter f = {.limit = 50};
    struct hubstore_page page;
    struct hubstore_user u;
    struct api_ticket_status ts;
    uint8_t h[32];
    char id[HUBSTORE_ID_MAX + 1] = "", *txt;
    bool revoked = false;
    int64_t n = -1;
#define ADD(name, call)                                                        \
    do {                                                                       \
        x = NULL;                                                              \
        CHECK((call) == KERR_OK);                                              \
        cJSON_AddItemToObject(all, name, x ? x : cJSON_CreateNull());          \
    } while (0)
    ADD("kiosks", hubstore_kiosk_list(st, &x));
    ADD("all", hubstore_request_query(st, &f, &x));
    f.status = "open";
    f.q = "示例";
    ADD("open_q", hubstore_request_query(st, &f, &x));
    f.status = NULL;
    f.q = NULL;
    f.assignee = "-";
    f.kiosk = "k1";
    ADD("nobody_k1", hubstore_request_query(st, &f, &x));
    ADD("new", hubstore_request_list(st, "new", 10, &x));
    ADD("facets", hubstore_facets(st, &x));
    ADD("one", hubstore_request_get(st, "k1-000002", &x));
    ADD("users", hubstore_user_list(st, &x));
    ADD("audit", hubstore_audit_list(st, 0, 100, &x));
    ADD("audit_before", hubstore_audit_list(st, 5, 2, &x));
#undef ADD
    CHECK(hubstore_request_get(st, "k1-000404", &x) == KERR_NOTFOUND);
    CHECK(hubstore_user_get(st, "wang.li", &u) == KERR_OK);
    cJSON_AddStringToObject(all, "user", u.role);
    cJSON_AddBoolToObject(all, "user_locked", u.locked);
    CHECK(hubstore_user_get(st, "no.one", &u) == KERR_NOTFOUND);
    CHECK(hubstore_ticket_page(st, "k1-000002", "000000", &page) == KERR_NOTFOUND);
    CHECK(hubstore_ticket_status(st, "k1-000002", NULL, &ts) == KERR_OK);
    cJSON_AddNumberToObject(all, "status", ts.status);
    CHECK(hubstore_request_count(st, &n) == KERR_OK);
    cJSON_AddNumberToObject(all, "count", (double)n);
    memset(h, 0, sizeof h);
    CHECK(hubstore_kiosk_by_token(st, h, id, &revoked) == KERR_OK);
    cJSON_AddStringToObject(all, "token_of", id);
    untime(all);
    txt = cJSON_PrintUnformatted(all);
    cJSON_Delete(all);
    return txt;
}

static int mixed_done;
static pthread_mutex_t mixed_m = PTHREAD_MUTEX_INITIALIZER;
static void mixed_cb(struct hubstore_job *j, void *arg)
{
    (void)j;
    (void)arg;
    pthread_mutex_lock(&mixed_m);
    mixed_done++;
    pthread_mutex_unlock(&mixed_m);
}

static void part_staff(const char *url)
{
    static char want[4096], got[4096];
    char dir[] = "/tmp/hubstaff.XXXXXX", file[64];
    struct hubstore *sq = NULL, *pg = NULL;
    PGconn *c;
    CHECK(mkdtemp(dir) != NULL);
    snprintf(file, sizeof file, "%s/hub.db", dir);
    CHECK(hubstore_open(file, NULL, &sq) == KERR_OK);
    CHECK(hubstore_open(url, NULL, &pg) == KERR_OK);
    if (!sq || !pg) return;
    staff_sequence(sq, want, sizeof want);
    staff_sequence(pg, got, sizeof got);
    CHECK_STR(got, want); /* the same answers on both backends */
    {
        char *rs = reads_of(sq), *rp = reads_of(pg);
        CHECK_STR(rp, rs); /* and the same reads */
        CHECK(rs && strstr(rs, "\"history\":[{") != NULL && strstr(rs, "wang.li") != NULL);
        if (rs && rp && strcmp(rs, rp) != 0) fprintf(stderr, "sqlite: %s\npostgres: %s\n", rs, rp);
        free(rs);
        free(rp);
    }
    CHECK(strncmp(want, "201 \n201 \n200 \n409 accepted\n404 \n201 \n409 \n200 \n422 ", 52) == 0);
    CHECK(strstr(want, "200 locked\n") != NULL);
    c = pgtest_conn("hubpg_staff");
    CHECK(pgtest_num(c, "SELECT count(*) FROM history WHERE ticket = 'k1-000002'") == 2);
    CHECK(pgtest_num(c, "SELECT count(*) FROM users WHERE role = 'admin' AND pw_hash = 'h3'"
                        " AND disabled_at IS NULL AND last_login IS NOT NULL") == 1);
    CHECK(pgtest_num(c, "SELECT count(*) FROM requests WHERE assignee = 'wang.li'") == 1);
    CHECK(pgtest_num(c, "SELECT count(*) FROM audit WHERE action = 'user.locked'") == 1);
    CHECK(pgtest_num(c, "SELECT count(*) FROM audit") ==
          pgtest_num(c, "SELECT count(*) FROM audit WHERE actor <> ''"));
    {
        /* kiosk and staff jobs in one batch: each answered; the broken one (a
         * booking job without its booking) fails alone */
        static struct hubstore_job js[40];
        memset(js, 0, sizeof js);
        for (int i = 0; i < 40; i++) {
            if (i % 2 == 0) {
                req_job(&js[i], 100 + i, "{\"mixed\":1,\"pad\":\"wwwwwwwwwwwwwwwwwwwwwwwwwwww\"}");
            } else {
                js[i].op = i == 39 ? HUBSTORE_BOOKING : HUBSTORE_AUDIT; /* 39: no booking */
                snprintf(js[i].action, sizeof js[i].action, "test.mixed");
            }
            js[i].done = mixed_cb;
        }
        for (int i = 0; i < 40; i++) CHECK(hubstore_submit(pg, &js[i]) == KERR_OK);
        for (int i = 0; i < 500 && mixed_done < 40; i++) usleep(10 * 1000);
        CHECK(mixed_done == 40);
        for (int i = 0; i < 40; i++)
            CHECK(js[i].result == (i % 2 == 0 ? 201 : i == 39 ? 500 : 200));
        CHECK(pgtest_num(c, "SELECT count(*) FROM audit WHERE action = 'test.mixed'") == 19);
    }
    PQfinish(c);
    hubstore_close(sq);
    hubstore_close(pg);
    unlink(file);
    snprintf(file, sizeof file, "%s/hub.db-wal", dir);
    unlink(file);
    snprintf(file, sizeof file, "%s/hub.db-shm", dir);
    unlink(file);
    rmdir(dir);
}

/* ---- bookings: the same rules on both backends, one slot for 16 -------- */

static const char *content_json; /* argv[2]: the project's content.json (its nursing rooms) */

struct bk_ctx {
    struct hubstore *st;
    const struct hubbook_rooms *rooms;
    int64_t now;
};

/* One booking op; its result, slug and alternatives appended to out. */
static int book(struct bk_ctx *c, enum hubstore_bop op, const char *key, uint8_t hash,
                const char *phone, int64_t start, const char *code, const char *last4,
                char *out, size_t cap, char *code_out)
{
    struct hubstore_job j;
    struct hubstore_booking b;
    size_t o = strlen(out);
    memset(&j, 0, sizeof j);
    memset(&b, 0, sizeof b);
    j.op = HUBSTORE_BOOKING;
    j.ext = &b;
    b.op = op;
    b.rooms = c->rooms;
    b.now = c->now;
    b.room = &c->rooms->room[0];
    b.start = start;
    snprintf(b.phone, sizeof b.phone, "%s", phone ? phone : "");
    snprintf(b.kiosk_id, sizeof b.kiosk_id, "k1");
    snprintf(b.idem_key, sizeof b.idem_key, "%s", key ? key : "");
    memset(b.body_hash, hash, 32);
    snprintf(b.code, sizeof b.code, "%s", code ? code : "");
    snprintf(b.last4, sizeof b.last4, "%s", last4 ? last4 : "");
    snprintf(b.tower, sizeof b.tower, "%s", c->rooms->room[0].tower);
    if (op == HSB_ADMIN_CANCEL) snprintf(b.note, sizeof b.note, "示例：维修");
    if (hubstore_run(c->st, &j) != KERR_OK) j.result = -1;
    o += (size_t)snprintf(out + o, cap - o, "%d %s", j.result, b.slug);
    for (int i = 0; i < b.n_alt; i++) o += (size_t)snprintf(out + o, cap - o, " %lld", (long long)b.alt[i]);
    snprintf(out + o, cap - o, "\n");
    if (code_out && (j.result == 201 || j.result == 200)) {
        cJSON *a = cJSON_Parse(j.answer);
        cJSON *cd = cJSON_GetObjectItem(a, "code");
        if (cJSON_IsString(cd)) snprintf(code_out, BOOK_CODE_SIZE, "%s", cd->valuestring);
        cJSON_Delete(a);
    }
    return j.result;
}

static void strip_codes(cJSON *x)
{
    cJSON *c;
    cJSON_DeleteItemFromObject(x, "code");
    cJSON_ArrayForEach(c, x) strip_codes(c);
}

static char *booking_sequence(struct bk_ctx *c, char *out, size_t cap)
{
    char c1[BOOK_CODE_SIZE] = "", c3[BOOK_CODE_SIZE] = "", *txt;
    int64_t day, t0, taken[32], held[32];
    int nt = 0, nh = 0;
    cJSON *all = cJSON_CreateObject(), *x = NULL;
    int64_t rows = -1, dbl = -1;
    out[0] = '\0';
    day = book_local_day(c->now);
    t0 = book_day_start(day) + 10 * 3600; /* 10:00, an hour after now */
    book(c, HSB_CREATE, "00000000-0000-4000-8000-000000000001", 1, "13800001111", t0, NULL, NULL,
         out, cap, c1);
    book(c, HSB_CREATE, "00000000-0000-4000-8000-000000000001", 1, "13800001111", t0, NULL, NULL,
         out, cap, NULL); /* replay */
    book(c, HSB_CREATE, "00000000-0000-4000-8000-000000000001", 2, "13800001111", t0, NULL, NULL,
         out, cap, NULL); /* 422 */
    book(c, HSB_CREATE, "00000000-0000-4000-8000-000000000002", 3, "13800002222", t0, NULL, NULL,
         out, cap, NULL); /* slot-taken, with alternatives */
    book(c, HSB_CREATE, "00000000-0000-4000-8000-000000000003", 4, "13800001111", t0 + 1800, NULL,
         NULL, out, cap, c3);
    book(c, HSB_CREATE, "00000000-0000-4000-8000-000000000004", 5, "13800001111", t0 + 3600, NULL,
         NULL, out, cap, NULL); /* phone-limit */
    book(c, HSB_CHECKIN, NULL, 0, NULL, 0, c1, "0000", out, cap, NULL);  /* 404 */
    book(c, HSB_CHECKIN, NULL, 0, NULL, 0, c1, "1111", out, cap, NULL);  /* too early */
    book(c, HSB_CANCEL, NULL, 0, NULL, 0, c3, "1111", out, cap, NULL);
    book(c, HSB_CANCEL, NULL, 0, NULL, 0, c3, "1111", out, cap, NULL);   /* again: the same */
    book(c, HSB_ADMIN_CANCEL, NULL, 0, NULL, 0, c1, "", out, cap, NULL);
    book(c, HSB_LEASE, NULL, 0, NULL, 0, NULL, NULL, out, cap, NULL);
    CHECK(hubstore_booking_leases(c->st, "k1", c->now, c->rooms, &x) == KERR_OK);
    cJSON_AddItemToObject(all, "leases", x ? x : cJSON_CreateNull());
    CHECK(hubstore_booking_list(c->st, c->rooms->room[0].id, day, c->now, 50, &x) == KERR_OK);
    cJSON_AddItemToObject(all, "list", x ? x : cJSON_CreateNull());
    CHECK(hubstore_booking_list(c->st, NULL, INT64_MIN, c->now, 50, &x) == KERR_OK);
    cJSON_AddItemToObject(all, "list_all", x ? x : cJSON_CreateNull());
    CHECK(hubstore_booking_get(c->st, c1, c->now, &x) == KERR_OK);
    cJSON_AddItemToObject(all, "get", x ? x : cJSON_CreateNull());
    CHECK(hubstore_booking_get(c->st, "ZZZZ", c->now, &x) == KERR_NOTFOUND);
    CHECK(hubstore_booking_stats(c->st, &rows, &dbl) == KERR_OK);
    CHECK(hubstore_booking_taken(c->st, c->rooms->room[0].id, t0 - 86400, t0 + 86400, c->now, taken,
                                 32, &nt) == KERR_OK);
    CHECK(hubstore_booking_held(c->st, c->rooms->room[0].id, t0 - 86400, t0 + 86400, "k2", held, 32,
                                &nh) == KERR_OK);
    cJSON_AddNumberToObject(all, "rows", (double)rows);
    cJSON_AddNumberToObject(all, "double", (double)dbl);
    cJSON_AddNumberToObject(all, "taken", nt);
    cJSON_AddNumberToObject(all, "held", nh);
    strip_codes(all);
    untime(all);
    txt = cJSON_PrintUnformatted(all);
    cJSON_Delete(all);
    return txt;
}

#define RACERS 16
struct racer {
    struct bk_ctx c;
    int idx, result;
};

static void *race(void *p)
{
    struct racer *r = p;
    char out[256] = "", key[48], phone[16];
    snprintf(key, sizeof key, "00000000-0000-4000-8000-1000000000%02d", r->idx);
    snprintf(phone, sizeof phone, "139000000%02d", r->idx);
    r->result = book(&r->c, HSB_CREATE, key, (uint8_t)(r->idx + 10), phone,
                     book_day_start(book_local_day(r->c.now)) + 11 * 3600, NULL, NULL, out,
                     sizeof out, NULL);
    return NULL;
}

static void part_bookings(const char *url)
{
    static char want[2048], got[2048];
    char dir[] = "/tmp/hubbook.XXXXXX", file[64], *rs, *rp;
    struct hubbook_rooms *rooms = NULL;
    struct hubstore *sq = NULL, *pg = NULL, *pg2 = NULL;
    struct bk_ctx c;
    int64_t day = 0;
    CHECK(content_json && hubbook_rooms_load(content_json, &rooms) == KERR_OK);
    if (!rooms) return;
    CHECK(rooms->n > 0);
    CHECK(book_date_parse("2026-11-30", &day)); /* a Monday: the rooms are open 08:00-20:00 */
    CHECK(mkdtemp(dir) != NULL);
    snprintf(file, sizeof file, "%s/hub.db", dir);
    CHECK(hubstore_open(file, NULL, &sq) == KERR_OK);
    CHECK(hubstore_open(url, NULL, &pg) == KERR_OK);
    CHECK(hubstore_open(url, NULL, &pg2) == KERR_OK);
    if (!sq || !pg || !pg2) return;
    c.rooms = rooms;
    c.now = book_day_start(day) + 9 * 3600;
    c.st = sq;
    rs = booking_sequence(&c, want, sizeof want);
    c.st = pg;
    rp = booking_sequence(&c, got, sizeof got);
    CHECK_STR(got, want); /* the same results, slugs and alternatives */
    CHECK_STR(rp, rs);    /* the same reads */
    CHECK(strncmp(want, "201 \n200 \n422 idempotency-key-reused\n409 slot-taken ", 48) == 0);
    CHECK(strstr(want, "409 phone-limit\n404 not-found\n409 too-early\n200 \n200 \n200 \n200 \n") != NULL);
    if (strcmp(got, want) != 0 || (rs && rp && strcmp(rs, rp) != 0))
        fprintf(stderr, "sqlite:\n%s%s\npostgres:\n%s%s\n", want, rs, got, rp);
    free(rs);
    free(rp);
    {
        /* 16 people, two hubs, one slot: one booking, 15 slot-taken */
        static struct racer r[RACERS];
        pthread_t t[RACERS];
        int created = 0, taken = 0;
        int64_t rows = 0, dbl = -1;
        for (int i = 0; i < RACERS; i++) {
            r[i].c = c;
            r[i].c.st = i % 2 ? pg2 : pg;
            r[i].idx = i;
            pthread_create(&t[i], NULL, race, &r[i]);
        }
        for (int i = 0; i < RACERS; i++) {
            pthread_join(t[i], NULL);
            created += r[i].result == 201;
            taken += r[i].result == 409;
        }
        printf("bookings: %d of %d got the slot, %d were told slot-taken\n", created, RACERS, taken);
        CHECK(created == 1 && taken == RACERS - 1);
        CHECK(hubstore_booking_stats(pg, &rows, &dbl) == KERR_OK && dbl == 0);
    }
    hubstore_close(sq);
    hubstore_close(pg);
    hubstore_close(pg2);
    hubbook_rooms_free(rooms);
    {
        char cmd[64];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        CHECK(system(cmd) == 0);
    }
}

int main(int argc, char **argv)
{
    char url[1024], db[64];
    const char *part = argc > 1 ? argv[1] : "";
    static const struct {
        const char *name;
        void (*fn)(const char *);
    } parts[] = {{"idem", part_idem},       {"kiosk", part_kiosk}, {"lost", part_lost},
                 {"booking", part_booking}, {"lease", part_lease}, {"alerts", part_alerts},
                 {"staff", part_staff}, {"bookings", part_bookings}};
    if (getenv("KIOSK_TEST_RANDOM")) rnd_state = 4242;
    content_json = argc > 2 ? argv[2] : NULL;
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        if (strcmp(part, parts[i].name) == 0) {
            snprintf(db, sizeof db, "hubpg_%s", part);
            pgtest_fresh_db(db, url, sizeof url);
            parts[i].fn(url);
            return ktest_done(db);
        }
    fprintf(stderr, "usage: test_hubstore_pg idem|kiosk|lost|booking|lease|alerts|staff|bookings [content.json]\n");
    return 2;
}
