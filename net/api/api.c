#include "api.h"

#include <arpa/inet.h>
#include <cJSON.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include "utf8.h"

/* ---- small character-class helpers ---- */

static bool is_alnum(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

static bool is_hex(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* ^[A-Za-z0-9][A-Za-z0-9_-]{0,max-1}$ over s[0..n) */
static bool token_ok(const char *s, size_t n, size_t max)
{
    if (n == 0 || n > max || !is_alnum(s[0])) return false;
    for (size_t i = 1; i < n; i++)
        if (!is_alnum(s[i]) && s[i] != '_' && s[i] != '-') return false;
    return true;
}

bool api_kiosk_id_valid(const char *s)
{
    return s && token_ok(s, strlen(s), API_KIOSK_ID_SIZE - 1);
}

bool api_ticket_valid(const char *s)
{
    size_t n, d = 0;
    if (!s) return false;
    n = strlen(s);
    if (n >= API_TICKET_SIZE) return false;
    while (d < n && is_digit(s[n - 1 - d])) d++;
    if (d < API_TICKET_DIGITS_MIN || d > 15 || d == n || s[n - 1 - d] != '-') return false;
    return token_ok(s, n - 1 - d, API_KIOSK_ID_SIZE - 1);
}

bool api_ticket_of_kiosk(const char *ticket, const char *kiosk_id)
{
    size_t k;
    if (!api_ticket_valid(ticket) || !api_kiosk_id_valid(kiosk_id)) return false;
    k = strlen(kiosk_id);
    if (strncmp(ticket, kiosk_id, k) != 0 || ticket[k] != '-') return false;
    for (const char *p = ticket + k + 1; *p; p++)
        if (!is_digit(*p)) return false;
    return true;
}

enum kerr api_ticket_format(char out[API_TICKET_SIZE], const char *kiosk_id, uint64_t seq)
{
    int n;
    out[0] = '\0';
    if (!api_kiosk_id_valid(kiosk_id) || seq == 0 || seq > 999999999999999ULL) return KERR_INVALID;
    n = snprintf(out, API_TICKET_SIZE, "%s-%06llu", kiosk_id, (unsigned long long)seq);
    if (n < 0 || n >= API_TICKET_SIZE) {
        out[0] = '\0';
        return KERR_TOOBIG;
    }
    return KERR_OK;
}

bool api_uuid_v4_valid(const char *s)
{
    if (!s || strlen(s) != 36) return false;
    for (int i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-') return false;
        } else if (!is_hex(s[i])) {
            return false;
        }
    }
    if (s[14] != '4') return false;
    return s[19] == '8' || s[19] == '9' || s[19] == 'a' || s[19] == 'b' || s[19] == 'A' ||
           s[19] == 'B';
}

enum kerr api_uuid_v4_make(char out[API_UUID_SIZE])
{
    unsigned char b[16];
    size_t got = 0;
    out[0] = '\0';
    while (got < sizeof b) {
        ssize_t r = getrandom(b + got, sizeof b - got, 0);
        if (r < 0) {
            if (errno == EINTR) continue;
            return KERR_IO;
        }
        got += (size_t)r;
    }
    b[6] = (unsigned char)((b[6] & 0x0F) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3F) | 0x80);
    snprintf(out, API_UUID_SIZE,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
             b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
             b[15]);
    return KERR_OK;
}

static int num2(const char *s) { return (s[0] - '0') * 10 + (s[1] - '0'); }

bool api_check_valid(const char *s)
{
    if (!s) return false;
    for (int i = 0; i < API_CHECK_SIZE - 1; i++)
        if (!is_digit(s[i])) return false;
    return s[API_CHECK_SIZE - 1] == '\0';
}

enum kerr api_check_make(char out[API_CHECK_SIZE])
{
    uint32_t v;
    out[0] = '\0';
    do { /* rejection sampling: uniform over 0..999999 */
        if (getrandom(&v, sizeof v, 0) != (ssize_t)sizeof v) return KERR_IO;
    } while (v >= 4294000000u);
    snprintf(out, API_CHECK_SIZE, "%06u", (unsigned)(v % 1000000u));
    return KERR_OK;
}

bool api_time_valid(const char *s)
{
    static const char pat[] = "dddd-dd-ddTdd:dd:ddZ";
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y, mo, d, h, mi, se, dim;
    if (!s || strlen(s) != sizeof pat - 1) return false;
    for (size_t i = 0; i < sizeof pat - 1; i++) {
        if (pat[i] == 'd' ? !is_digit(s[i]) : s[i] != pat[i]) return false;
    }
    y = num2(s) * 100 + num2(s + 2);
    mo = num2(s + 5);
    d = num2(s + 8);
    h = num2(s + 11);
    mi = num2(s + 14);
    se = num2(s + 17);
    if (y < 1970 || mo < 1 || mo > 12 || h > 23 || mi > 59 || se > 60) return false;
    dim = mdays[mo - 1];
    if (mo == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) dim = 29;
    return d >= 1 && d <= dim;
}

void api_time_format(int64_t wall_ms, char out[API_TIME_SIZE])
{
    time_t t = (time_t)(wall_ms / 1000);
    struct tm tm;
    if (wall_ms < 0 || !gmtime_r(&t, &tm) ||
        strftime(out, API_TIME_SIZE, "%Y-%m-%dT%H:%M:%SZ", &tm) != API_TIME_SIZE - 1)
        snprintf(out, API_TIME_SIZE, "1970-01-01T00:00:00Z");
}

/* A dotted quad of exactly four decimal numbers 0..255 without leading
 * zeros, over s[0..n); its first number in *first. */
static bool quad_ok(const char *s, size_t n, int *first)
{
    size_t i = 0;
    for (int part = 0; part < 4; part++) {
        int v = 0, digits = 0;
        if (part > 0) {
            if (i >= n || s[i] != '.') return false;
            i++;
        }
        while (i < n && is_digit(s[i]) && digits < 4) {
            v = v * 10 + (s[i++] - '0');
            digits++;
        }
        if (digits == 0 || digits > 3 || v > 255 || (digits > 1 && s[i - digits] == '0'))
            return false;
        if (part == 0) *first = v;
    }
    return i == n;
}

bool api_url_is_loopback_http(const char *url)
{
    static const char scheme[] = "http://";
    const char *host, *end, *port = NULL;
    size_t n;
    int first = -1;
    if (!url || strncasecmp(url, scheme, sizeof scheme - 1) != 0) return false;
    host = url + sizeof scheme - 1;
    end = host + strcspn(host, "/?#");
    /* '@' is userinfo, '\\' a path to some parsers, '%' an escape: none is
     * needed to reach loopback, so any of them refuses the URL */
    for (const char *p = host; p < end; p++)
        if (*p == '@' || *p == '\\' || *p == '%' || (unsigned char)*p <= ' ') return false;
    if (*host == '[') {
        const char *rb = memchr(host, ']', (size_t)(end - host));
        char v6[64];
        struct in6_addr a;
        if (!rb || (size_t)(rb - host - 1) >= sizeof v6) return false;
        memcpy(v6, host + 1, (size_t)(rb - host - 1));
        v6[rb - host - 1] = '\0';
        if (inet_pton(AF_INET6, v6, &a) != 1 || memcmp(&a, &in6addr_loopback, sizeof a) != 0)
            return false;
        if (rb + 1 < end && rb[1] != ':') return false;
        if (rb + 1 < end) port = rb + 2;
    } else {
        const char *colon = memchr(host, ':', (size_t)(end - host));
        const char *hend = colon ? colon : end;
        n = (size_t)(hend - host);
        if (!(n == 9 && strncasecmp(host, "localhost", 9) == 0) &&
            !(quad_ok(host, n, &first) && first == 127))
            return false;
        if (colon) port = colon + 1;
    }
    if (port) {
        long v = 0;
        if (port == end || end - port > 5) return false;
        for (const char *p = port; p < end; p++) {
            if (!is_digit(*p)) return false;
            v = v * 10 + (*p - '0');
        }
        if (v < 1 || v > 65535) return false;
    }
    return true;
}

/* ---- text checks ---- */

/* Valid UTF-8, no C0 controls or DEL (except '\n' when multiline), code
 * points in [min_cp, max_cp]. */
static enum kerr text_check(const char *s, size_t min_cp, size_t max_cp, bool multiline,
                            const char *field_bad, const char **why)
{
    size_t n = strlen(s), cps;
    if (!utf8_valid(s, n)) {
        if (why) *why = field_bad;
        return KERR_UTF8;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && !(multiline && c == '\n')) || c == 0x7F) {
            if (why) *why = field_bad;
            return KERR_INVALID;
        }
    }
    cps = utf8_count(s);
    if (cps > max_cp) {
        if (why) *why = field_bad;
        return KERR_TOOBIG;
    }
    if (cps < min_cp) {
        if (why) *why = field_bad;
        return KERR_INVALID;
    }
    return KERR_OK;
}

static bool phone_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > API_PHONE_SIZE - 1 || !is_digit(s[0])) return false;
    for (size_t i = 0; i < n; i++)
        if (!is_digit(s[i]) && s[i] != '-') return false;
    return true;
}

static bool lang_ok(const char *s)
{
    size_t n = strlen(s);
    if (n < 2 || n > API_LANG_SIZE - 1) return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || s[i] == '-'))
            return false;
    return true;
}

static bool version_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > API_VERSION_SIZE - 1) return false;
    for (size_t i = 0; i < n; i++)
        if (!is_alnum(s[i]) && s[i] != '.' && s[i] != '_' && s[i] != '+' && s[i] != '-')
            return false;
    return true;
}

static bool errword_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > API_ERRWORD_SIZE - 1) return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || is_digit(s[i]) || s[i] == '_')) return false;
    return true;
}

static bool id_token_ok(const char *s) { return token_ok(s, strlen(s), API_TOKEN_SIZE - 1); }

/* ---- JSON member helpers ---- */

/* Copies the string member name of o into dst (dst_size bytes incl. NUL).
 * Missing or not a string → KERR_PARSE (null allowed when *is_null != NULL);
 * invalid UTF-8 → KERR_UTF8; too long → KERR_TOOBIG. */
static enum kerr take_str(const cJSON *o, const char *name, char *dst, size_t dst_size,
                          bool *is_null, const char *why_bad, const char **why)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, name);
    size_t n;
    dst[0] = '\0';
    if (is_null) *is_null = false;
    if (is_null && cJSON_IsNull(it)) {
        *is_null = true;
        return KERR_OK;
    }
    if (!cJSON_IsString(it) || !it->valuestring) {
        if (why) *why = why_bad;
        return KERR_PARSE;
    }
    n = strlen(it->valuestring);
    if (!utf8_valid(it->valuestring, n)) {
        if (why) *why = why_bad;
        return KERR_UTF8;
    }
    if (n >= dst_size) {
        if (why) *why = why_bad;
        return KERR_TOOBIG;
    }
    memcpy(dst, it->valuestring, n + 1);
    return KERR_OK;
}

/* An optional string member: absent or null → "", else as take_str. */
static enum kerr take_opt(const cJSON *o, const char *name, char *dst, size_t dst_size,
                          const char *why_bad, const char **why)
{
    bool is_null;
    if (!cJSON_GetObjectItemCaseSensitive(o, name)) {
        dst[0] = '\0';
        return KERR_OK;
    }
    return take_str(o, name, dst, dst_size, &is_null, why_bad, why);
}

/* An integral JSON number in [lo, hi]. */
static enum kerr take_int(const cJSON *o, const char *name, int64_t lo, int64_t hi, int64_t *out,
                          const char *why_bad, const char **why)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, name);
    double v;
    if (!cJSON_IsNumber(it)) {
        if (why) *why = why_bad;
        return KERR_PARSE;
    }
    v = it->valuedouble;
    if (!(v >= (double)lo && v <= (double)hi) || v != (double)(int64_t)v) {
        if (why) *why = why_bad;
        return KERR_INVALID;
    }
    *out = (int64_t)v;
    return KERR_OK;
}

static enum kerr parse_object(const char *json, size_t len, size_t max, cJSON **out,
                              const char **why)
{
    *out = NULL;
    if (!json) {
        if (why) *why = "body: missing";
        return KERR_PARSE;
    }
    if (len > max) {
        if (why) *why = "body: too large";
        return KERR_TOOBIG;
    }
    *out = cJSON_ParseWithLength(json, len);
    if (!*out || !cJSON_IsObject(*out)) {
        cJSON_Delete(*out);
        *out = NULL;
        if (why) *why = "body: not a JSON object";
        return KERR_PARSE;
    }
    return KERR_OK;
}

static enum kerr print_and_free(cJSON *o, char **out)
{
    *out = o ? cJSON_PrintUnformatted(o) : NULL;
    cJSON_Delete(o);
    return *out ? KERR_OK : KERR_NOMEM;
}

/* Adds a member; remembers an allocation failure in *ok. */
static void add_str(cJSON *o, const char *name, const char *v, bool *ok)
{
    if (!cJSON_AddStringToObject(o, name, v)) *ok = false;
}

/* ---- help request ---- */

enum kerr api_help_request_check(const struct api_help_request *r, const char **why)
{
    enum kerr e;
    if (!api_ticket_valid(r->ticket)) {
        if (why) *why = "ticket: malformed";
        return KERR_INVALID;
    }
    if (!api_kiosk_id_valid(r->kiosk_id)) {
        if (why) *why = "kiosk_id: malformed";
        return KERR_INVALID;
    }
    if (!api_ticket_of_kiosk(r->ticket, r->kiosk_id)) {
        if (why) *why = "ticket: not of this kiosk";
        return KERR_INVALID;
    }
    if (!id_token_ok(r->category)) {
        if (why) *why = "category: malformed";
        return KERR_INVALID;
    }
    if (!r->company_id_null && !id_token_ok(r->company_id)) {
        if (why) *why = "company.id: malformed";
        return KERR_INVALID;
    }
    e = text_check(r->company_name, 0, API_COMPANY_MAX_CP, false, "company.name: bad text", why);
    if (e != KERR_OK) return e;
    e = text_check(r->contact_name, 1, API_NAME_MAX_CP, false, "contact_name: bad text", why);
    if (e != KERR_OK) return e;
    if (!phone_ok(r->phone)) {
        if (why) *why = "phone: not digits";
        return KERR_INVALID;
    }
    if (!id_token_ok(r->tower)) {
        if (why) *why = "tower: malformed";
        return KERR_INVALID;
    }
    e = text_check(r->description, 1, API_DESC_MAX_CP, true, "description: bad text", why);
    if (e != KERR_OK) return e;
    if (!lang_ok(r->lang)) {
        if (why) *why = "lang: malformed";
        return KERR_INVALID;
    }
    if (!api_time_valid(r->created_at)) {
        if (why) *why = "created_at: not an RFC 3339 UTC time";
        return KERR_INVALID;
    }
    if (r->check[0] && !api_check_valid(r->check)) {
        if (why) *why = "check: not six digits";
        return KERR_INVALID;
    }
    if (r->receipt_ticket[0] && (!api_ticket_of_kiosk(r->receipt_ticket, r->kiosk_id) ||
                                 strcmp(r->receipt_ticket, r->ticket) == 0)) {
        if (why) *why = "receipt_ticket: malformed, of another kiosk, or the ticket itself";
        return KERR_INVALID;
    }
    return KERR_OK;
}

enum kerr api_help_request_encode(const struct api_help_request *r, char **out)
{
    cJSON *o, *c;
    bool ok = true;
    enum kerr e = api_help_request_check(r, NULL);
    *out = NULL;
    if (e != KERR_OK) return e;
    o = cJSON_CreateObject();
    if (!o) return KERR_NOMEM;
    add_str(o, "ticket", r->ticket, &ok);
    add_str(o, "kiosk_id", r->kiosk_id, &ok);
    add_str(o, "category", r->category, &ok);
    c = cJSON_AddObjectToObject(o, "company");
    if (c) {
        if (r->company_id_null) {
            if (!cJSON_AddNullToObject(c, "id")) ok = false;
        } else {
            add_str(c, "id", r->company_id, &ok);
        }
        add_str(c, "name", r->company_name, &ok);
    } else {
        ok = false;
    }
    add_str(o, "contact_name", r->contact_name, &ok);
    add_str(o, "phone", r->phone, &ok);
    add_str(o, "tower", r->tower, &ok);
    add_str(o, "description", r->description, &ok);
    add_str(o, "lang", r->lang, &ok);
    add_str(o, "created_at", r->created_at, &ok);
    if (r->check[0]) add_str(o, "check", r->check, &ok);
    if (r->receipt_ticket[0]) add_str(o, "receipt_ticket", r->receipt_ticket, &ok);
    if (!ok) {
        cJSON_Delete(o);
        return KERR_NOMEM;
    }
    return print_and_free(o, out);
}

enum kerr api_help_request_decode(const char *json, size_t len, struct api_help_request *out,
                                  const char **why)
{
    cJSON *o = NULL;
    const cJSON *c;
    enum kerr e;
    memset(out, 0, sizeof *out);
    e = parse_object(json, len, API_BODY_MAX, &o, why);
    if (e != KERR_OK) return e;
#define TAKE(obj, name, field, nullp)                                                              \
    do {                                                                                           \
        e = take_str(obj, name, out->field, sizeof out->field, nullp, name ": missing or bad",     \
                     why);                                                                         \
        if (e != KERR_OK) goto fail;                                                               \
    } while (0)
    TAKE(o, "ticket", ticket, NULL);
    TAKE(o, "kiosk_id", kiosk_id, NULL);
    TAKE(o, "category", category, NULL);
    c = cJSON_GetObjectItemCaseSensitive(o, "company");
    if (!cJSON_IsObject(c)) {
        if (why) *why = "company: missing or not an object";
        e = KERR_PARSE;
        goto fail;
    }
    e = take_str(c, "id", out->company_id, sizeof out->company_id, &out->company_id_null,
                 "company.id: missing or bad", why);
    if (e != KERR_OK) goto fail;
    e = take_str(c, "name", out->company_name, sizeof out->company_name, NULL,
                 "company.name: missing or bad", why);
    if (e != KERR_OK) goto fail;
    TAKE(o, "contact_name", contact_name, NULL);
    TAKE(o, "phone", phone, NULL);
    TAKE(o, "tower", tower, NULL);
    TAKE(o, "description", description, NULL);
    TAKE(o, "lang", lang, NULL);
    TAKE(o, "created_at", created_at, NULL);
    e = take_opt(o, "check", out->check, sizeof out->check, "check: not a string", why);
    if (e != KERR_OK) goto fail;
    e = take_opt(o, "receipt_ticket", out->receipt_ticket, sizeof out->receipt_ticket,
                 "receipt_ticket: not a string", why);
    if (e != KERR_OK) goto fail;
#undef TAKE
    cJSON_Delete(o);
    return api_help_request_check(out, why);
fail:
    cJSON_Delete(o);
    return e;
}

/* ---- request answer ---- */

static enum kerr answer_check(const struct api_request_answer *a, const char **why)
{
    enum api_ticket_state st;
    if (!api_ticket_valid(a->ticket)) {
        if (why) *why = "ticket: malformed";
        return KERR_INVALID;
    }
    if (api_ticket_state_parse(a->status, &st) != KERR_OK) {
        if (why) *why = "status: unknown";
        return KERR_INVALID;
    }
    if (!api_time_valid(a->received_at)) {
        if (why) *why = "received_at: not an RFC 3339 UTC time";
        return KERR_INVALID;
    }
    return KERR_OK;
}

enum kerr api_request_answer_encode(const struct api_request_answer *a, char **out)
{
    cJSON *o;
    bool ok = true;
    enum kerr e = answer_check(a, NULL);
    *out = NULL;
    if (e != KERR_OK) return e;
    o = cJSON_CreateObject();
    if (!o) return KERR_NOMEM;
    add_str(o, "ticket", a->ticket, &ok);
    add_str(o, "status", a->status, &ok);
    add_str(o, "received_at", a->received_at, &ok);
    if (!ok) {
        cJSON_Delete(o);
        return KERR_NOMEM;
    }
    return print_and_free(o, out);
}

enum kerr api_request_answer_decode(const char *json, size_t len, struct api_request_answer *out,
                                    const char **why)
{
    cJSON *o = NULL;
    enum kerr e;
    memset(out, 0, sizeof *out);
    e = parse_object(json, len, API_RESPONSE_MAX, &o, why);
    if (e != KERR_OK) return e;
    e = take_str(o, "ticket", out->ticket, sizeof out->ticket, NULL, "ticket: missing or bad", why);
    if (e == KERR_OK)
        e = take_str(o, "status", out->status, sizeof out->status, NULL,
                     "status: missing or bad", why);
    if (e == KERR_OK)
        e = take_str(o, "received_at", out->received_at, sizeof out->received_at, NULL,
                     "received_at: missing or bad", why);
    cJSON_Delete(o);
    if (e != KERR_OK) return e;
    return answer_check(out, why);
}

/* ---- ticket status ---- */

static const char *const state_names[API_TICKET__COUNT] = {"new", "accepted", "in_progress",
                                                           "resolved", "rejected"};

const char *api_ticket_state_str(enum api_ticket_state s)
{
    return (unsigned)s < API_TICKET__COUNT ? state_names[s] : "unknown";
}

enum kerr api_ticket_state_parse(const char *s, enum api_ticket_state *out)
{
    if (!s) return KERR_INVALID;
    for (int i = 0; i < API_TICKET__COUNT; i++) {
        if (strcmp(s, state_names[i]) == 0) {
            *out = (enum api_ticket_state)i;
            return KERR_OK;
        }
    }
    return KERR_INVALID;
}

bool api_ticket_transition_ok(enum api_ticket_state from, enum api_ticket_state to)
{
    switch (from) {
    case API_TICKET_NEW: return to == API_TICKET_ACCEPTED || to == API_TICKET_REJECTED;
    case API_TICKET_ACCEPTED: return to == API_TICKET_IN_PROGRESS || to == API_TICKET_REJECTED;
    case API_TICKET_IN_PROGRESS: return to == API_TICKET_RESOLVED || to == API_TICKET_REJECTED;
    default: return false;
    }
}

static enum kerr status_check(const struct api_ticket_status *t, const char **why)
{
    enum kerr e;
    if (!api_ticket_valid(t->ticket)) {
        if (why) *why = "ticket: malformed";
        return KERR_INVALID;
    }
    if ((unsigned)t->status >= API_TICKET__COUNT) {
        if (why) *why = "status: unknown";
        return KERR_INVALID;
    }
    if (!t->note_null) {
        e = text_check(t->note, 0, API_NOTE_MAX_CP, true, "note: bad text", why);
        if (e != KERR_OK) return e;
    }
    if (!api_time_valid(t->updated_at)) {
        if (why) *why = "updated_at: not an RFC 3339 UTC time";
        return KERR_INVALID;
    }
    if (!id_token_ok(t->category)) {
        if (why) *why = "category: malformed";
        return KERR_INVALID;
    }
    return KERR_OK;
}

enum kerr api_ticket_status_encode(const struct api_ticket_status *t, char **out)
{
    cJSON *o;
    bool ok = true;
    enum kerr e = status_check(t, NULL);
    *out = NULL;
    if (e != KERR_OK) return e;
    o = cJSON_CreateObject();
    if (!o) return KERR_NOMEM;
    add_str(o, "ticket", t->ticket, &ok);
    add_str(o, "status", api_ticket_state_str(t->status), &ok);
    if (t->note_null) {
        if (!cJSON_AddNullToObject(o, "note")) ok = false;
    } else {
        add_str(o, "note", t->note, &ok);
    }
    add_str(o, "updated_at", t->updated_at, &ok);
    add_str(o, "category", t->category, &ok);
    if (!ok) {
        cJSON_Delete(o);
        return KERR_NOMEM;
    }
    return print_and_free(o, out);
}

enum kerr api_ticket_status_decode(const char *json, size_t len, struct api_ticket_status *out,
                                   const char **why)
{
    cJSON *o = NULL;
    char st[16];
    enum kerr e;
    memset(out, 0, sizeof *out);
    e = parse_object(json, len, API_RESPONSE_MAX, &o, why);
    if (e != KERR_OK) return e;
    e = take_str(o, "ticket", out->ticket, sizeof out->ticket, NULL, "ticket: missing or bad", why);
    if (e == KERR_OK)
        e = take_str(o, "status", st, sizeof st, NULL, "status: missing or bad", why);
    if (e == KERR_OK && api_ticket_state_parse(st, &out->status) != KERR_OK) {
        if (why) *why = "status: unknown";
        e = KERR_INVALID;
    }
    if (e == KERR_OK)
        e = take_str(o, "note", out->note, sizeof out->note, &out->note_null,
                     "note: missing or bad", why);
    if (e == KERR_OK)
        e = take_str(o, "updated_at", out->updated_at, sizeof out->updated_at, NULL,
                     "updated_at: missing or bad", why);
    if (e == KERR_OK)
        e = take_str(o, "category", out->category, sizeof out->category, NULL,
                     "category: missing or bad", why);
    cJSON_Delete(o);
    if (e != KERR_OK) return e;
    return status_check(out, why);
}

/* ---- heartbeat ---- */

#define API_INT_MAX 9007199254740991LL /* 2^53 - 1: exact in a JSON double */

static enum kerr heartbeat_check(const struct api_heartbeat *h, const char **why)
{
    if (!version_ok(h->version)) {
        if (why) *why = "version: malformed";
        return KERR_INVALID;
    }
    if (!version_ok(h->content_version)) {
        if (why) *why = "content_version: malformed";
        return KERR_INVALID;
    }
    if (h->queue_depth < 0 || h->queue_depth > API_INT_MAX || h->oldest_pending_s < 0 ||
        h->oldest_pending_s > API_INT_MAX) {
        if (why) *why = "queue: out of range";
        return KERR_INVALID;
    }
    if (!h->last_error_null && !errword_ok(h->last_error)) {
        if (why) *why = "last_error: malformed";
        return KERR_INVALID;
    }
    return KERR_OK;
}

enum kerr api_heartbeat_encode(const struct api_heartbeat *h, char **out)
{
    cJSON *o;
    bool ok = true;
    enum kerr e = heartbeat_check(h, NULL);
    *out = NULL;
    if (e != KERR_OK) return e;
    o = cJSON_CreateObject();
    if (!o) return KERR_NOMEM;
    add_str(o, "version", h->version, &ok);
    if (!cJSON_AddNumberToObject(o, "queue_depth", (double)h->queue_depth)) ok = false;
    if (!cJSON_AddNumberToObject(o, "oldest_pending_s", (double)h->oldest_pending_s)) ok = false;
    add_str(o, "content_version", h->content_version, &ok);
    if (!cJSON_AddBoolToObject(o, "online", h->online)) ok = false;
    if (h->last_error_null) {
        if (!cJSON_AddNullToObject(o, "last_error")) ok = false;
    } else {
        add_str(o, "last_error", h->last_error, &ok);
    }
    if (!ok) {
        cJSON_Delete(o);
        return KERR_NOMEM;
    }
    return print_and_free(o, out);
}

enum kerr api_heartbeat_decode(const char *json, size_t len, struct api_heartbeat *out,
                               const char **why)
{
    cJSON *o = NULL;
    const cJSON *on;
    enum kerr e;
    memset(out, 0, sizeof *out);
    e = parse_object(json, len, API_BODY_MAX, &o, why);
    if (e != KERR_OK) return e;
    e = take_str(o, "version", out->version, sizeof out->version, NULL, "version: missing or bad",
                 why);
    if (e == KERR_OK)
        e = take_int(o, "queue_depth", 0, API_INT_MAX, &out->queue_depth,
                     "queue_depth: missing or bad", why);
    if (e == KERR_OK)
        e = take_int(o, "oldest_pending_s", 0, API_INT_MAX, &out->oldest_pending_s,
                     "oldest_pending_s: missing or bad", why);
    if (e == KERR_OK)
        e = take_str(o, "content_version", out->content_version, sizeof out->content_version,
                     NULL, "content_version: missing or bad", why);
    if (e == KERR_OK) {
        on = cJSON_GetObjectItemCaseSensitive(o, "online");
        if (!cJSON_IsBool(on)) {
            if (why) *why = "online: missing or not a boolean";
            e = KERR_PARSE;
        } else {
            out->online = cJSON_IsTrue(on);
        }
    }
    if (e == KERR_OK)
        e = take_str(o, "last_error", out->last_error, sizeof out->last_error,
                     &out->last_error_null, "last_error: missing or bad", why);
    cJSON_Delete(o);
    if (e != KERR_OK) return e;
    return heartbeat_check(out, why);
}

/* ---- problem+json ---- */

/* Copies src into dst (size bytes) cut at a UTF-8 boundary; src must be valid UTF-8. */
static void copy_trunc(char *dst, size_t size, const char *src)
{
    size_t n = strlen(src);
    if (n >= size) {
        n = size - 1;
        while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80) n--;
    }
    memcpy(dst, src, n);
    dst[n] = '\0';
}

enum kerr api_problem_make(struct api_problem *p, const char *slug, int status, const char *title,
                           const char *detail)
{
    size_t n = slug ? strlen(slug) : 0;
    memset(p, 0, sizeof *p);
    if (n == 0 || n > 40 || status < 100 || status > 599) return KERR_INVALID;
    for (size_t i = 0; i < n; i++)
        if (!((slug[i] >= 'a' && slug[i] <= 'z') || is_digit(slug[i]) || slug[i] == '-'))
            return KERR_INVALID;
    if (!title || !utf8_valid(title, strlen(title))) return KERR_INVALID;
    if (detail && !utf8_valid(detail, strlen(detail))) return KERR_INVALID;
    snprintf(p->type, sizeof p->type, "%s%s", API_PROBLEM_BASE, slug);
    p->status = status;
    copy_trunc(p->title, sizeof p->title, title);
    copy_trunc(p->detail, sizeof p->detail, detail ? detail : "");
    return KERR_OK;
}

enum kerr api_problem_encode(const struct api_problem *p, char **out)
{
    cJSON *o;
    bool ok = true;
    *out = NULL;
    if (p->status < 100 || p->status > 599 || !utf8_valid(p->type, strlen(p->type)) ||
        !utf8_valid(p->title, strlen(p->title)) || !utf8_valid(p->detail, strlen(p->detail)))
        return KERR_INVALID;
    o = cJSON_CreateObject();
    if (!o) return KERR_NOMEM;
    add_str(o, "type", p->type[0] ? p->type : "about:blank", &ok);
    add_str(o, "title", p->title, &ok);
    if (!cJSON_AddNumberToObject(o, "status", p->status)) ok = false;
    if (p->detail[0]) add_str(o, "detail", p->detail, &ok);
    if (p->instance[0]) add_str(o, "instance", p->instance, &ok);
    if (!ok) {
        cJSON_Delete(o);
        return KERR_NOMEM;
    }
    return print_and_free(o, out);
}

/* Optional string member, truncated to fit; KERR_PARSE if present but not a
 * string, KERR_UTF8 if not valid UTF-8. */
static enum kerr take_opt_trunc(const cJSON *o, const char *name, char *dst, size_t size,
                                const char **why)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, name);
    dst[0] = '\0';
    if (!it) return KERR_OK;
    if (!cJSON_IsString(it) || !it->valuestring) {
        if (why) *why = "problem: member not a string";
        return KERR_PARSE;
    }
    if (!utf8_valid(it->valuestring, strlen(it->valuestring))) {
        if (why) *why = "problem: member not UTF-8";
        return KERR_UTF8;
    }
    copy_trunc(dst, size, it->valuestring);
    return KERR_OK;
}

enum kerr api_problem_decode(const char *json, size_t len, struct api_problem *out,
                             const char **why)
{
    cJSON *o = NULL;
    int64_t st = 0;
    enum kerr e;
    memset(out, 0, sizeof *out);
    e = parse_object(json, len, API_RESPONSE_MAX, &o, why);
    if (e != KERR_OK) return e;
    e = take_opt_trunc(o, "type", out->type, sizeof out->type, why);
    if (e == KERR_OK) e = take_opt_trunc(o, "title", out->title, sizeof out->title, why);
    if (e == KERR_OK) e = take_opt_trunc(o, "detail", out->detail, sizeof out->detail, why);
    if (e == KERR_OK) e = take_opt_trunc(o, "instance", out->instance, sizeof out->instance, why);
    if (e == KERR_OK) e = take_int(o, "status", 100, 599, &st, "status: missing or bad", why);
    cJSON_Delete(o);
    if (e != KERR_OK) return e;
    out->status = (int)st;
    if (!out->type[0]) snprintf(out->type, sizeof out->type, "about:blank");
    return KERR_OK;
}

bool api_problem_is_hubs_answer(const struct api_problem *p, int http_status,
                                const char *idem_key)
{
    size_t nb = strlen(API_PROBLEM_BASE), ni = strlen(API_PROBLEM_INSTANCE_KEY);
    if (!p || !idem_key || !api_uuid_v4_valid(idem_key) || p->status != http_status) return false;
    if (strncmp(p->type, API_PROBLEM_BASE, nb) != 0 || !p->type[nb]) return false;
    if (strncmp(p->instance, API_PROBLEM_INSTANCE_KEY, ni) != 0) return false;
    return strcasecmp(p->instance + ni, idem_key) == 0;
}
