/* kiosk-hub: the reference central service. Parses flags, loads the admin
 * token, starts hubsrv and waits for SIGTERM/SIGINT, then drains (hubsrv_stop:
 * stops listening, finishes what it holds) and stops.
 * See docs/hub.md. Exit codes: 0 clean stop, 1 runtime failure, 2 usage. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "hubauth.h"
#include "hubconn.h"
#include "hubsrv.h"
#include "hubstore.h"
#include "klog.h"

static void usage(FILE *f)
{
    fputs("usage: kiosk-hub --db FILE --admin-token-file FILE [options]\n"
          "       kiosk-hub --migrate-from FILE --db postgresql://...\n"
          "  --listen HOST:PORT     address to listen on (default 127.0.0.1:8080;\n"
          "                         [::1]:8080 for IPv6; port 0 picks a free port)\n"
          "  --db FILE              SQLite database (created if missing, WAL mode)\n"
          "  --db postgresql://...  or a PostgreSQL database (schema created on first start;\n"
          "                         several hubs may share one; docs/hub.md §9)\n"
          "  --state-dir DIR        the hub's files (content bundles; alerts with SQLite) in DIR\n"
          "                         instead of beside the SQLite file; required with PostgreSQL\n"
          "  --migrate-from FILE    with --db postgresql://...: copy the SQLite hub database\n"
          "                         FILE into that empty PostgreSQL database, then exit\n"
          "  --admin-token-file F   file holding the admin token (16..256 printable chars)\n"
          "  --rate N/s             per-kiosk request rate (default 5/s)\n"
          "  --burst N              per-kiosk burst (default 20)\n"
          "  --threads N            HTTP worker threads (default: one per core)\n"
          "  --max-conns N          simultaneous connections (default 512)\n"
          "  --max-conns-per-ip N   connections per client address (IPv6: per /64),\n"
          "                         requests in flight behind a trusted proxy (default 32)\n"
          "  --head-timeout S       whole request head within S seconds (default 10)\n"
          "  --body-timeout S       whole body within S seconds after the head (default 20)\n"
          "  --auth-fail-limit N    failed authentications per minute per client address,\n"
          "                         then 429 with Retry-After (default 10)\n"
          "  --trusted-proxy ADDR   a reverse proxy (IPv4/IPv6 literal or CIDR) whose\n"
          "                         X-Forwarded-For names the client; repeatable (max 16)\n"
          "  --port-file FILE       write the bound port there once listening\n"
          "  --quiet                no per-request log lines\n"
          "  --retention-days N     erase the personal fields of resolved and rejected\n"
          "                         requests N days after closing (default 30, 1..36500)\n"
          "  --sweep-every S        run the retention sweep (personal fields, unneeded\n"
          "                         content bundles) every S seconds (default 3600)\n"
          "web console and phone pages:\n"
          "  --session-idle S       a console session ends S seconds after its last use\n"
          "                         (default 1800)\n"
          "  --session-max S        and at the latest S seconds after login (default 43200)\n"
          "  --login-lock-after N   failed logins in a row that lock an account (default 5)\n"
          "  --login-lock S         for S seconds (default 900)\n"
          "  --secure-cookies       always mark the session cookie Secure (without it: when a\n"
          "                         trusted proxy sends X-Forwarded-Proto: https)\n"
          "  --content FILE         a content.json whose category and tower names the pages show,\n"
          "                         and whose nursing rooms (with booking rules) it takes bookings for\n"
          "  --phone-miss-limit N   phone-page look-ups that find nothing, per minute per\n"
          "                         client address, then 429 (default 20)\n"
          "fleet:\n"
          "  --stale-after S        kiosk list: a kiosk whose last heartbeat is older than S\n"
          "                         seconds is stale (default 180, three heartbeats)\n"
          "exit codes: 0 stopped by signal, 1 cannot start, 2 usage\n",
          f);
}

/* kiosk-hub --migrate-from FILE --db URL: exit 0 copied, 1 failed, 2 usage. */
static int migrate(const char *file, const char *url)
{
    enum kerr e;
    if (!url || strncmp(file, "postgres", 8) == 0 ||
        (strncmp(url, "postgresql://", 13) != 0 && strncmp(url, "postgres://", 11) != 0)) {
        fprintf(stderr, "kiosk-hub: --migrate-from 需要 SQLite 文件和 --db postgresql://...\n"
                        "kiosk-hub: --migrate-from FILE needs --db postgresql://... (the target)\n");
        return 2;
    }
    e = hubstore_copy_to_pg(file, url, stdout);
    if (e == KERR_OK) {
        printf("kiosk-hub: %s copied into PostgreSQL\n", file);
        return 0;
    }
    fprintf(stderr, "kiosk-hub: 迁移失败 / migration failed: %s\n",
            e == KERR_NOTFOUND   ? "no such SQLite file"
            : e == KERR_CONFLICT ? "the PostgreSQL database already holds hub data (use an empty one)"
                                 : "database error (see the log line above)");
    return 1;
}

static int parse_num(const char *s, double lo, double hi, double *out)
{
    char *end;
    double v;
    if (!s || !*s) return -1;
    v = strtod(s, &end);
    if (strcmp(end, "/s") != 0 && *end != '\0') return -1;
    if (!(v >= lo && v <= hi)) return -1;
    *out = v;
    return 0;
}

int main(int argc, char **argv)
{
    struct hubsrv_config cfg;
    const char *token_file = NULL, *port_file = NULL, *migrate_from = NULL;
    const char *trusted[16];
    size_t ntrusted = 0;
    struct hubsrv *srv = NULL;
    sigset_t set;
    int sig = 0;
    enum kerr e;
    double v;
    api_json_wipe_on_free(); /* cJSON copies of personal text are wiped when freed */

    memset(&cfg, 0, sizeof cfg);
    cfg.listen = "127.0.0.1:8080";
    cfg.rate = 5;
    cfg.burst = 20;
    cfg.log_requests = true;
    cfg.retention_days = 30;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--quiet") == 0) {
            cfg.log_requests = false;
            continue;
        } else if (strcmp(a, "--secure-cookies") == 0) {
            cfg.secure_cookies = true;
            continue;
        }
        if (!val) goto bad;
        if (strcmp(a, "--listen") == 0) cfg.listen = val;
        else if (strcmp(a, "--db") == 0) cfg.db_path = val;
        else if (strcmp(a, "--migrate-from") == 0) migrate_from = val;
        else if (strcmp(a, "--state-dir") == 0) cfg.state_dir = val;
        else if (strcmp(a, "--admin-token-file") == 0) token_file = val;
        else if (strcmp(a, "--port-file") == 0) port_file = val;
        else if (strcmp(a, "--rate") == 0 && parse_num(val, 0.001, 1e9, &v) == 0) cfg.rate = v;
        else if (strcmp(a, "--burst") == 0 && parse_num(val, 1, 1e9, &v) == 0) cfg.burst = v;
        else if (strcmp(a, "--threads") == 0 && parse_num(val, 1, 256, &v) == 0)
            cfg.threads = (unsigned)v;
        else if (strcmp(a, "--max-conns") == 0 && parse_num(val, 1, 1000000, &v) == 0)
            cfg.max_conns = (unsigned)v;
        else if (strcmp(a, "--max-conns-per-ip") == 0 && parse_num(val, 1, 1000000, &v) == 0)
            cfg.max_conns_per_ip = (unsigned)v;
        else if (strcmp(a, "--head-timeout") == 0 && parse_num(val, 1, 3600, &v) == 0)
            cfg.head_timeout_s = (unsigned)v;
        else if (strcmp(a, "--body-timeout") == 0 && parse_num(val, 1, 3600, &v) == 0)
            cfg.body_timeout_s = (unsigned)v;
        else if (strcmp(a, "--auth-fail-limit") == 0 && parse_num(val, 1, 1000000, &v) == 0)
            cfg.auth_fails_per_min = (unsigned)v;
        else if (strcmp(a, "--trusted-proxy") == 0 && hubconn_net_valid(val) &&
                 ntrusted < sizeof trusted / sizeof trusted[0])
            trusted[ntrusted++] = val;
        else if (strcmp(a, "--session-idle") == 0 && parse_num(val, 10, 86400, &v) == 0)
            cfg.session_idle_s = (unsigned)v;
        else if (strcmp(a, "--session-max") == 0 && parse_num(val, 60, 604800, &v) == 0)
            cfg.session_max_s = (unsigned)v;
        else if (strcmp(a, "--login-lock-after") == 0 && parse_num(val, 1, 100, &v) == 0)
            cfg.login_lock_after = (unsigned)v;
        else if (strcmp(a, "--login-lock") == 0 && parse_num(val, 1, 86400, &v) == 0)
            cfg.login_lock_s = (unsigned)v;
        else if (strcmp(a, "--phone-miss-limit") == 0 && parse_num(val, 1, 1000000, &v) == 0)
            cfg.phone_misses_per_min = (unsigned)v;
        else if (strcmp(a, "--content") == 0) cfg.content_path = val;
        else if (strcmp(a, "--stale-after") == 0 && parse_num(val, 1, 86400 * 365, &v) == 0)
            cfg.stale_after_s = (unsigned)v;
        else if (strcmp(a, "--retention-days") == 0 && parse_num(val, 1, 36500, &v) == 0 &&
                 v == (int)v)
            cfg.retention_days = (int)v;
        else if (strcmp(a, "--sweep-every") == 0 && parse_num(val, 1, 86400, &v) == 0)
            cfg.sweep_every_s = (unsigned)v;
        else goto bad;
        i++;
        continue;
    bad:
        fprintf(stderr, "kiosk-hub: bad or incomplete option %s\n", a);
        usage(stderr);
        return 2;
    }
    cfg.trusted_proxies = trusted;
    cfg.n_trusted_proxies = ntrusted;
    if (migrate_from) return migrate(migrate_from, cfg.db_path);
    if (!cfg.db_path || !token_file) {
        usage(stderr);
        return 2;
    }
    if ((strncmp(cfg.db_path, "postgresql://", 13) == 0 ||
         strncmp(cfg.db_path, "postgres://", 11) == 0) && !cfg.state_dir) {
        /* the files a hub keeps beside a SQLite file need a folder of their own */
        fprintf(stderr, "kiosk-hub: --db postgresql://... 需要 --state-dir 目录（内容包文件）\n"
                        "kiosk-hub: --db postgresql://... needs --state-dir DIR (content bundle "
                        "files)\n");
        return 2;
    }
    e = hubauth_admin_load(token_file, cfg.admin_hash);
    if (e != KERR_OK) {
        KLOGE("hub", "admin token file %s: %s", token_file,
              e == KERR_IO ? "cannot read" : "must hold 16..256 printable characters");
        return e == KERR_IO ? 1 : 2;
    }

    /* block the stop signals in every thread; main waits for them below */
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    e = hubsrv_start(&cfg, &srv);
    if (e != KERR_OK) {
        KLOGE("hub", "start: %s", kerr_str(e));
        return e == KERR_USAGE ? 2 : 1;
    }
    /* a PostgreSQL URL may hold a password: never logged */
    KLOGI("hub", "listening on %s port %u, db %s, rate %.3g/s burst %.3g, %zu trusted proxies, "
          "retention %d days",
          cfg.listen, (unsigned)hubsrv_port(srv), strncmp(cfg.db_path, "postgres", 8) == 0 ? "PostgreSQL" : cfg.db_path,
          cfg.rate, cfg.burst, ntrusted, cfg.retention_days);
    if (port_file) {
        char tmp[4096];
        FILE *f;
        snprintf(tmp, sizeof tmp, "%s.tmp", port_file);
        f = fopen(tmp, "w");
        if (!f || fprintf(f, "%u\n", (unsigned)hubsrv_port(srv)) < 0 || fclose(f) != 0 ||
            rename(tmp, port_file) != 0) {
            KLOGE("hub", "cannot write port file");
            hubsrv_stop(srv);
            return 1;
        }
    }
    sigwait(&set, &sig);
    KLOGI("hub", "signal %d: draining and stopping", sig);
    hubsrv_stop(srv);
    KLOGI("hub", "stopped");
    return 0;
}
