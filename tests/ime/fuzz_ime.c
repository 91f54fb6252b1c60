/* fuzz_ime: arbitrary bytes as keyboard sessions. The input is split at
 * '\n'; each line is given to ime_input (whatever it holds: refused lines
 * must leave the session intact), and each byte of a line that starts with
 * '#' picks a candidate to choose. libpinyin aborts on some inputs it is
 * handed directly ("'" alone), so this guards the normalisation in ime.c. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ime.h"

/* libpinyin's own leaks (see tests/ime/lsan.supp), for both fuzz modes. By
 * library object first: those match without llvm-symbolizer (issue 10). */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libdb-5.3.so\nleak:libpinyin.so\nleak:pinyin_init\nleak:pinyin_lookup_tokens\n";
}
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "fast_unwind_on_malloc=0";
}

static struct ime *ime;

/* Berkeley DB (inside libpinyin) keeps its page cache behind offsets that
 * LSan cannot follow, so the engine is closed at exit like the kiosk does. */
static void close_at_exit(void)
{
    ime_close(ime);
    ime = NULL;
}

static void ensure_open(void)
{
    static const char *const names[] = {"妈咪小屋", "法律咨询", "黄龙"};
    static const char *const reads[] = {"ma mi xiao wu", "fa lv zi xun", "huang long"};
    if (ime) return;
    if (ime_open(NULL, &ime) != KERR_OK) abort();
    atexit(close_at_exit);
    if (ime_add_phrases(ime, names, reads, 3) != KERR_OK) abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    ensure_open();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char line[IME_MAX_INPUT * 2 + 1], out[IME_MAX_TEXT];
    size_t i = 0;
    ensure_open();
    ime_reset(ime);
    while (i < size) {
        size_t n = 0;
        while (i < size && data[i] != '\n') {
            if (n < sizeof line - 1) line[n++] = (char)data[i];
            i++;
        }
        i++; /* the '\n' */
        line[n] = '\0';
        if (n > 0 && line[0] == '#') {
            for (size_t k = 1; k < n; k++) {
                size_t c = ime_candidate_count(ime);
                if (c == 0) break;
                if (ime_choose(ime, (unsigned char)line[k] % c, out, sizeof out) != KERR_OK) abort();
            }
            continue;
        }
        {
            const char *before = ime_raw(ime);
            char saved[IME_MAX_INPUT + 1];
            size_t len = strlen(before);
            if (len > IME_MAX_INPUT) abort();
            memcpy(saved, before, len + 1);
            if (ime_input(ime, line) != KERR_OK && strcmp(saved, ime_raw(ime)) != 0) abort();
        }
        {
            const char *page[8];
            size_t got = ime_candidates(ime, 0, page, 8);
            for (size_t k = 0; k < got; k++)
                if (strlen(page[k]) >= IME_MAX_TEXT) abort();
            if (strlen(ime_preedit(ime)) > 2 * IME_MAX_INPUT + 1) abort();
        }
    }
    return 0;
}
