/* outbox_impl.h: what the outbox's files share (outbox.c: open, schema,
 * queue and tickets; outbox_salvage.c: a damaged file moved aside and its
 * pending rows copied over; outbox_upkeep.c: retention and the admin
 * panel's reasons and re-sending). Private to the outbox. */
#ifndef OUTBOX_IMPL_H
#define OUTBOX_IMPL_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "outbox.h"

#define MOD "outbox"
#define FUTURE_SLACK_MS 60000 /* a finish time further ahead than this = clock set back */

struct outbox {
    sqlite3 *db;
    char *path;
    uint64_t rng;    /* test seed state; 0 = getrandom */
    /* The one buffer a request's canonical body (name, phone...) is written
     * into; wiped after every use. */
    char body[API_BODY_MAX + 1];
};

/* explicit_bzero: personal data does not outlive its use. */
void outbox_wipe(void *p, size_t n);
/* An SQLite result code as a kerr (SQLITE_OK/DONE/ROW: KERR_OK). */
enum kerr outbox_rc_kerr(int rc);
/* The same, but never KERR_OK: for a step that failed. */
enum kerr outbox_rc_err(int rc);
/* sqlite3_exec on the outbox's connection, a log line on failure. */
int outbox_exec(struct outbox *ob, const char *sql);
/* Rolls back the open transaction, if any. */
void outbox_tx_rollback(struct outbox *ob);
/* Runs a single-row, single-integer query; *v untouched when no row. */
int outbox_query_int(sqlite3 *db, const char *sql, int64_t *v);

/* Renames path (+ -wal, -shm) to <path>.corrupt-<t>; to_main (n bytes) gets
 * the new main name. */
void outbox_move_aside(const char *path, char *to_main, size_t n);
/* Copies every readable pending row of the damaged file src into ob, row by
 * row (a lookup by id each, so one unreadable page costs only its rows);
 * dmg gets the counts, the meta row 'lost' the unreadable ones. */
void outbox_salvage(struct outbox *ob, const char *src, struct outbox_damage *dmg);

#endif
