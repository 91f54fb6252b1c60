#include "api.h"

#include <arpa/inet.h>
#include <cJSON.h>
#include <malloc.h>
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
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

/* ---- ticket states ---- */

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

static bool state_name_ok(const char *s)
{
    enum api_ticket_state st;
    return api_ticket_state_parse(s, &st) == KERR_OK;
}

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

/* ---- one codec for every message: a table of fields ---- */

enum fkind {
    F_STR,     /* char[size], a string */
    F_NULLSTR, /* char[size] and a bool at null_off: a string or null */
    F_OPTSTR,  /* char[size]: omitted when "", absent or null decodes to "" */
    F_TRUNC,   /* char[size]: always encoded (dflt when ""); optional on decode, cut to fit */
    F_OPTTRUNC, /* char[size]: omitted when ""; optional on decode, cut to fit */
    F_INT,     /* int64_t (or int, size 4) in [lo, hi] */
    F_BOOL,    /* bool */
    F_OPTBOOL, /* bool, and a bool at null_off saying it is there: omitted when not;
                  absent or null decodes to "not there" */
    F_STATE,   /* enum api_ticket_state, written as its name */
    F_OBJ,     /* a nested object of sub's fields; their values live in the same struct */
};

struct field {
    const char *name;
    enum fkind kind;
    size_t off, size, null_off;
    /* strings: either valid() (false → KERR_INVALID) or, valid NULL and
     * text, text_check with lo..hi code points; F_INT: the range */
    bool (*valid)(const char *s);
    bool text, multiline;
    int64_t lo, hi;
    const char *bad;     /* decode: missing or of the wrong type */
    const char *invalid; /* check: present but not allowed */
    const char *dflt;    /* F_TRUNC: encoded when "", set when absent */
    const struct msg *sub;
};

struct msg {
    const struct field *f;
    size_t n;
    size_t max_len;                                      /* largest JSON text decoded */
    enum kerr (*extra)(const void *v, const char **why); /* checks across fields, or NULL */
};

#define API_INT_MAX 9007199254740991LL /* 2^53 - 1: exact in a JSON double */
#define NFIELDS(a) (sizeof(a) / sizeof((a)[0]))
#define AT(v, f) ((char *)(v) + (f)->off)
#define CAT(v, f) ((const char *)(v) + (f)->off)

static enum kerr fail_with(const char **why, const char *reason, enum kerr e)
{
    if (why) *why = reason;
    return e;
}

static int64_t get_int(const void *v, const struct field *f)
{
    if (f->size == sizeof(int)) return *(const int *)(const void *)CAT(v, f);
    return *(const int64_t *)(const void *)CAT(v, f);
}

static bool is_null(const void *v, const struct field *f)
{
    return f->kind == F_NULLSTR && *(const bool *)((const char *)v + f->null_off);
}

static enum kerr msg_check(const struct msg *m, const void *v, const char **why)
{
    enum kerr e;
    for (size_t i = 0; i < m->n; i++) {
        const struct field *f = &m->f[i];
        const char *s = CAT(v, f);
        switch (f->kind) {
        case F_OBJ:
            e = msg_check(f->sub, v, why);
            if (e != KERR_OK) return e;
            continue;
        case F_INT:
            if (get_int(v, f) < f->lo || get_int(v, f) > f->hi)
                return fail_with(why, f->invalid, KERR_INVALID);
            continue;
        case F_STATE:
            if ((unsigned)*(const enum api_ticket_state *)(const void *)s >= API_TICKET__COUNT)
                return fail_with(why, f->invalid, KERR_INVALID);
            continue;
        case F_BOOL:
        case F_OPTBOOL: continue;
        case F_TRUNC:
        case F_OPTTRUNC:
            if (!utf8_valid(s, strlen(s))) return fail_with(why, f->invalid, KERR_UTF8);
            continue;
        default: break;
        }
        if (is_null(v, f) || (f->kind == F_OPTSTR && !s[0])) continue;
        if (f->valid && !f->valid(s)) return fail_with(why, f->invalid, KERR_INVALID);
        if (f->text) {
            e = text_check(s, (size_t)f->lo, (size_t)f->hi, f->multiline, f->invalid, why);
            if (e != KERR_OK) return e;
        }
    }
    return m->extra ? m->extra(v, why) : KERR_OK;
}

/* Canonical JSON is written straight into a buffer, never through a cJSON
 * tree, so a request's personal text exists once (in the caller's buffer)
 * and not in heap copies freed unwiped. The bytes are the ones
 * cJSON_PrintUnformatted would print for the same members in table order
 * (the hub compares canonical encodings; tests pin them). */
struct jout {
    char *p;    /* NULL while only counting */
    size_t len; /* bytes the text needs so far (also past cap) */
    size_t cap; /* usable bytes of p, the NUL included */
};

static void jput(struct jout *b, const char *s, size_t n)
{
    if (b->p && b->len + n < b->cap) memcpy(b->p + b->len, s, n);
    b->len += n;
}

static void jlit(struct jout *b, const char *s) { jput(b, s, strlen(s)); }

/* A JSON string, escaped as cJSON escapes it: '"', '\\' and bytes below 32. */
static void jstr(struct jout *b, const char *s)
{
    jput(b, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        const unsigned char *q = p;
        char esc[8];
        while (*q >= 32 && *q != '"' && *q != '\\') q++;
        jput(b, (const char *)p, (size_t)(q - p));
        if (!*q) break;
        switch (*q) {
        case '"': jlit(b, "\\\""); break;
        case '\\': jlit(b, "\\\\"); break;
        case '\b': jlit(b, "\\b"); break;
        case '\f': jlit(b, "\\f"); break;
        case '\n': jlit(b, "\\n"); break;
        case '\r': jlit(b, "\\r"); break;
        case '\t': jlit(b, "\\t"); break;
        default:
            snprintf(esc, sizeof esc, "\\u%04x", *q);
            jlit(b, esc);
            break;
        }
        p = q + 1;
    }
    jput(b, "\"", 1);
}

/* {"name":value,...} of v's fields in table order. */
static void jobject(struct jout *b, const struct msg *m, const void *v)
{
    bool first = true;
    jput(b, "{", 1);
    for (size_t i = 0; i < m->n; i++) {
        const struct field *f = &m->f[i];
        const char *s = CAT(v, f);
        char num[24];
        if ((f->kind == F_OPTSTR || f->kind == F_OPTTRUNC) && !s[0]) continue;
        if (f->kind == F_OPTBOOL && !*(const bool *)((const char *)v + f->null_off)) continue;
        if (!first) jput(b, ",", 1);
        first = false;
        jstr(b, f->name);
        jput(b, ":", 1);
        switch (f->kind) {
        case F_OBJ: jobject(b, f->sub, v); break;
        case F_INT: /* exact digits: cJSON prints doubles over 10^15 inexactly */
            snprintf(num, sizeof num, "%lld", (long long)get_int(v, f));
            jlit(b, num);
            break;
        case F_BOOL:
        case F_OPTBOOL: jlit(b, *(const bool *)(const void *)s ? "true" : "false"); break;
        case F_STATE:
            jstr(b, api_ticket_state_str(*(const enum api_ticket_state *)(const void *)s));
            break;
        case F_TRUNC: jstr(b, s[0] || !f->dflt ? s : f->dflt); break;
        default:
            if (is_null(v, f)) jlit(b, "null");
            else jstr(b, s);
            break;
        }
    }
    jput(b, "}", 1);
}

/* Checks v, then writes its canonical text into buf[0..cap) (NUL-terminated)
 * and its length into *len; KERR_TOOBIG (buf = "") when it does not fit. */
static enum kerr msg_write(const struct msg *m, const void *v, char *buf, size_t cap,
                           size_t *len)
{
    struct jout b = {buf, 0, cap};
    enum kerr e = msg_check(m, v, NULL);
    if (cap) buf[0] = '\0';
    *len = 0;
    if (e != KERR_OK) return e;
    jobject(&b, m, v);
    if (b.len >= cap) {
        if (cap) explicit_bzero(buf, cap);
        return KERR_TOOBIG;
    }
    buf[b.len] = '\0';
    *len = b.len;
    return KERR_OK;
}

static enum kerr msg_encode(const struct msg *m, const void *v, char **out)
{
    struct jout count = {NULL, 0, 0};
    size_t len;
    enum kerr e = msg_check(m, v, NULL);
    *out = NULL;
    if (e != KERR_OK) return e;
    jobject(&count, m, v);
    *out = malloc(count.len + 1);
    if (!*out) return KERR_NOMEM;
    e = msg_write(m, v, *out, count.len + 1, &len);
    if (e != KERR_OK) {
        free(*out);
        *out = NULL;
    }
    return e;
}

/* Reads the member of o that f describes into v. */
static enum kerr take_field(const cJSON *o, const struct field *f, void *v, const char **why);

static enum kerr take_fields(const cJSON *o, const struct msg *m, void *v, const char **why)
{
    for (size_t i = 0; i < m->n; i++) {
        enum kerr e = take_field(o, &m->f[i], v, why);
        if (e != KERR_OK) return e;
    }
    return KERR_OK;
}

static enum kerr take_field(const cJSON *o, const struct field *f, void *v, const char **why)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, f->name);
    char *dst = AT(v, f);
    const char *s;
    size_t n;
    switch (f->kind) {
    case F_OBJ:
        if (!cJSON_IsObject(it)) return fail_with(why, f->bad, KERR_PARSE);
        return take_fields(it, f->sub, v, why);
    case F_INT: {
        double d;
        if (!cJSON_IsNumber(it)) return fail_with(why, f->bad, KERR_PARSE);
        d = it->valuedouble;
        if (!(d >= (double)f->lo && d <= (double)f->hi) || d != (double)(int64_t)d)
            return fail_with(why, f->bad, KERR_INVALID);
        if (f->size == sizeof(int)) *(int *)(void *)dst = (int)d;
        else *(int64_t *)(void *)dst = (int64_t)d;
        return KERR_OK;
    }
    case F_BOOL:
        if (!cJSON_IsBool(it)) return fail_with(why, f->bad, KERR_PARSE);
        *(bool *)(void *)dst = cJSON_IsTrue(it);
        return KERR_OK;
    case F_OPTBOOL:
        if (!it || cJSON_IsNull(it)) return KERR_OK; /* zeroed: not there */
        if (!cJSON_IsBool(it)) return fail_with(why, f->bad, KERR_PARSE);
        *(bool *)(void *)dst = cJSON_IsTrue(it);
        *(bool *)((char *)v + f->null_off) = true;
        return KERR_OK;
    default: break;
    }
    if ((f->kind == F_OPTSTR || f->kind == F_TRUNC || f->kind == F_OPTTRUNC) &&
        (!it || (f->kind == F_OPTSTR && cJSON_IsNull(it)))) {
        if (f->kind == F_TRUNC && f->dflt) copy_trunc(dst, f->size, f->dflt);
        return KERR_OK;
    }
    if (f->kind == F_NULLSTR && cJSON_IsNull(it)) {
        *(bool *)((char *)v + f->null_off) = true;
        return KERR_OK;
    }
    if (!cJSON_IsString(it) || !it->valuestring) return fail_with(why, f->bad, KERR_PARSE);
    s = it->valuestring;
    n = strlen(s);
    if (!utf8_valid(s, n)) return fail_with(why, f->bad, KERR_UTF8);
    if (f->kind == F_TRUNC || f->kind == F_OPTTRUNC) {
        copy_trunc(dst, f->size, s[0] || !f->dflt ? s : f->dflt);
        return KERR_OK;
    }
    if (f->kind == F_STATE) {
        if (api_ticket_state_parse(s, (enum api_ticket_state *)(void *)dst) != KERR_OK)
            return fail_with(why, f->invalid, KERR_INVALID);
        return KERR_OK;
    }
    if (n >= f->size) return fail_with(why, f->bad, KERR_TOOBIG);
    memcpy(dst, s, n + 1);
    return KERR_OK;
}

/* Zeroes v, parses json[0..len) and takes every field, then checks them. */
static enum kerr msg_decode(const struct msg *m, const char *json, size_t len, void *v,
                            size_t v_size, const char **why)
{
    cJSON *o;
    enum kerr e;
    memset(v, 0, v_size);
    if (!json) return fail_with(why, "body: missing", KERR_PARSE);
    if (len > m->max_len) return fail_with(why, "body: too large", KERR_TOOBIG);
    o = cJSON_ParseWithLength(json, len);
    if (!cJSON_IsObject(o)) {
        cJSON_Delete(o);
        return fail_with(why, "body: not a JSON object", KERR_PARSE);
    }
    e = take_fields(o, m, v, why);
    cJSON_Delete(o);
    return e != KERR_OK ? e : msg_check(m, v, why);
}

/* Field constructors; B(name) is the decode reason, the last argument the check's. */
#define B(n) n ": missing or bad"
#define FS(T, n, m, ok, why)                                                                       \
    {.name = n, .kind = F_STR, .off = offsetof(T, m), .size = sizeof(((T *)0)->m), .valid = ok,    \
     .bad = B(n), .invalid = why}
#define FOPT(T, n, m, ok, why)                                                                     \
    {.name = n, .kind = F_OPTSTR, .off = offsetof(T, m), .size = sizeof(((T *)0)->m), .valid = ok, \
     .bad = n ": not a string", .invalid = why}
#define FNULL(T, n, m, isnull, ok, why)                                                            \
    {.name = n, .kind = F_NULLSTR, .off = offsetof(T, m), .size = sizeof(((T *)0)->m),             \
     .null_off = offsetof(T, isnull), .valid = ok, .bad = B(n), .invalid = why}
#define FTEXT(T, n, m, min, max, ml, why)                                                          \
    {.name = n, .kind = F_STR, .off = offsetof(T, m), .size = sizeof(((T *)0)->m), .text = true,   \
     .multiline = ml, .lo = min, .hi = max, .bad = B(n), .invalid = why}
#define FINT(T, n, m, min, max, why)                                                               \
    {.name = n, .kind = F_INT, .off = offsetof(T, m), .size = sizeof(((T *)0)->m), .lo = min,      \
     .hi = max, .bad = B(n), .invalid = why}

/* The public encoder and decoder of a message (contracts in api.h). */
#define CODEC(prefix, T, fields, max_len, extra)                                                   \
    static const struct msg prefix##_msg = {fields, NFIELDS(fields), max_len, extra};             \
    enum kerr prefix##_encode(const T *v, char **out) { return msg_encode(&prefix##_msg, v, out); } \
    enum kerr prefix##_decode(const char *json, size_t len, T *out, const char **why)              \
    {                                                                                              \
        return msg_decode(&prefix##_msg, json, len, out, sizeof *out, why);                        \
    }

/* ---- help request ---- */

static const struct field company_fields[] = {
    FNULL(struct api_help_request, "id", company_id, company_id_null, id_token_ok,
          "company.id: malformed"),
    {.name = "name", .kind = F_STR, .off = offsetof(struct api_help_request, company_name),
     .size = API_COMPANY_SIZE, .text = true, .lo = 0, .hi = API_COMPANY_MAX_CP,
     .bad = "company.name: missing or bad", .invalid = "company.name: bad text"},
};
static const struct msg company_msg = {company_fields, NFIELDS(company_fields), 0, NULL};

static enum kerr help_extra(const void *v, const char **why)
{
    const struct api_help_request *r = v;
    if (!api_ticket_of_kiosk(r->ticket, r->kiosk_id))
        return fail_with(why, "ticket: not of this kiosk", KERR_INVALID);
    if (r->receipt_ticket[0] && (!api_ticket_of_kiosk(r->receipt_ticket, r->kiosk_id) ||
                                 strcmp(r->receipt_ticket, r->ticket) == 0))
        return fail_with(why, "receipt_ticket: malformed, of another kiosk, or the ticket itself",
                         KERR_INVALID);
    return KERR_OK;
}

#define HR struct api_help_request
static const struct field help_fields[] = {
    FS(HR, "ticket", ticket, api_ticket_valid, "ticket: malformed"),
    FS(HR, "kiosk_id", kiosk_id, api_kiosk_id_valid, "kiosk_id: malformed"),
    FS(HR, "category", category, id_token_ok, "category: malformed"),
    {.name = "company", .kind = F_OBJ, .sub = &company_msg,
     .bad = "company: missing or not an object"},
    FTEXT(HR, "contact_name", contact_name, 1, API_NAME_MAX_CP, false, "contact_name: bad text"),
    FS(HR, "phone", phone, phone_ok, "phone: not digits"),
    FS(HR, "tower", tower, id_token_ok, "tower: malformed"),
    FTEXT(HR, "description", description, 1, API_DESC_MAX_CP, true, "description: bad text"),
    FS(HR, "lang", lang, lang_ok, "lang: malformed"),
    FS(HR, "created_at", created_at, api_time_valid, "created_at: not an RFC 3339 UTC time"),
    FOPT(HR, "check", check, api_check_valid, "check: not six digits"),
    FOPT(HR, "receipt_ticket", receipt_ticket, api_ticket_valid,
         "receipt_ticket: malformed, of another kiosk, or the ticket itself"),
};
#undef HR

CODEC(api_help_request, struct api_help_request, help_fields, API_BODY_MAX, help_extra)

enum kerr api_help_request_write(const struct api_help_request *r, char *buf, size_t cap,
                                 size_t *len)
{
    return msg_write(&api_help_request_msg, r, buf, cap, len);
}

enum kerr api_help_request_check(const struct api_help_request *r, const char **why)
{
    return msg_check(&api_help_request_msg, r, why);
}

/* ---- request answer ---- */

#define RA struct api_request_answer
static const struct field answer_fields[] = {
    FS(RA, "ticket", ticket, api_ticket_valid, "ticket: malformed"),
    FS(RA, "status", status, state_name_ok, "status: unknown"),
    FS(RA, "received_at", received_at, api_time_valid, "received_at: not an RFC 3339 UTC time"),
};
#undef RA

CODEC(api_request_answer, struct api_request_answer, answer_fields, API_RESPONSE_MAX, NULL)

/* ---- ticket status ---- */

#define TS struct api_ticket_status
static const struct field status_fields[] = {
    FS(TS, "ticket", ticket, api_ticket_valid, "ticket: malformed"),
    {.name = "status", .kind = F_STATE, .off = offsetof(TS, status), .bad = B("status"),
     .invalid = "status: unknown"},
    {.name = "note", .kind = F_NULLSTR, .off = offsetof(TS, note), .size = API_NOTE_SIZE,
     .null_off = offsetof(TS, note_null), .text = true, .multiline = true, .lo = 0,
     .hi = API_NOTE_MAX_CP, .bad = B("note"), .invalid = "note: bad text"},
    FS(TS, "updated_at", updated_at, api_time_valid, "updated_at: not an RFC 3339 UTC time"),
    FS(TS, "category", category, id_token_ok, "category: malformed"),
};
#undef TS

CODEC(api_ticket_status, struct api_ticket_status, status_fields, API_RESPONSE_MAX, NULL)

/* ---- heartbeat ---- */

#define HB struct api_heartbeat
static const struct field heartbeat_fields[] = {
    FS(HB, "version", version, version_ok, "version: malformed"),
    FINT(HB, "queue_depth", queue_depth, 0, API_INT_MAX, "queue_depth: out of range"),
    FINT(HB, "oldest_pending_s", oldest_pending_s, 0, API_INT_MAX,
         "oldest_pending_s: out of range"),
    FS(HB, "content_version", content_version, version_ok, "content_version: malformed"),
    {.name = "online", .kind = F_BOOL, .off = offsetof(HB, online),
     .bad = "online: missing or not a boolean"},
    FNULL(HB, "last_error", last_error, last_error_null, errword_ok, "last_error: malformed"),
    {.name = "screen_on", .kind = F_OPTBOOL, .off = offsetof(HB, screen_on),
     .null_off = offsetof(HB, has_screen_on), .bad = "screen_on: not a boolean"},
};
#undef HB

CODEC(api_heartbeat, struct api_heartbeat, heartbeat_fields, API_BODY_MAX, NULL)

/* ---- problem+json: lenient on extension members and long texts (cut) ---- */

#define PB struct api_problem
#define FTR(n, m, k, d)                                                                            \
    {.name = n, .kind = k, .off = offsetof(PB, m), .size = sizeof(((PB *)0)->m), .dflt = d,        \
     .bad = "problem: member not a string", .invalid = "problem: member not UTF-8"}
static const struct field problem_fields[] = {
    FTR("type", type, F_TRUNC, "about:blank"),
    FTR("title", title, F_TRUNC, NULL),
    {.name = "status", .kind = F_INT, .off = offsetof(PB, status), .size = sizeof(int), .lo = 100,
     .hi = 599, .bad = B("status"), .invalid = "status: out of range"},
    FTR("detail", detail, F_OPTTRUNC, NULL),
    FTR("instance", instance, F_OPTTRUNC, NULL),
};
#undef FTR
#undef PB

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

CODEC(api_problem, struct api_problem, problem_fields, API_RESPONSE_MAX, NULL)

bool api_problem_is_hubs_answer(const struct api_problem *p, int http_status,
                                const char *idem_key)
{
    size_t nb = strlen(API_PROBLEM_BASE), ni = strlen(API_PROBLEM_INSTANCE_KEY);
    if (!p || !idem_key || !api_uuid_v4_valid(idem_key) || p->status != http_status) return false;
    if (strncmp(p->type, API_PROBLEM_BASE, nb) != 0 || !p->type[nb]) return false;
    if (strncmp(p->instance, API_PROBLEM_INSTANCE_KEY, ni) != 0) return false;
    return strcasecmp(p->instance + ni, idem_key) == 0;
}

static void wipe_free(void *p)
{
    if (!p) return;
    explicit_bzero(p, malloc_usable_size(p));
    free(p);
}

void api_json_wipe_on_free(void)
{
    cJSON_Hooks h = {malloc, wipe_free};
    cJSON_InitHooks(&h);
}
