/* hubbook: what the hub knows of the nursing rooms it takes bookings for
 * (id, tower and booking rules, read once at start from the content bundle's
 * content.json given with --content), and the bookings' clock. Read-only
 * after hubbook_rooms_load, so any thread may use a loaded set. */
#ifndef HUBBOOK_H
#define HUBBOOK_H

#include <stdint.h>

#include "api.h"
#include "booking.h"
#include "kerr.h"

struct hubbook_room {
    char id[API_TOKEN_SIZE];
    char tower[API_TOKEN_SIZE];
    struct book_rules rules;
};

struct hubbook_rooms {
    int n;
    struct hubbook_room *room; /* n entries */
};

/* Reads the nursing rooms that have a `booking` object from the content.json
 * at path. A room whose rules do not parse is refused: KERR_INVALID with a
 * log line naming it (the hub must not take bookings against wrong hours).
 * KERR_IO / KERR_PARSE / KERR_NOMEM otherwise; *out NULL on failure. */
enum kerr hubbook_rooms_load(const char *path, struct hubbook_rooms **out);

/* Frees a set; NULL is a no-op. */
void hubbook_rooms_free(struct hubbook_rooms *rs);

/* The room with this id, or NULL (rs may be NULL). */
const struct hubbook_room *hubbook_room_find(const struct hubbook_rooms *rs, const char *id);

/* The bookings' clock in Unix seconds: the wall clock, or for tests only the
 * number in the file named by KIOSK_HUB_TEST_CLOCK (read at every call, so a
 * test can step it; a warning is logged once at start by hubbook_clock_note). */
int64_t hubbook_now_s(void);
void hubbook_clock_note(void);

#endif
