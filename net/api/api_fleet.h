/* api_fleet: the wire contract of fleet operations (net/api/openapi.yaml,
 * admin.openapi.yaml): emergency alerts (kioskctl → hub → kiosks), the
 * answer of a kiosk's event long-poll, and what the hub and the kiosk both
 * check about them. Authentication of an alert end to end is the hub's TLS
 * plus the admin token (kioskctl → hub) and the kiosk's token over TLS (hub →
 * kiosk); alerts are not signed (README "Remote health, screenshots and
 * alerts"). Pure functions on caller-owned structs: any thread. */
#ifndef API_FLEET_H
#define API_FLEET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api.h"
#include "kerr.h"

struct cJSON;

#define API_ALERT_TITLE_MAX_CP 80
#define API_ALERT_TITLE_SIZE (API_ALERT_TITLE_MAX_CP * 4 + 1)
#define API_ALERT_BODY_MAX_CP 600
#define API_ALERT_BODY_SIZE (API_ALERT_BODY_MAX_CP * 4 + 1)
#define API_ALERT_TO_SIZE 600   /* "all", "tower:t03", "kiosk:HL-A01,HL-A02" (≤ 16 ids) */
#define API_ALERT_TO_IDS_MAX 16
#define API_ALERT_MAX 8         /* active alerts a hub keeps, and an events answer carries */
#define API_SHOT_ID_SIZE 17     /* screenshot request id: 16 lower-case hex digits */
#define API_SHOT_MAX (4u << 20) /* largest screenshot PNG the hub takes */
#define API_EVENTS_HOLD_S 25    /* how long the hub holds an events long-poll */

#define API_PATH_ADMIN_ALERTS "/api/v1/admin/alerts"  /* GET, POST, DELETE; + "/{id}": DELETE */
/* kiosk: GET API_PATH_KIOSKS {id} "/events?since=N&tower=T";
 *        PUT API_PATH_KIOSKS {id} "/screenshots/{sid}" (image/png or a JSON refusal)
 * admin: POST "/api/v1/admin/kiosks/{id}/screenshot";
 *        GET  "/api/v1/admin/kiosks/{id}/screenshot/{sid}" */

struct api_alert {
    int64_t id;                          /* > 0, given by the hub */
    char level[8];                       /* "urgent" or "notice" */
    char to[API_ALERT_TO_SIZE];          /* target; "" in what kiosks receive */
    char title[API_ALERT_TITLE_SIZE];    /* Chinese, 1..80 code points, one line */
    char body[API_ALERT_BODY_SIZE];      /* Chinese, 0..600 code points, '\n' allowed */
    char title_en[API_ALERT_TITLE_SIZE]; /* English, 0..80 */
    char body_en[API_ALERT_BODY_SIZE];   /* English, 0..600 */
    int64_t sent_ms;                     /* wall clock, ms since the epoch */
    int64_t until_ms;                    /* wall clock; 0 = until cleared */
};

/* True for "all", "tower:<token>" and "kiosk:<id>[,<id>...]" (at most
 * API_ALERT_TO_IDS_MAX valid kiosk ids). */
bool api_alert_to_valid(const char *to);

/* True when alert a is meant for the kiosk kiosk_id standing in tower
 * (NULL or "": unknown, so only "all" and its id match). */
bool api_alert_targets(const struct api_alert *a, const char *kiosk_id, const char *tower);

/* True when a is still to be shown at wall clock now_ms (no until, or until
 * later than now). */
bool api_alert_valid_at(const struct api_alert *a, int64_t now_ms);

/* Checks the texts, level and target (when with_to) of a. KERR_INVALID /
 * KERR_UTF8 with *why naming the member. */
enum kerr api_alert_check(const struct api_alert *a, bool with_to, const char **why);

/* a as a new cJSON object {id, level, [to,] title, body, title_en, body_en,
 * sent_at, until (null when none)}; NULL on allocation failure. */
struct cJSON *api_alert_to_json(const struct api_alert *a, bool with_to);

/* Reads an alert from o into *out (zeroed first) and checks it. With
 * from_admin the members are what kioskctl sends: to, level, title, body,
 * title_en, body_en, until (optional) — no id, no sent_at. Otherwise what a
 * kiosk receives (id, sent_at required; to ignored). KERR_PARSE for a member
 * of the wrong type, else as api_alert_check. */
enum kerr api_alert_from_json(const struct cJSON *o, bool from_admin, struct api_alert *out,
                              const char **why);

/* Parses "YYYY-MM-DDTHH:MM:SSZ" into ms since the epoch. KERR_INVALID. */
enum kerr api_time_parse(const char *s, int64_t *ms);

/* True for a screenshot request id: 16 lower-case hex digits. */
bool api_shot_id_valid(const char *s);

#endif
