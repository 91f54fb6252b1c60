/* hubfleet_impl: struct hubfleet and what hubfleet.c (alerts, polls) and
 * hubfleet_shot.c (screenshots) share; seen by no other file. */
#ifndef HUBFLEET_IMPL_H
#define HUBFLEET_IMPL_H

#include <pthread.h>

#include "hubfleet.h"

#define KIOSKS_MAX 4096 /* towers remembered; more kiosks than this are not expected */

struct kiosk_seen {
    char id[API_KIOSK_ID_SIZE];
    char tower[API_TOKEN_SIZE];
    int held; /* polls of it held now */
};

struct shot {
    bool used;
    char sid[API_SHOT_ID_SIZE];
    char kiosk[API_KIOSK_ID_SIZE];
    int64_t asked_ms; /* wall clock (the same on every hub of a shared store) */
    bool answered;
    bool told; /* an events answer carried it: no longer a reason not to hold */
    unsigned char *png;
    size_t len;
    char reason[HUBFLEET_REASON_SIZE];
};

struct held {
    struct hubfleet_waiter *w;
    char kiosk[API_KIOSK_ID_SIZE];
    uint64_t since;
};

struct hubfleet {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t thread;
    bool thread_started, stopping;
    char *alerts_path;
    struct hubfleet_log log; /* log.put set: the alerts live in the log (hubfleet_use_log) */
    int64_t log_applied;     /* the last event of the log applied */
    pthread_cond_t applied;  /* log_applied moved */
    struct api_alert alerts[API_ALERT_MAX];
    int nalerts;
    int64_t last_id;
    uint64_t seq;
    struct kiosk_seen *kiosks;
    int nkiosks;
    struct held *held;
    int nheld, capheld;
    struct shot shots[HUBFLEET_SHOTS_MAX];
    struct hubfleet_shots store; /* store.ask set: requests live there (hubfleet_use_shots) */
};

/* Bumps the sequence and wakes every held poll (kiosk NULL), or wakes the
 * held polls of kiosk. Not locked. */
void hubfleet_bump(struct hubfleet *f, const char *kiosk);

/* Drops the expired screenshot requests and gives the pending one of kiosk
 * not yet answered, or NULL. Locked. */
struct shot *hubfleet_shot_pending(struct hubfleet *f, const char *kiosk);

/* A shared store's event {"shot":...} or {"shot_done":...} (cJSON objects,
 * NULL when absent) applied to the list of requests; wakes the kiosk's polls
 * for a new request. Not locked. hubfleet_shot.c. */
void hubfleet_shot_event(struct hubfleet *f, const struct cJSON *shot, const struct cJSON *done);

#endif
