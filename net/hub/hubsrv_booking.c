/* hubsrv_booking: the nursing-room booking routes of the hub (kiosk API:
 * availability, create, check-in, cancel; staff API: list, show, cancel).
 * The rules come from the rooms loaded at start (hubbook, --content); the
 * writes are HUBSTORE_BOOKING jobs (hubstore_booking.h). No answer to a
 * kiosk carries a phone number; availability carries nothing personal. */
#include "hubsrv_booking.h"

#include <ctype.h>
#include <cjson/cJSON.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "booking.h"
#include "hubbook.h"
#include "hubstore_booking.h"
#include "kclock.h"
#include "klog.h"
#include "utf8.h"

#include "hubsrv_impl.h"

#define AVAIL_SLOTS_MAX (BOOK_MAX_SLOTS * 30)

enum route hubsrv_booking_route(const char *url, const char **arg, size_t *len)
{
    static const char rooms[] = "/api/v1/rooms/", avail[] = "/availability",
                      bk[] = "/api/v1/bookings/", abk[] = "/api/v1/admin/bookings/",
                      cin[] = "/check-in", cancel[] = "/cancel";
    size_t n = strlen(url);
    if (strcmp(url, "/api/v1/bookings") == 0) return R_BOOKINGS;
    if (strcmp(url, "/api/v1/admin/bookings") == 0) return R_ADMIN_BOOKINGS;
    if (strncmp(url, rooms, sizeof rooms - 1) == 0 && n > sizeof rooms - 1 + sizeof avail - 1 &&
        strcmp(url + n - (sizeof avail - 1), avail) == 0) {
        *arg = url + sizeof rooms - 1;
        *len = n - (sizeof rooms - 1) - (sizeof avail - 1);
        return R_ROOM_AVAIL;
    }
    if (strncmp(url, bk, sizeof bk - 1) == 0 || strncmp(url, abk, sizeof abk - 1) == 0) {
        bool admin = url[8] == 'a';
        const char *p = url + (admin ? sizeof abk - 1 : sizeof bk - 1);
        size_t m = strlen(p);
        *arg = p;
        if (m > sizeof cancel - 1 && strcmp(p + m - (sizeof cancel - 1), cancel) == 0) {
            *len = m - (sizeof cancel - 1);
            return admin ? R_ADMIN_BOOKING_CANCEL : R_BOOKING_CANCEL;
        }
        if (!admin && m > sizeof cin - 1 && strcmp(p + m - (sizeof cin - 1), cin) == 0) {
            *len = m - (sizeof cin - 1);
            return R_BOOKING_CHECKIN;
        }
        if (admin) {
            *len = m;
            return R_ADMIN_BOOKING;
        }
    }
    return R_NONE;
}

static const struct hubbook_room *room_or_answer(struct hreq *r, const char *id,
                                                 enum MHD_Result *ret)
{
    const struct hubbook_room *room = hubbook_room_find(r->srv->rooms, id);
    if (!room)
        *ret = hubsrv_send_problem(r, 404, API_SLUG_NOT_FOUND, "Not found",
                                   r->srv->rooms ? "no bookable room with this id"
                                                 : "this hub takes no bookings (no --content)");
    return room;
}

static void add_time(cJSON *o, const char *name, int64_t t)
{
    char s[API_TIME_SIZE];
    api_time_format(t * 1000, s);
    cJSON_AddStringToObject(o, name, s);
}

/* GET /api/v1/rooms/{id}/availability?date=YYYY-MM-DD[&days=N]: every slot of
 * the days asked with free / taken / past. Nothing personal. */
static enum MHD_Result availability(struct hreq *r)
{
    const char *date = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "date");
    const char *days_s = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "days");
    enum MHD_Result ret = MHD_YES;
    const struct hubbook_room *room;
    int64_t day, now = hubbook_now_s(), taken[AVAIL_SLOTS_MAX], held[AVAIL_SLOTS_MAX];
    long days = 1;
    int nt = 0, nh = 0;
    enum kerr e;
    cJSON *o, *slots;
    char ds[BOOK_DATE_SIZE];
    if (r->arg_long || !api_kiosk_id_valid(r->arg))
        return hubsrv_send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request", "malformed room id");
    room = room_or_answer(r, r->arg, &ret);
    if (!room) return ret;
    if (!date || !book_date_parse(date, &day))
        return hubsrv_send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request",
                                   "date: YYYY-MM-DD (Beijing time)");
    if (days_s) {
        char *end;
        days = strtol(days_s, &end, 10);
        if (*days_s == '\0' || *end != '\0' || days < 1 || days > room->rules.days_ahead)
            return hubsrv_send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request",
                                       "days: 1 to the room's days ahead");
    }
    e = hubstore_booking_taken(r->srv->store, room->id, book_day_start(day),
                               book_day_start(day + days), now, taken, AVAIL_SLOTS_MAX, &nt);
    if (e == KERR_OK)
        e = hubstore_booking_held(r->srv->store, room->id, book_day_start(day),
                                  book_day_start(day + days), r->kiosk, held, AVAIL_SLOTS_MAX, &nh);
    if (e != KERR_OK) return hubsrv_send_kerr(r, e, NULL);
    o = cJSON_CreateObject();
    if (!o) return hubsrv_send_kerr(r, KERR_NOMEM, NULL);
    cJSON_AddStringToObject(o, "room", room->id);
    cJSON_AddStringToObject(o, "tower", room->tower);
    book_date_format(day, ds);
    cJSON_AddStringToObject(o, "date", ds);
    cJSON_AddNumberToObject(o, "days", (double)days);
    cJSON_AddNumberToObject(o, "slot_min", room->rules.slot_min);
    add_time(o, "now", now);
    slots = cJSON_AddArrayToObject(o, "slots");
    for (int64_t d = day; slots && d < day + days; d++) {
        int64_t s[BOOK_MAX_SLOTS];
        int ns = book_slots(&room->rules, d, s, BOOK_MAX_SLOTS), k = 0, h = 0;
        for (int i = 0; i < ns; i++) {
            cJSON *it = cJSON_CreateObject();
            bool busy = false;
            const char *state;
            while (k < nt && taken[k] < s[i]) k++;
            while (h < nh && held[h] < s[i]) h++;
            busy = k < nt && taken[k] == s[i];
            state = busy ? "taken" : !book_slot_bookable(&room->rules, s[i], now)
                                         ? (s[i] <= now ? "past" : "closed")
                                     : h < nh && held[h] == s[i] ? "held"
                                                                  : "free";
            if (!it) break;
            add_time(it, "start", s[i]);
            add_time(it, "end", s[i] + (int64_t)room->rules.slot_min * 60);
            cJSON_AddBoolToObject(it, "free", strcmp(state, "free") == 0);
            cJSON_AddStringToObject(it, "state", state);
            cJSON_AddItemToArray(slots, it);
        }
    }
    ret = hubsrv_send_json(r, 200, o);
    cJSON_Delete(o);
    return ret;
}

static const char *jstr(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static struct hubstore_booking *new_job(struct hreq *r, enum hubstore_bop op)
{
    struct hubstore_booking *b = calloc(1, sizeof *b);
    if (!b) return NULL;
    free(r->ext);
    r->ext = b;
    b->op = op;
    b->rooms = r->srv->rooms;
    b->now = hubbook_now_s();
    memset(&r->job, 0, sizeof r->job);
    r->job.op = HUBSTORE_BOOKING;
    r->job.ext = b;
    return b;
}

/* Parses r's JSON body into *doc (the caller deletes it). */
static bool body_json(struct hreq *r, cJSON **doc, enum MHD_Result *ret)
{
    bool ok;
    *doc = NULL;
    *ret = hubsrv_body_guard(r, &ok);
    if (!ok) return false;
    *doc = cJSON_ParseWithLength(r->body, r->len);
    if (!cJSON_IsObject(*doc)) {
        cJSON_Delete(*doc);
        *doc = NULL;
        *ret = hubsrv_send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request", "body: a JSON object");
        return false;
    }
    return true;
}

/* POST /api/v1/bookings with Idempotency-Key. */
static enum MHD_Result create(struct hreq *r)
{
    const char *key = hubsrv_hdr(r, "Idempotency-Key"), *why = NULL;
    const char *kiosk, *room_id, *start, *phone, *lang, *code;
    const cJSON *off;
    enum MHD_Result ret = MHD_YES;
    const struct hubbook_room *room;
    struct hubstore_booking *b;
    cJSON *doc;
    int64_t t = 0;
    char canon[256], norm[BOOK_CODE_SIZE] = "";
    if (!key || !api_uuid_v4_valid(key))
        return hubsrv_send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request",
                                   "Idempotency-Key header missing or not a UUIDv4");
    if (!body_json(r, &doc, &ret)) return ret;
    kiosk = jstr(doc, "kiosk_id");
    room_id = jstr(doc, "room");
    start = jstr(doc, "start");
    phone = jstr(doc, "phone");
    lang = jstr(doc, "lang");
    code = jstr(doc, "code");
    off = cJSON_GetObjectItemCaseSensitive(doc, "offline");
    if (!kiosk || !api_kiosk_id_valid(kiosk)) why = "kiosk_id";
    else if (!room_id || !api_kiosk_id_valid(room_id)) why = "room";
    else if (!start || !book_time_parse(start, &t)) why = "start: YYYY-MM-DDTHH:MM:SSZ";
    else if (!phone || !book_phone_valid(phone)) why = "phone: 11 digits of a mobile number";
    else if (lang && (strlen(lang) < 2 || strlen(lang) >= API_LANG_SIZE)) why = "lang";
    else if (code && !book_code_normalise(code, norm)) why = "code: 6 characters of the alphabet";
    else if (off && !cJSON_IsBool(off)) why = "offline: true or false";
    if (why) {
        cJSON_Delete(doc);
        return hubsrv_send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request", why);
    }
    if (strcmp(kiosk, r->kiosk) != 0) {
        cJSON_Delete(doc);
        return hubsrv_send_problem(r, 403, API_SLUG_FORBIDDEN, "Forbidden",
                                   "kiosk_id is not the kiosk of this token");
    }
    room = room_or_answer(r, room_id, &ret);
    b = room ? new_job(r, HSB_CREATE) : NULL;
    if (!b) {
        cJSON_Delete(doc);
        return room ? hubsrv_send_kerr(r, KERR_NOMEM, NULL) : ret;
    }
    b->room = room;
    b->start = t;
    snprintf(b->phone, sizeof b->phone, "%s", phone);
    snprintf(b->lang, sizeof b->lang, "%s", lang ? lang : "zh");
    snprintf(b->kiosk_id, sizeof b->kiosk_id, "%s", kiosk);
    for (size_t i = 0; key[i] && i < sizeof b->idem_key - 1; i++)
        b->idem_key[i] = (char)tolower((unsigned char)key[i]);
    snprintf(b->code, sizeof b->code, "%s", norm);
    b->offline = cJSON_IsTrue(off);
    snprintf(canon, sizeof canon, "%s|%s|%lld|%s|%s|%d", kiosk, room->id, (long long)t, phone,
             norm, b->offline ? 1 : 0);
    hubauth_sha256(canon, strlen(canon), b->body_hash);
    explicit_bzero(canon, sizeof canon);
    cJSON_Delete(doc);
    return hubsrv_submit(r);
}

/* POST /api/v1/bookings/{code}/check-in | /cancel with {"last4": "NNNN"};
 * staff: POST /api/v1/admin/bookings/{code}/cancel with {"note": "..."}. */
static enum MHD_Result person(struct hreq *r, enum hubstore_bop op)
{
    enum MHD_Result ret = MHD_YES;
    struct hubstore_booking *b;
    const char *last4 = NULL, *note = NULL;
    char code[BOOK_CODE_SIZE];
    cJSON *doc;
    int retry = 0;
    if (r->arg_long || !book_code_normalise(r->arg, code))
        return hubsrv_send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request",
                                   "code: 6 characters of the booking alphabet");
    if (!body_json(r, &doc, &ret)) return ret;
    if (op == HSB_ADMIN_CANCEL) {
        note = jstr(doc, "note");
        if (note && (strlen(note) > 500 || !utf8_valid(note, strlen(note)))) {
            cJSON_Delete(doc);
            return hubsrv_send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request",
                                       "note: at most 500 bytes of UTF-8");
        }
    } else {
        last4 = jstr(doc, "last4");
        if (!book_last4_valid(last4)) {
            cJSON_Delete(doc);
            return hubsrv_send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request",
                                       "last4: the last 4 digits of the phone number");
        }
        /* code + last 4 are a secret pair: guesses count like ticket lookups */
        if (!hubrate_take(r->srv->lookups, r->kiosk, kclock_mono_ms(), &retry)) {
            cJSON_Delete(doc);
            return hubsrv_send_problem_ex(r, 429, API_SLUG_RATE_LIMITED, "Too many requests",
                                          "booking look-ups of this kiosk", retry, NULL);
        }
    }
    if (!r->srv->rooms) {
        cJSON_Delete(doc);
        return hubsrv_send_problem(r, 404, API_SLUG_NOT_FOUND, "Not found",
                                   "this hub takes no bookings (no --content)");
    }
    b = new_job(r, op);
    if (!b) {
        cJSON_Delete(doc);
        return hubsrv_send_kerr(r, KERR_NOMEM, NULL);
    }
    snprintf(b->code, sizeof b->code, "%s", code);
    snprintf(b->last4, sizeof b->last4, "%s", last4 ? last4 : "");
    snprintf(b->note, sizeof b->note, "%s", note ? note : "");
    snprintf(b->actor, sizeof b->actor, "%s", r->actor);
    cJSON_Delete(doc);
    return hubsrv_submit(r);
}

void hubsrv_booking_lease_prepare(struct hreq *r, const char *tower)
{
    struct hubstore_booking *b;
    bool any = false;
    for (int i = 0; r->srv->rooms && tower[0] && i < r->srv->rooms->n; i++)
        any = any || strcmp(r->srv->rooms->room[i].tower, tower) == 0;
    if (!any) return;
    b = calloc(1, sizeof *b);
    if (!b) return; /* no lease this time; the next heartbeat asks again */
    free(r->ext);
    r->ext = b;
    b->op = HSB_LEASE;
    b->rooms = r->srv->rooms;
    snprintf(b->tower, sizeof b->tower, "%s", tower);
    snprintf(b->kiosk_id, sizeof b->kiosk_id, "%s", r->kiosk);
}

enum MHD_Result hubsrv_booking_heartbeat(struct hreq *r)
{
    struct hubstore_booking *b = r->ext;
    if (!b || b->op != HSB_LEASE) return hubsrv_heartbeat_answer(r);
    b->now = hubbook_now_s();
    memset(&r->job, 0, sizeof r->job);
    r->job.op = HUBSTORE_BOOKING;
    r->job.ext = b;
    return hubsrv_submit(r);
}

/* The heartbeat's answer with its "leases" member, [{room, start, end,
 * state}]: the slots this kiosk holds (no member when they cannot be read). */
static enum MHD_Result lease_answer(struct hreq *r, struct hubstore_booking *b)
{
    cJSON *a = NULL;
    if (r->job.result != 200 ||
        hubstore_booking_leases(r->srv->store, b->kiosk_id, b->now, r->srv->rooms, &a) != KERR_OK)
        return hubsrv_heartbeat_answer(r);
    if (!r->hb_answer) r->hb_answer = cJSON_CreateObject();
    if (r->hb_answer)
        cJSON_AddItemToObject(r->hb_answer, "leases", a);
    else
        cJSON_Delete(a);
    return hubsrv_heartbeat_answer(r);
}

enum MHD_Result hubsrv_booking_answer(struct hreq *r)
{
    struct hubstore_booking *b = r->ext;
    struct hubstore_job *j = &r->job;
    struct api_problem p;
    cJSON *o;
    char *txt;
    enum MHD_Result ret;
    if (!b) return hubsrv_send_problem(r, 500, API_SLUG_INTERNAL, "Internal error", "no job");
    if (b->op == HSB_LEASE) return lease_answer(r, b);
    if (j->result == 200 && r->route == R_ADMIN_BOOKING_CANCEL) {
        /* staff see the whole record, note included */
        enum kerr e = hubstore_booking_get(r->srv->store, b->code, b->now, &o);
        if (e != KERR_OK) return hubsrv_send_kerr(r, e, NULL);
        ret = hubsrv_send_json(r, 200, o);
        cJSON_Delete(o);
        return ret;
    }
    if (j->result == 200 || j->result == 201)
        return hubsrv_send_text(r, j->result, API_CT_JSON, j->answer, 0, NULL);
    if (j->result < 400 || j->result >= 500 || !b->slug[0])
        return hubsrv_send_problem(r, 500, API_SLUG_INTERNAL, "Internal error", "database");
    /* a problem with the extension members a kiosk shows */
    if (api_problem_make(&p, b->slug, j->result, "Booking refused", b->detail) != KERR_OK ||
        api_problem_encode(&p, &txt) != KERR_OK)
        return hubsrv_send_problem(r, j->result, b->slug, "Booking refused", b->detail);
    o = cJSON_Parse(txt);
    free(txt);
    if (!o) return hubsrv_send_kerr(r, KERR_NOMEM, NULL);
    if (r->route == R_BOOKINGS) {
        const char *key = hubsrv_hdr(r, "Idempotency-Key");
        char inst[64];
        snprintf(inst, sizeof inst, "%s%.36s", API_PROBLEM_INSTANCE_KEY, key ? key : "");
        if (key) cJSON_AddStringToObject(o, "instance", inst);
    }
    if (strcmp(b->slug, "slot-taken") == 0) {
        cJSON *a = cJSON_AddArrayToObject(o, "alternatives");
        for (int i = 0; a && i < b->n_alt; i++) {
            cJSON *it = cJSON_CreateObject();
            if (!it) break;
            add_time(it, "start", b->alt[i]);
            add_time(it, "end", b->alt[i] + (int64_t)b->room->rules.slot_min * 60);
            cJSON_AddItemToArray(a, it);
        }
    }
    if (strcmp(b->slug, "too-early") == 0 || strcmp(b->slug, "too-late") == 0) {
        add_time(o, "checkin_from", b->win_from);
        add_time(o, "checkin_until", b->win_until);
    }
    txt = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (!txt) return hubsrv_send_kerr(r, KERR_NOMEM, NULL);
    ret = hubsrv_send_text(r, j->result, API_CT_PROBLEM, txt, 0, NULL);
    free(txt);
    return ret;
}

/* GET /api/v1/admin/bookings[?room=R][&date=D][&limit=N] and .../{code}. */
static enum MHD_Result admin_get(struct hreq *r)
{
    int64_t now = hubbook_now_s();
    cJSON *a = NULL, *o;
    enum kerr e;
    enum MHD_Result ret;
    if (r->route == R_ADMIN_BOOKING) {
        char code[BOOK_CODE_SIZE];
        if (r->arg_long || !book_code_normalise(r->arg, code))
            return hubsrv_send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request", "malformed code");
        e = hubstore_booking_get(r->srv->store, code, now, &o);
        if (e != KERR_OK) return hubsrv_send_kerr(r, e, "no booking with this code");
        ret = hubsrv_send_json(r, 200, o);
        cJSON_Delete(o);
        return ret;
    }
    {
        const char *room = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "room");
        const char *date = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "date");
        const char *lim = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "limit");
        int64_t day = INT64_MIN;
        long limit = LIST_MAX;
        if (room && !api_kiosk_id_valid(room))
            return hubsrv_send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request", "room");
        if (date && !book_date_parse(date, &day))
            return hubsrv_send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request",
                                       "date: YYYY-MM-DD");
        if (lim) {
            char *end;
            limit = strtol(lim, &end, 10);
            if (*lim == '\0' || *end != '\0' || limit < 1 || limit > LIST_MAX)
                return hubsrv_send_problem(r, 400, API_SLUG_BAD_REQUEST, "Bad request",
                                           "limit: 1..1000");
        }
        e = hubstore_booking_list(r->srv->store, room, day, now, (int)limit, &a);
        if (e != KERR_OK) return hubsrv_send_kerr(r, e, NULL);
        o = cJSON_CreateObject();
        if (!o) {
            cJSON_Delete(a);
            return hubsrv_send_kerr(r, KERR_NOMEM, NULL);
        }
        cJSON_AddItemToObject(o, "bookings", a);
        ret = hubsrv_send_json(r, 200, o);
        cJSON_Delete(o);
        return ret;
    }
}

enum MHD_Result hubsrv_booking_dispatch(struct hreq *r)
{
    switch (r->route) {
    case R_ROOM_AVAIL: return availability(r);
    case R_BOOKINGS: return create(r);
    case R_BOOKING_CHECKIN: return person(r, HSB_CHECKIN);
    case R_BOOKING_CANCEL: return person(r, HSB_CANCEL);
    case R_ADMIN_BOOKING_CANCEL: return person(r, HSB_ADMIN_CANCEL);
    case R_ADMIN_BOOKINGS:
    case R_ADMIN_BOOKING: return admin_get(r);
    default: break;
    }
    return hubsrv_send_problem(r, 404, API_SLUG_NOT_FOUND, "Not found", "no such endpoint");
}
