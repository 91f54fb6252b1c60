/* hubstore_content: what the hub keeps of signed content updates: the
 * published releases (bundle files in a folder beside the database, their
 * manifest, to whom and from when they are offered) and each kiosk's last
 * reported content version and error. The hub cannot sign and verifies
 * nothing it relays: the kiosks do. Releases and kiosk states are kept in
 * memory (a few hundred kiosks, a few dozen releases) and written through to
 * the tables of migration 5 on their own SQLite connection when they change,
 * so a heartbeat costs no write unless something changed. On PostgreSQL
 * (several hubs on one database) the database is the truth: the list is read
 * again when any hub published (hubcontent_log_event) and at least every
 * 30 s, the list and status answers read it first, every heartbeat updates
 * the kiosk's row when something changed (or its time once a minute), and
 * the bundle bytes are in the database too: the folder is a cache, filled on
 * a first download and checked against the release's sha256. Thread-safe
 * (one mutex); any daemon thread may call. */
#ifndef HUBSTORE_CONTENT_H
#define HUBSTORE_CONTENT_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kerr.h"

#define HUBCONTENT_BODY_MAX (64u << 20) /* largest bundle file accepted */
#define HUBCONTENT_TO_SIZE 512
#define HUBCONTENT_ERR_SIZE 161

struct hubcontent;

struct hubstore;

/* Opens the content store of st, whose database is db_path (SQLite: a
 * connection of its own to it; PostgreSQL: the store's readers); the bundle
 * files are in "<files>.content/" (files: db_path for SQLite, or a path in
 * the hub's --state-dir). KERR_IO / KERR_DB. */
enum kerr hubcontent_open(struct hubstore *st, const char *db_path, const char *files,
                          struct hubcontent **out);
void hubcontent_close(struct hubcontent *hc);

/* Publishes the bundle file data (len bytes) to `to` ("all", "tower:t03",
 * "kiosk:HL-A01", comma-separated) from time `at` (Unix seconds; 0 = now).
 * The same version again with the same bytes only changes to/at (widening a
 * staged rollout). KERR_PARSE not a bundle (why), KERR_CONFLICT a version
 * not above the newest with other bytes, KERR_IO. *version gets it. */
enum kerr hubcontent_publish(struct hubcontent *hc, const void *data, size_t len, const char *to,
                             int64_t at, int64_t *version, char why[200]);

/* A kiosk's heartbeat: records (when changed) its tower, content version and
 * error; when a newer release is offered to it now, adds the member
 * "content": {"version","size","sha256","url"} to answer. content -1: the
 * kiosk takes no content updates (older kiosks): nothing is done. */
void hubcontent_heartbeat(struct hubcontent *hc, const char *kiosk, const char *tower,
                          int64_t content, const char *error, cJSON *answer);

/* The newest release offered to this kiosk now, as {"version","size",
 * "sha256","manifest"} (a new object), or NULL. */
cJSON *hubcontent_manifest_for(struct hubcontent *hc, const char *kiosk, const char *tower);

/* What hubcontent_bundle_path found of a version. */
enum hubcontent_bundle {
    HUBCONTENT_BUNDLE_UNKNOWN, /* no such release */
    HUBCONTENT_BUNDLE_OK,      /* path is its file */
    HUBCONTENT_BUNDLE_REMOVED, /* the retention sweep removed its bundle (the release row stays) */
};

/* Path of the bundle file of version v into path, its size into *size. On
 * PostgreSQL the file is fetched into the cache folder first when missing
 * (path "" when that failed: logged). */
enum hubcontent_bundle hubcontent_bundle_path(struct hubcontent *hc, int64_t v, char *path,
                                              size_t cap, uint64_t *size);

/* The retention sweep's part for this hub's folder (hubstore_on_sweep):
 * reads which releases are purged (PostgreSQL: the whole list again) and
 * removes the bundle files of those and of versions no release has, adding
 * the files and bytes removed to *files and *bytes. Any thread. */
void hubcontent_sweep(struct hubcontent *hc, int64_t *files, int64_t *bytes);

/* An event of the store's log (PostgreSQL, hubstore_alert_listen): a
 * {"content":version} from any hub makes the next use read the list again.
 * Any thread. */
void hubcontent_log_event(struct hubcontent *hc, const char *event);

/* {"releases":[…]} and {"kiosks":[…]} for kioskctl (new objects); a release
 * whose bundle the sweep removed has "bundle_removed_at" (else null). */
cJSON *hubcontent_list(struct hubcontent *hc);
cJSON *hubcontent_status(struct hubcontent *hc);

#endif
