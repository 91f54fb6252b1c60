/* adminpin: the on-site admin panel's PIN. The config holds only a salted
 * hash (scrypt through OpenSSL's EVP_PBE_scrypt, net/hub/hubpw.h: the same
 * "$scrypt$ln=15,r=8,p=1$salt$key" text as the hub's staff passwords; made
 * with `kiosk --hash-pin`). After lock_after wrong PINs in a row the panel
 * is locked for lock_s seconds; the count and the lock are kept in the state
 * folder (admin_lock, one line "failures locked_until") so a restart does
 * not reset them. Every failure and every lock is logged (never the PIN).
 * Times are the app's wall clock (virtual in scenario scripts). Verifying
 * costs 150-250 ms of CPU on the kiosk's 2 cores and 32 MiB for that
 * moment (scrypt's point), so the PIN screen checks on a thread of its own
 * (adminpin_check_*) and the UI keeps drawing. UI thread (the struct is the
 * PIN screen's), except where a function says otherwise. */
#ifndef ADMINPIN_H
#define ADMINPIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kerr.h"

#define ADMINPIN_MIN 4  /* digits of a PIN, at least */
#define ADMINPIN_MAX 12 /* and at most */
#define ADMINPIN_HASH_SIZE 128

struct adminpin {
    char path[1100]; /* <state folder>/admin_lock ("" = not kept: nothing written) */
    int lock_after;  /* wrong PINs in a row that lock (config admin_lock_after) */
    int lock_s;      /* for how long (config admin_lock_s) */
    int failures;    /* wrong PINs in a row */
    int64_t locked_until_s; /* wall clock; 0 = not locked */
};

/* True for ADMINPIN_MIN..ADMINPIN_MAX ASCII digits. */
bool adminpin_valid(const char *pin);

/* True for a text shaped like a stored hash ("$scrypt$...", shorter than
 * ADMINPIN_HASH_SIZE): what config accepts for admin_pin_hash. */
bool adminpin_hash_shaped(const char *hash);

/* Hashes pin (adminpin_valid) into out (cap >= ADMINPIN_HASH_SIZE) with a
 * fresh salt. KERR_INVALID for a PIN that is not 4-12 digits; KERR_IO, KERR_NOMEM
 * as hubpw_hash. */
enum kerr adminpin_hash(const char *pin, char *out, size_t cap);

/* Sets p up and reads the kept count and lock from state_dir (NULL or "":
 * nothing kept). A missing or unreadable file is a fresh start (logged when
 * unreadable); a lock further ahead than lock_s (the clock was set back) is
 * cut to lock_s from now_s. */
void adminpin_open(struct adminpin *p, const char *state_dir, int lock_after, int lock_s,
                   int64_t now_s);

/* Seconds the panel stays locked at now_s (0 = not locked). A lock that has
 * run out clears itself (and the count). */
int64_t adminpin_locked_for(struct adminpin *p, int64_t now_s);

enum adminpin_result {
    ADMINPIN_OK,     /* right: the count is reset */
    ADMINPIN_WRONG,  /* wrong: *left tries before the lock */
    ADMINPIN_LOCKED, /* locked now (this try made it, or it was): adminpin_locked_for says how long */
    ADMINPIN_UNSET,  /* hash is empty or not a hash: the panel cannot open */
};

/* A try in two steps, for a caller that verifies off its thread:
 * begin checks the lock and the hash at now_s (ADMINPIN_LOCKED and
 * ADMINPIN_UNSET as adminpin_try, logged); ADMINPIN_OK means verify now
 * (adminpin_check_start). record takes the verdict: counts, locks, writes
 * the state file and logs as adminpin_try; left (may be NULL) gets the tries
 * left. */
enum adminpin_result adminpin_begin(struct adminpin *p, const char *hash, int64_t now_s);
enum adminpin_result adminpin_record(struct adminpin *p, bool right, int64_t now_s, int *left);

/* A verification running on a thread of its own. start copies pin and hash
 * (the copy of the PIN is wiped when the thread is done) and calls done(ud)
 * on that thread when the verdict is in (may be NULL; the screen wakes the
 * UI loop with it): KERR_NOMEM when the thread cannot start (nothing to
 * free then). result: -1 while it runs,
 * then 1 for the right PIN, 0 for a wrong or invalid one. free waits for the
 * thread (at most one verification) and frees c; NULL is a no-op. Any one
 * thread (the one that started it). */
struct adminpin_check;
enum kerr adminpin_check_start(const char *hash, const char *pin, void (*done)(void *ud), void *ud,
                               struct adminpin_check **out);
int adminpin_check_result(const struct adminpin_check *c);
void adminpin_check_free(struct adminpin_check *c);

/* One try of pin against hash at now_s, verified on the calling thread
 * (tools and tests; the screen uses the two steps): checks the lock first (a locked
 * panel does not even verify), then verifies, counts, locks, writes the
 * state file and logs. left (may be NULL) gets the tries left. */
enum adminpin_result adminpin_try(struct adminpin *p, const char *hash, const char *pin,
                                  int64_t now_s, int *left);

#endif
