/* three_hubs_kiosk: one simulated kiosk of hub_pg_three_hubs_*, a process
 * that runs the kiosk's own link (kclient_open: the outbox, the sender
 * thread, the event long-poll) against nginx in front of three hubs. It is
 * not a model: a help request is "acknowledged" when the kiosk's sender got
 * the hub's 2xx for it (KCLIENT_EV_DELIVERED), exactly as on a real kiosk,
 * and a booking is confirmed when kclient's create call got 201/200.
 *
 * Commands on stdin, one answer line each on stdout (except report):
 *   run MS REQ_MS BOOK_MS  for MS ms, file a help request about every REQ_MS
 *                          (kclient_submit_request, durable in the outbox)
 *                          and book a random contested slot about every
 *                          BOOK_MS (two rooms, Monday to Friday: all 13
 *                          kiosks want the same 240 slots); a create without an
 *                          answer, or with 5xx/429, is sent again with the
 *                          same Idempotency-Key (the person's second tap),
 *                          at most 40 times. Answers "RAN" at the end.
 *   stop                   ends a run now ("RAN")
 *   drain MS               wait up to MS until every request filed here was
 *                          delivered and no create is open: "DRAINED <left>"
 *   counts                 "COUNTS ok taken net http5xx other tries": every
 *                          create attempt since the last counts, by answer
 *   report                 "SAVED <ticket>" and "ACKED <ticket>" per request,
 *                          "BOOKED <code> <room> <start> <key>" per confirmed
 *                          booking, "UNSURE <key>" per create given up, "END"
 * Always, between commands: each alert id seen for the first time goes to
 * STATE_DIR/alerts.txt as "ID MONO_MS" (CLOCK_MONOTONIC, comparable with the
 * test's clock), the moment kclient_alerts handed it over.
 * usage: three_hubs_kiosk STATE_DIR HUB_URL KIOSK_ID TOKEN SEED
 * Prints "READY" once the link is open. Logs (no personal data) on stderr. */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kclient.h"
#include "kclient_booking.h"
#include "kclock.h"

#define MAXT 4096
#define MAXB 1024

static char saved[MAXT][KCLIENT_TICKET_SIZE], acked[MAXT][KCLIENT_TICKET_SIZE];
static int nsaved, nacked;
static struct booked {
    char code[BOOK_CODE_SIZE], room[API_TOKEN_SIZE], start[API_TIME_SIZE], key[API_UUID_SIZE];
} booked[MAXB], unsure[MAXB];
static int nbooked, nunsure;
static long c_ok, c_taken, c_net, c_5xx, c_other;
static uint64_t rng;

static uint64_t rnd(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 2685821657736338717ull;
}

static void say(const char *s)
{
    fputs(s, stdout);
    fputc('\n', stdout);
    fflush(stdout);
}

/* the create under way (one at a time, as one person at the screen) */
static struct {
    bool open, sent;
    uint32_t id;
    int tries;
    uint64_t due;
    struct kclient_bcall q;
} cr;

static void create_new(void)
{
    static const char *const room[2] = {"mr-01", "mr-02"};
    /* 2026-11-30 (a Monday) 08:00 Beijing, the test's hub clock 07:30 that day */
    time_t t = 1795996800 + (time_t)(rnd() % 5) * 86400 + (time_t)(rnd() % 24) * 1800;
    struct tm tm;
    uint64_t a = rnd(), b = rnd();
    memset(&cr, 0, sizeof cr);
    cr.open = true;
    cr.q.kind = KCLIENT_B_CREATE;
    snprintf(cr.q.room, sizeof cr.q.room, "%s", room[rnd() % 2]);
    gmtime_r(&t, &tm);
    strftime(cr.q.start, sizeof cr.q.start, "%Y-%m-%dT%H:%M:%SZ", &tm);
    snprintf(cr.q.phone, sizeof cr.q.phone, "139%08u", (unsigned)(rnd() % 100000000u));
    snprintf(cr.q.lang, sizeof cr.q.lang, "zh");
    snprintf(cr.q.key, sizeof cr.q.key, "%08x-%04x-4%03x-8%03x-%012llx", (unsigned)(a >> 32),
             (unsigned)(a & 0xffff), (unsigned)((a >> 16) & 0xfff), (unsigned)(b & 0xfff),
             (unsigned long long)(b >> 16) & 0xffffffffffffull);
}

/* Sends the open create when due; takes its answer when it came. */
static void create_step(struct kclient *c, uint64_t now)
{
    struct kclient_banswer ans;
    struct kclient_bcall q;
    if (!cr.open) return;
    if (!cr.sent) {
        if (now < cr.due) return;
        q = cr.q; /* kclient wipes its copy; ours keeps the phone for a resend */
        if (kclient_booking_call(c, &q, &cr.id) == KERR_OK) cr.sent = true;
        cr.tries++;
        return;
    }
    if (!kclient_booking_answer(c, cr.id, &ans)) return;
    cr.sent = false;
    if (ans.error == KERR_OK && (ans.http == 201 || ans.http == 200) && ans.body) {
        const char *p = strstr(ans.body, "\"code\":\"");
        struct booked *b = &booked[nbooked < MAXB ? nbooked++ : MAXB - 1];
        c_ok++;
        memset(b, 0, sizeof *b);
        if (p) sscanf(p + 8, "%15[^\"]", b->code);
        snprintf(b->room, sizeof b->room, "%s", cr.q.room);
        snprintf(b->start, sizeof b->start, "%s", cr.q.start);
        snprintf(b->key, sizeof b->key, "%s", cr.q.key);
        cr.open = false;
    } else if (ans.error == KERR_OK && ans.http == 409) {
        c_taken++;
        cr.open = false;
    } else if (ans.error != KERR_OK || ans.http >= 500 || ans.http == 429) {
        if (ans.error != KERR_OK) c_net++;
        else c_5xx++;
        fprintf(stderr, "three_hubs_kiosk: create attempt failed (%s %d); again with its key\n",
                ans.error != KERR_OK ? "net" : "http", ans.http);
        cr.due = now + 200;
        if (cr.tries >= 40) {
            snprintf(unsure[nunsure < MAXB ? nunsure++ : MAXB - 1].key, API_UUID_SIZE, "%s",
                     cr.q.key);
            cr.open = false;
        }
    } else {
        c_other++; /* 400/422 (a phone's daily limit): the person is told, nothing booked */
        fprintf(stderr, "three_hubs_kiosk: create answered %d\n", ans.http);
        cr.open = false;
    }
    kclient_banswer_free(&ans);
}

static void submit(struct kclient *c, const char *kid)
{
    struct api_help_request r;
    struct kclient_receipt rc;
    memset(&r, 0, sizeof r);
    snprintf(r.category, sizeof r.category, "legal");
    snprintf(r.company_id, sizeof r.company_id, "c012");
    snprintf(r.company_name, sizeof r.company_name, "示例科技有限公司");
    snprintf(r.contact_name, sizeof r.contact_name, "王女士（样例）");
    snprintf(r.phone, sizeof r.phone, "13800000000");
    snprintf(r.tower, sizeof r.tower, "t03");
    /* a marker per request: the test counts rows by it (twice under two keys?) */
    snprintf(r.description, sizeof r.description, "样例数据 three-hubs mk-%s-n%05d", kid, nsaved);
    snprintf(r.lang, sizeof r.lang, "zh");
    if (nsaved < MAXT && kclient_submit_request(c, &r, &rc) == KERR_OK)
        memcpy(saved[nsaved++], rc.ticket, KCLIENT_TICKET_SIZE);
}

/* Events and alerts: called on every turn of the loop. */
static void pump(struct kclient *c, FILE *alerts)
{
    static unsigned gen;
    static int64_t seen[64];
    static int nseen;
    struct kclient_event ev;
    struct api_alert al[API_ALERT_MAX];
    int n = 0;
    while (kclient_next_event(c, &ev))
        if (ev.kind == KCLIENT_EV_DELIVERED && nacked < MAXT)
            memcpy(acked[nacked++], ev.ticket, KCLIENT_TICKET_SIZE);
    if (!kclient_alerts(c, &gen, al, &n)) return;
    for (int i = 0; i < n; i++) {
        bool known = false;
        for (int j = 0; j < nseen; j++) known = known || seen[j] == al[i].id;
        if (known) continue;
        seen[nseen++ % 64] = al[i].id;
        fprintf(alerts, "%lld %llu\n", (long long)al[i].id, (unsigned long long)kclock_mono_ms());
        fflush(alerts);
    }
}

int main(int argc, char **argv)
{
    struct kclient_config cfg;
    struct kclient *c = NULL;
    char db[512], ap[512], in[4096];
    size_t inlen = 0;
    FILE *alerts;
    /* the command being run and its schedule */
    uint64_t run_until = 0, next_req = 0, next_book = 0, drain_until = 0;
    int req_ms = 0, book_ms = 0;
    if (argc != 6) {
        fprintf(stderr, "usage: three_hubs_kiosk STATE_DIR HUB_URL KIOSK_ID TOKEN SEED\n");
        return 2;
    }
    rng = 0x9e3779b97f4a7c15ull ^ (strtoull(argv[5], NULL, 10) * 0x2545F4914F6CDD1Dull);
    snprintf(db, sizeof db, "%s/outbox.db", argv[1]);
    snprintf(ap, sizeof ap, "%s/alerts.txt", argv[1]);
    alerts = fopen(ap, "a");
    if (!alerts) return 1;
    memset(&cfg, 0, sizeof cfg);
    cfg.db_path = db;
    cfg.hub_url = argv[2];
    cfg.kiosk_id = argv[3];
    cfg.token = argv[4];
    cfg.events = true;   /* the alert long-poll, through nginx, as the kiosk app holds it */
    cfg.heartbeat_s = 3; /* heartbeats are traffic too */
    cfg.connect_timeout_ms = 2000;
    cfg.backoff_base_ms = 100;
    cfg.backoff_cap_ms = 1000;
    if (kclient_open(&cfg, &c) != KERR_OK) {
        say("FAIL");
        return 1;
    }
    say("READY");
    for (;;) {
        struct pollfd pf = {.fd = 0, .events = POLLIN};
        uint64_t now = kclock_mono_ms();
        char *nl;
        pump(c, alerts);
        create_step(c, now);
        if (run_until) {
            if (now >= run_until) {
                run_until = 0;
                say("RAN");
            } else {
                if (now >= next_req) {
                    submit(c, argv[3]);
                    next_req = now + (uint64_t)req_ms / 2 + rnd() % (uint64_t)(req_ms + 1);
                }
                if (now >= next_book && !cr.open) {
                    create_new();
                    next_book = now + (uint64_t)book_ms / 2 + rnd() % (uint64_t)(book_ms + 1);
                }
            }
        }
        if (drain_until) {
            struct kclient_status st;
            kclient_status(c, &st);
            if ((nacked >= nsaved && st.queue_depth == 0 && !cr.open) || now >= drain_until) {
                char buf[64];
                snprintf(buf, sizeof buf, "DRAINED %d", nsaved - nacked + (cr.open ? 1 : 0));
                drain_until = 0;
                say(buf);
            }
        }
        if (poll(&pf, 1, 2) <= 0) continue;
        {
            ssize_t n = read(0, in + inlen, sizeof in - 1 - inlen);
            if (n <= 0) break; /* end of input: close the link and exit */
            inlen += (size_t)n;
            in[inlen] = '\0';
        }
        while ((nl = strchr(in, '\n'))) {
            int ms = 0, a = 0, b = 0;
            *nl = '\0';
            if (sscanf(in, "run %d %d %d", &ms, &a, &b) == 3 && ms > 0 && a > 0 && b > 0) {
                run_until = kclock_mono_ms() + (uint64_t)ms;
                req_ms = a;
                book_ms = b;
                next_req = next_book = 0;
            } else if (strcmp(in, "stop") == 0) {
                if (run_until) run_until = 1; /* answered "RAN" on the next turn */
                else say("RAN");
            } else if (sscanf(in, "drain %d", &ms) == 1) {
                drain_until = kclock_mono_ms() + (uint64_t)ms;
                kclient_ping(c); /* deliver now */
            } else if (strcmp(in, "counts") == 0) {
                char buf[160];
                snprintf(buf, sizeof buf, "COUNTS %ld %ld %ld %ld %ld", c_ok, c_taken, c_net, c_5xx,
                         c_other);
                c_ok = c_taken = c_net = c_5xx = c_other = 0;
                say(buf);
            } else if (strcmp(in, "report") == 0) {
                char buf[160];
                for (int i = 0; i < nsaved; i++) printf("SAVED %s\n", saved[i]);
                for (int i = 0; i < nacked; i++) printf("ACKED %s\n", acked[i]);
                for (int i = 0; i < nbooked; i++)
                    printf("BOOKED %s %s %s %s\n", booked[i].code, booked[i].room, booked[i].start,
                           booked[i].key);
                for (int i = 0; i < nunsure; i++) printf("UNSURE %s\n", unsure[i].key);
                snprintf(buf, sizeof buf, "END");
                say(buf);
            } else {
                say("ERR usage");
            }
            {
                size_t off = (size_t)(nl + 1 - in);
                memmove(in, in + off, inlen - off + 1);
                inlen -= off;
            }
        }
    }
    kclient_close(c);
    fclose(alerts);
    return 0;
}
