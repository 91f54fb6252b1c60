#include "hubconn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "kclock.h"
#include "klog.h"

#define BUCKETS 1024      /* per-address counters; power of two */
#define REAP_MS 100       /* how often the reaper looks for late connections */
#define LOG_EVERY_MS 1000 /* refusals and cuts: at most one line per kind per this */
#define XFF_HEADERS 8     /* X-Forwarded-For headers looked at (the last ones) */
#define XFF_HOPS 32       /* entries walked from the right */

/* An address, IPv4 in a[0..3]; IPv4-mapped IPv6 is stored as IPv4. */
struct haddr {
    int family; /* AF_INET, AF_INET6, 0 = unknown */
    uint8_t a[16];
};

struct hnet {
    struct haddr addr;
    unsigned prefix;
};

struct ipcount {
    struct ipcount *next;
    struct haddr key;
    unsigned n;
};

/* One connection: libmicrohttpd's socket context, in the hubconn's list. */
struct cconn {
    struct cconn *prev, *next;
    int fd;
    struct haddr peer;
    bool trusted;       /* the peer is a trusted proxy */
    bool counted;       /* the peer's connection count includes this one */
    bool req_counted;   /* a proxied request in flight is counted under req_key */
    struct haddr req_key;
    uint64_t deadline;  /* monotonic ms; 0 = none */
    bool in_body;       /* the deadline is the body's (else the head's) */
    bool cut;
};

/* Events since the last log line of their kind. */
struct tally {
    unsigned n;
    struct haddr last;
    uint64_t logged_ms;
};

struct hubconn {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_t reaper;
    bool reaper_on, stopping;
    unsigned max_per_ip;
    uint64_t head_ms, body_ms;
    struct hnet *trusted;
    size_t ntrusted;
    struct cconn *conns;
    struct ipcount *counts[BUCKETS];
    struct tally refused, cut_head, cut_body;
};

/* ---- addresses ------------------------------------------------------------ */

static void haddr_from_v6(struct haddr *h, const struct in6_addr *a6)
{
    memset(h, 0, sizeof *h);
    if (IN6_IS_ADDR_V4MAPPED(a6)) {
        h->family = AF_INET;
        memcpy(h->a, a6->s6_addr + 12, 4);
    } else {
        h->family = AF_INET6;
        memcpy(h->a, a6->s6_addr, 16);
    }
}

static void haddr_from_sockaddr(struct haddr *h, const struct sockaddr *sa)
{
    memset(h, 0, sizeof *h);
    if (!sa) return;
    if (sa->sa_family == AF_INET) {
        h->family = AF_INET;
        memcpy(h->a, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
    } else if (sa->sa_family == AF_INET6) {
        haddr_from_v6(h, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr);
    }
}

/* Parses an address literal s[0..len) (no prefix, no port). */
static bool haddr_parse(const char *s, size_t len, struct haddr *h)
{
    char buf[INET6_ADDRSTRLEN];
    struct in6_addr a6;
    if (len == 0 || len >= sizeof buf) return false;
    memcpy(buf, s, len);
    buf[len] = '\0';
    memset(h, 0, sizeof *h);
    if (inet_pton(AF_INET, buf, h->a) == 1) {
        h->family = AF_INET;
        return true;
    }
    if (inet_pton(AF_INET6, buf, &a6) == 1) {
        haddr_from_v6(h, &a6);
        return true;
    }
    return false;
}

/* The limit key: IPv4 as it is, IPv6 cut to its /64. */
static struct haddr haddr_key(const struct haddr *h)
{
    struct haddr k = *h;
    if (k.family == AF_INET6) memset(k.a + 8, 0, 8);
    return k;
}

static void haddr_str(const struct haddr *h, char out[HUBCONN_ADDR_SIZE])
{
    if (!h->family || !inet_ntop(h->family, h->a, out, HUBCONN_ADDR_SIZE))
        snprintf(out, HUBCONN_ADDR_SIZE, "-");
}

static void haddr_key_str(const struct haddr *h, char out[HUBCONN_ADDR_SIZE])
{
    struct haddr k = haddr_key(h);
    haddr_str(&k, out);
    if (k.family == AF_INET6 && strlen(out) + 3 < HUBCONN_ADDR_SIZE) strcat(out, "/64");
}

static bool haddr_eq(const struct haddr *x, const struct haddr *y)
{
    return x->family == y->family && memcmp(x->a, y->a, 16) == 0;
}

/* "addr" or "addr/prefix". */
static bool hnet_parse(const char *s, struct hnet *n)
{
    const char *slash = strchr(s, '/');
    size_t len = slash ? (size_t)(slash - s) : strlen(s);
    unsigned max;
    if (!haddr_parse(s, len, &n->addr)) return false;
    /* an IPv4-mapped literal with a prefix would be ambiguous: refuse it */
    max = n->addr.family == AF_INET ? 32 : 128;
    n->prefix = max;
    if (slash) {
        char *end;
        long p = strtol(slash + 1, &end, 10);
        if (slash[1] == '\0' || *end != '\0' || p < 0 || p > (long)max) return false;
        if (n->addr.family == AF_INET && memchr(s, ':', len)) return false;
        n->prefix = (unsigned)p;
    }
    return true;
}

static bool hnet_contains(const struct hnet *n, const struct haddr *h)
{
    unsigned full = n->prefix / 8, rest = n->prefix % 8;
    if (n->addr.family != h->family) return false;
    if (memcmp(n->addr.a, h->a, full) != 0) return false;
    if (rest) {
        uint8_t mask = (uint8_t)(0xffu << (8 - rest));
        if ((n->addr.a[full] & mask) != (h->a[full] & mask)) return false;
    }
    return true;
}

bool hubconn_net_valid(const char *s)
{
    struct hnet n;
    return s && hnet_parse(s, &n);
}

static bool is_trusted(const struct hubconn *hc, const struct haddr *h)
{
    for (size_t i = 0; i < hc->ntrusted; i++)
        if (hnet_contains(&hc->trusted[i], h)) return true;
    return false;
}

/* One X-Forwarded-For entry: "a.b.c.d", "v6", "[v6]", "[v6]:port" or
 * "a.b.c.d:port", with blanks around it. */
static bool xff_entry(const char *s, size_t len, struct haddr *h)
{
    while (len && (*s == ' ' || *s == '\t')) s++, len--;
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t')) len--;
    if (len && s[0] == '[') {
        const char *rb = memchr(s, ']', len);
        if (!rb) return false;
        return haddr_parse(s + 1, (size_t)(rb - s - 1), h);
    }
    {
        const char *colon = memchr(s, ':', len);
        /* exactly one colon after a dotted quad: a port */
        if (colon && memchr(s, '.', len) && !memchr(colon + 1, ':', len - (size_t)(colon - s) - 1))
            len = (size_t)(colon - s);
    }
    return haddr_parse(s, len, h);
}

struct xff {
    const char *v[XFF_HEADERS];
    int n;
};

static enum MHD_Result xff_collect(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
    struct xff *x = cls;
    (void)kind;
    if (key && value && strcasecmp(key, "X-Forwarded-For") == 0) {
        if (x->n == XFF_HEADERS) {
            memmove(x->v, x->v + 1, (XFF_HEADERS - 1) * sizeof x->v[0]);
            x->n--;
        }
        x->v[x->n++] = value;
    }
    return MHD_YES;
}

/* The client of the request on c whose TCP peer is peer. */
static struct haddr client_of(const struct hubconn *hc, struct MHD_Connection *c,
                              const struct haddr *peer)
{
    struct xff x = {{0}, 0};
    struct haddr best = *peer, h;
    int hops = 0;
    if (!peer->family || !is_trusted(hc, peer)) return *peer;
    MHD_get_connection_values(c, MHD_HEADER_KIND, xff_collect, &x);
    /* right to left over every entry of every header: each hop appended the
     * address it saw, so the first one that is not our own proxy is the
     * client; anything left of it is the client's own say */
    for (int i = x.n - 1; i >= 0; i--) {
        const char *v = x.v[i];
        size_t end = strlen(v);
        while (end > 0 && hops < XFF_HOPS) {
            size_t start = end;
            while (start > 0 && v[start - 1] != ',') start--;
            hops++;
            if (!xff_entry(v + start, end - start, &h)) return best;
            if (!is_trusted(hc, &h)) return h;
            best = h;
            end = start ? start - 1 : 0;
        }
    }
    return best;
}

static struct cconn *conn_ctx(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

static void peer_of(struct MHD_Connection *c, const struct cconn *cc, struct haddr *peer)
{
    const union MHD_ConnectionInfo *ci;
    if (cc) {
        *peer = cc->peer;
        return;
    }
    ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    haddr_from_sockaddr(peer, ci ? ci->client_addr : NULL);
}

void hubconn_client_addr(const struct hubconn *hc, struct MHD_Connection *c,
                         struct hubconn_client *out)
{
    struct haddr peer, h;
    peer_of(c, conn_ctx(c), &peer);
    h = client_of(hc, c, &peer);
    haddr_str(&h, out->addr);
    haddr_key_str(&h, out->key);
    out->via_proxy = is_trusted(hc, &peer);
}

/* ---- per-address counters (lock held) ---------------------------------------- */

static uint32_t key_hash(const struct haddr *k)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (int i = 0; i < 16; i++) h = (h ^ k->a[i]) * 16777619u;
    return (h ^ (uint32_t)k->family) & (BUCKETS - 1);
}

static unsigned count_get(const struct hubconn *hc, const struct haddr *key)
{
    for (const struct ipcount *p = hc->counts[key_hash(key)]; p; p = p->next)
        if (haddr_eq(&p->key, key)) return p->n;
    return 0;
}

/* Adds one; false (nothing added) when out of memory. */
static bool count_add(struct hubconn *hc, const struct haddr *key)
{
    struct ipcount **head = &hc->counts[key_hash(key)], *p;
    for (p = *head; p; p = p->next) {
        if (haddr_eq(&p->key, key)) {
            p->n++;
            return true;
        }
    }
    p = calloc(1, sizeof *p);
    if (!p) return false;
    p->key = *key;
    p->n = 1;
    p->next = *head;
    *head = p;
    return true;
}

static void count_del(struct hubconn *hc, const struct haddr *key)
{
    for (struct ipcount **pp = &hc->counts[key_hash(key)]; *pp; pp = &(*pp)->next) {
        struct ipcount *p = *pp;
        if (!haddr_eq(&p->key, key)) continue;
        if (--p->n == 0) {
            *pp = p->next;
            free(p);
        }
        return;
    }
}

static void tally(struct tally *t, const struct haddr *h)
{
    t->n++;
    t->last = *h;
}

/* ---- libmicrohttpd callbacks ----------------------------------------------- */

enum MHD_Result hubconn_on_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
    struct hubconn *hc = cls;
    struct haddr peer, key;
    bool ok;
    (void)addrlen;
    if (!hc->max_per_ip) return MHD_YES;
    haddr_from_sockaddr(&peer, addr);
    if (is_trusted(hc, &peer)) return MHD_YES;
    key = haddr_key(&peer);
    pthread_mutex_lock(&hc->lock);
    ok = count_get(hc, &key) < hc->max_per_ip;
    if (!ok) tally(&hc->refused, &peer);
    pthread_mutex_unlock(&hc->lock);
    return ok ? MHD_YES : MHD_NO;
}

static void conn_start(struct hubconn *hc, struct MHD_Connection *c, void **socket_context)
{
    const union MHD_ConnectionInfo *fdi =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
    int fd = fdi ? fdi->connect_fd : -1;
    struct cconn *cc = calloc(1, sizeof *cc);
    struct haddr key;
    *socket_context = cc;
    if (!cc) {
        /* cannot time it: do not keep it */
        if (fd >= 0) shutdown(fd, SHUT_RDWR);
        return;
    }
    cc->fd = fd;
    peer_of(c, NULL, &cc->peer);
    cc->trusted = is_trusted(hc, &cc->peer);
    key = haddr_key(&cc->peer);
    pthread_mutex_lock(&hc->lock);
    if (hc->max_per_ip && !cc->trusted) {
        cc->counted = count_add(hc, &key);
        /* the accept policy checked without counting: two threads may both
         * have let one in; the later one goes now */
        if (!cc->counted || count_get(hc, &key) > hc->max_per_ip) {
            tally(&hc->refused, &cc->peer);
            cc->cut = true;
            if (fd >= 0) shutdown(fd, SHUT_RDWR);
        }
    }
    if (hc->head_ms) cc->deadline = kclock_mono_ms() + hc->head_ms;
    cc->next = hc->conns;
    if (hc->conns) hc->conns->prev = cc;
    hc->conns = cc;
    pthread_mutex_unlock(&hc->lock);
}

static void conn_close(struct hubconn *hc, void **socket_context)
{
    struct cconn *cc = *socket_context;
    if (!cc) return;
    pthread_mutex_lock(&hc->lock);
    if (cc->prev) cc->prev->next = cc->next;
    else hc->conns = cc->next;
    if (cc->next) cc->next->prev = cc->prev;
    if (cc->counted) {
        struct haddr key = haddr_key(&cc->peer);
        count_del(hc, &key);
    }
    if (cc->req_counted) count_del(hc, &cc->req_key);
    pthread_mutex_unlock(&hc->lock);
    free(cc);
    *socket_context = NULL;
}

void hubconn_on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                           enum MHD_ConnectionNotificationCode code)
{
    struct hubconn *hc = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) conn_start(hc, c, socket_context);
    else if (code == MHD_CONNECTION_NOTIFY_CLOSED) conn_close(hc, socket_context);
}

bool hubconn_request_begin(struct hubconn *hc, struct MHD_Connection *c,
                           struct hubconn_client *out)
{
    struct cconn *cc = conn_ctx(c);
    struct haddr peer, h, key;
    bool ok = true;
    peer_of(c, cc, &peer);
    h = client_of(hc, c, &peer);
    haddr_str(&h, out->addr);
    haddr_key_str(&h, out->key);
    out->via_proxy = is_trusted(hc, &peer);
    if (!cc) return true;
    key = haddr_key(&h);
    pthread_mutex_lock(&hc->lock);
    cc->in_body = true;
    cc->deadline = hc->body_ms ? kclock_mono_ms() + hc->body_ms : 0;
    if (cc->trusted && hc->max_per_ip && !cc->req_counted) {
        ok = count_get(hc, &key) < hc->max_per_ip && count_add(hc, &key);
        if (ok) {
            cc->req_counted = true;
            cc->req_key = key;
        }
    }
    pthread_mutex_unlock(&hc->lock);
    return ok;
}

void hubconn_request_received(struct hubconn *hc, struct MHD_Connection *c)
{
    struct cconn *cc = conn_ctx(c);
    if (!cc) return;
    pthread_mutex_lock(&hc->lock);
    cc->deadline = 0;
    pthread_mutex_unlock(&hc->lock);
}

void hubconn_request_end(struct hubconn *hc, struct MHD_Connection *c)
{
    struct cconn *cc = conn_ctx(c);
    if (!cc) return;
    pthread_mutex_lock(&hc->lock);
    if (cc->req_counted) {
        count_del(hc, &cc->req_key);
        cc->req_counted = false;
    }
    /* a kept-alive connection: the next head has head_ms from now */
    cc->in_body = false;
    cc->deadline = hc->head_ms ? kclock_mono_ms() + hc->head_ms : 0;
    pthread_mutex_unlock(&hc->lock);
}

/* ---- the reaper ------------------------------------------------------------ */

/* Takes t's count for a log line when one is due (lock held). */
static unsigned tally_due(struct tally *t, uint64_t now, char addr[HUBCONN_ADDR_SIZE])
{
    unsigned n = t->n;
    if (!n || now - t->logged_ms < LOG_EVERY_MS) return 0;
    haddr_str(&t->last, addr);
    t->n = 0;
    t->logged_ms = now;
    return n;
}

static void *reaper_main(void *arg)
{
    struct hubconn *hc = arg;
    pthread_mutex_lock(&hc->lock);
    while (!hc->stopping) {
        struct timespec ts;
        uint64_t now = kclock_mono_ms();
        unsigned nr, nh, nb;
        char ar[HUBCONN_ADDR_SIZE], ah[HUBCONN_ADDR_SIZE], ab[HUBCONN_ADDR_SIZE];
        for (struct cconn *cc = hc->conns; cc; cc = cc->next) {
            if (cc->cut || !cc->deadline || now < cc->deadline) continue;
            /* MHD closes the fd only after NOTIFY_CLOSED, which waits for
             * this lock: the fd is still this connection's */
            if (cc->fd >= 0) shutdown(cc->fd, SHUT_RDWR);
            cc->cut = true;
            tally(cc->in_body ? &hc->cut_body : &hc->cut_head, &cc->peer);
        }
        nr = tally_due(&hc->refused, now, ar);
        nh = tally_due(&hc->cut_head, now, ah);
        nb = tally_due(&hc->cut_body, now, ab);
        if (nr || nh || nb) {
            pthread_mutex_unlock(&hc->lock);
            if (nr)
                KLOGW("hub", "refused %u connections over %u per address (last ip=%s)", nr,
                      hc->max_per_ip, ar);
            if (nh)
                KLOGW("hub", "closed %u connections whose request head took over %llu ms "
                      "(last ip=%s)", nh, (unsigned long long)hc->head_ms, ah);
            if (nb)
                KLOGW("hub", "closed %u connections whose request body took over %llu ms "
                      "(last ip=%s)", nb, (unsigned long long)hc->body_ms, ab);
            pthread_mutex_lock(&hc->lock);
        }
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_nsec += REAP_MS * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&hc->wake, &hc->lock, &ts);
    }
    pthread_mutex_unlock(&hc->lock);
    return NULL;
}

/* ---- life -------------------------------------------------------------------- */

enum kerr hubconn_new(const struct hubconn_config *cfg, struct hubconn **out)
{
    struct hubconn *hc;
    pthread_condattr_t ca;
    *out = NULL;
    for (size_t i = 0; i < cfg->ntrusted; i++)
        if (!hubconn_net_valid(cfg->trusted[i])) return KERR_USAGE;
    hc = calloc(1, sizeof *hc);
    if (!hc) return KERR_NOMEM;
    hc->max_per_ip = cfg->max_per_ip;
    hc->head_ms = cfg->head_ms;
    hc->body_ms = cfg->body_ms;
    if (cfg->ntrusted) {
        hc->trusted = calloc(cfg->ntrusted, sizeof *hc->trusted);
        if (!hc->trusted) {
            free(hc);
            return KERR_NOMEM;
        }
        for (size_t i = 0; i < cfg->ntrusted; i++) hnet_parse(cfg->trusted[i], &hc->trusted[i]);
        hc->ntrusted = cfg->ntrusted;
    }
    pthread_mutex_init(&hc->lock, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&hc->wake, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&hc->reaper, NULL, reaper_main, hc) != 0) {
        hubconn_free(hc);
        return KERR_IO;
    }
    hc->reaper_on = true;
    *out = hc;
    return KERR_OK;
}

void hubconn_free(struct hubconn *hc)
{
    if (!hc) return;
    if (hc->reaper_on) {
        pthread_mutex_lock(&hc->lock);
        hc->stopping = true;
        pthread_cond_signal(&hc->wake);
        pthread_mutex_unlock(&hc->lock);
        pthread_join(hc->reaper, NULL);
    }
    for (int i = 0; i < BUCKETS; i++) {
        while (hc->counts[i]) {
            struct ipcount *p = hc->counts[i];
            hc->counts[i] = p->next;
            free(p);
        }
    }
    /* connections left by a daemon that never closed them */
    while (hc->conns) {
        struct cconn *cc = hc->conns;
        hc->conns = cc->next;
        free(cc);
    }
    pthread_cond_destroy(&hc->wake);
    pthread_mutex_destroy(&hc->lock);
    free(hc->trusted);
    free(hc);
}
