/* ctrust: checks the metadata of a bundle file against what the kiosk
 * trusts (internal to net/content; cinstall uses it). Root: the stored
 * dir/root.json or else the installed root file; each root-N.json of the
 * bundle must be version+1, signed by the trusted root and by itself; the
 * publisher list must be signed by the (new) root, not older than the stored
 * dir/keys.json and not expired; the manifest must be signed by a publisher,
 * newer than installed and max_seen, not expired, targeted at this kiosk and
 * readable by its version. Any thread. */
#ifndef CTRUST_H
#define CTRUST_H

#include <stdbool.h>
#include <stdint.h>

#include "cbundle.h"
#include "cinstall.h"
#include "cmeta.h"

struct ctrust_in {
    const char *dir, *root_file, *kiosk_id, *tower, *kiosk_version;
    int64_t installed, max_seen, now;
};

struct ctrust_out {
    struct cmeta_manifest m; /* cmeta_manifest_free */
    bool root_changed;
    int root_env;             /* index of the newest root in meta->roots */
    int64_t root_version;
};

enum kerr ctrust_check(const struct ctrust_in *in, const struct cbundle_meta *meta,
                       struct ctrust_out *out, char why[CINSTALL_WHY_SIZE]);

/* A whole small file (≤ CBUNDLE_META_MAX), NUL-terminated; NULL if not. */
char *ctrust_read_file(const char *path, size_t *len);

#endif
