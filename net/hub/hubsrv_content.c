/* hubsrv_content: the hub's routes of signed content updates. Kiosks get
 * the manifest offered to them and download bundle files; the admin
 * publishes (uploads a file signed elsewhere: the hub never signs), lists
 * releases and watches which kiosk has which version. The heartbeat answer's
 * "content" member comes from hubsrv_content_heartbeat. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmeta.h"
#include "hubsrv_impl.h"
#include "hubstore_content.h"

void hubsrv_content_heartbeat(struct hreq *r, const struct api_heartbeat *hb)
{
    /* -1: a kiosk without content updates (it sends no content_bundle) */
    int64_t seq = hb->content_bundle[0] ? strtoll(hb->content_bundle, NULL, 10) : -1;
    if (!r->srv->content) return;
    if (!r->hb_answer) r->hb_answer = cJSON_CreateObject();
    hubcontent_heartbeat(r->srv->content, r->kiosk, hb->tower, seq,
                         hb->content_error[0] ? hb->content_error : NULL, r->hb_answer);
}

enum MHD_Result hubsrv_content_manifest(struct hreq *r)
{
    cJSON *o = r->srv->content ? hubcontent_manifest_for(r->srv->content, r->kiosk, NULL) : NULL;
    enum MHD_Result ret;
    if (!o)
        return hubsrv_send_problem(r, 404, API_SLUG_NOT_FOUND, "Not found",
                                   "no content release is offered to this kiosk");
    ret = hubsrv_send_json(r, 200, o);
    cJSON_Delete(o);
    return ret;
}

enum MHD_Result hubsrv_content_bundle(struct hreq *r)
{
    char path[1200], *end;
    long long v = strtoll(r->arg, &end, 10);
    uint64_t size = 0;
    enum hubcontent_bundle found;
    struct stat st;
    struct MHD_Response *resp;
    enum MHD_Result ret;
    int fd;
    if (r->arg_long || !r->arg[0] || *end || v <= 0 || strspn(r->arg, "0123456789") != strlen(r->arg))
        return hubsrv_send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request", "malformed version");
    found = r->srv->content ? hubcontent_bundle_path(r->srv->content, v, path, sizeof path, &size)
                            : HUBCONTENT_BUNDLE_UNKNOWN;
    if (found == HUBCONTENT_BUNDLE_UNKNOWN)
        return hubsrv_send_problem(r, 404, API_SLUG_NOT_FOUND, "Not found", "no such version");
    if (found == HUBCONTENT_BUNDLE_REMOVED) /* the release is listed, its bytes are not kept */
        return hubsrv_send_problem(r, 410, "bundle-removed", "Gone",
                                   "the retention sweep removed this release's bundle; no kiosk "
                                   "reported it installed or offered (a newer one is offered)");
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) != 0 || (uint64_t)st.st_size != size) {
        if (fd >= 0) close(fd);
        return hubsrv_send_problem(r, 500, API_SLUG_INTERNAL, "Internal error", "bundle file missing");
    }
    resp = MHD_create_response_from_fd((uint64_t)st.st_size, fd); /* MHD closes fd */
    if (!resp) {
        close(fd);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/octet-stream");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    r->status = 200;
    r->state = S_DONE;
    ret = MHD_queue_response(r->conn, 200, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result publish(struct hreq *r)
{
    const char *to = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "to");
    const char *at = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "at");
    char why[200] = "", tl[HUBCONTENT_TO_SIZE], *save = NULL;
    int64_t t = 0, v = 0;
    enum kerr e;
    if (!to || !to[0]) to = "all";
    if (strlen(to) >= sizeof tl)
        return hubsrv_send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request", "to: too long");
    snprintf(tl, sizeof tl, "%s", to);
    for (char *x = strtok_r(tl, ",", &save); x; x = strtok_r(NULL, ",", &save))
        if (!cmeta_target_ok(x))
            return hubsrv_send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request",
                                       "to: all, tower:ID or kiosk:ID, comma-separated");
    if (at && at[0] && !cmeta_time_parse(at, &t))
        return hubsrv_send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request",
                                   "at: a UTC time such as 2026-11-28T01:00:00Z");
    if (!r->body || r->len == 0)
        return hubsrv_send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request", "no bundle file");
    e = hubcontent_publish(r->srv->content, r->body, r->len, to, t, &v, why);
    if (e == KERR_PARSE) return hubsrv_send_problem(r, 400, API_SLUG_BAD_REQUEST, "Not a bundle", why);
    if (e == KERR_CONFLICT) return hubsrv_send_problem(r, 409, "version-conflict", "Version conflict", why);
    if (e != KERR_OK) return hubsrv_send_kerr(r, e, why);
    {
        cJSON *o = cJSON_CreateObject();
        enum MHD_Result ret;
        cJSON_AddNumberToObject(o, "version", (double)v);
        cJSON_AddStringToObject(o, "to", to);
        ret = hubsrv_send_json(r, 201, o);
        cJSON_Delete(o);
        return ret;
    }
}

enum MHD_Result hubsrv_admin_content(struct hreq *r, bool status)
{
    cJSON *o;
    enum MHD_Result ret;
    if (!r->srv->content)
        return hubsrv_send_problem(r, 503, "unavailable", "Content store unavailable", NULL);
    if (!status && strcmp(r->method, "POST") == 0) return publish(r);
    o = status ? hubcontent_status(r->srv->content) : hubcontent_list(r->srv->content);
    if (!o) return hubsrv_send_problem(r, 500, API_SLUG_INTERNAL, "Internal error", "out of memory");
    ret = hubsrv_send_json(r, 200, o);
    cJSON_Delete(o);
    return ret;
}
