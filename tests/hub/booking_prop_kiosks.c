/* booking_prop_kiosks: the kiosks of hub_booking_property_13_kiosks as real
 * processes (booking_kiosk, the kiosk's own booking code), their leases and
 * the bookings the leasing ones confirmed; killed with SIGKILL and started
 * again on their state folders. See test_hub_booking_prop.c. */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "booking_prop.h"
#include "kclock.h"
#include "linepipe.h"
#include "ktest.h"

const char *driver;
int64_t t_scale = 1; /* timeouts x3 under a sanitizer */
long offline_made, offline_delivered, ghosts, kiosk_kills, kills_confirming, kills_after_ok,
    kills_heartbeat, kills_idle, cut_starts, busy_refusals;
static const char *const lease_tower[NLEASER] = {"t01", "t03", "t06", "t10"};
static struct kp {
    pid_t pid;
    int to;
    struct linepipe from; /* its answers */
    bool cut; /* started with an unreachable hub: the network is down for it */
    char dir[160];
} kps[NKIOSK];

/* Reads one line of kiosk k's answers within ms (true), or false. */
static bool kp_line(int k, char *out, size_t size, int ms)
{
    return linepipe_read(&kps[k].from, out, size, (int64_t)ms * t_scale);
}

static void kp_send(int k, const char *cmd)
{
    size_t len = strlen(cmd);
    CHECK(write(kps[k].to, cmd, len) == (ssize_t)len);
}

/* Starts kiosk k on its state folder; cut: with a hub that cannot be reached. */
uint64_t ms_starting, ms_settling;
long settles;

static void kp_start(int k, bool cut)
{
    uint64_t t0 = kclock_mono_ms();
    struct kp *p = &kps[k];
    int in[2], out[2];
    char url[64], log[200], line[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", cut ? 1 : prop_hub_port());
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
    linepipe_open(&p->from, out[0]);
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
    close(p->from.fd);
    p->pid = -1;
    kiosk_kills++;
}

static bool booked_ever(int room, int64_t start)
{
    for (int i = 0; i < nb; i++)
        if (bks[i].room == room && bks[i].start == start) return true;
    return false;
}

bool in_list(const struct queued *l, int n, int room, int64_t t)
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
void kp_heartbeat(int k)
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
        struct presp r;
        char path[96];
        cJSON *o;
        snprintf(path, sizeof path, "/api/v1/admin/bookings/%s", queue[k][i].code);
        prop_http("GET", path, prop_admin_token, NULL, NULL, &r);
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
        struct presp r;
        char path[128], d[BOOK_DATE_SIZE];
        const cJSON *e, *found = NULL;
        cJSON *o;
        int n = 0;
        book_date_format(book_local_day(unsure[k][i].start), d);
        snprintf(path, sizeof path, "/api/v1/admin/bookings?room=%s&date=%s",
                 rooms[unsure[k][i].room].id, d);
        prop_http("GET", path, prop_admin_token, NULL, NULL, &r);
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
void op_heartbeat(int k)
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
void op_sync(int k)
{
    if (kps[k].cut) {
        kp_kill(k, NULL, 0);
        kills_idle++;
        kp_start(k, false);
    }
    kp_settle(k);
}

/* kill -9 at a moment of nothing in particular (a delivery may be under way). */
void op_kiosk_kill(int k)
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
void op_offline(int k)
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
void deliver_before(int64_t t)
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

bool kp_is_cut(int k) { return kps[k].cut; }

/* A create at kiosk k (as booking_form sends it), its answer as *r (status
 * -1: none, the kiosk said why). die: the kiosk is killed while it is under
 * way; *shown says whether it had shown an answer by then. If not, the same
 * request is sent again with its key after the kiosk restarted (only so the
 * model learns the outcome: the hub answers 200 with the booking if the
 * dying kiosk's request got there, so it exists once at most). */
void kp_create(int k, const char *room, const char *start, const char *phone, const char *key,
               bool die, struct presp *r, bool *shown)
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
            prop_http("POST", "/api/v1/bookings", tokens[k], key, body, r);
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
long count_in_logs(const char *what)
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

void kp_first_start(int k, const char *dir)
{
    snprintf(kps[k].dir, sizeof kps[k].dir, "%s", dir);
    CHECK(mkdir(kps[k].dir, 0700) == 0);
    kp_start(k, false);
    if (k < NLEASER) kp_heartbeat(k);
}

int kp_close(int k)
{
    int st = -1;
    close(kps[k].to);
    if (waitpid(kps[k].pid, &st, 0) != kps[k].pid) st = -1;
    close(kps[k].from.fd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

void kp_checks(int *pass, int *fail)
{
    *pass = ktest_pass;
    *fail = ktest_fail;
}
