/* TLS: certificates made at test time with the openssl CLI; an HTTPS test hub
 * (libmicrohttpd + GnuTLS) on 127.0.0.1. A certificate for another host name
 * is refused and the item kept (error "tls"); once the hub presents the right
 * certificate the item is delivered. A wrong pinned public key is refused;
 * the right pin delivers. Sample data only. */
#include <microhttpd.h>
#include <sqlite3.h>

#include "api.h"
#include "ktest.h"
#include "nettest.h"

struct hub {
    struct MHD_Daemon *d;
    char *cert, *key; /* MHD keeps pointers to them while it runs */
    int handled;
};

struct body {
    char buf[API_BODY_MAX + 1];
    size_t len;
};

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *data,
                                  size_t *data_size, void **state)
{
    struct hub *h = cls;
    struct body *b = *state;
    struct api_help_request r;
    struct api_request_answer a;
    struct MHD_Response *resp;
    char *out = NULL;
    enum MHD_Result ret;
    int status = 201;
    (void)version;
    if (!b) {
        b = calloc(1, sizeof *b);
        *state = b;
        return b ? MHD_YES : MHD_NO;
    }
    if (*data_size) {
        size_t n = *data_size;
        if (b->len + n > API_BODY_MAX) n = API_BODY_MAX - b->len;
        memcpy(b->buf + b->len, data, n);
        b->len += n;
        *data_size = 0;
        return MHD_YES;
    }
    h->handled++;
    if (strcmp(method, "POST") != 0 || strcmp(url, API_PATH_REQUESTS) != 0 ||
        api_help_request_decode(b->buf, b->len, &r, NULL) != KERR_OK) {
        out = strdup("{\"type\":\"about:blank\",\"title\":\"Bad Request\",\"status\":400}");
        status = 400;
    } else {
        memset(&a, 0, sizeof a);
        memcpy(a.ticket, r.ticket, sizeof a.ticket);
        snprintf(a.status, sizeof a.status, "new");
        api_time_format(kclock_wall_ms(), a.received_at);
        api_request_answer_encode(&a, &out);
    }
    resp = MHD_create_response_from_buffer(strlen(out), out, MHD_RESPMEM_MUST_FREE);
    ret = MHD_queue_response(conn, (unsigned)status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static void on_done(void *cls, struct MHD_Connection *c, void **state,
                    enum MHD_RequestTerminationCode t)
{
    (void)cls;
    (void)c;
    (void)t;
    free(*state);
    *state = NULL;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = calloc(1, (size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    return buf;
}

static bool hub_start(struct hub *h, int port, const char *cert, const char *key)
{
    char *c = slurp(cert), *k = slurp(key);
    memset(h, 0, sizeof *h);
    h->cert = c;
    h->key = k;
    if (!c || !k) return false;
    h->d = MHD_start_daemon(MHD_USE_TLS | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG,
                            (uint16_t)port, NULL, NULL, on_request, h, MHD_OPTION_HTTPS_MEM_CERT, c,
                            MHD_OPTION_HTTPS_MEM_KEY, k, MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL,
                            MHD_OPTION_SOCK_ADDR, NULL, MHD_OPTION_END);
    return h->d != NULL;
}

static void hub_stop(struct hub *h)
{
    if (h->d) MHD_stop_daemon(h->d);
    h->d = NULL;
    free(h->cert);
    free(h->key);
    h->cert = h->key = NULL;
}

static bool sh(const char *cmd)
{
    int rc = system(cmd);
    if (rc != 0) fprintf(stderr, "command failed (%d): %s\n", rc, cmd);
    return rc == 0;
}

static int free_port(void)
{
    struct tsrv *t = tsrv_start(0);
    int p = t ? tsrv_port(t) : 0;
    tsrv_stop(t);
    return p;
}

static void last_error_of(const char *db, char *out, size_t size)
{
    sqlite3 *h = NULL;
    sqlite3_stmt *st = NULL;
    out[0] = '\0';
    if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(h, "SELECT last_error FROM items ORDER BY id LIMIT 1", -1, &st, NULL) ==
            SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        snprintf(out, size, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(h);
}

int main(void)
{
    struct nt_env e;
    struct hub h;
    struct kclient *c = NULL;
    struct kclient_status s;
    char cmd[2048], ca[160], url[64], t[KCLIENT_TICKET_SIZE], err[64], pin[128] = "";
    int port = free_port();
    FILE *f;

    nt_env_init(&e, port);
    snprintf(cmd, sizeof cmd,
             "cd '%s' && "
             "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=wrong.example "
             "-addext subjectAltName=DNS:wrong.example -keyout wrong.key -out wrong.pem 2>/dev/null && "
             "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 "
             "-addext subjectAltName=IP:127.0.0.1 -keyout good.key -out good.pem 2>/dev/null && "
             "cat wrong.pem good.pem > ca.pem && "
             "openssl x509 -in good.pem -pubkey -noout | openssl pkey -pubin -outform der | "
             "openssl dgst -sha256 -binary | base64 > pin.txt",
             e.dir);
    CHECK(sh(cmd));
    snprintf(ca, sizeof ca, "%s/ca.pem", e.dir);
    snprintf(url, sizeof url, "https://127.0.0.1:%d", port);
    snprintf(cmd, sizeof cmd, "%s/pin.txt", e.dir);
    f = fopen(cmd, "r");
    if (f) {
        char b64[100] = "";
        if (fgets(b64, sizeof b64, f)) b64[strcspn(b64, "\n")] = '\0';
        fclose(f);
        snprintf(pin, sizeof pin, "sha256//%s", b64);
    }
    e.cfg.hub_url = url;
    e.cfg.ca_file = ca;

    /* 1. certificate for another host: refused, item kept */
    snprintf(cmd, sizeof cmd, "%s/wrong.pem", e.dir);
    {
        char key[160];
        snprintf(key, sizeof key, "%s/wrong.key", e.dir);
        CHECK(hub_start(&h, port, cmd, key));
    }
    CHECK(kclient_open(&e.cfg, &c) == KERR_OK);
    if (!c) return ktest_done("tls_wrong_host_refused_item_kept");
    CHECK(nt_submit(c, t) == KERR_OK);
    usleep(800000);
    kclient_status(c, &s);
    CHECK(s.queue_depth == 1);
    CHECK(!s.online && s.last_error == KERR_NET);
    CHECK(h.handled == 0);
    last_error_of(e.db, err, sizeof err);
    CHECK_STR(err, "tls");
    hub_stop(&h);

    /* 2. the hub gets its right certificate: delivered */
    {
        char cert[160], key[160];
        snprintf(cert, sizeof cert, "%s/good.pem", e.dir);
        snprintf(key, sizeof key, "%s/good.key", e.dir);
        CHECK(hub_start(&h, port, cert, key));
    }
    CHECK(nt_wait_drained(c, 10000));
    CHECK(h.handled == 1);
    kclient_close(c);
    c = NULL;

    /* 3. a wrong pinned key is refused; the right one delivers */
    e.cfg.pinned_pubkey = "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    CHECK(kclient_open(&e.cfg, &c) == KERR_OK);
    if (!c) return ktest_done("tls_wrong_host_refused_item_kept");
    CHECK(nt_submit(c, t) == KERR_OK);
    usleep(800000);
    CHECK(nt_depth(c) == 1);
    kclient_close(c);
    c = NULL;
    e.cfg.pinned_pubkey = pin;
    CHECK(strlen(pin) > 20);
    CHECK(kclient_open(&e.cfg, &c) == KERR_OK);
    if (!c) return ktest_done("tls_wrong_host_refused_item_kept");
    CHECK(nt_wait_drained(c, 10000));
    CHECK(h.handled == 2);
    kclient_close(c);
    hub_stop(&h);
    nt_env_done(&e);
    return ktest_done("tls_wrong_host_refused_item_kept");
}
