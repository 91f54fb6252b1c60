/* kclient_beatlog: the kiosk's log about failing heartbeats. An operator
 * looking at a dark screen needs to see when the hub stopped hearing from
 * the kiosk and why, without a line every heartbeat: one WARN when they
 * start failing, a reminder with the count every c->beat_remind_ms, one INFO
 * when they succeed again. Sender thread only. See kclient_impl.h. */
#include <curl/curl.h>
#include <stdio.h>

#include "klog.h"

#include "kclient_impl.h"

/* "42 s", "12 min 5 s", "3 h 20 min": a duration an operator reads at once. */
static void say_duration(char *out, size_t cap, uint64_t ms)
{
    uint64_t s = ms / 1000;
    if (s < 120) snprintf(out, cap, "%llu s", (unsigned long long)s);
    else if (s < 7200) snprintf(out, cap, "%llu min %llu s", (unsigned long long)(s / 60),
                                (unsigned long long)(s % 60));
    else snprintf(out, cap, "%llu h %llu min", (unsigned long long)(s / 3600),
                  (unsigned long long)(s / 60 % 60));
}

void kclient_beatlog_done(struct kclient *c, struct beatlog *b, CURLcode rc, long http,
                          uint64_t now)
{
    char cause[96], dur[32];
    if (rc == CURLE_OK && http >= 200 && http < 300) {
        if (b->failed > 0) {
            say_duration(dur, sizeof dur, now - b->since_ms);
            KLOGI(MOD, "heartbeat to %s succeeded again after failing for %s (%d failed attempt%s)",
                  c->hub_host, dur, b->failed, b->failed == 1 ? "" : "s");
        }
        b->failed = 0;
        return;
    }
    /* curl's words for a transfer that got no answer, else the hub's status;
     * never the request or its headers (the token is in them) */
    if (rc != CURLE_OK) snprintf(cause, sizeof cause, "%s", curl_easy_strerror(rc));
    else snprintf(cause, sizeof cause, "HTTP %ld", http);
    if (b->failed++ == 0) {
        b->since_ms = b->said_ms = now;
        KLOGW(MOD, "heartbeat to %s failed: %s", c->hub_host, cause);
    } else if (now - b->said_ms >= (uint64_t)c->beat_remind_ms) {
        b->said_ms = now;
        say_duration(dur, sizeof dur, now - b->since_ms);
        KLOGW(MOD, "heartbeat to %s still failing: %s (%d failed attempts in %s)", c->hub_host,
              cause, b->failed, dur);
    }
}
