/* hubfleet: what the hub knows of its fleet in memory, shared by the HTTP
 * threads: the active emergency alerts (also written to a JSON file beside
 * the database, so a restarted hub keeps them; expired ones are dropped),
 * each kiosk's tower as its event long-poll reports it, the event sequence
 * those long-polls wait on, the polls held now (waiters), and the
 * screenshots asked for and uploaded (memory only; erased when downloaded,
 * refused, or HUBFLEET_SHOT_TTL_S after the request; with a shared store,
 * hubfleet_use_shots, only which kiosk has a request waiting). One mutex; a thread of
 * its own wakes held polls at their deadline. Any thread may call any
 * function. It knows nothing of HTTP: a waiter's wake() does that. */
#ifndef HUBFLEET_H
#define HUBFLEET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api_fleet.h"
#include "kerr.h"

struct cJSON;
struct hubfleet;

#define HUBFLEET_SHOT_TTL_S 300 /* a screenshot (asked or uploaded) lives at most this long */
#define HUBFLEET_SHOTS_MAX 16   /* screenshots waiting at once */
#define HUBFLEET_REASON_SIZE 128

/* A held long-poll. The caller owns it (inside its request) and keeps it
 * alive until wake() was called; wake runs once, on any thread, without the
 * fleet's lock. */
struct hubfleet_waiter {
    struct hubfleet_waiter *next;   /* private */
    uint64_t deadline_ms;           /* monotonic */
    void (*wake)(struct hubfleet_waiter *w);
};

/* Opens the fleet state; alerts_path is the JSON file that keeps alerts
 * (NULL: memory only). A missing file is an empty list; a damaged one is
 * logged and ignored. Starts the deadline thread. KERR_NOMEM. */
enum kerr hubfleet_open(const char *alerts_path, struct hubfleet **out);
/* A log the alerts are kept in instead of the JSON file (the PostgreSQL
 * store: one log for every hub on the database). put stores one event (a
 * JSON text) and gives its id: ids grow in the order the events commit. */
struct hubfleet_log {
    enum kerr (*put)(void *arg, const char *event, int64_t *id);
    void *arg;
};

/* Keeps the alerts in log from now on (f opened without a file): an add or a
 * clear is stored as an event and takes effect when the log hands it back to
 * hubfleet_log_event (it waits for that, at most 2 s, so a list right after
 * shows it). The events' sequence is then 1 + the id of the last alert event
 * applied: the same on every hub reading the log. Call before the first
 * alert op and the first poll. */
void hubfleet_use_log(struct hubfleet *f, const struct hubfleet_log *log);

/* An event of the log, each once, in id order, from any hub on the log (this
 * one included): {"add": alert as a kiosk gets it plus "to"} (its id is the
 * event's) or {"clear": id, 0 = all}; {"shot"} and {"shot_done"} (see
 * hubfleet_use_shots). Expired adds are skipped, other events ignored. One
 * thread at a time (the log's listener). */
void hubfleet_log_event(struct hubfleet *f, int64_t id, const char *event);

/* Screenshots kept where every hub on the database sees them (the
 * PostgreSQL store: hubstore_shot_*, whose arguments and answers these
 * are) instead of this process's memory. ask and put also append event to
 * the log of hubfleet_use_log; each hub learns of a request there
 * (hubfleet_log_event: {"shot":{"kiosk","sid","at"}} wakes the kiosk's held
 * poll and puts "screenshot" in its events answer; {"shot_done":{"kiosk",
 * "sid"}} when it was answered). Call before the first screenshot op. */
struct hubfleet_shots {
    enum kerr (*ask)(void *arg, const char *kiosk, const char *sid, int64_t now_ms, int ttl_s,
                     int max, const char *event);
    enum kerr (*put)(void *arg, const char *kiosk, const char *sid, int64_t now_ms, int ttl_s,
                     const unsigned char *png, size_t len, const char *reason, const char *event);
    enum kerr (*take)(void *arg, const char *kiosk, const char *sid, int64_t now_ms, int ttl_s,
                      unsigned char **png, size_t *len, char reason[HUBFLEET_REASON_SIZE]);
    void *arg;
};
void hubfleet_use_shots(struct hubfleet *f, const struct hubfleet_shots *shots);

/* Wakes every waiter, stops the thread, frees f. NULL is a no-op. */
void hubfleet_close(struct hubfleet *f);
/* Wakes every waiter now and every later one at once (the hub stops). */
void hubfleet_release_all(struct hubfleet *f);

/* Adds a (checked, from kioskctl) alert: sets a->id and a->sent_ms, saves
 * the list, wakes every waiter. KERR_FULL when API_ALERT_MAX are active,
 * KERR_INVALID when until is not in the future, KERR_IO when it could not be
 * saved (then it is not added). */
enum kerr hubfleet_alert_add(struct hubfleet *f, struct api_alert *a);
/* Clears the alert id (0: every alert); *n = how many were cleared.
 * KERR_NOTFOUND when id is not active. Saves and wakes waiters. */
enum kerr hubfleet_alert_clear(struct hubfleet *f, int64_t id, int *n);
/* The active alerts, urgent first, newest first, as a new cJSON array. */
struct cJSON *hubfleet_alert_list(struct hubfleet *f);

/* The answer to a kiosk's events poll: {"seq":N,"alerts":[...],
 * "screenshot":sid|null}, the alerts valid now that target the kiosk.
 * tower ("" or NULL: keep the last known) is remembered for the kiosk.
 * Returns a new object, NULL on allocation failure. */
struct cJSON *hubfleet_events(struct hubfleet *f, const char *kiosk, const char *tower);

/* Holds w until the sequence moves past since, or a screenshot is asked of
 * kiosk, or w->deadline_ms: false (nothing held) when that is already so
 * or the fleet is stopping. */
bool hubfleet_hold(struct hubfleet *f, struct hubfleet_waiter *w, const char *kiosk,
                   uint64_t since);

/* The kiosk's tower as last reported ("" when unknown) into out[API_TOKEN_SIZE];
 * true while a poll of it is held. */
bool hubfleet_kiosk_info(struct hubfleet *f, const char *kiosk, char *out);

/* Forgets the tower of every kiosk keep(id, arg) refuses (revoked or
 * removed; the retention sweep on SQLite, as PostgreSQL's deletes their
 * kiosk_polls rows) unless a poll of it is held. Returns how many. */
int hubfleet_forget(struct hubfleet *f, bool (*keep)(const char *kiosk, void *arg), void *arg);

/* Screenshots. ask: a new request of kiosk, its id in sid; wakes the kiosk.
 * KERR_FULL when HUBFLEET_SHOTS_MAX wait. put: the kiosk's PNG (taken over
 * on KERR_OK, else the caller frees it) or, png NULL, its refusal reason.
 * KERR_NOTFOUND for an unknown, expired or other kiosk's request.
 * take: the state of sid of kiosk: KERR_OK with *png (the caller frees; the
 * hub keeps no copy), KERR_BUSY while the kiosk has not answered,
 * KERR_CONFLICT when the kiosk refused, with reason (erased too), KERR_NOTFOUND. */
enum kerr hubfleet_shot_ask(struct hubfleet *f, const char *kiosk, char sid[API_SHOT_ID_SIZE]);
enum kerr hubfleet_shot_put(struct hubfleet *f, const char *kiosk, const char *sid,
                            unsigned char *png, size_t len, const char *reason);
enum kerr hubfleet_shot_take(struct hubfleet *f, const char *kiosk, const char *sid,
                             unsigned char **png, size_t *len,
                             char reason[HUBFLEET_REASON_SIZE]);

#endif
