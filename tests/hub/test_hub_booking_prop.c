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
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "booking.h"
#include "harness.h"
#include "kclock.h"
#include "ktest.h"

#define NKIOSK 13
#define NROOM 4
#define NPHONE 40
#define MAXB 12000
#define OPS 10000
#define OPS_SANITIZED 3000
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
static char tokens[NKIOSK][80], ids[NKIOSK][16];
static int64_t now_s;
static uint64_t rng = 0x9e3779b97f4a7c15ull, t_start;

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

/* leases as the leasing kiosks hold them (their own bookings.db, reported
 * after each heartbeat), and what each kiosk showed but the hub may not have
 * yet (queue), or may have without anyone having seen it (unsure: the kiosk
 * was killed while it was confirming) */
#define NLEASER NROOM
#define MAXL 4096
#define MAXQ 256
static struct lease { int room; int64_t start; int kiosk; } leases[MAXL];
static int nl;
static struct queued {
    int room, phone;
    int64_t start;
    char code[BOOK_CODE_SIZE];
} queue[NLEASER][MAXQ], unsure[NLEASER][MAXQ];
static int nq[NLEASER], nu[NLEASER];
static const char *const lease_tower[NLEASER] = {"t01", "t03", "t06", "t10"};
static long offline_made, offline_delivered, ghosts, kiosk_kills, kills_confirming, kills_after_ok,
    kills_heartbeat, kills_idle, cut_starts, busy_refusals;

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

static bool kp_is_cut(int k);
static void kp_create(int k, const char *room, const char *start, const char *phone, const char *key,
                      bool die, struct resp *r, bool *shown);
static long cut_creates, died_creating, died_made, died_shown;

/* A person books online at kiosk k (booking_form: a create with one key,
 * sent again with the same key after a lost answer); now and then the
 * kiosk is killed while the create is under way. */
static void op_create(void)
{
    int k = rn(NKIOSK), room = rn(NROOM), phone = rn(NPHONE), who;
    int64_t day = book_local_day(now_s) + rn(rooms[room].r.days_ahead), s[BOOK_MAX_SLOTS];
    int ns = book_slots(&rooms[room].r, day, s, BOOK_MAX_SLOTS);
    char key[40], start[API_TIME_SIZE], ph[16];
    struct resp r;
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

/* ---- the leasing kiosks: real processes (booking_kiosk) ------------------ */

static const char *driver;
static int64_t t_scale = 1; /* timeouts x3 under a sanitizer */
static struct kp {
    pid_t pid;
    int to, from;
    bool cut; /* started with an unreachable hub: the network is down for it */
    char dir[160];
    char rbuf[16384];
    int rlen;
} kps[NKIOSK];

/* Reads one line of kiosk k's answers within ms (true), or false. */
static bool kp_line(int k, char *out, size_t size, int ms)
{
    struct kp *p = &kps[k];
    int64_t until = (int64_t)kclock_mono_ms() + ms * t_scale;
    for (;;) {
        char *nl_ = memchr(p->rbuf, '\n', (size_t)p->rlen);
        struct pollfd pf = {.fd = p->from, .events = POLLIN};
        int64_t left = until - (int64_t)kclock_mono_ms();
        ssize_t n;
        if (nl_) {
            size_t len = (size_t)(nl_ - p->rbuf);
            snprintf(out, size, "%.*s", (int)len, p->rbuf);
            memmove(p->rbuf, nl_ + 1, (size_t)p->rlen - len - 1);
            p->rlen -= (int)len + 1;
            return true;
        }
        if (left <= 0 || p->rlen == (int)sizeof p->rbuf) return false;
        if (poll(&pf, 1, (int)left) <= 0) continue;
        n = read(p->from, p->rbuf + p->rlen, sizeof p->rbuf - (size_t)p->rlen);
        if (n <= 0) return false;
        p->rlen += (int)n;
    }
}

static void kp_send(int k, const char *cmd)
{
    size_t len = strlen(cmd);
    CHECK(write(kps[k].to, cmd, len) == (ssize_t)len);
}

/* Starts kiosk k on its state folder; cut: with a hub that cannot be reached. */
static uint64_t ms_starting, ms_settling;
static long settles;

static void kp_start(int k, bool cut)
{
    uint64_t t0 = kclock_mono_ms();
    struct kp *p = &kps[k];
    int in[2], out[2];
    char url[64], log[200], line[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", cut ? 1 : H.port);
    snprintf(log, sizeof log, "%s/kiosk.log", p->dir);
    CHECK(pipe(in) == 0 && pipe(out) == 0);
    for (int i = 0; i < 2; i++) {
        fcntl(in[i], F_SETFD, FD_CLOEXEC);
        fcntl(out[i], F_SETFD, FD_CLOEXEC);
    }
    p->pid = fork();
    if (p->pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        dup2(in[0], 0);
        dup2(out[1], 1);
        if (fd >= 0) dup2(fd, 2);
        execl(driver, driver, p->dir, url, ids[k], tokens[k], k < NLEASER ? lease_tower[k] : "-",
              (char *)NULL);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    p->to = in[1];
    p->from = out[0];
    p->rlen = 0;
    p->cut = cut;
    cut_starts += cut;
    CHECK(p->pid > 0 && kp_line(k, line, sizeof line, 10000) && strcmp(line, "READY") == 0);
    ms_starting += kclock_mono_ms() - t0;
}

/* kill -9; what the kiosk wrote before it died stays in the pipe and is
 * read into after (size 0: dropped). */
static void kp_kill(int k, char *after, size_t size)
{
    struct kp *p = &kps[k];
    char line[256];
    kill(p->pid, SIGKILL);
    CHECK(waitpid(p->pid, NULL, 0) == p->pid);
    if (size) after[0] = '\0';
    while (kp_line(k, line, sizeof line, 0))
        if (size && !after[0]) snprintf(after, size, "%s", line);
    close(p->to);
    close(p->from);
    p->pid = -1;
    kiosk_kills++;
}

static bool booked_ever(int room, int64_t start)
{
    for (int i = 0; i < nb; i++)
        if (bks[i].room == room && bks[i].start == start) return true;
    return false;
}

static bool in_list(const struct queued *l, int n, int room, int64_t t)
{
    for (int i = 0; i < n; i++)
        if (l[i].room == room && l[i].start == t) return true;
    return false;
}

/* The slots kiosk k holds, from its answer's words after the first skip. */
static void kp_held(int k, char *line, int skip)
{
    char *save = NULL, *tok = strtok_r(line, " ", &save);
    for (int i = 1; i < skip && tok; i++) tok = strtok_r(NULL, " ", &save);
    while (tok && (tok = strtok_r(NULL, " ", &save))) {
        char id[16], state[8];
        long long t;
        int room, h;
        if (sscanf(tok, "%15[^:]:%lld:%7s", id, &t, state) != 3) continue;
        room = room_index(id);
        CHECK(room >= 0);
        if (room < 0) continue;
        h = lease_holder(room, t);
        CHECK(h < 0 || h == k); /* never one slot leased to two kiosks */
        if (h < 0 && nl < MAXL) leases[nl++] = (struct lease){room, t, k};
        /* a slot this kiosk would confirm is free everywhere (one it may
         * have written as it died is free here exactly when it was not) */
        if (strcmp(state, "free") == 0 &&
            (slot_holder(room, t) >= 0 || in_list(queue[k], nq[k], room, t))) {
            fprintf(stderr, "%s holds %s %lld as free, but it is booked\n", ids[k], id, t);
            CHECK(!"a kiosk holds a booked slot as free");
        }
    }
}

static const char *room_list(void)
{
    static char l[80];
    snprintf(l, sizeof l, "%s %s %s %s", rooms[0].id, rooms[1].id, rooms[2].id, rooms[3].id);
    return l;
}

/* A heartbeat of kiosk k (online) and the slots it holds afterwards. */
static void kp_heartbeat(int k)
{
    char cmd[160], line[8192];
    int err = -1, http = 0;
    snprintf(cmd, sizeof cmd, "hb %s\n", room_list());
    kp_send(k, cmd);
    CHECK(kp_line(k, line, sizeof line, 20000));
    CHECK(sscanf(line, "HB %d %d", &err, &http) == 2 && err == 0 && http == 200);
    kp_held(k, line, 3);
}

static void adopt(int k, const cJSON *o, int phone)
{
    struct bk *b = &bks[nb];
    const char *st = jstr(o, "state");
    if (nb == MAXB) return;
    for (int i = 0; i < nb; i++)
        if (strcmp(bks[i].code, jstr(o, "code")) == 0) CHECK(!"a code given twice");
    snprintf(b->code, sizeof b->code, "%s", jstr(o, "code"));
    b->room = room_index(jstr(o, "room"));
    b->start = jtime(o, "start");
    b->cin_from = jtime(o, "checkin_from");
    b->cin_until = jtime(o, "checkin_until");
    b->release = jtime(o, "release_at");
    snprintf(b->last4, sizeof b->last4, "%s", jstr(o, "phone_last4"));
    b->phone = phone;
    b->state = M_CONFIRMED;
    CHECK(st && (strcmp(st, "confirmed") == 0 || (strcmp(st, "released") == 0 && b->release <= now_s)));
    CHECK(strcmp(jstr(o, "kiosk_id"), ids[k]) == 0);
    nb++;
}

/* Kiosk k (online) delivers everything it confirmed; then every booking it
 * showed is at the hub with its code, exactly once, and a booking it may
 * have made while it was killed is there at most once (then modelled). */
static void kp_settle(int k)
{
    char line[8192], cmd[128];
    int left = -1;
    uint64_t t0 = kclock_mono_ms();
    snprintf(cmd, sizeof cmd, "drain 20000 %s\n", room_list());
    kp_send(k, cmd);
    CHECK(kp_line(k, line, sizeof line, 30000) && sscanf(line, "DRAINED %d", &left) == 1);
    if (left != 0) {
        fprintf(stderr, "%s: %d bookings confirmed there did not reach the hub\n", ids[k], left);
        CHECK(!"drained");
    }
    for (int i = 0; i < nq[k]; i++) {
        struct resp r;
        char path[96];
        cJSON *o;
        snprintf(path, sizeof path, "/api/v1/admin/bookings/%s", queue[k][i].code);
        http(&H, "GET", path, ADMIN_TOKEN, NULL, NULL, &r);
        o = r.status == 200 ? cJSON_ParseWithLength(r.body, r.len) : NULL;
        if (!o || jtime(o, "start") != queue[k][i].start ||
            room_index(jstr(o, "room")) != queue[k][i].room) {
            fprintf(stderr, "a booking %s showed as confirmed (%s) is not at the hub: %ld %s\n",
                    ids[k], queue[k][i].code, r.status, r.body);
            CHECK(!"offline booking lost");
        } else {
            adopt(k, o, NPHONE + queue[k][i].phone);
            offline_delivered++;
        }
        cJSON_Delete(o);
        free(r.body);
    }
    nq[k] = 0;
    for (int i = 0; i < nu[k]; i++) {
        struct resp r;
        char path[128], d[BOOK_DATE_SIZE];
        const cJSON *e, *found = NULL;
        cJSON *o;
        int n = 0;
        book_date_format(book_local_day(unsure[k][i].start), d);
        snprintf(path, sizeof path, "/api/v1/admin/bookings?room=%s&date=%s",
                 rooms[unsure[k][i].room].id, d);
        http(&H, "GET", path, ADMIN_TOKEN, NULL, NULL, &r);
        o = r.status == 200 ? cJSON_ParseWithLength(r.body, r.len) : NULL;
        CHECK(o != NULL);
        cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(o, "bookings")) {
            bool known = false;
            if (jtime(e, "start") != unsure[k][i].start || !jstr(e, "kiosk_id") ||
                strcmp(jstr(e, "kiosk_id"), ids[k]) != 0)
                continue;
            for (int j = 0; j < nb && !known; j++) known = strcmp(bks[j].code, jstr(e, "code")) == 0;
            if (!known) {
                found = e;
                n++;
            }
        }
        CHECK(n <= 1); /* a booking made as the kiosk died is stored once at most */
        if (found) {
            adopt(k, found, NPHONE + unsure[k][i].phone);
            ghosts++;
        }
        cJSON_Delete(o);
        free(r.body);
    }
    nu[k] = 0;
    kp_held(k, line, 2); /* the drain's heartbeat may have brought new leases */
    ms_settling += kclock_mono_ms() - t0;
    settles++;
}

/* Kiosk k starts again on its state folder (after a kill): now and then
 * with the network down for it; online it takes its leases and delivers. */
static void kp_restart(int k)
{
    if (k >= NLEASER) { /* no leases, nothing confirmed here: it books online */
        kp_start(k, false);
        return;
    }
    kp_start(k, rn(4) == 0);
    if (!kps[k].cut) kp_settle(k);
}

/* A heartbeat; sometimes the kiosk is killed while it takes its leases. */
static void op_heartbeat(int k)
{
    char cmd[160];
    if (kps[k].cut) return;
    if (rn(10) != 0) {
        kp_heartbeat(k);
        return;
    }
    snprintf(cmd, sizeof cmd, "hb %s\n", rooms[0].id);
    kp_send(k, cmd);
    usleep((useconds_t)rn(3000));
    kp_kill(k, NULL, 0);
    kills_heartbeat++;
    /* online again at once: the hub may have leased it slots it never
     * heard of, which the next heartbeat names */
    kp_start(k, false);
    kp_settle(k);
}

/* The network of kiosk k: a cut one comes back (a restart with the hub's
 * address), an online one delivers and is checked. */
static void op_sync(int k)
{
    if (kps[k].cut) {
        kp_kill(k, NULL, 0);
        kills_idle++;
        kp_start(k, false);
    }
    kp_settle(k);
}

/* kill -9 at a moment of nothing in particular (a delivery may be under way). */
static void op_kiosk_kill(int k)
{
    usleep((useconds_t)rn(2000));
    kp_kill(k, NULL, 0);
    kills_idle++;
    kp_restart(k);
}

/* What a kiosk answered to a confirm; q is the slot and phone asked. */
static void confirm_answer(int k, const char *line, const struct queued *q, bool *shown)
{
    char code[16], last4[8];
    *shown = false;
    if (sscanf(line, "OK %15s %7s", code, last4) == 2) {
        struct queued *e = &queue[k][nq[k]++];
        *e = *q;
        snprintf(e->code, sizeof e->code, "%.6s", code);
        offline_made++;
        *shown = true;
    } else if (strcmp(line, "BUSY") == 0) {
        /* the kiosk still counts an earlier booking of the slot (cancelled
         * or released since) as taken: refusing is safe; anything else not */
        busy_refusals++;
        if (!booked_ever(q->room, q->start)) {
            fprintf(stderr, "%s refused a free leased slot: %s\n", ids[k], line);
            CHECK(!"a free leased slot refused");
        }
    } else {
        fprintf(stderr, "%s: confirm answered \"%s\"\n", ids[k], line);
        CHECK(!"confirm on a leased slot");
    }
}

/* A leasing kiosk confirms one of its held free slots itself, online or
 * not: the person is shown it when the kiosk says OK. Sometimes the kiosk
 * is killed while it writes (then nobody saw it: the hub may get it, once)
 * or right after it showed it (mid-delivery: the hub must get it, once). */
static void op_offline(int k)
{
    int cand[MAXL], nc = 0, how = rn(8);
    struct queued q;
    char cmd[160], line[256];
    bool shown;
    for (int i = 0; i < nl; i++) {
        const struct lease *l = &leases[i];
        if (l->kiosk != k || slot_holder(l->room, l->start) >= 0 ||
            in_list(queue[k], nq[k], l->room, l->start) || in_list(unsure[k], nu[k], l->room, l->start) ||
            l->start + (int64_t)rooms[l->room].r.slot_min * 60 <= now_s + 120)
            continue;
        cand[nc++] = i;
    }
    if (nc == 0 || nq[k] == MAXQ || nu[k] == MAXQ) return;
    memset(&q, 0, sizeof q);
    {
        const struct lease *l = &leases[cand[rn(nc)]];
        q.room = l->room;
        q.start = l->start;
    }
    q.phone = rn(NPHONE);
    snprintf(cmd, sizeof cmd, "confirm %s %lld 138%08d\n", rooms[q.room].id, (long long)q.start, q.phone);
    kp_send(k, cmd);
    if (how == 0) { /* killed while confirming: shown only if it said so */
        usleep((useconds_t)rn(1500));
        kp_kill(k, line, sizeof line);
        kills_confirming++;
        if (line[0]) confirm_answer(k, line, &q, &shown);
        else unsure[k][nu[k]++] = q;
        kp_restart(k);
        return;
    }
    CHECK(kp_line(k, line, sizeof line, 20000));
    confirm_answer(k, line, &q, &shown);
    if (how == 1 && shown) { /* killed while it delivers, or just after */
        usleep((useconds_t)rn(4000));
        kp_kill(k, NULL, 0);
        kills_after_ok++;
        kp_restart(k);
    }
}

/* Every booking a kiosk showed reaches the hub before its slot would end
 * (the network comes back in time: the hub takes a kiosk's booking until
 * the slot has ended). */
static void deliver_before(int64_t t)
{
    for (int k = 0; k < NLEASER; k++) {
        bool due = false;
        for (int i = 0; i < nq[k] && !due; i++)
            due = queue[k][i].start + (int64_t)rooms[queue[k][i].room].r.slot_min * 60 <= t + 60;
        for (int i = 0; i < nu[k] && !due; i++)
            due = unsure[k][i].start + (int64_t)rooms[unsure[k][i].room].r.slot_min * 60 <= t + 60;
        if (due) op_sync(k);
    }
}

static bool kp_is_cut(int k) { return kps[k].cut; }

/* A create at kiosk k (as booking_form sends it), its answer as *r (status
 * -1: none, the kiosk said why). die: the kiosk is killed while it is under
 * way; *shown says whether it had shown an answer by then. If not, the same
 * request is sent again with its key after the kiosk restarted (only so the
 * model learns the outcome: the hub answers 200 with the booking if the
 * dying kiosk's request got there, so it exists once at most). */
static void kp_create(int k, const char *room, const char *start, const char *phone, const char *key,
                      bool die, struct resp *r, bool *shown)
{
    char cmd[200], line[8192];
    int err = -1, http_ = 0, at = 0;
    memset(r, 0, sizeof *r);
    r->status = -1;
    *shown = true;
    snprintf(cmd, sizeof cmd, "create %s %s %s %s\n", room, start, phone, key);
    kp_send(k, cmd);
    if (die) {
        usleep((useconds_t)rn(3000));
        kp_kill(k, line, sizeof line);
        died_creating++;
        kp_restart(k);
        if (strncmp(line, "ANS 0 ", 6) != 0) {
            char body[256];
            *shown = false;
            snprintf(body, sizeof body,
                     "{\"kiosk_id\":\"%s\",\"room\":\"%s\",\"start\":\"%s\",\"phone\":\"%s\"}",
                     ids[k], room, start, phone);
            http(&H, "POST", "/api/v1/bookings", tokens[k], key, body, r);
            return;
        }
    } else if (!kp_line(k, line, sizeof line, 30000)) {
        CHECK(!"a kiosk answered a create");
        r->body = calloc(1, 1);
        return;
    }
    if (sscanf(line, "ANS %d %d %n", &err, &http_, &at) < 2 || at == 0) at = (int)strlen(line);
    r->body = strdup(line + at);
    r->len = strlen(r->body);
    r->status = err == 0 ? http_ : -1;
}

/* Re-deliveries the hub answered from the stored booking (200): the kiosk
 * died between the hub's 201 and its own mark. */
static long count_in_logs(const char *what)
{
    long n = 0;
    for (int k = 0; k < NKIOSK; k++) {
        char path[200], line[512];
        FILE *f;
        snprintf(path, sizeof path, "%s/kiosk.log", kps[k].dir);
        f = fopen(path, "r");
        while (f && fgets(line, sizeof line, f))
            if (strstr(line, what)) n++;
        if (f) fclose(f);
    }
    return n;
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
        snprintf(kps[k].dir, sizeof kps[k].dir, "%s/kiosk%d", H.dir, k + 1);
        CHECK(mkdir(kps[k].dir, 0700) == 0);
        kp_start(k, false);
        if (k < NLEASER) kp_heartbeat(k);
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
        int st = -1;
        if (k < NLEASER) op_sync(k); /* the network is back everywhere */
        close(kps[k].to); /* end of input: the kiosk closes its link and exits */
        CHECK(waitpid(kps[k].pid, &st, 0) == kps[k].pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
        close(kps[k].from);
    }
    final_check(ops);
    hub_cleanup(&H);
    curl_global_cleanup();
    return ktest_done("hub_booking_property_13_kiosks");
}
