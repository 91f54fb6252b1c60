/* hubstore_content_files: the content store's folder of bundle files: on
 * PostgreSQL a cache of table content_bundles, checked before it is served;
 * the retention sweep's removal of the files of purged releases (both
 * backends). See hubstore_content.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hubstore_content_impl.h"
#include "hubstore_impl.h"
#include "hubstore_pg.h"
#include "hubstore_purge.h"
#include "klog.h"

enum kerr hubcontent_write_file(const char *path, const void *data, size_t len)
{
    int fd;
    size_t done = 0;
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return KERR_IO;
    while (done < len) {
        ssize_t k = write(fd, (const char *)data + done, len - done);
        if (k <= 0) break;
        done += (size_t)k;
    }
    if (done != len || fsync(fd) != 0) {
        close(fd);
        unlink(path);
        return KERR_IO;
    }
    close(fd);
    return KERR_OK;
}

/* True when this process checked the cached file of v as it is now (the
 * same file, not written since). Under mu. */
static bool was_verified(const struct hubcontent *hc, int64_t v, const struct stat *now,
                         const char *sha256)
{
    for (unsigned i = 0; i < hc->nverified && i < VERIFIED_MAX; i++) {
        const struct verified *x = &hc->verified[i];
        if (x->version == v && strcmp(x->sha256, sha256) == 0 && x->dev == now->st_dev &&
            x->ino == now->st_ino &&
            x->mtime.tv_sec == now->st_mtim.tv_sec && x->mtime.tv_nsec == now->st_mtim.tv_nsec)
            return true;
    }
    return false;
}

/* Notes the cached file of v at path as checked. Under mu. */
void hubcontent_note_verified(struct hubcontent *hc, int64_t v, const char *path,
                              const char *sha256)
{
    struct stat now;
    struct verified *x;
    if (stat(path, &now) != 0) return;
    for (unsigned i = 0; i < hc->nverified && i < VERIFIED_MAX; i++)
        if (hc->verified[i].version == v) hc->verified[i].version = -1; /* the old entry */
    x = &hc->verified[hc->nverified++ % VERIFIED_MAX];
    x->version = v;
    x->dev = now.st_dev;
    x->ino = now.st_ino;
    x->mtime = now.st_mtim;
    snprintf(x->sha256, sizeof x->sha256, "%s", sha256);
}

/* The bytes of file path when they are size bytes with this sha256. */
static bool file_matches(const char *path, int64_t size, const char *sha256)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    char got[CSIGN_SHA256_SIZE];
    bool ok = false;
    if (!f) return false;
    buf = malloc(size > 0 ? (size_t)size + 1 : 1);
    if (buf && fread(buf, 1, (size_t)size + 1, f) == (size_t)size) {
        csign_sha256_hex(buf, (size_t)size, got);
        ok = strcmp(got, sha256) == 0;
    }
    free(buf);
    fclose(f);
    return ok;
}

bool hubcontent_cache_bundle(struct hubcontent *hc, int64_t v, int64_t size, const char *sha256,
                             const char *path)
{
    unsigned char *data = NULL;
    size_t len = 0;
    char tmp[1200], got[CSIGN_SHA256_SIZE];
    struct stat now;
    bool ok = false;
    if (stat(path, &now) == 0) {
        pthread_mutex_lock(&hc->mu);
        ok = was_verified(hc, v, &now, sha256);
        pthread_mutex_unlock(&hc->mu);
        if (ok) return true;
        if (file_matches(path, size, sha256)) goto verified;
    }
    if (hubpg_bundle_get(hc->st->pg, v, &data, &len) != KERR_OK) {
        KLOGE("hub", "content v%lld: the bundle is not in the database", (long long)v);
        return false;
    }
    csign_sha256_hex(data, len, got);
    if ((int64_t)len != size || strcmp(got, sha256) != 0) {
        KLOGE("hub", "content v%lld: the database's bundle does not match its release", (long long)v);
        free(data);
        return false;
    }
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)pthread_self());
    ok = hubcontent_write_file(tmp, data, len) == KERR_OK && rename(tmp, path) == 0;
    free(data);
    if (!ok) {
        KLOGE("hub", "content v%lld: cannot write %s: %s", (long long)v, path, strerror(errno));
        unlink(tmp);
        return false;
    }
    KLOGI("hub", "content v%lld: bundle cached from the database", (long long)v);
verified:
    pthread_mutex_lock(&hc->mu);
    hubcontent_note_verified(hc, v, path, sha256);
    pthread_mutex_unlock(&hc->mu);
    return true;
}

/* hubpurge_folder's test of a bundle file's version. On PostgreSQL the
 * folder is a cache: a file is kept only for a release in the list whose
 * bytes are kept. On SQLite it is the only copy, so only the files of
 * releases the sweep purged go (a file without a row is left alone: the list
 * might be short after a failed read). Under mu. */
static bool keep_bundle(int64_t v, void *arg)
{
    const struct hubcontent *hc = arg;
    for (size_t i = 0; i < hc->nrel; i++)
        if (hc->rel[i].version == v) return !hc->rel[i].purged;
    return !hc->st->pg;
}

void hubcontent_prune(struct hubcontent *hc, int64_t *files, int64_t *bytes)
{
    hubpurge_folder(hc->dir, keep_bundle, hc, files, bytes);
    /* a checked file that is gone must be checked again if it comes back */
    for (unsigned i = 0; i < hc->nverified && i < VERIFIED_MAX; i++)
        if (!keep_bundle(hc->verified[i].version, hc)) hc->verified[i].version = -1;
}

/* SQLite: the purged marks the writer's sweep set on its own connection
 * into the list (the rest of the list is this process's and current).
 * false when the table could not be read. Under mu. */
static bool read_purged(struct hubcontent *hc)
{
    struct hubstore_rd rd;
    struct hubstore_q q;
    int rc = SQLITE_ERROR;
    if (!hubstore_rd_own(hc->st, hc->db, &rd)) return false;
    if (hubstore_q_prep(&q, &rd, "SELECT version, purged FROM content_releases WHERE purged <> 0",
                        NULL))
        while ((rc = hubstore_q_step(&q)) == SQLITE_ROW) {
            int64_t v = hubstore_q_int_col(&q, 0);
            for (size_t i = 0; i < hc->nrel; i++)
                if (hc->rel[i].version == v) hc->rel[i].purged = hubstore_q_int_col(&q, 1);
        }
    hubstore_q_done(&q);
    hubstore_rd_put(&rd);
    return rc == SQLITE_DONE;
}

void hubcontent_sweep(struct hubcontent *hc, int64_t *files, int64_t *bytes)
{
    bool ok;
    pthread_mutex_lock(&hc->mu);
    ok = hc->st->pg ? hubcontent_reload(hc) == KERR_OK : read_purged(hc);
    if (ok) hubcontent_prune(hc, files, bytes);
    else KLOGW("hub", "content releases could not be read; no bundle file removed");
    pthread_mutex_unlock(&hc->mu);
}
