/* hubsrv_kiosk: JSON body checks, the store's writes and their answers, the
 * kiosk API (requests, heartbeats, tickets), the built-in files and the
 * phone pages. See hubsrv_impl.h. */

#include <arpa/inet.h>
#include <ctype.h>
#include <cjson/cJSON.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "api.h"
#include "hubauth.h"
#include "hubconn.h"
#include "hubpw.h"
#include "hubrate.h"
#include "hubsess.h"
#include "hubstore.h"
#include "hubweb.h"
#include "kclock.h"
#include "klog.h"
#include "utf8.h"

#include "hubsrv_booking.h"
#include "hubsrv_impl.h"

int hubsrv_json_depth(const char *json, size_t len, int limit)
{
    int depth = 0, max = 0;
    bool in_str = false;
    for (size_t i = 0; i < len; i++) {
        char c = json[i];
        if (in_str) {
            if (c == '\\') i++;
            else if (c == '"') in_str = false;
            continue;
        }
        if (c == '"') {
            in_str = true;
        } else if (c == '[' || c == '{') {
            if (++depth > max) max = depth;
            if (max > limit) return limit + 1;
        } else if (c == ']' || c == '}') {
            depth--;
        }
    }
    return max;
}

/* ---- writes: submit, suspend, resume -------------------------------------- */

static void job_done(struct hubstore_job *job, void *arg)
{
    struct hreq *r = arg;
    (void)job;
    struct hubsrv *srv = r->srv;
    r->state = S_READY;
    /* count down first: once resumed, r may be answered and freed */
    atomic_fetch_sub(&srv->inflight, 1);
    MHD_resume_connection(r->conn);
}

enum MHD_Result hubsrv_submit(struct hreq *r)
{
    enum kerr e;
    /* counted before the check: hubsrv_stop sets closing, then waits for
     * inflight to be 0, so a job is either refused here or waited for.
     * While the hub drains (stopping, not yet closing) writes are served. */
    atomic_fetch_add(&r->srv->inflight, 1);
    if (atomic_load(&r->srv->closing)) {
        atomic_fetch_sub(&r->srv->inflight, 1);
        return hubsrv_send_problem_ex(r, 503, "unavailable", "Shutting down", NULL, 1, NULL);
    }
    r->job.done = job_done;
    r->job.done_arg = r;
    r->state = S_WAIT;
    /* suspend before the writer can possibly resume us */
    MHD_suspend_connection(r->conn);
    e = hubstore_submit(r->srv->store, &r->job);
    if (e != KERR_OK) {
        atomic_fetch_sub(&r->srv->inflight, 1);
        MHD_resume_connection(r->conn);
        return hubsrv_send_kerr(r, e, NULL);
    }
    return MHD_YES;
}


enum MHD_Result hubsrv_finish_job(struct hreq *r)
{
    struct hubstore_job *j = &r->job;
    if (j->result == 503) /* the database was unreachable: nothing decided, a resend is safe */
        return hubsrv_send_problem(r, 503, API_SLUG_INTERNAL, "Service unavailable", "database unreachable");
    switch (j->op) {
    case HUBSTORE_REQ_PUT:
        if (j->result == 201 || j->result == 200)
            return hubsrv_send_text(r, j->result, API_CT_JSON, j->answer, 0, NULL);
        if (j->result == 409)
            return hubsrv_send_problem(r, 409, API_SLUG_TICKET_TAKEN, "Ticket already taken",
                                "this ticket was stored under another idempotency key");
        if (j->result == 422)
            return hubsrv_send_problem(r, 422, API_SLUG_KEY_REUSED, "Idempotency key reused",
                                "this key was used with a different request body");
        break;
    case HUBSTORE_HEARTBEAT:
        if (j->result == 204) return hubsrv_booking_heartbeat(r); /* leases, then the answer */
        if (j->result == 404)
            return hubsrv_send_problem(r, 404, API_SLUG_NOT_FOUND, "Not found", "kiosk unknown");
        break;
    case HUBSTORE_STATUS_SET:
        if (j->result == 200) {
            struct api_ticket_status t;
            char *txt = NULL;
            enum kerr e = hubstore_ticket_status(r->srv->store, j->ticket, NULL, &t);
            enum MHD_Result ret;
            if (e != KERR_OK) return hubsrv_send_kerr(r, e, "ticket unknown");
            if (api_ticket_status_encode(&t, &txt) != KERR_OK)
                return hubsrv_send_problem(r, 500, API_SLUG_INTERNAL, "Internal error", "encode");
            ret = hubsrv_send_text(r, 200, API_CT_JSON, txt, 0, NULL);
            free(txt);
            return ret;
        }
        if (j->result == 404)
            return hubsrv_send_problem(r, 404, API_SLUG_NOT_FOUND, "Not found", "ticket unknown");
        if (j->result == 409) {
            char d[128];
            snprintf(d, sizeof d, "not allowed from status %.20s to %.20s", j->answer, j->status);
            return hubsrv_send_problem(r, 409, API_SLUG_BAD_TRANSITION, "Status change not allowed", d);
        }
        break;
    case HUBSTORE_KIOSK_ADD:
        if (j->result == 201) {
            /* the token lives only in this answer; the store keeps its hash */
            cJSON *o = cJSON_CreateObject();
            enum MHD_Result ret;
            if (!o) break;
            cJSON_AddStringToObject(o, "id", j->kiosk_id);
            cJSON_AddStringToObject(o, "token", r->token);
            ret = hubsrv_send_json(r, 201, o);
            cJSON_Delete(o);
            memset(r->token, 0, sizeof r->token);
            return ret;
        }
        if (j->result == 409)
            return hubsrv_send_problem(r, 409, "kiosk-exists", "Kiosk exists",
                                "revoke the kiosk first to issue a new token");
        break;
    case HUBSTORE_KIOSK_REVOKE:
        if (j->result == 204) return hubsrv_send_text(r, 204, NULL, NULL, 0, NULL);
        if (j->result == 404)
            return hubsrv_send_problem(r, 404, API_SLUG_NOT_FOUND, "Not found", "no active kiosk with this id");
        break;
    case HUBSTORE_SWEEP: break; /* the store's own job, never an HTTP request's */
    case HUBSTORE_USER_ADD:
    case HUBSTORE_USER_UPDATE: return hubsrv_user_answer(r);
    case HUBSTORE_LOGIN: return hubsrv_login_answer(r);
    case HUBSTORE_ASSIGN: return hubsrv_assign_answer(r);
    case HUBSTORE_BOOKING: return hubsrv_booking_answer(r);
    case HUBSTORE_AUDIT:
        if (strcmp(r->method, "POST") == 0) return hubsrv_login_answer(r); /* a refused login */
        if (j->result == 200) return hubsrv_send_text(r, 204, NULL, NULL, 0, NULL); /* logout */
        break;
    }
    return hubsrv_send_problem(r, 500, API_SLUG_INTERNAL, "Internal error", "database");
}

/* ---- handlers ------------------------------------------------------------ */

/* Checks what every JSON body must pass before a decoder sees it. */
enum MHD_Result hubsrv_body_guard(struct hreq *r, bool *ok)
{
    *ok = false;
    if (r->len == 0) return hubsrv_send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request", "empty body");
    if (!utf8_valid(r->body, r->len))
        return hubsrv_send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request", "body is not valid UTF-8");
    if (hubsrv_json_depth(r->body, r->len, JSON_DEPTH_MAX) > JSON_DEPTH_MAX)
        return hubsrv_send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request", "JSON nested too deep");
    *ok = true;
    return MHD_YES;
}

/* A decoder's KERR_TOOBIG is a field over its limit, not a body over
 * API_BODY_MAX (that was answered 413 before): all of them are 400. */
static enum MHD_Result bad_decode(struct hreq *r, enum kerr e, const char *why)
{
    (void)e;
    return hubsrv_send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request", why);
}

enum MHD_Result hubsrv_request_post(struct hreq *r)
{
    struct api_help_request hr;
    const char *why = NULL, *key;
    enum kerr e;
    bool ok;
    enum MHD_Result ret = hubsrv_body_guard(r, &ok);
    if (!ok) return ret;
    key = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Idempotency-Key");
    if (!key || !api_uuid_v4_valid(key))
        return hubsrv_send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request",
                            "Idempotency-Key header missing or not a UUIDv4");
    e = api_help_request_decode(r->body, r->len, &hr, &why);
    if (e != KERR_OK) return bad_decode(r, e, why);
    if (strcmp(hr.kiosk_id, r->kiosk) != 0)
        return hubsrv_send_problem(r, 403, API_SLUG_FORBIDDEN, "Forbidden",
                            "kiosk_id is not the kiosk of this token");
    e = api_help_request_encode(&hr, &r->canon);
    if (e != KERR_OK) return hubsrv_send_kerr(r, e, NULL);
    memset(&r->job, 0, sizeof r->job);
    r->job.op = HUBSTORE_REQ_PUT;
    snprintf(r->job.kiosk_id, sizeof r->job.kiosk_id, "%s", hr.kiosk_id);
    snprintf(r->job.ticket, sizeof r->job.ticket, "%s", hr.ticket);
    for (size_t i = 0; key[i] && i < HUBSTORE_KEY_MAX; i++)
        r->job.idem_key[i] = (char)tolower((unsigned char)key[i]);
    snprintf(r->job.category, sizeof r->job.category, "%s", hr.category);
    memcpy(r->job.check, hr.check, sizeof r->job.check);
    snprintf(r->job.receipt_ticket, sizeof r->job.receipt_ticket, "%s", hr.receipt_ticket);
    r->job.body = r->canon;
    hubauth_sha256(r->canon, strlen(r->canon), r->job.body_hash);
    return hubsrv_submit(r);
}

enum MHD_Result hubsrv_heartbeat_answer(struct hreq *r)
{
    if (!r->hb_answer) r->hb_answer = cJSON_CreateObject();
    if (!r->hb_answer) return hubsrv_send_text(r, 204, NULL, NULL, 0, NULL);
    return hubsrv_send_json(r, 200, r->hb_answer);
}

enum MHD_Result hubsrv_heartbeat(struct hreq *r)
{
    struct api_heartbeat hb;
    const char *why = NULL;
    enum kerr e;
    bool ok;
    enum MHD_Result ret;
    if (r->arg_long || !api_kiosk_id_valid(r->arg))
        return hubsrv_send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request", "malformed kiosk id");
    if (strcmp(r->arg, r->kiosk) != 0)
        return hubsrv_send_problem(r, 403, API_SLUG_FORBIDDEN, "Forbidden",
                            "the token belongs to another kiosk");
    ret = hubsrv_body_guard(r, &ok);
    if (!ok) return ret;
    e = api_heartbeat_decode(r->body, r->len, &hb, &why);
    if (e != KERR_OK) return bad_decode(r, e, why);
    memset(&r->job, 0, sizeof r->job);
    r->job.op = HUBSTORE_HEARTBEAT;
    snprintf(r->job.kiosk_id, sizeof r->job.kiosk_id, "%s", r->kiosk);
    snprintf(r->job.version, sizeof r->job.version, "%s", hb.version);
    snprintf(r->job.content_version, sizeof r->job.content_version, "%s", hb.content_version);
    r->job.has_last_error = !hb.last_error_null;
    snprintf(r->job.last_error, sizeof r->job.last_error, "%s", hb.last_error);
    r->job.queue_depth = hb.queue_depth;
    r->job.oldest_pending_s = hb.oldest_pending_s;
    r->job.online = hb.online;
    r->job.has_screen_on = hb.has_screen_on;
    r->job.screen_on = hb.screen_on;
    hubsrv_content_heartbeat(r, &hb);
    hubsrv_booking_lease_prepare(r, hb.tower);
    return hubsrv_submit(r);
}

/* GET /api/v1/tickets/{ticket}?check=NNNNNN. A kiosk token needs the check
 * code; any kiosk may look up any ticket with it (filed in one tower, asked
 * in another). Unknown ticket, missing or wrong check, a request filed
 * without one: the same 404, so the answer never tells whether the ticket
 * exists. The admin token may leave the check out. */
enum MHD_Result hubsrv_ticket_get(struct hreq *r)
{
    struct api_ticket_status t;
    const char *check = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, API_QUERY_CHECK);
    char *txt = NULL;
    int retry = 0;
    enum kerr e;
    enum MHD_Result ret;
    if (r->arg_long || !api_ticket_valid(r->arg))
        return hubsrv_send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request", "malformed ticket");
    if (check && !api_check_valid(check))
        return hubsrv_send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request",
                            "check: six digits");
    if (r->who == WHO_KIOSK &&
        !hubrate_take(r->srv->lookups, r->kiosk, kclock_mono_ms(), &retry))
        return hubsrv_send_problem_ex(r, 429, API_SLUG_RATE_LIMITED, "Too many requests",
                               "ticket lookups of this kiosk", retry, NULL);
    if (r->who == WHO_KIOSK && !check) e = KERR_NOTFOUND;
    else e = hubstore_ticket_status(r->srv->store, r->arg, check, &t);
    if (e == KERR_NOTFOUND)
        return hubsrv_send_problem(r, 404, API_SLUG_NOT_FOUND, "Not found",
                            "no ticket with this check code");
    if (e != KERR_OK) return hubsrv_send_kerr(r, e, NULL);
    if (api_ticket_status_encode(&t, &txt) != KERR_OK)
        return hubsrv_send_problem(r, 500, API_SLUG_INTERNAL, "Internal error", "encode");
    ret = hubsrv_send_text(r, 200, API_CT_JSON, txt, 0, NULL);
    free(txt);
    return ret;
}
/* ---- browsers: built-in files and the phone pages ------------------------- */

static enum MHD_Result send_html(struct hreq *r, int status, char *page, int retry_after)
{
    enum MHD_Result ret;
    if (!page) return hubsrv_send_problem(r, 500, API_SLUG_INTERNAL, "Internal error", "out of memory");
    ret = hubsrv_send_text(r, status, "text/html; charset=utf-8", page, retry_after, NULL);
    free(page);
    return ret;
}

enum MHD_Result hubsrv_static(struct hreq *r)
{
    const struct hubweb_file *f = r->arg_long ? NULL : hubweb_file_find(r->arg);
    const char *inm = hubsrv_hdr(r, MHD_HTTP_HEADER_IF_NONE_MATCH);
    struct MHD_Response *resp;
    enum MHD_Result ret;
    int status = 200;
    if (!f) return hubsrv_send_problem(r, 404, API_SLUG_NOT_FOUND, "Not found", "no such file");
    if (inm && strcmp(inm, f->etag) == 0) status = 304;
    resp = MHD_create_response_from_buffer(status == 304 ? 0 : f->len, (void *)f->data,
                                           MHD_RESPMEM_PERSISTENT);
    if (!resp) return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, f->ctype);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, f->etag);
    /* ask every time (304 when unchanged): a new hub brings new files */
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(resp, "Content-Security-Policy", CSP);
    r->status = status;
    r->state = S_DONE;
    ret = MHD_queue_response(r->conn, (unsigned)status, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* GET /t/{ticket}?c=NNNNNN: the status page the receipt's QR code opens.
 * No login. Unknown ticket, missing, malformed or wrong code: one page, 404.
 * Each miss counts against the client address; past the limit every look-up
 * from it is 429 before the database is asked, so the check codes of a
 * ticket cannot be tried one by one. Hits do not count: a person may reload. */
enum MHD_Result hubsrv_phone(struct hreq *r)
{
    const char *c = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "c");
    const char *lang_q = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "lang");
    enum hubweb_lang lang = hubweb_lang_pick(hubsrv_hdr(r, MHD_HTTP_HEADER_ACCEPT_LANGUAGE), lang_q);
    struct hubstore_page *pg;
    char *page = NULL;
    int retry = 0;
    enum kerr e = KERR_NOTFOUND;
    if (!hubrate_peek(r->srv->phone_misses, r->client.key, kclock_mono_ms(), &retry)) {
        hubweb_phone_busy(lang, &page);
        return send_html(r, 429, page, retry);
    }
    pg = malloc(sizeof *pg);
    if (!pg) return hubsrv_send_kerr(r, KERR_NOMEM, NULL);
    if (!r->arg_long && api_ticket_valid(r->arg) && c && api_check_valid(c))
        e = hubstore_ticket_page(r->srv->store, r->arg, c, pg);
    if (e == KERR_OK) hubweb_phone_page(pg, c, r->srv->labels, lang, &page);
    free(pg);
    if (e == KERR_OK) return send_html(r, 200, page, 0);
    if (e != KERR_NOTFOUND) return hubsrv_send_kerr(r, e, NULL);
    (void)hubrate_take(r->srv->phone_misses, r->client.key, kclock_mono_ms(), &retry);
    hubweb_phone_not_found(lang, &page);
    return send_html(r, 404, page, 0);
}
