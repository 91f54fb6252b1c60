/* hubsess: the web console's login sessions, kept in memory (a restart of
 * the hub logs everyone out), or with the PostgreSQL store in its table
 * (hubsess_use_store: shared by every hub, kept over a restart). A session token is 256 random bits, given to
 * the browser once, in an HttpOnly cookie; the table keeps only its SHA-256
 * with the account's name and role, a CSRF token (64 hex digits, handed to
 * the page's script, required on every change) and its times. A session ends
 * after idle_ms without a request or max_ms after login, whichever is first.
 * At most HUBSESS_MAX at once; a new one then replaces the one idle longest.
 * Owned by the server; any thread (one mutex). Times are monotonic ms passed
 * in by the caller, so tests can move them. */
#ifndef HUBSESS_H
#define HUBSESS_H

#include <stdbool.h>
#include <stdint.h>

#include "kerr.h"

#define HUBSESS_MAX 1024
#define HUBSESS_TOKEN_LEN 64    /* hex digits of a session or CSRF token */
#define HUBSESS_COOKIE "hub_session"

struct hubsess;

/* What a session knows of its account. */
struct hubsess_info {
    char user[33];
    char role[16];
    char csrf[HUBSESS_TOKEN_LEN + 1];
    uint64_t idle_ends_ms; /* when it ends unless used again */
};

/* A table with these lifetimes. NULL when out of memory. */
struct hubsess *hubsess_new(uint64_t idle_ms, uint64_t max_ms);

/* Frees the table (and forgets every session). NULL is a no-op. */
void hubsess_free(struct hubsess *t);

/* Starts a session for user with role at now_ms: its token in token_out
 * (HUBSESS_TOKEN_LEN + 1 bytes, for the cookie only), its info in *info.
 * KERR_IO when there is no randomness. */
enum kerr hubsess_create(struct hubsess *t, const char *user, const char *role, uint64_t now_ms,
                         char *token_out, struct hubsess_info *info);

/* The live session of token at now_ms, which counts as a use (the idle time
 * starts again). False (and the session is forgotten) when it expired, or
 * when token is unknown or malformed. */
bool hubsess_find(struct hubsess *t, const char *token, uint64_t now_ms, struct hubsess_info *out);

/* Ends the session of token (logout). Unknown tokens are ignored. */
void hubsess_end(struct hubsess *t, const char *token);

/* Ends every session of user (its role, password or account changed).
 * Returns how many ended. */
int hubsess_end_user(struct hubsess *t, const char *user);

/* Where the sessions live instead of this table: a database every hub
 * shares (the PostgreSQL store). Times there are wall-clock ms; the table's
 * idle and max lifetimes apply. put: a new session; find: the live session
 * of hash at now (a use: its idle time starts again), 1 found, 0 not (an
 * expired one is deleted), -1 error; end / end_user: delete. */
struct hubsess_store {
    enum kerr (*put)(void *arg, const uint8_t hash[32], const struct hubsess_info *info,
                     int64_t now);
    int (*find)(void *arg, const uint8_t hash[32], int64_t now, int64_t idle_ms, int64_t max_ms,
                struct hubsess_info *out, int64_t *ends);
    void (*end)(void *arg, const uint8_t hash[32]);
    int (*end_user)(void *arg, const char *user);
    void *arg;
};

/* Keeps the sessions in store from now on (before the first session). */
void hubsess_use_store(struct hubsess *t, const struct hubsess_store *store);

/* True when hdr (the X-CSRF-Token header, may be NULL) is the session's CSRF
 * token; compared in constant time. */
bool hubsess_csrf_ok(const struct hubsess_info *info, const char *hdr);

/* Copies the value of the HUBSESS_COOKIE cookie in a Cookie header (may be
 * NULL) into out (HUBSESS_TOKEN_LEN + 1 bytes). False when there is none or
 * it is not HUBSESS_TOKEN_LEN hex digits. */
bool hubsess_cookie_token(const char *cookie_hdr, char *out);

#endif
