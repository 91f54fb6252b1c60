/* Nursing-room bookings at the hub (issue 13), over real HTTP against the
 * real kiosk-hub with the default bundle's rooms and a test clock
 * (KIOSK_HUB_TEST_CLOCK). Parts: api (availability without personal data,
 * create exactly once per Idempotency-Key, 409 slot-taken with the nearest
 * free slots, the phone limit, check-in only inside its window, cancel with
 * code + last 4, a no-show released at its release time and bookable at
 * once, the phone erased 24 h after the slot), parallel (200 requests for
 * one slot at once: exactly one 201, 199 × 409 with alternatives), bench
 * (availability and booking latency while 13 kiosks poll; figures printed,
 * never asserted). */
#include <cjson/cJSON.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "booking.h"
#include "harness.h"
#include "ktest.h"

static struct hub H;
static char clockfile[160];
#define NKIOSK 13
static char tokens[NKIOSK][80];
static char kiosk_ids[NKIOSK][16];

static void set_clock(const char *utc)
{
    int64_t t = 0;
    FILE *f;
    CHECK(book_time_parse(utc, &t));
    f = fopen(clockfile, "w");
    if (!f) {
        CHECK(!"clock file");
        return;
    }
    fprintf(f, "%lld\n", (long long)t);
    fclose(f);
}

static const char *jstr(const cJSON *o, const char *name)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(it) ? it->valuestring : NULL;
}

static void add_kiosks(int n)
{
    for (int i = 0; i < n; i++) {
        struct resp r;
        char body[64];
        cJSON *o;
        snprintf(kiosk_ids[i], sizeof kiosk_ids[i], "HL-K%02d", i + 1);
        snprintf(body, sizeof body, "{\"id\":\"%.15s\"}", kiosk_ids[i]);
        http(&H, "POST", "/api/v1/admin/kiosks", ADMIN_TOKEN, NULL, body, &r);
        CHECK(r.status == 201);
        o = cJSON_ParseWithLength(r.body, r.len);
        tokens[i][0] = '\0';
        if (jstr(o, "token")) snprintf(tokens[i], sizeof tokens[i], "%s", jstr(o, "token"));
        cJSON_Delete(o);
        free(r.body);
    }
}

static int start_hub(void)
{
    const char *content = getenv("KIOSK_TEST_CONTENT");
    const char *extra[] = {"--content", content, "--rate", "100000", "--burst", "100000",
                           "--max-conns-per-ip", "400", NULL};
    snprintf(clockfile, sizeof clockfile, "%s/clock", H.dir);
    setenv("KIOSK_HUB_TEST_CLOCK", clockfile, 1);
    set_clock("2026-11-30T00:00:00Z"); /* Monday 08:00 in Beijing */
    return hub_start(&H, extra);
}

static void book(int k, const char *key, const char *room, const char *start, const char *phone,
                 struct resp *r)
{
    char body[256];
    snprintf(body, sizeof body,
             "{\"kiosk_id\":\"%s\",\"room\":\"%s\",\"start\":\"%s\",\"phone\":\"%s\",\"lang\":\"zh\"}",
             kiosk_ids[k], room, start, phone);
    http(&H, "POST", "/api/v1/bookings", tokens[k], key, body, r);
}

static void person(int k, const char *code, const char *verb, const char *last4, struct resp *r)
{
    char path[96], body[64];
    snprintf(path, sizeof path, "/api/v1/bookings/%s/%s", code, verb);
    snprintf(body, sizeof body, "{\"last4\":\"%s\"}", last4);
    http(&H, "POST", path, tokens[k], NULL, body, r);
}

/* The state of slot start in an availability answer ("" when absent). */
static const char *slot_state(const cJSON *av, const char *start)
{
    const cJSON *s;
    cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(av, "slots"))
        if (jstr(s, "start") && strcmp(jstr(s, "start"), start) == 0) return jstr(s, "state");
    return "";
}

static cJSON *avail(int k, const char *room, const char *date, struct resp *r)
{
    char path[128];
    snprintf(path, sizeof path, "/api/v1/rooms/%s/availability?date=%s", room, date);
    http(&H, "GET", path, tokens[k], NULL, NULL, r);
    return r->status == 200 ? cJSON_ParseWithLength(r->body, r->len) : NULL;
}

static cJSON *admin_show(const char *code)
{
    struct resp r;
    char path[96];
    cJSON *o;
    snprintf(path, sizeof path, "/api/v1/admin/bookings/%s", code);
    http(&H, "GET", path, ADMIN_TOKEN, NULL, NULL, &r);
    CHECK(r.status == 200);
    o = cJSON_ParseWithLength(r.body, r.len);
    free(r.body);
    return o;
}

static void test_api(void)
{
    struct resp r;
    cJSON *o, *av;
    char code[16] = "", code2[16] = "";
    const char *K1 = "3b241101-e2bb-4255-8caf-4136c566a901", *K2 = "3b241101-e2bb-4255-8caf-4136c566a902";
    CHECK(start_hub() == 0);
    add_kiosks(2);

    /* availability: 24 slots 08:00-20:00 Beijing, all free, nothing personal */
    av = avail(0, "mr-02", "2026-11-30", &r);
    CHECK(av && cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(av, "slots")) == 24);
    CHECK_STR(slot_state(av, "2026-11-30T00:00:00Z"), "free");
    CHECK_STR(slot_state(av, "2026-11-30T11:30:00Z"), "free");
    cJSON_Delete(av);
    free(r.body);
    http(&H, "GET", "/api/v1/rooms/mr-02/availability?date=2026-11-31", tokens[0], NULL, NULL, &r);
    CHECK(r.status == 400);
    free(r.body);
    http(&H, "GET", "/api/v1/rooms/nope/availability?date=2026-11-30", tokens[0], NULL, NULL, &r);
    CHECK(r.status == 404);
    free(r.body);
    http(&H, "GET", "/api/v1/rooms/mr-02/availability?date=2026-11-30", NULL, NULL, NULL, &r);
    CHECK(r.status == 401);
    free(r.body);

    /* create 10:00 Beijing (02:00Z): 201, a code, no phone in the answer */
    book(0, K1, "mr-02", "2026-11-30T02:00:00Z", "13800000001", &r);
    CHECK(r.status == 201);
    CHECK(strstr(r.body, "13800000001") == NULL);
    o = cJSON_ParseWithLength(r.body, r.len);
    if (jstr(o, "code")) snprintf(code, sizeof code, "%s", jstr(o, "code"));
    CHECK(book_code_valid(code));
    CHECK_STR(jstr(o, "state"), "confirmed");
    CHECK_STR(jstr(o, "phone_last4"), "0001");
    CHECK_STR(jstr(o, "checkin_from"), "2026-11-30T01:50:00Z");
    CHECK_STR(jstr(o, "release_at"), "2026-11-30T02:10:00Z");
    cJSON_Delete(o);
    free(r.body);
    /* the same key again: the same booking (200), no second row */
    book(0, K1, "mr-02", "2026-11-30T02:00:00Z", "13800000001", &r);
    CHECK(r.status == 200);
    CHECK(strstr(r.body, code) != NULL);
    free(r.body);
    /* the same key with another body: 422 */
    book(0, K1, "mr-02", "2026-11-30T02:30:00Z", "13800000001", &r);
    CHECK(r.status == 422);
    free(r.body);
    /* another person, the same slot: 409 slot-taken, nearest free slots */
    book(1, K2, "mr-02", "2026-11-30T02:00:00Z", "13900000002", &r);
    CHECK(r.status == 409);
    CHECK(strstr(r.ctype, "application/problem+json") != NULL);
    o = cJSON_ParseWithLength(r.body, r.len);
    CHECK(jstr(o, "type") && strstr(jstr(o, "type"), "/slot-taken"));
    {
        const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, "alternatives");
        CHECK(cJSON_GetArraySize(a) == BOOK_ALTERNATIVES);
        CHECK_STR(jstr(cJSON_GetArrayItem(a, 0), "start"), "2026-11-30T01:00:00Z");
        CHECK_STR(jstr(cJSON_GetArrayItem(a, 1), "start"), "2026-11-30T01:30:00Z");
        CHECK_STR(jstr(cJSON_GetArrayItem(a, 2), "start"), "2026-11-30T02:30:00Z");
    }
    cJSON_Delete(o);
    free(r.body);
    /* nothing was stored under K2: it may book a free slot */
    book(1, K2, "mr-02", "2026-11-30T03:00:00Z", "13900000002", &r);
    CHECK(r.status == 201);
    o = cJSON_ParseWithLength(r.body, r.len);
    if (jstr(o, "code")) snprintf(code2, sizeof code2, "%s", jstr(o, "code"));
    cJSON_Delete(o);
    free(r.body);
    /* at most 2 active bookings per phone a day */
    book(0, "3b241101-e2bb-4255-8caf-4136c566a903", "mr-01", "2026-11-30T04:00:00Z", "13800000001", &r);
    CHECK(r.status == 201);
    free(r.body);
    book(0, "3b241101-e2bb-4255-8caf-4136c566a904", "mr-03", "2026-11-30T05:00:00Z", "13800000001", &r);
    CHECK(r.status == 409 && strstr(r.body, "phone-limit"));
    free(r.body);
    /* closed on Sunday (mr-02), too far ahead, not a slot boundary: 422 */
    book(0, "3b241101-e2bb-4255-8caf-4136c566a905", "mr-02", "2026-12-06T02:00:00Z", "13700000009", &r);
    CHECK(r.status == 422);
    free(r.body);
    book(0, "3b241101-e2bb-4255-8caf-4136c566a906", "mr-01", "2026-12-07T02:00:00Z", "13700000009", &r);
    CHECK(r.status == 422);
    free(r.body);
    book(0, "3b241101-e2bb-4255-8caf-4136c566a907", "mr-01", "2026-11-30T02:10:00Z", "13700000009", &r);
    CHECK(r.status == 422);
    free(r.body);

    /* availability shows taken, never who */
    av = avail(1, "mr-02", "2026-11-30", &r);
    CHECK_STR(slot_state(av, "2026-11-30T02:00:00Z"), "taken");
    CHECK(strstr(r.body, "0001") == NULL && strstr(r.body, "phone") == NULL);
    cJSON_Delete(av);
    free(r.body);

    /* check-in at 08:00 for 10:00: too early, with the window; wrong last 4: 404 */
    person(1, code, "check-in", "0001", &r);
    CHECK(r.status == 409 && strstr(r.body, "too-early") && strstr(r.body, "2026-11-30T01:50:00Z"));
    free(r.body);
    person(1, code, "check-in", "9999", &r);
    CHECK(r.status == 404);
    free(r.body);
    set_clock("2026-11-30T01:52:00Z");
    person(1, code, "check-in", "0001", &r); /* any kiosk, code + last 4 */
    CHECK(r.status == 200 && strstr(r.body, "\"checked_in\""));
    free(r.body);
    person(1, code, "cancel", "0001", &r); /* checked in: not cancellable */
    CHECK(r.status == 409);
    free(r.body);

    /* cancel with code + last 4: the slot is free at once */
    person(0, code2, "cancel", "9999", &r);
    CHECK(r.status == 404);
    free(r.body);
    person(0, code2, "cancel", "0002", &r);
    CHECK(r.status == 200 && strstr(r.body, "\"cancelled\""));
    free(r.body);
    av = avail(0, "mr-02", "2026-11-30", &r);
    CHECK_STR(slot_state(av, "2026-11-30T03:00:00Z"), "free");
    cJSON_Delete(av);
    free(r.body);

    /* a no-show (mr-01 at 12:00 Beijing): taken until its release time, then
     * free for what is left of it, and bookable by someone else at once */
    set_clock("2026-11-30T04:09:59Z");
    av = avail(0, "mr-01", "2026-11-30", &r);
    CHECK_STR(slot_state(av, "2026-11-30T04:00:00Z"), "taken");
    cJSON_Delete(av);
    free(r.body);
    person(0, "ZZZZZZ", "check-in", "0000", &r);
    free(r.body);
    set_clock("2026-11-30T04:10:00Z");
    av = avail(0, "mr-01", "2026-11-30", &r);
    CHECK_STR(slot_state(av, "2026-11-30T04:00:00Z"), "free");
    cJSON_Delete(av);
    free(r.body);
    book(1, "3b241101-e2bb-4255-8caf-4136c566a908", "mr-01", "2026-11-30T04:00:00Z", "13600000003", &r);
    CHECK(r.status == 201);
    o = cJSON_ParseWithLength(r.body, r.len);
    /* booked after the start: its window runs from now */
    CHECK_STR(jstr(o, "release_at"), "2026-11-30T04:20:00Z");
    cJSON_Delete(o);
    free(r.body);
    set_clock("2026-11-30T04:20:00Z");
    av = avail(0, "mr-01", "2026-11-30", &r);
    CHECK_STR(slot_state(av, "2026-11-30T04:00:00Z"), "past");
    cJSON_Delete(av);
    free(r.body);

    /* the phone is kept for staff until 24 h after the slot ends */
    o = admin_show(code);
    CHECK_STR(jstr(o, "phone"), "13800000001");
    cJSON_Delete(o);
    set_clock("2026-12-01T02:29:59Z");
    person(0, "ZZZZZZ", "check-in", "0000", &r); /* any write runs the erasure */
    free(r.body);
    o = admin_show(code);
    CHECK_STR(jstr(o, "phone"), "13800000001");
    cJSON_Delete(o);
    set_clock("2026-12-01T02:30:00Z");
    person(0, "ZZZZZZ", "check-in", "0000", &r);
    free(r.body);
    o = admin_show(code);
    CHECK(o && cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(o, "phone")));
    CHECK(jstr(o, "erased_at") != NULL);
    CHECK_STR(jstr(o, "phone_last4"), "0001");
    cJSON_Delete(o);
    /* and the erased booking's row keeps no phone in the store (another
     * booking with this phone, whose slot ends later, still does); on
     * SQLite, secure_delete overwrites the freed bytes (the byte-level check
     * is the help requests' retention test's) */
    CHECK(hub_stop(&H, SIGTERM) == 0);
    CHECK(hub_db_num(&H, "SELECT count(*) FROM bookings WHERE code = ?1 AND phone IS NULL", code) == 1);
    /* 1796005800: 2026-11-30T02:30:00Z, 24 h before the clock: every slot that ended by then */
    CHECK(hub_db_num(&H, "SELECT count(*) FROM bookings WHERE phone = ?1 AND slot_end <= 1796005800",
                     "13800000001") == 0);
    CHECK(hub_db_num(&H, "SELECT count(*) FROM bookings WHERE phone = ?1", "13800000001") >= 1);
}

/* Leases: a kiosk that names its tower in its heartbeat holds that tower's
 * slots of the next 3 hours; only it may book them (with its own code),
 * others see them held and are refused; a kiosk-made code for a slot it
 * does not hold is refused; old heartbeats (no tower) still get 204. */
static void test_lease(void)
{
    struct resp r;
    cJSON *o, *av;
    const char *hb = "{\"version\":\"0.1.0\",\"queue_depth\":0,\"oldest_pending_s\":0,"
                     "\"content_version\":\"x\",\"online\":true,\"last_error\":null%s}";
    char body[256], path[96];
    int n = 0;
    CHECK(start_hub() == 0); /* Monday 08:00 Beijing */
    add_kiosks(2);
    snprintf(body, sizeof body, hb, "");
    snprintf(path, sizeof path, "/api/v1/kiosks/%s/heartbeat", kiosk_ids[1]);
    http(&H, "POST", path, tokens[1], NULL, body, &r);
    CHECK(r.status == 200 && r.body && !strstr(r.body, "leases")); /* no tower: no lease */
    free(r.body);
    snprintf(body, sizeof body, hb, ",\"tower\":\"t03\"");
    snprintf(path, sizeof path, "/api/v1/kiosks/%s/heartbeat", kiosk_ids[0]);
    http(&H, "POST", path, tokens[0], NULL, body, &r);
    CHECK(r.status == 200);
    o = cJSON_ParseWithLength(r.body, r.len);
    {
        const cJSON *l;
        cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(o, "leases")) {
            CHECK_STR(jstr(l, "room"), "mr-02"); /* tower C's room only */
            CHECK_STR(jstr(l, "state"), "free");
            n++;
        }
    }
    CHECK(n == 6); /* 08:00 .. 10:30 */
    cJSON_Delete(o);
    free(r.body);
    /* the other kiosk sees them held and may not book them */
    av = avail(1, "mr-02", "2026-11-30", &r);
    CHECK_STR(slot_state(av, "2026-11-30T00:30:00Z"), "held");
    CHECK_STR(slot_state(av, "2026-11-30T03:00:00Z"), "free");
    cJSON_Delete(av);
    free(r.body);
    av = avail(0, "mr-02", "2026-11-30", &r);
    CHECK_STR(slot_state(av, "2026-11-30T00:30:00Z"), "free");
    cJSON_Delete(av);
    free(r.body);
    book(1, "3b241101-e2bb-4255-8caf-4136c566aa01", "mr-02", "2026-11-30T00:30:00Z", "13800000011", &r);
    CHECK(r.status == 409 && strstr(r.body, "slot-leased"));
    free(r.body);
    /* the holder books it with its own code, as it would offline */
    snprintf(body, sizeof body,
             "{\"kiosk_id\":\"%s\",\"room\":\"mr-02\",\"start\":\"2026-11-30T00:30:00Z\","
             "\"phone\":\"13800000012\",\"code\":\"K7K7K7\",\"offline\":true}", kiosk_ids[0]);
    http(&H, "POST", "/api/v1/bookings", tokens[0], "3b241101-e2bb-4255-8caf-4136c566aa02", body, &r);
    CHECK(r.status == 201 && strstr(r.body, "\"K7K7K7\""));
    free(r.body);
    http(&H, "POST", "/api/v1/bookings", tokens[0], "3b241101-e2bb-4255-8caf-4136c566aa02", body, &r);
    CHECK(r.status == 200 && strstr(r.body, "\"K7K7K7\"")); /* sent again: the same booking */
    free(r.body);
    /* a kiosk-made code for a slot not held: refused */
    snprintf(body, sizeof body,
             "{\"kiosk_id\":\"%s\",\"room\":\"mr-02\",\"start\":\"2026-11-30T06:00:00Z\","
             "\"phone\":\"13800000013\",\"code\":\"M8M8M8\",\"offline\":true}", kiosk_ids[0]);
    http(&H, "POST", "/api/v1/bookings", tokens[0], "3b241101-e2bb-4255-8caf-4136c566aa03", body, &r);
    CHECK(r.status == 409 && strstr(r.body, "not-leased"));
    free(r.body);
    /* the next heartbeat shows it taken */
    snprintf(body, sizeof body, hb, ",\"tower\":\"t03\"");
    http(&H, "POST", path, tokens[0], NULL, body, &r);
    CHECK(r.status == 200 && strstr(r.body, "\"taken\""));
    free(r.body);
    CHECK(hub_stop(&H, SIGTERM) == 0);
}

struct par {
    int i;
    pthread_barrier_t *go;
    long status;
    bool alternatives;
};

static void *par_main(void *arg)
{
    struct par *p = arg;
    struct resp r;
    char key[40], phone[16];
    snprintf(key, sizeof key, "3b241101-e2bb-4255-8caf-%012d", p->i);
    snprintf(phone, sizeof phone, "139%08d", p->i);
    pthread_barrier_wait(p->go);
    book(p->i % NKIOSK, key, "mr-02", "2026-11-30T06:00:00Z", phone, &r);
    p->status = r.status;
    if (r.status == 409) {
        cJSON *o = cJSON_ParseWithLength(r.body, r.len);
        p->alternatives = o && jstr(o, "type") && strstr(jstr(o, "type"), "/slot-taken") &&
                          cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(o, "alternatives")) > 0;
        cJSON_Delete(o);
    }
    free(r.body);
    return NULL;
}

static void test_parallel(void)
{
    enum { N = 200 };
    static struct par p[N];
    pthread_t th[N];
    pthread_barrier_t go;
    int created = 0, taken = 0, other = 0;
    CHECK(start_hub() == 0);
    add_kiosks(NKIOSK);
    pthread_barrier_init(&go, NULL, N);
    for (int i = 0; i < N; i++) {
        p[i].i = i;
        p[i].go = &go;
        if (pthread_create(&th[i], NULL, par_main, &p[i]) != 0) {
            CHECK(!"thread");
            return;
        }
    }
    for (int i = 0; i < N; i++) pthread_join(th[i], NULL);
    pthread_barrier_destroy(&go);
    for (int i = 0; i < N; i++) {
        if (p[i].status == 201) created++;
        else if (p[i].status == 409 && p[i].alternatives) taken++;
        else other++;
    }
    printf("parallel: %d × 201, %d × 409 slot-taken with alternatives, %d other\n", created, taken,
           other);
    CHECK(created == 1);
    CHECK(taken == N - 1);
    CHECK(other == 0);
    {
        long rows;
        CHECK(hub_stop(&H, SIGTERM) == 0);
        rows = hub_db_num(&H, "SELECT count(*) FROM bookings", NULL);
        CHECK(rows == 1);
    }
}

/* ---- bench ---------------------------------------------------------------- */

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

struct lat {
    double *v;
    int n, cap;
    pthread_mutex_t mu;
};

static void lat_add(struct lat *l, double ms)
{
    pthread_mutex_lock(&l->mu);
    if (l->n < l->cap) l->v[l->n++] = ms;
    pthread_mutex_unlock(&l->mu);
}

static int cmpd(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void lat_print(const char *what, struct lat *l)
{
    qsort(l->v, (size_t)l->n, sizeof *l->v, cmpd);
    if (l->n == 0) {
        printf("bench %s: none\n", what);
        return;
    }
    printf("bench %s n=%d p50_ms=%.2f p95_ms=%.2f p99_ms=%.2f max_ms=%.2f\n", what, l->n,
           l->v[l->n / 2], l->v[l->n * 95 / 100], l->v[l->n * 99 / 100], l->v[l->n - 1]);
}

static struct lat lat_av, lat_bk;
static atomic_bool bench_stop;
static atomic_int bench_bad;

static void *poller(void *arg)
{
    int k = (int)(intptr_t)arg;
    static const char *const rooms[] = {"mr-01", "mr-02", "mr-03", "mr-04"};
    int i = 0;
    while (!atomic_load(&bench_stop)) {
        struct resp r;
        char path[128];
        double t0 = now_ms();
        snprintf(path, sizeof path, "/api/v1/rooms/%s/availability?date=2026-11-30&days=7",
                 rooms[(k + i++) % 4]);
        http(&H, "GET", path, tokens[k], NULL, NULL, &r);
        lat_add(&lat_av, now_ms() - t0);
        if (r.status != 200) atomic_fetch_add(&bench_bad, 1);
        free(r.body);
        usleep(20000); /* each kiosk: about 50 questions a second, far above a real one */
    }
    return NULL;
}

static void test_bench(void)
{
    pthread_t th[NKIOSK];
    static double av[200000], bk[20000];
    int made = 0;
    lat_av = (struct lat){av, 0, 200000, PTHREAD_MUTEX_INITIALIZER};
    lat_bk = (struct lat){bk, 0, 20000, PTHREAD_MUTEX_INITIALIZER};
    CHECK(start_hub() == 0);
    add_kiosks(NKIOSK);
    for (int k = 0; k < NKIOSK; k++) pthread_create(&th[k], NULL, poller, (void *)(intptr_t)k);
    /* bookings of every slot of four rooms over the week, one at a time,
     * each by another phone, while the 13 kiosks poll */
    for (int d = 0; d < 5; d++) {
        for (int room = 1; room <= 4; room++) {
            for (int m = 0; m < 24; m++) {
                struct resp r;
                char key[40], phone[16], start[32], rid[8];
                int64_t t = book_day_start(book_local_day(1764460800) + d) + (8 * 60 + 30 * m) * 60;
                api_time_format(t * 1000, start);
                snprintf(key, sizeof key, "3b241101-e2bb-4255-8caf-%012d", made);
                snprintf(phone, sizeof phone, "137%08d", made);
                snprintf(rid, sizeof rid, "mr-%02d", room);
                {
                    double t0 = now_ms();
                    book(made % NKIOSK, key, rid, start, phone, &r);
                    lat_bk.v[lat_bk.n < lat_bk.cap ? lat_bk.n++ : 0] = now_ms() - t0;
                }
                if (r.status != 201 && r.status != 422) atomic_fetch_add(&bench_bad, 1);
                free(r.body);
                made++;
                usleep(5000); /* about 150 bookings a second: far above the district's */
            }
        }
    }
    atomic_store(&bench_stop, true);
    for (int k = 0; k < NKIOSK; k++) pthread_join(th[k], NULL);
    lat_print("availability_7days (13 kiosks polling)", &lat_av);
    lat_print("booking_create (while polling)", &lat_bk);
    CHECK(atomic_load(&bench_bad) == 0);
    CHECK(hub_stop(&H, SIGTERM) == 0);
}

int main(int argc, char **argv)
{
    const char *name = "hub_booking";
    if (argc < 3 || !getenv("KIOSK_TEST_CONTENT")) return 2;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CHECK(hub_init(&H, argv[1]) == 0);
    if (strcmp(argv[2], "api") == 0) {
        name = "hub_booking_api_exactly_once_release_erase";
        test_api();
    } else if (strcmp(argv[2], "lease") == 0) {
        name = "hub_booking_leases_only_the_holder_confirms";
        test_lease();
    } else if (strcmp(argv[2], "parallel") == 0) {
        name = "hub_booking_200_parallel_one_201";
        test_parallel();
    } else if (strcmp(argv[2], "bench") == 0) {
        name = "hub_booking_bench";
        test_bench();
    } else {
        CHECK(!"unknown part");
    }
    hub_cleanup(&H);
    curl_global_cleanup();
    return ktest_done(name);
}
