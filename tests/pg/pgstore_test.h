/* pgstore_test: what the PostgreSQL store tests share (test_hubstore_pg.c,
 * test_hubstore_pg_same.c): a request job, and main's choice of the part
 * (argv[1]) run on a fresh database of its own. Header-only. */
#ifndef PGSTORE_TEST_H
#define PGSTORE_TEST_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "hubstore.h"
#include "ktest.h"
#include "pgtest.h"

static inline void req_job(struct hubstore_job *j, int key, const char *body)
{
    memset(j, 0, sizeof *j);
    j->op = HUBSTORE_REQ_PUT;
    snprintf(j->kiosk_id, sizeof j->kiosk_id, "k%d", key % 13);
    snprintf(j->idem_key, sizeof j->idem_key, "00000000-0000-4000-8000-%012d", key);
    api_ticket_format(j->ticket, j->kiosk_id, (uint64_t)key + 1);
    snprintf(j->category, sizeof j->category, "it");
    j->body = body;
    memset(j->body_hash, 0, 32);
    memcpy(j->body_hash, body, strlen(body) < 32 ? strlen(body) : 32);
}

struct pgstore_part {
    const char *name;
    void (*fn)(const char *url);
};

/* Runs the part argv[1] of parts on a fresh database hubpg_<part>. */
static inline int pgstore_main(int argc, char **argv, const struct pgstore_part *parts, size_t n)
{
    char url[1024], db[64];
    const char *part = argc > 1 ? argv[1] : "";
    for (size_t i = 0; i < n; i++)
        if (strcmp(part, parts[i].name) == 0) {
            snprintf(db, sizeof db, "hubpg_%s", part);
            pgtest_fresh_db(db, url, sizeof url);
            parts[i].fn(url);
            return ktest_done(db);
        }
    fprintf(stderr, "usage: %s PART [content.json]\n", argv[0]);
    return 2;
}

#endif
