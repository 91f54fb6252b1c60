/* cbundle: the signed bundle file, one tar archive (libarchive, pax) with,
 * in this order:
 *   manifest.json   envelope of the manifest (cmeta.h), signed by a publisher
 *   keys.json       envelope of the publisher key list, signed by the root
 *   root-N.json     zero or more root rotations, oldest first
 *   content/<path>  every file of the manifest, regular files only
 * cbundle_sign writes one (kioskctl content sign); cbundle_peek reads the
 * metadata at its head without trusting it (the hub, which cannot verify
 * anything it would act on, and the kiosk before it verifies). Any thread. */
#ifndef CBUNDLE_H
#define CBUNDLE_H

#include <stddef.h>
#include <stdint.h>

#include "cmeta.h"
#include "kerr.h"

#define CBUNDLE_META_MAX (1u << 20) /* bytes of one metadata entry */
#define CBUNDLE_MAX_ROOTS 8
#define CBUNDLE_WHY_SIZE 200

struct cbundle_sign_opts {
    const char *key_path;          /* the publisher's private key */
    const char *trust_dir;         /* keys.json and root-N.json; NULL: key_path's folder */
    int64_t version;               /* > 0 */
    int64_t created;               /* Unix seconds */
    int expires_days;              /* > 0 */
    const char *targets;           /* "all" or "tower:t03,kiosk:HL-A01,…" */
    const char *min_kiosk_version; /* "0.1.0" */
};

/* Writes the bundle file out_path from the regular files under dir (a
 * symlink, a device or a bad path name in dir is refused). KERR_* with a
 * reason in why. */
enum kerr cbundle_sign(const char *dir, const struct cbundle_sign_opts *o, const char *out_path,
                       char why[CBUNDLE_WHY_SIZE]);

/* The metadata entries at the head of a bundle file, as raw envelopes. */
struct cbundle_meta {
    char *manifest;
    size_t manifest_len;
    char *keys;
    size_t keys_len;
    int nroots;
    char *roots[CBUNDLE_MAX_ROOTS];
    size_t roots_len[CBUNDLE_MAX_ROOTS];
};

/* Reads the metadata of the bundle file at path (stops at the first content
 * entry). KERR_PARSE for a file that is not such a bundle (why says why). */
enum kerr cbundle_peek(const char *path, struct cbundle_meta *out, char why[CBUNDLE_WHY_SIZE]);
void cbundle_meta_free(struct cbundle_meta *m);

/* The signed text of an envelope, NOT verified (display only: the hub's
 * list). malloc'd, NULL when malformed. */
char *cbundle_unverified_text(const char *envelope, size_t len);

#endif
