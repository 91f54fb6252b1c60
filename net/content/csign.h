/* csign: Ed25519 keys, signatures and signed metadata ("envelopes") for
 * content bundles, on OpenSSL's libcrypto. An envelope is the JSON object
 * {"signed":"<text>","signatures":[{"keyid":"…","sig":"<base64>"}]}: the
 * signature covers the exact bytes of the signed text, which is itself JSON
 * (root, publisher key list or manifest, see cmeta.h). A public key is 32 raw
 * bytes in base64; its key id is the first 8 bytes of its SHA-256 in hex.
 * Pure functions on caller-owned buffers; any thread may call them. */
#ifndef CSIGN_H
#define CSIGN_H

#include <stdbool.h>
#include <stddef.h>

#include "kerr.h"

#define CSIGN_KEYID_SIZE 17  /* 16 hex digits */
#define CSIGN_PUB_SIZE 45    /* base64 of 32 bytes */
#define CSIGN_SIG_SIZE 89    /* base64 of 64 bytes */
#define CSIGN_SHA256_SIZE 65 /* hex */
#define CSIGN_MAX_KEYS 8     /* keys in one set (root or publishers) */

struct csign_key; /* a private key (opaque) */

/* One set of trusted public keys. */
struct csign_keyset {
    int n;
    char keyid[CSIGN_MAX_KEYS][CSIGN_KEYID_SIZE];
    char pub[CSIGN_MAX_KEYS][CSIGN_PUB_SIZE];
};

/* Makes a new key pair: the private key as PKCS#8 PEM in key_path (mode 0600,
 * refused when the file exists: KERR_CONFLICT) and {"keyid","public"} in
 * pub_path. KERR_IO when a file cannot be written. */
enum kerr csign_keygen(const char *key_path, const char *pub_path);

/* Loads a PEM Ed25519 private key. KERR_IO unreadable, KERR_INVALID not an
 * Ed25519 key. Free with csign_key_free. */
enum kerr csign_key_load(const char *path, struct csign_key **out);
void csign_key_free(struct csign_key *k);
const char *csign_key_id(const struct csign_key *k);
const char *csign_key_pub(const struct csign_key *k);

/* Reads a public key file {"keyid","public"} (as csign_keygen writes it)
 * into pub; KERR_PARSE when it is not one. */
enum kerr csign_pub_load(const char *path, char pub[CSIGN_PUB_SIZE]);

/* The key id of a base64 public key; false when pub is not 32 bytes. */
bool csign_keyid_of(const char *pub, char keyid[CSIGN_KEYID_SIZE]);

/* Adds pub to set (ignores a duplicate); KERR_TOOBIG when full, KERR_INVALID
 * for a malformed key. */
enum kerr csign_keyset_add(struct csign_keyset *set, const char *pub);
bool csign_keyset_has(const struct csign_keyset *set, const char *keyid);

/* SHA-256 of data in lower-case hex. */
void csign_sha256_hex(const void *data, size_t len, char out[CSIGN_SHA256_SIZE]);

/* Signs text with every key of keys and returns the envelope (malloc'd) in
 * *out. KERR_NOMEM, KERR_INVALID when a key fails. */
enum kerr csign_envelope_make(const char *text, struct csign_key *const *keys, int nkeys,
                              char **out);

/* Opens an envelope: at least one signature of a key in set must verify over
 * the signed text, which is returned (malloc'd) in *text. Signatures of keys
 * not in set are ignored. KERR_PARSE malformed, KERR_AUTH no valid signature
 * by a trusted key (*why says which). */
enum kerr csign_envelope_open(const char *json, size_t len, const struct csign_keyset *set,
                              char **text, const char **why);

#endif
