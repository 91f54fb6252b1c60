/* pytone: the pinyin sent to espeak-ng's cmn-latn-pinyin voice reads the
 * tricky 多音字 by phrase, with their tones, and numbers, letters and
 * punctuation come out sensibly.
 * 朝阳: libpinyin gives the word two readings, chao'yang first (the place
 * name, as in 朝阳区 / 朝阳社区, which is what a lobby kiosk names) and
 * zhao'yang second (the morning sun); the kiosk takes libpinyin's first, so
 * chao2 yang2 is asserted. */
#include <stdio.h>
#include <string.h>

#include "ktest.h"
#include "pytone.h"

static void expect(struct pytone *p, const char *text, unsigned flags, const char *want)
{
    char out[1024];
    CHECK(pytone_text(p, text, flags, out, sizeof out) == KERR_OK);
    if (strcmp(out, want) != 0) fprintf(stderr, "%s -> \"%s\", want \"%s\"\n", text, out, want);
    CHECK_STR(out, want);
}

int main(void)
{
    struct pytone *p = NULL;
    char out[16];
    CHECK(pytone_open(NULL, &p) == KERR_OK);
    if (!p) return ktest_done("pytone");

    /* 多音字, chosen by phrase */
    expect(p, "银行", 0, "yin2 hang2");
    expect(p, "行走", 0, "xing2 zou3");
    expect(p, "重庆", 0, "chong2 qing4");
    expect(p, "重新", 0, "chong2 xin1");
    expect(p, "长辈", 0, "zhang3 bei4");
    expect(p, "成长", 0, "cheng2 zhang3");
    expect(p, "朝阳", 0, "chao2 yang2");
    expect(p, "朝代", 0, "chao2 dai4");
    expect(p, "您", 0, "nin2");
    expect(p, "您好", 0, "nin2 hao3");
    /* the same characters in one sentence keep their words' readings */
    expect(p, "重庆银行重新开门", 0, "chong2 qing4 yin2 hang2 chong2 xin1 kai1 men2");
    /* the kiosk's own titles */
    expect(p, "妈咪小屋", 0, "ma1 mi1 xiao3 wu1");
    expect(p, "十分钟服务圈", 0, "shi2 fen1 zhong1 fu2 wu4 quan1");
    expect(p, "长辈模式", 0, "zhang3 bei4 mo2 shi4");
    expect(p, "语音播报", 0, "yu3 yin1 bo1 bao4");
    expect(p, "关于黄龙", 0, "guan1 yu2 huang2 long2");
    expect(p, "我要求助", 0, "wo3 yao4 qiu2 zhu4");
    expect(p, "通知公告", 0, "tong1 zhi1 gong1 gao4");
    /* a lone character: its customary reading */
    expect(p, "行", 0, "xing2");

    /* numbers as Chinese numbers, one by one when spelled */
    expect(p, "13栋", 0, "shi2 san1 dong4");
    expect(p, "2026年", 0, "liang3 qian1 ling2 er4 shi2 liu4 nian2");
    expect(p, "105", 0, "yi4 bai3 ling2 wu3");
    expect(p, "1000", 0, "yi4 qian1");
    expect(p, "10000", 0, "yi2 wan4");
    expect(p, "11", 0, "shi2 yi1");
    expect(p, "30分钟", 0, "san1 shi2 fen1 zhong1");
    expect(p, "437000001", PYTONE_SPELL, "si4 san1 qi1 ling2 ling2 ling2 ling2 ling2 yao1");
    expect(p, "HL-A01", PYTONE_SPELL, "ai2 qi1 ai2 ou1 ei1 ling2 yao1");
    expect(p, "09:30", 0, "ling2 jiu3 dian3 san1 shi2");
    expect(p, "每天 8:05–21:00（示例）", 0, "mei3 tian1 ba1 dian3 ling2 wu3 dao4 er4 shi2 yi1 dian3 zheng3, shi4 li4");
    /* the overrides (pytone.c): each fixes a reading libpinyin's phrase choice leaves wrong */
    expect(p, "从任何一幢楼出发", 0, "cong2 ren4 he2 yi2 zhuang4 lou2 chu1 fa1");
    expect(p, "拼音太长，请先选字", 0, "pin1 yin1 tai4 chang2, qing3 xian1 xuan3 zi4");
    expect(p, "商圈", 0, "shang1 quan1");
    /* punctuation is a pause; Latin letters are spelled */
    expect(p, "您好，请选择。", 0, "nin2 hao3, qing2 xuan3 ze2."); /* 请选: 3-3 */
    expect(p, "QR码", 0, "kiu1 a1 er3 ma3");

    /* tone sandhi, as the words are spoken: 一 and 不 by what follows, and a
     * third tone before a third */
    expect(p, "一定", 0, "yi2 ding4");
    expect(p, "一天", 0, "yi4 tian1");
    expect(p, "一年", 0, "yi4 nian2");
    expect(p, "一起", 0, "yi4 qi3");
    expect(p, "第一", 0, "di4 yi1");
    expect(p, "十一", 0, "shi2 yi1");
    expect(p, "一百", 0, "yi4 bai3");
    expect(p, "统一", 0, "tong3 yi1");
    expect(p, "不是", 0, "bu2 shi4");
    expect(p, "不好", 0, "bu4 hao3");
    expect(p, "不", 0, "bu4");
    expect(p, "你好", 0, "ni2 hao3");
    expect(p, "展览馆", 0, "zhan2 lan2 guan3");
    expect(p, "我很好", 0, "wo3 hen2 hao3");
    expect(p, "", 0, "");

    /* the table: tones of (character, syllable) */
    CHECK(pytone_tone(0x884C, "hang") == 2); /* 行 */
    CHECK(pytone_tone(0x884C, "xing") == 2);
    CHECK(pytone_tone(0x957F, "zhang") == 3); /* 长 */
    CHECK(pytone_tone(0x957F, "chang") == 2);
    CHECK(pytone_tone(0x7684, "de") == 5); /* 的 */
    CHECK(pytone_tone(0x884C, "qq") == 0);
    CHECK(pytone_default(0x60A8, out) && strcmp(out, "nin2") == 0);

    /* bad input and a small buffer */
    CHECK(pytone_text(p, "\xff\xfe", 0, out, sizeof out) == KERR_UTF8);
    CHECK(pytone_text(p, "十分钟服务圈", 0, out, 8) == KERR_TOOBIG);
    pytone_close(p);
    return ktest_done("pytone");
}
