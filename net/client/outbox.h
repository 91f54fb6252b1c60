/* outbox: the durable queue of things the kiosk must deliver to the hub, in
 * one SQLite file (WAL, synchronous=FULL, secure_delete). One struct outbox is
 * one connection: the UI thread owns one (push, local lookups, counts), the
 * sender thread owns another (listing, marking, erasing). Never share a handle
 * between threads. Schema, states and retention: net/client/README.md.
 * Internal to net/client; the UI uses kclient.h. */
#ifndef OUTBOX_H
#define OUTBOX_H

#include <stdbool.h>
#include <stdint.h>

#include "api.h"
#include "kerr.h"

#define OUTBOX_SCHEMA_VERSION 1

struct outbox;

enum outbox_state { OUTBOX_PENDING = 0, OUTBOX_DELIVERED = 1, OUTBOX_DEAD = 2 };

/* Opens path, creating or migrating the schema (user_version). When check is
 * true, runs PRAGMA quick_check; a damaged file (or one SQLite cannot read)
 * is renamed to <path>.corrupt-<unix time> with its -wal/-shm, a warning is
 * logged and a fresh outbox is created (*moved_aside set to true when given).
 * ui_conn: this connection never checkpoints on its own (keeps commits fast).
 * On failure *out is NULL: KERR_DB, KERR_IO, KERR_CORRUPT (still damaged
 * after moving aside), KERR_NOMEM. */
enum kerr outbox_open(const char *path, bool check, bool ui_conn, struct outbox **out,
                      bool *moved_aside);

/* Closes the connection; NULL is a no-op. */
void outbox_close(struct outbox *ob);

/* Stores a help request. body_json lacks ticket/kiosk_id (filled here) and may
 * lack created_at (now). Validates it with the api codec, then in ONE
 * transaction checks the bound (max_pending pending items), takes the next
 * ticket number, inserts the canonical body with a fresh UUIDv4 key and
 * commits (fsync). On KERR_OK ticket_out/key_out are filled; otherwise they
 * are "" and nothing is stored: KERR_PARSE/INVALID/UTF8/TOOBIG (body, *why
 * says which field), KERR_FULL (bound reached or SQLITE_FULL), KERR_IO
 * (write/fsync failed), KERR_DB, KERR_BUSY (lock not obtained). */
enum kerr outbox_push_request(struct outbox *ob, const char *kiosk_id, const char *body_json,
                              int max_pending, char ticket_out[API_TICKET_SIZE],
                              char key_out[API_UUID_SIZE], const char **why);

struct outbox_item {
    int64_t id;
    int attempts;
    char key[API_UUID_SIZE];
    char ticket[API_TICKET_SIZE];
};

/* Fills items[0..max) with pending items whose id > after_id, oldest first;
 * *n gets the count. KERR_DB on failure (*n = 0). */
enum kerr outbox_list_pending(struct outbox *ob, int64_t after_id, struct outbox_item *items,
                              int max, int *n);

/* The stored body of item id (malloc'd into *body, caller frees). KERR_NOTFOUND
 * when the item is gone, not pending or erased; KERR_DB; KERR_NOMEM. */
enum kerr outbox_body(struct outbox *ob, int64_t id, char **body);

/* Batch marks (wrap several in outbox_begin/outbox_commit to share one fsync). */
enum kerr outbox_begin(struct outbox *ob);
enum kerr outbox_commit(struct outbox *ob); /* on failure rolls back, returns KERR_IO/DB/FULL */
void outbox_rollback(struct outbox *ob);
enum kerr outbox_mark_delivered(struct outbox *ob, int64_t id, int http_status, const char *answer);
enum kerr outbox_mark_dead(struct outbox *ob, int64_t id, int http_status, const char *reason);
enum kerr outbox_mark_retry(struct outbox *ob, int64_t id, int http_status, const char *error,
                            int64_t next_wall_ms);

/* Erases the personal fields (body, answer) of delivered items delivered more
 * than retention_ms ago (or "in the future", after the clock was set back),
 * and of dead items older than dead_retention_ms; deletes rows finished more
 * than prune_ms ago; then truncates the WAL so the erased pages leave the
 * disk. *erased = rows erased. KERR_DB/IO on failure. */
enum kerr outbox_erase_old(struct outbox *ob, int64_t now_wall_ms, int64_t retention_ms,
                           int64_t dead_retention_ms, int64_t prune_ms, int *erased);

/* Counts: pending, dead, created time (wall ms) of the oldest pending (0 if none). */
enum kerr outbox_counts(struct outbox *ob, int *pending, int *dead, int64_t *oldest_created_ms);

struct outbox_local {
    enum outbox_state state;
    char category[API_TOKEN_SIZE];
    int64_t created_ms;
    int attempts;
};

/* Looks a ticket up. KERR_NOTFOUND, KERR_DB. */
enum kerr outbox_local(struct outbox *ob, const char *ticket, struct outbox_local *out);

/* A passive WAL checkpoint (never waits); errors are ignored. */
void outbox_checkpoint(struct outbox *ob);

/* PRAGMA integrity_check == "ok" (tests, admin). */
bool outbox_integrity_ok(struct outbox *ob);

#endif
