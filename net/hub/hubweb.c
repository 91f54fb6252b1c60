#include "hubweb.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* embed_web.cmake's output */
extern const struct hubweb_file hubweb_files[];
extern const size_t hubweb_nfiles;

#define PAGE_MAX (1u << 20)

const struct hubweb_file *hubweb_file_find(const char *path)
{
    char want[256];
    size_t n = strlen(path);
    if (n == 0 || n + sizeof "index.html" > sizeof want) return NULL;
    snprintf(want, sizeof want, "%s%s", path, path[n - 1] == '/' ? "index.html" : "");
    for (size_t i = 0; i < hubweb_nfiles; i++)
        if (strcmp(hubweb_files[i].path, want) == 0) return &hubweb_files[i];
    return NULL;
}

/* The q of the first entry of an Accept-Language header whose tag starts
 * with prefix (a whole subtag: "zh" matches zh, zh-CN, zh-Hans-CN), or -1. */
static double lang_q(const char *h, const char *prefix)
{
    size_t pl = strlen(prefix);
    double best = -1;
    while (h && *h) {
        const char *e = strchr(h, ','), *semi;
        size_t n = e ? (size_t)(e - h) : strlen(h);
        while (n && (*h == ' ' || *h == '\t')) h++, n--;
        if (n >= pl && strncasecmp(h, prefix, pl) == 0 && (n == pl || h[pl] == '-' || h[pl] == ';' ||
                                                          h[pl] == ' ')) {
            double q = 1;
            semi = memchr(h, ';', n);
            if (semi) {
                const char *qp = strstr(semi, "q=");
                if (qp && qp < h + n) q = strtod(qp + 2, NULL);
            }
            if (q > best) best = q;
        }
        h = e ? e + 1 : NULL;
    }
    return best;
}

enum hubweb_lang hubweb_lang_pick(const char *accept_language, const char *override)
{
    double zh, en;
    if (override && strcmp(override, "en") == 0) return HUBWEB_EN;
    if (override && strcmp(override, "zh") == 0) return HUBWEB_ZH;
    zh = lang_q(accept_language, "zh");
    en = lang_q(accept_language, "en");
    return en > 0 && en > zh ? HUBWEB_EN : HUBWEB_ZH;
}

enum kerr hubweb_labels_load(const char *path, cJSON **out)
{
    static const char *const lists[][2] = {{"request_categories", "categories"},
                                           {"towers", "towers"}};
    FILE *f = fopen(path, "rb");
    char *txt;
    long n;
    cJSON *doc, *res;
    bool any = false;
    *out = NULL;
    if (!f) return KERR_IO;
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || n > (32l << 20) ||
        fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return KERR_IO;
    }
    txt = malloc((size_t)n + 1);
    if (!txt || fread(txt, 1, (size_t)n, f) != (size_t)n) {
        free(txt);
        fclose(f);
        return txt ? KERR_IO : KERR_NOMEM;
    }
    fclose(f);
    doc = cJSON_ParseWithLength(txt, (size_t)n);
    free(txt);
    if (!doc) return KERR_PARSE;
    res = cJSON_CreateObject();
    for (size_t i = 0; res && i < sizeof lists / sizeof lists[0]; i++) {
        const cJSON *a = cJSON_GetObjectItemCaseSensitive(doc, lists[i][0]), *e;
        cJSON *m = cJSON_AddObjectToObject(res, lists[i][1]);
        if (!cJSON_IsArray(a) || !m) continue;
        any = true;
        cJSON_ArrayForEach(e, a)
        {
            const cJSON *id = cJSON_GetObjectItemCaseSensitive(e, "id");
            const cJSON *nm = cJSON_GetObjectItemCaseSensitive(e, "name");
            if (!cJSON_IsString(id) || !cJSON_IsObject(nm)) continue;
            cJSON_AddItemToObject(m, id->valuestring, cJSON_Duplicate(nm, true));
        }
    }
    cJSON_Delete(doc);
    if (!any) {
        cJSON_Delete(res);
        return KERR_INVALID;
    }
    *out = res;
    return KERR_OK;
}

const char *hubweb_label(const cJSON *labels, const char *kind, const char *id,
                         enum hubweb_lang lang)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(labels, kind);
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(m, id);
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(e, lang == HUBWEB_EN ? "en" : "zh");
    return cJSON_IsString(s) ? s->valuestring : NULL;
}

/* ---- a growing page ------------------------------------------------------ */

struct page {
    char *p;
    size_t len, cap;
    bool failed;
};

static void raw_n(struct page *pg, const char *s, size_t n)
{
    if (pg->failed) return;
    if (pg->len + n + 1 > pg->cap) {
        size_t cap = pg->cap ? pg->cap : 4096;
        char *np;
        while (cap < pg->len + n + 1) cap *= 2;
        if (cap > PAGE_MAX || !(np = realloc(pg->p, cap))) {
            pg->failed = true;
            return;
        }
        pg->p = np;
        pg->cap = cap;
    }
    memcpy(pg->p + pg->len, s, n);
    pg->len += n;
    pg->p[pg->len] = '\0';
}

static void raw(struct page *pg, const char *s)
{
    raw_n(pg, s, strlen(s));
}

/* Appends s escaped for HTML text and attribute values. */
static void esc(struct page *pg, const char *s)
{
    const char *run = s;
    for (; *s; s++) {
        const char *ent = NULL;
        switch (*s) {
        case '&': ent = "&amp;"; break;
        case '<': ent = "&lt;"; break;
        case '>': ent = "&gt;"; break;
        case '"': ent = "&quot;"; break;
        case '\'': ent = "&#39;"; break;
        default: continue;
        }
        raw_n(pg, run, (size_t)(s - run));
        raw(pg, ent);
        run = s + 1;
    }
    raw_n(pg, run, (size_t)(s - run));
}

enum kerr hubweb_escape_append(char **buf, size_t *len, size_t *cap, const char *s)
{
    struct page pg = {*buf, *len, *cap, false};
    esc(&pg, s);
    *buf = pg.p;
    *len = pg.len;
    *cap = pg.cap;
    return pg.failed ? KERR_NOMEM : KERR_OK;
}

/* Appends a format of trusted text (numbers, fixed strings): never stored
 * data, which goes through esc(). */
static void rawf(struct page *pg, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof tmp) {
        pg->failed = true;
        return;
    }
    raw_n(pg, tmp, (size_t)n);
}

static enum kerr page_done(struct page *pg, char **out)
{
    if (pg->failed) {
        free(pg->p);
        *out = NULL;
        return KERR_NOMEM;
    }
    *out = pg->p;
    return KERR_OK;
}

void hubweb_time_local(const char *t, char *out, size_t cap)
{
    struct tm tm;
    time_t secs;
    int y, mo, d, h, mi, s;
    char extra;
    memset(&tm, 0, sizeof tm);
    if (sscanf(t, "%4d-%2d-%2dT%2d:%2d:%2dZ%c", &y, &mo, &d, &h, &mi, &s, &extra) != 6) {
        snprintf(out, cap, "%s", t);
        return;
    }
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    secs = timegm(&tm) + 8 * 3600; /* Beijing time, UTC+8, no daylight saving */
    gmtime_r(&secs, &tm);
    if (strftime(out, cap, "%Y-%m-%d %H:%M", &tm) == 0) snprintf(out, cap, "%s", t);
}

/* ---- the phone page ------------------------------------------------------ */

enum { T_TITLE, T_BRAND, T_SWITCH, T_TICKET, T_NOW, T_UPDATED, T_NOTE, T_HISTORY, T_YOURS,
       T_CATEGORY, T_TOWER, T_ERASED, T_PRIVACY, T_NOTFOUND_H, T_NOTFOUND_P, T_BUSY_H, T_BUSY_P,
       T_TZ, T__COUNT };

static const char *const text[2][T__COUNT] = {
    [HUBWEB_ZH] = {
        [T_TITLE] = "求助进度",
        [T_BRAND] = "黄龙商圈楼宇服务中心",
        [T_SWITCH] = "English",
        [T_TICKET] = "编号",
        [T_NOW] = "当前状态",
        [T_UPDATED] = "更新于",
        [T_NOTE] = "服务中心留言",
        [T_HISTORY] = "处理记录",
        [T_YOURS] = "您填写的需求",
        [T_CATEGORY] = "类别",
        [T_TOWER] = "楼宇",
        [T_ERASED] = "按个人信息保留规定，这条请求的详细内容（您的描述和服务中心的留言）已于 %s 删除。下面只保留状态和处理记录。",
        [T_PRIVACY] = "本页不显示姓名、公司和电话。链接里含有小票上的查询码，请不要转发给他人。",
        [T_NOTFOUND_H] = "未找到",
        [T_NOTFOUND_P] = "没有找到这条求助。请核对小票上的编号和查询码，或直接扫描小票上的二维码。",
        [T_BUSY_H] = "请稍后再试",
        [T_BUSY_P] = "查询过于频繁，请过一分钟再打开本页。",
        [T_TZ] = "北京时间",
    },
    [HUBWEB_EN] = {
        [T_TITLE] = "Help request status",
        [T_BRAND] = "Huanglong District Service Centre",
        [T_SWITCH] = "中文",
        [T_TICKET] = "Ticket",
        [T_NOW] = "Status now",
        [T_UPDATED] = "Updated",
        [T_NOTE] = "Note from the service centre",
        [T_HISTORY] = "History",
        [T_YOURS] = "What you asked",
        [T_CATEGORY] = "Category",
        [T_TOWER] = "Tower",
        [T_ERASED] = "Under the rules for keeping personal data, the details of this request (your description and the service centre's notes) were erased on %s. Only the status and its history are kept.",
        [T_PRIVACY] = "This page never shows a name, company or phone number. The link holds the check code from your receipt: please do not pass it on.",
        [T_NOTFOUND_H] = "Not found",
        [T_NOTFOUND_P] = "No help request was found. Please check the ticket number and check code on your receipt, or scan the QR code on it.",
        [T_BUSY_H] = "Please try again later",
        [T_BUSY_P] = "Too many look-ups. Please open this page again in a minute.",
        [T_TZ] = "Beijing time",
    },
};

/* Status names as the kiosk shows them (kiosk/app/i18n.c). */
static const char *status_name(const char *st, enum hubweb_lang lang)
{
    static const char *const ids[] = {"new", "accepted", "in_progress", "resolved", "rejected"};
    static const char *const names[2][5] = {
        {"待受理", "已受理", "处理中", "已解决", "未能受理"},
        {"Received", "Accepted", "In progress", "Resolved", "Declined"},
    };
    for (int i = 0; i < 5; i++)
        if (strcmp(st, ids[i]) == 0) return names[lang][i];
    return st;
}

static void head(struct page *pg, enum hubweb_lang lang, const char *title)
{
    raw(pg, "<!doctype html>\n<html lang=\"");
    raw(pg, lang == HUBWEB_EN ? "en" : "zh-Hans");
    raw(pg, "\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            "<meta name=\"referrer\" content=\"no-referrer\"><meta name=\"robots\" content=\"noindex\">"
            "<title>");
    esc(pg, title);
    raw(pg, " · ");
    raw(pg, text[lang][T_BRAND]);
    raw(pg, "</title><link rel=\"stylesheet\" href=\"/s/phone.css\"></head>\n<body>");
}

static void top(struct page *pg, enum hubweb_lang lang, const char *check)
{
    raw(pg, "<header class=\"top\"><span class=\"brand\">");
    raw(pg, text[lang][T_BRAND]);
    raw(pg, "</span>");
    if (check) {
        /* check is six digits (validated by the caller) */
        raw(pg, "<a class=\"lang\" href=\"?c=");
        esc(pg, check);
        raw(pg, lang == HUBWEB_EN ? "&amp;lang=zh\" lang=\"zh-Hans\">" : "&amp;lang=en\" lang=\"en\">");
        raw(pg, text[lang][T_SWITCH]);
        raw(pg, "</a>");
    }
    raw(pg, "</header>\n<main>");
}

static void foot(struct page *pg, enum hubweb_lang lang)
{
    raw(pg, "</main>\n<footer>");
    raw(pg, text[lang][T_PRIVACY]);
    raw(pg, "</footer></body></html>\n");
}

enum kerr hubweb_phone_page(const struct hubstore_page *p, const char *check, const cJSON *labels,
                            enum hubweb_lang lang, char **out)
{
    static const char *const steps[] = {"new", "accepted", "in_progress", "resolved"};
    struct page pg = {0};
    char t[32];
    const char *cat = hubweb_label(labels, "categories", p->category, lang);
    const char *tower = p->tower[0] ? hubweb_label(labels, "towers", p->tower, lang) : NULL;
    int reached = 0;
    const char *note = NULL;
    head(&pg, lang, text[lang][T_TITLE]);
    top(&pg, lang, check);
    raw(&pg, "<h1>");
    raw(&pg, text[lang][T_TITLE]);
    raw(&pg, "</h1><p class=\"ticket\">");
    raw(&pg, text[lang][T_TICKET]);
    raw(&pg, " <b id=\"ticket\">");
    esc(&pg, p->ticket);
    raw(&pg, "</b></p>\n");

    /* the status, large, with when it last changed */
    raw(&pg, "<section class=\"status st-");
    esc(&pg, p->status);
    raw(&pg, "\"><div class=\"label\">");
    raw(&pg, text[lang][T_NOW]);
    raw(&pg, "</div><div class=\"value\" id=\"status\">");
    esc(&pg, status_name(p->status, lang));
    raw(&pg, "</div><div class=\"meta\">");
    raw(&pg, text[lang][T_UPDATED]);
    hubweb_time_local(p->updated_at, t, sizeof t);
    raw(&pg, " ");
    esc(&pg, t);
    rawf(&pg, "（%s）", text[lang][T_TZ]);
    raw(&pg, "</div></section>\n");

    /* the way there: four steps, or a declined request */
    for (int i = 0; i < 4; i++)
        if (strcmp(p->status, steps[i]) == 0) reached = i;
    if (strcmp(p->status, "rejected") != 0) {
        raw(&pg, "<ol class=\"steps\">");
        for (int i = 0; i < 4; i++) {
            rawf(&pg, "<li class=\"%s\">", i < reached ? "done" : i == reached ? "now" : "todo");
            raw(&pg, status_name(steps[i], lang));
            raw(&pg, "</li>");
        }
        raw(&pg, "</ol>\n");
    }

    if (p->nhist > 0 && p->hist[p->nhist - 1].has_note) note = p->hist[p->nhist - 1].note;
    if (note && note[0]) {
        raw(&pg, "<section class=\"note\"><h2>");
        raw(&pg, text[lang][T_NOTE]);
        raw(&pg, "</h2><p id=\"note\">");
        esc(&pg, note);
        raw(&pg, "</p></section>\n");
    }
    if (p->erased_at[0]) {
        char msg[768];
        hubweb_time_local(p->erased_at, t, sizeof t);
        snprintf(msg, sizeof msg, text[lang][T_ERASED], t);
        raw(&pg, "<p class=\"erased\" id=\"erased\">");
        esc(&pg, msg);
        raw(&pg, "</p>\n");
    }

    raw(&pg, "<section class=\"facts\"><dl><dt>");
    raw(&pg, text[lang][T_CATEGORY]);
    raw(&pg, "</dt><dd>");
    esc(&pg, cat ? cat : p->category);
    raw(&pg, "</dd>");
    if (p->tower[0]) {
        raw(&pg, "<dt>");
        raw(&pg, text[lang][T_TOWER]);
        raw(&pg, "</dt><dd>");
        esc(&pg, tower ? tower : p->tower);
        raw(&pg, "</dd>");
    }
    raw(&pg, "</dl>");
    if (p->description[0] && !p->erased_at[0]) {
        raw(&pg, "<h2>");
        raw(&pg, text[lang][T_YOURS]);
        raw(&pg, "</h2><p class=\"desc\" id=\"description\">");
        esc(&pg, p->description);
        raw(&pg, "</p>");
    }
    raw(&pg, "</section>\n");

    raw(&pg, "<section class=\"history\"><h2>");
    raw(&pg, text[lang][T_HISTORY]);
    raw(&pg, "</h2><ol id=\"history\">");
    for (int i = p->nhist - 1; i >= 0; i--) { /* newest first */
        hubweb_time_local(p->hist[i].at, t, sizeof t);
        raw(&pg, "<li><time>");
        esc(&pg, t);
        raw(&pg, "</time> <span class=\"to\">");
        esc(&pg, status_name(p->hist[i].to, lang));
        raw(&pg, "</span>");
        if (p->hist[i].has_note && p->hist[i].note[0]) {
            raw(&pg, "<p>");
            esc(&pg, p->hist[i].note);
            raw(&pg, "</p>");
        }
        raw(&pg, "</li>");
    }
    raw(&pg, "</ol></section>\n");
    foot(&pg, lang);
    return page_done(&pg, out);
}

static enum kerr message_page(enum hubweb_lang lang, int h, int p, char **out)
{
    struct page pg = {0};
    head(&pg, lang, text[lang][h]);
    top(&pg, lang, NULL);
    raw(&pg, "<h1>");
    raw(&pg, text[lang][h]);
    raw(&pg, "</h1><p class=\"msg\">");
    raw(&pg, text[lang][p]);
    raw(&pg, "</p>\n");
    foot(&pg, lang);
    return page_done(&pg, out);
}

enum kerr hubweb_phone_not_found(enum hubweb_lang lang, char **out)
{
    return message_page(lang, T_NOTFOUND_H, T_NOTFOUND_P, out);
}

enum kerr hubweb_phone_busy(enum hubweb_lang lang, char **out)
{
    return message_page(lang, T_BUSY_H, T_BUSY_P, out);
}
