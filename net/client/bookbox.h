/* bookbox: the kiosk's durable record of its booking leases and of the
 * bookings it confirmed itself on leased slots (SQLite WAL, synchronous=FULL,
 * a file of its own beside the outbox: <state>/bookings.db). The hub leases
 * each kiosk the near-term slots of its tower's rooms (heartbeat answer
 * member `leases`); only the lease holder confirms those slots, online or
 * offline, with a code it makes itself, and the confirmation is committed
 * here before the person is shown it, then sent to the hub with its
 * Idempotency-Key until the hub has it (exactly once, across restarts). The
 * phone is erased when the hub has the booking; the code and last 4 digits
 * go after retention_s, like help requests. One connection per thread: each
 * thread opens its own handle. */
#ifndef BOOKBOX_H
#define BOOKBOX_H

#include <stdbool.h>
#include <stdint.h>

#include "api.h"
#include "booking.h"
#include "kerr.h"

struct bookbox;
struct cJSON;

enum bookbox_slot { BOOKBOX_NOT_LEASED, BOOKBOX_FREE, BOOKBOX_TAKEN };

struct bookbox_item {
    int64_t id;
    char key[API_UUID_SIZE];
    char room[API_TOKEN_SIZE];
    int64_t start;
    char phone[BOOK_PHONE_SIZE];
    char lang[API_LANG_SIZE];
    char code[BOOK_CODE_SIZE];
};

/* Opens (creating) the file. KERR_DB / KERR_IO; *out NULL on failure. */
enum kerr bookbox_open(const char *path, struct bookbox **out);
void bookbox_close(struct bookbox *bb);

/* The hub's lease answer (the array of `leases`): the slots it lists
 * replace the ones held, each free or taken; a slot this kiosk confirmed
 * itself stays taken whatever the answer says. */
enum kerr bookbox_leases_set(struct bookbox *bb, const struct cJSON *leases);

/* Whether this kiosk holds the slot and whether it is free. */
enum bookbox_slot bookbox_slot(struct bookbox *bb, const char *room, int64_t start);

/* The held slots of room starting in [from, to): starts and free flags (cap). */
int bookbox_held(struct bookbox *bb, const char *room, int64_t from, int64_t to, int64_t *starts,
                 bool *free, int cap);

/* Confirms a booking of a held free slot in one transaction: the slot
 * becomes taken and the item waits for the hub. KERR_BUSY when the slot is
 * not held or not free (nothing stored), KERR_DB / KERR_IO. */
enum kerr bookbox_confirm(struct bookbox *bb, const struct bookbox_item *it);

/* The oldest booking waiting for the hub (true) after id after_id. */
bool bookbox_next(struct bookbox *bb, int64_t after_id, struct bookbox_item *out);

/* The hub has it (delivered: the phone is erased) or refused it (dead: kept
 * 7 days for an administrator, then like delivered). */
enum kerr bookbox_done(struct bookbox *bb, int64_t id, bool delivered, int64_t now_ms);

/* Deletes delivered rows older than keep_ms and dead ones after 7 days
 * (leases go when the next lease answer replaces them). */
enum kerr bookbox_sweep(struct bookbox *bb, int64_t now_ms, int64_t keep_ms);

/* Bookings waiting for the hub. */
int bookbox_pending(struct bookbox *bb);

#endif
