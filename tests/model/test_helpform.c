/* helpform: phone rules and masking, field checks (empty, too long, emoji
 * the font cannot draw, control characters, invalid UTF-8), SQL-looking
 * text carried verbatim into the typed request, limits on appending, wiping,
 * and company matching by hanzi, pinyin and initials. Sample data only. */
#include <stdlib.h>
#include <string.h>

#include "helpform.h"
#include "hzpinyin.h"
#include "ktest.h"

static bool no_emoji(uint32_t cp, void *ud)
{
    (void)ud;
    return cp < 0x1F000;
}

int main(int argc, char **argv)
{
    struct helpform f;
    char buf[64];
    struct content *c = NULL;
    struct content_report rep;

    /* phones */
    CHECK(helpform_phone_valid("13800001234"));
    CHECK(helpform_phone_valid("19912345678"));
    CHECK(!helpform_phone_valid("12345678901")); /* 11 digits, not a mobile */
    CHECK(!helpform_phone_valid("1380000123"));
    CHECK(!helpform_phone_valid("138000012345"));
    CHECK(helpform_phone_valid("0571-88880000"));
    CHECK(helpform_phone_valid("057188880000"));
    CHECK(helpform_phone_valid("010-1234567"));
    CHECK(!helpform_phone_valid("0571-888"));
    CHECK(!helpform_phone_valid("05-7188880000"));
    CHECK(!helpform_phone_valid("138 0000 1234"));
    CHECK(!helpform_phone_valid(""));
    CHECK_STR(helpform_phone_masked("13800001234", buf, sizeof buf), "138****1234");
    CHECK_STR(helpform_phone_masked("057188880000", buf, sizeof buf), "0571****0000");
    CHECK_STR(helpform_phone_masked("138", buf, sizeof buf), "138");

    /* field checks */
    memset(&f, 0, sizeof f);
    CHECK(helpform_check(&f, HF_COMPANY, NULL, NULL, NULL, CONTENT_ZH) != NULL);
    CHECK_STR(helpform_check(&f, HF_COMPANY, NULL, NULL, NULL, CONTENT_ZH), "请选择或填写公司名称");
    CHECK_STR(helpform_check(&f, HF_NAME, NULL, NULL, NULL, CONTENT_EN), "Enter a contact name");
    snprintf(f.company, sizeof f.company, "示例公司");
    CHECK(helpform_check(&f, HF_COMPANY, NULL, no_emoji, NULL, CONTENT_ZH) == NULL);
    snprintf(f.desc, sizeof f.desc, "需要帮助\xF0\x9F\x98\x80"); /* U+1F600 */
    CHECK(helpform_check(&f, HF_DESC, NULL, no_emoji, NULL, CONTENT_ZH) != NULL);
    CHECK(strstr(helpform_check(&f, HF_DESC, NULL, no_emoji, NULL, CONTENT_ZH), "表情") != NULL);
    snprintf(f.desc, sizeof f.desc, "bad \x01 byte");
    CHECK(helpform_check(&f, HF_DESC, NULL, NULL, NULL, CONTENT_ZH) != NULL);
    snprintf(f.desc, sizeof f.desc, "bad \xC0\xAF utf8");
    CHECK(helpform_check(&f, HF_DESC, NULL, NULL, NULL, CONTENT_ZH) != NULL);
    snprintf(f.phone, sizeof f.phone, "12345678901");
    CHECK_STR(helpform_check(&f, HF_PHONE, NULL, NULL, NULL, CONTENT_ZH),
              "请输入正确的手机号或带区号的固定电话");

    /* appending stops at the limit and leaves the text as it was */
    memset(&f, 0, sizeof f);
    for (int i = 0; i < 2000; i++) helpform_append(f.desc, sizeof f.desc, HELPFORM_DESC_MAX, "字");
    CHECK(strlen(f.desc) == HELPFORM_DESC_MAX * 3);
    CHECK(!helpform_append(f.desc, sizeof f.desc, HELPFORM_DESC_MAX, "a"));
    helpform_backspace(f.desc);
    CHECK(strlen(f.desc) == (HELPFORM_DESC_MAX - 1) * 3);
    CHECK(helpform_check(&f, HF_DESC, NULL, NULL, NULL, CONTENT_ZH) == NULL);

    /* The form fills the typed request once; SQL-looking text goes in verbatim */
    memset(&f, 0, sizeof f);
    snprintf(f.category_id, sizeof f.category_id, "legal");
    snprintf(f.company, sizeof f.company, "示例公司'); DROP TABLE requests; --");
    snprintf(f.name, sizeof f.name, "王女士\"");
    snprintf(f.phone, sizeof f.phone, "13800001234");
    snprintf(f.tower_id, sizeof f.tower_id, "t01");
    snprintf(f.desc, sizeof f.desc, "1 OR 1=1; 换行\n第二行");
    {
        struct api_help_request r;
        static const struct api_help_request zero;
        char *enc = NULL;
        memset(&r, 0x5A, sizeof r);
        CHECK(helpform_request(&f, CONTENT_ZH, &r) == KERR_OK);
        CHECK_STR(r.company_name, "示例公司'); DROP TABLE requests; --");
        CHECK(r.company_id_null && r.company_id[0] == '\0');
        CHECK_STR(r.contact_name, "王女士\"");
        CHECK_STR(r.phone, "13800001234");
        CHECK_STR(r.tower, "t01");
        CHECK_STR(r.category, "legal");
        CHECK_STR(r.description, "1 OR 1=1; 换行\n第二行");
        CHECK_STR(r.lang, "zh");
        /* left for the outbox to stamp */
        CHECK(!r.ticket[0] && !r.kiosk_id[0] && !r.created_at[0] && !r.check[0] &&
              !r.receipt_ticket[0]);
        /* once stamped it is a request the hub takes */
        snprintf(r.ticket, sizeof r.ticket, "HL-A01-100000001");
        snprintf(r.kiosk_id, sizeof r.kiosk_id, "HL-A01");
        snprintf(r.created_at, sizeof r.created_at, "2026-11-25T01:30:00Z");
        CHECK(api_help_request_encode(&r, &enc) == KERR_OK && enc && strstr(enc, "\"id\":null"));
        free(enc);
        snprintf(f.company_id, sizeof f.company_id, "c012");
        CHECK(helpform_request(&f, CONTENT_EN, &r) == KERR_OK);
        CHECK(!r.company_id_null && strcmp(r.company_id, "c012") == 0);
        CHECK_STR(r.lang, "en");
        explicit_bzero(&r, sizeof r);
        CHECK(memcmp(&r, &zero, sizeof r) == 0);
    }
    helpform_wipe(&f);
    {
        static const struct helpform zero;
        CHECK(memcmp(&f, &zero, sizeof f) == 0);
    }

    /* companies by hanzi, pinyin and initials (needs the default bundle) */
    if (argc > 1 && hzpinyin_open(NULL) == KERR_OK &&
        content_load(argv[1], &c, &rep) == KERR_OK) {
        const struct content_company *m[8];
        struct helpform_companies *ix = helpform_companies_build(c);
        size_t n;
        hzpinyin_close(); /* the index keeps what it needs */
        n = helpform_match_companies(ix, "公司B-2", m, 8);
        CHECK(n == 1 && strcmp(m[0]->name.zh, "示例公司B-2") == 0);
        n = helpform_match_companies(ix, "slgsb2", m, 8);
        CHECK(n == 1 && strcmp(m[0]->name.zh, "示例公司B-2") == 0);
        n = helpform_match_companies(ix, "shiligongsib", m, 8);
        CHECK(n >= 2);
        CHECK(helpform_match_companies(ix, "", NULL, 0) == c->n_companies);
        CHECK(helpform_match_companies(ix, "zzzz", m, 8) == 0);
        helpform_companies_free(ix);
        content_free(c);
    } else {
        CHECK(!"default bundle or pinyin data missing");
    }
    hzpinyin_close();
    return ktest_done("helpform");
}
