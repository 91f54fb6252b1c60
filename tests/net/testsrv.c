#include "testsrv.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "kclock.h"

#define MAX_CONNS 64
#define REQ_MAX (API_BODY_MAX + 8192)

struct effect {
    char key[API_UUID_SIZE];
    char ticket[API_TICKET_SIZE];
    char receipt[API_TICKET_SIZE]; /* receipt_ticket of a renumbered request, else "" */
    char check[API_CHECK_SIZE];
    char category[API_TOKEN_SIZE];
    bool preloaded;                /* tsrv_preload_tickets: held "before this kiosk" */
    char *body;
    char *answer;
    int receipts;
    bool busy;
};

struct tsrv {
    pthread_mutex_t mu;
    int port;
    int lfd;
    pthread_t acceptor;
    bool running;      /* acceptor alive */
    bool stopping;     /* ask everything to end */
    enum tsrv_mode mode;
    int conns[MAX_CONNS];
    int nconn_threads;
    struct effect *fx;
    int nfx, capfx;
    struct tsrv_stats st;
    uint64_t arr_prev, arr_last;
    int take_next;                 /* the next new tickets answered 409 ticket-taken */
    int foreign_status;            /* TS_FOREIGN: the answer sent */
    char foreign_ctype[64];
    char *foreign_body;
};

static bool stopping(struct tsrv *t)
{
    bool s;
    pthread_mutex_lock(&t->mu);
    s = t->stopping;
    pthread_mutex_unlock(&t->mu);
    return s;
}

static enum tsrv_mode mode_now(struct tsrv *t)
{
    enum tsrv_mode m;
    pthread_mutex_lock(&t->mu);
    m = t->mode;
    pthread_mutex_unlock(&t->mu);
    return m;
}

static bool send_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

static bool respond(int fd, int status, const char *reason, const char *ctype, const char *extra,
                    const char *body)
{
    char head[512], *all;
    size_t bl = body ? strlen(body) : 0;
    bool ok;
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %d %s\r\nContent-Length: %zu\r\n%s%s%s%s\r\n", status, reason, bl,
                     ctype ? "Content-Type: " : "", ctype ? ctype : "", ctype ? "\r\n" : "",
                     extra ? extra : "");
    all = malloc((size_t)n + bl);
    if (!all) return false;
    memcpy(all, head, (size_t)n);
    if (bl) memcpy(all + n, body, bl);
    ok = send_all(fd, all, (size_t)n + bl); /* one write: no Nagle/delayed-ACK stall */
    free(all);
    return ok;
}

/* A problem answer; with a key (answers to POST /api/v1/requests) it names
 * the request in "instance", as the hub does (design D1). */
static bool problem_for(int fd, int status, const char *reason, const char *slug,
                        const char *extra, const char *key)
{
    char body[384], inst[80] = "";
    if (key && api_uuid_v4_valid(key))
        snprintf(inst, sizeof inst, ",\"instance\":\"%s%s\"", API_PROBLEM_INSTANCE_KEY, key);
    snprintf(body, sizeof body,
             "{\"type\":\"%s%s\",\"title\":\"%s\",\"status\":%d,\"detail\":\"sample test server\"%s}",
             API_PROBLEM_BASE, slug, reason, status, inst);
    return respond(fd, status, reason, API_CT_PROBLEM, extra, body);
}

static bool problem(int fd, int status, const char *reason, const char *slug, const char *extra)
{
    return problem_for(fd, status, reason, slug, extra, NULL);
}

static struct effect *find_key(struct tsrv *t, const char *key)
{
    for (int i = 0; i < t->nfx; i++)
        if (strcmp(t->fx[i].key, key) == 0) return &t->fx[i];
    return NULL;
}

static struct effect *find_ticket(struct tsrv *t, const char *ticket)
{
    for (int i = 0; i < t->nfx; i++)
        if (strcmp(t->fx[i].ticket, ticket) == 0) return &t->fx[i];
    return NULL;
}

/* By ticket or by the receipt ticket of a renumbered request (as the hub maps it). */
static struct effect *find_receipt(struct tsrv *t, const char *ticket)
{
    struct effect *e = find_ticket(t, ticket);
    for (int i = 0; !e && i < t->nfx; i++)
        if (strcmp(t->fx[i].receipt, ticket) == 0) e = &t->fx[i];
    return e;
}

/* A lookup: the request filed (not preloaded) under this ticket or receipt
 * ticket whose check code is check. Another request may hold the receipt
 * ticket as its own ticket (the one that made it taken). */
static struct effect *find_lookup(struct tsrv *t, const char *ticket, const char *check,
                                  bool *known)
{
    *known = false;
    for (int i = 0; i < t->nfx; i++) {
        struct effect *e = &t->fx[i];
        if (e->preloaded || (strcmp(e->ticket, ticket) != 0 && strcmp(e->receipt, ticket) != 0))
            continue;
        *known = true;
        if (api_check_valid(check) && strcmp(e->check, check) == 0) return e;
    }
    return NULL;
}

/* Room for one more effect (under t->mu); NULL when out of memory. */
static struct effect *new_effect(struct tsrv *t)
{
    struct effect *e;
    if (t->nfx == t->capfx) {
        int cap = t->capfx ? t->capfx * 2 : 256;
        struct effect *nf = realloc(t->fx, (size_t)cap * sizeof *nf);
        if (!nf) return NULL;
        t->fx = nf;
        t->capfx = cap;
    }
    e = &t->fx[t->nfx];
    memset(e, 0, sizeof *e);
    return e;
}

static void set_busy(struct tsrv *t, const char *key, bool b)
{
    struct effect *e;
    pthread_mutex_lock(&t->mu);
    e = find_key(t, key);
    if (e) e->busy = b;
    pthread_mutex_unlock(&t->mu);
}

/* Waits (in small steps) while the mode stays m and the server runs. */
static void wait_while_mode(struct tsrv *t, enum tsrv_mode m)
{
    while (!stopping(t) && mode_now(t) == m) usleep(20000);
}

static const char *hdr(const char *head, const char *name, char *out, size_t size)
{
    const char *p = head;
    size_t nl = strlen(name);
    out[0] = '\0';
    while ((p = strstr(p, "\r\n")) != NULL) {
        p += 2;
        if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
            const char *v = p + nl + 1, *e;
            while (*v == ' ') v++;
            e = strstr(v, "\r\n");
            if (!e) return NULL;
            snprintf(out, size, "%.*s", (int)(e - v), v);
            return out;
        }
    }
    return NULL;
}

/* Sends the stored answer (status 201 or 200) in the current fault mode;
 * frees ans. false: close the connection. */
static bool answer_in_mode(struct tsrv *t, int fd, enum tsrv_mode m, const char *key, int status,
                           char *ans)
{
    bool ok;
    switch (m) {
    case TS_HANG: wait_while_mode(t, TS_HANG); ok = false; break;
    case TS_DRIP: {
        char head2[256];
        int n = snprintf(head2, sizeof head2,
                         "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
                         "Content-Length: %zu\r\n\r\n", status, status == 201 ? "Created" : "OK",
                         strlen(ans));
        ok = send_all(fd, head2, (size_t)n);
        for (size_t i = 0; ok && ans[i] && !stopping(t) && mode_now(t) == TS_DRIP; i++) {
            ok = send_all(fd, ans + i, 1);
            for (int k = 0; ok && k < 50 && mode_now(t) == TS_DRIP; k++) usleep(20000);
        }
        ok = false;
        break;
    }
    case TS_RESET: {
        struct linger lg = {1, 0};
        send_all(fd, "HTTP/1.1 201 Cre", 16);
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        ok = false;
        break;
    }
    default:
        ok = respond(fd, status, status == 201 ? "Created" : "OK", API_CT_JSON, NULL, ans);
        set_busy(t, key, false);
        break;
    }
    free(ans);
    return ok;
}

/* Handles POST /api/v1/requests in the current mode. false: close the connection. */
static bool handle_request(struct tsrv *t, int fd, const char *head, const char *body, size_t blen)
{
    char key[128], auth[256], ua[256], extra[128];
    struct api_help_request r;
    struct api_request_answer a;
    struct effect *e;
    enum tsrv_mode m = mode_now(t);
    char *ans = NULL;
    const char *why = NULL;

    hdr(head, "Idempotency-Key", key, sizeof key);
    hdr(head, "Authorization", auth, sizeof auth);
    hdr(head, "User-Agent", ua, sizeof ua);
    pthread_mutex_lock(&t->mu);
    t->st.receipts++;
    t->arr_prev = t->arr_last;
    t->arr_last = kclock_mono_ms();
    if (!api_uuid_v4_valid(key) || strcmp(auth, "Bearer " TSRV_TOKEN) != 0 ||
        strncmp(ua, "huanglong-kiosk/", 16) != 0)
        t->st.bad_headers++;
    pthread_mutex_unlock(&t->mu);

    if (strcmp(auth, "Bearer " TSRV_TOKEN) != 0) return problem_for(fd, 401, "Unauthorized", "unauthorized", NULL, key);
    if (!api_uuid_v4_valid(key)) return problem(fd, 400, "Bad Request", "bad-request", NULL);
    switch (m) {
    case TS_500: return problem_for(fd, 500, "Internal Server Error", "internal", NULL, key);
    case TS_503_RA:
        return problem_for(fd, 503, "Service Unavailable", "internal", "Retry-After: 1\r\n", key);
    case TS_FOREIGN: {
        char ctype[64], *fb;
        int fs;
        bool ok;
        pthread_mutex_lock(&t->mu);
        fs = t->foreign_status;
        snprintf(ctype, sizeof ctype, "%s", t->foreign_ctype);
        fb = strdup(t->foreign_body ? t->foreign_body : "");
        pthread_mutex_unlock(&t->mu);
        ok = fb && respond(fd, fs, "Foreign", ctype[0] ? ctype : NULL, NULL, fb);
        free(fb);
        return ok;
    }
    case TS_429_DATE: {
        time_t when = time(NULL) + 2;
        struct tm tm;
        char date[64];
        gmtime_r(&when, &tm);
        strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
        snprintf(extra, sizeof extra, "Retry-After: %s\r\n", date);
        return problem_for(fd, 429, "Too Many Requests", "rate-limited", extra, key);
    }
    case TS_400: return problem_for(fd, 400, "Bad Request", "bad-request", NULL, key);
    case TS_HUGE: {
        static char chunk[65536];
        const char *h = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n";
        memset(chunk, ' ', sizeof chunk);
        if (!send_all(fd, h, strlen(h))) return false;
        for (int i = 0; i < 800 && !stopping(t); i++) /* 50 MB */
            if (!send_all(fd, chunk, sizeof chunk)) break;
        return false;
    }
    default: break;
    }

    if (api_help_request_decode(body, blen, &r, &why) != KERR_OK)
        return problem_for(fd, 400, "Bad Request", "bad-request", NULL, key);
    pthread_mutex_lock(&t->mu);
    e = find_key(t, key);
    if (e) {
        e->receipts++;
        if (e->busy) t->st.overlaps++;
        if (strlen(e->body) != blen || memcmp(e->body, body, blen) != 0) {
            t->st.conflicts++;
            pthread_mutex_unlock(&t->mu);
            return problem_for(fd, 422, "Unprocessable Content", "idempotency-key-reused", NULL, key);
        }
        t->st.replays++;
        e->busy = m == TS_OK;
        ans = strdup(e->answer);
        pthread_mutex_unlock(&t->mu);
        if (m == TS_OK) usleep(2000); /* widen the window in which a second attempt would overlap */
        return answer_in_mode(t, fd, m, key, 200, ans);
    }
    e = find_receipt(t, r.ticket);
    if (e || t->take_next > 0) {
        /* Taken: a ticket held before (preloaded, or made taken on purpose)
         * is expected; one this kiosk itself used twice is a conflict. The
         * hub stores nothing under a key it answers 409 for. */
        if (!e) {
            t->take_next--;
            e = new_effect(t);
            if (e) {
                snprintf(e->key, sizeof e->key, "%s", "taken");
                memcpy(e->ticket, r.ticket, sizeof e->ticket);
                e->preloaded = true;
                e->body = strdup("");
                e->answer = strdup("");
                t->nfx++;
            }
            t->st.taken++;
        } else if (e->preloaded) {
            t->st.taken++;
        } else {
            t->st.conflicts++;
        }
        pthread_mutex_unlock(&t->mu);
        return problem_for(fd, 409, "Conflict", "ticket-taken", NULL, key);
    }
    e = new_effect(t);
    if (!e) {
        pthread_mutex_unlock(&t->mu);
        return problem_for(fd, 500, "Internal Server Error", "internal", NULL, key);
    }
    snprintf(e->key, sizeof e->key, "%.36s", key);
    memcpy(e->ticket, r.ticket, sizeof e->ticket);
    memcpy(e->receipt, r.receipt_ticket, sizeof e->receipt);
    memcpy(e->check, r.check, sizeof e->check);
    memcpy(e->category, r.category, sizeof e->category);
    e->body = strndup(body, blen);
    memset(&a, 0, sizeof a);
    memcpy(a.ticket, r.ticket, sizeof a.ticket);
    snprintf(a.status, sizeof a.status, "new");
    api_time_format(kclock_wall_ms(), a.received_at);
    api_request_answer_encode(&a, &e->answer);
    e->receipts = 1;
    e->busy = m == TS_OK;
    t->nfx++;
    t->st.effects++;
    explicit_bzero(&r, sizeof r);
    ans = strdup(e->answer);
    pthread_mutex_unlock(&t->mu);

    return answer_in_mode(t, fd, m, key, 201, ans);
}

static bool handle_one(struct tsrv *t, int fd, const char *head, const char *body, size_t blen)
{
    char method[8] = "", path[256] = "";
    if (sscanf(head, "%7s %255s", method, path) != 2) return false;
    if (strcmp(method, "POST") == 0 && strcmp(path, API_PATH_REQUESTS) == 0)
        return handle_request(t, fd, head, body, blen);
    if (strcmp(method, "POST") == 0 && strncmp(path, API_PATH_KIOSKS, strlen(API_PATH_KIOSKS)) == 0) {
        struct api_heartbeat hb;
        pthread_mutex_lock(&t->mu);
        t->st.heartbeats++;
        pthread_mutex_unlock(&t->mu);
        if (mode_now(t) != TS_OK) return problem(fd, 503, "Service Unavailable", "internal", NULL);
        if (api_heartbeat_decode(body, blen, &hb, NULL) != KERR_OK)
            return problem(fd, 400, "Bad Request", "bad-request", NULL);
        pthread_mutex_lock(&t->mu);
        snprintf(t->st.content_version, sizeof t->st.content_version, "%s", hb.content_version);
        pthread_mutex_unlock(&t->mu);
        if (hb.has_screen_on) {
            pthread_mutex_lock(&t->mu);
            t->st.screen_beats++;
            t->st.screen_on = hb.screen_on;
            pthread_mutex_unlock(&t->mu);
        }
        return respond(fd, 204, "No Content", NULL, NULL, NULL);
    }
    if (strcmp(method, "GET") == 0 && strncmp(path, API_PATH_TICKETS, strlen(API_PATH_TICKETS)) == 0) {
        char tk[64] = "", check[16] = "";
        const char *q = strchr(path, '?');
        struct api_ticket_status ts;
        struct effect *e;
        char *out = NULL;
        bool ok;
        snprintf(tk, sizeof tk, "%.*s", (int)((q ? q : path + strlen(path)) - path -
                                              strlen(API_PATH_TICKETS)),
                 path + strlen(API_PATH_TICKETS));
        if (q && strncmp(q + 1, API_QUERY_CHECK "=", strlen(API_QUERY_CHECK) + 1) == 0)
            snprintf(check, sizeof check, "%s", q + 2 + strlen(API_QUERY_CHECK));
        pthread_mutex_lock(&t->mu);
        t->st.queries++;
        if (!api_ticket_valid(tk)) {
            pthread_mutex_unlock(&t->mu);
            return problem(fd, 400, "Bad Request", "bad-request", NULL);
        }
        /* As the hub: unknown ticket and wrong or missing check answer the same 404. */
        bool known;
        e = find_lookup(t, tk, check, &known);
        if (!e) {
            if (known) t->st.check_misses++;
            pthread_mutex_unlock(&t->mu);
            return problem(fd, 404, "Not Found", "not-found", NULL);
        }
        memset(&ts, 0, sizeof ts);
        snprintf(ts.ticket, sizeof ts.ticket, "%s", e->ticket);
        ts.status = API_TICKET_ACCEPTED;
        snprintf(ts.note, sizeof ts.note, "示例备注 sample note");
        api_time_format(kclock_wall_ms(), ts.updated_at);
        memcpy(ts.category, e->category, sizeof ts.category);
        pthread_mutex_unlock(&t->mu);
        api_ticket_status_encode(&ts, &out);
        ok = respond(fd, 200, "OK", API_CT_JSON, NULL, out);
        free(out);
        return ok;
    }
    return problem(fd, 404, "Not Found", "not-found", NULL);
}

struct conn_arg {
    struct tsrv *t;
    int fd;
    int slot;
};

static void *conn_main(void *arg)
{
    struct conn_arg *ca = arg;
    struct tsrv *t = ca->t;
    int fd = ca->fd;
    char *buf = malloc(REQ_MAX + 1);
    size_t have = 0;
    free(ca);
    while (buf && !stopping(t)) {
        struct pollfd p = {fd, POLLIN, 0};
        char *end, cl[32];
        size_t hlen, blen = 0;
        int pr = poll(&p, 1, 50);
        ssize_t r;
        if (pr < 0 && errno != EINTR) break;
        if (pr <= 0) continue;
        r = recv(fd, buf + have, REQ_MAX - have, 0);
        if (r <= 0) break;
        have += (size_t)r;
        buf[have] = '\0';
        for (;;) {
            end = strstr(buf, "\r\n\r\n");
            if (!end) break;
            hlen = (size_t)(end - buf) + 4;
            if (hdr(buf, "Content-Length", cl, sizeof cl)) blen = (size_t)strtoul(cl, NULL, 10);
            if (blen > API_BODY_MAX) goto out;
            if (have < hlen + blen) break;
            {
                char *head = strndup(buf, hlen);
                bool keep = head && handle_one(t, fd, head, buf + hlen, blen);
                free(head);
                if (!keep) goto out;
            }
            memmove(buf, buf + hlen + blen, have - hlen - blen);
            have -= hlen + blen;
            buf[have] = '\0';
            blen = 0;
        }
        if (have == REQ_MAX) break;
    }
out:
    free(buf);
    close(fd);
    pthread_mutex_lock(&t->mu);
    for (int i = 0; i < MAX_CONNS; i++)
        if (t->conns[i] == fd) t->conns[i] = -1;
    t->nconn_threads--;
    pthread_mutex_unlock(&t->mu);
    return NULL;
}

static void *accept_main(void *arg)
{
    struct tsrv *t = arg;
    for (;;) {
        struct pollfd p;
        int fd, slot = -1;
        pthread_t th;
        struct conn_arg *ca;
        pthread_mutex_lock(&t->mu);
        if (t->stopping || t->lfd < 0) {
            pthread_mutex_unlock(&t->mu);
            break;
        }
        p.fd = t->lfd;
        pthread_mutex_unlock(&t->mu);
        p.events = POLLIN;
        if (poll(&p, 1, 50) <= 0) continue;
        fd = accept(p.fd, NULL, NULL);
        if (fd < 0) continue;
        {
            int one = 1;
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        }
        pthread_mutex_lock(&t->mu);
        for (int i = 0; i < MAX_CONNS; i++)
            if (t->conns[i] < 0) {
                slot = i;
                break;
            }
        if (slot < 0 || t->stopping) {
            pthread_mutex_unlock(&t->mu);
            close(fd);
            continue;
        }
        t->conns[slot] = fd;
        t->nconn_threads++;
        t->st.connections++;
        pthread_mutex_unlock(&t->mu);
        ca = malloc(sizeof *ca);
        ca->t = t;
        ca->fd = fd;
        ca->slot = slot;
        if (pthread_create(&th, NULL, conn_main, ca) != 0) {
            free(ca);
            close(fd);
            pthread_mutex_lock(&t->mu);
            t->conns[slot] = -1;
            t->nconn_threads--;
            pthread_mutex_unlock(&t->mu);
            continue;
        }
        pthread_detach(th);
    }
    return NULL;
}

static int listen_on(int port, int *bound)
{
    struct sockaddr_in a;
    socklen_t al = sizeof a;
    int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 128) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &al) != 0) {
        close(fd);
        return -1;
    }
    *bound = ntohs(a.sin_port);
    return fd;
}

static bool start_listening(struct tsrv *t)
{
    int fd = listen_on(t->port, &t->port);
    if (fd < 0) return false;
    t->lfd = fd;
    t->stopping = false;
    if (pthread_create(&t->acceptor, NULL, accept_main, t) != 0) {
        close(fd);
        t->lfd = -1;
        return false;
    }
    t->running = true;
    return true;
}

struct tsrv *tsrv_start(int port)
{
    struct tsrv *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    pthread_mutex_init(&t->mu, NULL);
    t->port = port;
    t->lfd = -1;
    for (int i = 0; i < MAX_CONNS; i++) t->conns[i] = -1;
    if (!start_listening(t)) {
        free(t);
        return NULL;
    }
    return t;
}

int tsrv_port(struct tsrv *t) { return t->port; }

void tsrv_set_mode(struct tsrv *t, enum tsrv_mode m)
{
    pthread_mutex_lock(&t->mu);
    t->mode = m;
    pthread_mutex_unlock(&t->mu);
}

void tsrv_pause(struct tsrv *t)
{
    if (!t->running) return;
    pthread_mutex_lock(&t->mu);
    t->stopping = true;
    for (int i = 0; i < MAX_CONNS; i++)
        if (t->conns[i] >= 0) shutdown(t->conns[i], SHUT_RDWR);
    pthread_mutex_unlock(&t->mu);
    pthread_join(t->acceptor, NULL);
    close(t->lfd);
    t->lfd = -1;
    t->running = false;
    for (int i = 0; i < 500; i++) { /* connection threads notice within 50 ms */
        int n;
        pthread_mutex_lock(&t->mu);
        n = t->nconn_threads;
        pthread_mutex_unlock(&t->mu);
        if (n == 0) break;
        usleep(10000);
    }
}

bool tsrv_resume(struct tsrv *t)
{
    if (t->running) return true;
    for (int i = 0; i < 100; i++) {
        pthread_mutex_lock(&t->mu);
        bool ok = start_listening(t);
        pthread_mutex_unlock(&t->mu);
        if (ok) return true;
        usleep(20000);
    }
    return false;
}

void tsrv_set_foreign(struct tsrv *t, int status, const char *ctype, const char *body)
{
    pthread_mutex_lock(&t->mu);
    t->foreign_status = status;
    snprintf(t->foreign_ctype, sizeof t->foreign_ctype, "%s", ctype ? ctype : "");
    free(t->foreign_body);
    t->foreign_body = strdup(body ? body : "");
    t->mode = TS_FOREIGN;
    pthread_mutex_unlock(&t->mu);
}

bool tsrv_preload_tickets(struct tsrv *t, const char *kiosk_id, int first, int last)
{
    bool ok = true;
    pthread_mutex_lock(&t->mu);
    for (int n = first; n <= last && ok; n++) {
        struct effect *e = new_effect(t);
        if (!e) {
            ok = false;
            break;
        }
        snprintf(e->key, sizeof e->key, "preloaded-%d", n);
        if (api_ticket_format(e->ticket, kiosk_id, (uint64_t)n) != KERR_OK) ok = false;
        e->preloaded = true;
        e->body = strdup("");
        e->answer = strdup("");
        t->nfx++;
    }
    pthread_mutex_unlock(&t->mu);
    return ok;
}

void tsrv_take_next_tickets(struct tsrv *t, int n)
{
    pthread_mutex_lock(&t->mu);
    t->take_next = n;
    pthread_mutex_unlock(&t->mu);
}

bool tsrv_effect_of(struct tsrv *t, const char *ticket, char receipt[40], char check[7])
{
    struct effect *e;
    pthread_mutex_lock(&t->mu);
    e = find_ticket(t, ticket);
    if (e && !e->preloaded) {
        snprintf(receipt, 40, "%s", e->receipt);
        snprintf(check, 7, "%s", e->check);
    }
    pthread_mutex_unlock(&t->mu);
    return e && !e->preloaded;
}

int tsrv_effects_with_receipt(struct tsrv *t, const char *receipt, char ticket_out[40])
{
    int n = 0;
    pthread_mutex_lock(&t->mu);
    for (int i = 0; i < t->nfx; i++)
        if (!t->fx[i].preloaded && strcmp(t->fx[i].receipt, receipt) == 0) {
            if (ticket_out) snprintf(ticket_out, 40, "%s", t->fx[i].ticket);
            n++;
        }
    pthread_mutex_unlock(&t->mu);
    return n;
}

void tsrv_stop(struct tsrv *t)
{
    if (!t) return;
    tsrv_pause(t);
    free(t->foreign_body);
    for (int i = 0; i < t->nfx; i++) {
        free(t->fx[i].body);
        free(t->fx[i].answer);
    }
    free(t->fx);
    pthread_mutex_destroy(&t->mu);
    free(t);
}

void tsrv_stats(struct tsrv *t, struct tsrv_stats *out)
{
    pthread_mutex_lock(&t->mu);
    *out = t->st;
    pthread_mutex_unlock(&t->mu);
}

int tsrv_key_receipts(struct tsrv *t, const char *key)
{
    struct effect *e;
    int n;
    pthread_mutex_lock(&t->mu);
    e = find_key(t, key);
    n = e ? e->receipts : 0;
    pthread_mutex_unlock(&t->mu);
    return n;
}

bool tsrv_has_key(struct tsrv *t, const char *key) { return tsrv_key_receipts(t, key) > 0; }

bool tsrv_has_ticket(struct tsrv *t, const char *ticket)
{
    bool b;
    struct effect *e;
    pthread_mutex_lock(&t->mu);
    e = find_ticket(t, ticket);
    b = e && !e->preloaded;
    pthread_mutex_unlock(&t->mu);
    return b;
}

void tsrv_last_arrivals(struct tsrv *t, uint64_t *prev, uint64_t *last)
{
    pthread_mutex_lock(&t->mu);
    *prev = t->arr_prev;
    *last = t->arr_last;
    pthread_mutex_unlock(&t->mu);
}
