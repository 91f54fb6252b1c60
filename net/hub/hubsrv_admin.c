/* hubsrv_admin: /api/v1/admin/... and the staff console: kiosks, requests,
 * status, sessions, users, facets, assignment and audit. See hubsrv_impl.h. */

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

#include "hubsrv_impl.h"

/* Parses an admin JSON body into a new cJSON object (*out) or answers 400. */
static enum MHD_Result admin_body(struct hreq *r, cJSON **out)
{
    bool ok;
    enum MHD_Result ret = hubsrv_body_guard(r, &ok);
    *out = NULL;
    if (!ok) return ret;
    *out = cJSON_ParseWithLength(r->body, r->len);
    if (!cJSON_IsObject(*out)) {
        cJSON_Delete(*out);
        *out = NULL;
        return hubsrv_send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request", "body: not a JSON object");
    }
    return MHD_YES;
}

enum MHD_Result hubsrv_admin_kiosk_add(struct hreq *r)
{
    cJSON *o, *id;
    char token[HUBAUTH_TOKEN_LEN + 1];
    enum MHD_Result ret = admin_body(r, &o);
    if (!o) return ret;
    id = cJSON_GetObjectItemCaseSensitive(o, "id");
    if (!cJSON_IsString(id) || !api_kiosk_id_valid(id->valuestring)) {
        cJSON_Delete(o);
        return hubsrv_send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request",
                            "id: must match ^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$");
    }
    memset(&r->job, 0, sizeof r->job);
    r->job.op = HUBSTORE_KIOSK_ADD;
    snprintf(r->job.actor, sizeof r->job.actor, "%s", r->actor);
    snprintf(r->job.kiosk_id, sizeof r->job.kiosk_id, "%s", id->valuestring);
    cJSON_Delete(o);
    if (hubauth_token_new(token) != KERR_OK)
        return hubsrv_send_problem(r, 500, API_SLUG_INTERNAL, "Internal error", "no randomness");
    hubauth_sha256(token, strlen(token), r->job.token_hash);
    memcpy(r->token, token, sizeof token);
    memset(token, 0, sizeof token);
    return hubsrv_submit(r);
}

/* 200 {"<member>": a} when e is KERR_OK (a is taken), else the error's answer. */
static enum MHD_Result send_list(struct hreq *r, enum kerr e, const char *member, cJSON *a)
{
    cJSON *o;
    enum MHD_Result ret;
    if (e != KERR_OK) {
        cJSON_Delete(a);
        return hubsrv_send_kerr(r, e, NULL);
    }
    o = cJSON_CreateObject();
    if (!o) {
        cJSON_Delete(a);
        return hubsrv_send_kerr(r, KERR_NOMEM, NULL);
    }
    cJSON_AddItemToObject(o, member, a);
    ret = hubsrv_send_json(r, 200, o);
    cJSON_Delete(o);
    return ret;
}

enum MHD_Result hubsrv_admin_kiosk_revoke(struct hreq *r)
{
    if (r->arg_long || !api_kiosk_id_valid(r->arg))
        return hubsrv_send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request", "malformed kiosk id");
    memset(&r->job, 0, sizeof r->job);
    r->job.op = HUBSTORE_KIOSK_REVOKE;
    snprintf(r->job.actor, sizeof r->job.actor, "%s", r->actor);
    snprintf(r->job.kiosk_id, sizeof r->job.kiosk_id, "%.*s", HUBSTORE_ID_MAX, r->arg);
    return hubsrv_submit(r);
}

enum MHD_Result hubsrv_admin_request_list(struct hreq *r)
{
    const char *status = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "status");
    const char *lim = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "limit");
    struct hubstore_filter f = {
        .status = status,
        .category = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "category"),
        .tower = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "tower"),
        .kiosk = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "kiosk"),
        .assignee = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "assignee"),
        .q = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "q"),
    };
    long limit = LIST_DEFAULT;
    cJSON *a = NULL;
    enum kerr e;
    if (status && !hubstore_status_valid(status) && strcmp(status, "open") != 0)
        return hubsrv_send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request",
                            "status: open, or one of new, accepted, in_progress, resolved, rejected");
    {
        const char *txt[] = {f.category, f.tower, f.kiosk, f.assignee, f.q};
        for (size_t i = 0; i < sizeof txt / sizeof txt[0]; i++)
            if (txt[i] && (strlen(txt[i]) > 100 || !utf8_valid(txt[i], strlen(txt[i]))))
                return hubsrv_send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request",
                                    "filters: UTF-8, at most 100 bytes each");
    }
    if (lim) {
        char *end;
        limit = strtol(lim, &end, 10);
        if (*lim == '\0' || *end != '\0' || limit < 1 || limit > LIST_MAX)
            return hubsrv_send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request", "limit: 1..1000");
    }
    f.limit = (int)limit;
    e = hubstore_request_query(r->srv->store, &f, &a);
    return send_list(r, e, "requests", a);
}

enum MHD_Result hubsrv_admin_request_get(struct hreq *r)
{
    cJSON *o = NULL;
    enum kerr e;
    enum MHD_Result ret;
    if (r->arg_long || !api_ticket_valid(r->arg))
        return hubsrv_send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request", "malformed ticket");
    e = hubstore_request_get(r->srv->store, r->arg, &o);
    if (e != KERR_OK) return hubsrv_send_kerr(r, e, "ticket unknown");
    ret = hubsrv_send_json(r, 200, o);
    cJSON_Delete(o);
    return ret;
}

enum MHD_Result hubsrv_admin_status(struct hreq *r)
{
    cJSON *o, *st, *note;
    enum MHD_Result ret;
    if (r->arg_long || !api_ticket_valid(r->arg))
        return hubsrv_send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request", "malformed ticket");
    ret = admin_body(r, &o);
    if (!o) return ret;
    st = cJSON_GetObjectItemCaseSensitive(o, "status");
    note = cJSON_GetObjectItemCaseSensitive(o, "note");
    if (!cJSON_IsString(st) || !hubstore_status_valid(st->valuestring)) {
        cJSON_Delete(o);
        return hubsrv_send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request",
                            "status: one of new, accepted, in_progress, resolved, rejected");
    }
    if (note && !cJSON_IsNull(note) &&
        (!cJSON_IsString(note) || !utf8_valid(note->valuestring, strlen(note->valuestring)) ||
         utf8_count(note->valuestring) > API_NOTE_MAX_CP ||
         strlen(note->valuestring) > HUBSTORE_NOTE_MAX)) {
        cJSON_Delete(o);
        return hubsrv_send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request",
                            "note: a string of at most 500 characters, or null");
    }
    memset(&r->job, 0, sizeof r->job);
    r->job.op = HUBSTORE_STATUS_SET;
    snprintf(r->job.actor, sizeof r->job.actor, "%s", r->actor);
    snprintf(r->job.ticket, sizeof r->job.ticket, "%.*s", HUBSTORE_TICKET_MAX, r->arg);
    snprintf(r->job.status, sizeof r->job.status, "%s", st->valuestring);
    r->job.has_note = cJSON_IsString(note);
    if (r->job.has_note) snprintf(r->job.note, sizeof r->job.note, "%s", note->valuestring);
    cJSON_Delete(o);
    return hubsrv_submit(r);
}


/* ---- the web console: sessions, accounts, assignment, audit --------------- */

const char *hubsrv_hdr(const struct hreq *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

/* The request came over TLS: through a trusted proxy that says so. */
static bool over_tls(const struct hreq *r)
{
    const char *p = hubsrv_hdr(r, "X-Forwarded-Proto");
    return r->client.via_proxy && p && strcasecmp(p, "https") == 0;
}

/* False for a request a browser sent from another site: Sec-Fetch-Site not
 * same-origin, or an Origin whose host is not the Host asked for. Requests
 * without those headers (kioskctl, scripts) pass; they carry no cookie. */
bool hubsrv_same_origin(const struct hreq *r)
{
    const char *site = hubsrv_hdr(r, "Sec-Fetch-Site"), *origin = hubsrv_hdr(r, "Origin"), *host, *o;
    if (site && strcmp(site, "same-origin") != 0 && strcmp(site, "none") != 0) return false;
    if (!origin) return true;
    host = hubsrv_hdr(r, MHD_HTTP_HEADER_HOST);
    o = strstr(origin, "://");
    return host && o && strcasecmp(o + 3, host) == 0;
}

static void cookie_set(struct hreq *r, const char *token)
{
    snprintf(r->set_cookie, sizeof r->set_cookie,
             "%s=%s; Path=/; HttpOnly; SameSite=Strict%s", HUBSESS_COOKIE, token,
             r->srv->secure_cookies || over_tls(r) ? "; Secure" : "");
}

static enum MHD_Result send_session(struct hreq *r, int status, const struct hubsess_info *si)
{
    cJSON *o = cJSON_CreateObject();
    enum MHD_Result ret;
    uint64_t now = kclock_mono_ms();
    if (!o) return hubsrv_send_kerr(r, KERR_NOMEM, NULL);
    cJSON_AddStringToObject(o, "name", si->user);
    cJSON_AddStringToObject(o, "role", si->role);
    if (si->csrf[0]) cJSON_AddStringToObject(o, "csrf", si->csrf);
    else cJSON_AddNullToObject(o, "csrf");
    if (si->idle_ends_ms) {
        cJSON_AddNumberToObject(o, "expires_in_s",
                                (double)((si->idle_ends_ms > now ? si->idle_ends_ms - now : 0) / 1000));
    } else {
        cJSON_AddNullToObject(o, "expires_in_s");
    }
    ret = hubsrv_send_json(r, status, o);
    cJSON_Delete(o);
    return ret;
}

/* POST /api/v1/admin/session {name, password}: checks the password (scrypt
 * on this thread, ~0.1 s; a name that does not exist is checked against a
 * dummy hash, so both take as long) and records the outcome through the
 * writer. One answer for every failure: wrong name, wrong password, locked
 * or disabled account. */
static enum MHD_Result h_login(struct hreq *r)
{
    cJSON *o, *nm, *pw;
    struct hubstore_user u;
    enum kerr e;
    bool ok = false, known;
    enum MHD_Result ret = admin_body(r, &o);
    if (!o) return ret;
    nm = cJSON_GetObjectItemCaseSensitive(o, "name");
    pw = cJSON_GetObjectItemCaseSensitive(o, "password");
    if (!cJSON_IsString(nm) || !cJSON_IsString(pw) || strlen(pw->valuestring) > HUBPW_MAX ||
        strlen(nm->valuestring) > HUBSTORE_USER_MAX) {
        cJSON_Delete(o);
        return hubsrv_send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request",
                            "name and password: strings");
    }
    e = hubstore_user_name_valid(nm->valuestring)
            ? hubstore_user_get(r->srv->store, nm->valuestring, &u)
            : KERR_NOTFOUND;
    if (e != KERR_OK && e != KERR_NOTFOUND) {
        cJSON_Delete(o);
        return hubsrv_send_kerr(r, e, NULL);
    }
    known = e == KERR_OK;
    ok = hubpw_verify(pw->valuestring, strlen(pw->valuestring),
                      known ? u.pw_hash : r->srv->dummy_hash) &&
         known;
    memset(&r->job, 0, sizeof r->job);
    r->job.op = HUBSTORE_LOGIN;
    if (known) {
        snprintf(r->job.user, sizeof r->job.user, "%s", u.name);
        snprintf(r->job.actor, sizeof r->job.actor, "%s", u.name);
        snprintf(r->staff.user, sizeof r->staff.user, "%s", u.name);
        snprintf(r->staff.role, sizeof r->staff.role, "%s", u.role);
    } else {
        snprintf(r->job.actor, sizeof r->job.actor, "-");
    }
    cJSON_Delete(o);
    if (known && (u.disabled || u.locked)) {
        /* refused whatever the password; a locked account's count does not grow */
        hubsrv_login_failed(r);
        snprintf(r->job.action, sizeof r->job.action, "session.login_failed");
        snprintf(r->job.target, sizeof r->job.target, "%s", u.name);
        snprintf(r->job.detail, sizeof r->job.detail, "%s", u.disabled ? "disabled" : "locked");
        r->job.op = HUBSTORE_AUDIT;
        r->job.login_ok = false;
        return hubsrv_submit(r);
    }
    r->job.login_ok = ok;
    r->job.lock_after = (int)r->srv->lock_after;
    r->job.lock_s = r->srv->lock_s;
    if (!ok) hubsrv_login_failed(r);
    return hubsrv_submit(r);
}

enum MHD_Result hubsrv_login_answer(struct hreq *r)
{
    struct hubsess_info si;
    char token[HUBSESS_TOKEN_LEN + 1];
    enum MHD_Result ret;
    if (r->job.result != 200) return hubsrv_send_problem(r, 500, API_SLUG_INTERNAL, "Internal error", "database");
    if (r->job.op != HUBSTORE_LOGIN || !r->job.login_ok)
        return hubsrv_send_problem(r, 401, API_SLUG_UNAUTHORIZED, "Login refused",
                            "wrong name or password, or the account is locked or disabled");
    if (hubsess_create(r->srv->sessions, r->staff.user, r->staff.role, kclock_mono_ms(), token,
                       &si) != KERR_OK)
        return hubsrv_send_problem(r, 500, API_SLUG_INTERNAL, "Internal error", "no randomness");
    cookie_set(r, token);
    memset(token, 0, sizeof token);
    snprintf(r->actor, sizeof r->actor, "%s", si.user);
    r->who = WHO_STAFF;
    ret = send_session(r, 200, &si);
    memset(r->set_cookie, 0, sizeof r->set_cookie);
    return ret;
}

enum MHD_Result hubsrv_session(struct hreq *r)
{
    if (strcmp(r->method, "POST") == 0) return h_login(r);
    if (strcmp(r->method, "GET") == 0) {
        struct hubsess_info si;
        if (r->who == WHO_STAFF) return send_session(r, 200, &r->staff);
        memset(&si, 0, sizeof si);
        snprintf(si.user, sizeof si.user, "admin");
        snprintf(si.role, sizeof si.role, "admin");
        return send_session(r, 200, &si);
    }
    /* DELETE: logout */
    if (r->who == WHO_STAFF) {
        char token[HUBSESS_TOKEN_LEN + 1];
        if (hubsess_cookie_token(hubsrv_hdr(r, MHD_HTTP_HEADER_COOKIE), token))
            hubsess_end(r->srv->sessions, token);
    }
    snprintf(r->set_cookie, sizeof r->set_cookie,
             "%s=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0%s", HUBSESS_COOKIE,
             r->srv->secure_cookies || over_tls(r) ? "; Secure" : "");
    memset(&r->job, 0, sizeof r->job);
    r->job.op = HUBSTORE_AUDIT;
    snprintf(r->job.actor, sizeof r->job.actor, "%s", r->actor);
    snprintf(r->job.action, sizeof r->job.action, "session.logout");
    return hubsrv_submit(r);
}

/* Sets r->job's password hash from a given password (pw non-NULL) or a new
 * generated one (kept in r->password to show once). Answers 400 on a bad
 * password; *ok false then. */
static enum MHD_Result set_password(struct hreq *r, const char *pw, bool *ok)
{
    *ok = false;
    if (!pw) {
        if (hubpw_generate(r->password) != KERR_OK)
            return hubsrv_send_problem(r, 500, API_SLUG_INTERNAL, "Internal error", "no randomness");
        pw = r->password;
    } else if (!hubpw_acceptable(pw)) {
        return hubsrv_send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request",
                            "password: 10..128 bytes of UTF-8 without control characters");
    }
    if (hubpw_hash(pw, strlen(pw), r->job.pw_hash, sizeof r->job.pw_hash) != KERR_OK)
        return hubsrv_send_problem(r, 500, API_SLUG_INTERNAL, "Internal error", "hash");
    *ok = true;
    return MHD_YES;
}

enum MHD_Result hubsrv_user_add(struct hreq *r)
{
    cJSON *o, *nm, *role, *pw;
    bool ok;
    enum MHD_Result ret = admin_body(r, &o);
    if (!o) return ret;
    nm = cJSON_GetObjectItemCaseSensitive(o, "name");
    role = cJSON_GetObjectItemCaseSensitive(o, "role");
    pw = cJSON_GetObjectItemCaseSensitive(o, "password");
    if (!cJSON_IsString(nm) || !hubstore_user_name_valid(nm->valuestring) ||
        !cJSON_IsString(role) || !hubstore_role_valid(role->valuestring) ||
        (pw && !cJSON_IsNull(pw) && !cJSON_IsString(pw))) {
        cJSON_Delete(o);
        return hubsrv_send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request",
                            "name: ^[a-z][a-z0-9._-]{1,31}$ and not admin; role: viewer, "
                            "handler or admin; password: a string or absent");
    }
    memset(&r->job, 0, sizeof r->job);
    r->job.op = HUBSTORE_USER_ADD;
    snprintf(r->job.actor, sizeof r->job.actor, "%s", r->actor);
    snprintf(r->job.user, sizeof r->job.user, "%s", nm->valuestring);
    snprintf(r->job.role, sizeof r->job.role, "%s", role->valuestring);
    ret = set_password(r, cJSON_IsString(pw) ? pw->valuestring : NULL, &ok);
    cJSON_Delete(o);
    if (!ok) return ret;
    return hubsrv_submit(r);
}

enum MHD_Result hubsrv_user_update(struct hreq *r)
{
    cJSON *o, *role, *pw, *gen, *dis, *unl;
    bool ok = true;
    enum MHD_Result ret;
    if (r->arg_long || !hubstore_user_name_valid(r->arg))
        return hubsrv_send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request", "malformed account name");
    ret = admin_body(r, &o);
    if (!o) return ret;
    role = cJSON_GetObjectItemCaseSensitive(o, "role");
    pw = cJSON_GetObjectItemCaseSensitive(o, "password");
    gen = cJSON_GetObjectItemCaseSensitive(o, "new_password");
    dis = cJSON_GetObjectItemCaseSensitive(o, "disabled");
    unl = cJSON_GetObjectItemCaseSensitive(o, "unlock");
    if ((role && (!cJSON_IsString(role) || !hubstore_role_valid(role->valuestring))) ||
        (pw && !cJSON_IsString(pw)) || (gen && !cJSON_IsBool(gen)) || (dis && !cJSON_IsBool(dis)) ||
        (unl && !cJSON_IsBool(unl)) || (pw && cJSON_IsTrue(gen)) ||
        !(role || pw || cJSON_IsTrue(gen) || dis || cJSON_IsTrue(unl))) {
        cJSON_Delete(o);
        return hubsrv_send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request",
                            "one or more of role, password or new_password: true, disabled, "
                            "unlock: true");
    }
    memset(&r->job, 0, sizeof r->job);
    r->job.op = HUBSTORE_USER_UPDATE;
    snprintf(r->job.actor, sizeof r->job.actor, "%s", r->actor);
    snprintf(r->job.user, sizeof r->job.user, "%.*s", HUBSTORE_USER_MAX, r->arg);
    if (role) {
        r->job.set_role = true;
        snprintf(r->job.role, sizeof r->job.role, "%s", role->valuestring);
    }
    if (dis) {
        r->job.set_disabled = true;
        r->job.disabled = cJSON_IsTrue(dis);
    }
    r->job.unlock = cJSON_IsTrue(unl);
    if (pw || cJSON_IsTrue(gen)) {
        r->job.set_pw = true;
        ret = set_password(r, pw ? pw->valuestring : NULL, &ok);
    }
    cJSON_Delete(o);
    if (!ok) return ret;
    return hubsrv_submit(r);
}

enum MHD_Result hubsrv_user_answer(struct hreq *r)
{
    struct hubstore_job *j = &r->job;
    cJSON *o;
    enum MHD_Result ret;
    if (j->result == 409)
        return hubsrv_send_problem(r, 409, "user-exists", "Account exists", "an account has this name");
    if (j->result == 404)
        return hubsrv_send_problem(r, 404, API_SLUG_NOT_FOUND, "Not found", "no account with this name");
    if (j->result != 200 && j->result != 201)
        return hubsrv_send_problem(r, 500, API_SLUG_INTERNAL, "Internal error", "database");
    /* a changed account logs in again with what it now is */
    if (j->op == HUBSTORE_USER_UPDATE && (j->set_role || j->set_pw || (j->set_disabled && j->disabled)))
        hubsess_end_user(r->srv->sessions, j->user);
    o = cJSON_CreateObject();
    if (!o) return hubsrv_send_kerr(r, KERR_NOMEM, NULL);
    cJSON_AddStringToObject(o, "name", j->user);
    if (j->op == HUBSTORE_USER_ADD || j->set_role) cJSON_AddStringToObject(o, "role", j->role);
    /* a generated password lives only in this answer */
    if (r->password[0]) cJSON_AddStringToObject(o, "password", r->password);
    ret = hubsrv_send_json(r, j->result, o);
    cJSON_Delete(o);
    memset(r->password, 0, sizeof r->password);
    return ret;
}

enum MHD_Result hubsrv_user_list(struct hreq *r)
{
    cJSON *a = NULL;
    enum kerr e = hubstore_user_list(r->srv->store, &a);
    return send_list(r, e, "users", a);
}

enum MHD_Result hubsrv_audit(struct hreq *r)
{
    const char *lim = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "limit");
    const char *bef = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "before");
    long limit = AUDIT_DEFAULT;
    long long before = 0;
    cJSON *a = NULL;
    enum kerr e;
    char *end;
    if (lim) {
        limit = strtol(lim, &end, 10);
        if (*lim == '\0' || *end != '\0' || limit < 1 || limit > LIST_MAX)
            return hubsrv_send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request", "limit: 1..1000");
    }
    if (bef) {
        before = strtoll(bef, &end, 10);
        if (*bef == '\0' || *end != '\0' || before < 1)
            return hubsrv_send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request",
                                "before: an audit id (1 or more)");
    }
    e = hubstore_audit_list(r->srv->store, before, (int)limit, &a);
    return send_list(r, e, "entries", a);
}

/* ids as [{id, zh, en}] with the names of kind in the labels (or null) */
static cJSON *named(const struct hubsrv *srv, const cJSON *ids, const char *kind)
{
    cJSON *a = cJSON_CreateArray(), *id;
    cJSON_ArrayForEach(id, ids)
    {
        cJSON *e = cJSON_CreateObject();
        const char *zh = hubweb_label(srv->labels, kind, id->valuestring, HUBWEB_ZH);
        const char *en = hubweb_label(srv->labels, kind, id->valuestring, HUBWEB_EN);
        if (!e) break;
        cJSON_AddItemToArray(a, e);
        cJSON_AddStringToObject(e, "id", id->valuestring);
        if (zh) cJSON_AddStringToObject(e, "zh", zh);
        else cJSON_AddNullToObject(e, "zh");
        if (en) cJSON_AddStringToObject(e, "en", en);
        else cJSON_AddNullToObject(e, "en");
    }
    return a;
}

/* GET /api/v1/admin/facets: what the inbox filters on, with names, and the
 * staff a request can be assigned to. */
enum MHD_Result hubsrv_facets(struct hreq *r)
{
    cJSON *f = NULL, *users = NULL, *o, *staff, *u;
    enum kerr e = hubstore_facets(r->srv->store, &f);
    enum MHD_Result ret;
    if (e == KERR_OK) e = hubstore_user_list(r->srv->store, &users);
    if (e != KERR_OK) {
        cJSON_Delete(f);
        return hubsrv_send_kerr(r, e, NULL);
    }
    o = cJSON_CreateObject();
    staff = cJSON_CreateArray();
    cJSON_ArrayForEach(u, users)
    {
        const char *role = cJSON_GetObjectItem(u, "role")->valuestring;
        if (cJSON_IsString(cJSON_GetObjectItem(u, "disabled_at")) || hubsrv_role_rank(role) < 2) continue;
        cJSON *e2 = cJSON_CreateObject();
        cJSON_AddStringToObject(e2, "name", cJSON_GetObjectItem(u, "name")->valuestring);
        cJSON_AddStringToObject(e2, "role", role);
        cJSON_AddItemToArray(staff, e2);
    }
    cJSON_AddItemToObject(o, "categories", named(r->srv, cJSON_GetObjectItem(f, "categories"),
                                                 "categories"));
    cJSON_AddItemToObject(o, "towers", named(r->srv, cJSON_GetObjectItem(f, "towers"), "towers"));
    cJSON_AddItemToObject(o, "kiosks", cJSON_DetachItemFromObject(f, "kiosks"));
    cJSON_AddItemToObject(o, "staff", staff);
    ret = hubsrv_send_json(r, 200, o);
    cJSON_Delete(o);
    cJSON_Delete(f);
    cJSON_Delete(users);
    return ret;
}

enum MHD_Result hubsrv_assign(struct hreq *r)
{
    cJSON *o, *as;
    enum MHD_Result ret;
    if (r->arg_long || !api_ticket_valid(r->arg))
        return hubsrv_send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request", "malformed ticket");
    ret = admin_body(r, &o);
    if (!o) return ret;
    as = cJSON_GetObjectItemCaseSensitive(o, "assignee");
    if (!as || !(cJSON_IsNull(as) || (cJSON_IsString(as) && hubstore_user_name_valid(as->valuestring)))) {
        cJSON_Delete(o);
        return hubsrv_send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request",
                            "assignee: an account name, or null for nobody");
    }
    memset(&r->job, 0, sizeof r->job);
    r->job.op = HUBSTORE_ASSIGN;
    snprintf(r->job.actor, sizeof r->job.actor, "%s", r->actor);
    snprintf(r->job.ticket, sizeof r->job.ticket, "%.*s", HUBSTORE_TICKET_MAX, r->arg);
    if (cJSON_IsString(as)) snprintf(r->job.user, sizeof r->job.user, "%s", as->valuestring);
    cJSON_Delete(o);
    return hubsrv_submit(r);
}

enum MHD_Result hubsrv_assign_answer(struct hreq *r)
{
    struct hubstore_job *j = &r->job;
    cJSON *o;
    enum MHD_Result ret;
    if (j->result == 404)
        return hubsrv_send_problem(r, 404, API_SLUG_NOT_FOUND, "Not found", "ticket unknown");
    if (j->result == 422)
        return hubsrv_send_problem(r, 422, "not-staff", "Cannot assign",
                            "no active handler or admin account with this name");
    if (j->result != 200) return hubsrv_send_problem(r, 500, API_SLUG_INTERNAL, "Internal error", "database");
    o = cJSON_CreateObject();
    if (!o) return hubsrv_send_kerr(r, KERR_NOMEM, NULL);
    cJSON_AddStringToObject(o, "ticket", j->ticket);
    if (j->user[0]) cJSON_AddStringToObject(o, "assignee", j->user);
    else cJSON_AddNullToObject(o, "assignee");
    ret = hubsrv_send_json(r, 200, o);
    cJSON_Delete(o);
    return ret;
}
