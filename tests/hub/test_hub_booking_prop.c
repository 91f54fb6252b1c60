/* hub_booking_property_13_kiosks: the booking rules against the real hub,
 * as 13 kiosks use it, for 10,000 random operations (seeded: the same
 * choices every time; KIOSK_TEST_RANDOM=N picks another sequence; the
 * moments of the kills are real time, so they differ from run to run).
 *
 * The 13 kiosks are real processes. Four (one per tower with a room)
 * (booking_kiosk: the kiosk's own kclient, sender thread and bookings.db,
 * each on its own state folder): they take their leases with heartbeats and
 * confirm bookings on their leased slots themselves, online or with the
 * network cut (started against an unreachable hub), and their sender
 * delivers them. They are killed with SIGKILL a few hundred times: while
 * confirming (mid-write of bookings.db: the person saw the booking only if
 * the kiosk said so before it died), right after showing one (mid-delivery,
 * between the hub's 201 and the kiosk's own mark), while taking leases, and
 * at idle moments; each starts again on the same folder. All 13 (the same
 * program, the other nine without a tower) book online through the kiosk's
 * own create call: random slots by random people (a pool of phones, so the
 * per-day limit is hit), answers lost on the way and the request sent
 * again with the same key (the person's second tap), and now and then the
 * kiosk killed while the create is under way (then the test sends the same
 * request with its key to learn what the hub has: the booking at most
 * once). People check in and cancel by code + last 4 (some with wrong
 * digits) over HTTP from this process. The clock steps across
 * check-in windows and release times, and the hub is killed with SIGKILL and
 * restarted. A model of what each kiosk showed predicts every answer.
 *
 * Checked throughout and at the end: never two active bookings of one slot
 * (and no kiosk holds a booked slot as free); every booking a kiosk showed
 * as confirmed is at the hub, once, with its code and the state the model
 * expects, and one made as a kiosk died is there once at most; every no-show
 * is released at its release time (availability shows its slot free from
 * that second on, and the stored state says released); each Idempotency-Key
 * made at most one booking. Prints the counts (operations, kiosk kills, hub
 * kills, offline bookings made and delivered). Bounded: well under a minute
 * normally; under a sanitizer 3,000 operations. */
#include <cjson/cJSON.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "booking.h"
#include "harness.h" /* before booking_prop.h: its helpers' locals must not shadow nb */
#include "booking_prop.h"
#include "kclock.h"
#include "ktest.h"

#define OPS 10000
#define OPS_SANITIZED 3000
#define OPS_PG 5000 /* the _pg twin: the same model on the PostgreSQL store, in half the time */
#if defined(__SANITIZE_ADDRESS__)
#define KIOSK_PROP_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KIOSK_PROP_SANITIZED 1
#endif
#endif
#ifndef KIOSK_PROP_SANITIZED
#define KIOSK_PROP_SANITIZED 0
#endif

static struct hub H;
static char clockfile[160];
char tokens[NKIOSK][80], ids[NKIOSK][16];
int64_t now_s;
static uint64_t rng = 0x9e3779b97f4a7c15ull, t_start;
struct room rooms[NROOM];
struct bk bks[MAXB]; /* what the kiosks were shown */
int nb;
const char *const prop_admin_token = ADMIN_TOKEN;

static uint64_t rnd(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 2685821657736338717ull;
}
int rn(int n) { return (int)(rnd() % (uint64_t)n); }

static void set_clock(int64_t t)
{
    FILE *f = fopen(clockfile, "w");
    now_s = t;
    if (!f) return;
    fprintf(f, "%lld\n", (long long)t);
    fclose(f);
}

const char *jstr(const cJSON *o, const char *n)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, n);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

int64_t jtime(const cJSON *o, const char *n)
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

int slot_holder(int room, int64_t start)
{
    for (int i = 0; i < nb; i++)
        if (bks[i].room == room && bks[i].start == start && active(&bks[i])) return i;
    return -1;
}

/* leases as the leasing kiosks hold them (their own bookings.db, reported
 * after each heartbeat), and what each kiosk showed but the hub may not have
 * yet (queue), or may have without anyone having seen it (unsure: the kiosk
 * was killed while it was confirming) */
struct lease leases[MAXL];
int nl;
struct queued queue[NLEASER][MAXQ], unsure[NLEASER][MAXQ];
int nq[NLEASER], nu[NLEASER];

int prop_hub_port(void) { return H.port; }

void prop_http(const char *method, const char *path, const char *token, const char *key,
               const char *body, struct presp *r)
{
    struct resp x;
    http(&H, method, path, token, key, body, &x);
    r->status = x.status;
    r->body = x.body;
    r->len = x.len;
}

int lease_holder(int room, int64_t start)
{
    for (int i = 0; i < nl; i++)
        if (leases[i].room == room && leases[i].start == start) return leases[i].kiosk;
    return -1;
}

int room_index(const char *id)
{
    for (int i = 0; i < NROOM; i++)
        if (id && strcmp(rooms[i].id, id) == 0) return i;
    return -1;
}

static long limited, leased409, lost_retries, creates, taken409, limit409, unavailable, checkins, cancels, steps,
    restarts, avail_checks;

static long cut_creates, died_made, died_shown;
long died_creating;

/* A person books online at kiosk k (booking_form: a create with one key,
 * sent again with the same key after a lost answer); now and then the
 * kiosk is killed while the create is under way. */
static void op_create(void)
{
    int k = rn(NKIOSK), room = rn(NROOM), phone = rn(NPHONE), who;
    int64_t day = book_local_day(now_s) + rn(rooms[room].r.days_ahead), s[BOOK_MAX_SLOTS];
    int ns = book_slots(&rooms[room].r, day, s, BOOK_MAX_SLOTS);
    char key[40], start[API_TIME_SIZE], ph[16];
    struct presp r;
    bool lose = rn(10) == 0, die = !lose && rn(35) == 0, ok_exp, shown = true;
    int holder;
    if (ns == 0) return;
    api_time_format(s[rn(ns)] * 1000, start);
    if (api_uuid_v4_make(key) != KERR_OK) return;
    /* a create the kiosk dies in has phones of its own (its booking may be
     * made without anyone seeing it: no other person's daily limit moves) */
    who = die ? 2 * NPHONE + phone : phone;
    snprintf(ph, sizeof ph, die ? "136%08d" : "139%08d", phone);
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
                 active_of_phone_day(who, book_local_day(t)) < rooms[room].r.max_per_phone_day;
    }
    if (kp_is_cut(k)) { /* its network is down: no answer, nothing booked */
        kp_create(k, rooms[room].id, start, ph, key, false, &r, &shown);
        CHECK(r.status == -1);
        cut_creates++;
        free(r.body);
        return;
    }
    kp_create(k, rooms[room].id, start, ph, key, die, &r, &shown);
    if (lose) { /* the answer is lost on the way: the person taps again, same key */
        free(r.body);
        lost_retries++;
        kp_create(k, rooms[room].id, start, ph, key, false, &r, &shown);
        if (ok_exp && r.status != 200 && r.status != 201) {
            fprintf(stderr, "retry after a lost answer: %ld %s\n", r.status, r.body);
            CHECK(!"retry of a lost booking");
        }
    } else if (ok_exp && r.status != 201 && !(die && r.status == 200)) {
        fprintf(stderr, "create expected 201, got %ld %s\n", r.status, r.body);
        CHECK(!"create 201");
    }
    if (die && (r.status == 201 || r.status == 200)) {
        died_made += !shown && r.status == 200; /* the dying kiosk's request got there */
        died_shown += shown;
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
            b->phone = who;
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
    CHECK(strstr(r.body, "139") == NULL && strstr(r.body, "138") == NULL); /* nothing personal */
    cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(o, "slots")) {
        int64_t t = jtime(s, "start");
        bool taken = jstr(s, "state") && strcmp(jstr(s, "state"), "taken") == 0, maybe = false;
        /* a booking a kiosk showed (or may have made as it was killed) is
         * in the model once that kiosk is back online and checked
         * (kp_settle); its sender may have delivered it already */
        for (int k = 0; k < NLEASER; k++)
            maybe = maybe || in_list(unsure[k], nu[k], room, t) || in_list(queue[k], nq[k], room, t);
        if (!maybe && taken != (slot_holder(room, t) >= 0)) {
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
static void final_check(int ops)
{
    int bad_state = 0;
    long doubles, rows;
    /* a write makes the hub record every due release */
    struct resp r;
    http(&H, "POST", "/api/v1/bookings/ZZZZZZ/check-in", tokens[0], NULL, "{\"last4\":\"0000\"}", &r);
    free(r.body);
    CHECK(hub_stop(&H, SIGTERM) == 0);
    /* read on either backend (harness.h: the SQLite file, or the _pg twin's database) */
    for (int i = 0; i < nb; i++) {
        const char *want = bks[i].state == M_CHECKED_IN ? "checked_in"
                           : bks[i].state == M_CANCELLED ? "cancelled"
                           : bks[i].release <= now_s     ? "released"
                                                         : "confirmed";
        char sql[96];
        snprintf(sql, sizeof sql, "SELECT count(*) FROM bookings WHERE code = ?1 AND state = '%s'",
                 want);
        if (hub_db_num(&H, sql, bks[i].code) != 1 && bad_state++ < 5)
            fprintf(stderr, "booking %s: not stored as %s\n", bks[i].code, want);
    }
    doubles = hub_db_num(&H, "SELECT count(*) FROM (SELECT 1 FROM bookings WHERE state"
                             " IN ('confirmed','checked_in') GROUP BY room, slot_start HAVING"
                             " count(*) > 1) AS d", NULL);
    rows = hub_db_num(&H, "SELECT count(*) FROM bookings", NULL);
    printf("property: %d bookings shown, %ld rows at the hub; %ld creates (%ld answers lost and sent "
           "again), %ld slot-taken, %ld phone-limit, %ld unbookable, %ld check-ins, %ld cancels, "
           "%ld clock steps, %ld hub kills, %ld availability checks; %d slots leased, %ld bookings "
           "confirmed by kiosks under their leases (%ld delivered), %ld refused online as leased, "
           "%ld look-ups over a kiosk's budget (429)\n",
           nb, rows, creates, lost_retries, taken409, limit409, unavailable, checkins, cancels,
           steps, restarts, avail_checks, nl, offline_made, offline_delivered, leased409, limited);
    printf("property: %d operations in %.1f s; %d kiosk processes killed %ld times with SIGKILL "
           "(%ld while confirming on a lease, %ld right after showing such a booking, %ld in a "
           "heartbeat, %ld while booking online (%ld of those bookings made without an answer "
           "shown, found once by their key; %ld shown before the kill), %ld otherwise), %ld "
           "starts with the network cut (%ld online bookings there got no answer and made "
           "nothing); %ld bookings confirmed on a lease and delivered, %ld made as a kiosk died "
           "while confirming and found once at the hub, %ld slots refused as "
           "still taken at the kiosk; %ld deliveries answered from the stored booking (200: the "
           "kiosk died between the hub's 201 and its own mark), %ld answered 201; kiosk starts "
           "took %.1f s, %ld checks of a kiosk's deliveries %.1f s\n",
           ops, (double)(kclock_mono_ms() - t_start) / 1000.0, NKIOSK, kiosk_kills,
           kills_confirming, kills_after_ok, kills_heartbeat, died_creating, died_made, died_shown,
           kills_idle, cut_starts, cut_creates,
           offline_delivered, ghosts, busy_refusals, count_in_logs("reached the hub (200)"),
           count_in_logs("reached the hub (201)"), (double)ms_starting / 1000.0, settles,
           (double)ms_settling / 1000.0);
    CHECK(offline_made > 0 && offline_made == offline_delivered);
    /* the hub took each as it was promised: a kiosk never had one refused
     * (a repeat after a lost answer is answered with the stored booking) */
    if (count_in_logs("the hub refused a booking confirmed here") != 0) {
        fprintf(stderr, "a kiosk had %ld bookings it confirmed refused by the hub\n",
                count_in_logs("the hub refused a booking confirmed here"));
        CHECK(!"no booking a kiosk confirmed is refused");
    }
    CHECK(kiosk_kills >= (ops >= OPS ? 150 : 40)); /* the kiosks really died, often */
    CHECK(bad_state == 0);
    CHECK(doubles == 0);
    CHECK(rows == nb); /* one row per booking shown: nothing twice, nothing lost */
}

int main(int argc, char **argv)
{
    const char *seed = getenv("KIOSK_TEST_RANDOM");
    int64_t t0;
    int ops = OPS;
    if (argc < 3 || !getenv("KIOSK_TEST_CONTENT")) return 2;
    driver = argv[2];
#if KIOSK_PROP_SANITIZED
    ops = OPS_SANITIZED; /* the kiosks' restarts cost ~10x under ASan */
    t_scale = 3;
#endif
#ifdef KIOSK_HUB_PG
    ops = OPS_PG;
#endif
    signal(SIGPIPE, SIG_IGN); /* a kiosk killed while the test writes to it */
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
    for (int k = 0; k < NKIOSK; k++) {
        char dir[160];
        snprintf(dir, sizeof dir, "%s/kiosk%d", H.dir, k + 1);
        kp_first_start(k, dir);
    }
    t_start = kclock_mono_ms();
    for (int op = 0; op < ops && H.pid > 0; op++) {
        int x = rn(1000);
        if (x < 340) op_create();
        else if (x < 380) op_heartbeat(rn(NLEASER));
        else if (x < 445) op_offline(rn(NLEASER));
        else if (x < 450) op_sync(rn(NLEASER));
        else if (x < 460) op_kiosk_kill(rn(NLEASER));
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
    for (int k = 0; k < NKIOSK; k++) {
        if (k < NLEASER) op_sync(k); /* the network is back everywhere */
        CHECK(kp_close(k) == 0); /* end of input: the kiosk closes its link and exits */
    }
    final_check(ops);
    hub_cleanup(&H);
    curl_global_cleanup();
    {
        int p, f;
        kp_checks(&p, &f);
        ktest_pass += p;
        ktest_fail += f;
    }
    return ktest_done("hub_booking_property_13_kiosks");
}
