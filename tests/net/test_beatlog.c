/* A failing heartbeat leaves a line in the kiosk's log, and only one: the
 * first failure logs one WARN (the cause and the hub's host, never the
 * token), further failures log nothing within the reminder interval, and
 * the first success logs one INFO with the count of failed attempts. With a
 * short interval each further failure is a reminder with the count so far.
 * The test hub answers heartbeats 503 in any fault mode and refuses
 * connections when paused; the process's stderr (klog's output) goes into a
 * file that the test reads. Heartbeats are sent on demand
 * (kclient_set_content_version), one after the other has reached the hub. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kclient.h"
#include "kclock.h"
#include "ktest.h"
#include "nettest.h"
#include "testsrv.h"

static char log_path[64];

/* The captured log's lines that start with prefix and contain word (NULL:
 * any); the last of them goes into last (may be NULL). */
static int nlines(const char *prefix, const char *word, char *last, size_t cap)
{
    char line[1024];
    int n = 0;
    FILE *f = fopen(log_path, "r");
    if (!f) return -1;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, prefix, strlen(prefix)) != 0 || (word && !strstr(line, word))) continue;
        n++;
        if (last) snprintf(last, cap, "%s", line);
    }
    fclose(f);
    return n;
}

/* Waits until n such lines are in the log; false after 10 s. */
static bool wait_lines(const char *prefix, const char *word, int n)
{
    uint64_t end = kclock_mono_ms() + 10000;
    while (nlines(prefix, word, NULL, 0) < n && kclock_mono_ms() < end) usleep(5000);
    return nlines(prefix, word, NULL, 0) >= n;
}

/* One more heartbeat; waits until the hub has it (down: only asks for it). */
static bool beat(struct kclient *c, struct tsrv *t, bool hub_up)
{
    static int seq;
    char v[32];
    struct tsrv_stats st;
    int before;
    uint64_t end = kclock_mono_ms() + 10000;
    tsrv_stats(t, &st);
    before = st.heartbeats;
    snprintf(v, sizeof v, "beat-%d", ++seq);
    kclient_set_content_version(c, v);
    if (!hub_up) return true;
    do {
        tsrv_stats(t, &st);
        if (st.heartbeats > before) return true;
        usleep(5000);
    } while (kclock_mono_ms() < end);
    return false;
}

#define WARN "WARN kclient: heartbeat"
#define INFO "INFO kclient: heartbeat"

int main(void)
{
    struct tsrv *t = tsrv_start(0);
    struct kclient *c = NULL;
    struct nt_env e;
    char line[1024];
    int saved, fd, ok;
    if (!t) return 1;
    snprintf(log_path, sizeof log_path, "/tmp/kclient_beatlog_XXXXXX");
    fd = mkstemp(log_path);
    if (fd < 0) return 1;
    fflush(stderr);
    saved = dup(2);
    dup2(fd, 2);
    close(fd);

    nt_env_init(&e, tsrv_port(t));
    e.cfg.heartbeat_s = 3600; /* the first at once, then only the ones asked for */
    tsrv_set_mode(t, TS_500);

    /* 1. the hub answers 503: one WARN, five more failures silent, then one INFO */
    CHECK(kclient_open(&e.cfg, &c) == KERR_OK); /* default reminder interval: 10 min */
    CHECK(wait_lines(WARN, NULL, 1));
    for (int i = 0; i < 5; i++) CHECK(beat(c, t, true));
    tsrv_set_mode(t, TS_OK);
    CHECK(beat(c, t, true));
    CHECK(wait_lines(INFO, NULL, 1));
    CHECK(nlines(WARN, NULL, line, sizeof line) == 1);
    CHECK(strstr(line, "failed: HTTP 503") && strstr(line, "to 127.0.0.1"));
    CHECK(nlines(INFO, NULL, line, sizeof line) == 1);
    CHECK(strstr(line, "succeeded again after failing for") && strstr(line, "(6 failed attempts)"));

    /* 2. the hub is down: the WARN gives curl's words; back: one INFO */
    tsrv_pause(t);
    CHECK(beat(c, t, false));
    CHECK(wait_lines(WARN, NULL, 2));
    CHECK(tsrv_resume(t));
    CHECK(beat(c, t, true));
    CHECK(wait_lines(INFO, NULL, 2));
    CHECK(nlines(WARN, NULL, line, sizeof line) == 2);
    CHECK(strstr(line, "failed: ") && strstr(line, "connect") && !strstr(line, "HTTP"));
    CHECK(nlines(INFO, NULL, line, sizeof line) == 2);
    CHECK(strstr(line, "(1 failed attempt)") != NULL);
    kclient_close(c);

    /* 3. a 1 ms reminder interval: each further failure (20 ms apart) reminds with the count */
    e.cfg.heartbeat_remind_ms = 1;
    tsrv_set_mode(t, TS_500);
    CHECK(kclient_open(&e.cfg, &c) == KERR_OK);
    CHECK(wait_lines(WARN, "failed:", 3));
    for (int i = 0; i < 2; i++) {
        usleep(20000);
        CHECK(beat(c, t, true));
        CHECK(wait_lines(WARN, "still failing", i + 1));
    }
    CHECK(nlines(WARN, "still failing", line, sizeof line) == 2);
    CHECK(strstr(line, "HTTP 503 (3 failed attempts in") != NULL);
    CHECK(nlines(INFO, NULL, NULL, 0) == 2);
    kclient_close(c);

    CHECK(nlines("", TSRV_TOKEN, NULL, 0) == 0); /* no line names the token */
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    ok = ktest_fail == 0;
    if (!ok) { /* the log, to see what it said */
        FILE *f = fopen(log_path, "r");
        while (f && fgets(line, sizeof line, f)) fputs(line, stderr);
        if (f) fclose(f);
    }
    unlink(log_path);
    nt_env_done(&e);
    tsrv_stop(t);
    return ktest_done("kclient_failing_heartbeat_logs_once");
}
