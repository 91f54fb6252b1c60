/* ime: the pinyin input engine under the on-screen keyboard, a thin wrapper
 * over libpinyin (system data from Debian's libpinyin-data). The kiosk is
 * shared, so nothing typed is ever learned: libpinyin gets a private throw-away
 * user directory (mkdtemp, removed by ime_close), is never trained or saved,
 * and dynamic adjustment is off. Content names added with ime_add_phrases come
 * first among candidates. One struct ime per keyboard; not thread-safe: the
 * thread that opens it owns it, and every call that reaches libpinyin must be
 * made on that thread (debug builds assert it). In the kiosk that thread is
 * the engine's own (imew.h), never the UI thread. No SDL here. */
#ifndef IME_H
#define IME_H

#include <stdbool.h>
#include <stddef.h>

#include "kerr.h"

/* Most raw pinyin letters one session input may hold (a-z and '). */
#define IME_MAX_INPUT 64
/* Most candidates kept for one input; libpinyin's tail beyond is dropped. */
#define IME_MAX_CANDIDATES 256
/* Longest candidate or phrase text in bytes, NUL included (libpinyin caps a
 * phrase at 15 characters; a sentence candidate may be longer). */
#define IME_MAX_TEXT 256
/* Longest preedit ("fa lv zi xun"), NUL included. */
#define IME_MAX_PREEDIT (IME_MAX_INPUT * 2 + 2)

struct ime;

struct ime_config {
    /* libpinyin system data; NULL: the pkg-config pkgdatadir + "/data"
     * found at build time (/usr/lib/x86_64-linux-gnu/libpinyin/data). */
    const char *system_dir;
    /* Where the private user directory is created; NULL: $TMPDIR or /tmp. */
    const char *tmp_parent;
    /* Also load the GBK table (rare characters). Off keeps the list short. */
    bool gbk;
};

/* Opens libpinyin with a fresh mkdtemp user directory "kiosk-ime-XXXXXX"
 * under cfg->tmp_parent, owned by the calling thread (cfg may be NULL for all defaults); the directory
 * only ever holds a copy of the data's version lines (user.conf), nothing
 * typed. On success *out owns everything; on failure *out is NULL, the
 * directory is already removed and the result is KERR_NOTFOUND (system data
 * missing), KERR_IO (cannot create the directory), KERR_TOOBIG (path too
 * long) or KERR_NOMEM. About 2 ms (the data is mmapped): call once. */
enum kerr ime_open(const struct ime_config *cfg, struct ime **out);

/* Wipes the session, frees libpinyin and removes the private user directory
 * and anything in it. NULL is a no-op. On the owner thread. */
void ime_close(struct ime *ime);

/* Adds n content names (phrases[i], 1..15 hanzi, valid UTF-8) with toneless
 * readings (pinyins[i]: syllables separated by ' or a space, "fa'lv'zi'xun",
 * ü written v; hzpinyin_phrase(..., '\'') output fits), so that they are
 * offered first when their pinyin, or an abbreviation libpinyin accepts
 * ("mmxw"), is typed: first of all when at least as long as the whole-input
 * guess, else right after it. Everything is validated before
 * anything is added: on failure nothing is added and the result is KERR_UTF8,
 * KERR_INVALID (reading not a-z/'/space, syllable count differs from the
 * character count, a syllable libpinyin does not know, or a phrase outside
 * 1..15 characters) or KERR_TOOBIG (a string over IME_MAX_TEXT or more than
 * 4096 phrases in total). Adding the same pair twice is harmless. Lives in
 * memory only; there is no removal: for a new content bundle, ime_close and
 * ime_open again (2 ms). Resets the current session input. */
enum kerr ime_add_phrases(struct ime *ime, const char *const *phrases,
                          const char *const *pinyins, size_t n);

/* Like ime_add_phrases, with readings derived from libpinyin itself: the
 * phrase's own readings when libpinyin knows the word, else every combination
 * of each character's readings (up to 16 combinations, then only the first
 * reading per character). A phrase with a character libpinyin does not know
 * makes the call fail with KERR_INVALID and nothing is added. */
enum kerr ime_add_phrases_auto(struct ime *ime, const char *const *phrases, size_t n);

/* Sets the raw pinyin typed so far in this session (a-z and the ' separator,
 * at most IME_MAX_INPUT bytes; NULL or "" clears it) and recomputes the
 * candidates (p99 ~2 ms per key on the dev box, see bench_ime). The input is
 * kept in canonical form: a leading ' and doubled '' are dropped (so "'"
 * alone becomes ""); read it back with ime_raw. On failure the previous
 * input and candidates stay as they were:
 * KERR_TOOBIG (longer than IME_MAX_INPUT), KERR_UTF8 (not valid UTF-8) or
 * KERR_INVALID (anything else: digits, uppercase, spaces, emoji). */
enum kerr ime_input(struct ime *ime, const char *letters);

/* Number of candidates for the current input (0 when there is no input or
 * nothing parses). Added phrases first, then libpinyin's order, no
 * duplicates. */
size_t ime_candidate_count(const struct ime *ime);

/* Paging: stores pointers to candidates [first, first+max) in out and returns
 * how many were stored (0 when first is past the end). The strings belong to
 * ime and stay valid until the next ime_input, ime_choose, ime_reset,
 * ime_add_phrases* or ime_close. */
size_t ime_candidates(const struct ime *ime, size_t first, const char **out, size_t max);

/* Commits candidate index: copies its text into committed (cap bytes, NUL
 * terminated) for the caller to insert into the field. If the candidate
 * covers only the beginning of the input, the rest stays as input
 * (ime_raw/ime_preedit) with new candidates; otherwise the input becomes
 * empty. Nothing is learned. On failure nothing changes: KERR_NOTFOUND
 * (index >= count), KERR_TOOBIG (cap too small). */
enum kerr ime_choose(struct ime *ime, size_t index, char *committed, size_t cap);

/* The raw letters still pending ("" when none), exactly as typed minus what
 * ime_choose consumed: a backspace key drops its last byte and calls
 * ime_input again. Valid until the next call that changes the input. */
const char *ime_raw(const struct ime *ime);

/* The pending pinyin segmented for display: "fa lv zi xun"; letters that do
 * not parse are appended as typed. "" when nothing is pending. Same
 * lifetime as ime_raw. */
const char *ime_preedit(const struct ime *ime);

/* Wipes the session: input, candidates and libpinyin's per-session state.
 * Call when a person leaves. Added phrases stay (they are content). */
void ime_reset(struct ime *ime);

/* The engine's libpinyin context (pinyin_context_t *), for hzpinyin to
 * look up readings in the same dictionary instead of loading a second copy,
 * on the owner thread only (hzpinyin_open_owned). Valid until ime_close. */
void *ime_pinyin_context(struct ime *ime);

#endif
