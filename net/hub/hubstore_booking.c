/* hubstore_booking: see hubstore_booking.h. */
#include "hubstore_booking.h"

#include <cjson/cJSON.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "kassert.h"
#include "klog.h"

#include "hubstore_impl.h"

/* The columns a booking's JSON is made of, in this order. */
#define COLS                                                                                  \
    "code, room, tower, slot_start, slot_end, state, phone_last4, checkin_from,"              \
    " checkin_until, release_at, kiosk_id, created_at, updated_at, checked_in_at, note,"      \
    " erased_at, offline, phone"
enum { C_CODE, C_ROOM, C_TOWER, C_START, C_END, C_STATE, C_LAST4, C_CIN_FROM, C_CIN_UNTIL,
       C_RELEASE, C_KIOSK, C_CREATED, C_UPDATED, C_CHECKED_IN, C_NOTE, C_ERASED, C_OFFLINE,
       C_PHONE };

static void add_time(cJSON *o, const char *name, int64_t t)
{
    char s[API_TIME_SIZE];
    api_time_format(t * 1000, s);
    cJSON_AddStringToObject(o, name, s);
}

static void add_text(cJSON *o, const char *name, struct hubstore_q *s, int col)
{
    if (hubstore_q_type(s, col) == SQLITE_NULL) cJSON_AddNullToObject(o, name);
    else cJSON_AddStringToObject(o, name, hubstore_q_col(s, col));
}

/* The state a person sees: a confirmed booking past its release time is
 * released, whether or not the writer has written that down yet. */
static const char *state_of(struct hubstore_q *s, int64_t now)
{
    const char *st = hubstore_q_col(s, C_STATE);
    if (st && strcmp(st, "confirmed") == 0 && hubstore_q_int_col(s, C_RELEASE) <= now)
        return "released";
    return st ? st : "?";
}

/* A booking row as JSON; staff get the phone (until erased), the kiosk not. */
static cJSON *row_json(struct hubstore_q *s, int64_t now, bool staff)
{
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    add_text(o, "code", s, C_CODE);
    add_text(o, "room", s, C_ROOM);
    add_text(o, "tower", s, C_TOWER);
    add_time(o, "start", hubstore_q_int_col(s, C_START));
    add_time(o, "end", hubstore_q_int_col(s, C_END));
    cJSON_AddStringToObject(o, "state", state_of(s, now));
    add_text(o, "phone_last4", s, C_LAST4);
    add_time(o, "checkin_from", hubstore_q_int_col(s, C_CIN_FROM));
    add_time(o, "checkin_until", hubstore_q_int_col(s, C_CIN_UNTIL));
    add_time(o, "release_at", hubstore_q_int_col(s, C_RELEASE));
    if (staff) {
        add_text(o, "kiosk_id", s, C_KIOSK);
        add_text(o, "created_at", s, C_CREATED);
        add_text(o, "updated_at", s, C_UPDATED);
        add_text(o, "checked_in_at", s, C_CHECKED_IN);
        add_text(o, "note", s, C_NOTE);
        add_text(o, "erased_at", s, C_ERASED);
        cJSON_AddBoolToObject(o, "offline", hubstore_q_int_col(s, C_OFFLINE) != 0);
        add_text(o, "phone", s, C_PHONE);
    }
    return o;
}

/* ---- writer --------------------------------------------------------------- */

/* A statement on the writer's connection, in its open transaction (pgsql:
 * PostgreSQL's text where it differs, else NULL). false on an error. */
static bool wprep(struct hubstore *st, struct hubstore_rd *rd, struct hubstore_q *q,
                  const char *sql, const char *pgsql)
{
    hubstore_rd_writer(st, rd);
    return hubstore_q_prep(q, rd, sql, pgsql);
}

/* Runs sql (no row) with the Unix time ?1 and the contract's time text ?2;
 * *changed (NULL: not wanted) = rows changed. 0, or -1 on an error. */
static int exec_at(struct hubstore *st, const char *sql, const char *pgsql, int64_t t,
                   const char *now, int64_t *changed)
{
    struct hubstore_rd rd;
    struct hubstore_q s;
    int rc = SQLITE_ERROR;
    if (wprep(st, &rd, &s, sql, pgsql)) {
        hubstore_q_int(&s, 1, t);
        hubstore_q_text(&s, 2, now);
        rc = hubstore_q_step(&s);
        if (changed) *changed = hubstore_q_changes(&s);
    }
    hubstore_q_done(&s);
    return rc == SQLITE_DONE ? 0 : -1;
}

int hubstore_booking_sweep(struct hubstore *st, int64_t now_s, const char *now)
{
    /* no-shows: the slot is free again (the read side already counts it so) */
    int64_t erased = 0;
    if (exec_at(st, "UPDATE bookings SET state = 'released', updated_at = ?2"
                    " WHERE state = 'confirmed' AND release_at <= ?1",
                NULL, now_s, now, NULL) != 0)
        return -1;
    /* the phone, 24 h after the slot ends */
    if (exec_at(st, "UPDATE bookings SET phone = NULL, erased_at = ?2"
                    " WHERE phone IS NOT NULL AND slot_end <= ?1",
                NULL, now_s - HUBSTORE_BOOKING_ERASE_S, now, &erased) != 0)
        return -1;
    if (erased > 0) st->checkpoint_due = true;
    return 0;
}

/* The booking with this code into j->answer (kiosk view); 0 found, 1 not, -1 error. */
static int answer_of(struct hubstore *st, struct hubstore_job *j, const char *code, int64_t now)
{
    struct hubstore_rd rd;
    struct hubstore_q s;
    int rc, res = -1;
    if (!wprep(st, &rd, &s, "SELECT " COLS " FROM bookings WHERE code = ?1", NULL)) goto out;
    hubstore_q_text(&s, 1, code);
    rc = hubstore_q_step(&s);
    if (rc == SQLITE_ROW) {
        cJSON *o = row_json(&s, now, false);
        char *txt = o ? cJSON_PrintUnformatted(o) : NULL;
        if (txt && strlen(txt) < sizeof j->answer) {
            snprintf(j->answer, sizeof j->answer, "%s", txt);
            res = 0;
        }
        free(txt);
        cJSON_Delete(o);
    } else if (rc == SQLITE_DONE) {
        res = 1;
    }
out:
    hubstore_q_done(&s);
    return res;
}

/* The active slot starts of a room in [from, to), on the writer. */
static int taken_w(struct hubstore *st, const char *room, int64_t from, int64_t to, int64_t now,
                   int64_t *starts, int cap)
{
    struct hubstore_rd rd;
    struct hubstore_q s;
    int n = -1;
    if (wprep(st, &rd, &s, "SELECT slot_start FROM bookings WHERE room = ?1 AND"
                           " slot_start >= ?2 AND slot_start < ?3 AND (state = 'checked_in'"
                           " OR (state = 'confirmed' AND release_at > ?4)) ORDER BY slot_start",
              NULL)) {
        n = 0;
        hubstore_q_text(&s, 1, room);
        hubstore_q_int(&s, 2, from);
        hubstore_q_int(&s, 3, to);
        hubstore_q_int(&s, 4, now);
        while (hubstore_q_step(&s) == SQLITE_ROW && n < cap) starts[n++] = hubstore_q_int_col(&s, 0);
    }
    hubstore_q_done(&s);
    return n;
}

/* The free bookable slots of b's room nearest to b->start into b->alt. */
static void alternatives(struct hubstore *st, struct hubstore_booking *b)
{
    const struct book_rules *r = &b->room->rules;
    int64_t today = book_local_day(b->now), from = book_day_start(today),
            to = book_day_start(today + r->days_ahead);
    int64_t taken[BOOK_MAX_SLOTS * 30];
    int nt = taken_w(st, b->room->id, from, to, b->now, taken, BOOK_MAX_SLOTS * 30);
    b->n_alt = 0;
    for (int64_t d = today; nt >= 0 && d < today + r->days_ahead; d++) {
        int64_t s[BOOK_MAX_SLOTS];
        int ns = book_slots(r, d, s, BOOK_MAX_SLOTS);
        for (int i = 0; i < ns; i++) {
            bool busy = false;
            int64_t dist = s[i] > b->start ? s[i] - b->start : b->start - s[i];
            if (!book_slot_bookable(r, s[i], b->now)) continue;
            for (int k = 0; k < nt && !busy; k++) busy = taken[k] == s[i];
            if (busy) continue;
            /* keep the BOOK_ALTERNATIVES nearest, in time order at the end */
            if (b->n_alt < BOOK_ALTERNATIVES) {
                b->alt[b->n_alt++] = s[i];
            } else {
                int far = 0;
                for (int k = 1; k < b->n_alt; k++) {
                    int64_t dk = b->alt[k] > b->start ? b->alt[k] - b->start : b->start - b->alt[k];
                    int64_t df = b->alt[far] > b->start ? b->alt[far] - b->start
                                                        : b->start - b->alt[far];
                    if (dk > df) far = k;
                }
                {
                    int64_t df = b->alt[far] > b->start ? b->alt[far] - b->start
                                                        : b->start - b->alt[far];
                    if (dist < df) b->alt[far] = s[i];
                }
            }
        }
    }
    for (int i = 1; i < b->n_alt; i++) /* insertion sort by time */
        for (int k = i; k > 0 && b->alt[k - 1] > b->alt[k]; k--) {
            int64_t t = b->alt[k];
            b->alt[k] = b->alt[k - 1];
            b->alt[k - 1] = t;
        }
}

/* PostgreSQL only: a lock on (kind, key) held by the writer's transaction
 * until it ends (pg_advisory_xact_lock). 0, or -1 on an error (a deadlock
 * between two batches' locks is a race the writer runs again). */
static int lock_key(struct hubstore *st, const char *kind, const char *key)
{
    struct hubstore_rd rd;
    struct hubstore_q s;
    int rc = SQLITE_ERROR;
    KASSERT(st->pg);
    if (wprep(st, &rd, &s, "SELECT pg_advisory_xact_lock(hashtextextended(?1 || ':' || ?2, 0))",
              NULL)) {
        hubstore_q_text(&s, 1, kind);
        hubstore_q_text(&s, 2, key);
        rc = hubstore_q_step(&s);
    }
    hubstore_q_done(&s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

static void refuse(struct hubstore_job *j, struct hubstore_booking *b, int status,
                   const char *slug, const char *detail)
{
    j->result = status;
    snprintf(b->slug, sizeof b->slug, "%s", slug);
    snprintf(b->detail, sizeof b->detail, "%s", detail);
}

static int job_create(struct hubstore *st, struct hubstore_job *j, struct hubstore_booking *b,
                      const char *now)
{
    const struct book_rules *r = &b->room->rules;
    struct hubstore_rd rd;
    struct hubstore_q s;
    int rc, count = 0;
    char code[BOOK_CODE_SIZE], last4[BOOK_LAST4_SIZE];

    /* the same key again: the stored booking, or 422 for another body (the
     * hash compared as hex text, the same on both backends) */
    if (!wprep(st, &rd, &s, "SELECT hex(body_hash), code FROM bookings"
                            " WHERE kiosk_id = ?1 AND idem_key = ?2",
               "SELECT upper(encode(body_hash, 'hex')), code FROM bookings"
               " WHERE kiosk_id = $1 AND idem_key = $2")) {
        hubstore_q_done(&s);
        return -1;
    }
    hubstore_q_text(&s, 1, b->kiosk_id);
    hubstore_q_text(&s, 2, b->idem_key);
    rc = hubstore_q_step(&s);
    if (rc == SQLITE_ROW) {
        char want[65];
        bool same;
        for (int i = 0; i < 32; i++) snprintf(want + 2 * i, 3, "%02X", b->body_hash[i]);
        same = strcmp(hubstore_q_col(&s, 0), want) == 0;
        snprintf(code, sizeof code, "%s", hubstore_q_col(&s, 1));
        hubstore_q_done(&s);
        if (!same) {
            refuse(j, b, 422, API_SLUG_KEY_REUSED, "this key was used with a different booking");
            return 0;
        }
        if (answer_of(st, j, code, b->now) != 0) return -1;
        j->result = 200;
        return 0;
    }
    hubstore_q_done(&s);
    if (rc != SQLITE_DONE) return -1;

    /* Several hubs on one PostgreSQL database: their writers book a room one
     * at a time, and a phone number's bookings one at a time, until COMMIT.
     * Two inserts into the same room that are both in progress wait on each
     * other's exclusion check: PostgreSQL ends one (deadlock), and under load
     * the one tried again kept meeting a new one in progress (up to 51 in a
     * row, 17 s, in the constraint's test). With the locks the second writer
     * waits for the first's COMMIT and then sees its row: 409 slot-taken, and
     * the per-phone limit holds across hubs. SQLite has one writer already. */
    if (st->pg && (lock_key(st, "phone", b->phone) != 0 || lock_key(st, "room", b->room->id) != 0))
        return -1;

    /* Leased slots: only their kiosk confirms them, with a code it made
     * itself (and showed the person before sending: it may have been
     * offline); anyone else gets 409 slot-leased. */
    {
        char holder[API_KIOSK_ID_SIZE] = "";
        if (!wprep(st, &rd, &s, "SELECT kiosk_id FROM booking_leases WHERE room = ?1 AND"
                                " slot_start = ?2", NULL)) {
            hubstore_q_done(&s);
            return -1;
        }
        hubstore_q_text(&s, 1, b->room->id);
        hubstore_q_int(&s, 2, b->start);
        if (hubstore_q_step(&s) == SQLITE_ROW)
            snprintf(holder, sizeof holder, "%s", hubstore_q_col(&s, 0));
        hubstore_q_done(&s);
        if (holder[0] && strcmp(holder, b->kiosk_id) != 0) {
            refuse(j, b, 409, "slot-leased", "this slot is booked at the kiosk of its tower");
            return 0;
        }
        if (b->code[0] && !holder[0]) {
            refuse(j, b, 409, "not-leased", "a kiosk makes the code only for a slot leased to it");
            return 0;
        }
    }
    /* A kiosk's booking under its lease was confirmed to a person already
     * (perhaps offline): the hub takes it until its slot has ended. */
    if (!book_slot_valid(r, b->start) ||
        (!b->code[0] && !book_slot_bookable(r, b->start, b->now)) ||
        (b->code[0] && b->start + (int64_t)r->slot_min * 60 <= b->now)) {
        refuse(j, b, 422, "slot-unavailable",
               "not a slot of this room that can be booked now (past, closed or too far ahead)");
        return 0;
    }
    if (!wprep(st, &rd, &s, "SELECT count(*) FROM bookings WHERE phone = ?1 AND phone_day = ?2 AND"
                            " (state = 'checked_in' OR (state = 'confirmed' AND release_at > ?3))",
               NULL)) {
        hubstore_q_done(&s);
        return -1;
    }
    hubstore_q_text(&s, 1, b->phone);
    hubstore_q_int(&s, 2, book_local_day(b->start));
    hubstore_q_int(&s, 3, b->now);
    if (hubstore_q_step(&s) == SQLITE_ROW) count = (int)hubstore_q_int_col(&s, 0);
    hubstore_q_done(&s);
    /* a booking a kiosk confirmed itself under its lease was promised
     * already (perhaps offline, where the limit cannot be known): honoured */
    if (count >= r->max_per_phone_day && !b->code[0]) {
        char d[96];
        snprintf(d, sizeof d, "at most %d active bookings per phone number a day",
                 r->max_per_phone_day);
        refuse(j, b, 409, "phone-limit", d);
        return 0;
    }
    book_phone_last4(b->phone, last4);
    for (int tries = 0; tries < 8; tries++) {
        if (b->code[0] && tries == 0) snprintf(code, sizeof code, "%s", b->code);
        else if (book_code_make(code) != KERR_OK) return -1;
        if (!wprep(st, &rd, &s,
                   "INSERT INTO bookings(code, room, tower, slot_start, slot_end, checkin_from,"
                   " checkin_until, release_at, state, kiosk_id, idem_key, body_hash, phone,"
                   " phone_last4, phone_day, lang, offline, created_at, updated_at)"
                   " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'confirmed', ?9, ?10, ?11, ?12,"
                   " ?13, ?14, ?15, ?16, ?17, ?17)",
                   NULL)) {
            hubstore_q_done(&s);
            return -1;
        }
        hubstore_q_guard(&s); /* the slot (or the code) may be taken: a constraint says so */
        hubstore_q_text(&s, 1, code);
        hubstore_q_text(&s, 2, b->room->id);
        hubstore_q_text(&s, 3, b->room->tower);
        hubstore_q_int(&s, 4, b->start);
        hubstore_q_int(&s, 5, b->start + (int64_t)r->slot_min * 60);
        hubstore_q_int(&s, 6, book_checkin_from(r, b->start));
        hubstore_q_int(&s, 7, book_checkin_until(r, b->start, b->now));
        hubstore_q_int(&s, 8, book_release_at(r, b->start, b->now));
        hubstore_q_text(&s, 9, b->kiosk_id);
        hubstore_q_text(&s, 10, b->idem_key);
        hubstore_q_blob(&s, 11, b->body_hash, 32);
        hubstore_q_text(&s, 12, b->phone);
        hubstore_q_text(&s, 13, last4);
        hubstore_q_int(&s, 14, book_local_day(b->start));
        hubstore_q_text(&s, 15, b->lang[0] ? b->lang : "zh");
        hubstore_q_int(&s, 16, b->offline ? 1 : 0);
        hubstore_q_text(&s, 17, now);
        rc = hubstore_q_step(&s);
        hubstore_q_done(&s);
        if (rc == SQLITE_DONE) {
            if (answer_of(st, j, code, b->now) != 0) return -1;
            j->result = 201;
            return 0;
        }
        if (rc != SQLITE_CONSTRAINT) return -1;
        /* which constraint: the slot (taken) or the code (draw again) */
        {
            int64_t t;
            if (taken_w(st, b->room->id, b->start, b->start + 1, b->now, &t, 1) > 0) {
                alternatives(st, b);
                refuse(j, b, 409, "slot-taken", "this slot was booked by someone else");
                return 0;
            }
            if (b->code[0] && tries == 0) {
                /* an offline code that clashes: the kiosk keeps showing its
                 * code, so refuse rather than give another one */
                refuse(j, b, 409, "code-taken", "this booking code is in use");
                return 0;
            }
        }
    }
    return -1;
}

/* Finds the booking by code and last 4 for check-in and cancel; fills *rules,
 * *start, *state (the effective one). 0 found, 1 not (404), -1 error. */
static int find_for_person(struct hubstore *st, struct hubstore_booking *b,
                           const struct book_rules **rules, int64_t *start, char state[16])
{
    struct hubstore_rd rd;
    struct hubstore_q q, *s = &q;
    int rc, res = 1;
    if (!wprep(st, &rd, &q, "SELECT " COLS " FROM bookings WHERE code = ?1", NULL)) {
        hubstore_q_done(&q);
        return -1;
    }
    hubstore_q_text(&q, 1, b->code);
    rc = hubstore_q_step(&q);
    if (rc == SQLITE_ROW) {
        const char *l4 = hubstore_q_col(s, C_LAST4);
        const struct hubbook_room *room = hubbook_room_find(b->rooms, hubstore_q_col(s, C_ROOM));
        /* staff need no last 4 (b->last4 "") */
        if ((!b->last4[0] || (l4 && strcmp(l4, b->last4) == 0)) && room) {
            *rules = &room->rules;
            *start = hubstore_q_int_col(s, C_START);
            b->win_from = hubstore_q_int_col(s, C_CIN_FROM);
            b->win_until = hubstore_q_int_col(s, C_CIN_UNTIL);
            snprintf(state, 16, "%s", state_of(s, b->now));
            res = 0;
        }
    } else if (rc != SQLITE_DONE) {
        res = -1;
    }
    hubstore_q_done(&q);
    return res;
}

static int set_state(struct hubstore *st, struct hubstore_booking *b, const char *state,
                     const char *now)
{
    struct hubstore_rd rd;
    struct hubstore_q s;
    int rc = SQLITE_ERROR;
    if (wprep(st, &rd, &s, "UPDATE bookings SET state = ?1, updated_at = ?2,"
                           " checked_in_at = CASE WHEN ?1 = 'checked_in' THEN ?2"
                           " ELSE checked_in_at END, note = coalesce(?4, note)"
                           " WHERE code = ?3",
              "UPDATE bookings SET state = $1, updated_at = $2,"
              " checked_in_at = CASE WHEN $1::text = 'checked_in' THEN $2"
              " ELSE checked_in_at END, note = coalesce($4::text, note)"
              " WHERE code = $3")) {
        hubstore_q_text(&s, 1, state);
        hubstore_q_text(&s, 2, now);
        hubstore_q_text(&s, 3, b->code);
        hubstore_q_text(&s, 4, b->op == HSB_ADMIN_CANCEL && b->note[0] ? b->note : NULL);
        rc = hubstore_q_step(&s);
    }
    hubstore_q_done(&s);
    return rc == SQLITE_DONE ? 0 : -1;
}

static int job_person(struct hubstore *st, struct hubstore_job *j, struct hubstore_booking *b,
                      const char *now)
{
    const struct book_rules *r = NULL;
    int64_t start = 0;
    char state[16];
    int f = find_for_person(st, b, &r, &start, state);
    if (f < 0) return -1;
    if (f > 0) {
        refuse(j, b, 404, API_SLUG_NOT_FOUND, "no booking with this code and these 4 digits");
        return 0;
    }
    if (b->op == HSB_CHECKIN) {
        if (strcmp(state, "checked_in") == 0) goto answer; /* again: the same answer */
        if (strcmp(state, "confirmed") != 0) {
            char d[64];
            snprintf(d, sizeof d, "the booking is %s", state);
            refuse(j, b, 409, "not-active", d);
            return 0;
        }
        if (b->now < b->win_from) {
            refuse(j, b, 409, "too-early", "check-in opens before the slot starts");
            return 0;
        }
        if (b->now > b->win_until) {
            refuse(j, b, 409, "too-late", "the check-in window has closed");
            return 0;
        }
        if (set_state(st, b, "checked_in", now) != 0) return -1;
    } else {
        if (strcmp(state, "cancelled") == 0) goto answer;
        if (strcmp(state, "confirmed") != 0 &&
            !(b->op == HSB_ADMIN_CANCEL && strcmp(state, "checked_in") == 0)) {
            char d[64];
            snprintf(d, sizeof d, "the booking is %s", state);
            refuse(j, b, 409, "not-active", d);
            return 0;
        }
        if (set_state(st, b, "cancelled", now) != 0) return -1;
        if (b->op == HSB_ADMIN_CANCEL) {
            struct hubstore_rd rd;
            struct hubstore_q s;
            int rc = SQLITE_ERROR;
            if (wprep(st, &rd, &s, "INSERT INTO audit(at, actor, action, target, detail)"
                                   " VALUES(?1, ?2, 'booking.cancel', ?3, ?4)", NULL)) {
                hubstore_q_text(&s, 1, now);
                hubstore_q_text(&s, 2, b->actor[0] ? b->actor : "admin");
                hubstore_q_text(&s, 3, b->code);
                hubstore_q_text(&s, 4, b->note);
                rc = hubstore_q_step(&s);
            }
            hubstore_q_done(&s);
            if (rc != SQLITE_DONE) return -1;
        }
    }
answer:
    if (answer_of(st, j, b->code, b->now) != 0) return -1;
    j->result = 200;
    return 0;
}

/* Leases the kiosk the slots of its tower's rooms that start within
 * HUBSTORE_LEASE_AHEAD_S and are not leased to another kiosk; a lease lasts
 * until its slot has passed. */
static int job_lease(struct hubstore *st, struct hubstore_job *j, struct hubstore_booking *b,
                     const char *now)
{
    if (exec_at(st, "DELETE FROM booking_leases WHERE slot_start < ?1 AND ?2 IS NOT NULL",
                "DELETE FROM booking_leases WHERE slot_start < $1 AND $2::text IS NOT NULL",
                b->now - 86400, now, NULL) != 0)
        return -1;
    for (int i = 0; b->rooms && i < b->rooms->n; i++) {
        const struct hubbook_room *room = &b->rooms->room[i];
        if (strcmp(room->tower, b->tower) != 0) continue;
        for (int64_t d = book_local_day(b->now); d <= book_local_day(b->now + HUBSTORE_LEASE_AHEAD_S); d++) {
            int64_t t[BOOK_MAX_SLOTS];
            int n = book_slots(&room->rules, d, t, BOOK_MAX_SLOTS);
            for (int k = 0; k < n; k++) {
                if (t[k] >= b->now + HUBSTORE_LEASE_AHEAD_S ||
                    !book_slot_bookable(&room->rules, t[k], b->now))
                    continue;
                struct hubstore_rd rd;
                struct hubstore_q s;
                int rc = SQLITE_ERROR;
                if (wprep(st, &rd, &s, "INSERT OR IGNORE INTO booking_leases(room, slot_start,"
                                       " kiosk_id, granted_at) VALUES(?1, ?2, ?3, ?4)",
                          "INSERT INTO booking_leases(room, slot_start, kiosk_id, granted_at)"
                          " VALUES($1, $2, $3, $4) ON CONFLICT DO NOTHING")) {
                    hubstore_q_text(&s, 1, room->id);
                    hubstore_q_int(&s, 2, t[k]);
                    hubstore_q_text(&s, 3, b->kiosk_id);
                    hubstore_q_text(&s, 4, now);
                    rc = hubstore_q_step(&s);
                }
                hubstore_q_done(&s);
                if (rc != SQLITE_DONE) return -1;
            }
        }
    }
    j->result = 200;
    return 0;
}

int hubstore_booking_run(struct hubstore *st, struct hubstore_job *j, const char *now)
{
    struct hubstore_booking *b = j->ext;
    if (!b) return -1;
    if (hubstore_booking_sweep(st, b->now, now) != 0) return -1;
    b->slug[0] = b->detail[0] = '\0';
    if (b->op == HSB_LEASE) return job_lease(st, j, b, now);
    if (b->op == HSB_CREATE) return job_create(st, j, b, now);
    return job_person(st, j, b, now);
}

/* ---- reads ---------------------------------------------------------------- */

/* The slot starts sql reads for room in [from, to): ?1 room, ?2 from, ?3 to,
 * ?4 the text p4 or else the number n4. what names a failed read in the log. */
static enum kerr read_starts(struct hubstore *st, const char *sql, const char *room, int64_t from,
                             int64_t to, const char *p4, int64_t n4, int64_t *starts, int cap,
                             int *n, const char *what)
{
    struct hubstore_rd rd;
    struct hubstore_q s;
    enum kerr res = KERR_DB;
    *n = 0;
    if (!hubstore_rd_get(st, &rd)) return KERR_DB;
    if (hubstore_q_prep(&s, &rd, sql, NULL)) {
        int rc;
        hubstore_q_text(&s, 1, room);
        hubstore_q_int(&s, 2, from);
        hubstore_q_int(&s, 3, to);
        if (p4) hubstore_q_text(&s, 4, p4);
        else hubstore_q_int(&s, 4, n4);
        while ((rc = hubstore_q_step(&s)) == SQLITE_ROW)
            if (*n < cap) starts[(*n)++] = hubstore_q_int_col(&s, 0);
        if (rc == SQLITE_DONE) res = KERR_OK;
    }
    if (res != KERR_OK) KLOGE("hubstore", "%s: the read failed", what);
    hubstore_q_done(&s);
    hubstore_rd_put(&rd);
    return res;
}

enum kerr hubstore_booking_taken(struct hubstore *st, const char *room, int64_t from, int64_t to,
                                 int64_t now, int64_t *starts, int cap, int *n)
{
    return read_starts(st,
                       "SELECT slot_start FROM bookings WHERE room = ?1 AND slot_start >= ?2"
                       " AND slot_start < ?3 AND (state = 'checked_in' OR"
                       " (state = 'confirmed' AND release_at > ?4)) ORDER BY slot_start",
                       room, from, to, NULL, now, starts, cap, n, "bookings taken");
}

enum kerr hubstore_booking_list(struct hubstore *st, const char *room, int64_t day, int64_t now,
                                int limit, cJSON **out)
{
    struct hubstore_rd rd;
    struct hubstore_q s;
    enum kerr res = KERR_DB;
    cJSON *a;
    *out = NULL;
    memset(&s, 0, sizeof s);
    if (!hubstore_rd_get(st, &rd)) return KERR_DB;
    a = cJSON_CreateArray();
    if (a && hubstore_q_prep(&s, &rd,
                             "SELECT " COLS " FROM bookings WHERE (?1 IS NULL OR room = ?1)"
                             " AND (?2 IS NULL OR (slot_start >= ?2 AND slot_start < ?2 + 86400))"
                             " ORDER BY slot_start, room, id LIMIT ?3",
                             "SELECT " COLS " FROM bookings WHERE ($1::text IS NULL OR room = $1)"
                             " AND ($2::bigint IS NULL OR (slot_start >= $2::bigint AND"
                             " slot_start < $2::bigint + 86400))"
                             " ORDER BY slot_start, room COLLATE \"C\", id LIMIT $3")) {
        int rc;
        hubstore_q_text(&s, 1, room);
        if (day != INT64_MIN) hubstore_q_int(&s, 2, book_day_start(day));
        else hubstore_q_text(&s, 2, NULL);
        hubstore_q_int(&s, 3, limit);
        while ((rc = hubstore_q_step(&s)) == SQLITE_ROW) {
            cJSON *o = row_json(&s, now, true);
            if (!o) break;
            cJSON_AddItemToArray(a, o);
        }
        if (rc == SQLITE_DONE) res = KERR_OK;
    }
    hubstore_q_done(&s);
    hubstore_rd_put(&rd);
    if (res != KERR_OK) {
        cJSON_Delete(a);
        return res;
    }
    *out = a;
    return KERR_OK;
}

enum kerr hubstore_booking_get(struct hubstore *st, const char *code, int64_t now, cJSON **out)
{
    struct hubstore_rd rd;
    struct hubstore_q s;
    enum kerr res = KERR_DB;
    *out = NULL;
    if (!hubstore_rd_get(st, &rd)) return KERR_DB;
    if (hubstore_q_prep(&s, &rd, "SELECT " COLS " FROM bookings WHERE code = ?1", NULL)) {
        int rc;
        hubstore_q_text(&s, 1, code);
        rc = hubstore_q_step(&s);
        if (rc == SQLITE_ROW) {
            *out = row_json(&s, now, true);
            res = *out ? KERR_OK : KERR_NOMEM;
        } else if (rc == SQLITE_DONE) {
            res = KERR_NOTFOUND;
        }
    }
    hubstore_q_done(&s);
    hubstore_rd_put(&rd);
    return res;
}

enum kerr hubstore_booking_stats(struct hubstore *st, int64_t *rows, int64_t *double_booked)
{
    struct hubstore_rd rd;
    struct hubstore_q s;
    enum kerr res = KERR_DB;
    *rows = *double_booked = 0;
    if (!hubstore_rd_get(st, &rd)) return KERR_DB;
    if (hubstore_q_prep(&s, &rd,
                        "SELECT (SELECT count(*) FROM bookings), (SELECT count(*) FROM"
                        " (SELECT 1 FROM bookings WHERE state IN ('confirmed', 'checked_in')"
                        " GROUP BY room, slot_start HAVING count(*) > 1))",
                        "SELECT (SELECT count(*) FROM bookings), (SELECT count(*) FROM"
                        " (SELECT 1 FROM bookings WHERE state IN ('confirmed', 'checked_in')"
                        " GROUP BY room, slot_start HAVING count(*) > 1) d)") &&
        hubstore_q_step(&s) == SQLITE_ROW) {
        *rows = hubstore_q_int_col(&s, 0);
        *double_booked = hubstore_q_int_col(&s, 1);
        res = KERR_OK;
    }
    hubstore_q_done(&s);
    hubstore_rd_put(&rd);
    return res;
}

enum kerr hubstore_booking_leases(struct hubstore *st, const char *kiosk, int64_t now,
                                  const struct hubbook_rooms *rooms, cJSON **out)
{
    struct hubstore_rd rd;
    struct hubstore_q s;
    enum kerr res = KERR_DB;
    cJSON *a;
    *out = NULL;
    memset(&s, 0, sizeof s);
    if (!hubstore_rd_get(st, &rd)) return KERR_DB;
    a = cJSON_CreateArray();
    if (a && hubstore_q_prep(&s, &rd,
                             "SELECT l.room, l.slot_start, EXISTS(SELECT 1 FROM bookings b WHERE"
                             " b.room = l.room AND b.slot_start = l.slot_start AND"
                             " (b.state = 'checked_in' OR (b.state = 'confirmed' AND"
                             " b.release_at > ?2))) FROM booking_leases l WHERE l.kiosk_id = ?1"
                             " AND l.slot_start > ?2 - 86400 ORDER BY l.room, l.slot_start",
                             "SELECT l.room, l.slot_start, EXISTS(SELECT 1 FROM bookings b WHERE"
                             " b.room = l.room AND b.slot_start = l.slot_start AND"
                             " (b.state = 'checked_in' OR (b.state = 'confirmed' AND"
                             " b.release_at > $2::bigint))) FROM booking_leases l WHERE"
                             " l.kiosk_id = $1 AND l.slot_start > $2::bigint - 86400"
                             " ORDER BY l.room COLLATE \"C\", l.slot_start")) {
        int rc;
        hubstore_q_text(&s, 1, kiosk);
        hubstore_q_int(&s, 2, now);
        while ((rc = hubstore_q_step(&s)) == SQLITE_ROW) {
            const struct hubbook_room *room = hubbook_room_find(rooms, hubstore_q_col(&s, 0));
            int64_t t = hubstore_q_int_col(&s, 1);
            cJSON *o;
            if (!room || t + (int64_t)room->rules.slot_min * 60 <= now) continue;
            o = cJSON_CreateObject();
            if (!o) break;
            cJSON_AddStringToObject(o, "room", room->id);
            add_time(o, "start", t);
            add_time(o, "end", t + (int64_t)room->rules.slot_min * 60);
            cJSON_AddStringToObject(o, "state", hubstore_q_int_col(&s, 2) ? "taken" : "free");
            cJSON_AddItemToArray(a, o);
        }
        if (rc == SQLITE_DONE) res = KERR_OK;
    }
    hubstore_q_done(&s);
    hubstore_rd_put(&rd);
    if (res != KERR_OK) {
        cJSON_Delete(a);
        return res;
    }
    *out = a;
    return KERR_OK;
}

enum kerr hubstore_booking_held(struct hubstore *st, const char *room, int64_t from, int64_t to,
                                const char *kiosk, int64_t *starts, int cap, int *n)
{
    return read_starts(st,
                       "SELECT slot_start FROM booking_leases WHERE room = ?1 AND"
                       " slot_start >= ?2 AND slot_start < ?3 AND kiosk_id != ?4"
                       " ORDER BY slot_start",
                       room, from, to, kiosk, 0, starts, cap, n, "booking leases held");
}
