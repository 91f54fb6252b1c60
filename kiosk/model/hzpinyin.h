/* hzpinyin: the toneless pinyin readings of a Chinese character, looked up in
 * libpinyin's own dictionary (Debian libpinyin-data, through libpinyin's API)
 * at run time -- never typed by hand. Readings are lowercase ASCII without
 * tones, 'v' stands for u-umlaut ("lv", "nv"), in libpinyin's order.
 * The table is process-global and loaded once by hzpinyin_open*(); readings
 * are cached on first use. libpinyin itself is only ever called on the thread
 * that owns it: the calling thread after hzpinyin_open(), or the owner given
 * to hzpinyin_open_owned() (the pinyin engine's thread, kiosk/ime/imew.h),
 * to which each lookup of a character not yet cached is handed, synchronously
 * (debug builds assert the thread). The table is not thread-safe: open, look
 * up and close from one thread at a time (the UI thread, in idle time). */
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

/* The thread that owns libpinyin, and how to run work on it. */
struct hzpinyin_owner {
    /* Runs fn(arg) on the owner thread and returns when it has run (inline
     * when called there); e.g. imew_run. fn never waits for the caller. */
    void (*run)(void *ud, void (*fn)(void *arg), void *arg);
    void *ud;
    /* A libpinyin context (pinyin_context_t *) opened on that thread to
     * share -- the input engine's, imew_pinyin_context() -- so that the
     * dictionary is in memory once; borrowed: close hzpinyin before its owner
     * frees it. NULL: hzpinyin opens its own there, as hzpinyin_open(NULL). */
    void *context;
};

/* Like hzpinyin_open(NULL), but every libpinyin call (open, lookups, close)
 * runs on owner->run's thread; lookups from the caller's thread wait for it
 * (a character once, then it is cached). Idempotent as hzpinyin_open. Same
 * results; owner is copied. */
enum kerr hzpinyin_open_owned(const struct hzpinyin_owner *owner);

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

/* Frees the table (libpinyin's part on its owner thread); hzpinyin_get()
 * then finds nothing. Safe to call twice. */
void hzpinyin_close(void);

#endif
