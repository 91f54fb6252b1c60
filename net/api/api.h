/* api: the wire contract between kiosk and hub (net/api/openapi.yaml) as C
 * structs and JSON codecs that both ends share. Every decoder validates what
 * it reads (types, lengths in code points, charset, UTF-8 via utf8_valid) and
 * returns an enum kerr plus a short static English reason; encoders produce
 * the canonical form (fixed key order, compact), so the hub may compare two
 * requests by comparing their canonical encodings. Structs are plain values
 * with fixed-size buffers owned by the caller; encoded strings are malloc'd
 * and the caller frees them. Pure functions: any thread may call them. */
#ifndef API_H
#define API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kerr.h"

/* ---- limits (bytes include the NUL; code points are checked separately) ---- */
#define API_KIOSK_ID_SIZE 33      /* ^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$ */
#define API_TICKET_SIZE 40        /* <kiosk_id>-<6..15 digits>, at most 39 bytes */
#define API_TICKET_DIGITS_MIN 6
#define API_UUID_SIZE 37          /* canonical lower-case UUIDv4, 36 chars */
#define API_CHECK_SIZE 7          /* ticket check code: exactly 6 ASCII digits */
#define API_TIME_SIZE 21          /* "2026-11-25T14:00:00Z" (UTC, seconds) */
#define API_TOKEN_SIZE 40         /* ^[A-Za-z0-9_-]{1,39}$ ids: category, tower, company.id */
#define API_LANG_SIZE 8           /* "zh", "en", "zh-Hans"... ^[A-Za-z-]{2,7}$ */
#define API_NAME_MAX_CP 32        /* contact_name: 1..32 code points */
#define API_NAME_SIZE (API_NAME_MAX_CP * 4 + 1)
#define API_COMPANY_MAX_CP 64     /* company.name: 0..64 code points */
#define API_COMPANY_SIZE (API_COMPANY_MAX_CP * 4 + 1)
#define API_PHONE_SIZE 21         /* digits and '-', 1..20 bytes, starts with a digit */
#define API_DESC_MAX_CP 500       /* description: 1..500 code points */
#define API_DESC_SIZE (API_DESC_MAX_CP * 4 + 1)
#define API_NOTE_MAX_CP 500       /* ticket note: 0..500 code points or null */
#define API_NOTE_SIZE (API_NOTE_MAX_CP * 4 + 1)
#define API_VERSION_SIZE 33       /* "0.1.0", "2026.11.1": ^[A-Za-z0-9._+-]{1,32}$ */
#define API_ERRWORD_SIZE 33       /* heartbeat last_error: ^[a-z0-9_]{1,32}$ or null */
#define API_PROBLEM_TEXT_SIZE 257 /* title/detail: at most 256 bytes of UTF-8 */
#define API_PROBLEM_TYPE_SIZE 129 /* type URI */
#define API_BODY_MAX 16384        /* largest request body the hub accepts (else 413) */
#define API_RESPONSE_MAX 65536    /* largest response body the kiosk reads */

#define API_PROBLEM_BASE "https://huanglong-kiosk.example/problems/"
#define API_CT_JSON "application/json"
#define API_CT_PROBLEM "application/problem+json"

/* Paths (v1). Ticket and kiosk ids are validated before they are put in a URL. */
#define API_PATH_REQUESTS "/api/v1/requests"
#define API_PATH_TICKETS "/api/v1/tickets/"          /* + ticket + "?check=" + check code */
#define API_QUERY_CHECK "check"                      /* query parameter of a ticket lookup */
#define API_PATH_KIOSKS "/api/v1/kiosks/"            /* + id + "/heartbeat" */

/* ---- ids, tickets, keys, times ---- */

/* True when s matches ^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$. NULL → false. */
bool api_kiosk_id_valid(const char *s);

/* True when s is "<kiosk id>-<6..15 digits>" and shorter than API_TICKET_SIZE.
 * Anything else (e.g. "../x", spaces, empty) → false. NULL → false. */
bool api_ticket_valid(const char *s);

/* True when ticket is valid and its kiosk part equals kiosk_id. */
bool api_ticket_of_kiosk(const char *ticket, const char *kiosk_id);

/* Writes "<kiosk_id>-<seq zero-padded to 6 digits>" into out. Returns
 * KERR_INVALID for a bad kiosk id or seq == 0, KERR_TOOBIG when it would not
 * fit; out is then the empty string. */
enum kerr api_ticket_format(char out[API_TICKET_SIZE], const char *kiosk_id, uint64_t seq);

/* True when s is a canonical UUID version 4 (variant 10xx), lower or upper
 * case hex, 36 characters. */
bool api_uuid_v4_valid(const char *s);

/* Fills out with a fresh random UUIDv4 (lower case) from getrandom(2).
 * Returns KERR_IO when the kernel gave no randomness (out is then ""). */
enum kerr api_uuid_v4_make(char out[API_UUID_SIZE]);

/* True when s is a ticket check code: exactly six ASCII digits. The code is
 * printed on the receipt and carried in the QR link; a ticket lookup (kiosk
 * or phone) needs it, so a ticket number alone reveals nothing. NULL → false. */
bool api_check_valid(const char *s);

/* Fills out with a fresh uniformly random check code ("000000".."999999")
 * from getrandom(2). KERR_IO when the kernel gave no randomness (out = ""). */
enum kerr api_check_make(char out[API_CHECK_SIZE]);

/* True when s is "YYYY-MM-DDTHH:MM:SSZ" with a real calendar date. */
bool api_time_valid(const char *s);

/* Formats wall-clock milliseconds since the epoch as UTC "YYYY-MM-DDTHH:MM:SSZ". */
void api_time_format(int64_t wall_ms, char out[API_TIME_SIZE]);

/* True when url is plain http to this machine: "http://" (scheme in any
 * case), then a loopback host — a dotted quad of four decimal numbers 0..255
 * in 127.0.0.0/8, "[::1]" (any IPv6 spelling of ::1) or "localhost" (any
 * case) — an optional ":port" (1..65535), then the end, '/', '?' or '#'.
 * Everything else is false: https (not plain), a userinfo part
 * ("http://127.0.0.1@evil.example/"), hosts that only start like one
 * ("127.attacker.example", "localhost.attacker.example"), shortened, octal or
 * hex quads ("127.1", "0177.0.0.1"), percent escapes, "localhost.". Callers
 * that send a secret refuse plain http unless this is true. NULL → false. */
bool api_url_is_loopback_http(const char *url);

/* ---- help request: POST /api/v1/requests (kiosk → hub) ---- */

struct api_help_request {
    char ticket[API_TICKET_SIZE];        /* must belong to kiosk_id */
    char kiosk_id[API_KIOSK_ID_SIZE];
    char category[API_TOKEN_SIZE];       /* "legal", "tax", "hr"... */
    bool company_id_null;                /* JSON null: company typed by hand */
    char company_id[API_TOKEN_SIZE];
    char company_name[API_COMPANY_SIZE]; /* may be "" */
    char contact_name[API_NAME_SIZE];
    char phone[API_PHONE_SIZE];
    char tower[API_TOKEN_SIZE];
    char description[API_DESC_SIZE];
    char lang[API_LANG_SIZE];
    char created_at[API_TIME_SIZE];
    char check[API_CHECK_SIZE];          /* "" or 6 digits; on the wire only when set */
    char receipt_ticket[API_TICKET_SIZE]; /* "" or the ticket first printed on the receipt,
                                            when the kiosk had to renumber after a 409
                                            ticket-taken; of the same kiosk, != ticket */
};

/* Checks every field of r against the limits above. Returns KERR_OK, or
 * KERR_INVALID / KERR_UTF8 / KERR_TOOBIG with *why (if why != NULL) set to a
 * short static reason naming the field ("phone: not digits"). */
enum kerr api_help_request_check(const struct api_help_request *r, const char **why);

/* Canonical compact JSON of a valid r into *out (malloc'd, caller frees).
 * Invalid r → the check's error, *out = NULL; KERR_NOMEM on allocation. */
enum kerr api_help_request_encode(const struct api_help_request *r, char **out);

/* The same canonical text written into the caller's buf[0..cap) (NUL-
 * terminated), *len = its length, with no heap copy of any field: the outbox
 * writes a person's name and phone into one buffer that it wipes. Invalid r →
 * the check's error; KERR_TOOBIG when cap is too small (buf is then wiped). */
enum kerr api_help_request_write(const struct api_help_request *r, char *buf, size_t cap,
                                 size_t *len);

/* Parses and checks json[0..len) into *out (zeroed first). Unknown members
 * are ignored. KERR_TOOBIG above API_BODY_MAX, KERR_PARSE for bad JSON or a
 * member of the wrong type, else as api_help_request_check. */
enum kerr api_help_request_decode(const char *json, size_t len, struct api_help_request *out,
                                  const char **why);

/* ---- 201/200 answer to POST /api/v1/requests (hub → kiosk) ---- */

struct api_request_answer {
    char ticket[API_TICKET_SIZE];
    char status[16];                     /* "new" on first receipt (any ticket state on replay) */
    char received_at[API_TIME_SIZE];
};

enum kerr api_request_answer_encode(const struct api_request_answer *a, char **out);
/* As api_help_request_decode, for the answer (len ≤ API_RESPONSE_MAX). */
enum kerr api_request_answer_decode(const char *json, size_t len, struct api_request_answer *out,
                                    const char **why);

/* ---- ticket status: GET /api/v1/tickets/{ticket} (hub → kiosk) ---- */

enum api_ticket_state {
    API_TICKET_NEW = 0,
    API_TICKET_ACCEPTED,
    API_TICKET_IN_PROGRESS,
    API_TICKET_RESOLVED,
    API_TICKET_REJECTED,
    API_TICKET__COUNT
};

/* "new", "accepted", "in_progress", "resolved", "rejected"; never NULL. */
const char *api_ticket_state_str(enum api_ticket_state s);
/* Parses a state name; KERR_INVALID (and *out untouched) for anything else. */
enum kerr api_ticket_state_parse(const char *s, enum api_ticket_state *out);
/* The admin transitions: new→accepted→in_progress→resolved|rejected, new→rejected,
 * accepted→rejected, in_progress→rejected. Same state → false. */
bool api_ticket_transition_ok(enum api_ticket_state from, enum api_ticket_state to);

struct api_ticket_status {
    char ticket[API_TICKET_SIZE];
    enum api_ticket_state status;
    bool note_null;
    char note[API_NOTE_SIZE];
    char updated_at[API_TIME_SIZE];
    char category[API_TOKEN_SIZE];
};

enum kerr api_ticket_status_encode(const struct api_ticket_status *t, char **out);
enum kerr api_ticket_status_decode(const char *json, size_t len, struct api_ticket_status *out,
                                   const char **why);

/* ---- heartbeat: POST /api/v1/kiosks/{id}/heartbeat (kiosk → hub, 204) ---- */

struct api_heartbeat {
    char version[API_VERSION_SIZE];
    int64_t queue_depth;                 /* ≥ 0 */
    int64_t oldest_pending_s;            /* ≥ 0; 0 when the queue is empty */
    char content_version[API_VERSION_SIZE];
    bool online;
    bool last_error_null;
    char last_error[API_ERRWORD_SIZE];   /* a kerr_str() word such as "net" */
    bool has_screen_on;                  /* optional: omitted when false (older kiosks) */
    bool screen_on;                      /* the screen schedule: lit (true) or dark */
};

enum kerr api_heartbeat_encode(const struct api_heartbeat *h, char **out);
enum kerr api_heartbeat_decode(const char *json, size_t len, struct api_heartbeat *out,
                               const char **why);

/* ---- RFC 9457 problem details (any error answer) ---- */

struct api_problem {
    char type[API_PROBLEM_TYPE_SIZE];    /* API_PROBLEM_BASE + slug, or "about:blank" */
    char title[API_PROBLEM_TEXT_SIZE];
    int status;                          /* 100..599 */
    char detail[API_PROBLEM_TEXT_SIZE];  /* may be ""; never personal data */
    char instance[API_PROBLEM_TYPE_SIZE]; /* may be ""; for POST /api/v1/requests the hub
                                            sets API_PROBLEM_INSTANCE_KEY + Idempotency-Key */
};

/* Prefix of the problem "instance" member that names the request it answers. */
#define API_PROBLEM_INSTANCE_KEY "urn:uuid:"

/* Fills p with type = API_PROBLEM_BASE + slug (slug ^[a-z0-9-]{1,40}$), the
 * status and title/detail truncated on a UTF-8 boundary. KERR_INVALID for a
 * bad slug or status. */
enum kerr api_problem_make(struct api_problem *p, const char *slug, int status, const char *title,
                           const char *detail);
enum kerr api_problem_encode(const struct api_problem *p, char **out);
/* Lenient on extension members and on over-long title/detail (truncated);
 * strict on types, UTF-8 and status range. */
enum kerr api_problem_decode(const char *json, size_t len, struct api_problem *out,
                             const char **why);

/* True when p is the hub's own answer to the request sent with idem_key:
 * type starts with API_PROBLEM_BASE, status equals http_status and instance is
 * API_PROBLEM_INSTANCE_KEY idem_key (case-insensitive hex). A proxy's or a
 * captive portal's error page never is; only such an answer may end a queued
 * item. */
bool api_problem_is_hubs_answer(const struct api_problem *p, int http_status,
                                const char *idem_key);

/* Makes cJSON wipe every block it frees (explicit_bzero over the block's
 * usable size), so the copies a decode makes of a person's name, phone or
 * description do not linger in freed heap. Process-wide (cJSON_InitHooks):
 * call once at start, before any thread uses cJSON; the kiosk and the hub do. */
void api_json_wipe_on_free(void);

/* Problem slugs used by the hub (type = API_PROBLEM_BASE slug). */
#define API_SLUG_BAD_REQUEST "bad-request"           /* 400 */
#define API_SLUG_UNAUTHORIZED "unauthorized"         /* 401 */
#define API_SLUG_FORBIDDEN "forbidden"               /* 403: token of another kiosk */
#define API_SLUG_NOT_FOUND "not-found"               /* 404 */
#define API_SLUG_TICKET_TAKEN "ticket-taken"         /* 409: ticket under another key */
#define API_SLUG_BAD_TRANSITION "bad-transition"     /* 409: admin status change */
#define API_SLUG_TOO_LARGE "too-large"               /* 413 */
#define API_SLUG_KEY_REUSED "idempotency-key-reused" /* 422: same key, other body */
#define API_SLUG_RATE_LIMITED "rate-limited"         /* 429 + Retry-After */
#define API_SLUG_INTERNAL "internal"                 /* 500 */

#endif
