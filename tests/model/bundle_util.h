/* Helpers for the content tests: a minimal valid bundle as text, writing a
 * bundle folder under /tmp, and replacing text in a string. */
#ifndef BUNDLE_UTIL_H
#define BUNDLE_UTIL_H

#include <stddef.h>

/* The smallest valid bundle: one tower, org, category, service, notice with
 * image "images/a.png". */
extern const char bundle_minimal[];

/* Creates a fresh folder /tmp/kmodel-test-<pid>-<name> with content.json =
 * json[0..len) and, when png_src is not NULL, images/a.png copied from it.
 * Returns the folder path (static buffer, overwritten by the next call) or
 * NULL. */
const char *bundle_write(const char *name, const char *json, size_t len, const char *png_src);

/* Writes a file (for images) inside dir; returns 0 on success. */
int bundle_put_file(const char *dir, const char *rel, const void *data, size_t len);

/* malloc'd copy of s with the first occurrence of from replaced by to; NULL
 * if from does not occur (the test then fails loudly). */
char *str_replace1(const char *s, const char *from, const char *to);

/* Removes a bundle folder made by bundle_write (two levels). */
void bundle_remove(const char *dir);

#endif
