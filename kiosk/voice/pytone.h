/* pytone: Chinese text -> tone-numbered pinyin for espeak-ng's
 * cmn-latn-pinyin voice ("您好" -> "nin2 hao3"). The reading of each hanzi is
 * chosen by phrase: libpinyin segments the text into its dictionary's words
 * (pinyin_phrase_segment) and gives each word's pronunciation (银行 -> yin
 * hang, 行走 -> xing zou); libpinyin's data has no tones, so the tone of
 * each (character, syllable) comes from a table generated at build time from
 * Unicode's Unihan readings (gen_pytone.py). A character outside any word gets
 * its customary reading (kMandarin). Digits become Chinese numbers (2026 ->
 * er4 qian1 ling2 er4 shi2 liu4), or one by one with PYTONE_SPELL; Latin
 * letters are spelled with Chinese approximations of their English names;
 * punctuation becomes a pause (", " or ". "). Words found wrong after phrase
 * choice are fixed by a small override table in pytone.c. The tones are the
 * spoken ones (tone sandhi): 一 and 不 change by the tone that follows (一定
 * yi2 ding4, 一天 yi4 tian1, 不是 bu2 shi4; 一 keeps yi1 between digits and
 * after 第), and a third tone before a third becomes a second (你好 ni2
 * hao3). Digits read one by one say 1 as yao1, as ticket and phone numbers
 * are read aloud.
 * Threads: a struct pytone owns a libpinyin context; open, convert and close
 * it on one thread (the voice worker; a test's thread). No SDL, no audio. */
#ifndef PYTONE_H
#define PYTONE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kerr.h"

struct pytone;

enum pytone_flags {
    PYTONE_SPELL = 1, /* digits and letters one by one (a ticket number, a code) */
};

/* Opens libpinyin's system dictionary from data_dir (NULL: env
 * KIOSK_PINYIN_DATA or the Debian folder). KERR_NOTFOUND when the data is
 * missing, KERR_NOMEM; *out is NULL then. */
enum kerr pytone_open(const char *data_dir, struct pytone **out);
void pytone_close(struct pytone *p);

/* Writes the tone-numbered pinyin of UTF-8 text into out (NUL-terminated,
 * syllables separated by spaces, pauses as ", " and ". "). KERR_OK;
 * KERR_TOOBIG when out is too small (out holds what fitted); KERR_UTF8 for
 * invalid UTF-8. Characters without any reading are skipped. */
enum kerr pytone_text(struct pytone *p, const char *utf8, unsigned flags, char *out, size_t outsz);

/* The tone (1-5) of code point cp read as toneless syllable syl, 0 when the
 * table does not know the pair. Any thread. */
int pytone_tone(uint32_t cp, const char *syl);

/* The customary reading of cp ("xing2" for 行) into out[8]; false when the
 * table does not know cp. Any thread. */
bool pytone_default(uint32_t cp, char out[8]);

#endif
