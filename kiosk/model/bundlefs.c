/* bundlefs: see bundlefs.h. Paths are walked with openat() one component at
 * a time so that a symlinked folder inside the bundle ("images" -> /etc) is
 * refused as surely as a symlinked file. */
#include "bundlefs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int bundlefs_rel_ok(const char *rel)
{
    size_t comp = 0, parts = 0;
    if (!rel || !*rel || rel[0] == '/' || strchr(rel, '\\')) return 0;
    for (const char *s = rel;; s++) {
        if (*s == '/' || *s == 0) {
            if (comp == 0 || comp > 255) return 0;
            if ((comp == 1 && s[-1] == '.') || (comp == 2 && s[-1] == '.' && s[-2] == '.'))
                return 0;
            if (++parts > BUNDLEFS_MAX_DEPTH) return 0;
            comp = 0;
            if (*s == 0) break;
        } else {
            comp++;
        }
    }
    return 1;
}

static const char *type_reason(mode_t m)
{
    if (S_ISFIFO(m)) return "not a regular file (FIFO)";
    if (S_ISSOCK(m)) return "not a regular file (socket)";
    if (S_ISCHR(m)) return "not a regular file (character device)";
    if (S_ISBLK(m)) return "not a regular file (block device)";
    if (S_ISDIR(m)) return "not a regular file (folder)";
    if (S_ISLNK(m)) return "symlink refused";
    return "not a regular file";
}

static int fail(const char **why, enum kerr *err, const char *w, enum kerr e)
{
    if (why) *why = w;
    if (err) *err = e;
    return -1;
}

static int errno_fail(const char **why, enum kerr *err, int e)
{
    if (e == ELOOP || e == EMLINK) return fail(why, err, "symlink refused", KERR_INVALID);
    if (e == ENOENT) return fail(why, err, "does not exist", KERR_NOTFOUND);
    if (e == ENOTDIR) return fail(why, err, "not a regular file (a folder on its path is not one)", KERR_INVALID);
    return fail(why, err, "cannot be opened", KERR_IO);
}

int bundlefs_open(const char *dir, const char *rel, struct stat *st, const char **why,
                  enum kerr *err)
{
    char comp[256];
    struct stat sb;
    int dfd, fd, fl;
    const char *s = rel;
    if (!st) st = &sb;
    if (!dir || !bundlefs_rel_ok(rel)) return fail(why, err, "is not a path inside the bundle", KERR_INVALID);
    /* The bundle folder itself may be a symlink; nothing below it may. */
    dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) return errno == ENOENT || errno == ENOTDIR ? fail(why, err, "bundle folder does not exist", KERR_NOTFOUND)
                                                            : fail(why, err, "cannot be opened", KERR_IO);
    for (;;) {
        size_t n = strcspn(s, "/");
        memcpy(comp, s, n); /* n <= 255: bundlefs_rel_ok */
        comp[n] = 0;
        s += n;
        if (*s == 0) break;
        s++;
        fd = openat(dfd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
            int e = errno;
            /* O_DIRECTORY wins over O_NOFOLLOW: a symlink gives ENOTDIR */
            if (e == ENOTDIR && fstatat(dfd, comp, &sb, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(sb.st_mode))
                e = ELOOP;
            close(dfd);
            return errno_fail(why, err, e);
        }
        close(dfd);
        dfd = fd;
    }
    fd = openat(dfd, comp, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        close(dfd);
        return errno_fail(why, err, e);
    }
    close(dfd);
    if (fstat(fd, st) != 0) {
        close(fd);
        return fail(why, err, "cannot be read", KERR_IO);
    }
    if (!S_ISREG(st->st_mode)) {
        close(fd);
        return fail(why, err, type_reason(st->st_mode), KERR_INVALID);
    }
    /* A regular file ignores O_NONBLOCK; clear it anyway so nothing later
     * sees EAGAIN if the file is swapped for something else by fd passing. */
    fl = fcntl(fd, F_GETFL);
    if (fl >= 0) (void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    return fd;
}

enum kerr bundlefs_read_all(int fd, size_t size, char **out)
{
    char *buf = malloc(size + 1);
    size_t got = 0;
    *out = NULL;
    if (!buf) return KERR_NOMEM;
    while (got < size) {
        ssize_t r = read(fd, buf + got, size - got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        got += (size_t)r;
    }
    if (got != size) {
        free(buf);
        return KERR_IO;
    }
    buf[size] = 0;
    *out = buf;
    return KERR_OK;
}
