/* api_fleet: alerts and the events answer (see api_fleet.h). */
#include "api_fleet.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "utf8.h"

static enum kerr fail(const char **why, const char *w, enum kerr e)
{
    if (why) *why = w;
    return e;
}

/* Valid UTF-8 of min..max code points without control characters ('\n'
 * allowed when multiline). */
static bool text_ok(const char *s, size_t min, size_t max, bool multiline)
{
    size_t n = strlen(s), cp;
    if (!utf8_valid(s, n)) return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && !(multiline && c == '\n')) || c == 0x7F) return false;
    }
    cp = utf8_count(s);
    return cp >= min && cp <= max;
}

static bool token_ok(const char *s, size_t n)
{
    if (n == 0 || n > API_TOKEN_SIZE - 1) return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-'))
            return false;
    }
    return true;
}

bool api_alert_to_valid(const char *to)
{
    if (!to) return false;
    if (strcmp(to, "all") == 0) return true;
    if (strncmp(to, "tower:", 6) == 0) return token_ok(to + 6, strlen(to + 6));
    if (strncmp(to, "kiosk:", 6) == 0) {
        const char *p = to + 6;
        int n = 0;
        if (strlen(to) >= API_ALERT_TO_SIZE) return false;
        for (;;) {
            char id[API_KIOSK_ID_SIZE];
            size_t len = strcspn(p, ",");
            if (len == 0 || len >= sizeof id || ++n > API_ALERT_TO_IDS_MAX) return false;
            memcpy(id, p, len);
            id[len] = '\0';
            if (!api_kiosk_id_valid(id)) return false;
            if (!p[len]) return true;
            p += len + 1;
        }
    }
    return false;
}

bool api_alert_targets(const struct api_alert *a, const char *kiosk_id, const char *tower)
{
    const char *to = a->to;
    if (strcmp(to, "all") == 0) return true;
    if (strncmp(to, "tower:", 6) == 0) return tower && tower[0] && strcmp(to + 6, tower) == 0;
    if (strncmp(to, "kiosk:", 6) == 0 && kiosk_id) {
        size_t k = strlen(kiosk_id);
        for (const char *p = to + 6; *p;) {
            size_t len = strcspn(p, ",");
            if (len == k && strncmp(p, kiosk_id, k) == 0) return true;
            p += len;
            if (*p == ',') p++;
        }
    }
    return false;
}

bool api_alert_valid_at(const struct api_alert *a, int64_t now_ms)
{
    return a->until_ms == 0 || a->until_ms > now_ms;
}

enum kerr api_alert_check(const struct api_alert *a, bool with_to, const char **why)
{
    if (strcmp(a->level, "urgent") != 0 && strcmp(a->level, "notice") != 0)
        return fail(why, "level: urgent or notice", KERR_INVALID);
    if (with_to && !api_alert_to_valid(a->to))
        return fail(why, "to: all, tower:ID or kiosk:ID[,ID...] (at most 16)", KERR_INVALID);
    if (!text_ok(a->title, 1, API_ALERT_TITLE_MAX_CP, false))
        return fail(why, "title: 1..80 characters, one line", KERR_INVALID);
    if (!text_ok(a->body, 0, API_ALERT_BODY_MAX_CP, true))
        return fail(why, "body: at most 600 characters", KERR_INVALID);
    if (!text_ok(a->title_en, 0, API_ALERT_TITLE_MAX_CP, false))
        return fail(why, "title_en: at most 80 characters, one line", KERR_INVALID);
    if (!text_ok(a->body_en, 0, API_ALERT_BODY_MAX_CP, true))
        return fail(why, "body_en: at most 600 characters", KERR_INVALID);
    if (a->until_ms < 0) return fail(why, "until: before 1970", KERR_INVALID);
    return KERR_OK;
}

static void add_time(cJSON *o, const char *name, int64_t ms)
{
    char t[API_TIME_SIZE];
    if (ms <= 0) {
        cJSON_AddNullToObject(o, name);
        return;
    }
    api_time_format(ms, t);
    cJSON_AddStringToObject(o, name, t);
}

cJSON *api_alert_to_json(const struct api_alert *a, bool with_to)
{
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    cJSON_AddNumberToObject(o, "id", (double)a->id);
    cJSON_AddStringToObject(o, "level", a->level);
    if (with_to) cJSON_AddStringToObject(o, "to", a->to);
    cJSON_AddStringToObject(o, "title", a->title);
    cJSON_AddStringToObject(o, "body", a->body);
    cJSON_AddStringToObject(o, "title_en", a->title_en);
    cJSON_AddStringToObject(o, "body_en", a->body_en);
    add_time(o, "sent_at", a->sent_ms);
    add_time(o, "until", a->until_ms);
    return o;
}

/* Copies the string member name of o into dst[size]; absent is "" when
 * optional. */
static enum kerr take(const cJSON *o, const char *name, char *dst, size_t size, bool optional,
                      const char **why, const char *bad)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, name);
    size_t n;
    dst[0] = '\0';
    if (!it || cJSON_IsNull(it)) return optional ? KERR_OK : fail(why, bad, KERR_PARSE);
    if (!cJSON_IsString(it) || !it->valuestring) return fail(why, bad, KERR_PARSE);
    n = strlen(it->valuestring);
    if (n >= size) return fail(why, bad, KERR_TOOBIG);
    memcpy(dst, it->valuestring, n + 1);
    return KERR_OK;
}

enum kerr api_alert_from_json(const cJSON *o, bool from_admin, struct api_alert *out,
                              const char **why)
{
    char t[API_TIME_SIZE + 8];
    enum kerr e;
    memset(out, 0, sizeof *out);
    if (!cJSON_IsObject(o)) return fail(why, "alert: not an object", KERR_PARSE);
    if ((e = take(o, "level", out->level, sizeof out->level, false, why, "level: urgent or notice")) ||
        (e = take(o, "title", out->title, sizeof out->title, false, why, "title: missing or too long")) ||
        (e = take(o, "body", out->body, sizeof out->body, true, why, "body: not a string or too long")) ||
        (e = take(o, "title_en", out->title_en, sizeof out->title_en, true, why,
                  "title_en: not a string or too long")) ||
        (e = take(o, "body_en", out->body_en, sizeof out->body_en, true, why,
                  "body_en: not a string or too long")))
        return e;
    if (from_admin) {
        e = take(o, "to", out->to, sizeof out->to, false, why, "to: missing or too long");
        if (e != KERR_OK) return e;
    } else {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(o, "id");
        if (!cJSON_IsNumber(id) || id->valuedouble < 1 || id->valuedouble > 9e15 ||
            id->valuedouble != (double)(int64_t)id->valuedouble)
            return fail(why, "id: missing or bad", KERR_PARSE);
        out->id = (int64_t)id->valuedouble;
        if ((e = take(o, "sent_at", t, sizeof t, false, why, "sent_at: missing")) ||
            api_time_parse(t, &out->sent_ms) != KERR_OK)
            return fail(why, "sent_at: not an RFC 3339 UTC time", KERR_PARSE);
    }
    e = take(o, "until", t, sizeof t, true, why, "until: not a string");
    if (e != KERR_OK) return e;
    if (t[0] && api_time_parse(t, &out->until_ms) != KERR_OK)
        return fail(why, "until: not an RFC 3339 UTC time (YYYY-MM-DDTHH:MM:SSZ)", KERR_INVALID);
    return api_alert_check(out, from_admin, why);
}

enum kerr api_time_parse(const char *s, int64_t *ms)
{
    struct tm tm;
    time_t t;
    if (!api_time_valid(s)) return KERR_INVALID;
    memset(&tm, 0, sizeof tm);
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
               &tm.tm_min, &tm.tm_sec) != 6)
        return KERR_INVALID;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    t = timegm(&tm);
    if (t == (time_t)-1) return KERR_INVALID;
    *ms = (int64_t)t * 1000;
    return KERR_OK;
}

bool api_shot_id_valid(const char *s)
{
    if (!s || strlen(s) != API_SHOT_ID_SIZE - 1) return false;
    for (size_t i = 0; i < API_SHOT_ID_SIZE - 1; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return false;
    return true;
}
