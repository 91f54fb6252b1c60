/* cinstall: install, switch, boot and rollback of signed bundles on the
 * kiosk. See cinstall.h for the folder layout and the trial rules. */
#define _GNU_SOURCE
#include <archive.h>
#include <archive_entry.h>
#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cbundle.h"
#include "cinstall.h"
#include "ctrust.h"
#include "klog.h"

#define MOD "content"
#define WHY(...) snprintf(why, CINSTALL_WHY_SIZE, __VA_ARGS__)

/* ---- small file helpers ---- */

static void fsync_dir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}

static void remove_tree(const char *path, int depth)
{
    DIR *d;
    struct dirent *e;
    struct stat st;
    if (depth > 12) return;
    if (lstat(path, &st) != 0) return;
    if (!S_ISDIR(st.st_mode)) {
        unlink(path);
        return;
    }
    d = opendir(path);
    while (d && (e = readdir(d))) {
        char p[PATH_MAX];
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        if (snprintf(p, sizeof p, "%s/%s", path, e->d_name) >= (int)sizeof p) continue;
        remove_tree(p, depth + 1);
    }
    if (d) closedir(d);
    rmdir(path);
}

/* Writes data to dir/name atomically (tmp, fsync, rename, fsync dir). */
static enum kerr write_atomic(const char *dir, const char *name, const char *data, size_t len)
{
    char tmp[PATH_MAX], dst[PATH_MAX];
    int fd;
    size_t done = 0;
    snprintf(tmp, sizeof tmp, "%s/%s.tmp", dir, name);
    snprintf(dst, sizeof dst, "%s/%s", dir, name);
    unlink(tmp);
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) return KERR_IO;
    while (done < len) {
        ssize_t k = write(fd, data + done, len - done);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) break;
        done += (size_t)k;
    }
    if (done != len || fsync(fd) != 0) {
        close(fd);
        unlink(tmp);
        return KERR_IO;
    }
    close(fd);
    if (rename(tmp, dst) != 0) return KERR_IO;
    fsync_dir(dir);
    return KERR_OK;
}

/* Points link dir/name at target with one rename (the switch). */
static enum kerr set_link(const char *dir, const char *name, const char *target)
{
    char tmp[PATH_MAX], dst[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s/%s.tmp", dir, name);
    snprintf(dst, sizeof dst, "%s/%s", dir, name);
    unlink(tmp);
    if (symlink(target, tmp) != 0) return KERR_IO;
    if (rename(tmp, dst) != 0) {
        unlink(tmp);
        return KERR_IO;
    }
    fsync_dir(dir);
    return KERR_OK;
}

/* The version a link points to (b-N), 0 when none or malformed. */
static int64_t link_version(const char *dir, const char *name)
{
    char p[PATH_MAX], t[64];
    ssize_t n;
    long long v = 0;
    char tail;
    snprintf(p, sizeof p, "%s/%s", dir, name);
    n = readlink(p, t, sizeof t - 1);
    if (n <= 0) return 0;
    t[n] = 0;
    if (sscanf(t, "b-%lld%c", &v, &tail) != 1 || v <= 0) return 0;
    return (int64_t)v;
}

/* ---- state ---- */

/* state.json is read, changed and written by the sender thread (install,
 * errors) and the UI thread (trial, mark-good, rollback): each such update
 * holds an exclusive flock on dir/state.lock. -1 when it cannot be taken
 * (the update then goes ahead unlocked). */
static int state_lock(const char *dir)
{
    char p[PATH_MAX];
    int fd;
    snprintf(p, sizeof p, "%s/state.lock", dir);
    fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd >= 0 && flock(fd, LOCK_EX) != 0) {
        close(fd);
        fd = -1;
    }
    return fd;
}

static void state_unlock(int fd)
{
    if (fd >= 0) close(fd);
}

void cinstall_state_load(const char *dir, struct cinstall_state *st)
{
    char p[PATH_MAX], *b;
    cJSON *o;
    memset(st, 0, sizeof *st);
    snprintf(p, sizeof p, "%s/state.json", dir);
    b = ctrust_read_file(p, NULL);
    o = b ? cJSON_Parse(b) : NULL;
    free(b);
    if (!o) return;
#define GETI(k, f) do { const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k); \
        if (cJSON_IsNumber(v)) st->f = (int64_t)v->valuedouble; } while (0)
    GETI("good", good);
    GETI("trial", trial);
    GETI("max_seen", max_seen);
    GETI("err_version", err_version);
#undef GETI
    {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "trial_boots");
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(o, "error");
        if (cJSON_IsNumber(v)) st->trial_boots = v->valueint;
        if (cJSON_IsString(e)) snprintf(st->error, sizeof st->error, "%s", e->valuestring);
    }
    cJSON_Delete(o);
}

static enum kerr state_save(const char *dir, const struct cinstall_state *st)
{
    cJSON *o = cJSON_CreateObject();
    char *t;
    enum kerr e;
    cJSON_AddNumberToObject(o, "good", (double)st->good);
    cJSON_AddNumberToObject(o, "trial", (double)st->trial);
    cJSON_AddNumberToObject(o, "trial_boots", st->trial_boots);
    cJSON_AddNumberToObject(o, "max_seen", (double)st->max_seen);
    cJSON_AddNumberToObject(o, "err_version", (double)st->err_version);
    cJSON_AddStringToObject(o, "error", st->error);
    t = cJSON_Print(o);
    cJSON_Delete(o);
    if (!t) return KERR_NOMEM;
    e = write_atomic(dir, "state.json", t, strlen(t));
    free(t);
    return e;
}

void cinstall_note_error(const char *dir, int64_t version, const char *why)
{
    struct cinstall_state st;
    int lk = state_lock(dir);
    cinstall_state_load(dir, &st);
    st.err_version = version;
    snprintf(st.error, sizeof st.error, "%s", why ? why : "");
    (void)state_save(dir, &st);
    state_unlock(lk);
}

void cinstall_incoming_path(const char *dir, char out[PATH_MAX])
{
    snprintf(out, PATH_MAX, "%s/incoming.part", dir);
}

/* ---- verifying an installed folder ---- */

static bool hash_fd(int fd, uint64_t want_size, const char *want_hex)
{
    unsigned char buf[65536], md[32];
    unsigned mdlen = 0;
    char hex[CSIGN_SHA256_SIZE];
    uint64_t n = 0;
    ssize_t k;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool ok = false;
    if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) goto out;
    while ((k = read(fd, buf, sizeof buf)) > 0 && n <= want_size) {
        EVP_DigestUpdate(ctx, buf, (size_t)k);
        n += (uint64_t)k;
    }
    if (k < 0 || n != want_size) goto out;
    EVP_DigestFinal_ex(ctx, md, &mdlen);
    for (int i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", md[i]);
    ok = strcmp(hex, want_hex) == 0;
out:
    EVP_MD_CTX_free(ctx);
    return ok;
}

enum kerr cinstall_verify_installed(const char *bdir, struct cinstall_info *info,
                                    char why[CINSTALL_WHY_SIZE])
{
    char p[PATH_MAX], *env, *text;
    size_t len = 0;
    struct cmeta_manifest m;
    const char *w;
    enum kerr e;
    snprintf(p, sizeof p, "%s/manifest.json", bdir);
    env = ctrust_read_file(p, &len);
    text = env ? cbundle_unverified_text(env, len) : NULL;
    free(env);
    if (!text) {
        WHY("%s: manifest missing", bdir);
        return KERR_CORRUPT;
    }
    e = cmeta_manifest_decode(text, &m, &w);
    free(text);
    if (e != KERR_OK) {
        WHY("%s: %s", bdir, w);
        return KERR_CORRUPT;
    }
    for (size_t i = 0; i < m.nfiles && e == KERR_OK; i++) {
        struct stat st;
        int fd;
        snprintf(p, sizeof p, "%s/bundle/%s", bdir, m.files[i].path);
        fd = open(p, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
            (uint64_t)st.st_size != m.files[i].size || !hash_fd(fd, m.files[i].size, m.files[i].sha256)) {
            WHY("installed v%lld: %s missing or changed", (long long)m.version, m.files[i].path);
            e = KERR_CORRUPT;
        }
        if (fd >= 0) close(fd);
    }
    if (e == KERR_OK && info) {
        info->version = m.version;
        info->created = m.created;
        info->expires = m.expires;
        snprintf(info->bundle_dir, sizeof info->bundle_dir, "%s/bundle", bdir);
    }
    cmeta_manifest_free(&m);
    return e;
}

enum kerr cinstall_current(const char *dir, struct cinstall_info *info)
{
    char p[PATH_MAX], *env, *text;
    size_t len = 0;
    struct cmeta_manifest m;
    const char *w;
    int64_t v = link_version(dir, "current");
    memset(info, 0, sizeof *info);
    if (!v) return KERR_NOTFOUND;
    snprintf(p, sizeof p, "%s/b-%lld/manifest.json", dir, (long long)v);
    env = ctrust_read_file(p, &len);
    text = env ? cbundle_unverified_text(env, len) : NULL;
    free(env);
    if (!text || cmeta_manifest_decode(text, &m, &w) != KERR_OK) {
        free(text);
        return KERR_CORRUPT;
    }
    free(text);
    info->version = m.version;
    info->created = m.created;
    info->expires = m.expires;
    snprintf(info->bundle_dir, sizeof info->bundle_dir, "%s/b-%lld/bundle", dir, (long long)v);
    cmeta_manifest_free(&m);
    return KERR_OK;
}

/* ---- unpacking ---- */

static enum kerr make_parents(const char *root, const char *rel)
{
    char p[PATH_MAX];
    for (const char *s = strchr(rel, '/'); s; s = strchr(s + 1, '/')) {
        snprintf(p, sizeof p, "%s/%.*s", root, (int)(s - rel), rel);
        if (mkdir(p, 0755) != 0 && errno != EEXIST) return KERR_IO;
    }
    return KERR_OK;
}

static enum kerr unpack_one(struct archive *a, const char *root, const struct cmeta_file *f,
                            char why[CINSTALL_WHY_SIZE])
{
    char p[PATH_MAX], buf[65536], hex[CSIGN_SHA256_SIZE];
    unsigned char md[32];
    unsigned mdlen = 0;
    uint64_t n = 0;
    la_ssize_t k;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    enum kerr e = KERR_IO;
    int fd = -1;
    snprintf(p, sizeof p, "%s/%s", root, f->path);
    if (!ctx || make_parents(root, f->path) != KERR_OK) goto out;
    fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0 || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
        WHY("%s: cannot write (%s)", f->path, fd < 0 ? strerror(errno) : "hash");
        goto out;
    }
    while ((k = archive_read_data(a, buf, sizeof buf)) > 0) {
        n += (uint64_t)k;
        if (n > f->size) {
            WHY("%s: longer than the manifest says (%llu bytes)", f->path,
                (unsigned long long)f->size);
            e = KERR_TOOBIG;
            goto out;
        }
        EVP_DigestUpdate(ctx, buf, (size_t)k);
        if (write(fd, buf, (size_t)k) != k) {
            WHY("%s: write failed", f->path);
            goto out;
        }
    }
    if (k < 0 || n != f->size) {
        WHY("%s: truncated or damaged in the archive", f->path);
        e = KERR_CORRUPT;
        goto out;
    }
    EVP_DigestFinal_ex(ctx, md, &mdlen);
    for (int i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", md[i]);
    if (strcmp(hex, f->sha256) != 0) {
        WHY("%s: SHA-256 differs from the manifest (files of another version?)", f->path);
        e = KERR_CORRUPT;
        goto out;
    }
    if (fsync(fd) != 0) goto out;
    e = KERR_OK;
out:
    if (fd >= 0) close(fd);
    EVP_MD_CTX_free(ctx);
    return e;
}

/* Unpacks the content entries of `file` into root; every entry must be a
 * regular file listed in m with its size; every file of m must come. */
static enum kerr unpack(const char *file, const struct cmeta_manifest *m, const char *root,
                        uint64_t max_bytes, char why[CINSTALL_WHY_SIZE])
{
    struct archive *a = archive_read_new();
    struct archive_entry *ent;
    unsigned char *seen = calloc(m->nfiles ? m->nfiles : 1, 1);
    size_t nseen = 0;
    uint64_t total = 0;
    enum kerr e = KERR_PARSE;
    int r;
    archive_read_support_format_tar(a);
    archive_read_support_filter_gzip(a);
    if (!seen || archive_read_open_filename(a, file, 65536) != ARCHIVE_OK) {
        WHY("not a bundle file");
        goto out;
    }
    while ((r = archive_read_next_header(a, &ent)) == ARCHIVE_OK) {
        const char *name = archive_entry_pathname(ent);
        const struct cmeta_file *f;
        size_t idx;
        if (!name) {
            WHY("an entry without a name");
            goto out;
        }
        if (strncmp(name, "content/", 8) != 0) continue; /* metadata, already checked */
        e = KERR_INVALID;
        if (archive_entry_filetype(ent) != AE_IFREG || archive_entry_hardlink(ent) ||
            archive_entry_symlink(ent)) {
            WHY("%.80s: not a regular file (symlink, link, device or folder refused)", name);
            goto out;
        }
        if (!cmeta_path_ok(name + 8)) {
            WHY("%.80s: path not allowed (.., absolute or odd characters)", name);
            goto out;
        }
        f = cmeta_manifest_find(m, name + 8);
        if (!f) {
            WHY("%.80s: not in the manifest", name);
            goto out;
        }
        idx = (size_t)(f - m->files);
        if (seen[idx]) {
            WHY("%.80s: twice in the archive", name);
            goto out;
        }
        if (archive_entry_size(ent) < 0 || (uint64_t)archive_entry_size(ent) != f->size) {
            WHY("%.80s: %lld bytes, the manifest says %llu", name,
                (long long)archive_entry_size(ent), (unsigned long long)f->size);
            e = KERR_TOOBIG;
            goto out;
        }
        total += f->size;
        if (total > max_bytes) {
            WHY("bundle larger than %llu bytes", (unsigned long long)max_bytes);
            e = KERR_TOOBIG;
            goto out;
        }
        e = unpack_one(a, root, f, why);
        if (e != KERR_OK) goto out;
        seen[idx] = 1;
        nseen++;
    }
    e = KERR_CORRUPT;
    if (r != ARCHIVE_EOF) {
        WHY("damaged archive (%.100s)", archive_error_string(a));
        goto out;
    }
    for (size_t i = 0; i < m->nfiles; i++)
        if (!seen[i]) {
            WHY("%.80s: in the manifest but not in the archive", m->files[i].path);
            goto out;
        }
    e = KERR_OK;
out:
    archive_read_free(a);
    free(seen);
    return e;
}

/* Syncs every folder under root (files were synced as they were written). */
static void fsync_tree(const char *root, int depth)
{
    DIR *d = depth < 12 ? opendir(root) : NULL;
    struct dirent *e;
    while (d && (e = readdir(d))) {
        char p[PATH_MAX];
        struct stat st;
        if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))
            continue;
        snprintf(p, sizeof p, "%s/%s", root, e->d_name);
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode)) fsync_tree(p, depth + 1);
    }
    if (d) closedir(d);
    fsync_dir(root);
}

/* Removes every b-N folder other than those current and previous point to,
 * and the work folders. */
static void cleanup(const char *dir)
{
    int64_t cur = link_version(dir, "current"), prev = link_version(dir, "previous");
    DIR *d = opendir(dir);
    struct dirent *e;
    char p[PATH_MAX];
    while (d && (e = readdir(d))) {
        long long v;
        char tail;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        if (sscanf(e->d_name, "b-%lld%c", &v, &tail) == 1) {
            if (v != cur && v != prev) remove_tree(p, 0);
        } else if (strcmp(e->d_name, "staging") == 0 || strstr(e->d_name, ".tmp")) {
            remove_tree(p, 0);
        }
    }
    if (d) closedir(d);
}

enum kerr cinstall_apply(const struct cinstall_cfg *cfg, const char *file, int64_t now,
                         int64_t *version, char why[CINSTALL_WHY_SIZE])
{
    struct cbundle_meta meta;
    struct ctrust_out tr;
    struct cinstall_state st;
    struct ctrust_in in = {.dir = cfg->dir, .root_file = cfg->root_file, .kiosk_id = cfg->kiosk_id,
                           .tower = cfg->tower, .kiosk_version = cfg->kiosk_version, .now = now};
    char staging[PATH_MAX], broot[PATH_MAX], bdir[PATH_MAX], name[32];
    char pwhy[CBUNDLE_WHY_SIZE];
    enum kerr e;
    uint64_t max = cfg->max_bytes ? cfg->max_bytes : CINSTALL_MAX_BYTES_DEFAULT;
    int64_t prev;
    *version = 0;
    why[0] = 0;
    memset(&tr, 0, sizeof tr);
    mkdir(cfg->dir, 0700);
    cinstall_state_load(cfg->dir, &st);
    in.installed = link_version(cfg->dir, "current");
    in.max_seen = st.max_seen;
    e = cbundle_peek(file, &meta, pwhy);
    if (e != KERR_OK) {
        WHY("%s", pwhy);
        goto fail;
    }
    e = ctrust_check(&in, &meta, &tr, why);
    if (e != KERR_OK) {
        char *t = cbundle_unverified_text(meta.manifest, meta.manifest_len);
        cJSON *o = t ? cJSON_Parse(t) : NULL;
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "version");
        if (cJSON_IsNumber(v)) *version = (int64_t)v->valuedouble;
        cJSON_Delete(o);
        free(t);
        cbundle_meta_free(&meta);
        goto fail;
    }
    *version = tr.m.version;
    if (tr.m.total_size > max) {
        WHY("bundle of %llu bytes is over the limit of %llu", (unsigned long long)tr.m.total_size,
            (unsigned long long)max);
        e = KERR_TOOBIG;
        goto fail_meta;
    }
    snprintf(staging, sizeof staging, "%s/staging", cfg->dir);
    remove_tree(staging, 0);
    snprintf(broot, sizeof broot, "%s/bundle", staging);
    e = KERR_IO;
    if (mkdir(staging, 0755) != 0 || mkdir(broot, 0755) != 0) {
        WHY("cannot create %s", staging);
        goto fail_meta;
    }
    e = unpack(file, &tr.m, broot, max, why);
    if (e == KERR_OK) e = write_atomic(staging, "manifest.json", meta.manifest, meta.manifest_len);
    if (e != KERR_OK) {
        if (!why[0]) WHY("cannot write the bundle");
        goto fail_staging;
    }
    fsync_tree(staging, 0);
    if (cfg->check) {
        char cw[CINSTALL_WHY_SIZE - 16] = "";
        if (cfg->check(broot, cw, sizeof cw, cfg->check_ud) != 0) {
            WHY("check: %s", cw[0] ? cw : "the content check failed");
            e = KERR_INVALID;
            goto fail_staging;
        }
    }
    /* trust metadata first: it was verified, whatever happens next */
    if (tr.root_changed)
        (void)write_atomic(cfg->dir, "root.json", meta.roots[tr.root_env], meta.roots_len[tr.root_env]);
    (void)write_atomic(cfg->dir, "keys.json", meta.keys, meta.keys_len);
    snprintf(name, sizeof name, "b-%lld", (long long)tr.m.version);
    snprintf(bdir, sizeof bdir, "%s/%s", cfg->dir, name);
    remove_tree(bdir, 0);
    e = KERR_IO;
    if (rename(staging, bdir) != 0) {
        WHY("cannot move the bundle in place");
        goto fail_staging;
    }
    fsync_dir(cfg->dir);
    prev = link_version(cfg->dir, "current");
    if (prev) {
        char pn[32];
        snprintf(pn, sizeof pn, "b-%lld", (long long)prev);
        (void)set_link(cfg->dir, "previous", pn);
    }
    e = set_link(cfg->dir, "current", name); /* the switch */
    if (e != KERR_OK) {
        WHY("cannot switch to the new bundle");
        goto fail_meta;
    }
    {
        int lk = state_lock(cfg->dir);
        cinstall_state_load(cfg->dir, &st);
        st.trial = tr.m.version;
        st.trial_boots = 0;
        st.max_seen = tr.m.version;
        st.err_version = 0;
        st.error[0] = 0;
        (void)state_save(cfg->dir, &st);
        state_unlock(lk);
    }
    cleanup(cfg->dir);
    KLOGI(MOD, "installed content v%lld (%zu files, %llu bytes)", (long long)tr.m.version,
          tr.m.nfiles, (unsigned long long)tr.m.total_size);
    cmeta_manifest_free(&tr.m);
    cbundle_meta_free(&meta);
    return KERR_OK;
fail_staging:
    remove_tree(staging, 0);
fail_meta:
    cmeta_manifest_free(&tr.m);
    cbundle_meta_free(&meta);
fail:
    KLOGW(MOD, "refused content bundle v%lld: %s", (long long)*version, why);
    cinstall_note_error(cfg->dir, *version, why);
    return e;
}

/* ---- start, rollback, trial ---- */

enum kerr cinstall_rollback(const struct cinstall_cfg *cfg, const char *reason)
{
    struct cinstall_state st;
    int64_t cur = link_version(cfg->dir, "current"), prev = link_version(cfg->dir, "previous");
    char name[32], p[PATH_MAX], why[CINSTALL_WHY_SIZE];
    enum kerr e = KERR_OK;
    int lk;
    snprintf(p, sizeof p, "%s/b-%lld", cfg->dir, (long long)prev);
    if (prev && prev != cur && cinstall_verify_installed(p, NULL, why) == KERR_OK) {
        snprintf(name, sizeof name, "b-%lld", (long long)prev);
        e = set_link(cfg->dir, "current", name);
    } else {
        prev = 0;
        snprintf(p, sizeof p, "%s/current", cfg->dir);
        if (unlink(p) != 0 && errno != ENOENT) e = KERR_IO;
        fsync_dir(cfg->dir);
    }
    snprintf(p, sizeof p, "%s/previous", cfg->dir);
    unlink(p);
    lk = state_lock(cfg->dir);
    cinstall_state_load(cfg->dir, &st);
    st.good = prev;
    st.trial = 0;
    st.trial_boots = 0;
    if (cur > st.max_seen) st.max_seen = cur;
    st.err_version = cur;
    snprintf(st.error, sizeof st.error, "v%lld rolled back: %s", (long long)cur, reason);
    (void)state_save(cfg->dir, &st);
    state_unlock(lk);
    KLOGW(MOD, "content v%lld rolled back to %s%lld: %s", (long long)cur, prev ? "v" : "the shipped bundle",
          (long long)prev, reason);
    cleanup(cfg->dir);
    return e;
}

void cinstall_boot(const struct cinstall_cfg *cfg, struct cinstall_info *info)
{
    struct cinstall_state st;
    char p[PATH_MAX], why[CINSTALL_WHY_SIZE];
    int64_t cur;
    memset(info, 0, sizeof *info);
    mkdir(cfg->dir, 0700);
    cleanup(cfg->dir);
    for (int round = 0; round < 3; round++) {
        cur = link_version(cfg->dir, "current");
        if (!cur) return;
        snprintf(p, sizeof p, "%s/b-%lld", cfg->dir, (long long)cur);
        if (cinstall_verify_installed(p, info, why) != KERR_OK) {
            memset(info, 0, sizeof *info);
            cinstall_rollback(cfg, why);
            continue;
        }
        cinstall_state_load(cfg->dir, &st);
        if (cur == st.good) {
            if (st.trial) {
                st.trial = 0;
                (void)state_save(cfg->dir, &st);
            }
            return;
        }
        if (cur == st.trial && st.trial_boots >= 1) {
            memset(info, 0, sizeof *info);
            cinstall_rollback(cfg, "the kiosk restarted during its trial (crash?)");
            continue;
        }
        /* its first start (or the state was not written after the switch) */
        st.trial = cur;
        st.trial_boots = 1;
        if (cur > st.max_seen) st.max_seen = cur;
        (void)state_save(cfg->dir, &st);
        return;
    }
    memset(info, 0, sizeof *info);
}

void cinstall_trial_started(const char *dir, int64_t v)
{
    struct cinstall_state st;
    int lk = state_lock(dir);
    cinstall_state_load(dir, &st);
    if (st.trial == v && st.trial_boots < 1) {
        st.trial_boots = 1;
        (void)state_save(dir, &st);
    }
    state_unlock(lk);
}

void cinstall_mark_good(const char *dir, int64_t v)
{
    struct cinstall_state st;
    int lk = state_lock(dir);
    cinstall_state_load(dir, &st);
    if (link_version(dir, "current") == v && st.good != v) {
        st.good = v;
        st.trial = 0;
        st.trial_boots = 0;
        (void)state_save(dir, &st);
        KLOGI(MOD, "content v%lld marked good", (long long)v);
    }
    state_unlock(lk);
}
