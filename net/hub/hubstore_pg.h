/* hubstore_pg: the hub's store on PostgreSQL (libpq), the second backend
 * behind hubstore.h. hubstore.c keeps what both backends share (the job
 * queue, the writer thread and its batches, validation) and hands a
 * struct hubstore whose path is a postgresql:// or postgres:// URL to the
 * functions below. Its SQL is in hubstore_pg*.c, and in the PostgreSQL
 * texts beside the SQLite ones of the read queries (hubstore_read.c, through
 * hubstore_query.c) and in the writer statements of hubstore_jobs.c, which
 * run on both (hubpg_wstep turns ?N into $N):
 * hubstore_pg.c (connections, the writer's batches in pipeline mode, the
 * lease of the hub-wide chores), hubstore_pg_schema.c (the schema and its
 * migrations in schema_version), hubstore_pg_read.c (the reader pool, the
 * alerts table with LISTEN/NOTIFY, the staff's sessions),
 * hubstore_pg_share.c (screenshots, content bundles and the kiosks' polls
 * that every hub on the database sees). Include it only from net/hub/hubstore*.c.
 *
 * What this backend does in PostgreSQL terms:
 *  - a request is stored once per (kiosk, key) by INSERT ... ON CONFLICT DO
 *    NOTHING RETURNING; a job that inserted nothing reads the stored row (the
 *    concurrent winner's answer, committed by then) in a second statement;
 *  - one writer connection per hub in pipeline mode: BEGIN, the statements of
 *    every job of a batch, COMMIT and one sync are sent at once, and answers
 *    go out only after COMMIT returned; a connection lost before COMMIT
 *    returned answers 503 (the outcome is unknown: the kiosk resends with the
 *    same Idempotency-Key and gets a replay or a first store), then the
 *    writer reconnects with a backoff, one log line per state change;
 *  - no two active bookings of one room overlap: an EXCLUDE USING gist
 *    constraint (btree_gist) over int8range(slot_start, slot_end);
 *  - the retention sweep runs on one hub at a time: a lease row taken with
 *    INSERT ... ON CONFLICT (name) DO UPDATE ... WHERE holder = me OR
 *    expires_at < now();
 *  - alerts are rows, and every insert notifies channel kiosk_alerts; each
 *    hub listens on one dedicated connection and, after a reconnect, catches
 *    up from the last alert id it saw. */
#ifndef HUBSTORE_PG_H
#define HUBSTORE_PG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hubstore.h"
#include "kerr.h"

struct cJSON;
struct hubpg;
struct hubstore_val;

/* True when path names a PostgreSQL database (postgresql:// or postgres://). */
bool hubpg_is_url(const char *path);

/* Connects the writer and the readers to url, creates or migrates the schema
 * (one hub at a time: an advisory lock) and prepares the writer's
 * statements. holder names this process in leases (host:pid:random).
 * KERR_DB (logged, never with the password) or KERR_NOMEM. */
enum kerr hubpg_open(const char *url, int64_t retention_s, struct hubpg **out);

/* Stops the alert listener if started, closes every connection, frees pg.
 * NULL is a no-op. */
void hubpg_close(struct hubpg *pg);

/* Runs batch (a list linked by next) on st's writer connection and fills
 * each job's result and answer; does not call done. The kiosk's jobs
 * (request, heartbeat, kiosk add/revoke) go in one pipelined transaction;
 * the staff's jobs then run in a second one through the shared job
 * functions of hubstore_jobs.c (a savepoint each, hubpg_wstep). Writer
 * thread only. */
void hubpg_run_batch(struct hubstore *st, struct hubstore_job *batch);

/* The writer statements of hubstore_jobs.c on PostgreSQL: runs sql (SQLite's
 * text: ?N becomes $N) with the n values v and keeps its result under id
 * (0..HUBPG_WSTMTS-1) until hubpg_wreset. Returns SQLITE_ROW when it gave a
 * row, SQLITE_DONE when none, SQLITE_ERROR (logged). hubpg_wcol: column col
 * of that first row as text ("" for NULL; a boolean is t or f);
 * hubpg_wchanges: rows the last statement changed. Writer thread only. */
int hubpg_wstep(struct hubpg *pg, int id, const char *sql, int n, const struct hubstore_val *v);
void hubpg_wreset(struct hubpg *pg, int id);
const char *hubpg_wcol(struct hubpg *pg, int id, int col);
int64_t hubpg_wchanges(struct hubpg *pg);

/* Takes or renews the hub-wide lease called name for ttl_s seconds: 1 when
 * this process holds it now, 0 when another live hub does, -1 on a database
 * error. Any thread (it uses a reader connection). */
int hubpg_lease(struct hubpg *pg, const char *name, int ttl_s);

/* This process's name in leases. */
const char *hubpg_holder(const struct hubpg *pg);

/* ---- alerts shared by every hub (hubstore_pg_read.c) ---------------------- */

/* Stores an alert (its JSON text, at most 8 KiB) and notifies every hub in
 * the same transaction; *id is its row id (ids only grow). KERR_DB. */
enum kerr hubpg_alert_put(struct hubpg *pg, const char *json, int64_t *id);

/* Called on the listener thread for each alert row, in id order, exactly once
 * per row per hub process (also for rows stored while its connection was
 * down: it catches up from the last id it saw). */
typedef void (*hubpg_alert_fn)(int64_t id, const char *json, void *arg);

/* Starts the listener: one dedicated connection with LISTEN kiosk_alerts,
 * reconnecting with a backoff. Rows with id > after are delivered (0: all).
 * KERR_NOMEM, KERR_INVALID when already started. */
enum kerr hubpg_listen_start(struct hubpg *pg, int64_t after, hubpg_alert_fn fn, void *arg);

/* The hubstore_session_* functions of hubstore.h; end deletes the session
 * of hash, or (hash NULL) every session of name, and says how many. */
enum kerr hubpg_session_put(struct hubpg *pg, const uint8_t hash[32], const char *name,
                            const char *role, const char *csrf, int64_t now);
int hubpg_session_find(struct hubpg *pg, const uint8_t hash[32], int64_t now, int64_t idle_ms,
                       int64_t max_ms, char *name, char *role, char *csrf, int64_t *ends);
int hubpg_session_end(struct hubpg *pg, const uint8_t *hash, const char *name);

/* ---- shared by every hub on the database (hubstore_pg_share.c) ----------- */

/* Screenshots (table screenshots; times are the hubs' wall-clock ms, a
 * request lives ttl_s from asked). ask: sweeps the expired requests and the
 * log's screenshot and content events older than ttl_s, then stores the
 * request sid of kiosk and appends event to the alerts log (one transaction):
 * KERR_FULL when max requests are stored already. put: the PNG (png, len) or
 * the refusal reason (png NULL) of a request not yet answered, and event in
 * the log: KERR_NOTFOUND when there is none. take: the answer, deleted in the
 * statement that reads it: KERR_OK with *png (the caller frees), KERR_CONFLICT
 * with reason, KERR_BUSY not answered yet, KERR_NOTFOUND. All: KERR_DB. */
enum kerr hubpg_shot_ask(struct hubpg *pg, const char *kiosk, const char *sid, int64_t now_ms,
                         int ttl_s, int max, const char *event);
enum kerr hubpg_shot_put(struct hubpg *pg, const char *kiosk, const char *sid, int64_t now_ms,
                         int ttl_s, const unsigned char *png, size_t len, const char *reason,
                         const char *event);
enum kerr hubpg_shot_take(struct hubpg *pg, const char *kiosk, const char *sid, int64_t now_ms,
                          int ttl_s, unsigned char **png, size_t *len, char reason[128]);

/* A content bundle's bytes (table content_bundles, at most 64 MiB): put
 * stores them once per version (KERR_INVALID too large, KERR_DB); get gives
 * a copy (the caller frees): KERR_NOTFOUND, KERR_DB, KERR_NOMEM. */
enum kerr hubpg_bundle_put(struct hubpg *pg, int64_t version, const void *data, size_t len);
enum kerr hubpg_bundle_get(struct hubpg *pg, int64_t version, unsigned char **data, size_t *len);

/* A kiosk's event long-poll held by some hub until held_until_ms (wall
 * clock), with the tower it reported ("" keeps the last): note stores it
 * (failures logged); info reads it: 1 found (tower, *held: a poll is held
 * now), 0 none, -1 error. */
void hubpg_poll_note(struct hubpg *pg, const char *kiosk, const char *tower, int64_t held_until_ms);
int hubpg_poll_info(struct hubpg *pg, const char *kiosk, int64_t now_ms, char *tower, size_t cap,
                    bool *held);
/* Every kiosk's as a new object {"ID": {"tower": "t03", "held": true}},
 * NULL on error (logged). */
struct cJSON *hubpg_poll_all(struct hubpg *pg, int64_t now_ms);

/* Stops the listener (joins its thread); no-op when not started. */
void hubpg_listen_stop(struct hubpg *pg);

/* For tests: closes the listener's socket as a lost network would, so the
 * next wait notices it and reconnects. */
void hubpg_listen_break(struct hubpg *pg);

#endif
