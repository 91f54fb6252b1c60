/* hub_booking_property_13_kiosks: the booking rules against the real hub,
 * as 13 kiosks would use it, for 10,000 random operations (seeded: the same
 * run every time; KIOSK_TEST_RANDOM=N picks another sequence): bookings of
 * random slots by random people (a pool of phones, so the per-day limit is
 * hit), cancellations and check-ins by code + last 4 (some with wrong
 * digits), answers lost on the way and the request sent again with the same
 * key (a network cut), clock steps across check-in windows and release
 * times, and the hub killed with SIGKILL and restarted. Four of the kiosks
 * (one per tower with a room) also take their leases with heartbeats and
 * confirm bookings on their leased slots themselves, as offline: each goes
 * into the kiosk's durable queue at once (shown to the person) and reaches
 * the hub later, maybe after lost answers (a kiosk restart loses nothing:
 * the queue is on disk), always before its slot ends. A model of what each
 * kiosk was shown predicts every answer. Checked throughout and at the end:
 * never two active bookings of one slot; no booking a kiosk showed as
 * confirmed is lost (it exists with the state the model expects); every
 * no-show is released at its release time (availability shows its slot free
 * from that second on, and the stored state says released); each
 * Idempotency-Key made at most one booking. Bounded: a few seconds normally,
 * well under a minute under ASan. */
#include <cjson/cJSON.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "booking.h"
#include "harness.h"
#include "ktest.h"

#define NKIOSK 13
#define NROOM 4
#define NPHONE 40
#define MAXB 12000
#define OPS 10000

static struct hub H;
static char clockfile[160];
static char tokens[NKIOSK][80], ids[NKIOSK][16];
static int64_t now_s;
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static struct room {
    char id[16];
    struct book_rules r;
} rooms[NROOM];

/* what the kiosks were shown */
static struct bk {
    char code[BOOK_CODE_SIZE];
    int room;
    int64_t start, cin_from, cin_until, release;
    char last4[BOOK_LAST4_SIZE];
    int phone;
    enum { M_CONFIRMED, M_CHECKED_IN, M_CANCELLED } state;
} bks[MAXB];
static int nb;

static uint64_t rnd(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 2685821657736338717ull;
}
static int rn(int n) { return (int)(rnd() % (uint64_t)n); }

static void set_clock(int64_t t)
{
    FILE *f = fopen(clockfile, "w");
    now_s = t;
    if (!f) return;
    fprintf(f, "%lld\n", (long long)t);
    fclose(f);
}

static const char *jstr(const cJSON *o, const char *n)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, n);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int64_t jtime(const cJSON *o, const char *n)
{
    int64_t t = 0;
    const char *s = jstr(o, n);
    if (s) book_time_parse(s, &t);
    return t;
}

static bool load_rooms(const char *path)
{
    FILE *f = fopen(path, "rb");
    static char buf[1 << 20];
    size_t n;
    cJSON *doc, *e;
    int k = 0;
    if (!f) return false;
    n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    doc = cJSON_Parse(buf);
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(doc, "nursing_rooms")) {
        char why[160];
        const cJSON *b = cJSON_GetObjectItemCaseSensitive(e, "booking");
        if (!b || k == NROOM) continue;
        snprintf(rooms[k].id, sizeof rooms[k].id, "%s", jstr(e, "id"));
        if (book_rules_parse(b, &rooms[k].r, why, sizeof why) != KERR_OK) break;
        k++;
    }
    cJSON_Delete(doc);
    return k == NROOM;
}

static int start_hub(void)
{
    const char *extra[] = {"--content", getenv("KIOSK_TEST_CONTENT"), "--rate", "1000000",
                           "--burst", "1000000", "--quiet", NULL};
    return hub_start(&H, extra);
}

/* The model's view: is this booking active (holding its slot) now? */
static bool active(const struct bk *b)
{
    return b->state == M_CHECKED_IN || (b->state == M_CONFIRMED && b->release > now_s);
}

static int active_of_phone_day(int phone, int64_t day)
{
    int n = 0;
    for (int i = 0; i < nb; i++)
        if (bks[i].phone == phone && book_local_day(bks[i].start) == day && active(&bks[i])) n++;
    return n;
}

static int slot_holder(int room, int64_t start)
{
    for (int i = 0; i < nb; i++)
        if (bks[i].room == room && bks[i].start == start && active(&bks[i])) return i;
    return -1;
}

/* leases as the hub answered them, and the leasing kiosks' queues */
#define NLEASER NROOM
#define MAXL 4096
#define MAXQ 256
static struct lease { int room; int64_t start; int kiosk; } leases[MAXL];
static int nl;
static struct queued {
    int room, phone;
    int64_t start;
    char key[API_UUID_SIZE], code[BOOK_CODE_SIZE];
} queue[NLEASER][MAXQ];
static int nq[NLEASER];
static const char *const lease_tower[NLEASER] = {"t01", "t03", "t06", "t10"};
static long offline_made, offline_delivered;

static int lease_holder(int room, int64_t start)
{
    for (int i = 0; i < nl; i++)
        if (leases[i].room == room && leases[i].start == start) return leases[i].kiosk;
    return -1;
}

static int room_index(const char *id)
{
    for (int i = 0; i < NROOM; i++)
        if (id && strcmp(rooms[i].id, id) == 0) return i;
    return -1;
}

static long limited, leased409, lost_retries, creates, taken409, limit409, unavailable, checkins, cancels, steps,
    restarts, avail_checks;

static void op_create(void)
{
    int k = rn(NKIOSK), room = rn(NROOM), phone = rn(NPHONE);
    int64_t day = book_local_day(now_s) + rn(rooms[room].r.days_ahead), s[BOOK_MAX_SLOTS];
    int ns = book_slots(&rooms[room].r, day, s, BOOK_MAX_SLOTS);
    char body[256], key[40], start[API_TIME_SIZE];
    struct resp r;
    bool lose = rn(10) == 0, ok_exp;
    int holder;
    if (ns == 0) return;
    api_time_format(s[rn(ns)] * 1000, start);
    if (api_uuid_v4_make(key) != KERR_OK) return;
    snprintf(body, sizeof body,
             "{\"kiosk_id\":\"%s\",\"room\":\"%s\",\"start\":\"%s\",\"phone\":\"139%08d\"}",
             ids[k], rooms[room].id, start, phone);
    creates++;
    {
        int64_t t;
        int lh;
        book_time_parse(start, &t);
        lh = lease_holder(room, t);
        /* a kiosk confirms the slots it holds itself (the queue), never online */
        if (lh >= 0 && lh == k) return;
        holder = slot_holder(room, t);
        ok_exp = book_slot_bookable(&rooms[room].r, t, now_s) && holder < 0 && lh < 0 &&
                 active_of_phone_day(phone, book_local_day(t)) < rooms[room].r.max_per_phone_day;
    }
    http(&H, "POST", "/api/v1/bookings", tokens[k], key, body, &r);
    if (lose) { /* the answer is lost on the way: the kiosk sends it again */
        free(r.body);
        lost_retries++;
        http(&H, "POST", "/api/v1/bookings", tokens[k], key, body, &r);
        if (ok_exp && r.status != 200 && r.status != 201) {
            fprintf(stderr, "retry after a lost answer: %ld %s\n", r.status, r.body);
            CHECK(!"retry of a lost booking");
        }
    } else if (ok_exp && r.status != 201) {
        fprintf(stderr, "create expected 201, got %ld %s\n", r.status, r.body);
        CHECK(!"create 201");
    }
    if (r.status == 201 || r.status == 200) {
        cJSON *o = cJSON_ParseWithLength(r.body, r.len);
        struct bk *b = &bks[nb];
        CHECK(ok_exp);
        if (o && jstr(o, "code") && nb < MAXB) {
            for (int i = 0; i < nb; i++)
                if (strcmp(bks[i].code, jstr(o, "code")) == 0) CHECK(!"a code given twice");
            snprintf(b->code, sizeof b->code, "%s", jstr(o, "code"));
            b->room = room;
            b->start = jtime(o, "start");
            b->cin_from = jtime(o, "checkin_from");
            b->cin_until = jtime(o, "checkin_until");
            b->release = jtime(o, "release_at");
            snprintf(b->last4, sizeof b->last4, "%s", jstr(o, "phone_last4"));
            b->phone = phone;
            b->state = M_CONFIRMED;
            nb++;
        }
        cJSON_Delete(o);
    } else if (r.status == 409 && strstr(r.body, "slot-taken")) {
        taken409++;
        CHECK(holder >= 0);
        CHECK(strstr(r.body, "alternatives") != NULL);
    } else if (r.status == 409 && strstr(r.body, "slot-leased")) {
        leased409++;
        CHECK(!ok_exp);
    } else if (r.status == 409 && strstr(r.body, "phone-limit")) {
        limit409++;
        CHECK(!ok_exp);
    } else if (r.status == 422) {
        unavailable++;
        CHECK(!ok_exp);
    } else {
        fprintf(stderr, "create: unexpected %ld %s\n", r.status, r.body);
        CHECK(!"create answer");
    }
    free(r.body);
}

static void op_person(bool checkin)
{
    struct bk *b;
    struct resp r;
    char path[96], body[48];
    bool wrong = rn(20) == 0;
    long want;
    if (nb == 0) return;
    b = &bks[rn(nb)];
    snprintf(path, sizeof path, "/api/v1/bookings/%s/%s", b->code, checkin ? "check-in" : "cancel");
    snprintf(body, sizeof body, "{\"last4\":\"%04d\"}",
             wrong ? (atoi(b->last4) + 1) % 10000 : atoi(b->last4));
    http(&H, "POST", path, tokens[rn(NKIOSK)], NULL, body, &r);
    if (r.status == 429) { /* the kiosk's look-up budget (real time): a person tries later */
        limited++;
        free(r.body);
        return;
    }
    if (wrong) {
        want = 404;
    } else if (checkin) {
        checkins++;
        if (b->state == M_CHECKED_IN) want = 200;
        else if (b->state == M_CANCELLED || b->release <= now_s) want = 409;
        else if (now_s < b->cin_from || now_s > b->cin_until) want = 409;
        else want = 200;
        if (want == 200) b->state = M_CHECKED_IN;
    } else {
        cancels++;
        if (b->state == M_CANCELLED) want = 200;
        else if (b->state == M_CHECKED_IN || b->release <= now_s) want = 409;
        else want = 200;
        if (want == 200) b->state = M_CANCELLED;
    }
    if (r.status != want) {
        fprintf(stderr, "%s %s at %lld: want %ld got %ld %s\n", checkin ? "check-in" : "cancel",
                b->code, (long long)now_s, want, r.status, r.body);
        CHECK(!"person op");
    }
    free(r.body);
}

/* A leasing kiosk's heartbeat: the slots the hub leases it. */
static void op_heartbeat(int k)
{
    struct resp r;
    char path[96], body[256];
    cJSON *o;
    const cJSON *l;
    snprintf(path, sizeof path, "/api/v1/kiosks/%s/heartbeat", ids[k]);
    snprintf(body, sizeof body,
             "{\"version\":\"0.1.0\",\"queue_depth\":0,\"oldest_pending_s\":0,"
             "\"content_version\":\"x\",\"online\":true,\"last_error\":null,\"tower\":\"%s\"}",
             lease_tower[k]);
    http(&H, "POST", path, tokens[k], NULL, body, &r);
    CHECK(r.status == 200);
    o = cJSON_ParseWithLength(r.body, r.len);
    cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(o, "leases")) {
        int room = room_index(jstr(l, "room"));
        int64_t t = jtime(l, "start");
        int h = lease_holder(room, t);
        CHECK(room >= 0 && strcmp(rooms[room].id, jstr(l, "room")) == 0);
        CHECK(h < 0 || h == k); /* never one slot leased to two kiosks */
        if (h < 0 && nl < MAXL) leases[nl++] = (struct lease){room, t, k};
    }
    cJSON_Delete(o);
    free(r.body);
}

static bool queued_slot(int k, int room, int64_t t)
{
    for (int i = 0; i < nq[k]; i++)
        if (queue[k][i].room == room && queue[k][i].start == t) return true;
    return false;
}

/* A leasing kiosk confirms one of its held free slots itself: into its
 * durable queue, shown to the person at once. */
static void op_offline(int k)
{
    int cand[MAXL], nc = 0;
    for (int i = 0; i < nl; i++) {
        const struct lease *l = &leases[i];
        if (l->kiosk != k || slot_holder(l->room, l->start) >= 0 || queued_slot(k, l->room, l->start) ||
            l->start + (int64_t)rooms[l->room].r.slot_min * 60 <= now_s + 120)
            continue;
        cand[nc++] = i;
    }
    if (nc == 0 || nq[k] == MAXQ) return;
    {
        const struct lease *l = &leases[cand[rn(nc)]];
        struct queued *q = &queue[k][nq[k]];
        q->room = l->room;
        q->start = l->start;
        q->phone = rn(NPHONE);
        if (api_uuid_v4_make(q->key) != KERR_OK || book_code_make(q->code) != KERR_OK) return;
        nq[k]++;
        offline_made++;
    }
}

/* A leasing kiosk's queue reaches the hub (answers may be lost: the item
 * stays queued and goes again with its key). Every item must be taken. */
static void op_deliver(int k)
{
    int keep = 0;
    for (int i = 0; i < nq[k]; i++) {
        struct queued *q = &queue[k][i];
        struct resp r;
        char body[320], start[API_TIME_SIZE];
        api_time_format(q->start * 1000, start);
        snprintf(body, sizeof body,
                 "{\"kiosk_id\":\"%s\",\"room\":\"%s\",\"start\":\"%s\",\"phone\":\"139%08d\","
                 "\"code\":\"%s\",\"offline\":true}",
                 ids[k], rooms[q->room].id, start, q->phone, q->code);
        http(&H, "POST", "/api/v1/bookings", tokens[k], q->key, body, &r);
        if (rn(10) == 0) { /* the answer is lost: the item stays queued */
            free(r.body);
            queue[k][keep++] = *q;
            lost_retries++;
            continue;
        }
        if ((r.status == 201 || r.status == 200) && strstr(r.body, q->code) && nb < MAXB) {
            cJSON *o = cJSON_ParseWithLength(r.body, r.len);
            struct bk *b = &bks[nb++];
            snprintf(b->code, sizeof b->code, "%s", q->code);
            b->room = q->room;
            b->start = q->start;
            b->cin_from = jtime(o, "checkin_from");
            b->cin_until = jtime(o, "checkin_until");
            b->release = jtime(o, "release_at");
            snprintf(b->last4, sizeof b->last4, "%s", jstr(o, "phone_last4"));
            b->phone = q->phone;
            b->state = M_CONFIRMED;
            cJSON_Delete(o);
            offline_delivered++;
        } else {
            fprintf(stderr, "a booking confirmed by %s under its lease was not taken: %ld %s\n",
                    ids[k], r.status, r.body);
            CHECK(!"offline booking lost");
        }
        free(r.body);
    }
    nq[k] = keep;
}

/* Every queue reaches the hub before a queued slot would end. */
static void deliver_before(int64_t t)
{
    for (int k = 0; k < NLEASER; k++)
        for (int i = 0; i < nq[k]; i++)
            if (queue[k][i].start + (int64_t)rooms[queue[k][i].room].r.slot_min * 60 <= t + 60) {
                while (nq[k] > 0) op_deliver(k);
                break;
            }
}

/* Availability of a random room and day: taken exactly where the model has
 * an active booking (so every no-show is free from its release time). */
static void op_avail(void)
{
    int room = rn(NROOM);
    int64_t day = book_local_day(now_s) + rn(rooms[room].r.days_ahead);
    char path[128], d[BOOK_DATE_SIZE];
    struct resp r;
    cJSON *o, *s;
    book_date_format(day, d);
    snprintf(path, sizeof path, "/api/v1/rooms/%s/availability?date=%s", rooms[room].id, d);
    http(&H, "GET", path, tokens[rn(NKIOSK)], NULL, NULL, &r);
    avail_checks++;
    o = r.status == 200 ? cJSON_ParseWithLength(r.body, r.len) : NULL;
    CHECK(o != NULL);
    CHECK(strstr(r.body, "139") == NULL); /* nothing personal */
    cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(o, "slots")) {
        int64_t t = jtime(s, "start");
        bool taken = jstr(s, "state") && strcmp(jstr(s, "state"), "taken") == 0;
        if (taken != (slot_holder(room, t) >= 0)) {
            fprintf(stderr, "slot %s of %s: hub says %s, model %s\n", jstr(s, "start"),
                    rooms[room].id, jstr(s, "state"), slot_holder(room, t) >= 0 ? "taken" : "free");
            CHECK(!"availability matches the model");
            break;
        }
    }
    cJSON_Delete(o);
    free(r.body);
}

static void add_kiosks(void)
{
    for (int i = 0; i < NKIOSK; i++) {
        struct resp r;
        char body[64];
        cJSON *o;
        snprintf(ids[i], sizeof ids[i], "HL-P%02d", i + 1);
        snprintf(body, sizeof body, "{\"id\":\"%.15s\"}", ids[i]);
        http(&H, "POST", "/api/v1/admin/kiosks", ADMIN_TOKEN, NULL, body, &r);
        o = cJSON_ParseWithLength(r.body, r.len);
        snprintf(tokens[i], sizeof tokens[i], "%s", jstr(o, "token") ? jstr(o, "token") : "");
        cJSON_Delete(o);
        free(r.body);
    }
}

/* At the end: every booking shown is stored with the state the model says
 * (released for a no-show past its release), and no slot is held twice. */
static void final_check(void)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *s = NULL;
    int bad_state = 0, doubles = -1, rows = -1;
    /* a write makes the hub record every due release */
    struct resp r;
    http(&H, "POST", "/api/v1/bookings/ZZZZZZ/check-in", tokens[0], NULL, "{\"last4\":\"0000\"}", &r);
    free(r.body);
    CHECK(hub_stop(&H, SIGTERM) == 0);
    CHECK(sqlite3_open_v2(H.db, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);
    if (sqlite3_prepare_v2(db, "SELECT state FROM bookings WHERE code = ?1", -1, &s, NULL) ==
        SQLITE_OK) {
        for (int i = 0; i < nb; i++) {
            const char *want = bks[i].state == M_CHECKED_IN ? "checked_in"
                               : bks[i].state == M_CANCELLED ? "cancelled"
                               : bks[i].release <= now_s     ? "released"
                                                             : "confirmed";
            sqlite3_reset(s);
            sqlite3_bind_text(s, 1, bks[i].code, -1, SQLITE_STATIC);
            if (sqlite3_step(s) != SQLITE_ROW ||
                strcmp((const char *)sqlite3_column_text(s, 0), want) != 0) {
                if (bad_state++ < 5) fprintf(stderr, "booking %s: not stored as %s\n", bks[i].code, want);
            }
        }
    }
    sqlite3_finalize(s);
    if (sqlite3_prepare_v2(db, "SELECT (SELECT count(*) FROM (SELECT 1 FROM bookings WHERE state"
                               " IN ('confirmed','checked_in') GROUP BY room, slot_start HAVING"
                               " count(*) > 1)), (SELECT count(*) FROM bookings)",
                           -1, &s, NULL) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW) {
        doubles = sqlite3_column_int(s, 0);
        rows = sqlite3_column_int(s, 1);
    }
    sqlite3_finalize(s);
    sqlite3_close(db);
    printf("property: %d bookings shown, %d rows at the hub; %ld creates (%ld answers lost and sent "
           "again), %ld slot-taken, %ld phone-limit, %ld unbookable, %ld check-ins, %ld cancels, "
           "%ld clock steps, %ld hub kills, %ld availability checks; %d slots leased, %ld bookings "
           "confirmed by kiosks under their leases (%ld delivered), %ld refused online as leased, "
           "%ld look-ups over a kiosk's budget (429)\n",
           nb, rows, creates, lost_retries, taken409, limit409, unavailable, checkins, cancels,
           steps, restarts, avail_checks, nl, offline_made, offline_delivered, leased409, limited);
    CHECK(offline_made > 0 && offline_made == offline_delivered);
    CHECK(bad_state == 0);
    CHECK(doubles == 0);
    CHECK(rows == nb); /* one row per booking shown: nothing twice, nothing lost */
}

int main(int argc, char **argv)
{
    const char *seed = getenv("KIOSK_TEST_RANDOM");
    int64_t t0;
    if (argc < 2 || !getenv("KIOSK_TEST_CONTENT")) return 2;
    if (seed && atoll(seed) > 0) rng ^= (uint64_t)atoll(seed) * 0x2545F4914F6CDD1Dull;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CHECK(load_rooms(getenv("KIOSK_TEST_CONTENT")));
    CHECK(hub_init(&H, argv[1]) == 0);
    snprintf(clockfile, sizeof clockfile, "%s/clock", H.dir);
    setenv("KIOSK_HUB_TEST_CLOCK", clockfile, 1);
    CHECK(book_time_parse("2026-11-29T23:30:00Z", &t0)); /* Monday 07:30 Beijing */
    set_clock(t0);
    CHECK(start_hub() == 0);
    add_kiosks();
    for (int op = 0; op < OPS && H.pid > 0; op++) {
        int x = rn(1000);
        if (x < 340) op_create();
        else if (x < 380) op_heartbeat(rn(NLEASER));
        else if (x < 430) op_offline(rn(NLEASER));
        else if (x < 460) op_deliver(rn(NLEASER));
        else if (x < 580) op_person(true);
        else if (x < 680) op_person(false);
        else if (x < 800) op_avail();
        else if (x < 995) {
            /* forward 1..40 min (across windows and release times); now and
             * then to the next morning */
            int64_t step = rn(50) == 0 ? book_day_start(book_local_day(now_s) + 1) + 8 * 3600 - now_s
                                       : 60 * (1 + rn(40));
            deliver_before(now_s + step);
            set_clock(now_s + step);
            steps++;
        } else {
            CHECK(WIFSIGNALED(hub_stop(&H, SIGKILL)));
            restarts++;
            CHECK(start_hub() == 0);
        }
    }
    for (int k = 0; k < NLEASER; k++)
        while (nq[k] > 0) op_deliver(k);
    final_check();
    hub_cleanup(&H);
    curl_global_cleanup();
    return ktest_done("hub_booking_property_13_kiosks");
}
