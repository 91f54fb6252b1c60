/* hubstore_purge: see hubstore_purge.h. */
#define _GNU_SOURCE
#include "hubstore_purge.h"

#include <dirent.h>
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "klog.h"

#include "hubstore_impl.h"

#define TMP_AGE_S 3600 /* a temporary file this old was left by a crash */

/* Runs sql on the writer in its open transaction with ?1 = t; *changed gets
 * the rows it changed, and the first row's two numbers go to row[0..1] when
 * row is not NULL. 0, or -1 on an error. */
static int run_w(struct hubstore *st, const char *sql, int64_t t, int64_t *changed, int64_t *row)
{
    struct hubstore_rd rd;
    struct hubstore_q q;
    int rc = SQLITE_ERROR;
    hubstore_rd_writer(st, &rd);
    if (hubstore_q_prep(&q, &rd, sql, NULL)) {
        if (strstr(sql, "?1")) hubstore_q_int(&q, 1, t);
        rc = hubstore_q_step(&q);
        if (rc == SQLITE_ROW && row) {
            row[0] = hubstore_q_int_col(&q, 0);
            row[1] = hubstore_q_int_col(&q, 1);
            rc = SQLITE_DONE;
        }
        if (changed) *changed = hubstore_q_changes(&q);
    }
    hubstore_q_done(&q);
    return rc == SQLITE_DONE ? 0 : -1;
}

int hubpurge_sweep(struct hubstore *st, int64_t now_s, struct hubstore_swept *c)
{
    int64_t n = 0, del[2] = {0, 0};
    /* below the two newest, and neither installed nor offered on a kiosk
     * that may still heartbeat (a revoked kiosk never will; a new token
     * makes it report again, and it is then offered the newest) */
    if (run_w(st, "UPDATE content_releases SET purged = ?1 WHERE purged = 0"
                  " AND version < (SELECT version FROM content_releases"
                  "  ORDER BY version DESC LIMIT 1 OFFSET 1)"
                  " AND version NOT IN (SELECT c.content FROM content_kiosks c"
                  "  JOIN kiosks k ON k.id = c.id WHERE k.revoked_at IS NULL"
                  "  UNION SELECT c.offered FROM content_kiosks c"
                  "  JOIN kiosks k ON k.id = c.id WHERE k.revoked_at IS NULL)",
              now_s, &n, NULL) != 0)
        return -1;
    c->releases += n;
    if (!st->pg) return 0; /* SQLite: the bundles are files (hubcontent_sweep) */
    /* the rows of every purged release, those of earlier sweeps included
     * (nothing is left of them after the first) */
    if (run_w(st, "WITH d AS (DELETE FROM content_bundles b USING content_releases r"
                  " WHERE r.version = b.version AND r.purged <> 0 RETURNING length(b.data) AS n)"
                  " SELECT count(*), coalesce(sum(n), 0) FROM d",
              0, NULL, del) != 0)
        return -1;
    c->bytes += del[1];
    /* a revoked kiosk cannot poll (its token is refused), a removed one is
     * gone: their rows would stay forever */
    if (run_w(st, "DELETE FROM kiosk_polls WHERE kiosk NOT IN"
                  " (SELECT id FROM kiosks WHERE revoked_at IS NULL)",
              0, &n, NULL) != 0)
        return -1;
    c->polls += n;
    return 0;
}

/* The version of a file name "bundle-V.tar", or -1. */
static int64_t bundle_version(const char *name)
{
    char *end;
    long long v;
    if (strncmp(name, "bundle-", 7) != 0 || name[7] < '0' || name[7] > '9') return -1;
    v = strtoll(name + 7, &end, 10);
    return strcmp(end, ".tar") == 0 && v > 0 ? (int64_t)v : -1;
}

void hubpurge_folder(const char *dir, bool (*keep)(int64_t version, void *arg), void *arg,
                     int64_t *files, int64_t *bytes)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    time_t now = time(NULL);
    if (!d) {
        KLOGW("hub", "content folder %s: %s", dir, strerror(errno));
        return;
    }
    while ((e = readdir(d))) {
        char path[4400];
        struct stat sb;
        int64_t v = bundle_version(e->d_name);
        size_t len = strlen(e->d_name);
        bool stale_tmp = len > 4 && strcmp(e->d_name + len - 4, ".tmp") == 0;
        if (v < 0 && !stale_tmp) continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (lstat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) continue;
        if (v >= 0 && keep(v, arg)) continue;
        if (v < 0 && sb.st_mtime > now - TMP_AGE_S) continue; /* being written now */
        if (unlink(path) != 0) {
            KLOGW("hub", "cannot remove %s: %s", path, strerror(errno));
            continue;
        }
        ++*files;
        *bytes += (int64_t)sb.st_size;
    }
    closedir(d);
}
