/* nettest: helpers shared by the kclient tests: a temp folder, a test config
 * with short timers, sample request bodies and bounded waits. Sample data only. */
#ifndef NETTEST_H
#define NETTEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kclient.h"
#include "kclock.h"
#include "testsrv.h"

/* A sample request as the form fills it (no ticket, kiosk id, time or check). */
static inline void nt_request(struct api_help_request *r, const char *description)
{
    memset(r, 0, sizeof *r);
    snprintf(r->category, sizeof r->category, "legal");
    snprintf(r->company_id, sizeof r->company_id, "c012");
    snprintf(r->company_name, sizeof r->company_name, "示例科技有限公司");
    snprintf(r->contact_name, sizeof r->contact_name, "王女士（样例）");
    snprintf(r->phone, sizeof r->phone, "13800000000");
    snprintf(r->tower, sizeof r->tower, "t03");
    snprintf(r->description, sizeof r->description, "%s",
             description ? description : "样例数据：合同咨询");
    snprintf(r->lang, sizeof r->lang, "zh");
}

/* Files the sample request; ticket (may be NULL) gets the ticket, "" on error. */
static inline enum kerr nt_submit_r(struct kclient *c, struct kclient_receipt *out)
{
    struct api_help_request r;
    enum kerr e;
    nt_request(&r, NULL);
    e = kclient_submit_request(c, &r, out);
    explicit_bzero(&r, sizeof r);
    return e;
}

static inline enum kerr nt_submit(struct kclient *c, char ticket[KCLIENT_TICKET_SIZE])
{
    struct kclient_receipt rc;
    enum kerr e = nt_submit_r(c, &rc);
    if (ticket) memcpy(ticket, rc.ticket, KCLIENT_TICKET_SIZE);
    return e;
}

struct nt_env {
    char dir[64];
    char db[128];
    char url[64];
    char kiosk[33];
    struct kclient_config cfg;
};

/* A fresh folder and a config pointing at 127.0.0.1:port with test timers. */
static inline void nt_env_init(struct nt_env *e, int port)
{
    memset(e, 0, sizeof *e);
    snprintf(e->dir, sizeof e->dir, "/tmp/kclient_test_XXXXXX");
    if (!mkdtemp(e->dir)) abort();
    snprintf(e->db, sizeof e->db, "%s/outbox.db", e->dir);
    snprintf(e->url, sizeof e->url, "http://127.0.0.1:%d", port);
    e->cfg.db_path = e->db;
    e->cfg.hub_url = e->url;
    /* A kiosk id per environment, so tickets never collide at the shared test hub. */
    {
        static int seq;
        snprintf(e->kiosk, sizeof e->kiosk, "HL-T%02d-%d", ++seq, (int)getpid() % 100000);
    }
    e->cfg.kiosk_id = e->kiosk;
    e->cfg.token = TSRV_TOKEN;
    e->cfg.max_queued = 2000;
    e->cfg.heartbeat_s = -1;
    e->cfg.version = "0.1.0-test";
    e->cfg.backoff_base_ms = 50;
    e->cfg.backoff_cap_ms = 400;
    e->cfg.retry_after_cap_ms = 5000;
    e->cfg.connect_timeout_ms = 1000;
    e->cfg.total_timeout_ms = 1500;
    e->cfg.low_speed_time_s = 1;
}

static inline void nt_env_done(struct nt_env *e)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", e->dir);
    if (system(cmd) != 0) fprintf(stderr, "cleanup of %s failed\n", e->dir);
}

static inline int nt_depth(struct kclient *c)
{
    struct kclient_status s;
    kclient_status(c, &s);
    return s.queue_depth;
}

/* Waits until the queue is empty; false after timeout_ms. */
static inline bool nt_wait_drained(struct kclient *c, int timeout_ms)
{
    uint64_t end = kclock_mono_ms() + (uint64_t)timeout_ms;
    while (kclock_mono_ms() < end) {
        if (nt_depth(c) == 0) return true;
        usleep(5000);
    }
    return nt_depth(c) == 0;
}

/* Waits until the server counted at least n receipts; false after timeout_ms. */
static inline bool nt_wait_receipts(struct tsrv *t, int n, int timeout_ms)
{
    uint64_t end = kclock_mono_ms() + (uint64_t)timeout_ms;
    struct tsrv_stats st;
    do {
        tsrv_stats(t, &st);
        if (st.receipts >= n) return true;
        usleep(5000);
    } while (kclock_mono_ms() < end);
    return false;
}

#endif
