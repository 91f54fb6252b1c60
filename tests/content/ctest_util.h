/* ctest_util: a throw-away trust set-up for the content tests: a root key,
 * publisher keys, root.json and keys.json in a temp folder, bundles signed
 * with them, and hand-made archives for the attacks (libarchive). Header
 * only; included by one test file each. */
#ifndef CTEST_UTIL_H
#define CTEST_UTIL_H

#define _GNU_SOURCE
#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cbundle.h"
#include "cinstall.h"
#include "cmeta.h"
#include "csign.h"

struct ctest {
    char dir[256];   /* temp folder */
    char trust[300]; /* keys.json, root-N.json for signing */
    char root_json[300];
    char state[300]; /* the kiosk's <state>/content */
};

static inline void ct_path(char *out, size_t n, const char *a, const char *b)
{
    snprintf(out, n, "%s/%s", a, b);
}

static inline int ct_write(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    fputs(text, f);
    return fclose(f);
}

/* root key "root", publisher "pub1"; keys.json v1 = {pub1} */
static inline int ct_keys_list(struct ctest *t, const char *root_key, int version,
                               const char *const *pubs, int npubs, const char *out)
{
    struct csign_key *rk = NULL;
    struct csign_keyset set = {0};
    char *text = NULL, *env = NULL, p[400];
    int rc = -1;
    if (csign_key_load(root_key, &rk) != KERR_OK) return -1;
    for (int i = 0; i < npubs; i++) {
        char pub[CSIGN_PUB_SIZE];
        snprintf(p, sizeof p, "%s/%s.pub", t->dir, pubs[i]);
        if (csign_pub_load(p, pub) != KERR_OK) goto out;
        csign_keyset_add(&set, pub);
    }
    if (cmeta_keys_encode("publishers", version, (int64_t)time(NULL) + 86400 * 365, &set, &text) ==
            KERR_OK &&
        csign_envelope_make(text, &rk, 1, &env) == KERR_OK)
        rc = ct_write(out, env);
out:
    csign_key_free(rk);
    free(text);
    free(env);
    return rc;
}

static inline int ct_root(struct ctest *t, const char *old_key, const char *new_key, int version,
                          const char *out)
{
    struct csign_key *k[2] = {NULL, NULL};
    struct csign_keyset set = {0};
    char *text = NULL, *env = NULL, p[400];
    int rc = -1, nk = old_key ? 2 : 1;
    snprintf(p, sizeof p, "%s/%s.key", t->dir, new_key);
    if (csign_key_load(p, &k[nk - 1]) != KERR_OK) return -1;
    if (old_key) {
        snprintf(p, sizeof p, "%s/%s.key", t->dir, old_key);
        if (csign_key_load(p, &k[0]) != KERR_OK) goto out;
    }
    csign_keyset_add(&set, csign_key_pub(k[nk - 1]));
    if (cmeta_keys_encode("root", version, 0, &set, &text) == KERR_OK &&
        csign_envelope_make(text, k, nk, &env) == KERR_OK)
        rc = ct_write(out, env);
out:
    csign_key_free(k[0]);
    csign_key_free(k[1]);
    free(text);
    free(env);
    return rc;
}

static inline int ct_keygen(struct ctest *t, const char *name)
{
    char k[400], p[400];
    snprintf(k, sizeof k, "%s/%s.key", t->dir, name);
    snprintf(p, sizeof p, "%s/%s.pub", t->dir, name);
    return csign_keygen(k, p) == KERR_OK ? 0 : -1;
}

static inline int ct_setup(struct ctest *t)
{
    static const char *const p1[] = {"pub1"};
    char rk[400], kj[400];
    snprintf(t->dir, sizeof t->dir, "/tmp/ctest-XXXXXX");
    if (!mkdtemp(t->dir)) return -1;
    ct_path(t->trust, sizeof t->trust, t->dir, "trust");
    ct_path(t->root_json, sizeof t->root_json, t->dir, "root.json");
    ct_path(t->state, sizeof t->state, t->dir, "state");
    mkdir(t->trust, 0700);
    if (ct_keygen(t, "root") || ct_keygen(t, "pub1") || ct_keygen(t, "pub2") ||
        ct_keygen(t, "root2") || ct_keygen(t, "stranger"))
        return -1;
    if (ct_root(t, NULL, "root", 1, t->root_json)) return -1;
    snprintf(rk, sizeof rk, "%s/root.key", t->dir);
    snprintf(kj, sizeof kj, "%s/keys.json", t->trust);
    return ct_keys_list(t, rk, 1, p1, 1, kj);
}

/* A content folder: the default bundle (src) with its notice n-sample's zh
 * title replaced by `title` (so versions differ). */
static inline int ct_content(struct ctest *t, const char *src, const char *name, const char *title,
                             char *out, size_t n)
{
    char cmd[2048];
    snprintf(out, n, "%s/%s", t->dir, name);
    snprintf(cmd, sizeof cmd,
             "rm -rf '%s' && cp -r '%s' '%s' && sed -i 's/本终端内容为示例数据/%s/' '%s/content.json'",
             out, src, out, title, out);
    return system(cmd) == 0 ? 0 : -1;
}

static inline enum kerr ct_sign(struct ctest *t, const char *key, const char *dir, int version,
                                int expires_days, int64_t created, const char *targets,
                                const char *out)
{
    struct cbundle_sign_opts o = {0};
    char kp[400], why[CBUNDLE_WHY_SIZE];
    enum kerr e;
    snprintf(kp, sizeof kp, "%s/%s.key", t->dir, key);
    o.key_path = kp;
    o.trust_dir = t->trust;
    o.version = version;
    o.created = created ? created : (int64_t)time(NULL);
    o.expires_days = expires_days;
    o.targets = targets;
    o.min_kiosk_version = "0.1.0";
    e = cbundle_sign(dir, &o, out, why);
    if (e != KERR_OK) fprintf(stderr, "sign: %s\n", why);
    return e;
}

static inline void ct_cfg(const struct ctest *t, struct cinstall_cfg *c)
{
    memset(c, 0, sizeof *c);
    c->dir = t->state;
    c->root_file = t->root_json;
    c->kiosk_id = "HL-T01";
    c->tower = "t03";
    c->kiosk_version = "0.1.0";
    c->max_bytes = 16u << 20;
}

/* ---- hand-made archives ---- */

struct ct_entry {
    const char *name;
    int type;          /* AE_IFREG, AE_IFLNK, AE_IFDIR, AE_IFCHR */
    const char *data;  /* regular file bytes (len), or the link target */
    size_t len;
    int64_t declared;  /* header size; -1: len */
    const char *hardlink;
};

/* Writes entries into a tar (gzip when gz), copying the data of a regular
 * entry whose `data` is NULL from `len` zero bytes. */
static inline int ct_tar(const char *path, const struct ct_entry *e, int n, int gz)
{
    struct archive *a = archive_write_new();
    static char zeros[65536];
    int rc = 0;
    archive_write_set_format_pax_restricted(a);
    if (gz) archive_write_add_filter_gzip(a);
    if (archive_write_open_filename(a, path) != ARCHIVE_OK) return -1;
    for (int i = 0; i < n && rc == 0; i++) {
        struct archive_entry *en = archive_entry_new();
        int64_t sz = e[i].declared >= 0 ? e[i].declared : (int64_t)e[i].len;
        archive_entry_set_pathname(en, e[i].name);
        archive_entry_set_filetype(en, (unsigned)e[i].type);
        archive_entry_set_perm(en, 0644);
        if (e[i].hardlink) archive_entry_set_hardlink(en, e[i].hardlink);
        if (e[i].type == AE_IFLNK) archive_entry_set_symlink(en, e[i].data);
        if (e[i].type == AE_IFREG && !e[i].hardlink) archive_entry_set_size(en, sz);
        if (archive_write_header(a, en) != ARCHIVE_OK) rc = -1;
        if (rc == 0 && e[i].type == AE_IFREG && !e[i].hardlink) {
            if (e[i].data) {
                archive_write_data(a, e[i].data, e[i].len);
            } else {
                for (int64_t left = sz; left > 0; left -= (int64_t)sizeof zeros)
                    archive_write_data(a, zeros, left > (int64_t)sizeof zeros ? sizeof zeros : (size_t)left);
            }
        }
        archive_entry_free(en);
    }
    archive_write_close(a);
    archive_write_free(a);
    return rc;
}

/* Reads a whole file (malloc'd). */
static inline char *ct_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *b;
    long n;
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    b = malloc((size_t)n + 1);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    if (b) b[n] = 0;
    if (len) *len = (size_t)n;
    return b;
}

#endif
