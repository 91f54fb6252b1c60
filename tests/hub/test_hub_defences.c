/* The hub's connection-level defences (hubconn, issue 10 item 5), against
 * the real kiosk-hub over loopback. One source, three ctests; argv[2] picks:
 *   slowloris  hub_slowloris_keeps_serving: 1,000 sockets from 127.0.0.2
 *              trickle one header line every 2 s; meanwhile 127.0.0.1 files
 *              help requests on fresh connections (all 201, p99 <= 100 ms)
 *              and /api/v1/health answers; the slow sockets are refused over
 *              the per-address limit or cut at the head deadline.
 *   forwarded  hub_per_ip_limit_uses_forwarded_addr_only_from_trusted_proxy
 *   authfail   hub_auth_failures_rate_limited_per_ip
 * Other sources in 127.0.0.0/8 are bound with bind(2) or CURLOPT_INTERFACE:
 * the whole /8 routes locally on Linux. Every wait is bounded. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

#include "api.h"
#include "harness.h"
#include "ktest.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Raises the soft fd limit to at least need (up to the hard limit). */
static bool nofile_at_least(rlim_t need)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return false;
    if (rl.rlim_cur >= need) return true;
    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need) return false;
    rl.rlim_cur = need;
    return setrlimit(RLIMIT_NOFILE, &rl) == 0;
}

/* A TCP socket from src (an address of 127.0.0.0/8) to 127.0.0.1:port. */
static int raw_connect(const char *src, int port, bool nonblock)
{
    struct sockaddr_in a;
    int fd = socket(AF_INET, SOCK_STREAM | (nonblock ? SOCK_NONBLOCK : 0), 0);
    if (fd < 0) return -1;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    inet_pton(AF_INET, src, &a.sin_addr);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    a.sin_port = htons((uint16_t)port);
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0 && errno != EINPROGRESS) {
        close(fd);
        return -1;
    }
    return fd;
}

static bool send_all(int fd, const char *s)
{
    size_t n = strlen(s);
    while (n) {
        ssize_t k = send(fd, s, n, MSG_NOSIGNAL);
        if (k <= 0) return false;
        s += k;
        n -= (size_t)k;
    }
    return true;
}

/* The status of the answer on fd within timeout_ms: the code, -1 when the
 * hub closed without answering, -2 on timeout. */
static int raw_status(int fd, int timeout_ms)
{
    char buf[512];
    size_t len = 0;
    double end = now_ms() + timeout_ms;
    while (len < sizeof buf - 1) {
        struct pollfd p = {fd, POLLIN, 0};
        int left = (int)(end - now_ms());
        ssize_t k;
        if (left <= 0 || poll(&p, 1, left) <= 0) return -2;
        k = recv(fd, buf + len, sizeof buf - 1 - len, 0);
        if (k <= 0) return len >= 12 ? atoi(buf + 9) : -1;
        len += (size_t)k;
        buf[len] = '\0';
        if (len >= 12 && strncmp(buf, "HTTP/1.1 ", 9) == 0) return atoi(buf + 9);
    }
    return -1;
}

/* True while nothing came back on fd (no answer, no close). */
static bool raw_quiet(int fd)
{
    struct pollfd p = {fd, POLLIN, 0};
    return poll(&p, 1, 0) == 0;
}

/* One request from src with libcurl: fresh connection, optional bearer
 * token and X-Forwarded-For. Fills the status (-1 unreachable), the
 * Retry-After and Content-Type headers and the milliseconds it took. */
struct ans {
    long status;
    char retry_after[16];
    char ctype[64];
    double ms;
};

static size_t ans_header(char *d, size_t sz, size_t n, void *arg)
{
    struct ans *a = arg;
    size_t len = sz * n;
    if (len > 13 && strncasecmp(d, "Retry-After: ", 13) == 0)
        snprintf(a->retry_after, sizeof a->retry_after, "%.*s", (int)(len - 15), d + 13);
    if (len > 14 && strncasecmp(d, "Content-Type: ", 14) == 0)
        snprintf(a->ctype, sizeof a->ctype, "%.*s", (int)(len - 16), d + 14);
    return len;
}

static size_t ans_body(char *d, size_t sz, size_t n, void *arg)
{
    (void)d;
    (void)arg;
    return sz * n;
}

static void req(int port, const char *src, const char *method, const char *path,
                const char *token, const char *xff, const char *key, const char *body,
                struct ans *a)
{
    CURL *c = curl_easy_init();
    struct curl_slist *hdr = NULL;
    char url[256], iface[64], h1[256], h2[160], h3[96];
    double t0 = now_ms();
    memset(a, 0, sizeof *a);
    a->status = -1;
    if (!c) return;
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
    snprintf(iface, sizeof iface, "host!%s", src);
    if (token) {
        snprintf(h1, sizeof h1, "Authorization: Bearer %s", token);
        hdr = curl_slist_append(hdr, h1);
    }
    if (xff) {
        snprintf(h2, sizeof h2, "X-Forwarded-For: %s", xff);
        hdr = curl_slist_append(hdr, h2);
    }
    if (key) {
        snprintf(h3, sizeof h3, "Idempotency-Key: %s", key);
        hdr = curl_slist_append(hdr, h3);
    }
    if (body) hdr = curl_slist_append(hdr, "Content-Type: application/json");
    hdr = curl_slist_append(hdr, "Expect:");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_INTERFACE, iface);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
    if (body) curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_FRESH_CONNECT, 1L);
    curl_easy_setopt(c, CURLOPT_FORBID_REUSE, 1L);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, ans_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, a);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, ans_body);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    if (curl_easy_perform(c) == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &a->status);
    a->ms = now_ms() - t0;
    curl_slist_free_all(hdr);
    curl_easy_cleanup(c);
}

/* Registers kiosk id; its token into tok (at least 65 bytes). */
static bool add_kiosk(const struct hub *h, const char *id, char *tok)
{
    return hub_add_kiosk(h, id, tok, 65) == 201 && tok[0];
}

/* Whether the hub's log holds a line containing both a and b (b may be NULL). */
static bool log_has(const struct hub *h, const char *a, const char *b)
{
    char line[1024];
    bool found = false;
    FILE *f = fopen(h->logfile, "r");
    if (!f) return false;
    while (!found && fgets(line, sizeof line, f))
        found = strstr(line, a) && (!b || strstr(line, b));
    fclose(f);
    return found;
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

static const char BEAT[] = "{\"version\":\"0.1.0\",\"queue_depth\":0,\"oldest_pending_s\":0,"
                           "\"content_version\":\"2026.11.1\",\"online\":true,\"last_error\":null}";

/* ---- hub_slowloris_keeps_serving ---------------------------------------------- */

#define NSLOW 1000
#define TRICKLE_MS 2000
#define HEAD_S 10     /* the hub's default head deadline, which this test relies on */
#define PER_IP 32     /* the hub's default per-address limit */
#define MAX_POSTS 2000

struct poster {
    int port;
    char token[80];
    atomic_bool stop;
    int posts, ok, health, health_ok;
    double ms[MAX_POSTS];
};

/* 127.0.0.1 files a help request on a fresh connection every 20 ms and asks
 * /api/v1/health every 5th round, until told to stop. */
static void *poster_main(void *arg)
{
    struct poster *p = arg;
    while (!atomic_load(&p->stop) && p->posts < MAX_POSTS) {
        char body[1024], ticket[32], key[API_UUID_SIZE];
        struct ans a;
        snprintf(ticket, sizeof ticket, "HL-S01-%06d", p->posts + 1);
        sample_request(body, sizeof body, "HL-S01", ticket, "压测样例（测试数据）");
        api_uuid_v4_make(key);
        req(p->port, "127.0.0.1", "POST", "/api/v1/requests", p->token, NULL, key, body, &a);
        p->ms[p->posts++] = a.ms;
        if (a.status == 201) p->ok++;
        else if (p->ok + 5 > p->posts) fprintf(stderr, "  POST answered %ld\n", a.status);
        if (p->posts % 5 == 0) {
            req(p->port, "127.0.0.1", "GET", "/api/v1/health", NULL, NULL, NULL, NULL, &a);
            p->health++;
            if (a.status == 200) p->health_ok++;
        }
        usleep(20000);
    }
    return NULL;
}

struct slow {
    int fd;
    double t_open, t_closed; /* t_closed 0 while open */
    bool sent;               /* the request line went out */
};

static void test_slowloris(const char *bin)
{
    static struct slow s[NSLOW];
    static struct pollfd pf[NSLOW];
    static struct poster p;
    const char *flags[] = {"--rate", "1000/s", "--burst", "1000", NULL};
    struct hub h;
    pthread_t th;
    double t0, next_trickle, max_life = 0, deadline_s = HEAD_S + 2.5;
    int open_n = 0, closed = 0, held = 0, trickles = 0;

    CHECK(nofile_at_least(NSLOW + 256));
    CHECK(hub_init(&h, bin) == 0);
    CHECK(hub_start(&h, flags) == 0);
    if (h.pid <= 0) return;
    memset(&p, 0, sizeof p);
    p.port = h.port;
    CHECK(add_kiosk(&h, "HL-S01", p.token));

    t0 = now_ms();
    for (int i = 0; i < NSLOW; i++) {
        s[i].fd = raw_connect("127.0.0.2", h.port, true);
        s[i].t_open = now_ms();
        if (s[i].fd >= 0) open_n++;
    }
    CHECK(open_n == NSLOW);
    pthread_create(&th, NULL, poster_main, &p);

    /* the slow side: first line once connected, then one header line every
     * TRICKLE_MS (well inside libmicrohttpd's 30 s idle timeout), until the
     * hub has closed every socket or deadline_s + 4 s have passed */
    next_trickle = now_ms() + TRICKLE_MS;
    while (closed < open_n && now_ms() - t0 < (deadline_s + 4) * 1e3) {
        int n = 0;
        for (int i = 0; i < NSLOW; i++) {
            pf[i].fd = s[i].fd >= 0 && s[i].t_closed == 0 ? s[i].fd : -1;
            pf[i].events = POLLIN | (s[i].sent ? 0 : POLLOUT);
            pf[i].revents = 0;
        }
        poll(pf, NSLOW, 50);
        for (int i = 0; i < NSLOW; i++) {
            char buf[512];
            if (pf[i].fd < 0 || !pf[i].revents) continue;
            if ((pf[i].revents & POLLOUT) && !(pf[i].revents & (POLLERR | POLLHUP)) &&
                !s[i].sent) {
                s[i].sent = send_all(s[i].fd, "POST /api/v1/requests HTTP/1.1\r\nHost: hub\r\n");
                n++;
            }
            if (pf[i].revents & (POLLIN | POLLERR | POLLHUP)) {
                ssize_t k = recv(s[i].fd, buf, sizeof buf, 0);
                if (k == 0 || (k < 0 && errno != EAGAIN)) {
                    s[i].t_closed = now_ms();
                    closed++;
                }
            }
        }
        (void)n;
        if (now_ms() >= next_trickle) {
            for (int i = 0; i < NSLOW; i++) {
                if (s[i].fd < 0 || s[i].t_closed != 0 || !s[i].sent) continue;
                /* a failed send is seen as a close by the next poll */
                send(s[i].fd, "X-Slow: 1\r\n", 11, MSG_NOSIGNAL);
            }
            trickles++;
            next_trickle += TRICKLE_MS;
        }
    }
    atomic_store(&p.stop, true);
    pthread_join(th, NULL);

    for (int i = 0; i < NSLOW; i++) {
        double life;
        if (s[i].fd < 0) continue;
        life = (s[i].t_closed ? s[i].t_closed : now_ms()) - s[i].t_open;
        if (life > max_life) max_life = life;
        if (life > 2000) held++;
        close(s[i].fd);
    }
    qsort(p.ms, (size_t)p.posts, sizeof p.ms[0], cmp_double);
    {
        double p50 = p.posts ? p.ms[p.posts / 2] : 0;
        double p99 = p.posts ? p.ms[(p.posts * 99 + 99) / 100 - 1] : 0;
        double mx = p.posts ? p.ms[p.posts - 1] : 0;
        printf("hub_slowloris slow=%d closed_by_hub=%d held_over_2s=%d trickles=%d "
               "max_life_s=%.1f posts=%d ok=%d p50_ms=%.2f p99_ms=%.2f max_ms=%.2f "
               "health=%d/%d\n",
               open_n, closed, held, trickles, max_life / 1e3, p.posts, p.ok, p50, p99, mx,
               p.health_ok, p.health);
        CHECK(p.posts >= 100);
        CHECK(p.ok == p.posts);
        CHECK(p99 <= 100.0);
        CHECK(p.health >= 20 && p.health_ok == p.health);
    }
    /* every slow socket closed by the hub, none after the head deadline */
    CHECK(closed == open_n);
    CHECK(max_life <= deadline_s * 1e3);
    /* the hub kept at most its per-address limit of them */
    CHECK(held >= 1 && held <= PER_IP);
    CHECK(trickles >= 3); /* they really did trickle past MHD's idle timeout checks */
    CHECK(log_has(&h, "refused", "ip=127.0.0.2"));
    CHECK(log_has(&h, "request head took over", "ip=127.0.0.2"));
    CHECK(hub_stop(&h, SIGTERM) == 0);
    hub_cleanup(&h);
}

/* ---- hub_per_ip_limit_uses_forwarded_addr_only_from_trusted_proxy ------------- */

#define LIMIT 4

/* A heartbeat whose head is sent and whose body is held back: in flight. */
static int held_beat(int port, const char *src, const char *tok, const char *xff)
{
    char head[512];
    int fd = raw_connect(src, port, false);
    if (fd < 0) return -1;
    snprintf(head, sizeof head,
             "POST /api/v1/kiosks/HL-P01/heartbeat HTTP/1.1\r\nHost: hub\r\n"
             "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
             "Content-Length: %zu\r\nX-Forwarded-For: %s\r\n\r\n",
             tok, strlen(BEAT), xff);
    if (!send_all(fd, head)) {
        close(fd);
        return -1;
    }
    return fd;
}

/* A whole heartbeat from src for xff: the answer's status (raw_status). */
static int beat(int port, const char *src, const char *tok, const char *xff)
{
    int fd = held_beat(port, src, tok, xff), st;
    if (fd < 0) return -1;
    st = send_all(fd, BEAT) ? raw_status(fd, 3000) : -1;
    close(fd);
    return st;
}

static void test_forwarded(const char *bin)
{
    const char *flags[] = {"--rate",          "1000/s", "--burst",         "1000",
                           "--trusted-proxy", "127.0.0.1", "--max-conns-per-ip", "4",
                           NULL};
    struct hub h;
    char tok[80] = "";
    int proxied[3 * LIMIT], direct[LIMIT], fd, st;
    struct ans a;
    bool quiet = true;

    CHECK(hub_init(&h, bin) == 0);
    CHECK(hub_start(&h, flags) == 0);
    if (h.pid <= 0) return;
    CHECK(add_kiosk(&h, "HL-P01", tok));

    /* 12 requests in flight from the proxy's own address, for three clients
     * (the third behind a spoofed left entry): the proxy is not one client */
    for (int i = 0; i < LIMIT; i++) {
        proxied[i] = held_beat(h.port, "127.0.0.1", tok, "10.9.0.1");
        proxied[LIMIT + i] = held_beat(h.port, "127.0.0.1", tok, "10.9.0.2");
        proxied[2 * LIMIT + i] = held_beat(h.port, "127.0.0.1", tok, "203.0.113.9, 10.9.0.3");
    }
    usleep(300000);
    for (int i = 0; i < 3 * LIMIT; i++) quiet = quiet && proxied[i] >= 0 && raw_quiet(proxied[i]);
    CHECK(quiet);
    /* each forwarded client is at its limit: the rightmost untrusted entry
     * is the client, whatever stands left of it or trusted right of it */
    CHECK(beat(h.port, "127.0.0.1", tok, "10.9.0.1") == 429);
    CHECK(beat(h.port, "127.0.0.1", tok, "10.9.0.4, 10.9.0.3") == 429);
    CHECK(beat(h.port, "127.0.0.1", tok, "10.9.0.3, 127.0.0.1") == 429);
    CHECK(beat(h.port, "127.0.0.1", tok, "10.9.0.1, 10.9.0.4") == 200);
    req(h.port, "127.0.0.1", "GET", "/api/v1/health", NULL, "10.9.0.1", NULL, NULL, &a);
    CHECK(a.status == 429);
    CHECK(strcmp(a.retry_after, "1") == 0);

    /* from an untrusted peer the header is ignored: LIMIT connections of
     * 127.0.0.2, whatever they claim, and the next one is refused */
    for (int i = 0; i < LIMIT; i++) {
        char x[32];
        snprintf(x, sizeof x, "10.8.0.%d", i + 1);
        direct[i] = held_beat(h.port, "127.0.0.2", tok, x);
    }
    usleep(300000);
    quiet = true;
    for (int i = 0; i < LIMIT; i++) quiet = quiet && direct[i] >= 0 && raw_quiet(direct[i]);
    CHECK(quiet);
    fd = raw_connect("127.0.0.2", h.port, false);
    st = fd >= 0 && send_all(fd, "GET /api/v1/health HTTP/1.1\r\nHost: hub\r\n"
                                 "X-Forwarded-For: 10.8.0.99\r\n\r\n")
             ? raw_status(fd, 3000)
             : -1;
    CHECK(st == -1); /* closed without an answer */
    if (fd >= 0) close(fd);

    /* closing them gives the places back */
    for (int i = 0; i < 3 * LIMIT; i++)
        if (proxied[i] >= 0) close(proxied[i]);
    for (int i = 0; i < LIMIT; i++)
        if (direct[i] >= 0) close(direct[i]);
    usleep(300000);
    CHECK(beat(h.port, "127.0.0.1", tok, "10.9.0.1") == 200);
    req(h.port, "127.0.0.2", "GET", "/api/v1/health", NULL, "10.8.0.99", NULL, NULL, &a);
    CHECK(a.status == 200);

    /* log lines name the forwarded client only when a trusted proxy said so */
    CHECK(hub_stop(&h, SIGTERM) == 0);
    CHECK(log_has(&h, "/heartbeat 200", "ip=10.9.0.4"));
    CHECK(log_has(&h, "/api/v1/health 200", "ip=127.0.0.2"));
    CHECK(!log_has(&h, "ip=10.8.0.99", NULL));
    CHECK(!log_has(&h, "ip=203.0.113.9", NULL));
    hub_cleanup(&h);
}

/* ---- hub_auth_failures_rate_limited_per_ip ------------------------------------ */

#define FAILS 10 /* the hub's default --auth-fail-limit, per minute */

static void test_authfail(const char *bin)
{
    const char *flags[] = {"--rate", "1000/s", "--burst", "1000", NULL};
    const char *proxied[] = {"--rate",          "1000/s",    "--burst", "1000",
                             "--trusted-proxy", "127.0.0.1", NULL};
    const char *wrong_kiosk = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    struct hub h;
    char tok[80] = "";
    struct ans a;
    int n401 = 0, retry;

    CHECK(hub_init(&h, bin) == 0);
    CHECK(hub_start(&h, flags) == 0);
    if (h.pid <= 0) return;
    CHECK(add_kiosk(&h, "HL-F01", tok));

    /* wrong admin and wrong kiosk tokens from 127.0.0.2: FAILS of them are
     * answered 401, then the address gets 429 with Retry-After */
    for (int i = 0; i < FAILS; i++) {
        if (i % 2)
            req(h.port, "127.0.0.2", "GET", "/api/v1/admin/kiosks",
                "wrong-admin-token-0123456789", NULL, NULL, NULL, &a);
        else
            req(h.port, "127.0.0.2", "POST", "/api/v1/kiosks/HL-F01/heartbeat", wrong_kiosk,
                NULL, NULL, BEAT, &a);
        n401 += a.status == 401;
    }
    CHECK(n401 == FAILS);
    req(h.port, "127.0.0.2", "GET", "/api/v1/admin/kiosks", "wrong-admin-token-0123456789", NULL,
        NULL, NULL, &a);
    CHECK(a.status == 429);
    CHECK(strcmp(a.ctype, "application/problem+json") == 0);
    retry = atoi(a.retry_after);
    CHECK(retry >= 1 && retry <= 60);
    /* the right token does not help that address: it is not even looked at */
    req(h.port, "127.0.0.2", "GET", "/api/v1/admin/kiosks", ADMIN_TOKEN, NULL, NULL, NULL, &a);
    CHECK(a.status == 429);
    req(h.port, "127.0.0.2", "POST", "/api/v1/kiosks/HL-F01/heartbeat", tok, NULL, NULL, BEAT, &a);
    CHECK(a.status == 429);
    req(h.port, "127.0.0.2", "GET", "/api/v1/health", NULL, NULL, NULL, NULL, &a);
    CHECK(a.status == 200);
    /* per address: 127.0.0.1 is untouched */
    req(h.port, "127.0.0.1", "GET", "/api/v1/admin/kiosks", ADMIN_TOKEN, NULL, NULL, NULL, &a);
    CHECK(a.status == 200);
    req(h.port, "127.0.0.1", "GET", "/api/v1/admin/kiosks", "wrong-admin-token-0123456789", NULL,
        NULL, NULL, &a);
    CHECK(a.status == 401);
    /* no token at all is not a guess: never limited */
    n401 = 0;
    for (int i = 0; i < 2 * FAILS; i++) {
        req(h.port, "127.0.0.3", "GET", "/api/v1/admin/kiosks", NULL, NULL, NULL, NULL, &a);
        n401 += a.status == 401;
    }
    CHECK(n401 == 2 * FAILS);
    /* the bucket refills: after Retry-After the address may try again */
    if (retry >= 1 && retry <= 10) {
        usleep((useconds_t)retry * 1000000u + 200000u);
        req(h.port, "127.0.0.2", "GET", "/api/v1/admin/kiosks", ADMIN_TOKEN, NULL, NULL, NULL,
            &a);
        CHECK(a.status == 200);
    }
    CHECK(hub_stop(&h, SIGTERM) == 0);

    /* behind a trusted proxy the forwarded client is counted, not the proxy */
    h.port = 0;
    CHECK(hub_start(&h, proxied) == 0);
    if (h.pid <= 0) return;
    n401 = 0;
    for (int i = 0; i < FAILS; i++) {
        req(h.port, "127.0.0.1", "GET", "/api/v1/admin/kiosks", "wrong-admin-token-0123456789",
            "10.7.0.1", NULL, NULL, &a);
        n401 += a.status == 401;
    }
    CHECK(n401 == FAILS);
    req(h.port, "127.0.0.1", "GET", "/api/v1/admin/kiosks", ADMIN_TOKEN, "10.7.0.1", NULL, NULL,
        &a);
    CHECK(a.status == 429);
    req(h.port, "127.0.0.1", "GET", "/api/v1/admin/kiosks", "wrong-admin-token-0123456789",
        "10.7.0.2", NULL, NULL, &a);
    CHECK(a.status == 401);
    req(h.port, "127.0.0.1", "GET", "/api/v1/admin/kiosks", ADMIN_TOKEN, NULL, NULL, NULL, &a);
    CHECK(a.status == 200);
    CHECK(hub_stop(&h, SIGTERM) == 0);
    CHECK(log_has(&h, "429", "ip=10.7.0.1"));
    hub_cleanup(&h);
}

int main(int argc, char **argv)
{
    const char *which = argc > 2 ? argv[2] : "";
    if (argc < 3) {
        fprintf(stderr, "usage: %s KIOSK_HUB slowloris|forwarded|authfail\n", argv[0]);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (strcmp(which, "slowloris") == 0) test_slowloris(argv[1]);
    else if (strcmp(which, "forwarded") == 0) test_forwarded(argv[1]);
    else if (strcmp(which, "authfail") == 0) test_authfail(argv[1]);
    else CHECK(!"unknown test");
    curl_global_cleanup();
    return ktest_done(which);
}
