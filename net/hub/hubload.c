/* kiosk-hub-load: a load generator for kiosk-hub on loopback. One thread, raw
 * non-blocking sockets with epoll, HTTP/1.1 keep-alive. Phases:
 *   1. register kiosks through the admin API (their tokens are kept in memory),
 *   2. help-request POSTs, closed loop over --conns connections, each with a
 *      fresh ticket and Idempotency-Key; every answer must be 201,
 *   3. heartbeats: --beat-kiosks kiosks, each once per --beat-interval
 *      seconds at evenly spread times (open loop: latency is measured from the
 *      scheduled time, so a slow hub cannot hide its queueing),
 *   4. a replay check: a sample of POSTs sent again must answer 200,
 *   5. phone pages (--phone-rate N/s): GET /t/{ticket}?c=<check> of the posted
 *      requests at a fixed rate (open loop, latency from the scheduled time);
 *      every answer must be the 200 page.
 * Prints "hub_load posts_per_s=… p50_ms=… p99_ms=…" and "hub_heartbeat
 * kiosks=… p99_ms=…". Exit 0 when every answer was as expected, 1 otherwise,
 * 2 usage. With --spawn PATH it starts its own hub in a temp dir. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "kclock.h"

#define OUT_CAP 4096
#define IN_CAP 65536
#define MAX_CONNS 512

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

struct conn {
    int fd;
    bool busy;
    char out[OUT_CAP];
    size_t olen, osent;
    char in[IN_CAP];
    size_t ilen;
    uint64_t t_start; /* µs: scheduled or send time */
    long tag;         /* which item this request is for */
};

/* What a phase does: make the next request (0: none right now, -1: phase
 * has nothing more to send) and take an answer. */
struct phase {
    int (*next)(struct phase *ph, char *buf, size_t cap, uint64_t *t_start, long *tag);
    void (*done)(struct phase *ph, long tag, int status, const char *body, size_t blen,
                 uint64_t lat_us);
    long outstanding;
    void *ctx;
};

static struct sockaddr_in hub_addr;
static char admin_token[300];

static int conn_open(struct conn *c)
{
    int one = 1;
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    if (c->fd < 0) return -1;
    if (connect(c->fd, (struct sockaddr *)&hub_addr, sizeof hub_addr) != 0) {
        close(c->fd);
        c->fd = -1;
        return -1;
    }
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
    c->busy = false;
    c->ilen = 0;
    return 0;
}

/* Parses a complete response in c->in; returns its status, or 0 when more
 * bytes are needed, -1 when it is garbage. */
static int parse_response(struct conn *c, const char **body, size_t *blen, size_t *total)
{
    char *end, *cl;
    size_t hlen, clen = 0;
    int status;
    c->in[c->ilen] = '\0';
    end = strstr(c->in, "\r\n\r\n");
    if (!end) return c->ilen >= IN_CAP - 1 ? -1 : 0;
    hlen = (size_t)(end - c->in) + 4;
    if (sscanf(c->in, "HTTP/1.%*d %d", &status) != 1) return -1;
    cl = strcasestr(c->in, "\r\ncontent-length:");
    if (cl && cl < end) clen = strtoul(cl + 17, NULL, 10);
    if (hlen + clen >= IN_CAP) return -1;
    if (c->ilen < hlen + clen) return 0;
    *body = c->in + hlen;
    *blen = clen;
    *total = hlen + clen;
    return status;
}

static int lat_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Runs one phase over nconns connections until next() says -1 and every
 * answer is in, or time_limit_s passes. Returns 0, or -1 on a transport
 * failure. */
static int run_phase(struct phase *ph, int nconns, double time_limit_s)
{
    static struct conn conns[MAX_CONNS];
    int ep = epoll_create1(0), ret = -1;
    long reopened = 0;
    bool exhausted = false;
    uint64_t deadline = now_us() + (uint64_t)(time_limit_s * 1e6);
    if (ep < 0) return -1;
    for (int i = 0; i < nconns; i++) {
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
        if (conn_open(&conns[i]) != 0) {
            fprintf(stderr, "hub_load: cannot connect: %s\n", strerror(errno));
            for (int k = 0; k < i; k++) close(conns[k].fd);
            close(ep);
            return -1;
        }
        epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].fd, &ev);
    }
    ph->outstanding = 0;
    for (;;) {
        struct epoll_event evs[64];
        int n;
        /* fill idle connections */
        for (int i = 0; i < nconns && !exhausted; i++) {
            struct conn *c = &conns[i];
            int len;
            if (c->busy) continue;
            len = ph->next(ph, c->out, OUT_CAP, &c->t_start, &c->tag);
            if (len < 0) {
                exhausted = true;
                break;
            }
            if (len == 0) break;
            c->olen = (size_t)len;
            c->osent = 0;
            c->busy = true;
            c->ilen = 0;
            ph->outstanding++;
            while (c->osent < c->olen) {
                ssize_t w = send(c->fd, c->out + c->osent, c->olen - c->osent, MSG_NOSIGNAL);
                if (w <= 0) {
                    if (w < 0 && errno == EAGAIN) continue; /* loopback: spins briefly */
                    fprintf(stderr, "hub_load: send: %s\n", strerror(errno));
                    goto out;
                }
                c->osent += (size_t)w;
            }
        }
        if (exhausted && ph->outstanding == 0) break;
        if (now_us() > deadline) {
            fprintf(stderr, "hub_load: phase time limit reached (%ld outstanding)\n",
                    ph->outstanding);
            ret = 0;
            goto out;
        }
        n = epoll_wait(ep, evs, 64, 1);
        for (int k = 0; k < n; k++) {
            struct conn *c = &conns[evs[k].data.u32];
            for (;;) {
                ssize_t r = recv(c->fd, c->in + c->ilen, IN_CAP - 1 - c->ilen, 0);
                const char *body;
                size_t blen, total;
                int status;
                if (r < 0 && errno == EAGAIN) break;
                if (r <= 0 && !c->busy && c->ilen == 0) {
                    /* idle longer than the hub keeps a kept-alive connection
                     * (--head-timeout): open a new one, as a client would */
                    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = evs[k].data.u32};
                    close(c->fd);
                    if (conn_open(c) != 0) {
                        fprintf(stderr, "hub_load: cannot reconnect: %s\n", strerror(errno));
                        goto out;
                    }
                    epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
                    reopened++;
                    break;
                }
                if (r <= 0) {
                    fprintf(stderr, "hub_load: connection closed by hub\n");
                    goto out;
                }
                c->ilen += (size_t)r;
                status = parse_response(c, &body, &blen, &total);
                if (status < 0) {
                    fprintf(stderr, "hub_load: unparsable response\n");
                    goto out;
                }
                if (status == 0) continue;
                if (!c->busy) {
                    fprintf(stderr, "hub_load: unexpected response\n");
                    goto out;
                }
                {
                    uint64_t t = now_us();
                    uint64_t lat = t > c->t_start ? t - c->t_start : 0;
                    char save = body[blen];
                    ((char *)body)[blen] = '\0';
                    ph->done(ph, c->tag, status, body, blen, lat);
                    ((char *)body)[blen] = save;
                }
                c->busy = false;
                ph->outstanding--;
                memmove(c->in, c->in + total, c->ilen - total);
                c->ilen -= total;
                break;
            }
        }
    }
    ret = 0;
out:
    if (reopened) fprintf(stderr, "hub_load: reopened %ld idle connections the hub closed\n", reopened);
    for (int i = 0; i < nconns; i++) close(conns[i].fd);
    close(ep);
    return ret;
}

/* ---- kiosks -------------------------------------------------------------- */

struct kiosk {
    char id[API_KIOSK_ID_SIZE];
    char token[80];
};

struct reg_ctx {
    struct kiosk *k;
    long n, next, ok;
};

static int reg_next(struct phase *ph, char *buf, size_t cap, uint64_t *t, long *tag)
{
    struct reg_ctx *r = ph->ctx;
    char body[64];
    int bl;
    if (r->next >= r->n) return -1;
    bl = snprintf(body, sizeof body, "{\"id\":\"%s\"}", r->k[r->next].id);
    *tag = r->next++;
    *t = now_us();
    return snprintf(buf, cap,
                    "POST /api/v1/admin/kiosks HTTP/1.1\r\nHost: hub\r\n"
                    "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
                    "Content-Length: %d\r\n\r\n%s",
                    admin_token, bl, body);
}

static void reg_done(struct phase *ph, long tag, int status, const char *body, size_t blen,
                     uint64_t lat)
{
    struct reg_ctx *r = ph->ctx;
    cJSON *o;
    (void)lat;
    if (status != 201) {
        fprintf(stderr, "hub_load: kiosk add %s answered %d\n", r->k[tag].id, status);
        return;
    }
    o = cJSON_ParseWithLength(body, blen);
    if (cJSON_IsString(cJSON_GetObjectItem(o, "token"))) {
        snprintf(r->k[tag].token, sizeof r->k[tag].token, "%s",
                 cJSON_GetObjectItem(o, "token")->valuestring);
        r->ok++;
    }
    cJSON_Delete(o);
}

/* ---- help-request posts -------------------------------------------------- */

struct post_ctx {
    struct kiosk *k;
    long nk;
    long n, next, ok, bad;
    uint64_t *lat;
    long nlat;
    int expect;        /* 201 on first send, 200 on replay */
    long run_id;       /* keeps tickets unique between runs on one database */
    long replay_every; /* replay phase: resend every k-th post */
};

/* The ticket and check code of post i. */
static void post_ticket(const struct post_ctx *p, long i, char *ticket, size_t cap, char check[7])
{
    const struct kiosk *k = &p->k[i % p->nk];
    long seq = p->run_id * 10000000L + i / p->nk + 1;
    snprintf(ticket, cap, "%.20s-%09ld", k->id, seq % 1000000000L);
    snprintf(check, 7, "%06ld", ((i * 7919 + 123457) % 1000000 + 1000000) % 1000000);
}

static int post_build(struct post_ctx *p, long i, char *buf, size_t cap)
{
    const struct kiosk *k = &p->k[i % p->nk];
    char ticket[64], check[7];
    char body[1024];
    int bl;
    /* the key is derived from (run, i) so a replay sends the same key and body */
    unsigned long long a = (unsigned long long)p->run_id * 1000003ull + (unsigned long long)i;
    post_ticket(p, i, ticket, sizeof ticket, check);
    bl = snprintf(body, sizeof body,
                  "{\"ticket\":\"%s\",\"check\":\"%s\",\"kiosk_id\":\"%s\",\"category\":\"legal\","
                  "\"company\":{\"id\":null,\"name\":\"示例公司（压测样例数据）\"},"
                  "\"contact_name\":\"样例\",\"phone\":\"13800000000\",\"tower\":\"t03\","
                  "\"description\":\"压测样例数据，不是真实求助。Load-test sample, not a real request.\","
                  "\"lang\":\"zh\",\"created_at\":\"2026-11-25T14:00:00Z\"}",
                  ticket, check, k->id);
    return snprintf(buf, cap,
                    "POST /api/v1/requests HTTP/1.1\r\nHost: hub\r\n"
                    "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
                    "Idempotency-Key: %08llx-%04llx-4%03llx-8%03llx-%012llx\r\n"
                    "Content-Length: %d\r\n\r\n%s",
                    k->token, a & 0xffffffffull, (a >> 32) & 0xffff, (unsigned long long)(i % 4096),
                    (unsigned long long)(p->run_id % 4096), (unsigned long long)i, bl, body);
}

static int post_next(struct phase *ph, char *buf, size_t cap, uint64_t *t, long *tag)
{
    struct post_ctx *p = ph->ctx;
    long i;
    if (p->next >= p->n) return -1;
    i = p->next * p->replay_every;
    p->next++;
    *tag = i;
    *t = now_us();
    return post_build(p, i, buf, cap);
}

static void post_done(struct phase *ph, long tag, int status, const char *body, size_t blen,
                      uint64_t lat)
{
    struct post_ctx *p = ph->ctx;
    (void)tag;
    (void)blen;
    if (status == p->expect && strstr(body, "\"status\":\"new\"")) {
        p->ok++;
        if (p->lat) p->lat[p->nlat++] = lat;
    } else {
        if (p->bad < 5) fprintf(stderr, "hub_load: post answered %d: %.200s\n", status, body);
        p->bad++;
    }
}

/* ---- heartbeats ---------------------------------------------------------- */

struct beat_ctx {
    struct kiosk *k;
    long nk;
    uint64_t t0, period_us; /* each kiosk i beats at t0 + i*period/nk + m*period */
    long total, next, ok, bad;
    uint64_t *lat;
    long nlat;
};

static int beat_next(struct phase *ph, char *buf, size_t cap, uint64_t *t, long *tag)
{
    struct beat_ctx *b = ph->ctx;
    uint64_t due;
    const struct kiosk *k;
    static const char body[] = "{\"version\":\"0.1.0\",\"queue_depth\":0,\"oldest_pending_s\":0,"
                               "\"content_version\":\"2026.11.1\",\"online\":true,"
                               "\"last_error\":null}";
    if (b->next >= b->total) return -1;
    due = b->t0 + (uint64_t)b->next * b->period_us / (uint64_t)b->nk;
    if (now_us() < due) return 0;
    k = &b->k[b->next % b->nk];
    *tag = b->next++;
    *t = due;
    return snprintf(buf, cap,
                    "POST /api/v1/kiosks/%s/heartbeat HTTP/1.1\r\nHost: hub\r\n"
                    "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
                    "Content-Length: %zu\r\n\r\n%s",
                    k->id, k->token, sizeof body - 1, body);
}

static void beat_done(struct phase *ph, long tag, int status, const char *body, size_t blen,
                      uint64_t lat)
{
    struct beat_ctx *b = ph->ctx;
    (void)tag;
    (void)blen;
    if (status == 200) { /* the answer: one member per feature */
        b->ok++;
        b->lat[b->nlat++] = lat;
    } else {
        if (b->bad < 5) fprintf(stderr, "hub_load: heartbeat answered %d: %.200s\n", status, body);
        b->bad++;
    }
}

/* ---- phone pages --------------------------------------------------------- */

struct phone_ctx {
    const struct post_ctx *posts; /* whose tickets are looked up */
    long nposts;
    uint64_t t0, period_us; /* request m at t0 + m * period */
    long total, next, ok, bad;
    uint64_t *lat;
    long nlat;
};

static int phone_next(struct phase *ph, char *buf, size_t cap, uint64_t *t, long *tag)
{
    struct phone_ctx *c = ph->ctx;
    char ticket[64], check[7];
    uint64_t due;
    if (c->next >= c->total) return -1;
    due = c->t0 + (uint64_t)c->next * c->period_us;
    if (now_us() < due) return 0;
    post_ticket(c->posts, (c->next * 7) % c->nposts, ticket, sizeof ticket, check);
    *tag = c->next++;
    *t = due;
    return snprintf(buf, cap,
                    "GET /t/%s?c=%s HTTP/1.1\r\nHost: hub\r\nAccept-Language: zh-CN,zh;q=0.9\r\n"
                    "\r\n",
                    ticket, check);
}

static void phone_done(struct phase *ph, long tag, int status, const char *body, size_t blen,
                       uint64_t lat)
{
    struct phone_ctx *c = ph->ctx;
    (void)tag;
    if (status == 200 && blen > 0 && strstr(body, "id=\"status\"")) {
        c->ok++;
        c->lat[c->nlat++] = lat;
    } else {
        if (c->bad < 5) fprintf(stderr, "hub_load: phone page answered %d: %.200s\n", status, body);
        c->bad++;
    }
}

/* ---- main ---------------------------------------------------------------- */

static double pct(uint64_t *v, long n, double p)
{
    long i;
    if (n == 0) return 0;
    i = (long)(p * (double)(n - 1) + 0.5);
    return (double)v[i] / 1000.0;
}

static struct kiosk *register_kiosks(const char *prefix, long n, int conns)
{
    struct kiosk *k = calloc((size_t)n, sizeof *k);
    struct reg_ctx r = {k, n, 0, 0};
    struct phase ph = {reg_next, reg_done, 0, &r};
    if (!k) return NULL;
    for (long i = 0; i < n; i++) snprintf(k[i].id, sizeof k[i].id, "%s%06ld", prefix, i);
    if (run_phase(&ph, conns, 300) != 0 || r.ok != n) {
        fprintf(stderr, "hub_load: registered %ld of %ld kiosks\n", r.ok, n);
        free(k);
        return NULL;
    }
    return k;
}

static pid_t spawn_hub(const char *bin, const char *dir, int *port)
{
    char db[512], tok[512], pf[512], rate_s[32];
    pid_t pid;
    FILE *f;
    snprintf(db, sizeof db, "%s/hub.db", dir);
    snprintf(tok, sizeof tok, "%s/admin.token", dir);
    snprintf(pf, sizeof pf, "%s/port", dir);
    snprintf(rate_s, sizeof rate_s, "1000000/s");
    f = fopen(tok, "w");
    if (!f) return -1;
    fprintf(f, "%s\n", admin_token);
    fclose(f);
    unlink(pf);
    pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 2);
        execl(bin, bin, "--listen", "127.0.0.1:0", "--db", db, "--admin-token-file", tok,
              "--port-file", pf, "--rate", rate_s, "--burst", "1000000",
              /* every simulated kiosk connects from 127.0.0.1: lift the
               * per-address limit above the load's connections (MAX_CONNS) */
              "--max-conns-per-ip", "4096", "--quiet", (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 500; i++) {
        f = fopen(pf, "r");
        if (f) {
            int ok = fscanf(f, "%d", port) == 1;
            fclose(f);
            if (ok) return pid;
        }
        usleep(10000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    return -1;
}

static void usage(FILE *f)
{
    fputs("usage: kiosk-hub-load (--spawn KIOSK_HUB_BINARY | --hub HOST:PORT --token-file FILE)\n"
          "  --posts N          help-request POSTs (default 20000)\n"
          "  --conns N          connections for the POST phase (default 16)\n"
          "  --kiosks N         kiosks the POSTs come from (default 100)\n"
          "  --beat-kiosks N    simulated kiosks heartbeating (default 10000; 0 skips)\n"
          "  --beat-interval S  seconds between one kiosk's heartbeats (default 30)\n"
          "  --beat-seconds S   length of the heartbeat phase (default 30)\n"
          "  --run-id N         distinguishes runs against one database (default: pid)\n"
          "  --phone-rate N     phone pages (/t/{ticket}) per second after the POSTs\n"
          "                     (default 0: skipped; needs --posts)\n"
          "  --phone-seconds S  length of the phone-page phase (default 5)\n"
          "The hub must allow the rate and the connections from one address\n"
          "(kiosk-hub --rate 1000000/s --max-conns-per-ip 4096); --spawn does that.\n",
          f);
}

int main(int argc, char **argv)
{
    long posts = 20000, nk = 100, beat_kiosks = 10000, run_id = getpid();
    int conns = 16, port = 0, rc = 1;
    double beat_interval = 30, beat_seconds = 30, phone_rate = 0, phone_seconds = 5;
    const char *spawn = NULL, *hub = NULL, *token_file = NULL;
    char dir[] = "/tmp/hubloadXXXXXX";
    pid_t pid = -1;
    struct kiosk *k = NULL, *bk = NULL;
    uint64_t *lat = NULL;

    for (int i = 1; i < argc; i += 2) { /* every flag takes one value */
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) {
            usage(stderr);
            return 2;
        }
        if (strcmp(a, "--spawn") == 0) spawn = v;
        else if (strcmp(a, "--hub") == 0) hub = v;
        else if (strcmp(a, "--token-file") == 0) token_file = v;
        else if (strcmp(a, "--posts") == 0) posts = atol(v);
        else if (strcmp(a, "--conns") == 0) conns = atoi(v);
        else if (strcmp(a, "--kiosks") == 0) nk = atol(v);
        else if (strcmp(a, "--beat-kiosks") == 0) beat_kiosks = atol(v);
        else if (strcmp(a, "--beat-interval") == 0) beat_interval = atof(v);
        else if (strcmp(a, "--beat-seconds") == 0) beat_seconds = atof(v);
        else if (strcmp(a, "--run-id") == 0) run_id = atol(v);
        else if (strcmp(a, "--phone-rate") == 0) phone_rate = atof(v);
        else if (strcmp(a, "--phone-seconds") == 0) phone_seconds = atof(v);
        else {
            usage(stderr);
            return 2;
        }
    }
    if (posts < 0 || nk < 1 || conns < 1 || conns > MAX_CONNS || beat_kiosks < 0 ||
        beat_interval <= 0 || beat_seconds <= 0 || (!spawn && (!hub || !token_file)) ||
        phone_rate < 0 || phone_seconds <= 0 || (phone_rate > 0 && posts < 1)) {
        usage(stderr);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    memset(&hub_addr, 0, sizeof hub_addr);
    hub_addr.sin_family = AF_INET;
    if (spawn) {
        snprintf(admin_token, sizeof admin_token, "load-admin-token-%ld-sample", (long)getpid());
        if (!mkdtemp(dir)) return 1;
        pid = spawn_hub(spawn, dir, &port);
        if (pid < 0) {
            fprintf(stderr, "hub_load: cannot start %s\n", spawn);
            return 1;
        }
        inet_pton(AF_INET, "127.0.0.1", &hub_addr.sin_addr);
    } else {
        char host[64];
        FILE *f = fopen(token_file, "r");
        if (!f || !fgets(admin_token, sizeof admin_token, f)) {
            fprintf(stderr, "hub_load: cannot read %s\n", token_file);
            if (f) fclose(f);
            return 2;
        }
        fclose(f);
        admin_token[strcspn(admin_token, " \r\n")] = '\0';
        if (sscanf(hub, "%63[^:]:%d", host, &port) != 2 ||
            inet_pton(AF_INET, host, &hub_addr.sin_addr) != 1) {
            usage(stderr);
            return 2;
        }
    }
    hub_addr.sin_port = htons((uint16_t)port);

    if (posts > 0) {
        char prefix[16];
        struct post_ctx p;
        struct phase ph = {post_next, post_done, 0, &p};
        uint64_t t0, t1;
        snprintf(prefix, sizeof prefix, "LP%ld-", run_id % 100000);
        k = register_kiosks(prefix, nk, conns);
        if (!k) goto out;
        lat = calloc((size_t)posts, sizeof *lat);
        if (!lat) goto out;
        memset(&p, 0, sizeof p);
        p.k = k;
        p.nk = nk;
        p.n = posts;
        p.lat = lat;
        p.expect = 201;
        p.run_id = run_id;
        p.replay_every = 1;
        t0 = now_us();
        if (run_phase(&ph, conns, 600) != 0) goto out;
        t1 = now_us();
        qsort(lat, (size_t)p.nlat, sizeof *lat, lat_cmp);
        printf("hub_load posts=%ld ok=%ld bad=%ld conns=%d kiosks=%ld seconds=%.2f "
               "posts_per_s=%.0f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f\n",
               posts, p.ok, p.bad, conns, nk, (double)(t1 - t0) / 1e6,
               (double)p.ok / ((double)(t1 - t0) / 1e6), pct(lat, p.nlat, 0.50),
               pct(lat, p.nlat, 0.99), pct(lat, p.nlat, 1.0));
        if (p.ok != posts) goto out;
        /* replay every 100th post: same key, same body → 200, no new row */
        {
            struct post_ctx rp = p;
            struct phase rph = {post_next, post_done, 0, &rp};
            rp.replay_every = 100;
            rp.n = (posts + 99) / 100;
            rp.next = rp.ok = rp.bad = 0;
            rp.lat = NULL;
            rp.expect = 200;
            if (run_phase(&rph, conns, 120) != 0) goto out;
            printf("hub_load replays=%ld ok=%ld bad=%ld\n", rp.n, rp.ok, rp.bad);
            if (rp.ok != rp.n) goto out;
        }
        if (phone_rate > 0) {
            struct phone_ctx c;
            struct phase pph = {phone_next, phone_done, 0, &c};
            memset(&c, 0, sizeof c);
            c.posts = &p;
            c.nposts = posts < 1000 ? posts : 1000;
            c.period_us = (uint64_t)(1e6 / phone_rate);
            c.total = (long)(phone_rate * phone_seconds);
            if (c.total < 1) c.total = 1;
            c.lat = calloc((size_t)c.total, sizeof *c.lat);
            if (!c.lat) goto out;
            c.t0 = now_us();
            if (run_phase(&pph, 32, phone_seconds + 60) != 0) {
                free(c.lat);
                goto out;
            }
            qsort(c.lat, (size_t)c.nlat, sizeof *c.lat, lat_cmp);
            printf("hub_phone rate_per_s=%.0f seconds=%.1f pages=%ld ok=%ld bad=%ld p50_ms=%.2f "
                   "p99_ms=%.2f max_ms=%.2f\n",
                   phone_rate, phone_seconds, c.total, c.ok, c.bad, pct(c.lat, c.nlat, 0.50),
                   pct(c.lat, c.nlat, 0.99), pct(c.lat, c.nlat, 1.0));
            free(c.lat);
            if (c.ok != c.total) goto out;
        }
    }
    if (beat_kiosks > 0) {
        char prefix[16];
        struct beat_ctx b;
        struct phase ph = {beat_next, beat_done, 0, &b};
        uint64_t treg = now_us();
        snprintf(prefix, sizeof prefix, "LB%ld-", run_id % 100000);
        bk = register_kiosks(prefix, beat_kiosks, conns);
        if (!bk) goto out;
        memset(&b, 0, sizeof b);
        b.k = bk;
        b.nk = beat_kiosks;
        b.period_us = (uint64_t)(beat_interval * 1e6);
        b.total = (long)((double)beat_kiosks * beat_seconds / beat_interval);
        if (b.total < 1) b.total = 1;
        b.lat = calloc((size_t)b.total, sizeof *b.lat);
        if (!b.lat) goto out;
        fprintf(stderr, "hub_load: registered %ld kiosks in %.1f s; heartbeating %.0f/s for %.0f s\n",
                beat_kiosks, (double)(now_us() - treg) / 1e6, (double)beat_kiosks / beat_interval,
                beat_seconds);
        b.t0 = now_us();
        /* open loop needs spare connections so a slow answer does not delay the next beat */
        if (run_phase(&ph, conns < 32 ? 32 : conns, beat_seconds + 60) != 0) {
            free(b.lat);
            goto out;
        }
        qsort(b.lat, (size_t)b.nlat, sizeof *b.lat, lat_cmp);
        printf("hub_heartbeat kiosks=%ld interval_s=%.0f beats=%ld ok=%ld bad=%ld beats_per_s=%.0f "
               "p50_ms=%.2f p99_ms=%.2f max_ms=%.2f\n",
               beat_kiosks, beat_interval, b.total, b.ok, b.bad,
               (double)beat_kiosks / beat_interval, pct(b.lat, b.nlat, 0.50),
               pct(b.lat, b.nlat, 0.99), pct(b.lat, b.nlat, 1.0));
        free(b.lat);
        if (b.ok != b.total) goto out;
    }
    rc = 0;
out:
    if (pid > 0) {
        int st;
        kill(pid, SIGTERM);
        waitpid(pid, &st, 0);
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
            fprintf(stderr, "hub_load: the hub did not stop cleanly\n");
            rc = 1;
        }
        {
            char cmd[600];
            snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
            if (system(cmd) != 0) fprintf(stderr, "hub_load: could not remove %s\n", dir);
        }
    }
    free(lat);
    free(k);
    free(bk);
    return rc;
}
