/* The engine finds real words and puts the content's names first, chooses
 * partial candidates, pages, and derives readings by itself. */
#include <string.h>

#include "ime.h"
#include "ime_testutil.h"
#include "ktest.h"

static void check_dictionary(struct ime *ime)
{
    char out[IME_MAX_TEXT];
    long i;

    CHECK(ime_input(ime, "falvzixun") == KERR_OK);
    print_top(ime, "falvzixun (before phrases)", 8);
    i = cand_index(ime, "法律咨询");
    CHECK(i >= 0 && i < 5);
    CHECK_STR(ime_preedit(ime), "fa lv zi xun");
    CHECK_STR(ime_raw(ime), "falvzixun");

    CHECK(ime_input(ime, "huanglong") == KERR_OK);
    i = cand_index(ime, "黄龙");
    CHECK(i >= 0 && i < 5);

    /* Typing as it goes: an incomplete last syllable still finds the word. */
    CHECK(ime_input(ime, "falvzix") == KERR_OK);
    i = cand_index(ime, "法律咨询");
    CHECK(i >= 0 && i < 5);
    CHECK_STR(ime_preedit(ime), "fa lv zi x");

    /* Partial choice: 法律 is committed, zixun stays as input. */
    CHECK(ime_input(ime, "falvzixun") == KERR_OK);
    i = cand_index(ime, "法律");
    CHECK(i >= 0);
    if (i >= 0) {
        CHECK(ime_choose(ime, (size_t)i, out, sizeof out) == KERR_OK);
        CHECK_STR(out, "法律");
        CHECK_STR(ime_raw(ime), "zixun");
        CHECK_STR(ime_preedit(ime), "zi xun");
        i = cand_index(ime, "咨询");
        CHECK(i >= 0 && i < 5);
        if (i >= 0) {
            CHECK(ime_choose(ime, (size_t)i, out, sizeof out) == KERR_OK);
            CHECK_STR(out, "咨询");
        }
        CHECK_STR(ime_raw(ime), "");
        CHECK_STR(ime_preedit(ime), "");
        CHECK(ime_candidate_count(ime) == 0);
    }
    /* A single character from a three-syllable input leaves two. */
    CHECK(ime_input(ime, "zhongguoren") == KERR_OK);
    i = cand_index(ime, "中");
    CHECK(i >= 0);
    if (i >= 0) {
        CHECK(ime_choose(ime, (size_t)i, out, sizeof out) == KERR_OK);
        CHECK_STR(out, "中");
        CHECK_STR(ime_raw(ime), "guoren");
        CHECK(ime_candidate_count(ime) > 0);
    }
    /* An explicit separator is honoured and consumed with the choice. */
    CHECK(ime_input(ime, "xi'an") == KERR_OK);
    CHECK(cand_index(ime, "西安") == 0);
    CHECK(ime_input(ime, "xi'anren") == KERR_OK);
    i = cand_index(ime, "西安");
    CHECK(i >= 0);
    if (i >= 0) {
        CHECK(ime_choose(ime, (size_t)i, out, sizeof out) == KERR_OK);
        CHECK_STR(ime_raw(ime), "ren");
    }
    /* Choosing the whole-input candidate empties the input. */
    CHECK(ime_input(ime, "huanglong") == KERR_OK);
    CHECK(ime_choose(ime, 0, out, sizeof out) == KERR_OK);
    CHECK(strlen(out) > 0);
    CHECK_STR(ime_raw(ime), "");
}

static void check_paging(struct ime *ime)
{
    const char *all[IME_MAX_CANDIDATES], *page[7];
    size_t total, got, seen = 0, pages = 0;
    CHECK(ime_input(ime, "shi") == KERR_OK);
    total = ime_candidate_count(ime);
    printf("shi: %zu candidates\n", total);
    CHECK(total > 20 && total <= IME_MAX_CANDIDATES);
    CHECK(ime_candidates(ime, 0, all, IME_MAX_CANDIDATES) == total);
    for (size_t first = 0; pages < 1000; first += 7, pages++) {
        got = ime_candidates(ime, first, page, 7);
        if (got == 0) break;
        for (size_t k = 0; k < got; k++) CHECK(page[k] == all[first + k]);
        seen += got;
        CHECK(got == 7 || first + got == total);
    }
    CHECK(seen == total);
    CHECK(ime_candidates(ime, total, page, 7) == 0);
    CHECK(ime_candidates(ime, total + 100, page, 7) == 0);
    CHECK(ime_candidates(ime, 0, page, 0) == 0);
    /* No duplicates in the list. */
    {
        int dups = 0;
        for (size_t a = 0; a < total; a++)
            for (size_t b = a + 1; b < total; b++)
                if (strcmp(all[a], all[b]) == 0) dups++;
        CHECK(dups == 0);
    }
}

static void check_choose_errors(struct ime *ime)
{
    char small[4], out[IME_MAX_TEXT];
    size_t n;
    CHECK(ime_input(ime, "falvzixun") == KERR_OK);
    n = ime_candidate_count(ime);
    CHECK(ime_choose(ime, n, out, sizeof out) == KERR_NOTFOUND);
    CHECK(ime_choose(ime, 0, small, sizeof small) == KERR_TOOBIG);
    CHECK_STR(ime_raw(ime), "falvzixun");
    CHECK(ime_candidate_count(ime) == n);
    ime_input(ime, "");
    CHECK(ime_choose(ime, 0, out, sizeof out) == KERR_NOTFOUND);
}

static void check_added_phrases(struct ime *ime)
{
    static const char *const names[] = {"妈咪小屋", "法律咨询", "黄龙", "黄龙万科中心"};
    static const char *const reads[] = {"ma mi xiao wu", "fa'lv'zi'xun", "huang long",
                                        "huang long wan ke zhong xin"};
    static const char *const bad_count[] = {"妈咪小屋", "黄龙"};
    static const char *const bad_count_r[] = {"ma mi xiao wu", "huang"};
    static const char *const bad_utf8[] = {"\xE5\xA6"};
    static const char *const bad_utf8_r[] = {"ma"};
    static const char *const bad_letters[] = {"黄龙"};
    static const char *const bad_letters_r[] = {"huang2 long"};
    static const char *const bad_syll[] = {"黄龙"};
    static const char *const bad_syll_r[] = {"hx long"};
    long i;

    CHECK(ime_input(ime, "mamixiaowu") == KERR_OK);
    print_top(ime, "mamixiaowu (before phrases)", 6);
    CHECK(cand_index(ime, "妈咪小屋") != 0);

    /* All or nothing: a bad pair stops the whole batch. */
    CHECK(ime_add_phrases(ime, bad_count, bad_count_r, 2) == KERR_INVALID);
    CHECK(ime_add_phrases(ime, bad_utf8, bad_utf8_r, 1) == KERR_UTF8);
    CHECK(ime_add_phrases(ime, bad_letters, bad_letters_r, 1) == KERR_INVALID);
    CHECK(ime_add_phrases(ime, bad_syll, bad_syll_r, 1) == KERR_INVALID);
    CHECK(ime_input(ime, "mamixiaowu") == KERR_OK);
    CHECK(cand_index(ime, "妈咪小屋") != 0);

    CHECK(ime_add_phrases(ime, names, reads, 4) == KERR_OK);
    CHECK(ime_add_phrases(ime, names, reads, 4) == KERR_OK); /* twice is harmless */
    CHECK(ime_input(ime, "mamixiaowu") == KERR_OK);
    print_top(ime, "mamixiaowu (after phrases)", 6);
    CHECK(cand_index(ime, "妈咪小屋") == 0);
    CHECK(ime_input(ime, "falvzixun") == KERR_OK);
    CHECK(cand_index(ime, "法律咨询") == 0);
    CHECK(ime_input(ime, "huanglong") == KERR_OK);
    CHECK(cand_index(ime, "黄龙") == 0);
    CHECK(ime_input(ime, "huanglongwankezhongxin") == KERR_OK);
    CHECK(cand_index(ime, "黄龙万科中心") == 0);
    /* Abbreviated: initials only still reach the content name. */
    CHECK(ime_input(ime, "mmxw") == KERR_OK);
    print_top(ime, "mmxw", 6);
    i = cand_index(ime, "妈咪小屋");
    CHECK(i >= 0 && i < 5);
    /* A shorter added name does not push out the whole-input guess. */
    CHECK(ime_input(ime, "huanglongdasha") == KERR_OK);
    print_top(ime, "huanglongdasha", 6);
    i = cand_index(ime, "黄龙");
    CHECK(i >= 1 && i < 5);
}

static void check_auto_phrases(const char *parent)
{
    struct ime_config cfg = {.tmp_parent = parent};
    struct ime *ime = NULL;
    static const char *const names[] = {"妈咪小屋", "黄龙", "银行", "西溪湿地"};
    static const char *const bad[] = {"黄龙A"};
    char out[IME_MAX_TEXT];
    CHECK(ime_open(&cfg, &ime) == KERR_OK);
    if (!ime) return;
    CHECK(ime_add_phrases_auto(ime, bad, 1) == KERR_INVALID);
    CHECK(ime_add_phrases_auto(ime, names, 4) == KERR_OK);
    CHECK(ime_input(ime, "mamixiaowu") == KERR_OK);
    CHECK(cand_index(ime, "妈咪小屋") == 0);
    CHECK(ime_input(ime, "yinhang") == KERR_OK); /* 行 has hang and xing */
    CHECK(cand_index(ime, "银行") == 0);
    CHECK(ime_input(ime, "xixishidi") == KERR_OK);
    CHECK(cand_index(ime, "西溪湿地") == 0);
    CHECK(ime_choose(ime, 0, out, sizeof out) == KERR_OK);
    CHECK_STR(out, "西溪湿地");
    ime_close(ime);
}

int main(void)
{
    char parent[512];
    struct ime *ime = NULL;
    CHECK(test_parent(parent, sizeof parent, "phrases") != NULL);
    struct ime_config cfg = {.tmp_parent = parent};
    CHECK(ime_open(&cfg, &ime) == KERR_OK);
    if (!ime) return ktest_done("ime_phrases");
    check_dictionary(ime);
    check_paging(ime);
    check_choose_errors(ime);
    check_added_phrases(ime);
    ime_close(ime);
    check_auto_phrases(parent);
    CHECK(dir_entries(parent) == 0);
    rmdir(parent);
    return ktest_done("ime_phrases");
}
