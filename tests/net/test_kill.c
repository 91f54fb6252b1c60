/* Crash test: a child process files 1,000 help requests and drains them to
 * the test hub (in this process, counting effects per idempotency key) while
 * it is killed with SIGKILL at random moments, >= 200 times, and restarted.
 * The child reports each "saved" (KERR_OK) over a pipe before the parent
 * counts it. After every kill: PRAGMA integrity_check is ok, told apart
 * from a check that could not run (busy during WAL recovery: retried up to
 * 10 s; an open failure) and from a child killed before it had created the
 * outbox at all (no file: nothing to check, counted and printed). At the end:
 * every acknowledged ticket reached the hub, the hub holds exactly one effect
 * per outbox row (no duplicates, no ticket or key reused), nothing conflicts.
 * Bounded by count (kills, items) and time. Sample data only. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "ktest.h"
#include "nettest.h"

#define TOTAL_ITEMS 1000
#define MIN_KILLS 200
#define MAX_KILLS 240
#define KILL_PHASE_MS 75000
#define MAX_TRACK 4000

static int child_main(const char *db, const char *url, const char *kiosk, int start, bool final)
{
    struct kclient_config cfg;
    struct kclient *c = NULL;
    char desc[64], line[128];
    struct api_help_request r;
    struct kclient_receipt rc;
    memset(&cfg, 0, sizeof cfg);
    cfg.db_path = db;
    cfg.hub_url = url;
    cfg.kiosk_id = kiosk;
    cfg.token = TSRV_TOKEN;
    cfg.max_queued = TOTAL_ITEMS + 100;
    cfg.heartbeat_s = -1;
    cfg.backoff_base_ms = 20;
    cfg.backoff_cap_ms = 200;
    cfg.connect_timeout_ms = 1000;
    cfg.total_timeout_ms = 2000;
    cfg.low_speed_time_s = 2;
    if (kclient_open(&cfg, &c) != KERR_OK) return 3;
    for (int n = start; n < TOTAL_ITEMS; n++) {
        snprintf(desc, sizeof desc, "crash-item-%d", n);
        nt_request(&r, desc);
        if (kclient_submit_request(c, &r, &rc) == KERR_OK) {
            int len = snprintf(line, sizeof line, "A %d %s\n", n, rc.ticket);
            if (write(1, line, (size_t)len) != len) return 4;
        } else {
            n--; /* try the same item again, as a person would */
        }
        usleep((useconds_t)(rand() % 3000));
    }
    if (final) {
        bool ok = nt_wait_drained(c, 30000);
        if (write(1, ok ? "D\n" : "F\n", 2) != 2) return 4;
        kclient_close(c);
        return ok ? 0 : 5;
    }
    for (;;) pause(); /* keep draining until killed */
}

static int acked_n[MAX_TRACK];
static char acked_ticket[MAX_TRACK][KCLIENT_TICKET_SIZE];
static int nacked;

/* Parses complete lines from buf; returns bytes consumed. */
static size_t parse_lines(char *buf, size_t len, bool *drained)
{
    size_t used = 0;
    for (;;) {
        char *nl = memchr(buf + used, '\n', len - used);
        int n;
        char t[64];
        if (!nl) break;
        *nl = '\0';
        if (buf[used] == 'D') *drained = true;
        if (sscanf(buf + used, "A %d %63s", &n, t) == 2 && nacked < MAX_TRACK) {
            acked_n[nacked] = n;
            snprintf(acked_ticket[nacked], KCLIENT_TICKET_SIZE, "%.39s", t);
            nacked++;
        }
        used = (size_t)(nl - buf) + 1;
    }
    return used;
}

enum integrity { INTEG_OK, INTEG_NO_FILE, INTEG_DAMAGED, INTEG_CANNOT_RUN };

/* PRAGMA integrity_check on db. INTEG_NO_FILE when the outbox does not exist
 * yet; SQLITE_BUSY (another connection recovering the WAL) is waited for up to
 * 10 s; what SQLite said goes into text. */
static enum integrity integrity(const char *db, char *text, size_t n)
{
    struct stat sb;
    sqlite3 *h = NULL;
    sqlite3_stmt *st = NULL;
    enum integrity r = INTEG_CANNOT_RUN;
    uint64_t end = kclock_mono_ms() + 10000;
    int rc;
    snprintf(text, n, "-");
    if (stat(db, &sb) != 0) {
        snprintf(text, n, "no file");
        return INTEG_NO_FILE;
    }
    rc = sqlite3_open_v2(db, &h, SQLITE_OPEN_READWRITE, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_busy_timeout(h, 2000);
        do {
            sqlite3_finalize(st);
            st = NULL;
            rc = sqlite3_prepare_v2(h, "PRAGMA integrity_check", -1, &st, NULL);
            if (rc == SQLITE_OK) rc = sqlite3_step(st);
        } while ((rc & 0xFF) == SQLITE_BUSY && kclock_mono_ms() < end && (usleep(10000), 1));
    }
    if (rc == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(st, 0);
        snprintf(text, n, "%s", t ? t : "(null)");
        r = t && strcmp(t, "ok") == 0 ? INTEG_OK : INTEG_DAMAGED;
    } else {
        snprintf(text, n, "cannot run: %s (%d)", sqlite3_errstr(rc), rc);
    }
    sqlite3_finalize(st);
    sqlite3_close(h);
    return r;
}

static int outbox_rows(const char *db, int *delivered)
{
    sqlite3 *h = NULL;
    sqlite3_stmt *st = NULL;
    int n = -1;
    *delivered = -1;
    if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(h, "SELECT count(*), sum(state = 1) FROM items", -1, &st, NULL) ==
            SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
        n = sqlite3_column_int(st, 0);
        *delivered = sqlite3_column_int(st, 1);
    }
    sqlite3_finalize(st);
    sqlite3_close(h);
    return n;
}

/* Runs one child; kills it after kill_ms (or lets it finish when kill_ms < 0). */
static int run_child(const char *self, struct nt_env *e, int start, int kill_ms, bool *drained)
{
    int p[2], status = 0;
    pid_t pid;
    char startbuf[16], buf[65536];
    size_t have = 0;
    uint64_t deadline;
    if (pipe(p) != 0) return -1;
    snprintf(startbuf, sizeof startbuf, "%d", start);
    pid = fork();
    if (pid == 0) {
        dup2(p[1], 1);
        close(p[0]);
        close(p[1]);
        execl(self, self, "child", e->db, e->url, e->kiosk, startbuf, kill_ms < 0 ? "final" : "run",
              (char *)NULL);
        _exit(127);
    }
    close(p[1]);
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    deadline = kclock_mono_ms() + (uint64_t)(kill_ms < 0 ? 60000 : kill_ms);
    for (;;) {
        ssize_t r = read(p[0], buf + have, sizeof buf - have - 1);
        if (r > 0) {
            have += (size_t)r;
            size_t used = parse_lines(buf, have, drained);
            memmove(buf, buf + used, have - used);
            have -= used;
            continue;
        }
        if (r == 0) break; /* child exited */
        if (kclock_mono_ms() >= deadline) break;
        usleep(1000);
    }
    if (kill_ms >= 0 || kclock_mono_ms() >= deadline) kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    /* whatever the child wrote before it died is still in the pipe */
    fcntl(p[0], F_SETFL, 0);
    for (;;) {
        ssize_t r = read(p[0], buf + have, sizeof buf - have - 1);
        if (r <= 0) break;
        have += (size_t)r;
        size_t used = parse_lines(buf, have, drained);
        memmove(buf, buf + used, have - used);
        have -= used;
    }
    close(p[0]);
    return status;
}

int main(int argc, char **argv)
{
    struct tsrv *srv;
    struct nt_env e;
    struct tsrv_stats st;
    int kills = 0, damaged = 0, cannot_run = 0, no_file = 0, next = 0, rows, delivered, lost = 0;
    char text[256];
    bool drained = false;
    uint64_t t0;

    if (argc == 7 && strcmp(argv[1], "child") == 0) {
        srand((unsigned)getpid());
        return child_main(argv[2], argv[3], argv[4], atoi(argv[5]), strcmp(argv[6], "final") == 0);
    }
    srv = tsrv_start(0);
    CHECK(srv != NULL);
    if (!srv) return ktest_done("outbox_kill_loses_nothing_duplicates_nothing");
    nt_env_init(&e, tsrv_port(srv));
    srand((unsigned)getpid());
    t0 = kclock_mono_ms();
    while (kills < MAX_KILLS &&
           (kills < MIN_KILLS || kclock_mono_ms() - t0 < KILL_PHASE_MS / 2) &&
           kclock_mono_ms() - t0 < KILL_PHASE_MS) {
        int kill_ms = 5 + rand() % 200;
        run_child(argv[0], &e, next, kill_ms, &drained);
        kills++;
        switch (integrity(e.db, text, sizeof text)) {
        case INTEG_OK: break;
        case INTEG_NO_FILE: no_file++; break;
        case INTEG_DAMAGED:
            damaged++;
            printf("kill %d (after %d ms): integrity_check: %s\n", kills, kill_ms, text);
            break;
        case INTEG_CANNOT_RUN:
            cannot_run++;
            printf("kill %d (after %d ms): integrity_check %s\n", kills, kill_ms, text);
            break;
        }
        for (int i = 0; i < nacked; i++)
            if (acked_n[i] + 1 > next) next = acked_n[i] + 1;
    }
    printf("kill phase: %d SIGKILLs in %llu ms, %d items acknowledged so far; integrity_check: "
           "%d damaged, %d could not run, %d kills before the outbox existed\n",
           kills, (unsigned long long)(kclock_mono_ms() - t0), nacked, damaged, cannot_run, no_file);
    CHECK(kills >= MIN_KILLS);
    CHECK(damaged == 0);
    CHECK(cannot_run == 0);

    /* a last child files what is left and drains everything */
    drained = false;
    run_child(argv[0], &e, next, -1, &drained);
    CHECK(drained);
    CHECK(integrity(e.db, text, sizeof text) == INTEG_OK);

    for (int i = 0; i < nacked; i++)
        if (!tsrv_has_ticket(srv, acked_ticket[i])) lost++;
    rows = outbox_rows(e.db, &delivered);
    tsrv_stats(srv, &st);
    printf("acknowledged %d, lost %d; outbox rows %d (delivered %d); hub effects %d, "
           "receipts %d, replays %d, conflicts %d, overlaps %d\n",
           nacked, lost, rows, delivered, st.effects, st.receipts, st.replays, st.conflicts,
           st.overlaps);
    CHECK(nacked >= TOTAL_ITEMS);
    CHECK(lost == 0);
    CHECK(rows == delivered);          /* everything stored was delivered */
    CHECK(st.effects == rows);         /* exactly one effect per stored item */
    CHECK(st.conflicts == 0);          /* no key or ticket ever reused */
    CHECK(st.overlaps == 0);
    {
        /* every item number 0..TOTAL-1 was acknowledged at least once */
        static bool seen[TOTAL_ITEMS];
        int missing = 0;
        for (int i = 0; i < nacked; i++)
            if (acked_n[i] >= 0 && acked_n[i] < TOTAL_ITEMS) seen[acked_n[i]] = true;
        for (int i = 0; i < TOTAL_ITEMS; i++) missing += !seen[i];
        CHECK(missing == 0);
    }
    tsrv_stop(srv);
    nt_env_done(&e);
    return ktest_done("outbox_kill_loses_nothing_duplicates_nothing");
}
