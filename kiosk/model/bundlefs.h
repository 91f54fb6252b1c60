/* bundlefs: opening the files of a content bundle safely. A bundle folder is
 * written by people and copied by tools, so a file in it may be a FIFO (an
 * open() that never returns), a device, or a symlink pointing out of the
 * bundle. bundlefs_open() walks a path inside the bundle one component at a
 * time with O_NOFOLLOW, opens the last with O_NONBLOCK (a FIFO cannot block),
 * and accepts regular files only. The bundle folder itself may be a symlink
 * (an atomic switch of bundles is done that way). No state; any thread. */
#ifndef BUNDLEFS_H
#define BUNDLEFS_H

#include <stddef.h>
#include <sys/stat.h>

#include "kerr.h"

/* Deepest path accepted inside a bundle ("images/x.png" is 2 components). */
#define BUNDLEFS_MAX_DEPTH 4

/* True when rel is a path bundlefs_open() may open: relative, components of
 * 1..255 bytes separated by single '/', none "." or "..", no '\\'. */
int bundlefs_rel_ok(const char *rel);

/* Opens rel inside the folder dir for reading. On success returns a
 * descriptor (O_CLOEXEC, blocking) of a regular file and fills *st (may be
 * NULL). On failure returns -1, sets *err (KERR_NOTFOUND: dir or file
 * missing; KERR_INVALID: symlink, not a regular file, bad rel; KERR_IO) and
 * *why to a static reason: "symlink refused", "not a regular file (FIFO)",
 * "does not exist", "cannot be opened". why and err may be NULL. */
int bundlefs_open(const char *dir, const char *rel, struct stat *st, const char **why,
                  enum kerr *err);

/* Reads the regular file fd of size bytes (from fstat) whole into a malloc'd
 * buffer, NUL-terminated (buf[size] == 0); fails with KERR_IO when the file
 * does not hold size bytes any more, KERR_NOMEM. The caller frees *out and
 * closes fd. */
enum kerr bundlefs_read_all(int fd, size_t size, char **out);

#endif
