/* kioskctl: the admin command line for kiosk-hub (libcurl). Tables for people,
 * --json for scripts, exit codes scripts can rely on (see usage() and
 * docs/hub.md). The admin token is read from --token-file and sent only in
 * the Authorization header; it is never printed. */
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api.h"
#include "kioskctl_content.h"
#include "kioskctl_bookings.h"
#include "kioskctl.h"
#include "utf8.h"

#define RESPONSE_CAP (8u << 20)

static void usage(FILE *f)
{
    fprintf(f, "usage: kioskctl --hub URL --token-file FILE [--json] COMMAND\n"
          "commands:\n"
          "  kiosk add ID                     register a kiosk; its token is printed,\n"
          "                                   alone, on the last line (shown once)\n"
          "  kiosk list                       every kiosk: online or stale (the hub's\n"
          "                                   --stale-after), last heartbeat, tower, versions,\n"
          "                                   queue, content, screen, last error\n"
          "  kiosk screenshot ID -o FILE [--timeout S]\n"
          "                                   the kiosk's screen now as PNG (refused while a\n"
          "                                   form with personal data is open; default 30 s)\n"
          "  alert send --to all|tower:ID|kiosk:ID[,ID] --level urgent|notice\n"
          "             --title T [--body B] [--title-en T] [--body-en B] [--until TIME]\n"
          "                                   a full-screen message on the kiosks targeted;\n"
          "                                   TIME: YYYY-MM-DDTHH:MM[:SS] (Beijing time), with Z\n"
          "                                   (UTC) or +08:00, or +30m, +2h, +90s from now\n"
          "  alert list                       the active alerts\n"
          "  alert clear [ID]                 clear one alert, or all of them\n"
          "  kiosk revoke ID                  revoke a kiosk's token\n"
          "  requests list [--status S] [--limit N]\n"
          "                                   help requests, newest first (default 100)\n"
          "  requests show TICKET             one request with its history\n"
          "  requests set TICKET STATUS [--note TEXT]\n"
          "                                   new -> accepted -> in_progress -> resolved;\n"
          "                                   rejected from any open status\n"
          "  requests assign TICKET NAME|-    assign to a handler or admin (- for nobody)\n"
          "  user add NAME --role R [--password-stdin]\n"
          "                                   a web console account (role viewer, handler or\n"
          "                                   admin); without --password-stdin a password is\n"
          "                                   made and printed, alone, on the last line (once)\n"
          "  user list                        accounts, roles, locks\n"
          "  user role NAME R                 change an account's role\n"
          "  user password NAME [--password-stdin]\n"
          "                                   a new password (printed when made); unlocks\n"
          "  user disable NAME | user enable NAME | user unlock NAME\n"
          "  audit list [--limit N] [--before ID]\n"
          "                                   who changed what and when, newest first\n"
          "  content ...                      signed content updates: keys, sign, publish,\n"
          "                                   list, status (kioskctl content --help)\n"
          "%s"
          "options:\n"
          "  --hub URL          hub base URL, e.g. http://127.0.0.1:8080 (env KIOSK_HUB)\n"
          "  --token-file FILE  file with the admin token (env KIOSK_HUB_TOKEN_FILE)\n"
          "  --json             print the hub's JSON instead of a table\n"
          "  --insecure         allow plain http:// to a hub that is not this machine\n"
          "                     (the admin token then crosses the network unencrypted)\n"
          "exit codes:\n"
          "  0 ok, 1 hub error or not found, 2 usage (also: plain http to another\n"
          "  host without --insecure), 3 cannot reach the hub,\n"
          "  4 authentication refused (401/403), 5 conflict (409: kiosk or account\n"
          "  exists, status change not allowed)\n",
          kioskctl_bookings_usage);
}

static size_t on_write(char *data, size_t sz, size_t n, void *arg)
{
    struct buf *b = arg;
    size_t add = sz * n;
    char *np;
    if (b->len + add > RESPONSE_CAP) {
        b->over = true;
        return 0;
    }
    np = realloc(b->p, b->len + add + 1);
    if (!np) return 0;
    b->p = np;
    memcpy(b->p + b->len, data, add);
    b->len += add;
    b->p[b->len] = '\0';
    return add;
}

/* Performs one request; returns the HTTP status, or -1 when the hub cannot
 * be reached (a message is printed). The body is in *out (caller frees). */
long kioskctl_call(const struct ctl *c, const char *method, const char *path, const char *body,
                 struct buf *out)
{
    CURL *h = curl_easy_init();
    struct curl_slist *hdr = NULL;
    char url[2048], auth[400];
    long code = -1;
    CURLcode rc;
    memset(out, 0, sizeof *out);
    if (!h) return -1;
    snprintf(url, sizeof url, "%s%s", c->hub, path);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", c->token);
    hdr = curl_slist_append(hdr, auth);
    if (body) hdr = curl_slist_append(hdr, "Content-Type: application/json");
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    if (body) curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 30000L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    rc = curl_easy_perform(h);
    if (rc == CURLE_OK) {
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    } else {
        fprintf(stderr, "kioskctl: cannot reach %s: %s\n", c->hub, curl_easy_strerror(rc));
    }
    curl_slist_free_all(hdr);
    curl_easy_cleanup(h);
    return code;
}

/* call() for a command group in its own file (struct kctl_http). */
static long group_call(void *ctx, const char *method, const char *path, const char *body,
                       char **out, size_t *len)
{
    struct buf b;
    long code = kioskctl_call(ctx, method, path, body, &b);
    *out = b.p;
    *len = b.len;
    return code;
}

/* Maps an error status to an exit code and prints the problem's title and
 * detail (never the token). */
int kioskctl_fail(long code, const struct buf *b)
{
    struct api_problem p;
    if (code < 0) return EX_UNREACHABLE;
    if (b->p && api_problem_decode(b->p, b->len, &p, NULL) == KERR_OK)
        fprintf(stderr, "kioskctl: %ld %s%s%s\n", code, p.title, p.detail[0] ? ": " : "",
                p.detail);
    else
        fprintf(stderr, "kioskctl: hub answered %ld\n", code);
    if (code == 401 || code == 403) return EX_AUTH;
    if (code == 409) return EX_CONFLICT;
    return EX_HUB;
}

const char *kioskctl_str(const cJSON *o, const char *name)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, name);
    static char num[32];
    if (cJSON_IsString(it)) return it->valuestring;
    if (cJSON_IsNumber(it)) {
        snprintf(num, sizeof num, "%lld", (long long)it->valuedouble);
        return num;
    }
    if (cJSON_IsBool(it)) return cJSON_IsTrue(it) ? "yes" : "no";
    return "-";
}

/* A field of a request for people: "erased" when the retention sweep
 * erased it (the record has erased_at and the field is null). */
static const char *shown(const cJSON *o, const char *name, bool erased)
{
    if (erased && cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(o, name))) return "erased";
    return kioskctl_str(o, name);
}

static cJSON *parse_answer(const struct buf *b)
{
    cJSON *o;
    if (!b->p || !utf8_valid(b->p, b->len)) {
        fprintf(stderr, "kioskctl: the hub's answer is not UTF-8 JSON\n");
        return NULL;
    }
    o = cJSON_ParseWithLength(b->p, b->len);
    if (!o) fprintf(stderr, "kioskctl: the hub's answer is not JSON\n");
    return o;
}

#define GOT_ANSWER KIOSKCTL_GOT_ANSWER

/* GET path from the hub. On 200: with --json prints the answer as it came and
 * returns EX_OK; otherwise parses it into *o (the caller deletes it; NULL when
 * it is not JSON) and returns GOT_ANSWER. Any other answer: prints why and
 * returns the exit code (400 → EX_USAGE), *o = NULL. */
int kioskctl_get(const struct ctl *c, const char *path, cJSON **o)
{
    struct buf b;
    long code = kioskctl_call(c, "GET", path, NULL, &b);
    int ret = GOT_ANSWER;
    *o = NULL;
    if (code != 200) {
        ret = kioskctl_fail(code, &b);
        if (code == 400) ret = EX_USAGE;
    } else if (c->json) {
        printf("%s\n", b.p);
        ret = EX_OK;
    } else {
        *o = parse_answer(&b);
    }
    free(b.p);
    return ret;
}

static int cmd_kiosk_add(const struct ctl *c, const char *id)
{
    char body[128];
    struct buf b;
    long code;
    cJSON *o, *tok;
    int ret = EX_HUB;
    if (!api_kiosk_id_valid(id)) {
        fprintf(stderr, "kioskctl: kiosk id must match ^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$\n");
        return EX_USAGE;
    }
    snprintf(body, sizeof body, "{\"id\":\"%s\"}", id);
    code = kioskctl_call(c, "POST", "/api/v1/admin/kiosks", body, &b);
    if (code != 201) {
        ret = kioskctl_fail(code, &b);
        free(b.p);
        return ret;
    }
    o = parse_answer(&b);
    tok = cJSON_GetObjectItemCaseSensitive(o, "token");
    if (cJSON_IsString(tok)) {
        if (c->json) {
            printf("%s\n", b.p);
        } else {
            printf("kiosk %s added. Its token is shown once; put it in the kiosk's config:\n", id);
            printf("%s\n", tok->valuestring);
        }
        ret = EX_OK;
    }
    cJSON_Delete(o);
    free(b.p);
    return ret;
}

static int cmd_kiosk_revoke(const struct ctl *c, const char *id)
{
    char path[128];
    struct buf b;
    long code;
    int ret;
    if (!api_kiosk_id_valid(id)) {
        fprintf(stderr, "kioskctl: kiosk id must match ^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$\n");
        return EX_USAGE;
    }
    snprintf(path, sizeof path, "/api/v1/admin/kiosks/%s", id);
    code = kioskctl_call(c, "DELETE", path, NULL, &b);
    if (code == 204) {
        if (c->json) printf("{\"id\":\"%s\",\"revoked\":true}\n", id);
        else printf("kiosk %s revoked\n", id);
        ret = EX_OK;
    } else {
        ret = kioskctl_fail(code, &b);
    }
    free(b.p);
    return ret;
}

static int cmd_requests_list(const struct ctl *c, const char *status, const char *limit)
{
    char path[256];
    cJSON *o, *a, *q;
    int ret = EX_HUB;
    if (status && strspn(status, "abcdefghijklmnopqrstuvwxyz_") != strlen(status)) {
        fprintf(stderr, "kioskctl: --status is one of new, accepted, in_progress, resolved, rejected\n");
        return EX_USAGE;
    }
    if (limit && (strspn(limit, "0123456789") != strlen(limit) || strlen(limit) > 5 || !*limit)) {
        fprintf(stderr, "kioskctl: --limit is a number 1..1000\n");
        return EX_USAGE;
    }
    snprintf(path, sizeof path, "/api/v1/admin/requests%s%s%s%s%s", status || limit ? "?" : "",
             status ? "status=" : "", status ? status : "", status && limit ? "&" : "",
             limit ? "limit=" : "");
    if (limit) strncat(path, limit, sizeof path - strlen(path) - 1);
    ret = kioskctl_get(c, path, &o);
    if (ret != GOT_ANSWER) return ret;
    ret = EX_HUB;
    a = cJSON_GetObjectItemCaseSensitive(o, "requests");
    if (cJSON_IsArray(a)) {
        printf("%-24s %-12s %-12s %-20s %-21s %s\n", "TICKET", "STATUS", "CATEGORY", "KIOSK",
               "RECEIVED", "UPDATED");
        cJSON_ArrayForEach(q, a)
        {
            printf("%-24s %-12s %-12s %-20s", kioskctl_str(q, "ticket"), kioskctl_str(q, "status"),
                   kioskctl_str(q, "category"), kioskctl_str(q, "kiosk_id"));
            printf(" %-21s %s", kioskctl_str(q, "received_at"), kioskctl_str(q, "updated_at"));
            if (cJSON_GetObjectItemCaseSensitive(q, "receipt_ticket"))
                printf("  (receipt %s)", kioskctl_str(q, "receipt_ticket"));
            printf("\n");
        }
        printf("(%d)\n", cJSON_GetArraySize(a));
        ret = EX_OK;
    }
    cJSON_Delete(o);
    return ret;
}

static int cmd_requests_show(const struct ctl *c, const char *ticket)
{
    static const char *const fields[] = {"ticket",     "receipt_ticket", "check",
                                         "status",     "note",           "kiosk_id",
                                         "category",   "tower",          "contact_name",
                                         "phone",      "lang",           "created_at",
                                         "received_at", "updated_at",    "description"};
    char path[128];
    cJSON *o, *h, *e, *co;
    int ret = EX_HUB;
    if (!api_ticket_valid(ticket)) {
        fprintf(stderr, "kioskctl: a ticket looks like HL-A01-000042\n");
        return EX_USAGE;
    }
    snprintf(path, sizeof path, "/api/v1/admin/requests/%s", ticket);
    ret = kioskctl_get(c, path, &o);
    if (ret != GOT_ANSWER) return ret;
    ret = EX_HUB;
    if (cJSON_IsObject(o)) {
        bool erased = cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o, "erased_at"));
        for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
            /* the receipt's ticket and the check code only when the request has them */
            if (i < 3 && i > 0 && !cJSON_GetObjectItemCaseSensitive(o, fields[i])) continue;
            printf("%-14s %s\n", fields[i], shown(o, fields[i], erased));
        }
        co = cJSON_GetObjectItemCaseSensitive(o, "company");
        printf("%-14s %s (%s)\n", "company", shown(co, "name", erased), kioskctl_str(co, "id"));
        if (erased) printf("%-14s %s\n", "erased_at", kioskctl_str(o, "erased_at"));
        printf("history:\n");
        h = cJSON_GetObjectItemCaseSensitive(o, "history");
        cJSON_ArrayForEach(e, h)
        {
            printf("  %-21s %-11s -> %-11s by %-12s", kioskctl_str(e, "at"), kioskctl_str(e, "from"),
                   kioskctl_str(e, "to"), kioskctl_str(e, "by"));
            printf(" %s\n", shown(e, "note", erased));
        }
        ret = EX_OK;
    }
    cJSON_Delete(o);
    return ret;
}

static int cmd_requests_set(const struct ctl *c, const char *ticket, const char *status,
                            const char *note)
{
    char path[128];
    struct buf b;
    long code;
    cJSON *o;
    char *body;
    int ret;
    if (!api_ticket_valid(ticket)) {
        fprintf(stderr, "kioskctl: a ticket looks like HL-A01-000042\n");
        return EX_USAGE;
    }
    if (note && (!utf8_valid(note, strlen(note)) || utf8_count(note) > API_NOTE_MAX_CP)) {
        fprintf(stderr, "kioskctl: --note must be UTF-8, at most %d characters\n", API_NOTE_MAX_CP);
        return EX_USAGE;
    }
    o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "status", status);
    if (note) cJSON_AddStringToObject(o, "note", note);
    body = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (!body) return EX_HUB;
    snprintf(path, sizeof path, "/api/v1/admin/requests/%s/status", ticket);
    code = kioskctl_call(c, "POST", path, body, &b);
    free(body);
    if (code == 200) {
        if (c->json) printf("%s\n", b.p);
        else printf("%s is now %s\n", ticket, status);
        ret = EX_OK;
    } else {
        ret = kioskctl_fail(code, &b);
        if (code == 400) ret = EX_USAGE;
    }
    free(b.p);
    return ret;
}

/* Prints a JSON answer, or the table row of an account. */
static int user_call(const struct ctl *c, const char *method, const char *path, cJSON *body,
                     int want)
{
    char *txt = cJSON_PrintUnformatted(body);
    struct buf b;
    long code;
    int ret;
    cJSON_Delete(body);
    if (!txt) return EX_HUB;
    code = kioskctl_call(c, method, path, txt, &b);
    memset(txt, 0, strlen(txt)); /* it may hold a password */
    free(txt);
    if (code != want) {
        ret = kioskctl_fail(code, &b);
        if (code == 400) ret = EX_USAGE;
        free(b.p);
        return ret;
    }
    if (c->json) {
        printf("%s\n", b.p);
    } else {
        cJSON *o = parse_answer(&b);
        const cJSON *pw = cJSON_GetObjectItemCaseSensitive(o, "password");
        printf("account %s%s%s done", kioskctl_str(o, "name"),
               cJSON_GetObjectItemCaseSensitive(o, "role") ? " role " : "",
               cJSON_GetObjectItemCaseSensitive(o, "role") ? kioskctl_str(o, "role") : "");
        if (cJSON_IsString(pw)) {
            printf(". Its password is shown once; give it to its owner:\n%s\n", pw->valuestring);
        } else {
            printf("\n");
        }
        cJSON_Delete(o);
    }
    if (b.p) memset(b.p, 0, b.len);
    free(b.p);
    return EX_OK;
}

/* Reads one line (the password) from stdin into out. 0 or -1. */
static int read_password(char *out, size_t cap)
{
    size_t n;
    if (!fgets(out, (int)cap, stdin)) return -1;
    n = strlen(out);
    while (n && (out[n - 1] == '\n' || out[n - 1] == '\r')) out[--n] = '\0';
    return n ? 0 : -1;
}

static bool user_name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n >= 2 && n <= 32 && name[0] >= 'a' && name[0] <= 'z' &&
        strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789._-") == n && strcmp(name, "admin") != 0)
        return true;
    fprintf(stderr, "kioskctl: an account name is 2-32 of a-z 0-9 . _ -, starting with a letter, "
                    "and not admin\n");
    return false;
}

static bool role_ok(const char *role)
{
    if (role && (strcmp(role, "viewer") == 0 || strcmp(role, "handler") == 0 ||
                 strcmp(role, "admin") == 0))
        return true;
    fprintf(stderr, "kioskctl: --role is viewer, handler or admin\n");
    return false;
}

static int cmd_user(const struct ctl *c, const char *verb, const char *name, const char *arg,
                    const char *role, bool pw_stdin)
{
    char path[96], pw[200];
    cJSON *o;
    int ret;
    if (strcmp(verb, "list") == 0) {
        cJSON *a, *u;
        ret = kioskctl_get(c, "/api/v1/admin/users", &o);
        if (ret != GOT_ANSWER) return ret;
        a = cJSON_GetObjectItemCaseSensitive(o, "users");
        printf("%-20s %-8s %-21s %-21s %-21s %s\n", "NAME", "ROLE", "CREATED", "LAST_LOGIN",
               "LOCKED_UNTIL", "DISABLED");
        cJSON_ArrayForEach(u, a)
        {
            printf("%-20s %-8s %-21s %-21s", kioskctl_str(u, "name"), kioskctl_str(u, "role"),
                   kioskctl_str(u, "created_at"), kioskctl_str(u, "last_login"));
            printf(" %-21s %s\n", kioskctl_str(u, "locked_until"), kioskctl_str(u, "disabled_at"));
        }
        cJSON_Delete(o);
        return EX_OK;
    }
    if (!name || !user_name_ok(name)) return EX_USAGE;
    o = cJSON_CreateObject();
    if (!o) return EX_HUB;
    pw[0] = '\0';
    if (pw_stdin && read_password(pw, sizeof pw) != 0) {
        fprintf(stderr, "kioskctl: --password-stdin: no password on standard input\n");
        cJSON_Delete(o);
        return EX_USAGE;
    }
    snprintf(path, sizeof path, "/api/v1/admin/users/%s", name);
    if (strcmp(verb, "add") == 0 && !arg) {
        if (!role_ok(role)) {
            cJSON_Delete(o);
            return EX_USAGE;
        }
        cJSON_AddStringToObject(o, "name", name);
        cJSON_AddStringToObject(o, "role", role);
        if (pw[0]) cJSON_AddStringToObject(o, "password", pw);
        ret = user_call(c, "POST", "/api/v1/admin/users", o, 201);
    } else if (strcmp(verb, "role") == 0 && arg) {
        if (!role_ok(arg)) {
            cJSON_Delete(o);
            return EX_USAGE;
        }
        cJSON_AddStringToObject(o, "role", arg);
        ret = user_call(c, "PATCH", path, o, 200);
    } else if (strcmp(verb, "password") == 0 && !arg) {
        if (pw[0]) cJSON_AddStringToObject(o, "password", pw);
        else cJSON_AddTrueToObject(o, "new_password");
        ret = user_call(c, "PATCH", path, o, 200);
    } else if ((strcmp(verb, "disable") == 0 || strcmp(verb, "enable") == 0) && !arg) {
        cJSON_AddBoolToObject(o, "disabled", strcmp(verb, "disable") == 0);
        ret = user_call(c, "PATCH", path, o, 200);
    } else if (strcmp(verb, "unlock") == 0 && !arg) {
        cJSON_AddTrueToObject(o, "unlock");
        ret = user_call(c, "PATCH", path, o, 200);
    } else {
        cJSON_Delete(o);
        usage(stderr);
        ret = EX_USAGE;
    }
    memset(pw, 0, sizeof pw);
    return ret;
}

static int cmd_audit_list(const struct ctl *c, const char *limit, const char *before)
{
    char path[128];
    cJSON *o, *a, *e;
    int ret;
    if ((limit && (strspn(limit, "0123456789") != strlen(limit) || !*limit || strlen(limit) > 5)) ||
        (before && (strspn(before, "0123456789") != strlen(before) || !*before || strlen(before) > 18))) {
        fprintf(stderr, "kioskctl: --limit is 1..1000, --before an audit id\n");
        return EX_USAGE;
    }
    snprintf(path, sizeof path, "/api/v1/admin/audit?limit=%s%s%s", limit ? limit : "200",
             before ? "&before=" : "", before ? before : "");
    ret = kioskctl_get(c, path, &o);
    if (ret != GOT_ANSWER) return ret;
    ret = EX_HUB;
    a = cJSON_GetObjectItemCaseSensitive(o, "entries");
    printf("%-8s %-21s %-20s %-22s %-24s %s\n", "ID", "AT", "WHO", "WHAT", "TARGET", "DETAIL");
    cJSON_ArrayForEach(e, a)
    {
        printf("%-8s %-21s %-20s", kioskctl_str(e, "id"), kioskctl_str(e, "at"), kioskctl_str(e, "actor"));
        printf(" %-22s", kioskctl_str(e, "action"));
        printf(" %-24s", kioskctl_str(e, "target"));
        printf(" %s\n", kioskctl_str(e, "detail"));
    }
    cJSON_Delete(o);
    return EX_OK;
}

static int cmd_requests_assign(const struct ctl *c, const char *ticket, const char *who)
{
    char path[128];
    cJSON *o;
    if (!api_ticket_valid(ticket)) {
        fprintf(stderr, "kioskctl: a ticket looks like HL-A01-000042\n");
        return EX_USAGE;
    }
    if (strcmp(who, "-") != 0 && !user_name_ok(who)) return EX_USAGE;
    o = cJSON_CreateObject();
    if (!o) return EX_HUB;
    if (strcmp(who, "-") == 0) cJSON_AddNullToObject(o, "assignee");
    else cJSON_AddStringToObject(o, "assignee", who);
    snprintf(path, sizeof path, "/api/v1/admin/requests/%s/assign", ticket);
    {
        char *txt = cJSON_PrintUnformatted(o);
        struct buf b;
        long code;
        int ret = EX_OK;
        cJSON_Delete(o);
        if (!txt) return EX_HUB;
        code = kioskctl_call(c, "POST", path, txt, &b);
        free(txt);
        if (code == 200) {
            if (c->json) printf("%s\n", b.p);
            else printf("%s assigned to %s\n", ticket, strcmp(who, "-") == 0 ? "nobody" : who);
        } else {
            ret = kioskctl_fail(code, &b);
            if (code == 400 || code == 422) ret = code == 422 ? EX_HUB : EX_USAGE;
        }
        free(b.p);
        return ret;
    }
}

static int read_token(const char *path, char *out, size_t cap)
{
    FILE *f = fopen(path, "rb");
    size_t n, s = 0;
    if (!f) return -1;
    n = fread(out, 1, cap - 1, f);
    fclose(f);
    out[n] = '\0';
    while (n > 0 && strchr(" \t\r\n", out[n - 1])) out[--n] = '\0';
    while (out[s] && strchr(" \t\r\n", out[s])) s++;
    memmove(out, out + s, n - s + 1);
    if (!out[0] || strpbrk(out, "\r\n")) return -1;
    return 0;
}

int main(int argc, char **argv)
{
    struct ctl c;
    struct fleet_opts fo = {0};
    const char *token_file = getenv("KIOSK_HUB_TOKEN_FILE"), *status = NULL, *note = NULL,
               *limit = NULL, *role = NULL, *before = NULL,
               *room = NULL, *date = NULL;
    bool pw_stdin = false;
    const char *pos[4];
    int npos = 0, ret;
    bool insecure = false;

    if ((ret = kioskctl_content_main(argc, argv)) >= 0) return ret; /* content … */
    memset(&c, 0, sizeof c);
    c.hub = getenv("KIOSK_HUB");
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool has = i + 1 < argc;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return EX_OK;
        } else if (strcmp(a, "--json") == 0) {
            c.json = true;
        } else if (strcmp(a, "--insecure") == 0) {
            insecure = true;
        } else if (strcmp(a, "--hub") == 0 && has) {
            c.hub = argv[++i];
        } else if (strcmp(a, "--token-file") == 0 && has) {
            token_file = argv[++i];
        } else if (strcmp(a, "--status") == 0 && has) {
            status = argv[++i];
        } else if (strcmp(a, "--note") == 0 && has) {
            note = argv[++i];
        } else if (strcmp(a, "--limit") == 0 && has) {
            limit = argv[++i];
        } else if (strcmp(a, "--role") == 0 && has) {
            role = argv[++i];
        } else if (strcmp(a, "--room") == 0 && has) {
            room = argv[++i];
        } else if (strcmp(a, "--date") == 0 && has) {
            date = argv[++i];
        } else if (strcmp(a, "--before") == 0 && has) {
            before = argv[++i];
        } else if (strcmp(a, "--password-stdin") == 0) {
            pw_stdin = true;
        } else if (a[0] == '-' && kioskctl_fleet_opt(&fo, argc, argv, &i)) {
            continue;
        } else if (a[0] == '-' && a[1] == '-') {
            fprintf(stderr, "kioskctl: unknown or incomplete option %s\n", a);
            usage(stderr);
            return EX_USAGE;
        } else if (npos < 4) {
            pos[npos++] = a;
        } else {
            usage(stderr);
            return EX_USAGE;
        }
    }
    if (!c.hub || !token_file || npos < 2) {
        usage(stderr);
        return EX_USAGE;
    }
    {
        size_t n = strlen(c.hub);
        bool plain = strncasecmp(c.hub, "http://", 7) == 0;
        if (!plain && strncasecmp(c.hub, "https://", 8) != 0) {
            fprintf(stderr, "kioskctl: --hub must start with http:// or https://\n");
            return EX_USAGE;
        }
        /* the admin token goes in a header: plain http only to this machine */
        if (plain && !api_url_is_loopback_http(c.hub)) {
            if (!insecure) {
                fprintf(stderr, "kioskctl: refusing to send the admin token over plain http to a "
                                "host that is not this machine (only 127.0.0.0/8, [::1] and "
                                "localhost); use https://, or --insecure to send it anyway\n");
                return EX_USAGE;
            }
            fprintf(stderr, "kioskctl: warning: --insecure: the admin token goes over plain "
                            "http to another host, readable by anyone on the way\n");
        }
        if (n > 0 && c.hub[n - 1] == '/') {
            static char trimmed[1024];
            snprintf(trimmed, sizeof trimmed, "%.*s", (int)(n - 1), c.hub);
            c.hub = trimmed;
        }
    }
    if (read_token(token_file, c.token, sizeof c.token) != 0) {
        fprintf(stderr, "kioskctl: cannot read a token from %s\n", token_file);
        return EX_USAGE;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    ret = EX_USAGE;
    if (strcmp(pos[0], "kiosk") == 0) {
        if (strcmp(pos[1], "add") == 0 && npos == 3) ret = cmd_kiosk_add(&c, pos[2]);
        else if (strcmp(pos[1], "list") == 0 && npos == 2) ret = kioskctl_kiosk_list(&c);
        else if (strcmp(pos[1], "screenshot") == 0 && npos == 3)
            ret = kioskctl_kiosk_screenshot(&c, &fo, pos[2]);
        else if (strcmp(pos[1], "revoke") == 0 && npos == 3) ret = cmd_kiosk_revoke(&c, pos[2]);
        else usage(stderr);
    } else if (strcmp(pos[0], "requests") == 0) {
        if (strcmp(pos[1], "list") == 0 && npos == 2) ret = cmd_requests_list(&c, status, limit);
        else if (strcmp(pos[1], "show") == 0 && npos == 3) ret = cmd_requests_show(&c, pos[2]);
        else if (strcmp(pos[1], "set") == 0 && npos == 4)
            ret = cmd_requests_set(&c, pos[2], pos[3], note);
        else if (strcmp(pos[1], "assign") == 0 && npos == 4)
            ret = cmd_requests_assign(&c, pos[2], pos[3]);
        else usage(stderr);
    } else if (strcmp(pos[0], "user") == 0) {
        if (strcmp(pos[1], "list") == 0 && npos == 2)
            ret = cmd_user(&c, "list", NULL, NULL, NULL, false);
        else if (npos == 3 || npos == 4)
            ret = cmd_user(&c, pos[1], pos[2], npos == 4 ? pos[3] : NULL, role, pw_stdin);
        else usage(stderr);
    } else if (strcmp(pos[0], "bookings") == 0) {
        struct kctl_http h = {group_call, &c, c.json};
        ret = kioskctl_bookings(&h, npos, pos, room, date, note);
    } else if (strcmp(pos[0], "alert") == 0) {
        ret = kioskctl_alert(&c, &fo, pos, npos);
    } else if (strcmp(pos[0], "audit") == 0) {
        if (strcmp(pos[1], "list") == 0 && npos == 2) ret = cmd_audit_list(&c, limit, before);
        else usage(stderr);
    } else {
        usage(stderr);
    }
    curl_global_cleanup();
    memset(c.token, 0, sizeof c.token);
    return ret;
}
