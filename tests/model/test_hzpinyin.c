/* hzpinyin reads libpinyin's dictionary: known readings, polyphones, phrase
 * readings, ASCII passthrough, and what happens without data. */
#include <string.h>

#include "hzpinyin.h"
#include "kclock.h"
#include "ktest.h"

static int has(uint32_t cp, const char *want)
{
    const char *r[HZPINYIN_MAX_READINGS];
    size_t n = hzpinyin_get(cp, r, HZPINYIN_MAX_READINGS);
    for (size_t i = 0; i < n; i++)
        if (strcmp(r[i], want) == 0) return 1;
    return 0;
}

int main(void)
{
    char buf[64];
    const char *r[4];
    uint64_t t0;

    /* Without data nothing is found and nothing crashes. */
    CHECK(hzpinyin_open("/nonexistent/pinyin") == KERR_NOTFOUND);
    CHECK(!hzpinyin_ready());
    CHECK(hzpinyin_get(0x6CD5, r, 4) == 0);

    t0 = kclock_mono_ms();
    CHECK(hzpinyin_open(NULL) == KERR_OK);
    printf("hzpinyin_open: %llu ms\n", (unsigned long long)(kclock_mono_ms() - t0));
    CHECK(hzpinyin_ready());
    CHECK(hzpinyin_open(NULL) == KERR_OK); /* idempotent */

    CHECK(has(0x6CD5, "fa"));   /* 法 */
    CHECK(has(0x5F8B, "lv"));   /* 律 */
    CHECK(has(0x670D, "fu"));   /* 服 */
    CHECK(has(0x52A1, "wu"));   /* 务 */
    CHECK(has(0x884C, "xing")); /* 行: polyphone */
    CHECK(has(0x884C, "hang"));
    CHECK(has(0x957F, "chang")); /* 长 */
    CHECK(has(0x957F, "zhang"));
    CHECK(has(0x9EC4, "huang")); /* 黄 */
    CHECK(has(0x9F99, "long"));  /* 龙 */
    CHECK(!has(0x6CD5, "fo"));
    CHECK(hzpinyin_get(0xFF0C, r, 4) == 0); /* fullwidth comma */
    CHECK(hzpinyin_get(' ', r, 4) == 0);
    CHECK(hzpinyin_get('Q', r, 4) == 1 && strcmp(r[0], "q") == 0);
    CHECK(hzpinyin_get(0x884C, r, 1) == 1); /* max respected */

    CHECK(hzpinyin_phrase("法律服务", 0, buf, sizeof buf) == KERR_OK);
    CHECK_STR(buf, "falvfuwu");
    CHECK(hzpinyin_phrase("黄龙", '\'', buf, sizeof buf) == KERR_OK);
    CHECK_STR(buf, "huang'long");
    CHECK(hzpinyin_phrase("银行", '\'', buf, sizeof buf) == KERR_OK);
    CHECK_STR(buf, "yin'hang");
    CHECK(hzpinyin_phrase("A座", '\'', buf, sizeof buf) == KERR_OK);
    CHECK_STR(buf, "a'zuo");
    CHECK(hzpinyin_phrase("法律服务", 0, buf, 4) == KERR_TOOBIG);
    CHECK(hzpinyin_phrase("\xff", 0, buf, sizeof buf) == KERR_UTF8);

    hzpinyin_close();
    CHECK(!hzpinyin_ready());
    CHECK(hzpinyin_get(0x6CD5, r, 4) == 0);
    hzpinyin_close();
    return ktest_done("hzpinyin_reads_libpinyin");
}
