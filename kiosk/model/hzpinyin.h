/* hzpinyin: the toneless pinyin readings of a Chinese character, looked up in
 * libpinyin's own dictionary (Debian libpinyin-data, through libpinyin's API)
 * at run time -- never typed by hand. Readings are lowercase ASCII without
 * tones, 'v' stands for u-umlaut ("lv", "nv"), in libpinyin's order.
 * The table is process-global and loaded once by hzpinyin_open(); after that
 * lookups are read-only. Open, close and the first lookups of a new character
 * are not thread-safe: call them from one thread (the UI thread). */
#ifndef HZPINYIN_H
#define HZPINYIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kerr.h"

#define HZPINYIN_MAX_READINGS 8 /* a character has at most this many kept */
#define HZPINYIN_MAX_LEN 7      /* longest toneless syllable ("zhuang") + 1 */

/* Loads libpinyin's system dictionary from data_dir (NULL: the Debian
 * default, /usr/lib/x86_64-linux-gnu/libpinyin/data, or env
 * KIOSK_PINYIN_DATA). Idempotent: a second call returns KERR_OK at once.
 * Returns KERR_NOTFOUND when the data is missing, KERR_NOMEM; on failure
 * nothing stays loaded and hzpinyin_get() finds nothing. */
enum kerr hzpinyin_open(const char *data_dir);

/* Same, on a libpinyin context (pinyin_context_t *) that another module
 * already opened -- the input engine's, see ime_pinyin_context() -- so that
 * the dictionary is in memory once. The context is borrowed: close hzpinyin
 * before its owner frees it. */
enum kerr hzpinyin_open_shared(void *pinyin_context);

/* True once hzpinyin_open() has succeeded (and until hzpinyin_close()). */
bool hzpinyin_ready(void);

/* Writes up to max pointers to the readings of code point cp into out (in
 * libpinyin's order, not by frequency; strings owned by the table, valid until hzpinyin_close())
 * and returns how many it wrote. ASCII letters and digits return themselves
 * lowercased as one reading; anything without a reading (punctuation, a
 * character libpinyin does not know, or the table not open) returns 0. */
size_t hzpinyin_get(uint32_t cp, const char **out, size_t max);

/* Writes the pinyin of a UTF-8 phrase into out (NUL-terminated, at most
 * outsz bytes), syllables separated by sep (e.g. '\'' for libpinyin phrase
 * import, or 0 for none). A phrase libpinyin knows as a word gets that
 * word's reading ("银行" -> yin'hang); otherwise each character's first
 * reading; non-hanzi ASCII letters/digits are copied lowercased, other
 * characters are skipped. Returns KERR_OK, KERR_NOTFOUND if a hanzi has no
 * reading (out then holds what was done), KERR_TOOBIG if out is too small,
 * KERR_UTF8 for invalid UTF-8. */
enum kerr hzpinyin_phrase(const char *utf8, char sep, char *out, size_t outsz);

/* Frees the table; hzpinyin_get() then finds nothing. Safe to call twice. */
void hzpinyin_close(void);

#endif
