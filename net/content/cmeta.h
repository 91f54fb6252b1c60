/* cmeta: the three kinds of signed metadata of content updates, TUF style,
 * as plain structs with JSON codecs:
 *   root        {"type":"root","version":N,"keys":[{"keyid","public"}]}
 *               v1 is installed on the kiosk; v(N+1) must be signed by a
 *               key of vN and a key of its own (rotation).
 *   publishers  {"type":"publishers","version":N,"expires":T,"keys":[…]}
 *               the content editors' keys, signed by the root.
 *   manifest    {"type":"content","version":N,"created":T,"expires":T,
 *                "min_kiosk_version":"0.1.0","targets":["all"|"tower:t03"|
 *                "kiosk:HL-A01",…],"files":[{"path","size","sha256"}]}
 *               signed by a publisher key.
 * Times are RFC 3339 UTC ("2026-11-27T10:00:00Z"). Decoders check types,
 * ranges and every file path (cmeta_path_ok). Pure; any thread. */
#ifndef CMETA_H
#define CMETA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "csign.h"
#include "kerr.h"

#define CMETA_MAX_FILES 4096
#define CMETA_MAX_TARGETS 64
#define CMETA_PATH_SIZE 256
#define CMETA_TARGET_SIZE 48
#define CMETA_VERSION_MAX 1000000000LL

struct cmeta_keys { /* root or publishers */
    int64_t version;
    int64_t expires; /* publishers: Unix seconds; root: 0 (never) */
    struct csign_keyset keys;
};

struct cmeta_file {
    char path[CMETA_PATH_SIZE];
    uint64_t size;
    char sha256[CSIGN_SHA256_SIZE];
};

struct cmeta_manifest {
    int64_t version;
    int64_t created, expires; /* Unix seconds */
    char min_kiosk_version[33];
    int ntargets;
    char targets[CMETA_MAX_TARGETS][CMETA_TARGET_SIZE];
    size_t nfiles;
    struct cmeta_file *files; /* malloc'd; cmeta_manifest_free */
    uint64_t total_size;
};

/* True when p is a safe relative path inside a bundle: 1..255 bytes of
 * [A-Za-z0-9._-] and '/', no empty, "." or ".." component, not absolute. */
bool cmeta_path_ok(const char *p);
/* True when t is "all", "tower:<id>" or "kiosk:<id>" (ids ^[A-Za-z0-9_-]{1,32}$). */
bool cmeta_target_ok(const char *t);
/* True when the targets include this kiosk (by id or by tower). */
bool cmeta_targets_match(const struct cmeta_manifest *m, const char *kiosk_id,
                         const char *tower);
/* Parses "2026-11-27T10:00:00Z" into Unix seconds; false when malformed. */
bool cmeta_time_parse(const char *s, int64_t *out);
void cmeta_time_format(int64_t t, char out[21]);
/* Compares dotted versions numerically ("0.10.0" > "0.9.1"); -1, 0, 1. */
int cmeta_version_cmp(const char *a, const char *b);

/* Decoders of the signed text (not the envelope). type is "root" or
 * "publishers". KERR_PARSE / KERR_INVALID with a static reason in *why. */
enum kerr cmeta_keys_decode(const char *text, const char *type, struct cmeta_keys *out,
                            const char **why);
enum kerr cmeta_manifest_decode(const char *text, struct cmeta_manifest *out, const char **why);
void cmeta_manifest_free(struct cmeta_manifest *m);
/* Looks a path up in the manifest; NULL when absent. */
const struct cmeta_file *cmeta_manifest_find(const struct cmeta_manifest *m, const char *path);

/* Encoders (malloc'd text in *out). */
enum kerr cmeta_keys_encode(const char *type, int64_t version, int64_t expires,
                            const struct csign_keyset *keys, char **out);
enum kerr cmeta_manifest_encode(const struct cmeta_manifest *m, char **out);

#endif
