/* Nothing typed is learned: a rare candidate chosen many times keeps its
 * place, within a session and after ime_reset. The same procedure run on a
 * bare libpinyin context that trains (as a desktop IME does) moves the
 * candidate up, which shows the measurement can see learning. Also: the
 * private user directory stays free of learned data and is gone after close. */
#include <stdbool.h>
#include <string.h>

#define PINYIN_C_TU kime_test_forgets
#include "pinyin_c.h"

#include "ime.h"
#include "ime_testutil.h"
#include "ktest.h"

#define ROUNDS 40
#define INPUT "shi"
#define SNAP 64

static size_t snapshot(const struct ime *ime, char snap[SNAP][IME_MAX_TEXT])
{
    const char *c[SNAP];
    size_t n = ime_candidates(ime, 0, c, SNAP);
    for (size_t i = 0; i < n; i++) snprintf(snap[i], IME_MAX_TEXT, "%s", c[i]);
    return n;
}

/* Index of text for INPUT on a bare libpinyin instance, or -1. */
static long lp_index_of(pinyin_instance_t *in, const char *text, lookup_candidate_t **out)
{
    guint n = 0;
    pinyin_reset(in);
    pinyin_parse_more_full_pinyins(in, INPUT);
    pinyin_guess_sentence(in);
    pinyin_guess_candidates(in, 0, SORT_BY_PHRASE_LENGTH_AND_PINYIN_LENGTH_AND_FREQUENCY);
    pinyin_get_n_candidate(in, &n);
    for (guint i = 0; i < n; i++) {
        lookup_candidate_t *cd = NULL;
        const gchar *s = NULL;
        if (pinyin_get_candidate(in, i, &cd) && pinyin_get_candidate_string(in, cd, &s) && s &&
            strcmp(s, text) == 0) {
            if (out) *out = cd;
            return (long)i;
        }
    }
    return -1;
}

/* Control: a learning libpinyin (choose + train, as ibus-libpinyin does). */
static void control_learning_is_visible(const char *parent, const char *rare)
{
    char udir[600];
    pinyin_context_t *ctx;
    pinyin_instance_t *in;
    long before, after = -1;
    snprintf(udir, sizeof udir, "%s/control-XXXXXX", parent);
    CHECK(mkdtemp(udir) != NULL);
    ctx = pinyin_init("/usr/lib/x86_64-linux-gnu/libpinyin/data", udir);
    CHECK(ctx != NULL);
    if (!ctx) return;
    pinyin_set_options(ctx, IS_PINYIN | PINYIN_INCOMPLETE | PINYIN_CORRECT_ALL | USE_DIVIDED_TABLE |
                                USE_RESPLIT_TABLE | DYNAMIC_ADJUST);
    pinyin_unload_phrase_library(ctx, GBK_DICTIONARY);
    in = pinyin_alloc_instance(ctx);
    before = lp_index_of(in, rare, NULL);
    for (int r = 0; r < ROUNDS; r++) {
        lookup_candidate_t *cd = NULL;
        if (lp_index_of(in, rare, &cd) < 0) break;
        pinyin_choose_candidate(in, 0, cd);
        pinyin_guess_sentence(in);
        pinyin_train(in, 0);
    }
    after = lp_index_of(in, rare, NULL);
    printf("control (learning libpinyin): %s moved from %ld to %ld\n", rare, before, after);
    CHECK(before > 0 && after >= 0 && after < before);
    pinyin_free_instance(in);
    pinyin_fini(ctx); /* never saved, so the directory is still empty */
    rmdir(udir);
}

int main(void)
{
    char parent[512], userdir[1024] = "";
    char first[SNAP][IME_MAX_TEXT], again[SNAP][IME_MAX_TEXT], rare[IME_MAX_TEXT], out[IME_MAX_TEXT];
    struct ime *ime = NULL;
    size_t n0, n1;
    long r0, r;
    CHECK(test_parent(parent, sizeof parent, "forgets") != NULL);
    struct ime_config cfg = {.tmp_parent = parent};
    CHECK(ime_open(&cfg, &ime) == KERR_OK);
    if (!ime) return ktest_done("ime_forgets");

    /* The private user directory: exactly one, holding only user.conf. */
    {
        DIR *d = opendir(parent);
        struct dirent *e;
        int n = 0;
        while (d && (e = readdir(d)) != NULL)
            if (strncmp(e->d_name, "kiosk-ime-", 10) == 0) {
                snprintf(userdir, sizeof userdir, "%s/%s", parent, e->d_name);
                n++;
            }
        if (d) closedir(d);
        CHECK(n == 1);
        CHECK(dir_entries(userdir) == 1);
    }

    CHECK(ime_input(ime, INPUT) == KERR_OK);
    n0 = snapshot(ime, first);
    CHECK(n0 == SNAP);
    r0 = 40; /* a rare single character, far down the list */
    memcpy(rare, first[r0], sizeof rare);
    printf("rare candidate for %s: %s at %ld\n", INPUT, rare, r0);

    /* Chosen ROUNDS times, also as part of a longer input. */
    for (int k = 0; k < ROUNDS; k++) {
        CHECK(ime_input(ime, INPUT) == KERR_OK);
        r = cand_index(ime, rare);
        CHECK(r == r0);
        if (r < 0) break;
        CHECK(ime_choose(ime, (size_t)r, out, sizeof out) == KERR_OK);
        CHECK_STR(out, rare);
        CHECK(ime_input(ime, INPUT "jian") == KERR_OK);
        r = cand_index(ime, rare);
        if (r >= 0) CHECK(ime_choose(ime, (size_t)r, out, sizeof out) == KERR_OK);
    }
    /* Same session: unchanged. */
    CHECK(ime_input(ime, INPUT) == KERR_OK);
    CHECK(cand_index(ime, rare) == r0);
    /* Next person: unchanged, whole list identical. */
    ime_reset(ime);
    CHECK_STR(ime_raw(ime), "");
    CHECK(ime_candidate_count(ime) == 0);
    CHECK(ime_input(ime, INPUT) == KERR_OK);
    n1 = snapshot(ime, again);
    CHECK(n1 == n0);
    for (size_t i = 0; i < n0 && i < n1; i++) CHECK_STR(again[i], first[i]);
    printf("after %d choices and a reset: %s at %ld\n", ROUNDS, rare, cand_index(ime, rare));

    /* Nothing was written to the private directory while in use. */
    CHECK(dir_entries(userdir) == 1);
    ime_close(ime);
    CHECK(dir_entries(userdir) == -1); /* removed */

    control_learning_is_visible(parent, rare);
    CHECK(dir_entries(parent) == 0);
    rmdir(parent);
    return ktest_done("ime_forgets");
}
