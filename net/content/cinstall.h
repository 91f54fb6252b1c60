/* cinstall: the kiosk's side of signed content updates: verifying a bundle
 * file, unpacking it, switching to it with one atomic rename, and what
 * happens at start (trial, rollback, leftovers). Everything lives in one
 * folder (<state>/content):
 *   b-N/manifest.json   the verified manifest envelope of version N
 *   b-N/bundle/...      its files (the folder the kiosk loads)
 *   current -> b-N      symlink; replaced by rename(2): the switch
 *   previous -> b-M     what a rollback returns to
 *   root.json keys.json the newest trusted root and publisher key list
 *   state.json          good / trial / highest version, last error
 *   staging/ incoming.part    work in progress, removed at start
 * A bundle is on trial from its switch until cinstall_mark_good; a start
 * during the trial after the first one (the kiosk crashed or was killed on
 * it), or its failed check, rolls it back. Versions never go down: a version
 * not above the highest ever installed is refused. One thread at a time per
 * folder (the sender thread installs; the UI thread boots before the sender
 * starts and then only marks). */
#ifndef CINSTALL_H
#define CINSTALL_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kerr.h"

#define CINSTALL_WHY_SIZE 160
#define CINSTALL_MAX_BYTES_DEFAULT (64ull << 20)

struct cinstall_cfg {
    const char *dir;           /* <state>/content (created when missing) */
    const char *root_file;     /* the root.json the kiosk was installed with */
    const char *kiosk_id;
    const char *tower;         /* may be "" */
    const char *kiosk_version; /* "0.1.0" */
    uint64_t max_bytes;        /* unpacked total; 0 → CINSTALL_MAX_BYTES_DEFAULT */
    /* The full content check of an unpacked bundle folder: 0 valid, else a
     * reason in why. NULL: none (tests). */
    int (*check)(const char *bundle_dir, char *why, size_t whysz, void *ud);
    void *check_ud;
};

struct cinstall_state {
    int64_t good;     /* version marked good; 0 none */
    int64_t trial;    /* version on trial; 0 none */
    int trial_boots;  /* starts on the trial version */
    int64_t max_seen; /* highest version installed */
    int64_t err_version;
    char error[CINSTALL_WHY_SIZE]; /* last content error, "" none */
};

struct cinstall_info {
    int64_t version;         /* 0: no pushed bundle (the shipped one is used) */
    int64_t created, expires;
    char bundle_dir[PATH_MAX];
};

/* The state (zeros when there is none). */
void cinstall_state_load(const char *dir, struct cinstall_state *st);

/* Verifies the bundle file `file` (signatures, root rotation, key list,
 * version, expiry, targets, kiosk version, every path, type, size and hash),
 * unpacks it, runs cfg->check, switches to it and records its trial.
 * *version gets the manifest's version (0 if unreadable). On refusal the old
 * content stays, the reason is in why and recorded as the last error. */
enum kerr cinstall_apply(const struct cinstall_cfg *cfg, const char *file, int64_t now,
                         int64_t *version, char why[CINSTALL_WHY_SIZE]);

/* At start, before anything loads content: removes leftovers, checks that
 * current is complete (every file's size and hash), rolls back a bundle
 * that was on trial at the last start, counts this start. info gets the
 * bundle to load (version 0: none). */
void cinstall_boot(const struct cinstall_cfg *cfg, struct cinstall_info *info);

/* Goes back to previous (or to none) because of `reason` (recorded as the
 * last error of the current version). */
enum kerr cinstall_rollback(const struct cinstall_cfg *cfg, const char *reason);

/* The UI now shows version v (its trial start counts); and: v ran well. */
void cinstall_trial_started(const char *dir, int64_t v);
void cinstall_mark_good(const char *dir, int64_t v);

/* What current points to, verified only by name (cheap; cinstall_boot does
 * the full check). */
enum kerr cinstall_current(const char *dir, struct cinstall_info *info);

/* Checks every file of b-N folder `bdir` against its manifest. */
enum kerr cinstall_verify_installed(const char *bdir, struct cinstall_info *info,
                                    char why[CINSTALL_WHY_SIZE]);

/* Records a content error (also those of the download) for the heartbeat. */
void cinstall_note_error(const char *dir, int64_t version, const char *why);

/* Path of the download file (dir/incoming.part). */
void cinstall_incoming_path(const char *dir, char out[PATH_MAX]);

#endif
