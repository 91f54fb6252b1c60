/* hubstore_booking: the hub's nursing-room bookings in its database (table
 * `bookings`, schema step in hubstore.c's migrations[]). Two confirmed
 * bookings of one slot are impossible at the storage level: a partial UNIQUE
 * index on (room, slot_start) over the active states (confirmed, checked_in).
 * Writes are jobs of op HUBSTORE_BOOKING on the store's writer thread (one at
 * a time, so check and insert are one step), their struct hubstore_booking
 * hung on job->ext; reads use the store's reader connections. Every write
 * first releases the no-shows whose release time has passed and erases the
 * phone numbers of bookings whose slot ended 24 h ago (so does the store's
 * sweep); reads count a confirmed booking past its release time as free, so
 * a no-show's slot is bookable the second its release time comes. Any
 * thread may call these. */
#ifndef HUBSTORE_BOOKING_H
#define HUBSTORE_BOOKING_H

#include <stdbool.h>
#include <stdint.h>

#include "booking.h"
#include "hubbook.h"
#include "hubstore.h"

struct cJSON;

#define HUBSTORE_BOOKING_ERASE_S (24 * 3600) /* the phone is erased this long after the slot */

/* The schema step that adds the bookings table (appended to migrations[]). */
#define HUBSTORE_BOOKING_MIGRATION                                                              \
    "CREATE TABLE bookings(id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE,"                  \
    " room TEXT NOT NULL, tower TEXT NOT NULL, slot_start INTEGER NOT NULL,"                    \
    " slot_end INTEGER NOT NULL, checkin_from INTEGER NOT NULL, checkin_until INTEGER NOT NULL," \
    " release_at INTEGER NOT NULL, state TEXT NOT NULL"                                         \
    " CHECK(state IN ('confirmed', 'checked_in', 'cancelled', 'released')),"                    \
    " kiosk_id TEXT NOT NULL, idem_key TEXT NOT NULL, body_hash BLOB NOT NULL,"                 \
    " phone TEXT, phone_last4 TEXT NOT NULL, phone_day INTEGER NOT NULL, lang TEXT,"            \
    " offline INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,"  \
    " checked_in_at TEXT, note TEXT, erased_at TEXT, UNIQUE(kiosk_id, idem_key));"              \
    "CREATE UNIQUE INDEX bookings_one_per_slot ON bookings(room, slot_start)"                   \
    " WHERE state IN ('confirmed', 'checked_in');"                                              \
    "CREATE INDEX bookings_by_room_time ON bookings(room, slot_start);"                         \
    "CREATE INDEX bookings_to_release ON bookings(release_at) WHERE state = 'confirmed';"        \
    "CREATE INDEX bookings_to_erase ON bookings(slot_end) WHERE phone IS NOT NULL;"             \
    "CREATE INDEX bookings_by_phone ON bookings(phone, phone_day) WHERE phone IS NOT NULL;"     \
    "CREATE TABLE booking_leases(room TEXT NOT NULL, slot_start INTEGER NOT NULL,"              \
    " kiosk_id TEXT NOT NULL, granted_at TEXT NOT NULL, PRIMARY KEY(room, slot_start));"

enum hubstore_bop {
    HSB_CREATE,       /* 201 new, 200 replay, 409 slot-taken / phone-limit, 422 */
    HSB_CHECKIN,      /* 200, 404 (code or last 4 wrong), 409 outside the window / not active */
    HSB_CANCEL,       /* 200, 404, 409 not active */
    HSB_ADMIN_CANCEL, /* 200, 404, 409 not active; with an audit row */
    HSB_LEASE,        /* grant kiosk_id the near-term slots of its tower's rooms (200) */
};

#define HUBSTORE_LEASE_AHEAD_S (3 * 3600) /* a lease covers the slots starting this soon */

/* One booking write; the inputs of its op, the outputs filled by the writer
 * (job->result is the HTTP status, job->answer the booking's JSON on 2xx). */
struct hubstore_booking {
    enum hubstore_bop op;
    const struct hubbook_rooms *rooms; /* every op: the rules of the booking's room */
    int64_t now;                       /* the bookings' clock when the request came */
    /* CREATE */
    const struct hubbook_room *room;
    int64_t start;
    char phone[BOOK_PHONE_SIZE];
    char lang[API_LANG_SIZE];
    char kiosk_id[API_KIOSK_ID_SIZE];
    char idem_key[API_UUID_SIZE];
    uint8_t body_hash[32];
    bool offline;                  /* confirmed by the kiosk under its lease */
    /* CREATE: "" = make one; the others: the booking's code */
    char code[BOOK_CODE_SIZE];
    char last4[BOOK_LAST4_SIZE];   /* CHECKIN, CANCEL */
    char note[512];                /* ADMIN_CANCEL */
    char actor[HUBSTORE_USER_MAX + 1];
    char tower[API_TOKEN_SIZE];    /* LEASE: the kiosk's tower */
    /* outputs */
    char slug[32];                 /* the problem's slug on 4xx */
    char detail[160];
    int64_t alt[BOOK_ALTERNATIVES]; /* 409 slot-taken: the nearest free slots */
    int n_alt;
    int64_t win_from, win_until;   /* 409 outside the check-in window */
};

/* Writer thread (hubstore_jobs.c calls these): runs the job on ext in the
 * open transaction (0, or -1 on a database error); the sweep's part. */
int hubstore_booking_run(struct hubstore *st, struct hubstore_job *j, const char *now);
int hubstore_booking_sweep(struct hubstore *st, int64_t now_s, const char *now);

/* The active (confirmed or checked in, not past its release) slot starts of
 * room in [from, to), in order, into starts (cap). *n = how many. KERR_DB. */
enum kerr hubstore_booking_taken(struct hubstore *st, const char *room, int64_t from, int64_t to,
                                 int64_t now, int64_t *starts, int cap, int *n);

/* Staff: bookings as a new cJSON array (each with its phone until erased),
 * by slot; room and day (local day number, or INT64_MIN) filter. */
enum kerr hubstore_booking_list(struct hubstore *st, const char *room, int64_t day, int64_t now,
                                int limit, struct cJSON **out);

/* Staff: one booking by code as a new cJSON object. KERR_NOTFOUND. */
enum kerr hubstore_booking_get(struct hubstore *st, const char *code, int64_t now,
                               struct cJSON **out);

/* The slots leased to kiosk (not yet ended) as a new cJSON array of
 * {room, start, end, state: free|taken}, for its heartbeat answer. */
enum kerr hubstore_booking_leases(struct hubstore *st, const char *kiosk, int64_t now,
                                  const struct hubbook_rooms *rooms, struct cJSON **out);

/* The slot starts of room in [from, to) leased to another kiosk than kiosk
 * (shown as "held": bookable only at that kiosk). KERR_DB. */
enum kerr hubstore_booking_held(struct hubstore *st, const char *room, int64_t from, int64_t to,
                                const char *kiosk, int64_t *starts, int cap, int *n);

/* Counts of bookings by state (tests and the benchmark): total rows and the
 * active ones per (room, slot) that are more than one (must stay 0). */
enum kerr hubstore_booking_stats(struct hubstore *st, int64_t *rows, int64_t *double_booked);

#endif
