/* hubstore: the hub's database: a SQLite file (WAL, synchronous=FULL), or
 * PostgreSQL when the path is a postgresql:// URL (hubstore_pg.h: the same
 * functions, the same answers; one hub per database for now). Writes go
 * through ONE writer thread that batches the jobs of many HTTP requests into
 * one transaction (group commit) and calls each job's done callback only
 * after that transaction is durable, so an answer is never sent for a row
 * that a crash could lose. Reads use a small pool of read-only connections.
 * The store owns its connections and thread; any thread may call any
 * function; a job belongs to its submitter and must stay alive until done. */
#ifndef HUBSTORE_H
#define HUBSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "api.h"
#include "kerr.h"

struct cJSON;
struct hubstore;

#define HUBSTORE_ID_MAX (API_KIOSK_ID_SIZE - 1)   /* kiosk id bytes */
#define HUBSTORE_TICKET_MAX (API_TICKET_SIZE - 1) /* ticket bytes */
#define HUBSTORE_KEY_MAX (API_UUID_SIZE - 1)      /* idempotency key (UUID) bytes */
#define HUBSTORE_NOTE_MAX 2048 /* status note bytes (500 code points, UTF-8) */
#define HUBSTORE_SHORT_MAX 64  /* version strings, category, status */
#define HUBSTORE_USER_MAX 32   /* staff account name bytes (hubstore_user_name_valid) */
#define HUBSTORE_ROLE_MAX 15   /* viewer, handler, admin */
#define HUBSTORE_PWHASH_MAX 191 /* a stored password hash (hubpw) */
#define HUBSTORE_PAGE_HISTORY 32 /* history entries a phone page shows (the latest) */

enum hubstore_op {
    HUBSTORE_REQ_PUT,      /* store a help request once per (kiosk, key) */
    HUBSTORE_HEARTBEAT,    /* record a kiosk's status */
    HUBSTORE_STATUS_SET,   /* staff move a request to another status */
    HUBSTORE_KIOSK_ADD,    /* register (or re-register a revoked) kiosk */
    HUBSTORE_KIOSK_REVOKE, /* revoke a kiosk's token */
    HUBSTORE_SWEEP,        /* erase personal fields past retention (answer: how many) */
    HUBSTORE_USER_ADD,     /* a staff account (201, 409 when the name exists) */
    HUBSTORE_USER_UPDATE,  /* role, password, disabled, unlock of an account (200, 404) */
    HUBSTORE_LOGIN,        /* the outcome of a login: resets or counts failures, locks */
    HUBSTORE_ASSIGN,       /* a request to a staff member (200; 404 ticket; 422 no such staff) */
    HUBSTORE_AUDIT,        /* one audit row on its own (logout) */
    HUBSTORE_BOOKING,      /* a nursing-room booking write: ext is a struct hubstore_booking */
};

/* How long personal data stays. Zero members take the defaults. */
struct hubstore_config {
    int64_t retention_s;    /* after a request is closed (resolved, rejected): 30 days */
    int64_t sweep_every_ms; /* the writer erases what is due at open and then this often: 1 h */
};

/* One write. The submitter fills the inputs of its op; the writer fills
 * result (an HTTP status: 201/200/204 on success, 404/409/422/500...; 503
 * when PostgreSQL could not be reached or the connection broke before the
 * COMMIT answered: nothing is decided and a resend is safe) and
 * answer (a NUL-terminated JSON text or "" when there is none). */
struct hubstore_job {
    enum hubstore_op op;
    /* inputs */
    char kiosk_id[HUBSTORE_ID_MAX + 1];
    char ticket[HUBSTORE_TICKET_MAX + 1];
    char idem_key[HUBSTORE_KEY_MAX + 1];
    char category[HUBSTORE_SHORT_MAX + 1];
    char check[API_CHECK_SIZE];               /* REQ_PUT: "" or the check code */
    char receipt_ticket[HUBSTORE_TICKET_MAX + 1]; /* REQ_PUT: "" or the receipt's ticket */
    const char *body;        /* REQ_PUT: canonical JSON, borrowed */
    uint8_t body_hash[32];   /* REQ_PUT: SHA-256 of body */
    uint8_t token_hash[32];  /* KIOSK_ADD */
    char status[HUBSTORE_SHORT_MAX + 1]; /* STATUS_SET: target status */
    char note[HUBSTORE_NOTE_MAX + 1];    /* STATUS_SET */
    bool has_note;
    /* HEARTBEAT */
    char version[HUBSTORE_SHORT_MAX + 1];
    char content_version[HUBSTORE_SHORT_MAX + 1];
    char last_error[HUBSTORE_SHORT_MAX + 1];
    bool has_last_error;
    int64_t queue_depth, oldest_pending_s;
    bool online;
    bool has_screen_on, screen_on; /* HEARTBEAT: the screen schedule, when the kiosk says */
    /* who asks (every staff op): a staff account's name, or "admin" for the
     * admin token; it is the history's "by" and the audit log's actor. Every
     * staff op writes its audit row in the same transaction as the change. */
    char actor[HUBSTORE_USER_MAX + 1];
    /* USER_ADD, USER_UPDATE, LOGIN: the account; ASSIGN: the assignee ("" = nobody) */
    char user[HUBSTORE_USER_MAX + 1];
    char role[HUBSTORE_ROLE_MAX + 1];       /* USER_ADD; USER_UPDATE with set_role */
    char pw_hash[HUBSTORE_PWHASH_MAX + 1];  /* USER_ADD; USER_UPDATE with set_pw (unlocks too) */
    bool set_role, set_pw, set_disabled, disabled, unlock; /* USER_UPDATE */
    bool login_ok;      /* LOGIN: the password was right */
    int lock_after;     /* LOGIN: failures in a row that lock the account */
    int64_t lock_s;     /* LOGIN: for how long */
    /* AUDIT: the row; other ops: the writer's scratch for theirs */
    char action[32], target[64], detail[128];
    void *ext; /* HUBSTORE_BOOKING: its struct hubstore_booking (hubstore_booking.h), borrowed */
    /* outputs */
    int result;
    char answer[512];
    /* completion, called on the writer thread after commit (or failure) */
    void (*done)(struct hubstore_job *job, void *arg);
    void *done_arg;
    struct hubstore_job *next; /* private to the store */
    unsigned store_flags;      /* private to the store (the PostgreSQL writer's batch state) */
};

/* path is a SQLite file or a PostgreSQL URL (postgresql:// or postgres://:
 * hubstore_pg.h; the schema there is created on first start). */
/* Opens (creating if needed) the database at path, migrates its schema and
 * starts the writer thread, which also runs the retention sweep (cfg NULL:
 * the defaults): contact name, phone, description, the company name when
 * typed by hand (company.id null) and staff notes of requests closed
 * cfg->retention_s ago are erased (JSON null; erased_at set; secure_delete
 * and a WAL truncation keep the bytes off the disk), one log line with the
 * count. Rows, tickets, check codes, times and history stay. The same sweep
 * purges content bundles no kiosk needs and revoked kiosks' polls
 * (hubstore_purge.h; the hub's files through hubstore_on_sweep). On failure
 * returns KERR_DB/KERR_IO/KERR_NOMEM and *out is NULL. */
enum kerr hubstore_open(const char *path, const struct hubstore_config *cfg,
                        struct hubstore **out);

/* What a retention sweep removed from the database besides personal fields
 * (hubstore_purge.h): releases whose bundle it purged, PostgreSQL's bundle
 * bytes and kiosk_polls rows deleted. Zero on a hub whose sweep another hub
 * ran (the lease). */
struct hubstore_swept {
    int64_t releases, bytes, polls;
};

/* fn(swept, arg) is called on the writer thread after each sweep that
 * committed (NULL: none), where the hub removes its own files (the content
 * folder) and logs what the sweep removed. Sweeps before this call are not
 * reported. Any thread; clearing it (fn NULL) waits for a call in progress,
 * so fn's object may go away after that. */
void hubstore_on_sweep(struct hubstore *st, void (*fn)(const struct hubstore_swept *swept, void *arg),
                       void *arg);

/* True when several hubs may share st's database (PostgreSQL): the alerts'
 * log, the console's sessions, the screenshots and the event long-polls are
 * kept in it for every hub (below). SQLite: false, the hub keeps them itself
 * (the fleet's alerts file, hubsess.c, hubfleet.c). */
bool hubstore_shared(const struct hubstore *st);

/* The alerts' log of a PostgreSQL store (hubstore_pg.h: one for every hub
 * on the database; hubstore_shared). put stores an event (a JSON text, at most 8 KiB) and gives its
 * id (KERR_DB); listen calls fn on a thread of its own for every event, each
 * once, in id order, from the first on (KERR_INVALID without a log);
 * listen_stop stops it (before fn's object goes away). */
enum kerr hubstore_alert_put(struct hubstore *st, const char *event, int64_t *id);
enum kerr hubstore_alert_listen(struct hubstore *st, void (*fn)(int64_t id, const char *event,
                                                                void *arg),
                                void *arg);
void hubstore_alert_listen_stop(struct hubstore *st);

/* Screenshots and event long-polls kept for every hub of a PostgreSQL store
 * (hubstore_pg.h, hubpg_shot_* and hubpg_poll_*: the same arguments and
 * answers); SQLite: the hub keeps them in memory (hubfleet.c) and the calls
 * below answer KERR_INVALID, 0 or nothing. */
enum kerr hubstore_shot_ask(struct hubstore *st, const char *kiosk, const char *sid,
                            int64_t now_ms, int ttl_s, int max, const char *event);
enum kerr hubstore_shot_put(struct hubstore *st, const char *kiosk, const char *sid,
                            int64_t now_ms, int ttl_s, const unsigned char *png, size_t len,
                            const char *reason, const char *event);
enum kerr hubstore_shot_take(struct hubstore *st, const char *kiosk, const char *sid,
                             int64_t now_ms, int ttl_s, unsigned char **png, size_t *len,
                             char reason[128]);
void hubstore_poll_note(struct hubstore *st, const char *kiosk, const char *tower,
                        int64_t held_until_ms);
int hubstore_poll_info(struct hubstore *st, const char *kiosk, int64_t now_ms, char *tower,
                       size_t cap, bool *held);
struct cJSON *hubstore_poll_all(struct hubstore *st, int64_t now_ms);

/* The staff console's sessions in a PostgreSQL store (every hub on the
 * database knows them; they outlive a restart); SQLite: none (the hub keeps
 * them in memory, hubsess.c) and every call below fails. hash is the
 * token's SHA-256; times are wall-clock ms. put: KERR_OK/KERR_DB. find: the
 * live session at now (last use within idle_ms, login within max_ms) becomes
 * used now; 1 with name, role (HUBSTORE_ROLE_MAX + 1), csrf (65 bytes) and
 * *ends, 0 none (an expired one is deleted), -1 error. end_user: how many. */
enum kerr hubstore_session_put(struct hubstore *st, const uint8_t hash[32], const char *name,
                               const char *role, const char *csrf, int64_t now);
int hubstore_session_find(struct hubstore *st, const uint8_t hash[32], int64_t now,
                          int64_t idle_ms, int64_t max_ms, char *name, char *role, char *csrf,
                          int64_t *ends);
void hubstore_session_end(struct hubstore *st, const uint8_t hash[32]);
int hubstore_session_end_user(struct hubstore *st, const char *name);

/* Stops the writer after the jobs already queued are done, closes every
 * connection and frees st. NULL is a no-op. */
void hubstore_close(struct hubstore *st);

/* Queues job for the writer; job->done will be called exactly once, on the
 * writer thread. Returns KERR_FULL (and never calls done) when the queue
 * holds too many jobs, KERR_INVALID when the store is closing. */
enum kerr hubstore_submit(struct hubstore *st, struct hubstore_job *job);

/* Submits job and waits for it; returns KERR_OK when the job ran (look at
 * job->result) or the submit error. For tools and tests. */
enum kerr hubstore_run(struct hubstore *st, struct hubstore_job *job);

/* Finds the kiosk whose token hashes to hash. KERR_OK with id_out filled
 * (HUBSTORE_ID_MAX + 1 bytes) and *revoked set; KERR_NOTFOUND; KERR_DB. */
enum kerr hubstore_kiosk_by_token(struct hubstore *st, const uint8_t hash[32], char *id_out,
                                  bool *revoked);

/* Ticket status (no personal data) in *out. With check != NULL: the request
 * whose ticket or receipt_ticket is ticket and whose check code equals check
 * (compared without an early exit); a request filed without a check code
 * never matches. With check NULL (staff): the request whose ticket is ticket.
 * out->ticket is the ticket asked for (the receipt's number after a
 * renumbering). KERR_NOTFOUND when nothing matches, KERR_DB, or KERR_CORRUPT
 * for a stored status the contract does not know. */
enum kerr hubstore_ticket_status(struct hubstore *st, const char *ticket, const char *check,
                                 struct api_ticket_status *out);

/* Every kiosk with its last heartbeat, as a new cJSON array in *out. */
enum kerr hubstore_kiosk_list(struct hubstore *st, struct cJSON **out);

/* Requests, newest first, at most limit, only those with status (NULL: all),
 * as a new cJSON array of whole records (every field the kiosk sent but the
 * check code, with status, note, received_at, updated_at; no history). For
 * staff only: the admin token guards it. */
enum kerr hubstore_request_list(struct hubstore *st, const char *status, int limit,
                                struct cJSON **out);

/* The full record of one request (the stored body with its check code and
 * receipt_ticket when set, status, note, times, erased_at: null, or when the
 * personal fields were erased) with its history array, as a new cJSON
 * object. KERR_NOTFOUND when unknown. */
enum kerr hubstore_request_get(struct hubstore *st, const char *ticket, struct cJSON **out);

/* What the inbox filters on; NULL or "" members do not filter. */
struct hubstore_filter {
    const char *status;   /* a status, or "open" (new, accepted, in_progress) */
    const char *category, *tower, *kiosk;
    const char *assignee; /* a staff name, or "-" for requests assigned to nobody */
    const char *q;        /* text found (case-insensitively) in the ticket, receipt ticket,
                             company, contact name, phone or description */
    int limit;            /* 1..1000 */
};

/* Like hubstore_request_list with every filter of f (each record also has
 * its assignee). */
enum kerr hubstore_request_query(struct hubstore *st, const struct hubstore_filter *f,
                                 struct cJSON **out);

/* The values the inbox can filter on, as a new cJSON object
 * {categories:[], towers:[], kiosks:[]} of distinct ids, sorted. */
enum kerr hubstore_facets(struct hubstore *st, struct cJSON **out);

/* What the phone page shows of one request: of the personal fields only the
 * description the person typed (never a name, company or phone), and the
 * staff's notes; the retention sweep erases both with the rest. */
struct hubstore_page {
    char ticket[HUBSTORE_TICKET_MAX + 1]; /* the ticket asked for */
    char status[HUBSTORE_SHORT_MAX + 1];
    char category[HUBSTORE_SHORT_MAX + 1];
    char received_at[API_TIME_SIZE], updated_at[API_TIME_SIZE];
    char erased_at[API_TIME_SIZE]; /* "" while the personal fields are kept */
    char tower[API_TOKEN_SIZE];
    char description[API_DESC_SIZE]; /* what the person typed; "" once erased */
    int nhist;                     /* entries in hist, oldest first (the latest ones) */
    struct {
        char to[HUBSTORE_SHORT_MAX + 1];
        char at[API_TIME_SIZE];
        char note[HUBSTORE_NOTE_MAX + 1];
        bool has_note;
    } hist[HUBSTORE_PAGE_HISTORY];
};

/* The page of the request whose ticket or receipt_ticket is ticket and whose
 * check code is check (as hubstore_ticket_status with a check). KERR_NOTFOUND
 * when nothing matches (one answer for every reason), KERR_DB. */
enum kerr hubstore_ticket_page(struct hubstore *st, const char *ticket, const char *check,
                               struct hubstore_page *out);

/* A staff account as the login needs it. */
struct hubstore_user {
    char name[HUBSTORE_USER_MAX + 1];
    char role[HUBSTORE_ROLE_MAX + 1];
    char pw_hash[HUBSTORE_PWHASH_MAX + 1];
    bool disabled;
    bool locked; /* locked_until is later than now */
};

/* The account called name. KERR_NOTFOUND, KERR_DB. */
enum kerr hubstore_user_get(struct hubstore *st, const char *name, struct hubstore_user *out);

/* Every account (never its password hash) as a new cJSON array of
 * {name, role, created_at, disabled_at, locked_until, last_login}, by name. */
enum kerr hubstore_user_list(struct hubstore *st, struct cJSON **out);

/* Audit rows, newest first: at most limit, with id < before (0: from the
 * newest), as a new cJSON array of {id, at, actor, action, target, detail}. */
enum kerr hubstore_audit_list(struct hubstore *st, int64_t before, int limit, struct cJSON **out);

/* True for a staff account name: 2..32 of a-z 0-9 . _ -, starting with a
 * letter, and not "admin" (the admin token's name in history and audit). */
bool hubstore_user_name_valid(const char *s);

/* True for viewer, handler, admin. */
bool hubstore_role_valid(const char *s);

/* Number of rows in requests, for tests and the load generator. */
enum kerr hubstore_request_count(struct hubstore *st, int64_t *out);

/* True when moving a request from status `from` to `to` is allowed (the
 * contract's api_ticket_transition_ok: new→accepted→in_progress→resolved,
 * and rejected from any open state). */
bool hubstore_transition_ok(const char *from, const char *to);

/* True for one of new, accepted, in_progress, resolved, rejected. */
bool hubstore_status_valid(const char *s);

/* Copies the SQLite hub database file (brought to this hub's schema first,
 * as kiosk-hub does at start, retention sweep included) into the PostgreSQL
 * database at url (its schema created if new), every table and row with its
 * ids and times, in one transaction on each side; prints "TABLE ROWS" per
 * table to report (NULL: nothing). The files beside the SQLite file
 * (FILE.content/, FILE.alerts.json) are not copied. KERR_USAGE when file is
 * a URL or url is not one, KERR_NOTFOUND when file does not exist,
 * KERR_CONFLICT when the PostgreSQL database already holds hub rows (nothing
 * is written), KERR_DB (logged). */
enum kerr hubstore_copy_to_pg(const char *file, const char *url, FILE *report);

/* Writes the current UTC time as the contract's RFC 3339 form
 * ("2026-11-25T14:00:00Z") into out (at least API_TIME_SIZE bytes). */
void hubstore_now(char *out, size_t cap);

#endif
