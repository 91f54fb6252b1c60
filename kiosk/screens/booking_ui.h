/* booking_ui: what the nursing-room screens share (rooms, room, booking_form,
 * booking_done, booking_manage): their strings in both languages (kept here,
 * beside the screens, so the feature lands as one piece), the hand-overs
 * between the screens, times in Beijing time, and the availability answer
 * read into a plain table. UI thread only. */
#ifndef BOOKING_UI_H
#define BOOKING_UI_H

#include <stdbool.h>
#include <stdint.h>

#include "booking.h"
#include "screens.h"

struct content_nursing_room;

enum bk_str {
    BK_ROOMS_INTRO,
    BK_MANAGE,
    BK_FREE_NOW,
    BK_BUSY_NOW,
    BK_CLOSED_NOW,
    BK_ASKING,
    BK_OFFLINE,
    BK_OFFLINE_LONG,
    BK_HOURS,
    BK_AMENITIES,
    BK_BOOK,
    BK_ROOM_PICK,
    BK_TODAY,
    BK_TOMORROW,
    BK_SLOT_FREE,
    BK_SLOT_TAKEN,
    BK_SLOT_PAST,
    BK_DAY_CLOSED,
    BK_FORM_TITLE,
    BK_PHONE,
    BK_PHONE_HINT,
    BK_PRIVACY,
    BK_CONSENT,
    BK_CONFIRM,
    BK_SENDING,
    BK_BAD_PHONE,
    BK_NEED_CONSENT,
    BK_TAKEN,
    BK_PHONE_LIMIT,
    BK_UNAVAILABLE,
    BK_NET_RETRY,
    BK_ERROR,
    BK_DONE_TITLE,
    BK_CODE,
    BK_CODE_HINT,
    BK_WHEN,
    BK_WHERE,
    BK_ROUTE,
    BK_SCAN,
    BK_CHECKIN_RULE,
    BK_FINISH,
    BK_MANAGE_PROMPT,
    BK_MANAGE_WHERE,
    BK_LAST4,
    BK_CHECKIN,
    BK_CANCEL,
    BK_CHECKED_IN,
    BK_CANCELLED,
    BK_NOT_FOUND,
    BK_TOO_EARLY,
    BK_TOO_LATE,
    BK_NOT_ACTIVE,
    BK_OFFLINE_MANAGE,
    BK_BAD_CODE,
    BK_BAD_LAST4,
    BK_NO_ROOMS,
    BK_QR_TEXT,
    BK_SLOT_MIN,
    BK_SLOT_HELD,
    BK_LOCAL_NOTE,
    BK_OFFLINE_HELD,
    BK_HUB_BUSY,       /* the hub answered 429 / 5xx: online, but busy */
    BK_HUB_BUSY_SHORT, /* the same on a room card's chip */
    BK_RETRY_IN,       /* "%d 秒后自动重试" */
    BK_AVAIL_ERROR,    /* an availability answer that is not one (4xx, a proxy's page) */
    BK_FORM_BUSY,
    BK__COUNT
};

/* The string in the app's language (never NULL). */
const char *bk_tr(struct app *a, enum bk_str id);

/* For tests: true when both languages have every string. */
bool bk_strings_complete(void);

/* Every string of both languages, for the glyph check in tests. */
const char *bk_string(enum bk_str id, bool english);

/* The i-th bookable nursing room of the content (in bundle order), NULL past
 * the last; *index (may be NULL) gets its index in c->nursing_rooms. */
const struct content_nursing_room *bk_room(struct app *a, int i);
int bk_room_count(struct app *a);

/* "14:00" (Beijing) of Unix time t. */
void bk_hhmm(int64_t t, char out[8]);

/* "11月30日 周一 14:00–14:30" / "Mon 30 Nov 14:00–14:30" of a slot. */
void bk_slot_text(struct app *a, int64_t start, int slot_min, char *out, size_t n);

/* A day tab: "今天", "明天", "12月2日 周三" / "Today", "Tomorrow", "Wed 2 Dec". */
void bk_day_text(struct app *a, int64_t day, int64_t today, char *out, size_t n);

/* "示例楼宇C 3层 211" / "Sample Tower C, floor 3, room 211" and, when the
 * kiosk has a location, the walk "步行 4 分钟 · 280 米". */
void bk_where_text(struct app *a, const struct content_nursing_room *r, char *out, size_t n);
void bk_walk_text(struct app *a, const struct content_nursing_room *r, char *out, size_t n);

/* The slots of an availability answer. */
#define BK_SLOTS_MAX (BOOK_MAX_SLOTS * 8)
enum bk_state { BK_S_FREE, BK_S_TAKEN, BK_S_PAST, BK_S_CLOSED, BK_S_HELD };
struct bk_slots {
    int n;
    int64_t start[BK_SLOTS_MAX];
    unsigned char state[BK_SLOTS_MAX]; /* enum bk_state */
};

/* Reads the hub's availability JSON into *out; false when it is not one. */
bool bk_slots_parse(const char *json, size_t len, struct bk_slots *out);

/* Hand-overs (app_push copies them). */
struct bk_pick {
    int room;      /* bk_room index */
    int64_t start; /* the slot */
};
struct bk_done {
    int room;
    int64_t start;
    char code[BOOK_CODE_SIZE];
    char last4[BOOK_LAST4_SIZE];
    bool local; /* confirmed by this kiosk on a leased slot; on its way to the hub */
};

/* Goes home and opens booking_done for a confirmed booking (the form is left,
 * so the phone typed there is wiped). */
void booking_done_open(struct app *a, const struct bk_done *d);

/* The problem's slug of a hub answer ("slot-taken"...) into out; "" when none. */
void bk_problem_slug(const char *json, size_t len, char *out, size_t n);

/* Whether an HTTP answer says the hub is there but busy (429, 408, 5xx): the
 * screens then say 服务繁忙 and ask again, never 联网后可预约. */
bool bk_hub_busy(int http);

/* When to ask again after a busy answer, in ms of app time from now: the
 * hub's Retry-After (seconds, 0 when it sent none), at least 2 s, 10 s when
 * it sent none, at most 5 minutes. */
uint64_t bk_retry_ms(int retry_after_s);

#endif
