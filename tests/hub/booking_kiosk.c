/* booking_kiosk: one kiosk's booking code path as a process of its own, for
 * hub_booking_property_13_kiosks, which kills it with SIGKILL at random
 * moments and starts it again on the same state folder. It is not a model:
 * it opens the kiosk's own link (kclient_open: the outbox, the sender thread,
 * <state>/bookings.db through bookbox) and does what booking_form does for a
 * leased slot (kclient_booking_slot, then kclient_booking_local); the sender
 * delivers in the background as in the kiosk. Commands on stdin, one answer
 * line each on stdout, written only after the kiosk code returned (for
 * `confirm`, "OK CODE LAST4" is the moment the person sees the booking):
 *   hb ROOM...            a heartbeat now (kclient_ping), then the slots of
 *                         those rooms this kiosk holds:
 *                         "HB <kerr> <http> ROOM:START:free|taken ..."
 *   confirm ROOM START PHONE
 *                         "OK CODE LAST4" | "NOTLEASED" | "BUSY" | "ERR <kerr>"
 *   create ROOM START_UTC PHONE KEY
 *                         as booking_form online: kclient_booking_call (a
 *                         create with this Idempotency-Key; the same key
 *                         again is the person's second tap), then the answer:
 *                         "ANS <kerr> <http> <body on one line>"
 *   drain MS ROOM...      a heartbeat (the hub is back: deliver now), then
 *                         wait up to MS for every booking confirmed here to
 *                         reach the hub: "DRAINED <left> ROOM:START:..." (the
 *                         held slots as for hb)
 * usage: booking_kiosk STATE_DIR HUB_URL KIOSK_ID TOKEN TOWER (- for none)
 * Prints "READY" once the link is open. Logs (no personal data) on stderr. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kclient.h"
#include "kclient_booking.h"
#include "kclock.h"

/* Appends the held slots of the rooms in list (space-separated) to buf. */
static void held(struct kclient *c, char *list, char *buf, size_t size)
{
    size_t len = strlen(buf);
    char *save = NULL, *tok;
    for (tok = strtok_r(list, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        int64_t starts[256];
        bool fr[256];
        int n = kclient_booking_held(c, tok, 0, INT64_MAX, starts, fr, 256);
        for (int i = 0; i < n && len + 64 < size; i++)
            len += (size_t)snprintf(buf + len, size - len, " %s:%lld:%s", tok, (long long)starts[i],
                                    fr[i] ? "free" : "taken");
    }
}

static void say(const char *s)
{
    fputs(s, stdout);
    fputc('\n', stdout);
    fflush(stdout);
}

/* A heartbeat now; its answer (with the leases, kept before the event) or
 * why not. */
static void beat(struct kclient *c, enum kerr *err, int *http)
{
    uint64_t until = kclock_mono_ms() + 15000;
    struct kclient_event ev;
    *err = KERR_NET;
    *http = 0;
    while (kclient_ping(c) == KERR_BUSY && kclock_mono_ms() < until) usleep(2000);
    while (kclock_mono_ms() < until) {
        if (!kclient_next_event(c, &ev)) {
            usleep(1000);
            continue;
        }
        if (ev.kind != KCLIENT_EV_PING) continue;
        *err = ev.error;
        *http = ev.http_status;
        return;
    }
}

int main(int argc, char **argv)
{
    struct kclient_config cfg;
    struct kclient *c = NULL;
    char db[512], line[512];
    if (argc != 6) {
        fprintf(stderr, "usage: booking_kiosk STATE_DIR HUB_URL KIOSK_ID TOKEN TOWER\n");
        return 2;
    }
    snprintf(db, sizeof db, "%s/outbox.db", argv[1]);
    memset(&cfg, 0, sizeof cfg);
    cfg.db_path = db;
    cfg.hub_url = argv[2];
    cfg.kiosk_id = argv[3];
    cfg.token = argv[4];
    cfg.tower_id = strcmp(argv[5], "-") == 0 ? NULL : argv[5];
    cfg.heartbeat_s = -1; /* heartbeats (and so leases) only when the test asks */
    cfg.connect_timeout_ms = 2000;
    cfg.total_timeout_ms = 5000;
    if (kclient_open(&cfg, &c) != KERR_OK) {
        say("FAIL");
        return 1;
    }
    say("READY");
    while (fgets(line, sizeof line, stdin)) {
        char room[64], phone[32], buf[8192];
        long long start;
        int ms;
        line[strcspn(line, "\n")] = '\0';
        if (strncmp(line, "hb ", 3) == 0) {
            enum kerr err;
            int http;
            beat(c, &err, &http);
            snprintf(buf, sizeof buf, "HB %d %d", (int)err, http);
            held(c, line + 3, buf, sizeof buf);
            say(buf);
        } else if (sscanf(line, "confirm %63s %lld %31s", room, &start, phone) == 3) {
            char code[BOOK_CODE_SIZE], last4[BOOK_LAST4_SIZE];
            enum kerr e;
            /* as booking_form: a slot this kiosk holds is confirmed here */
            if (kclient_booking_slot(c, room, start) == 0) {
                say("NOTLEASED");
                continue;
            }
            e = kclient_booking_local(c, room, start, phone, "zh", code, last4);
            if (e == KERR_OK) snprintf(buf, sizeof buf, "OK %s %s", code, last4);
            else if (e == KERR_BUSY) snprintf(buf, sizeof buf, "BUSY");
            else snprintf(buf, sizeof buf, "ERR %d", (int)e);
            say(buf);
        } else if (strncmp(line, "create ", 7) == 0) {
            struct kclient_bcall q;
            struct kclient_banswer ans;
            uint32_t id;
            uint64_t until = kclock_mono_ms() + 20000;
            bool got = false;
            memset(&q, 0, sizeof q);
            q.kind = KCLIENT_B_CREATE;
            snprintf(q.lang, sizeof q.lang, "zh");
            if (sscanf(line, "create %15s %20s %11s %36s", q.room, q.start, q.phone, q.key) != 4 ||
                kclient_booking_call(c, &q, &id) != KERR_OK) {
                say("ERR create");
                continue;
            }
            while (!(got = kclient_booking_answer(c, id, &ans)) && kclock_mono_ms() < until) {
                struct kclient_event ev;
                while (kclient_next_event(c, &ev)) {
                }
                usleep(500);
            }
            if (!got) {
                say("ANS 99 0 {}");
                continue;
            }
            snprintf(buf, sizeof buf, "ANS %d %d %.*s", (int)ans.error, ans.http,
                     (int)(ans.body ? ans.len : 2), ans.body ? ans.body : "{}");
            for (char *p = buf; *p; p++)
                if (*p == '\n' || *p == '\r') *p = ' ';
            kclient_banswer_free(&ans);
            say(buf);
        } else if (sscanf(line, "drain %d", &ms) == 1) {
            enum kerr err;
            int http, left, at = 0;
            uint64_t until = kclock_mono_ms() + (uint64_t)ms;
            beat(c, &err, &http);
            while ((left = kclient_booking_pending(c)) != 0 && kclock_mono_ms() < until) usleep(2000);
            snprintf(buf, sizeof buf, "DRAINED %d", left);
            sscanf(line, "drain %*d %n", &at);
            if (at > 0) held(c, line + at, buf, sizeof buf);
            say(buf);
        } else {
            say("ERR usage");
        }
    }
    kclient_close(c);
    return 0;
}
