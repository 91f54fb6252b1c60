#include "helpform.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hzpinyin.h"
#include "utf8.h"

static const char *msg(enum content_lang l, const char *zh, const char *en)
{
    return l == CONTENT_EN ? en : zh;
}

bool helpform_phone_valid(const char *p)
{
    size_t n = strlen(p), digits = 0;
    for (size_t i = 0; i < n; i++) {
        if (isdigit((unsigned char)p[i])) digits++;
        else if (p[i] != '-') return false;
    }
    if (n == 11 && digits == 11 && p[0] == '1' && p[1] >= '3' && p[1] <= '9') return true;
    if (p[0] == '0' && p[1] >= '1' && p[1] <= '9') {
        /* 0 + area code (2-3 digits) + number (7-8 digits), with or without '-' */
        const char *dash = strchr(p, '-');
        if (dash) {
            size_t area = (size_t)(dash - p), num = strlen(dash + 1);
            if (strchr(dash + 1, '-')) return false;
            return (area == 3 || area == 4) && (num == 7 || num == 8);
        }
        return digits >= 10 && digits <= 12;
    }
    return false;
}

const char *helpform_phone_masked(const char *p, char *buf, size_t n)
{
    size_t len = strlen(p);
    if (len == 11 && p[0] == '1')
        snprintf(buf, n, "%.3s****%s", p, p + 7);
    else if (len >= 10 && p[0] == '0')
        snprintf(buf, n, "%.*s****%s", (int)(len - 8), p, p + len - 4);
    else
        snprintf(buf, n, "%s", p);
    return buf;
}

/* First problem in text: invalid UTF-8, a control character, or a code
 * point the font cannot draw. */
static const char *text_problem(const char *s, helpform_glyph_fn has_glyph, void *ud,
                                enum content_lang l)
{
    uint32_t cp;
    if (!utf8_valid(s, strlen(s))) return msg(l, "文字编码有误，请重新输入", "Invalid text; please retype");
    while ((cp = utf8_next(&s)) != 0) {
        if (cp < 0x20 && cp != '\n') return msg(l, "含有控制字符，请删除", "Contains control characters");
        if (has_glyph && cp > 0x7F && !has_glyph(cp, ud))
            return msg(l, "含有无法显示的字符（如表情符号），请删除后再试",
                       "Contains characters that cannot be shown (such as emoji)");
    }
    return NULL;
}

static bool blank(const char *s)
{
    while (*s == ' ' || *s == '\n') s++;
    return *s == 0;
}

const char *helpform_check(const struct helpform *f, enum helpform_field field,
                           const struct content *c, helpform_glyph_fn has_glyph, void *ud,
                           enum content_lang l)
{
    switch (field) {
    case HF_COMPANY:
        if (blank(f->company)) return msg(l, "请选择或填写公司名称", "Choose or type your company");
        if (utf8_count(f->company) > HELPFORM_COMPANY_MAX)
            return msg(l, "公司名称最多40个字", "Company name: at most 40 characters");
        return text_problem(f->company, has_glyph, ud, l);
    case HF_NAME:
        if (blank(f->name)) return msg(l, "请填写联系人姓名", "Enter a contact name");
        if (utf8_count(f->name) > HELPFORM_NAME_MAX)
            return msg(l, "姓名最多20个字", "Name: at most 20 characters");
        return text_problem(f->name, has_glyph, ud, l);
    case HF_PHONE:
        if (!f->phone[0]) return msg(l, "请填写联系电话", "Enter a phone number");
        if (!helpform_phone_valid(f->phone))
            return msg(l, "请输入正确的手机号或带区号的固定电话",
                       "Enter a mobile number or a landline with area code");
        return NULL;
    case HF_TOWER:
        if (!f->tower_id[0]) return msg(l, "请选择所在楼宇", "Choose your tower");
        if (c && !content_tower(c, f->tower_id)) return msg(l, "请选择所在楼宇", "Choose your tower");
        return NULL;
    case HF_DESC:
        if (blank(f->desc)) return msg(l, "请简要描述需求", "Describe what you need");
        if (utf8_count(f->desc) > HELPFORM_DESC_MAX)
            return msg(l, "描述最多300字", "Description: at most 300 characters");
        return text_problem(f->desc, has_glyph, ud, l);
    case HF__COUNT:
        break;
    }
    return NULL;
}

bool helpform_append(char *dst, size_t cap, size_t max_cp, const char *text)
{
    size_t len = strlen(dst), add = strlen(text);
    if (len + add + 1 > cap) return false;
    if (utf8_count(dst) + utf8_count(text) > max_cp) return false;
    memcpy(dst + len, text, add + 1);
    return true;
}

void helpform_backspace(char *s)
{
    size_t n = strlen(s);
    if (n == 0) return;
    n--;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) n--;
    s[n] = 0;
}

/* Copies src into dst; false when it does not fit. */
static bool put_field(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n + 1 > cap) return false;
    memcpy(dst, src, n + 1);
    return true;
}

enum kerr helpform_request(const struct helpform *f, enum content_lang lang,
                           struct api_help_request *out)
{
    bool ok;
    memset(out, 0, sizeof *out);
    out->company_id_null = f->company_id[0] == '\0';
    ok = put_field(out->category, sizeof out->category, f->category_id) &&
         put_field(out->company_id, sizeof out->company_id, f->company_id) &&
         put_field(out->company_name, sizeof out->company_name, f->company) &&
         put_field(out->contact_name, sizeof out->contact_name, f->name) &&
         put_field(out->phone, sizeof out->phone, f->phone) &&
         put_field(out->tower, sizeof out->tower, f->tower_id) &&
         put_field(out->description, sizeof out->description, f->desc) &&
         put_field(out->lang, sizeof out->lang, lang == CONTENT_EN ? "en" : "zh");
    if (!ok) {
        explicit_bzero(out, sizeof *out);
        return KERR_TOOBIG;
    }
    return KERR_OK;
}

void helpform_wipe(struct helpform *f)
{
    volatile unsigned char *p = (volatile unsigned char *)f;
    for (size_t i = 0; i < sizeof *f; i++) p[i] = 0;
}

/* Pinyin and initials of a name ("示例科技" -> "shilikeji", "slkj"). */
static void pinyin_of(const char *name, char *full, size_t fn, char *init, size_t in)
{
    size_t f = 0, i = 0;
    uint32_t cp;
    while ((cp = utf8_next(&name)) != 0) {
        const char *r[1];
        if (hzpinyin_get(cp, r, 1) == 1) {
            size_t l = strlen(r[0]);
            if (f + l + 1 < fn) {
                memcpy(full + f, r[0], l);
                f += l;
            }
            if (i + 2 < in) init[i++] = r[0][0];
        }
    }
    full[f] = 0;
    init[i] = 0;
}

struct company_py {
    char full[256], init[64];
};

struct helpform_companies {
    const struct content *c;
    struct company_py *py;
};

struct helpform_companies *helpform_companies_build(const struct content *c)
{
    struct helpform_companies *ix = calloc(1, sizeof *ix);
    if (!ix) return NULL;
    ix->c = c;
    ix->py = calloc(c && c->n_companies ? c->n_companies : 1, sizeof *ix->py);
    if (!ix->py) {
        free(ix);
        return NULL;
    }
    for (size_t i = 0; c && i < c->n_companies; i++)
        pinyin_of(c->companies[i].name.zh, ix->py[i].full, sizeof ix->py[i].full,
                  ix->py[i].init, sizeof ix->py[i].init);
    return ix;
}

void helpform_companies_free(struct helpform_companies *ix)
{
    if (!ix) return;
    free(ix->py);
    free(ix);
}

size_t helpform_match_companies(const struct helpform_companies *ix, const char *query,
                                const struct content_company **out, size_t max)
{
    const struct content *c = ix ? ix->c : NULL;
    char q[64];
    size_t n = 0, qn = 0;
    for (const char *p = query; *p && qn + 1 < sizeof q; p++)
        if (*p != ' ' && *p != '\'') q[qn++] = (char)tolower((unsigned char)*p);
    q[qn] = 0;
    for (size_t i = 0; c && i < c->n_companies; i++) {
        const struct content_company *co = &c->companies[i];
        bool hit = qn == 0 || strstr(co->name.zh, query) != NULL ||
                   strstr(ix->py[i].full, q) != NULL || strstr(ix->py[i].init, q) != NULL;
        if (!hit && co->name.en) {
            char en[256];
            size_t k = 0;
            for (const char *p = co->name.en; *p && k + 1 < sizeof en; p++)
                en[k++] = (char)tolower((unsigned char)*p);
            en[k] = 0;
            hit = strstr(en, q) != NULL;
        }
        if (hit) {
            if (n < max) out[n] = co;
            n++;
        }
    }
    return n;
}
