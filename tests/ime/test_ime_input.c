/* Input validation and odd shapes: bad input is refused with a clear kerr and
 * leaves the session as it was; separators in any position neither crash
 * libpinyin nor lose letters; random letter soup (bounded by count and time)
 * never breaks the engine's invariants. */
#include <string.h>
#include <time.h>

#include "ime.h"
#include "ime_testutil.h"
#include "ktest.h"

static void check_refused(struct ime *ime)
{
    char a65[IME_MAX_INPUT + 2], a64[IME_MAX_INPUT + 1];
    size_t n;
    memset(a65, 'a', IME_MAX_INPUT + 1);
    a65[IME_MAX_INPUT + 1] = '\0';
    memset(a64, 'a', IME_MAX_INPUT);
    a64[IME_MAX_INPUT] = '\0';

    CHECK(ime_input(ime, "falv") == KERR_OK);
    n = ime_candidate_count(ime);
    CHECK(n > 0);
    CHECK(ime_input(ime, "fa1") == KERR_INVALID);           /* digit */
    CHECK(ime_input(ime, "FALV") == KERR_INVALID);          /* uppercase */
    CHECK(ime_input(ime, "fa lv") == KERR_INVALID);         /* space */
    CHECK(ime_input(ime, "fa\xF0\x9F\x98\x80") == KERR_INVALID); /* emoji U+1F600 */
    CHECK(ime_input(ime, "法律") == KERR_INVALID);          /* hanzi */
    CHECK(ime_input(ime, "fa;drop table") == KERR_INVALID);
    CHECK(ime_input(ime, "fa\xFF") == KERR_UTF8);           /* not UTF-8 */
    CHECK(ime_input(ime, "fa\xC0\xAF") == KERR_UTF8);       /* overlong */
    CHECK(ime_input(ime, a65) == KERR_TOOBIG);
    /* Each refusal left the session untouched. */
    CHECK_STR(ime_raw(ime), "falv");
    CHECK(ime_candidate_count(ime) == n);
    CHECK_STR(ime_preedit(ime), "fa lv");

    CHECK(ime_input(ime, a64) == KERR_OK); /* exactly the limit */
    CHECK(strlen(ime_raw(ime)) == IME_MAX_INPUT);
    CHECK(ime_input(ime, NULL) == KERR_OK);
    CHECK_STR(ime_raw(ime), "");
    CHECK(ime_candidate_count(ime) == 0);
    CHECK(ime_input(ime, "") == KERR_OK);
    CHECK(ime_candidate_count(ime) == 0);
}

static void check_separators(struct ime *ime)
{
    char out[IME_MAX_TEXT];
    CHECK(ime_input(ime, "'") == KERR_OK); /* libpinyin alone would abort here */
    CHECK_STR(ime_raw(ime), "");
    CHECK(ime_candidate_count(ime) == 0);
    CHECK(ime_input(ime, "'''") == KERR_OK);
    CHECK_STR(ime_raw(ime), "");
    CHECK(ime_input(ime, "'a") == KERR_OK);
    CHECK_STR(ime_raw(ime), "a");
    CHECK(ime_candidate_count(ime) > 0);
    CHECK(ime_input(ime, "nihao'") == KERR_OK); /* and here */
    CHECK_STR(ime_raw(ime), "nihao'");
    CHECK(cand_index(ime, "你好") == 0);
    CHECK_STR(ime_preedit(ime), "ni hao");
    CHECK(ime_choose(ime, 0, out, sizeof out) == KERR_OK);
    CHECK_STR(ime_raw(ime), "");
    CHECK(ime_input(ime, "xi''an") == KERR_OK);
    CHECK_STR(ime_raw(ime), "xi'an");
    CHECK(cand_index(ime, "西安") == 0);
    CHECK_STR(ime_preedit(ime), "xi an");
    /* Letters that are no pinyin stay visible and choosable by the caller. */
    CHECK(ime_input(ime, "vvv") == KERR_OK);
    CHECK_STR(ime_raw(ime), "vvv");
    CHECK(ime_candidate_count(ime) == 0);
    CHECK_STR(ime_preedit(ime), "vvv");
    CHECK(ime_input(ime, "nihaovvv") == KERR_OK);
    CHECK(ime_candidate_count(ime) > 0);
    CHECK(strstr(ime_preedit(ime), "vvv") != NULL);
    CHECK(ime_choose(ime, 0, out, sizeof out) == KERR_OK);
    CHECK_STR(ime_raw(ime), "vvv");
}

static int valid_raw(const char *s)
{
    if (strlen(s) > IME_MAX_INPUT) return 0;
    if (s[0] == '\'') return 0;
    for (; *s; s++) {
        if (!((*s >= 'a' && *s <= 'z') || *s == '\'')) return 0;
        if (s[0] == '\'' && s[1] == '\'') return 0;
    }
    return 1;
}

/* Random soup, biased towards separators and real initials. */
static void check_random(struct ime *ime)
{
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz''''zhchsh";
    unsigned seed = 20240601u;
    char in[40], out[IME_MAX_TEXT];
    time_t start = time(NULL);
    int rounds = 0, chosen = 0, bad = 0;
    for (; rounds < 250 && time(NULL) - start < 60; rounds++) {
        size_t len = ((seed = seed * 1103515245u + 12345u) >> 16) % 21;
        for (size_t i = 0; i < len; i++) {
            seed = seed * 1103515245u + 12345u;
            in[i] = alphabet[(seed >> 16) % (sizeof alphabet - 1)];
        }
        in[len] = '\0';
        if (ime_input(ime, in) != KERR_OK) bad++;
        /* Choose until nothing is left: each choice consumes input. */
        for (int k = 0; k < IME_MAX_INPUT && ime_candidate_count(ime) > 0; k++) {
            size_t before = strlen(ime_raw(ime));
            seed = seed * 1103515245u + 12345u;
            size_t pick = (seed >> 16) % ime_candidate_count(ime);
            if (ime_choose(ime, pick, out, sizeof out) != KERR_OK) bad++;
            chosen++;
            if (strlen(ime_raw(ime)) >= before) bad++;
            if (!valid_raw(ime_raw(ime))) bad++;
            if (strlen(ime_preedit(ime)) > 2 * IME_MAX_INPUT + 1) bad++;
        }
    }
    printf("random: %d inputs, %d choices, %d broken invariants\n", rounds, chosen, bad);
    CHECK(rounds >= 100);
    CHECK(chosen > rounds);
    CHECK(bad == 0);
}

int main(void)
{
    char parent[512];
    struct ime *ime = NULL;
    struct ime_config bad = {.system_dir = "/nonexistent/libpinyin"};
    CHECK(test_parent(parent, sizeof parent, "input") != NULL);
    struct ime_config cfg = {.tmp_parent = parent};

    bad.tmp_parent = parent;
    CHECK(ime_open(&bad, &ime) == KERR_NOTFOUND);
    CHECK(ime == NULL);
    CHECK(dir_entries(parent) == 0);
    {
        struct ime_config nodir = {.tmp_parent = "/nonexistent/tmp"};
        CHECK(ime_open(&nodir, &ime) == KERR_IO);
        CHECK(ime == NULL);
    }

    CHECK(ime_open(&cfg, &ime) == KERR_OK);
    if (!ime) return ktest_done("ime_input");
    check_refused(ime);
    check_separators(ime);
    check_random(ime);
    /* The GBK table (rare characters) only adds candidates. */
    {
        struct ime_config gcfg = {.tmp_parent = parent, .gbk = true};
        struct ime *g = NULL;
        size_t plain;
        CHECK(ime_input(ime, "shi") == KERR_OK);
        plain = ime_candidate_count(ime);
        CHECK(ime_open(&gcfg, &g) == KERR_OK);
        if (g) {
            CHECK(ime_input(g, "shi") == KERR_OK);
            printf("shi: %zu candidates, %zu with GBK\n", plain, ime_candidate_count(g));
            CHECK(ime_candidate_count(g) > plain);
            ime_close(g);
        }
    }
    ime_close(ime);
    ime_close(NULL);
    CHECK(dir_entries(parent) == 0);
    rmdir(parent);
    return ktest_done("ime_input");
}
