/* hubstore_purge: what the hourly retention sweep removes so that nothing
 * the hub keeps grows without bound: the bundle bytes of content releases no
 * kiosk can still need, and (PostgreSQL) the kiosk_polls rows of kiosks that
 * are revoked or gone. A release's bundle is kept while it is one of the two
 * newest releases (the current one and the one to roll back to) or some
 * kiosk that is not revoked reports it as installed or offered (its
 * content_kiosks row); the others are marked purged (content_releases.purged,
 * the Unix time) and, on PostgreSQL, their content_bundles rows deleted. The
 * release rows stay for the history. The files are each hub's own: the
 * SQLite hub's bundle files and every hub's cache in --state-dir are removed
 * by hubcontent_sweep with hubpurge_folder. */
#ifndef HUBSTORE_PURGE_H
#define HUBSTORE_PURGE_H

#include <stdbool.h>
#include <stdint.h>

struct hubstore;
struct hubstore_swept;

/* The sweep's part, on the writer thread inside its open transaction, on
 * either backend (the PostgreSQL one only on the hub that holds the lease
 * "sweep"): marks releases purged at now_s, deletes their bundle rows and the
 * stale kiosk_polls rows, and adds what it removed to *c (hubstore.h). 0, or -1 on a
 * database error (logged; the caller rolls back). */
int hubpurge_sweep(struct hubstore *st, int64_t now_s, struct hubstore_swept *c);

/* Removes from folder dir the bundle files "bundle-V.tar" whose version
 * keep(V, arg) refuses, and temporary files ("*.tmp") older than an hour
 * (left by a crash mid-write); adds the files and bytes removed to *files
 * and *bytes. Other names are left alone. Failures to read the folder or
 * remove a file are logged. */
void hubpurge_folder(const char *dir, bool (*keep)(int64_t version, void *arg), void *arg,
                     int64_t *files, int64_t *bytes);

#endif
