/* content_json: reading content.json's fields against the schema
 * (assets/content.schema.json) into the bundle's arena, with a report line
 * for every problem, and the raw-text checks made before cJSON sees the
 * bytes (UTF-8, NUL, nesting depth). Used by content_validate.c. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "content_int.h"
#include "utf8.h"

/* ---- loader context ------------------------------------------------------ */


void ld_fail(struct ld *l, enum kerr e, const char *path, const char *fmt, ...)
{
    char msg[CONTENT_REPORT_LINE];
    va_list ap;
    if (l->err == KERR_OK) l->err = e;
    l->nerr++;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    content_report_add(l->rep, CONTENT_FILE, path, "%s", msg);
}

void ld_nomem(struct ld *l)
{
    if (l->err != KERR_NOMEM) ld_fail(l, KERR_NOMEM, "$", "out of memory");
}

/* Paths are built by hand: bounded, truncated silently (paths are short). */
static const char *path_join(char *buf, const char *parent, const char *sep, const char *tail)
{
    size_t n = 0;
    for (const char *parts[3] = {parent, sep, tail}, **pp = parts; pp < parts + 3; pp++)
        for (const char *s = *pp; *s && n + 1 < CONTENT_PATH_LEN; s++) buf[n++] = *s;
    buf[n] = 0;
    return buf;
}

const char *ld_kpath(char *buf, const char *parent, const char *key)
{
    return path_join(buf, parent, ".", key);
}

const char *ld_ipath(char *buf, const char *parent, size_t i)
{
    char num[24];
    int k = snprintf(num, sizeof num, "%zu]", i);
    (void)k;
    return path_join(buf, parent, "[", num);
}

const char *ld_type_name(const cJSON *v)
{
    if (cJSON_IsString(v)) return "a string";
    if (cJSON_IsNumber(v)) return "a number";
    if (cJSON_IsBool(v)) return "a boolean";
    if (cJSON_IsNull(v)) return "null";
    if (cJSON_IsArray(v)) return "an array";
    if (cJSON_IsObject(v)) return "an object";
    return "invalid";
}

/* Reports keys of obj not in allowed (NULL-terminated, at most 32) and
 * repeated keys. Linear in the number of keys, so an object with 100,000
 * copies of one key costs nothing special. */
void ld_check_keys(struct ld *l, const cJSON *obj, const char *path, const char *const *allowed)
{
    char p[CONTENT_PATH_LEN];
    bool seen[32] = {false};
    for (const cJSON *it = obj->child; it; it = it->next) {
        size_t k = 0;
        while (allowed[k] && k < 32 && !(it->string && strcmp(it->string, allowed[k]) == 0)) k++;
        if (!allowed[k] || k >= 32) {
            char shown[40];
            size_t n = it->string ? strlen(it->string) : 0;
            if (n >= sizeof shown) n = sizeof shown - 1;
            memcpy(shown, it->string ? it->string : "", n);
            shown[n] = 0;
            while (n > 0 && !utf8_valid(shown, n)) shown[--n] = 0;
            ld_fail(l, KERR_INVALID, path, "unknown key \"%s\"", shown);
            continue;
        }
        if (seen[k]) ld_fail(l, KERR_INVALID, ld_kpath(p, path, it->string), "duplicate key");
        seen[k] = true;
    }
}

/* A string value: valid UTF-8 (cJSON lets anything through), within the
 * limit, not empty or blank. Returns the arena copy or NULL (reported). */
const char *ld_take_str(struct ld *l, const cJSON *v, const char *path, size_t maxlen)
{
    size_t n;
    const char *s;
    char *d;
    if (!cJSON_IsString(v) || !v->valuestring) {
        ld_fail(l, KERR_INVALID, path, "expected a string, got %s", ld_type_name(v));
        return NULL;
    }
    s = v->valuestring;
    n = strlen(s);
    if (n > maxlen) {
        ld_fail(l, KERR_TOOBIG, path, "string of %zu bytes is over the limit of %zu", n, maxlen);
        return NULL;
    }
    if (!utf8_valid(s, n)) {
        ld_fail(l, KERR_UTF8, path, "string is not valid UTF-8");
        return NULL;
    }
    {
        bool blank = true;
        for (size_t i = 0; i < n; i++)
            if (!isspace((unsigned char)s[i])) blank = false;
        if (blank) {
            ld_fail(l, KERR_INVALID, path, "string is empty");
            return NULL;
        }
    }
    d = content_arena_strdup(l->p, s);
    if (!d) ld_nomem(l);
    return d;
}

const cJSON *ld_field(struct ld *l, const cJSON *obj, const char *key, const char *path,
                          bool required)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v && required) {
        char p[CONTENT_PATH_LEN];
        ld_fail(l, KERR_INVALID, ld_kpath(p, path, key), "missing required field");
    }
    return v;
}

const char *ld_get_str(struct ld *l, const cJSON *obj, const char *key, const char *path,
                           bool required, size_t maxlen)
{
    char p[CONTENT_PATH_LEN];
    const cJSON *v = ld_field(l, obj, key, path, required);
    return v ? ld_take_str(l, v, ld_kpath(p, path, key), maxlen) : NULL;
}

static bool id_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > CONTENT_ID_MAX) return false;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
                  (i > 0 && (ch == '_' || ch == '-'));
        if (!ok) return false;
    }
    return true;
}

/* An id or a reference to one: ^[a-z0-9][a-z0-9_-]{0,31}$ */
const char *ld_get_id(struct ld *l, const cJSON *obj, const char *key, const char *path,
                          bool required)
{
    char p[CONTENT_PATH_LEN];
    const char *s = ld_get_str(l, obj, key, path, required, 64);
    if (s && !id_ok(s)) {
        ld_fail(l, KERR_INVALID, ld_kpath(p, path, key),
                "\"%s\" is not an id (a-z, 0-9, _ and -, at most %d)", s, CONTENT_ID_MAX);
        return NULL;
    }
    return s;
}

static bool phone_ok(const char *s)
{
    size_t n = strlen(s), digits = 0;
    if (n < 3 || n > 32) return false;
    for (size_t i = 0; i < n; i++) {
        if (isdigit((unsigned char)s[i]))
            digits++;
        else if (!strchr("+-() ", s[i]))
            return false;
    }
    return digits >= 3;
}

const char *ld_get_phone(struct ld *l, const cJSON *obj, const char *path)
{
    char p[CONTENT_PATH_LEN];
    const char *s = ld_get_str(l, obj, "phone", path, false, 32);
    if (s && !phone_ok(s)) {
        ld_fail(l, KERR_INVALID, ld_kpath(p, path, "phone"),
                "not a phone number (digits, spaces, + - ( ) only)");
        return NULL;
    }
    return s;
}

/* {"zh": "...", "en": "..."}; returns zh NULL when absent or bad. */
struct content_text ld_get_text(struct ld *l, const cJSON *obj, const char *key,
                                    const char *path, bool required)
{
    static const char *const keys[] = {"zh", "en", NULL};
    struct content_text t = {NULL, NULL};
    char p[CONTENT_PATH_LEN];
    const cJSON *v = key ? ld_field(l, obj, key, path, required) : obj;
    if (!v) return t;
    if (key) path = ld_kpath(p, path, key);
    if (!cJSON_IsObject(v)) {
        ld_fail(l, KERR_INVALID, path, "expected an object {\"zh\": ..., \"en\": ...}, got %s",
                ld_type_name(v));
        return t;
    }
    ld_check_keys(l, v, path, keys);
    t.zh = ld_get_str(l, v, "zh", path, true, CONTENT_MAX_STRING_BYTES);
    t.en = ld_get_str(l, v, "en", path, false, CONTENT_MAX_STRING_BYTES);
    return t;
}

bool ld_get_int(struct ld *l, const cJSON *obj, const char *key, const char *path,
                    bool required, long min, long max, int *out)
{
    char p[CONTENT_PATH_LEN];
    const cJSON *v = ld_field(l, obj, key, path, required);
    double d;
    if (!v) return false;
    ld_kpath(p, path, key);
    if (!cJSON_IsNumber(v)) {
        ld_fail(l, KERR_INVALID, p, "expected an integer, got %s", ld_type_name(v));
        return false;
    }
    d = v->valuedouble;
    /* range first: converting an out-of-range double to long is undefined */
    if (!(d >= (double)min && d <= (double)max) || d != (double)(long)d) {
        ld_fail(l, KERR_INVALID, p, "expected an integer from %ld to %ld", min, max);
        return false;
    }
    *out = (int)d;
    return true;
}

bool ld_get_num(struct ld *l, const cJSON *obj, const char *key, const char *path,
                    double min, double max, double *out)
{
    char p[CONTENT_PATH_LEN];
    const cJSON *v = ld_field(l, obj, key, path, true);
    if (!v) return false;
    ld_kpath(p, path, key);
    if (!cJSON_IsNumber(v) || !(v->valuedouble >= min && v->valuedouble <= max)) {
        ld_fail(l, KERR_INVALID, p, "expected a number from %g to %g", min, max);
        return false;
    }
    *out = v->valuedouble;
    return true;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    int64_t era;
    unsigned yoe, doy, doe;
    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = (unsigned)(y - era * 400);
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

/* "YYYY-MM-DDTHH:MM:SS" + "Z" or "+HH:MM"/"-HH:MM" (RFC 3339), 2000..2099. */
static bool parse_time(const char *s, int64_t *out)
{
    int Y, M, D, h, m, sec, oh = 0, om = 0, n = 0;
    char sign;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (strlen(s) < 20 || strlen(s) > 25) return false;
    for (int i = 0; i < 19; i++) {
        bool digit = isdigit((unsigned char)s[i]) != 0;
        bool want = !(i == 4 || i == 7 || i == 10 || i == 13 || i == 16);
        if (digit != want) return false;
    }
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &Y, &M, &D, &h, &m, &sec, &n) != 6 || n != 19)
        return false;
    sign = s[19];
    if (sign == 'Z') {
        if (s[20]) return false;
    } else if (sign == '+' || sign == '-') {
        if (strlen(s + 20) != 5 || !isdigit((unsigned char)s[20]) ||
            !isdigit((unsigned char)s[21]) || s[22] != ':' || !isdigit((unsigned char)s[23]) ||
            !isdigit((unsigned char)s[24]))
            return false;
        oh = (s[20] - '0') * 10 + (s[21] - '0');
        om = (s[23] - '0') * 10 + (s[24] - '0');
        if (oh > 14 || om > 59) return false;
    } else {
        return false;
    }
    if (Y < 2000 || Y > 2099 || M < 1 || M > 12 || D < 1 || D > mdays[M - 1] || h > 23 || m > 59 ||
        sec > 59)
        return false;
    if (M == 2 && D == 29 && !((Y % 4 == 0 && Y % 100 != 0) || Y % 400 == 0)) return false;
    *out = days_from_civil(Y, (unsigned)M, (unsigned)D) * 86400 + h * 3600 + m * 60 + sec;
    if (sign == '+') *out -= oh * 3600 + om * 60;
    if (sign == '-') *out += oh * 3600 + om * 60;
    return true;
}

bool ld_get_time(struct ld *l, const cJSON *obj, const char *key, const char *path,
                     int64_t *out)
{
    char p[CONTENT_PATH_LEN];
    const char *s = ld_get_str(l, obj, key, path, true, 64);
    if (!s) return false;
    if (!parse_time(s, out)) {
        ld_fail(l, KERR_INVALID, ld_kpath(p, path, key),
                "\"%s\" is not a date-time like 2026-11-25T09:00:00+08:00 (years 2000-2099)", s);
        return false;
    }
    return true;
}

/* An array field; returns its size (0 when absent/bad) and sets *arr. */
size_t ld_get_array(struct ld *l, const cJSON *obj, const char *key, const char *path,
                        bool required, const cJSON **arr)
{
    char p[CONTENT_PATH_LEN];
    const cJSON *v = ld_field(l, obj, key, path, required);
    int n;
    *arr = NULL;
    if (!v) return 0;
    ld_kpath(p, path, key);
    if (!cJSON_IsArray(v)) {
        ld_fail(l, KERR_INVALID, p, "expected an array, got %s", ld_type_name(v));
        return 0;
    }
    n = cJSON_GetArraySize(v);
    if ((size_t)n > CONTENT_MAX_ITEMS) {
        ld_fail(l, KERR_TOOBIG, p, "%d entries is over the limit of %u", n, CONTENT_MAX_ITEMS);
        return 0;
    }
    *arr = v;
    return (size_t)n;
}

bool ld_want_object(struct ld *l, const cJSON *v, const char *path)
{
    if (cJSON_IsObject(v)) return true;
    ld_fail(l, KERR_INVALID, path, "expected an object, got %s", ld_type_name(v));
    return false;
}

void ld_get_place(struct ld *l, const cJSON *obj, const char *path, bool required,
                      struct content_place *pl)
{
    static const char *const keys[] = {"tower", "floor", "room", "note", NULL};
    char p[CONTENT_PATH_LEN];
    const cJSON *v = ld_field(l, obj, "place", path, required);
    memset(pl, 0, sizeof *pl);
    if (!v) return;
    ld_kpath(p, path, "place");
    if (!ld_want_object(l, v, p)) return;
    ld_check_keys(l, v, p, keys);
    pl->tower_id = ld_get_id(l, v, "tower", p, false);
    if (cJSON_GetObjectItemCaseSensitive(v, "floor"))
        pl->has_floor = ld_get_int(l, v, "floor", p, false, -5, 200, &pl->floor);
    if (pl->has_floor && pl->floor == 0) {
        char q[CONTENT_PATH_LEN];
        ld_fail(l, KERR_INVALID, ld_kpath(q, p, "floor"), "floor 0 does not exist (1 = ground)");
    }
    pl->room = ld_get_str(l, v, "room", p, false, 32);
    pl->note = ld_get_text(l, v, "note", p, false);
}


/* ---- raw text checks ----------------------------------------------------- */

/* Offset of the first byte that is not valid UTF-8 (or NUL), or len. */
size_t ld_utf8_bad_offset(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned char b = s[i];
        size_t need;
        uint32_t cp, min;
        if (b == 0) return i;
        if (b < 0x80) {
            i++;
            continue;
        }
        if (b >= 0xC2 && b <= 0xDF) {
            need = 1;
            cp = b & 0x1F;
            min = 0x80;
        } else if (b >= 0xE0 && b <= 0xEF) {
            need = 2;
            cp = b & 0x0F;
            min = 0x800;
        } else if (b >= 0xF0 && b <= 0xF4) {
            need = 3;
            cp = b & 0x07;
            min = 0x10000;
        } else {
            return i;
        }
        for (size_t k = 1; k <= need; k++) {
            if (i + k >= len || (s[i + k] & 0xC0) != 0x80) return i;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
        i += need + 1;
    }
    return len;
}

void ld_line_col(const char *buf, size_t off, size_t *line, size_t *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < off; i++) {
        if (buf[i] == '\n') {
            (*line)++;
            *col = 1;
        } else if (((unsigned char)buf[i] & 0xC0) != 0x80) {
            (*col)++;
        }
    }
}

/* Nesting depth and \u0000 escapes, outside and inside strings. */
bool ld_raw_scan(struct ld *l, const char *buf, size_t len)
{
    int depth = 0;
    bool in_str = false;
    size_t line, col;
    for (size_t i = 0; i < len; i++) {
        char ch = buf[i];
        if (in_str) {
            if (ch == '\\') {
                if (i + 5 < len && buf[i + 1] == 'u' && memcmp(buf + i + 2, "0000", 4) == 0) {
                    ld_line_col(buf, i, &line, &col);
                    ld_fail(l, KERR_INVALID, "$", "line %zu column %zu: \\u0000 (NUL) in a string",
                            line, col);
                    return false;
                }
                i++;
            } else if (ch == '"') {
                in_str = false;
            }
            continue;
        }
        if (ch == '"') {
            in_str = true;
        } else if (ch == '[' || ch == '{') {
            if (++depth > CONTENT_MAX_DEPTH) {
                ld_line_col(buf, i, &line, &col);
                ld_fail(l, KERR_TOOBIG, "$", "line %zu column %zu: nesting deeper than %d", line,
                        col, CONTENT_MAX_DEPTH);
                return false;
            }
        } else if (ch == ']' || ch == '}') {
            depth--;
        }
    }
    return true;
}

