/* kclient_booking: the kiosk's questions to the hub about nursing-room
 * bookings (availability, create, check-in, cancel). Like ticket lookups
 * they are asked on the UI thread, return at once, and are carried by the
 * sender thread (libcurl); each answer arrives as a KCLIENT_EV_BOOKING event
 * (kclient_next_event) and is then taken with kclient_booking_answer. A
 * create carries the person's phone: the request is wiped once sent, and
 * the kiosk keeps no phone (the hub's answer has the last 4 digits only).
 * Every function: the thread that opened the client (KASSERT_OWNER). */
#ifndef KCLIENT_BOOKING_H
#define KCLIENT_BOOKING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api.h"
#include "booking.h"
#include "kclient.h"
#include "kerr.h"

enum kclient_bkind {
    KCLIENT_B_AVAIL,   /* GET /api/v1/rooms/{room}/availability?date=&days= */
    KCLIENT_B_CREATE,  /* POST /api/v1/bookings with key */
    KCLIENT_B_CHECKIN, /* POST /api/v1/bookings/{code}/check-in */
    KCLIENT_B_CANCEL,  /* POST /api/v1/bookings/{code}/cancel */
};

struct kclient_bcall {
    enum kclient_bkind kind;
    char room[API_TOKEN_SIZE];     /* AVAIL, CREATE */
    char date[BOOK_DATE_SIZE];     /* AVAIL: first day (Beijing) */
    int days;                      /* AVAIL: 1.. */
    char start[API_TIME_SIZE];     /* CREATE: the slot's start (UTC) */
    char phone[BOOK_PHONE_SIZE];   /* CREATE (personal: wiped once sent) */
    char lang[API_LANG_SIZE];      /* CREATE */
    char key[API_UUID_SIZE];       /* CREATE: the Idempotency-Key; the same for a retry */
    char code[BOOK_CODE_SIZE];     /* CHECKIN, CANCEL */
    char last4[BOOK_LAST4_SIZE];   /* CHECKIN, CANCEL */
};

struct kclient_banswer {
    uint32_t id;            /* as kclient_booking_call returned it */
    enum kclient_bkind kind;
    enum kerr error;        /* KERR_OK: the hub answered (http, body); KERR_NET: no answer
                               (offline, timeout); KERR_NOMEM */
    int http;
    char *body;             /* the hub's JSON (NUL-terminated) or NULL; the caller frees it */
    size_t len;
    int retry_after_s;      /* 429 / 503: the answer's Retry-After in seconds (0: none; at
                               most 3600) */
};

/* Queues a question for the sender; *id names its answer. Returns at once:
 * KERR_OK; KERR_INVALID for a malformed call (room, date, code, phone...);
 * KERR_FULL when too many wait. Without a hub the answer comes at once with
 * KERR_NET. q is copied (and the copy wiped once sent). */
enum kerr kclient_booking_call(struct kclient *c, const struct kclient_bcall *q, uint32_t *id);

/* Takes the answer to call id into *out (true), or false when it has not come
 * (yet). Answers nobody takes are dropped, oldest first, past 16. */
bool kclient_booking_answer(struct kclient *c, uint32_t id, struct kclient_banswer *out);

/* Frees an answer's body. */
void kclient_banswer_free(struct kclient_banswer *a);

/* Leases (bookbox.h): the slots the hub leased this kiosk (the heartbeat
 * names the config's tower; the answer's `leases` are kept in
 * <state>/bookings.db). slot: 0 not held, 1 held and free, 2 held and
 * taken. held: the held slots of room starting in [from, to). */
int kclient_booking_slot(struct kclient *c, const char *room, int64_t start);
int kclient_booking_held(struct kclient *c, const char *room, int64_t from, int64_t to,
                         int64_t *starts, bool *free, int cap);

/* Confirms a booking of a held free slot here, online or not: makes the
 * code, commits the booking durably (with a fresh Idempotency-Key) before
 * returning, and the sender delivers it to the hub exactly once, then
 * erases the phone. code and last4 get what the person is shown. KERR_BUSY
 * when the slot is not held or not free (nothing stored), KERR_INVALID for a
 * malformed phone, KERR_DB / KERR_IO when it was not made durable. */
enum kerr kclient_booking_local(struct kclient *c, const char *room, int64_t start,
                                const char *phone, const char *lang, char code[BOOK_CODE_SIZE],
                                char last4[BOOK_LAST4_SIZE]);

/* Bookings confirmed here (kclient_booking_local) that have not reached the
 * hub yet; -1 when bookings.db cannot be read. */
int kclient_booking_pending(struct kclient *c);

#endif
