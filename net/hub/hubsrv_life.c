/* hubsrv_life: the daemon's life. hubsrv_start opens what a hub holds (the
 * store, the fleet, the content releases, the console's sessions, the rate
 * buckets; on PostgreSQL the log's listener and the stores every hub on the
 * database shares) and starts libmicrohttpd with hubsrv.c's callbacks;
 * hubsrv_stop drains (docs/hub.md §9) and frees. See hubsrv.h. */
#include "hubsrv.h"

#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hubconn.h"
#include "hubpw.h"
#include "hubrate.h"
#include "hubsess.h"
#include "hubstore.h"
#include "hubstore_content.h"
#include "hubweb.h"
#include "klog.h"

#include "hubsrv_booking.h"
#include "hubsrv_impl.h"

/* The console's sessions kept in the store (PostgreSQL). */
static enum kerr sess_put(void *arg, const uint8_t hash[32], const struct hubsess_info *info,
                          int64_t now)
{
    return hubstore_session_put(arg, hash, info->user, info->role, info->csrf, now);
}

static int sess_find(void *arg, const uint8_t hash[32], int64_t now, int64_t idle_ms,
                     int64_t max_ms, struct hubsess_info *out, int64_t *ends)
{
    memset(out, 0, sizeof *out);
    return hubstore_session_find(arg, hash, now, idle_ms, max_ms, out->user, out->role, out->csrf,
                                 ends);
}

static void sess_end(void *arg, const uint8_t hash[32])
{
    hubstore_session_end(arg, hash);
}

static int sess_end_user(void *arg, const char *user)
{
    return hubstore_session_end_user(arg, user);
}

/* The fleet's alerts kept in the store's log (PostgreSQL). */
static enum kerr alert_log_put(void *arg, const char *event, int64_t *id)
{
    return hubstore_alert_put(arg, event, id);
}

/* An event of the store's log (PostgreSQL): alerts and screenshots are the
 * fleet's, a content publish the content list's. */
static void alert_log_event(int64_t id, const char *event, void *arg)
{
    struct hubsrv *s = arg;
    hubfleet_log_event(s->fleet, id, event);
    if (s->content) hubcontent_log_event(s->content, event);
}

/* hubfleet_forget's test: the kiosk is in the list (a cJSON array of
 * hubstore_kiosk_list) and not revoked. */
static bool kiosk_active(const char *kiosk, void *arg)
{
    const cJSON *k;
    cJSON_ArrayForEach(k, (const cJSON *)arg)
    {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(k, "id");
        if (cJSON_IsString(id) && strcmp(id->valuestring, kiosk) == 0)
            return !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(k, "revoked_at"));
    }
    return false;
}

/* After each retention sweep, on the writer thread: what this hub keeps of
 * the purged releases and revoked kiosks itself (its content folder; on
 * SQLite the fleet's towers, PostgreSQL's kiosk_polls rows), and one log
 * line of everything the sweep removed. */
static void after_sweep(const struct hubstore_swept *sw, void *arg)
{
    struct hubsrv *s = arg;
    int64_t files = 0, bytes = 0, polls = sw->polls;
    cJSON *kiosks = NULL;
    if (s->content) hubcontent_sweep(s->content, &files, &bytes);
    if (!hubstore_shared(s->store) && hubstore_kiosk_list(s->store, &kiosks) == KERR_OK)
        polls += hubfleet_forget(s->fleet, kiosk_active, kiosks);
    cJSON_Delete(kiosks);
    if (sw->releases || sw->bytes || files || polls)
        KLOGI("hub", "retention: purged the bundles of %lld content releases (%lld bytes in the"
                     " database), removed %lld bundle files (%lld bytes), forgot the polls of %lld"
                     " revoked kiosks",
              (long long)sw->releases, (long long)sw->bytes, (long long)files, (long long)bytes,
              (long long)polls);
}

enum kerr hubsrv_start(const struct hubsrv_config *cfg, struct hubsrv **out)
{
    struct hubsrv *s;
    struct sockaddr_in6 ss;
    unsigned sslen = 0;
    unsigned threads = cfg->threads;
    enum kerr res;
    const union MHD_DaemonInfo *info;
    struct hubconn_config cc = {
        .max_per_ip = cfg->max_conns_per_ip ? cfg->max_conns_per_ip : HUBSRV_MAX_CONNS_PER_IP,
        .head_ms = 1000u * (cfg->head_timeout_s ? cfg->head_timeout_s : HUBSRV_HEAD_TIMEOUT_S),
        .body_ms = 1000u * (cfg->body_timeout_s ? cfg->body_timeout_s : HUBSRV_BODY_TIMEOUT_S),
        .trusted = cfg->trusted_proxies,
        .ntrusted = cfg->n_trusted_proxies,
    };
    double fails = cfg->auth_fails_per_min ? cfg->auth_fails_per_min : HUBSRV_AUTH_FAILS_PER_MIN;
    *out = NULL;
    if (hubsrv_parse_listen(cfg->listen, &ss, &sslen) != KERR_OK) return KERR_USAGE;
    s = calloc(1, sizeof *s);
    if (!s) return KERR_NOMEM;
    memcpy(s->admin_hash, cfg->admin_hash, sizeof s->admin_hash);
    s->log_requests = cfg->log_requests;
    s->rate = hubrate_new(cfg->rate, cfg->burst);
    /* a bucket of `fails` failures that refills over a minute */
    s->auth_fails = hubrate_new(fails / 60.0, fails);
    s->lookups = hubrate_new(LOOKUP_PER_S, LOOKUP_BURST);
    {
        double misses = cfg->phone_misses_per_min ? cfg->phone_misses_per_min
                                                  : HUBSRV_PHONE_MISSES_PER_MIN;
        s->phone_misses = hubrate_new(misses / 60.0, misses);
    }
    s->sessions = hubsess_new(1000ull * (cfg->session_idle_s ? cfg->session_idle_s : 1800),
                              1000ull * (cfg->session_max_s ? cfg->session_max_s : 43200));
    s->secure_cookies = cfg->secure_cookies;
    s->lock_after = cfg->login_lock_after ? cfg->login_lock_after : 5;
    s->lock_s = cfg->login_lock_s ? cfg->login_lock_s : 900;
    res = KERR_NOMEM;
    if (!s->rate || !s->auth_fails || !s->lookups || !s->phone_misses || !s->sessions) goto fail;
    {
        /* unknown names are checked against this, so they take as long */
        char pw[HUBPW_GEN_LEN + 1];
        res = hubpw_generate(pw);
        if (res == KERR_OK) res = hubpw_hash(pw, strlen(pw), s->dummy_hash, sizeof s->dummy_hash);
        if (res != KERR_OK) goto fail;
    }
    if (cfg->content_path) {
        res = hubweb_labels_load(cfg->content_path, &s->labels);
        if (res != KERR_OK) {
            KLOGE("hub", "content file %s: %s", cfg->content_path, kerr_str(res));
            res = KERR_USAGE;
            goto fail;
        }
        res = hubbook_rooms_load(cfg->content_path, &s->rooms);
        if (res != KERR_OK) {
            KLOGE("hub", "nursing rooms in %s: %s", cfg->content_path, kerr_str(res));
            res = KERR_USAGE;
            goto fail;
        }
        hubbook_clock_note();
    }
    res = hubconn_new(&cc, &s->conn);
    if (res != KERR_OK) goto fail;
    {
        struct hubstore_config sc = {
            .retention_s = (int64_t)(cfg->retention_days > 0 ? cfg->retention_days : 30) * 86400,
            .sweep_every_ms = 1000 * (int64_t)cfg->sweep_every_s};
        res = hubstore_open(cfg->db_path, &sc, &s->store);
    }
    if (res != KERR_OK) goto fail;
    {
        char files[4200];
        /* the files the hub keeps beside its database: SQLite's file, or --state-dir */
        if (cfg->state_dir) snprintf(files, sizeof files, "%s/hub", cfg->state_dir);
        else snprintf(files, sizeof files, "%s", cfg->db_path);
        if (hubcontent_open(s->store, cfg->db_path, files, &s->content) != KERR_OK)
            KLOGE("hub", "content releases unavailable (%s.content)", files);
    }
    {
        char ap[4200];
        if (cfg->state_dir) snprintf(ap, sizeof ap, "%s/hub.alerts.json", cfg->state_dir);
        else snprintf(ap, sizeof ap, "%s.alerts.json", cfg->db_path);
        /* PostgreSQL: the alerts are rows of the database, not a file */
        res = hubfleet_open(hubstore_shared(s->store) ? NULL : ap, &s->fleet);
        s->stale_after_s = cfg->stale_after_s ? cfg->stale_after_s : HUBSRV_STALE_AFTER_S;
    }
    if (res != KERR_OK) goto fail;
    if (hubstore_shared(s->store)) { /* what every hub on the database must see */
        struct hubsess_store sst = {sess_put, sess_find, sess_end, sess_end_user, s->store};
        struct hubfleet_log log = {alert_log_put, s->store};
        hubsess_use_store(s->sessions, &sst);
        hubfleet_use_log(s->fleet, &log);
        hubsrv_fleet_use_store(s);
        res = hubstore_alert_listen(s->store, alert_log_event, s);
        if (res != KERR_OK) goto fail;
    }
    hubstore_on_sweep(s->store, after_sweep, s);
    if (threads == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        threads = n > 0 ? (unsigned)n : 1;
    }
    /* Per-address limits are hubconn's accept policy, not MHD's
     * PER_IP_CONNECTION_LIMIT: that one would count a trusted proxy as one
     * client. The connection timeout is MHD's idle timeout; the deadlines
     * for a whole head and body are hubconn's. */
    s->mhd = MHD_start_daemon(
        MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME |
            (((struct sockaddr *)&ss)->sa_family == AF_INET6 ? MHD_USE_IPv6 : 0),
        0, hubconn_on_accept, s->conn, hubsrv_on_access, s, MHD_OPTION_SOCK_ADDR,
        (struct sockaddr *)&ss, MHD_OPTION_THREAD_POOL_SIZE, threads,
        MHD_OPTION_CONNECTION_LIMIT, cfg->max_conns ? cfg->max_conns : HUBSRV_MAX_CONNS,
        MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u,
        MHD_OPTION_NOTIFY_COMPLETED, hubsrv_on_completed, s, MHD_OPTION_NOTIFY_CONNECTION,
        hubconn_on_connection, s->conn, MHD_OPTION_END);
    res = KERR_NET;
    if (!s->mhd) {
        KLOGE("hub", "cannot listen on %s", cfg->listen);
        goto fail;
    }
    info = MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info ? info->port : 0;
    *out = s;
    return KERR_OK;
fail:
    hubsrv_stop(s);
    return res;
}

uint16_t hubsrv_port(const struct hubsrv *s)
{
    return s->port;
}

/* Stops taking connections: those the kernel has already accepted are
 * handed to MHD and served, then the socket stops listening, so a new
 * connection is refused at once (a load balancer sends it to another hub
 * before any byte of the request went out). Returns the socket, to be
 * closed after MHD_stop_daemon, or -1. */
static int stop_listening(struct hubsrv *s)
{
    MHD_socket fd = MHD_quiesce_daemon(s->mhd);
    if (fd == MHD_INVALID_SOCKET) return -1;
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    for (int i = 0; i < 4096; i++) {
        struct sockaddr_storage sa;
        socklen_t len = sizeof sa;
        int c = accept(fd, (struct sockaddr *)&sa, &len);
        if (c < 0) break;
        fcntl(c, F_SETFL, fcntl(c, F_GETFL) | O_NONBLOCK);
        fcntl(c, F_SETFD, FD_CLOEXEC);
        MHD_add_connection(s->mhd, c, (struct sockaddr *)&sa, len); /* closes c on failure */
    }
    shutdown(fd, SHUT_RD); /* no longer listening: connections are refused */
    return fd;
}

void hubsrv_stop(struct hubsrv *s)
{
    if (!s) return;
    /* The drain (SIGTERM, docs/hub.md §9): answers carry Connection: close,
     * event polls are answered at once; no new connection; the requests on
     * open connections are served, writes included, until none has been in
     * progress for 200 ms (at most 10 s); only then are writes refused. */
    atomic_store(&s->stopping, true);
    hubfleet_release_all(s->fleet); /* held event polls are answered now */
    if (s->mhd) {
        int lfd = stop_listening(s);
        for (int i = 0, quiet = 0; i < 1000 && quiet < 20; i++) {
            quiet = atomic_load(&s->inflight) > 0 || atomic_load(&s->active) > 0 ? 0 : quiet + 1;
            usleep(10000);
        }
        atomic_store(&s->closing, true);
        /* let every suspended write be answered before MHD goes away */
        for (int i = 0; i < 1000 && atomic_load(&s->inflight) > 0; i++) usleep(10000);
        usleep(20000);
        MHD_stop_daemon(s->mhd);
        if (lfd >= 0) close(lfd);
    }
    hubconn_free(s->conn);
    if (s->store) {
        hubstore_on_sweep(s->store, NULL, NULL); /* it calls into the fleet and content */
        hubstore_alert_listen_stop(s->store);    /* it calls into the fleet */
    }
    hubfleet_close(s->fleet);
    hubstore_close(s->store);
    hubcontent_close(s->content);
    hubrate_free(s->rate);
    hubrate_free(s->auth_fails);
    hubrate_free(s->lookups);
    hubrate_free(s->phone_misses);
    hubsess_free(s->sessions);
    cJSON_Delete(s->labels);
    hubbook_rooms_free(s->rooms);
    free(s);
}
