/* hubstore_content_impl: struct hubcontent and what hubstore_content.c
 * (releases, kiosk states, the answers) and hubstore_content_files.c (the
 * folder of bundle files: PostgreSQL's checked cache, the sweep's removals)
 * share; seen by no other file. */
#ifndef HUBSTORE_CONTENT_IMPL_H
#define HUBSTORE_CONTENT_IMPL_H

#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

#include "csign.h"
#include "hubstore_content.h"

#define VERIFIED_MAX 16  /* cached bundle files checked by this process */

struct release {
    int64_t version, size, created, expires, at, published;
    int64_t purged; /* when the sweep removed its bundle (Unix s), 0 while kept */
    char sha256[CSIGN_SHA256_SIZE];
    char to[HUBCONTENT_TO_SIZE];
    char targets[HUBCONTENT_TO_SIZE];
    char *manifest; /* the envelope, as the kiosk gets it */
};

struct kstate {
    char id[33], tower[33];
    int64_t content, offered, reported;
    char error[HUBCONTENT_ERR_SIZE];
};

struct hubcontent {
    pthread_mutex_t mu;
    struct hubstore *st;
    sqlite3 *db; /* SQLite: a connection of its own; PostgreSQL: NULL (the store's readers) */
    char dir[1024];
    struct release *rel;
    size_t nrel;
    struct kstate *ks;
    size_t nks, capks;
    /* PostgreSQL: the list and states are the database's, read again when a
     * hub published (stale, set by hubcontent_log_event) or RELOAD_MS after
     * the last read; bundle files are a cache of table content_bundles */
    atomic_bool stale;
    uint64_t loaded_ms; /* monotonic */
    struct verified { /* cached files this process checked, as they were then */
        int64_t version;
        dev_t dev;
        ino_t ino;
        struct timespec mtime;
        char sha256[CSIGN_SHA256_SIZE]; /* the release's, when it was checked */
    } verified[VERIFIED_MAX];
    unsigned nverified;
};

/* Reads the releases and kiosk states again (the lists emptied first). Under mu. */
enum kerr hubcontent_reload(struct hubcontent *hc);

/* Writes len bytes of data to path (created 0600, fsync'd); removes it on a
 * failure. KERR_IO. */
enum kerr hubcontent_write_file(const char *path, const void *data, size_t len);

/* Notes the file of v at path as checked against sha256. Under mu. */
void hubcontent_note_verified(struct hubcontent *hc, int64_t v, const char *path,
                              const char *sha256);

/* PostgreSQL: makes the cached file of release v (size, sha256) at path
 * right: a file this process has not checked is checked once; a missing or
 * wrong one is fetched from the database into a temporary file, checked
 * against the release row and renamed into place. Not under mu. */
bool hubcontent_cache_bundle(struct hubcontent *hc, int64_t v, int64_t size, const char *sha256,
                             const char *path);

/* Removes the folder's bundle files of versions not in the list or purged
 * (and a crash's old temporary files); adds files and bytes removed. Under mu. */
void hubcontent_prune(struct hubcontent *hc, int64_t *files, int64_t *bytes);

#endif
