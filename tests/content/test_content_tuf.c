/* Signed content bundles against the attacks of the TUF conformance suite:
 * each bad bundle is refused with its reason recorded for the heartbeat
 * (state.json "error", what kclient sends as content_error), and the
 * installed bundle stays current and complete. Also: a good bundle installs
 * and switches; a root rotation is accepted and the old root then refused. */
#include "ctest_util.h"
#include "ktest.h"

#ifndef BUNDLE_SRC
#error "BUNDLE_SRC: the default content bundle"
#endif

static struct ctest T;
static struct cinstall_cfg C;

static int64_t current(void)
{
    struct cinstall_info i;
    char why[CINSTALL_WHY_SIZE], p[600];
    if (cinstall_current(T.state, &i) != KERR_OK) return 0;
    snprintf(p, sizeof p, "%s/b-%lld", T.state, (long long)i.version);
    if (cinstall_verify_installed(p, NULL, why) != KERR_OK) {
        fprintf(stderr, "installed bundle damaged: %s\n", why);
        return -1;
    }
    return i.version;
}

/* Applies file; it must be refused with `want` in the reason, in the state
 * (heartbeat) too, and leave version `keep` current. */
static void refused(const char *what, const char *file, const char *want, int64_t keep)
{
    char why[CINSTALL_WHY_SIZE];
    int64_t v = 0;
    struct cinstall_state st;
    enum kerr e = cinstall_apply(&C, file, (int64_t)time(NULL), &v, why);
    cinstall_state_load(T.state, &st);
    printf("%-44s -> %s\n", what, why);
    CHECK(e != KERR_OK);
    CHECK(strstr(why, want) != NULL);
    CHECK(strstr(st.error, want) != NULL);
    CHECK(current() == keep);
}

static void accepted(const char *what, const char *file, int64_t want)
{
    char why[CINSTALL_WHY_SIZE];
    int64_t v = 0;
    enum kerr e = cinstall_apply(&C, file, (int64_t)time(NULL), &v, why);
    printf("%-44s -> %s\n", what, e == KERR_OK ? "installed" : why);
    CHECK(e == KERR_OK);
    CHECK(v == want);
    CHECK(current() == want);
}

static char *F(const char *name)
{
    static char buf[8][600];
    static int k;
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%s/%s", T.dir, name);
    return buf[k];
}

/* An archive with the metadata of bundle `meta_from` and the given content
 * entries. */
static void forge(const char *meta_from, const struct ct_entry *content, int n, int gz,
                  const char *out)
{
    struct cbundle_meta m;
    char why[CBUNDLE_WHY_SIZE];
    struct ct_entry e[16];
    int k = 0;
    CHECK(cbundle_peek(meta_from, &m, why) == KERR_OK);
    e[k++] = (struct ct_entry){"manifest.json", AE_IFREG, m.manifest, m.manifest_len, -1, NULL};
    e[k++] = (struct ct_entry){"keys.json", AE_IFREG, m.keys, m.keys_len, -1, NULL};
    for (int i = 0; i < n && k < 16; i++) e[k++] = content[i];
    CHECK(ct_tar(out, e, k, gz) == 0);
    cbundle_meta_free(&m);
}

int main(void)
{
    char a[600], b[600], rk[600], kj[600];
    size_t alen = 0;
    char *cj;
    CHECK(ct_setup(&T) == 0);
    ct_cfg(&T, &C);
    snprintf(rk, sizeof rk, "%s/root.key", T.dir);
    snprintf(kj, sizeof kj, "%s/keys.json", T.trust);
    CHECK(ct_content(&T, BUNDLE_SRC, "A", "示例通知甲", a, sizeof a) == 0);
    CHECK(ct_content(&T, BUNDLE_SRC, "B", "示例通知乙", b, sizeof b) == 0);

    /* v1 and v2 install and switch */
    CHECK(ct_sign(&T, "pub1", a, 1, 30, 0, "all", F("v1.tar")) == KERR_OK);
    accepted("v1 signed by a publisher", F("v1.tar"), 1);
    CHECK(ct_sign(&T, "pub1", b, 2, 30, 0, "tower:t03,kiosk:HL-X", F("v2.tar")) == KERR_OK);
    accepted("v2 for this kiosk's tower", F("v2.tar"), 2);

    /* replays and freezes */
    refused("older version replayed (v1 after v2)", F("v1.tar"), "not newer", 2);
    CHECK(ct_sign(&T, "pub1", a, 2, 30, 0, "all", F("v2b.tar")) == KERR_OK);
    refused("same version, other content", F("v2b.tar"), "not newer", 2);
    CHECK(ct_sign(&T, "pub1", a, 3, 30, (int64_t)time(NULL) - 40 * 86400, "all", F("old.tar")) == KERR_OK);
    refused("expired manifest (freeze)", F("old.tar"), "expired", 2);
    CHECK(ct_sign(&T, "pub1", a, 3, 30, 0, "tower:t09", F("t09.tar")) == KERR_OK);
    refused("staged to another tower", F("t09.tar"), "not for this kiosk", 2);

    /* keys */
    CHECK(ct_sign(&T, "stranger", a, 3, 30, 0, "all", F("stranger.tar")) == KERR_OK);
    refused("signature by an unknown key", F("stranger.tar"), "unknown or revoked", 2);
    {
        static const char *const p2[] = {"pub2"};
        CHECK(ct_keys_list(&T, rk, 2, p2, 1, kj) == 0); /* pub1 revoked */
        CHECK(ct_sign(&T, "pub2", a, 3, 30, 0, "all", F("v3.tar")) == KERR_OK);
        accepted("v3 by pub2 with key list v2 (pub1 revoked)", F("v3.tar"), 3);
        CHECK(ct_sign(&T, "pub1", b, 4, 30, 0, "all", F("revoked.tar")) == KERR_OK);
        refused("signature by a revoked key", F("revoked.tar"), "unknown or revoked", 3);
        refused("revoked key with the old key list", F("v2.tar"), "older than the installed", 3);
    }

    /* mix-and-match, endless data, traversal, links, devices, bombs */
    CHECK(ct_sign(&T, "pub2", a, 4, 30, 0, "all", F("v4.tar")) == KERR_OK);
    {
        char p[700];
        size_t blen = 0;
        char *bj;
        snprintf(p, sizeof p, "%s/content.json", b);
        bj = ct_slurp(p, &blen);
        snprintf(p, sizeof p, "%s/content.json", a);
        cj = ct_slurp(p, &alen);
        CHECK(bj && cj && alen == blen); /* same length: only the hash tells them apart */
        {
            struct ct_entry e[] = {{"content/content.json", AE_IFREG, bj, blen, -1, NULL}};
            forge(F("v4.tar"), e, 1, 0, F("mix.tar"));
            refused("manifest of v4 with files of another", F("mix.tar"), "SHA-256 differs", 3);
        }
        {
            char *longer = malloc(alen + 4096);
            memcpy(longer, cj, alen);
            memset(longer + alen, ' ', 4096);
            struct ct_entry e[] = {{"content/content.json", AE_IFREG, longer, alen + 4096, -1, NULL}};
            forge(F("v4.tar"), e, 1, 0, F("longer.tar"));
            refused("a file longer than its manifest says", F("longer.tar"), "the manifest says", 3);
            free(longer);
        }
        free(bj);
    }
    {
        struct ct_entry e[] = {{"content/../../evil.txt", AE_IFREG, "x", 1, -1, NULL}};
        forge(F("v4.tar"), e, 1, 0, F("trav.tar"));
        refused("path traversal (content/../../evil.txt)", F("trav.tar"), "path not allowed", 3);
        CHECK(access(F("evil.txt"), F_OK) != 0);
    }
    {
        struct ct_entry e[] = {{"content/content.json", AE_IFLNK, "/etc/passwd", 0, -1, NULL}};
        forge(F("v4.tar"), e, 1, 0, F("sym.tar"));
        refused("symlink in the archive", F("sym.tar"), "not a regular file", 3);
    }
    {
        struct ct_entry e[] = {{"content/content.json", AE_IFREG, NULL, 0, -1, "content/x"}};
        forge(F("v4.tar"), e, 1, 0, F("hard.tar"));
        refused("hard link in the archive", F("hard.tar"), "not a regular file", 3);
    }
    {
        struct ct_entry e[] = {{"content/content.json", AE_IFCHR, NULL, 0, -1, NULL}};
        forge(F("v4.tar"), e, 1, 0, F("dev.tar"));
        refused("device in the archive", F("dev.tar"), "not a regular file", 3);
    }
    {
        /* 1 GiB of zeros that gzip shrinks to about 1 MB */
        struct ct_entry e[] = {{"content/content.json", AE_IFREG, NULL, 0, 1LL << 30, NULL}};
        struct timespec t0, t1;
        forge(F("v4.tar"), e, 1, 1, F("bomb.tar.gz"));
        clock_gettime(CLOCK_MONOTONIC, &t0);
        refused("archive bomb (1 GiB of zeros, gzip)", F("bomb.tar.gz"), "the manifest says", 3);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        CHECK(t1.tv_sec - t0.tv_sec < 5);
    }
    {
        /* a manifest that itself promises 8 GiB */
        struct cmeta_manifest m = {0};
        struct cmeta_file f = {.path = "content.json", .size = 8ULL << 30};
        struct csign_key *k = NULL;
        char kp[600], *text = NULL, *env = NULL, *keys;
        size_t klen = 0;
        memset(f.sha256, 'a', 64);
        m.version = 4;
        m.created = (int64_t)time(NULL);
        m.expires = m.created + 86400;
        snprintf(m.min_kiosk_version, sizeof m.min_kiosk_version, "0.1.0");
        m.ntargets = 1;
        snprintf(m.targets[0], sizeof m.targets[0], "all");
        m.files = &f;
        m.nfiles = 1;
        snprintf(kp, sizeof kp, "%s/pub2.key", T.dir);
        CHECK(csign_key_load(kp, &k) == KERR_OK);
        CHECK(cmeta_manifest_encode(&m, &text) == KERR_OK);
        CHECK(csign_envelope_make(text, &k, 1, &env) == KERR_OK);
        keys = ct_slurp(kj, &klen);
        {
            struct ct_entry e[] = {{"manifest.json", AE_IFREG, env, strlen(env), -1, NULL},
                                   {"keys.json", AE_IFREG, keys, klen, -1, NULL}};
            CHECK(ct_tar(F("huge.tar"), e, 2, 0) == 0);
        }
        refused("a manifest promising 8 GiB", F("huge.tar"), "over the limit", 3);
        csign_key_free(k);
        free(text);
        free(env);
        free(keys);
    }
    /* nothing of the refused bundles is left behind */
    {
        char p[700];
        snprintf(p, sizeof p, "%s/staging", T.state);
        CHECK(access(p, F_OK) != 0);
    }

    /* root rotation: accepted when signed by old and new; the old root is
     * then refused */
    {
        static const char *const p2[] = {"pub2"};
        char r2[600], rk2[600];
        snprintf(r2, sizeof r2, "%s/root-2.json", T.trust);
        snprintf(rk2, sizeof rk2, "%s/root2.key", T.dir);
        CHECK(ct_root(&T, "stranger", "root2", 2, r2) == 0);
        CHECK(ct_keys_list(&T, rk2, 3, p2, 1, kj) == 0);
        CHECK(ct_sign(&T, "pub2", b, 5, 30, 0, "all", F("badrot.tar")) == KERR_OK);
        refused("root rotation not signed by the old root", F("badrot.tar"), "rotation not signed", 3);
        CHECK(ct_root(&T, "root", "root2", 2, r2) == 0);
        CHECK(ct_sign(&T, "pub2", b, 5, 30, 0, "all", F("v5.tar")) == KERR_OK);
        accepted("root rotation v1 -> v2", F("v5.tar"), 5);
        unlink(r2);
        CHECK(ct_keys_list(&T, rk, 4, p2, 1, kj) == 0); /* signed by the old root */
        CHECK(ct_sign(&T, "pub2", a, 6, 30, 0, "all", F("oldroot.tar")) == KERR_OK);
        refused("key list signed by the old root", F("oldroot.tar"), "not signed by the trusted root v2", 5);
        CHECK(ct_keys_list(&T, rk2, 4, p2, 1, kj) == 0);
        CHECK(ct_sign(&T, "pub2", a, 6, 30, 0, "all", F("v6.tar")) == KERR_OK);
        accepted("v6 under the new root", F("v6.tar"), 6);
    }

    /* trial: a second start during the trial rolls back to the previous */
    {
        struct cinstall_info info;
        struct cinstall_state st;
        cinstall_boot(&C, &info);
        CHECK(info.version == 6); /* first start on v6: its trial begins */
        cinstall_boot(&C, &info);
        CHECK(info.version == 5); /* started again before mark-good: crashed */
        cinstall_state_load(T.state, &st);
        CHECK(strstr(st.error, "v6 rolled back") != NULL);
        refused("the rolled-back version again", F("v6.tar"), "not newer", 5);
        cinstall_mark_good(T.state, 5);
        cinstall_boot(&C, &info);
        CHECK(info.version == 5);
    }
    free(cj);
    {
        char cmd[400];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", T.dir);
        CHECK(system(cmd) == 0);
    }
    return ktest_done("content_bundles_refuse_tuf_attacks_keep_old");
}
