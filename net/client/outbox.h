/* outbox: the durable queue of things the kiosk must deliver to the hub, in
 * one SQLite file (WAL, synchronous=FULL, secure_delete). One struct outbox is
 * one connection: the UI thread owns one (push, local lookups, counts), the
 * sender thread owns another (listing, marking, renumbering, erasing). Never
 * share a handle between threads. Schema, states, tickets and retention:
 * net/client/README.md. Internal to net/client; the UI uses kclient.h. */
#ifndef OUTBOX_H
#define OUTBOX_H

#include <stdbool.h>
#include <stdint.h>

#include "api.h"
#include "kerr.h"

#define OUTBOX_SCHEMA_VERSION 2
#define OUTBOX_EPOCH_MIN 100 /* tickets are <kiosk>-<epoch><6 digits>, epoch 100..999 */
#define OUTBOX_EPOCH_MAX 999

struct outbox;

enum outbox_state { OUTBOX_PENDING = 0, OUTBOX_DELIVERED = 1, OUTBOX_DEAD = 2 };

struct outbox_opts {
    bool check;         /* run PRAGMA quick_check; move a damaged file aside and salvage it */
    bool ui_conn;       /* this connection never checkpoints on its own (keeps commits fast) */
    uint64_t test_seed; /* 0: epochs and check codes from getrandom(2); else a fixed
                           sequence from this seed (tests only: predictable) */
};

/* What outbox_open found when opts.check was set. */
struct outbox_damage {
    bool moved_aside;   /* the file was damaged: renamed to <path>.corrupt-<unix time> */
    int salvaged;       /* pending rows copied from it into the new file */
    int unreadable;     /* row ids SQLite could not read (pending or finished); -1 when
                           not even the table could be read */
};

/* Opens path, creating or migrating the schema (user_version; a new file or
 * a migrated one draws a random ticket epoch). With opts->check, runs PRAGMA
 * quick_check; a damaged file (or one SQLite cannot read) is renamed to
 * <path>.corrupt-<unix time> with its -wal/-shm, a fresh outbox is created,
 * every pending row SQLite can still read is copied into it (same key,
 * ticket, check code, body, created time) and the number of unreadable rows
 * is added to the file's lost count; *dmg (may be NULL) says what happened.
 * On failure *out is NULL: KERR_DB, KERR_IO, KERR_CORRUPT (still damaged after
 * moving aside), KERR_NOMEM. */
enum kerr outbox_open(const char *path, const struct outbox_opts *opts, struct outbox **out,
                      struct outbox_damage *dmg);

/* Closes the connection (its body buffer is wiped); NULL is a no-op. */
void outbox_close(struct outbox *ob);

struct outbox_receipt {
    char ticket[API_TICKET_SIZE]; /* <kiosk_id>-<epoch><6 digits> */
    char check[API_CHECK_SIZE];   /* 6 digits: the lookup needs it */
};

/* Stores a help request. Stamps r in place: ticket (the next of the current
 * epoch, never one this file holds), kiosk_id, created_at (now, when ""), a
 * fresh check code; receipt_ticket is cleared. Validates r (api_help_request_
 * check), encodes it ONCE into the connection's body buffer (canonical JSON,
 * byte for byte api_help_request_encode), and in ONE transaction checks the
 * bound (max_pending pending items), takes the ticket, inserts the item with a
 * fresh UUIDv4 key and commits (fsync); the buffer is wiped before returning.
 * On KERR_OK *out and key_out are filled; otherwise they are "" and nothing
 * is stored: KERR_INVALID/UTF8/TOOBIG (r; *why names the field), KERR_FULL
 * (bound reached or SQLITE_FULL), KERR_IO (write/fsync failed), KERR_DB,
 * KERR_BUSY (lock not obtained). The caller still owns (and wipes) r. */
enum kerr outbox_push_request(struct outbox *ob, const char *kiosk_id, struct api_help_request *r,
                              int max_pending, struct outbox_receipt *out,
                              char key_out[API_UUID_SIZE], const char **why);

struct outbox_item {
    int64_t id;
    int attempts;
    char key[API_UUID_SIZE];
    char ticket[API_TICKET_SIZE];  /* the ticket on the wire now */
    char receipt[API_TICKET_SIZE]; /* the ticket on the person's receipt (= ticket unless
                                      renumbered after a 409 ticket-taken) */
};

/* Fills items[0..max) with pending items whose id > after_id, oldest first;
 * *n gets the count. KERR_DB on failure (*n = 0). */
enum kerr outbox_list_pending(struct outbox *ob, int64_t after_id, struct outbox_item *items,
                              int max, int *n);

/* The stored body of item id (malloc'd into *body; the caller wipes and frees
 * it). KERR_NOTFOUND when the item is gone, not pending or erased; KERR_DB;
 * KERR_NOMEM. */
enum kerr outbox_body(struct outbox *ob, int64_t id, char **body);

/* Batch marks (wrap several in outbox_begin/outbox_commit to share one fsync). */
enum kerr outbox_begin(struct outbox *ob);
enum kerr outbox_commit(struct outbox *ob); /* on failure rolls back, returns KERR_IO/DB/FULL */
void outbox_rollback(struct outbox *ob);
enum kerr outbox_mark_delivered(struct outbox *ob, int64_t id, int http_status, const char *answer);
enum kerr outbox_mark_dead(struct outbox *ob, int64_t id, int http_status, const char *reason);
enum kerr outbox_mark_retry(struct outbox *ob, int64_t id, int http_status, const char *error,
                            int64_t next_wall_ms);

/* The hub holds the item's ticket under another key (409 ticket-taken):
 * draws a new epoch (not the current one), gives the pending item id the next
 * ticket of it, keeps the first ticket as its receipt ticket (set once), and
 * rewrites the stored body with the new "ticket" and "receipt_ticket" (same
 * key, same everything else). new_ticket gets the new ticket. Call inside
 * outbox_begin/commit. KERR_NOTFOUND (not pending), KERR_CORRUPT (the stored
 * body is not in canonical form), KERR_DB/IO. */
enum kerr outbox_renumber(struct outbox *ob, int64_t id, const char *kiosk_id,
                          char new_ticket[API_TICKET_SIZE]);

/* Erases the personal fields (body, answer) of delivered items delivered at
 * least retention_ms ago (or "in the future", after the clock was set back),
 * and of dead items older than dead_retention_ms; deletes rows finished more
 * than prune_ms ago; then truncates the WAL so the erased pages leave the
 * disk. *erased = rows erased; *next_due_wall_ms = when the next finished item
 * becomes due (0: none waits). KERR_DB/IO on failure. */
enum kerr outbox_erase_old(struct outbox *ob, int64_t now_wall_ms, int64_t retention_ms,
                           int64_t dead_retention_ms, int64_t prune_ms, int *erased,
                           int64_t *next_due_wall_ms);

/* Deletes damaged copies (<path>.corrupt-<t> and its -wal/-shm) made at least
 * keep_ms ago (or dated in the future); *next_due_wall_ms = when the next one
 * is due (0: none left). Returns how many files were deleted. */
int outbox_remove_damaged(const char *path, int64_t now_wall_ms, int64_t keep_ms,
                          int64_t *next_due_wall_ms);

struct outbox_counts {
    int pending, dead;
    int lost;                  /* unreadable rows of damaged files, since this file was made */
    int64_t oldest_created_ms; /* wall ms of the oldest pending item, 0 if none */
};

enum kerr outbox_counts(struct outbox *ob, struct outbox_counts *out);

struct outbox_local {
    enum outbox_state state;
    char category[API_TOKEN_SIZE];
    int64_t created_ms;
    int attempts;
};

/* Looks a ticket up by its ticket or its receipt ticket; found only when
 * check equals the item's check code (compared in constant time).
 * KERR_NOTFOUND (unknown, wrong or missing check, an item without a code),
 * KERR_DB. */
enum kerr outbox_local(struct outbox *ob, const char *ticket, const char *check,
                       struct outbox_local *out);

/* ---- for the on-site admin panel (issue 15) ---- */

#define OUTBOX_REASON_SIZE 96 /* a reason cut at a UTF-8 boundary, with its NUL */

struct outbox_reason {
    char reason[OUTBOX_REASON_SIZE]; /* the item's last_error ("net", "http_503", or for
                                        dead items "400 <title>: <detail>"); "" = none yet */
    int count;
};

/* Groups the items in state by their last error, the largest groups first
 * (ties by reason), into out[0..max); *n = groups written. Reasons hold no
 * personal data (error words and the hub's problem titles). KERR_DB. */
enum kerr outbox_reasons(struct outbox *ob, enum outbox_state state, struct outbox_reason *out,
                         int max, int *n);

/* Dead items whose body is still kept (not erased): how many could be sent
 * again. KERR_DB. */
enum kerr outbox_resendable(struct outbox *ob, int *n);

/* Puts every dead item whose body is still kept back in the queue, in ONE
 * transaction: state pending, last_error "resent", done_ms cleared; same
 * idempotency key, ticket, check code and body, so the hub still stores it
 * at most once. *revived = items put back; *gone = dead items whose body was
 * already erased (7 days after refusal): they cannot be sent again. KERR_DB,
 * KERR_IO, KERR_BUSY (rolled back, nothing changed). */
enum kerr outbox_revive_dead(struct outbox *ob, int *revived, int *gone);

/* A passive WAL checkpoint (never waits); errors are ignored. */
void outbox_checkpoint(struct outbox *ob);

/* PRAGMA integrity_check == "ok" (tests, admin). */
bool outbox_integrity_ok(struct outbox *ob);

#endif
