/* Helpers shared by the ime tests: a private temp parent for the engine's
 * user directory, and candidate lookups by text. */
#ifndef IME_TESTUTIL_H
#define IME_TESTUTIL_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ime.h"
#include "imew.h"

/* Index of text among all candidates, or -1. */
static inline long cand_index(const struct ime *ime, const char *text)
{
    const char *c[IME_MAX_CANDIDATES];
    size_t n = ime_candidates(ime, 0, c, IME_MAX_CANDIDATES);
    for (size_t i = 0; i < n; i++)
        if (strcmp(c[i], text) == 0) return (long)i;
    return -1;
}

/* Index of text among the candidates of an engine thread's answer, or -1. */
static inline long cand_index_view(const struct imew_view *v, const char *text)
{
    for (size_t i = 0; i < v->n_cand; i++)
        if (strcmp(v->cand[i], text) == 0) return (long)i;
    return -1;
}

/* Number of entries (not . or ..) in dir, -1 if it cannot be opened. */
static inline int dir_entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    if (!d) return -1;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
    closedir(d);
    return n;
}

/* Creates an empty private parent directory for one test. */
static inline char *test_parent(char *buf, size_t cap, const char *tag)
{
    const char *t = getenv("TMPDIR");
    snprintf(buf, cap, "%s/ime-test-%s-XXXXXX", t && *t ? t : "/tmp", tag);
    return mkdtemp(buf);
}

static inline void print_top(const struct ime *ime, const char *label, size_t k)
{
    const char *c[16];
    size_t n = ime_candidates(ime, 0, c, k < 16 ? k : 16);
    printf("%s:", label);
    for (size_t i = 0; i < n; i++) printf(" %s", c[i]);
    printf("\n");
}

#endif
