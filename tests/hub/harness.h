/* harness: what the hub's integration tests share. Spawns the real kiosk-hub
 * binary on 127.0.0.1 with a free port (--port-file) and a temp database,
 * talks to it with libcurl, stops it with SIGTERM or SIGKILL. Static
 * functions in a header: each test is one executable. Single-threaded use
 * except http(), which any thread may call. */
#ifndef HUB_HARNESS_H
#define HUB_HARNESS_H

#include <curl/curl.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifdef KIOSK_HUB_PG
/* The same test on the PostgreSQL store (its _pg twin in CMake): a fresh
 * database on the run's throwaway server (tests/pg/pgtest.h) instead of the
 * SQLite file, the hub's files in the temp folder (--state-dir). */
#include "pgtest.h"
#endif

#define ADMIN_TOKEN "test-admin-token-0123456789"

struct hub {
    const char *bin;
    char dir[64];
    char db[192]; /* the SQLite file, or (KIOSK_HUB_PG) the PostgreSQL URL */
    char tokfile[128];
    char portfile[128];
    char logfile[128];
    int port;
    pid_t pid;
};

/* A hub's own temp dir with its admin token, port and log files (the
 * database is set by the caller). Returns 0 or -1. */
static int hub_files_init(struct hub *h, const char *bin)
{
    FILE *f;
    memset(h, 0, sizeof *h);
    h->bin = bin;
    snprintf(h->dir, sizeof h->dir, "/tmp/hubtestXXXXXX"); /* mkdtemp's template */
    if (!mkdtemp(h->dir)) return -1;
    snprintf(h->tokfile, sizeof h->tokfile, "%s/admin.token", h->dir);
    snprintf(h->portfile, sizeof h->portfile, "%s/port", h->dir);
    snprintf(h->logfile, sizeof h->logfile, "%s/hub.log", h->dir);
    f = fopen(h->tokfile, "w");
    if (!f) return -1;
    fputs(ADMIN_TOKEN "\n", f);
    fclose(f);
    return 0;
}

/* Creates the temp dir and admin token file, and the hub's database: a
 * SQLite file in the dir, or (KIOSK_HUB_PG) a fresh PostgreSQL database.
 * Returns 0 or -1. */
static int hub_init(struct hub *h, const char *bin)
{
    if (hub_files_init(h, bin) != 0) return -1;
    snprintf(h->db, sizeof h->db, "%s/hub.db", h->dir);
#ifdef KIOSK_HUB_PG
    {
        static int nth;
        char name[48];
        snprintf(name, sizeof name, "hubt_%d_%d", (int)getpid(), ++nth);
        pgtest_fresh_db(name, h->db, sizeof h->db);
    }
#endif
    return 0;
}

#ifdef KIOSK_HUB_PG
/* Another hub process on the database of h (several hubs behind a load
 * balancer): its own temp dir (--state-dir, port and log files), the same
 * PostgreSQL URL and admin token. Returns 0 or -1. */
static inline int hub_init_peer(struct hub *peer, const struct hub *h)
{
    if (hub_files_init(peer, h->bin) != 0) return -1;
    peer->pid = -1;
    snprintf(peer->db, sizeof peer->db, "%s", h->db);
    return 0;
}
#endif

/* Starts the hub with extra flags (NULL-terminated list) and waits until it
 * listens (the port file appears), at most 10 s. Returns 0 or -1. The same
 * port is reused after a restart when h->port is already set. */
static int hub_start(struct hub *h, const char *const *extra)
{
    const char *argv[32];
    char listen[64];
    int n = 0;
    unlink(h->portfile);
    snprintf(listen, sizeof listen, "127.0.0.1:%d", h->port);
    argv[n++] = h->bin;
    argv[n++] = "--listen";
    argv[n++] = listen;
    argv[n++] = "--db";
    argv[n++] = h->db;
    argv[n++] = "--admin-token-file";
    argv[n++] = h->tokfile;
    argv[n++] = "--port-file";
    argv[n++] = h->portfile;
#ifdef KIOSK_HUB_PG
    argv[n++] = "--state-dir";
    argv[n++] = h->dir;
#endif
    for (int i = 0; extra && extra[i] && n < 30; i++) argv[n++] = extra[i];
    argv[n] = NULL;
    h->pid = fork();
    if (h->pid < 0) return -1;
    if (h->pid == 0) {
        int fd = open(h->logfile, O_WRONLY | O_CREAT | O_APPEND, 0600);
        int nul = open("/dev/null", O_RDWR);
        /* die with the test, and never hold ctest's output pipe */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (fd >= 0) dup2(fd, 2);
        if (nul >= 0) {
            dup2(nul, 0);
            dup2(nul, 1);
        }
        execv(h->bin, (char *const *)argv);
        _exit(127);
    }
    for (int i = 0; i < 1000; i++) {
        FILE *f = fopen(h->portfile, "r");
        int status;
        if (f) {
            int ok = fscanf(f, "%d", &h->port) == 1;
            fclose(f);
            if (ok) return 0;
        }
        if (waitpid(h->pid, &status, WNOHANG) == h->pid) {
            /* the port was taken by someone else meanwhile: pick a new one */
            h->pid = -1;
            return -1;
        }
        usleep(10000);
    }
    kill(h->pid, SIGKILL);
    waitpid(h->pid, NULL, 0);
    h->pid = -1;
    return -1;
}

/* The number in the first column of the first row of sql (one optional text
 * parameter ?1 = arg) in the hub's database, or -1: with KIOSK_HUB_PG on its
 * PostgreSQL database, else on its SQLite file (for the tests that include
 * sqlite3.h before this header). */
#ifdef KIOSK_HUB_PG
static inline long hub_db_num(const struct hub *h, const char *sql, const char *arg)
{
    char pgsql[512];
    const char *v[1] = {arg};
    size_t i;
    PGconn *c = PQconnectdb(h->db);
    PGresult *r;
    long n = -1;
    for (i = 0; sql[i] && i < sizeof pgsql - 1; i++) pgsql[i] = sql[i] == '?' ? '$' : sql[i];
    pgsql[i] = '\0';
    r = PQexecParams(c, pgsql, arg ? 1 : 0, NULL, v, NULL, NULL, 0);
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0) n = atol(PQgetvalue(r, 0, 0));
    PQclear(r);
    PQfinish(c);
    return n;
}
#elif defined(SQLITE_VERSION)
static inline long hub_db_num(const struct hub *h, const char *sql, const char *arg)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *s = NULL;
    long n = -1;
    if (sqlite3_open_v2(h->db, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK) {
        if (arg) sqlite3_bind_text(s, 1, arg, -1, SQLITE_STATIC);
        if (sqlite3_step(s) == SQLITE_ROW) n = (long)sqlite3_column_int64(s, 0);
    }
    sqlite3_finalize(s);
    sqlite3_close(db);
    return n;
}
#endif

/* Stops the hub with sig (SIGTERM: graceful, SIGKILL: crash) and returns its
 * wait status. */
static int hub_stop(struct hub *h, int sig)
{
    int st = 0;
    if (h->pid <= 0) return -1;
    kill(h->pid, sig);
    waitpid(h->pid, &st, 0);
    h->pid = -1;
    return st;
}

/* Stops the hub if running and removes the temp dir. */
static void hub_cleanup(struct hub *h)
{
    char cmd[128];
    if (h->pid > 0) hub_stop(h, SIGKILL);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", h->dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", h->dir);
}

struct resp {
    long status;         /* HTTP status, or -1 when the hub could not be reached */
    char *body;          /* NUL-terminated, malloc'd (may be "") */
    size_t len;
    char ctype[128];     /* Content-Type */
    char retry_after[16];
};

static size_t harness_write(char *d, size_t sz, size_t n, void *arg)
{
    struct resp *r = arg;
    char *nb = realloc(r->body, r->len + sz * n + 1);
    if (!nb) return 0;
    r->body = nb;
    memcpy(r->body + r->len, d, sz * n);
    r->len += sz * n;
    r->body[r->len] = '\0';
    return sz * n;
}

static size_t harness_header(char *d, size_t sz, size_t n, void *arg)
{
    struct resp *r = arg;
    size_t len = sz * n;
    if (len > 14 && strncasecmp(d, "Content-Type: ", 14) == 0)
        snprintf(r->ctype, sizeof r->ctype, "%.*s", (int)(len - 14 - 2), d + 14);
    if (len > 13 && strncasecmp(d, "Retry-After: ", 13) == 0)
        snprintf(r->retry_after, sizeof r->retry_after, "%.*s", (int)(len - 13 - 2), d + 13);
    return len;
}

/* One request to the hub. token NULL sends no Authorization; key NULL no
 * Idempotency-Key; body NULL no body (body_len 0: strlen). Raw paths are sent
 * as they are (no ../ squashing). The caller frees r->body. */
/* http_ex flags */
#define HTTP_CHUNKED 1u   /* Transfer-Encoding: chunked, length from strlen */
#define HTTP_NO_EXPECT 2u /* never "Expect: 100-continue", even for a large body */

static void http_ex(const struct hub *h, const char *method, const char *path, const char *token,
                    const char *key, const char *body, size_t body_len, unsigned flags,
                    struct resp *r)
{
    CURL *c = curl_easy_init();
    struct curl_slist *hdr = NULL;
    char url[1024], a[256], k[128];
    memset(r, 0, sizeof *r);
    r->status = -1;
    r->body = calloc(1, 1);
    if (!c) return;
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", h->port, path);
    if (token) {
        snprintf(a, sizeof a, "Authorization: Bearer %s", token);
        hdr = curl_slist_append(hdr, a);
    }
    if (key) {
        snprintf(k, sizeof k, "Idempotency-Key: %s", key);
        hdr = curl_slist_append(hdr, k);
    }
    if (body) hdr = curl_slist_append(hdr, "Content-Type: application/json");
    if (flags & HTTP_CHUNKED) hdr = curl_slist_append(hdr, "Transfer-Encoding: chunked");
    /* A large body is offered with "Expect: 100-continue", as curl and
     * browsers do: the hub's early 413 then arrives before any byte of the
     * body is sent. Without it the client may still be writing when the hub
     * closes, and the kernel's reset can eat the answer (a race in HTTP/1.1
     * itself, tested separately in test_hub_api.c). */
    if (body_len > 65536 && !(flags & HTTP_NO_EXPECT))
        hdr = curl_slist_append(hdr, "Expect: 100-continue");
    else
        hdr = curl_slist_append(hdr, "Expect:");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        if (!(flags & HTTP_CHUNKED))
            curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
                             (curl_off_t)(body_len ? body_len : strlen(body)));
    }
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, harness_write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, harness_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 20000L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    if (curl_easy_perform(c) == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    curl_slist_free_all(hdr);
    curl_easy_cleanup(c);
}

static void http(const struct hub *h, const char *method, const char *path, const char *token,
                 const char *key, const char *body, struct resp *r)
{
    http_ex(h, method, path, token, key, body, 0, 0, r);
}

/* Registers kiosk id on h with the admin token; its 64-hex token into
 * token_out[cap] ("" when the hub did not answer 201 with one). Returns the
 * HTTP status. */
static inline long hub_add_kiosk(const struct hub *h, const char *id, char *token_out, size_t cap)
{
    struct resp r;
    char body[64];
    const char *t;
    long status;
    snprintf(body, sizeof body, "{\"id\":\"%s\"}", id);
    http(h, "POST", "/api/v1/admin/kiosks", ADMIN_TOKEN, NULL, body, &r);
    token_out[0] = '\0';
    t = r.status == 201 ? strstr(r.body, "\"token\":\"") : NULL;
    if (t && strspn(t + 9, "0123456789abcdef") == 64) snprintf(token_out, cap, "%.64s", t + 9);
    status = r.status;
    free(r.body);
    return status;
}

/* A sample help request (made-up data, says so) for kiosk id and ticket,
 * with a check code and a receipt ticket when they are not NULL. */
static inline void sample_request_with(char *out, size_t cap, const char *kiosk, const char *ticket,
                                       const char *description, const char *check,
                                       const char *receipt_ticket)
{
    int n = snprintf(out, cap,
                     "{\"ticket\":\"%s\",\"kiosk_id\":\"%s\",\"category\":\"legal\","
                     "\"company\":{\"id\":\"c012\",\"name\":\"示例科技有限公司\"},"
                     "\"contact_name\":\"王女士\",\"phone\":\"13800000000\",\"tower\":\"t03\","
                     "\"description\":\"%s\",\"lang\":\"zh\",\"created_at\":\"2026-11-25T14:00:00Z\"",
                     ticket, kiosk, description);
    if (check && n > 0 && (size_t)n < cap)
        n += snprintf(out + n, cap - (size_t)n, ",\"check\":\"%s\"", check);
    if (receipt_ticket && n > 0 && (size_t)n < cap)
        n += snprintf(out + n, cap - (size_t)n, ",\"receipt_ticket\":\"%s\"", receipt_ticket);
    if (n > 0 && (size_t)n < cap) snprintf(out + n, cap - (size_t)n, "}");
}

static inline void sample_request(char *out, size_t cap, const char *kiosk, const char *ticket,
                                  const char *description)
{
    sample_request_with(out, cap, kiosk, ticket, description, NULL, NULL);
}

#endif
