/* kclient_xfer: one transfer to the hub on the sender's curl multi handle:
 * building it with every safety option (TLS, pinning, limits, timeouts),
 * collecting its answer, freeing it, and what a finished delivery means
 * (kclient_xfer_classify). Sender thread only. See kclient_impl.h. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "api.h"
#include "klog.h"

#include "kclient_impl.h"

static size_t on_write(char *ptr, size_t size, size_t nmemb, void *ud)
{
    struct xfer *x = ud;
    size_t n = size * nmemb;
    char *p;
    if (x->kind == X_CONTENT) return kclient_content_write(x, ptr, n);
    if (x->resp_len + n > API_RESPONSE_MAX) {
        x->too_big = true;
        return 0; /* aborts the transfer: CURLE_WRITE_ERROR */
    }
    p = realloc(x->resp, x->resp_len + n + 1);
    if (!p) return 0;
    x->resp = p;
    memcpy(x->resp + x->resp_len, ptr, n);
    x->resp_len += n;
    x->resp[x->resp_len] = '\0';
    return n;
}

void kclient_xfer_free(struct kclient *c, struct xfer *x)
{
    if (!x) return;
    if (x->prev) x->prev->next = x->next;
    else if (c->active == x) c->active = x->next;
    if (x->next) x->next->prev = x->prev;
    if (x->easy) curl_easy_cleanup(x->easy);
    if (x->fd >= 0) close(x->fd);
    curl_slist_free_all(x->hdrs);
    kclient_wipe_str(x->body);
    free(x->body);
    free(x->resp);
    free(x);
}

static bool add_hdr(struct xfer *x, const char *h)
{
    struct curl_slist *n = curl_slist_append(x->hdrs, h);
    if (!n) return false;
    x->hdrs = n;
    return true;
}

struct xfer *kclient_xfer_new(struct kclient *c, enum xkind kind, const char *path, char *body,
                              size_t body_len, const char *ctype, const char *idem_key,
                              long timeout_ms, bool long_poll)
{
    struct xfer *x = calloc(1, sizeof *x);
    char url[1024], h[128];
    CURL *e;
    if (!x) {
        kclient_wipe_str(body);
        free(body);
        return NULL;
    }
    x->kind = kind;
    x->body = body;
    x->fd = -1;
    x->easy = e = curl_easy_init();
    if (!e) goto fail;
    if ((size_t)snprintf(url, sizeof url, "%s%s", c->hub_url, path) >= sizeof url) goto fail;
    if (!add_hdr(x, c->auth_header) || !add_hdr(x, "Accept: application/json, application/problem+json") ||
        !add_hdr(x, "Expect:"))
        goto fail;
    if (body) {
        snprintf(h, sizeof h, "Content-Type: %s", ctype ? ctype : "application/json");
        if (!add_hdr(x, h)) goto fail;
    }
    if (idem_key) {
        snprintf(h, sizeof h, "Idempotency-Key: %s", idem_key);
        if (!add_hdr(x, h)) goto fail;
    }
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, c->plain_http_ok ? "http,https" : "https");
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, 0L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(e, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
    if (c->ca_file) curl_easy_setopt(e, CURLOPT_CAINFO, c->ca_file);
    if (c->pinned) curl_easy_setopt(e, CURLOPT_PINNEDPUBLICKEY, c->pinned);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)c->connect_timeout_ms);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms ? timeout_ms : (long)c->total_timeout_ms);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, long_poll ? 0L : 64L);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, (long)c->low_speed_time_s);
    curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)API_RESPONSE_MAX);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_USERAGENT, c->user_agent);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->hdrs);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(e, CURLOPT_PRIVATE, x);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    if (body) {
        curl_easy_setopt(e, CURLOPT_POST, 1L);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
                         (curl_off_t)(body_len ? body_len : strlen(body)));
    }
    if (kind == X_CONTENT && !kclient_content_prepare(c, x)) goto fail;
    if (curl_multi_add_handle(c->multi, e) != CURLM_OK) goto fail;
    x->next = c->active;
    if (c->active) c->active->prev = x;
    c->active = x;
    return x;
fail:
    kclient_xfer_free(c, x);
    return NULL;
}

struct xfer *kclient_xfer_start(struct kclient *c, enum xkind kind, const char *path)
{
    return kclient_xfer_new(c, kind, path, NULL, 0, NULL, NULL, 0, false);
}

/* ---- outcomes ---- */

/* True when the answer's Content-Type is application/problem+json. */
static bool is_problem_type(CURL *e)
{
    char *ct = NULL;
    size_t n = strlen(API_CT_PROBLEM);
    if (curl_easy_getinfo(e, CURLINFO_CONTENT_TYPE, &ct) != CURLE_OK || !ct) return false;
    return strncasecmp(ct, API_CT_PROBLEM, n) == 0 &&
           (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

/* What to do with a finished delivery; fills a short reason/error word. Only
 * the hub's own problem answer for this very request (D1: problem+json whose
 * instance names the idempotency key) may end an item; anything else in 4xx
 * (a proxy's HTML 404, a maintenance page, JSON without the instance, a
 * problem about another request) is retried like a 5xx. */
enum outcome kclient_xfer_classify(struct xfer *x, CURLcode rc, long http, enum kerr *err,
                                   char reason[REASON_SIZE])
{
    struct api_problem p;
    bool hubs;
    reason[0] = '\0';
    if (rc != CURLE_OK) {
        *err = KERR_NET;
        if (x->too_big || rc == CURLE_FILESIZE_EXCEEDED) {
            *err = KERR_TOOBIG;
            snprintf(reason, REASON_SIZE, "toobig");
        } else if (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CONNECT_ERROR ||
                   rc == CURLE_SSL_CACERT_BADFILE || rc == CURLE_SSL_PINNEDPUBKEYNOTMATCH ||
                   rc == CURLE_SSL_CERTPROBLEM || rc == CURLE_SSL_CIPHER) {
            snprintf(reason, REASON_SIZE, "tls");
        } else if (rc == CURLE_OPERATION_TIMEDOUT) {
            snprintf(reason, REASON_SIZE, "timeout");
        } else {
            snprintf(reason, REASON_SIZE, "net");
        }
        return OUT_RETRY;
    }
    if (http >= 200 && http < 300) {
        struct api_request_answer a;
        if (x->kind != X_ITEM) return OUT_DELIVERED;
        /* A captive portal or proxy can answer 200 with HTML: only the hub's
         * answer for this very ticket counts as delivery. */
        if (api_request_answer_decode(x->resp ? x->resp : "", x->resp_len, &a, NULL) != KERR_OK ||
            strcmp(a.ticket, x->ticket) != 0) {
            *err = KERR_PARSE;
            snprintf(reason, REASON_SIZE, "parse");
            return OUT_RETRY;
        }
        *err = KERR_OK;
        return OUT_DELIVERED;
    }
    *err = KERR_HTTP;
    if (http == 408 || http == 429 || http >= 500 || http < 200 || (http >= 300 && http < 400)) {
        snprintf(reason, REASON_SIZE, "http_%ld", http);
        return OUT_RETRY;
    }
    if (http == 401 || http == 403) {
        /* A revoked or rotated token: keep the items for the new token. */
        *err = KERR_AUTH;
        snprintf(reason, REASON_SIZE, "auth_%ld", http);
        return OUT_RETRY;
    }
    hubs = is_problem_type(x->easy) && x->resp &&
           api_problem_decode(x->resp, x->resp_len, &p, NULL) == KERR_OK &&
           api_problem_is_hubs_answer(&p, (int)http, x->key);
    if (!hubs) {
        char *ct = NULL;
        curl_easy_getinfo(x->easy, CURLINFO_CONTENT_TYPE, &ct);
        KLOGW(MOD, "item %s: %ld answer that is not the hub's (%.40s); retrying", x->ticket, http,
              ct ? ct : "no content type");
        snprintf(reason, REASON_SIZE, "http_%ld", http);
        return OUT_RETRY;
    }
    if (http == 409) {
        /* A 409 never ends an item: ticket-taken renumbers it, anything else
         * (not expected from the hub on this path) is retried. */
        if (strcmp(p.type, API_PROBLEM_BASE API_SLUG_TICKET_TAKEN) == 0) {
            snprintf(reason, REASON_SIZE, "ticket_taken");
            return OUT_RENUMBER;
        }
        snprintf(reason, REASON_SIZE, "http_409");
        return OUT_RETRY;
    }
    snprintf(reason, REASON_SIZE, "%ld %.100s: %.120s", http, p.title, p.detail);
    kclient_trim_utf8(reason);
    return OUT_DEAD;
}

/* Retry-After (seconds or HTTP-date, curl parses both) in ms, capped; 0 if absent. */
uint64_t kclient_xfer_retry_after_ms(struct kclient *c, CURL *e)
{
    curl_off_t ra = 0;
    if (curl_easy_getinfo(e, CURLINFO_RETRY_AFTER, &ra) != CURLE_OK || ra <= 0) return 0;
    if ((uint64_t)ra * 1000 > (uint64_t)c->retry_after_cap_ms) return (uint64_t)c->retry_after_cap_ms;
    return (uint64_t)ra * 1000;
}
