/* cbundle: writing a signed bundle file and peeking at its metadata. See
 * cbundle.h. */
#define _GNU_SOURCE
#include <archive.h>
#include <archive_entry.h>
#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cbundle.h"

#define WHY(...) snprintf(why, CBUNDLE_WHY_SIZE, __VA_ARGS__)

static char *read_small(const char *path, size_t max, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *b;
    size_t n;
    if (!f) return NULL;
    b = malloc(max + 1);
    n = b ? fread(b, 1, max + 1, f) : 0;
    fclose(f);
    if (!b || n > max) {
        free(b);
        return NULL;
    }
    b[n] = 0;
    if (len) *len = n;
    return b;
}

/* ---- collecting the files of a folder ---- */

struct walk {
    const char *root;
    size_t rootlen;
    struct cmeta_file *files;
    size_t n, cap;
    char bad[CBUNDLE_WHY_SIZE];
};

static enum kerr hash_file(const char *path, struct cmeta_file *f)
{
    unsigned char buf[65536], md[32];
    unsigned mdlen = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    ssize_t k;
    enum kerr res = KERR_IO;
    f->size = 0;
    if (fd < 0 || !ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) goto out;
    while ((k = read(fd, buf, sizeof buf)) > 0) {
        EVP_DigestUpdate(ctx, buf, (size_t)k);
        f->size += (uint64_t)k;
    }
    if (k < 0) goto out;
    EVP_DigestFinal_ex(ctx, md, &mdlen);
    for (int i = 0; i < 32; i++) snprintf(f->sha256 + 2 * i, 3, "%02x", md[i]);
    res = KERR_OK;
out:
    if (fd >= 0) close(fd);
    EVP_MD_CTX_free(ctx);
    return res;
}

static int cmp_file(const void *a, const void *b)
{
    return strcmp(((const struct cmeta_file *)a)->path, ((const struct cmeta_file *)b)->path);
}

static enum kerr collect(const char *dir, const char *rel, struct walk *w, int depth)
{
    char path[PATH_MAX];
    DIR *d;
    struct dirent *e;
    enum kerr res = KERR_OK;
    if (depth > 8) {
        snprintf(w->bad, sizeof w->bad, "%s: folders nested too deep", rel);
        return KERR_INVALID;
    }
    snprintf(path, sizeof path, "%s%s%s", dir, rel[0] ? "/" : "", rel);
    d = opendir(path);
    if (!d) {
        snprintf(w->bad, sizeof w->bad, "%s: cannot open: %s", path, strerror(errno));
        return KERR_IO;
    }
    while (res == KERR_OK && (e = readdir(d))) {
        char r2[PATH_MAX], p2[PATH_MAX];
        struct stat st;
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        snprintf(r2, sizeof r2, "%s%s%s", rel, rel[0] ? "/" : "", e->d_name);
        snprintf(p2, sizeof p2, "%s/%s", dir, r2);
        if (lstat(p2, &st) != 0) {
            res = KERR_IO;
            break;
        }
        if (S_ISDIR(st.st_mode)) {
            res = collect(dir, r2, w, depth + 1);
            continue;
        }
        if (!S_ISREG(st.st_mode)) {
            snprintf(w->bad, sizeof w->bad, "%s: not a regular file (a symlink or device)", r2);
            res = KERR_INVALID;
            break;
        }
        if (!cmeta_path_ok(r2)) {
            snprintf(w->bad, sizeof w->bad, "%s: name not allowed (letters, digits, . _ - only)", r2);
            res = KERR_INVALID;
            break;
        }
        if (w->n == w->cap) {
            size_t cap = w->cap ? w->cap * 2 : 64;
            struct cmeta_file *nf = cap <= CMETA_MAX_FILES ? realloc(w->files, cap * sizeof *nf) : NULL;
            if (!nf) {
                snprintf(w->bad, sizeof w->bad, "too many files (at most %d)", CMETA_MAX_FILES);
                res = KERR_TOOBIG;
                break;
            }
            w->files = nf;
            w->cap = cap;
        }
        memset(&w->files[w->n], 0, sizeof w->files[w->n]);
        snprintf(w->files[w->n].path, CMETA_PATH_SIZE, "%s", r2);
        res = hash_file(p2, &w->files[w->n]);
        if (res != KERR_OK) snprintf(w->bad, sizeof w->bad, "%s: cannot read", r2);
        w->n++;
    }
    closedir(d);
    return res;
}

/* ---- writing the archive ---- */

static enum kerr add_mem(struct archive *a, const char *name, const void *data, size_t len,
                         int64_t mtime)
{
    struct archive_entry *e = archive_entry_new();
    enum kerr res = KERR_IO;
    archive_entry_set_pathname(e, name);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, (la_int64_t)len);
    archive_entry_set_mtime(e, (time_t)mtime, 0);
    if (archive_write_header(a, e) == ARCHIVE_OK &&
        (len == 0 || archive_write_data(a, data, len) == (la_ssize_t)len))
        res = KERR_OK;
    archive_entry_free(e);
    return res;
}

static enum kerr add_file(struct archive *a, const char *name, const char *path,
                          const struct cmeta_file *f, int64_t mtime)
{
    struct archive_entry *e = archive_entry_new();
    char buf[65536];
    ssize_t k;
    uint64_t done = 0;
    enum kerr res = KERR_IO;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    archive_entry_set_pathname(e, name);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, (la_int64_t)f->size);
    archive_entry_set_mtime(e, (time_t)mtime, 0);
    if (fd < 0 || archive_write_header(a, e) != ARCHIVE_OK) goto out;
    while (done < f->size && (k = read(fd, buf, sizeof buf)) > 0) {
        if ((uint64_t)k > f->size - done) k = (ssize_t)(f->size - done);
        if (archive_write_data(a, buf, (size_t)k) != k) goto out;
        done += (uint64_t)k;
    }
    if (done == f->size) res = KERR_OK; /* changed while signing: the caller's hash is off */
out:
    if (fd >= 0) close(fd);
    archive_entry_free(e);
    return res;
}

static int root_num(const char *name)
{
    int n = 0;
    char tail[8];
    if (sscanf(name, "root-%d%7s", &n, tail) == 2 && strcmp(tail, ".json") == 0 && n >= 2) return n;
    return 0;
}

enum kerr cbundle_sign(const char *dir, const struct cbundle_sign_opts *o, const char *out_path,
                       char why[CBUNDLE_WHY_SIZE])
{
    struct walk w = {.root = dir};
    struct cmeta_manifest m;
    struct csign_key *key = NULL;
    char trust[PATH_MAX], path[PATH_MAX], *text = NULL, *env = NULL, *keys = NULL;
    size_t keys_len = 0;
    struct archive *a = NULL;
    enum kerr res;
    int roots[CBUNDLE_MAX_ROOTS], nroots = 0;
    memset(&m, 0, sizeof m);
    why[0] = 0;
    res = csign_key_load(o->key_path, &key);
    if (res != KERR_OK) {
        WHY("%s: not an Ed25519 private key (kioskctl content keygen)", o->key_path);
        return res;
    }
    if (o->trust_dir) snprintf(trust, sizeof trust, "%s", o->trust_dir);
    else {
        const char *sl = strrchr(o->key_path, '/');
        snprintf(trust, sizeof trust, "%.*s", sl ? (int)(sl - o->key_path) : 1, sl ? o->key_path : ".");
    }
    snprintf(path, sizeof path, "%s/keys.json", trust);
    keys = read_small(path, CBUNDLE_META_MAX, &keys_len);
    res = KERR_NOTFOUND;
    if (!keys) {
        WHY("%s: the publisher key list signed by the root is missing (kioskctl content keys)", path);
        goto out;
    }
    {
        DIR *d = opendir(trust);
        struct dirent *e;
        while (d && (e = readdir(d)) && nroots < CBUNDLE_MAX_ROOTS)
            if (root_num(e->d_name)) roots[nroots++] = root_num(e->d_name);
        if (d) closedir(d);
        for (int i = 1; i < nroots; i++) /* ascending */
            for (int j = i; j > 0 && roots[j] < roots[j - 1]; j--) {
                int t = roots[j];
                roots[j] = roots[j - 1];
                roots[j - 1] = t;
            }
    }
    res = collect(dir, "", &w, 0);
    if (res != KERR_OK) {
        WHY("%s", w.bad);
        goto out;
    }
    res = KERR_INVALID;
    if (w.n == 0) {
        WHY("%s: no files", dir);
        goto out;
    }
    qsort(w.files, w.n, sizeof *w.files, cmp_file);
    m.version = o->version;
    m.created = o->created;
    m.expires = o->created + (int64_t)o->expires_days * 86400;
    snprintf(m.min_kiosk_version, sizeof m.min_kiosk_version, "%s", o->min_kiosk_version);
    {
        char tl[CMETA_MAX_TARGETS * CMETA_TARGET_SIZE], *save = NULL;
        snprintf(tl, sizeof tl, "%s", o->targets && o->targets[0] ? o->targets : "all");
        for (char *t = strtok_r(tl, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
            if (!cmeta_target_ok(t) || m.ntargets == CMETA_MAX_TARGETS) {
                WHY("targets: %s is not all, tower:ID or kiosk:ID", t);
                goto out;
            }
            snprintf(m.targets[m.ntargets++], CMETA_TARGET_SIZE, "%s", t);
        }
    }
    m.files = w.files;
    m.nfiles = w.n;
    res = cmeta_manifest_encode(&m, &text);
    if (res == KERR_OK) res = csign_envelope_make(text, &key, 1, &env);
    m.files = NULL;
    if (res != KERR_OK) {
        WHY("signing failed");
        goto out;
    }
    a = archive_write_new();
    res = KERR_IO;
    if (!a || archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
        archive_write_open_filename(a, out_path) != ARCHIVE_OK) {
        WHY("%s: cannot write: %s", out_path, a ? archive_error_string(a) : "no memory");
        goto out;
    }
    res = add_mem(a, "manifest.json", env, strlen(env), o->created);
    if (res == KERR_OK) res = add_mem(a, "keys.json", keys, keys_len, o->created);
    for (int i = 0; res == KERR_OK && i < nroots; i++) {
        char name[32], *r;
        size_t rl = 0;
        snprintf(name, sizeof name, "root-%d.json", roots[i]);
        snprintf(path, sizeof path, "%s/%s", trust, name);
        r = read_small(path, CBUNDLE_META_MAX, &rl);
        res = r ? add_mem(a, name, r, rl, o->created) : KERR_IO;
        free(r);
    }
    for (size_t i = 0; res == KERR_OK && i < w.n; i++) {
        char name[CMETA_PATH_SIZE + 16];
        snprintf(name, sizeof name, "content/%s", w.files[i].path);
        snprintf(path, sizeof path, "%s/%s", dir, w.files[i].path);
        res = add_file(a, name, path, &w.files[i], o->created);
    }
    if (res == KERR_OK && archive_write_close(a) != ARCHIVE_OK) res = KERR_IO;
    if (res != KERR_OK) WHY("%s: writing failed (%s)", out_path, archive_error_string(a));
out:
    if (a) archive_write_free(a);
    if (res != KERR_OK) unlink(out_path);
    csign_key_free(key);
    free(w.files);
    free(text);
    free(env);
    free(keys);
    return res;
}

/* ---- peeking ---- */

void cbundle_meta_free(struct cbundle_meta *m)
{
    free(m->manifest);
    free(m->keys);
    for (int i = 0; i < m->nroots; i++) free(m->roots[i]);
    memset(m, 0, sizeof *m);
}

static enum kerr read_entry(struct archive *a, struct archive_entry *e, char **out, size_t *len)
{
    la_int64_t sz = archive_entry_size(e);
    char *b;
    la_ssize_t k;
    if (archive_entry_filetype(e) != AE_IFREG || sz < 0 || sz > (la_int64_t)CBUNDLE_META_MAX)
        return KERR_TOOBIG;
    b = malloc((size_t)sz + 1);
    if (!b) return KERR_NOMEM;
    k = archive_read_data(a, b, (size_t)sz);
    if (k != sz) {
        free(b);
        return KERR_PARSE;
    }
    b[sz] = 0;
    *out = b;
    *len = (size_t)sz;
    return KERR_OK;
}

enum kerr cbundle_peek(const char *path, struct cbundle_meta *out, char why[CBUNDLE_WHY_SIZE])
{
    struct archive *a = archive_read_new();
    struct archive_entry *e;
    enum kerr res = KERR_PARSE;
    int r;
    memset(out, 0, sizeof *out);
    why[0] = 0;
    archive_read_support_format_tar(a);
    archive_read_support_filter_gzip(a);
    if (archive_read_open_filename(a, path, 65536) != ARCHIVE_OK) {
        WHY("not a bundle file (%s)", archive_error_string(a));
        goto out;
    }
    while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
        const char *name = archive_entry_pathname(e);
        char **dst = NULL;
        size_t *dlen = NULL;
        if (!name || strncmp(name, "content/", 8) == 0) break;
        if (strcmp(name, "manifest.json") == 0 && !out->manifest) {
            dst = &out->manifest;
            dlen = &out->manifest_len;
        } else if (strcmp(name, "keys.json") == 0 && !out->keys) {
            dst = &out->keys;
            dlen = &out->keys_len;
        } else if (root_num(name) && out->nroots < CBUNDLE_MAX_ROOTS) {
            dst = &out->roots[out->nroots];
            dlen = &out->roots_len[out->nroots];
        } else {
            WHY("unexpected entry %.80s before the content", name);
            goto out;
        }
        res = read_entry(a, e, dst, dlen);
        if (res != KERR_OK) {
            WHY("%.80s: unreadable or over 1 MB", name);
            goto out;
        }
        if (dst == &out->roots[out->nroots]) out->nroots++;
        res = KERR_PARSE;
    }
    if (r != ARCHIVE_OK && r != ARCHIVE_EOF) {
        WHY("damaged archive (%s)", archive_error_string(a));
        goto out;
    }
    if (!out->manifest || !out->keys) {
        WHY("manifest.json or keys.json missing");
        goto out;
    }
    res = KERR_OK;
out:
    archive_read_free(a);
    if (res != KERR_OK) cbundle_meta_free(out);
    return res;
}

char *cbundle_unverified_text(const char *envelope, size_t len)
{
    cJSON *o = cJSON_ParseWithLength(envelope, len);
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "signed");
    char *s = cJSON_IsString(t) ? strdup(t->valuestring) : NULL;
    cJSON_Delete(o);
    return s;
}
